/*
 * test_follow.c - libdnsfollow against an in-process fake primary on
 * loopback, on one libevent base: AXFR then IXFR, a transfer signed with
 * the wrong key, a transfer cut off before its final SOA, and NOTIFYs on
 * the kept connection of a hidden secondary (answered on it, refused
 * when unsigned, the connection opened again after the primary drops it).
 * Waits are liveness bounds (seconds), never speed claims.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "dns/answer.h"
#include "dns/follow.h"
#include "dns/msg.h"
#include "dns/notify.h"
#include "dns/rrtype.h"
#include "dns/tsig.h"
#include "dns/xfr.h"
#include "dns/zonefile.h"
#include "dns/zoneset.h"

#define KEY_TEXT "sec._transfer.example.com:hmac-sha256:vRC0tsGj8S0AAPEQR93HZHi8msv7R71QIphQdqA8FdE="
#define WRONG_TEXT "sec._transfer.example.com:hmac-sha256:QEneceGzMV3Bcpuyd4NdRemyOfEnNJoWPA13xlr5+gI="
#define MAX_CONNS 8

typedef enum { XFR_OK, XFR_WRONG_KEY, XFR_CUTOFF } xfr_mode_t;

/* The fake primary: UDP and TCP on one loopback port. */
typedef struct fake {
	struct event_base *base;
	int udp, lis;
	struct event *udp_ev, *lis_ev;
	dns_net_addr_t addr;
	dns_zone_t *zone, *old;
	dns_keystore_t *keys;
	dns_tsig_key_t key, wrong;
	xfr_mode_t mode;
	int conns[MAX_CONNS];
	struct event *conn_ev[MAX_CONNS];
	int kept;                   /* the connection of a registered hidden secondary */
	unsigned soa_queries, xfrs, registrations;
	int notify_rcode;           /* rcode of the last NOTIFY answer, -1 none */
	bool notify_answer_signed;
	uint16_t notify_id;
	uint8_t notify_mac[DNS_TSIG_MAC_MAX];
	size_t notify_mac_len;
} fake_t;

/* What the follower told us. */
typedef struct rec {
	unsigned applied, failed, registered, unregistered, notified, expired;
	dns_follow_xfr_t last_xfr;
	uint32_t last_serial;
	char last_error[256];
} rec_t;

static uint64_t now_s(void)
{
	return (uint64_t)time(NULL);
}

static dns_zone_t *make_zone(uint32_t serial, const char *extra)
{
	char text[8192];
	int n = snprintf(text, sizeof text,
	                 "$TTL 300\n@ SOA ns1 host %u 1 1 600 60\n@ NS ns1\nns1 A 192.0.2.53\n"
	                 "www A 192.0.2.1\n%s",
	                 serial, extra);
	/* enough records for several 512-byte transfer messages */
	for (int i = 0; i < 60; i++)
		n += snprintf(text + n, sizeof text - (size_t)n, "h%d TXT \"filler %d\"\n", i, i);
	uint8_t origin[DNS_NAME_MAX];
	size_t olen;
	assert_int_equal(dns_name_from_text(origin, &olen, "example.com.", 12, dns_name_root), 0);
	dns_zf_options_t opt = { .origin = origin };
	dns_zone_t *z = NULL;
	assert_int_equal(dns_zone_load_buffer("t", text, strlen(text), &opt, &z, NULL, NULL), DNS_OK);
	return z;
}

/* ---- the fake primary ---- */

static void write_frame(int fd, const uint8_t *msg, size_t len)
{
	uint8_t pre[2] = { (uint8_t)(len >> 8), (uint8_t)len };
	/* loopback, small messages: the socket buffer takes them at once */
	assert_int_equal(send(fd, pre, 2, MSG_NOSIGNAL), 2);
	assert_int_equal(send(fd, msg, len, MSG_NOSIGNAL), (ssize_t)len);
}

