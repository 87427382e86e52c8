/*
 * Unit tests for notify.c / notify_sched.c (RFC 1996) and the dns-notify
 * command, which is run against a small UDP/TCP responder in a thread.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <libgen.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dns/msg.h"
#include "dns/notify.h"
#include "dns/rrtype.h"
#include "dns/tsig.h"

#define SECRET_B64 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#define KEYTEXT "test.key:hmac-sha256:" SECRET_B64
/* Same name, another secret: answers signed with it must not verify. */
#define BADKEYTEXT "test.key:hmac-sha256:AQECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#define T0 1700000000ull

static const uint8_t ZONE[] = "\7example";

/* SOA rdata of example.: ns.example. hostmaster.example. 2026112201
 * 7200 3600 1209600 300, as a one-record RRset (rdlen 12 + 20 + 20). */
static const uint8_t SOA_SET[] = {
	0x00, 52,
	2, 'n', 's', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0,
	10, 'h', 'o', 's', 't', 'm', 'a', 's', 't', 'e', 'r', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0,
	0x78, 0xc4, 0x04, 0xc9, 0x00, 0x00, 0x1c, 0x20, 0x00, 0x00, 0x0e, 0x10,
	0x00, 0x12, 0x75, 0x00, 0x00, 0x00, 0x01, 0x2c,
};

static dns_rrset_t soa_set(void)
{
	dns_rrset_t s = {.type = DNS_TYPE_SOA, .count = 1, .ttl = 3600,
	                 .size = sizeof SOA_SET, .data = SOA_SET};
	return s;
}

static void load_key(dns_tsig_key_t *k, const char *text)
{
	assert_int_equal(dns_tsig_key_from_text(k, text, strlen(text)), DNS_OK);
}

/* ---- messages ---- */

static void test_request_wire_with_soa(void **state)
{
	/* Worked out by hand from RFC 1035 §4.1 and RFC 1996 §3. */
	static const uint8_t want[] = {
		0x12, 0x34, 0x24, 0x00,             /* ID, opcode NOTIFY (4 << 11) | AA */
		0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
		7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0x00, 0x06, 0x00, 0x01,
		0xc0, 0x0c, 0x00, 0x06, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10, 0x00, 38,
		2, 'n', 's', 0xc0, 0x0c,
		10, 'h', 'o', 's', 't', 'm', 'a', 's', 't', 'e', 'r', 0xc0, 0x0c,
		0x78, 0xc4, 0x04, 0xc9, 0x00, 0x00, 0x1c, 0x20, 0x00, 0x00, 0x0e, 0x10,
		0x00, 0x12, 0x75, 0x00, 0x00, 0x00, 0x01, 0x2c,
	};
	uint8_t buf[DNS_NOTIFY_REQ_MAX];
	size_t len = 0, mac_len = 99;
	dns_rrset_t soa = soa_set();
	assert_int_equal(dns_notify_build_request(buf, sizeof buf, &len, 0x1234, ZONE, &soa, NULL,
	                                          T0, NULL, &mac_len), DNS_OK);
	assert_int_equal(mac_len, 0);
	assert_int_equal(len, sizeof want);
	assert_memory_equal(buf, want, sizeof want);
}

static void test_request_wire_without_soa(void **state)
{
	static const uint8_t want[] = {
		0xab, 0xcd, 0x24, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0x00, 0x06, 0x00, 0x01,
	};
	uint8_t buf[DNS_NOTIFY_REQ_MAX];
	size_t len = 0;
	assert_int_equal(dns_notify_build_request(buf, sizeof buf, &len, 0xabcd, ZONE, NULL, NULL,
	                                          T0, NULL, NULL), DNS_OK);
	assert_int_equal(len, sizeof want);
	assert_memory_equal(buf, want, sizeof want);
	/* Too small a buffer is an error, not an overflow. */
	assert_int_equal(dns_notify_build_request(buf, 20, &len, 1, ZONE, NULL, NULL, T0, NULL,
	                                          NULL), DNS_ESPACE);
}

