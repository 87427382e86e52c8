/*
 * test_acme_jws.c - base64url, JWK thumbprints (RFC 7638 §3.1's vector),
 * ES256 and RS256 signatures checked with OpenSSL, the EAB JWS, account
 * key files, the DNS-01 digest, the ARI CertID (RFC 9773 §4.1's example).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/sha.h>

#include "acme/ari.h"
#include "acme/jws.h"
#include "acme_testlib.h"

static void test_b64url(void **state)
{
	static const uint8_t bytes[] = {0xfb, 0xff, 0x3e, 0x00, 0x01};
	char *s = acme_b64url(bytes, sizeof bytes);
	assert_string_equal(s, "-_8-AAE"); /* '+' '/' translated, no padding */
	uint8_t *back;
	size_t len;
	assert_int_equal(acme_b64url_decode(s, &back, &len), DNS_OK);
	assert_int_equal(len, sizeof bytes);
	assert_memory_equal(back, bytes, len);
	free(back);
	free(s);
	assert_int_equal(acme_b64url_decode("ab+c", &back, &len), DNS_ESYNTAX);
	assert_int_equal(acme_b64url_decode("a", &back, &len), DNS_ESYNTAX);
	assert_int_equal(acme_b64url_decode("a$bc", &back, &len), DNS_ESYNTAX);
}

/* RFC 7638 §3.1: the RSA key of RFC 7515 Appendix A.1 and its thumbprint. */
static void test_thumbprint_rfc7638(void **state)
{
	static const char *n64 =
	    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_"
	    "BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_"
	    "FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI"
	    "4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
	uint8_t *n;
	size_t nl;
	assert_int_equal(acme_b64url_decode(n64, &n, &nl), DNS_OK);
	BIGNUM *bn = BN_bin2bn(n, (int)nl, NULL), *be = BN_new();
	BN_set_word(be, 65537);
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
	OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_N, bn);
	OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_E, be);
	OSSL_PARAM *p = OSSL_PARAM_BLD_to_param(b);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	EVP_PKEY *key = NULL;
	assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
	assert_int_equal(EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, p), 1);
	char *jwk = acme_jwk_json(key);
	assert_non_null(jwk);
	assert_true(strncmp(jwk, "{\"e\":\"AQAB\",\"kty\":\"RSA\",\"n\":\"0vx7", 33) == 0);
	char *t = acme_jwk_thumbprint(key);
	assert_string_equal(t, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
	free(t);
	free(jwk);
	EVP_PKEY_free(key);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(p);
	OSSL_PARAM_BLD_free(b);
	BN_free(bn);
	BN_free(be);
	free(n);
}

/* The raw r||s back to DER, verified with OpenSSL against the JWK's key. */
static void verify_es256(EVP_PKEY *key, const char *input, const uint8_t *sig, size_t len)
{
	assert_int_equal(len, 64);
	ECDSA_SIG *s = ECDSA_SIG_new();
	ECDSA_SIG_set0(s, BN_bin2bn(sig, 32, NULL), BN_bin2bn(sig + 32, 32, NULL));
	unsigned char *der = NULL;
	int dl = i2d_ECDSA_SIG(s, &der);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	assert_int_equal(EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, key), 1);
	assert_int_equal(EVP_DigestVerify(ctx, der, (size_t)dl, (const unsigned char *)input,
	                                  strlen(input)),
	                 1);
	EVP_MD_CTX_free(ctx);
	OPENSSL_free(der);
	ECDSA_SIG_free(s);
}

