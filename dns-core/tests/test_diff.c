/* Unit tests for diff.c: zone differences in IXFR order and applying them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "dns/diff.h"
#include "dns/name.h"
#include "dns/rrtype.h"
#include "dns/zone.h"

static const uint8_t origin[] = "\007example\003com";

/* SOA rdata by hand: ns1.example.com. hostmaster.example.com. serial 3600 600 86400 300 */
static size_t soa_rdata(uint8_t *out, uint32_t serial)
{
	static const uint8_t names[] = "\003ns1\007example\003com\000\012hostmaster\007example\003com";
	size_t n = sizeof(names); /* includes the final root label (the string's NUL) */
	memcpy(out, names, n);
	const uint32_t v[5] = { serial, 3600, 600, 86400, 300 };
	for (int i = 0; i < 5; i++) {
		out[n++] = (uint8_t)(v[i] >> 24);
		out[n++] = (uint8_t)(v[i] >> 16);
		out[n++] = (uint8_t)(v[i] >> 8);
		out[n++] = (uint8_t)v[i];
	}
	return n;
}

static void add(dns_zone_builder_t *b, const char *owner, uint16_t type, uint32_t ttl,
                const void *rd, size_t len)
{
	uint8_t name[DNS_NAME_MAX];
	size_t nl;
	assert_int_equal(dns_name_from_text(name, &nl, owner, strlen(owner), origin), DNS_OK);
	dns_rr_t rr = { .owner = name, .type = type, .rclass = DNS_CLASS_IN, .ttl = ttl,
	                .rdlen = (uint16_t)len, .rdata = rd };
	assert_int_equal(dns_zone_builder_add(b, &rr), DNS_OK);
}

#define A(b, owner, ttl, a, bb, c, d) add(b, owner, DNS_TYPE_A, ttl, (uint8_t[]){ a, bb, c, d }, 4)

static dns_zone_t *zone_old(void)
{
	dns_zone_builder_t *b = dns_zone_builder_new(origin, DNS_CLASS_IN);
	uint8_t soa[128];
	add(b, "@", DNS_TYPE_SOA, 3600, soa, soa_rdata(soa, 1));
	add(b, "@", DNS_TYPE_NS, 3600, "\003NS1\007example\003com", 17);
	A(b, "ns1", 3600, 192, 0, 2, 53);
	A(b, "www", 3600, 192, 0, 2, 1);
	A(b, "www", 3600, 192, 0, 2, 2);
	add(b, "mail", DNS_TYPE_MX, 3600, "\000\012\004mail\007example\003com", 20);
	add(b, "txt", DNS_TYPE_TXT, 300, "\001a", 2);
	dns_zone_t *z = NULL;
	assert_int_equal(dns_zone_builder_finish(b, &z), DNS_OK);
	return z;
}

static dns_zone_t *zone_new(void)
{
	dns_zone_builder_t *b = dns_zone_builder_new(origin, DNS_CLASS_IN);
	uint8_t soa[128];
	add(b, "@", DNS_TYPE_SOA, 3600, soa, soa_rdata(soa, 2));
	add(b, "@", DNS_TYPE_NS, 3600, "\003ns1\007example\003com", 17); /* case differs only */
	A(b, "ns1", 3600, 192, 0, 2, 53);
	A(b, "www", 3600, 192, 0, 2, 2);
	A(b, "www", 3600, 192, 0, 2, 3);
	A(b, "new", 3600, 192, 0, 2, 9);
	add(b, "txt", DNS_TYPE_TXT, 600, "\001a", 2);
	dns_zone_t *z = NULL;
	assert_int_equal(dns_zone_builder_finish(b, &z), DNS_OK);
	return z;
}

/* Collected differences, as text and as records. */
typedef struct ev {
	bool added;
	uint8_t owner[DNS_NAME_MAX];
	uint16_t type;
	uint32_t ttl;
	uint8_t rdata[256];
	uint16_t rdlen;
} ev_t;

typedef struct evs {
	ev_t v[32];
	size_t n;
	char text[2048];
} evs_t;

