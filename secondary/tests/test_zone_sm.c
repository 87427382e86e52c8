/*
 * test_zone_sm.c - the secondary zone state machine, driven with a fake
 * clock (milliseconds).  Timers come from the SOA: REFRESH 100 s,
 * RETRY 20 s, EXPIRE 300 s unless a test says otherwise.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "zone_sm.h"

#define S 1000u /* one second in ms */

/* A zone transferred at t=1000 s with serial 10. */
static void fresh_zone(sec_zone_sm_t *sm, uint64_t *t)
{
	*t = 1000 * S;
	sec_zone_sm_init(sm, *t);
	assert_int_equal(sec_zone_sm_state(sm), SEC_ZONE_NO_DATA);
	assert_int_equal(sec_zone_sm_tick(sm, *t), SEC_ACT_SOA_QUERY);
	assert_int_equal(sec_zone_sm_soa_result(sm, true, 10, *t), SEC_ACT_TRANSFER);
	assert_false(sm->xfr_ixfr); /* first transfer: AXFR */
	assert_int_equal(sec_zone_sm_xfr_result(sm, true, false, 10, 100, 20, 300, *t),
	                 SEC_ACT_PUBLISH | SEC_ACT_PERSIST);
	assert_int_equal(sec_zone_sm_state(sm), SEC_ZONE_FRESH);
	assert_true(sec_zone_sm_serving(sm));
}

static void test_first_transfer_is_axfr(void **state)
{
	sec_zone_sm_t sm;
	uint64_t t;
	fresh_zone(&sm, &t);
	assert_int_equal(sm.serial, 10);
	assert_int_equal(sec_zone_sm_deadline(&sm), t + 100 * S);
}

static void test_refresh_same_serial_is_contact(void **state)
{
	sec_zone_sm_t sm;
	uint64_t t;
	fresh_zone(&sm, &t);
	assert_int_equal(sec_zone_sm_tick(&sm, t + 99 * S), 0);
	assert_int_equal(sec_zone_sm_tick(&sm, t + 100 * S), SEC_ACT_SOA_QUERY);
	assert_int_equal(sec_zone_sm_state(&sm), SEC_ZONE_REFRESHING);
	assert_true(sec_zone_sm_serving(&sm));
	assert_int_equal(sec_zone_sm_soa_result(&sm, true, 10, t + 101 * S), SEC_ACT_SAVE_STATE);
	assert_int_equal(sm.last_contact_ms, t + 101 * S);
	assert_int_equal(sec_zone_sm_deadline(&sm), t + 201 * S);
}

static void test_newer_serial_starts_ixfr(void **state)
{
	sec_zone_sm_t sm;
	uint64_t t;
	fresh_zone(&sm, &t);
	sec_zone_sm_tick(&sm, t + 100 * S);
	assert_int_equal(sec_zone_sm_soa_result(&sm, true, 11, t + 100 * S), SEC_ACT_TRANSFER);
	assert_true(sm.xfr_ixfr);
	assert_int_equal(sec_zone_sm_xfr_result(&sm, true, false, 11, 50, 20, 300, t + 101 * S),
	                 SEC_ACT_PUBLISH | SEC_ACT_PERSIST);
	assert_int_equal(sm.serial, 11);
	/* the new SOA's REFRESH applies */
	assert_int_equal(sec_zone_sm_deadline(&sm), t + 151 * S);
}

