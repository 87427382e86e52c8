/* Unit tests for xfr_out.c and xfr_in.c: AXFR/IXFR answers and the transfer client. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dns/diff.h"
#include "dns/name.h"
#include "dns/rrtype.h"
#include "dns/xfr.h"
#include "dns/zone.h"

static const uint8_t origin[] = "\007example\003com";
#define NOW 1700000000u
#define KEY1 "xfr.key.:hmac-sha256:c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTEyMzQ="
#define KEY2 "xfr.key.:hmac-sha256:b3RoZXItb3RoZXItb3RoZXItb3RoZXItc2VjcmV0IQ=="

/* ---- zones by hand ---- */

/* SOA rdata: ns1.example.com. hostmaster.example.com. serial 3600 600 86400 300 */
static size_t soa_rdata(uint8_t *out, uint32_t serial)
{
	static const uint8_t names[] = "\003ns1\007example\003com\000\012hostmaster\007example\003com";
	size_t n = sizeof(names);
	memcpy(out, names, n);
	const uint32_t v[5] = { serial, 3600, 600, 86400, 300 };
	for (int i = 0; i < 5; i++) {
		out[n++] = (uint8_t)(v[i] >> 24);
		out[n++] = (uint8_t)(v[i] >> 16);
		out[n++] = (uint8_t)(v[i] >> 8);
		out[n++] = (uint8_t)v[i];
	}
	return n;
}

static void add(dns_zone_builder_t *b, const char *owner, uint16_t type, const void *rd,
                size_t len)
{
	uint8_t name[DNS_NAME_MAX];
	size_t nl;
	assert_int_equal(dns_name_from_text(name, &nl, owner, strlen(owner), origin), DNS_OK);
	dns_rr_t rr = { .owner = name, .type = type, .rclass = DNS_CLASS_IN, .ttl = 3600,
	                .rdlen = (uint16_t)len, .rdata = rd };
	assert_int_equal(dns_zone_builder_add(b, &rr), DNS_OK);
}

#define A(b, owner, a, bb, c, d) add(b, owner, DNS_TYPE_A, (uint8_t[]){ a, bb, c, d }, 4)

/* serial 1: SOA, NS ns1, ns1 A 192.0.2.53 (plus @extra www hosts) */
static dns_zone_t *zone_v1(int extra)
{
	dns_zone_builder_t *b = dns_zone_builder_new(origin, DNS_CLASS_IN);
	uint8_t soa[128];
	add(b, "@", DNS_TYPE_SOA, soa, soa_rdata(soa, 1));
	add(b, "@", DNS_TYPE_NS, "\003ns1\007example\003com", 17);
	A(b, "ns1", 192, 0, 2, 53);
	for (int i = 0; i < extra; i++) {
		char name[32];
		snprintf(name, sizeof(name), "h%d", i);
		A(b, name, 10, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i);
		A(b, "many", 10, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i);
	}
	dns_zone_t *z = NULL;
	assert_int_equal(dns_zone_builder_finish(b, &z), DNS_OK);
	return z;
}

/* a zone with @serial and a www address set */
static dns_zone_t *zone_www(uint32_t serial, int www_last, bool mail)
{
	dns_zone_builder_t *b = dns_zone_builder_new(origin, DNS_CLASS_IN);
	uint8_t soa[128];
	add(b, "@", DNS_TYPE_SOA, soa, soa_rdata(soa, serial));
	add(b, "@", DNS_TYPE_NS, "\003ns1\007example\003com", 17);
	A(b, "ns1", 192, 0, 2, 53);
	A(b, "www", 192, 0, 2, (uint8_t)www_last);
	if (mail)
		add(b, "mail", DNS_TYPE_MX, "\000\012\003ns1\007example\003com", 19);
	dns_zone_t *z = NULL;
	assert_int_equal(dns_zone_builder_finish(b, &z), DNS_OK);
	return z;
}

static uint32_t rr_serial(const dns_rr_t *rr)
{
	const uint8_t *p = rr->rdata;
	p += dns_name_length(p);
	p += dns_name_length(p);
	return dns_get32(p);
}

static size_t zone_differences(const dns_zone_t *a, const dns_zone_t *b)
{
	size_t r = 99, ad = 99;
	assert_int_equal(dns_zone_diff_count(a, b, &r, &ad), DNS_OK);
	return r + ad;
}

/* ---- requests and transfers ---- */

/* Build a request with a client and parse it as the server sees it. */
static uint8_t reqbuf[512];
static void make_request(dns_xfr_in_t *in, dns_msg_t *req)
{
	size_t len;
	assert_int_equal(dns_xfr_in_request(in, reqbuf, sizeof(reqbuf), &len, NOW), DNS_OK);
	assert_int_equal(dns_msg_parse(req, reqbuf, len), DNS_OK);
}

typedef struct msgs {
	uint8_t *buf[64];
	size_t len[64];
	size_t n;
} msgs_t;

static void msgs_free(msgs_t *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->buf[i]);
	m->n = 0;
}

