/* acme_testlib.c - see acme_testlib.h. */
#include "acme_testlib.h"

#include <stdarg.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "acme/jws.h"
#include "dns/certify_key.h"

EVP_PKEY *t_account_key(void)
{
	EVP_PKEY *k = NULL;
	char err[200];
	assert_int_equal(acme_key_from_seed(ACME_ALG_ES256, "libacme unit tests", 18, &k, err,
	                                    sizeof err),
	                 DNS_OK);
	return k;
}

uint8_t *t_csr(const char *const *names, size_t n, size_t *len)
{
	dns_certify_names_t *s = calloc(1, sizeof *s);
	char err[200];
	for (size_t i = 0; i < n; i++)
		assert_int_equal(dns_certify_names_add(s, names[i], err, sizeof err), DNS_OK);
	EVP_PKEY *k = NULL;
	assert_int_equal(dns_certify_key_from_seed(DNS_CERTIFY_KEY_P256, 0, "csr key", 7, &k, err,
	                                           sizeof err),
	                 DNS_OK);
	uint8_t *der = NULL;
	assert_int_equal(dns_certify_csr_make(k, s, "csr key", 7, &der, len, err, sizeof err),
	                 DNS_OK);
	uint8_t *copy = malloc(*len);
	memcpy(copy, der, *len);
	OPENSSL_free(der);
	EVP_PKEY_free(k);
	free(s);
	return copy;
}

static void set_cn(X509_NAME *n, const char *cn)
{
	X509_NAME_add_entry_by_NID(n, NID_commonName, MBSTRING_ASC, (const unsigned char *)cn, -1,
	                           -1, 0);
}

X509 *t_cert(const char *subject, const char *issuer, uint64_t serial, const uint8_t *aki,
             size_t aki_len)
{
	EVP_PKEY *k = t_account_key();
	X509 *x = X509_new();
	X509_set_version(x, 2);
	ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), serial);
	set_cn(X509_get_subject_name(x), subject);
	set_cn(X509_get_issuer_name(x), issuer);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, k);
	if (aki) {
		AUTHORITY_KEYID *a = AUTHORITY_KEYID_new();
		a->keyid = ASN1_OCTET_STRING_new();
		ASN1_OCTET_STRING_set(a->keyid, aki, (int)aki_len);
		X509_add1_ext_i2d(x, NID_authority_key_identifier, a, 0, 0);
		AUTHORITY_KEYID_free(a);
	}
	assert_true(X509_sign(x, k, EVP_sha256()) > 0);
	EVP_PKEY_free(k);
	/* through DER, so that the extensions are parsed as in a received one */
	unsigned char *der = NULL;
	int len = i2d_X509(x, &der);
	X509_free(x);
	const unsigned char *p = der;
	x = d2i_X509(NULL, &p, len);
	OPENSSL_free(der);
	assert_non_null(x);
	return x;
}

char *t_chain_pem(const char *leaf, const char *root)
{
	X509 *a = t_cert(leaf, "Intermediate", 1, NULL, 0);
	X509 *b = t_cert("Intermediate", root, 2, NULL, 0);
	BIO *bio = BIO_new(BIO_s_mem());
	PEM_write_bio_X509(bio, a);
	PEM_write_bio_X509(bio, b);
	char *data;
	long n = BIO_get_mem_data(bio, &data);
	char *r = strndup(data, (size_t)n);
	BIO_free(bio);
	X509_free(a);
	X509_free(b);
	return r;
}

static json_t *b64_json(const char *b64, char **text)
{
	uint8_t *raw = NULL;
	size_t len = 0;
	assert_int_equal(acme_b64url_decode(b64, &raw, &len), DNS_OK);
	*text = strndup((const char *)raw, len);
	free(raw);
	json_error_t je;
	return len ? json_loads(*text, 0, &je) : NULL;
}

void t_jws_open(const char *body, t_jws_t *j)
{
	memset(j, 0, sizeof *j);
	json_error_t je;
	json_t *o = json_loads(body, 0, &je);
	assert_non_null(o);
	const char *p = json_string_value(json_object_get(o, "protected"));
	const char *pl = json_string_value(json_object_get(o, "payload"));
	const char *s = json_string_value(json_object_get(o, "signature"));
	assert_non_null(p);
	assert_non_null(pl);
	assert_non_null(s);
	char *ptext;
	j->prot = b64_json(p, &ptext);
	free(ptext);
	assert_non_null(j->prot);
	j->payload = b64_json(pl, &j->payload_text);
	j->signing_input = malloc(strlen(p) + strlen(pl) + 2);
	sprintf(j->signing_input, "%s.%s", p, pl);
	assert_int_equal(acme_b64url_decode(s, &j->sig, &j->sig_len), DNS_OK);
	json_decref(o);
}

void t_jws_close(t_jws_t *j)
{
	json_decref(j->prot);
	json_decref(j->payload);
	free(j->payload_text);
	free(j->signing_input);
	free(j->sig);
}