static void test_request_signed(void **state)
{
	dns_tsig_key_t key;
	load_key(&key, KEYTEXT);
	uint8_t plain[DNS_NOTIFY_REQ_MAX], buf[DNS_NOTIFY_REQ_MAX], mac[DNS_TSIG_MAC_MAX];
	size_t plen = 0, len = 0, mac_len = 0;
	dns_rrset_t soa = soa_set();
	assert_int_equal(dns_notify_build_request(plain, sizeof plain, &plen, 7, ZONE, &soa, NULL,
	                                          T0, NULL, NULL), DNS_OK);
	assert_int_equal(dns_notify_build_request(buf, sizeof buf, &len, 7, ZONE, &soa, &key, T0,
	                                          mac, &mac_len), DNS_OK);
	assert_int_equal(mac_len, 32);
	assert_true(len > plen);
	/* Same message, ARCOUNT 1, TSIG appended. */
	assert_int_equal(dns_get16(buf + 10), 1);
	assert_memory_equal(buf + 12, plain + 12, plen - 12);

	dns_keystore_t *ks = dns_keystore_new();
	assert_int_equal(dns_keystore_add(ks, &key), DNS_OK);
	dns_msg_t m;
	assert_int_equal(dns_msg_parse(&m, buf, len), DNS_OK);
	dns_tsig_req_t req;
	uint16_t terr = 1;
	assert_int_equal(dns_tsig_verify_request(&m, ks, T0, &req, &terr), DNS_OK);
	assert_int_equal(terr, 0);
	assert_int_equal(req.mac_len, 32);
	assert_memory_equal(req.mac, mac, 32);
	dns_msg_free(&m);
	dns_keystore_free(ks);
}

static dns_err_t parse_wire(const uint8_t *w, size_t len, dns_notify_req_t *out)
{
	dns_msg_t m;
	assert_int_equal(dns_msg_parse(&m, w, len), DNS_OK);
	dns_err_t err = dns_notify_parse_request(&m, out);
	dns_msg_free(&m);
	return err;
}

static void test_parse_request(void **state)
{
	uint8_t buf[DNS_NOTIFY_REQ_MAX];
	size_t len = 0;
	dns_rrset_t soa = soa_set();
	dns_notify_req_t r;
	assert_int_equal(dns_notify_build_request(buf, sizeof buf, &len, 1, ZONE, &soa, NULL, T0,
	                                          NULL, NULL), DNS_OK);
	assert_int_equal(parse_wire(buf, len, &r), DNS_OK);
	assert_true(dns_name_equal(r.zone, ZONE));
	assert_true(r.has_serial);
	assert_int_equal(r.serial, 2026112201u);

	assert_int_equal(dns_notify_build_request(buf, sizeof buf, &len, 1, ZONE, NULL, NULL, T0,
	                                          NULL, NULL), DNS_OK);
	assert_int_equal(parse_wire(buf, len, &r), DNS_OK);
	assert_false(r.has_serial);
}

static void test_parse_rejects(void **state)
{
	/* header, then example. SOA IN */
	uint8_t w[] = {
		0x00, 0x01, 0x24, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0x00, 0x06, 0x00, 0x01,
	};
	dns_notify_req_t r;
	assert_int_equal(parse_wire(w, sizeof w, &r), DNS_OK);
	w[2] = 0x04; /* opcode QUERY */
	assert_int_equal(parse_wire(w, sizeof w, &r), DNS_EINVAL);
	w[2] = 0x2c; /* opcode UPDATE */
	assert_int_equal(parse_wire(w, sizeof w, &r), DNS_EINVAL);
	w[2] = 0xa4; /* QR set: an answer, not a request */
	assert_int_equal(parse_wire(w, sizeof w, &r), DNS_EINVAL);
	w[2] = 0x24;
	w[24] = 0x03; /* class CH */
	assert_int_equal(parse_wire(w, sizeof w, &r), DNS_EMALFORMED);
	w[24] = 0x01;
	w[22] = 0x01; /* qtype A */
	assert_int_equal(parse_wire(w, sizeof w, &r), DNS_ENOTSUP);
	/* No question at all. */
	static const uint8_t noq[] = {0x00, 0x01, 0x24, 0x00, 0, 0, 0, 0, 0, 0, 0, 0};
	assert_int_equal(parse_wire(noq, sizeof noq, &r), DNS_EMALFORMED);
}