/* Run a generator to the end, keeping every message. */
static void drain(dns_xfr_out_t *x, msgs_t *m)
{
	bool done = false;
	m->n = 0;
	while (!done) {
		assert_true(m->n < 64);
		uint8_t *b = malloc(DNS_XFR_MSG_MAX);
		size_t len;
		assert_int_equal(dns_xfr_out_next(x, b, DNS_XFR_MSG_MAX, &len, &done), DNS_OK);
		m->buf[m->n] = b;
		m->len[m->n++] = len;
	}
	bool d2;
	size_t l2;
	uint8_t small[16];
	assert_int_equal(dns_xfr_out_next(x, small, sizeof(small), &l2, &d2), DNS_EINVAL);
}

static dns_xfr_status_t feed_all(dns_xfr_in_t *in, const msgs_t *m, size_t upto)
{
	dns_xfr_status_t st = DNS_XFR_NEED_MORE;
	for (size_t i = 0; i < m->n && i < upto; i++) {
		st = dns_xfr_in_feed(in, m->buf[i], m->len[i], NOW + 1);
		if (i + 1 < m->n)
			assert_int_not_equal(st, DNS_XFR_DONE);
	}
	return st;
}

/* ---- AXFR out ---- */

static void test_axfr_wire_vector(void **state)
{
	(void)state;
	dns_zone_t *z = zone_v1(0);
	dns_xfr_in_t *in;
	dns_msg_t req;
	assert_int_equal(dns_xfr_in_new(origin, NULL, DNS_XFR_AXFR, NULL, 0x1234, &in), DNS_OK);
	make_request(in, &req);
	/* the request by hand: header, example.com AXFR IN */
	static const uint8_t want_req[] = {
		0x12, 0x34, 0x00, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
		7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0x00, 0xFC, 0x00, 0x01,
	};
	assert_int_equal(req.wire_len, sizeof(want_req));
	assert_memory_equal(req.wire, want_req, sizeof(want_req));

	dns_xfr_out_t *x;
	assert_int_equal(dns_xfr_out_axfr(z, &req, NULL, NOW, &x), DNS_OK);
	dns_msg_free(&req);
	dns_zone_unref(z); /* the generator holds its own reference */
	msgs_t m;
	drain(x, &m);
	assert_int_equal(m.n, 1);
	assert_int_equal(dns_xfr_out_records(x), 4);
	dns_xfr_out_free(x);

	/* RFC 1035 §4.1 with compression: the qname at 12 (0x0C), ns1 in the
	 * first SOA's rdata at 41 (0x29), hostmaster at 47 (0x2F). */
	static const uint8_t want[] = {
		0x12, 0x34, 0x84, 0x00, 0, 1, 0, 4, 0, 0, 0, 0,
		7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0x00, 0xFC, 0x00, 0x01,
		/* 29: SOA */
		0xC0, 0x0C, 0, 6, 0, 1, 0, 0, 0x0E, 0x10, 0, 39,
		3, 'n', 's', '1', 0xC0, 0x0C,
		10, 'h', 'o', 's', 't', 'm', 'a', 's', 't', 'e', 'r', 0xC0, 0x0C,
		0, 0, 0, 1, 0, 0, 0x0E, 0x10, 0, 0, 0x02, 0x58, 0, 1, 0x51, 0x80, 0, 0, 0x01, 0x2C,
		/* NS ns1 */
		0xC0, 0x0C, 0, 2, 0, 1, 0, 0, 0x0E, 0x10, 0, 2, 0xC0, 0x29,
		/* ns1 A 192.0.2.53 */
		0xC0, 0x29, 0, 1, 0, 1, 0, 0, 0x0E, 0x10, 0, 4, 192, 0, 2, 53,
		/* SOA again */
		0xC0, 0x0C, 0, 6, 0, 1, 0, 0, 0x0E, 0x10, 0, 24, 0xC0, 0x29, 0xC0, 0x2F,
		0, 0, 0, 1, 0, 0, 0x0E, 0x10, 0, 0, 0x02, 0x58, 0, 1, 0x51, 0x80, 0, 0, 0x01, 0x2C,
	};
	assert_int_equal(m.len[0], sizeof(want));
	assert_memory_equal(m.buf[0], want, sizeof(want));

	/* and the client accepts it */
	assert_int_equal(dns_xfr_in_feed(in, m.buf[0], m.len[0], NOW), DNS_XFR_DONE);
	assert_int_equal(dns_xfr_in_result(in), DNS_XFR_RESULT_FULL);
	assert_int_equal(dns_xfr_in_serial(in), 1);
	dns_zone_t *got = dns_xfr_in_take_zone(in);
	assert_non_null(got);
	assert_int_equal(dns_zone_rr_count(got), 3);
	dns_zone_unref(got);
	dns_xfr_in_free(in);
	msgs_free(&m);
}

