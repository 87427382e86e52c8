/*
 * infra.h - the resolver's infrastructure cache: what it has learnt about
 * each authoritative server address (smoothed RTT and its variance as in
 * RFC 6298, whether it handles EDNS, timeouts and the back-off they earn)
 * and which (server, zone) pairs were lame.  Bounded: the oldest entries
 * are dropped first.  Sans-IO, not thread-safe.
 */
#ifndef RESOLVER_INFRA_H
#define RESOLVER_INFRA_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

typedef struct res_infra res_infra_t;

/* What the resolver knows about one server address. */
typedef struct res_server_info {
	uint32_t srtt_ms;        /* 0: never measured */
	uint32_t rttvar_ms;
	uint32_t timeouts;       /* consecutive */
	uint64_t backoff_until;  /* ms: don't use before this, unless nothing else is left */
	bool no_edns;            /* answered FORMERR/NOTIMP to EDNS */
} res_server_info_t;

res_infra_t *res_infra_new(size_t max_entries);
void res_infra_free(res_infra_t *in);

/* The info for @sa (zeroes if unknown). */
void res_infra_get(res_infra_t *in, const struct sockaddr *sa, res_server_info_t *out);

/* Retransmission timeout to use for @sa (ms): srtt + 4 * rttvar, bounded. */
uint32_t res_infra_rto(res_infra_t *in, const struct sockaddr *sa);

/* A (matching) answer came after @rtt_ms. */
void res_infra_rtt(res_infra_t *in, uint64_t now, const struct sockaddr *sa, uint32_t rtt_ms);

/* No answer within the timeout, or the server is unreachable. */
void res_infra_timeout(res_infra_t *in, uint64_t now, const struct sockaddr *sa,
                       bool unreachable);

void res_infra_set_no_edns(res_infra_t *in, uint64_t now, const struct sockaddr *sa);

/* (@sa, @zone) is lame for @ttl_s seconds (REFUSED, upward referral...). */
void res_infra_set_lame(res_infra_t *in, uint64_t now, const struct sockaddr *sa,
                        const uint8_t *zone, uint32_t ttl_s);
bool res_infra_is_lame(res_infra_t *in, uint64_t now, const struct sockaddr *sa,
                       const uint8_t *zone);

/* Address equality (family, address, port). */
bool res_addr_equal(const struct sockaddr *a, const struct sockaddr *b);

#endif
