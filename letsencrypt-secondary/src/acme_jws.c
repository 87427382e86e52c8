/*
 * acme_jws.c - base64url, JWK and its thumbprint, JWS signatures.
 */
#include "acme/jws.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

char *acme_b64url(const void *data, size_t len)
{
	if (len > ((size_t)1 << 28))
		return NULL;
	size_t cap = 4 * ((len + 2) / 3) + 1;
	unsigned char *out = malloc(cap);
	if (!out)
		return NULL;
	int n = EVP_EncodeBlock(out, data, (int)len);
	/* base64 -> base64url without padding (RFC 7515 §2) */
	while (n > 0 && out[n - 1] == '=')
		n--;
	out[n] = 0;
	for (int i = 0; i < n; i++) {
		if (out[i] == '+')
			out[i] = '-';
		else if (out[i] == '/')
			out[i] = '_';
	}
	return (char *)out;
}

dns_err_t acme_b64url_decode(const char *text, uint8_t **out, size_t *out_len)
{
	size_t len = strlen(text);
	while (len > 0 && text[len - 1] == '=')
		len--;
	if (len % 4 == 1 || len > ((size_t)1 << 28))
		return DNS_ESYNTAX;
	size_t plen = (len + 3) / 4 * 4;
	unsigned char *b = malloc(plen + 1);
	unsigned char *o = malloc(plen / 4 * 3 + 1);
	if (!b || !o) {
		free(b);
		free(o);
		return DNS_ENOMEM;
	}
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (c == '-')
			c = '+';
		else if (c == '_')
			c = '/';
		else if (c == '+' || c == '/')
			goto bad; /* plain base64, not base64url */
		b[i] = (unsigned char)c;
	}
	for (size_t i = len; i < plen; i++)
		b[i] = '=';
	int n = EVP_DecodeBlock(o, b, (int)plen);
	if (n < 0)
		goto bad;
	/* EVP_DecodeBlock counts the padding's zero bytes: remove them */
	n -= (int)(plen - len);
	free(b);
	*out = o;
	*out_len = (size_t)n;
	return DNS_OK;
bad:
	free(b);
	free(o);
	return DNS_ESYNTAX;
}

dns_err_t acme_key_alg(const EVP_PKEY *key, acme_alg_t *alg)
{
	if (EVP_PKEY_is_a(key, "RSA")) {
		if (EVP_PKEY_get_bits(key) < 2048)
			return DNS_ENOTSUP;
		*alg = ACME_ALG_RS256;
		return DNS_OK;
	}
	if (EVP_PKEY_is_a(key, "EC")) {
		char group[32];
		size_t glen = 0;
		if (!EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group,
		                                    sizeof group, &glen) ||
		    strcmp(group, "prime256v1") != 0)
			return DNS_ENOTSUP;
		*alg = ACME_ALG_ES256;
		return DNS_OK;
	}
	return DNS_ENOTSUP;
}

/* A big-number parameter as base64url of its bytes, @pad bytes long (0: minimal). */
static char *bn_param_b64(const EVP_PKEY *key, const char *param, int pad)
{
	BIGNUM *bn = NULL;
	if (!EVP_PKEY_get_bn_param(key, param, &bn))
		return NULL;
	int len = pad ? pad : BN_num_bytes(bn);
	unsigned char *buf = malloc(len > 0 ? (size_t)len : 1);
	char *r = NULL;
	if (buf && BN_bn2binpad(bn, buf, len) == len)
		r = acme_b64url(buf, (size_t)len);
	free(buf);
	BN_free(bn);
	return r;
}

static json_t *jwk_object(const EVP_PKEY *key)
{
	acme_alg_t alg;
	if (acme_key_alg(key, &alg) != DNS_OK)
		return NULL;
	char *a, *b;
	json_t *o;
	if (alg == ACME_ALG_ES256) {
		a = bn_param_b64(key, OSSL_PKEY_PARAM_EC_PUB_X, 32);
		b = bn_param_b64(key, OSSL_PKEY_PARAM_EC_PUB_Y, 32);
		o = (a && b) ? json_pack("{s:s,s:s,s:s,s:s}", "crv", "P-256", "kty", "EC", "x", a,
		                         "y", b)
		             : NULL;
	} else {
		a = bn_param_b64(key, OSSL_PKEY_PARAM_RSA_E, 0);
		b = bn_param_b64(key, OSSL_PKEY_PARAM_RSA_N, 0);
		o = (a && b) ? json_pack("{s:s,s:s,s:s}", "e", a, "kty", "RSA", "n", b) : NULL;
	}
	free(a);
	free(b);
	return o;
}

char *acme_jwk_json(const EVP_PKEY *key)
{
	json_t *o = jwk_object(key);
	if (!o)
		return NULL;
	/* compact, sorted keys: exactly RFC 7638's canonical form, since every
	 * member is an ASCII string needing no escapes */
	char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return s;
}

static char *sha256_b64(const void *data, size_t len)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	SHA256(data, len, md);
	return acme_b64url(md, sizeof md);
}

char *acme_jwk_thumbprint(const EVP_PKEY *key)
{
	char *jwk = acme_jwk_json(key);
	if (!jwk)
		return NULL;
	char *r = sha256_b64(jwk, strlen(jwk));
	free(jwk);
	return r;
}

