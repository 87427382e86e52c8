/* Unit tests for response rate limiting, driven by a fake clock: bucket
 * keys (network, kind, name), rate and refill, slip, exemptions, the
 * fixed table under churn, the slip rewrite, and two threads on one
 * bucket. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <cmocka.h>

#include "dns/answer.h"
#include "dns/cookie.h"
#include "dns/edns.h"
#include "dns/msg.h"
#include "dns/rrl.h"
#include "dns/rrtype.h"
#include "dns/zone.h"
#include "dns/zoneset.h"

static uint8_t www[DNS_NAME_MAX], mail[DNS_NAME_MAX], zone_name[DNS_NAME_MAX];

static void name(uint8_t *out, const char *text)
{
	size_t len;
	assert_int_equal(dns_name_from_text(out, &len, text, strlen(text), NULL), DNS_OK);
}

static int setup_names(void **state)
{
	(void)state;
	name(www, "www.example.com.");
	name(mail, "MAIL.example.com.");
	name(zone_name, "example.com.");
	return 0;
}

static struct sockaddr_storage addr(const char *ip)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, ip, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
	} else {
		assert_int_equal(inet_pton(AF_INET6, ip, &sin6->sin6_addr), 1);
		sin6->sin6_family = AF_INET6;
	}
	return ss;
}

static dns_answer_info_t info(dns_answer_kind_t kind, const uint8_t *about)
{
	dns_answer_info_t ai;
	memset(&ai, 0, sizeof(ai));
	ai.kind = kind;
	ai.kind_name = about;
	ai.qtype = DNS_TYPE_A;
	return ai;
}

static dns_rrl_t *make(uint32_t rate, unsigned slip, size_t table)
{
	dns_rrl_config_t cfg = {.rate = rate, .slip = slip, .table_size = table, .workers = 2,
	                        .seed = 0x1234567890abcdefull};
	dns_rrl_t *r;
	assert_int_equal(dns_rrl_new(&cfg, &r), DNS_OK);
	return r;
}

/* @n responses from @ip at @now; counts of each action. */
static void burst(dns_rrl_t *r, const char *ip, const dns_answer_info_t *ai, uint64_t now,
                  unsigned n, unsigned *pass, unsigned *drop, unsigned *slip)
{
	struct sockaddr_storage ss = addr(ip);
	*pass = *drop = *slip = 0;
	for (unsigned i = 0; i < n; i++) {
		switch (dns_rrl_check(r, i % 2, now, (struct sockaddr *)&ss, ai)) {
		case DNS_RRL_PASS: (*pass)++; break;
		case DNS_RRL_DROP: (*drop)++; break;
		case DNS_RRL_SLIP: (*slip)++; break;
		}
	}
}

/* One second of responses per bucket, then RATE a second. */
static void test_rate_and_refill(void **state)
{
	(void)state;
	dns_rrl_t *r = make(10, 2, 0);
	dns_answer_info_t ai = info(DNS_ANSWER_KIND_POSITIVE, www);
	unsigned p, d, s;
	uint64_t t = 5000000;
	burst(r, "192.0.2.1", &ai, t, 100, &p, &d, &s);
	assert_int_equal(p, 10);
	assert_int_equal(s, 45); /* every 2nd limited response slips */
	assert_int_equal(d, 45);
	burst(r, "192.0.2.1", &ai, t + 150, 5, &p, &d, &s);
	assert_int_equal(p, 1); /* 150 ms at 10/s: one (time counts in 1/64 s) */
	burst(r, "192.0.2.1", &ai, t + 1200, 50, &p, &d, &s);
	assert_int_equal(p, 10); /* a full second: a full bucket, no more */
	burst(r, "192.0.2.1", &ai, t + 60000, 50, &p, &d, &s);
	assert_int_equal(p, 10);
	dns_rrl_stats_t st;
	dns_rrl_stats(r, &st);
	assert_int_equal(st.slipped + st.dropped, 90 + 4 + 40 + 40);
	assert_int_equal(st.exempt, 0);
	dns_rrl_free(r);
}

