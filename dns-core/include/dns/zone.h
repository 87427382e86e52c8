/*
 * zone.h - the immutable in-memory zone database.
 *
 * A zone is built once (dns_zone_builder_*), then never changes: it can be
 * read by any number of threads without locks, and replaced by publishing
 * a new one.  Each zone owns its memory in a few large blocks, rdata kept
 * in wire form (rrset.h).  Zones are reference counted so that a zone set
 * being replaced can share the zones that did not change.
 */
#ifndef DNS_ZONE_H
#define DNS_ZONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/error.h"
#include "dns/rr.h"
#include "dns/rrset.h"

typedef struct dns_zone dns_zone_t;
typedef struct dns_node dns_node_t;
typedef struct dns_zone_builder dns_zone_builder_t;

/* ---- building ---- */

/* A builder for the zone at @origin of class @rclass; NULL on ENOMEM. */
dns_zone_builder_t *dns_zone_builder_new(const uint8_t *origin, uint16_t rclass);

/*
 * Add one record (copied).  Records with the same owner and type join one
 * RRset; duplicate records are dropped silently (RFC 2181 §5); a TTL that
 * differs from the RRset's first TTL is kept as the first (and counted,
 * see dns_zone_check).  Errors: DNS_EZONE for an owner outside the zone
 * or a class other than the zone's, DNS_EINVAL for meta types (OPT, TSIG,
 * AXFR...), DNS_ENOMEM.
 */
dns_err_t dns_zone_builder_add(dns_zone_builder_t *b, const dns_rr_t *rr);

/*
 * Finish: creates empty non-terminal nodes, sorts, marks delegations and
 * data below them, and returns the zone with a reference count of one.
 * The builder is consumed (freed) whatever the result.
 */
dns_err_t dns_zone_builder_finish(dns_zone_builder_t *b, dns_zone_t **zone);

/* Discard a builder that will not be finished. */
void dns_zone_builder_free(dns_zone_builder_t *b);

/*
 * Patching: a builder for a new version of @old that differs only at the
 * owners it names.  Each owner given to dns_zone_patch_replace, or to
 * dns_zone_builder_add, loses all its records in @old and gets exactly
 * the records added for it (none: the name goes, unless it has
 * descendants and stays as an empty non-terminal).  Every other node is
 * taken from @old as it is.  dns_zone_builder_finish then returns a zone
 * equal to one built from scratch with the resulting records, at the
 * cost of about one pass over @old's node array (no re-hashing of names,
 * no sorting, no copying of unchanged records: the new version shares
 * @old's memory and keeps it alive; a bounded number of versions share
 * before one is compacted).  @old must stay referenced until finish.
 * Unchanged RRsets keep their TTL mismatch marks (dns_zone_check).
 */
dns_zone_builder_t *dns_zone_patch_new(const dns_zone_t *old);
dns_err_t dns_zone_patch_replace(dns_zone_builder_t *b, const uint8_t *owner);

/* ---- a zone ---- */

dns_zone_t *dns_zone_ref(dns_zone_t *z);   /* atomic; returns z */
void dns_zone_unref(dns_zone_t *z);        /* atomic; frees at zero; NULL is fine */

const uint8_t *dns_zone_origin(const dns_zone_t *z);
uint16_t dns_zone_class(const dns_zone_t *z);
const dns_node_t *dns_zone_apex(const dns_zone_t *z);  /* NULL for an empty zone */
const dns_rrset_t *dns_zone_soa(const dns_zone_t *z);  /* NULL without SOA */
uint32_t dns_zone_serial(const dns_zone_t *z);          /* 0 without SOA */
size_t dns_zone_rr_count(const dns_zone_t *z);          /* records, not RRsets */
size_t dns_zone_memory(const dns_zone_t *z);            /* bytes held by the zone */
size_t dns_zone_ttl_mismatches(const dns_zone_t *z);    /* RRsets whose TTLs differed */

