/*
 * detrand.c - a deterministic random generator for a private OpenSSL
 * library context, so that OpenSSL's own RSA key generation and ECDSA
 * signing (CSR signatures) give the same result for the same seed.
 *
 * A tiny built-in provider ("dnscertify-det") offers one RAND algorithm,
 * DNSCERTIFY-DET, and the context is told to use it for its primary,
 * public and private generators (RAND_set_DRBG_type).  Each instance
 * ignores its parent and any entropy: it produces nothing until it is
 * given a 32-byte key K with the "dnscertify-seed" parameter, then
 * outputs, per request,
 *
 *     HMAC-SHA256(K, "dnscertify det v1 block" || be64(n)) for n = c, c+1, ...
 *
 * (truncated to the request), and replaces K by
 * HMAC-SHA256(K, "dnscertify det v1 next" || be64(n)) afterwards.
 * Additional input, when a caller gives some, is mixed into K first:
 * K = HMAC-SHA256(K, "dnscertify det v1 adin" || adin).
 *
 * This is only ever used for key material derived from a user's seed
 * (and for signatures made with such keys), never as a general RNG.
 */
#include <string.h>

#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#include "certify_int.h"

#define DET_NAME "DNSCERTIFY-DET"
#define DET_PROV "dnscertify-det"
#define DET_SEED_PARAM "dnscertify-seed"
#define DET_KEY_LEN 32
#define DET_MAX_REQUEST (1u << 16)

typedef struct det {
	uint8_t key[DET_KEY_LEN];
	uint64_t counter;
	int state;
	bool seeded;
} det_t;

