/*
 * Unit tests of the certificate records and the matching rule: TLSA
 * kinds and encoding, strict DER, the status TXT (the documented format: parse,
 * format, garbage), RFC 3339 times, and every verdict of the rule: a
 * match with its chain, another key, other names (fewer, more), expired,
 * not yet valid, inside the renewal window (default third, and
 * --renew-before), a broken chain (missing issuer, a substituted
 * intermediate, a bad upper link), trust anchors, several candidates.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "certify_testlib.h"
#include "dns/certify_records.h"

#define DAY 86400

static void test_owner_and_tlsa(void **state)
{
	uint8_t name[DNS_NAME_MAX], rd[64];
	size_t len;
	char text[DNS_NAME_TEXT_MAX];
	assert_int_equal(dns_certify_owner("www.example.com.", name, &len), DNS_OK);
	dns_name_to_text(name, text, sizeof(text));
	assert_string_equal(text, "_letsencrypt._tcp.www.example.com.");
	assert_int_equal(dns_certify_owner("", name, &len), DNS_EINVAL);

	static const uint8_t der[] = {0x30, 0x03, 0x02, 0x01, 0x01};
	assert_int_equal(dns_certify_tlsa_encode(DNS_CERTIFY_REC_CSR, der, 5, rd, sizeof(rd), &len), DNS_OK);
	assert_int_equal(len, 8);
	assert_memory_equal(rd, "\x03\xff\x00", 3);
	const uint8_t *d;
	size_t dl;
	assert_int_equal(dns_certify_tlsa_kind(rd, len, &d, &dl), DNS_CERTIFY_REC_CSR);
	assert_ptr_equal(d, rd + 3);
	assert_int_equal(dl, 5);
	assert_int_equal(dns_certify_tlsa_encode(DNS_CERTIFY_REC_CERT, der, 5, rd, sizeof(rd), &len), DNS_OK);
	assert_memory_equal(rd, "\x03\x00\x00", 3);
	assert_int_equal(dns_certify_tlsa_kind(rd, len, NULL, NULL), DNS_CERTIFY_REC_CERT);
	assert_int_equal(dns_certify_tlsa_encode(DNS_CERTIFY_REC_CA, der, 5, rd, sizeof(rd), &len), DNS_OK);
	assert_memory_equal(rd, "\x00\x00\x00", 3);
	assert_int_equal(dns_certify_tlsa_kind(rd, len, NULL, NULL), DNS_CERTIFY_REC_CA);
	assert_int_equal(dns_certify_tlsa_encode(DNS_CERTIFY_REC_CA, der, 5, rd, 7, &len), DNS_ESPACE);
	assert_int_equal(dns_certify_tlsa_encode(DNS_CERTIFY_REC_OTHER, der, 5, rd, 64, &len), DNS_EINVAL);
	static const uint8_t other[] = {3, 1, 1, 0xAA}, shorty[] = {3, 0};
	assert_int_equal(dns_certify_tlsa_kind(other, 4, &d, &dl), DNS_CERTIFY_REC_OTHER);
	assert_null(d);
	assert_int_equal(dns_certify_tlsa_kind(shorty, 2, NULL, NULL), DNS_CERTIFY_REC_OTHER);
	/* a 3 0 0 with no data is a certificate record whose DER does not parse */
	assert_int_equal(dns_certify_tlsa_kind((const uint8_t *)"\3\0\0", 3, &d, &dl), DNS_CERTIFY_REC_CERT);
	assert_null(dns_certify_d2i_cert(d, dl));
}

static void test_strict_der(void **state)
{
	int64_t now = time(NULL);
	tl_ca_t ca;
	tl_ca_init(&ca, now);
	uint8_t der[4096];
	size_t n = tl_der(ca.inter, der, sizeof(der) - 1);
	X509 *x = dns_certify_d2i_cert(der, n);
	assert_non_null(x);
	X509_free(x);
	der[n] = 0;
	assert_null(dns_certify_d2i_cert(der, n + 1));   /* trailing byte */
	assert_null(dns_certify_d2i_cert(der, n - 1));   /* truncated */
	assert_null(dns_certify_d2i_csr(der, n));        /* a certificate is not a CSR */
	assert_null(dns_certify_d2i_cert((const uint8_t *)"garbage", 7));
	tl_ca_free(&ca);
}

