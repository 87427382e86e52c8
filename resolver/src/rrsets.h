/*
 * rrsets.h - grouping loose records into RRsets (dns_rrset_t packing):
 * from a parsed message section, and from a list built record by record
 * (zone-file text: root hints, replay scenarios).  Packed data lives in a
 * scratch arena freed all at once.
 */
#ifndef RESOLVER_RRSETS_H
#define RESOLVER_RRSETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/error.h"
#include "dns/msg.h"
#include "dns/rr.h"
#include "dns/rrset.h"

typedef struct res_arena {
	struct res_arena_blk *blk;
} res_arena_t;

void *res_arena_alloc(res_arena_t *a, size_t n);
void res_arena_free(res_arena_t *a);

/*
 * The records of section @sec of @m with owner @owner and type @type
 * (for RRSIG: those covering @covered), packed into *out (TTL: the
 * lowest).  Duplicates are dropped.  Returns the number of records (0:
 * none, out->count 0).
 */
unsigned res_msg_rrset(const dns_msg_t *m, int sec, const uint8_t *owner, uint16_t type,
                       uint16_t covered, res_arena_t *a, dns_rrset_t *out);

/*
 * Does every RRset of every section of @m (records of one owner, type and
 * class; RRSIGs by the type they cover) have at most @max_rrs records and
 * @max_bytes bytes of rdata?  Linear in the records; false also when @m
 * has RES_LIMIT_RRS records or more.
 */
#define RES_LIMIT_RRS 2048
bool res_msg_rrsets_within(const dns_msg_t *m, unsigned max_rrs, size_t max_bytes);

/* A growable list of records (owner, type, ttl, rdata copied). */
typedef struct res_rrlist {
	dns_rr_t *rrs;
	size_t n, cap;
	res_arena_t arena;
} res_rrlist_t;

dns_err_t res_rrlist_add(res_rrlist_t *l, const dns_rr_t *rr);
/* Calls @fn for each RRset of the list in first-seen order (RRSIGs are
 * grouped by covered type and passed with their RRset, never alone unless
 * nothing they cover is in the list). */
dns_err_t res_rrlist_each(res_rrlist_t *l,
                          dns_err_t (*fn)(void *ctx, const uint8_t *owner,
                                          const dns_rrset_t *set, const dns_rrset_t *sigs),
                          void *ctx);
void res_rrlist_free(res_rrlist_t *l);

#endif