static void test_older_serial_no_transfer(void **state)
{
	sec_zone_sm_t sm;
	uint64_t t;
	fresh_zone(&sm, &t);
	sec_zone_sm_tick(&sm, t + 100 * S);
	/* RFC 1982: 9 is older than 10, and 10 + 2^31 is undefined: no transfer */
	assert_int_equal(sec_zone_sm_soa_result(&sm, true, 9, t + 100 * S), SEC_ACT_SAVE_STATE);
	sec_zone_sm_tick(&sm, t + 200 * S);
	assert_int_equal(sec_zone_sm_soa_result(&sm, true, 10u + 0x80000000u, t + 200 * S),
	                 SEC_ACT_SAVE_STATE);
	/* wrap-around: 0xFFFFFFF0 -> 5 is newer */
	sm.serial = 0xFFFFFFF0u;
	sec_zone_sm_tick(&sm, t + 300 * S);
	assert_int_equal(sec_zone_sm_soa_result(&sm, true, 5, t + 300 * S), SEC_ACT_TRANSFER);
}

static void test_ixfr_failure_falls_back_to_axfr(void **state)
{
	sec_zone_sm_t sm;
	uint64_t t;
	fresh_zone(&sm, &t);
	sec_zone_sm_tick(&sm, t + 100 * S);
	sec_zone_sm_soa_result(&sm, true, 11, t + 100 * S);
	assert_true(sm.xfr_ixfr);
	assert_int_equal(sec_zone_sm_xfr_result(&sm, false, false, 0, 0, 0, 0, t + 100 * S),
	                 SEC_ACT_TRANSFER);
	assert_false(sm.xfr_ixfr);
	/* the AXFR fails too: wait RETRY, old copy still served */
	assert_int_equal(sec_zone_sm_xfr_result(&sm, false, false, 0, 0, 0, 0, t + 101 * S), 0);
	assert_true(sec_zone_sm_serving(&sm));
	assert_int_equal(sm.serial, 10);
	assert_int_equal(sec_zone_sm_deadline(&sm), t + 121 * S);
	assert_int_equal(sec_zone_sm_tick(&sm, t + 120 * S), 0);
	assert_int_equal(sec_zone_sm_tick(&sm, t + 121 * S), SEC_ACT_SOA_QUERY);
}

static void test_soa_failure_retries(void **state)
{
	sec_zone_sm_t sm;
	uint64_t t;
	fresh_zone(&sm, &t);
	sec_zone_sm_tick(&sm, t + 100 * S);
	assert_int_equal(sec_zone_sm_soa_result(&sm, false, 0, t + 102 * S), 0);
	assert_int_equal(sec_zone_sm_deadline(&sm), t + 122 * S);
	assert_int_equal(sm.last_contact_ms, t); /* no contact */
}

static void test_expire_without_contact(void **state)
{
	sec_zone_sm_t sm;
	uint64_t t;
	fresh_zone(&sm, &t);
	uint64_t now = t + 100 * S;
	/* the primary is gone: every check fails */
	while (now < t + 300 * S) {
		unsigned a = sec_zone_sm_tick(&sm, now);
		assert_false(a & SEC_ACT_EXPIRE);
		if (a & SEC_ACT_SOA_QUERY)
			sec_zone_sm_soa_result(&sm, false, 0, now);
		assert_true(sec_zone_sm_serving(&sm));
		now = sec_zone_sm_deadline(&sm);
	}
	assert_int_equal(now, t + 300 * S); /* the expire deadline is reported */
	assert_true(sec_zone_sm_tick(&sm, now) & SEC_ACT_EXPIRE);
	assert_int_equal(sec_zone_sm_state(&sm), SEC_ZONE_EXPIRED);
	assert_false(sec_zone_sm_serving(&sm));
	/* the primary comes back with the same serial: serving again */
	sec_zone_sm_soa_result(&sm, false, 0, now); /* the check started by that tick */
	unsigned a = sec_zone_sm_tick(&sm, sec_zone_sm_deadline(&sm));
	assert_true(a & SEC_ACT_SOA_QUERY);
	a = sec_zone_sm_soa_result(&sm, true, 10, now + 30 * S);
	assert_true(a & SEC_ACT_PUBLISH);
	assert_true(sec_zone_sm_serving(&sm));
}

