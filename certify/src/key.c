/*
 * key.c - name sets and keys: generated, derived from a seed (the exact
 * derivation is documented in dns/certify_key.h), loaded from PEM.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/kdf.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "certify_int.h"
#include "dns/name.h"

/* EC scalars tried before giving up (each fails with probability < 2^-32). */
#define EC_SCALAR_TRIES 64

void certify_errf(char *err, size_t errlen, const char *fmt, ...)
{
	if (err == NULL || errlen == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

const char *certify_ssl_error(char *buf, size_t len)
{
	unsigned long e = ERR_get_error();
	if (e == 0)
		snprintf(buf, len, "unknown OpenSSL error");
	else
		ERR_error_string_n(e, buf, len);
	ERR_clear_error();
	return buf;
}

bool certify_hkdf(const void *seed, size_t seed_len, const char *info, uint8_t *out, size_t len)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	OSSL_PARAM p[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)seed, seed_len),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, strlen(info)),
		OSSL_PARAM_construct_end(),
	};
	bool ok = ctx != NULL && seed_len > 0 && EVP_KDF_derive(ctx, out, len, p) > 0;
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return ok;
}

/* ---- name sets ---- */

static bool host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

dns_err_t dns_certify_names_add(dns_certify_names_t *s, const char *name, char *err,
                                size_t errlen)
{
	char buf[DNS_CERTIFY_NAME_LEN];
	size_t n = strlen(name);
	if (n > 0 && name[n - 1] == '.')
		n--;
	if (n == 0 || n >= sizeof(buf)) {
		certify_errf(err, errlen, "'%s' is not a host name (empty or too long)", name);
		return DNS_ESYNTAX;
	}
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		buf[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	buf[n] = '\0';
	/* labels of letters, digits, '-' and '_', 1..63 long; "*" only first */
	size_t label = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || buf[i] == '.') {
			bool star = label == 1 && i == 1 && buf[0] == '*';
			if (label == 0 || label > 63 || (buf[i - label] == '-' && !star)) {
				certify_errf(err, errlen, "'%s' is not a host name (bad label)", name);
				return DNS_ESYNTAX;
			}
			label = 0;
		} else if (host_char(buf[i]) || (buf[i] == '*' && i == 0)) {
			label++;
		} else {
			certify_errf(err, errlen, "'%s' is not a host name (character '%c')", name, buf[i]);
			return DNS_ESYNTAX;
		}
	}
	if (buf[0] == '*' && (n < 3 || buf[1] != '.')) {
		certify_errf(err, errlen, "'%s': a wildcard must be a whole first label", name);
		return DNS_ESYNTAX;
	}
	if (dns_certify_names_contains(s, buf, n))
		return DNS_OK;
	if (s->n >= DNS_CERTIFY_NAMES_MAX) {
		certify_errf(err, errlen, "more than %d names", DNS_CERTIFY_NAMES_MAX);
		return DNS_ELIMIT;
	}
	memcpy(s->name[s->n++], buf, n + 1);
	return DNS_OK;
}

bool dns_certify_names_contains(const dns_certify_names_t *s, const char *name, size_t len)
{
	for (size_t i = 0; i < s->n; i++)
		if (strlen(s->name[i]) == len && strncasecmp(s->name[i], name, len) == 0)
			return true;
	return false;
}

bool dns_certify_names_equal(const dns_certify_names_t *a, const dns_certify_names_t *b)
{
	if (a->n != b->n)
		return false;   /* both are sets: same size and a within b is enough */
	for (size_t i = 0; i < a->n; i++)
		if (!dns_certify_names_contains(b, a->name[i], strlen(a->name[i])))
			return false;
	return true;
}

/* ---- key types ---- */

static const char *const type_names[] = {"p256", "p384", "rsa", "ed25519"};

dns_err_t dns_certify_keytype_parse(const char *text, dns_certify_keytype_t *t)
{
	for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (strcasecmp(text, type_names[i]) == 0) {
			*t = (dns_certify_keytype_t)i;
			return DNS_OK;
		}
	return DNS_ENOTSUP;
}

const char *dns_certify_keytype_text(dns_certify_keytype_t t)
{
	return (unsigned)t < 4 ? type_names[t] : "?";
}

static bool rsa_bits_ok(unsigned bits)
{
	return bits == 2048 || bits == 3072 || bits == 4096;
}

