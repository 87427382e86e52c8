/*
 * diff.h - differences between two versions of a zone, and applying
 * such differences (what IXFR sends and receives, RFC 1995).
 *
 * Records are compared in canonical form (RFC 4034 §6.2: names inside
 * rdata of the RFC 1035 types are compared case-insensitively) and TTLs
 * are significant: an RRset whose TTL changed is reported as all its old
 * records removed and all its new records added.
 */
#ifndef DNS_DIFF_H
#define DNS_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/error.h"
#include "dns/rr.h"
#include "dns/zone.h"

/*
 * Receives one difference: @added false for a record of the old version
 * that is gone, true for a record of the new version that is new.  The
 * view is valid during the call only.  Returning anything but DNS_OK
 * stops the walk, and that value is returned by the walker.
 */
typedef dns_err_t (*dns_diff_fn)(void *ctx, bool added, const dns_rr_t *rr);

/*
 * Report the differences from @old to @new in IXFR order (RFC 1995 §4):
 * every removed record, then every added record; within each half the
 * apex SOA comes first (when it changed at all), then the other records
 * in canonical order (owner, type, rdata).  Either zone may be NULL (an
 * empty zone).  Both zones must have the same origin and class, else
 * DNS_EINVAL.  Cost: one merge over both zones, O(n).
 */
dns_err_t dns_zone_diff(const dns_zone_t *old, const dns_zone_t *new_, dns_diff_fn fn, void *ctx);

/* Count the differences (removed, added) without a callback; either
 * output may be NULL. */
dns_err_t dns_zone_diff_count(const dns_zone_t *old, const dns_zone_t *new_, size_t *nremoved,
                              size_t *nadded);

/*
 * Build the zone that results from removing @removed and then adding
 * @added to @old (an IXFR increment, RFC 1995 §4).  Records match on
 * owner, type and canonical rdata; TTLs of removed records are ignored.
 * Fails with DNS_EZONE, building nothing, when a removed record is not
 * in @old, a record is removed twice, or an added record is already
 * present after the removals (or added twice): the increment does not
 * fit this version, the caller falls back to AXFR.  Added records give
 * their RRset its TTL.  Owners outside the zone or of another class:
 * DNS_EZONE.  Cost: a patch of @old (dns_zone_patch_new): about one
 * pass over its node array plus O(changes log zone); unchanged RRsets are
 * kept as they are (with their TTL mismatch marks).  *newzone gets a new
 * zone with one reference; it shares @old's memory, not @old itself.
 */
dns_err_t dns_zone_apply_diff(const dns_zone_t *old, const dns_rr_t *removed, size_t nremoved,
                              const dns_rr_t *added, size_t nadded, dns_zone_t **newzone);

#endif
