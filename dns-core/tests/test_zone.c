/* Unit tests for the zone database: builder, node order, flags, lookup, checks, zone sets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "dns/name.h"
#include "dns/rrtype.h"
#include "dns/zone.h"
#include "dns/zoneset.h"

static const uint8_t *N(const char *text, uint8_t *buf)
{
	size_t len;
	assert_int_equal(dns_name_from_text(buf, &len, text, strlen(text), NULL), DNS_OK);
	return buf;
}

static dns_err_t add_raw(dns_zone_builder_t *b, const char *owner, uint16_t type, uint32_t ttl,
                         const void *rdata, size_t rdlen)
{
	uint8_t o[DNS_NAME_MAX];
	dns_rr_t rr = {N(owner, o), type, DNS_CLASS_IN, ttl, (uint16_t)rdlen, rdata};
	return dns_zone_builder_add(b, &rr);
}

static void add_name(dns_zone_builder_t *b, const char *owner, uint16_t type, const char *target)
{
	uint8_t t[DNS_NAME_MAX];
	N(target, t);
	assert_int_equal(add_raw(b, owner, type, 3600, t, dns_name_length(t)), DNS_OK);
}

static void add_a(dns_zone_builder_t *b, const char *owner, uint8_t last, uint32_t ttl)
{
	uint8_t a[4] = {192, 0, 2, last};
	assert_int_equal(add_raw(b, owner, DNS_TYPE_A, ttl, a, 4), DNS_OK);
}

static void add_soa(dns_zone_builder_t *b, const char *owner)
{
	/* ns1.example.com. host.example.com. 2024010101 3600 600 86400 300 */
	static const uint8_t soa[] = "\3ns1\7example\3com\0\4host\7example\3com\0"
	                             "\x78\xa3\xf1\x75\0\0\x0e\x10\0\0\x02\x58\0\x01\x51\x80\0\0\x01\x2c";
	assert_int_equal(add_raw(b, owner, DNS_TYPE_SOA, 3600, soa, sizeof(soa) - 1), DNS_OK);
}

/* The zone most tests use. */
static dns_zone_t *test_zone(void)
{
	uint8_t o[DNS_NAME_MAX];
	dns_zone_builder_t *b = dns_zone_builder_new(N("example.com.", o), DNS_CLASS_IN);
	assert_non_null(b);
	add_soa(b, "example.com.");
	add_name(b, "example.com.", DNS_TYPE_NS, "ns1.example.com.");
	add_name(b, "example.com.", DNS_TYPE_NS, "ns2.example.com.");
	add_a(b, "ns1.example.com.", 1, 3600);
	add_a(b, "ns2.example.com.", 2, 3600);
	add_a(b, "www.example.com.", 11, 3600);
	add_a(b, "WWW.example.com.", 10, 3600);
	add_a(b, "www.example.com.", 11, 3600); /* duplicate */
	assert_int_equal(add_raw(b, "a.b.c.example.com.", DNS_TYPE_TXT, 60, "\2hi", 3), DNS_OK);
	add_a(b, "*.wild.example.com.", 5, 3600);
	add_a(b, "x.y.wild.example.com.", 6, 3600);
	add_name(b, "sub.example.com.", DNS_TYPE_NS, "ns.sub.example.com.");
	add_a(b, "ns.sub.example.com.", 53, 3600);
	add_name(b, "dn.example.com.", DNS_TYPE_DNAME, "example.net.");
	add_name(b, "alias.example.com.", DNS_TYPE_CNAME, "www.example.com.");
	dns_zone_t *z = NULL;
	assert_int_equal(dns_zone_builder_finish(b, &z), DNS_OK);
	assert_non_null(z);
	return z;
}