dns_err_t dns_certify_key_generate(dns_certify_keytype_t t, unsigned bits, EVP_PKEY **out,
                                   char *err, size_t errlen)
{
	char e[160];
	*out = NULL;
	switch (t) {
	case DNS_CERTIFY_KEY_P256: *out = EVP_EC_gen("P-256"); break;
	case DNS_CERTIFY_KEY_P384: *out = EVP_EC_gen("P-384"); break;
	case DNS_CERTIFY_KEY_ED25519: *out = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"); break;
	case DNS_CERTIFY_KEY_RSA:
		if (!rsa_bits_ok(bits)) {
			certify_errf(err, errlen, "RSA keys have 2048, 3072 or 4096 bits, not %u", bits);
			return DNS_EINVAL;
		}
		*out = EVP_RSA_gen(bits);
		break;
	default:
		return DNS_ENOTSUP;
	}
	if (*out == NULL) {
		certify_errf(err, errlen, "key generation failed: %s", certify_ssl_error(e, sizeof(e)));
		return DNS_ENOMEM;
	}
	return DNS_OK;
}

/* An EC key from its private scalar @d on the curve @group. */
static EVP_PKEY *ec_from_scalar(const EC_GROUP *group, const char *name, const BIGNUM *d)
{
	uint8_t pub[1 + 2 * 66];
	EVP_PKEY *pkey = NULL;
	EC_POINT *p = EC_POINT_new(group);
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	size_t plen = 0;
	if (p != NULL && EC_POINT_mul(group, p, d, NULL, NULL, NULL))
		plen = EC_POINT_point2oct(group, p, POINT_CONVERSION_UNCOMPRESSED, pub, sizeof(pub), NULL);
	if (plen > 0 && bld != NULL && pc != NULL &&
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, name, 0) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d) &&
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, plen) &&
	    (params = OSSL_PARAM_BLD_to_param(bld)) != NULL && EVP_PKEY_fromdata_init(pc) > 0 &&
	    EVP_PKEY_fromdata(pc, &pkey, EVP_PKEY_KEYPAIR, params) <= 0)
		pkey = NULL;
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(pc);
	EC_POINT_free(p);
	return pkey;
}

