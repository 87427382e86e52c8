/*
 * log_limit.h - the decision behind rate-limited log lines, sans-IO.
 *
 * A "kind" of message is its text plus a few key fields (e.g. the reason
 * of a refusal and the client's network).  Each kind may write @burst
 * lines per interval; all kinds together @total lines per interval.  The
 * rest are counted, and once the kind's interval has ended (seen at its
 * next message or at a sweep) the count is reported, so the log says
 * "N similar messages suppressed" rather than nothing.
 *
 * Memory is bounded: DNS_LOG_LIMIT_SLOTS kinds are tracked; a kind that
 * finds no slot (table full of kinds active in this interval) is counted
 * in one overflow slot, reported the same way.  Not thread-safe: log.c
 * holds the process's one limiter under its mutex.
 */
#ifndef DNS_DAEMON_LOG_LIMIT_H
#define DNS_DAEMON_LOG_LIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_LOG_LIMIT_SLOTS 256
#define DNS_LOG_LIMIT_MSG 64    /* a kind's message, truncated to this (with NUL) */
#define DNS_LOG_LIMIT_KEY 160   /* its key fields as logfmt text */

typedef struct dns_log_limit_conf {
	unsigned burst;          /* lines per kind per interval */
	unsigned total;          /* lines of all kinds per interval */
	uint64_t interval_ms;
} dns_log_limit_conf_t;

/* 5 per kind, 100 in all, per 10 s. */
#define DNS_LOG_LIMIT_DEFAULT ((dns_log_limit_conf_t){ 5, 100, 10000 })

typedef struct dns_log_limit_slot {
	uint64_t hash;           /* 0: free */
	uint64_t start;          /* the kind's interval began then (ms) */
	uint32_t written;        /* lines written in the interval */
	uint64_t suppressed;     /* lines not written in it */
	int level;               /* of the kind's lines (the report uses it) */
	char msg[DNS_LOG_LIMIT_MSG];
	char key[DNS_LOG_LIMIT_KEY];
} dns_log_limit_slot_t;

typedef struct dns_log_limiter {
	dns_log_limit_conf_t conf;
	uint64_t total_start;
	unsigned total_written;
	uint64_t next_sweep;
	dns_log_limit_slot_t slot[DNS_LOG_LIMIT_SLOTS];
	dns_log_limit_slot_t overflow;
} dns_log_limiter_t;

/* A report: @suppressed lines of kind (@msg, @key) were not written. */
typedef void (*dns_log_limit_report_fn)(void *ctx, int level, const char *msg, const char *key,
                                        uint64_t suppressed);

void dns_log_limiter_init(dns_log_limiter_t *l, const dns_log_limit_conf_t *conf);

/*
 * May a line of kind (@msg, @key) at @level be written at @now_ms?  Counts
 * it either way.  Reports due (this kind's ended interval, and any others a
 * sweep finds) are handed to @report first, in the order they happened.
 */
bool dns_log_limiter_admit(dns_log_limiter_t *l, uint64_t now_ms, int level, const char *msg,
                           const char *key, dns_log_limit_report_fn report, void *ctx);

/*
 * Report and free every kind whose interval has ended by @now_ms
 * (UINT64_MAX: every kind with something suppressed, e.g. at exit).
 */
void dns_log_limiter_sweep(dns_log_limiter_t *l, uint64_t now_ms, dns_log_limit_report_fn report,
                           void *ctx);

#endif
