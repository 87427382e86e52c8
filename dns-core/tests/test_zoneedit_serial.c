/* Unit tests for zoneedit_serial.c: dns_zoneedit_bump_serial, what
 * `dns-zone bump-serial` does to a zone file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dns/name.h"
#include "dns/zoneedit.h"

static const uint8_t origin[] = "\7example\3com";

static const char zone_fmt[] =
	"; example.com\n"
	"$TTL 1h\n"
	"@   IN SOA ns1 hostmaster (\n"
	"        %s ; serial: YYYYMMDDnn\n"
	"        1h 15m 1w 5m )\n"
	"    NS ns1   ; a comment\n"
	"ns1 A  192.0.2.53\n";

typedef struct bumped {
	dns_err_t err;
	uint32_t old, new_;
	char text[1024];
	char msg[256];
} bumped_t;

static bumped_t bump(const char *serial, uint32_t today, const uint32_t *min)
{
	bumped_t b;
	memset(&b, 0, sizeof(b));
	char in[1024];
	snprintf(in, sizeof(in), zone_fmt, serial);
	dns_zf_options_t opt = { .origin = origin, .no_include = true };
	char *out = NULL;
	size_t outlen = 0;
	b.err = dns_zoneedit_bump_serial("example.com", in, strlen(in), &opt, today, min, &b.old,
	                                 &b.new_, &out, &outlen, b.msg, sizeof(b.msg));
	if (out) {
		assert_true(outlen < sizeof(b.text));
		memcpy(b.text, out, outlen);
		free(out);
	}
	return b;
}

/* The output is the input with only the serial's digits changed. */
static void only_serial_changed(const bumped_t *b, const char *want_serial)
{
	char want[1024];
	snprintf(want, sizeof(want), zone_fmt, want_serial);
	assert_string_equal(b->text, want);
}

static void test_date_form(void **state)
{
	/* An earlier day: today's first serial. */
	bumped_t b = bump("2026112201", 20261205, NULL);
	assert_int_equal(b.err, DNS_OK);
	assert_int_equal(b.old, 2026112201u);
	assert_int_equal(b.new_, 2026120500u);
	only_serial_changed(&b, "2026120500");
	/* Today already: the next change of the day. */
	b = bump("2026120507", 20261205, NULL);
	assert_int_equal(b.new_, 2026120508u);
	only_serial_changed(&b, "2026120508");
	/* The day's 99th change: the date form cannot go higher today, +1. */
	b = bump("2026120599", 20261205, NULL);
	assert_int_equal(b.new_, 2026120600u);
	/* A plain counter stays a counter. */
	b = bump("41", 20261205, NULL);
	assert_int_equal(b.new_, 42u);
	only_serial_changed(&b, "42");
	/* Wraps around as RFC 1982 allows. */
	b = bump("4294967295", 20261205, NULL);
	assert_int_equal(b.err, DNS_OK);
	assert_int_equal(b.new_, 0u);
}

static void test_min_for_rollback(void **state)
{
	/* `git revert` brought back 2026112201; the reverted version had
	 * 2026120503: the new serial must pass it. */
	uint32_t min = 2026120503u + 1;
	bumped_t b = bump("2026112201", 20261205, &min);
	assert_int_equal(b.err, DNS_OK);
	assert_int_equal(b.old, 2026112201u);
	assert_int_equal(b.new_, 2026120504u);
	only_serial_changed(&b, "2026120504");
	/* On a later day the date form is above both. */
	b = bump("2026112201", 20261207, &min);
	assert_int_equal(b.new_, 2026120700u);
	/* A minimum below what the date form gives anyway changes nothing. */
	min = 5;
	b = bump("2026112201", 20261205, &min);
	assert_int_equal(b.new_, 2026120500u);
	/* A counter pushed up to the minimum exactly. */
	min = 100;
	b = bump("41", 0, &min);
	assert_int_equal(b.new_, 100u);
}

static void test_errors(void **state)
{
	/* 2^31 apart: nothing is greater than both. */
	uint32_t min = 0x80000000u + 41;
	bumped_t b = bump("41", 0, &min);
	assert_int_equal(b.err, DNS_ELIMIT);
	assert_non_null(strstr(b.msg, "2^31"));

	/* No SOA at the apex. */
	dns_zf_options_t opt = { .origin = origin, .no_include = true };
	const char *t = "$TTL 1\nwww A 192.0.2.1\n";
	char *out = NULL, msg[256];
	size_t outlen;
	uint32_t o, n;
	assert_int_equal(dns_zoneedit_bump_serial("z", t, strlen(t), &opt, 0, NULL, &o, &n, &out,
	                                          &outlen, msg, sizeof(msg)),
	                 DNS_ENOTFOUND);
	assert_null(out);
	assert_string_equal(msg, "no SOA record at the zone's apex");

	/* A file that does not parse is left alone. */
	t = "$TTL 1\n@ SOA ns1 host 1 2 3 4 5\nwww A 192.0.2.999\n";
	assert_int_equal(dns_zoneedit_bump_serial("z", t, strlen(t), &opt, 0, NULL, &o, &n, &out,
	                                          &outlen, msg, sizeof(msg)),
	                 DNS_ESYNTAX);
	assert_null(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_date_form),
		cmocka_unit_test(test_min_for_rollback),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
