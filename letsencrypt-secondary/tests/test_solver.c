/*
 * test_solver - the solver's decisions (solver.h) on zones parsed from
 * text: which CSRs are ordered or refused, CAA pre-flight, the DNS-01
 * plan with CNAMEs, UPDATEs applied to the zone with dns_update (cleanup
 * by value keeps other TXT), the write-back, the propagation checks,
 * renewal points and backoff.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "acme/solver.h"
#include "acme_testlib.h"
#include "dns/name.h"
#include "dns/rrtype.h"
#include "dns/update.h"
#include "dns/zonefile.h"

static dns_zone_t *zone_of(const char *origin, const char *text)
{
	uint8_t o[DNS_NAME_MAX];
	size_t ol;
	assert_int_equal(dns_name_from_text(o, &ol, origin, strlen(origin), (const uint8_t *)""), DNS_OK);
	dns_zf_options_t opt = {.origin = o, .no_include = true};
	dns_zone_t *z = NULL;
	assert_int_equal(dns_zone_load_buffer(origin, text, strlen(text), &opt, &z, NULL, NULL),
	                 DNS_OK);
	return z;
}

#define SOA "@ 3600 IN SOA ns1 host 10 3600 600 86400 60\n@ 3600 IN NS ns1\n" \
            "ns1 3600 IN A 192.0.2.53\n@ 3600 IN NS ns.other.test.\n"

static char *hex(const uint8_t *d, size_t n)
{
	char *s = malloc(2 * n + 1);
	for (size_t i = 0; i < n; i++)
		sprintf(s + 2 * i, "%02X", d[i]);
	return s;
}

/* example.test (with CSRs for www, bad, out, two) and other.test. */
typedef struct fixture {
	dns_zone_t *z[2];
	uint8_t origin[2][DNS_NAME_MAX];
	les_zone_t zones[2];
} fixture_t;

static void fixture_make(fixture_t *f, const char *extra)
{
	const char *const www[] = {"www.example.test", "*.www.example.test"};
	const char *const out[] = {"out.example.test", "www.elsewhere.test"};
	size_t l1, l2;
	uint8_t *c1 = t_csr(www, 2, &l1), *c2 = t_csr(out, 2, &l2);
	char *h1 = hex(c1, l1), *h2 = hex(c2, l2);
	size_t cap = strlen(h1) * 3 + strlen(h2) + (extra ? strlen(extra) : 0) + 4096;
	char *text = malloc(cap);
	snprintf(text, cap,
	         SOA "_letsencrypt._tcp.www 3600 IN TLSA 3 255 0 %s\n"
	         "_letsencrypt._tcp.www 3600 IN TXT \"v=certify1; state=pending\"\n"
	         "_letsencrypt._tcp.out 3600 IN TLSA 3 255 0 %s\n"
	         "_letsencrypt._tcp.bad 3600 IN TLSA 3 255 0 30820102\n"
	         "_letsencrypt._tcp.two 3600 IN TLSA 3 255 0 %s\n"
	         "_letsencrypt._tcp.two 3600 IN TLSA 3 255 0 %s\n"
	         "_acme-challenge.cn 3600 IN CNAME x.other.test.\n%s",
	         h1, h2, h1, h2, extra ? extra : "");
	f->z[0] = zone_of("example.test", text);
	f->z[1] = zone_of("other.test", "@ 3600 IN SOA ns host 7 3600 600 86400 60\n"
	                                 "@ 3600 IN NS ns\nns 3600 IN AAAA 2001:db8::53\n"
	                                 "x 3600 IN TXT \"keep me\"\n");
	for (int i = 0; i < 2; i++) {
		size_t l;
		dns_name_from_text(f->origin[i], &l, i ? "other.test" : "example.test", 12 - i * 2,
		                   (const uint8_t *)"");
		f->zones[i] = (les_zone_t){.origin = f->origin[i], .zone = f->z[i]};
	}
	free(text);
	free(h1);
	free(h2);
	free(c1);
	free(c2);
}

static void fixture_free(fixture_t *f)
{
	dns_zone_unref(f->z[0]);
	dns_zone_unref(f->z[1]);
}

static const les_csr_t *find_host(const les_csr_t *c, size_t n, const char *host)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(c[i].host, host) == 0)
			return &c[i];
	return NULL;
}

