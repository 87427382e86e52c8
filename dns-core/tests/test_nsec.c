/*
 * test_nsec.c - NSEC and NSEC3 proofs (dns/nsec.h): the RFC 5155
 * Appendix A hash vectors, then proofs over the NSEC and NSEC3 chains
 * that ldns-signzone makes for the fixture zone: NXDOMAIN, NODATA, empty
 * non-terminals, wildcards, DS at delegations, opt-out, the RFC 9276
 * iteration cap and the hash budget.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>

#include "dns/nsec.h"
#include "dnssec_fixture.h"

static void rfc5155_hashes(void **st)
{
	(void)st;
	static const struct { const char *name, *b32; } v[] = {
		{"example.", "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom"},
		{"a.example.", "35mthgpgcu1qg68fab165klnsnk3dpvl"},
		{"*.w.example.", "r53bq7cc2uvmubfu5ocmm6pers9tk9en"},
		{"EXAMPLE.", "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom"},
	};
	static const uint8_t salt[] = {0xaa, 0xbb, 0xcc, 0xdd};
	static const char alphabet[] = "0123456789abcdefghijklmnopqrstuv";
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		uint8_t h[DNS_NSEC3_HASH_MAX];
		assert_int_equal(dns_nsec3_hash(fx_name(v[i].name), salt, sizeof salt, 12, h), DNS_OK);
		char out[33];
		for (unsigned b = 0; b < 32; b++) {
			unsigned bit = b * 5, val = 0;
			for (unsigned j = 0; j < 5; j++, bit++)
				val = val << 1 | ((h[bit / 8] >> (7 - bit % 8)) & 1);
			out[b] = alphabet[val];
		}
		out[32] = 0;
		assert_string_equal(out, v[i].b32);
		/* the owner name of its NSEC3 carries the same hash */
		char owner[64];
		snprintf(owner, sizeof owner, "%s.example.", v[i].b32);
		uint8_t from_owner[DNS_NSEC3_HASH_MAX];
		assert_true(dns_nsec3_owner_hash(fx_name(owner), from_owner));
		assert_memory_equal(from_owner, h, sizeof h);
	}
	uint8_t junk[DNS_NSEC3_HASH_MAX];
	assert_false(dns_nsec3_owner_hash(fx_name("short.example."), junk));
	assert_false(dns_nsec3_owner_hash(fx_name("0p9mhaveqvm6t7vbl5lop2u3t2rp3to!.example."), junk));
	assert_false(dns_nsec3_owner_hash(fx_name("."), junk));
}

static void bitmap(void **st)
{
	(void)st;
	/* window 0: A(1) NS(2) SOA(6) MX(15); window 1: CAA(257) */
	static const uint8_t bm[] = {0, 2, 0x62, 0x01, 1, 1, 0x40};
	assert_true(dns_nsec_bitmap_has(bm, sizeof bm, 1));
	assert_true(dns_nsec_bitmap_has(bm, sizeof bm, 15));
	assert_true(dns_nsec_bitmap_has(bm, sizeof bm, 257));
	assert_false(dns_nsec_bitmap_has(bm, sizeof bm, 16));
	assert_false(dns_nsec_bitmap_has(bm, sizeof bm, 28));
	assert_false(dns_nsec_bitmap_has(bm, 3, 15));  /* truncated: nothing is set */
}

typedef struct chain {
	fx_zone_t z;
	dns_denial_rr_t rr[64];
	size_t n;
} chain_t;

static chain_t *make_chain(const char *opts)
{
	chain_t *c = calloc(1, sizeof *c);
	assert_int_equal(fx_make(&c->z, "ECDSAP256SHA256", opts), 0);
	for (size_t i = 0; i < c->z.n && c->n < 64; i++) {
		fx_rr_t *r = &c->z.rrs[i];
		if (r->type == DNS_TYPE_NSEC || r->type == DNS_TYPE_NSEC3)
			c->rr[c->n++] = (dns_denial_rr_t){r->owner, r->type, r->rdata, r->rdlen};
	}
	assert_true(c->n > 5);
	return c;
}

