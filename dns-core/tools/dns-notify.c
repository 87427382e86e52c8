/*
 * dns-notify - send one NOTIFY (RFC 1996), optionally TSIG-signed, and
 * report the answer.
 *
 *   dns-notify [--key name:alg:secret] [--timeout SECONDS] [--tcp] SERVER[:PORT] ZONE
 *
 * Over UDP the request is sent up to three times, each waiting a third of
 * the timeout.  Exit status: 0 NOERROR (and, with --key, a valid TSIG),
 * 1 any other answer, a TSIG failure or no answer, 2 usage errors,
 * 3 REFUSED with a verified TSIG for a key whose name gives it no notify
 * authority over the zone (explained on stderr: the caller may announce
 * through another zone, as dns-primary-git reloads everything anyway).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dns/authority.h"
#include "dns/keys.h"
#include "dns/msg.h"
#include "dns/name.h"
#include "dns/notify.h"
#include "dns/tsig.h"

#define EXIT_FAIL 1
#define EXIT_USAGE 2
#define EXIT_NO_AUTHORITY 3
#define UDP_TRIES 3
#define ANSWER_MAX 65535

static const char usage_text[] =
	"usage: dns-notify [--key name:alg:secret] [--timeout SECONDS] [--tcp] SERVER[:PORT] ZONE\n"
	"\n"
	"Send a NOTIFY for ZONE to SERVER and wait for its answer.\n"
	"\n"
	"  SERVER            an IPv4 or IPv6 address: 192.0.2.1, 192.0.2.1:5300,\n"
	"                    2001:db8::1, [2001:db8::1]:5300 (default port 53)\n"
	"  --key K           sign with TSIG key K, name:alg:base64secret\n"
	"                    (alg hmac-sha256, sha256, ...); the answer's TSIG is checked\n"
	"  --timeout S       give up after S seconds (default 5); over UDP the\n"
	"                    request is sent 3 times within that time\n"
	"  --tcp             use TCP instead of UDP\n"
	"  -h, --help        this text\n"
	"      --version     the version\n"
	"\n"
	"Exit status: 0 NOERROR, 1 another rcode, TSIG failure or timeout, 2 usage,\n"
	"3 REFUSED because the key's name gives it no notify authority over ZONE\n"
	"(key names and what they allow: docs/repository.md).\n";

static int usage(const char *why)
{
	/* The first line of the usage is enough after a specific complaint. */
	fprintf(stderr, "dns-notify: %s\n%.*s(see dns-notify --help)\n", why,
	        (int)(strchr(usage_text, '\n') - usage_text + 1), usage_text);
	return EXIT_USAGE;
}

typedef struct opts {
	dns_tsig_key_t key;
	bool has_key;
	double timeout;
	bool tcp;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	uint8_t zone[DNS_NAME_MAX];
	char zone_text[DNS_NAME_TEXT_MAX];
	char server_text[INET6_ADDRSTRLEN + 8];
} opts_t;

/* "a.b.c.d", "a.b.c.d:port", "v6", "[v6]", "[v6]:port". */
static bool parse_server(opts_t *o, const char *arg)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *port = NULL;
	size_t hl;
	if (arg[0] == '[') {
		const char *end = strchr(arg, ']');
		if (!end)
			return false;
		hl = (size_t)(end - arg - 1);
		if (end[1] == ':')
			port = end + 2;
		else if (end[1] != '\0')
			return false;
		arg++;
	} else {
		const char *colon = strchr(arg, ':');
		if (colon && strchr(colon + 1, ':'))
			colon = NULL; /* bare IPv6 address, no port */
		hl = colon ? (size_t)(colon - arg) : strlen(arg);
		if (colon)
			port = colon + 1;
	}
	if (hl == 0 || hl >= sizeof host)
		return false;
	memcpy(host, arg, hl);
	host[hl] = '\0';

	unsigned long p = 53;
	if (port) {
		char *end;
		errno = 0;
		p = strtoul(port, &end, 10);
		if (errno || *port == '\0' || *end != '\0' || p == 0 || p > 65535)
			return false;
	}
	memset(&o->addr, 0, sizeof o->addr);
	struct sockaddr_in *s4 = (struct sockaddr_in *)&o->addr;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&o->addr;
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)p);
		o->addrlen = sizeof *s4;
	} else if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)p);
		o->addrlen = sizeof *s6;
	} else {
		return false;
	}
	dns_notify_target_t t;
	dns_notify_target_set(&t, (struct sockaddr *)&o->addr, o->addrlen, 0);
	dns_notify_target_text(&t, o->server_text, sizeof o->server_text);
	return true;
}