static void test_scan(void **state)
{
	fixture_t f;
	fixture_make(&f, NULL);
	les_csr_t *c;
	size_t n;
	assert_int_equal(les_scan_zone(f.zones, 2, 0, 1800000000, &c, &n), DNS_OK);
	assert_int_equal(n, 3);  /* www, out, bad; "two" holds two CSRs: skipped */
	const les_csr_t *www = find_host(c, n, "www.example.test");
	assert_non_null(www);
	assert_int_equal(www->state, LES_CSR_ORDER);
	assert_int_equal(www->names->n, 2);
	assert_true(www->has_status);
	assert_int_equal(www->status.state, DNS_CERTIFY_STATE_PENDING);
	const les_csr_t *out = find_host(c, n, "out.example.test");
	assert_int_equal(out->state, LES_CSR_REJECT);
	assert_string_equal(out->error, "names");
	assert_non_null(strstr(out->detail, "www.elsewhere.test"));
	const les_csr_t *bad = find_host(c, n, "bad.example.test");
	assert_int_equal(bad->state, LES_CSR_REJECT);
	assert_string_equal(bad->error, "csr");
	assert_null(find_host(c, n, "two.example.test"));
	for (size_t i = 0; i < n; i++)
		les_csr_clear(&c[i]);
	free(c);
	fixture_free(&f);
}

/* A CSR naming @n names, built with OpenSSL directly (libdnscertify's
 * builder stops at DNS_CERTIFY_NAMES_MAX, as it should). */
static uint8_t *big_csr(const char *const *names, size_t n, size_t *len)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509_REQ *r = X509_REQ_new();
	X509_NAME *subj = X509_NAME_new();
	X509_NAME_add_entry_by_txt(subj, "CN", MBSTRING_ASC, (const unsigned char *)names[0], -1,
	                           -1, 0);
	X509_REQ_set_subject_name(r, subj);
	X509_REQ_set_pubkey(r, k);
	GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
	for (size_t i = 0; i < n; i++) {
		ASN1_IA5STRING *ia5 = ASN1_IA5STRING_new();
		ASN1_STRING_set(ia5, names[i], -1);
		GENERAL_NAME *g = GENERAL_NAME_new();
		GENERAL_NAME_set0_value(g, GEN_DNS, ia5);
		sk_GENERAL_NAME_push(gens, g);
	}
	STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
	sk_X509_EXTENSION_push(exts, X509V3_EXT_i2d(NID_subject_alt_name, 0, gens));
	X509_REQ_add_extensions(r, exts);
	assert_true(X509_REQ_sign(r, k, EVP_sha256()) > 0);
	unsigned char *der = NULL;
	int l = i2d_X509_REQ(r, &der);
	assert_true(l > 0);
	uint8_t *out = malloc((size_t)l);
	memcpy(out, der, (size_t)l);
	*len = (size_t)l;
	OPENSSL_free(der);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	GENERAL_NAMES_free(gens);
	X509_NAME_free(subj);
	X509_REQ_free(r);
	EVP_PKEY_free(k);
	return out;
}

/* Bad input in the zone: a CSR whose signature does not verify, one
 * naming 500 names, and 2000 junk TLSA records over 400 owners (junk
 * "CSRs", "certificates" and CA records): every owner with one CSR gets a
 * refusal that says why ("csr"), nothing is ordered, and the scan ends. */