static bool det_mac(const uint8_t key[DET_KEY_LEN], const char *label, const uint8_t *data,
                    size_t len, uint8_t out[32])
{
	size_t ll = strlen(label), outl = 0;
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	OSSL_PARAM p[] = {
		OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA256", 0),
		OSSL_PARAM_construct_end(),
	};
	bool ok = ctx != NULL && ll <= 64 && EVP_MAC_init(ctx, key, DET_KEY_LEN, p) &&
	          EVP_MAC_update(ctx, (const uint8_t *)label, ll) &&
	          (len == 0 || EVP_MAC_update(ctx, data, len)) && EVP_MAC_final(ctx, out, &outl, 32) &&
	          outl == 32;
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return ok;
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static void *det_new(void *provctx, void *parent, const OSSL_DISPATCH *parent_calls)
{
	det_t *d = OPENSSL_zalloc(sizeof(*d));
	if (d != NULL)
		d->state = EVP_RAND_STATE_UNINITIALISED;
	return d;
}

static void det_free(void *vd)
{
	OPENSSL_clear_free(vd, sizeof(det_t));
}

static int det_instantiate(void *vd, unsigned int strength, int pr, const unsigned char *pstr,
                           size_t pstr_len, const OSSL_PARAM params[])
{
	det_t *d = vd;
	d->state = EVP_RAND_STATE_READY;
	return 1;
}

static int det_uninstantiate(void *vd)
{
	det_t *d = vd;
	OPENSSL_cleanse(d->key, sizeof(d->key));
	d->seeded = false;
	d->state = EVP_RAND_STATE_UNINITIALISED;
	return 1;
}

static int det_generate(void *vd, unsigned char *out, size_t outlen, unsigned int strength,
                        int pr, const unsigned char *adin, size_t adin_len)
{
	det_t *d = vd;
	uint8_t block[32], ctr[8], next[DET_KEY_LEN];
	if (!d->seeded || d->state != EVP_RAND_STATE_READY || strength > 256)
		return 0;   /* never output anything before a seed was given */
	if (adin_len > 0) {
		if (!det_mac(d->key, "dnscertify det v1 adin", adin, adin_len, next))
			return 0;
		memcpy(d->key, next, sizeof(next));
	}
	for (size_t off = 0; off < outlen; off += sizeof(block)) {
		put64(ctr, d->counter++);
		if (!det_mac(d->key, "dnscertify det v1 block", ctr, sizeof(ctr), block))
			return 0;
		size_t n = outlen - off < sizeof(block) ? outlen - off : sizeof(block);
		memcpy(out + off, block, n);
	}
	put64(ctr, d->counter);
	if (!det_mac(d->key, "dnscertify det v1 next", ctr, sizeof(ctr), next))
		return 0;
	memcpy(d->key, next, sizeof(next));
	OPENSSL_cleanse(block, sizeof(block));
	OPENSSL_cleanse(next, sizeof(next));
	return 1;
}

static int det_reseed(void *vd, int pr, const unsigned char *ent, size_t ent_len,
                      const unsigned char *adin, size_t adin_len)
{
	return 1;   /* deterministic by design: entropy is not mixed in */
}

static int det_enable_locking(void *vd) { return 1; }
static int det_lock(void *vd) { return 1; }
static void det_unlock(void *vd) {}

static int det_get_ctx_params(void *vd, OSSL_PARAM params[])
{
	det_t *d = vd;
	OSSL_PARAM *p;
	if ((p = OSSL_PARAM_locate(params, OSSL_RAND_PARAM_STATE)) && !OSSL_PARAM_set_int(p, d->state))
		return 0;
	if ((p = OSSL_PARAM_locate(params, OSSL_RAND_PARAM_STRENGTH)) && !OSSL_PARAM_set_uint(p, 256))
		return 0;
	if ((p = OSSL_PARAM_locate(params, OSSL_RAND_PARAM_MAX_REQUEST)) &&
	    !OSSL_PARAM_set_size_t(p, DET_MAX_REQUEST))
		return 0;
	return 1;
}

static const OSSL_PARAM *det_gettable(void *vd, void *provctx)
{
	static const OSSL_PARAM t[] = {
		OSSL_PARAM_int(OSSL_RAND_PARAM_STATE, NULL),
		OSSL_PARAM_uint(OSSL_RAND_PARAM_STRENGTH, NULL),
		OSSL_PARAM_size_t(OSSL_RAND_PARAM_MAX_REQUEST, NULL),
		OSSL_PARAM_END,
	};
	return t;
}

/* The seed; OpenSSL's own DRBG parameters (reseed intervals) are ignored. */
static int det_set_ctx_params(void *vd, const OSSL_PARAM params[])
{
	det_t *d = vd;
	const OSSL_PARAM *p = OSSL_PARAM_locate_const(params, DET_SEED_PARAM);
	if (p == NULL)
		return 1;
	const void *v;
	size_t n;
	if (!OSSL_PARAM_get_octet_string_ptr(p, &v, &n) || n != DET_KEY_LEN)
		return 0;
	memcpy(d->key, v, DET_KEY_LEN);
	d->counter = 0;
	d->seeded = true;
	return 1;
}

static const OSSL_PARAM *det_settable(void *vd, void *provctx)
{
	static const OSSL_PARAM t[] = {
		OSSL_PARAM_octet_string(DET_SEED_PARAM, NULL, 0),
		OSSL_PARAM_END,
	};
	return t;
}

static const OSSL_DISPATCH det_functions[] = {
	{OSSL_FUNC_RAND_NEWCTX, (void (*)(void))det_new},
	{OSSL_FUNC_RAND_FREECTX, (void (*)(void))det_free},
	{OSSL_FUNC_RAND_INSTANTIATE, (void (*)(void))det_instantiate},
	{OSSL_FUNC_RAND_UNINSTANTIATE, (void (*)(void))det_uninstantiate},
	{OSSL_FUNC_RAND_GENERATE, (void (*)(void))det_generate},
	{OSSL_FUNC_RAND_RESEED, (void (*)(void))det_reseed},
	{OSSL_FUNC_RAND_ENABLE_LOCKING, (void (*)(void))det_enable_locking},
	{OSSL_FUNC_RAND_LOCK, (void (*)(void))det_lock},
	{OSSL_FUNC_RAND_UNLOCK, (void (*)(void))det_unlock},
	{OSSL_FUNC_RAND_GETTABLE_CTX_PARAMS, (void (*)(void))det_gettable},
	{OSSL_FUNC_RAND_GET_CTX_PARAMS, (void (*)(void))det_get_ctx_params},
	{OSSL_FUNC_RAND_SETTABLE_CTX_PARAMS, (void (*)(void))det_settable},
	{OSSL_FUNC_RAND_SET_CTX_PARAMS, (void (*)(void))det_set_ctx_params},
	{0, NULL},
};

static const OSSL_ALGORITHM det_algs[] = {
	{DET_NAME, "provider=" DET_PROV, det_functions, "deterministic generator of dnscertify"},
	{NULL, NULL, NULL, NULL},
};

static const OSSL_ALGORITHM *det_query(void *provctx, int operation_id, int *no_cache)
{
	*no_cache = 0;
	return operation_id == OSSL_OP_RAND ? det_algs : NULL;
}

static const OSSL_DISPATCH det_provider[] = {
	{OSSL_FUNC_PROVIDER_QUERY_OPERATION, (void (*)(void))det_query},
	{0, NULL},
};

static int det_provider_init(const OSSL_CORE_HANDLE *handle, const OSSL_DISPATCH *in,
                             const OSSL_DISPATCH **out, void **provctx)
{
	*out = det_provider;
	*provctx = NULL;
	return 1;
}

static bool seed_one(EVP_RAND_CTX *r, const uint8_t key[32])
{
	OSSL_PARAM p[] = {
		OSSL_PARAM_construct_octet_string(DET_SEED_PARAM, (void *)key, 32),
		OSSL_PARAM_construct_end(),
	};
	return r != NULL && EVP_RAND_CTX_set_params(r, p);
}

void certify_det_free(certify_det_t *d)
{
	if (d == NULL)
		return;
	if (d->det != NULL)
		OSSL_PROVIDER_unload(d->det);
	if (d->def != NULL)
		OSSL_PROVIDER_unload(d->def);
	OSSL_LIB_CTX_free(d->libctx);
	OPENSSL_free(d);
}

certify_det_t *certify_det_new(const uint8_t key[32])
{
	certify_det_t *d = OPENSSL_zalloc(sizeof(*d));
	if (d == NULL)
		return NULL;
	d->libctx = OSSL_LIB_CTX_new();
	if (d->libctx == NULL || !OSSL_PROVIDER_add_builtin(d->libctx, DET_PROV, det_provider_init))
		goto fail;
	d->def = OSSL_PROVIDER_load(d->libctx, "default");
	d->det = OSSL_PROVIDER_load(d->libctx, DET_PROV);
	if (d->def == NULL || d->det == NULL)
		goto fail;
	if (!RAND_set_DRBG_type(d->libctx, DET_NAME, "provider=" DET_PROV, NULL, NULL))
		goto fail;
	/* public and private differ, so that a public nonce never reveals the
	 * stream private values come from */
	uint8_t k2[32];
	if (!det_mac(key, "dnscertify det v1 public", NULL, 0, k2) ||
	    !seed_one(RAND_get0_private(d->libctx), key) ||
	    !seed_one(RAND_get0_public(d->libctx), k2) || !seed_one(RAND_get0_primary(d->libctx), k2)) {
		OPENSSL_cleanse(k2, sizeof(k2));
		goto fail;
	}
	OPENSSL_cleanse(k2, sizeof(k2));
	return d;
fail:
	certify_det_free(d);
	return NULL;
}
