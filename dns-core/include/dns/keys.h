/*
 * keys.h - TSIG keys (RFC 8945) and an immutable key store.
 *
 * A key is a name, an HMAC algorithm and a secret.  Keys come from the
 * command line as "name:alg:base64" (the form of `nsupdate -y`) and from
 * `_keys` / `<zone>._keys` files of the zone repository, zone-file syntax
 * with one record per key:
 *
 *     name. DNSKEY 0 3 <alg> <base64-secret>
 *
 * where alg is 157 hmac-md5, 161 hmac-sha1, 162 hmac-sha224,
 * 163 hmac-sha256, 164 hmac-sha384, 165 hmac-sha512 (docs/repository.md).
 *
 * A store is filled once (dns_keystore_add / dns_keystore_load_*) and
 * then only read: lookups take a const store and never modify it, so a
 * published store may be shared by threads without locking.  Reloading
 * builds a new store.
 */
#ifndef DNS_KEYS_H
#define DNS_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/error.h"
#include "dns/name.h"
#include "dns/rr.h"
#include "dns/zonefile.h"

/* Longest secret accepted (bytes after base64 decoding). */
#define DNS_TSIG_SECRET_MAX 128
/* Longest HMAC output (SHA-512). */
#define DNS_TSIG_MAC_MAX 64
/* Longest "name:alg:secret" text, NUL included. */
#define DNS_TSIG_KEY_TEXT_MAX (DNS_NAME_TEXT_MAX + 16 + 4 * ((DNS_TSIG_SECRET_MAX + 2) / 3) + 1)

typedef enum dns_tsig_alg {
	DNS_TSIG_ALG_NONE = 0,
	DNS_TSIG_HMAC_MD5,
	DNS_TSIG_HMAC_SHA1,
	DNS_TSIG_HMAC_SHA224,
	DNS_TSIG_HMAC_SHA256,
	DNS_TSIG_HMAC_SHA384,
	DNS_TSIG_HMAC_SHA512,
} dns_tsig_alg_t;

typedef struct dns_tsig_key {
	uint8_t name[DNS_NAME_MAX];  /* wire form, case as given */
	dns_tsig_alg_t alg;
	uint8_t secret[DNS_TSIG_SECRET_MAX];
	size_t secret_len;
} dns_tsig_key_t;

/* ---- algorithms ---- */

/* "hmac-sha256" etc.; NULL for an unknown value. */
const char *dns_tsig_alg_to_text(dns_tsig_alg_t alg);

/* OpenSSL digest name ("SHA256", "MD5"...); NULL for an unknown value. */
const char *dns_tsig_alg_digest(dns_tsig_alg_t alg);

/* HMAC output length in bytes (16..64); 0 for an unknown value. */
size_t dns_tsig_alg_mac_len(dns_tsig_alg_t alg);

/* Algorithm name as it appears in the TSIG RR, wire form
 * (hmac-md5.sig-alg.reg.int., hmac-sha1., ... hmac-sha512.). */
const uint8_t *dns_tsig_alg_wire(dns_tsig_alg_t alg);

/* From the algorithm name of a TSIG RR (case-insensitive);
 * DNS_TSIG_ALG_NONE when unknown. */
dns_tsig_alg_t dns_tsig_alg_from_wire(const uint8_t *name);

/* From "SHA256", "sha256", "hmac-sha256", "HMAC-SHA256", "hmac-md5",
 * "hmac-md5.sig-alg.reg.int" (@len bytes).  Errors: DNS_ENOTSUP. */
dns_err_t dns_tsig_alg_from_text(const char *text, size_t len, dns_tsig_alg_t *alg);

/* DNSKEY algorithm numbers of key files (157, 161..165); 0 / NONE when unknown. */
uint8_t dns_tsig_alg_to_dnskey(dns_tsig_alg_t alg);
dns_tsig_alg_t dns_tsig_alg_from_dnskey(uint8_t number);

/* ---- single keys ---- */

/*
 * Parse "name:alg:base64secret" (@len bytes).  The name may omit its
 * trailing dot (it is always absolute).  Errors: DNS_ESYNTAX (shape,
 * name, base64), DNS_ENOTSUP (algorithm), DNS_ELIMIT (secret too long or
 * empty).
 */
dns_err_t dns_tsig_key_from_text(dns_tsig_key_t *key, const char *text, size_t len);

/* Write "name.:hmac-sha256:base64" NUL-terminated (DNS_TSIG_KEY_TEXT_MAX
 * is always enough).  Errors: DNS_ESPACE. */
dns_err_t dns_tsig_key_to_text(const dns_tsig_key_t *key, char *out, size_t cap);

/*
 * A key from a DNSKEY record of a key file: rdata flags (u16),
 * protocol 3, algorithm 157/161..165, secret.  Errors: DNS_EINVAL (not
 * DNSKEY), DNS_EMALFORMED (short rdata, protocol not 3), DNS_ENOTSUP
 * (algorithm), DNS_ELIMIT (secret empty or longer than DNS_TSIG_SECRET_MAX).
 */
dns_err_t dns_tsig_key_from_dnskey(dns_tsig_key_t *key, const dns_rr_t *rr);

/* ---- the key store ---- */

typedef struct dns_keystore dns_keystore_t;

dns_keystore_t *dns_keystore_new(void);
void dns_keystore_free(dns_keystore_t *ks);

/* Add a copy of @key.  Errors: DNS_EEXIST (a key of that name, compared
 * case-insensitively, is already present), DNS_ENOMEM, DNS_ELIMIT (more
 * than 65536 keys). */
dns_err_t dns_keystore_add(dns_keystore_t *ks, const dns_tsig_key_t *key);

/*
 * Load a key file.  @zone is the origin: the root for `_keys`, the zone
 * for `<zone>._keys`.  For a zone key file every key must lie in that zone
 * (a key of another zone is reported and skipped: a zone's file must not
 * grant rights elsewhere).  A key whose name has no operation label
 * (authority.h: it would grant nothing), or whose authority would reach
 * above @zone, is reported and skipped too.  Every problem, including
 * invalid base64, unknown algorithms, a second key of the
 * same name and records that are not DNSKEY, is reported through
 * @on_error with its file:line:col; loading carries on with the next
 * record.  Returns DNS_OK when every record was loaded, DNS_ESYNTAX when
 * something was reported, DNS_EIO when the file cannot be read.
 */
dns_err_t dns_keystore_load_file(dns_keystore_t *ks, const char *path, const uint8_t *zone,
                                 dns_zf_error_fn on_error, void *ctx);

/* The same for text in memory; @name is used in positions. */
dns_err_t dns_keystore_load_buffer(dns_keystore_t *ks, const char *name, const char *text,
                                   size_t len, const uint8_t *zone, dns_zf_error_fn on_error,
                                   void *ctx);

/* The key named @name (case-insensitive), or NULL.  Never modifies @ks. */
const dns_tsig_key_t *dns_keystore_find(const dns_keystore_t *ks, const uint8_t *name);

/* Iteration in canonical name order: keys 0 .. count-1. */
size_t dns_keystore_count(const dns_keystore_t *ks);
const dns_tsig_key_t *dns_keystore_at(const dns_keystore_t *ks, size_t i);

#endif