static void test_scan_bad_input(void **state)
{
	const char *const one[] = {"sig.example.test"};
	static char many_txt[500][32];
	const char *many[500];
	for (int i = 0; i < 500; i++) {
		snprintf(many_txt[i], sizeof many_txt[i], "n%d.example.test", i);
		many[i] = many_txt[i];
	}
	many[0] = "big.example.test";
	size_t l1, l2;
	uint8_t *c1 = t_csr(one, 1, &l1), *c2 = big_csr(many, 500, &l2);
	assert_non_null(c2);
	c1[l1 - 5] ^= 0x01;   /* inside the signature */
	char *h1 = hex(c1, l1), *h2 = hex(c2, l2);
	/* the 500-name CSR (~19 KB of hex) in chunks: zone file tokens are bounded */
	char *h2s = malloc(strlen(h2) * 2 + 8), *q = h2s;
	*q++ = '(';
	for (size_t i = 0; h2[i]; i++) {
		if (i % 64 == 0)
			*q++ = '\n';
		*q++ = h2[i];
	}
	*q++ = ')';
	*q = 0;
	free(h2);
	h2 = h2s;
	size_t cap = strlen(h1) + strlen(h2) + 2000 * 128 + 4096;
	char *extra = malloc(cap), *p = extra;
	p += sprintf(p, "_letsencrypt._tcp.sig 3600 IN TLSA 3 255 0 %s\n"
	                "_letsencrypt._tcp.big 3600 IN TLSA 3 255 0 %s\n", h1, h2);
	for (int i = 0; i < 2000; i++) {
		static const char *const kinds[] = {"3 255 0", "3 0 0", "0 0 0", "1 1 0", "2 0 0"};
		p += sprintf(p, "_letsencrypt._tcp.j%d 60 IN TLSA %s %08X%08X30%02X\n", i / 5,
		             kinds[i % 5], (unsigned)i * 2654435761u, (unsigned)i, i % 256);
	}
	fixture_t f;
	fixture_make(&f, extra);
	les_csr_t *c;
	size_t n;
	assert_int_equal(les_scan_zone(f.zones, 2, 0, 1800000000, &c, &n), DNS_OK);
	const les_csr_t *sig = find_host(c, n, "sig.example.test");
	assert_non_null(sig);
	assert_int_equal(sig->state, LES_CSR_REJECT);
	assert_string_equal(sig->error, "csr");
	assert_true(sig->detail[0] != 0);
	const les_csr_t *big = find_host(c, n, "big.example.test");
	assert_non_null(big);
	assert_int_equal(big->state, LES_CSR_REJECT);
	assert_string_equal(big->error, "csr");
	size_t junk = 0;
	for (size_t i = 0; i < n; i++) {
		if (strncmp(c[i].host, "j", 1) == 0) {
			junk++;
			assert_int_equal(c[i].state, LES_CSR_REJECT);
			assert_string_equal(c[i].error, "csr");
		}
		les_csr_clear(&c[i]);
	}
	assert_int_equal(junk, 400);   /* each junk owner holds exactly one 3 255 0 */
	free(c);
	fixture_free(&f);
	free(extra);
	free(h1);
	free(h2);
	free(c1);
	free(c2);
}

static void test_renew_backoff(void **state)
{
	/* 90 days: a third before the end; 6 days: half */
	assert_int_equal(les_renew_time(0, 90 * 86400), 60 * 86400);
	assert_int_equal(les_renew_time(0, 6 * 86400), 3 * 86400);
	assert_int_equal(les_renew_time(0, 10 * 86400), 5 * 86400);
	assert_int_equal(les_backoff_ms(1), 60000);
	assert_int_equal(les_backoff_ms(2), 600000);
	assert_int_equal(les_backoff_ms(3), 6000000);
	assert_int_equal(les_backoff_ms(4), 86400000);
	assert_int_equal(les_backoff_ms(40), 86400000);
	acme_problem_t p = {.retry_at_ms = 1000 + 3 * 3600 * 1000};
	strcpy(p.type, "rateLimited");
	assert_int_equal(les_retry_at(1000, 1, &p), p.retry_at_ms);  /* Retry-After wins */
	p.retry_at_ms = 2000;
	assert_int_equal(les_retry_at(1000, 2, &p), 601000);          /* backoff wins */
}

static bool caa(const char *records, const char *name, const char *acct, char *why)
{
	fixture_t f;
	fixture_make(&f, records);
	const char *ids[] = {"pebble.example"};
	les_caa_ctx_t ctx = {.identities = ids, .n_identities = 1, .account_uri = acct,
	                     .method = "dns-01"};
	bool ok = les_caa_permits(f.zones, 2, name, &ctx, why, 256);
	fixture_free(&f);
	return ok;
}

static void test_caa(void **state)
{
	char why[256];
	assert_true(caa(NULL, "www.example.test", NULL, why));
	assert_true(caa("@ 60 IN CAA 0 issue \"pebble.example\"\n", "a.b.example.test", NULL, why));
	assert_false(caa("@ 60 IN CAA 0 issue \"letsencrypt.org\"\n", "www.example.test", NULL, why));
	assert_non_null(strstr(why, "issue"));
	/* the closest RRset decides: a permissive one below a strict one */
	assert_true(caa("@ 60 IN CAA 0 issue \";\"\nwww 60 IN CAA 0 issue \"PEBBLE.example\"\n",
	                "www.example.test", NULL, why));
	/* issuewild governs wildcards, issue the rest */
	const char *w = "@ 60 IN CAA 0 issue \"pebble.example\"\n@ 60 IN CAA 0 issuewild \";\"\n";
	assert_true(caa(w, "www.example.test", NULL, why));
	assert_false(caa(w, "*.example.test", NULL, why));
	assert_true(caa("@ 60 IN CAA 0 issue \"pebble.example\"\n", "*.example.test", NULL, why));
	/* RFC 8657 parameters */
	const char *vm = "@ 60 IN CAA 0 issue \"pebble.example; validationmethods=http-01\"\n";
	assert_false(caa(vm, "www.example.test", NULL, why));
	vm = "@ 60 IN CAA 0 issue \"pebble.example; validationmethods=http-01,dns-01\"\n";
	assert_true(caa(vm, "www.example.test", NULL, why));
	const char *au = "@ 60 IN CAA 0 issue \"pebble.example; accounturi=https://ca/acct/1\"\n";
	assert_true(caa(au, "www.example.test", "https://ca/acct/1", why));
	assert_false(caa(au, "www.example.test", "https://ca/acct/2", why));
	/* an unknown critical property refuses; iodef alone permits */
	assert_false(caa("@ 60 IN CAA 128 future \"x\"\n", "www.example.test", NULL, why));
	assert_true(caa("@ 60 IN CAA 0 iodef \"mailto:a@b\"\n", "www.example.test", NULL, why));
}

