/*
 * notify.h - DNS NOTIFY (RFC 1996), sans-IO.
 *
 * Three parts:
 *
 *  - building a NOTIFY request (opcode NOTIFY, AA, question <zone> SOA IN,
 *    optionally the zone's SOA in the answer section, RFC 1996 §3.7),
 *    TSIG-signed when a key is given;
 *  - for servers: checking an incoming NOTIFY request and building its
 *    NOERROR answer (the caller verifies TSIG and authority before, and
 *    signs the answer after);
 *  - for primaries: a retransmission scheduler.  It owns no socket and
 *    reads no clock: the caller adds (zone, serial, target), calls
 *    dns_notify_sched_tick() when dns_notify_sched_next_deadline() is
 *    reached (it hands the bytes to send to an emit callback), and passes
 *    every answer it receives to dns_notify_sched_response().
 *
 * Times in the scheduler are milliseconds since the epoch, wall clock
 * (TSIG signs now / 1000 seconds).  Functions return dns_err_t.
 *
 * Typical primary use:
 *
 *     dns_notify_sched_t *ns = dns_notify_sched_new(on_done, ctx);
 *     // on a serial change, for each secondary:
 *     dns_notify_sched_add(ns, zone, serial, dns_zone_soa(z), &target, key, now_ms);
 *     dns_notify_sched_tick(ns, now_ms, send_udp, ctx);
 *     arm a timer for dns_notify_sched_next_deadline(ns) - now_ms;
 *     // on a UDP answer from `from` (or on a kept TCP connection):
 *     dns_notify_sched_response(ns, &from, bytes, len, now_ms);
 *
 * The scheduler is not thread-safe: use it from one thread (the control
 * loop).
 */
#ifndef DNS_NOTIFY_H
#define DNS_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dns/error.h"
#include "dns/keys.h"
#include "dns/msg.h"
#include "dns/name.h"
#include "dns/rrset.h"

/* Header flags of a NOTIFY request: opcode 4, AA (RFC 1996 §3.1). */
#define DNS_NOTIFY_FLAGS 0x2400
/* Largest NOTIFY request we build: header, question, SOA (two names of
 * 255 bytes and 20 bytes of numbers) and the largest TSIG RR. */
#define DNS_NOTIFY_REQ_MAX 1400

/* ---- messages ---- */

/*
 * Build a NOTIFY request for @zone with message ID @id into @buf (@cap
 * bytes, DNS_NOTIFY_REQ_MAX is always enough), *len set to its length.
 * With @soa (may be NULL) its first record is put in the answer section,
 * owner @zone, class IN, TTL soa->ttl.  With @key the request is signed
 * at time @now_s (seconds since the epoch); the MAC is copied to @mac
 * (DNS_TSIG_MAC_MAX bytes; may be NULL) and its length to *mac_len (may
 * be NULL; set to 0 when unsigned), to verify the answer with
 * dns_tsig_verify_response().
 * Errors: DNS_EINVAL (bad zone or key, empty @soa), DNS_ESPACE.
 */
dns_err_t dns_notify_build_request(uint8_t *buf, size_t cap, size_t *len, uint16_t id,
                                   const uint8_t *zone, const dns_rrset_t *soa,
                                   const dns_tsig_key_t *key, uint64_t now_s, uint8_t *mac,
                                   size_t *mac_len);

/* What an incoming NOTIFY request says. */
typedef struct dns_notify_req {
	uint8_t zone[DNS_NAME_MAX]; /* the question name, case as received */
	bool has_serial;            /* an SOA for the zone was in the answer section */
	uint32_t serial;
} dns_notify_req_t;

/*
 * Check a parsed request (RFC 1996 §3): opcode NOTIFY, QR clear, exactly
 * one question, class IN.  The serial is taken from an SOA RR owned by
 * the zone in the answer section, when there is one (it is only a hint,
 * §3.11).  TSIG and authority are the caller's job.
 * Errors: DNS_EINVAL (not a NOTIFY request: opcode or QR; drop or answer
 * as the caller sees fit), DNS_EMALFORMED (answer FORMERR: question count
 * not 1, class not IN, malformed SOA), DNS_ENOTSUP (question type not SOA:
 * answer NOTIMP).
 */
dns_err_t dns_notify_parse_request(const dns_msg_t *m, dns_notify_req_t *out);

/*
 * Build the answer to request @req with rcode @rcode (NOERROR, or
 * FORMERR/NOTIMP/REFUSED/NOTAUTH): same ID, QR, opcode NOTIFY, AA, RD
 * copied, question echoed when the request had exactly one (nothing
 * else).  The caller signs it (dns_tsig_sign_response) when the request
 * was signed: leave dns_tsig_space() bytes in @cap.
 * Errors: DNS_ESPACE.
 */
dns_err_t dns_notify_build_response(const dns_msg_t *req, unsigned rcode, uint8_t *buf,
                                    size_t cap, size_t *len);

/*
 * Check that the parsed message @m answers the NOTIFY with ID @id for
 * @zone: QR set, opcode NOTIFY, same ID, and the question (when present)
 * is @zone SOA IN.  Its rcode is then dns_flags_rcode(m->flags).  TSIG is
 * not checked here.  Errors: DNS_EINVAL.
 */
dns_err_t dns_notify_check_response(const dns_msg_t *m, uint16_t id, const uint8_t *zone);

/* A random message ID (OpenSSL RAND_bytes). */
uint16_t dns_notify_random_id(void);

/* ---- retransmission scheduler (RFC 1996 §3.6, §4.8) ---- */