static void txt(const char *s, uint8_t *rd, size_t *len)
{
	assert_int_equal(dns_certify_txt_rdata(s, rd, 4096, len), DNS_OK);
}

static void test_status(void **state)
{
	uint8_t rd[4096];
	size_t len;
	dns_certify_status_t st;
	char out[512];
	txt("v=certify1; state=failed; error=rateLimited; retry=2026-12-06T10:00:00Z; detail=too many certificates",
	    rd, &len);
	assert_int_equal(dns_certify_status_parse(rd, len, &st), DNS_OK);
	assert_int_equal(st.state, DNS_CERTIFY_STATE_FAILED);
	assert_string_equal(st.error, "rateLimited");
	assert_true(st.has_retry);
	assert_int_equal(st.retry, 1796551200);
	assert_string_equal(st.detail, "too many certificates");
	assert_int_equal(dns_certify_status_format(&st, out, sizeof(out)), DNS_OK);
	assert_string_equal(out, "v=certify1; state=failed; error=rateLimited; retry=2026-12-06T10:00:00Z; detail=too many certificates");
	dns_certify_status_describe(&st, out, sizeof(out));
	assert_string_equal(out, "failed: rateLimited, retry at 2026-12-06T10:00:00Z (too many certificates)");

	txt("v=certify1; state=pending", rd, &len);
	assert_int_equal(dns_certify_status_parse(rd, len, &st), DNS_OK);
	assert_int_equal(st.state, DNS_CERTIFY_STATE_PENDING);
	assert_false(st.has_retry);
	/* any order, unknown keys ignored, detail to the end with "; " and controls sanitised */
	txt("state=valid;v=certify1; future=x; detail=a; b\x1b[2J", rd, &len);
	assert_int_equal(dns_certify_status_parse(rd, len, &st), DNS_OK);
	assert_int_equal(st.state, DNS_CERTIFY_STATE_VALID);
	assert_string_equal(st.detail, "a; b?[2J");
	/* a long status split into several strings is joined */
	char longs[700];
	snprintf(longs, sizeof(longs), "v=certify1; state=pending; detail=%0600d", 7);
	txt(longs, rd, &len);
	assert_int_equal(rd[0], 255);
	assert_int_equal(dns_certify_status_parse(rd, len, &st), DNS_OK);
	assert_int_equal(strlen(st.detail), sizeof(st.detail) - 1);

	static const char *const ignored[] = {"hello world", "v=spf1 -all", "v=certify2; state=valid", "state=valid"};
	for (size_t i = 0; i < 4; i++) {
		txt(ignored[i], rd, &len);
		assert_int_equal(dns_certify_status_parse(rd, len, &st), DNS_ENOTFOUND);
	}
	static const char *const bad[] = {
		"v=certify1", "v=certify1; state=maybe", "v=certify1; state=failed; retry=tomorrow",
		"v=certify1; state=failed; retry=2026-02-30T00:00:00Z", "v=certify1; state=failed; error=a b",
		"v=certify1; junk; state=pending",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		txt(bad[i], rd, &len);
		assert_int_equal(dns_certify_status_parse(rd, len, &st), DNS_ESYNTAX);
	}
	static const uint8_t broken[] = {10, 'v', '='};
	assert_int_equal(dns_certify_status_parse(broken, sizeof(broken), &st), DNS_EMALFORMED);
	assert_int_equal(dns_certify_status_parse(broken, 0, &st), DNS_EMALFORMED);
	uint8_t big[5000];
	for (size_t i = 0; i < sizeof(big); i += 256) {
		size_t l = sizeof(big) - i - 1 < 255 ? sizeof(big) - i - 1 : 255;
		big[i] = (uint8_t)l;
		memset(big + i + 1, 'x', l);
	}
	assert_int_equal(dns_certify_status_parse(big, sizeof(big), &st), DNS_ELIMIT);
}

