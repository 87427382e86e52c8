/*
 * Unit tests of the TCP connection policy (src/tcp_guard.c), without
 * sockets: idle and partial connections in expiry order, the message
 * deadline counted from the first byte however the bytes trickle, the
 * eviction choice, the per-prefix bucket and the descriptor reserve.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <sys/resource.h>

#include "dns/net.h"
#include "tcp_guard.h"

#define IDLE 10000
#define MSG 3000

static void test_idle_and_partial(void **state)
{
	(void)state;
	net_guard_t g;
	net_guard_link_t a, b;
	net_guard_init(&g, IDLE, MSG);
	net_guard_link_init(&a);
	net_guard_link_init(&b);
	assert_int_equal(net_guard_next(&g), UINT64_MAX);
	assert_null(net_guard_victim(&g, NULL, NULL));

	net_guard_set(&g, &a, NET_GUARD_IDLE, 1000, false);
	assert_int_equal(net_guard_next(&g), 1000 + IDLE);
	/* staying idle does not restart the clock */
	net_guard_set(&g, &a, NET_GUARD_IDLE, 5000, true);
	assert_int_equal(net_guard_expiry(&g, &a), 1000 + IDLE);
	assert_null(net_guard_expired(&g, 1000 + IDLE - 1));
	assert_ptr_equal(net_guard_expired(&g, 1000 + IDLE), &a);

	/* a partial message started later runs out first: its deadline is shorter */
	net_guard_set(&g, &b, NET_GUARD_PARTIAL, 2000, false);
	assert_int_equal(net_guard_next(&g), 2000 + MSG);
	assert_ptr_equal(net_guard_victim(&g, NULL, NULL), &b);
	assert_ptr_equal(net_guard_expired(&g, 2000 + MSG), &b);

	/* more bytes of the same message: the deadline stays where it was */
	for (uint64_t t = 2100; t < 2000 + MSG; t += 100)
		net_guard_set(&g, &b, NET_GUARD_PARTIAL, t, false);
	assert_int_equal(net_guard_expiry(&g, &b), 2000 + MSG);
	/* a completed message and the start of the next: a new deadline */
	net_guard_set(&g, &b, NET_GUARD_PARTIAL, 4500, true);
	assert_int_equal(net_guard_expiry(&g, &b), 4500 + MSG);

	/* busy on our side: untracked, never expired nor evicted */
	net_guard_set(&g, &b, NET_GUARD_OFF, 4600, false);
	assert_int_equal(net_guard_expiry(&g, &b), UINT64_MAX);
	assert_ptr_equal(net_guard_victim(&g, NULL, NULL), &a);
	net_guard_set(&g, &a, NET_GUARD_OFF, 4600, false);
	assert_null(net_guard_victim(&g, NULL, NULL));
	assert_null(net_guard_expired(&g, UINT64_MAX - 1));

	/* idle again after the answer went out: the clock starts anew */
	net_guard_set(&g, &a, NET_GUARD_IDLE, 7000, false);
	assert_int_equal(net_guard_expiry(&g, &a), 7000 + IDLE);
}

/* Many connections: expiry follows the order of their last change. */
static void test_order_and_victims(void **state)
{
	(void)state;
	enum { N = 64 };
	net_guard_t g;
	net_guard_link_t l[N];
	net_guard_init(&g, IDLE, MSG);
	for (int i = 0; i < N; i++) {
		net_guard_link_init(&l[i]);
		/* even: idle from i*100; odd: a message started at i*100 */
		net_guard_set(&g, &l[i], i % 2 ? NET_GUARD_PARTIAL : NET_GUARD_IDLE,
		              (uint64_t)i * 100, false);
	}
	/* closing each victim in turn goes by expiry: every partial one first
	 * (3 s deadline), then the idle ones, oldest first */
	uint64_t last = 0;
	for (int k = 0; k < N; k++) {
		net_guard_link_t *v = net_guard_victim(&g, NULL, NULL);
		assert_non_null(v);
		uint64_t e = net_guard_expiry(&g, v);
		assert_true(e >= last);
		last = e;
		int idx = (int)(v - l);
		assert_int_equal(idx % 2, k < N / 2 ? 1 : 0);
		net_guard_set(&g, v, NET_GUARD_OFF, 0, false);
	}
	assert_null(net_guard_victim(&g, NULL, NULL));

	/* a slowloris peer: one byte every 500 ms never moves its deadline */
	net_guard_link_t s;
	net_guard_link_init(&s);
	uint64_t t = 100000;
	net_guard_set(&g, &s, NET_GUARD_PARTIAL, t, false);
	while (!net_guard_expired(&g, t)) {
		t += 500;
		net_guard_set(&g, &s, NET_GUARD_PARTIAL, t, false);
	}
	assert_int_equal(t, 100000 + MSG);
}

