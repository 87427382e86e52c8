/*
 * certify_records.h - the certificate records in DNS and the rule that
 * decides whether a published certificate is ours and good enough.
 *
 * Everything lives at _letsencrypt._tcp.<host>, TTL 3600, as TLSA records
 * (byte-compatible with the original OCaml suite):
 *
 *     3 255 0 <DER of the PKCS#10 CSR>      the request (one per name)
 *     3 0 0   <DER of the certificate>      the end-entity certificate
 *     0 0 0   <DER of a CA certificate>     one per member of its chain
 *
 * and the solver's status as one TXT record, a single string of
 * "key=value" pairs separated by "; ":
 *
 *     v=certify1; state=failed; error=rateLimited; retry=2026-12-06T10:00:00Z; detail=...
 *
 * state is pending, valid or failed; error an ACME error type (RFC 8555
 * §6.7, without its URN prefix) or caa, names, csr, propagation; retry
 * RFC 3339 UTC; detail free text (it runs to the end of the string).
 * TLSA records of other kinds and TXT records without v=certify1 are
 * ignored.  Every decoder here takes untrusted bytes.
 */
#ifndef DNS_CERTIFY_RECORDS_H
#define DNS_CERTIFY_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "dns/certify_key.h"
#include "dns/error.h"
#include "dns/name.h"

#define DNS_CERTIFY_TTL 3600

/* _letsencrypt._tcp.<host> in wire form. */
dns_err_t dns_certify_owner(const char *host, uint8_t out[DNS_NAME_MAX], size_t *len);

/* ---- TLSA ---- */

typedef enum dns_certify_rec {
	DNS_CERTIFY_REC_OTHER,  /* any other usage/selector/matching type */
	DNS_CERTIFY_REC_CSR,    /* 3 255 0 */
	DNS_CERTIFY_REC_CERT,   /* 3 0 0 */
	DNS_CERTIFY_REC_CA,     /* 0 0 0 */
} dns_certify_rec_t;

/* What a TLSA rdata holds; *der and *der_len (may be NULL) receive its data. */
dns_certify_rec_t dns_certify_tlsa_kind(const uint8_t *rdata, size_t len, const uint8_t **der,
                                        size_t *der_len);

/* The TLSA rdata for @der as @kind (not OTHER).  Errors: DNS_ESPACE, DNS_EINVAL. */
dns_err_t dns_certify_tlsa_encode(dns_certify_rec_t kind, const uint8_t *der, size_t der_len,
                                  uint8_t *out, size_t cap, size_t *out_len);

/* DER that must be exactly one certificate / CSR (no trailing bytes). */
X509 *dns_certify_d2i_cert(const uint8_t *der, size_t len);
X509_REQ *dns_certify_d2i_csr(const uint8_t *der, size_t len);

/* ---- status TXT ---- */

typedef enum dns_certify_state {
	DNS_CERTIFY_STATE_NONE = 0,  /* no status record */
	DNS_CERTIFY_STATE_PENDING,
	DNS_CERTIFY_STATE_VALID,
	DNS_CERTIFY_STATE_FAILED,
} dns_certify_state_t;

typedef struct dns_certify_status {
	dns_certify_state_t state;
	char error[64];      /* "" when absent */
	bool has_retry;
	int64_t retry;       /* seconds since the epoch */
	char detail[256];    /* printable ASCII only (others became '?'); "" when absent */
} dns_certify_status_t;

/* Longest status text decoded (its strings joined). */
#define DNS_CERTIFY_STATUS_MAX 4096

/*
 * Decode a TXT rdata (its character-strings are joined).  Errors:
 * DNS_ENOTFOUND (not a certify1 status: ignore it), DNS_ESYNTAX
 * (certify1, but malformed: state missing or unknown, bad retry time),
 * DNS_EMALFORMED (not a TXT rdata), DNS_ELIMIT (longer than
 * DNS_CERTIFY_STATUS_MAX).
 */
dns_err_t dns_certify_status_parse(const uint8_t *rdata, size_t len, dns_certify_status_t *st);

/* The status as text ("v=certify1; state=..."); DNS_ESPACE if @cap is short. */
dns_err_t dns_certify_status_format(const dns_certify_status_t *st, char *out, size_t cap);

/* A TXT rdata holding @text (split into strings of at most 255 bytes). */
dns_err_t dns_certify_txt_rdata(const char *text, uint8_t *out, size_t cap, size_t *out_len);

/* For people: "pending", "failed: rateLimited, retry at 2026-12-06T10:00:00Z (too many ...)". */
void dns_certify_status_describe(const dns_certify_status_t *st, char *out, size_t cap);

/* RFC 3339 (UTC "Z" or an offset; fractions ignored) to seconds; and back, UTC. */
dns_err_t dns_certify_time_parse(const char *text, size_t len, int64_t *out);
void dns_certify_time_format(int64_t t, char out[32]);

/* ---- the matching rule ---- */

typedef enum dns_certify_verdict {
	DNS_CERTIFY_MATCH = 0,
	DNS_CERTIFY_NO_CERT,          /* no certificate record at all */
	DNS_CERTIFY_WRONG_KEY,        /* none for our public key */
	DNS_CERTIFY_WRONG_NAMES,      /* our key, another set of names */
	DNS_CERTIFY_NOT_YET_VALID,
	DNS_CERTIFY_EXPIRED,
	DNS_CERTIFY_RENEWAL_DUE,      /* valid, but past its renewal point */
	DNS_CERTIFY_BROKEN_CHAIN,     /* the CA records do not make a chain for it */
	DNS_CERTIFY_UNTRUSTED,        /* a chain, but not to the trust anchors */
} dns_certify_verdict_t;

const char *dns_certify_verdict_text(dns_certify_verdict_t v);

typedef struct dns_certify_match_opts {
	const uint8_t *spki;          /* DER SubjectPublicKeyInfo of our key */
	size_t spki_len;
	const dns_certify_names_t *names;
	int64_t now;                  /* seconds since the epoch */
	int64_t renew_before;         /* seconds before notAfter; < 0: a third of the lifetime */
	X509_STORE *anchors;          /* NULL: the chain is checked without trust anchors */
} dns_certify_match_opts_t;

/*
 * A certificate matches when its public key is ours, its DNS names
 * (subjectAltName and CN) are exactly @names, it is valid at @now and
 * stays valid past its renewal point, and the CA certificates make a
 * chain for it: its issuer is among them, every signature along the chain
 * verifies, every CA is a CA and valid at @now; with @anchors the chain
 * also verifies to one of them (X509_verify_cert).  Of several
 * candidates the first that matches wins; otherwise the verdict is that
 * of the candidate that came closest.  On a match, *@chain (may be NULL)
 * receives the end-entity certificate followed by its CA certificates
 * (up-referenced; free with OSSL_STACK_OF_X509_free or sk_X509_pop_free).
 * @why (may be NULL) says what was wrong.
 */
dns_certify_verdict_t dns_certify_match(const dns_certify_match_opts_t *o,
                                        STACK_OF(X509) *certs, STACK_OF(X509) *cas,
                                        STACK_OF(X509) **chain, char *why, size_t whylen);

/* When @cert is due for renewal: notAfter - @renew_before, or, when it is
 * negative, notAfter - (notAfter - notBefore) / 3.  0 if unreadable. */
int64_t dns_certify_renew_time(const X509 *cert, int64_t renew_before);

/* notBefore / notAfter in seconds since the epoch (0 if unreadable). */
int64_t dns_certify_not_before(const X509 *cert);
int64_t dns_certify_not_after(const X509 *cert);

#endif