static void test_time(void **state)
{
	int64_t t;
	assert_int_equal(dns_certify_time_parse("1970-01-01T00:00:00Z", 20, &t), DNS_OK);
	assert_int_equal(t, 0);
	assert_int_equal(dns_certify_time_parse("2026-12-06T12:00:00.123+02:00", 29, &t), DNS_OK);
	assert_int_equal(t, 1796551200);
	assert_int_equal(dns_certify_time_parse("2026-12-06T10:00:00-01:30", 25, &t), DNS_OK);
	assert_int_equal(t, 1796551200 + 5400);
	assert_int_equal(dns_certify_time_parse("2026-12-06 10:00:00Z", 20, &t), DNS_ESYNTAX);
	assert_int_equal(dns_certify_time_parse("2026-12-06T10:00:00", 19, &t), DNS_ESYNTAX);
	assert_int_equal(dns_certify_time_parse("2026-13-06T10:00:00Z", 20, &t), DNS_ESYNTAX);
	char out[32];
	dns_certify_time_format(1796551200, out);
	assert_string_equal(out, "2026-12-06T10:00:00Z");
}

/* ---- the matching rule ---- */

typedef struct fix {
	int64_t now;
	tl_ca_t ca;
	EVP_PKEY *key, *other;
	uint8_t *spki;
	size_t spki_len;
	dns_certify_names_t names;
	dns_certify_match_opts_t o;
	STACK_OF(X509) *certs, *cas;
} fix_t;

static int fix_setup(void **state)
{
	fix_t *f = calloc(1, sizeof(*f));
	f->now = time(NULL);
	tl_ca_init(&f->ca, f->now);
	f->key = EVP_EC_gen("P-256");
	f->other = EVP_EC_gen("P-256");
	assert_int_equal(dns_certify_key_spki(f->key, &f->spki, &f->spki_len), DNS_OK);
	dns_certify_names_add(&f->names, "www.example.com", NULL, 0);
	dns_certify_names_add(&f->names, "alt.example.com", NULL, 0);
	f->o = (dns_certify_match_opts_t){.spki = f->spki, .spki_len = f->spki_len, .names = &f->names,
	                                  .now = f->now, .renew_before = -1};
	f->certs = sk_X509_new_null();
	f->cas = sk_X509_new_null();
	*state = f;
	return 0;
}

static int fix_teardown(void **state)
{
	fix_t *f = *state;
	sk_X509_pop_free(f->certs, X509_free);
	sk_X509_pop_free(f->cas, X509_free);
	OPENSSL_free(f->spki);
	EVP_PKEY_free(f->key);
	EVP_PKEY_free(f->other);
	tl_ca_free(&f->ca);
	free(f);
	return 0;
}

#define NAMES "DNS:www.example.com,DNS:alt.example.com"

static void add_cert(fix_t *f, X509 *x) { sk_X509_push(f->certs, x); }
static void add_ca(fix_t *f, X509 *x) { X509_up_ref(x); sk_X509_push(f->cas, x); }

static dns_certify_verdict_t verdict(fix_t *f, STACK_OF(X509) **chain)
{
	char why[256];
	dns_certify_verdict_t v = dns_certify_match(&f->o, f->certs, f->cas, chain, why, sizeof(why));
	if (v != DNS_CERTIFY_MATCH)
		assert_true(strlen(why) > 0);
	return v;
}