/* Many messages with a small cap: SOA first and last, each record once. */
static void test_axfr_split(void **state)
{
	(void)state;
	enum { N = 300 };
	dns_zone_t *z = zone_v1(N);
	dns_xfr_in_t *in;
	dns_msg_t req;
	assert_int_equal(dns_xfr_in_new(origin, NULL, DNS_XFR_AXFR, NULL, 7, &in), DNS_OK);
	make_request(in, &req);
	dns_xfr_out_t *x;
	assert_int_equal(dns_xfr_out_axfr(z, &req, NULL, NOW, &x), DNS_OK);
	dns_msg_free(&req);
	dns_xfr_out_set_limit(x, 512);
	msgs_t m;
	drain(x, &m);
	dns_xfr_out_free(x);
	assert_true(m.n > 10);

	/* records: SOA + NS + ns1 + N h<i> + N "many" + SOA */
	size_t total = 0, soas = 0, many = 0;
	bool seen_h[N] = { false };
	for (size_t i = 0; i < m.n; i++) {
		dns_msg_t p;
		assert_true(m.len[i] <= 512);
		assert_int_equal(dns_msg_parse(&p, m.buf[i], m.len[i]), DNS_OK);
		assert_int_equal(p.id, 7);
		assert_true(p.flags & DNS_FLAG_AA);
		assert_true(p.flags & DNS_FLAG_QR);
		assert_int_equal(p.has_question, i == 0);
		size_t n;
		const dns_msg_rr_t *rrs = dns_msg_section(&p, DNS_SEC_ANSWER, &n);
		assert_true(n > 0);
		for (size_t k = 0; k < n; k++, total++) {
			const dns_rr_t *rr = &rrs[k].rr;
			bool first = i == 0 && k == 0, last = i + 1 == m.n && k + 1 == n;
			assert_int_equal(rr->type == DNS_TYPE_SOA, first || last);
			soas += rr->type == DNS_TYPE_SOA;
			if (rr->owner[0] == 4 && memcmp(rr->owner + 1, "many", 4) == 0) {
				many++;
			} else if (rr->owner[1] == 'h') {
				char lbl[16] = { 0 };
				memcpy(lbl, rr->owner + 2, rr->owner[0] - 1u);
				int idx = atoi(lbl);
				assert_true(idx >= 0 && idx < N);
				assert_false(seen_h[idx]);
				seen_h[idx] = true;
			}
		}
		dns_msg_free(&p);
	}
	assert_int_equal(soas, 2);
	assert_int_equal(many, N);
	assert_int_equal(total, 2 + 2 + 2 * N);
	for (int i = 0; i < N; i++)
		assert_true(seen_h[i]);

	/* the client rebuilds the same zone */
	assert_int_equal(feed_all(in, &m, m.n), DNS_XFR_DONE);
	dns_zone_t *got = dns_xfr_in_take_zone(in);
	assert_int_equal(zone_differences(z, got), 0);
	dns_zone_unref(got);
	dns_xfr_in_free(in);
	msgs_free(&m);
	dns_zone_unref(z);
}

/* ---- TSIG ---- */

typedef struct tsig_fix {
	dns_tsig_key_t key, other;
	dns_keystore_t *ks;
} tsig_fix_t;

static void tsig_setup(tsig_fix_t *f)
{
	assert_int_equal(dns_tsig_key_from_text(&f->key, KEY1, strlen(KEY1)), DNS_OK);
	assert_int_equal(dns_tsig_key_from_text(&f->other, KEY2, strlen(KEY2)), DNS_OK);
	f->ks = dns_keystore_new();
	assert_int_equal(dns_keystore_add(f->ks, &f->key), DNS_OK);
}

/* Server side of a signed AXFR: verify the request, generate every message. */
static void signed_axfr(tsig_fix_t *f, dns_xfr_in_t *in, const dns_zone_t *z, msgs_t *m)
{
	dns_msg_t req;
	make_request(in, &req);
	dns_tsig_req_t treq;
	uint16_t terr = 0xFFFF;
	assert_int_equal(dns_tsig_verify_request(&req, f->ks, NOW, &treq, &terr), DNS_OK);
	assert_int_equal(terr, 0);
	dns_xfr_out_t *x;
	assert_int_equal(dns_xfr_out_axfr(z, &req, &treq, NOW, &x), DNS_OK);
	dns_msg_free(&req);
	dns_xfr_out_set_limit(x, 600);
	drain(x, m);
	dns_xfr_out_free(x);
}

