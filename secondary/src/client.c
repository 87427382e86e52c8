/*
 * client.c - SOA queries and zone transfers toward a primary (see client.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "dns/msg.h"
#include "dns/rrtype.h"
#include "dns/tsig.h"

#include "client.h"
#include "state.h"

void sec_client_init(sec_client_t *c)
{
	pthread_mutex_init(&c->mu, NULL);
	c->fd = -1;
	c->cancelled = false;
}

void sec_client_destroy(sec_client_t *c)
{
	pthread_mutex_destroy(&c->mu);
}

void sec_client_cancel(sec_client_t *c)
{
	pthread_mutex_lock(&c->mu);
	c->cancelled = true;
	if (c->fd >= 0)
		shutdown(c->fd, SHUT_RDWR);
	pthread_mutex_unlock(&c->mu);
}

/* A socket toward the primary, bound to our configured address, registered
 * for cancellation.  -1 with @err set on failure. */
static int open_socket(sec_client_t *c, const sec_zone_conf_t *z, int type, char *err,
                       size_t errlen)
{
	int fd = socket(z->primary.ss.ss_family, type | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (z->has_source && z->source.ss.ss_family == z->primary.ss.ss_family &&
	    bind(fd, (const struct sockaddr *)&z->source.ss, z->source.len) != 0) {
		snprintf(err, errlen, "bind to our address: %s", strerror(errno));
		close(fd);
		return -1;
	}
	pthread_mutex_lock(&c->mu);
	bool cancelled = c->cancelled;
	if (!cancelled)
		c->fd = fd;
	pthread_mutex_unlock(&c->mu);
	if (cancelled) {
		snprintf(err, errlen, "cancelled");
		close(fd);
		return -1;
	}
	return fd;
}

static void close_socket(sec_client_t *c, int fd)
{
	pthread_mutex_lock(&c->mu);
	c->fd = -1;
	pthread_mutex_unlock(&c->mu);
	close(fd);
}

static uint64_t now_s(void)
{
	return (uint64_t)time(NULL);
}

static uint16_t random_id(void)
{
	uint16_t id = 0;
	if (RAND_bytes((unsigned char *)&id, sizeof id) != 1)
		id = (uint16_t)(time(NULL) ^ (uintptr_t)&id);
	return id;
}

/* Wait until @fd is readable/writable; false on timeout or error. */
static bool wait_fd(int fd, short events, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	int r;
	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	return r > 0 && !(p.revents & POLLNVAL);
}

/* ---- SOA query ---- */

static dns_err_t build_soa_query(const sec_zone_conf_t *z, uint16_t id, uint8_t *buf,
                                 size_t cap, size_t *len, uint8_t *mac, size_t *mac_len)
{
	dns_msg_builder_t b;
	dns_msg_builder_init(&b, buf, cap, cap);
	dns_err_t e = dns_msg_builder_header(&b, id, 0);
	if (!e)
		e = dns_msg_builder_question(&b, z->origin, DNS_TYPE_SOA, 1);
	if (e)
		return e;
	*len = dns_msg_builder_finish(&b);
	*mac_len = 0;
	if (z->has_key)
		return dns_tsig_sign(buf, len, cap, &z->key, now_s(), mac, mac_len);
	return DNS_OK;
}

/* Check an answer to our SOA query and take the serial from it. */
static dns_err_t check_soa_answer(const sec_zone_conf_t *z, uint16_t id, const uint8_t *mac,
                                  size_t mac_len, const uint8_t *msg, size_t len,
                                  uint32_t *serial, bool *truncated, char *err, size_t errlen)
{
	dns_msg_t m;
	dns_err_t e = dns_msg_parse(&m, msg, len);
	if (e) {
		snprintf(err, errlen, "malformed SOA answer");
		goto out;
	}
	if (m.id != id || !(m.flags & DNS_FLAG_QR) || !m.has_question ||
	    m.qtype != DNS_TYPE_SOA || !dns_name_equal(m.qname, z->origin)) {
		snprintf(err, errlen, "SOA answer does not match the query");
		e = DNS_EINVAL;
		goto out;
	}
	if (z->has_key) {
		uint16_t terr = 0;
		e = dns_tsig_verify_response(&m, &z->key, mac, mac_len, now_s(), &terr);
		if (e) {
			snprintf(err, errlen, "SOA answer: TSIG %s (error %u)",
			         e == DNS_ENOTFOUND ? "missing" : "verification failed", terr);
			e = DNS_ETSIG;
			goto out;
		}
	}
	*truncated = (m.flags & DNS_FLAG_TC) != 0;
	if (*truncated)
		goto out;
	if (dns_flags_rcode(m.flags) != DNS_RCODE_NOERROR) {
		snprintf(err, errlen, "SOA query answered with rcode %u", dns_flags_rcode(m.flags));
		e = DNS_EDENIED;
		goto out;
	}
	size_t n;
	const dns_msg_rr_t *an = dns_msg_section(&m, DNS_SEC_ANSWER, &n);
	e = DNS_ENOTFOUND;
	snprintf(err, errlen, "no SOA in the answer");
	for (size_t i = 0; i < n; i++) {
		uint32_t r1, r2, r3;
		if (an[i].rr.type == DNS_TYPE_SOA && dns_name_equal(an[i].rr.owner, z->origin) &&
		    sec_soa_rdata_fields(an[i].rr.rdata, an[i].rr.rdlen, serial, &r1, &r2, &r3)) {
			e = DNS_OK;
			err[0] = '\0';
			break;
		}
	}
out:
	dns_msg_free(&m);
	return e;
}

static bool write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

/* Read exactly @n bytes, each wait bounded by @timeout_ms.  0 ok, 1 EOF
 * before the first byte, -1 error/timeout. */
static int read_all(int fd, uint8_t *p, size_t n, int timeout_ms)
{
	size_t got = 0;
	while (got < n) {
		if (!wait_fd(fd, POLLIN, timeout_ms))
			return -1;
		ssize_t r = recv(fd, p + got, n - got, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			return got == 0 ? 1 : -1;
		if (r < 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

static int tcp_connect(sec_client_t *c, const sec_zone_conf_t *z, char *err, size_t errlen)
{
	int fd = open_socket(c, z, SOCK_STREAM, err, errlen);
	if (fd < 0)
		return -1;
	int fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	int r = connect(fd, (const struct sockaddr *)&z->primary.ss, z->primary.len);
	if (r != 0 && errno != EINPROGRESS) {
		snprintf(err, errlen, "connect: %s", strerror(errno));
		close_socket(c, fd);
		return -1;
	}
	if (r != 0) {
		int soerr = 0;
		socklen_t sl = sizeof soerr;
		if (!wait_fd(fd, POLLOUT, SEC_XFR_CONNECT_TIMEOUT_MS) ||
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 || soerr != 0) {
			snprintf(err, errlen, "connect: %s", soerr ? strerror(soerr) : "timed out");
			close_socket(c, fd);
			return -1;
		}
	}
	fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	return fd;
}

/* Send one length-prefixed message. */
static bool tcp_send(int fd, const uint8_t *msg, size_t len)
{
	uint8_t pre[2] = { (uint8_t)(len >> 8), (uint8_t)len };
	return write_all(fd, pre, 2) && write_all(fd, msg, len);
}

/* Read one length-prefixed message into @buf (65535 bytes). 0/1/-1 as read_all. */
static int tcp_recv(int fd, uint8_t *buf, size_t *len, int timeout_ms)
{
	uint8_t pre[2];
	int r = read_all(fd, pre, 2, timeout_ms);
	if (r)
		return r;
	*len = (size_t)pre[0] << 8 | pre[1];
	return read_all(fd, buf, *len, timeout_ms) ? -1 : 0;
}

static dns_err_t soa_tcp(sec_client_t *c, const sec_zone_conf_t *z, uint32_t *serial,
                         char *err, size_t errlen)
{
	uint8_t q[1024], mac[DNS_TSIG_MAC_MAX];
	size_t qlen, mac_len;
	uint16_t id = random_id();
	dns_err_t e = build_soa_query(z, id, q, sizeof q, &qlen, mac, &mac_len);
	if (e) {
		snprintf(err, errlen, "building the SOA query: %s", dns_strerror(e));
		return e;
	}
	int fd = tcp_connect(c, z, err, errlen);
	if (fd < 0)
		return DNS_EIO;
	uint8_t *buf = malloc(DNS_XFR_MSG_MAX);
	size_t len = 0;
	e = DNS_EIO;
	if (!buf) {
		snprintf(err, errlen, "out of memory");
	} else if (!tcp_send(fd, q, qlen) || tcp_recv(fd, buf, &len, SEC_SOA_TIMEOUT_MS * 2)) {
		snprintf(err, errlen, "SOA query over TCP: no answer");
	} else {
		bool tc = false;
		e = check_soa_answer(z, id, mac, mac_len, buf, len, serial, &tc, err, errlen);
	}
	free(buf);
	close_socket(c, fd);
	return e;
}

dns_err_t sec_client_soa(sec_client_t *c, const sec_zone_conf_t *z, uint32_t *serial,
                         char *err, size_t errlen)
{
	int fd = open_socket(c, z, SOCK_DGRAM, err, errlen);
	if (fd < 0)
		return DNS_EIO;
	if (connect(fd, (const struct sockaddr *)&z->primary.ss, z->primary.len) != 0) {
		snprintf(err, errlen, "connect: %s", strerror(errno));
		close_socket(c, fd);
		return DNS_EIO;
	}
	dns_err_t e = DNS_EIO;
	snprintf(err, errlen, "SOA query: no answer from the primary");
	bool truncated = false;
	for (int t = 0; t < SEC_SOA_TRIES && e == DNS_EIO; t++) {
		uint8_t q[1024], mac[DNS_TSIG_MAC_MAX], a[4096];
		size_t qlen, mac_len;
		uint16_t id = random_id();
		dns_err_t be = build_soa_query(z, id, q, sizeof q, &qlen, mac, &mac_len);
		if (be) {
			snprintf(err, errlen, "building the SOA query: %s", dns_strerror(be));
			e = be;
			break;
		}
		if (send(fd, q, qlen, 0) < 0)
			continue;
		struct timespec start;
		clock_gettime(CLOCK_MONOTONIC, &start);
		for (;;) {
			struct timespec n;
			clock_gettime(CLOCK_MONOTONIC, &n);
			long spent = (n.tv_sec - start.tv_sec) * 1000 +
			             (n.tv_nsec - start.tv_nsec) / 1000000;
			if (spent >= SEC_SOA_TIMEOUT_MS || !wait_fd(fd, POLLIN, (int)(SEC_SOA_TIMEOUT_MS - spent)))
				break;
			ssize_t r = recv(fd, a, sizeof a, 0);
			if (r < 0) {
				if (errno == EINTR || errno == EAGAIN)
					continue;
				break; /* e.g. ICMP port unreachable: try again later */
			}
			if (r < DNS_HDR_LEN || (a[0] << 8 | a[1]) != id)
				continue; /* not ours (stale retransmission answer) */
			e = check_soa_answer(z, id, mac, mac_len, a, (size_t)r, serial, &truncated, err,
			                     errlen);
			break;
		}
		pthread_mutex_lock(&c->mu);
		bool cancelled = c->cancelled;
		pthread_mutex_unlock(&c->mu);
		if (cancelled)
			break;
	}
	close_socket(c, fd);
	if (e == DNS_OK && truncated)
		return soa_tcp(c, z, serial, err, errlen);
	return e;
}

/* ---- transfer ---- */

static dns_err_t run_transfer(sec_client_t *c, const sec_zone_conf_t *z, dns_xfr_in_t *x,
                              sec_xfr_out_t *out, uint8_t *buf, char *err, size_t errlen)
{
	size_t len;
	dns_err_t e = dns_xfr_in_request(x, buf, DNS_XFR_MSG_MAX, &len, now_s());
	if (e) {
		snprintf(err, errlen, "building the transfer request: %s", dns_strerror(e));
		return e;
	}
	int fd = tcp_connect(c, z, err, errlen);
	if (fd < 0)
		return DNS_EIO;
	dns_xfr_status_t st = DNS_XFR_NEED_MORE;
	if (!tcp_send(fd, buf, len)) {
		snprintf(err, errlen, "sending the transfer request: %s", strerror(errno));
		close_socket(c, fd);
		return DNS_EIO;
	}
	while (st == DNS_XFR_NEED_MORE) {
		int r = tcp_recv(fd, buf, &len, SEC_XFR_READ_TIMEOUT_MS);
		if (r != 0) {
			st = dns_xfr_in_abort(x);
			break;
		}
		out->messages++;
		out->bytes += len;
		st = dns_xfr_in_feed(x, buf, len, now_s());
	}
	close_socket(c, fd);
	if (st != DNS_XFR_DONE) {
		snprintf(err, errlen, "%s", dns_xfr_in_error(x));
		dns_err_t xe = dns_xfr_in_err(x);
		return xe ? xe : DNS_EIO;
	}
	out->result = dns_xfr_in_result(x);
	out->serial = dns_xfr_in_serial(x);
	out->records = dns_xfr_in_records(x);
	out->zone = dns_xfr_in_take_zone(x);
	if (!out->zone && out->result != DNS_XFR_RESULT_UPTODATE) {
		snprintf(err, errlen, "transfer produced no zone");
		return DNS_EZONE;
	}
	return DNS_OK;
}

dns_err_t sec_client_transfer(sec_client_t *c, const sec_zone_conf_t *z,
                              const dns_zone_t *current, bool ixfr, sec_xfr_out_t *out,
                              char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	dns_xfr_in_t *x = NULL;
	dns_err_t e = dns_xfr_in_new(z->origin, ixfr ? current : NULL,
	                             ixfr && current ? DNS_XFR_IXFR : DNS_XFR_AXFR,
	                             z->has_key ? &z->key : NULL, random_id(), &x);
	if (e) {
		snprintf(err, errlen, "transfer client: %s", dns_strerror(e));
		return e;
	}
	uint8_t *buf = malloc(DNS_XFR_MSG_MAX);
	if (!buf) {
		dns_xfr_in_free(x);
		snprintf(err, errlen, "out of memory");
		return DNS_ENOMEM;
	}
	e = run_transfer(c, z, x, out, buf, err, errlen);
	free(buf);
	dns_xfr_in_free(x);
	return e;
}