static void test_plan(void **state)
{
	fixture_t f;
	fixture_make(&f, NULL);
	acme_txt_t txt[3] = {{"_acme-challenge.www.example.test", "AAA"},
	                     {"_acme-challenge.www.example.test", "BBB"},
	                     {"_acme-challenge.cn.example.test", "CCC"}};
	les_txt_group_t *g;
	size_t ng;
	char err[256] = "";
	assert_int_equal(les_plan_dns01(f.zones, 2, txt, 3, &g, &ng, err, sizeof err), DNS_OK);
	assert_int_equal(ng, 2);
	assert_int_equal(g[0].n, 2);   /* both values at one name: one UPDATE */
	assert_int_equal(g[0].zone, 0);
	assert_int_equal(g[1].zone, 1);  /* the CNAME led into other.test */
	char name[DNS_NAME_TEXT_MAX];
	dns_name_to_text(g[1].owner, name, sizeof name);
	assert_string_equal(name, "x.other.test.");
	free(g);
	acme_txt_t outside = {"_acme-challenge.www.elsewhere.test", "X"};
	assert_int_equal(les_plan_dns01(f.zones, 2, &outside, 1, &g, &ng, err, sizeof err),
	                 DNS_EDENIED);
	assert_non_null(strstr(err, "elsewhere"));
	fixture_free(&f);
}

/* Apply an UPDATE built by the solver to @z; returns the new zone. */
static dns_zone_t *apply(dns_zone_t *z, const uint8_t *msg, size_t len)
{
	dns_msg_t m;
	assert_int_equal(dns_msg_parse(&m, msg, len), DNS_OK);
	dns_update_t *u = dns_update_begin(z);
	assert_int_equal(dns_update_apply(u, &m), DNS_RCODE_NOERROR);
	dns_zone_t *nz = NULL;
	assert_int_equal(dns_update_commit(u, true, 0, &nz), DNS_OK);
	dns_update_free(u);
	dns_msg_free(&m);
	dns_zone_unref(z);
	return nz;
}

static size_t txt_count(const dns_zone_t *z, const char *name)
{
	uint8_t w[DNS_NAME_MAX];
	size_t l;
	dns_name_from_text(w, &l, name, strlen(name), (const uint8_t *)"");
	const dns_node_t *n = dns_zone_find(z, w);
	const dns_rrset_t *s = n ? dns_node_rrset(n, DNS_TYPE_TXT) : NULL;
	return s ? s->count : 0;
}

