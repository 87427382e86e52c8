/*
 * log.h - structured logs of the suite's daemons: one logfmt line per event
 * on stderr, e.g.
 *
 *     ts=2026-11-22T05:31:02Z level=info msg="zone loaded" zone=example.com serial=1
 *
 * Fields are given as key/value string pairs ending with NULL; values are
 * quoted when they need it.  Thread-safe (one write per line).
 */
#ifndef DNS_DAEMON_LOG_H
#define DNS_DAEMON_LOG_H

#include <stdbool.h>

typedef enum dns_log_level {
	DNS_LOG_DEBUG = 0,
	DNS_LOG_INFO,
	DNS_LOG_WARN,
	DNS_LOG_ERROR,
} dns_log_level_t;

/* Set the lowest level written (default info). */
void dns_log_set_level(dns_log_level_t level);
bool dns_log_enabled(dns_log_level_t level);

/* "debug", "info", "warn" (or "warning"), "error", in any case; false otherwise. */
bool dns_log_level_parse(const char *text, dns_log_level_t *level);

/* Log @msg with key/value pairs: dns_log(DNS_LOG_INFO, "zone loaded",
 * "zone", "example.com", "serial", "1", NULL).  A NULL value is skipped. */
void dns_log(dns_log_level_t level, const char *msg, ...) __attribute__((sentinel));

#endif
