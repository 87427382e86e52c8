/*
 * diff_int.h - internal to diff.c and update*.c: RRsets as sorted arrays
 * of canonical rdata, and the per-RRset difference both of them report.
 */
#ifndef DNS_DIFF_INT_H
#define DNS_DIFF_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/diff.h"
#include "dns/rrset.h"

/* One record: its rdata as stored, and its canonical form (RFC 4034 §6.2),
 * which is the same pointer when canonicalising changes nothing. */
typedef struct dns_rdref {
	const uint8_t *data;
	const uint8_t *canon;
	uint16_t len;
} dns_rdref_t;

/* Reusable buffers for loading RRsets (grow only; free with _fini). */
typedef struct dns_rdscratch {
	dns_rdref_t *refs;
	size_t cap;
	uint8_t *buf;
	size_t bufcap;
} dns_rdscratch_t;

/* The type has names that canonical form lower-cases. */
bool dns_diff_type_canon(uint16_t type);

/* Compare two records by canonical rdata (RFC 4034 §6.3 order). */
int dns_rdref_cmp(const dns_rdref_t *a, const dns_rdref_t *b);

/*
 * Load @s (may be NULL: empty) into s->refs sorted canonically without
 * duplicates; *n gets the count.  Pointers stay valid until the next load
 * into the same scratch.
 */
dns_err_t dns_rdscratch_load(dns_rdscratch_t *sc, const dns_rrset_t *s, size_t *n);
void dns_rdscratch_fini(dns_rdscratch_t *sc);

/*
 * One half of the difference of an RRset between two versions (a: old,
 * b: new; both sorted canonically): with @added false, report the
 * records of a not in b; with @added true those of b not in a.  A TTL
 * change (both non-empty) replaces the whole RRset.
 */
dns_err_t dns_diff_sets(bool added, const uint8_t *owner, uint16_t rclass, uint16_t type,
                        uint32_t ttl_a, const dns_rdref_t *a, size_t na, uint32_t ttl_b,
                        const dns_rdref_t *b, size_t nb, dns_diff_fn fn, void *ctx);

#endif
