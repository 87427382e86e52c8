/*
 * tsig_replay.h - refusing replayed TSIG-signed requests (RFC 8945 §5.2.3
 * leaves a window: a captured request verifies again for as long as its
 * time signed is within the fudge of the server's clock, 5 minutes
 * either way with the usual fudge of 300 s).  A cache of the MACs of the
 * requests already accepted, per key, each remembered until its window
 * closes; a request whose MAC is in it is a replay.
 *
 * Only verified requests enter the cache, so only a holder of the key
 * can fill it.  Memory is bounded: at most @max_keys keys (the one
 * unused longest gives way) and @per_key MACs a key (the oldest gives
 * way: a key signing more than that many requests within one fudge
 * window leaves its oldest ones replayable).  MACs are compared on their
 * first 16 bytes, the shortest truncation accepted (DNS_TSIG_MIN_MAC_POLICY),
 * so a replay with a truncated MAC is caught too.
 *
 * Sans-IO and single-threaded: the daemon that owns a cache serialises
 * the calls (signed UPDATE, NOTIFY and transfer requests are few).
 */
#ifndef DNS_TSIG_REPLAY_H
#define DNS_TSIG_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#include "dns/error.h"
#include "dns/tsig.h"

#define DNS_TSIG_REPLAY_PER_KEY 1024
#define DNS_TSIG_REPLAY_KEYS 1024

typedef struct dns_tsig_replay dns_tsig_replay_t;

/* 0 for either: the defaults above.  NULL on ENOMEM. */
dns_tsig_replay_t *dns_tsig_replay_new(size_t per_key, size_t max_keys);
void dns_tsig_replay_free(dns_tsig_replay_t *c);

/*
 * A request that dns_tsig_verify_request accepted (@req, with its key,
 * MAC, time signed and fudge) at @now (seconds): DNS_OK and remembered,
 * or DNS_EEXIST when the same key's same MAC was accepted before within
 * its window (a replay: refuse it).  DNS_EINVAL for a request that did
 * not verify; DNS_ENOMEM (not remembered).
 */
dns_err_t dns_tsig_replay_check(dns_tsig_replay_t *c, const dns_tsig_req_t *req, uint64_t now);

#endif
