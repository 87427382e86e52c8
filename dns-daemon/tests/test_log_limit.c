/*
 * test_log_limit.c - the rate limiter of log lines: per-kind bursts, the
 * total budget, the "suppressed" reports, bounded memory, and the lines
 * dns_log_limited actually writes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dns/log.h"
#include "dns/log_limit.h"

typedef struct reports {
	unsigned n;
	uint64_t total;
	char msg[8][64];
	char key[8][160];
	uint64_t count[8];
} reports_t;

static void on_report(void *ctx, int level, const char *msg, const char *key, uint64_t n)
{
	reports_t *r = ctx;
	(void)level;
	if (r->n < 8) {
		snprintf(r->msg[r->n], sizeof(r->msg[0]), "%s", msg);
		snprintf(r->key[r->n], sizeof(r->key[0]), "%s", key);
		r->count[r->n] = n;
	}
	r->n++;
	r->total += n;
}

static dns_log_limiter_t *lim_new(unsigned burst, unsigned total, uint64_t interval)
{
	dns_log_limiter_t *l = malloc(sizeof(*l));
	assert_non_null(l);
	dns_log_limit_conf_t c = { burst, total, interval };
	dns_log_limiter_init(l, &c);
	return l;
}

static unsigned admit_n(dns_log_limiter_t *l, uint64_t now, const char *msg, const char *key,
                        unsigned n, reports_t *r)
{
	unsigned ok = 0;
	for (unsigned i = 0; i < n; i++)
		ok += dns_log_limiter_admit(l, now, 1, msg, key, on_report, r);
	return ok;
}

/* A kind writes its burst, the rest is counted and reported once its
 * interval has ended: at its next message or at a sweep. */
static void test_burst_then_report(void **state)
{
	(void)state;
	dns_log_limiter_t *l = lim_new(3, 100, 1000);
	reports_t r = { 0 };
	assert_int_equal(admit_n(l, 10, "request refused", "reason=badsig", 10, &r), 3);
	assert_int_equal(r.n, 0);
	dns_log_limiter_sweep(l, 1009, on_report, &r);
	assert_int_equal(r.n, 0); /* not over yet */
	assert_int_equal(admit_n(l, 1010, "request refused", "reason=badsig", 1, &r), 1);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.msg[0], "request refused");
	assert_string_equal(r.key[0], "reason=badsig");
	assert_int_equal(r.count[0], 7);
	/* a flood that stops is summed up by the sweep */
	assert_int_equal(admit_n(l, 1500, "request refused", "reason=badsig", 5, &r), 2);
	dns_log_limiter_sweep(l, 2010, on_report, &r);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.count[1], 3);
	dns_log_limiter_sweep(l, 5000, on_report, &r);
	assert_int_equal(r.n, 2); /* reported once */
	free(l);
}

/* Kinds are counted apart: another key, another message. */
static void test_kinds_apart(void **state)
{
	(void)state;
	dns_log_limiter_t *l = lim_new(2, 100, 1000);
	reports_t r = { 0 };
	assert_int_equal(admit_n(l, 0, "request refused", "reason=badsig net=192.0.2.0/24", 5, &r), 2);
	assert_int_equal(admit_n(l, 0, "request refused", "reason=badsig net=198.51.100.0/24", 5, &r), 2);
	assert_int_equal(admit_n(l, 0, "request refused", "reason=unsigned net=192.0.2.0/24", 5, &r), 2);
	assert_int_equal(admit_n(l, 0, "transfer failed", "reason=badsig net=192.0.2.0/24", 5, &r), 2);
	dns_log_limiter_sweep(l, UINT64_MAX, on_report, &r);
	assert_int_equal(r.n, 4);
	assert_int_equal(r.total, 12);
	free(l);
}

/* All kinds together write at most `total` lines per interval. */
static void test_total_budget(void **state)
{
	(void)state;
	dns_log_limiter_t *l = lim_new(5, 8, 1000);
	reports_t r = { 0 };
	unsigned ok = 0;
	char key[32];
	for (int k = 0; k < 10; k++) {
		snprintf(key, sizeof(key), "net=10.0.%d.0/24", k);
		ok += admit_n(l, 0, "request refused", key, 5, &r);
	}
	assert_int_equal(ok, 8);
	dns_log_limiter_sweep(l, UINT64_MAX, on_report, &r);
	assert_int_equal(r.total, 50 - 8);
	/* the next interval has its budget back */
	assert_int_equal(admit_n(l, 2000, "request refused", "net=10.0.0.0/24", 5, &r), 5);
	free(l);
}

/* 100,000 kinds in one interval: the table does not grow; every message
 * is either written or counted in a report. */
static void test_bounded(void **state)
{
	(void)state;
	dns_log_limiter_t *l = lim_new(5, 1000000, 1000);
	reports_t r = { 0 };
	unsigned ok = 0;
	char key[32];
	for (unsigned k = 0; k < 100000; k++) {
		snprintf(key, sizeof(key), "net=%u", k);
		ok += dns_log_limiter_admit(l, 0, 1, "request refused", key, on_report, &r);
	}
	assert_true(ok <= DNS_LOG_LIMIT_SLOTS);
	dns_log_limiter_sweep(l, UINT64_MAX, on_report, &r);
	assert_int_equal(ok + r.total, 100000);
	free(l);
}

/* A message longer than the slot keeps one kind (truncated alike). */
static void test_long_text(void **state)
{
	(void)state;
	dns_log_limiter_t *l = lim_new(1, 100, 1000);
	reports_t r = { 0 };
	char msg[300], key[400];
	memset(msg, 'm', sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = 0;
	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = 0;
	assert_int_equal(admit_n(l, 0, msg, key, 4, &r), 1);
	dns_log_limiter_sweep(l, UINT64_MAX, on_report, &r);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.count[0], 3);
	free(l);
}

/* What dns_log_limited writes: the burst, then one "suppressed" line. */
static void test_lines_written(void **state)
{
	(void)state;
	char path[] = "/tmp/test_log_limit.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	int saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	dns_log_limit_conf_t c = { 3, 100, 1000 };
	dns_log_limit_configure(&c);
	for (int i = 0; i < 2000; i++)
		dns_log_limited(DNS_LOG_WARN, 2, "request refused", "reason", "badsig", "net",
		                "127.0.0.0/24", "client", "127.0.0.1", NULL);
	dns_log_tick(); /* the interval is not over: nothing yet */
	dns_log_flush();
	dup2(saved, STDERR_FILENO);
	close(saved);
	char buf[8192];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	assert_true(n > 0);
	buf[n] = 0;
	unsigned lines = 0, refused = 0;
	for (char *p = buf; (p = strchr(p, '\n')); p++)
		lines++;
	for (char *p = buf; (p = strstr(p, "msg=\"request refused\"")); p++)
		refused++;
	assert_int_equal(lines, 4);
	assert_int_equal(refused, 3);
	assert_non_null(strstr(buf, "msg=\"1997 similar messages suppressed\" of=\"request refused\" "
	                            "reason=badsig net=127.0.0.0/24 suppressed=1997 interval_s=1"));
	assert_non_null(strstr(buf, "reason=badsig net=127.0.0.0/24 client=127.0.0.1\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_then_report),
		cmocka_unit_test(test_kinds_apart),
		cmocka_unit_test(test_total_budget),
		cmocka_unit_test(test_bounded),
		cmocka_unit_test(test_long_text),
		cmocka_unit_test(test_lines_written),
	};
	return cmocka_run_group_tests_name("log_limit", tests, NULL, NULL);
}