static void free_chain(chain_t *c)
{
	fx_free(&c->z);
	free(c);
}

static const uint8_t *Z(void) { return fx_name("example."); }

/* The proofs every chain must give, NSEC or NSEC3 alike. */
static void common_proofs(chain_t *c)
{
	unsigned h = 1000;
	assert_int_equal(dns_denial_nxdomain(c->rr, c->n, Z(), fx_name("nx.example."), &h),
	                 DNS_DENIAL_PROVEN);
	assert_int_equal(dns_denial_nxdomain(c->rr, c->n, Z(), fx_name("a.nx.example."), &h),
	                 DNS_DENIAL_PROVEN);
	/* Names that exist, or that the wildcard would answer, are not NXDOMAIN. */
	assert_int_equal(dns_denial_nxdomain(c->rr, c->n, Z(), fx_name("www.example."), &h),
	                 DNS_DENIAL_MISSING);
	assert_int_equal(dns_denial_nxdomain(c->rr, c->n, Z(), fx_name("x.wild.example."), &h),
	                 DNS_DENIAL_MISSING);
	/* NODATA: at an owner without the type, at an empty non-terminal. */
	assert_int_equal(dns_denial_nodata(c->rr, c->n, Z(), fx_name("www.example."),
	                                   DNS_TYPE_MX, &h), DNS_DENIAL_PROVEN);
	assert_int_equal(dns_denial_nodata(c->rr, c->n, Z(), fx_name("www.example."),
	                                   DNS_TYPE_A, &h), DNS_DENIAL_MISSING);
	assert_int_equal(dns_denial_nodata(c->rr, c->n, Z(), fx_name("b.ent.example."),
	                                   DNS_TYPE_A, &h), DNS_DENIAL_PROVEN);
	assert_int_equal(dns_denial_nodata(c->rr, c->n, Z(), fx_name("nx.example."),
	                                   DNS_TYPE_A, &h), DNS_DENIAL_MISSING);
	/* Wildcard NODATA: the wildcard exists, without the type. */
	assert_int_equal(dns_denial_nodata(c->rr, c->n, Z(), fx_name("x.wild.example."),
	                                   DNS_TYPE_A, &h), DNS_DENIAL_PROVEN);
	assert_int_equal(dns_denial_nodata(c->rr, c->n, Z(), fx_name("x.wild.example."),
	                                   DNS_TYPE_TXT, &h), DNS_DENIAL_MISSING);
	/* A wildcard answer (closest encloser wild.example, 2 labels). */
	assert_int_equal(dns_denial_wildcard(c->rr, c->n, Z(), fx_name("x.wild.example."), 2, &h),
	                 DNS_DENIAL_PROVEN);
	assert_int_equal(dns_denial_wildcard(c->rr, c->n, Z(), fx_name("www.example."), 1, &h),
	                 DNS_DENIAL_MISSING);
	/* DS: sub is an unsigned delegation, www is no delegation. */
	assert_int_equal(dns_denial_ds(c->rr, c->n, Z(), fx_name("sub.example."), &h),
	                 DNS_DENIAL_PROVEN);
	assert_int_equal(dns_denial_ds(c->rr, c->n, Z(), fx_name("www.example."), &h),
	                 DNS_DENIAL_NOT_CUT);
	/* A parent-side NSEC at a delegation proves nothing but the DS. */
	assert_int_equal(dns_denial_nodata(c->rr, c->n, Z(), fx_name("sub.example."),
	                                   DNS_TYPE_A, &h), DNS_DENIAL_MISSING);
	/* No records, no proof. */
	assert_int_equal(dns_denial_nxdomain(c->rr, 0, Z(), fx_name("nx.example."), &h),
	                 DNS_DENIAL_MISSING);
}

