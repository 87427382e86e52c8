/*
 * dispatch.h - request handling of dns-secondary, sans-IO: a function of
 * (published view, now, peer, transport, request bytes) that writes the
 * reply and says what the daemon must do next.
 *
 *   QUERY        dns_answer() over the zones being served (TSIG-signed when
 *                the query was); a name in a configured zone that has no
 *                data or has expired: SERVFAIL (question copied, no AA).
 *   AXFR/IXFR    to a peer whose TSIG key has transfer authority over the
 *                zone (chains of secondaries): the whole zone over TCP
 *                (an IXFR gets the AXFR-style answer, RFC 1995 §4); UDP
 *                IXFR gets our SOA.  Unsigned or unauthorised: REFUSED.
 *   NOTIFY       for a configured zone, signed with the zone's key when it
 *                has one, else from the primary's address: NOERROR (signed
 *                when the request was) and SEC_DACT_NOTIFY; else REFUSED.
 *   UPDATE etc.  NOTIMP.
 *   TSIG errors  NOTAUTH with the TSIG error (RFC 8945 §5.2).
 *
 * Every refusal (and FORMERR, NOTIMP) names its reason in info->refusal,
 * which the daemon logs and counts (dns-daemon's refusal.h).
 */
#ifndef SEC_DISPATCH_H
#define SEC_DISPATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dns/answer.h"
#include "dns/cookie.h"
#include "dns/keys.h"
#include "dns/xfr.h"
#include "dns/zoneset.h"

#include "dns/refusal.h"

#include "config.h"

typedef struct sec_view {
	const dns_zoneset_t *zones;      /* zones answered from their data */
	const uint8_t *const *down;      /* configured zones answered SERVFAIL */
	size_t ndown;
	const dns_keystore_t *keys;      /* every configured key */
	const sec_zone_conf_t *confs;    /* the configured zones */
	size_t nconfs;
	const dns_cookie_secrets_t *cookies;  /* server cookies, or NULL */
} sec_view_t;

typedef enum sec_dact {
	SEC_DACT_NONE = 0,
	SEC_DACT_NOTIFY,   /* zone_index got an accepted NOTIFY */
	SEC_DACT_STREAM,   /* send the messages of xfr after the reply (TCP) */
} sec_dact_t;

typedef struct sec_daction {
	sec_dact_t kind;
	size_t zone_index;      /* NOTIFY, STREAM: the configured zone */
	bool has_serial;        /* NOTIFY: the serial it announced (a hint) */
	uint32_t serial;
	dns_xfr_out_t *xfr;     /* STREAM: the daemon owns it */
	bool signed_;           /* the request's TSIG verified: treq is set */
	dns_tsig_req_t treq;    /* (for the replay check) */
} sec_daction_t;

typedef struct sec_dinfo {
	unsigned opcode;
	uint16_t qtype;
	uint16_t rcode;
	uint16_t tsig_error;      /* 0 unless the TSIG check failed */
	bool dropped;
	bool is_xfr;                /* a transfer answered with data */
	dns_answer_info_t answer;   /* a reply made by dns_answer; kind NONE otherwise */
	dns_refusal_t refusal;      /* why it was refused (NONE: it was not) */
} sec_dinfo_t;

void sec_dispatch(const sec_view_t *v, uint64_t now, const struct sockaddr *peer,
                  dns_transport_t transport, const uint8_t *req, size_t len, uint8_t *resp,
                  size_t cap, size_t *resplen, sec_daction_t *act, sec_dinfo_t *info);

/* Same IP address (port ignored). */
bool sec_same_host(const struct sockaddr *a, const struct sockaddr *b);

#endif