static void test_match_and_chain(void **state)
{
	fix_t *f = *state;
	STACK_OF(X509) *chain;
	assert_int_equal(verdict(f, &chain), DNS_CERTIFY_NO_CERT);
	X509 *ee = tl_ee(&f->ca, f->key, "www.example.com", NAMES, f->now - DAY, f->now + 89 * DAY);
	add_cert(f, ee);
	add_ca(f, f->ca.inter);
	assert_int_equal(verdict(f, &chain), DNS_CERTIFY_MATCH);
	assert_int_equal(sk_X509_num(chain), 2);
	assert_ptr_equal(sk_X509_value(chain, 0), ee);
	assert_ptr_equal(sk_X509_value(chain, 1), f->ca.inter);
	sk_X509_pop_free(chain, X509_free);
	/* the root too, published first: the chain is ordered from the leaf */
	sk_X509_insert(f->cas, f->ca.root, 0);
	X509_up_ref(f->ca.root);
	assert_int_equal(verdict(f, &chain), DNS_CERTIFY_MATCH);
	assert_int_equal(sk_X509_num(chain), 3);
	assert_ptr_equal(sk_X509_value(chain, 2), f->ca.root);
	sk_X509_pop_free(chain, X509_free);
	/* trust anchors */
	X509_STORE *st = X509_STORE_new();
	X509_STORE_add_cert(st, f->ca.root);
	f->o.anchors = st;
	assert_int_equal(verdict(f, NULL), DNS_CERTIFY_MATCH);
	X509_STORE_free(st);
	tl_ca_t other;
	tl_ca_init(&other, f->now);
	st = X509_STORE_new();
	X509_STORE_add_cert(st, other.root);
	f->o.anchors = st;
	assert_int_equal(verdict(f, NULL), DNS_CERTIFY_UNTRUSTED);
	X509_STORE_free(st);
	tl_ca_free(&other);
}

static void test_not_ours(void **state)
{
	fix_t *f = *state;
	add_ca(f, f->ca.inter);
	add_cert(f, tl_ee(&f->ca, f->other, "www.example.com", NAMES, f->now - DAY, f->now + 89 * DAY));
	assert_int_equal(verdict(f, NULL), DNS_CERTIFY_WRONG_KEY);
	add_cert(f, tl_ee(&f->ca, f->key, "www.example.com", "DNS:www.example.com", f->now - DAY, f->now + 89 * DAY));
	assert_int_equal(verdict(f, NULL), DNS_CERTIFY_WRONG_NAMES);
	add_cert(f, tl_ee(&f->ca, f->key, "www.example.com", NAMES ",DNS:more.example.com", f->now - DAY, f->now + 89 * DAY));
	assert_int_equal(verdict(f, NULL), DNS_CERTIFY_WRONG_NAMES);
	/* the CN counts as a name too */
	add_cert(f, tl_ee(&f->ca, f->key, "cn.example.com", NAMES, f->now - DAY, f->now + 89 * DAY));
	assert_int_equal(verdict(f, NULL), DNS_CERTIFY_WRONG_NAMES);
	/* names compare case-insensitively; the matching candidate wins */
	add_cert(f, tl_ee(&f->ca, f->key, "WWW.example.com", "DNS:alt.EXAMPLE.com,DNS:www.example.com", f->now - DAY, f->now + 89 * DAY));
	assert_int_equal(verdict(f, NULL), DNS_CERTIFY_MATCH);
}

