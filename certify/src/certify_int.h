/*
 * certify_int.h - private helpers of libdnscertify.
 */
#ifndef CERTIFY_INT_H
#define CERTIFY_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/provider.h>
#include <openssl/x509.h>

#include "dns/certify_key.h"
#include "dns/error.h"

/* A private OpenSSL library context whose random generators are the
 * deterministic one of detrand.c, keyed with @key. */
typedef struct certify_det {
	OSSL_LIB_CTX *libctx;
	OSSL_PROVIDER *def, *det;
} certify_det_t;

certify_det_t *certify_det_new(const uint8_t key[32]);
void certify_det_free(certify_det_t *d);

/* HKDF-SHA256(seed, salt empty, info) -> @len bytes of @out. */
bool certify_hkdf(const void *seed, size_t seed_len, const char *info, uint8_t *out, size_t len);

/* printf into err/errlen (either may be NULL/0). */
void certify_errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The first OpenSSL error queued, as text (and the queue cleared). */
const char *certify_ssl_error(char *buf, size_t len);

/* The DNS names of a certificate or CSR: subjectAltName dNSName entries
 * and the subject CN.  Names that are not valid host names are returned
 * as DNS_ESYNTAX (the caller treats the certificate as not matching). */
dns_err_t certify_names_of_cert(const X509 *cert, dns_certify_names_t *out);
dns_err_t certify_names_of_req(X509_REQ *req, dns_certify_names_t *out);

#endif