static void test_build_response(void **state)
{
	static const uint8_t req[] = {
		0x43, 0x21, 0x24, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		7, 'E', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0x00, 0x06, 0x00, 0x01,
	};
	static const uint8_t want[] = {
		0x43, 0x21, 0xa4, 0x00, /* QR | opcode NOTIFY | AA, NOERROR */
		0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		7, 'E', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0x00, 0x06, 0x00, 0x01,
	};
	dns_msg_t m;
	uint8_t buf[512];
	size_t len = 0;
	assert_int_equal(dns_msg_parse(&m, req, sizeof req), DNS_OK);
	assert_int_equal(dns_notify_build_response(&m, DNS_RCODE_NOERROR, buf, sizeof buf, &len),
	                 DNS_OK);
	assert_int_equal(len, sizeof want);
	assert_memory_equal(buf, want, sizeof want);
	assert_int_equal(dns_notify_build_response(&m, DNS_RCODE_REFUSED, buf, sizeof buf, &len),
	                 DNS_OK);
	assert_int_equal(dns_get16(buf + 2), 0xa405);
	assert_int_equal(dns_notify_build_response(&m, 0, buf, 20, &len), DNS_ESPACE);

	/* The answer passes the client-side check; another ID does not. */
	dns_msg_t a;
	assert_int_equal(dns_notify_build_response(&m, DNS_RCODE_NOERROR, buf, sizeof buf, &len),
	                 DNS_OK);
	assert_int_equal(dns_msg_parse(&a, buf, len), DNS_OK);
	assert_int_equal(dns_notify_check_response(&a, 0x4321, ZONE), DNS_OK);
	assert_int_equal(dns_notify_check_response(&a, 0x4322, ZONE), DNS_EINVAL);
	assert_int_equal(dns_notify_check_response(&a, 0x4321, (const uint8_t *)"\3com"),
	                 DNS_EINVAL);
	dns_msg_free(&a);
	/* The request itself (QR clear) is no answer. */
	assert_int_equal(dns_notify_check_response(&m, 0x4321, ZONE), DNS_EINVAL);
	dns_msg_free(&m);
}

/* ---- scheduler ---- */

typedef struct capture {
	size_t n;
	uint8_t msg[32][DNS_NOTIFY_REQ_MAX];
	size_t len[32];
	dns_notify_target_t to[32];
	/* done callback */
	size_t ndone;
	dns_notify_result_t result;
	unsigned rcode;
	uint32_t serial;
} capture_t;

static void emit(void *ctx, const dns_notify_target_t *t, const uint8_t *msg, size_t len)
{
	capture_t *c = ctx;
	assert_true(c->n < 32);
	memcpy(c->msg[c->n], msg, len);
	c->len[c->n] = len;
	c->to[c->n] = *t;
	c->n++;
}

static void done(void *ctx, const uint8_t *zone, uint32_t serial, const dns_notify_target_t *t,
                 dns_notify_result_t result, unsigned rcode)
{
	capture_t *c = ctx;
	assert_true(dns_name_equal(zone, ZONE));
	c->ndone++;
	c->result = result;
	c->rcode = rcode;
	c->serial = serial;
}

static dns_notify_target_t target4(const char *ip, uint16_t port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	assert_int_equal(inet_pton(AF_INET, ip, &sa.sin_addr), 1);
	dns_notify_target_t t;
	assert_int_equal(dns_notify_target_set(&t, (struct sockaddr *)&sa, sizeof sa, 0), DNS_OK);
	return t;
}

/*
 * The secondary's side: answer captured request @i with @rcode, signed
 * with @key when not NULL (verifying the request with @key's store).
 */
static size_t answer(const capture_t *c, size_t i, unsigned rcode, const dns_tsig_key_t *key,
                     uint64_t now_s, uint8_t *out, size_t cap)
{
	dns_msg_t m;
	size_t len = 0;
	assert_int_equal(dns_msg_parse(&m, c->msg[i], c->len[i]), DNS_OK);
	assert_int_equal(dns_notify_build_response(&m, rcode, out, cap, &len), DNS_OK);
	if (key) {
		dns_keystore_t *ks = dns_keystore_new();
		assert_int_equal(dns_keystore_add(ks, key), DNS_OK);
		dns_tsig_req_t req;
		uint16_t terr;
		dns_err_t err = dns_tsig_verify_request(&m, ks, now_s, &req, &terr);
		/* A wrong key fails as BADSIG; sign anyway to forge an answer. */
		if (err == DNS_ETSIG) {
			req.key = dns_keystore_find(ks, key->name);
			req.error = 0;
		} else {
			assert_int_equal(err, DNS_OK);
		}
		assert_int_equal(dns_tsig_sign_response(out, &len, cap, &req, now_s), DNS_OK);
		dns_keystore_free(ks);
	}
	dns_msg_free(&m);
	return len;
}

