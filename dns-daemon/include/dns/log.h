/*
 * log.h - structured logs of the suite's daemons: one logfmt line per event
 * on stderr, e.g.
 *
 *     ts=2026-11-22T05:31:02Z level=info msg="zone loaded" zone=example.com serial=1
 *
 * Fields are given as key/value string pairs ending with NULL; values are
 * quoted when they need it.  Thread-safe (one write per line).  Lines a
 * client can cause go through dns_log_limited.
 */
#ifndef DNS_DAEMON_LOG_H
#define DNS_DAEMON_LOG_H

#include <stdbool.h>

#include "dns/log_limit.h"

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

/* @v as a logfmt value (bare, or quoted with \" \\ \n escaped) into @out
 * (NUL-terminated, truncated to @cap); returns its length. */
size_t dns_log_value(char *out, size_t cap, const char *v);

/*
 * Rate-limited: like dns_log, for lines a peer can cause at will (refused
 * requests...).  The message and its first @nkey key/value pairs make its
 * kind: dns_log_limited(DNS_LOG_WARN, 2, "request refused", "reason",
 * "badsig", "net", "192.0.2.0/24", "client", "192.0.2.7", NULL) writes at
 * most `burst` lines per kind per interval (and `total` of all kinds),
 * then, once the interval has ended, one line
 *
 *     msg="1995 similar messages suppressed" of="request refused"
 *         reason=badsig net=192.0.2.0/24 suppressed=1995 interval_s=10
 *
 * Bounded memory (log_limit.h); the default is DNS_LOG_LIMIT_DEFAULT.
 */
void dns_log_limited(dns_log_level_t level, unsigned nkey, const char *msg, ...)
	__attribute__((sentinel));
/* Replace the limits (at start, or in tests); forgets what was counted. */
void dns_log_limit_configure(const dns_log_limit_conf_t *conf);
/* Report the kinds whose interval has ended: call about once a second from
 * a timer, so that a flood that stopped is still summed up. */
void dns_log_tick(void);
/* Report every suppressed count now (at exit). */
void dns_log_flush(void);

#endif