/* Nodes in canonical order (RFC 4034 §6.1), empty non-terminals included. */
size_t dns_zone_node_count(const dns_zone_t *z);
const dns_node_t *dns_zone_node_at(const dns_zone_t *z, size_t i);

/* The node of exactly @name (case-insensitive), or NULL. */
const dns_node_t *dns_zone_find(const dns_zone_t *z, const uint8_t *name);

/*
 * A hint before a batch of lookups: start loading what finding @names[i]
 * in @zones[i] reads (index slot, node, owner name, RRsets), for every i
 * before waiting on any, so that a batch of queries pays for its cache
 * misses side by side rather than one after another.  Results of later
 * lookups are the same whether it ran or not.  NULL zones are skipped.
 */
void dns_zone_prefetch(const dns_zone_t *const zones[], const uint8_t *const names[], size_t n);

/* ---- nodes ---- */

#define DNS_NODE_APEX       0x01 /* the zone's origin */
#define DNS_NODE_DELEGATION 0x02 /* NS below the apex: a zone cut */
#define DNS_NODE_NONAUTH    0x04 /* strictly below a zone cut (glue or occluded data) */
#define DNS_NODE_ENT        0x08 /* empty non-terminal: no RRsets */
#define DNS_NODE_WILDCARD   0x10 /* has a child "*" */
#define DNS_NODE_DNAME      0x20 /* has a DNAME RRset */
#define DNS_NODE_BELOW_DNAME 0x40 /* strictly below a DNAME owner (occluded, RFC 6672 §2.4) */

const uint8_t *dns_node_name(const dns_node_t *n);
unsigned dns_node_flags(const dns_node_t *n);
size_t dns_node_rrset_count(const dns_node_t *n);
const dns_rrset_t *dns_node_rrset_at(const dns_node_t *n, size_t i); /* sorted by type */
const dns_rrset_t *dns_node_rrset(const dns_node_t *n, uint16_t type); /* NULL if absent */

/* ---- lookup (RFC 1034 §4.3.2 step 3, RFC 4592, RFC 6672) ---- */

typedef enum dns_lookup_kind {
	DNS_LOOKUP_MATCH,      /* node is qname itself (possibly an empty non-terminal) */
	DNS_LOOKUP_DELEGATION, /* node is the highest zone cut at or above qname; a cut at
	                          qname itself is reported too (the caller answers DS there) */
	DNS_LOOKUP_DNAME,      /* node is the DNAME owner strictly above qname */
	DNS_LOOKUP_WILDCARD,   /* node is the wildcard "*.<encloser>" that matches qname */
	DNS_LOOKUP_NXDOMAIN,   /* no such name; encloser is the closest encloser */
	DNS_LOOKUP_OUTSIDE,    /* qname is not at or below the origin */
} dns_lookup_kind_t;

typedef struct dns_lookup {
	dns_lookup_kind_t kind;
	const dns_node_t *node;
	const dns_node_t *encloser; /* closest existing ancestor-or-self of qname */
} dns_lookup_t;

dns_lookup_kind_t dns_zone_lookup(const dns_zone_t *z, const uint8_t *qname, dns_lookup_t *res);

/* ---- consistency ---- */

/* Called once per finding; @owner and @type locate it (type 0: the node). */
typedef void (*dns_zone_report_fn)(void *ctx, const uint8_t *owner, uint16_t type, bool error,
                                   const char *msg);

/*
 * Check a zone and report every finding: errors (no SOA or more than one
 * at the apex, no apex NS, CNAME beside other data or more than one CNAME,
 * more than one DNAME, data below a delegation other than glue, a
 * delegation's in-zone NS target without address records) and warnings
 * (TTLs differing within an RRset).  Returns the number of errors.
 */
size_t dns_zone_check(const dns_zone_t *z, dns_zone_report_fn fn, void *ctx);

#endif
