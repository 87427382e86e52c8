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
	const uint8_t *cookie_secret; /* 16-byte server secret for RFC 7873/9018 cookies, or NULL */
	uint32_t now;                /* seconds since the epoch (cookie timestamps) */
	uint16_t reserve;            /* bytes kept free at the end of the response, within the
	                                size limit, for a record the caller appends (the TSIG
	                                of a signed request): the answer is truncated as if
	                                the limit were that much smaller */
} dns_answer_opts_t;

/* What happened, for metrics and logs. */
typedef struct dns_answer_info {
	uint16_t qtype;
	uint16_t rcode;              /* the full (extended) rcode sent */
	bool truncated;
	const dns_zone_t *zone;      /* the zone that answered, or NULL */
} dns_answer_info_t;

/*
 * Answer the standard query @req.  Writes the response into @resp (@cap
 * bytes; 65535 is always enough) and returns DNS_OK, or returns
 * DNS_EMALFORMED when the request must be dropped without an answer (too
 * short for a header, or a response).  @client may be NULL.  @info may be
 * NULL.  Opcodes other than QUERY get NOTIMP; AXFR/IXFR are the caller's
 * (they get REFUSED here).  @opts may be NULL (defaults: 1232, no NSID,
 * no cookies, nothing reserved).
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
