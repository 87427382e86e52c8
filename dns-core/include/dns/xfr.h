/*
 * xfr.h - zone transfers, sans-IO: AXFR (RFC 5936) and IXFR (RFC 1995)
 * answers produced one message at a time, and a transfer client state
 * machine that consumes them.
 *
 * Server side (TCP):
 *
 *     dns_xfr_out_t *x;
 *     err = dns_xfr_out_axfr(zone, &req, tsig_ok ? &treq : NULL, now, &x);
 *     do {
 *             err = dns_xfr_out_next(x, buf, sizeof buf, &len, &done);
 *             ... send len bytes (with the TCP length prefix) ...
 *     } while (!err && !done);
 *     dns_xfr_out_free(x);
 *
 * Every message is signed with the RFC 8945 §5.3.1 stream signer when a
 * verified TSIG request state is given.  The zone(s) are referenced while
 * the generator lives, so the caller may drop its own references.
 *
 * Client side:
 *
 *     dns_xfr_in_t *x;
 *     err = dns_xfr_in_new(origin, current_zone_or_NULL, DNS_XFR_IXFR, key, id, &x);
 *     err = dns_xfr_in_request(x, buf, cap, &len, now);   ... send it ...
 *     for each message received:
 *             st = dns_xfr_in_feed(x, msg, len, now);
 *             DNS_XFR_NEED_MORE: read on; DNS_XFR_DONE: take the result;
 *             DNS_XFR_ERROR: dns_xfr_in_error(x) says why.
 *     connection closed before DONE: dns_xfr_in_abort(x).
 *     zone = dns_xfr_in_take_zone(x);
 *     dns_xfr_in_free(x);
 */
#ifndef DNS_XFR_H
#define DNS_XFR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/error.h"
#include "dns/keys.h"
#include "dns/msg.h"
#include "dns/tsig.h"
#include "dns/zone.h"

/* Largest DNS message over TCP. */
#define DNS_XFR_MSG_MAX 65535

/* ---- outgoing: answers to AXFR / IXFR requests ---- */

typedef struct dns_xfr_out dns_xfr_out_t;

/*
 * AXFR answer (RFC 5936 §2.2): SOA, every record of every node in
 * canonical order (RRsets in type order, the apex SOA skipped), SOA.
 * @req is the parsed request (its ID, question case, opcode and RD bit
 * are copied; it may be freed afterwards).  @tsig is the verified TSIG
 * request state (dns_tsig_verify_request returned DNS_OK), or NULL for
 * an unsigned answer.  @now is the signing time of every message (see
 * dns_xfr_out_set_time).  The question is in the first message only, AA
 * is set in every message.  Errors: DNS_EINVAL (zone without SOA, no
 * question), DNS_ENOMEM.  Memory: O(1), the zone is walked in place.
 * Also the AXFR-style answer to an IXFR request (RFC 1995 §4): pass the
 * IXFR request, the question is echoed as asked.
 */
dns_err_t dns_xfr_out_axfr(const dns_zone_t *zone, const dns_msg_t *req,
                           const dns_tsig_req_t *tsig, uint64_t now, dns_xfr_out_t **out);

/*
 * IXFR answer (RFC 1995 §4), one condensed difference: new SOA, old
 * SOA, records removed, new SOA, records added, new SOA.  When the
 * client's serial (the SOA in the request's authority section) is equal
 * to or newer than @new_'s (RFC 1982), the answer is a single message
 * with just the current SOA, and @old may be NULL.  The caller decides
 * when the difference cannot be provided (unknown serial) and uses
 * dns_xfr_out_axfr instead.  @old must be the client's version (its
 * serial) and have @new_'s origin and class.  Errors: DNS_EINVAL (no
 * SOA, no question, origins differ, @old NULL or of another serial while
 * the client is behind), DNS_EMALFORMED (no SOA in the
 * request's authority section), DNS_ENOMEM.  Memory: O(size of the
 * difference).
 */
dns_err_t dns_xfr_out_ixfr(const dns_zone_t *old, const dns_zone_t *new_, const dns_msg_t *req,
                           const dns_tsig_req_t *tsig, uint64_t now, dns_xfr_out_t **out);

