/* test_bounds.c - the memory bounds of the validator's stores: the key
 * cache holds at most its bytes (entries with their DNSKEY data), and the
 * aggressive NSEC store (RFC 8198) keeps no RRset bigger than 4 KiB. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dns/name.h"
#include "dns/rrtype.h"
#include "aggr.h"
#include "keys.h"
#include "result.h"

static const uint8_t *name(const char *text)
{
	static uint8_t buf[4][DNS_NAME_MAX];
	static int i;
	size_t len;
	uint8_t *b = buf[i++ & 3];
	assert_int_equal(dns_name_from_text(b, &len, text, strlen(text), NULL), DNS_OK);
	return b;
}

/* @n records of @rdlen bytes each (zeroes, then the record's number) packed
 * as a dns_rrset_t of @type in @buf. */
static dns_rrset_t set_of(uint8_t *buf, uint16_t type, unsigned n, uint16_t rdlen)
{
	uint8_t *p = buf;
	for (unsigned i = 0; i < n; i++) {
		dns_put16(p, rdlen);
		memset(p + 2, 0, rdlen);
		p[2 + rdlen - 1] = (uint8_t)i;
		p += 2 + rdlen;
	}
	return (dns_rrset_t){.type = type, .count = (uint16_t)n, .ttl = 3600,
	                     .size = (uint32_t)(p - buf), .data = buf};
}

static void test_keys_bytes(void **state)
{
	(void)state;
	static uint8_t buf[8 * 1100];
	const size_t max = 64 * 1024;
	res_keys_t *k = res_keys_new(10000, max);
	dns_rrset_t keys = set_of(buf, DNS_TYPE_DNSKEY, 8, 1024);  /* 8 KiB a zone */
	char text[64];
	res_kentry_t e;
	for (int i = 0; i < 100; i++) {
		snprintf(text, sizeof text, "z%d.example.", i);
		assert_int_equal(res_keys_put(k, 0, name(text), KS_SECURE, -1, NULL, &keys, 3600),
		                 DNS_OK);
		/* the zone just stored is there, whatever was dropped for it */
		assert_true(res_keys_get(k, 0, name(text), &e));
		assert_int_equal(e.set.size, keys.size);
	}
	/* 100 zones of 8 KiB cannot all be held in 64 KiB: the first is gone */
	assert_false(res_keys_get(k, 0, name("z0.example."), &e));
	/* small entries (no key data) still fit by the thousand */
	for (int i = 0; i < 200; i++) {
		snprintf(text, sizeof text, "i%d.example.", i);
		assert_int_equal(res_keys_put(k, 0, name(text), KS_INSECURE, -1, NULL, NULL, 3600),
		                 DNS_OK);
	}
	assert_true(res_keys_get(k, 0, name("i199.example."), &e));
	/* one entry bigger than the whole bound is refused */
	static uint8_t big[80 * 1100];
	dns_rrset_t huge = set_of(big, DNS_TYPE_DNSKEY, 70, 1024);
	assert_int_equal(res_keys_put(k, 0, name("huge.example."), KS_SECURE, -1, NULL, &huge, 60),
	                 DNS_ELIMIT);
	res_keys_free(k);
}

/* NSEC rdata: next name, then a bitmap with window 0 holding @types. */
static size_t nsec_rdata(uint8_t *out, const char *next, const uint16_t *types, unsigned n)
{
	const uint8_t *nn = name(next);
	size_t len = dns_name_length(nn);
	memcpy(out, nn, len);
	uint8_t bm[32] = {0};
	unsigned top = 0;
	for (unsigned i = 0; i < n; i++) {
		bm[types[i] / 8] |= (uint8_t)(0x80 >> (types[i] % 8));
		if (types[i] / 8 + 1u > top)
			top = types[i] / 8 + 1u;
	}
	out[len] = 0;
	out[len + 1] = (uint8_t)top;
	memcpy(out + len + 2, bm, top);
	return len + 2 + top;
}

/* A secure NXDOMAIN for b.example.: the SOA, the NSEC covering it
 * (a -> c), padded with @pad extra 100-byte records, and the one
 * covering *.example. (example. -> a). */
static void learn(res_aggr_t *a, unsigned pad)
{
	static uint8_t soa_d[64], n1[16 * 1024], n2[256];
	res_result_t r;
	res_result_init(&r, NULL, 0);
	memset(soa_d, 0, sizeof soa_d);
	dns_put16(soa_d, 22);
	soa_d[2] = 0, soa_d[3] = 0; /* mname ".", rname "." */
	dns_put32(soa_d + 2 + 2 + 16, 300);  /* MINIMUM */
	dns_rrset_t soa = {.type = DNS_TYPE_SOA, .count = 1, .ttl = 300, .size = 24, .data = soa_d};
	const uint16_t t1[] = {DNS_TYPE_A, DNS_TYPE_RRSIG, DNS_TYPE_NSEC};
	const uint16_t t2[] = {DNS_TYPE_NS, DNS_TYPE_SOA, DNS_TYPE_RRSIG, DNS_TYPE_NSEC};
	size_t l1 = nsec_rdata(n1 + 2, "c.example.", t1, 3);
	dns_put16(n1, (uint16_t)l1);
	uint8_t *p = n1 + 2 + l1;
	for (unsigned i = 0; i < pad; i++) {
		dns_put16(p, 100);
		memset(p + 2, 0, 100);
		p[2 + 100 - 1] = (uint8_t)(i + 1);
		p += 102;
	}
	dns_rrset_t nsec1 = {.type = DNS_TYPE_NSEC, .count = (uint16_t)(1 + pad), .ttl = 300,
	                     .size = (uint32_t)(p - n1), .data = n1};
	size_t l2 = nsec_rdata(n2 + 2, "a.example.", t2, 4);
	dns_put16(n2, (uint16_t)l2);
	dns_rrset_t nsec2 = {.type = DNS_TYPE_NSEC, .count = 1, .ttl = 300,
	                     .size = (uint32_t)(2 + l2), .data = n2};
	r.rcode = DNS_RCODE_NXDOMAIN;
	assert_int_equal(res_result_add(&r, 1, name("example."), &soa, NULL), DNS_OK);
	assert_int_equal(res_result_add(&r, 1, name("a.example."), &nsec1, NULL), DNS_OK);
	assert_int_equal(res_result_add(&r, 1, name("example."), &nsec2, NULL), DNS_OK);
	res_aggr_learn(a, 0, &r);
	res_result_free(&r);
}

static int synthesise(res_aggr_t *a, const char *qname)
{
	res_result_t r;
	res_result_init(&r, NULL, 0);
	int rc = res_aggr_answer(a, 1000, name(qname), DNS_TYPE_A, 128, &r);
	if (rc == 1)
		assert_int_equal(r.rcode, DNS_RCODE_NXDOMAIN);
	res_result_free(&r);
	return rc;
}

static void test_aggr_blob_cap(void **state)
{
	(void)state;
	res_aggr_t *a = res_aggr_new();
	learn(a, 0);
	assert_int_equal(synthesise(a, "b.example."), 1);   /* the proof works when kept */
	res_aggr_free(a);

	a = res_aggr_new();
	learn(a, 60);   /* the covering NSEC RRset is over 6 KiB: not kept */
	assert_int_equal(synthesise(a, "b.example."), 0);
	res_aggr_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys_bytes),
		cmocka_unit_test(test_aggr_blob_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
