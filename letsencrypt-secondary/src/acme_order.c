/*
 * acme_order.c - what the machine needs besides the protocol flow: the
 * CSR's names and the chain's issuer (OpenSSL), JSON helpers (jansson).
 */
#include "acme_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "dns/certify_records.h"

static dns_err_t add_name(dns_certify_names_t *names, const unsigned char *s, int len, char *err,
                          size_t errlen)
{
	char buf[DNS_CERTIFY_NAME_LEN];
	if (len <= 0 || (size_t)len >= sizeof buf || memchr(s, 0, (size_t)len)) {
		snprintf(err, errlen, "the CSR holds an empty, too long or binary name");
		return DNS_EMALFORMED;
	}
	memcpy(buf, s, (size_t)len);
	buf[len] = 0;
	dns_err_t e = dns_certify_names_add(names, buf, err, errlen);
	if (e == DNS_ELIMIT)
		snprintf(err, errlen, "the CSR names more than %d names", DNS_CERTIFY_NAMES_MAX);
	return e == DNS_ESYNTAX ? DNS_EMALFORMED : e;
}

static dns_err_t san_names(GENERAL_NAMES *gens, dns_certify_names_t *names, char *err,
                           size_t errlen)
{
	for (int i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		if (g->type != GEN_DNS) {
			snprintf(err, errlen, "the CSR names something other than a DNS name");
			return DNS_ENOTSUP;
		}
		dns_err_t e = add_name(names, ASN1_STRING_get0_data(g->d.dNSName),
		                       ASN1_STRING_length(g->d.dNSName), err, errlen);
		if (e)
			return e;
	}
	return DNS_OK;
}

dns_err_t acme_csr_names(const uint8_t *der, size_t len, dns_certify_names_t *names, char *err,
                         size_t errlen)
{
	memset(names, 0, sizeof *names);
	X509_REQ *req = dns_certify_d2i_csr(der, len);
	if (!req) {
		snprintf(err, errlen, "the CSR is not one DER PKCS#10 request");
		return DNS_EMALFORMED;
	}
	dns_err_t e = DNS_OK;
	EVP_PKEY *pub = X509_REQ_get0_pubkey(req);
	if (!pub || X509_REQ_verify(req, pub) != 1) {
		snprintf(err, errlen, "the CSR's signature does not verify");
		e = DNS_EMALFORMED;
		goto out;
	}
	STACK_OF(X509_EXTENSION) *exts = X509_REQ_get_extensions(req);
	int crit = 0;
	GENERAL_NAMES *gens = exts ? X509V3_get_d2i(exts, NID_subject_alt_name, &crit, NULL) : NULL;
	if (gens)
		e = san_names(gens, names, err, errlen);
	GENERAL_NAMES_free(gens);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	if (e == DNS_OK && names->n == 0) {
		/* no subjectAltName: the CN is the one name */
		X509_NAME *subj = X509_REQ_get_subject_name(req);
		int idx = X509_NAME_get_index_by_NID(subj, NID_commonName, -1);
		ASN1_STRING *cn = idx >= 0 ? X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, idx))
		                           : NULL;
		if (cn)
			e = add_name(names, ASN1_STRING_get0_data(cn), ASN1_STRING_length(cn), err,
			             errlen);
	}
	if (e == DNS_OK && names->n == 0) {
		snprintf(err, errlen, "the CSR names no DNS name");
		e = DNS_EMALFORMED;
	}
out:
	X509_REQ_free(req);
	return e;
}

bool acme_chain_top_issuer(const char *pem, size_t len, char *cn, size_t cap)
{
	cn[0] = 0;
	if (len > ACME_BODY_MAX)
		return false;
	BIO *b = BIO_new_mem_buf(pem, (int)len);
	X509 *x, *last = NULL;
	int n = 0;
	while (b && n < 32 && (x = PEM_read_bio_X509(b, NULL, NULL, NULL))) {
		X509_free(last);
		last = x;
		n++;
	}
	BIO_free(b);
	if (!last)
		return false;
	if (X509_NAME_get_text_by_NID(X509_get_issuer_name(last), NID_commonName, cn, (int)cap) < 0)
		cn[0] = 0;
	X509_free(last);
	return true;
}

json_t *acme_json_object(const char *body, size_t len)
{
	if (!body || len > ACME_BODY_MAX)
		return NULL;
	json_error_t je;
	json_t *o = json_loadb(body, len, 0, &je);
	if (!json_is_object(o)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

void acme_problem_from_json(json_t *err, acme_problem_t *p)
{
	char *text = json_is_object(err) ? json_dumps(err, JSON_COMPACT) : NULL;
	if (text)
		acme_problem_parse(text, strlen(text), p);
	else
		memset(p, 0, sizeof *p);
	free(text);
}