static void test_sched_backoff_and_give_up(void **state)
{
	static capture_t c;
	memset(&c, 0, sizeof c);
	dns_notify_sched_t *s = dns_notify_sched_new(done, &c);
	assert_non_null(s);
	dns_notify_target_t t = target4("192.0.2.1", 53);
	uint64_t now = T0 * 1000;
	assert_int_equal(dns_notify_sched_next_deadline(s), UINT64_MAX);
	assert_int_equal(dns_notify_sched_add(s, ZONE, 5, NULL, &t, NULL, now), DNS_OK);
	assert_int_equal(dns_notify_sched_pending_count(s), 1);
	assert_int_equal(dns_notify_sched_next_deadline(s), now);

	/* Waits of 1, 2, 4, 8, 16, 30, 60, 60, 60, 60 s after each transmission. */
	static const uint64_t waits[] = {1, 2, 4, 8, 16, 30, 60, 60, 60, 60};
	for (size_t k = 0; k < 10; k++) {
		assert_int_equal(dns_notify_sched_tick(s, now, emit, &c), 1);
		assert_int_equal(c.n, k + 1);
		assert_int_equal(dns_notify_sched_next_deadline(s), now + waits[k] * 1000);
		assert_int_equal(dns_notify_sched_tick(s, now + waits[k] * 1000 - 1, emit, &c), 0);
		now += waits[k] * 1000;
	}
	assert_int_equal(c.ndone, 0);
	/* Every transmission gets a fresh random ID: ten equal IDs would mean
	 * a fixed one (chance 2^-144 otherwise). */
	size_t same = 0;
	for (size_t k = 1; k < 10; k++)
		same += dns_get16(c.msg[k]) == dns_get16(c.msg[0]);
	assert_true(same < 9);
	assert_memory_equal(&c.to[0], &t, sizeof t);
	/* The 10th went unanswered: give up, no 11th transmission. */
	assert_int_equal(dns_notify_sched_tick(s, now, emit, &c), 0);
	assert_int_equal(c.n, 10);
	assert_int_equal(c.ndone, 1);
	assert_int_equal(c.result, DNS_NOTIFY_GAVE_UP);
	assert_int_equal(dns_notify_sched_pending_count(s), 0);
	dns_notify_stats_t st;
	dns_notify_sched_stats(s, &st);
	assert_int_equal(st.sent, 10);
	assert_int_equal(st.gave_up, 1);
	dns_notify_sched_free(s);
}

static void test_sched_response_matching(void **state)
{
	static capture_t c;
	memset(&c, 0, sizeof c);
	dns_notify_sched_t *s = dns_notify_sched_new(done, &c);
	dns_notify_target_t t = target4("192.0.2.1", 53);
	dns_notify_target_t other = target4("192.0.2.2", 53);
	dns_notify_target_t other_port = target4("192.0.2.1", 5353);
	uint64_t now = T0 * 1000;
	assert_int_equal(dns_notify_sched_add(s, ZONE, 5, NULL, &t, NULL, now), DNS_OK);
	assert_int_equal(dns_notify_sched_tick(s, now, emit, &c), 1);

	uint8_t ans[512];
	size_t len = answer(&c, 0, DNS_RCODE_NOERROR, NULL, T0, ans, sizeof ans);
	assert_int_equal(dns_notify_sched_response(s, &other, ans, len, now), DNS_ENOTFOUND);
	assert_int_equal(dns_notify_sched_response(s, &other_port, ans, len, now), DNS_ENOTFOUND);
	ans[1] ^= 0x01; /* wrong ID */
	assert_int_equal(dns_notify_sched_response(s, &t, ans, len, now), DNS_ENOTFOUND);
	ans[1] ^= 0x01;
	assert_int_equal(dns_notify_sched_response(s, &t, ans, 5, now), DNS_EMALFORMED);
	assert_int_equal(dns_notify_sched_pending_count(s), 1);
	assert_int_equal(c.ndone, 0);

	/* A retransmission, then a late answer to the first one still acks. */
	assert_int_equal(dns_notify_sched_tick(s, now + 1000, emit, &c), 1);
	assert_int_equal(dns_notify_sched_response(s, &t, ans, len, now + 1100), DNS_OK);
	assert_int_equal(c.ndone, 1);
	assert_int_equal(c.result, DNS_NOTIFY_ACKED);
	assert_int_equal(c.serial, 5);
	assert_int_equal(dns_notify_sched_pending_count(s), 0);
	assert_int_equal(dns_notify_sched_next_deadline(s), UINT64_MAX);
	/* A duplicate answer finds nothing. */
	assert_int_equal(dns_notify_sched_response(s, &t, ans, len, now), DNS_ENOTFOUND);
	dns_notify_sched_free(s);
}

