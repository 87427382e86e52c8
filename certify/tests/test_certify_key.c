/*
 * Unit tests of certify keys, name sets and CSRs: host-name validation,
 * key generation of every type, the documented seed derivation (EC
 * scalars recomputed here with HKDF; fixed public-key digests prove the
 * keys are the same in every run, RSA included), byte-identical CSRs from
 * one seed, CSR content (CN, subjectAltName, signature), loading PEM keys
 * and writing files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "../src/certify_int.h"
#include "dns/certify_key.h"

static void test_names(void **state)
{
	static dns_certify_names_t s, t;
	char err[200];
	memset(&s, 0, sizeof(s));
	assert_int_equal(dns_certify_names_add(&s, "WWW.Example.COM.", err, sizeof(err)), DNS_OK);
	assert_string_equal(s.name[0], "www.example.com");
	assert_int_equal(dns_certify_names_add(&s, "www.example.com", err, sizeof(err)), DNS_OK);
	assert_int_equal(s.n, 1);   /* a set */
	assert_int_equal(dns_certify_names_add(&s, "*.example.com", err, sizeof(err)), DNS_OK);
	assert_int_equal(dns_certify_names_add(&s, "_x-1.example.com", err, sizeof(err)), DNS_OK);
	static const char *const bad[] = {
		"", ".", "a..b", "a b.c", "-a.b", "a.*.b", "*a.b", "**.b", "a\\.b", "é.com",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(dns_certify_names_add(&s, bad[i], err, sizeof(err)), DNS_ESYNTAX);
	assert_int_equal(s.n, 3);
	memset(&t, 0, sizeof(t));
	assert_int_equal(dns_certify_names_add(&t, "_X-1.example.com", NULL, 0), DNS_OK);
	assert_int_equal(dns_certify_names_add(&t, "*.EXAMPLE.com", NULL, 0), DNS_OK);
	assert_false(dns_certify_names_equal(&s, &t));
	assert_int_equal(dns_certify_names_add(&t, "www.example.com", NULL, 0), DNS_OK);
	assert_true(dns_certify_names_equal(&s, &t));
	for (int i = 0; t.n < DNS_CERTIFY_NAMES_MAX; i++) {
		char n[32];
		snprintf(n, sizeof(n), "h%d.example.com", i);
		assert_int_equal(dns_certify_names_add(&t, n, err, sizeof(err)), DNS_OK);
	}
	assert_int_equal(t.n, DNS_CERTIFY_NAMES_MAX);
	assert_int_equal(dns_certify_names_add(&t, "one-more.example.com", err, sizeof(err)), DNS_ELIMIT);
}

static void test_keytypes_and_generate(void **state)
{
	dns_certify_keytype_t t;
	assert_int_equal(dns_certify_keytype_parse("P256", &t), DNS_OK);
	assert_int_equal(t, DNS_CERTIFY_KEY_P256);
	assert_int_equal(dns_certify_keytype_parse("ed25519", &t), DNS_OK);
	assert_int_equal(dns_certify_keytype_parse("dsa", &t), DNS_ENOTSUP);
	assert_string_equal(dns_certify_keytype_text(DNS_CERTIFY_KEY_P384), "p384");
	static const struct { dns_certify_keytype_t t; unsigned bits; const char *name; int kbits; } k[] = {
		{DNS_CERTIFY_KEY_P256, 0, "EC", 256},
		{DNS_CERTIFY_KEY_P384, 0, "EC", 384},
		{DNS_CERTIFY_KEY_ED25519, 0, "ED25519", 256},
		{DNS_CERTIFY_KEY_RSA, 2048, "RSA", 2048},
	};
	char err[200];
	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		EVP_PKEY *a = NULL, *b = NULL;
		assert_int_equal(dns_certify_key_generate(k[i].t, k[i].bits, &a, err, sizeof(err)), DNS_OK);
		assert_int_equal(dns_certify_key_generate(k[i].t, k[i].bits, &b, err, sizeof(err)), DNS_OK);
		assert_true(EVP_PKEY_is_a(a, k[i].name));
		assert_int_equal(EVP_PKEY_get_bits(a), k[i].kbits);
		assert_int_not_equal(EVP_PKEY_eq(a, b), 1);   /* random */
		EVP_PKEY_free(a);
		EVP_PKEY_free(b);
	}
	EVP_PKEY *x = NULL;
	assert_int_equal(dns_certify_key_generate(DNS_CERTIFY_KEY_RSA, 1024, &x, err, sizeof(err)), DNS_EINVAL);
	assert_null(x);
}

