/*
 * dnssec_crypto.c - DNSKEY public keys as OpenSSL EVP keys and one-shot
 * signature checks (RFC 5702 RSA/SHA-2, RFC 6605 ECDSA, RFC 8080 EdDSA),
 * and DS digests (RFC 4509 SHA-256, RFC 6605 SHA-384).
 */
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <string.h>

#include "dnssec_int.h"

static const EVP_MD *alg_md(uint8_t alg)
{
	switch (alg) {
	case 8: case 13: return EVP_sha256();
	case 10: return EVP_sha512();
	case 14: return EVP_sha384();
	default: return NULL;  /* EdDSA hashes internally */
	}
}

bool dns_dnssec_alg_supported(uint8_t alg)
{
	switch (alg) {
	case 8: case 10: case 13: case 14: case 15: case 16: return true;
	default: return false;
	}
}

bool dns_dnssec_digest_supported(uint8_t digest_type)
{
	return digest_type == 2 || digest_type == 4;
}

/* RFC 3110 §2: exponent length (1 or 3 bytes), exponent, modulus. */
static EVP_PKEY *rsa_key(const uint8_t *k, size_t len)
{
	size_t elen, off;
	if (len < 3)
		return NULL;
	if (k[0]) {
		elen = k[0];
		off = 1;
	} else {
		elen = (size_t)k[1] << 8 | k[2];
		off = 3;
	}
	if (elen == 0 || off + elen >= len || len - off - elen > 4096 / 8 + 1)
		return NULL;
	EVP_PKEY *pkey = NULL;
	BIGNUM *e = BN_bin2bn(k + off, (int)elen, NULL);
	BIGNUM *n = BN_bin2bn(k + off + elen, (int)(len - off - elen), NULL);
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	if (e && n && bld && ctx && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) &&
	    (params = OSSL_PARAM_BLD_to_param(bld)) && EVP_PKEY_fromdata_init(ctx) == 1 &&
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		pkey = NULL;
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	BN_free(e);
	BN_free(n);
	return pkey;
}

/* RFC 6605 §4: X | Y, uncompressed point without the 0x04 prefix. */
static EVP_PKEY *ec_key(const char *group, const uint8_t *k, size_t len, size_t want)
{
	if (len != want)
		return NULL;
	uint8_t pt[1 + 96];
	pt[0] = 4;
	memcpy(pt + 1, k, len);
	OSSL_PARAM params[3] = {
		OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)group, 0),
		OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pt, len + 1),
		OSSL_PARAM_construct_end(),
	};
	EVP_PKEY *pkey = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (!ctx || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

static EVP_PKEY *dnskey_pkey(uint8_t alg, const uint8_t *k, size_t len)
{
	switch (alg) {
	case 8: case 10: return rsa_key(k, len);
	case 13: return ec_key("P-256", k, len, 64);
	case 14: return ec_key("P-384", k, len, 96);
	case 15: return len == 32 ? EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, k, len) : NULL;
	case 16: return len == 57 ? EVP_PKEY_new_raw_public_key(EVP_PKEY_ED448, NULL, k, len) : NULL;
	default: return NULL;
	}
}

/* ECDSA signatures are r | s on the wire and DER in OpenSSL. */
static size_t ecdsa_der(const uint8_t *sig, size_t len, uint8_t *out, size_t cap)
{
	ECDSA_SIG *s = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(sig, (int)(len / 2), NULL);
	BIGNUM *ss = BN_bin2bn(sig + len / 2, (int)(len / 2), NULL);
	size_t n = 0;
	if (s && r && ss && ECDSA_SIG_set0(s, r, ss) == 1) {
		r = ss = NULL;
		int need = i2d_ECDSA_SIG(s, NULL);
		if (need > 0 && (size_t)need <= cap) {
			uint8_t *p = out;
			n = (size_t)i2d_ECDSA_SIG(s, &p);
		}
	}
	BN_free(r);
	BN_free(ss);
	ECDSA_SIG_free(s);
	return n;
}

bool dns__dnssec_check(uint8_t alg, const uint8_t *key, size_t keylen, const uint8_t *data,
                       size_t dlen, const uint8_t *sig, size_t siglen)
{
	uint8_t der[160];
	if (alg == 13 || alg == 14) {
		if (siglen != (alg == 13 ? 64u : 96u))
			return false;
		siglen = ecdsa_der(sig, siglen, der, sizeof der);
		if (!siglen)
			return false;
		sig = der;
	}
	EVP_PKEY *pkey = dnskey_pkey(alg, key, keylen);
	if (!pkey)
		return false;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	bool ok = md && EVP_DigestVerifyInit(md, NULL, alg_md(alg), NULL, pkey) == 1 &&
	          EVP_DigestVerify(md, sig, siglen, data, dlen) == 1;
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pkey);
	return ok;
}

bool dns__dnssec_digest(uint8_t digest_type, const uint8_t *owner, size_t olen,
                        const uint8_t *key, size_t keylen, uint8_t *out, size_t *outlen)
{
	const EVP_MD *md = digest_type == 2 ? EVP_sha256() : digest_type == 4 ? EVP_sha384() : NULL;
	EVP_MD_CTX *c = md ? EVP_MD_CTX_new() : NULL;
	unsigned n = 0;
	bool ok = c && EVP_DigestInit_ex(c, md, NULL) == 1 && EVP_DigestUpdate(c, owner, olen) == 1 &&
	          EVP_DigestUpdate(c, key, keylen) == 1 && EVP_DigestFinal_ex(c, out, &n) == 1;
	EVP_MD_CTX_free(c);
	*outlen = n;
	return ok;
}