/* What shares a bucket and what does not. */
static void test_keys(void **state)
{
	(void)state;
	dns_rrl_t *r = make(5, 0, 0);
	uint64_t t = 1000;
	unsigned p, d, s;
	dns_answer_info_t pos = info(DNS_ANSWER_KIND_POSITIVE, www);
	burst(r, "192.0.2.1", &pos, t, 20, &p, &d, &s);
	assert_int_equal(p, 5);
	assert_int_equal(s, 0); /* slip 0: never */
	/* the same /24: the same bucket */
	burst(r, "192.0.2.200", &pos, t, 20, &p, &d, &s);
	assert_int_equal(p, 0);
	/* another /24, another bucket */
	burst(r, "192.0.3.1", &pos, t, 20, &p, &d, &s);
	assert_int_equal(p, 5);
	/* another name; the same name in another case is the same */
	dns_answer_info_t other = info(DNS_ANSWER_KIND_POSITIVE, mail);
	burst(r, "192.0.2.1", &other, t, 20, &p, &d, &s);
	assert_int_equal(p, 5);
	uint8_t upper[DNS_NAME_MAX];
	name(upper, "WWW.EXAMPLE.COM.");
	dns_answer_info_t same = info(DNS_ANSWER_KIND_POSITIVE, upper);
	burst(r, "192.0.2.1", &same, t, 20, &p, &d, &s);
	assert_int_equal(p, 0);
	/* another kind for the same name; ANY apart from other types */
	dns_answer_info_t nx = info(DNS_ANSWER_KIND_NXDOMAIN, zone_name);
	burst(r, "192.0.2.1", &nx, t, 20, &p, &d, &s);
	assert_int_equal(p, 5);
	dns_answer_info_t any = info(DNS_ANSWER_KIND_POSITIVE, www);
	any.qtype = DNS_TYPE_ANY;
	burst(r, "192.0.2.1", &any, t, 20, &p, &d, &s);
	assert_int_equal(p, 5);
	/* IPv6: a /56 shares, the next /56 does not; an IPv4-mapped
	 * address is its IPv4 network */
	burst(r, "2001:db8:0:1::1", &pos, t, 20, &p, &d, &s);
	assert_int_equal(p, 5);
	burst(r, "2001:db8:0:ff::2", &pos, t, 20, &p, &d, &s);
	assert_int_equal(p, 0);
	burst(r, "2001:db8:0:100::1", &pos, t, 20, &p, &d, &s);
	assert_int_equal(p, 5);
	burst(r, "::ffff:192.0.3.9", &pos, t, 20, &p, &d, &s);
	assert_int_equal(p, 0);
	dns_rrl_free(r);
}

/* Valid server cookies and exempt networks are never limited. */
static void test_exempt(void **state)
{
	(void)state;
	dns_rrl_prefix_t ex[2];
	assert_int_equal(dns_rrl_prefix_parse("198.51.100.0/25", &ex[0]), DNS_OK);
	assert_int_equal(dns_rrl_prefix_parse("2001:db8::1", &ex[1]), DNS_OK);
	assert_int_equal(ex[1].bits, 128);
	dns_rrl_prefix_t bad;
	assert_int_equal(dns_rrl_prefix_parse("198.51.100.0/33", &bad), DNS_EINVAL);
	assert_int_equal(dns_rrl_prefix_parse("example.com", &bad), DNS_EINVAL);
	assert_int_equal(dns_rrl_prefix_parse("10.0.0.0/", &bad), DNS_EINVAL);
	dns_rrl_config_t cfg = {.rate = 2, .slip = 2, .seed = 7, .exempt = ex, .nexempt = 2};
	dns_rrl_t *r;
	assert_int_equal(dns_rrl_new(&cfg, &r), DNS_OK);
	unsigned p, d, s;
	dns_answer_info_t ai = info(DNS_ANSWER_KIND_POSITIVE, www);
	burst(r, "198.51.100.127", &ai, 0, 50, &p, &d, &s);
	assert_int_equal(p, 50);
	burst(r, "2001:db8::1", &ai, 0, 50, &p, &d, &s);
	assert_int_equal(p, 50);
	burst(r, "2001:db8:1::2", &ai, 0, 50, &p, &d, &s);
	assert_int_equal(p, 2);
	/* 198.51.100.128 shares the /24 bucket, but is not exempt */
	burst(r, "198.51.100.128", &ai, 0, 50, &p, &d, &s);
	assert_int_equal(p, 0);
	dns_answer_info_t cookie = ai;
	cookie.cookie = DNS_COOKIE_VALID;
	burst(r, "198.51.100.128", &cookie, 0, 50, &p, &d, &s);
	assert_int_equal(p, 50);
	dns_rrl_stats_t st;
	dns_rrl_stats(r, &st);
	assert_int_equal(st.exempt, 48 + 48);
	dns_rrl_free(r);
	/* bad settings */
	cfg.rate = 0;
	assert_int_equal(dns_rrl_new(&cfg, &r), DNS_EINVAL);
	cfg.rate = DNS_RRL_RATE_MAX + 1;
	assert_int_equal(dns_rrl_new(&cfg, &r), DNS_EINVAL);
	cfg.rate = 5;
	cfg.slip = DNS_RRL_SLIP_MAX + 1;
	assert_int_equal(dns_rrl_new(&cfg, &r), DNS_EINVAL);
	cfg.slip = 1;
	cfg.table_size = 8;
	assert_int_equal(dns_rrl_new(&cfg, &r), DNS_EINVAL);
}

