/*
 * log.h - structured logs of dns-primary-git: one logfmt line per event
 * on stderr, e.g.
 *
 *     ts=2026-11-22T05:31:02Z level=info msg="zone loaded" zone=example.com serial=1
 *
 * Fields are given as key/value string pairs ending with NULL; values are
 * quoted when they need it.  Thread-safe (one write per line).
 */
#ifndef PG_LOG_H
#define PG_LOG_H

#include <stdbool.h>

typedef enum pg_level {
	PG_LOG_DEBUG = 0,
	PG_LOG_INFO,
	PG_LOG_WARN,
	PG_LOG_ERROR,
} pg_level_t;

/* Set the lowest level written (default info). */
void pg_log_set_level(pg_level_t level);
bool pg_log_enabled(pg_level_t level);

/* "debug", "info", "warn", "error" (case as given); false otherwise. */
bool pg_log_level_parse(const char *text, pg_level_t *level);

/* Log @msg with key/value pairs: pg_log(PG_LOG_INFO, "zone loaded",
 * "zone", "example.com", "serial", "1", NULL).  A NULL value is skipped. */
void pg_log(pg_level_t level, const char *msg, ...) __attribute__((sentinel));

#endif