/* Answer a QUERY with the zone's data, signed when the request was. */
static size_t answer_query(fake_t *fk, const uint8_t *req, size_t len, dns_transport_t tr,
                           const dns_msg_t *m, dns_tsig_req_t *treq, bool signed_,
                           uint8_t *out, size_t cap)
{
	dns_zone_t *zs[1] = { fk->zone };
	dns_zoneset_t *set = dns_zoneset_new(zs, 1);
	dns_answer_opts_t o = { .reserve = 200, .udp_max = 1232 };
	dns_answer_info_t ai;
	size_t n = 0;
	struct sockaddr_in peer = { .sin_family = AF_INET };
	(void)m;
	assert_int_equal(dns_answer(set, req, len, tr, (struct sockaddr *)&peer, &o, out, cap, &n,
	                            &ai), DNS_OK);
	dns_zoneset_free(set);
	if (signed_)
		assert_int_equal(dns_tsig_sign_response(out, &n, cap, treq, now_s()), DNS_OK);
	return n;
}

static void send_xfr(fake_t *fk, int fd, const dns_msg_t *m, dns_tsig_req_t *treq)
{
	dns_xfr_out_t *x = NULL;
	if (fk->mode == XFR_WRONG_KEY)
		treq->key = &fk->wrong; /* the answer's MAC cannot verify */
	if (m->qtype == DNS_TYPE_IXFR && fk->old)
		assert_int_equal(dns_xfr_out_ixfr(fk->old, fk->zone, m, treq, now_s(), &x), DNS_OK);
	else
		assert_int_equal(dns_xfr_out_axfr(fk->zone, m, treq, now_s(), &x), DNS_OK);
	dns_xfr_out_set_limit(x, 512); /* several messages */
	uint8_t buf[65535];
	bool done = false;
	unsigned sent = 0;
	while (!done) {
		size_t n;
		assert_int_equal(dns_xfr_out_next(x, buf, sizeof buf, &n, &done), DNS_OK);
		if (fk->mode == XFR_CUTOFF && done)
			break; /* the message with the final SOA never comes */
		write_frame(fd, buf, n);
		sent++;
	}
	/* cut off: an AXFR of this zone takes several messages, some were sent */
	assert_true(fk->mode != XFR_CUTOFF || m->qtype != DNS_TYPE_AXFR || sent >= 1);
	dns_xfr_out_free(x);
	fk->xfrs++;
}

static void conn_close(fake_t *fk, int i)
{
	event_free(fk->conn_ev[i]);
	fk->conn_ev[i] = NULL;
	if (fk->kept == fk->conns[i])
		fk->kept = -1;
	close(fk->conns[i]);
	fk->conns[i] = -1;
}

/* A response on the kept connection: the answer to our NOTIFY. */
static void notify_answer(fake_t *fk, const uint8_t *msg, size_t len)
{
	dns_msg_t m;
	assert_int_equal(dns_msg_parse(&m, msg, len), DNS_OK);
	assert_int_equal(m.id, fk->notify_id);
	fk->notify_rcode = dns_flags_rcode(m.flags);
	uint16_t terr = 0;
	fk->notify_answer_signed = m.tsig && dns_tsig_verify_response(&m, &fk->key, fk->notify_mac,
	                                                              fk->notify_mac_len, now_s(),
	                                                              &terr) == DNS_OK;
	dns_msg_free(&m);
}

static void tcp_message(fake_t *fk, int i, const uint8_t *msg, size_t len)
{
	int fd = fk->conns[i];
	if (msg[2] & 0x80) {
		notify_answer(fk, msg, len);
		return;
	}
	dns_msg_t m;
	dns_tsig_req_t treq;
	uint16_t terr = 0;
	assert_int_equal(dns_msg_parse(&m, msg, len), DNS_OK);
	bool signed_ = m.tsig && dns_tsig_verify_request(&m, fk->keys, now_s(), &treq, &terr) ==
	                         DNS_OK;
	if (m.qtype == DNS_TYPE_AXFR || m.qtype == DNS_TYPE_IXFR) {
		assert_true(signed_);
		send_xfr(fk, fd, &m, &treq);
		if (fk->mode == XFR_CUTOFF) {
			dns_msg_free(&m);
			conn_close(fk, i); /* the primary goes away mid-transfer */
			return;
		}
	} else {
		uint8_t out[4096];
		size_t n = answer_query(fk, msg, len, DNS_TRANSPORT_TCP, &m, &treq, signed_, out,
		                        sizeof out);
		write_frame(fd, out, n);
		fk->soa_queries++;
		if (signed_ && m.qtype == DNS_TYPE_SOA) {
			fk->kept = fd; /* as dns-primary-git registers a hidden secondary */
			fk->registrations++;
		}
	}
	dns_msg_free(&m);
}

