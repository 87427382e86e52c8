/* Unit tests for the TSIG replay cache: a MAC accepted once is refused
 * again within its window, per key, with bounded memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dns/keys.h"
#include "dns/name.h"
#include "dns/tsig.h"
#include "dns/tsig_replay.h"

static dns_tsig_key_t key_a, key_b;

static void make_key(dns_tsig_key_t *k, const char *text)
{
	size_t len;
	memset(k, 0, sizeof(*k));
	assert_int_equal(dns_name_from_text(k->name, &len, text, strlen(text), NULL), DNS_OK);
	k->alg = DNS_TSIG_HMAC_SHA256;
}

static int setup(void **state)
{
	(void)state;
	make_key(&key_a, "a._update.example.com.");
	make_key(&key_b, "b._update.example.com.");
	return 0;
}

/* A verified request signed by @k at @signed_at with a MAC made of @seed. */
static dns_tsig_req_t req(const dns_tsig_key_t *k, uint64_t signed_at, uint32_t seed, size_t mac_len)
{
	dns_tsig_req_t r;
	memset(&r, 0, sizeof(r));
	r.key = k;
	dns_name_copy(r.keyname, k->name);
	r.mac_len = mac_len;
	for (size_t i = 0; i < mac_len; i++)
		r.mac[i] = (uint8_t)(seed * 31 + i * 7);
	r.time_signed = signed_at;
	r.fudge = 300;
	return r;
}

static void test_replay(void **state)
{
	(void)state;
	dns_tsig_replay_t *c = dns_tsig_replay_new(0, 0);
	assert_non_null(c);
	uint64_t t = 1700000000;
	dns_tsig_req_t r1 = req(&key_a, t, 1, 32);
	assert_int_equal(dns_tsig_replay_check(c, &r1, t), DNS_OK);
	/* the same MAC again, now and until the window closes: a replay */
	assert_int_equal(dns_tsig_replay_check(c, &r1, t + 1), DNS_EEXIST);
	assert_int_equal(dns_tsig_replay_check(c, &r1, t + 300), DNS_EEXIST);
	/* the same MAC truncated to 16 bytes is the same request */
	dns_tsig_req_t trunc = r1;
	trunc.mac_len = 16;
	assert_int_equal(dns_tsig_replay_check(c, &trunc, t + 2), DNS_EEXIST);
	/* another MAC of the same key, or the same bytes under another key */
	dns_tsig_req_t r2 = req(&key_a, t, 2, 32);
	assert_int_equal(dns_tsig_replay_check(c, &r2, t + 3), DNS_OK);
	dns_tsig_req_t other = req(&key_b, t, 1, 32);
	assert_int_equal(dns_tsig_replay_check(c, &other, t + 3), DNS_OK);
	assert_int_equal(dns_tsig_replay_check(c, &other, t + 4), DNS_EEXIST);
	/* key names compare without case */
	dns_tsig_key_t upper;
	make_key(&upper, "A._UPDATE.example.COM.");
	dns_tsig_req_t r1u = r1;
	r1u.key = &upper;
	assert_int_equal(dns_tsig_replay_check(c, &r1u, t + 5), DNS_EEXIST);
	/* past time signed + fudge the entry may go (verification says BADTIME then) */
	assert_int_equal(dns_tsig_replay_check(c, &r1, t + 301), DNS_OK);
	/* requests that did not verify are not for the cache */
	dns_tsig_req_t bad = req(&key_a, t, 9, 32);
	bad.error = DNS_RCODE_BADSIG;
	assert_int_equal(dns_tsig_replay_check(c, &bad, t), DNS_EINVAL);
	bad = req(&key_a, t, 9, 10);
	assert_int_equal(dns_tsig_replay_check(c, &bad, t), DNS_EINVAL);
	bad = req(&key_a, t, 9, 32);
	bad.key = NULL;
	assert_int_equal(dns_tsig_replay_check(c, &bad, t), DNS_EINVAL);
	dns_tsig_replay_free(c);
}

/* Bounded: the oldest MACs of a key, and the key idle longest, give way. */
static void test_bounds(void **state)
{
	(void)state;
	dns_tsig_replay_t *c = dns_tsig_replay_new(4, 2);
	uint64_t t = 1700000000;
	for (uint32_t i = 0; i < 5; i++) {
		dns_tsig_req_t r = req(&key_a, t, 100 + i, 32);
		assert_int_equal(dns_tsig_replay_check(c, &r, t), DNS_OK);
	}
	dns_tsig_req_t first = req(&key_a, t, 100, 32), last = req(&key_a, t, 104, 32);
	assert_int_equal(dns_tsig_replay_check(c, &last, t), DNS_EEXIST);
	/* the first was pushed out by the fifth (it is remembered again now) */
	assert_int_equal(dns_tsig_replay_check(c, &first, t), DNS_OK);
	/* a third key takes the place of the one whose entries end first */
	dns_tsig_req_t b = req(&key_b, t + 100, 1, 32);
	assert_int_equal(dns_tsig_replay_check(c, &b, t + 100), DNS_OK);
	dns_tsig_key_t key_c;
	make_key(&key_c, "c._update.example.com.");
	dns_tsig_req_t cr = req(&key_c, t + 100, 1, 32);
	assert_int_equal(dns_tsig_replay_check(c, &cr, t + 100), DNS_OK);
	assert_int_equal(dns_tsig_replay_check(c, &b, t + 100), DNS_EEXIST);
	assert_int_equal(dns_tsig_replay_check(c, &cr, t + 100), DNS_EEXIST);
	assert_int_equal(dns_tsig_replay_check(c, &last, t + 100), DNS_OK); /* key a forgotten */
	dns_tsig_replay_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replay),
		cmocka_unit_test(test_bounds),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
