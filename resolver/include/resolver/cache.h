/*
 * cache.h - the resolver's record cache: RRsets ranked by trust (RFC 2181
 * §5.4.1) with their RRSIGs, negative entries (RFC 2308) with the NXDOMAIN
 * cut of RFC 8020, TTL caps, and a byte bound enforced by LRU eviction.
 *
 * Sans-IO: every call takes the current time (milliseconds on any
 * monotonic scale the caller likes).  Not thread-safe.
 */
#ifndef RESOLVER_CACHE_H
#define RESOLVER_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/error.h"
#include "dns/rrset.h"

/* Trust ranks, lowest first (RFC 2181 §5.4.1). */
typedef enum res_rank {
	RES_RANK_NONE = 0,
	RES_RANK_ADDITIONAL,      /* glue, additional section */
	RES_RANK_AUTH_NONAUTH,    /* authority section of a referral (delegation NS) */
	RES_RANK_ANS_NONAUTH,     /* answer section without AA */
	RES_RANK_AUTH_AUTH,       /* authority section of an authoritative answer */
	RES_RANK_ANS_AUTH,        /* answer section with AA */
	RES_RANK_INSECURE,        /* validated: provably insecure (DNSSEC) */
	RES_RANK_SECURE,          /* validated (DNSSEC) */
} res_rank_t;

/* Data good enough to give to a client (RFC 2181 §5.4.1: not glue, not
 * referral NS). */
#define RES_RANK_ANSWERABLE RES_RANK_ANS_NONAUTH

/* Negative entries use this pseudo-type for "the name does not exist". */
#define RES_TYPE_NXDOMAIN 0

typedef struct res_cache res_cache_t;

typedef struct res_cache_config {
	size_t max_bytes;   /* 0: 64 MiB */
	uint32_t max_ttl;   /* 0: 86400 */
	uint32_t min_ttl;   /* 0: none */
	uint32_t neg_max_ttl; /* 0: 3600 (RFC 2308 §5 suggests hours at most) */
	uint32_t stale_s;   /* serve-stale (RFC 8767): keep expired entries this long; 0: none */
} res_cache_config_t;

/* A cached entry as the caller sees it (valid until the next cache call). */
typedef struct res_cache_hit {
	res_rank_t rank;
	uint32_t ttl;           /* seconds left */
	uint32_t orig_ttl;      /* the TTL it was stored with (after the caps) */
	bool negative;          /* a negative entry: rrset is the SOA (may be empty) */
	const uint8_t *owner;   /* positive: the owner; negative: the SOA owner (or NULL) */
	dns_rrset_t rrset;      /* positive: the data; negative: the SOA */
	dns_rrset_t sigs;       /* RRSIGs covering rrset (count 0 if none) */
	const uint8_t *proof;   /* negative: the NSEC/NSEC3 RRsets and RRSIGs, packed as the
	                         * authority section of a res_result (result.h), or NULL */
	size_t proof_len;
} res_cache_hit_t;

res_cache_t *res_cache_new(const res_cache_config_t *cfg);
void res_cache_free(res_cache_t *c);

/*
 * Store an RRset (@data packed as in dns_rrset_t: u16 rdlen, rdata...).
 * An existing live entry of higher rank is kept (DNS_EEXIST); otherwise
 * the entry is replaced.  The TTL is capped to [min_ttl, max_ttl].
 * @sigs may be NULL.
 */
dns_err_t res_cache_put(res_cache_t *c, uint64_t now, const uint8_t *owner,
                        const dns_rrset_t *set, const dns_rrset_t *sigs, res_rank_t rank);

/*
 * Store a negative entry for (@owner, @type), @type RES_TYPE_NXDOMAIN for
 * the whole name.  @ttl is already min(SOA TTL, SOA MINIMUM); @soa_owner
 * and @soa may be NULL.
 */
dns_err_t res_cache_put_neg(res_cache_t *c, uint64_t now, const uint8_t *owner, uint16_t type,
                            uint32_t ttl, const uint8_t *soa_owner, const dns_rrset_t *soa,
                            const dns_rrset_t *soa_sigs, res_rank_t rank);
/* The same, keeping @proof (@proof_len bytes, opaque to the cache) with it. */
dns_err_t res_cache_put_neg_proof(res_cache_t *c, uint64_t now, const uint8_t *owner,
                                  uint16_t type, uint32_t ttl, const uint8_t *soa_owner,
                                  const dns_rrset_t *soa, const dns_rrset_t *soa_sigs,
                                  res_rank_t rank, const uint8_t *proof, size_t proof_len);

/* A live positive entry for (@owner, @type); false if none.  Touches LRU. */
bool res_cache_get(res_cache_t *c, uint64_t now, const uint8_t *owner, uint16_t type,
                   res_cache_hit_t *hit);

/*
 * A live negative answer for (@owner, @type): a NODATA entry for the type,
 * or an NXDOMAIN entry for @owner or (RFC 8020) any of its ancestors.
 * hit->rrset.type tells which: RES_TYPE_NXDOMAIN or the type.
 */
bool res_cache_get_neg(res_cache_t *c, uint64_t now, const uint8_t *owner, uint16_t type,
                       res_cache_hit_t *hit, uint16_t *neg_kind);

/*
 * A live negative entry stored at exactly (@owner, @type), @type
 * RES_TYPE_NXDOMAIN for "@owner does not exist" (no RFC 8020 walk: a
 * proof kept with an ancestor's entry speaks for the ancestor).
 */
bool res_cache_get_neg_at(res_cache_t *c, uint64_t now, const uint8_t *owner, uint16_t type,
                          res_cache_hit_t *hit);

/*
 * An expired positive entry for (@owner, @type) still within the stale
 * window (RFC 8767), for when upstream cannot be reached; hit->ttl is 0.
 * Live entries are returned too.  Touches LRU.
 */
bool res_cache_get_stale(res_cache_t *c, uint64_t now, const uint8_t *owner, uint16_t type,
                         res_cache_hit_t *hit);

/* Remove everything at (@owner, @type) (positive and negative). */
void res_cache_remove(res_cache_t *c, const uint8_t *owner, uint16_t type);

typedef struct res_cache_stats {
	size_t entries;
	size_t bytes;
	uint64_t evictions;
} res_cache_stats_t;
void res_cache_stats(const res_cache_t *c, res_cache_stats_t *st);

#endif
