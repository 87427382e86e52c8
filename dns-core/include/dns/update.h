/*
 * update.h - RFC 2136 dynamic UPDATE as a transaction over one zone.
 *
 * Designed for group commit: the primary opens one transaction on the
 * zone being served, applies a batch of UPDATE messages to it one after
 * the other (each one atomic, each one seeing the effects of the ones
 * before it, each one getting its own rcode), then commits once,
 * producing one new immutable zone (and one git commit) for the batch.
 *
 *	dns_update_t *u = dns_update_begin(zone);
 *	for each request:  rcode[i] = dns_update_apply(u, &msg[i]);
 *	err = dns_update_commit(u, true, dns_serial_date_of(now), &newzone);
 *	dns_update_changes(u, write_back_fn, ctx);      (net changes, IXFR order)
 *	dns_update_free(u);
 *
 * The working copy is a copy-on-write overlay over the base zone: only
 * the names an update touches are copied (all RRsets of that name), so a
 * message costs O(its size x log), independent of the zone size; commit
 * rebuilds the zone once, O(zone).
 *
 * Authorisation (TSIG key scope, RFC 2136 §3.3) is the caller's: it has
 * to be decided before dns_update_apply() is called.
 */
#ifndef DNS_UPDATE_H
#define DNS_UPDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/diff.h"
#include "dns/error.h"
#include "dns/msg.h"
#include "dns/zone.h"

typedef struct dns_update dns_update_t;

/*
 * Open a transaction on @zone (a reference is taken and held until
 * dns_update_free).  Cheap: nothing is copied yet.  NULL on ENOMEM or
 * when @zone has no SOA.
 */
dns_update_t *dns_update_begin(const dns_zone_t *zone);

/*
 * Apply one parsed UPDATE message (RFC 2136 §3: zone section §3.1,
 * prerequisites §3.2, prescan §3.4.1, update §3.4.2) and return its
 * rcode (enum dns_rcode): NOERROR when applied, else FORMERR, NOTAUTH
 * (the zone section does not name this zone and class), NOTZONE,
 * NXDOMAIN, YXDOMAIN, NXRRSET, YXRRSET, or SERVFAIL (out of memory, or
 * an RRset would exceed 65535 records).  Atomic: on any rcode other
 * than NOERROR none of the message's changes remain and the working
 * copy is exactly as before the call.
 *
 * Semantics beyond the RFC text, as the common servers do:
 * - adding a CNAME where other data exists, or other data where a CNAME
 *   exists, is silently ignored (§3.4.2.2); RRSIG and NSEC are exempt;
 * - an added SOA replaces the apex SOA only when its serial is equal to
 *   or greater than (RFC 1982) the current one; otherwise it is ignored;
 * - the apex SOA and the last apex NS are never deleted; ANY/ANY at the
 *   apex deletes everything except SOA and NS;
 * - the TTL of an added record becomes the TTL of its whole RRset;
 * - a TTL with the top bit set (2^31 and above) is read as 0, in every
 *   section, as RFC 2181 §8 says received TTLs are to be treated.
 * The zone checks that need the whole zone (glue, delegations, DNAME)
 * are done at commit.
 */
int dns_update_apply(dns_update_t *u, const dns_msg_t *req);

/* Something differs from the base zone (net of the messages so far). */
bool dns_update_changed(const dns_update_t *u);

/*
 * Build the new zone.  With nothing changed, *newzone is a new reference
 * to the base zone.  Otherwise, if @bump_serial and the updates did not
 * move the SOA serial forward, the serial becomes
 * dns_serial_next(old, @date_hint) (and that SOA change is part of
 * dns_update_changes()).  The new zone is checked with dns_zone_check():
 * any error that the base zone did not already have gives DNS_EZONE (the
 * caller refuses the batch, e.g. by answering each message REFUSED, or
 * retries the messages one per transaction to find the culprit);
 * dns_update_error() then describes the first such error.  On error
 * *newzone is untouched.  The transaction stays readable afterwards
 * (changes, error) and must still be freed.  Commit at most once.
 */
dns_err_t dns_update_commit(dns_update_t *u, bool bump_serial, uint32_t date_hint,
                            dns_zone_t **newzone);

/*
 * The net changes of the transaction relative to the base zone, in IXFR
 * order (removed records then added ones, the SOA first in each half),
 * through the callback form of diff.h.  After a successful commit they
 * include the serial bump.  Records are reported with the zone's class.
 */
dns_err_t dns_update_changes(const dns_update_t *u, dns_diff_fn fn, void *ctx);

/* The base zone's serial and the working copy's current serial. */
uint32_t dns_update_old_serial(const dns_update_t *u);
uint32_t dns_update_serial(const dns_update_t *u);

/* Text of the first new zone-check error of a failed commit, or "". */
const char *dns_update_error(const dns_update_t *u);

/* Drop the transaction and everything it holds (aborting it if it was
 * not committed; the base zone is unaffected either way).  NULL is fine. */
void dns_update_free(dns_update_t *u);

/* Same as dns_update_free, for symmetry with begin. */
static inline void dns_update_abort(dns_update_t *u) { dns_update_free(u); }

#endif
