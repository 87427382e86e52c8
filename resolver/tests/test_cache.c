/* test_cache.c - the record cache: ranks, TTL caps, negative entries and
 * the NXDOMAIN cut, LRU eviction under the byte bound. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dns/name.h"
#include "dns/rrtype.h"
#include "resolver/cache.h"

static const uint8_t *name(const char *text)
{
	static uint8_t buf[4][DNS_NAME_MAX];
	static int i;
	size_t len;
	uint8_t *b = buf[i++ & 3];
	assert_int_equal(dns_name_from_text(b, &len, text, strlen(text), NULL), DNS_OK);
	return b;
}

/* An A RRset with one address whose last byte is @last. */
static dns_rrset_t a_set(uint8_t *data, uint8_t last, uint32_t ttl)
{
	data[0] = 0, data[1] = 4, data[2] = 10, data[3] = 0, data[4] = 0, data[5] = last;
	return (dns_rrset_t){.type = DNS_TYPE_A, .count = 1, .ttl = ttl, .size = 6, .data = data};
}

static void test_rank(void **state)
{
	(void)state;
	res_cache_t *c = res_cache_new(NULL);
	uint8_t d1[6], d2[6], d3[6];
	dns_rrset_t auth = a_set(d1, 1, 300), glue = a_set(d2, 2, 300), later = a_set(d3, 3, 300);
	res_cache_hit_t hit;
	assert_int_equal(res_cache_put(c, 0, name("www.example."), &auth, NULL, RES_RANK_ANS_AUTH), DNS_OK);
	/* Glue does not replace an authoritative answer (RFC 2181 §5.4.1). */
	assert_int_equal(res_cache_put(c, 0, name("www.example."), &glue, NULL, RES_RANK_ADDITIONAL),
	                 DNS_EEXIST);
	assert_true(res_cache_get(c, 1000, name("WWW.Example."), DNS_TYPE_A, &hit));
	assert_int_equal(dns_rrset_rdata(hit.rrset.data)[3], 1);
	assert_int_equal(hit.ttl, 299);
	/* Expired, anything replaces it. */
	assert_int_equal(res_cache_put(c, 301000, name("www.example."), &later, NULL, RES_RANK_ADDITIONAL), DNS_OK);
	assert_true(res_cache_get(c, 301000, name("www.example."), DNS_TYPE_A, &hit));
	assert_int_equal(hit.rank, RES_RANK_ADDITIONAL);
	res_cache_free(c);
}

static void test_ttl_caps(void **state)
{
	(void)state;
	res_cache_config_t cfg = {.max_ttl = 100, .min_ttl = 10};
	res_cache_t *c = res_cache_new(&cfg);
	uint8_t d[6];
	dns_rrset_t big = a_set(d, 1, 99999), small = a_set(d, 1, 1);
	res_cache_hit_t hit;
	res_cache_put(c, 0, name("a.example."), &big, NULL, RES_RANK_ANS_AUTH);
	res_cache_put(c, 0, name("b.example."), &small, NULL, RES_RANK_ANS_AUTH);
	assert_true(res_cache_get(c, 0, name("a.example."), DNS_TYPE_A, &hit));
	assert_int_equal(hit.ttl, 100);
	assert_false(res_cache_get(c, 100000, name("a.example."), DNS_TYPE_A, &hit));
	assert_true(res_cache_get(c, 5000, name("b.example."), DNS_TYPE_A, &hit));
	assert_int_equal(hit.ttl, 5);
	res_cache_free(c);
}

static void test_negative(void **state)
{
	(void)state;
	res_cache_t *c = res_cache_new(NULL);
	res_cache_hit_t hit;
	uint16_t kind;
	res_cache_put_neg(c, 0, name("nx.example."), RES_TYPE_NXDOMAIN, 60, NULL, NULL, NULL,
	                  RES_RANK_AUTH_AUTH);
	res_cache_put_neg(c, 0, name("www.example."), DNS_TYPE_AAAA, 60, NULL, NULL, NULL,
	                  RES_RANK_AUTH_AUTH);
	assert_true(res_cache_get_neg(c, 0, name("nx.example."), DNS_TYPE_A, &hit, &kind));
	assert_int_equal(kind, RES_TYPE_NXDOMAIN);
	/* RFC 8020: below it too. */
	assert_true(res_cache_get_neg(c, 0, name("a.b.nx.example."), DNS_TYPE_MX, &hit, &kind));
	assert_int_equal(kind, RES_TYPE_NXDOMAIN);
	assert_true(res_cache_get_neg(c, 0, name("www.example."), DNS_TYPE_AAAA, &hit, &kind));
	assert_int_equal(kind, DNS_TYPE_AAAA);
	assert_false(res_cache_get_neg(c, 0, name("www.example."), DNS_TYPE_A, &hit, &kind));
	assert_false(res_cache_get_neg(c, 61000, name("nx.example."), DNS_TYPE_A, &hit, &kind));
	res_cache_free(c);
}

static void test_lru_bound(void **state)
{
	(void)state;
	res_cache_t *empty = res_cache_new(NULL);
	res_cache_stats_t st0;
	res_cache_stats(empty, &st0);
	assert_int_equal(st0.entries, 0);
	assert_true(st0.bytes >= 1024 * sizeof(void *));  /* its bucket array counts */
	res_cache_free(empty);
	res_cache_config_t cfg = {.max_bytes = 64 * 1024};
	res_cache_t *c = res_cache_new(&cfg);
	uint8_t d[6];
	dns_rrset_t s = a_set(d, 1, 3600);
	char text[64];
	res_cache_hit_t hit;
	for (int i = 0; i < 5000; i++) {
		snprintf(text, sizeof text, "h%d.example.", i);
		res_cache_put(c, 0, name(text), &s, NULL, RES_RANK_ANS_AUTH);
		/* h0 is used all the time: it must survive. */
		assert_true(res_cache_get(c, 0, name("h0.example."), DNS_TYPE_A, &hit));
	}
	res_cache_stats_t st;
	res_cache_stats(c, &st);
	assert_true(st.bytes <= cfg.max_bytes);
	assert_true(st.evictions > 0);
	/* the count includes the hash table itself: above what the entries hold */
	assert_true(st.bytes > st.entries * (sizeof(void *) * 4 + 6));
	assert_false(res_cache_get(c, 0, name("h1.example."), DNS_TYPE_A, &hit));
	assert_true(res_cache_get(c, 0, name("h4999.example."), DNS_TYPE_A, &hit));
	res_cache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rank),
		cmocka_unit_test(test_ttl_caps),
		cmocka_unit_test(test_negative),
		cmocka_unit_test(test_lru_bound),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