static void test_sched_refused_stops(void **state)
{
	static capture_t c;
	memset(&c, 0, sizeof c);
	dns_notify_sched_t *s = dns_notify_sched_new(done, &c);
	dns_notify_target_t t = target4("192.0.2.1", 53);
	uint64_t now = T0 * 1000;
	assert_int_equal(dns_notify_sched_add(s, ZONE, 5, NULL, &t, NULL, now), DNS_OK);
	assert_int_equal(dns_notify_sched_tick(s, now, emit, &c), 1);
	uint8_t ans[512];
	size_t len = answer(&c, 0, DNS_RCODE_REFUSED, NULL, T0, ans, sizeof ans);
	assert_int_equal(dns_notify_sched_response(s, &t, ans, len, now), DNS_OK);
	assert_int_equal(c.ndone, 1);
	assert_int_equal(c.result, DNS_NOTIFY_REJECTED);
	assert_int_equal(c.rcode, DNS_RCODE_REFUSED);
	assert_int_equal(dns_notify_sched_pending_count(s), 0);
	assert_int_equal(dns_notify_sched_tick(s, now + 100000, emit, &c), 0);
	dns_notify_sched_free(s);
}

static void test_sched_newer_serial_replaces(void **state)
{
	static capture_t c;
	memset(&c, 0, sizeof c);
	dns_notify_sched_t *s = dns_notify_sched_new(done, &c);
	dns_notify_target_t t = target4("192.0.2.1", 53);
	dns_notify_target_t t2 = target4("192.0.2.9", 53);
	uint64_t now = T0 * 1000;
	dns_rrset_t soa = soa_set();
	assert_int_equal(dns_notify_sched_add(s, ZONE, 2026112200u, NULL, &t, NULL, now), DNS_OK);
	assert_int_equal(dns_notify_sched_tick(s, now, emit, &c), 1);
	assert_int_equal(dns_notify_sched_tick(s, now + 1000, emit, &c), 1);
	/* Same or older serial: kept as is. */
	assert_int_equal(dns_notify_sched_add(s, ZONE, 2026112200u, NULL, &t, NULL, now + 1500),
	                 DNS_EEXIST);
	assert_int_equal(dns_notify_sched_add(s, ZONE, 2026112100u, NULL, &t, NULL, now + 1500),
	                 DNS_EEXIST);
	assert_int_equal(dns_notify_sched_next_deadline(s), now + 3000);
	/* Newer: replaces, due at once, with the SOA in the answer section. */
	assert_int_equal(dns_notify_sched_add(s, ZONE, 2026112201u, &soa, &t, NULL, now + 1500),
	                 DNS_OK);
	assert_int_equal(dns_notify_sched_pending_count(s), 1);
	assert_int_equal(dns_notify_sched_next_deadline(s), now + 1500);
	/* Another target is another entry. */
	assert_int_equal(dns_notify_sched_add(s, ZONE, 2026112201u, &soa, &t2, NULL, now + 2000),
	                 DNS_OK);
	assert_int_equal(dns_notify_sched_pending_count(s), 2);

	assert_int_equal(dns_notify_sched_tick(s, now + 1500, emit, &c), 1);
	dns_msg_t m;
	dns_notify_req_t r;
	assert_int_equal(dns_msg_parse(&m, c.msg[2], c.len[2]), DNS_OK);
	assert_int_equal(dns_notify_parse_request(&m, &r), DNS_OK);
	assert_true(r.has_serial);
	assert_int_equal(r.serial, 2026112201u);
	dns_msg_free(&m);
	/* Backoff restarted: next after 1 s. */
	assert_int_equal(dns_notify_sched_next_deadline(s), now + 2000);
	/* An answer to the replaced serial's transmission no longer counts. */
	uint8_t ans[512];
	size_t len = answer(&c, 0, DNS_RCODE_NOERROR, NULL, T0, ans, sizeof ans);
	assert_int_equal(dns_notify_sched_response(s, &t, ans, len, now + 1600), DNS_ENOTFOUND);
	len = answer(&c, 2, DNS_RCODE_NOERROR, NULL, T0, ans, sizeof ans);
	assert_int_equal(dns_notify_sched_response(s, &t, ans, len, now + 1600), DNS_OK);
	assert_int_equal(c.serial, 2026112201u);
	assert_int_equal(dns_notify_sched_pending_count(s), 1);
	dns_notify_stats_t st;
	dns_notify_sched_stats(s, &st);
	assert_int_equal(st.replaced, 1);
	dns_notify_sched_free(s);
}