static void test_updates(void **state)
{
	fixture_t f;
	fixture_make(&f, NULL);
	les_txt_group_t g = {.zone = 1, .n = 2, .values = {"v1", "v2"}};
	size_t l;
	dns_name_from_text(g.owner, &l, "x.other.test", 12, (const uint8_t *)"");
	uint8_t buf[LES_MSG_MAX], mac[64];
	size_t len, maclen;
	les_update_t u;
	assert_int_equal(les_update_init(&u, buf, sizeof buf, f.origin[1], NULL, 1), DNS_OK);
	assert_int_equal(les_update_challenge(&u, &g, true), DNS_OK);
	assert_int_equal(les_update_finish(&u, 0, &len, mac, &maclen), DNS_OK);
	f.z[1] = apply(f.z[1], buf, len);
	assert_int_equal(txt_count(f.z[1], "x.other.test"), 3);
	assert_int_equal(dns_zone_serial(f.z[1]), 8);
	/* the propagation checks read answers carrying what was added */
	uint8_t q[512];
	size_t ql = les_query(q, sizeof q, 7, g.owner, DNS_TYPE_TXT);
	assert_true(ql > 12);
	/* cleanup removes our two values by value, "keep me" stays */
	les_update_init(&u, buf, sizeof buf, f.origin[1], NULL, 2);
	les_update_challenge(&u, &g, false);
	les_update_finish(&u, 0, &len, mac, &maclen);
	f.z[1] = apply(f.z[1], buf, len);
	assert_int_equal(txt_count(f.z[1], "x.other.test"), 1);

	/* write-back: certificate + CA added, status valid replaces pending, CSR kept */
	char *pem = t_chain_pem("www.example.test", "Root");
	uint8_t owner[DNS_NAME_MAX];
	dns_name_from_text(owner, &l, "_letsencrypt._tcp.www.example.test", 34, (const uint8_t *)"");
	les_update_init(&u, buf, sizeof buf, f.origin[0], NULL, 3);
	assert_int_equal(les_update_writeback(&u, f.z[0], owner, pem, strlen(pem), 0), DNS_OK);
	les_update_finish(&u, 0, &len, mac, &maclen);
	f.z[0] = apply(f.z[0], buf, len);
	const dns_node_t *n = dns_zone_find(f.z[0], owner);
	assert_int_equal(dns_node_rrset(n, DNS_TYPE_TLSA)->count, 3);
	const dns_rrset_t *st = dns_node_rrset(n, DNS_TYPE_TXT);
	assert_int_equal(st->count, 1);
	dns_certify_status_t s;
	const uint8_t *rd = dns_rrset_first(st);
	assert_int_equal(dns_certify_status_parse(dns_rrset_rdata(rd), dns_rrset_rdlen(rd), &s),
	                 DNS_OK);
	assert_int_equal(s.state, DNS_CERTIFY_STATE_VALID);
	free(pem);
	fixture_free(&f);
}

static void test_propagation(void **state)
{
	fixture_t f;
	fixture_make(&f, NULL);
	dns_net_addr_t extra, out[8];
	assert_int_equal(dns_net_addr_parse("127.0.0.1:5399", &extra), DNS_OK);
	/* ns1.example.test (in the zone) and ns.other.test (in the other zone) */
	assert_int_equal(les_ns_addrs(f.zones, 2, 0, 53, &extra, 1, false, out, 8), 3);
	assert_int_equal(out[0].ss.ss_family + out[1].ss.ss_family, AF_INET + AF_INET6);
	assert_int_equal(out[2].ss.ss_family, AF_INET);  /* --check extras come last */
	assert_int_equal(les_ns_addrs(f.zones, 2, 0, 53, &extra, 1, true, out, 8), 1);

	/* an SOA answer: the serial; a TXT answer missing one value: not yet */
	uint8_t msg[512];
	dns_msg_builder_t b;
	dns_msg_builder_init(&b, msg, sizeof msg, sizeof msg);
	dns_msg_builder_header(&b, 1, DNS_FLAG_QR | DNS_FLAG_AA);
	dns_msg_builder_question(&b, f.origin[0], DNS_TYPE_SOA, DNS_CLASS_IN);
	dns_msg_builder_rrset(&b, DNS_SEC_ANSWER, f.origin[0], DNS_CLASS_IN, dns_zone_soa(f.z[0]));
	size_t len = dns_msg_builder_finish(&b);
	uint32_t serial = 0;
	assert_true(les_answer_serial(msg, len, f.origin[0], &serial));
	assert_int_equal(serial, 10);
	assert_false(les_answer_serial(msg, len, f.origin[1], &serial));

	les_txt_group_t g = {.n = 2, .values = {"keep me", "other"}};
	size_t l;
	dns_name_from_text(g.owner, &l, "x.other.test", 12, (const uint8_t *)"");
	const dns_node_t *n = dns_zone_find(f.z[1], g.owner);
	dns_msg_builder_init(&b, msg, sizeof msg, sizeof msg);
	dns_msg_builder_header(&b, 1, DNS_FLAG_QR | DNS_FLAG_AA);
	dns_msg_builder_question(&b, g.owner, DNS_TYPE_TXT, DNS_CLASS_IN);
	dns_msg_builder_rrset(&b, DNS_SEC_ANSWER, g.owner, DNS_CLASS_IN,
	                      dns_node_rrset(n, DNS_TYPE_TXT));
	len = dns_msg_builder_finish(&b);
	assert_false(les_answer_has_txt(msg, len, &g));
	g.n = 1;
	assert_true(les_answer_has_txt(msg, len, &g));
	fixture_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan),
		cmocka_unit_test(test_scan_bad_input),
		cmocka_unit_test(test_renew_backoff),
		cmocka_unit_test(test_caa),         cmocka_unit_test(test_plan),
		cmocka_unit_test(test_updates),     cmocka_unit_test(test_propagation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
