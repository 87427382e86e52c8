/*
 * certify_testlib.h - a small test CA for the certify unit tests.
 */
#ifndef CERTIFY_TESTLIB_H
#define CERTIFY_TESTLIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

/* A certificate for @key: CN @cn, subjectAltName @sans ("DNS:a,DNS:b" or
 * NULL), validity [nb, na), signed by @issuer/@issuer_key (self-signed
 * when NULL), a CA when @ca.  Aborts on failure. */
X509 *tl_cert(EVP_PKEY *key, const char *cn, const char *sans, int64_t nb, int64_t na,
              X509 *issuer, EVP_PKEY *issuer_key, bool ca);

/* A root and an intermediate, valid around @now. */
typedef struct tl_ca {
	EVP_PKEY *root_key, *inter_key;
	X509 *root, *inter;
} tl_ca_t;

void tl_ca_init(tl_ca_t *ca, int64_t now);
void tl_ca_free(tl_ca_t *ca);

/* An end-entity certificate issued by the intermediate. */
X509 *tl_ee(const tl_ca_t *ca, EVP_PKEY *key, const char *cn, const char *sans, int64_t nb,
            int64_t na);

/* The DER of @x copied to @out; its length. */
size_t tl_der(X509 *x, uint8_t *out, size_t cap);

#endif
