/*
 * zonefile.h - RFC 1035 §5 master files: a streaming parser and a
 * canonical writer.
 *
 * The parser handles $ORIGIN, $TTL, $INCLUDE (confined to the directory
 * tree of the top file, or resolved by a caller's function), TTL units, omitted owner/TTL/class, parentheses,
 * comments, quoted strings with escapes and the RFC 3597 generic forms.
 * It never stops at the first error: each bad entry is reported as
 * file:line:col and parsing resumes at the next entry, so a check shows
 * every problem at once.
 */
#ifndef DNS_ZONEFILE_H
#define DNS_ZONEFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dns/error.h"
#include "dns/rr.h"
#include "dns/zone.h"

/* Where a record or an error stands. */
typedef struct dns_zf_pos {
	const char *file;  /* as given, or as named by $INCLUDE */
	uint32_t line;     /* 1-based */
	uint32_t col;      /* 1-based, in bytes */
} dns_zf_pos_t;

/* Receives each record; the views are valid during the call only.
 * Returning an error stops parsing with that error. */
typedef dns_err_t (*dns_zf_record_fn)(void *ctx, const dns_rr_t *rr, const dns_zf_pos_t *pos);

/* Receives each problem.  Messages that start with DNS_ZF_WARNING_PREFIX
 * are warnings; every other message is an error.  A position with line 0
 * concerns the whole file (it could not be read, or a finding has no
 * record to point at). */
typedef void (*dns_zf_error_fn)(void *ctx, const dns_zf_pos_t *pos, const char *msg);

#define DNS_ZF_WARNING_PREFIX "warning: "

/* True when @msg (as given to a dns_zf_error_fn) is a warning. */
bool dns_zf_is_warning(const char *msg);

/*
 * Supplies the text of a file named by $INCLUDE (@path: escapes removed,
 * as written).  On success *text is malloc'd (the parser frees it) and
 * *len set; otherwise return an error and put the reason in @msg
 * (reported at the $INCLUDE's file name).  The included text's positions
 * use @path as their file name.
 */
typedef dns_err_t (*dns_zf_include_fn)(void *ctx, const char *path, char **text, size_t *len,
                                       char *msg, size_t msglen);

typedef struct dns_zf_options {
	const uint8_t *origin;   /* initial $ORIGIN (required) */
	uint32_t default_ttl;    /* TTL of records before any $TTL or explicit TTL,
	                            with a warning (0 means 3600) */
	uint16_t rclass;         /* default class (0 means IN) */
	unsigned max_include_depth; /* 0 means 8 */
	unsigned max_errors;     /* stop after this many (0 means 1000) */
	bool no_include;         /* refuse $INCLUDE altogether */
	/* When set (and no_include is not), $INCLUDE is resolved only through
	 * it, never from the filesystem: e.g. from a git commit's tree. */
	dns_zf_include_fn include;
	void *include_ctx;
} dns_zf_options_t;

/*
 * Parse the file at @path.  Returns DNS_OK when every entry parsed,
 * DNS_ESYNTAX when at least one was reported, DNS_EIO when the file cannot
 * be read, or the error a callback returned.
 */
dns_err_t dns_zonefile_parse_file(const char *path, const dns_zf_options_t *opt,
                                  dns_zf_record_fn on_record, dns_zf_error_fn on_error, void *ctx);

/* Parse text in memory; @name is used in positions; $INCLUDE goes through
 * opt->include, else is relative to the current directory (or refused with
 * opt->no_include). */
dns_err_t dns_zonefile_parse_buffer(const char *name, const char *text, size_t len,
                                    const dns_zf_options_t *opt, dns_zf_record_fn on_record,
                                    dns_zf_error_fn on_error, void *ctx);

/*
 * Load a zone: parse, build, check.  Every syntax error and every check
 * finding is reported through @on_error with the position of the record
 * concerned.  *zone is set (and DNS_OK returned) only when there were no
 * errors; warnings do not prevent loading.
 */
dns_err_t dns_zone_load_file(const char *path, const dns_zf_options_t *opt, dns_zone_t **zone,
                             dns_zf_error_fn on_error, void *ctx);

/*
 * The same for text in memory (e.g. a git blob): @name is used in
 * positions, $INCLUDE as in dns_zonefile_parse_buffer (set
 * opt->no_include to refuse it).  Check findings are placed by parsing
 * the text again.
 */
dns_err_t dns_zone_load_buffer(const char *name, const char *text, size_t len,
                               const dns_zf_options_t *opt, dns_zone_t **zone,
                               dns_zf_error_fn on_error, void *ctx);

/*
 * The SOA serial of zone text (the first SOA at @origin), without building
 * the zone: errors elsewhere in the text are not looked at, and $INCLUDE is
 * not followed (an old version's includes are not at hand).  Errors:
 * DNS_ENOTFOUND (no SOA at @origin), DNS_ENOMEM.
 */
dns_err_t dns_zonefile_soa_serial(const char *text, size_t len, const uint8_t *origin,
                                  uint32_t *serial);

/*
 * Write every record of @z, one per line in canonical order:
 * "<absolute owner>\t<ttl>\t<class>\t<type>\t<rdata>\n", SOA first.
 */
dns_err_t dns_zonefile_write(const dns_zone_t *z, FILE *out);

#endif
