/*
 * acme.h - a sans-IO ACME client (RFC 8555) for one order, DNS-01 only.
 *
 * The machine is fed HTTP responses and the time, and says what to do
 * next: make an HTTP request, publish DNS-01 TXT values, wait until a
 * time, or stop (done with the chain PEM, or failed with the ACME problem
 * and when to try again).  It opens no socket and reads no clock:
 * acme/http.h is the libcurl adapter, the caller owns DNS.
 *
 *   acme_machine_new(&cfg, &m)
 *   loop: acme_machine_next(m, now, &act)
 *     REQUEST: perform act.req, then acme_machine_response(m, now, &resp)
 *              (or acme_machine_transport_error(m, now, why))
 *     PUBLISH: put every act.txt[i] in DNS, wait until every authoritative
 *              server has them, then acme_machine_published(m)
 *     WAIT:    come back at act.until_ms
 *     DONE / FAILED: stop; remove the TXT values published, either way.
 *
 * Times are milliseconds since the Unix epoch (Retry-After may be a date).
 */
#ifndef ACME_ACME_H
#define ACME_ACME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "dns/error.h"

#define ACME_ERROR_PREFIX "urn:ietf:params:acme:error:"
#define ACME_BODY_MAX (1u << 20)  /* larger bodies are refused */
#define ACME_NAMES_MAX 100        /* identifiers in one order */
#define ACME_SUBPROBLEMS_MAX 8    /* kept of a problem's subproblems */

/* ---- HTTP, as the machine sees it ---- */

typedef struct acme_header {
	const char *name;  /* case-insensitive */
	const char *value; /* without the line end */
} acme_header_t;

typedef struct acme_response {
	int status;
	const acme_header_t *headers;
	size_t n_headers;
	const char *body; /* may contain NULs; not NUL-terminated */
	size_t body_len;
} acme_response_t;

typedef struct acme_request {
	const char *method;       /* "GET", "HEAD", "POST" */
	const char *url;
	const char *content_type; /* POST: "application/jose+json"; else NULL */
	const char *accept;       /* NULL, or e.g. application/pem-certificate-chain */
	const char *body;         /* POST: the JWS; else NULL */
	size_t body_len;
} acme_request_t;

/* The first value of header @name in @r, or NULL. */
const char *acme_response_header(const acme_response_t *r, const char *name);

/* ---- problems (RFC 7807, RFC 8555 §6.7) ---- */

typedef struct acme_problem {
	char type[64];    /* without the urn:ietf:params:acme:error: prefix; "" when absent */
	char detail[512];
	struct {
		char type[64];
		char identifier[256];
		char detail[256];
	} sub[ACME_SUBPROBLEMS_MAX];
	size_t n_sub;
	int status;           /* the HTTP status, 0 when not from a response */
	int64_t retry_at_ms;  /* from Retry-After, 0 when none */
} acme_problem_t;

/* Parse a problem document; a body that is not one leaves type "" and a
 * detail saying so.  Never fails. */
void acme_problem_parse(const char *body, size_t len, acme_problem_t *p);

/*
 * Retry-After (RFC 9110 §10.2.3): delay-seconds or an HTTP-date
 * (IMF-fixdate).  *at_ms is absolute.  Errors: DNS_ESYNTAX.
 */
dns_err_t acme_retry_after_parse(const char *value, int64_t now_ms, int64_t *at_ms);

/*
 * The targets of Link headers with relation @rel ("alternate", "up"),
 * in order; *n is how many were written (at most @max).
 */
size_t acme_links(const acme_response_t *r, const char *rel, char **out, size_t max);

/* ---- the directory ---- */

typedef struct acme_directory {
	char *new_nonce, *new_account, *new_order, *renewal_info;
	char *terms_of_service;
	bool eab_required;
	char **profiles; /* meta.profiles names */
	size_t n_profiles;
	char **caa_identities;
	size_t n_caa_identities;
} acme_directory_t;

/* Errors: DNS_EMALFORMED (not JSON, or newNonce/newAccount/newOrder missing). */
dns_err_t acme_directory_parse(const char *body, size_t len, acme_directory_t *d, char *err,
                               size_t errlen);
void acme_directory_free(acme_directory_t *d);

/* ---- the machine ---- */

typedef struct acme_config {
	const char *directory_url;
	EVP_PKEY *account_key;     /* borrowed; P-256 or RSA */
	const char *email;         /* optional: contact mailto: */
	const char *eab_kid;       /* with eab_hmac_key: external account binding */
	const char *eab_hmac_key;  /* base64url, as CAs hand it out */
	const uint8_t *csr_der;    /* the CSR as published; its names are ordered */
	size_t csr_len;
	const char *profile;       /* optional certificate profile */
	const char *replaces;      /* optional ARI CertID of the certificate renewed */
	const char *preferred_chain; /* optional issuer CN of the chain's top certificate */
	unsigned bad_nonce_max;    /* badNonce retries per request; 0: 5 */
	int64_t poll_timeout_ms;   /* authorization/order polling bound; 0: 10 min */
} acme_config_t;

typedef struct acme_txt {
	char name[272];  /* _acme-challenge.<name>, no trailing dot */
	char value[64];  /* the key authorisation digest */
} acme_txt_t;

typedef enum acme_act_kind {
	ACME_ACT_REQUEST,
	ACME_ACT_PUBLISH,
	ACME_ACT_WAIT,
	ACME_ACT_DONE,
	ACME_ACT_FAILED,
} acme_act_kind_t;

typedef struct acme_action {
	acme_act_kind_t kind;
	acme_request_t req;      /* REQUEST */
	const acme_txt_t *txt;   /* PUBLISH (and, in DONE/FAILED, what to clean up) */
	size_t n_txt;
	int64_t until_ms;        /* WAIT */
	const char *chain_pem;   /* DONE: the chain, end-entity first */
	size_t chain_len;
	const acme_problem_t *problem; /* FAILED */
} acme_action_t;

typedef struct acme_machine acme_machine_t;

/*
 * Errors: DNS_EINVAL (missing directory URL, key or CSR; eab half given),
 * DNS_EMALFORMED (CSR not DER or names not DNS), DNS_ENOTSUP (key type).
 */
dns_err_t acme_machine_new(const acme_config_t *cfg, acme_machine_t **out, char *err,
                           size_t errlen);
void acme_machine_free(acme_machine_t *m);

/* What to do now; pointers stay valid until the next call on @m. */
void acme_machine_next(acme_machine_t *m, int64_t now_ms, acme_action_t *act);

/* The response to the last REQUEST. */
void acme_machine_response(acme_machine_t *m, int64_t now_ms, const acme_response_t *r);

/* The last REQUEST got no response (connection, TLS, timeout): fails the
 * order with type "connection" and @why. */
void acme_machine_transport_error(acme_machine_t *m, int64_t now_ms, const char *why);

/* Every TXT of the PUBLISH action is served by every authoritative server. */
void acme_machine_published(acme_machine_t *m);

/* The identifiers ordered (lower case; wildcards as "*.name"). */
size_t acme_machine_names(const acme_machine_t *m, const char *const **names);

/* The account URL once known, else NULL. */
const char *acme_machine_account_url(const acme_machine_t *m);

/* Requests made so far (for logs and metrics). */
unsigned acme_machine_requests(const acme_machine_t *m);

#endif