static void test_es256_jws(void **state)
{
	EVP_PKEY *key = t_account_key();
	char *body = acme_jws(key, NULL, "nonce-1", "https://ca.test/new-acct", "{\"a\":1}");
	t_jws_t j;
	t_jws_open(body, &j);
	assert_string_equal(json_string_value(json_object_get(j.prot, "alg")), "ES256");
	assert_string_equal(json_string_value(json_object_get(j.prot, "nonce")), "nonce-1");
	assert_string_equal(json_string_value(json_object_get(j.prot, "url")),
	                    "https://ca.test/new-acct");
	json_t *jwk = json_object_get(j.prot, "jwk");
	assert_string_equal(json_string_value(json_object_get(jwk, "kty")), "EC");
	assert_string_equal(json_string_value(json_object_get(jwk, "crv")), "P-256");
	assert_null(json_object_get(j.prot, "kid"));
	assert_string_equal(j.payload_text, "{\"a\":1}");
	verify_es256(key, j.signing_input, j.sig, j.sig_len);
	/* a flipped bit must not verify: the check above is real */
	j.sig[5] ^= 1;
	ECDSA_SIG *s = ECDSA_SIG_new();
	ECDSA_SIG_set0(s, BN_bin2bn(j.sig, 32, NULL), BN_bin2bn(j.sig + 32, 32, NULL));
	unsigned char *der = NULL;
	int dl = i2d_ECDSA_SIG(s, &der);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, key);
	assert_int_not_equal(EVP_DigestVerify(ctx, der, (size_t)dl,
	                                      (const unsigned char *)j.signing_input,
	                                      strlen(j.signing_input)),
	                     1);
	EVP_MD_CTX_free(ctx);
	OPENSSL_free(der);
	ECDSA_SIG_free(s);
	t_jws_close(&j);
	free(body);
	/* with kid: no jwk; POST-as-GET: empty payload */
	body = acme_jws(key, "https://ca.test/acct/1", "n2", "https://ca.test/order/1", "");
	t_jws_open(body, &j);
	assert_string_equal(json_string_value(json_object_get(j.prot, "kid")),
	                    "https://ca.test/acct/1");
	assert_null(json_object_get(j.prot, "jwk"));
	assert_string_equal(j.payload_text, "");
	verify_es256(key, j.signing_input, j.sig, j.sig_len);
	t_jws_close(&j);
	free(body);
	EVP_PKEY_free(key);
}

static void test_rs256_jws(void **state)
{
	EVP_PKEY *key = NULL;
	char err[200];
	assert_int_equal(acme_key_from_seed(ACME_ALG_RS256, "rsa seed", 8, &key, err, sizeof err),
	                 DNS_OK);
	char *body = acme_jws(key, "kid", "n", "https://ca.test/x", "{}");
	t_jws_t j;
	t_jws_open(body, &j);
	assert_string_equal(json_string_value(json_object_get(j.prot, "alg")), "RS256");
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	assert_int_equal(EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, key), 1);
	assert_int_equal(EVP_DigestVerify(ctx, j.sig, j.sig_len,
	                                  (const unsigned char *)j.signing_input,
	                                  strlen(j.signing_input)),
	                 1);
	EVP_MD_CTX_free(ctx);
	t_jws_close(&j);
	free(body);
	EVP_PKEY_free(key);
}

static void test_eab(void **state)
{
	EVP_PKEY *key = t_account_key();
	static const uint8_t hmac_key[] = "a 32-byte EAB MAC key for tests!";
	char *body = acme_eab_jws(key, "kid-1", hmac_key, 32, "https://ca.test/new-acct");
	t_jws_t j;
	t_jws_open(body, &j);
	assert_string_equal(json_string_value(json_object_get(j.prot, "alg")), "HS256");
	assert_string_equal(json_string_value(json_object_get(j.prot, "kid")), "kid-1");
	assert_string_equal(json_string_value(json_object_get(j.prot, "url")),
	                    "https://ca.test/new-acct");
	assert_null(json_object_get(j.prot, "nonce")); /* RFC 8555 §7.3.4: no nonce */
	char *jwk = acme_jwk_json(key);
	assert_string_equal(j.payload_text, jwk); /* the payload is the account's JWK */
	uint8_t mac[32];
	unsigned ml = 0;
	HMAC(EVP_sha256(), hmac_key, 32, (const unsigned char *)j.signing_input,
	     strlen(j.signing_input), mac, &ml);
	assert_int_equal(j.sig_len, 32);
	assert_memory_equal(j.sig, mac, 32);
	free(jwk);
	t_jws_close(&j);
	free(body);
	EVP_PKEY_free(key);
}