/* Weight: the prefix count, stored per link by the test. */
static unsigned weights[16];
static net_guard_link_t wl[16];

static unsigned weight_of(void *ctx, const net_guard_link_t *l)
{
	(void)ctx;
	if ((uintptr_t)l < (uintptr_t)wl || (uintptr_t)l >= (uintptr_t)(wl + 16))
		return 1;   /* a link of the test's own */
	return weights[l - wl];
}

static void test_victim_prefers_crowded_prefix(void **state)
{
	(void)state;
	net_guard_t g;
	net_guard_init(&g, IDLE, MSG);
	/* wl[0] is a lone client (its prefix holds 1), the nearest its
	 * timeout; wl[1..15] come from a prefix that holds 15 */
	for (int i = 0; i < 16; i++) {
		net_guard_link_init(&wl[i]);
		weights[i] = i == 0 ? 1 : 15;
		net_guard_set(&g, &wl[i], NET_GUARD_IDLE, 1000 + (uint64_t)i, false);
	}
	assert_ptr_equal(net_guard_victim(&g, weight_of, NULL), &wl[1]);
	/* without weights: the first to run out */
	assert_ptr_equal(net_guard_victim(&g, NULL, NULL), &wl[0]);
	/* only the NET_GUARD_SAMPLE nearest are looked at */
	weights[NET_GUARD_SAMPLE + 2] = 1000;
	assert_ptr_equal(net_guard_victim(&g, weight_of, NULL), &wl[1]);
	weights[NET_GUARD_SAMPLE - 1] = 1000;
	assert_ptr_equal(net_guard_victim(&g, weight_of, NULL), &wl[NET_GUARD_SAMPLE - 1]);
	/* partial and idle are merged in expiry order: a partial message due
	 * before every idle one is in the sample */
	net_guard_link_t p;
	net_guard_link_init(&p);
	net_guard_set(&g, &p, NET_GUARD_PARTIAL, 5000, false);   /* due 8000 < 11000 */
	for (int i = 0; i < 16; i++)
		weights[i] = 1;
	assert_ptr_equal(net_guard_victim(&g, weight_of, NULL), &p);
}

static struct sockaddr_storage v4(const char *text)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	struct sockaddr_in *s = (struct sockaddr_in *)&ss;
	s->sin_family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, text, &s->sin_addr), 1);
	return ss;
}

static struct sockaddr_storage v6(const char *text)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;
	s->sin6_family = AF_INET6;
	assert_int_equal(inet_pton(AF_INET6, text, &s->sin6_addr), 1);
	return ss;
}

static unsigned bucket(uint64_t seed, struct sockaddr_storage ss)
{
	return net_prefix_bucket(seed, (const struct sockaddr *)&ss, 24, 56, 65536);
}

