/*
 * query_log.c - one logfmt line per request (see query_log.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dns/edns.h"
#include "dns/log.h"
#include "dns/msg.h"
#include "dns/query_log.h"
#include "dns/rrtype.h"

#define LINE_MAX_ 2048

struct dns_query_log {
	char *path;         /* NULL: standard output */
	atomic_int fd;
	pthread_mutex_t reopen;
};

static int open_fd(const char *path)
{
	if (!path)
		return fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

dns_query_log_t *dns_query_log_open(const char *path, char *err, size_t errlen)
{
	dns_query_log_t *q = calloc(1, sizeof(*q));
	if (!q) {
		snprintf(err, errlen, "query log: out of memory");
		return NULL;
	}
	if (strcmp(path, "-") != 0 && !(q->path = strdup(path))) {
		free(q);
		snprintf(err, errlen, "query log: out of memory");
		return NULL;
	}
	int fd = open_fd(q->path);
	if (fd < 0) {
		snprintf(err, errlen, "query log: %s: %s", path, strerror(errno));
		free(q->path);
		free(q);
		return NULL;
	}
	atomic_init(&q->fd, fd);
	pthread_mutex_init(&q->reopen, NULL);
	return q;
}

void dns_query_log_reopen(dns_query_log_t *q)
{
	if (!q || !q->path)
		return;
	pthread_mutex_lock(&q->reopen);
	int fd = open_fd(q->path);
	if (fd < 0) {
		dns_log(DNS_LOG_WARN, "cannot reopen the query log", "file", q->path, "error",
		        strerror(errno), NULL);
	} else {
		/* dup2 onto the old descriptor: a worker writing now writes to one
		 * file or the other, never to a closed descriptor */
		dup2(fd, atomic_load(&q->fd));
		close(fd);
	}
	pthread_mutex_unlock(&q->reopen);
}

void dns_query_log_close(dns_query_log_t *q)
{
	if (!q)
		return;
	close(atomic_load(&q->fd));
	pthread_mutex_destroy(&q->reopen);
	free(q->path);
	free(q);
}

typedef struct out {
	char *buf;
	size_t cap, len;
} out_t;

static void addf(out_t *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void addf(out_t *o, const char *fmt, ...)
{
	if (o->len + 1 >= o->cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len = (size_t)n < o->cap - o->len ? o->len + (size_t)n : o->cap - 1;
}

/* " key=value", the value quoted when logfmt needs it. */
static void add_value(out_t *o, const char *key, const char *v)
{
	char q[DNS_NAME_TEXT_MAX * 2 + 4];
	dns_log_value(q, sizeof(q), v);
	addf(o, " %s=%s", key, q);
}

static void add_peer(out_t *o, const struct sockaddr *sa, bool tcp)
{
	char a[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;
	if (sa && sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
		inet_ntop(AF_INET, &in->sin_addr, a, sizeof(a));
		port = ntohs(in->sin_port);
	} else if (sa && sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
		inet_ntop(AF_INET6, &in6->sin6_addr, a, sizeof(a));
		port = ntohs(in6->sin6_port);
	}
	addf(o, " client=%s port=%u proto=%s", a, port, tcp ? "tcp" : "udp");
}

static void add_flags(out_t *o, uint16_t f)
{
	static const struct { uint16_t bit; const char *name; } names[] = {
		{ DNS_FLAG_QR, "qr" }, { DNS_FLAG_AA, "aa" }, { DNS_FLAG_TC, "tc" },
		{ DNS_FLAG_RD, "rd" }, { DNS_FLAG_RA, "ra" }, { DNS_FLAG_AD, "ad" },
		{ DNS_FLAG_CD, "cd" },
	};
	const char *sep = " flags=";
	bool any = false;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (f & names[i].bit) {
			addf(o, "%s%s", sep, names[i].name);
			sep = ",";
			any = true;
		}
	}
	if (!any)
		addf(o, " flags=none");
}

/* The question, EDNS and TSIG of the request. */
static void add_request(out_t *o, const uint8_t *req, size_t reqlen, unsigned *edns_version)
{
	char op[16];
	addf(o, " id=%u opcode=%s", dns_get16(req), dns_opcode_text(dns_flags_opcode(dns_get16(req + 2)), op, sizeof(op)));
	dns_msg_t m;
	if (dns_msg_parse(&m, req, reqlen) != DNS_OK) {
		addf(o, " malformed=1");
		dns_msg_free(&m);
		return;
	}
	if (m.has_question) {
		char name[DNS_NAME_TEXT_MAX], t[16];
		dns_name_to_text(m.qname, name, sizeof(name));
		add_value(o, "qname", name);
		if (m.qclass != DNS_CLASS_IN)
			addf(o, " qclass=%u", m.qclass);
		dns_rrtype_to_text(m.qtype, t, sizeof(t));
		addf(o, " qtype=%s", t);
	}
	dns_edns_t e;
	if (m.opt && dns_edns_parse(&m.opt->rr, &e) == DNS_OK) {
		addf(o, " edns=%u%s", e.udp_size, e.do_bit ? " do=1" : "");
		*edns_version = e.version;
	}
	if (m.tsig) {
		char key[DNS_NAME_TEXT_MAX];
		dns_name_to_text(m.tsig->rr.owner, key, sizeof(key));
		add_value(o, "key", key);
	}
	dns_msg_free(&m);
}

/* The extended rcode: the header's, plus OPT's upper bits when an error
 * could carry them (BADVERS answers a request with an EDNS version). */
static unsigned answer_rcode(const uint8_t *resp, size_t len, unsigned edns_version)
{
	unsigned rc = dns_flags_rcode(dns_get16(resp + 2));
	if (rc == 0 && edns_version == 0)
		return rc;
	dns_msg_t m;
	dns_edns_t e;
	if (dns_msg_parse(&m, resp, len) == DNS_OK && m.opt &&
	    dns_edns_parse(&m.opt->rr, &e) == DNS_OK)
		rc |= (unsigned)e.ext_rcode << 4;
	dns_msg_free(&m);
	return rc;
}

size_t dns_query_log_format(char *buf, size_t cap, uint64_t now_ms, const struct sockaddr *peer,
                            bool tcp, const uint8_t *req, size_t reqlen, const uint8_t *resp,
                            size_t resplen)
{
	out_t o = { buf, cap, 0 };
	if (cap)
		buf[0] = '\0';
	time_t s = (time_t)(now_ms / 1000);
	struct tm tm;
	gmtime_r(&s, &tm);
	char stamp[32];
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	addf(&o, "ts=%s.%03uZ", stamp, (unsigned)(now_ms % 1000));
	add_peer(&o, peer, tcp);
	unsigned edns_version = 0;
	if (reqlen >= DNS_HDR_LEN)
		add_request(&o, req, reqlen, &edns_version);
	else
		addf(&o, " malformed=1");
	if (resplen >= DNS_HDR_LEN) {
		char rc[16];
		addf(&o, " rcode=%s", dns_rcode_text(answer_rcode(resp, resplen, edns_version), rc,
		                                      sizeof(rc)));
		add_flags(&o, dns_get16(resp + 2));
	}
	addf(&o, " qsize=%zu size=%zu", reqlen, resplen);
	return o.len;
}

void dns_query_log_write(dns_query_log_t *q, const struct sockaddr *peer, bool tcp,
                         const uint8_t *req, size_t reqlen, const uint8_t *resp, size_t resplen)
{
	if (!q)
		return;
	char line[LINE_MAX_];
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	uint64_t now = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
	size_t n = dns_query_log_format(line, sizeof(line) - 1, now, peer, tcp, req, reqlen, resp,
	                                resplen);
	line[n++] = '\n';
	ssize_t w = write(atomic_load_explicit(&q->fd, memory_order_relaxed), line, n);
	(void)w;
}
