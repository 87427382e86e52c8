/*
 * rrl.h - response rate limiting (RRL), sans-IO, in the manner of BIND's
 * rate-limit and Knot's mod-rrl: a server answering UDP queries whose
 * source address may be forged must not become an amplifier aimed at
 * that address.
 *
 * Each UDP response is counted in a token bucket keyed by
 *   the client's network (/24 for IPv4, /56 for IPv6),
 *   the kind of response (dns_answer_kind_t: positive answer, wildcard,
 *   NXDOMAIN, NODATA, referral, error...; ANY answers apart), and
 *   the name it is about (the owner of the data, the wildcard, the cut;
 *   the zone for NXDOMAIN, NODATA and errors, so random names under one
 *   zone share one bucket).
 * A bucket holds one second of responses (RATE) and refills at RATE per
 * second.  A response finding its bucket empty is limited: every SLIP-th
 * one goes out "slipped" (dns_rrl_slip: header and question only, TC=1,
 * so a real client retries over TCP, which is never limited; a client
 * that sent a DNS cookie without a valid server cookie gets BADCOOKIE
 * with a fresh one instead, RFC 7873 §5.2.3, and then passes), the others
 * are dropped.
 *
 * Not limited at all: requests with a valid server cookie (the client has
 * shown it receives our answers at its address, RFC 7873 §5.2.5), and
 * clients in the exempt list.  TCP and TSIG-signed requests are the
 * caller's to leave out (the daemons never ask for them).
 *
 * The table is fixed at creation (8 bytes a bucket, in sets of 8 sharing
 * a cache line): a new key takes over the least used bucket of its set,
 * which loses nothing when that bucket was full.  Every bucket is one
 * 64-bit word updated by compare-and-swap, so any number of threads may
 * call dns_rrl_check at once without a lock (the workers of an
 * SO_REUSEPORT server see one client on several threads when it uses
 * several source ports); under heavy contention on one bucket a response
 * passes rather than waiting.  Time is a parameter (milliseconds, any
 * monotonic origin).
 */
#ifndef DNS_RRL_H
#define DNS_RRL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dns/answer.h"
#include "dns/error.h"

#define DNS_RRL_RATE_MAX 16383
#define DNS_RRL_SLIP_MAX 100
#define DNS_RRL_TABLE_DEFAULT 262144   /* buckets: 2 MiB */
#define DNS_RRL_TABLE_MIN 64
#define DNS_RRL_TABLE_MAX (1u << 26)

/* A network in the exempt list. */
typedef struct dns_rrl_prefix {
	int family;          /* AF_INET or AF_INET6 */
	unsigned bits;
	uint8_t addr[16];
} dns_rrl_prefix_t;

typedef struct dns_rrl_config {
	uint32_t rate;         /* responses per second per bucket, 1..DNS_RRL_RATE_MAX */
	unsigned slip;         /* every slip-th limited response slips; 0: all dropped */
	size_t table_size;     /* buckets (rounded up to a multiple of 8); 0: default */
	unsigned workers;      /* statistics slots (callers pass worker < workers); 0: 1 */
	uint64_t seed;         /* keys the bucket hash: random per start */
	const dns_rrl_prefix_t *exempt;  /* copied */
	size_t nexempt;
} dns_rrl_config_t;

typedef struct dns_rrl dns_rrl_t;

typedef enum dns_rrl_action {
	DNS_RRL_PASS = 0,   /* send the response */
	DNS_RRL_DROP,       /* send nothing */
	DNS_RRL_SLIP,       /* send dns_rrl_slip() of it */
} dns_rrl_action_t;

typedef struct dns_rrl_stats {
	uint64_t dropped;   /* limited and not sent */
	uint64_t slipped;   /* limited and sent truncated (or BADCOOKIE) */
	uint64_t exempt;    /* over the rate but exempt (the exempt list) */
} dns_rrl_stats_t;

/* DNS_EINVAL for a rate, slip or table size out of range. */
dns_err_t dns_rrl_new(const dns_rrl_config_t *cfg, dns_rrl_t **out);
void dns_rrl_free(dns_rrl_t *r);

/*
 * The fate of one UDP response to @client described by @ai (what
 * dns_answer reported; for a reply of the caller's own, zero it and set
 * rcode: kind NONE).  @worker selects the statistics slot.
 */
dns_rrl_action_t dns_rrl_check(dns_rrl_t *r, unsigned worker, uint64_t now_ms,
                               const struct sockaddr *client, const dns_answer_info_t *ai);

/*
 * Rewrite the response in @resp (*@len bytes, made by dns_answer or a
 * caller's reply with ai->opt_off 0) into a slip, in place: the header
 * and question with no records, TC=1; when the request had a client
 * cookie and no valid server cookie, BADCOOKIE (extended rcode 23) with
 * the response's OPT, which carries a fresh server cookie, instead.
 */
void dns_rrl_slip(uint8_t *resp, size_t *len, const dns_answer_info_t *ai);

/* dns_rrl_check, then drop (*@len = 0) or slip the response. */
dns_rrl_action_t dns_rrl_apply(dns_rrl_t *r, unsigned worker, uint64_t now_ms,
                               const struct sockaddr *client, const dns_answer_info_t *ai,
                               uint8_t *resp, size_t *len);

/* Totals over every worker (each counter read atomically). */
void dns_rrl_stats(const dns_rrl_t *r, dns_rrl_stats_t *out);

/* "192.0.2.0/24", "2001:db8::/48", or an address alone (all its bits). */
dns_err_t dns_rrl_prefix_parse(const char *text, dns_rrl_prefix_t *out);

#endif