static void conn_cb(evutil_socket_t fd, short what, void *arg)
{
	fake_t *fk = arg;
	int i = 0;
	while (i < MAX_CONNS && fk->conns[i] != fd)
		i++;
	uint8_t pre[2], buf[65535];
	ssize_t r = recv(fd, pre, 2, MSG_WAITALL);
	if (r != 2) {
		conn_close(fk, i);
		return;
	}
	size_t len = (size_t)pre[0] << 8 | pre[1];
	assert_int_equal(recv(fd, buf, len, MSG_WAITALL), (ssize_t)len);
	tcp_message(fk, i, buf, len);
}

static void accept_cb(evutil_socket_t lfd, short what, void *arg)
{
	fake_t *fk = arg;
	int fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		return;
	for (int i = 0; i < MAX_CONNS; i++) {
		if (fk->conns[i] < 0) {
			fk->conns[i] = fd;
			fk->conn_ev[i] = event_new(fk->base, fd, EV_READ | EV_PERSIST, conn_cb, fk);
			event_add(fk->conn_ev[i], NULL);
			return;
		}
	}
	close(fd);
}

static void udp_cb(evutil_socket_t fd, short what, void *arg)
{
	fake_t *fk = arg;
	uint8_t buf[4096], out[4096];
	struct sockaddr_storage from;
	socklen_t flen = sizeof from;
	ssize_t r = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen);
	if (r <= 0)
		return;
	dns_msg_t m;
	dns_tsig_req_t treq;
	uint16_t terr = 0;
	assert_int_equal(dns_msg_parse(&m, buf, (size_t)r), DNS_OK);
	bool signed_ = m.tsig && dns_tsig_verify_request(&m, fk->keys, now_s(), &treq, &terr) ==
	                         DNS_OK;
	size_t n = answer_query(fk, buf, (size_t)r, DNS_TRANSPORT_UDP, &m, &treq, signed_, out,
	                        sizeof out);
	dns_msg_free(&m);
	fk->soa_queries++;
	sendto(fd, out, n, 0, (struct sockaddr *)&from, flen);
}