static void test_axfr_tsig(void **state)
{
	(void)state;
	tsig_fix_t f;
	tsig_setup(&f);
	dns_zone_t *z = zone_v1(60);
	dns_xfr_in_t *in;
	assert_int_equal(dns_xfr_in_new(origin, NULL, DNS_XFR_AXFR, &f.key, 99, &in), DNS_OK);
	msgs_t m;
	signed_axfr(&f, in, z, &m);
	assert_true(m.n >= 3);
	for (size_t i = 0; i < m.n; i++) {
		dns_msg_t p;
		assert_int_equal(dns_msg_parse(&p, m.buf[i], m.len[i]), DNS_OK);
		assert_non_null(p.tsig);
		dns_msg_free(&p);
	}
	assert_int_equal(feed_all(in, &m, m.n), DNS_XFR_DONE);
	dns_zone_t *got = dns_xfr_in_take_zone(in);
	assert_int_equal(zone_differences(z, got), 0);
	dns_zone_unref(got);
	dns_xfr_in_free(in);

	/* a byte changed in the second message: its MAC fails */
	assert_int_equal(dns_xfr_in_new(origin, NULL, DNS_XFR_AXFR, &f.key, 99, &in), DNS_OK);
	msgs_free(&m);
	signed_axfr(&f, in, z, &m);
	size_t ttl_at = 30; /* inside the records (no question after the first) */
	m.buf[1][ttl_at] ^= 0x01;
	dns_xfr_status_t st = dns_xfr_in_feed(in, m.buf[0], m.len[0], NOW);
	assert_int_equal(st, DNS_XFR_NEED_MORE);
	st = dns_xfr_in_feed(in, m.buf[1], m.len[1], NOW);
	assert_int_equal(st, DNS_XFR_ERROR);
	dns_xfr_in_free(in);

	/* the client holds another secret under the same name */
	assert_int_equal(dns_xfr_in_new(origin, NULL, DNS_XFR_AXFR, &f.key, 99, &in), DNS_OK);
	msgs_free(&m);
	signed_axfr(&f, in, z, &m);
	dns_xfr_in_free(in);
	assert_int_equal(dns_xfr_in_new(origin, NULL, DNS_XFR_AXFR, &f.other, 99, &in), DNS_OK);
	size_t len;
	uint8_t b[512];
	assert_int_equal(dns_xfr_in_request(in, b, sizeof(b), &len, NOW), DNS_OK);
	assert_int_equal(feed_all(in, &m, 1), DNS_XFR_ERROR);
	assert_int_equal(dns_xfr_in_err(in), DNS_ETSIG);
	dns_xfr_in_free(in);

	/* an unsigned answer to a signed request */
	assert_int_equal(dns_xfr_in_new(origin, NULL, DNS_XFR_AXFR, &f.key, 99, &in), DNS_OK);
	dns_msg_t req;
	make_request(in, &req);
	dns_xfr_out_t *x;
	assert_int_equal(dns_xfr_out_axfr(z, &req, NULL, NOW, &x), DNS_OK);
	dns_msg_free(&req);
	msgs_free(&m);
	drain(x, &m);
	dns_xfr_out_free(x);
	assert_int_equal(feed_all(in, &m, m.n), DNS_XFR_ERROR);
	assert_int_equal(dns_xfr_in_err(in), DNS_ETSIG);
	dns_xfr_in_free(in);

	msgs_free(&m);
	dns_zone_unref(z);
	dns_keystore_free(f.ks);
}

/* ---- IXFR out ---- */

static void test_ixfr_sequence(void **state)
{
	(void)state;
	dns_zone_t *v1 = zone_www(1, 1, false), *v2 = zone_www(2, 3, true);
	dns_xfr_in_t *in;
	dns_msg_t req;
	assert_int_equal(dns_xfr_in_new(origin, v1, DNS_XFR_IXFR, NULL, 5, &in), DNS_OK);
	make_request(in, &req);
	uint32_t s = 0;
	assert_int_equal(dns_xfr_request_serial(&req, &s), DNS_OK);
	assert_int_equal(s, 1);
	dns_xfr_out_t *x;
	assert_int_equal(dns_xfr_out_ixfr(v1, v2, &req, NULL, NOW, &x), DNS_OK);
	dns_msg_free(&req);
	msgs_t m;
	drain(x, &m);
	dns_xfr_out_free(x);
	assert_int_equal(m.n, 1);

	dns_msg_t p;
	assert_int_equal(dns_msg_parse(&p, m.buf[0], m.len[0]), DNS_OK);
	assert_int_equal(p.qtype, DNS_TYPE_IXFR);
	size_t n;
	const dns_msg_rr_t *r = dns_msg_section(&p, DNS_SEC_ANSWER, &n);
	/* SOA 2, SOA 1, www A .1, SOA 2, mail MX, www A .3, SOA 2 */
	assert_int_equal(n, 7);
	const uint16_t types[] = { DNS_TYPE_SOA, DNS_TYPE_SOA, DNS_TYPE_A, DNS_TYPE_SOA,
	                           DNS_TYPE_MX, DNS_TYPE_A, DNS_TYPE_SOA };
	const uint32_t serials[] = { 2, 1, 0, 2, 0, 0, 2 };
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(r[i].rr.type, types[i]);
		if (types[i] == DNS_TYPE_SOA)
			assert_int_equal(rr_serial(&r[i].rr), serials[i]);
	}
	assert_memory_equal(r[2].rr.rdata, ((uint8_t[]){ 192, 0, 2, 1 }), 4);
	assert_memory_equal(r[5].rr.rdata, ((uint8_t[]){ 192, 0, 2, 3 }), 4);
	assert_memory_equal(r[2].rr.owner, "\003www", 4);
	assert_memory_equal(r[4].rr.owner, "\004mail", 5);
	dns_msg_free(&p);

	/* the client applies it */
	assert_int_equal(feed_all(in, &m, m.n), DNS_XFR_DONE);
	assert_int_equal(dns_xfr_in_result(in), DNS_XFR_RESULT_INCREMENTAL);
	dns_zone_t *got = dns_xfr_in_take_zone(in);
	assert_int_equal(zone_differences(v2, got), 0);
	assert_int_equal(dns_zone_serial(got), 2);
	dns_zone_unref(got);
	dns_xfr_in_free(in);
	msgs_free(&m);
	dns_zone_unref(v1);
	dns_zone_unref(v2);
}

