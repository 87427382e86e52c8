/*
 * log.h - structured logs of dns-secondary: one logfmt line per event on
 * stderr, in the suite's format:
 *
 *     ts=2026-11-22T05:31:02Z level=info msg="zone transferred" zone=example.com kind=IXFR
 *
 * Fields are key/value string pairs ending with NULL (a NULL value is
 * skipped); values are quoted when needed.  Thread-safe: one write(2) per
 * line.  (A small copy of the daemon helper; the lead may share one.)
 */
#ifndef SEC_LOG_H
#define SEC_LOG_H

#include <stdbool.h>

typedef enum sec_level {
	SEC_LOG_DEBUG = 0,
	SEC_LOG_INFO,
	SEC_LOG_WARN,
	SEC_LOG_ERROR,
} sec_level_t;

void sec_log_set_level(sec_level_t level);
bool sec_log_enabled(sec_level_t level);

/* "debug", "info", "warn"/"warning", "error" (any case). */
bool sec_log_level_parse(const char *text, sec_level_t *level);

void sec_log(sec_level_t level, const char *msg, ...) __attribute__((sentinel));

#endif