static void test_build_order_and_flags(void **state)
{
	dns_zone_t *z = test_zone();
	static const char *const want[] = {
		"example.com.", "alias.example.com.", "c.example.com.", "b.c.example.com.",
		"a.b.c.example.com.", "dn.example.com.", "ns1.example.com.", "ns2.example.com.",
		"sub.example.com.", "ns.sub.example.com.", "wild.example.com.",
		"*.wild.example.com.", "y.wild.example.com.", "x.y.wild.example.com.",
		"www.example.com.",
	};
	static const unsigned flags[] = {
		DNS_NODE_APEX, 0, DNS_NODE_ENT, DNS_NODE_ENT, 0, DNS_NODE_DNAME, 0, 0,
		DNS_NODE_DELEGATION, DNS_NODE_NONAUTH, DNS_NODE_ENT | DNS_NODE_WILDCARD, 0,
		DNS_NODE_ENT, 0, 0,
	};
	assert_int_equal(dns_zone_node_count(z), 15);
	for (size_t i = 0; i < 15; i++) {
		char text[DNS_NAME_TEXT_MAX];
		dns_name_to_text(dns_node_name(dns_zone_node_at(z, i)), text, sizeof(text));
		assert_string_equal(text, want[i]);
		assert_int_equal(dns_node_flags(dns_zone_node_at(z, i)), flags[i]);
	}
	assert_null(dns_zone_node_at(z, 15));
	assert_int_equal(dns_zone_rr_count(z), 14);
	assert_int_equal(dns_zone_serial(z), 2024010101u);
	assert_int_equal(dns_zone_ttl_mismatches(z), 0);

	/* www: two records in canonical order, the duplicate dropped, case of the first owner */
	uint8_t n[DNS_NAME_MAX];
	const dns_node_t *www = dns_zone_find(z, N("www.EXAMPLE.com.", n));
	assert_non_null(www);
	assert_memory_equal(dns_node_name(www), "\3www", 4);
	const dns_rrset_t *a = dns_node_rrset(www, DNS_TYPE_A);
	assert_non_null(a);
	assert_int_equal(a->count, 2);
	assert_int_equal(a->size, 12);
	static const uint8_t adata[] = {0, 4, 192, 0, 2, 10, 0, 4, 192, 0, 2, 11};
	assert_memory_equal(a->data, adata, 12);
	assert_null(dns_node_rrset(www, DNS_TYPE_AAAA));

	/* apex RRsets sorted by type: NS (2) before SOA (6) */
	const dns_node_t *apex = dns_zone_apex(z);
	assert_int_equal(dns_node_rrset_count(apex), 2);
	assert_int_equal(dns_node_rrset_at(apex, 0)->type, DNS_TYPE_NS);
	assert_int_equal(dns_node_rrset_at(apex, 1)->type, DNS_TYPE_SOA);
	assert_ptr_equal(dns_zone_soa(z), dns_node_rrset_at(apex, 1));
	assert_null(dns_zone_find(z, N("nope.example.com.", n)));
	assert_true(dns_zone_memory(z) > 0);
	dns_zone_unref(z);
}

/* RFC 4034 §6.1's example, shuffled; \001 exercises the key escaping. */
static void test_canonical_order_rfc4034(void **state)
{
	static const char *const want[] = {
		"example.", "a.example.", "yljkjljk.a.example.", "Z.a.example.",
		"zABC.a.EXAMPLE.", "z.example.", "\\001.z.example.", "*.z.example.",
		"\\200.z.example.",
	};
	static const int shuffle[] = {8, 3, 0, 6, 1, 7, 4, 2, 5};
	uint8_t o[DNS_NAME_MAX];
	dns_zone_builder_t *b = dns_zone_builder_new(N("example.", o), DNS_CLASS_IN);
	for (size_t i = 0; i < 9; i++)
		assert_int_equal(add_raw(b, want[shuffle[i]], DNS_TYPE_TXT, 1, "\1x", 2), DNS_OK);
	dns_zone_t *z;
	assert_int_equal(dns_zone_builder_finish(b, &z), DNS_OK);
	assert_int_equal(dns_zone_node_count(z), 9);
	for (size_t i = 0; i < 9; i++) {
		uint8_t n[DNS_NAME_MAX];
		assert_true(dns_name_equal(dns_node_name(dns_zone_node_at(z, i)), N(want[i], n)));
		if (i)
			assert_true(dns_name_compare(dns_node_name(dns_zone_node_at(z, i - 1)),
			                             dns_node_name(dns_zone_node_at(z, i))) < 0);
	}
	dns_zone_unref(z);
}

