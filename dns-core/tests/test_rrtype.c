/* Unit tests for rrtype.c: mnemonics, TYPEnnn/CLASSnnn, flags, the index. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dns/rrtype.h"
#include "../src/internal/rdata_priv.h"

static uint16_t type_of(const char *s)
{
	uint16_t t = 0;
	assert_int_equal(dns_rrtype_from_text(s, strlen(s), &t), DNS_OK);
	return t;
}

static void test_type_from_text(void **state)
{
	assert_int_equal(type_of("A"), 1);
	assert_int_equal(type_of("aaaa"), 28);
	assert_int_equal(type_of("Nsec3Param"), 51);
	assert_int_equal(type_of("CAA"), 257);
	assert_int_equal(type_of("TYPE1"), 1);
	assert_int_equal(type_of("type65535"), 65535);
	assert_int_equal(type_of("TYPE12345"), 12345);
	uint16_t t;
	assert_int_equal(dns_rrtype_from_text("TYPE65536", 9, &t), DNS_ESYNTAX);
	assert_int_equal(dns_rrtype_from_text("TYPE", 4, &t), DNS_ESYNTAX);
	assert_int_equal(dns_rrtype_from_text("TYPE1x", 6, &t), DNS_ESYNTAX);
	assert_int_equal(dns_rrtype_from_text("FOO", 3, &t), DNS_ESYNTAX);
	assert_int_equal(dns_rrtype_from_text("AA", 2, &t), DNS_ESYNTAX);
	assert_int_equal(dns_rrtype_from_text("", 0, &t), DNS_ESYNTAX);
	/* length-bounded: "NSEC3" seen through a length of 4 is NSEC */
	assert_int_equal(dns_rrtype_from_text("NSEC3", 4, &t), DNS_OK);
	assert_int_equal(t, 47);
}

static void test_type_to_text(void **state)
{
	char buf[16];
	assert_int_equal(dns_rrtype_to_text(28, buf, sizeof(buf)), 4);
	assert_string_equal(buf, "AAAA");
	assert_int_equal(dns_rrtype_to_text(12345, buf, sizeof(buf)), 9);
	assert_string_equal(buf, "TYPE12345");
	dns_rrtype_to_text(0, buf, sizeof(buf));
	assert_string_equal(buf, "TYPE0");
	dns_rrtype_to_text(99, buf, sizeof(buf));
	assert_string_equal(buf, "SPF");
	assert_int_equal(dns_rrtype_to_text(28, buf, 4), 0);
	assert_int_equal(dns_rrtype_to_text(12345, buf, 9), 0);
}

static void test_class(void **state)
{
	uint16_t c;
	char buf[16];
	assert_int_equal(dns_rrclass_from_text("in", 2, &c), DNS_OK);
	assert_int_equal(c, 1);
	assert_int_equal(dns_rrclass_from_text("CH", 2, &c), DNS_OK);
	assert_int_equal(c, 3);
	assert_int_equal(dns_rrclass_from_text("NONE", 4, &c), DNS_OK);
	assert_int_equal(c, 254);
	assert_int_equal(dns_rrclass_from_text("CLASS32", 7, &c), DNS_OK);
	assert_int_equal(c, 32);
	assert_int_equal(dns_rrclass_from_text("CLASS70000", 10, &c), DNS_ESYNTAX);
	assert_int_equal(dns_rrclass_from_text("INN", 3, &c), DNS_ESYNTAX);
	dns_rrclass_to_text(255, buf, sizeof(buf));
	assert_string_equal(buf, "ANY");
	dns_rrclass_to_text(32, buf, sizeof(buf));
	assert_string_equal(buf, "CLASS32");
}

