/* keys.c - TSIG keys and the key store (see keys.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "dns/authority.h"
#include "dns/keys.h"
#include "dns/rrtype.h"

#define KEYSTORE_MAX 65536

/* ---- algorithms ---- */

struct alg_info {
	const char *text;      /* our presentation name */
	const char *short_name;/* without "hmac-" */
	const char *digest;    /* OpenSSL digest name */
	size_t mac_len;
	uint8_t dnskey;
	const uint8_t *wire;
};

static const struct alg_info algs[] = {
	[DNS_TSIG_HMAC_MD5] = {"hmac-md5", "md5", "MD5", 16, 157,
	                       (const uint8_t *)"\x08hmac-md5\x07sig-alg\x03reg\x03int"},
	[DNS_TSIG_HMAC_SHA1] = {"hmac-sha1", "sha1", "SHA1", 20, 161,
	                        (const uint8_t *)"\x09hmac-sha1"},
	[DNS_TSIG_HMAC_SHA224] = {"hmac-sha224", "sha224", "SHA224", 28, 162,
	                          (const uint8_t *)"\x0bhmac-sha224"},
	[DNS_TSIG_HMAC_SHA256] = {"hmac-sha256", "sha256", "SHA256", 32, 163,
	                          (const uint8_t *)"\x0bhmac-sha256"},
	[DNS_TSIG_HMAC_SHA384] = {"hmac-sha384", "sha384", "SHA384", 48, 164,
	                          (const uint8_t *)"\x0bhmac-sha384"},
	[DNS_TSIG_HMAC_SHA512] = {"hmac-sha512", "sha512", "SHA512", 64, 165,
	                          (const uint8_t *)"\x0bhmac-sha512"},
};
#define ALG_FIRST DNS_TSIG_HMAC_MD5
#define ALG_LAST DNS_TSIG_HMAC_SHA512

static const struct alg_info *alg_info(dns_tsig_alg_t alg)
{
	if (alg < ALG_FIRST || alg > ALG_LAST)
		return NULL;
	return &algs[alg];
}

const char *dns_tsig_alg_to_text(dns_tsig_alg_t alg)
{
	const struct alg_info *a = alg_info(alg);
	return a ? a->text : NULL;
}

const char *dns_tsig_alg_digest(dns_tsig_alg_t alg)
{
	const struct alg_info *a = alg_info(alg);
	return a ? a->digest : NULL;
}

size_t dns_tsig_alg_mac_len(dns_tsig_alg_t alg)
{
	const struct alg_info *a = alg_info(alg);
	return a ? a->mac_len : 0;
}

const uint8_t *dns_tsig_alg_wire(dns_tsig_alg_t alg)
{
	const struct alg_info *a = alg_info(alg);
	return a ? a->wire : NULL;
}

dns_tsig_alg_t dns_tsig_alg_from_wire(const uint8_t *name)
{
	for (int i = ALG_FIRST; i <= ALG_LAST; i++)
		if (dns_name_equal(name, algs[i].wire))
			return (dns_tsig_alg_t)i;
	return DNS_TSIG_ALG_NONE;
}

static bool text_eq(const char *s, size_t len, const char *lit)
{
	return strlen(lit) == len && strncasecmp(s, lit, len) == 0;
}

dns_err_t dns_tsig_alg_from_text(const char *text, size_t len, dns_tsig_alg_t *alg)
{
	if (len > 0 && text[len - 1] == '.')
		len--;
	if (len >= 5 && strncasecmp(text, "hmac-", 5) == 0) {
		text += 5;
		len -= 5;
	}
	for (int i = ALG_FIRST; i <= ALG_LAST; i++) {
		if (text_eq(text, len, algs[i].short_name) ||
		    (i == DNS_TSIG_HMAC_MD5 && text_eq(text, len, "md5.sig-alg.reg.int"))) {
			*alg = (dns_tsig_alg_t)i;
			return DNS_OK;
		}
	}
	return DNS_ENOTSUP;
}

uint8_t dns_tsig_alg_to_dnskey(dns_tsig_alg_t alg)
{
	const struct alg_info *a = alg_info(alg);
	return a ? a->dnskey : 0;
}

dns_tsig_alg_t dns_tsig_alg_from_dnskey(uint8_t number)
{
	for (int i = ALG_FIRST; i <= ALG_LAST; i++)
		if (algs[i].dnskey == number)
			return (dns_tsig_alg_t)i;
	return DNS_TSIG_ALG_NONE;
}

