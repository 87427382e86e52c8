/*
 * engine.h - the resolution engine of dns-resolver: sans-IO, in the shape
 * of Knot Resolver's libkres and the OCaml resolver.
 *
 * The engine holds the caches and one state machine ("fetch") per
 * distinct question in flight; client queries for the same question are
 * merged onto one fetch.  It never touches a socket, a clock or a thread:
 *
 *   - the caller starts client queries (res_engine_resolve), or answers
 *     straight from the cache (res_engine_answer_cached);
 *   - it drains the queries the engine wants sent (res_engine_next_send)
 *     and sends each one to the given server over UDP or TCP as told;
 *   - it feeds back each reply (res_engine_on_reply) or failure
 *     (res_engine_on_error), and calls res_engine_tick(now) at
 *     res_engine_next_timer() at the latest, so that timeouts fire;
 *   - it collects finished client queries (res_engine_next_done) and
 *     writes their answers with res_client_write.
 *
 * Time is a caller-chosen monotonic millisecond count.  Randomness (query
 * IDs, server tie-breaks) comes from a caller-supplied function, so tests
 * are deterministic.  Not thread-safe: one engine, one thread at a time.
 *
 * Every client query has one work budget shared by the sub-queries made
 * on its behalf (outgoing queries, referrals, CNAME/DNAME links, name
 * server names resolved per delegation, nesting of glueless lookups), and
 * every fetch has a deadline, so that no input can make it work forever
 * (NXNSAttack, CAMP, referral and CNAME loops).
 */
#ifndef RESOLVER_ENGINE_H
#define RESOLVER_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dns/error.h"
#include "dns/msg.h"
#include "resolver/cache.h"

typedef struct res_engine res_engine_t;
typedef struct res_client res_client_t;

typedef struct res_config {
	res_cache_config_t cache;
	bool no_qname_minimisation;  /* RFC 9156 is on unless set */
	bool no_ipv6;                /* never query IPv6 server addresses */
	bool no_ipv4;
	uint16_t edns_size;          /* 0: 1232 */
	bool no_aggressive_nsec;     /* RFC 8198 off (Unbound's aggressive-nsec: no) */
	bool prefetch;               /* refresh an RRset hit in its last 10% of TTL (Unbound's prefetch) */
	bool use_0x20;               /* random letter case in UDP query names, checked in replies */
	unsigned max_queries;        /* outgoing queries per client query; 0: 64 */
	unsigned max_chain;          /* CNAME/DNAME links followed; 0: 12 */
	unsigned max_referrals;      /* per fetch; 0: 32 */
	unsigned max_ns_lookups;     /* NS names resolved per delegation; 0: 4 */
	unsigned max_depth;          /* nesting of glueless NS lookups; 0: 6 */
	uint32_t fetch_timeout_ms;   /* whole fetch; 0: 10000 */
	size_t max_fetches;          /* fetches in flight; 0: 10000 */
	unsigned max_clients;        /* client queries waiting for an answer; 0: 20000 */
	unsigned max_client_queries; /* of those, per client source (res_engine_resolve_src); 0: 100 */
	unsigned max_validations;    /* signature verifications per client query; 0: 96 */
	unsigned max_nsec3_hashes;   /* NSEC3 hash computations per client query; 0: 128 */
	/* An upstream reply with a bigger RRset (in any section) is bad data:
	 * that server is not used for the question, and if none is left the
	 * answer is SERVFAIL with EDE 24 (Invalid Data). */
	unsigned max_rrset_rrs;      /* records in one RRset; 0: 100 */
	uint32_t max_rrset_bytes;    /* rdata bytes of one RRset; 0: 32768 */
	/* UNIX time in ms = engine time + clock_offset_ms (signature validity windows) */
	int64_t clock_offset_ms;
	uint32_t (*random)(void *ctx);  /* required */
	void *random_ctx;
} res_config_t;

/* An engine with the built-in IANA root hints.  NULL on ENOMEM/EINVAL. */
res_engine_t *res_engine_new(const res_config_t *cfg);
void res_engine_free(res_engine_t *e);

/*
 * Replace the root hints with the NS and A/AAAA records of a zone-file
 * text (the format of IANA's named.root).  On error @err says why and the
 * hints are unchanged.
 */
dns_err_t res_engine_set_hints(res_engine_t *e, const char *text, size_t len, char *err,
                               size_t errlen);
dns_err_t res_engine_load_hints(res_engine_t *e, const char *path, char *err, size_t errlen);

/*
 * DNSSEC validation (RFC 4033-4035, 5155) is on once a trust anchor is
 * set: DS or DNSKEY records for a zone (the root, usually), in zone-file
 * text.  Answers are then validated unless the client sets CD; secure
 * ones carry AD, bogus ones become SERVFAIL with an extended error.
 */
dns_err_t res_engine_add_trust_anchors(res_engine_t *e, const char *text, size_t len, char *err,
                                       size_t errlen);
dns_err_t res_engine_load_trust_anchors(res_engine_t *e, const char *path, char *err,
                                        size_t errlen);
/* The IANA root KSKs (20326 and 38696) as DS records. */
dns_err_t res_engine_add_builtin_anchor(res_engine_t *e);
/* A negative trust anchor (RFC 7646): @zone and below are treated as insecure. */
dns_err_t res_engine_add_insecure(res_engine_t *e, const uint8_t *zone);

/*
 * Forwarding (split horizon, internal zones): names at or below @zone are
 * resolved by recursive queries (RD=1, full names) to the servers added
 * for it instead of by iteration from the root; the deepest forward zone
 * wins.  Call once per server address (at most 8 per zone, 64 zones).
 * Errors: DNS_ELIMIT, DNS_ENOMEM, DNS_EINVAL (not AF_INET/AF_INET6).
 */