static void test_builder_rejects(void **state)
{
	uint8_t o[DNS_NAME_MAX];
	dns_zone_builder_t *b = dns_zone_builder_new(N("example.com.", o), DNS_CLASS_IN);
	assert_int_equal(add_raw(b, "example.org.", DNS_TYPE_A, 1, "\1\2\3\4", 4), DNS_EZONE);
	assert_int_equal(add_raw(b, "com.", DNS_TYPE_A, 1, "\1\2\3\4", 4), DNS_EZONE);
	assert_int_equal(add_raw(b, "xexample.com.", DNS_TYPE_A, 1, "\1\2\3\4", 4), DNS_EZONE);
	assert_int_equal(add_raw(b, "a.example.com.", DNS_TYPE_OPT, 1, "", 0), DNS_EINVAL);
	assert_int_equal(add_raw(b, "a.example.com.", DNS_TYPE_AXFR, 1, "", 0), DNS_EINVAL);
	assert_int_equal(add_raw(b, "a.example.com.", DNS_TYPE_TSIG, 1, "", 0), DNS_EINVAL);
	uint8_t n[DNS_NAME_MAX];
	dns_rr_t rr = {N("a.example.com.", n), DNS_TYPE_A, DNS_CLASS_CH, 1, 4,
	               (const uint8_t *)"\1\2\3\4"};
	assert_int_equal(dns_zone_builder_add(b, &rr), DNS_EZONE);
	dns_zone_builder_free(b);

	/* an empty zone */
	b = dns_zone_builder_new(o, DNS_CLASS_IN);
	dns_zone_t *z;
	assert_int_equal(dns_zone_builder_finish(b, &z), DNS_OK);
	assert_null(dns_zone_apex(z));
	assert_null(dns_zone_soa(z));
	assert_int_equal(dns_zone_serial(z), 0);
	dns_lookup_t res;
	assert_int_equal(dns_zone_lookup(z, o, &res), DNS_LOOKUP_OUTSIDE);
	dns_zone_unref(z);
}

static dns_lookup_kind_t lookup(const dns_zone_t *z, const char *q, dns_lookup_t *res,
                                const char *node, const char *encloser)
{
	uint8_t n[DNS_NAME_MAX], want[DNS_NAME_MAX];
	dns_lookup_kind_t k = dns_zone_lookup(z, N(q, n), res);
	assert_int_equal(k, res->kind);
	if (node) {
		assert_non_null(res->node);
		assert_true(dns_name_equal(dns_node_name(res->node), N(node, want)));
	} else {
		assert_null(res->node);
	}
	if (encloser) {
		assert_non_null(res->encloser);
		assert_true(dns_name_equal(dns_node_name(res->encloser), N(encloser, want)));
	}
	return k;
}