static void fake_start(fake_t *fk, struct event_base *base)
{
	memset(fk, 0, sizeof *fk);
	fk->base = base;
	fk->kept = -1;
	fk->notify_rcode = -1;
	for (int i = 0; i < MAX_CONNS; i++)
		fk->conns[i] = -1;
	assert_int_equal(dns_tsig_key_from_text(&fk->key, KEY_TEXT, strlen(KEY_TEXT)), DNS_OK);
	assert_int_equal(dns_tsig_key_from_text(&fk->wrong, WRONG_TEXT, strlen(WRONG_TEXT)), DNS_OK);
	fk->keys = dns_keystore_new();
	assert_int_equal(dns_keystore_add(fk->keys, &fk->key), DNS_OK);
	fk->zone = make_zone(1, "");
	/* the same port for UDP and TCP: pick a UDP port, retry if TCP has it */
	for (int tries = 0; tries < 20; tries++) {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
		socklen_t al = sizeof a;
		fk->udp = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		assert_int_equal(bind(fk->udp, (struct sockaddr *)&a, sizeof a), 0);
		getsockname(fk->udp, (struct sockaddr *)&a, &al);
		fk->lis = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		int on = 1;
		setsockopt(fk->lis, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
		if (bind(fk->lis, (struct sockaddr *)&a, sizeof a) == 0 && listen(fk->lis, 16) == 0) {
			memcpy(&fk->addr.ss, &a, sizeof a);
			fk->addr.len = sizeof a;
			break;
		}
		close(fk->udp);
		close(fk->lis);
		fk->udp = fk->lis = -1;
	}
	assert_true(fk->lis >= 0);
	fk->udp_ev = event_new(base, fk->udp, EV_READ | EV_PERSIST, udp_cb, fk);
	fk->lis_ev = event_new(base, fk->lis, EV_READ | EV_PERSIST, accept_cb, fk);
	event_add(fk->udp_ev, NULL);
	event_add(fk->lis_ev, NULL);
}

static void fake_stop(fake_t *fk)
{
	for (int i = 0; i < MAX_CONNS; i++)
		if (fk->conns[i] >= 0)
			conn_close(fk, i);
	event_free(fk->udp_ev);
	event_free(fk->lis_ev);
	close(fk->udp);
	close(fk->lis);
	dns_zone_unref(fk->zone);
	dns_zone_unref(fk->old);
	dns_keystore_free(fk->keys);
}

/* A new version on the primary (the previous one kept for IXFR). */
static void fake_bump(fake_t *fk, uint32_t serial, const char *extra)
{
	dns_zone_unref(fk->old);
	fk->old = fk->zone;
	fk->zone = make_zone(serial, extra);
}

/* NOTIFY on the kept connection, signed with @key (NULL: unsigned). */
static void fake_notify(fake_t *fk, const dns_tsig_key_t *key)
{
	uint8_t buf[DNS_NOTIFY_REQ_MAX];
	size_t len;
	fk->notify_id = dns_notify_random_id();
	fk->notify_rcode = -1;
	assert_true(fk->kept >= 0);
	assert_int_equal(dns_notify_build_request(buf, sizeof buf, &len, fk->notify_id,
	                                          dns_zone_origin(fk->zone), dns_zone_soa(fk->zone),
	                                          key, now_s(), fk->notify_mac, &fk->notify_mac_len),
	                 DNS_OK);
	write_frame(fk->kept, buf, len);
}

/* ---- the follower under test ---- */

static void on_event(void *arg, const dns_follow_event_t *ev)
{
	rec_t *r = arg;
	switch (ev->kind) {
	case DNS_FOLLOW_APPLIED:
		r->applied++;
		r->last_xfr = ev->xfr;
		r->last_serial = ev->serial;
		assert_non_null(ev->zone);
		assert_int_equal(dns_zone_serial(ev->zone), ev->serial);
		break;
	case DNS_FOLLOW_FAILED:
		r->failed++;
		snprintf(r->last_error, sizeof r->last_error, "%s", ev->error);
		break;
	case DNS_FOLLOW_REGISTERED: r->registered++; break;
	case DNS_FOLLOW_UNREGISTERED: r->unregistered++; break;
	case DNS_FOLLOW_NOTIFIED: r->notified++; break;
	case DNS_FOLLOW_EXPIRED: r->expired++; break;
	default: break;
	}
}

typedef struct env {
	struct event_base *base;
	fake_t fk;
	rec_t rec;
	dns_follow_t *f;
	dns_tsig_key_t key;
} env_t;

static void env_start(env_t *e, bool hidden)
{
	memset(e, 0, sizeof *e);
	e->base = event_base_new();
	assert_non_null(e->base);
	fake_start(&e->fk, e->base);
	assert_int_equal(dns_tsig_key_from_text(&e->key, KEY_TEXT, strlen(KEY_TEXT)), DNS_OK);
	dns_follow_zone_conf_t c = { .origin = dns_zone_origin(e->fk.zone), .primary = e->fk.addr,
	                             .key = &e->key, .hidden = hidden };
	assert_int_equal(dns_follow_new(e->base, &c, 1, on_event, &e->rec, &e->f), DNS_OK);
	dns_follow_start(e->f);
}

static void env_stop(env_t *e)
{
	dns_follow_free(e->f);
	fake_stop(&e->fk);
	event_base_free(e->base);
}

/* Run the loop until *@count reaches @want, at most @secs seconds. */
static bool run_until(env_t *e, const unsigned *count, unsigned want, int secs)
{
	time_t end = time(NULL) + secs;
	while (*count < want && time(NULL) < end) {
		struct timeval tv = { 0, 50000 };
		event_base_loopexit(e->base, &tv);
		event_base_dispatch(e->base);
	}
	return *count >= want;
}

/* Run the loop until the fake primary has an answer to its NOTIFY. */
static bool run_for_notify_answer(env_t *e, int secs)
{
	time_t end = time(NULL) + secs;
	while (e->fk.notify_rcode < 0 && time(NULL) < end) {
		struct timeval tv = { 0, 50000 };
		event_base_loopexit(e->base, &tv);
		event_base_dispatch(e->base);
	}
	return e->fk.notify_rcode >= 0;
}

static void test_axfr_then_ixfr(void **state)
{
	env_t e;
	env_start(&e, false);
	assert_true(run_until(&e, &e.rec.applied, 1, 20));
	assert_int_equal(e.rec.last_xfr, DNS_FOLLOW_AXFR);
	assert_int_equal(e.rec.last_serial, 1);
	assert_true(dns_follow_serving(e.f, 0));
	assert_int_equal(dns_zone_serial(dns_follow_zone(e.f, 0)), 1);

	fake_bump(&e.fk, 2, "new A 192.0.2.2\n");
	dns_follow_notify(e.f, 0, true, 2);
	assert_true(run_until(&e, &e.rec.applied, 2, 20));
	assert_int_equal(e.rec.last_xfr, DNS_FOLLOW_IXFR);
	assert_int_equal(e.rec.last_serial, 2);
	assert_int_equal(dns_zone_rr_count(dns_follow_zone(e.f, 0)),
	                 dns_zone_rr_count(e.fk.zone));
	assert_int_equal(e.rec.failed, 0);
	env_stop(&e);
}

static void test_tsig_failure(void **state)
{
	env_t e;
	env_start(&e, false);
	e.fk.mode = XFR_WRONG_KEY;
	assert_true(run_until(&e, &e.rec.failed, 1, 20));
	assert_non_null(strcasestr(e.rec.last_error, "tsig"));
	assert_int_equal(e.rec.applied, 0);
	assert_false(dns_follow_serving(e.f, 0));
	assert_null(dns_follow_zone(e.f, 0));
	env_stop(&e);
}

static void test_cutoff(void **state)
{
	env_t e;
	env_start(&e, false);
	assert_true(run_until(&e, &e.rec.applied, 1, 20));
	fake_bump(&e.fk, 3, "more A 192.0.2.3\nmore2 A 192.0.2.4\n");
	e.fk.mode = XFR_CUTOFF;
	/* the IXFR is cut off, then the AXFR fallback too: two failures */
	dns_follow_notify(e.f, 0, true, 3);
	assert_true(run_until(&e, &e.rec.failed, 2, 20));
	assert_int_equal(e.rec.applied, 1);
	assert_int_equal(dns_follow_serial(e.f, 0), 1);
	assert_true(dns_follow_serving(e.f, 0)); /* the old copy is kept */
	/* the primary mends its ways: the next NOTIFY brings serial 3 */
	e.fk.mode = XFR_OK;
	dns_follow_notify(e.f, 0, true, 3);
	assert_true(run_until(&e, &e.rec.applied, 2, 20));
	assert_int_equal(e.rec.last_serial, 3);
	env_stop(&e);
}

static void test_hidden_notify(void **state)
{
	env_t e;
	env_start(&e, true);
	assert_true(run_until(&e, &e.rec.registered, 1, 20));
	assert_true(dns_follow_registered(e.f, 0));
	assert_true(run_until(&e, &e.rec.applied, 1, 20));
	assert_int_equal(e.fk.registrations, 1);

	/* an unsigned NOTIFY on the kept connection is refused: no refresh */
	unsigned xfrs = e.fk.xfrs;
	fake_bump(&e.fk, 5, "n5 A 192.0.2.5\n");
	fake_notify(&e.fk, NULL);
	assert_true(run_for_notify_answer(&e, 20));
	assert_int_equal(e.fk.notify_rcode, DNS_RCODE_REFUSED);
	assert_int_equal(e.fk.xfrs, xfrs);

	/* a signed one: NOERROR, signed, on the same connection; the change follows */
	fake_notify(&e.fk, &e.fk.key);
	assert_true(run_until(&e, &e.rec.applied, 2, 20));
	assert_int_equal(e.fk.notify_rcode, DNS_RCODE_NOERROR);
	assert_true(e.fk.notify_answer_signed);
	assert_int_equal(e.rec.last_serial, 5);
	assert_int_equal(e.rec.last_xfr, DNS_FOLLOW_IXFR);

	/* the primary drops the connection: it is registered again */
	int kept = e.fk.kept;
	for (int i = 0; i < MAX_CONNS; i++)
		if (e.fk.conns[i] == kept)
			conn_close(&e.fk, i);
	assert_true(run_until(&e, &e.rec.unregistered, 1, 20));
	assert_true(run_until(&e, &e.rec.registered, 2, 20));
	assert_int_equal(e.fk.registrations, 2);
	fake_bump(&e.fk, 6, "n6 A 192.0.2.6\n");
	fake_notify(&e.fk, &e.fk.key);
	assert_true(run_until(&e, &e.rec.applied, 3, 20));
	assert_int_equal(e.rec.last_serial, 6);
	env_stop(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_axfr_then_ixfr),
		cmocka_unit_test(test_tsig_failure),
		cmocka_unit_test(test_cutoff),
		cmocka_unit_test(test_hidden_notify),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
