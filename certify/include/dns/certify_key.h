/*
 * certify_key.h - the requesting side's keys, name sets and CSRs
 * (libdnscertify, OpenSSL 3).
 *
 * Keys are loaded from PEM, generated at random, or derived from a secret
 * seed, so that a service restarting with the same seed has the same key
 * and sends the same CSR (its retries are idempotent).  The derivation,
 * exactly (HKDF is RFC 5869 with SHA-256, empty salt, the seed's bytes as
 * input keying material; <n> is a decimal counter from 0):
 *
 *   p256, p384  d = HKDF(seed, info "dnscertify key v1 p256 <n>", 32 bytes)
 *               (48 bytes and "p384" for P-384) read big-endian; the first
 *               n with 1 <= d < the group order is the private scalar.
 *   ed25519     the private key is HKDF(seed, "dnscertify key v1 ed25519 0", 32).
 *   rsa         OpenSSL's RSA key generation (e = 65537) in a private
 *               library context whose only random source is the
 *               deterministic generator of detrand.c keyed with
 *               K = HKDF(seed, "dnscertify key v1 rsa <bits>", 32).
 *               The result depends on OpenSSL's key-generation algorithm:
 *               stable within OpenSSL 3.x as packaged, not promised across
 *               major versions.
 *
 * CSRs signed with a seeded EC key use the same generator, keyed with
 * HKDF(seed, "dnscertify csr v1", 32), for the ECDSA nonce (OpenSSL mixes
 * the private key and the digest into it): the same seed and names give a
 * byte-identical CSR.  RSA (PKCS#1 v1.5) and Ed25519 signatures are
 * deterministic anyway.
 *
 * Keys made by the original OCaml suite from a seed cannot be reproduced
 * (it used its own generator).
 */
#ifndef DNS_CERTIFY_KEY_H
#define DNS_CERTIFY_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "dns/error.h"

/* ---- name sets ---- */

#define DNS_CERTIFY_NAMES_MAX 100   /* what public CAs accept in one certificate */
#define DNS_CERTIFY_NAME_LEN 254    /* 253 characters and the NUL */

/* A set of DNS names, lower case, without trailing dot; name[0] is the host. */
typedef struct dns_certify_names {
	size_t n;
	char name[DNS_CERTIFY_NAMES_MAX][DNS_CERTIFY_NAME_LEN];
} dns_certify_names_t;

/*
 * Add @name (a host name, "*." wildcard allowed as first label, trailing
 * dot optional) unless already present.  Errors: DNS_ESYNTAX (not a host
 * name; @err says why), DNS_ELIMIT (too many names).
 */
dns_err_t dns_certify_names_add(dns_certify_names_t *s, const char *name, char *err,
                                size_t errlen);

bool dns_certify_names_contains(const dns_certify_names_t *s, const char *name, size_t len);

/* The same set (order and case do not matter). */
bool dns_certify_names_equal(const dns_certify_names_t *a, const dns_certify_names_t *b);

/* ---- keys ---- */

typedef enum dns_certify_keytype {
	DNS_CERTIFY_KEY_P256,
	DNS_CERTIFY_KEY_P384,
	DNS_CERTIFY_KEY_RSA,
	DNS_CERTIFY_KEY_ED25519,
} dns_certify_keytype_t;

/* "p256", "p384", "rsa", "ed25519".  Errors: DNS_ENOTSUP. */
dns_err_t dns_certify_keytype_parse(const char *text, dns_certify_keytype_t *t);
const char *dns_certify_keytype_text(dns_certify_keytype_t t);

/* A fresh random key; @bits only for RSA (2048, 3072 or 4096). */
dns_err_t dns_certify_key_generate(dns_certify_keytype_t t, unsigned bits, EVP_PKEY **out,
                                   char *err, size_t errlen);

/* The key derived from @seed as described above (@seed_len >= 1). */
dns_err_t dns_certify_key_from_seed(dns_certify_keytype_t t, unsigned bits, const void *seed,
                                    size_t seed_len, EVP_PKEY **out, char *err, size_t errlen);

/*
 * A PEM private key (PKCS#8, or the traditional RSA/EC forms) of a
 * supported kind: P-256, P-384, RSA of 2048 bits or more, Ed25519.
 * Errors: DNS_EIO (cannot read), DNS_ESYNTAX (not a key), DNS_ENOTSUP.
 */
dns_err_t dns_certify_key_load(const char *path, EVP_PKEY **out, char *err, size_t errlen);

/* The key as PEM (PKCS#8, unencrypted); free with OPENSSL_free. */
dns_err_t dns_certify_key_pem(const EVP_PKEY *key, char **pem, size_t *len);

/* The DER SubjectPublicKeyInfo of a key; free with OPENSSL_free. */
dns_err_t dns_certify_key_spki(const EVP_PKEY *key, uint8_t **der, size_t *len);

/* ---- CSRs ---- */

/*
 * A PKCS#10 CSR for @names: subject CN = names->name[0], a
 * subjectAltName with every name, signed with @key (SHA-256; SHA-384 for
 * P-384; Ed25519 pure).  With @seed (see above) an ECDSA signature is
 * deterministic.  *der is freed with OPENSSL_free.
 */
dns_err_t dns_certify_csr_make(EVP_PKEY *key, const dns_certify_names_t *names, const void *seed,
                               size_t seed_len, uint8_t **der, size_t *len, char *err,
                               size_t errlen);

/* ---- files ---- */

/*
 * Write @len bytes to @path.  @exclusive: create it with mode 0600, fail
 * if it exists (DNS_EEXIST).  Otherwise replace it atomically (a
 * temporary file in the same directory, renamed) with mode 0644.
 */
dns_err_t dns_certify_write_file(const char *path, const void *data, size_t len, bool exclusive,
                                 char *err, size_t errlen);

#endif
