/*
 * Fuzz the decoding of certificate records (certify): arbitrary bytes as
 * a TLSA rdata (kind, DER certificate, DER CSR), as a status TXT rdata,
 * as an RFC 3339 time, and as a list of length-prefixed TLSA rdatas
 * judged by the matching rule (chains walked through the CA records).
 * Must never crash, leak or read out of bounds.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dns/certify_records.h"

#define NOW INT64_C(1800000000)

static const uint8_t *spki(size_t *len)
{
	static uint8_t *der;
	static size_t n;
	if (der == NULL) {
		EVP_PKEY *k = NULL;
		if (dns_certify_key_from_seed(DNS_CERTIFY_KEY_P256, 0, "fuzz", 4, &k, NULL, 0) == DNS_OK)
			dns_certify_key_spki(k, &der, &n);
		EVP_PKEY_free(k);
	}
	*len = n;
	return der;
}

static void one_rdata(const uint8_t *p, size_t n)
{
	const uint8_t *der;
	size_t dl;
	if (dns_certify_tlsa_kind(p, n, &der, &dl) != DNS_CERTIFY_REC_OTHER) {
		X509 *x = dns_certify_d2i_cert(der, dl);
		if (x != NULL) {
			(void)dns_certify_renew_time(x, -1);
			(void)dns_certify_renew_time(x, 86400);
			X509_free(x);
		}
		X509_REQ_free(dns_certify_d2i_csr(der, dl));
	}
	dns_certify_status_t st;
	if (dns_certify_status_parse(p, n, &st) == DNS_OK) {
		char out[DNS_CERTIFY_STATUS_MAX + 1];
		dns_certify_status_format(&st, out, sizeof(out));
		dns_certify_status_describe(&st, out, sizeof(out));
	}
	int64_t t;
	(void)dns_certify_time_parse((const char *)p, n, &t);
}

/* u16 length, rdata; ... -> the matching rule */
static void as_rrset(const uint8_t *p, size_t n)
{
	STACK_OF(X509) *certs = sk_X509_new_null(), *cas = sk_X509_new_null();
	while (certs && cas && n >= 2) {
		size_t l = (size_t)(p[0] << 8 | p[1]);
		p += 2;
		n -= 2;
		if (l > n)
			break;
		const uint8_t *der;
		size_t dl;
		dns_certify_rec_t k = dns_certify_tlsa_kind(p, l, &der, &dl);
		X509 *x = k == DNS_CERTIFY_REC_CERT || k == DNS_CERTIFY_REC_CA ? dns_certify_d2i_cert(der, dl) : NULL;
		if (x != NULL && !sk_X509_push(k == DNS_CERTIFY_REC_CERT ? certs : cas, x))
			X509_free(x);
		p += l;
		n -= l;
	}
	static dns_certify_names_t names;
	if (names.n == 0)
		dns_certify_names_add(&names, "www.example.com", NULL, 0);
	dns_certify_match_opts_t o = {.names = &names, .now = NOW, .renew_before = -1};
	o.spki = spki(&o.spki_len);
	STACK_OF(X509) *chain = NULL;
	char why[256];
	if (o.spki != NULL && dns_certify_match(&o, certs, cas, &chain, why, sizeof(why)) == DNS_CERTIFY_MATCH)
		sk_X509_pop_free(chain, X509_free);
	sk_X509_pop_free(certs, X509_free);
	sk_X509_pop_free(cas, X509_free);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65535)
		return 0;
	one_rdata(data, size);
	as_rrset(data, size);
	return 0;
}