static void test_lookup(void **state)
{
	dns_zone_t *z = test_zone();
	dns_lookup_t r;
	assert_int_equal(lookup(z, "example.com.", &r, "example.com.", "example.com."),
	                 DNS_LOOKUP_MATCH);
	assert_int_equal(lookup(z, "WWW.Example.COM.", &r, "www.example.com.", NULL),
	                 DNS_LOOKUP_MATCH);
	/* an empty non-terminal matches (NODATA), and blocks the wildcard below "wild" */
	assert_int_equal(lookup(z, "b.c.example.com.", &r, "b.c.example.com.", NULL),
	                 DNS_LOOKUP_MATCH);
	assert_int_equal(lookup(z, "y.wild.example.com.", &r, "y.wild.example.com.", NULL),
	                 DNS_LOOKUP_MATCH);
	assert_int_equal(lookup(z, "q.y.wild.example.com.", &r, NULL, "y.wild.example.com."),
	                 DNS_LOOKUP_NXDOMAIN);
	/* wildcard: qname and deeper names below the closest encloser "wild" */
	assert_int_equal(lookup(z, "foo.wild.example.com.", &r, "*.wild.example.com.",
	                        "wild.example.com."), DNS_LOOKUP_WILDCARD);
	assert_int_equal(lookup(z, "a.foo.wild.example.com.", &r, "*.wild.example.com.",
	                        "wild.example.com."), DNS_LOOKUP_WILDCARD);
	/* the wildcard owner itself matches literally */
	assert_int_equal(lookup(z, "*.wild.example.com.", &r, "*.wild.example.com.", NULL),
	                 DNS_LOOKUP_MATCH);
	/* NXDOMAIN with the closest encloser */
	assert_int_equal(lookup(z, "x.a.b.c.example.com.", &r, NULL, "a.b.c.example.com."),
	                 DNS_LOOKUP_NXDOMAIN);
	assert_int_equal(lookup(z, "nope.example.com.", &r, NULL, "example.com."),
	                 DNS_LOOKUP_NXDOMAIN);
	/* delegation: at the cut, below it, and glue below it */
	assert_int_equal(lookup(z, "sub.example.com.", &r, "sub.example.com.", NULL),
	                 DNS_LOOKUP_DELEGATION);
	assert_int_equal(lookup(z, "ns.sub.example.com.", &r, "sub.example.com.", NULL),
	                 DNS_LOOKUP_DELEGATION);
	assert_int_equal(lookup(z, "a.b.sub.example.com.", &r, "sub.example.com.", NULL),
	                 DNS_LOOKUP_DELEGATION);
	/* DNAME: at its owner it is data, below it redirects */
	assert_int_equal(lookup(z, "dn.example.com.", &r, "dn.example.com.", NULL),
	                 DNS_LOOKUP_MATCH);
	assert_int_equal(lookup(z, "x.y.dn.example.com.", &r, "dn.example.com.", NULL),
	                 DNS_LOOKUP_DNAME);
	/* outside */
	assert_int_equal(lookup(z, "example.net.", &r, NULL, NULL), DNS_LOOKUP_OUTSIDE);
	assert_int_equal(lookup(z, "com.", &r, NULL, NULL), DNS_LOOKUP_OUTSIDE);
	assert_int_equal(lookup(z, "www.example.org.", &r, NULL, NULL), DNS_LOOKUP_OUTSIDE);
	dns_zone_unref(z);
}

/* Prefetching more names than one chunk, present, absent or with no zone,
 * leaves every lookup as it was. */
static void test_prefetch(void **state)
{
	dns_zone_t *z = test_zone();
	enum { N_NAMES = 150 };
	static const char *const texts[] = { "www.example.com.", "NOPE.example.com.",
	                                     "b.c.example.com.", "x.foo.wild.example.com.",
	                                     "example.com." };
	uint8_t names[N_NAMES][DNS_NAME_MAX];
	const uint8_t *name[N_NAMES];
	const dns_zone_t *zone[N_NAMES];
	const dns_node_t *found[N_NAMES];
	for (int i = 0; i < N_NAMES; i++) {
		name[i] = N(texts[i % 5], names[i]);
		zone[i] = i % 7 == 3 ? NULL : z;
		found[i] = dns_zone_find(z, name[i]);
	}
	dns_zone_prefetch(zone, name, N_NAMES);
	for (int i = 0; i < N_NAMES; i++)
		assert_ptr_equal(dns_zone_find(z, name[i]), found[i]);
	assert_non_null(found[0]);
	assert_null(found[1]);
	dns_zone_unref(z);
}