static void test_dns01_digest(void **state)
{
	const char *token = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA";
	const char *thumb = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";
	char ka[200];
	snprintf(ka, sizeof ka, "%s.%s", token, thumb);
	uint8_t md[32];
	SHA256((const unsigned char *)ka, strlen(ka), md);
	char *want = acme_b64url(md, 32);
	char *got = acme_dns01_txt(token, thumb);
	assert_string_equal(got, want);
	assert_int_equal(strlen(got), 43);
	free(want);
	free(got);
}

static void test_key_file(void **state)
{
	char dir[] = "/tmp/test_acme_key.XXXXXX", path[64], err[200];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/account.key", dir);
	EVP_PKEY *a = NULL, *b = NULL;
	bool created = false;
	assert_int_equal(acme_key_load_or_create(path, ACME_ALG_ES256, &a, &created, err,
	                                         sizeof err),
	                 DNS_OK);
	assert_true(created);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(acme_key_load_or_create(path, ACME_ALG_ES256, &b, &created, err,
	                                         sizeof err),
	                 DNS_OK);
	assert_false(created);
	char *ta = acme_jwk_thumbprint(a), *tb = acme_jwk_thumbprint(b);
	assert_string_equal(ta, tb);
	free(ta);
	free(tb);
	EVP_PKEY_free(a);
	EVP_PKEY_free(b);
	/* seeded keys: the same seed, the same key; another seed, another key */
	assert_int_equal(acme_key_from_seed(ACME_ALG_ES256, "s1", 2, &a, err, sizeof err), DNS_OK);
	assert_int_equal(acme_key_from_seed(ACME_ALG_ES256, "s1", 2, &b, err, sizeof err), DNS_OK);
	EVP_PKEY *c = NULL;
	assert_int_equal(acme_key_from_seed(ACME_ALG_ES256, "s2", 2, &c, err, sizeof err), DNS_OK);
	ta = acme_jwk_thumbprint(a), tb = acme_jwk_thumbprint(b);
	char *tc = acme_jwk_thumbprint(c);
	assert_string_equal(ta, tb);
	assert_string_not_equal(ta, tc);
	free(ta), free(tb), free(tc);
	EVP_PKEY_free(a), EVP_PKEY_free(b), EVP_PKEY_free(c);
	/* not a key: a clear error */
	FILE *f = fopen(path, "w");
	fputs("not a key\n", f);
	fclose(f);
	assert_int_not_equal(acme_key_load_or_create(path, ACME_ALG_ES256, &a, &created, err,
	                                             sizeof err),
	                     DNS_OK);
	unlink(path);
	rmdir(dir);
}

/* RFC 9773 §4.1: AKI keyIdentifier 69:88:5B:...:C8:D4, serial 00:87:65:43:21. */
static void test_ari_certid(void **state)
{
	static const uint8_t aki[] = {0x69, 0x88, 0x5B, 0x6B, 0x87, 0x46, 0x40, 0x41, 0xE1, 0xB3,
	                              0x7B, 0x84, 0x7B, 0xA0, 0xAE, 0x2C, 0xDE, 0x01, 0xC8, 0xD4};
	X509 *x = t_cert("leaf", "issuer", 0x87654321, aki, sizeof aki);
	char *id = NULL;
	assert_int_equal(acme_ari_certid(x, &id), DNS_OK);
	assert_string_equal(id, "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE");
	char *url = acme_ari_url("https://ca.test/renewal-info/", id);
	assert_string_equal(url, "https://ca.test/renewal-info/aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE");
	free(url);
	free(id);
	X509_free(x);
	x = t_cert("leaf", "issuer", 5, NULL, 0);
	assert_int_equal(acme_ari_certid(x, &id), DNS_ENOTFOUND);
	X509_free(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_b64url),      cmocka_unit_test(test_thumbprint_rfc7638),
		cmocka_unit_test(test_es256_jws),   cmocka_unit_test(test_rs256_jws),
		cmocka_unit_test(test_eab),         cmocka_unit_test(test_dns01_digest),
		cmocka_unit_test(test_key_file),    cmocka_unit_test(test_ari_certid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