static EVP_PKEY *ec_from_seed(const void *seed, size_t seed_len, bool p384)
{
	size_t len = p384 ? 48 : 32;
	int nid = p384 ? NID_secp384r1 : NID_X9_62_prime256v1;
	const char *tname = p384 ? "p384" : "p256";
	EC_GROUP *group = EC_GROUP_new_by_curve_name_ex(NULL, NULL, nid);
	BIGNUM *d = BN_secure_new();
	EVP_PKEY *pkey = NULL;
	uint8_t buf[48];
	char info[64];
	for (int n = 0; group != NULL && d != NULL && pkey == NULL && n < EC_SCALAR_TRIES; n++) {
		snprintf(info, sizeof(info), "dnscertify key v1 %s %d", tname, n);
		if (!certify_hkdf(seed, seed_len, info, buf, len) || BN_bin2bn(buf, (int)len, d) == NULL)
			break;
		if (BN_is_zero(d) || BN_cmp(d, EC_GROUP_get0_order(group)) >= 0)
			continue;   /* outside [1, order): next counter */
		pkey = ec_from_scalar(group, p384 ? "P-384" : "P-256", d);
		if (pkey == NULL)
			break;
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	BN_clear_free(d);
	EC_GROUP_free(group);
	return pkey;
}

static EVP_PKEY *rsa_from_seed(const void *seed, size_t seed_len, unsigned bits)
{
	uint8_t k[32];
	char info[64];
	snprintf(info, sizeof(info), "dnscertify key v1 rsa %u", bits);
	if (!certify_hkdf(seed, seed_len, info, k, sizeof(k)))
		return NULL;
	certify_det_t *det = certify_det_new(k);
	OPENSSL_cleanse(k, sizeof(k));
	if (det == NULL)
		return NULL;
	EVP_PKEY *gen = NULL, *out = NULL;
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(det->libctx, "RSA", NULL);
	size_t nbits = bits;
	OSSL_PARAM p[] = {
		OSSL_PARAM_construct_size_t(OSSL_PKEY_PARAM_RSA_BITS, &nbits),
		OSSL_PARAM_construct_end(),
	};
	if (pc != NULL && EVP_PKEY_keygen_init(pc) > 0 && EVP_PKEY_CTX_set_params(pc, p) > 0 &&
	    EVP_PKEY_generate(pc, &gen) > 0) {
		/* move it to the default context: the private one goes away now */
		unsigned char *der = NULL;
		int len = i2d_PrivateKey(gen, &der);
		const unsigned char *q = der;
		if (len > 0)
			out = d2i_AutoPrivateKey_ex(NULL, &q, len, NULL, NULL);
		OPENSSL_clear_free(der, len > 0 ? (size_t)len : 0);
	}
	EVP_PKEY_free(gen);
	EVP_PKEY_CTX_free(pc);
	certify_det_free(det);
	return out;
}

dns_err_t dns_certify_key_from_seed(dns_certify_keytype_t t, unsigned bits, const void *seed,
                                    size_t seed_len, EVP_PKEY **out, char *err, size_t errlen)
{
	char e[160];
	uint8_t raw[32];
	*out = NULL;
	if (seed == NULL || seed_len == 0) {
		certify_errf(err, errlen, "the seed is empty");
		return DNS_EINVAL;
	}
	switch (t) {
	case DNS_CERTIFY_KEY_P256:
	case DNS_CERTIFY_KEY_P384:
		*out = ec_from_seed(seed, seed_len, t == DNS_CERTIFY_KEY_P384);
		break;
	case DNS_CERTIFY_KEY_ED25519:
		if (certify_hkdf(seed, seed_len, "dnscertify key v1 ed25519 0", raw, sizeof(raw)))
			*out = EVP_PKEY_new_raw_private_key_ex(NULL, "ED25519", NULL, raw, sizeof(raw));
		OPENSSL_cleanse(raw, sizeof(raw));
		break;
	case DNS_CERTIFY_KEY_RSA:
		if (!rsa_bits_ok(bits)) {
			certify_errf(err, errlen, "RSA keys have 2048, 3072 or 4096 bits, not %u", bits);
			return DNS_EINVAL;
		}
		*out = rsa_from_seed(seed, seed_len, bits);
		break;
	default:
		return DNS_ENOTSUP;
	}
	if (*out == NULL) {
		certify_errf(err, errlen, "key derivation failed: %s", certify_ssl_error(e, sizeof(e)));
		return DNS_ENOMEM;
	}
	return DNS_OK;
}

/* P-256, P-384, RSA >= 2048, Ed25519. */
static bool supported(const EVP_PKEY *k, char *err, size_t errlen)
{
	char group[32];
	if (EVP_PKEY_is_a(k, "ED25519"))
		return true;
	if (EVP_PKEY_is_a(k, "RSA")) {
		if (EVP_PKEY_get_bits(k) >= 2048)
			return true;
		certify_errf(err, errlen, "RSA key of %d bits (2048 at least)", EVP_PKEY_get_bits(k));
		return false;
	}
	if (EVP_PKEY_is_a(k, "EC") &&
	    EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), NULL) &&
	    (strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0 ||
	     strcmp(group, "secp384r1") == 0 || strcmp(group, "P-384") == 0))
		return true;
	certify_errf(err, errlen, "unsupported key type %s (want P-256, P-384, RSA or Ed25519)",
	             EVP_PKEY_get0_type_name(k) ? EVP_PKEY_get0_type_name(k) : "?");
	return false;
}

dns_err_t dns_certify_key_load(const char *path, EVP_PKEY **out, char *err, size_t errlen)
{
	char e[160];
	*out = NULL;
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		certify_errf(err, errlen, "%s: %m", path);
		return DNS_EIO;
	}
	EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (k == NULL) {
		certify_errf(err, errlen, "%s: not a PEM private key (%s)", path,
		             certify_ssl_error(e, sizeof(e)));
		return DNS_ESYNTAX;
	}
	char why[160];
	if (!supported(k, why, sizeof(why))) {
		certify_errf(err, errlen, "%s: %s", path, why);
		EVP_PKEY_free(k);
		return DNS_ENOTSUP;
	}
	*out = k;
	return DNS_OK;
}

dns_err_t dns_certify_key_pem(const EVP_PKEY *key, char **pem, size_t *len)
{
	BIO *b = BIO_new(BIO_s_secmem());
	char *data;
	dns_err_t r = DNS_ENOMEM;
	*pem = NULL;
	if (b != NULL && PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL)) {
		long n = BIO_get_mem_data(b, &data);
		*pem = OPENSSL_malloc((size_t)n + 1);
		if (*pem != NULL) {
			memcpy(*pem, data, (size_t)n);
			(*pem)[n] = '\0';
			*len = (size_t)n;
			r = DNS_OK;
		}
	}
	BIO_free(b);
	return r;
}

dns_err_t dns_certify_key_spki(const EVP_PKEY *key, uint8_t **der, size_t *len)
{
	unsigned char *p = NULL;
	int n = i2d_PUBKEY(key, &p);
	if (n <= 0)
		return DNS_EINVAL;
	*der = p;
	*len = (size_t)n;
	return DNS_OK;
}