/* IXFR with a small cap and TSIG, many changes: multi-message round trip. */
static void test_ixfr_roundtrip_signed(void **state)
{
	(void)state;
	tsig_fix_t f;
	tsig_setup(&f);
	dns_zone_t *v1 = zone_v1(100);
	dns_zone_builder_t *b = dns_zone_builder_new(origin, DNS_CLASS_IN);
	uint8_t soa[128];
	add(b, "@", DNS_TYPE_SOA, soa, soa_rdata(soa, 9));
	add(b, "@", DNS_TYPE_NS, "\003ns1\007example\003com", 17);
	A(b, "ns1", 192, 0, 2, 53);
	for (int i = 50; i < 150; i++) {
		char name[32];
		snprintf(name, sizeof(name), "h%d", i);
		A(b, name, 10, 0, 0, (uint8_t)i);
	}
	dns_zone_t *v2 = NULL;
	assert_int_equal(dns_zone_builder_finish(b, &v2), DNS_OK);

	dns_xfr_in_t *in;
	dns_msg_t req;
	assert_int_equal(dns_xfr_in_new(origin, v1, DNS_XFR_IXFR, &f.key, 77, &in), DNS_OK);
	make_request(in, &req);
	dns_tsig_req_t treq;
	uint16_t terr;
	assert_int_equal(dns_tsig_verify_request(&req, f.ks, NOW, &treq, &terr), DNS_OK);
	dns_xfr_out_t *x;
	assert_int_equal(dns_xfr_out_ixfr(v1, v2, &req, &treq, NOW, &x), DNS_OK);
	dns_msg_free(&req);
	dns_xfr_out_set_limit(x, 700);
	msgs_t m;
	drain(x, &m);
	dns_xfr_out_free(x);
	assert_true(m.n > 3);
	assert_int_equal(feed_all(in, &m, m.n), DNS_XFR_DONE);
	dns_zone_t *got = dns_xfr_in_take_zone(in);
	assert_int_equal(zone_differences(v2, got), 0);
	dns_zone_unref(got);
	dns_xfr_in_free(in);

	/* the same answer cut before its end never completes (no key: the
	 * MACs were chained to the first request's) */
	assert_int_equal(dns_xfr_in_new(origin, v1, DNS_XFR_IXFR, NULL, 77, &in), DNS_OK);
	assert_int_equal(dns_xfr_in_set_request_mac(in, NULL, 0), DNS_OK);
	assert_int_equal(feed_all(in, &m, m.n - 1), DNS_XFR_NEED_MORE);
	assert_int_equal(dns_xfr_in_abort(in), DNS_XFR_ERROR);
	assert_null(dns_xfr_in_take_zone(in));
	assert_non_null(strstr(dns_xfr_in_error(in), "final SOA"));
	dns_xfr_in_free(in);

	msgs_free(&m);
	dns_zone_unref(v1);
	dns_zone_unref(v2);
	dns_keystore_free(f.ks);
}

/* A client at (or beyond) the current serial gets the SOA alone. */
static void test_ixfr_uptodate(void **state)
{
	(void)state;
	dns_zone_t *v2 = zone_www(2, 3, true), *v5 = zone_www(5, 3, true);
	const dns_zone_t *clients[] = { v2, v5 };
	for (int c = 0; c < 2; c++) {
		dns_xfr_in_t *in;
		dns_msg_t req;
		assert_int_equal(dns_xfr_in_new(origin, clients[c], DNS_XFR_IXFR, NULL, 1, &in),
		                 DNS_OK);
		make_request(in, &req);
		dns_xfr_out_t *x;
		assert_int_equal(dns_xfr_out_ixfr(NULL, v2, &req, NULL, NOW, &x), DNS_OK);
		dns_msg_free(&req);
		msgs_t m;
		drain(x, &m);
		dns_xfr_out_free(x);
		assert_int_equal(m.n, 1);
		dns_msg_t p;
		assert_int_equal(dns_msg_parse(&p, m.buf[0], m.len[0]), DNS_OK);
		assert_int_equal(p.count[DNS_SEC_ANSWER], 1);
		assert_int_equal(p.rrs[0].rr.type, DNS_TYPE_SOA);
		assert_int_equal(rr_serial(&p.rrs[0].rr), 2);
		dns_msg_free(&p);
		assert_int_equal(feed_all(in, &m, 1), DNS_XFR_DONE);
		assert_int_equal(dns_xfr_in_result(in), DNS_XFR_RESULT_UPTODATE);
		dns_zone_t *got = dns_xfr_in_take_zone(in);
		assert_ptr_equal(got, clients[c]);
		dns_zone_unref(got);
		dns_xfr_in_free(in);
		msgs_free(&m);
	}
	dns_zone_unref(v2);
	dns_zone_unref(v5);
}