/* A cut above a DNAME, a DNAME above a cut, and a DNAME at the apex. */
static void test_lookup_highest_wins(void **state)
{
	uint8_t o[DNS_NAME_MAX];
	dns_zone_builder_t *b = dns_zone_builder_new(N("example.com.", o), DNS_CLASS_IN);
	add_name(b, "cut.example.com.", DNS_TYPE_NS, "ns.example.net.");
	add_name(b, "d.cut.example.com.", DNS_TYPE_DNAME, "example.net.");
	add_name(b, "dn.example.com.", DNS_TYPE_DNAME, "example.net.");
	add_name(b, "c.dn.example.com.", DNS_TYPE_NS, "ns.example.net.");
	add_a(b, "x.c.dn.example.com.", 1, 1);
	dns_zone_t *z;
	assert_int_equal(dns_zone_builder_finish(b, &z), DNS_OK);
	dns_lookup_t r;
	assert_int_equal(lookup(z, "q.d.cut.example.com.", &r, "cut.example.com.", NULL),
	                 DNS_LOOKUP_DELEGATION);
	assert_int_equal(lookup(z, "x.c.dn.example.com.", &r, "dn.example.com.", NULL),
	                 DNS_LOOKUP_DNAME);
	assert_int_equal(lookup(z, "c.dn.example.com.", &r, "dn.example.com.", NULL),
	                 DNS_LOOKUP_DNAME);
	const dns_node_t *x = dns_zone_find(z, N("x.c.dn.example.com.", o));
	assert_int_equal(dns_node_flags(x), DNS_NODE_BELOW_DNAME | DNS_NODE_NONAUTH);
	dns_zone_unref(z);

	b = dns_zone_builder_new(N("example.com.", o), DNS_CLASS_IN);
	add_name(b, "example.com.", DNS_TYPE_DNAME, "example.net.");
	add_a(b, "www.example.com.", 1, 1);
	assert_int_equal(dns_zone_builder_finish(b, &z), DNS_OK);
	assert_int_equal(lookup(z, "www.example.com.", &r, "example.com.", NULL), DNS_LOOKUP_DNAME);
	assert_int_equal(lookup(z, "n.example.com.", &r, "example.com.", NULL), DNS_LOOKUP_DNAME);
	assert_int_equal(lookup(z, "example.com.", &r, "example.com.", NULL), DNS_LOOKUP_MATCH);
	dns_zone_unref(z);
}

/* ---- checks ---- */

typedef struct finding {
	char owner[64];
	uint16_t type;
	bool error;
} finding_t;

typedef struct findings {
	finding_t f[32];
	size_t n;
} findings_t;

static void collect(void *ctx, const uint8_t *owner, uint16_t type, bool error, const char *msg)
{
	findings_t *fs = ctx;
	assert_true(fs->n < 32);
	assert_non_null(msg);
	finding_t *f = &fs->f[fs->n++];
	dns_name_to_text(owner, f->owner, sizeof(f->owner));
	f->type = type;
	f->error = error;
}

static bool has(const findings_t *fs, const char *owner, uint16_t type, bool error)
{
	for (size_t i = 0; i < fs->n; i++)
		if (!strcmp(fs->f[i].owner, owner) && fs->f[i].type == type && fs->f[i].error == error)
			return true;
	return false;
}

static void test_check_clean(void **state)
{
	dns_zone_t *z = test_zone();
	findings_t fs = {0};
	assert_int_equal(dns_zone_check(z, collect, &fs), 0);
	assert_int_equal(fs.n, 0);
	dns_zone_unref(z);
}