static void test_notify_triggers_check(void **state)
{
	sec_zone_sm_t sm;
	uint64_t t;
	fresh_zone(&sm, &t);
	assert_int_equal(sec_zone_sm_notify(&sm, false, 0, t + 5 * S), SEC_ACT_SOA_QUERY);
	/* a second NOTIFY during the check: another check right after it */
	assert_int_equal(sec_zone_sm_notify(&sm, false, 0, t + 6 * S), 0);
	assert_int_equal(sec_zone_sm_soa_result(&sm, true, 10, t + 6 * S),
	                 SEC_ACT_SAVE_STATE | SEC_ACT_SOA_QUERY);
	assert_int_equal(sec_zone_sm_soa_result(&sm, true, 12, t + 7 * S), SEC_ACT_TRANSFER);
	/* NOTIFY during the transfer: a check after it */
	assert_int_equal(sec_zone_sm_notify(&sm, false, 0, t + 7 * S), 0);
	assert_int_equal(sec_zone_sm_xfr_result(&sm, true, false, 12, 100, 20, 300, t + 8 * S),
	                 SEC_ACT_PUBLISH | SEC_ACT_PERSIST | SEC_ACT_SOA_QUERY);
}

static void test_notify_hint_rechecks(void **state)
{
	sec_zone_sm_t sm;
	uint64_t t;
	fresh_zone(&sm, &t);
	/* NOTIFY says 12, but the primary still answers 10 (not switched yet) */
	assert_int_equal(sec_zone_sm_notify(&sm, true, 12, t), SEC_ACT_SOA_QUERY);
	sec_zone_sm_soa_result(&sm, true, 10, t);
	assert_int_equal(sec_zone_sm_deadline(&sm), t + SEC_SM_HINT_RECHECK_MS);
	/* it keeps answering 10: a few quick rechecks, then back to REFRESH */
	uint64_t now = t;
	for (unsigned i = 1; i < SEC_SM_HINT_TRIES; i++) {
		now = sec_zone_sm_deadline(&sm);
		assert_int_equal(sec_zone_sm_tick(&sm, now), SEC_ACT_SOA_QUERY);
		sec_zone_sm_soa_result(&sm, true, 10, now);
		assert_int_equal(sec_zone_sm_deadline(&sm), now + SEC_SM_HINT_RECHECK_MS);
	}
	now = sec_zone_sm_deadline(&sm);
	sec_zone_sm_tick(&sm, now);
	sec_zone_sm_soa_result(&sm, true, 10, now);
	assert_int_equal(sec_zone_sm_deadline(&sm), now + 100 * S);
	/* a hint not newer than ours changes nothing */
	sec_zone_sm_tick(&sm, now + 100 * S);
	sec_zone_sm_soa_result(&sm, true, 10, now + 100 * S);
	sec_zone_sm_notify(&sm, true, 9, now + 101 * S);
	sec_zone_sm_soa_result(&sm, true, 10, now + 101 * S);
	assert_int_equal(sec_zone_sm_deadline(&sm), now + 201 * S);
}

static void test_uptodate_transfer(void **state)
{
	sec_zone_sm_t sm;
	uint64_t t;
	fresh_zone(&sm, &t);
	sec_zone_sm_notify(&sm, false, 0, t + S);
	sec_zone_sm_soa_result(&sm, true, 11, t + S);
	/* the IXFR says we are current after all */
	assert_int_equal(sec_zone_sm_xfr_result(&sm, true, true, 0, 0, 0, 0, t + 2 * S),
	                 SEC_ACT_SAVE_STATE);
	assert_int_equal(sm.serial, 10);
}