static void test_validity(void **state)
{
	fix_t *f = *state;
	add_ca(f, f->ca.inter);
	add_cert(f, tl_ee(&f->ca, f->key, "www.example.com", NAMES, f->now - 91 * DAY, f->now - DAY));
	assert_int_equal(verdict(f, NULL), DNS_CERTIFY_EXPIRED);
	sk_X509_pop_free(f->certs, X509_free);
	f->certs = sk_X509_new_null();
	add_cert(f, tl_ee(&f->ca, f->key, "www.example.com", NAMES, f->now + DAY, f->now + 90 * DAY));
	assert_int_equal(verdict(f, NULL), DNS_CERTIFY_NOT_YET_VALID);
	sk_X509_pop_free(f->certs, X509_free);
	f->certs = sk_X509_new_null();
	/* 90 days, 61 elapsed: inside the last third */
	X509 *ee = tl_ee(&f->ca, f->key, "www.example.com", NAMES, f->now - 61 * DAY, f->now + 29 * DAY);
	add_cert(f, ee);
	assert_int_equal(verdict(f, NULL), DNS_CERTIFY_RENEWAL_DUE);
	assert_int_equal(dns_certify_renew_time(ee, -1), f->now - 61 * DAY + 60 * DAY);
	f->o.renew_before = 10 * DAY;
	assert_int_equal(verdict(f, NULL), DNS_CERTIFY_MATCH);
	assert_int_equal(dns_certify_renew_time(ee, 10 * DAY), f->now + 19 * DAY);
	f->o.renew_before = 30 * DAY;
	assert_int_equal(verdict(f, NULL), DNS_CERTIFY_RENEWAL_DUE);
	/* the closest candidate gives the verdict */
	add_cert(f, tl_ee(&f->ca, f->other, "www.example.com", NAMES, f->now - DAY, f->now + 89 * DAY));
	assert_int_equal(verdict(f, NULL), DNS_CERTIFY_RENEWAL_DUE);
}

static void test_broken_chain(void **state)
{
	fix_t *f = *state;
	add_cert(f, tl_ee(&f->ca, f->key, "www.example.com", NAMES, f->now - DAY, f->now + 89 * DAY));
	assert_int_equal(verdict(f, NULL), DNS_CERTIFY_BROKEN_CHAIN);   /* no CA record */
	/* an intermediate of the same name but another key */
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *fake = tl_cert(k, "Test Intermediate", NULL, f->now - DAY, f->now + 100 * DAY,
	                     f->ca.root, f->ca.root_key, true);
	add_ca(f, fake);
	assert_int_equal(verdict(f, NULL), DNS_CERTIFY_BROKEN_CHAIN);
	/* the intermediate's key and name, with a signature the published root did not make */
	sk_X509_pop_free(f->cas, X509_free);
	f->cas = sk_X509_new_null();
	X509 *resigned = tl_cert(f->ca.inter_key, "Test Intermediate", NULL, f->now - DAY,
	                          f->now + 100 * DAY, f->ca.root, k, true);
	add_ca(f, resigned);
	assert_int_equal(verdict(f, NULL), DNS_CERTIFY_MATCH);   /* the root need not be published */
	add_ca(f, f->ca.root);
	assert_int_equal(verdict(f, NULL), DNS_CERTIFY_BROKEN_CHAIN);   /* but if it is, it must hold */
	X509_free(fake);
	X509_free(resigned);
	EVP_PKEY_free(k);
	/* an expired intermediate */
	sk_X509_pop_free(f->cas, X509_free);
	f->cas = sk_X509_new_null();
	X509 *old = tl_cert(f->ca.inter_key, "Test Intermediate", NULL, f->now - 100 * DAY, f->now - DAY,
	                    f->ca.root, f->ca.root_key, true);
	add_ca(f, old);
	assert_int_equal(verdict(f, NULL), DNS_CERTIFY_BROKEN_CHAIN);
	X509_free(old);
	/* an end-entity certificate is no CA */
	sk_X509_pop_free(f->cas, X509_free);
	f->cas = sk_X509_new_null();
	X509 *notca = tl_cert(f->ca.inter_key, "Test Intermediate", NULL, f->now - DAY, f->now + DAY,
	                      f->ca.root, f->ca.root_key, false);
	add_ca(f, notca);
	assert_int_equal(verdict(f, NULL), DNS_CERTIFY_BROKEN_CHAIN);
	X509_free(notca);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_owner_and_tlsa),
		cmocka_unit_test(test_strict_der),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_time),
		cmocka_unit_test_setup_teardown(test_match_and_chain, fix_setup, fix_teardown),
		cmocka_unit_test_setup_teardown(test_not_ours, fix_setup, fix_teardown),
		cmocka_unit_test_setup_teardown(test_validity, fix_setup, fix_teardown),
		cmocka_unit_test_setup_teardown(test_broken_chain, fix_setup, fix_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