/* A single-message answer holding only the current SOA of @zone (IXFR
 * of an up-to-date client, RFC 1995 §2 UDP fallback). */
dns_err_t dns_xfr_out_soa_only(const dns_zone_t *zone, const dns_msg_t *req,
                               const dns_tsig_req_t *tsig, uint64_t now, dns_xfr_out_t **out);

/* Messages are at most this long (default DNS_XFR_MSG_MAX; clamped to
 * [512, 65535]); TSIG space is taken from it.  Call before the first
 * dns_xfr_out_next. */
void dns_xfr_out_set_limit(dns_xfr_out_t *x, size_t limit);

/* Signing time of the following messages (a long transfer may advance
 * it between messages). */
void dns_xfr_out_set_time(dns_xfr_out_t *x, uint64_t now);

/*
 * Produce the next message into @buf (@cap bytes, the limit is also
 * capped by @cap) and its length in *len; *done becomes true with the
 * last message.  Errors: DNS_ESPACE (@cap cannot hold one RRset plus
 * TSIG: a record over the limit), DNS_EINVAL (called after done),
 * DNS_ENOMEM.  After an error the generator can only be freed.
 */
dns_err_t dns_xfr_out_next(dns_xfr_out_t *x, uint8_t *buf, size_t cap, size_t *len, bool *done);

/* Records sent so far (SOA copies included), for logs and metrics. */
size_t dns_xfr_out_records(const dns_xfr_out_t *x);

void dns_xfr_out_free(dns_xfr_out_t *x);

/*
 * The client's serial from an IXFR request: the SOA in its authority
 * section (RFC 1995 §3).  Errors: DNS_ENOTFOUND (no SOA there),
 * DNS_EMALFORMED (SOA rdata too short).
 */
dns_err_t dns_xfr_request_serial(const dns_msg_t *req, uint32_t *serial);

/*
 * IXFR over UDP (RFC 1995 §2): the whole answer (condensed difference,
 * as dns_xfr_out_ixfr) in one message of at most @udp_size bytes if it
 * fits, else a message with only the current SOA (the client then asks
 * over TCP).  An up-to-date client, or @old NULL, gets the single SOA
 * as well.  Signed with dns_tsig_sign_response when @tsig is given.
 * Errors: DNS_EINVAL, DNS_EMALFORMED (request without SOA), DNS_ESPACE
 * (not even the SOA fits), DNS_ENOMEM.
 */
dns_err_t dns_xfr_ixfr_udp(const dns_zone_t *old, const dns_zone_t *new_, const dns_msg_t *req,
                           const dns_tsig_req_t *tsig, uint64_t now, uint8_t *buf,
                           size_t cap, size_t udp_size, size_t *len);

/* ---- incoming: the transfer client ---- */

typedef enum dns_xfr_kind {
	DNS_XFR_AXFR = 0,
	DNS_XFR_IXFR = 1,
} dns_xfr_kind_t;

typedef enum dns_xfr_status {
	DNS_XFR_NEED_MORE = 0, /* feed the next message */
	DNS_XFR_DONE = 1,      /* complete: take the result */
	DNS_XFR_ERROR = 2,     /* failed: see dns_xfr_in_error / dns_xfr_in_err */
} dns_xfr_status_t;

/* What a completed transfer produced. */
typedef enum dns_xfr_result {
	DNS_XFR_RESULT_NONE = 0,     /* not done */
	DNS_XFR_RESULT_FULL,         /* a whole zone (AXFR, or AXFR-style IXFR answer) */
	DNS_XFR_RESULT_INCREMENTAL,  /* IXFR deltas applied to the current zone */
	DNS_XFR_RESULT_UPTODATE,     /* single SOA not newer than ours: nothing to do */
} dns_xfr_result_t;

typedef struct dns_xfr_in dns_xfr_in_t;