static void test_no_data_failures(void **state)
{
	sec_zone_sm_t sm;
	uint64_t t = 50 * S;
	sec_zone_sm_init(&sm, t);
	assert_int_equal(sec_zone_sm_tick(&sm, t), SEC_ACT_SOA_QUERY);
	assert_int_equal(sec_zone_sm_soa_result(&sm, false, 0, t), 0);
	assert_int_equal(sec_zone_sm_deadline(&sm), t + SEC_SM_DEFAULT_RETRY_S * S);
	sec_zone_sm_tick(&sm, t + SEC_SM_DEFAULT_RETRY_S * S);
	assert_int_equal(sec_zone_sm_soa_result(&sm, true, 3, t), SEC_ACT_TRANSFER);
	/* AXFR fails: no IXFR fallback loop, just retry; nothing is served */
	assert_int_equal(sec_zone_sm_xfr_result(&sm, false, false, 0, 0, 0, 0, t), 0);
	assert_int_equal(sec_zone_sm_state(&sm), SEC_ZONE_NO_DATA);
	assert_false(sec_zone_sm_serving(&sm));
	/* never expires without data */
	assert_int_equal(sec_zone_sm_deadline(&sm), t + SEC_SM_DEFAULT_RETRY_S * S);
}

static void test_loaded_from_state(void **state)
{
	sec_zone_sm_t sm;
	uint64_t now = 10000 * S;
	/* last contact 100 s ago, EXPIRE 300 s: served, check at once */
	assert_int_equal(sec_zone_sm_loaded(&sm, 7, 100, 20, 300, now - 100 * S, now),
	                 SEC_ACT_PUBLISH);
	assert_true(sec_zone_sm_serving(&sm));
	assert_int_equal(sec_zone_sm_tick(&sm, now), SEC_ACT_SOA_QUERY);
	sec_zone_sm_soa_result(&sm, false, 0, now);
	/* expires 300 s after the stored contact, not after the restart */
	assert_int_equal(sec_zone_sm_deadline(&sm), now + 20 * S);
	uint64_t at = now - 100 * S + 300 * S;
	sec_zone_sm_tick(&sm, at - 1);
	assert_true(sec_zone_sm_serving(&sm));
	sm.op = SEC_OP_NONE;
	assert_true(sec_zone_sm_tick(&sm, at) & SEC_ACT_EXPIRE);

	/* contact 400 s ago: expired right away */
	assert_int_equal(sec_zone_sm_loaded(&sm, 7, 100, 20, 300, now - 400 * S, now),
	                 SEC_ACT_EXPIRE);
	assert_int_equal(sec_zone_sm_state(&sm), SEC_ZONE_EXPIRED);
	assert_false(sec_zone_sm_serving(&sm));
	/* a successful check brings it back */
	sec_zone_sm_tick(&sm, now);
	assert_true(sec_zone_sm_soa_result(&sm, true, 7, now) & SEC_ACT_PUBLISH);
	/* unknown contact time (0): counts as now */
	assert_int_equal(sec_zone_sm_loaded(&sm, 7, 100, 20, 300, 0, now), SEC_ACT_PUBLISH);
}

static void test_timer_clamps(void **state)
{
	sec_zone_sm_t sm;
	uint64_t t;
	fresh_zone(&sm, &t);
	sec_zone_sm_notify(&sm, false, 0, t);
	sec_zone_sm_soa_result(&sm, true, 11, t);
	/* REFRESH 0 and EXPIRE 0 in the new SOA: clamped to 1 s, no busy loop */
	sec_zone_sm_xfr_result(&sm, true, false, 11, 0, 0, 0, t);
	assert_int_equal(sec_zone_sm_deadline(&sm), t + S);
}

static void test_unexpected_results_ignored(void **state)
{
	sec_zone_sm_t sm;
	uint64_t t;
	fresh_zone(&sm, &t);
	assert_int_equal(sec_zone_sm_soa_result(&sm, true, 99, t), 0);
	assert_int_equal(sec_zone_sm_xfr_result(&sm, true, false, 99, 1, 1, 1, t), 0);
	assert_int_equal(sm.serial, 10);
}

/* dns-ctl retransfer: an AXFR now, whatever the serials say; asked while
 * busy, right after what runs (once, and an IXFR then becomes AXFR). */