static dns_err_t collect(void *ctx, bool added, const dns_rr_t *rr)
{
	evs_t *e = ctx;
	assert_true(e->n < 32);
	ev_t *x = &e->v[e->n++];
	x->added = added;
	dns_name_copy(x->owner, rr->owner);
	x->type = rr->type;
	x->ttl = rr->ttl;
	assert_true(rr->rdlen <= sizeof(x->rdata));
	memcpy(x->rdata, rr->rdata, rr->rdlen);
	x->rdlen = rr->rdlen;
	char name[DNS_NAME_TEXT_MAX], line[DNS_NAME_TEXT_MAX + 64];
	dns_name_to_text(rr->owner, name, sizeof(name));
	/* SOA shown by serial, A by its last byte, others by length */
	unsigned v = rr->type == DNS_TYPE_SOA ? (unsigned)rr->rdata[rr->rdlen - 20] << 24 |
	                                            rr->rdata[rr->rdlen - 17]
	             : rr->type == DNS_TYPE_A ? rr->rdata[3]
	                                      : rr->rdlen;
	snprintf(line, sizeof(line), "%c%s %u %u %u;", added ? '+' : '-', name, rr->type, rr->ttl, v);
	strncat(e->text, line, sizeof(e->text) - strlen(e->text) - 1);
	return DNS_OK;
}

static void test_diff_ixfr_order(void **state)
{
	dns_zone_t *o = zone_old(), *n = zone_new();
	evs_t e = { .n = 0 };
	assert_int_equal(dns_zone_diff(o, n, collect, &e), DNS_OK);
	/* RFC 1995 §4: old SOA, removed records, new SOA, added records;
	 * canonical name order mail < new < ns1 < txt < www; the NS whose
	 * target differs only in case is not a difference; the TXT whose TTL
	 * changed is replaced. */
	assert_string_equal(e.text, "-example.com. 6 3600 1;"
	                            "-mail.example.com. 15 3600 20;"
	                            "-txt.example.com. 16 300 2;"
	                            "-www.example.com. 1 3600 1;"
	                            "+example.com. 6 3600 2;"
	                            "+new.example.com. 1 3600 9;"
	                            "+txt.example.com. 16 600 2;"
	                            "+www.example.com. 1 3600 3;");
	size_t r, a;
	assert_int_equal(dns_zone_diff_count(o, n, &r, &a), DNS_OK);
	assert_int_equal(r, 4);
	assert_int_equal(a, 4);
	assert_int_equal(dns_zone_diff_count(o, o, &r, &a), DNS_OK);
	assert_int_equal(r + a, 0);
	/* from nothing: everything is added, SOA first */
	evs_t all = { .n = 0 };
	assert_int_equal(dns_zone_diff(NULL, n, collect, &all), DNS_OK);
	assert_int_equal(all.n, dns_zone_rr_count(n));
	assert_true(all.v[0].added && all.v[0].type == DNS_TYPE_SOA);
	dns_zone_unref(o);
	dns_zone_unref(n);
}

static void test_diff_other_origin(void **state)
{
	dns_zone_t *o = zone_old();
	dns_zone_builder_t *b = dns_zone_builder_new((const uint8_t *)"\007example\003net", DNS_CLASS_IN);
	dns_zone_t *z = NULL;
	assert_int_equal(dns_zone_builder_finish(b, &z), DNS_OK);
	evs_t e = { .n = 0 };
	assert_int_equal(dns_zone_diff(o, z, collect, &e), DNS_EINVAL);
	dns_zone_unref(o);
	dns_zone_unref(z);
}

static size_t split(const evs_t *e, bool added, dns_rr_t *out)
{
	size_t k = 0;
	for (size_t i = 0; i < e->n; i++) {
		if (e->v[i].added != added)
			continue;
		out[k++] = (dns_rr_t){ .owner = e->v[i].owner, .type = e->v[i].type,
		                       .rclass = DNS_CLASS_IN, .ttl = e->v[i].ttl,
		                       .rdlen = e->v[i].rdlen, .rdata = e->v[i].rdata };
	}
	return k;
}

/* Patching a zone without any record (found by fuzz_zoneedit: the empty
 * zone's missing node array was used in pointer arithmetic). */
