/*
 * test_dnssec.c - RRSIG verification, key tags and DS digests (dns/dnssec.h)
 * against zones signed by ldns-signzone with keys from ldns-keygen, for
 * every algorithm we support: what ldns signs verifies, and a changed
 * record, a wrong time, a missing key or an exhausted budget do not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "dns/dnssec.h"
#include "dnssec_fixture.h"

#define T_2025 1735689600u   /* inside the fixtures' 2024-2036 window */
#define T_2040 2208988800u
#define T_2020 1577836800u

typedef struct sets {
	uint8_t b1[65536], b2[65536], b3[65536];
	dns_rrset_t set, sigs, keys;
} sets_t;

static void load(const fx_zone_t *z, sets_t *s, const char *owner, uint16_t type)
{
	s->set = fx_rrset_in(z, fx_name(owner), type, 0, s->b1, sizeof s->b1);
	s->sigs = fx_rrset_in(z, fx_name(owner), DNS_TYPE_RRSIG, type, s->b2, sizeof s->b2);
	s->keys = fx_rrset_in(z, fx_name("example."), DNS_TYPE_DNSKEY, 0, s->b3, sizeof s->b3);
	assert_true(s->set.count > 0);
}

static dns_dnssec_status_t verify(sets_t *s, const char *owner, uint64_t now)
{
	dns_dnssec_budget_t b = {.verifications = 10};
	return dns_rrset_verify(fx_name(owner), &s->set, &s->sigs, fx_name("example."), &s->keys,
	                        now, &b, NULL);
}

/* Every signed RRset of the zone verifies; unsigned glue has no RRSIG. */
static void check_alg(const char *alg)
{
	fx_zone_t *z = malloc(sizeof *z);
	sets_t *s = malloc(sizeof *s);
	assert_non_null(z);
	assert_int_equal(fx_make(z, alg, ""), 0);
	static const struct { const char *owner; uint16_t type; } signed_sets[] = {
		{"example.", DNS_TYPE_SOA}, {"example.", DNS_TYPE_NS}, {"example.", DNS_TYPE_DNSKEY},
		{"www.example.", DNS_TYPE_A}, {"mixed.case.example.", DNS_TYPE_TXT},
		{"mx.example.", DNS_TYPE_MX}, {"*.wild.example.", DNS_TYPE_TXT},
		{"sub.example.", DNS_TYPE_NSEC},
	};
	for (size_t i = 0; i < sizeof signed_sets / sizeof signed_sets[0]; i++) {
		load(z, s, signed_sets[i].owner, signed_sets[i].type);
		assert_int_equal(verify(s, signed_sets[i].owner, T_2025), DNS_DNSSEC_VALID);
	}
	/* The owner as a client spells it: case does not matter (RFC 4034 §6.2). */
	load(z, s, "mixed.case.example.", DNS_TYPE_TXT);
	assert_int_equal(verify(s, "MiXeD.cAsE.example.", T_2025), DNS_DNSSEC_VALID);
	/* A wildcard expansion verifies under any name it covers. */
	load(z, s, "*.wild.example.", DNS_TYPE_TXT);
	assert_int_equal(verify(s, "anything.wild.example.", T_2025), DNS_DNSSEC_VALID);
	assert_int_equal(verify(s, "a.b.wild.example.", T_2025), DNS_DNSSEC_VALID);
	/* Glue is not signed. */
	load(z, s, "ns.sub.example.", DNS_TYPE_A);
	assert_int_equal(verify(s, "ns.sub.example.", T_2025), DNS_DNSSEC_NO_SIG);
	/* A changed record. */
	load(z, s, "www.example.", DNS_TYPE_A);
	((uint8_t *)s->set.data)[5] ^= 1;
	assert_int_equal(verify(s, "www.example.", T_2025), DNS_DNSSEC_BOGUS);
	((uint8_t *)s->set.data)[5] ^= 1;
	/* The signature under another owner. */
	assert_int_equal(verify(s, "ns1.example.", T_2025), DNS_DNSSEC_BOGUS);
	/* Outside the validity window. */
	assert_int_equal(verify(s, "www.example.", T_2040), DNS_DNSSEC_EXPIRED);
	assert_int_equal(verify(s, "www.example.", T_2020), DNS_DNSSEC_NOT_YET_VALID);
	/* No budget, no verification. */
	dns_dnssec_budget_t none = {.verifications = 0};
	assert_int_equal(dns_rrset_verify(fx_name("www.example."), &s->set, &s->sigs,
	                                  fx_name("example."), &s->keys, T_2025, &none, NULL),
	                 DNS_DNSSEC_BUDGET);
	/* Another zone's name as signer, or no keys at all. */
	assert_int_equal(dns_rrset_verify(fx_name("www.example."), &s->set, &s->sigs,
	                                  fx_name("other."), &s->keys, T_2025, NULL, NULL),
	                 DNS_DNSSEC_NO_SIG);
	dns_rrset_t nokeys = {.type = DNS_TYPE_DNSKEY};
	assert_int_equal(dns_rrset_verify(fx_name("www.example."), &s->set, &s->sigs,
	                                  fx_name("example."), &nokeys, T_2025, NULL, NULL),
	                 DNS_DNSSEC_NO_KEY);
	free(s);
	fx_free(z);
	free(z);
}