static void test_flags(void **state)
{
	uint8_t all = DNS_RRTYPE_COMPRESS | DNS_RRTYPE_DECOMPRESS | DNS_RRTYPE_CANON_LOWER;
	assert_int_equal(dns_rrtype_flags(DNS_TYPE_NS) & all, all);
	assert_int_equal(dns_rrtype_flags(DNS_TYPE_MX) & all, all);
	assert_int_equal(dns_rrtype_flags(DNS_TYPE_SOA) & all, all);
	/* RFC 3597 §4: SRV may be decompressed but is never compressed */
	assert_int_equal(dns_rrtype_flags(DNS_TYPE_SRV) & all,
	                 DNS_RRTYPE_DECOMPRESS | DNS_RRTYPE_CANON_LOWER);
	assert_int_equal(dns_rrtype_flags(DNS_TYPE_DNAME) & all, DNS_RRTYPE_CANON_LOWER);
	/* RFC 6840 §5.1 removed NSEC from the lower-cased types */
	assert_int_equal(dns_rrtype_flags(DNS_TYPE_NSEC) & DNS_RRTYPE_CANON_LOWER, 0);
	assert_true(dns_rrtype_flags(DNS_TYPE_RRSIG) & DNS_RRTYPE_CANON_LOWER);
	assert_true(dns_rrtype_flags(DNS_TYPE_CNAME) & DNS_RRTYPE_SINGLETON);
	assert_true(dns_rrtype_flags(DNS_TYPE_SOA) & DNS_RRTYPE_SINGLETON);
	assert_false(dns_rrtype_flags(DNS_TYPE_A) & DNS_RRTYPE_SINGLETON);
	assert_true(dns_rrtype_flags(DNS_TYPE_OPT) & DNS_RRTYPE_META);
	assert_true(dns_rrtype_flags(DNS_TYPE_AXFR) & DNS_RRTYPE_META);
	assert_false(dns_rrtype_flags(DNS_TYPE_TXT) & DNS_RRTYPE_META);
	assert_true(dns_rrtype_is_typed(DNS_TYPE_CAA));
	assert_false(dns_rrtype_is_typed(DNS_TYPE_TSIG));
	assert_false(dns_rrtype_is_typed(12345));
	assert_null(dns_rrtype_get(12345));
	assert_int_equal(dns_rrtype_flags(12345), 0);
	const dns_rrtype_desc_t *d = dns_rrtype_get(DNS_TYPE_MX);
	assert_non_null(d);
	assert_int_equal(d->fields[0], DNS_F_U16);
	assert_int_equal(d->fields[1], DNS_F_NAME);
	assert_int_equal(d->fields[2], DNS_F_END);
}

/* The binary-search index is sorted and agrees with the table both ways. */
static void test_index(void **state)
{
	const char *name, *prev = "";
	uint16_t type;
	size_t n = dns__rrtype_index(0, &name, &type);
	for (size_t i = 0; i < n; i++) {
		dns__rrtype_index(i, &name, &type);
		assert_true(strcmp(prev, name) < 0);
		prev = name;
		const dns_rrtype_desc_t *d = dns_rrtype_get(type);
		assert_non_null(d);
		assert_string_equal(d->name, name);
	}
	size_t named = 0;
	for (unsigned t = 0; t < 65536; t++) {
		const dns_rrtype_desc_t *d = dns_rrtype_get((uint16_t)t);
		if (d == NULL)
			continue;
		named++;
		assert_int_equal(d->type, t);
		assert_int_equal(type_of(d->name), t);
	}
	assert_int_equal(named, n);
	static const char *const typed[] = {
		"A", "NS", "CNAME", "SOA", "PTR", "HINFO", "MX", "TXT", "RP", "AAAA", "LOC", "SRV",
		"NAPTR", "DNAME", "DS", "SSHFP", "RRSIG", "NSEC", "DNSKEY", "NSEC3", "NSEC3PARAM",
		"TLSA", "SMIMEA", "CDS", "CDNSKEY", "OPENPGPKEY", "ZONEMD", "SVCB", "HTTPS", "URI",
		"CAA", "SPF"};
	for (size_t i = 0; i < sizeof(typed) / sizeof(typed[0]); i++)
		assert_true(dns_rrtype_is_typed(type_of(typed[i])));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_type_from_text), cmocka_unit_test(test_type_to_text),
		cmocka_unit_test(test_class),          cmocka_unit_test(test_flags),
		cmocka_unit_test(test_index),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