static void test_check_findings(void **state)
{
	uint8_t o[DNS_NAME_MAX];
	dns_zone_builder_t *b = dns_zone_builder_new(N("example.com.", o), DNS_CLASS_IN);
	/* no SOA and no NS at the apex */
	add_soa(b, "soa.example.com.");
	add_name(b, "c.example.com.", DNS_TYPE_CNAME, "x.example.net.");
	add_name(b, "c.example.com.", DNS_TYPE_CNAME, "y.example.net.");
	add_a(b, "c.example.com.", 1, 1);
	add_name(b, "ok.example.com.", DNS_TYPE_CNAME, "x.example.net.");
	assert_int_equal(add_raw(b, "ok.example.com.", DNS_TYPE_RRSIG, 1, "\0\5", 2), DNS_OK);
	add_name(b, "d.example.com.", DNS_TYPE_DNAME, "x.example.net.");
	add_name(b, "d.example.com.", DNS_TYPE_DNAME, "y.example.net.");
	add_a(b, "below.d.example.com.", 1, 1);
	add_name(b, "sub.example.com.", DNS_TYPE_NS, "ns.sub.example.com.");
	add_name(b, "sub.example.com.", DNS_TYPE_NS, "ns.example.com.");
	add_name(b, "sub.example.com.", DNS_TYPE_NS, "ns.example.net.");
	assert_int_equal(add_raw(b, "x.sub.example.com.", DNS_TYPE_MX, 1, "\0\12\4mail\7example\3com", 20),
	                 DNS_OK);
	add_a(b, "t.example.com.", 1, 300);
	add_a(b, "t.example.com.", 2, 600);
	dns_zone_t *z;
	assert_int_equal(dns_zone_builder_finish(b, &z), DNS_OK);
	assert_int_equal(dns_zone_ttl_mismatches(z), 1);
	findings_t fs = {0};
	size_t errors = dns_zone_check(z, collect, &fs);
	assert_true(has(&fs, "example.com.", DNS_TYPE_SOA, true));
	assert_true(has(&fs, "example.com.", DNS_TYPE_NS, true));
	assert_true(has(&fs, "soa.example.com.", DNS_TYPE_SOA, true));
	assert_true(has(&fs, "c.example.com.", DNS_TYPE_CNAME, true));
	assert_false(has(&fs, "ok.example.com.", DNS_TYPE_CNAME, true));
	assert_true(has(&fs, "d.example.com.", DNS_TYPE_DNAME, true));
	assert_true(has(&fs, "below.d.example.com.", 0, true));
	assert_true(has(&fs, "x.sub.example.com.", DNS_TYPE_MX, true));
	assert_true(has(&fs, "sub.example.com.", DNS_TYPE_NS, true));
	assert_true(has(&fs, "t.example.com.", DNS_TYPE_A, false));
	/* SOA, NS, soa, c x2 (count + beside), d, below.d, x.sub MX, sub NS x2 */
	assert_int_equal(errors, 10);
	size_t nerr = 0;
	for (size_t i = 0; i < fs.n; i++)
		nerr += fs.f[i].error;
	assert_int_equal(nerr, errors);
	assert_int_equal(fs.n, errors + 1);
	dns_zone_unref(z);
}

/* ---- zone sets ---- */

static dns_zone_t *tiny_zone(const char *origin, uint8_t last)
{
	uint8_t o[DNS_NAME_MAX];
	dns_zone_builder_t *b = dns_zone_builder_new(N(origin, o), DNS_CLASS_IN);
	assert_int_equal(add_raw(b, origin, DNS_TYPE_A, 1, (uint8_t[]){1, 2, 3, last}, 4), DNS_OK);
	dns_zone_t *z;
	assert_int_equal(dns_zone_builder_finish(b, &z), DNS_OK);
	return z;
}

