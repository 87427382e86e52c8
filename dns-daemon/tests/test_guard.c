/* Unit tests for the daemons' guard: its options, the worker's rate
 * limiting adapter on real responses (UDP limited, TCP and signed
 * requests not), the replay check, and the metrics text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "dns/guard.h"
#include "dns/msg.h"
#include "dns/name.h"

static void test_options(void **state)
{
	(void)state;
	dns_guard_config_t c;
	char err[256];
	bool has_arg;
	dns_guard_config_init(&c);
	assert_int_equal(c.rrl_rate, 0);
	assert_int_equal(c.rrl_slip, 2);
	assert_false(c.has_cookie_secret);
	int code = dns_guard_option_code("--rrl", &has_arg);
	assert_int_equal(code, DNS_GUARD_OPT_RRL);
	assert_true(has_arg);
	assert_int_equal(dns_guard_option_code("--cookie-require", &has_arg),
	                 DNS_GUARD_OPT_COOKIE_REQUIRE);
	assert_false(has_arg);
	assert_int_equal(dns_guard_option_code("--rrl-nope", &has_arg), 0);
	assert_int_equal(dns_guard_option_code("rrl", &has_arg), 0);

	assert_int_equal(dns_guard_option(&c, DNS_GUARD_OPT_RRL, "25", err, sizeof(err)), DNS_OK);
	assert_int_equal(c.rrl_rate, 25);
	assert_int_equal(dns_guard_option(&c, DNS_GUARD_OPT_RRL, "0", err, sizeof(err)), DNS_EINVAL);
	assert_non_null(strstr(err, "--rrl"));
	assert_int_equal(dns_guard_option(&c, DNS_GUARD_OPT_RRL, "-3", err, sizeof(err)), DNS_EINVAL);
	assert_int_equal(dns_guard_option(&c, DNS_GUARD_OPT_RRL, "16384", err, sizeof(err)),
	                 DNS_EINVAL);
	assert_int_equal(dns_guard_option(&c, DNS_GUARD_OPT_RRL_SLIP, "0", err, sizeof(err)), DNS_OK);
	assert_int_equal(c.rrl_slip, 0);
	assert_int_equal(dns_guard_option(&c, DNS_GUARD_OPT_RRL_SLIP, "101", err, sizeof(err)),
	                 DNS_EINVAL);
	assert_int_equal(dns_guard_option(&c, DNS_GUARD_OPT_RRL_TABLE, "1000", err, sizeof(err)),
	                 DNS_OK);
	assert_int_equal(dns_guard_option(&c, DNS_GUARD_OPT_RRL_TABLE, "10", err, sizeof(err)),
	                 DNS_EINVAL);
	assert_int_equal(dns_guard_option(&c, DNS_GUARD_OPT_RRL_EXEMPT, "192.0.2.0/24", err,
	                                  sizeof(err)), DNS_OK);
	assert_int_equal(dns_guard_option(&c, DNS_GUARD_OPT_RRL_EXEMPT, "192.0.2.0/40", err,
	                                  sizeof(err)), DNS_EINVAL);
	assert_int_equal(c.nrrl_exempt, 1);
	assert_int_equal(dns_guard_option(&c, DNS_GUARD_OPT_COOKIE_SECRET,
	                                  "000102030405060708090a0b0c0d0e0f", err, sizeof(err)),
	                 DNS_OK);
	assert_true(c.has_cookie_secret);
	assert_int_equal(c.cookie_secret[15], 15);
	assert_int_equal(dns_guard_option(&c, DNS_GUARD_OPT_COOKIE_PREVIOUS, "0011", err,
	                                  sizeof(err)), DNS_EINVAL);
	assert_int_equal(dns_guard_option(&c, DNS_GUARD_OPT_COOKIE_REQUIRE, NULL, err, sizeof(err)),
	                 DNS_OK);
	assert_true(c.cookie_require);
	assert_int_equal(dns_guard_option(&c, 'x', "1", err, sizeof(err)), DNS_ENOTFOUND);
}

/* A response the way dns_answer leaves it: www.example.com. A, 3 records. */
static size_t response(uint8_t *buf, dns_answer_info_t *ai)
{
	static const uint8_t msg[] = {
		0x12, 0x34, 0x84, 0x00, 0, 1, 0, 3, 0, 0, 0, 0,
		3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1,
		0xc0, 12, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4, 192, 0, 2, 1,
		0xc0, 12, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4, 192, 0, 2, 2,
		0xc0, 12, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4, 192, 0, 2, 3};
	static const uint8_t www[] = {3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e',
	                              3, 'c', 'o', 'm', 0};
	memcpy(buf, msg, sizeof(msg));
	memset(ai, 0, sizeof(*ai));
	ai->kind = DNS_ANSWER_KIND_POSITIVE;
	ai->kind_name = www;
	ai->qtype = 1;
	return sizeof(msg);
}

typedef struct outcome {
	unsigned full, slipped, dropped;
} outcome_t;

