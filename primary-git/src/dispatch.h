/*
 * dispatch.h - the request handling of dns-primary-git, sans-IO.
 *
 * pg_dispatch() is a function of (view of the served data, now, peer,
 * transport, request bytes): it writes the reply bytes and says what the
 * daemon must do next (an action).  It does no IO, reads no clock and
 * takes no lock, so the tests drive it with in-memory zones and keys.
 *
 *   QUERY          dns_answer(), TSIG-signed when the query was signed;
 *                  a signed SOA query over TCP with a transfer-capable key
 *                  registers a hidden secondary (PG_ACT_KEEP).
 *   QUERY AXFR/IXFR  authorised by a transfer (or update) key, or by
 *                  allow_axfr: TCP gets a stream (PG_ACT_STREAM), UDP IXFR
 *                  one message (RFC 1995 §2); otherwise REFUSED.  A zone
 *                  whose file was removed (the view's @removed): NOTAUTH
 *                  to an authorised requester (RFC 5936 §2.2.1: "not
 *                  authoritative for the queried zone"), and a signed SOA
 *                  query for it with a transfer-capable key (a secondary
 *                  checking its serial) too; info->removed_zone is set so
 *                  the daemon can tell the operator.
 *   NOTIFY         signed with a key with notify authority over the zone:
 *                  NOERROR at once and PG_ACT_RELOAD; unsigned or
 *                  unauthorised: REFUSED.
 *   UPDATE         signed with a key with update authority over a zone
 *                  we serve: no reply now, PG_ACT_UPDATE (the writer
 *                  applies it and answers with pg_update_reply once the
 *                  change is pushed); unsigned or unauthorised: REFUSED;
 *                  a zone we do not serve: NOTAUTH; a zone section that
 *                  is not one SOA question: FORMERR.
 *   TSIG failures  NOTAUTH with the TSIG error (RFC 8945 §5.2).
 *
 * Every refusal (and FORMERR, NOTIMP) names its reason in info->refusal,
 * which the daemon logs and counts (dns-daemon's refusal.h).
 */
#ifndef PG_DISPATCH_H
#define PG_DISPATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dns/answer.h"
#include "dns/refusal.h"
#include "dns/keys.h"
#include "dns/tsig.h"
#include "dns/xfr.h"
#include "dns/zoneset.h"

/*
 * An older version of @zone with serial @serial (a new reference), or
 * NULL when unknown: the IXFR history.  May block (reads git).
 */
typedef dns_zone_t *(*pg_old_zone_fn)(void *ctx, const dns_zone_t *zone, uint32_t serial);

/* What the dispatcher may read: one published snapshot plus settings. */
typedef struct pg_view {
	const dns_zoneset_t *zones;
	const dns_keystore_t *keys;
	bool allow_axfr;             /* --axfr */
	const uint8_t *nsid;
	uint16_t nsid_len;
	pg_old_zone_fn old_zone;     /* may be NULL: IXFR falls back to AXFR */
	void *old_zone_ctx;
	const uint8_t (*removed)[DNS_NAME_MAX]; /* zones whose file was removed */
	size_t nremoved;
	const dns_cookie_secrets_t *cookies;  /* server cookies (dns/cookie.h), or NULL */
} pg_view_t;

typedef enum pg_action_kind {
	PG_ACT_NONE = 0,
	PG_ACT_RELOAD,   /* fetch and reload (an authorised NOTIFY for zone) */
	PG_ACT_STREAM,   /* send the messages of xfr after the reply (TCP) */
	PG_ACT_KEEP,     /* keep the connection: a hidden secondary of zone */
	PG_ACT_UPDATE,   /* a verified UPDATE of zone by key: queue it, answer later */
} pg_action_kind_t;

typedef enum pg_xfr_kind {
	PG_XFR_AXFR = 0,
	PG_XFR_IXFR,         /* incremental, or just the SOA of an up-to-date client */
	PG_XFR_IXFR_AXFR,    /* IXFR answered with the whole zone (unknown serial) */
} pg_xfr_kind_t;

typedef struct pg_action {
	pg_action_kind_t kind;
	uint8_t zone[DNS_NAME_MAX];   /* the zone concerned (RELOAD, STREAM, KEEP, UDP IXFR) */
	dns_xfr_out_t *xfr;           /* STREAM: the generator; the daemon frees it */
	pg_xfr_kind_t xfr_kind;       /* STREAM, and UDP IXFR answers */
	dns_tsig_key_t key;           /* KEEP, UPDATE: the key (a copy) */
	bool has_key;
	bool signed_;                 /* the request's TSIG verified: treq is set */
	dns_tsig_req_t treq;          /* its TSIG (for the replay check; UPDATE: to sign
	                               * the answer: treq.key points into the view's
	                               * store, re-point it at a copy) */
} pg_action_t;

/* For metrics and logs. */
typedef struct pg_dispatch_info {
	bool dropped;        /* no reply at all */
	unsigned opcode;
	uint16_t qtype;
	uint16_t rcode;      /* extended rcode sent (TSIG errors: NOTAUTH) */
	uint16_t tsig_error; /* 0 unless the TSIG check failed */
	bool is_xfr;         /* an AXFR/IXFR request answered with data */
	bool removed_zone;   /* answered NOTAUTH: a secondary asked for a removed
	                      * zone (act->zone names it) */
	dns_answer_info_t answer;  /* a reply made by dns_answer; kind NONE otherwise
	                            * (rate limiting reads it, dns/rrl.h) */
	dns_refusal_t refusal; /* why the request was refused (NONE: it was not) */
} pg_dispatch_info_t;

/*
 * Handle one request.  @resp has @cap bytes (65535 is enough); *resplen
 * is 0 when nothing is to be sent.  @now is seconds since the epoch.
 * @act is always set (PG_ACT_NONE by default); @info may be NULL.
 */
void pg_dispatch(const pg_view_t *v, uint64_t now, const struct sockaddr *peer,
                 dns_transport_t transport, const uint8_t *req, size_t len, uint8_t *resp,
                 size_t cap, size_t *resplen, pg_action_t *act, pg_dispatch_info_t *info);

/*
 * The answer to an UPDATE (RFC 2136 §3.8): the header and zone section
 * echoed with @rcode, signed for @treq (NULL: unsigned).  *resplen is 0
 * when the request cannot be parsed or the answer not built.
 */
void pg_update_reply(const uint8_t *req, size_t len, const dns_tsig_req_t *treq, unsigned rcode,
                     uint64_t now, uint8_t *resp, size_t cap, size_t *resplen);

#endif