static void test_zoneset(void **state)
{
	dns_zone_t *zs[4] = {tiny_zone("example.com.", 1), tiny_zone("sub.example.com.", 2),
	                     tiny_zone("org.", 3), tiny_zone("EXAMPLE.com.", 4)};
	dns_zoneset_t *s = dns_zoneset_new(zs, 4);
	for (int i = 0; i < 4; i++)
		dns_zone_unref(zs[i]); /* the set holds its own references */
	assert_int_equal(dns_zoneset_count(s), 3);
	uint8_t n[DNS_NAME_MAX];
	const dns_zone_t *z = dns_zoneset_find(s, N("a.b.sub.example.COM.", n));
	assert_non_null(z);
	assert_true(dns_name_equal(dns_zone_origin(z), N("sub.example.com.", n)));
	z = dns_zoneset_find(s, N("www.example.com.", n));
	assert_non_null(z);
	/* the later zone with the same origin replaced the first */
	assert_int_equal(dns_rrset_rdata(dns_node_rrset(dns_zone_apex(z), DNS_TYPE_A)->data)[3], 4);
	assert_ptr_equal(dns_zoneset_find(s, N("example.com.", n)), z);
	assert_null(dns_zoneset_find(s, N("com.", n)));
	assert_null(dns_zoneset_find(s, N(".", n)));
	assert_null(dns_zoneset_find(s, N("example.net.", n)));
	assert_non_null(dns_zoneset_find(s, N("a.b.c.d.e.f.org.", n)));
	assert_ptr_equal(dns_zoneset_get(s, N("org.", n)), dns_zoneset_find(s, n));
	assert_null(dns_zoneset_get(s, N("x.org.", n)));
	assert_non_null(dns_zoneset_at(s, 2));
	assert_null(dns_zoneset_at(s, 3));
	dns_zoneset_free(s);
	s = dns_zoneset_new(NULL, 0);
	assert_null(dns_zoneset_find(s, n));
	dns_zoneset_free(s);
}

/* Patching: the touched owners only, the rest taken from the old version. */
static unsigned flags_of(const dns_zone_t *z, const char *name)
{
	uint8_t n[DNS_NAME_MAX];
	const dns_node_t *node = dns_zone_find(z, N(name, n));
	return node ? dns_node_flags(node) : 0xffffu;
}