/* SHA-256 of the key's SubjectPublicKeyInfo, as hex. */
static void spki_hash(const EVP_PKEY *k, char hex[65])
{
	uint8_t *der, md[32];
	size_t len;
	unsigned mdlen;
	assert_int_equal(dns_certify_key_spki(k, &der, &len), DNS_OK);
	assert_true(EVP_Digest(der, len, md, &mdlen, EVP_sha256(), NULL));
	OPENSSL_free(der);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

static EVP_PKEY *seeded(dns_certify_keytype_t t, unsigned bits, const char *seed)
{
	EVP_PKEY *k = NULL;
	char err[200];
	assert_int_equal(dns_certify_key_from_seed(t, bits, seed, strlen(seed), &k, err, sizeof(err)), DNS_OK);
	return k;
}

static void hkdf(const char *seed, const char *info, uint8_t *out, size_t len)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *kc = EVP_KDF_CTX_new(kdf);
	OSSL_PARAM p[] = {
		OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA256", 0),
		OSSL_PARAM_construct_octet_string("key", (void *)seed, strlen(seed)),
		OSSL_PARAM_construct_octet_string("info", (void *)info, strlen(info)),
		OSSL_PARAM_construct_end(),
	};
	assert_true(EVP_KDF_derive(kc, out, len, p) > 0);
	EVP_KDF_CTX_free(kc);
	EVP_KDF_free(kdf);
}

static void test_seed_ec_derivation_exact(void **state)
{
	/* the documented derivation, recomputed: d = HKDF(seed, "dnscertify key v1 p256 0") */
	const char *seed = "correct horse battery staple";
	static const struct { dns_certify_keytype_t t; const char *info; size_t len; } c[] = {
		{DNS_CERTIFY_KEY_P256, "dnscertify key v1 p256 0", 32},
		{DNS_CERTIFY_KEY_P384, "dnscertify key v1 p384 0", 48},
	};
	for (size_t i = 0; i < 2; i++) {
		uint8_t want[48];
		hkdf(seed, c[i].info, want, c[i].len);
		EVP_PKEY *k = seeded(c[i].t, 0, seed);
		BIGNUM *d = NULL;
		assert_true(EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_PRIV_KEY, &d));
		uint8_t got[48];
		assert_int_equal(BN_bn2binpad(d, got, (int)c[i].len), (int)c[i].len);
		assert_memory_equal(got, want, c[i].len);
		BN_free(d);
		EVP_PKEY_free(k);
	}
	/* Ed25519: the private key is HKDF(seed, "dnscertify key v1 ed25519 0") */
	uint8_t want[32], got[32];
	size_t glen = sizeof(got);
	hkdf(seed, "dnscertify key v1 ed25519 0", want, sizeof(want));
	EVP_PKEY *k = seeded(DNS_CERTIFY_KEY_ED25519, 0, seed);
	assert_int_equal(EVP_PKEY_get_raw_private_key(k, got, &glen), 1);
	assert_int_equal(glen, 32);
	assert_memory_equal(got, want, 32);
	EVP_PKEY_free(k);
}

static void test_seed_keys_stable(void **state)
{
	/* Fixed digests: the same key in every run and on every machine with
	 * this OpenSSL (RSA via the deterministic generator of detrand.c). */
	static const struct { dns_certify_keytype_t t; unsigned bits; const char *spki; } c[] = {
		{DNS_CERTIFY_KEY_P256, 0, "0a4653e7cdb781476f8fd85276cfcabcc656e0a5e517d1a2e424a24f6b3a67ba"},
		{DNS_CERTIFY_KEY_P384, 0, "991f3d3a55204e776067c9d9c6ebc95cedd12ba33bd614d45651dbd82670b141"},
		{DNS_CERTIFY_KEY_ED25519, 0, "afe0980d9abf017bae1b454d43a8adcec63c62c7b991891a7c8b86afec1c09d2"},
		{DNS_CERTIFY_KEY_RSA, 2048, "8b803a6704cc5fdbfa2b8c12f6e75984ba5328211ffe66a05c72e89b491a4cc9"},
	};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		char h1[65], h2[65], h3[65];
		EVP_PKEY *a = seeded(c[i].t, c[i].bits, "test seed");
		EVP_PKEY *b = seeded(c[i].t, c[i].bits, "test seed");
		EVP_PKEY *o = seeded(c[i].t, c[i].bits, "other seed");
		spki_hash(a, h1);
		spki_hash(b, h2);
		spki_hash(o, h3);
		assert_string_equal(h1, h2);
		assert_string_not_equal(h1, h3);
		assert_string_equal(h1, c[i].spki);
		EVP_PKEY_free(a);
		EVP_PKEY_free(b);
		EVP_PKEY_free(o);
	}
}

static X509_REQ *parse_req(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	X509_REQ *r = d2i_X509_REQ(NULL, &p, (long)len);
	assert_non_null(r);
	assert_ptr_equal(p, der + len);
	return r;
}