static void test_prefix_bucket(void **state)
{
	(void)state;
	const uint64_t seed = 0x1234abcd5678ef01ULL;
	/* one /24, one bucket */
	unsigned b = bucket(seed, v4("192.0.2.1"));
	assert_int_equal(bucket(seed, v4("192.0.2.254")), b);
	assert_int_equal(bucket(seed, v4("192.0.2.0")), b);
	/* one /56, one bucket */
	unsigned b6 = bucket(seed, v6("2001:db8:0:1200::1"));
	assert_int_equal(bucket(seed, v6("2001:db8:0:12ff:ffff::9")), b6);
	/* distinct prefixes spread: 256 /24s and 256 /56s over 65536 buckets */
	static uint8_t seen[65536];
	memset(seen, 0, sizeof seen);
	unsigned distinct = 0;
	char text[64];
	for (int i = 0; i < 256; i++) {
		snprintf(text, sizeof text, "198.51.%d.7", i);
		unsigned k = bucket(seed, v4(text));
		distinct += !seen[k];
		seen[k] = 1;
		snprintf(text, sizeof text, "2001:db8:0:%x00::7", i);
		k = bucket(seed, v6(text));
		distinct += !seen[k];
		seen[k] = 1;
	}
	assert_true(distinct >= 500);
	/* another seed, other buckets: peers cannot aim at one */
	unsigned moved = 0;
	for (int i = 0; i < 64; i++) {
		snprintf(text, sizeof text, "203.0.%d.1", i);
		moved += bucket(seed, v4(text)) != bucket(seed + 1, v4(text));
	}
	assert_true(moved >= 60);
	/* other prefix lengths: /32 tells addresses apart, /0 lumps all */
	struct sockaddr_storage x = v4("192.0.2.1"), y = v4("192.0.2.2");
	assert_int_not_equal(net_prefix_bucket(seed, (struct sockaddr *)&x, 32, 56, 65536),
	                     net_prefix_bucket(seed, (struct sockaddr *)&y, 32, 56, 65536));
	struct sockaddr_storage z = v4("10.9.8.7");
	assert_int_equal(net_prefix_bucket(seed, (struct sockaddr *)&x, 0, 56, 65536),
	                 net_prefix_bucket(seed, (struct sockaddr *)&z, 0, 56, 65536));
}

static void test_fd_ceiling(void **state)
{
	(void)state;
	assert_int_equal(net_fd_ceiling(1024, 128), 896);
	assert_int_equal(net_fd_ceiling(1048576, 128), 1048576 - 128);
	/* never more than half reserved */
	assert_int_equal(net_fd_ceiling(200, 128), 100);
	assert_int_equal(net_fd_ceiling(0, 128), 0);
	/* unlimited */
	assert_int_equal(net_fd_ceiling(UINT64_MAX, 128), INT32_MAX - 128);
}

/* The descriptor budget: units are the limit less the reserve less what is
 * open; a descriptor numbered within the reserve is refused too. */
static void test_fd_budget(void **state)
{
	(void)state;
	struct rlimit was, low;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &was), 0);
	low = was;
	low.rlim_cur = 256;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	dns_net_fd_budget_t *b = dns_net_fd_budget_new(100);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &was), 0);
	assert_non_null(b);
	/* a low descriptor number: only the count limits */
	int taken = 0;
	while (taken < 300 && dns_net_fd_budget_take(b, 3))
		taken++;
	/* 156 below the reserve, less the few open in this process */
	assert_true(taken > 100 && taken < 156);
	assert_false(dns_net_fd_budget_take(b, 3));
	dns_net_fd_budget_give(b);
	assert_true(dns_net_fd_budget_take(b, 3));
	/* forced: for a newcomer that replaced a closed connection */
	dns_net_fd_budget_force(b);
	for (int i = 0; i < taken + 1; i++)
		dns_net_fd_budget_give(b);
	/* a descriptor numbered within the reserve means the reserve is in use */
	assert_true(dns_net_fd_budget_take(b, 155));
	assert_false(dns_net_fd_budget_take(b, 156));
	assert_false(dns_net_fd_budget_take(b, 5000));
	dns_net_fd_budget_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idle_and_partial),
		cmocka_unit_test(test_order_and_victims),
		cmocka_unit_test(test_victim_prefers_crowded_prefix),
		cmocka_unit_test(test_prefix_bucket),
		cmocka_unit_test(test_fd_ceiling),
		cmocka_unit_test(test_fd_budget),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
