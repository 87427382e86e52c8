/* Unit tests for diff.c: zone differences in IXFR order and applying them. */
#include <setjmp.h>
#include <stdarg.h>
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_diff_ixfr_order),
		cmocka_unit_test(test_diff_other_origin),
		cmocka_unit_test(test_apply_diff),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