static void test_apply_diff_to_empty_zone(void **state)
{
	dns_zone_builder_t *b = dns_zone_builder_new(origin, DNS_CLASS_IN);
	dns_zone_t *empty = NULL, *r = NULL;
	assert_int_equal(dns_zone_builder_finish(b, &empty), DNS_OK);
	assert_int_equal(dns_zone_node_count(empty), 0);
	static const uint8_t www[] = "\003www\007example\003com";
	static const uint8_t a[] = { 192, 0, 2, 7 };
	dns_rr_t add_a = { .owner = www, .type = DNS_TYPE_A, .rclass = DNS_CLASS_IN, .ttl = 60,
	                   .rdlen = 4, .rdata = a };
	assert_int_equal(dns_zone_apply_diff(empty, NULL, 0, &add_a, 1, &r), DNS_OK);
	assert_int_equal(dns_zone_rr_count(r), 1);
	assert_non_null(dns_zone_find(r, www));
	dns_zone_unref(r);
	r = NULL;
	assert_int_equal(dns_zone_apply_diff(empty, NULL, 0, NULL, 0, &r), DNS_OK);
	assert_int_equal(dns_zone_rr_count(r), 0);
	dns_zone_unref(r);
	dns_zone_unref(empty);
}

static void test_apply_diff(void **state)
{
	dns_zone_t *o = zone_old(), *n = zone_new(), *r = NULL;
	evs_t e = { .n = 0 };
	assert_int_equal(dns_zone_diff(o, n, collect, &e), DNS_OK);
	dns_rr_t rem[32], ad[32];
	size_t nrem = split(&e, false, rem), nad = split(&e, true, ad);
	assert_int_equal(dns_zone_apply_diff(o, rem, nrem, ad, nad, &r), DNS_OK);
	size_t x, y;
	assert_int_equal(dns_zone_diff_count(r, n, &x, &y), DNS_OK);
	assert_int_equal(x + y, 0);
	assert_int_equal(dns_zone_serial(r), 2);
	assert_int_equal(dns_node_rrset(dns_zone_find(r, (const uint8_t *)"\003txt\007example\003com"),
	                                DNS_TYPE_TXT)->ttl, 600);
	dns_zone_unref(r);
	r = NULL;

	/* applying it twice does not fit: the removed records are gone */
	dns_zone_t *r2 = NULL;
	assert_int_equal(dns_zone_apply_diff(n, rem, nrem, ad, nad, &r2), DNS_EZONE);
	assert_null(r2);

	/* adding a record that is already there */
	static const uint8_t www[] = "\003www\007example\003com";
	static const uint8_t a2[] = { 192, 0, 2, 2 };
	dns_rr_t dup = { .owner = www, .type = DNS_TYPE_A, .rclass = DNS_CLASS_IN, .ttl = 3600,
	                 .rdlen = 4, .rdata = a2 };
	assert_int_equal(dns_zone_apply_diff(o, NULL, 0, &dup, 1, &r2), DNS_EZONE);
	/* ... unless it is removed first (TTL of the removed copy ignored) */
	dns_rr_t dup0 = dup;
	dup0.ttl = 1;
	assert_int_equal(dns_zone_apply_diff(o, &dup0, 1, &dup, 1, &r2), DNS_OK);
	dns_zone_unref(r2);
	r2 = NULL;
	/* removing it twice */
	dns_rr_t two[2] = { dup, dup };
	assert_int_equal(dns_zone_apply_diff(o, two, 2, NULL, 0, &r2), DNS_EZONE);
	/* removing something absent */
	static const uint8_t a7[] = { 192, 0, 2, 7 };
	dns_rr_t absent = dup;
	absent.rdata = a7;
	assert_int_equal(dns_zone_apply_diff(o, &absent, 1, NULL, 0, &r2), DNS_EZONE);
	/* out of zone */
	static const uint8_t other[] = "\003www\007example\003net";
	dns_rr_t out = absent;
	out.owner = other;
	assert_int_equal(dns_zone_apply_diff(o, NULL, 0, &out, 1, &r2), DNS_EZONE);
	assert_null(r2);
	/* removing with a differently cased name in rdata still matches */
	static const uint8_t ns_upper[] = "\003nS1\007EXAMPLE\003com";
	dns_rr_t ns = { .owner = origin, .type = DNS_TYPE_NS, .rclass = DNS_CLASS_IN, .ttl = 3600,
	                .rdlen = 17, .rdata = ns_upper };
	assert_int_equal(dns_zone_apply_diff(o, &ns, 1, NULL, 0, &r2), DNS_OK);
	assert_null(dns_node_rrset(dns_zone_apex(r2), DNS_TYPE_NS));
	dns_zone_unref(r2);
	dns_zone_unref(o);
	dns_zone_unref(n);
}