static bool parse_zone(opts_t *o, const char *arg)
{
	char text[DNS_NAME_TEXT_MAX + 2];
	size_t n = strlen(arg), len;
	if (n == 0 || n > DNS_NAME_TEXT_MAX)
		return false;
	/* Zones are always absolute; accept them without the final dot. */
	snprintf(text, sizeof text, "%s%s", arg, arg[n - 1] == '.' ? "" : ".");
	if (dns_name_from_text(o->zone, &len, text, strlen(text), NULL) != DNS_OK)
		return false;
	dns_name_to_text(o->zone, o->zone_text, sizeof o->zone_text);
	size_t tl = strlen(o->zone_text);
	if (tl > 1 && o->zone_text[tl - 1] == '.')
		o->zone_text[tl - 1] = '\0';
	return true;
}

static int parse_args(opts_t *o, int argc, char **argv)
{
	const char *pos[2];
	int npos = 0;
	o->timeout = 5;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(usage_text, stdout);
			return 0;
		} else if (!strcmp(a, "--version")) {
			printf("dns-notify %s\n", DNS_SUITE_VERSION);
			return 0;
		} else if (!strcmp(a, "--tcp")) {
			o->tcp = true;
		} else if (!strcmp(a, "--key") || !strcmp(a, "--timeout")) {
			if (i + 1 >= argc)
				return usage("missing value after option");
			const char *v = argv[++i];
			if (a[2] == 'k') {
				if (dns_tsig_key_from_text(&o->key, v, strlen(v)) != DNS_OK)
					return usage("invalid --key (want name:alg:base64secret)");
				o->has_key = true;
			} else {
				char *end;
				o->timeout = strtod(v, &end);
				if (*v == '\0' || *end != '\0' || !(o->timeout > 0 && o->timeout <= 3600))
					return usage("invalid --timeout (want seconds, 0 < S <= 3600)");
			}
		} else if (a[0] == '-' && a[1] != '\0') {
			return usage("unknown option");
		} else if (npos < 2) {
			pos[npos++] = a;
		} else {
			return usage("too many arguments");
		}
	}
	if (npos != 2)
		return usage("want SERVER[:PORT] and ZONE");
	if (!parse_server(o, pos[0]))
		return usage("invalid SERVER (want an IPv4/IPv6 address, optional :PORT)");
	if (!parse_zone(o, pos[1]))
		return usage("invalid ZONE");
	return -1;
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Wait until @fd is ready for @events or @deadline (monotonic ms). */
static bool wait_fd(int fd, short events, uint64_t deadline)
{
	for (;;) {
		uint64_t now = now_ms();
		if (now >= deadline)
			return false;
		struct pollfd p = {.fd = fd, .events = events};
		uint64_t left = deadline - now;
		int r = poll(&p, 1, left > 60000 ? 60000 : (int)left);
		if (r > 0)
			return true;
		if (r < 0 && errno != EINTR)
			return false;
	}
}

/* An answer to request @id? (Other datagrams are ignored.) */
static bool is_answer(const uint8_t *buf, size_t len, uint16_t id)
{
	return len >= DNS_HDR_LEN && dns_get16(buf) == id && (buf[2] & 0x80);
}