/* An IXFR answered AXFR-style (no history for the client's serial). */
static void test_ixfr_axfr_style(void **state)
{
	(void)state;
	dns_zone_t *v1 = zone_www(1, 1, false), *v2 = zone_www(2, 3, true);
	dns_xfr_in_t *in;
	dns_msg_t req;
	assert_int_equal(dns_xfr_in_new(origin, v1, DNS_XFR_IXFR, NULL, 3, &in), DNS_OK);
	make_request(in, &req);
	dns_xfr_out_t *x;
	assert_int_equal(dns_xfr_out_axfr(v2, &req, NULL, NOW, &x), DNS_OK);
	dns_msg_free(&req);
	msgs_t m;
	drain(x, &m);
	dns_xfr_out_free(x);
	assert_int_equal(feed_all(in, &m, m.n), DNS_XFR_DONE);
	assert_int_equal(dns_xfr_in_result(in), DNS_XFR_RESULT_FULL);
	dns_zone_t *got = dns_xfr_in_take_zone(in);
	assert_int_equal(zone_differences(v2, got), 0);
	dns_zone_unref(got);
	dns_xfr_in_free(in);
	msgs_free(&m);
	dns_zone_unref(v1);
	dns_zone_unref(v2);
}

static void test_ixfr_udp(void **state)
{
	(void)state;
	dns_zone_t *v1 = zone_www(1, 1, false), *v2 = zone_www(2, 3, true);
	dns_xfr_in_t *in;
	dns_msg_t req;
	assert_int_equal(dns_xfr_in_new(origin, v1, DNS_XFR_IXFR, NULL, 3, &in), DNS_OK);
	make_request(in, &req);
	uint8_t buf[1232];
	size_t len;
	dns_msg_t p;
	/* fits in 1232: the whole difference */
	assert_int_equal(dns_xfr_ixfr_udp(v1, v2, &req, NULL, NOW, buf, sizeof(buf), 1232, &len),
	                 DNS_OK);
	assert_int_equal(dns_msg_parse(&p, buf, len), DNS_OK);
	assert_int_equal(p.count[DNS_SEC_ANSWER], 7);
	dns_msg_free(&p);
	/* 100 bytes: the SOA alone */
	assert_int_equal(dns_xfr_ixfr_udp(v1, v2, &req, NULL, NOW, buf, sizeof(buf), 100, &len),
	                 DNS_OK);
	assert_true(len <= 100);
	assert_int_equal(dns_msg_parse(&p, buf, len), DNS_OK);
	assert_int_equal(p.count[DNS_SEC_ANSWER], 1);
	assert_int_equal(rr_serial(&p.rrs[0].rr), 2);
	dns_msg_free(&p);
	/* the client reads that lone newer SOA as "ask again over TCP" */
	assert_int_equal(dns_xfr_in_feed(in, buf, len, NOW), DNS_XFR_NEED_MORE);
	/* not even the SOA fits */
	assert_int_equal(dns_xfr_ixfr_udp(v1, v2, &req, NULL, NOW, buf, sizeof(buf), 40, &len),
	                 DNS_ESPACE);
	dns_msg_free(&req);
	dns_xfr_in_free(in);
	dns_zone_unref(v1);
	dns_zone_unref(v2);
}

/* ---- the client rejects ---- */

/* Hand-made answer: header, question, the given records. */
static size_t answer(uint8_t *buf, uint16_t id, unsigned rcode, const uint8_t *qname,
                     uint16_t qtype, const dns_rr_t *rrs, size_t n)
{
	dns_msg_builder_t b;
	dns_msg_builder_init(&b, buf, 4096, 4096);
	uint16_t flags = dns_flags_set_rcode(DNS_FLAG_QR | DNS_FLAG_AA, rcode);
	assert_int_equal(dns_msg_builder_header(&b, id, flags), DNS_OK);
	assert_int_equal(dns_msg_builder_question(&b, qname, qtype, DNS_CLASS_IN), DNS_OK);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(dns_msg_builder_rr(&b, DNS_SEC_ANSWER, &rrs[i]), DNS_OK);
	return dns_msg_builder_finish(&b);
}