static void test_patch(void **state)
{
	(void)state;
	dns_zone_t *old = test_zone();
	uint8_t o[DNS_NAME_MAX];
	size_t old_nodes = dns_zone_node_count(old), old_rrs = dns_zone_rr_count(old);
	dns_zone_builder_t *b = dns_zone_patch_new(old);
	assert_non_null(b);
	/* gone: the delegation (its glue becomes authoritative) and x.y.wild with its ENT */
	assert_int_equal(dns_zone_patch_replace(b, N("sub.example.com.", o)), DNS_OK);
	assert_int_equal(dns_zone_patch_replace(b, N("x.y.wild.example.com.", o)), DNS_OK);
	/* new: a wildcard at the apex, a name under a new ENT, an RRset with two TTLs */
	add_a(b, "*.example.com.", 7, 3600);
	add_a(b, "new.deep.example.com.", 8, 3600);
	add_a(b, "t.example.com.", 1, 300);
	add_a(b, "t.example.com.", 2, 600);
	/* replaced: www gets one record instead of two */
	add_a(b, "www.example.com.", 12, 60);
	assert_int_equal(dns_zone_patch_replace(b, N("a.example.org.", o)), DNS_EZONE);
	dns_zone_t *z = NULL;
	assert_int_equal(dns_zone_builder_finish(b, &z), DNS_OK);

	/* the old version is untouched */
	assert_int_equal(dns_zone_node_count(old), old_nodes);
	assert_int_equal(flags_of(old, "ns.sub.example.com."), DNS_NODE_NONAUTH);
	assert_int_equal(flags_of(old, "y.wild.example.com."), DNS_NODE_ENT);
	dns_zone_unref(old); /* the new version must not need it */

	/* -x.y.wild -y.wild +* +new.deep +deep +t (sub stays, an ENT above ns.sub) */
	assert_int_equal(dns_zone_node_count(z), old_nodes - 2 + 4);
	/* -1 NS, -1 A (x.y.wild), -1 A (www: 2 -> 1), +1 *, +1 new.deep, +2 t */
	assert_int_equal(dns_zone_rr_count(z), old_rrs - 3 + 4);
	assert_int_equal(dns_zone_ttl_mismatches(z), 1);
	assert_int_equal(flags_of(z, "example.com."), DNS_NODE_APEX | DNS_NODE_WILDCARD);
	assert_int_equal(flags_of(z, "ns.sub.example.com."), 0);
	assert_int_equal(flags_of(z, "sub.example.com."), DNS_NODE_ENT);
	assert_int_equal(flags_of(z, "y.wild.example.com."), 0xffffu);
	assert_int_equal(flags_of(z, "wild.example.com."), DNS_NODE_ENT | DNS_NODE_WILDCARD);
	assert_int_equal(flags_of(z, "deep.example.com."), DNS_NODE_ENT);
	assert_int_equal(flags_of(z, "a.dn.example.com."), 0xffffu);
	const dns_rrset_t *www = dns_node_rrset(dns_zone_find(z, N("www.example.com.", o)), DNS_TYPE_A);
	assert_int_equal(www->count, 1);
	assert_int_equal(www->ttl, 60);
	dns_lookup_t res;
	assert_int_equal(dns_zone_lookup(z, N("nx.example.com.", o), &res), DNS_LOOKUP_WILDCARD);
	assert_int_equal(dns_zone_lookup(z, N("q.ns.sub.example.com.", o), &res), DNS_LOOKUP_NXDOMAIN);
	/* canonical order still holds */
	for (size_t i = 1; i < dns_zone_node_count(z); i++)
		assert_true(dns_name_compare(dns_node_name(dns_zone_node_at(z, i - 1)),
		                             dns_node_name(dns_zone_node_at(z, i))) < 0);

	/* an unrelated patch keeps t's TTL mismatch, a patch of t drops it */
	b = dns_zone_patch_new(z);
	add_a(b, "other.example.com.", 9, 3600);
	dns_zone_t *z2 = NULL;
	assert_int_equal(dns_zone_builder_finish(b, &z2), DNS_OK);
	assert_int_equal(dns_zone_ttl_mismatches(z2), 1);
	findings_t fs = {0};
	dns_zone_check(z2, collect, &fs);
	assert_true(has(&fs, "t.example.com.", DNS_TYPE_A, false));
	b = dns_zone_patch_new(z2);
	add_a(b, "t.example.com.", 1, 300);
	dns_zone_t *z3 = NULL;
	assert_int_equal(dns_zone_builder_finish(b, &z3), DNS_OK);
	assert_int_equal(dns_zone_ttl_mismatches(z3), 0);

	/* everything removed: an empty zone */
	b = dns_zone_patch_new(z3);
	for (size_t i = 0; i < dns_zone_node_count(z3); i++)
		assert_int_equal(dns_zone_patch_replace(b, dns_node_name(dns_zone_node_at(z3, i))),
		                 DNS_OK);
	dns_zone_t *empty = NULL;
	assert_int_equal(dns_zone_builder_finish(b, &empty), DNS_OK);
	assert_int_equal(dns_zone_node_count(empty), 0);
	assert_null(dns_zone_apex(empty));
	assert_null(dns_zone_find(empty, N("example.com.", o)));

	/* not a patch */
	b = dns_zone_builder_new(N("example.com.", o), DNS_CLASS_IN);
	assert_int_equal(dns_zone_patch_replace(b, o), DNS_EINVAL);
	dns_zone_builder_free(b);
	assert_null(dns_zone_patch_new(NULL));
	dns_zone_unref(empty);
	dns_zone_unref(z3);
	dns_zone_unref(z2);
	dns_zone_unref(z);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_order_and_flags),
		cmocka_unit_test(test_canonical_order_rfc4034),
		cmocka_unit_test(test_builder_rejects),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_lookup_highest_wins),
		cmocka_unit_test(test_prefetch),
		cmocka_unit_test(test_check_clean),
		cmocka_unit_test(test_check_findings),
		cmocka_unit_test(test_patch),
		cmocka_unit_test(test_zoneset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