static void test_sched_signed(void **state)
{
	static capture_t c;
	memset(&c, 0, sizeof c);
	dns_tsig_key_t key, bad;
	load_key(&key, KEYTEXT);
	load_key(&bad, BADKEYTEXT);
	dns_notify_sched_t *s = dns_notify_sched_new(done, &c);
	dns_notify_target_t t = target4("192.0.2.1", 53);
	uint64_t now = T0 * 1000;
	assert_int_equal(dns_notify_sched_add(s, ZONE, 5, NULL, &t, &key, now), DNS_OK);
	/* The scheduler keeps its own copy of the key. */
	memset(&key, 0, sizeof key);
	assert_int_equal(dns_notify_sched_tick(s, now, emit, &c), 1);
	load_key(&key, KEYTEXT);

	uint8_t ans[512];
	/* Unsigned answer to a signed NOTIFY: not an ack. */
	size_t len = answer(&c, 0, DNS_RCODE_NOERROR, NULL, T0, ans, sizeof ans);
	assert_int_equal(dns_notify_sched_response(s, &t, ans, len, now), DNS_ETSIG);
	/* Signed with the wrong secret: not an ack. */
	len = answer(&c, 0, DNS_RCODE_NOERROR, &bad, T0, ans, sizeof ans);
	assert_int_equal(dns_notify_sched_response(s, &t, ans, len, now), DNS_ETSIG);
	/* Correct MAC but a flipped bit in the body: not an ack. */
	len = answer(&c, 0, DNS_RCODE_NOERROR, &key, T0, ans, sizeof ans);
	ans[3] ^= 0x80; /* RA bit */
	assert_int_equal(dns_notify_sched_response(s, &t, ans, len, now), DNS_ETSIG);
	assert_int_equal(dns_notify_sched_pending_count(s), 1);
	assert_int_equal(c.ndone, 0);
	/* Retransmissions continue, re-signed. */
	assert_int_equal(dns_notify_sched_tick(s, now + 1000, emit, &c), 1);
	assert_int_equal(dns_get16(c.msg[1] + 10), 1);
	/* The good answer acks. */
	ans[3] ^= 0x80;
	assert_int_equal(dns_notify_sched_response(s, &t, ans, len, now + 1000), DNS_OK);
	assert_int_equal(c.result, DNS_NOTIFY_ACKED);
	assert_int_equal(dns_notify_sched_pending_count(s), 0);
	dns_notify_stats_t st;
	dns_notify_sched_stats(s, &st);
	assert_int_equal(st.bad_responses, 3);
	assert_int_equal(st.acked, 1);
	dns_notify_sched_free(s);
}

static void test_sched_conn_and_args(void **state)
{
	static capture_t c;
	memset(&c, 0, sizeof c);
	dns_notify_sched_t *s = dns_notify_sched_new(NULL, NULL);
	dns_notify_target_t t = target4("192.0.2.1", 53);
	dns_notify_target_t tc = t;
	tc.conn = 42;
	uint64_t now = T0 * 1000;
	assert_int_equal(dns_notify_sched_add(s, ZONE, 5, NULL, &t, NULL, now), DNS_OK);
	assert_int_equal(dns_notify_sched_add(s, ZONE, 5, NULL, &tc, NULL, now), DNS_OK);
	assert_int_equal(dns_notify_sched_pending_count(s), 2);
	assert_int_equal(dns_notify_sched_tick(s, now, emit, &c), 2);
	assert_int_equal(dns_notify_sched_drop_conn(s, 42), 1);
	assert_int_equal(dns_notify_sched_pending_count(s), 1);
	dns_notify_target_t bad = t;
	bad.addr.ss_family = AF_UNIX;
	assert_int_equal(dns_notify_sched_add(s, ZONE, 5, NULL, &bad, NULL, now), DNS_EINVAL);
	char text[64];
	dns_notify_target_text(&t, text, sizeof text);
	assert_string_equal(text, "192.0.2.1#53");
	struct sockaddr_in6 s6 = {.sin6_family = AF_INET6, .sin6_port = htons(5300)};
	inet_pton(AF_INET6, "::1", &s6.sin6_addr);
	assert_int_equal(dns_notify_target_set(&t, (struct sockaddr *)&s6, sizeof s6, 0), DNS_OK);
	dns_notify_target_text(&t, text, sizeof text);
	assert_string_equal(text, "::1#5300");
	dns_notify_sched_free(s);
}

/* ---- the dns-notify command against a responder thread ---- */