static void nsec_chain(void **st)
{
	(void)st;
	chain_t *c = make_chain("");
	common_proofs(c);
	/* Only the record covering the name, without the wildcard's: not enough. */
	unsigned h = 0;
	for (size_t i = 0; i < c->n; i++) {
		const uint8_t *next, *bm;
		size_t bl;
		assert_true(dns_nsec_parse(c->rr[i].rdata, c->rr[i].rdlen, &next, &bm, &bl));
		if (dns_nsec_covers(c->rr[i].owner, next, fx_name("zzz.example.")))
			assert_int_equal(dns_denial_nxdomain(&c->rr[i], 1, Z(), fx_name("zzz.example."), &h),
			                 DNS_DENIAL_MISSING);
	}
	free_chain(c);
}

static void nsec3_chain(void **st)
{
	(void)st;
	chain_t *c = make_chain("-n -t 0");
	common_proofs(c);
	/* The hash budget (CVE-2023-50868). */
	unsigned h = 1;
	assert_int_equal(dns_denial_nxdomain(c->rr, c->n, Z(), fx_name("a.b.c.nx.example."), &h),
	                 DNS_DENIAL_BUDGET);
	assert_int_equal(h, 0);
	free_chain(c);
}

/* More than 50 iterations: insecure (RFC 9276 §3.2), not bogus. */
static void nsec3_iterations(void **st)
{
	(void)st;
	chain_t *c = make_chain("-n -t 100");
	unsigned h = 1000;
	assert_int_equal(dns_denial_nxdomain(c->rr, c->n, Z(), fx_name("nx.example."), &h),
	                 DNS_DENIAL_INSECURE);
	assert_int_equal(h, 1000);  /* and no hash was computed */
	free_chain(c);
}

/* Opt-out: the unsigned delegation left out of the chain is covered by an
 * opt-out span: its DS absence (and an NXDOMAIN there) is only insecure. */
static void nsec3_optout(void **st)
{
	(void)st;
	chain_t *c = make_chain("-n -p -t 0");
	/* ldns keeps the delegation in the chain; take its record out, and let
	 * the span before it run on to its next hash, as a real opt-out signer
	 * would (the signatures do not matter here). */
	dns_nsec3_t sub = {0};
	size_t k = 0, subi = 0;
	for (size_t i = 0; i < c->n; i++) {
		dns_nsec3_t p;
		assert_int_equal(dns_nsec3_parse(c->rr[i].rdata, c->rr[i].rdlen, &p), DNS_OK);
		assert_true(p.flags & DNS_NSEC3_OPTOUT);
		if (dns_nsec_bitmap_has(p.bitmap, p.bitmap_len, DNS_TYPE_NS) &&
		    !dns_nsec_bitmap_has(p.bitmap, p.bitmap_len, DNS_TYPE_SOA)) {
			sub = p;
			subi = i;
		}
	}
	assert_non_null(sub.next);
	uint8_t hsub[DNS_NSEC3_HASH_MAX];
	assert_int_equal(dns_nsec3_hash(fx_name("sub.example."), NULL, 0, 0, hsub), DNS_OK);
	for (size_t i = 0; i < c->n; i++) {
		dns_nsec3_t p;
		assert_int_equal(dns_nsec3_parse(c->rr[i].rdata, c->rr[i].rdlen, &p), DNS_OK);
		if (memcmp(p.next, hsub, sizeof hsub) == 0)
			memcpy((uint8_t *)p.next, sub.next, sizeof hsub);
		if (i != subi)
			c->rr[k++] = c->rr[i];
	}
	assert_int_equal(k, c->n - 1);
	c->n = k;
	unsigned h = 1000;
	assert_int_equal(dns_denial_ds(c->rr, c->n, Z(), fx_name("sub.example."), &h),
	                 DNS_DENIAL_OPTOUT);
	assert_int_equal(dns_denial_nodata(c->rr, c->n, Z(), fx_name("sub.example."),
	                                   DNS_TYPE_DS, &h), DNS_DENIAL_OPTOUT);
	assert_int_equal(dns_denial_nxdomain(c->rr, c->n, Z(), fx_name("nx.example."), &h),
	                 DNS_DENIAL_OPTOUT);
	free_chain(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc5155_hashes), cmocka_unit_test(bitmap),
		cmocka_unit_test(nsec_chain), cmocka_unit_test(nsec3_chain),
		cmocka_unit_test(nsec3_iterations), cmocka_unit_test(nsec3_optout),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