static dns_xfr_status_t one_answer(dns_xfr_in_t **in, const dns_zone_t *cur, dns_xfr_kind_t k,
                                   uint16_t id, unsigned rcode, const uint8_t *qname,
                                   const dns_rr_t *rrs, size_t n)
{
	uint8_t buf[4096];
	assert_int_equal(dns_xfr_in_new(origin, cur, k, NULL, 42, in), DNS_OK);
	assert_int_equal(dns_xfr_in_request(*in, buf, sizeof(buf), &(size_t){ 0 }, NOW), DNS_OK);
	size_t len = answer(buf, id, rcode, qname,
	                    k == DNS_XFR_IXFR && cur ? DNS_TYPE_IXFR : DNS_TYPE_AXFR, rrs, n);
	return dns_xfr_in_feed(*in, buf, len, NOW);
}

static void test_in_rejects(void **state)
{
	(void)state;
	uint8_t soa[128], soa2[128];
	size_t sl = soa_rdata(soa, 1), sl2 = soa_rdata(soa2, 2);
	dns_rr_t s1 = { origin, DNS_TYPE_SOA, DNS_CLASS_IN, 3600, (uint16_t)sl, soa };
	dns_rr_t s2 = { origin, DNS_TYPE_SOA, DNS_CLASS_IN, 3600, (uint16_t)sl2, soa2 };
	dns_rr_t ns = { origin, DNS_TYPE_NS, DNS_CLASS_IN, 3600, 17,
	                (const uint8_t *)"\003ns1\007example\003com" };
	dns_rr_t glue = { (const uint8_t *)"\003ns1\007example\003com", DNS_TYPE_A, DNS_CLASS_IN,
	                  3600, 4, (const uint8_t[]){ 192, 0, 2, 53 } };
	dns_rr_t outside = { (const uint8_t *)"\003www\007example\003net", DNS_TYPE_A,
	                     DNS_CLASS_IN, 3600, 4, (const uint8_t[]){ 192, 0, 2, 1 } };
	dns_xfr_in_t *in;

	/* a good one first, so that the rejections below can only be due to their flaw */
	dns_rr_t good[] = { s1, ns, glue, s1 };
	assert_int_equal(one_answer(&in, NULL, DNS_XFR_AXFR, 42, 0, origin, good, 4), DNS_XFR_DONE);
	dns_xfr_in_free(in);

	dns_rr_t bad_out[] = { s1, ns, glue, outside, s1 };
	assert_int_equal(one_answer(&in, NULL, DNS_XFR_AXFR, 42, 0, origin, bad_out, 5),
	                 DNS_XFR_ERROR);
	assert_string_equal(dns_xfr_in_error(in), "record outside the zone");
	assert_int_equal(dns_xfr_in_err(in), DNS_EZONE);
	dns_xfr_in_free(in);

	/* wrong ID, wrong question */
	assert_int_equal(one_answer(&in, NULL, DNS_XFR_AXFR, 43, 0, origin, good, 4), DNS_XFR_ERROR);
	dns_xfr_in_free(in);
	assert_int_equal(one_answer(&in, NULL, DNS_XFR_AXFR, 42, 0,
	                            (const uint8_t *)"\007example\003net", good, 4),
	                 DNS_XFR_ERROR);
	assert_non_null(strstr(dns_xfr_in_error(in), "question"));
	dns_xfr_in_free(in);

	/* REFUSED and NOTAUTH */
	assert_int_equal(one_answer(&in, NULL, DNS_XFR_AXFR, 42, DNS_RCODE_REFUSED, origin, NULL, 0),
	                 DNS_XFR_ERROR);
	assert_int_equal(dns_xfr_in_rcode(in), DNS_RCODE_REFUSED);
	assert_int_equal(dns_xfr_in_err(in), DNS_EDENIED);
	dns_xfr_in_free(in);
	assert_int_equal(one_answer(&in, NULL, DNS_XFR_AXFR, 42, DNS_RCODE_NOTAUTH, origin, NULL, 0),
	                 DNS_XFR_ERROR);
	assert_int_equal(dns_xfr_in_rcode(in), DNS_RCODE_NOTAUTH);
	dns_xfr_in_free(in);

	/* not starting with the SOA; data after the final SOA; serial mismatch */
	dns_rr_t no_soa[] = { ns, glue, s1 };
	assert_int_equal(one_answer(&in, NULL, DNS_XFR_AXFR, 42, 0, origin, no_soa, 3),
	                 DNS_XFR_ERROR);
	dns_xfr_in_free(in);
	dns_rr_t after[] = { s1, ns, s1, glue };
	assert_int_equal(one_answer(&in, NULL, DNS_XFR_AXFR, 42, 0, origin, after, 4),
	                 DNS_XFR_ERROR);
	dns_xfr_in_free(in);
	dns_rr_t mismatch[] = { s1, ns, glue, s2 };
	assert_int_equal(one_answer(&in, NULL, DNS_XFR_AXFR, 42, 0, origin, mismatch, 4),
	                 DNS_XFR_ERROR);
	dns_xfr_in_free(in);

	/* a complete zone that fails its checks (no NS) */
	dns_rr_t no_ns[] = { s1, glue, s1 };
	assert_int_equal(one_answer(&in, NULL, DNS_XFR_AXFR, 42, 0, origin, no_ns, 3),
	                 DNS_XFR_ERROR);
	assert_int_equal(dns_xfr_in_err(in), DNS_EZONE);
	dns_xfr_in_free(in);

	/* record limit */
	assert_int_equal(dns_xfr_in_new(origin, NULL, DNS_XFR_AXFR, NULL, 42, &in), DNS_OK);
	dns_xfr_in_set_limits(in, 3, 0);
	uint8_t buf[4096];
	assert_int_equal(dns_xfr_in_request(in, buf, sizeof(buf), &(size_t){ 0 }, NOW), DNS_OK);
	size_t len = answer(buf, 42, 0, origin, DNS_TYPE_AXFR, good, 4);
	assert_int_equal(dns_xfr_in_feed(in, buf, len, NOW), DNS_XFR_ERROR);
	assert_int_equal(dns_xfr_in_err(in), DNS_ELIMIT);
	dns_xfr_in_free(in);
}

