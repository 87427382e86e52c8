/*
 * solver.h - the decisions of dns-letsencrypt-secondary, sans-IO: which
 * CSRs in the followed zones to act on, CAA pre-flight (RFC 8659, RFC
 * 8657), the DNS-01 plan (TXT values grouped per name, CNAMEs at
 * _acme-challenge followed into zones we can update), the UPDATE
 * messages (challenge, cleanup by value, write-back, status), the
 * propagation rule, renewal times and the per-name backoff.
 *
 * Everything here reads zone snapshots (dns/zone.h) and builds or checks
 * DNS messages; no sockets, clocks or threads (the daemon, solver_*.c's
 * caller, does the I/O and passes the time in).  Record formats are
 * libdnscertify's (dns/certify_records.h).
 */
#ifndef ACME_SOLVER_H
#define ACME_SOLVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acme/acme.h"
#include "dns/certify_key.h"
#include "dns/certify_records.h"
#include "dns/error.h"
#include "dns/keys.h"
#include "dns/msg.h"
#include "dns/net.h"
#include "dns/zone.h"

#define LES_CHALLENGE_TTL 60        /* TTL of the _acme-challenge TXT records */
#define LES_CNAME_HOPS 8            /* CNAMEs followed from _acme-challenge */
#define LES_MSG_MAX 65535

/* ---- the zones this instance can update ---- */

typedef struct les_zone {
	const uint8_t *origin;     /* wire form */
	const dns_zone_t *zone;    /* current data; NULL before the first transfer */
} les_zone_t;

/* The zone holding @name (the longest origin it is in), or -1. */
int les_zone_for(const les_zone_t *zones, size_t n, const uint8_t *name);

/* ---- CSRs published in the zones ---- */

typedef enum les_csr_state {
	LES_CSR_ORDER,   /* no certificate matches it, or renewal is due: order */
	LES_CSR_VALID,   /* a matching certificate; renew at renew_at */
	LES_CSR_REJECT,  /* not acted on: error ("csr", "names") and detail say why */
} les_csr_state_t;

typedef struct les_csr {
	char host[DNS_CERTIFY_NAME_LEN];  /* lower case, no trailing dot */
	uint8_t owner[DNS_NAME_MAX];      /* _letsencrypt._tcp.<host> */
	size_t zone;                      /* index of the zone holding owner */
	uint8_t *der;                     /* the CSR as published */
	size_t der_len;
	dns_certify_names_t *names;       /* its names (when readable) */
	les_csr_state_t state;
	char error[16];
	char detail[256];
	uint8_t *cert_der;                /* the certificate matching it (renewals: ARI
	                                     and "replaces"), or NULL */
	size_t cert_len;
	int64_t not_before, not_after;    /* of that certificate (seconds) */
	int64_t renew_at;                 /* VALID, or ORDER for a renewal (seconds) */
	bool has_status;                  /* the status TXT now at owner */
	dns_certify_status_t status;
} les_csr_t;

void les_csr_clear(les_csr_t *c);

/*
 * The CSR RRsets of zone @zi at @now (seconds): one les_csr_t per owner
 * _letsencrypt._tcp.<host> whose TLSA RRset holds exactly one CSR record
 * (RRsets with several CSRs are skipped: certify replaces earlier ones).
 * A CSR that is not DER, whose signature does not verify, or that names
 * more than DNS_CERTIFY_NAMES_MAX names is REJECT "csr"; one naming
 * anything but <host> and names inside @zones (wildcards by their base)
 * or not naming <host> is REJECT "names".  *out is malloc'ed (free each
 * with les_csr_clear, then free()).  Errors: DNS_ENOMEM.
 */
dns_err_t les_scan_zone(const les_zone_t *zones, size_t n, size_t zi, int64_t now,
                        les_csr_t **out, size_t *nout);

/* The renewal point: a third of the lifetime before notAfter, half for
 * certificates of 10 days or less (seconds). */
int64_t les_renew_time(int64_t not_before, int64_t not_after);

/* ---- backoff ---- */

/* The wait after @failures consecutive failures of one name (>= 1):
 * 1 min, 10 min, 100 min, then daily (milliseconds). */
int64_t les_backoff_ms(unsigned failures);

/* When to try again after a failed order: the backoff, or the CA's
 * Retry-After (rateLimited and any other problem carrying one) when later. */
int64_t les_retry_at(int64_t now_ms, unsigned failures, const acme_problem_t *p);

/* ---- CAA pre-flight (RFC 8659 §3-4, RFC 8657) ---- */

typedef struct les_caa_ctx {
	const char *const *identities; /* the CA's issuer domain names */
	size_t n_identities;
	const char *account_uri;       /* NULL while unknown: accounturi not judged */
	const char *method;            /* "dns-01" */
} les_caa_ctx_t;