/* slip 1: every limited response slips. */
static void test_slip_one(void **state)
{
	(void)state;
	dns_rrl_t *r = make(3, 1, 0);
	unsigned p, d, s;
	dns_answer_info_t ai = info(DNS_ANSWER_KIND_REFERRAL, www);
	burst(r, "192.0.2.1", &ai, 0, 30, &p, &d, &s);
	assert_int_equal(p, 3);
	assert_int_equal(s, 27);
	assert_int_equal(d, 0);
	dns_rrl_free(r);
}

/* A small table churned by many keys keeps the flooded bucket empty: a
 * new key takes the fullest bucket of its set, never a drained one. */
static void test_table_churn(void **state)
{
	(void)state;
	dns_rrl_t *r = make(5, 0, 64);
	unsigned p, d, s;
	dns_answer_info_t ai = info(DNS_ANSWER_KIND_POSITIVE, www);
	burst(r, "192.0.2.1", &ai, 0, 10, &p, &d, &s);
	assert_int_equal(p, 5);
	for (unsigned i = 0; i < 2000; i++) {
		char ip[32];
		snprintf(ip, sizeof(ip), "10.%u.%u.1", i / 256, i % 256);
		burst(r, ip, &ai, 1, 1, &p, &d, &s);
		assert_int_equal(p, 1);
	}
	burst(r, "192.0.2.1", &ai, 2, 10, &p, &d, &s);
	assert_int_equal(p, 0);
	dns_rrl_free(r);
}

/* ---- two threads on one bucket: exactly RATE pass ---- */

typedef struct hammer {
	dns_rrl_t *r;
	unsigned worker, passed;
} hammer_t;

static void *hammer_main(void *arg)
{
	hammer_t *h = arg;
	struct sockaddr_storage ss = addr("203.0.113.7");
	dns_answer_info_t ai = info(DNS_ANSWER_KIND_POSITIVE, www);
	for (unsigned i = 0; i < 200000; i++)
		if (dns_rrl_check(h->r, h->worker, 42, (struct sockaddr *)&ss, &ai) == DNS_RRL_PASS)
			h->passed++;
	return NULL;
}

