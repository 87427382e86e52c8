/*
 * zonefile_int.h - the parser state shared by zonefile.c (lexer, entries)
 * and zonefile_include.c (files, $INCLUDE).  Internal to libdnscore.
 */
#ifndef DNS_ZONEFILE_INT_H
#define DNS_ZONEFILE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/rdata.h"
#include "dns/zonefile.h"

#define ZF_OWNER_CACHE   1024u   /* longest owner text remembered for reuse */

/* One file being read (the top file or an included one). */
typedef struct zf_file {
	const char *name;     /* shown in positions */
	const char *dir;      /* directory that relative $INCLUDEs resolve against */
	const char *buf;
	size_t len;
	size_t pos;
	size_t line_start;    /* offset of the current line's first byte */
	uint32_t line;
	unsigned depth;       /* 0 for the top file */
} zf_file_t;

typedef struct zf_parser {
	const dns_zf_options_t *opt;
	dns_zf_record_fn on_record;
	dns_zf_error_fn on_error;
	void *ctx;
	uint16_t rclass;
	unsigned max_errors;
	unsigned max_depth;
	unsigned errors;
	bool stop;
	dns_err_t cb_err;      /* what on_record returned, if it stopped us */
	char *root;            /* real path of the top directory tree */

	uint8_t origin[DNS_NAME_MAX];
	uint8_t owner[DNS_NAME_MAX];
	bool have_owner;
	bool owner_bad;        /* the previous owner was invalid: skip its continuations */
	/* Text of the previous owner field, to skip converting a repeated owner. */
	char owner_text[ZF_OWNER_CACHE];
	uint32_t owner_text_len;

	uint32_t dollar_ttl, last_ttl;
	bool have_dollar_ttl, have_last_ttl, warned_ttl;

	dns_token_t *tok;
	size_t ntok, tokcap;
	bool leading_blank;    /* the entry starts with blank: previous owner */
	bool leading_dollar;   /* the entry starts with '$': a directive */

	uint8_t rdata[65535];
} zf_parser_t;

/* Report an error at @line:@col of @f (counted against max_errors). */
void dns__zf_error(zf_parser_t *p, const zf_file_t *f, uint32_t line, uint32_t col,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Convert name token @t (relative to the current origin) into @out, or
 * report it as an invalid @what. */
bool dns__zf_name(zf_parser_t *p, const zf_file_t *f, const dns_token_t *t, uint8_t *out,
                  const char *what);

/* Parse the entries of @f to its end (or until parsing stops). */
void dns__zf_parse_text(zf_parser_t *p, zf_file_t *f);

/* $INCLUDE file [origin]: the directive's tokens @t[0..n). */
void dns__zf_include(zf_parser_t *p, zf_file_t *f, const dns_token_t *t, size_t n);

/* Directory part of a real path ("/" for a file at the root); malloc'd. */
char *dns__zf_dirname(const char *real);

/* Parse the file whose real path is @real, shown as @name; DNS_EIO with
 * *err set when it cannot be read. */
dns_err_t dns__zf_parse_real(zf_parser_t *p, const char *real, const char *name, unsigned depth,
                             int *err);

#endif
