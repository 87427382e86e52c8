/* Unit tests for serial.c: RFC 1982 arithmetic and the next-serial policy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dns/serial.h"

static void test_compare(void **state)
{
	assert_int_equal(dns_serial_compare(1, 1), 0);
	assert_int_equal(dns_serial_compare(0, 1), -1);
	assert_int_equal(dns_serial_compare(1, 0), 1);
	/* wrap-around: 0 follows 0xFFFFFFFF (RFC 1982 §3.2) */
	assert_int_equal(dns_serial_compare(0xFFFFFFFFu, 0), -1);
	assert_int_equal(dns_serial_compare(0, 0xFFFFFFFFu), 1);
	/* 2^31 - 1 ahead is still greater; 2^31 apart is undefined */
	assert_int_equal(dns_serial_compare(0, 0x7FFFFFFFu), -1);
	assert_int_equal(dns_serial_compare(0, 0x80000000u), DNS_SERIAL_UNDEFINED);
	assert_int_equal(dns_serial_compare(0x80000000u, 0), DNS_SERIAL_UNDEFINED);
	assert_int_equal(dns_serial_compare(0x7FFFFFFFu, 0xFFFFFFFFu), DNS_SERIAL_UNDEFINED);
	assert_int_equal(dns_serial_compare(0, 0x80000001u), 1);
	/* the RFC's own example: with 32 bits, 44 < 0xFFFFFFFF is false */
	assert_int_equal(dns_serial_compare(44, 0xFFFFFFFFu), 1);
}

static void test_gt_lt(void **state)
{
	assert_true(dns_serial_gt(2, 1));
	assert_false(dns_serial_gt(1, 2));
	assert_false(dns_serial_gt(1, 1));
	assert_true(dns_serial_gt(3, 0xFFFFFFF0u));
	assert_false(dns_serial_gt(0x80000000u, 0));
	assert_false(dns_serial_lt(0x80000000u, 0));
	assert_true(dns_serial_lt(0xFFFFFFF0u, 3));
}

static void test_add(void **state)
{
	assert_int_equal(dns_serial_add(1, 1), 2);
	assert_int_equal(dns_serial_add(0xFFFFFFFFu, 1), 0);
	assert_int_equal(dns_serial_add(0xFFFFFFF0u, 0x20), 0x10);
	/* increments above 2^31-1 are clamped */
	assert_int_equal(dns_serial_add(0, 0xFFFFFFFFu), 0x7FFFFFFFu);
}

static void test_is_date(void **state)
{
	assert_true(dns_serial_is_date(2024112201u));
	assert_true(dns_serial_is_date(1980010100u));
	assert_false(dns_serial_is_date(1979123100u)); /* before 1980 */
	assert_false(dns_serial_is_date(2024130100u)); /* month 13 */
	assert_false(dns_serial_is_date(2024110000u)); /* day 0 */
	assert_false(dns_serial_is_date(12345u));
	assert_false(dns_serial_is_date(4000000000u)); /* year 4000 */
}

static void test_next(void **state)
{
	/* counters stay counters */
	assert_int_equal(dns_serial_next(5, 0), 6);
	assert_int_equal(dns_serial_next(1000, 20241122), 1001);
	assert_int_equal(dns_serial_next(0xFFFFFFFFu, 20241122), 0);
	/* date serials move to today, in either hint form */
	assert_int_equal(dns_serial_next(2024010101u, 20241122), 2024112200u);
	assert_int_equal(dns_serial_next(2024010101u, 2024112200u), 2024112200u);
	assert_int_equal(dns_serial_next(2024010101u, 2024112217u), 2024112200u);
	/* same day: nn increments */
	assert_int_equal(dns_serial_next(2024112205u, 20241122), 2024112206u);
	/* already ahead of today (clock behind, or 100 changes): just +1 */
	assert_int_equal(dns_serial_next(2024112299u, 20241122), 2024112300u);
	assert_int_equal(dns_serial_next(2025010100u, 20241122), 2025010101u);
	/* no date: +1 */
	assert_int_equal(dns_serial_next(2024010101u, 0), 2024010102u);
	/* a hint that is not a date is ignored */
	assert_int_equal(dns_serial_next(2024010101u, 12345), 2024010102u);
	/* the result is always greater */
	assert_true(dns_serial_gt(dns_serial_next(2024010101u, 20241122), 2024010101u));
}

static void test_date_of(void **state)
{
	assert_int_equal(dns_serial_date_of(0), 19700101);
	assert_int_equal(dns_serial_date_of(1732233600), 20241122);      /* 2024-11-22T00:00Z */
	assert_int_equal(dns_serial_date_of(1732233600 - 1), 20241121);  /* one second before */
	assert_int_equal(dns_serial_date_of(951782400), 20000229);       /* a leap day */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compare), cmocka_unit_test(test_gt_lt),
		cmocka_unit_test(test_add),     cmocka_unit_test(test_is_date),
		cmocka_unit_test(test_next),    cmocka_unit_test(test_date_of),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
