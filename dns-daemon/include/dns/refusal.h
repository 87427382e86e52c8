/*
 * refusal.h - why a daemon refused (or could not serve) a request: one
 * list of reasons for every daemon, so that the log line an operator acts
 * on and the counter dns_requests_refused_total{reason} say the same.
 *
 * The dispatchers (sans-IO) name the reason in their info; the daemons
 * log it with dns_refusal_log (rate-limited per reason and client
 * network) and count it (req_metrics.h).
 */
#ifndef DNS_DAEMON_REFUSAL_H
#define DNS_DAEMON_REFUSAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

typedef enum dns_refusal {
	DNS_REFUSAL_NONE = 0,
	DNS_REFUSAL_UNSIGNED,           /* UPDATE/NOTIFY/transfer needs a TSIG key: none */
	DNS_REFUSAL_BADSIG,             /* TSIG: wrong MAC (wrong secret) */
	DNS_REFUSAL_BADKEY,             /* TSIG: unknown key name or algorithm */
	DNS_REFUSAL_BADTIME,            /* TSIG: clock skew beyond the fudge */
	DNS_REFUSAL_BADTRUNC,           /* TSIG: MAC truncated too far */
	DNS_REFUSAL_TSIG,               /* TSIG: another error */
	DNS_REFUSAL_KEY_NOT_AUTHORIZED, /* a valid key without authority over that zone/op */
	DNS_REFUSAL_NOT_FROM_PRIMARY,   /* unsigned NOTIFY from another host than the primary */
	DNS_REFUSAL_ZONE_NOT_SERVED,    /* UPDATE/NOTIFY/transfer of a zone we do not serve */
	DNS_REFUSAL_ZONE_REMOVED,       /* transfer of a zone whose file was removed */
	DNS_REFUSAL_AXFR_OVER_UDP,      /* AXFR is TCP only */
	DNS_REFUSAL_NOT_AUTHORITATIVE,  /* a query for a name outside our zones */
	DNS_REFUSAL_NO_RECURSION,       /* resolver: RD clear and nothing cached */
	DNS_REFUSAL_NOT_IMPLEMENTED,    /* opcode we do not serve (NOTIMP) */
	DNS_REFUSAL_MALFORMED,          /* FORMERR */
	DNS_REFUSAL_BUSY,               /* too much waiting (update queue full) */
	DNS_REFUSAL_ACL,                /* client not allowed (resolver --allow) */
	DNS_REFUSAL_TSIG_REPLAY,        /* a signed request seen before (RFC 8945 §5.2.3) */
	DNS_REFUSAL_COUNT
} dns_refusal_t;

/* dns_refusal_event_t.rcode of a request dropped without an answer. */
#define DNS_REFUSAL_DROPPED 0xFFFFu

/* The label value: "unsigned", "badsig", ... ("" for NONE). */
const char *dns_refusal_name(dns_refusal_t r);

/* The refusal an answer's rcode stands for by itself (REFUSED: not our
 * zone, FORMERR, NOTIMP); NONE for the others. */
dns_refusal_t dns_refusal_of_rcode(unsigned rcode);

/* The refusal a TSIG error (the RR's error field) stands for. */
dns_refusal_t dns_refusal_of_tsig_error(unsigned tsig_error);

/* A client's network for rate limits: "192.0.2.0/24", "2001:db8:0:100::/56". */
void dns_client_net(const struct sockaddr *sa, char *out, size_t cap);

/* What a log line of a refused request says. */
typedef struct dns_refusal_event {
	dns_refusal_t reason;
	const struct sockaddr *peer;
	bool tcp;
	unsigned opcode;
	uint16_t qtype;          /* 0: none */
	const uint8_t *zone;     /* the question's name (the zone of UPDATE/NOTIFY); NULL: none */
	const uint8_t *key;      /* TSIG key name; NULL: unsigned */
	unsigned rcode;          /* what we answered (a TSIG failure: NOTAUTH), or
	                            DNS_REFUSAL_DROPPED: nothing */
	unsigned tsig_error;     /* 0: none */
} dns_refusal_event_t;

/*
 * Log msg="request refused" reason=... client=... net=... proto=...
 * opcode=... zone=... qtype=... key=... rcode=... tsig_error=..., limited
 * per (reason, client network) with dns_log_limited.  Level warn for
 * what an operator acts on (signatures, keys, zones, busy), info for the
 * background noise of the Internet (queries outside our zones, malformed,
 * unimplemented, ACL).
 */
void dns_refusal_log(const dns_refusal_event_t *ev);

/* The same, the opcode, question and TSIG key name read from the request
 * @req itself (what could be parsed of it). */
void dns_refusal_log_request(dns_refusal_t why, const struct sockaddr *peer, bool tcp,
                             const uint8_t *req, size_t len, unsigned rcode,
                             unsigned tsig_error);

#endif
