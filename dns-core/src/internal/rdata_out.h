/*
 * rdata_out.h - bounded text output for the rdata printers (rdata_print.c,
 * rdata_loc.c, rdata_svcb.c).  Writes past the capacity set o->full and
 * are dropped, so printers need not check every call.
 */
#ifndef DNS_INTERNAL_RDATA_OUT_H
#define DNS_INTERNAL_RDATA_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/error.h"

typedef struct dns__out {
	char *s;
	size_t cap; /* including room for the terminating NUL */
	size_t len;
	bool full;
} dns__out_t;

void dns__oput(dns__out_t *o, const char *s, size_t n);
void dns__oputc(dns__out_t *o, char c);
void dns__ofmt(dns__out_t *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Bytes of a <character-string>: '"' and '\' escaped, non-printable bytes
 * as \DDD.  With @bare (unquoted output) space, ';', '(' and ')' too.
 */
void dns__ostr(dns__out_t *o, const uint8_t *b, size_t n, bool bare);
void dns__obase64(dns__out_t *o, const uint8_t *b, size_t n);

/* Typed printers; DNS_EMALFORMED when the rdata has no typed text (caller falls back to \#). */
dns_err_t dns__loc_to_text(dns__out_t *o, const uint8_t *p, size_t len);
dns_err_t dns__svcparams_to_text(dns__out_t *o, const uint8_t *p, size_t len);

#endif