/* ---- single keys ---- */

/* Strict base64 (padding optional); the result must fit the secret. */
static dns_err_t base64_secret(const char *s, size_t len, uint8_t *out, size_t *outlen)
{
	char buf[4 * ((DNS_TSIG_SECRET_MAX + 2) / 3) + 4];
	unsigned char tmp[sizeof(buf)];
	size_t pad = 0;

	if (len == 0)
		return DNS_ELIMIT;
	if (len > sizeof(buf) - 4)
		return DNS_ELIMIT;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		bool b64 = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		           (c >= '0' && c <= '9') || c == '+' || c == '/';
		if (c == '=' && i + 2 >= len && (i + 1 == len || s[i + 1] == '='))
			pad++;
		else if (!b64 || pad)
			return DNS_ESYNTAX;
	}
	memcpy(buf, s, len);
	/* EVP_DecodeBlock wants whole quanta: complete missing padding. */
	while (len % 4) {
		buf[len++] = '=';
		pad++;
	}
	if (pad > 2)
		return DNS_ESYNTAX;
	int n = EVP_DecodeBlock(tmp, (const unsigned char *)buf, (int)len);
	if (n < 0 || (size_t)n < pad)
		return DNS_ESYNTAX;
	n -= (int)pad;
	if (n == 0)
		return DNS_ELIMIT;
	if ((size_t)n > DNS_TSIG_SECRET_MAX) {
		OPENSSL_cleanse(tmp, sizeof(tmp));
		return DNS_ELIMIT;
	}
	memcpy(out, tmp, (size_t)n);
	OPENSSL_cleanse(tmp, sizeof(tmp));
	*outlen = (size_t)n;
	return DNS_OK;
}

static dns_err_t key_name(dns_tsig_key_t *key, const char *s, size_t len)
{
	size_t outlen;
	if (len == 0)
		return DNS_ESYNTAX;
	/* Key names are always absolute: the root completes a relative one. */
	return dns_name_from_text(key->name, &outlen, s, len, dns_name_root);
}

dns_err_t dns_tsig_key_from_text(dns_tsig_key_t *key, const char *text, size_t len)
{
	const char *c2 = memrchr(text, ':', len);
	if (!c2)
		return DNS_ESYNTAX;
	const char *c1 = memrchr(text, ':', (size_t)(c2 - text));
	if (!c1)
		return DNS_ESYNTAX;
	const char *a = text, *b = c1 + 1, *secret = c2 + 1;
	size_t alen = (size_t)(c1 - text), blen = (size_t)(c2 - b);
	size_t slen = len - (size_t)(secret - text);

	memset(key, 0, sizeof(*key));
	/* name:alg:secret (ours); alg:name:secret (nsupdate -y) as a fallback. */
	dns_err_t err = dns_tsig_alg_from_text(b, blen, &key->alg);
	if (err == DNS_OK) {
		err = key_name(key, a, alen);
	} else if (dns_tsig_alg_from_text(a, alen, &key->alg) == DNS_OK) {
		err = key_name(key, b, blen);
	}
	if (err == DNS_OK)
		err = base64_secret(secret, slen, key->secret, &key->secret_len);
	if (err != DNS_OK)
		OPENSSL_cleanse(key, sizeof(*key));
	return err;
}

dns_err_t dns_tsig_key_to_text(const dns_tsig_key_t *key, char *out, size_t cap)
{
	char name[DNS_NAME_TEXT_MAX];
	const char *alg = dns_tsig_alg_to_text(key->alg);

	if (!alg || key->secret_len == 0 || key->secret_len > DNS_TSIG_SECRET_MAX)
		return DNS_EINVAL;
	if (dns_name_to_text(key->name, name, sizeof(name)) == 0)
		return DNS_EINVAL;
	int n = snprintf(out, cap, "%s:%s:", name, alg);
	if (n < 0 || (size_t)n >= cap)
		return DNS_ESPACE;
	size_t b64 = 4 * ((key->secret_len + 2) / 3);
	if ((size_t)n + b64 + 1 > cap)
		return DNS_ESPACE;
	EVP_EncodeBlock((unsigned char *)out + n, key->secret, (int)key->secret_len);
	return DNS_OK;
}

