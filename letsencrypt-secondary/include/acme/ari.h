/*
 * ari.h - ACME Renewal Information (RFC 9773): the certificate's CertID,
 * the renewalInfo URL, its answer, and the renewal time chosen in the
 * suggested window.  No I/O: the request is a plain GET the caller makes.
 */
#ifndef ACME_ARI_H
#define ACME_ARI_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "acme/acme.h"

#define ACME_ARI_DEFAULT_RETRY_MS (6 * 3600 * 1000LL) /* poll again when no Retry-After */

/*
 * base64url(AKI keyIdentifier) "." base64url(serial's DER content octets)
 * (§4.1).  Free with free().  Errors: DNS_ENOTFOUND (no AKI keyIdentifier).
 */
dns_err_t acme_ari_certid(const X509 *cert, char **certid);

/* renewalInfo "/" certid; free(). */
char *acme_ari_url(const char *renewal_info, const char *certid);

typedef struct acme_ari {
	int64_t start_ms, end_ms; /* suggestedWindow */
	int64_t retry_at_ms;      /* when to ask again: Retry-After, else 6 h */
	char explanation[512];    /* explanationURL, "" when none */
} acme_ari_t;

/*
 * A renewalInfo response (200).  Errors: DNS_EMALFORMED (not the JSON
 * of §4.2, times not RFC 3339, end before start).
 */
dns_err_t acme_ari_parse(const acme_response_t *r, int64_t now_ms, acme_ari_t *ari);

/*
 * The renewal time: a uniformly random point in [start, end) from @rnd
 * (a random 64-bit value the caller draws), §4.2; never before now.
 */
int64_t acme_ari_pick(const acme_ari_t *ari, uint64_t rnd, int64_t now_ms);

/*
 * What a client keeps per certificate between renewalInfo fetches
 * (§4.2-4.3): the renewal time chosen in the current window, the window
 * it was chosen from, and when to fetch again.
 */
typedef struct acme_ari_state {
	int64_t renew_at_ms;      /* 0: no answer yet (the lifetime rule applies) */
	int64_t start_ms, end_ms; /* the window renew_at_ms was picked from */
	int64_t next_fetch_ms;    /* 0: fetch now */
} acme_ari_state_t;

#define ACME_ARI_RETRY_MIN_MS (60 * 1000LL)          /* Retry-After clamped to */
#define ACME_ARI_RETRY_MAX_MS (24 * 3600 * 1000LL)   /* [1 min, 1 day] (§4.3.2) */

/*
 * A new renewalInfo answer: the same window keeps the time already chosen
 * (no re-rolling at every poll), a changed one gets a new random point
 * (@rnd, acme_ari_pick); a window already over means "now".  The next
 * fetch is the answer's Retry-After clamped to [1 min, 1 day].
 */
void acme_ari_update(acme_ari_state_t *st, const acme_ari_t *ari, uint64_t rnd, int64_t now_ms);

/* A failed fetch (transport error, not 200, malformed): keep what is
 * known, ask again after @retry_ms (clamped as above). */
void acme_ari_failed(acme_ari_state_t *st, int64_t retry_ms, int64_t now_ms);

#endif