/* ---- patch against from-scratch build, at random ---- */

/*
 * A model zone is a set of records over a small universe of names (cuts,
 * glue, wildcards, DNAMEs, deep names that make empty non-terminals);
 * each step applies a random change set to the zone with
 * dns_zone_apply_diff and to the model, then compares the patched zone
 * with a zone built from the model from scratch.  Names are lower case,
 * so canonical and stored rdata are the same bytes.
 */
static const char *const rnd_names[] = {
	"@", "a", "b", "*", "x.a", "y.x.a", "*.a", "d", "g.d", "m.n.d", "*.d", "e.f.g",
	"f.g", "q.r.s.t", "t", "dn", "u.dn", "v.w.dn", "*.x.a", "ns", "z.*.a",
};
#define RND_NNAMES (sizeof(rnd_names) / sizeof(rnd_names[0]))
#define RND_MAX 128

typedef struct rrec {
	uint8_t name; /* index in rnd_names */
	uint16_t type;
	uint8_t val;  /* picks the rdata */
	uint32_t ttl;
} rrec_t;

typedef struct rzone {
	rrec_t r[RND_MAX];
	size_t n;
} rzone_t;

static uint32_t rnd_state;

static uint32_t rnd(uint32_t n)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 8) % n;
}

static const uint16_t rnd_types[] = { DNS_TYPE_A, DNS_TYPE_NS, DNS_TYPE_DNAME, DNS_TYPE_TXT,
                                      DNS_TYPE_SOA, DNS_TYPE_A, DNS_TYPE_TXT };

/* The wire rdata of a model record. */
static size_t rrec_rdata(const rrec_t *r, uint8_t *out)
{
	switch (r->type) {
	case DNS_TYPE_A:
		memcpy(out, (uint8_t[]){ 192, 0, 2, r->val }, 4);
		return 4;
	case DNS_TYPE_NS:
	case DNS_TYPE_DNAME: {
		/* in-zone targets, some with addresses, some without */
		static const char *const targets[] = { "\002ns\007example\003com", "\001g\001d\007example\003com",
		                                       "\003ext\003net", "\001a\007example\003com" };
		const char *t = targets[r->val % 4];
		size_t len = strlen(t) + 1;
		memcpy(out, t, len);
		return len;
	}
	case DNS_TYPE_SOA:
		return soa_rdata(out, r->val);
	default:
		out[0] = 1;
		out[1] = (uint8_t)('a' + r->val);
		return 2;
	}
}

static size_t rrec_owner(const rrec_t *r, uint8_t *name)
{
	size_t len;
	const char *t = rnd_names[r->name];
	assert_int_equal(dns_name_from_text(name, &len, t, strlen(t), origin), DNS_OK);
	return len;
}

static dns_rr_t rrec_rr(const rrec_t *r, uint8_t *name, uint8_t *rdata)
{
	rrec_owner(r, name);
	size_t len = rrec_rdata(r, rdata);
	return (dns_rr_t){ .owner = name, .type = r->type, .rclass = DNS_CLASS_IN, .ttl = r->ttl,
	                   .rdlen = (uint16_t)len, .rdata = rdata };
}

static bool rrec_same(const rrec_t *a, const rrec_t *b)
{
	if (a->name != b->name || a->type != b->type)
		return false;
	uint8_t x[300], y[300];
	size_t lx = rrec_rdata(a, x), ly = rrec_rdata(b, y);
	return lx == ly && !memcmp(x, y, lx);
}

static dns_zone_t *rzone_build(const rzone_t *m)
{
	dns_zone_builder_t *b = dns_zone_builder_new(origin, DNS_CLASS_IN);
	for (size_t i = 0; i < m->n; i++) {
		uint8_t name[DNS_NAME_MAX], rd[300];
		dns_rr_t rr = rrec_rr(&m->r[i], name, rd);
		assert_int_equal(dns_zone_builder_add(b, &rr), DNS_OK);
	}
	dns_zone_t *z = NULL;
	assert_int_equal(dns_zone_builder_finish(b, &z), DNS_OK);
	return z;
}

