/*
 * jws.h - base64url, account keys, JWK (RFC 7517/7638) and JWS (RFC 7515)
 * as ACME (RFC 8555 §6.2) uses them.  OpenSSL 3 and jansson; no I/O but
 * the key file functions.
 */
#ifndef ACME_JWS_H
#define ACME_JWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "dns/error.h"

/* Unpadded base64url of @len bytes; NUL-terminated, free with free(). */
char *acme_b64url(const void *data, size_t len);

/*
 * Decode unpadded base64url (padding tolerated).  *out is malloc'ed.
 * Errors: DNS_ESYNTAX (not base64url), DNS_ENOMEM.
 */
dns_err_t acme_b64url_decode(const char *text, uint8_t **out, size_t *out_len);

typedef enum acme_alg {
	ACME_ALG_ES256, /* P-256, the default */
	ACME_ALG_RS256, /* RSA >= 2048 bits */
} acme_alg_t;

/* The JWS algorithm of @key.  Errors: DNS_ENOTSUP (not P-256 or RSA). */
dns_err_t acme_key_alg(const EVP_PKEY *key, acme_alg_t *alg);

/* A fresh key: P-256 for ES256, RSA 2048 for RS256. */
dns_err_t acme_key_generate(acme_alg_t alg, EVP_PKEY **out, char *err, size_t errlen);

/*
 * The account key at @path: loaded when the file exists, otherwise created
 * (@alg; the file is created with O_EXCL and mode 0600, so a concurrent
 * creator makes this fail instead of both writing).  *created says which.
 */
dns_err_t acme_key_load_or_create(const char *path, acme_alg_t alg, EVP_PKEY **out,
                                  bool *created, char *err, size_t errlen);

/*
 * The account key derived from a secret seed (the text given to
 * --account-key-seed, its bytes as they are).  This is libdnscertify's
 * derivation (certify_key.h), so the same seed gives the same key in both:
 * ES256: the P-256 scalar d = HKDF-SHA256(seed, info "dnscertify key v1
 * p256 <n>", 32 bytes), the first counter n giving 1 <= d < order;
 * RS256: OpenSSL's RSA 2048 generation fed by a generator keyed with
 * HKDF-SHA256(seed, "dnscertify key v1 rsa 2048", 32).
 */
dns_err_t acme_key_from_seed(acme_alg_t alg, const void *seed, size_t seed_len, EVP_PKEY **out,
                             char *err, size_t errlen);

/* The public JWK, canonical (RFC 7638 §3: required members, sorted, no
 * whitespace).  Free with free(). */
char *acme_jwk_json(const EVP_PKEY *key);

/* base64url(SHA-256(canonical JWK)): the RFC 7638 thumbprint. */
char *acme_jwk_thumbprint(const EVP_PKEY *key);

/* The DNS-01 TXT value: base64url(SHA-256(token "." thumbprint)). */
char *acme_dns01_txt(const char *token, const char *thumbprint);

/*
 * The JWS signature of @len bytes (the JWS signing input) with @key:
 * ES256 as the raw 64-byte r||s (RFC 7518 §3.4, converted from OpenSSL's
 * DER), RS256 as PKCS#1 v1.5.  *sig is malloc'ed.
 */
dns_err_t acme_jws_sign_raw(EVP_PKEY *key, const void *data, size_t len, uint8_t **sig,
                            size_t *sig_len);

/*
 * A flattened JSON serialisation JWS for an ACME request: protected header
 * {alg, nonce, url, and kid when @kid is non-NULL, else jwk}; @payload is
 * the JSON text ("" for POST-as-GET).  Free with free().
 */
char *acme_jws(EVP_PKEY *key, const char *kid, const char *nonce, const char *url,
               const char *payload);

/*
 * The externalAccountBinding object (RFC 8555 §7.3.4): a JWS, HS256 with
 * the decoded @hmac_key, protected {alg "HS256", kid @eab_kid, url
 * @new_account_url}, payload the account's JWK.  JSON text, free().
 */
char *acme_eab_jws(const EVP_PKEY *account_key, const char *eab_kid, const uint8_t *hmac_key,
                   size_t hmac_key_len, const char *new_account_url);

#endif