typedef struct responder {
	int fd;          /* UDP or listening TCP socket on 127.0.0.1 */
	bool tcp;
	uint16_t port;
	unsigned rcode;  /* rcode to answer with */
	bool silent;     /* never answer */
	bool bad_tsig;   /* sign with the wrong secret */
	const char *keytext; /* the key of both sides (NULL: KEYTEXT) */
	int answered;
} responder_t;

/* Answer one request in @q (@n bytes) into @out; 0 when nothing to send. */
static size_t respond(responder_t *r, const uint8_t *q, size_t n, uint8_t *out, size_t cap)
{
	dns_msg_t m;
	size_t len = 0;
	dns_tsig_key_t key;
	load_key(&key, r->bad_tsig ? BADKEYTEXT : r->keytext ? r->keytext : KEYTEXT);
	dns_keystore_t *ks = dns_keystore_new();
	dns_keystore_add(ks, &key);
	if (dns_msg_parse(&m, q, n) == DNS_OK) {
		dns_notify_req_t nr;
		dns_tsig_req_t req;
		uint16_t terr;
		uint64_t now = (uint64_t)time(NULL);
		dns_err_t verr = dns_tsig_verify_request(&m, ks, now, &req, &terr);
		if (dns_notify_parse_request(&m, &nr) == DNS_OK &&
		    dns_notify_build_response(&m, r->rcode, out, cap, &len) == DNS_OK) {
			if (verr == DNS_ETSIG && r->bad_tsig) {
				req.key = dns_keystore_find(ks, key.name);
				req.error = 0;
				verr = DNS_OK;
			}
			if (verr == DNS_OK && dns_tsig_sign_response(out, &len, cap, &req, now))
				len = 0;
		}
	}
	dns_msg_free(&m);
	dns_keystore_free(ks);
	return len;
}

static void *responder_main(void *arg)
{
	responder_t *r = arg;
	uint8_t q[4096], out[4096];
	for (;;) {
		struct pollfd p = {.fd = r->fd, .events = POLLIN};
		if (poll(&p, 1, 10000) <= 0)
			return NULL;
		if (!r->tcp) {
			struct sockaddr_storage from;
			socklen_t fl = sizeof from;
			ssize_t n = recvfrom(r->fd, q, sizeof q, 0, (struct sockaddr *)&from, &fl);
			if (n <= 0)
				return NULL;
			if (r->silent) {
				if (++r->answered == 3)
					return NULL;
				continue;
			}
			size_t len = respond(r, q, (size_t)n, out, sizeof out);
			if (len) {
				sendto(r->fd, out, len, 0, (struct sockaddr *)&from, fl);
				r->answered++;
			}
			return NULL;
		}
		int c = accept(r->fd, NULL, NULL);
		if (c < 0)
			return NULL;
		uint8_t lb[2];
		ssize_t n = recv(c, lb, 2, MSG_WAITALL);
		size_t ql = n == 2 ? dns_get16(lb) : 0;
		if (ql && ql <= sizeof q && recv(c, q, ql, MSG_WAITALL) == (ssize_t)ql) {
			size_t len = respond(r, q, ql, out + 2, sizeof out - 2);
			if (len) {
				dns_put16(out, (uint16_t)len);
				send(c, out, len + 2, 0);
				r->answered++;
			}
		}
		close(c);
		return NULL;
	}
}

static void responder_start(responder_t *r, pthread_t *th)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof sa;
	r->fd = socket(AF_INET, r->tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
	assert_true(r->fd >= 0);
	assert_int_equal(bind(r->fd, (struct sockaddr *)&sa, sizeof sa), 0);
	if (r->tcp)
		assert_int_equal(listen(r->fd, 4), 0);
	assert_int_equal(getsockname(r->fd, (struct sockaddr *)&sa, &sl), 0);
	r->port = ntohs(sa.sin_port);
	assert_int_equal(pthread_create(th, NULL, responder_main, r), 0);
}

/* The dns-notify binary: <build>/dns-core/dns-notify, next to <build>/tests/. */
static void notify_bin(char *out, size_t cap)
{
	const char *env = getenv("DNS_NOTIFY_BIN");
	if (env) {
		snprintf(out, cap, "%s", env);
		return;
	}
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	assert_true(n > 0);
	self[n] = '\0';
	snprintf(out, cap, "%s/../dns-notify", dirname(self));
}

extern char **environ;