dns_err_t dns_tsig_key_from_dnskey(dns_tsig_key_t *key, const dns_rr_t *rr)
{
	if (rr->type != DNS_TYPE_DNSKEY)
		return DNS_EINVAL;
	/* flags (u16), protocol (u8, always 3), algorithm (u8), key */
	if (rr->rdlen < 4 || rr->rdata[2] != 3)
		return DNS_EMALFORMED;
	dns_tsig_alg_t alg = dns_tsig_alg_from_dnskey(rr->rdata[3]);
	if (alg == DNS_TSIG_ALG_NONE)
		return DNS_ENOTSUP;
	size_t n = (size_t)rr->rdlen - 4;
	if (n == 0 || n > DNS_TSIG_SECRET_MAX)
		return DNS_ELIMIT;
	memset(key, 0, sizeof(*key));
	dns_name_copy(key->name, rr->owner);
	key->alg = alg;
	memcpy(key->secret, rr->rdata + 4, n);
	key->secret_len = n;
	return DNS_OK;
}

/* ---- the key store: an array kept in canonical name order ---- */

struct dns_keystore {
	dns_tsig_key_t *keys;
	size_t n, cap;
};

dns_keystore_t *dns_keystore_new(void)
{
	return calloc(1, sizeof(dns_keystore_t));
}

void dns_keystore_free(dns_keystore_t *ks)
{
	if (!ks)
		return;
	if (ks->keys)
		OPENSSL_cleanse(ks->keys, ks->cap * sizeof(*ks->keys));
	free(ks->keys);
	free(ks);
}