/* UDP: send up to UDP_TRIES times; returns the answer length or 0. */
static size_t exchange_udp(const opts_t *o, const uint8_t *req, size_t len, uint16_t id,
                           uint8_t *ans)
{
	int fd = socket(o->addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (const struct sockaddr *)&o->addr, o->addrlen) < 0) {
		perror("dns-notify: socket");
		if (fd >= 0)
			close(fd);
		return 0;
	}
	uint64_t per_try = (uint64_t)(o->timeout * 1000 / UDP_TRIES);
	size_t got = 0;
	for (int t = 0; t < UDP_TRIES && !got; t++) {
		uint64_t deadline = now_ms() + (per_try ? per_try : 1);
		if (send(fd, req, len, 0) < 0 && errno != ECONNREFUSED)
			break;
		while (!got && wait_fd(fd, POLLIN, deadline)) {
			ssize_t n = recv(fd, ans, ANSWER_MAX, 0);
			if (n < 0 && errno != ECONNREFUSED && errno != EINTR)
				break;
			if (n > 0 && is_answer(ans, (size_t)n, id))
				got = (size_t)n;
		}
	}
	close(fd);
	return got;
}

static bool read_full(int fd, uint8_t *p, size_t n, uint64_t deadline)
{
	while (n > 0) {
		if (!wait_fd(fd, POLLIN, deadline))
			return false;
		ssize_t r = read(fd, p, n);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			return false;
		p += r;
		n -= (size_t)r;
	}
	return true;
}

static bool write_full(int fd, const uint8_t *p, size_t n, uint64_t deadline)
{
	while (n > 0) {
		if (!wait_fd(fd, POLLOUT, deadline))
			return false;
		ssize_t r = send(fd, p, n, MSG_NOSIGNAL);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			return false;
		p += r;
		n -= (size_t)r;
	}
	return true;
}

/* TCP (RFC 7766): two-byte length prefix; returns the answer length or 0. */
static size_t exchange_tcp(const opts_t *o, const uint8_t *req, size_t len, uint16_t id,
                           uint8_t *ans)
{
	uint64_t deadline = now_ms() + (uint64_t)(o->timeout * 1000);
	int fd = socket(o->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		perror("dns-notify: socket");
		return 0;
	}
	size_t got = 0;
	uint8_t out[2 + DNS_NOTIFY_REQ_MAX], lenb[2];
	dns_put16(out, (uint16_t)len);
	memcpy(out + 2, req, len);
	int r = connect(fd, (const struct sockaddr *)&o->addr, o->addrlen);
	if (r < 0 && errno != EINPROGRESS)
		goto out;
	if (!write_full(fd, out, len + 2, deadline))
		goto out;
	/* Skip anything that is not our answer (there should be nothing). */
	while (!got && read_full(fd, lenb, 2, deadline)) {
		size_t n = dns_get16(lenb);
		if (!read_full(fd, ans, n, deadline))
			break;
		if (is_answer(ans, n, id))
			got = n;
	}
out:
	close(fd);
	return got;
}

/*
 * A REFUSED answer the user can act on.  dns-primary-git reads a key's
 * authority from its name (dns/authority.h); a bare "REFUSED (TSIG ok)"
 * does not say that the key, valid as it is, names another zone.  Other
 * servers (Knot ACLs) decide otherwise, so this is said only after the
 * server refused, never instead of asking it.  Returns the exit status.
 */
