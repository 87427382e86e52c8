/*
 * certify_flow.h - getting a certificate through DNS, as a sans-IO state
 * machine: it is given the time and the server's answers, and says what
 * to do next (send this message to the server over TCP, wait until T,
 * done, failed).  No sockets, clocks or threads inside: the blocking
 * adapter (dns/certify.h) and the tests drive it.
 *
 * The steps, every one bounded by the deadline:
 *
 *   1. (only if the zone is not known from the key name) ask the SOA of
 *      _letsencrypt._tcp.<host> to learn the zone;
 *   2. ask the TLSA RRset at _letsencrypt._tcp.<host> (TSIG-signed: the
 *      answer is authenticated); a certificate that matches
 *      (dns/certify_records.h) ends the flow: DONE;
 *   3. ask the TXT RRset there: the solver's status;
 *   4. unless our CSR is already the one published, send a TSIG-signed
 *      UPDATE that deletes every other 3 255 0 record at the name (each
 *      one by its rdata: nothing else there is touched) and adds ours,
 *      TTL 3600;
 *   5. wait (0.25 s, doubling to at most 30 s) and go back to 2.
 *
 * A failed status whose retry time lies beyond the deadline (or that
 * has none) ends the wait at once, unless it is the very status that was
 * there before we published a new CSR (then it is about the old one).
 * With @force, certificates present at the start do not count, and an
 * identical CSR already published is removed and added again (two
 * updates) so that the solver sees a new request.
 *
 * Network failures (no answer, connection refused or lost) and SERVFAIL
 * are retried with the same backoff until the deadline.
 */
#ifndef DNS_CERTIFY_FLOW_H
#define DNS_CERTIFY_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "dns/certify_key.h"
#include "dns/certify_records.h"
#include "dns/error.h"
#include "dns/keys.h"

/* How a fetch ended (also the basis of ocertify's exit codes). */
typedef enum dns_certify_result {
	DNS_CERTIFY_OK = 0,
	DNS_CERTIFY_E_USAGE,        /* invalid options */
	DNS_CERTIFY_E_REFUSED,      /* the server refused the update: the key lacks authority */
	DNS_CERTIFY_E_TSIG,         /* the server rejected our TSIG (wrong secret, unknown key,
	                               clock), or its answers were not correctly signed */
	DNS_CERTIFY_E_DEADLINE,     /* no matching certificate before the deadline */
	DNS_CERTIFY_E_SOLVER,       /* the solver reported a failure */
	DNS_CERTIFY_E_UNREACHABLE,  /* the server never answered */
	DNS_CERTIFY_E_SERVER,       /* the server answered with an error we cannot fix by waiting */
	DNS_CERTIFY_E_LOCAL,        /* local failure: memory, files, crypto */
} dns_certify_result_t;

const char *dns_certify_result_text(dns_certify_result_t r);

typedef enum dns_certify_act {
	DNS_CERTIFY_ACT_SEND,    /* send msg/len over TCP within timeout_ms; then _answer or _net_error */
	DNS_CERTIFY_ACT_WAIT,    /* call _tick at until_ms */
	DNS_CERTIFY_ACT_DONE,    /* dns_certify_flow_chain() holds the certificate chain */
	DNS_CERTIFY_ACT_FAILED,  /* result and message say why */
} dns_certify_act_t;

typedef struct dns_certify_action {
	dns_certify_act_t kind;
	const uint8_t *msg;      /* SEND: valid until the next call into the flow */
	size_t len;
	uint32_t timeout_ms;     /* SEND */
	uint64_t until_ms;       /* WAIT */
	dns_certify_result_t result;  /* FAILED */
	const char *message;     /* FAILED: why (valid until the flow is freed) */
} dns_certify_action_t;

/* Progress for people ("status: pending", "published the CSR"). */
typedef void (*dns_certify_log_fn)(void *ctx, const char *line);

typedef struct dns_certify_flow_config {
	const dns_tsig_key_t *key;     /* copied */
	const uint8_t *zone;           /* wire name; NULL: from the key name, else by SOA query */
	const char *host;
	const dns_certify_names_t *names;  /* names[0] is the host */
	const uint8_t *spki;           /* our public key, DER SubjectPublicKeyInfo (copied) */
	size_t spki_len;
	const uint8_t *csr;            /* our CSR, DER (copied) */
	size_t csr_len;
	int64_t renew_before;          /* seconds; < 0: a third of the lifetime */
	X509_STORE *anchors;           /* may be NULL; must outlive the flow */
	bool force;
	uint64_t deadline_ms;          /* same clock as the now_ms given */
	uint32_t step_timeout_ms;      /* per network step; 0: 10000 */
	dns_certify_log_fn log;        /* may be NULL */
	void *log_ctx;
} dns_certify_flow_config_t;

typedef struct dns_certify_flow dns_certify_flow_t;

/* NULL on error (@err says why: a host outside the key's zone...). */
dns_certify_flow_t *dns_certify_flow_new(const dns_certify_flow_config_t *cfg, char *err,
                                         size_t errlen);
void dns_certify_flow_free(dns_certify_flow_t *f);

/* @now_ms is milliseconds since the epoch (certificates are checked against it). */
dns_certify_action_t dns_certify_flow_start(dns_certify_flow_t *f, uint64_t now_ms);
/* The server's answer to the last SEND (untrusted bytes). */
dns_certify_action_t dns_certify_flow_answer(dns_certify_flow_t *f, uint64_t now_ms,
                                             const uint8_t *msg, size_t len);
/* The last SEND got no answer; @what says why ("timeout", "connection refused"). */
dns_certify_action_t dns_certify_flow_net_error(dns_certify_flow_t *f, uint64_t now_ms,
                                                const char *what);
dns_certify_action_t dns_certify_flow_tick(dns_certify_flow_t *f, uint64_t now_ms);

/* After DONE: the chain, end-entity first (owned by the flow). */
STACK_OF(X509) *dns_certify_flow_chain(const dns_certify_flow_t *f);
/* Whether this flow published a CSR (an UPDATE was accepted). */
bool dns_certify_flow_published(const dns_certify_flow_t *f);
/* The last solver status seen (state NONE if none). */
const dns_certify_status_t *dns_certify_flow_status(const dns_certify_flow_t *f);
/* UPDATE messages the flow sent, and how many were accepted. */
unsigned dns_certify_flow_updates(const dns_certify_flow_t *f);

/*
 * The zone a key name gives authority over: what stands right of its
 * rightmost _update, _transfer or _notify label.  DNS_ENOTFOUND when the
 * name has none, or only the root stands there (then the zone is found
 * by an SOA query).
 */
dns_err_t dns_certify_zone_of_key(const uint8_t *keyname, uint8_t zone[DNS_NAME_MAX]);

#endif
