/*
 * answer.h - the authoritative answer function: a pure function from
 * (zones, request bytes, transport, client) to response bytes, following
 * RFC 1034 §4.3.2 step by step.  It allocates nothing per query.
 */
#ifndef DNS_ANSWER_H
#define DNS_ANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dns/cookie.h"
#include "dns/error.h"
#include "dns/zoneset.h"

typedef enum dns_transport {
	DNS_TRANSPORT_UDP,
	DNS_TRANSPORT_TCP,
} dns_transport_t;

typedef struct dns_answer_opts {
	uint16_t udp_max;            /* cap on UDP responses (0 means 1232) */
	const uint8_t *nsid;         /* NSID to send when asked (RFC 5001), or NULL */
	uint16_t nsid_len;
	const dns_cookie_secrets_t *cookies; /* server cookies (RFC 7873/9018), or NULL: none */
	uint32_t now;                /* seconds since the epoch (cookie timestamps) */
	uint16_t reserve;            /* bytes kept free at the end of the response, within the
	                                size limit, for a record the caller appends (the TSIG
	                                of a signed request): the answer is truncated as if
	                                the limit were that much smaller */
} dns_answer_opts_t;

/* What kind of response it was, as response rate limiting tells them
 * apart (dns/rrl.h). */
typedef enum dns_answer_kind {
	DNS_ANSWER_KIND_NONE = 0,    /* not made by dns_answer (the caller's own reply) */
	DNS_ANSWER_KIND_POSITIVE,    /* data for the name (CNAME and DNAME chains too) */
	DNS_ANSWER_KIND_WILDCARD,    /* data synthesized from a wildcard */
	DNS_ANSWER_KIND_NXDOMAIN,
	DNS_ANSWER_KIND_NODATA,
	DNS_ANSWER_KIND_REFERRAL,
	DNS_ANSWER_KIND_ERROR,       /* REFUSED, FORMERR, NOTIMP, BADVERS, BADCOOKIE... */
} dns_answer_kind_t;

/* What happened, for metrics, logs and rate limiting. */
typedef struct dns_answer_info {
	uint16_t qtype;
	uint16_t rcode;              /* the full (extended) rcode sent */
	bool truncated;
	const dns_zone_t *zone;      /* the zone that answered, or NULL */
	dns_answer_kind_t kind;
	/* The name the kind is about, in the zone's memory (valid while the
	 * zone lives): the owner of the data (POSITIVE), the wildcard
	 * (WILDCARD), the zone cut (REFERRAL), the zone (NXDOMAIN, NODATA,
	 * errors inside a zone); NULL for errors outside any zone. */
	const uint8_t *kind_name;
	dns_cookie_status_t cookie;  /* the request's COOKIE option (dns/cookie.h) */
	uint16_t opt_off;            /* offset of the response's OPT RR, 0 if none */
} dns_answer_info_t;

/*
 * Answer the standard query @req.  Writes the response into @resp (@cap
 * bytes; 65535 is always enough) and returns DNS_OK, or returns
 * DNS_EMALFORMED when the request must be dropped without an answer (too
 * short for a header, or a response).  @client may be NULL.  @info may be
 * NULL.  Opcodes other than QUERY get NOTIMP; AXFR/IXFR are the caller's
 * (they get REFUSED here).  @opts may be NULL (defaults: 1232, no NSID,
 * no cookies, nothing reserved).  With cookies set, a request with a
 * COOKIE option gets our server cookie back (dns/cookie.h), or BADCOOKIE
 * over UDP without a valid one when the secrets say cookies are required.
 */
dns_err_t dns_answer(const dns_zoneset_t *zones, const uint8_t *req, size_t reqlen,
                     dns_transport_t transport, const struct sockaddr *client,
                     const dns_answer_opts_t *opts, uint8_t *resp, size_t cap, size_t *resplen,
                     dns_answer_info_t *info);

/*
 * A hint before answering a batch of requests (a UDP receive batch):
 * warms the cache for the zone data their answers read first
 * (dns_zone_prefetch).  Requests are raw and untrusted; those that are
 * not a plain question are skipped.  Answers are the same without it.
 */
void dns_answer_prefetch(const dns_zoneset_t *zones, const uint8_t *const reqs[],
                         const size_t lens[], size_t n);

#endif