/* Incremental answers with two deltas, and a delta that does not fit. */
static void test_in_multi_delta(void **state)
{
	(void)state;
	dns_zone_t *v1 = zone_www(1, 1, false), *v3 = zone_www(3, 3, true);
	uint8_t r1[128], r2[128], r3[128];
	dns_rr_t s1 = { origin, DNS_TYPE_SOA, DNS_CLASS_IN, 3600, 0, r1 };
	dns_rr_t s2 = { origin, DNS_TYPE_SOA, DNS_CLASS_IN, 3600, 0, r2 };
	dns_rr_t s3 = { origin, DNS_TYPE_SOA, DNS_CLASS_IN, 3600, 0, r3 };
	s1.rdlen = (uint16_t)soa_rdata(r1, 1);
	s2.rdlen = (uint16_t)soa_rdata(r2, 2);
	s3.rdlen = (uint16_t)soa_rdata(r3, 3);
	const uint8_t *www = (const uint8_t *)"\003www\007example\003com";
	const uint8_t *mail = (const uint8_t *)"\004mail\007example\003com";
	dns_rr_t w1 = { www, DNS_TYPE_A, DNS_CLASS_IN, 3600, 4, (const uint8_t[]){ 192, 0, 2, 1 } };
	dns_rr_t w2 = { www, DNS_TYPE_A, DNS_CLASS_IN, 3600, 4, (const uint8_t[]){ 192, 0, 2, 2 } };
	dns_rr_t w3 = { www, DNS_TYPE_A, DNS_CLASS_IN, 3600, 4, (const uint8_t[]){ 192, 0, 2, 3 } };
	dns_rr_t mx = { mail, DNS_TYPE_MX, DNS_CLASS_IN, 3600, 19,
	                (const uint8_t *)"\000\012\003ns1\007example\003com" };
	/* 1 -> 2: www .1 -> .2;  2 -> 3: www .2 -> .3, mail MX added */
	dns_rr_t seq[] = { s3, s1, w1, s2, w2, s2, w2, s3, w3, mx, s3 };
	dns_xfr_in_t *in;
	assert_int_equal(one_answer(&in, v1, DNS_XFR_IXFR, 42, 0, origin, seq, 11), DNS_XFR_DONE);
	assert_int_equal(dns_xfr_in_result(in), DNS_XFR_RESULT_INCREMENTAL);
	dns_zone_t *got = dns_xfr_in_take_zone(in);
	assert_int_equal(zone_differences(v3, got), 0);
	dns_zone_unref(got);
	dns_xfr_in_free(in);

	/* removing a record we do not have: nothing applied, our zone intact */
	dns_rr_t wrong[] = { s3, s1, w2, s3, w3, mx, s3 };
	assert_int_equal(one_answer(&in, v1, DNS_XFR_IXFR, 42, 0, origin, wrong, 7), DNS_XFR_ERROR);
	assert_null(dns_xfr_in_take_zone(in));
	dns_xfr_in_free(in);
	assert_int_equal(dns_zone_serial(v1), 1);
	assert_non_null(dns_zone_find(v1, www));

	/* second delta not following the first */
	dns_rr_t gap[] = { s3, s1, w1, s2, w2, s1, w2, s3, w3, mx, s3 };
	assert_int_equal(one_answer(&in, v1, DNS_XFR_IXFR, 42, 0, origin, gap, 11), DNS_XFR_ERROR);
	dns_xfr_in_free(in);
	dns_zone_unref(v1);
	dns_zone_unref(v3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_axfr_wire_vector),
		cmocka_unit_test(test_axfr_split),
		cmocka_unit_test(test_axfr_tsig),
		cmocka_unit_test(test_ixfr_sequence),
		cmocka_unit_test(test_ixfr_roundtrip_signed),
		cmocka_unit_test(test_ixfr_uptodate),
		cmocka_unit_test(test_ixfr_axfr_style),
		cmocka_unit_test(test_ixfr_udp),
		cmocka_unit_test(test_in_rejects),
		cmocka_unit_test(test_in_multi_delta),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