static void alg8(void **st) { (void)st; check_alg("RSASHA256"); }
static void alg10(void **st) { (void)st; check_alg("RSASHA512"); }
static void alg13(void **st) { (void)st; check_alg("ECDSAP256SHA256"); }
static void alg14(void **st) { (void)st; check_alg("ECDSAP384SHA384"); }
static void alg15(void **st) { (void)st; check_alg("ED25519"); }
static void alg16(void **st) { (void)st; check_alg("ED448"); }

/* Key tags equal ldns-keygen's (in the key's file name); DS of digest 2
 * and 4 from ldns-key2ds match the key, a changed digest does not. */
static void keytag_and_ds(void **st)
{
	(void)st;
	fx_zone_t *z = malloc(sizeof *z);
	sets_t *s = malloc(sizeof *s);
	assert_int_equal(fx_make(z, "ECDSAP256SHA256", ""), 0);
	load(z, s, "example.", DNS_TYPE_DNSKEY);
	const uint8_t *k = dns_rrset_rdata(dns_rrset_first(&s->keys));
	uint16_t klen = dns_rrset_rdlen(dns_rrset_first(&s->keys));
	unsigned tag = (unsigned)atoi(strrchr(z->keybase, '+') + 1);
	assert_int_equal(dns_dnskey_tag(k, klen), tag);
	for (int digest = 2; digest <= 4; digest += 2) {
		char cmd[512], path[160];
		snprintf(cmd, sizeof cmd, "cd %s && ldns-key2ds -f -n -%d %s.key > ds%d", z->dir, digest,
		         z->keybase, digest);
		assert_int_equal(fx_run(cmd), 0);
		snprintf(path, sizeof path, "%s/ds%d", z->dir, digest);
		fx_zone_t *dz = calloc(1, sizeof *dz);
		dz->rrs = calloc(FX_MAX_RRS, sizeof *dz->rrs);
		dns_zf_options_t opt = {.origin = dns_name_root, .no_include = true};
		assert_int_equal(dns_zonefile_parse_file(path, &opt, fx_on_rr, fx_on_err, dz), DNS_OK);
		assert_int_equal(dz->n, 1);
		fx_rr_t *ds = &dz->rrs[0];
		assert_int_equal(ds->type, DNS_TYPE_DS);
		assert_true(dns_ds_match(fx_name("example."), ds->rdata, ds->rdlen, k, klen));
		assert_true(dns_ds_match(fx_name("EXAMPLE."), ds->rdata, ds->rdlen, k, klen));
		assert_false(dns_ds_match(fx_name("other."), ds->rdata, ds->rdlen, k, klen));
		ds->rdata[ds->rdlen - 1] ^= 0x80;
		assert_false(dns_ds_match(fx_name("example."), ds->rdata, ds->rdlen, k, klen));
		ds->rdata[ds->rdlen - 1] ^= 0x80;
		ds->rdata[3] = 100;  /* an unassigned digest type */
		assert_false(dns_ds_match(fx_name("example."), ds->rdata, ds->rdlen, k, klen));
		free(dz->rrs);
		free(dz);
	}
	free(s);
	fx_free(z);
	free(z);
}