static void count_finding(void *ctx, const uint8_t *owner, uint16_t type, bool error,
                          const char *msg)
{
	(void)owner, (void)type, (void)msg;
	((size_t *)ctx)[error]++;
}

static void same_lookup(const dns_zone_t *a, const dns_zone_t *b, const uint8_t *q)
{
	dns_lookup_t ra, rb;
	assert_int_equal(dns_zone_lookup(a, q, &ra), dns_zone_lookup(b, q, &rb));
	assert_int_equal(ra.node == NULL, rb.node == NULL);
	assert_int_equal(ra.encloser == NULL, rb.encloser == NULL);
	if (ra.node)
		assert_true(dns_name_equal(dns_node_name(ra.node), dns_node_name(rb.node)));
	if (ra.encloser)
		assert_true(dns_name_equal(dns_node_name(ra.encloser), dns_node_name(rb.encloser)));
}

/* @got must be indistinguishable from @want. */
static void same_zone(const dns_zone_t *got, const dns_zone_t *want)
{
	assert_int_equal(dns_zone_node_count(got), dns_zone_node_count(want));
	assert_int_equal(dns_zone_rr_count(got), dns_zone_rr_count(want));
	assert_int_equal(dns_zone_ttl_mismatches(got), dns_zone_ttl_mismatches(want));
	assert_int_equal(dns_zone_serial(got), dns_zone_serial(want));
	assert_int_equal(dns_zone_apex(got) == NULL, dns_zone_apex(want) == NULL);
	for (size_t i = 0; i < dns_zone_node_count(want); i++) {
		const dns_node_t *x = dns_zone_node_at(got, i), *y = dns_zone_node_at(want, i);
		size_t len = dns_name_length(dns_node_name(y));
		assert_int_equal(dns_name_length(dns_node_name(x)), len);
		assert_memory_equal(dns_node_name(x), dns_node_name(y), len);
		assert_int_equal(dns_node_flags(x), dns_node_flags(y));
		assert_int_equal(dns_node_rrset_count(x), dns_node_rrset_count(y));
		for (size_t k = 0; k < dns_node_rrset_count(y); k++) {
			const dns_rrset_t *s = dns_node_rrset_at(x, k), *t = dns_node_rrset_at(y, k);
			assert_int_equal(s->type, t->type);
			assert_int_equal(s->ttl, t->ttl);
			assert_int_equal(s->count, t->count);
			assert_int_equal(s->size, t->size);
			assert_memory_equal(s->data, t->data, t->size);
		}
		assert_ptr_equal(dns_zone_find(got, dns_node_name(y)), x);
		same_lookup(got, want, dns_node_name(y));
	}
	/* names that do not exist: below wildcards, cuts, DNAMEs, and beside them */
	static const char *const absent[] = { "nx", "k.nx", "q.b", "p.q.x.a", "k.g.d", "w.u.dn",
	                                      "k.e.f.g", "zz.*.a", "k.r.s.t", "*.b", "k.ns" };
	for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++) {
		uint8_t q[DNS_NAME_MAX];
		size_t len;
		assert_int_equal(dns_name_from_text(q, &len, absent[i], strlen(absent[i]), origin),
		                 DNS_OK);
		same_lookup(got, want, q);
		assert_int_equal(dns_zone_find(got, q) == NULL, dns_zone_find(want, q) == NULL);
	}
	size_t fa[2] = { 0, 0 }, fb[2] = { 0, 0 };
	assert_int_equal(dns_zone_check(got, count_finding, fa), dns_zone_check(want, count_finding, fb));
	assert_int_equal(fa[0], fb[0]);
	assert_int_equal(fa[1], fb[1]);
	size_t nr = 9, na = 9;
	assert_int_equal(dns_zone_diff_count(got, want, &nr, &na), DNS_OK);
	assert_int_equal(nr + na, 0);
}

static bool rzone_has(const rzone_t *m, const rrec_t *r)
{
	for (size_t i = 0; i < m->n; i++)
		if (rrec_same(&m->r[i], r))
			return true;
	return false;
}