/*
 * Whether CAA in @zones lets the CA issue for @name ("*.x" for a
 * wildcard): the closest CAA RRset climbing from the name (RFC 8659
 * §3); names outside @zones count as having none.  false with @why set
 * when issuance would be refused.
 */
bool les_caa_permits(const les_zone_t *zones, size_t n, const char *name,
                     const les_caa_ctx_t *ctx, char *why, size_t whylen);

/* ---- DNS-01 ---- */

#define LES_GROUP_VALUES 8

/* The TXT values of one owner: one atomic UPDATE adds them, TTL 60. */
typedef struct les_txt_group {
	size_t zone;                   /* the zone updated */
	uint8_t owner[DNS_NAME_MAX];   /* after following CNAMEs */
	char values[LES_GROUP_VALUES][64];
	size_t n;
} les_txt_group_t;

/*
 * Group @txt (from ACME_ACT_PUBLISH) by owner, following a CNAME at each
 * _acme-challenge name (up to LES_CNAME_HOPS) into @zones.  *groups is
 * malloc'ed.  Errors: DNS_EDENIED (a name, or a CNAME target, outside
 * @zones; @err says which), DNS_ELIMIT (CNAME chain too long or too many
 * values), DNS_ESYNTAX, DNS_ENOMEM.
 */
dns_err_t les_plan_dns01(const les_zone_t *zones, size_t n, const acme_txt_t *txt,
                         size_t n_txt, les_txt_group_t **groups, size_t *ngroups, char *err,
                         size_t errlen);

/* ---- UPDATE messages ---- */

typedef struct les_update {
	dns_msg_builder_t b;
	const dns_tsig_key_t *key;
	uint8_t *buf;
	size_t cap;
} les_update_t;

/* Start an UPDATE of zone @origin in @buf, to be signed with @key. */
dns_err_t les_update_init(les_update_t *u, uint8_t *buf, size_t cap, const uint8_t *origin,
                          const dns_tsig_key_t *key, uint16_t id);
/* Add a record (class IN). */
dns_err_t les_update_add(les_update_t *u, const uint8_t *owner, uint16_t type, uint32_t ttl,
                         const uint8_t *rdata, size_t rdlen);
/* Delete one record by value (class NONE, RFC 2136 §2.5.4). */
dns_err_t les_update_del(les_update_t *u, const uint8_t *owner, uint16_t type,
                         const uint8_t *rdata, size_t rdlen);
/* Finish and TSIG-sign; *len the message, @mac/@maclen the request MAC. */
dns_err_t les_update_finish(les_update_t *u, uint64_t now_s, size_t *len, uint8_t *mac,
                            size_t *maclen);

/* The challenge TXT values of @g: added (TTL 60) or, for cleanup, each
 * deleted by value, leaving any other TXT at the name alone. */
dns_err_t les_update_challenge(les_update_t *u, const les_txt_group_t *g, bool add);

/*
 * The status TXT at @owner set to @st: the certify1 status records now in
 * @zone deleted by value, the new one added (TTL 3600).
 */
dns_err_t les_update_status(les_update_t *u, const dns_zone_t *zone, const uint8_t *owner,
                            const dns_certify_status_t *st);

/*
 * The write-back of a certificate at @owner: the end-entity (3 0 0) and
 * every CA certificate of @chain_pem (0 0 0) added, the certificate and
 * CA records of @zone at @owner that are not in the new chain deleted,
 * the CSR kept, the status set to valid.  Errors: DNS_ESYNTAX (no
 * certificate in @chain_pem), DNS_ESPACE.
 */
dns_err_t les_update_writeback(les_update_t *u, const dns_zone_t *zone, const uint8_t *owner,
                               const char *chain_pem, size_t chain_len, int64_t now);

/* ---- propagation ---- */

/*
 * The servers to check for zone @zi: the addresses of its NS names found
 * in @zones' data (A/AAAA, port @port), then @extra; with @only_extra just
 * @extra.  Returns how many were written to @out (at most @max).
 */
size_t les_ns_addrs(const les_zone_t *zones, size_t n, size_t zi, uint16_t port,
                    const dns_net_addr_t *extra, size_t n_extra, bool only_extra,
                    dns_net_addr_t *out, size_t max);

/* A query for @qname/@qtype (no RD) in @buf; returns its length, 0 on error. */
size_t les_query(uint8_t *buf, size_t cap, uint16_t id, const uint8_t *qname, uint16_t qtype);

/* An answer to an SOA query for @origin: its serial in *serial. */
bool les_answer_serial(const uint8_t *msg, size_t len, const uint8_t *origin, uint32_t *serial);

/* An answer to a TXT query for @owner holds every value of @g. */
bool les_answer_has_txt(const uint8_t *msg, size_t len, const les_txt_group_t *g);

#endif