/* KeyTrap (CVE-2023-50387): many keys with the signature's tag and many
 * signatures cost at most keys_per_sig x sigs_per_set verifications. */
static void keytrap_bounded(void **st)
{
	(void)st;
	fx_zone_t *z = malloc(sizeof *z);
	sets_t *s = malloc(sizeof *s);
	assert_int_equal(fx_make(z, "ECDSAP256SHA256", ""), 0);
	load(z, s, "www.example.", DNS_TYPE_A);
	/* 20 copies of the key (all with the signature's tag) and 16 corrupted
	 * signatures: every try fails. */
	static uint8_t keys[20 * 80], sigs[16 * 120];
	const uint8_t *k = dns_rrset_first(&s->keys);
	size_t kl = 2u + dns_rrset_rdlen(k), off = 0;
	for (int i = 0; i < 20; i++, off += kl)
		memcpy(keys + off, k, kl);
	dns_rrset_t many_keys = {.type = DNS_TYPE_DNSKEY, .count = 20, .size = (uint32_t)off,
	                         .data = keys};
	const uint8_t *g = dns_rrset_first(&s->sigs);
	size_t gl = 2u + dns_rrset_rdlen(g);
	off = 0;
	for (int i = 0; i < 16; i++, off += gl) {
		memcpy(sigs + off, g, gl);
		sigs[off + gl - 1] ^= (uint8_t)(i + 1);  /* a bad signature each time */
	}
	dns_rrset_t many_sigs = {.type = DNS_TYPE_RRSIG, .count = 16, .size = (uint32_t)off,
	                         .data = sigs};
	dns_dnssec_budget_t b = {.verifications = 1000, .keys_per_sig = 2, .sigs_per_set = 3};
	assert_int_equal(dns_rrset_verify(fx_name("www.example."), &s->set, &many_sigs,
	                                  fx_name("example."), &many_keys, T_2025, &b, NULL),
	                 DNS_DNSSEC_BOGUS);
	assert_int_equal(1000 - b.verifications, 2 * 3);
	/* And the overall budget stops it sooner. */
	dns_dnssec_budget_t small = {.verifications = 4};
	assert_int_equal(dns_rrset_verify(fx_name("www.example."), &s->set, &many_sigs,
	                                  fx_name("example."), &many_keys, T_2025, &small, NULL),
	                 DNS_DNSSEC_BUDGET);
	assert_int_equal(small.verifications, 0);
	free(s);
	fx_free(z);
	free(z);
}

/* Malformed RRSIG rdata is refused, never read past its end. */
static void rrsig_parse_bounds(void **st)
{
	(void)st;
	dns_rrsig_t s;
	uint8_t rd[40] = {0, 1, 13, 2};
	assert_int_equal(dns_rrsig_parse(rd, 10, &s), DNS_EMALFORMED);
	rd[18] = 7;  /* a label running past the end */
	assert_int_equal(dns_rrsig_parse(rd, 22, &s), DNS_EMALFORMED);
	rd[18] = 0;  /* root signer, no signature */
	assert_int_equal(dns_rrsig_parse(rd, 19, &s), DNS_EMALFORMED);
	assert_int_equal(dns_rrsig_parse(rd, 20, &s), DNS_OK);
	assert_int_equal(s.sig_len, 1);
	assert_int_equal(dns_dnssec_status_ede(DNS_DNSSEC_EXPIRED), 7);
	assert_int_equal(dns_dnssec_status_ede(DNS_DNSSEC_NO_KEY), 9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(alg8), cmocka_unit_test(alg10), cmocka_unit_test(alg13),
		cmocka_unit_test(alg14), cmocka_unit_test(alg15), cmocka_unit_test(alg16),
		cmocka_unit_test(keytag_and_ds), cmocka_unit_test(keytrap_bounded),
		cmocka_unit_test(rrsig_parse_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
