/*
 * zoneedit.h - write a set of record changes back into zone file text
 * as a minimal textual edit (what a careful person would do by hand).
 *
 * The file is edited, not regenerated:
 * - a removed record loses its entry (its line, or all the lines of a
 *   parenthesised entry); a following line that inherited its owner
 *   (blank owner field) gets the owner written out;
 * - an SOA change that only moves the serial rewrites just the serial's
 *   digits, wherever the entry puts them (comments and layout kept);
 * - an added record goes right after the last entry of its owner,
 *   written relative to the $ORIGIN in effect there, its TTL only when it
 *   differs from the $TTL in effect; a new owner goes at the end of the
 *   file with an absolute name and an explicit TTL;
 * - comments, blank lines, directives and every other entry are left
 *   byte for byte as they were.
 * The result is always verified: the edited text is parsed again and its
 * records must equal (old records - removed + added) exactly (owner, type,
 * class, TTL and rdata in canonical form).  If the nicely placed edit does
 * not pass (e.g. a TTL-less entry after the insertion point would inherit
 * the new TTL), the additions are appended at the end of the file instead
 * and verified again; if that fails too, nothing is produced.
 *
 * Pure function: no I/O except what the zone file parser does for
 * $INCLUDE (relative to the current directory, as with
 * dns_zonefile_parse_buffer).
 */
#ifndef DNS_ZONEEDIT_H
#define DNS_ZONEEDIT_H

#include <stddef.h>
#include <stdint.h>

#include "dns/error.h"
#include "dns/rr.h"
#include "dns/zonefile.h"

/* Largest zone file text accepted (offsets are kept in 32 bits). */
#define DNS_ZONEEDIT_TEXT_MAX 0x7fffffffu
/* Largest TTL of an added record: 2^31 - 1 (RFC 2181 §8), what a zone
 * file may hold.  Callers read a received TTL with the top bit set as 0
 * before it gets here (dns_update_apply does). */
#define DNS_ZONEEDIT_TTL_MAX 0x7fffffffu

/*
 * Edit zone file text @text (@len bytes, shown as @name in messages)
 * whose initial $ORIGIN is @origin: remove @removed (matched on owner,
 * type, class and canonical rdata; TTL ignored) and add @added — the net
 * changes of dns_update_changes() (removed then added, the SOA change
 * included).  On success *out receives the new text (malloc'ed,
 * NUL-terminated, to free()) and *outlen its length.
 *
 * Errors (with a message in @errbuf when it is not NULL):
 *   DNS_ESYNTAX   @text does not parse cleanly (warnings are fine);
 *   DNS_ENOTFOUND a removed record is not in the file;
 *   DNS_ENOTSUP   a removed record comes from an $INCLUDE'd file;
 *   DNS_EZONE     the edited text would not mean exactly the new zone;
 *   DNS_ELIMIT    text longer than DNS_ZONEEDIT_TEXT_MAX, or an added
 *                 record's TTL above DNS_ZONEEDIT_TTL_MAX;
 *   DNS_ENOMEM, DNS_EINVAL.
 */
dns_err_t dns_zoneedit_apply(const char *name, const char *text, size_t len,
                             const uint8_t *origin, const dns_rr_t *removed, size_t nremoved,
                             const dns_rr_t *added, size_t nadded, char **out, size_t *outlen,
                             char *errbuf, size_t errlen);

/* The same with full parser options (class, $INCLUDE policy, default
 * TTL); opt->origin is required. */
dns_err_t dns_zoneedit_apply_opt(const char *name, const char *text, size_t len,
                                 const dns_zf_options_t *opt, const dns_rr_t *removed,
                                 size_t nremoved, const dns_rr_t *added, size_t nadded,
                                 char **out, size_t *outlen, char *errbuf, size_t errlen);

/*
 * Raise the SOA serial of zone file text (the SOA at opt->origin) as the
 * write-back of an UPDATE does: dns_serial_next(old, @date_hint), i.e.
 * today's YYYYMMDD00 for a date serial when that is higher, else old + 1
 * (RFC 1982).  With @min (not NULL) the new serial is also at least *min
 * (serial arithmetic): pass the serial of a version a rollback went back
 * from, plus one, so the rolled-back zone still moves forward for the
 * secondaries.  Only the serial's digits change in the text (as
 * dns_zoneedit_apply_opt); *old_serial and *new_serial say what changed.
 *
 * Errors (message in @errbuf): those of dns_zoneedit_apply_opt, and
 *   DNS_ENOTFOUND no SOA at the origin;
 *   DNS_ELIMIT    no serial is both greater than the old one and at
 *                 least *min (2^31 or more apart).
 */
dns_err_t dns_zoneedit_bump_serial(const char *name, const char *text, size_t len,
                                   const dns_zf_options_t *opt, uint32_t date_hint,
                                   const uint32_t *min, uint32_t *old_serial,
                                   uint32_t *new_serial, char **out, size_t *outlen,
                                   char *errbuf, size_t errlen);

#endif