/* Transmissions per (zone, target) before giving up. */
#define DNS_NOTIFY_MAX_TRIES 10
/* Waits after each transmission: 1, 2, 4, 8, 16, 30 s, then 60 s
 * (about 5 minutes in all for DNS_NOTIFY_MAX_TRIES). */
#define DNS_NOTIFY_FIRST_WAIT_MS 1000
#define DNS_NOTIFY_MAX_WAIT_MS 60000
/* Pending entries at most (DNS_ELIMIT beyond). */
#define DNS_NOTIFY_MAX_PENDING 65536

/*
 * Where a NOTIFY goes.  @conn = 0: UDP to @addr.  Otherwise an opaque
 * non-zero connection id of the caller (e.g. a kept TCP connection of a
 * hidden secondary); @addr is then the peer's address, for logs.  Two
 * targets are the same when conn, family, address and port are equal.
 */
typedef struct dns_notify_target {
	struct sockaddr_storage addr;
	socklen_t addrlen;
	uint64_t conn;
} dns_notify_target_t;

/* Fill @t from a sockaddr (AF_INET/AF_INET6).  Errors: DNS_EINVAL. */
dns_err_t dns_notify_target_set(dns_notify_target_t *t, const struct sockaddr *sa,
                                socklen_t len, uint64_t conn);

/* "192.0.2.1#53" / "2001:db8::1#53" (NUL-terminated; 64 bytes is enough). */
void dns_notify_target_text(const dns_notify_target_t *t, char *out, size_t cap);

/* Send @len bytes of @msg to @t (the callback does the IO). */
typedef void (*dns_notify_emit_fn)(void *ctx, const dns_notify_target_t *t, const uint8_t *msg,
                                   size_t len);

typedef enum dns_notify_result {
	DNS_NOTIFY_ACKED = 0,  /* NOERROR answer (TSIG-verified when signed) */
	DNS_NOTIFY_REJECTED,   /* another rcode (NOTIMP, REFUSED, NOTAUTH...): not retried */
	DNS_NOTIFY_GAVE_UP,    /* no valid answer after DNS_NOTIFY_MAX_TRIES transmissions */
} dns_notify_result_t;

/* An entry ended (acked, rejected with @rcode, or given up), just
 * before it is removed.  May not call back into the scheduler. */
typedef void (*dns_notify_done_fn)(void *ctx, const uint8_t *zone, uint32_t serial,
                                   const dns_notify_target_t *t, dns_notify_result_t result,
                                   unsigned rcode);

typedef struct dns_notify_sched dns_notify_sched_t;

/* Counters since creation. */
typedef struct dns_notify_stats {
	uint64_t sent;          /* transmissions, retransmissions included */
	uint64_t acked;
	uint64_t rejected;
	uint64_t gave_up;
	uint64_t replaced;      /* pending entries replaced by a newer serial */
	uint64_t bad_responses; /* answers that matched no entry or failed TSIG */
} dns_notify_stats_t;

/* @done may be NULL.  NULL when out of memory. */
dns_notify_sched_t *dns_notify_sched_new(dns_notify_done_fn done, void *ctx);
void dns_notify_sched_free(dns_notify_sched_t *s);

/*
 * Queue a NOTIFY of @zone at @serial to @t, signed with a copy of @key
 * when not NULL, the first record of @soa (may be NULL) in the answer
 * section.  It is due at once (call tick).  A pending entry for the same
 * zone and target with an older serial is replaced (backoff restarts);
 * with the same or a newer serial it is kept and DNS_EEXIST returned.
 * Errors: DNS_EINVAL (zone, target, key), DNS_ELIMIT, DNS_ENOMEM, DNS_EEXIST.
 */
dns_err_t dns_notify_sched_add(dns_notify_sched_t *s, const uint8_t *zone, uint32_t serial,
                               const dns_rrset_t *soa, const dns_notify_target_t *t,
                               const dns_tsig_key_t *key, uint64_t now_ms);

/*
 * Send every entry that is due at @now_ms (fresh random ID and signature
 * for each transmission) through @emit, and give up (done callback) on
 * entries whose last transmission went unanswered.  Returns the number of
 * messages emitted.
 */
size_t dns_notify_sched_tick(dns_notify_sched_t *s, uint64_t now_ms, dns_notify_emit_fn emit,
                             void *ctx);

/*
 * An answer received from @from (same address and port, or same conn).
 * It must match a pending entry's target and one of the IDs it was sent
 * with, echo its question, and, when the entry is signed, carry a valid
 * TSIG for that transmission (otherwise it is ignored and the entry keeps
 * being retransmitted).  NOERROR removes the entry as acked; any other
 * rcode removes it as rejected.
 * Returns DNS_OK (an entry ended), DNS_ENOTFOUND (matched nothing),
 * DNS_EMALFORMED (unparsable), DNS_ETSIG (matched but TSIG failed).
 */
dns_err_t dns_notify_sched_response(dns_notify_sched_t *s, const dns_notify_target_t *from,
                                    const uint8_t *msg, size_t len, uint64_t now_ms);

/* Drop every pending entry whose target has connection id @conn (the
 * connection closed), without calling done.  Returns how many. */
size_t dns_notify_sched_drop_conn(dns_notify_sched_t *s, uint64_t conn);

/* Earliest time tick has work to do; UINT64_MAX when nothing is pending. */
uint64_t dns_notify_sched_next_deadline(const dns_notify_sched_t *s);

size_t dns_notify_sched_pending_count(const dns_notify_sched_t *s);

void dns_notify_sched_stats(const dns_notify_sched_t *s, dns_notify_stats_t *out);

#endif