static int explain_refused(const opts_t *o, bool tsig_ok)
{
	fflush(stdout); /* after the "REFUSED from" line it explains */
	if (!o->has_key) {
		fprintf(stderr, "dns-notify: %s refused an unsigned NOTIFY for %s: dns-primary-git "
		        "accepts only NOTIFYs signed with a key that has notify authority (--key)\n",
		        o->server_text, o->zone_text);
		return EXIT_FAIL;
	}
	if (!tsig_ok || dns_key_authorizes(o->key.name, DNS_OP_NOTIFY, o->zone))
		return EXIT_FAIL;
	char key[DNS_NAME_TEXT_MAX], zone[DNS_NAME_TEXT_MAX], label[DNS_NAME_TEXT_MAX] = "<label>";
	dns_name_to_text(o->key.name, key, sizeof key);
	dns_name_to_text(o->zone, zone, sizeof zone);
	dns_op_t op;
	const uint8_t *covers;
	if (dns_key_operation(o->key.name, &op, &covers) == DNS_OK) {
		/* The labels left of the operation label ("hook" of
		 * hook._notify.example.com.) name the root key to suggest. */
		size_t end = (size_t)(covers - o->key.name), at = 0;
		while (at + 1 + o->key.name[at] < end)
			at += 1 + o->key.name[at];
		if (at > 0) {
			uint8_t left[DNS_NAME_MAX];
			memcpy(left, o->key.name, at);
			left[at] = 0;
			dns_name_to_text(left, label, sizeof label);
			label[strlen(label) - 1] = '\0'; /* "hook." -> "hook" */
		}
	}
	fprintf(stderr, "dns-notify: key %s has no notify authority over %s: a key covers the "
	        "zone named to the right of its _notify/_transfer/_update label and the zones "
	        "below it; use a key named %s._notify. to announce every zone\n",
	        key, zone, label);
	return EXIT_NO_AUTHORITY;
}

/* Check and print the answer; returns the exit status. */
static int report(const opts_t *o, const uint8_t *ans, size_t len, uint16_t id,
                  const uint8_t *mac, size_t mac_len)
{
	dns_msg_t m;
	char rb[16], tb[32], tsig[64] = "";
	int status = EXIT_FAIL;
	if (dns_msg_parse(&m, ans, len) != DNS_OK ||
	    dns_notify_check_response(&m, id, o->zone) != DNS_OK) {
		printf("%s: malformed answer from %s\n", o->zone_text, o->server_text);
		goto out;
	}
	unsigned rc = dns_flags_rcode(m.flags);
	bool tsig_ok = true;
	if (o->has_key) {
		uint16_t terr = 0;
		dns_err_t err = dns_tsig_verify_response(&m, &o->key, mac, mac_len,
		                                         (uint64_t)time(NULL), &terr);
		tsig_ok = err == DNS_OK;
		if (tsig_ok)
			snprintf(tsig, sizeof tsig, " (TSIG ok)");
		else if (err == DNS_ENOTFOUND)
			snprintf(tsig, sizeof tsig, " (TSIG missing: answer unsigned)");
		else if (err == DNS_ETSIG)
			snprintf(tsig, sizeof tsig, " (TSIG failed: %s)",
			         dns_tsig_error_text(terr, tb, sizeof tb));
		else
			snprintf(tsig, sizeof tsig, " (TSIG failed: %s)", dns_strerror(err));
	}
	printf("%s: %s from %s%s\n", o->zone_text, dns_rcode_text(rc, rb, sizeof rb), o->server_text,
	       tsig);
	if (rc == DNS_RCODE_NOERROR && tsig_ok)
		status = 0;
	else if (rc == DNS_RCODE_REFUSED)
		status = explain_refused(o, tsig_ok);
out:
	dns_msg_free(&m);
	return status;
}

int main(int argc, char **argv)
{
	static opts_t o;
	int r = parse_args(&o, argc, argv);
	if (r >= 0)
		return r;

	uint8_t req[DNS_NOTIFY_REQ_MAX], mac[DNS_TSIG_MAC_MAX];
	size_t len = 0, mac_len = 0;
	uint16_t id = dns_notify_random_id();
	dns_err_t err = dns_notify_build_request(req, sizeof req, &len, id, o.zone, NULL,
	                                         o.has_key ? &o.key : NULL, (uint64_t)time(NULL),
	                                         mac, &mac_len);
	if (err) {
		fprintf(stderr, "dns-notify: cannot build the request: %s\n", dns_strerror(err));
		return EXIT_FAIL;
	}

	static uint8_t ans[ANSWER_MAX];
	size_t n = o.tcp ? exchange_tcp(&o, req, len, id, ans) : exchange_udp(&o, req, len, id, ans);
	if (n == 0) {
		printf("%s: no answer from %s within %g s\n", o.zone_text, o.server_text, o.timeout);
		return EXIT_FAIL;
	}
	return report(&o, ans, n, id, mac, mac_len);
}
