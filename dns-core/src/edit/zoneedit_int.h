/*
 * zoneedit_int.h - shared between zoneedit.c (planning and rendering the
 * edit) and zoneedit_scan.c (entry spans, record sets, verification).
 */
#ifndef DNS_ZONEEDIT_INT_H
#define DNS_ZONEEDIT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/error.h"
#include "dns/name.h"
#include "dns/rr.h"
#include "dns/zonefile.h"

/* One field of an entry: bytes [start, end) of the text, quotes included. */
typedef struct ze_tok {
	uint32_t start, end;
	bool quoted;
} ze_tok_t;

enum ze_kind { ZE_EMPTY, ZE_RECORD, ZE_ORIGIN, ZE_TTL, ZE_INCLUDE, ZE_DIRECTIVE };

/*
 * One entry of the top file: a logical line (physical lines joined by
 * parentheses), always whole physical lines, its newline included.
 */
typedef struct ze_entry {
	uint32_t start, end;   /* [start, end) */
	uint32_t ws_end;       /* first byte after the leading blanks */
	uint32_t line, last_line;
	uint32_t tok, ntok;    /* fields: scan->tok[tok .. tok+ntok) */
	uint32_t origin;       /* index into scan->origin: $ORIGIN in effect */
	uint32_t dttl;         /* $TTL in effect after this entry, if have_dttl */
	int32_t rec;           /* the record it produced (index into the old set) or -1 */
	uint8_t kind;          /* enum ze_kind */
	bool have_dttl;
	bool blank;            /* owner field left blank: previous owner */
	bool crlf;             /* its last line ends with "\r\n" */
	/* Plan (recomputed for each attempt). */
	bool deleted;
	bool has_insert;
} ze_entry_t;

typedef struct ze_scan {
	const char *text;
	size_t len;
	ze_entry_t *e;
	size_t n, cap;
	ze_tok_t *tok;
	size_t ntok, tokcap;
	uint8_t (*origin)[DNS_NAME_MAX];
	size_t norigin, origincap;
} ze_scan_t;

/* A record: owner as written and in canonical (lower-case) form,
 * canonical rdata.  Pointers into the set's arena, valid after
 * ze_set_seal(). */
typedef struct ze_rec {
	size_t off;            /* arena: owner, canonical owner, canonical rdata */
	const uint8_t *owner, *cowner, *rdata;
	uint16_t olen, type, rclass, rdlen;
	uint32_t ttl;
	int32_t entry;         /* top-file entry, or -1 ($INCLUDE'd / not from text) */
	bool removed;          /* old set: removed by the change */
	bool placed;           /* added set: nothing to insert (present, or serial edit) */
	int32_t anchor;        /* added set, plan: the entry its line follows, -1 at the end */
} ze_rec_t;

typedef struct ze_set {
	ze_rec_t *r;
	size_t n, cap;
	uint8_t *arena;
	size_t alen, acap;
} ze_set_t;

/* Errors are formatted into this. */
typedef struct ze_err {
	char *buf;
	size_t len;
} ze_err_t;

void ze_fail(ze_err_t *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Split @text into entries and fields; DNS_ESYNTAX on lexical trouble. */
dns_err_t ze_scan(ze_scan_t *s, const char *text, size_t len, const uint8_t *origin,
                  ze_err_t *err);
void ze_scan_free(ze_scan_t *s);

/* Field indexes of a record entry (-1 when absent). */
typedef struct ze_fields {
	int owner, ttl, rclass, type;
} ze_fields_t;
bool ze_entry_fields(const ze_scan_t *s, const ze_entry_t *e, ze_fields_t *f);

/*
 * Parse @text and put every record in @set; with @scan, records of the
 * top file are tied to their entries.  DNS_ESYNTAX (first message in
 * @err) if the text has errors.
 */
dns_err_t ze_collect(const char *name, const char *text, size_t len,
                     const dns_zf_options_t *opt, ze_scan_t *scan, ze_set_t *set, ze_err_t *err);

dns_err_t ze_set_add(ze_set_t *set, const dns_rr_t *rr, int32_t entry);
/* Fix the arena pointers (after the last add) and sort by key, then TTL. */
void ze_set_seal(ze_set_t *set);
void ze_set_free(ze_set_t *set);
/* Compare on owner, type, class and rdata (canonical), not TTL. */
int ze_rec_keycmp(const ze_rec_t *a, const ze_rec_t *b);
/* The records of @set (sealed) with @key's key: [*lo, *hi). */
void ze_set_range(const ze_set_t *set, const ze_rec_t *key, size_t *lo, size_t *hi);
/* The records of @set (sealed) with owner @cowner (canonical): [*lo, *hi). */
void ze_set_owner_range(const ze_set_t *set, const uint8_t *cowner, size_t *lo, size_t *hi);
/* Exact equality of two sealed sets, duplicates ignored; else a message. */
bool ze_set_equal(const ze_set_t *want, const ze_set_t *got, ze_err_t *err);
/* "owner TYPE" for messages. */
void ze_rec_label(const ze_rec_t *r, char *out, size_t cap);

#endif