static void test_retransfer(void **state)
{
	sec_zone_sm_t sm;
	uint64_t t;
	fresh_zone(&sm, &t);
	assert_int_equal(sec_zone_sm_retransfer(&sm, t + S), SEC_ACT_TRANSFER);
	assert_false(sm.xfr_ixfr);
	assert_int_equal(sec_zone_sm_state(&sm), SEC_ZONE_REFRESHING);
	/* the same serial comes back whole: served again, timers restart */
	assert_int_equal(sec_zone_sm_xfr_result(&sm, true, false, 10, 100, 20, 300, t + 2 * S),
	                 SEC_ACT_PUBLISH | SEC_ACT_PERSIST);
	assert_int_equal(sec_zone_sm_state(&sm), SEC_ZONE_FRESH);

	/* while an SOA query runs: the AXFR follows its answer, even "current" */
	assert_int_equal(sec_zone_sm_notify(&sm, false, 0, t + 3 * S), SEC_ACT_SOA_QUERY);
	assert_int_equal(sec_zone_sm_retransfer(&sm, t + 3 * S), 0);
	assert_int_equal(sec_zone_sm_soa_result(&sm, true, 10, t + 4 * S),
	                 SEC_ACT_SAVE_STATE | SEC_ACT_TRANSFER);
	assert_false(sm.xfr_ixfr);
	assert_int_equal(sec_zone_sm_xfr_result(&sm, true, false, 10, 100, 20, 300, t + 5 * S),
	                 SEC_ACT_PUBLISH | SEC_ACT_PERSIST);   /* once: nothing after */

	/* a newer serial found while a retransfer waits: AXFR, not IXFR */
	assert_int_equal(sec_zone_sm_notify(&sm, false, 0, t + 6 * S), SEC_ACT_SOA_QUERY);
	sec_zone_sm_retransfer(&sm, t + 6 * S);
	assert_int_equal(sec_zone_sm_soa_result(&sm, true, 11, t + 7 * S), SEC_ACT_TRANSFER);
	assert_false(sm.xfr_ixfr);
	sec_zone_sm_xfr_result(&sm, true, false, 11, 100, 20, 300, t + 8 * S);

	/* the primary does not answer the SOA query: the AXFR is still tried */
	sec_zone_sm_notify(&sm, false, 0, t + 9 * S);
	sec_zone_sm_retransfer(&sm, t + 9 * S);
	assert_int_equal(sec_zone_sm_soa_result(&sm, false, 0, t + 10 * S), SEC_ACT_TRANSFER);
	assert_false(sm.xfr_ixfr);
	assert_int_equal(sec_zone_sm_xfr_result(&sm, false, false, 0, 0, 0, 0, t + 11 * S), 0);
	assert_int_equal(sec_zone_sm_state(&sm), SEC_ZONE_FRESH);
	assert_int_equal(sm.serial, 11);   /* the old copy stays served */
	assert_true(sec_zone_sm_serving(&sm));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_transfer_is_axfr),
		cmocka_unit_test(test_refresh_same_serial_is_contact),
		cmocka_unit_test(test_newer_serial_starts_ixfr),
		cmocka_unit_test(test_older_serial_no_transfer),
		cmocka_unit_test(test_ixfr_failure_falls_back_to_axfr),
		cmocka_unit_test(test_soa_failure_retries),
		cmocka_unit_test(test_expire_without_contact),
		cmocka_unit_test(test_notify_triggers_check),
		cmocka_unit_test(test_notify_hint_rechecks),
		cmocka_unit_test(test_uptodate_transfer),
		cmocka_unit_test(test_no_data_failures),
		cmocka_unit_test(test_loaded_from_state),
		cmocka_unit_test(test_timer_clamps),
		cmocka_unit_test(test_unexpected_results_ignored),
		cmocka_unit_test(test_retransfer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
