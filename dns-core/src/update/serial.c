/*
 * serial.c - RFC 1982 serial number arithmetic with SERIAL_BITS = 32.
 */
#include <time.h>

#include "dns/serial.h"

#define HALF 0x80000000u

int dns_serial_compare(uint32_t a, uint32_t b)
{
	if (a == b)
		return 0;
	/* RFC 1982 §3.2: a < b when b is ahead by less than 2^31 steps. */
	uint32_t ahead = b - a;
	if (ahead == HALF)
		return DNS_SERIAL_UNDEFINED;
	return ahead < HALF ? -1 : 1;
}

bool dns_serial_gt(uint32_t a, uint32_t b) { return dns_serial_compare(a, b) == 1; }

bool dns_serial_lt(uint32_t a, uint32_t b) { return dns_serial_compare(a, b) == -1; }

uint32_t dns_serial_add(uint32_t s, uint32_t n)
{
	if (n > DNS_SERIAL_MAX_ADD)
		n = DNS_SERIAL_MAX_ADD;
	return s + n; /* unsigned wrap-around is the modulo of §3.1 */
}

bool dns_serial_is_date(uint32_t s)
{
	uint32_t day = s / 100 % 100, month = s / 10000 % 100, year = s / 1000000;
	return year >= 1980 && year <= 2099 && month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

uint32_t dns_serial_next(uint32_t old, uint32_t date_hint)
{
	/* Accept both YYYYMMDD and YYYYMMDDnn; normalise to YYYYMMDD00. */
	uint32_t today = 0;
	if (date_hint >= 10000000u && date_hint <= 99991231u)
		today = date_hint * 100u;
	else if (date_hint >= 1000000000u)
		today = date_hint / 100u * 100u;
	/* Only move onto the date scheme when the zone already uses it, and
	 * only forwards: a counter serial stays a counter. */
	if (today && dns_serial_is_date(today) && dns_serial_is_date(old) && today > old &&
	    dns_serial_gt(today, old))
		return today;
	return dns_serial_add(old, 1);
}

uint32_t dns_serial_date_of(int64_t unix_seconds)
{
	time_t t = (time_t)unix_seconds;
	struct tm tm;
	if (!gmtime_r(&t, &tm) || tm.tm_year < 0 || tm.tm_year > 9999 - 1900)
		return 0;
	return (uint32_t)(tm.tm_year + 1900) * 10000u + (uint32_t)(tm.tm_mon + 1) * 100u +
	       (uint32_t)tm.tm_mday;
}
