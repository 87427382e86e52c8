/* test_rrsets.c - the per-RRset limits on upstream replies
 * (res_msg_rrsets_within): records and rdata bytes per RRset, counted
 * per section, interleaved records, RRSIGs by the type they cover. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dns/msg.h"
#include "dns/name.h"
#include "dns/rrtype.h"
#include "rrsets.h"

typedef struct built {
	uint8_t buf[65535];
	dns_msg_builder_t b;
	dns_msg_t m;
} built_t;

static const uint8_t *name(const char *text)
{
	static uint8_t buf[4][DNS_NAME_MAX];
	static int i;
	size_t len;
	uint8_t *b = buf[i++ & 3];
	assert_int_equal(dns_name_from_text(b, &len, text, strlen(text), NULL), DNS_OK);
	return b;
}

static void start(built_t *t)
{
	dns_msg_builder_init(&t->b, t->buf, sizeof t->buf, sizeof t->buf);
	assert_int_equal(dns_msg_builder_header(&t->b, 1, DNS_FLAG_QR), DNS_OK);
	assert_int_equal(dns_msg_builder_question(&t->b, name("q.example."), DNS_TYPE_A,
	                                          DNS_CLASS_IN), DNS_OK);
}

#define T_OPAQUE 65280  /* a private type: rdata the parser does not look into */

/* One record at @owner of @type with @rdlen bytes of rdata (zeroes, then a
 * counter in the last two bytes); for RRSIG the first two bytes are the
 * covered type and the signer (byte 18) the root. */
static void add(built_t *t, int sec, const char *owner, uint16_t type, uint16_t covered,
                uint16_t rdlen, unsigned n)
{
	uint8_t rd[4096];
	assert_true(rdlen >= 4 && rdlen <= sizeof rd);
	memset(rd, 0, rdlen);
	if (type == DNS_TYPE_RRSIG)
		rd[0] = (uint8_t)(covered >> 8), rd[1] = (uint8_t)covered;
	rd[rdlen - 2] = (uint8_t)(n >> 8), rd[rdlen - 1] = (uint8_t)n;  /* distinct records */
	dns_rr_t rr = {.owner = name(owner), .type = type, .rclass = DNS_CLASS_IN, .ttl = 60,
	               .rdlen = rdlen, .rdata = rd};
	assert_int_equal(dns_msg_builder_rr(&t->b, sec, &rr), DNS_OK);
}

static bool within(built_t *t, unsigned max_rrs, size_t max_bytes)
{
	size_t len = dns_msg_builder_finish(&t->b);
	assert_int_equal(dns_msg_parse(&t->m, t->buf, len), DNS_OK);
	bool ok = res_msg_rrsets_within(&t->m, max_rrs, max_bytes);
	dns_msg_free(&t->m);
	return ok;
}

static built_t t;

static void test_count(void **state)
{
	(void)state;
	for (unsigned k = 99; k <= 101; k++) {
		start(&t);
		for (unsigned i = 0; i < k; i++)
			add(&t, DNS_SEC_ANSWER, "big.example.", DNS_TYPE_A, 0, 4, i);
		assert_int_equal(within(&t, 100, 65535), k <= 100);
	}
}

/* Records of one RRset interleaved with others still add up; other owners,
 * types and sections are counted apart. */
static void test_interleaved(void **state)
{
	(void)state;
	start(&t);
	for (unsigned i = 0; i < 11; i++) {
		add(&t, DNS_SEC_ANSWER, "a.example.", DNS_TYPE_A, 0, 4, i);
		add(&t, DNS_SEC_ANSWER, "A.Example.", DNS_TYPE_AAAA, 0, 16, i);  /* other type */
		add(&t, DNS_SEC_ANSWER, "b.example.", DNS_TYPE_A, 0, 4, i);       /* other owner */
	}
	assert_false(within(&t, 10, 65535));
	assert_true(within(&t, 11, 65535));

	start(&t);
	for (unsigned i = 0; i < 10; i++)
		add(&t, DNS_SEC_ANSWER, "a.example.", DNS_TYPE_A, 0, 4, i);
	for (unsigned i = 0; i < 10; i++)
		add(&t, DNS_SEC_ADDITIONAL, "a.example.", DNS_TYPE_A, 0, 4, i + 100);
	assert_true(within(&t, 10, 65535));  /* ten in each section */
	start(&t);
	for (unsigned i = 0; i < 11; i++)
		add(&t, DNS_SEC_AUTHORITY, "A.EXAMPLE.", T_OPAQUE, 0, 8, i);  /* owners: any case */
	for (unsigned i = 0; i < 11; i++)
		add(&t, DNS_SEC_AUTHORITY, "a.example.", T_OPAQUE, 0, 8, i + 100);
	assert_false(within(&t, 20, 65535));
}

/* RRSIGs form one set per covered type. */
static void test_rrsig(void **state)
{
	(void)state;
	start(&t);
	for (unsigned i = 0; i < 8; i++) {
		add(&t, DNS_SEC_ANSWER, "a.example.", DNS_TYPE_RRSIG, DNS_TYPE_A, 40, i);
		add(&t, DNS_SEC_ANSWER, "a.example.", DNS_TYPE_RRSIG, DNS_TYPE_TXT, 40, i);
	}
	assert_true(within(&t, 8, 65535));
	start(&t);
	for (unsigned i = 0; i < 9; i++)
		add(&t, DNS_SEC_ANSWER, "a.example.", DNS_TYPE_RRSIG, DNS_TYPE_A, 40, i);
	assert_false(within(&t, 8, 65535));
}

static void test_bytes(void **state)
{
	(void)state;
	start(&t);
	for (unsigned i = 0; i < 4; i++)
		add(&t, DNS_SEC_ANSWER, "t.example.", T_OPAQUE, 0, 512, i);
	assert_true(within(&t, 100, 2048));
	start(&t);
	for (unsigned i = 0; i < 4; i++)
		add(&t, DNS_SEC_ANSWER, "t.example.", T_OPAQUE, 0, 512, i);
	add(&t, DNS_SEC_ANSWER, "t.example.", T_OPAQUE, 0, 4, 9);
	assert_false(within(&t, 100, 2048));
	/* two sets of 2000 bytes each are two sets */
	start(&t);
	add(&t, DNS_SEC_ANSWER, "t.example.", T_OPAQUE, 0, 2000, 1);
	add(&t, DNS_SEC_ANSWER, "u.example.", T_OPAQUE, 0, 2000, 2);
	assert_true(within(&t, 100, 2048));
}

/* The table never overflows: the most records a parsed message may hold,
 * and one more is refused. */
static void test_many(void **state)
{
	(void)state;
	for (unsigned k = RES_LIMIT_RRS - 1; k <= RES_LIMIT_RRS; k++) {
		start(&t);
		for (unsigned i = 0; i < k; i++) {
			char owner[32];
			snprintf(owner, sizeof owner, "n%u.example.", i);
			add(&t, DNS_SEC_ADDITIONAL, owner, DNS_TYPE_A, 0, 4, i);
		}
		assert_int_equal(within(&t, 1, 65535), k < RES_LIMIT_RRS);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_count),
		cmocka_unit_test(test_interleaved),
		cmocka_unit_test(test_rrsig),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_many),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
