/* Unit tests for layout.c: the zone repository's layout rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dns/layout.h"
#include "dns/name.h"

static void origin_is(const uint8_t *got, const char *want)
{
	uint8_t w[DNS_NAME_MAX];
	size_t len;
	assert_int_equal(dns_name_from_text(w, &len, want, strlen(want), NULL), DNS_OK);
	assert_int_equal(dns_name_length(got), len);
	assert_memory_equal(got, w, len); /* byte for byte: lower-cased */
}

static dns_layout_kind_t kind(const char *name, const char **why)
{
	uint8_t o[DNS_NAME_MAX];
	return dns_layout_classify(name, o, why);
}

static void test_zones(void **state)
{
	uint8_t o[DNS_NAME_MAX];
	const char *why = "unset";
	assert_int_equal(dns_layout_classify("example.com", o, &why), DNS_LAYOUT_ZONE);
	assert_null(why);
	origin_is(o, "example.com.");
	/* One zone however its file name spells it: the primary compares
	 * these origins to refuse duplicates. */
	assert_int_equal(dns_layout_classify("EXAMPLE.COM", o, &why), DNS_LAYOUT_ZONE);
	origin_is(o, "example.com.");
	assert_int_equal(dns_layout_classify("\\101xample.com", o, &why), DNS_LAYOUT_ZONE);
	origin_is(o, "example.com.");
	assert_int_equal(dns_layout_classify("2.0.192.in-addr.arpa", o, &why), DNS_LAYOUT_ZONE);
	origin_is(o, "2.0.192.in-addr.arpa.");
	assert_int_equal(dns_layout_classify("com", o, NULL), DNS_LAYOUT_ZONE);
	origin_is(o, "com.");
	/* An escaped blank is a (strange) valid label. */
	assert_int_equal(dns_layout_classify("a\\032b.test", o, NULL), DNS_LAYOUT_ZONE);
}

static void test_keys(void **state)
{
	uint8_t o[DNS_NAME_MAX];
	const char *why = "unset";
	memset(o, 0x55, sizeof(o));
	assert_int_equal(dns_layout_classify("_keys", o, &why), DNS_LAYOUT_KEYS);
	assert_null(why);
	assert_int_equal(o[0], 0); /* the root */
	assert_int_equal(dns_layout_classify("Example.COM._keys", o, &why), DNS_LAYOUT_KEYS);
	origin_is(o, "example.com.");
	assert_int_equal(kind("a b._keys", &why), DNS_LAYOUT_INVALID);
	assert_non_null(why);
	assert_int_equal(kind("._keys", &why), DNS_LAYOUT_SKIP); /* hidden */
}

static void test_include_and_skip(void **state)
{
	const char *why = "unset";
	assert_int_equal(kind("common.inc", &why), DNS_LAYOUT_INCLUDE);
	assert_null(why);
	static const char *const skipped[] = {
		".gitignore", ".git", "README", "README.md", "LICENSE", "COPYING", "Makefile",
		"notes.md", "todo.txt", "deploy.sh", "pre-receive", "post-receive", "hook.sample",
		"example.com~", "example.com.orig", "example.com.rej", "example.com.swp",
		"common.inc~",
	};
	for (size_t i = 0; i < sizeof(skipped) / sizeof(skipped[0]); i++) {
		why = NULL;
		assert_int_equal(kind(skipped[i], &why), DNS_LAYOUT_SKIP);
		assert_non_null(why);
	}
	assert_string_equal(dns_layout_kind_name(DNS_LAYOUT_ZONE), "zone");
	assert_string_equal(dns_layout_kind_name(DNS_LAYOUT_KEYS), "keys");
	assert_string_equal(dns_layout_kind_name(DNS_LAYOUT_INCLUDE), "include");
	assert_string_equal(dns_layout_kind_name(DNS_LAYOUT_SKIP), "skip");
	assert_string_equal(dns_layout_kind_name(DNS_LAYOUT_INVALID), "invalid");
}

static void test_invalid(void **state)
{
	static const char *const bad[] = {
		"", "a b.test", "tab\there.test", "ctl\001.test", "a..b", "example.com.",
		"semi;colon", "paren(", "quote\"d", "at@x", "dollar$", "bad\\escape\\",
		"\\999.test", "caf\xc3\xa9.test",
		"a123456789012345678901234567890123456789012345678901234567890123.test",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *why = NULL;
		dns_layout_kind_t k = kind(bad[i], &why);
		if (k != DNS_LAYOUT_INVALID)
			fail_msg("'%s' classified %s", bad[i], dns_layout_kind_name(k));
		assert_non_null(why);
	}
	/* Longer than a domain name can be. */
	char longname[400];
	for (size_t i = 0; i < 390; i += 10)
		memcpy(longname + i, "abcdefghi.", 10);
	longname[389] = 'x';
	longname[390] = '\0';
	assert_int_equal(kind(longname, NULL), DNS_LAYOUT_INVALID);
}

static void test_include_paths(void **state)
{
	static const char *const ok[] = {
		"common.inc", "shared/mx", "shared/deeper/records.zone", "sub/example.com",
		"sub/_keys", "x y.inc",
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		const char *why = "unset";
		if (!dns_layout_include_ok(ok[i], &why))
			fail_msg("'%s' refused: %s", ok[i], why);
		assert_null(why);
	}
	static const struct { const char *path, *why; } bad[] = {
		{ "", "empty path" },
		{ "/etc/passwd", "absolute path" },
		{ "../outside.inc", "'.' or '..'" },
		{ "shared/../example.com", "'.' or '..'" },
		{ "./common.inc", "'.' or '..'" },
		{ "shared//mx", "empty path component" },
		{ "shared/", "empty path component" },
		{ ".hidden.inc", "hidden" },
		{ "shared/.git/config", "hidden" },
		{ "sub/ctl\001", "control character" },
		{ "example.com", "a zone file of its own" },
		{ "EXAMPLE.NET", "a zone file of its own" },
		{ "_keys", "key file" },
		{ "example.com._keys", "key file" },
		{ "README.md", "not an include file" },
		{ "a b", "not an include file" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *why = NULL;
		if (dns_layout_include_ok(bad[i].path, &why))
			fail_msg("'%s' accepted", bad[i].path);
		assert_non_null(why);
		if (!strstr(why, bad[i].why))
			fail_msg("'%s': '%s' does not say '%s'", bad[i].path, why, bad[i].why);
	}
	assert_false(dns_layout_include_ok("../x", NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zones),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_include_and_skip),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_include_paths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