/* Index of @name, or where it would be inserted (*found false). */
static size_t search(const dns_keystore_t *ks, const uint8_t *name, bool *found)
{
	size_t lo = 0, hi = ks->n;
	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = dns_name_compare(ks->keys[mid].name, name);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

dns_err_t dns_keystore_add(dns_keystore_t *ks, const dns_tsig_key_t *key)
{
	bool found;
	size_t at = search(ks, key->name, &found);
	if (found)
		return DNS_EEXIST;
	if (ks->n == ks->cap) {
		if (ks->cap >= KEYSTORE_MAX)
			return DNS_ELIMIT;
		size_t ncap = ks->cap ? ks->cap * 2 : 8;
		dns_tsig_key_t *nk = calloc(ncap, sizeof(*nk));
		if (!nk)
			return DNS_ENOMEM;
		if (ks->n)
			memcpy(nk, ks->keys, ks->n * sizeof(*nk));
		/* Secrets do not linger in freed memory. */
		if (ks->keys)
			OPENSSL_cleanse(ks->keys, ks->cap * sizeof(*ks->keys));
		free(ks->keys);
		ks->keys = nk;
		ks->cap = ncap;
	}
	memmove(ks->keys + at + 1, ks->keys + at, (ks->n - at) * sizeof(*ks->keys));
	ks->keys[at] = *key;
	ks->n++;
	return DNS_OK;
}

const dns_tsig_key_t *dns_keystore_find(const dns_keystore_t *ks, const uint8_t *name)
{
	bool found;
	size_t at = search(ks, name, &found);
	return found ? &ks->keys[at] : NULL;
}

size_t dns_keystore_count(const dns_keystore_t *ks) { return ks->n; }

const dns_tsig_key_t *dns_keystore_at(const dns_keystore_t *ks, size_t i)
{
	return i < ks->n ? &ks->keys[i] : NULL;
}

/* ---- key files ---- */

struct load_ctx {
	dns_keystore_t *ks;
	const uint8_t *zone;
	dns_zf_error_fn on_error;
	void *ctx;
	unsigned reported;
};

static void report(struct load_ctx *lc, const dns_zf_pos_t *pos, const char *msg)
{
	lc->reported++;
	if (lc->on_error)
		lc->on_error(lc->ctx, pos, msg);
}

static void on_parse_error(void *ctx, const dns_zf_pos_t *pos, const char *msg)
{
	/* Warnings concern TTLs and the like, meaningless for keys: dropped. */
	if (!dns_zf_is_warning(msg))
		report(ctx, pos, msg);
}

/*
 * A key's name must say what it may do (authority.h): a key without an
 * operation label grants nothing, and a zone's key file must not grant
 * rights over a zone above its own (a name inside the zone whose
 * rightmost operation label stands in the zone's own name, as in
 * "a._update.example.com." in the file of "_update.example.com.").
 * Such keys are reported and skipped: they are mistakes, never intended.
 */
static bool authority_ok(struct load_ctx *lc, const uint8_t *owner, const char *name,
                         const dns_zf_pos_t *pos)
{
	char msg[2 * DNS_NAME_TEXT_MAX + 160], zone[DNS_NAME_TEXT_MAX];
	dns_op_t op;
	const uint8_t *covers;
	if (dns_key_operation(owner, &op, &covers) != DNS_OK) {
		snprintf(msg, sizeof(msg),
		         "%s: the name has no _update, _transfer or _notify label: the key would "
		         "grant nothing", name);
		report(lc, pos, msg);
		return false;
	}
	if (!dns_name_is_subdomain(covers, lc->zone)) {
		dns_name_to_text(covers, zone, sizeof(zone));
		snprintf(msg, sizeof(msg),
		         "%s: the key would have authority over %s, above the zone of this key file",
		         name, zone);
		report(lc, pos, msg);
		return false;
	}
	return true;
}

static dns_err_t on_record(void *ctx, const dns_rr_t *rr, const dns_zf_pos_t *pos)
{
	struct load_ctx *lc = ctx;
	char name[DNS_NAME_TEXT_MAX], msg[DNS_NAME_TEXT_MAX + 64];
	dns_tsig_key_t key;

	dns_name_to_text(rr->owner, name, sizeof(name));
	if (rr->type != DNS_TYPE_DNSKEY) {
		snprintf(msg, sizeof(msg), "%s: not a DNSKEY record, ignored", name);
		report(lc, pos, msg);
		return DNS_OK;
	}
	if (!dns_name_is_subdomain(rr->owner, lc->zone)) {
		snprintf(msg, sizeof(msg), "%s: key outside the zone of this key file", name);
		report(lc, pos, msg);
		return DNS_OK;
	}
	if (!authority_ok(lc, rr->owner, name, pos))
		return DNS_OK;
	dns_err_t err = dns_tsig_key_from_dnskey(&key, rr);
	if (err == DNS_OK) {
		err = dns_keystore_add(lc->ks, &key);
		OPENSSL_cleanse(&key, sizeof(key));
		if (err == DNS_EEXIST) {
			snprintf(msg, sizeof(msg), "%s: a second key of this name", name);
			report(lc, pos, msg);
			return DNS_OK;
		}
		if (err == DNS_ENOMEM)
			return err;
	}
	if (err != DNS_OK) {
		const char *why = err == DNS_ENOTSUP ? "unknown TSIG algorithm (157, 161-165)"
		                  : err == DNS_ELIMIT ? "secret empty or longer than 128 bytes"
		                  : err == DNS_EMALFORMED ? "DNSKEY protocol is not 3"
		                                         : dns_strerror(err);
		snprintf(msg, sizeof(msg), "%s: %s", name, why);
		report(lc, pos, msg);
	}
	return DNS_OK;
}

static dns_err_t load_result(dns_err_t err, const struct load_ctx *lc)
{
	if (err == DNS_OK && lc->reported)
		return DNS_ESYNTAX;
	return err;
}

dns_err_t dns_keystore_load_file(dns_keystore_t *ks, const char *path, const uint8_t *zone,
                                 dns_zf_error_fn on_error, void *ctx)
{
	struct load_ctx lc = {ks, zone ? zone : dns_name_root, on_error, ctx, 0};
	dns_zf_options_t opt = {.origin = lc.zone, .no_include = true};
	dns_err_t err = dns_zonefile_parse_file(path, &opt, on_record, on_parse_error, &lc);
	return load_result(err, &lc);
}

dns_err_t dns_keystore_load_buffer(dns_keystore_t *ks, const char *name, const char *text,
                                   size_t len, const uint8_t *zone, dns_zf_error_fn on_error,
                                   void *ctx)
{
	struct load_ctx lc = {ks, zone ? zone : dns_name_root, on_error, ctx, 0};
	dns_zf_options_t opt = {.origin = lc.zone, .no_include = true};
	dns_err_t err = dns_zonefile_parse_buffer(name, text, len, &opt, on_record,
	                                          on_parse_error, &lc);
	return load_result(err, &lc);
}