static void check_csr(EVP_PKEY *key, const uint8_t *der, size_t len, const dns_certify_names_t *names)
{
	static dns_certify_names_t got;
	X509_REQ *r = parse_req(der, len);
	assert_int_equal(X509_REQ_verify(r, key), 1);
	assert_int_equal(certify_names_of_req(r, &got), DNS_OK);
	assert_true(dns_certify_names_equal(&got, names));
	char cn[256];
	assert_true(X509_NAME_get_text_by_NID(X509_REQ_get_subject_name(r), NID_commonName, cn, sizeof(cn)) > 0);
	assert_string_equal(cn, names->name[0]);
	X509_REQ_free(r);
}

static void test_csr(void **state)
{
	static dns_certify_names_t names;
	char err[200];
	memset(&names, 0, sizeof(names));
	assert_int_equal(dns_certify_names_add(&names, "host.example.com", NULL, 0), DNS_OK);
	assert_int_equal(dns_certify_names_add(&names, "alt.example.com", NULL, 0), DNS_OK);
	static const dns_certify_keytype_t types[] = {
		DNS_CERTIFY_KEY_P256, DNS_CERTIFY_KEY_P384, DNS_CERTIFY_KEY_ED25519, DNS_CERTIFY_KEY_RSA,
	};
	for (size_t i = 0; i < 4; i++) {
		EVP_PKEY *k = seeded(types[i], 2048, "csr seed");
		uint8_t *d1, *d2, *d3;
		size_t l1, l2, l3;
		assert_int_equal(dns_certify_csr_make(k, &names, "csr seed", 8, &d1, &l1, err, sizeof(err)), DNS_OK);
		assert_int_equal(dns_certify_csr_make(k, &names, "csr seed", 8, &d2, &l2, err, sizeof(err)), DNS_OK);
		assert_int_equal(dns_certify_csr_make(k, &names, NULL, 0, &d3, &l3, err, sizeof(err)), DNS_OK);
		/* one seed: byte-identical CSRs, ECDSA included */
		assert_int_equal(l1, l2);
		assert_memory_equal(d1, d2, l1);
		if (EVP_PKEY_is_a(k, "EC"))   /* without a seed ECDSA signatures are random */
			assert_true(l1 != l3 || memcmp(d1, d3, l1) != 0);
		check_csr(k, d1, l1, &names);
		check_csr(k, d3, l3, &names);
		OPENSSL_free(d1);
		OPENSSL_free(d2);
		OPENSSL_free(d3);
		EVP_PKEY_free(k);
	}
}

static void test_load_and_files(void **state)
{
	char dir[] = "/tmp/test_certify_key.XXXXXX", path[128], err[256];
	assert_non_null(mkdtemp(dir));
	EVP_PKEY *k = seeded(DNS_CERTIFY_KEY_P256, 0, "file seed"), *l = NULL;
	char *pem;
	size_t len;
	assert_int_equal(dns_certify_key_pem(k, &pem, &len), DNS_OK);
	snprintf(path, sizeof(path), "%s/key.pem", dir);
	assert_int_equal(dns_certify_write_file(path, pem, len, true, err, sizeof(err)), DNS_OK);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(dns_certify_write_file(path, pem, len, true, err, sizeof(err)), DNS_EEXIST);
	assert_int_equal(dns_certify_key_load(path, &l, err, sizeof(err)), DNS_OK);
	assert_int_equal(EVP_PKEY_eq(k, l), 1);
	EVP_PKEY_free(l);
	OPENSSL_free(pem);

	/* replaced atomically, readable */
	assert_int_equal(dns_certify_write_file(path, "not a key\n", 10, false, err, sizeof(err)), DNS_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_int_equal(dns_certify_key_load(path, &l, err, sizeof(err)), DNS_ESYNTAX);
	assert_null(l);

	/* RSA 1024 is refused */
	EVP_PKEY *small = EVP_RSA_gen(1024);
	assert_int_equal(dns_certify_key_pem(small, &pem, &len), DNS_OK);
	assert_int_equal(dns_certify_write_file(path, pem, len, false, err, sizeof(err)), DNS_OK);
	assert_int_equal(dns_certify_key_load(path, &l, err, sizeof(err)), DNS_ENOTSUP);
	assert_non_null(strstr(err, "1024"));
	OPENSSL_free(pem);
	EVP_PKEY_free(small);
	unlink(path);
	snprintf(path, sizeof(path), "%s/missing.pem", dir);
	assert_int_equal(dns_certify_key_load(path, &l, err, sizeof(err)), DNS_EIO);
	rmdir(dir);
	EVP_PKEY_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_keytypes_and_generate),
		cmocka_unit_test(test_seed_ec_derivation_exact),
		cmocka_unit_test(test_seed_keys_stable),
		cmocka_unit_test(test_csr),
		cmocka_unit_test(test_load_and_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
