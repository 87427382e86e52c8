/*
 * rdata_parse.h - the state of one rdata text conversion, shared by the
 * presentation parsers of rdata_text.c, rdata_loc.c and rdata_svcb.c.
 */
#ifndef DNS_INTERNAL_RDATA_PARSE_H
#define DNS_INTERNAL_RDATA_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/rdata.h"

typedef struct dns__parser {
	const dns_token_t *tok;
	size_t ntok;
	size_t i;               /* next token */
	const uint8_t *origin;
	uint8_t *out;
	size_t cap;             /* min(caller's capacity, DNS_RDATA_MAX) */
	size_t len;
	dns_rdata_error_t *err;
} dns__parser_t;

/* Record an error at token @t and return @e. */
dns_err_t dns__pfail(dns__parser_t *p, size_t t, dns_err_t e, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Append bytes to the output (DNS_ESPACE with a message when full). */
dns_err_t dns__pput(dns__parser_t *p, const void *b, size_t n);

/* Decimal 0..@max, digits only. */
bool dns__parse_uint(const char *s, size_t len, uint64_t max, uint64_t *v);

/*
 * Decode the escapes (\X, \DDD) of a <character-string> of @len chars into
 * @out; returns the decoded length, -1 on a bad escape, -2 if longer than @cap.
 */
long dns__cstr_decode(const char *s, size_t len, uint8_t *out, size_t cap);

/* Field parsers living in their own files; they consume the rest of the tokens. */
dns_err_t dns__loc_from_tokens(dns__parser_t *p);
dns_err_t dns__svcparams_from_tokens(dns__parser_t *p);

#endif