/* Run dns-notify with @args (NULL-terminated, after argv[0]); exit status. */
static int run_notify(const char *const *args)
{
	char bin[PATH_MAX + 32];
	notify_bin(bin, sizeof bin);
	char *argv[16];
	int i = 0;
	argv[i++] = bin;
	for (; *args && i < 15; args++)
		argv[i++] = (char *)*args;
	argv[i] = NULL;
	pid_t pid;
	assert_int_equal(posix_spawn(&pid, bin, NULL, NULL, argv, environ), 0);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static int run_against(responder_t *r, bool with_key, const char *timeout)
{
	pthread_t th;
	char server[32];
	responder_start(r, &th);
	snprintf(server, sizeof server, "127.0.0.1:%u", r->port);
	const char *args[10];
	int i = 0;
	if (with_key) {
		args[i++] = "--key";
		args[i++] = r->keytext ? r->keytext : KEYTEXT;
	}
	if (r->tcp)
		args[i++] = "--tcp";
	args[i++] = "--timeout";
	args[i++] = timeout;
	args[i++] = server;
	args[i++] = "example.";
	args[i] = NULL;
	int status = run_notify(args);
	pthread_join(th, NULL);
	close(r->fd);
	return status;
}

static void test_cli_udp(void **state)
{
	responder_t r = {.rcode = DNS_RCODE_NOERROR};
	assert_int_equal(run_against(&r, true, "5"), 0);
	assert_int_equal(r.answered, 1);
	/* REFUSED with a verified TSIG, for a key whose name gives it no
	 * notify authority over the zone: explained, exit 3. */
	responder_t refused = {.rcode = DNS_RCODE_REFUSED};
	assert_int_equal(run_against(&refused, true, "5"), 3);
	assert_int_equal(refused.answered, 1);
	responder_t scoped = {.rcode = DNS_RCODE_REFUSED,
	                      .keytext = "h._notify.other:hmac-sha256:" SECRET_B64};
	assert_int_equal(run_against(&scoped, true, "5"), 3);
	/* A key that has the authority, refused all the same: another reason. */
	responder_t root = {.rcode = DNS_RCODE_REFUSED,
	                    .keytext = "h._notify.:hmac-sha256:" SECRET_B64};
	assert_int_equal(run_against(&root, true, "5"), 1);
	assert_int_equal(root.answered, 1);
	responder_t badsig = {.rcode = DNS_RCODE_NOERROR, .bad_tsig = true};
	assert_int_equal(run_against(&badsig, true, "5"), 1);
	assert_int_equal(badsig.answered, 1);
	/* Unsigned NOTIFY, unsigned NOERROR answer. */
	responder_t plain = {.rcode = DNS_RCODE_NOERROR};
	assert_int_equal(run_against(&plain, false, "5"), 0);
}

static void test_cli_tcp(void **state)
{
	responder_t r = {.rcode = DNS_RCODE_NOERROR, .tcp = true};
	assert_int_equal(run_against(&r, true, "5"), 0);
	assert_int_equal(r.answered, 1);
	responder_t notauth = {.rcode = DNS_RCODE_NOTAUTH, .tcp = true};
	assert_int_equal(run_against(&notauth, true, "5"), 1);
}

static void test_cli_timeout_and_usage(void **state)
{
	responder_t r = {.silent = true};
	time_t t0 = time(NULL);
	assert_int_equal(run_against(&r, true, "0.6"), 1);
	assert_true(time(NULL) - t0 < 5);
	static const char *const none[] = {NULL};
	assert_int_equal(run_notify(none), 2);
	static const char *const badkey[] = {"--key", "nocolon", "127.0.0.1", "example.", NULL};
	assert_int_equal(run_notify(badkey), 2);
	static const char *const badsrv[] = {"not-an-ip", "example.", NULL};
	assert_int_equal(run_notify(badsrv), 2);
	static const char *const badport[] = {"[::1]:99999", "example.", NULL};
	assert_int_equal(run_notify(badport), 2);
	static const char *const help[] = {"--help", NULL};
	assert_int_equal(run_notify(help), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_wire_with_soa),
		cmocka_unit_test(test_request_wire_without_soa),
		cmocka_unit_test(test_request_signed),
		cmocka_unit_test(test_parse_request),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_build_response),
		cmocka_unit_test(test_sched_backoff_and_give_up),
		cmocka_unit_test(test_sched_response_matching),
		cmocka_unit_test(test_sched_refused_stops),
		cmocka_unit_test(test_sched_newer_serial_replaces),
		cmocka_unit_test(test_sched_signed),
		cmocka_unit_test(test_sched_conn_and_args),
		cmocka_unit_test(test_cli_udp),
		cmocka_unit_test(test_cli_tcp),
		cmocka_unit_test(test_cli_timeout_and_usage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
