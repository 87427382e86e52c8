/*
 * certify_testlib.c - a small test CA for the certify unit tests:
 * certificates with chosen keys, names, validity and issuer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "certify_testlib.h"

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (e == NULL || !X509_add_ext(x, e, -1))
		abort();
	X509_EXTENSION_free(e);
}

X509 *tl_cert(EVP_PKEY *key, const char *cn, const char *sans, int64_t not_before,
              int64_t not_after, X509 *issuer, EVP_PKEY *issuer_key, bool ca)
{
	X509 *x = X509_new();
	uint8_t serial[16];
	if (x == NULL || RAND_bytes(serial, sizeof(serial)) != 1)
		abort();
	serial[0] &= 0x7f;
	BIGNUM *bn = BN_bin2bn(serial, sizeof(serial), NULL);
	BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
	BN_free(bn);
	X509_set_version(x, 2);
	X509_NAME *name = X509_NAME_new();
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, name);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
	X509_NAME_free(name);
	ASN1_TIME_set(X509_getm_notBefore(x), (time_t)not_before);
	ASN1_TIME_set(X509_getm_notAfter(x), (time_t)not_after);
	X509_set_pubkey(x, key);
	X509 *iss = issuer ? issuer : x;
	add_ext(x, iss, NID_subject_key_identifier, "hash");
	add_ext(x, iss, NID_authority_key_identifier, "keyid:always");
	add_ext(x, iss, NID_basic_constraints, ca ? "critical,CA:TRUE" : "CA:FALSE");
	if (ca)
		add_ext(x, iss, NID_key_usage, "critical,keyCertSign,cRLSign");
	else
		add_ext(x, iss, NID_key_usage, "critical,digitalSignature");
	if (sans != NULL && sans[0] != '\0')
		add_ext(x, iss, NID_subject_alt_name, sans);
	EVP_PKEY *sk = issuer_key ? issuer_key : key;
	const EVP_MD *md = EVP_PKEY_is_a(sk, "ED25519") ? NULL : EVP_sha256();
	if (X509_sign(x, sk, md) <= 0)
		abort();
	return x;
}

void tl_ca_init(tl_ca_t *ca, int64_t now)
{
	ca->root_key = EVP_EC_gen("P-256");
	ca->inter_key = EVP_EC_gen("P-256");
	ca->root = tl_cert(ca->root_key, "Test Root", NULL, now - 86400 * 365, now + 86400 * 3650,
	                   NULL, NULL, true);
	ca->inter = tl_cert(ca->inter_key, "Test Intermediate", NULL, now - 86400 * 30,
	                    now + 86400 * 1000, ca->root, ca->root_key, true);
}

void tl_ca_free(tl_ca_t *ca)
{
	X509_free(ca->root);
	X509_free(ca->inter);
	EVP_PKEY_free(ca->root_key);
	EVP_PKEY_free(ca->inter_key);
}

X509 *tl_ee(const tl_ca_t *ca, EVP_PKEY *key, const char *cn, const char *sans, int64_t nb,
            int64_t na)
{
	return tl_cert(key, cn, sans, nb, na, ca->inter, ca->inter_key, false);
}

size_t tl_der(X509 *x, uint8_t *out, size_t cap)
{
	unsigned char *p = NULL;
	int n = i2d_X509(x, &p);
	if (n <= 0 || (size_t)n > cap)
		abort();
	memcpy(out, p, (size_t)n);
	OPENSSL_free(p);
	return (size_t)n;
}