static void test_threads(void **state)
{
	(void)state;
	dns_rrl_t *r = make(1000, 2, 0);
	hammer_t h[2] = {{r, 0, 0}, {r, 1, 0}};
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, hammer_main, &h[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(h[0].passed + h[1].passed, 1000);
	dns_rrl_stats_t st;
	dns_rrl_stats(r, &st);
	assert_int_equal(st.dropped + st.slipped, 400000 - 1000);
	assert_true(st.slipped >= st.dropped - 2 && st.slipped <= st.dropped + 2);
	dns_rrl_free(r);
}

/* ---- the slip rewrite, on responses made by dns_answer ---- */

static dns_zoneset_t *zones;
static uint8_t resp[65535];

static int setup_zone(void **state)
{
	(void)state;
	dns_zone_builder_t *b = dns_zone_builder_new(zone_name, DNS_CLASS_IN);
	static const uint8_t soa[] = "\3ns1\7example\3com\0\4host\7example\3com\0"
	                             "\0\0\0\1\0\0\x0e\x10\0\0\x02\x58\0\x01\x51\x80\0\0\x01\x2c";
	dns_rr_t rr = {zone_name, DNS_TYPE_SOA, DNS_CLASS_IN, 3600, sizeof(soa) - 1, soa};
	assert_int_equal(dns_zone_builder_add(b, &rr), DNS_OK);
	for (int i = 0; i < 8; i++) {
		uint8_t ip[4] = {192, 0, 2, (uint8_t)i};
		dns_rr_t a = {www, DNS_TYPE_A, DNS_CLASS_IN, 3600, 4, ip};
		assert_int_equal(dns_zone_builder_add(b, &a), DNS_OK);
	}
	dns_zone_t *z;
	assert_int_equal(dns_zone_builder_finish(b, &z), DNS_OK);
	zones = dns_zoneset_new(&z, 1);
	dns_zone_unref(z);
	return 0;
}

static int teardown_zone(void **state)
{
	(void)state;
	dns_zoneset_free(zones);
	return 0;
}

/* www.example.com. A, with an OPT holding @opts when @edns. */
static size_t query(uint8_t *q, bool edns, const uint8_t *opts, size_t optlen)
{
	static const uint8_t head[] = {0xab, 0xcd, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0,
	                               3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e',
	                               3, 'c', 'o', 'm', 0, 0, 1, 0, 1};
	memcpy(q, head, sizeof(head));
	size_t len = sizeof(head);
	if (edns) {
		q[11] = 1;
		static const uint8_t opt[] = {0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0};
		memcpy(q + len, opt, sizeof(opt));
		dns_put16(q + len + 9, (uint16_t)optlen);
		memcpy(q + len + 11, opts, optlen);
		len += 11 + optlen;
	}
	return len;
}

static void test_slip_rewrite(void **state)
{
	(void)state;
	uint8_t q[512];
	size_t len, ql = query(q, false, NULL, 0);
	dns_answer_info_t ai;
	assert_int_equal(dns_answer(zones, q, ql, DNS_TRANSPORT_UDP, NULL, NULL, resp, sizeof(resp),
	                            &len, &ai),
	                 DNS_OK);
	assert_true(len >= ql + 8 * 16);
	dns_rrl_slip(resp, &len, &ai);
	dns_msg_t m;
	assert_int_equal(dns_msg_parse(&m, resp, len), DNS_OK);
	assert_int_equal(len, ql);
	assert_true(m.flags & DNS_FLAG_TC);
	assert_true(m.flags & DNS_FLAG_QR);
	assert_int_equal(m.id, 0xabcd);
	assert_int_equal(dns_flags_rcode(m.flags), DNS_RCODE_NOERROR);
	assert_true(m.has_question && dns_name_equal(m.qname, www));
	assert_int_equal(m.nrrs, 0);
	dns_msg_free(&m);

	/* with EDNS (and NSID): the OPT stays */
	static const uint8_t nsid_opt[] = {0, 3, 0, 0};
	dns_answer_opts_t o = {.nsid = (const uint8_t *)"ns-a", .nsid_len = 4};
	ql = query(q, true, nsid_opt, sizeof(nsid_opt));
	assert_int_equal(dns_answer(zones, q, ql, DNS_TRANSPORT_UDP, NULL, &o, resp, sizeof(resp),
	                            &len, &ai),
	                 DNS_OK);
	dns_rrl_slip(resp, &len, &ai);
	assert_int_equal(dns_msg_parse(&m, resp, len), DNS_OK);
	assert_true(m.flags & DNS_FLAG_TC);
	assert_int_equal(m.nrrs, 1);
	assert_non_null(m.opt);
	assert_int_equal(m.opt->rr.rdlen, 8);
	assert_memory_equal(m.opt->rr.rdata + 4, "ns-a", 4);
	dns_msg_free(&m);

	/* a client cookie without a valid server cookie: BADCOOKIE with a fresh one */
	static const uint8_t secret[16] = "0123456789abcdef";
	dns_cookie_secrets_t cs;
	assert_int_equal(dns_cookie_secrets_init(&cs, secret, NULL, false), DNS_OK);
	o.cookies = &cs;
	o.now = 1700000000;
	static const uint8_t cookie_opt[] = {0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8};
	ql = query(q, true, cookie_opt, sizeof(cookie_opt));
	assert_int_equal(dns_answer(zones, q, ql, DNS_TRANSPORT_UDP, NULL, &o, resp, sizeof(resp),
	                            &len, &ai),
	                 DNS_OK);
	assert_int_equal(ai.cookie, DNS_COOKIE_CLIENT);
	dns_rrl_slip(resp, &len, &ai);
	assert_int_equal(dns_msg_parse(&m, resp, len), DNS_OK);
	assert_false(m.flags & DNS_FLAG_TC);
	assert_int_equal(m.nrrs, 1);
	dns_edns_t e;
	assert_int_equal(dns_edns_parse(&m.opt->rr, &e), DNS_OK);
	assert_int_equal((unsigned)e.ext_rcode << 4 | dns_flags_rcode(m.flags), DNS_RCODE_BADCOOKIE);
	const uint8_t *data;
	uint16_t clen;
	assert_true(dns_edns_option_find(&e, DNS_EDNS_COOKIE, &data, &clen));
	assert_int_equal(clen, 24);
	assert_memory_equal(data, cookie_opt + 4, 8);
	dns_msg_free(&m);
	dns_cookie_secrets_destroy(&cs);

	/* a reply of the caller's own (kind NONE, no OPT offset): header and question */
	static const uint8_t refused[] = {0xab, 0xcd, 0x84, 0x05, 0, 1, 0, 0, 0, 0, 0, 0,
	                                  3, 'w', 'w', 'w', 0, 0, 6, 0, 1};
	memcpy(resp, refused, sizeof(refused));
	len = sizeof(refused);
	memset(&ai, 0, sizeof(ai));
	ai.rcode = DNS_RCODE_REFUSED;
	dns_rrl_slip(resp, &len, &ai);
	assert_int_equal(len, sizeof(refused));
	assert_true(dns_get16(resp + 2) & DNS_FLAG_TC);
	/* garbage where the question should be: nothing is sent */
	resp[12] = 60;
	len = sizeof(refused);
	dns_rrl_slip(resp, &len, &ai);
	assert_int_equal(len, 0);
}

/* dns_rrl_apply: drop empties the response, slip rewrites it. */
static void test_apply(void **state)
{
	(void)state;
	dns_rrl_t *r = make(1, 2, 0);
	uint8_t q[512];
	size_t ql = query(q, false, NULL, 0), len;
	struct sockaddr_storage ss = addr("192.0.2.9");
	dns_answer_info_t ai;
	dns_rrl_action_t acts[3];
	size_t lens[3];
	for (int i = 0; i < 3; i++) {
		assert_int_equal(dns_answer(zones, q, ql, DNS_TRANSPORT_UDP, (struct sockaddr *)&ss,
		                            NULL, resp, sizeof(resp), &len, &ai),
		                 DNS_OK);
		acts[i] = dns_rrl_apply(r, 0, 10, (struct sockaddr *)&ss, &ai, resp, &len);
		lens[i] = len;
	}
	assert_int_equal(acts[0], DNS_RRL_PASS);
	assert_true(lens[0] > ql);
	assert_int_equal(acts[1], DNS_RRL_DROP);
	assert_int_equal(lens[1], 0);
	assert_int_equal(acts[2], DNS_RRL_SLIP);
	assert_int_equal(lens[2], ql);
	dns_rrl_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rate_and_refill),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_exempt),
		cmocka_unit_test(test_slip_one),
		cmocka_unit_test(test_table_churn),
		cmocka_unit_test(test_threads),
		cmocka_unit_test_setup_teardown(test_slip_rewrite, setup_zone, teardown_zone),
		cmocka_unit_test_setup_teardown(test_apply, setup_zone, teardown_zone),
	};
	return cmocka_run_group_tests(tests, setup_names, NULL);
}