/* Default limits (dns_xfr_in_set_limits). */
#define DNS_XFR_IN_MAX_RECORDS 20000000u
#define DNS_XFR_IN_MAX_BYTES   ((size_t)4 << 30)
/* Each IXFR delta rebuilds the zone once: more deltas than this in one
 * answer is an error (the caller then asks for AXFR). */
#define DNS_XFR_IN_MAX_DELTAS  1000u

/*
 * A client for the transfer of zone @origin (class IN, or @current's
 * class).  @current is our current version (referenced while the client
 * lives), or NULL when we have none; an IXFR without @current is asked
 * as AXFR.  @key (copied) signs the request and verifies the answer, or
 * NULL.  @id is the request ID.  Errors: DNS_EINVAL, DNS_ENOMEM.
 */
dns_err_t dns_xfr_in_new(const uint8_t *origin, const dns_zone_t *current, dns_xfr_kind_t kind,
                         const dns_tsig_key_t *key, uint16_t id, dns_xfr_in_t **out);

/* Bound the transfer: at most @max_records records and @max_bytes message
 * bytes in all (0 keeps the default). */
void dns_xfr_in_set_limits(dns_xfr_in_t *x, size_t max_records, size_t max_bytes);

/*
 * Build the request: question (origin, AXFR or IXFR, class), for IXFR
 * our SOA in the authority section (RFC 1995 §3), TSIG-signed with the
 * key (its MAC is kept to verify the answer).  Call once, before feeding.
 * Errors: DNS_ESPACE, DNS_EINVAL.
 */
dns_err_t dns_xfr_in_request(dns_xfr_in_t *x, uint8_t *buf, size_t cap, size_t *len,
                             uint64_t now);

/* Use a request built by the caller instead: its ID and, when signed,
 * its MAC (@mac_len 0 for an unsigned request). */
dns_err_t dns_xfr_in_set_request_mac(dns_xfr_in_t *x, const uint8_t *mac, size_t mac_len);

/*
 * One received message (without the TCP length prefix).  Checks: ID and
 * question, QR set, opcode QUERY, rcode NOERROR, TSIG (stream verifier,
 * last message signed), records of the zone's class inside the zone, SOA
 * first, record and byte limits.  Once DONE or ERROR, further calls
 * return the same status without looking at the message.  Over UDP, an
 * IXFR answer that is a lone SOA newer than ours gives NEED_MORE: the
 * server could not fit the difference, ask again over TCP (RFC 1995 §2).
 */
dns_xfr_status_t dns_xfr_in_feed(dns_xfr_in_t *x, const uint8_t *msg, size_t len, uint64_t now);

/* The connection ended: an unfinished transfer becomes an ERROR
 * ("transfer ended before the final SOA"); returns the status. */
dns_xfr_status_t dns_xfr_in_abort(dns_xfr_in_t *x);

dns_xfr_status_t dns_xfr_in_status(const dns_xfr_in_t *x);

/* After ERROR: a short description (static or held by @x), the error
 * code (DNS_ETSIG, DNS_EZONE, DNS_EMALFORMED, DNS_EDENIED for an rcode,
 * DNS_ELIMIT...), the rcode the server answered (0 if none) and the
 * TSIG error (0 if none). */
const char *dns_xfr_in_error(const dns_xfr_in_t *x);
dns_err_t dns_xfr_in_err(const dns_xfr_in_t *x);
unsigned dns_xfr_in_rcode(const dns_xfr_in_t *x);
unsigned dns_xfr_in_tsig_error(const dns_xfr_in_t *x);

/* After DONE. */
dns_xfr_result_t dns_xfr_in_result(const dns_xfr_in_t *x);
uint32_t dns_xfr_in_serial(const dns_xfr_in_t *x);     /* serial of the server's zone */
size_t dns_xfr_in_records(const dns_xfr_in_t *x);     /* records received */

/* The new zone (FULL or INCREMENTAL; for UPTODATE a new reference to
 * @current, or NULL without it); the caller owns the reference.  Returns
 * NULL before DONE or when taken already. */
dns_zone_t *dns_xfr_in_take_zone(dns_xfr_in_t *x);

void dns_xfr_in_free(dns_xfr_in_t *x);

#endif