static outcome_t send_n(dns_guard_t *g, dns_net_transport_t tr, bool signed_, unsigned n)
{
	static uint8_t buf[DNS_NET_MSG_MAX];
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(5353)};
	inet_pton(AF_INET, "198.51.100.7", &sin.sin_addr);
	dns_net_request_t req = {.transport = tr, .peer = (struct sockaddr *)&sin,
	                         .peer_len = sizeof(sin), .worker = 0};
	outcome_t o = {0, 0, 0};
	for (unsigned i = 0; i < n; i++) {
		dns_answer_info_t ai;
		dns_net_reply_t out = {.buf = buf, .cap = sizeof(buf)};
		size_t full = response(buf, &ai);
		out.len = full;
		dns_guard_reply(g, &req, &out, &ai, signed_);
		if (out.len == full)
			o.full++;
		else if (out.len == 0)
			o.dropped++;
		else if (dns_get16(buf + 2) & DNS_FLAG_TC)
			o.slipped++;
	}
	return o;
}

static void metrics_text(dns_guard_t *g, char *text, size_t cap)
{
	memset(text, 0, cap);
	FILE *f = fmemopen(text, cap, "w");
	assert_non_null(f);
	dns_guard_metrics(g, f);
	fclose(f);
}

static void test_rate_limiting(void **state)
{
	(void)state;
	dns_guard_config_t c;
	char err[256], text[16384];
	dns_guard_config_init(&c);
	dns_guard_t g;
	/* off: one branch, nothing limited, no metrics */
	assert_int_equal(dns_guard_init(&g, &c, 2, err, sizeof(err)), DNS_OK);
	assert_null(g.rrl);
	outcome_t o = send_n(&g, DNS_NET_UDP, false, 100);
	assert_int_equal(o.full, 100);
	metrics_text(&g, text, sizeof(text));
	assert_null(strstr(text, "dns_rrl_"));
	dns_guard_destroy(&g);

	c.rrl_rate = 5;
	assert_int_equal(dns_guard_init(&g, &c, 2, err, sizeof(err)), DNS_OK);
	assert_non_null(g.rrl);
	o = send_n(&g, DNS_NET_UDP, false, 25);
	assert_true(o.full >= 5 && o.full <= 6); /* a tick of the clock may refill one */
	assert_int_equal(o.full + o.slipped + o.dropped, 25);
	assert_true(o.slipped >= 9 && o.dropped >= 9);
	/* TCP and TSIG-signed requests: never limited */
	o = send_n(&g, DNS_NET_TCP, false, 20);
	assert_int_equal(o.full, 20);
	o = send_n(&g, DNS_NET_UDP, true, 20);
	assert_int_equal(o.full, 20);
	metrics_text(&g, text, sizeof(text));
	assert_non_null(strstr(text, "# TYPE dns_rrl_limited_total counter\n"));
	assert_non_null(strstr(text, "dns_rrl_slipped_total "));
	assert_non_null(strstr(text, "dns_rrl_dropped_total "));
	dns_guard_destroy(&g);
}

static void test_replay(void **state)
{
	(void)state;
	dns_guard_config_t c;
	char err[256], text[16384];
	dns_guard_config_init(&c);
	dns_guard_t g;
	assert_int_equal(dns_guard_init(&g, &c, 1, err, sizeof(err)), DNS_OK);
	dns_tsig_key_t key;
	memset(&key, 0, sizeof(key));
	size_t len;
	assert_int_equal(dns_name_from_text(key.name, &len, "k._update.example.com.", 22, NULL),
	                 DNS_OK);
	dns_tsig_req_t t;
	memset(&t, 0, sizeof(t));
	t.key = &key;
	dns_name_copy(t.keyname, key.name);
	t.mac_len = 32;
	memset(t.mac, 0xab, 32);
	t.time_signed = 1700000000;
	t.fudge = 300;
	struct sockaddr_in sin = {.sin_family = AF_INET};
	inet_pton(AF_INET, "192.0.2.9", &sin.sin_addr);
	dns_net_request_t req = {.transport = DNS_NET_UDP, .peer = (struct sockaddr *)&sin};
	assert_false(dns_guard_replayed(&g, &t, 1700000001, &req, 5, 6, NULL));
	assert_true(dns_guard_replayed(&g, &t, 1700000002, &req, 5, 6, NULL));
	t.mac[0] = 1;
	assert_false(dns_guard_replayed(&g, &t, 1700000002, &req, 5, 6, NULL));
	metrics_text(&g, text, sizeof(text));
	assert_non_null(strstr(text, "dns_tsig_replays_refused_total 1\n"));
	/* with the daemon's refusal counters, counted there instead */
	g.req_metrics = dns_req_metrics_new(1);
	assert_non_null(g.req_metrics);
	assert_true(dns_guard_replayed(&g, &t, 1700000003, &req, 5, 6, NULL));
	metrics_text(&g, text, sizeof(text));
	assert_null(strstr(text, "dns_tsig_replays_refused_total"));
	memset(text, 0, sizeof(text));
	FILE *f = fmemopen(text, sizeof(text), "w");
	dns_req_metrics_write(g.req_metrics, f);
	fclose(f);
	assert_non_null(strstr(text, "dns_requests_refused_total{reason=\"tsig_replay\"} 1\n"));
	dns_req_metrics_free(g.req_metrics);
	dns_guard_destroy(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_rate_limiting),
		cmocka_unit_test(test_replay),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