dns_err_t res_engine_add_forward(res_engine_t *e, const uint8_t *zone, const struct sockaddr *addr,
                                 socklen_t len);

/* Client query flags. */
#define RES_Q_CD 0x01   /* checking disabled */

/*
 * Start resolving (@qname, @qtype) for a client; @user comes back with
 * res_client_user.  The client appears in res_engine_next_done once its
 * answer is ready (possibly after this very call).  NULL on ENOMEM or
 * when too many fetches are in flight (answer SERVFAIL then).
 */
res_client_t *res_engine_resolve(res_engine_t *e, uint64_t now, const uint8_t *qname,
                                 uint16_t qtype, unsigned flags, void *user);
/*
 * The same for a client identified by @src_key (a hash of its address):
 * NULL also when that client already has max_client_queries waiting, so
 * that one client's flood cannot take the fetch slots of the others.
 */
res_client_t *res_engine_resolve_src(res_engine_t *e, uint64_t now, uint32_t src_key,
                                     const uint8_t *qname, uint16_t qtype, unsigned flags,
                                     void *user);

/*
 * Answer @q (a parsed client query) from the cache alone: true with the
 * response in @buf (*@len bytes) when the cache holds the whole answer
 * (data, CNAME chain or negative entry).  @tcp says how it will be sent
 * (UDP answers are cut to the client's EDNS size, at most 1232).
 */
bool res_engine_answer_cached(res_engine_t *e, uint64_t now, const dns_msg_t *q, bool tcp,
                              uint8_t *buf, size_t cap, size_t *len);

/* ---- the network side ---- */

#define RES_SEND_MAX 320  /* a query: header, name, OPT */

typedef struct res_send {
	uint32_t id;                  /* hand back with on_reply/on_error */
	struct sockaddr_storage addr; /* the server (port 53 unless hints said otherwise) */
	socklen_t addrlen;
	bool tcp;
	uint32_t timeout_ms;          /* the engine times the query out at this point */
	uint16_t len;
	uint8_t msg[RES_SEND_MAX];
} res_send_t;

/* The next query to send; false when none is waiting. */
bool res_engine_next_send(res_engine_t *e, res_send_t *out);

typedef enum res_io_error {
	RES_IO_TIMEOUT,      /* no answer */
	RES_IO_UNREACHABLE,  /* refused/unreachable: the server is down */
	RES_IO_FAILED,       /* anything else (TCP lost, local error) */
} res_io_error_t;

/* A reply to query @id (unknown or finished ids are ignored). */
void res_engine_on_reply(res_engine_t *e, uint64_t now, uint32_t id, const uint8_t *msg,
                         size_t len);
void res_engine_on_error(res_engine_t *e, uint64_t now, uint32_t id, res_io_error_t err);

/* Fire the timeouts due at @now. */
void res_engine_tick(res_engine_t *e, uint64_t now);

/* True when queries wait to be taken with res_engine_next_send (a cache
 * hit may have started a prefetch: the caller that sends must be woken). */
bool res_engine_has_sends(const res_engine_t *e);

/* When tick must be called next (UINT64_MAX: nothing pending). */
uint64_t res_engine_next_timer(const res_engine_t *e);

/* ---- finished client queries ---- */

res_client_t *res_engine_next_done(res_engine_t *e);
void *res_client_user(const res_client_t *c);
/* The answer's rcode (for logs and metrics). */
unsigned res_client_rcode(const res_client_t *c);
/*
 * Write the response to the client query @q (the same question) into
 * @buf; returns its length (0 if @cap is too small for even a header).
 */
size_t res_client_write(const res_client_t *c, const dns_msg_t *q, bool tcp, uint8_t *buf,
                        size_t cap);
/* A SERVFAIL (with EDE @ede unless negative) for @q, for failures outside the engine. */
size_t res_write_servfail(const dns_msg_t *q, int ede, uint8_t *buf, size_t cap);
void res_client_free(res_client_t *c);

/* ---- introspection ---- */

typedef struct res_stats {
	uint64_t client_queries;     /* res_engine_resolve calls */
	uint64_t cache_answers;      /* answered by res_engine_answer_cached */
	uint64_t cache_misses;       /* res_engine_answer_cached returned false */
	uint64_t merged;             /* client queries joined to a fetch in flight */
	uint64_t upstream_queries;   /* queries handed to the caller */
	uint64_t upstream_tcp;
	uint64_t upstream_timeouts;
	uint64_t upstream_oversized; /* replies refused: an RRset or the message over the limits */
	uint64_t budget_exhausted;   /* fetches stopped by their budget or deadline */
	uint64_t aggressive;         /* negative answers synthesised from cached NSEC/NSEC3 (RFC 8198) */
	uint64_t prefetches;         /* background refreshes started by cache hits near expiry */
	uint64_t stale_answers;      /* expired data served because upstream failed (RFC 8767) */
	uint64_t clients_refused;    /* resolve calls refused: too many waiting (all or per client) */
	uint64_t val_secure, val_insecure, val_bogus;  /* validated client answers */
	uint64_t sig_verifications;  /* signature verifications of finished client queries */
	uint64_t answers_noerror, answers_nxdomain, answers_servfail;
	size_t fetches;              /* in flight now */
	size_t clients;              /* client queries waiting now */
	res_cache_stats_t cache;
} res_stats_t;
void res_engine_stats(const res_engine_t *e, res_stats_t *st);

#endif
