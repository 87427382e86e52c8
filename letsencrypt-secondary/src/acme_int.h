/* acme_int.h - what the machine's source files share (not installed). */
#ifndef ACME_INT_H
#define ACME_INT_H

#include "acme/acme.h"

#include <jansson.h>

#include "dns/certify_key.h"

/*
 * The names of a DER CSR (its subjectAltName dNSNames, else its CN), after
 * checking its signature.  Errors: DNS_EMALFORMED, DNS_ENOTSUP (a
 * non-DNS name), DNS_ELIMIT; @err says which.
 */
dns_err_t acme_csr_names(const uint8_t *der, size_t len, dns_certify_names_t *names, char *err,
                         size_t errlen);

/* The issuer CN of the last certificate of a PEM chain, or ""; false when
 * the text holds no certificate. */
bool acme_chain_top_issuer(const char *pem, size_t len, char *cn, size_t cap);

/* Parse a JSON object body (bounded); NULL when it is not one. */
json_t *acme_json_object(const char *body, size_t len);

/* Fill @p from a problem object inside a JSON document (a challenge's or an order's "error"). */
void acme_problem_from_json(json_t *err, acme_problem_t *p);

enum st {
	ST_DIR, ST_ACCOUNT, ST_ORDER, ST_AUTHZ, ST_PUBLISH, ST_CHALLENGE, ST_AUTHZ_POLL,
	ST_FINALIZE, ST_ORDER_POLL, ST_CERT, ST_ALT, ST_DONE, ST_FAILED,
};

#define POLL_FIRST_MS 25     /* backoff without Retry-After: 25 ms doubling (a CA
                                that validates in ms costs no 100 ms wait; a slow one
                                two more polls)... */
#define POLL_MAX_MS 10000    /* ...up to 10 s */
#define ALTS_MAX 8

struct authz {
	char *url;
	char *chall_url; /* the dns-01 challenge when pending, else NULL */
};

struct acme_machine {
	char *dir_url, *email, *eab_kid, *profile, *replaces, *preferred;
	uint8_t *eab_key, *csr;
	size_t eab_len, csr_len;
	EVP_PKEY *key;
	char *thumb;
	unsigned bad_nonce_max, bad_nonce;
	int64_t poll_timeout;
	dns_certify_names_t *names;
	const char *name_ptr[ACME_NAMES_MAX];

	acme_directory_t dir;
	enum st st;
	bool have_dir, want_nonce, published;
	char *nonce, *kid, *order_url, *finalize_url, *cert_url;
	struct authz *az;
	size_t n_az, cur;
	acme_txt_t *txt;
	size_t n_txt;
	int64_t wait_until, poll_start, poll_delay;
	char *chain, *alts[ALTS_MAX];
	size_t chain_len, n_alts, alt_i;
	char *body; /* the last request's body */
	acme_problem_t problem;
	unsigned requests;
};

/* Stop with a local problem: @type and a printf-style detail. */
void acme_fail(acme_machine_t *m, const char *type, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
