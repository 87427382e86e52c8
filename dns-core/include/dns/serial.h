/*
 * serial.h - SOA serial number arithmetic (RFC 1982, SERIAL_BITS = 32).
 *
 * Serials live on a circle: s1 < s2 when s2 is less than 2^31 steps
 * ahead of s1.  Two serials exactly 2^31 apart are not ordered at all
 * (RFC 1982 §3.2 leaves the comparison undefined); callers must treat
 * that case as "not greater", which dns_serial_gt() does.
 */
#ifndef DNS_SERIAL_H
#define DNS_SERIAL_H

#include <stdbool.h>
#include <stdint.h>

/* Returned by dns_serial_compare() when a and b are 2^31 apart. */
#define DNS_SERIAL_UNDEFINED 2

/* Largest increment RFC 1982 §3.1 allows in one addition. */
#define DNS_SERIAL_MAX_ADD 0x7FFFFFFFu

/* -1 when a < b, 0 when equal, +1 when a > b, DNS_SERIAL_UNDEFINED otherwise. */
int dns_serial_compare(uint32_t a, uint32_t b);

/* a > b in serial arithmetic (false when undefined). */
bool dns_serial_gt(uint32_t a, uint32_t b);

/* a < b in serial arithmetic (false when undefined). */
bool dns_serial_lt(uint32_t a, uint32_t b);

/* s + n modulo 2^32 (RFC 1982 §3.1); @n is clamped to DNS_SERIAL_MAX_ADD. */
uint32_t dns_serial_add(uint32_t s, uint32_t n);

/*
 * The serial that follows @old after a change.  Pure: today's date is
 * passed in.  @date_hint is today as YYYYMMDD (e.g. 20241122) or as
 * YYYYMMDDnn (e.g. 2024112200); 0 means no date.  When @old looks like a
 * date-based serial (YYYYMMDDnn with a plausible date, years 1980-2099)
 * and today's YYYYMMDD00 is greater, the result is today's YYYYMMDD00;
 * otherwise it is old + 1 (so a date serial with nn = 99 rolls into the
 * next day, and plain counters stay counters).  The result is always
 * greater than @old in serial arithmetic.
 */
uint32_t dns_serial_next(uint32_t old, uint32_t date_hint);

/* True when @s reads as YYYYMMDDnn with 1980 <= YYYY <= 2099, a valid month
 * and a day 01-31. */
bool dns_serial_is_date(uint32_t s);

/* Today's date as YYYYMMDD (UTC) from seconds since the epoch, for
 * dns_serial_next(); pure arithmetic, no clock. */
uint32_t dns_serial_date_of(int64_t unix_seconds);

#endif
