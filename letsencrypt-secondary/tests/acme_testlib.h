/* acme_testlib.h - fixed keys, CSRs, certificates and JWS decoding for the libacme tests. */
#ifndef ACME_TESTLIB_H
#define ACME_TESTLIB_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

/* The P-256 key derived from a fixed seed: the same in every run. */
EVP_PKEY *t_account_key(void);

/* A DER CSR for the names (a fixed seeded key); free(). */
uint8_t *t_csr(const char *const *names, size_t n, size_t *len);

/* A certificate with subject CN @subject, issuer CN @issuer, serial, and
 * (when @aki) an authority key identifier of @aki_len bytes. */
X509 *t_cert(const char *subject, const char *issuer, uint64_t serial, const uint8_t *aki,
             size_t aki_len);

/* PEM of a two-certificate chain whose top certificate's issuer CN is @root. */
char *t_chain_pem(const char *leaf, const char *root);

/* A JWS body taken apart: the protected header and the payload, as JSON
 * (payload NULL when empty); *signing_input "protected.payload"; *sig raw. */
typedef struct t_jws {
	json_t *prot;
	json_t *payload;
	char *payload_text;
	char *signing_input;
	uint8_t *sig;
	size_t sig_len;
} t_jws_t;
void t_jws_open(const char *body, t_jws_t *j);
void t_jws_close(t_jws_t *j);

#endif