char *acme_dns01_txt(const char *token, const char *thumbprint)
{
	size_t tl = strlen(token), pl = strlen(thumbprint);
	char *ka = malloc(tl + pl + 2);
	if (!ka)
		return NULL;
	memcpy(ka, token, tl);
	ka[tl] = '.';
	memcpy(ka + tl + 1, thumbprint, pl + 1);
	char *r = sha256_b64(ka, tl + pl + 1);
	free(ka);
	return r;
}

/* ECDSA's DER signature to JWS's fixed-size r||s (32 bytes each for P-256). */
static dns_err_t ecdsa_der_to_raw(const uint8_t *der, size_t len, uint8_t raw[64])
{
	const unsigned char *p = der;
	ECDSA_SIG *s = d2i_ECDSA_SIG(NULL, &p, (long)len);
	if (!s)
		return DNS_EMALFORMED;
	const BIGNUM *r, *sv;
	ECDSA_SIG_get0(s, &r, &sv);
	dns_err_t e = (BN_bn2binpad(r, raw, 32) == 32 && BN_bn2binpad(sv, raw + 32, 32) == 32)
	                  ? DNS_OK
	                  : DNS_EMALFORMED;
	ECDSA_SIG_free(s);
	return e;
}

dns_err_t acme_jws_sign_raw(EVP_PKEY *key, const void *data, size_t len, uint8_t **sig,
                            size_t *sig_len)
{
	acme_alg_t alg;
	dns_err_t e = acme_key_alg(key, &alg);
	if (e)
		return e;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint8_t *buf = NULL;
	size_t blen = 0;
	e = DNS_EINVAL;
	if (!ctx || EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key) != 1 ||
	    EVP_DigestSign(ctx, NULL, &blen, data, len) != 1 || !(buf = malloc(blen)) ||
	    EVP_DigestSign(ctx, buf, &blen, data, len) != 1)
		goto out;
	if (alg == ACME_ALG_ES256) {
		uint8_t *raw = malloc(64);
		if (!raw || (e = ecdsa_der_to_raw(buf, blen, raw)) != DNS_OK) {
			free(raw);
			e = raw ? e : DNS_ENOMEM;
			goto out;
		}
		free(buf);
		buf = raw;
		blen = 64;
	}
	*sig = buf;
	*sig_len = blen;
	buf = NULL;
	e = DNS_OK;
out:
	free(buf);
	EVP_MD_CTX_free(ctx);
	return e;
}

/* {"protected":P,"payload":B,"signature":S} from the protected header object. */
static char *flatten(json_t *prot, const char *payload, EVP_PKEY *key, const uint8_t *hmac,
                     size_t hmac_len)
{
	char *ph = json_dumps(prot, JSON_COMPACT);
	char *p64 = ph ? acme_b64url(ph, strlen(ph)) : NULL;
	char *b64 = acme_b64url(payload, strlen(payload));
	char *input = NULL, *s64 = NULL, *out = NULL;
	uint8_t *sig = NULL;
	size_t slen = 0;
	if (!p64 || !b64)
		goto done;
	size_t il = strlen(p64) + strlen(b64) + 2;
	if (!(input = malloc(il)))
		goto done;
	snprintf(input, il, "%s.%s", p64, b64);
	if (key) {
		if (acme_jws_sign_raw(key, input, il - 1, &sig, &slen) != DNS_OK)
			goto done;
	} else {
		unsigned int ml = 0;
		if (!(sig = malloc(EVP_MAX_MD_SIZE)) ||
		    !HMAC(EVP_sha256(), hmac, (int)hmac_len, (const unsigned char *)input, il - 1,
		          sig, &ml))
			goto done;
		slen = ml;
	}
	if (!(s64 = acme_b64url(sig, slen)))
		goto done;
	json_t *o = json_pack("{s:s,s:s,s:s}", "protected", p64, "payload", b64, "signature", s64);
	if (o) {
		out = json_dumps(o, JSON_COMPACT);
		json_decref(o);
	}
done:
	free(ph);
	free(p64);
	free(b64);
	free(input);
	free(sig);
	free(s64);
	return out;
}

char *acme_jws(EVP_PKEY *key, const char *kid, const char *nonce, const char *url,
               const char *payload)
{
	acme_alg_t alg;
	if (acme_key_alg(key, &alg) != DNS_OK)
		return NULL;
	json_t *prot = json_pack("{s:s,s:s,s:s}", "alg", alg == ACME_ALG_ES256 ? "ES256" : "RS256",
	                         "nonce", nonce, "url", url);
	if (!prot)
		return NULL;
	if (kid)
		json_object_set_new(prot, "kid", json_string(kid));
	else
		json_object_set_new(prot, "jwk", jwk_object(key));
	char *r = flatten(prot, payload, key, NULL, 0);
	json_decref(prot);
	return r;
}

char *acme_eab_jws(const EVP_PKEY *account_key, const char *eab_kid, const uint8_t *hmac_key,
                   size_t hmac_key_len, const char *new_account_url)
{
	char *jwk = acme_jwk_json(account_key);
	json_t *prot = json_pack("{s:s,s:s,s:s}", "alg", "HS256", "kid", eab_kid, "url",
	                         new_account_url);
	char *r = (jwk && prot) ? flatten(prot, jwk, NULL, hmac_key, hmac_key_len) : NULL;
	json_decref(prot);
	free(jwk);
	return r;
}