static rrec_t rrec_random(void)
{
	rrec_t r = { .name = (uint8_t)rnd(RND_NNAMES), .val = (uint8_t)rnd(4),
	             .ttl = rnd(2) ? 300 : 3600 };
	r.type = rnd_types[rnd(sizeof(rnd_types) / sizeof(rnd_types[0]))];
	if (r.type == DNS_TYPE_SOA)
		r.name = 0; /* SOA at the apex only, so the serial means something */
	return r;
}

/* Added records of one RRset share a TTL, and give it to the whole RRset. */
static uint32_t rzone_ttl(const rzone_t *m, const rrec_t *adds, size_t nadd, const rrec_t *r)
{
	for (size_t i = 0; i < nadd; i++)
		if (adds[i].name == r->name && adds[i].type == r->type)
			return adds[i].ttl;
	for (size_t i = 0; i < m->n; i++)
		if (m->r[i].name == r->name && m->r[i].type == r->type)
			return m->r[i].ttl;
	return r->ttl;
}

static void random_step(dns_zone_t **z, rzone_t *m)
{
	rrec_t rem[8], adds[8];
	size_t nrem = rnd(m->n < 4 ? m->n + 1 : 5), nadd = rnd(6);
	/* removals: distinct records of the model */
	rzone_t next = *m;
	for (size_t i = 0; i < nrem; i++) {
		size_t k = rnd((uint32_t)next.n);
		rem[i] = next.r[k];
		rem[i].ttl = rnd(2) ? rem[i].ttl : 1; /* TTLs of removed records do not matter */
		next.r[k] = next.r[--next.n];
	}
	/* additions: records absent after the removals */
	size_t n = 0;
	for (size_t i = 0; i < nadd; i++) {
		rrec_t r = rrec_random();
		bool dup = rzone_has(&next, &r);
		for (size_t k = 0; k < n; k++)
			dup = dup || rrec_same(&adds[k], &r);
		if (!dup) {
			r.ttl = rzone_ttl(&next, adds, n, &r);
			adds[n++] = r;
		}
	}
	nadd = n;
	for (size_t i = 0; i < next.n; i++)
		next.r[i].ttl = rzone_ttl(&next, adds, nadd, &next.r[i]);
	for (size_t i = 0; i < nadd && next.n < RND_MAX; i++)
		next.r[next.n++] = adds[i];
	if (next.n == RND_MAX)
		return; /* full: skip this change */

	uint8_t names[16][DNS_NAME_MAX], rds[16][300];
	dns_rr_t rr_rem[8], rr_add[8];
	for (size_t i = 0; i < nrem; i++)
		rr_rem[i] = rrec_rr(&rem[i], names[i], rds[i]);
	for (size_t i = 0; i < nadd; i++)
		rr_add[i] = rrec_rr(&adds[i], names[8 + i], rds[8 + i]);
	dns_zone_t *patched = NULL;
	assert_int_equal(dns_zone_apply_diff(*z, rr_rem, nrem, rr_add, nadd, &patched), DNS_OK);
	dns_zone_unref(*z); /* the patched zone must not need it */
	dns_zone_t *want = rzone_build(&next);
	same_zone(patched, want);
	dns_zone_unref(want);
	*z = patched;
	*m = next;
}

static void test_apply_diff_random(void **state)
{
	(void)state;
	for (uint32_t seed = 1; seed <= 300; seed++) {
		rnd_state = seed;
		rzone_t m = { .n = 0 };
		size_t n0 = rnd(24);
		for (size_t i = 0; i < n0; i++) {
			rrec_t r = rrec_random();
			if (!rzone_has(&m, &r)) {
				r.ttl = rzone_ttl(&m, NULL, 0, &r);
				m.r[m.n++] = r;
			}
		}
		dns_zone_t *z = rzone_build(&m);
		for (int step = 0; step < 24; step++)
			random_step(&z, &m);
		dns_zone_unref(z);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_diff_ixfr_order),
		cmocka_unit_test(test_diff_other_origin),
		cmocka_unit_test(test_apply_diff),
		cmocka_unit_test(test_apply_diff_to_empty_zone),
		cmocka_unit_test(test_apply_diff_random),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
