/* Unit tests for update*.c: RFC 2136 UPDATE processing as a transaction.
 * UPDATE messages are written byte by byte here (RFC 2136 §2) and parsed
 * with dns_msg_parse, as the server will. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "dns/msg.h"
#include "dns/name.h"
#include "dns/rrtype.h"
#include "dns/serial.h"
#include "dns/update.h"
#include "dns/zone.h"
#include "../src/update/update_int.h" /* white-box rollback test */

static const uint8_t origin[] = "\007example\003com";
#define IN DNS_CLASS_IN
#define ANY DNS_CLASS_ANY
#define NONE DNS_CLASS_NONE

static void name(uint8_t *out, const char *text)
{
	size_t nl;
	assert_int_equal(dns_name_from_text(out, &nl, text, strlen(text), origin), DNS_OK);
}

/* SOA rdata: ns1.example.com. hostmaster.example.com. serial 3600 600 86400 300 */
static size_t soa_rdata(uint8_t *out, uint32_t serial)
{
	static const uint8_t names[] = "\003ns1\007example\003com\000\012hostmaster\007example\003com";
	size_t n = sizeof(names);
	memcpy(out, names, n);
	const uint32_t v[5] = { serial, 3600, 600, 86400, 300 };
	for (int i = 0; i < 5; i++) {
		dns_put32(out + n, v[i]);
		n += 4;
	}
	return n;
}

static void zadd(dns_zone_builder_t *b, const char *owner, uint16_t type, const void *rd,
                 size_t len)
{
	uint8_t o[DNS_NAME_MAX];
	name(o, owner);
	dns_rr_t rr = { .owner = o, .type = type, .rclass = IN, .ttl = 3600,
	                .rdlen = (uint16_t)len, .rdata = rd };
	assert_int_equal(dns_zone_builder_add(b, &rr), DNS_OK);
}

#define NS1 "\003ns1\007example\003com"
#define NS2 "\003ns2\007example\003com"
#define WWW "\003www\007example\003com"
#define ADDR(a) ((const uint8_t[]){ 192, 0, 2, a })

static dns_zone_t *make_zone(uint32_t serial)
{
	dns_zone_builder_t *b = dns_zone_builder_new(origin, IN);
	uint8_t soa[128];
	zadd(b, "@", DNS_TYPE_SOA, soa, soa_rdata(soa, serial));
	zadd(b, "@", DNS_TYPE_NS, NS1, 17);
	zadd(b, "@", DNS_TYPE_NS, NS2, 17);
	zadd(b, "@", DNS_TYPE_MX, "\000\012\004mail\007example\003com", 20);
	zadd(b, "@", DNS_TYPE_TXT, "\001v", 2);
	zadd(b, "ns1", DNS_TYPE_A, ADDR(53), 4);
	zadd(b, "ns2", DNS_TYPE_A, ADDR(54), 4);
	zadd(b, "www", DNS_TYPE_A, ADDR(1), 4);
	zadd(b, "alias", DNS_TYPE_CNAME, WWW, 17);
	zadd(b, "mail", DNS_TYPE_A, ADDR(25), 4);
	zadd(b, "sub", DNS_TYPE_NS, "\002ns\003sub\007example\003com", 20);
	zadd(b, "ns.sub", DNS_TYPE_A, ADDR(99), 4);
	zadd(b, "host.ent", DNS_TYPE_A, ADDR(77), 4); /* "ent" is an empty non-terminal */
	dns_zone_t *z = NULL;
	assert_int_equal(dns_zone_builder_finish(b, &z), DNS_OK);
	return z;
}

/* ---- UPDATE messages by hand ---- */

typedef struct mb {
	uint8_t b[4096];
	size_t len;
	uint16_t cnt[4];
	uint16_t flags;
} mb_t;

static void put_name(mb_t *m, const char *text)
{
	uint8_t n[DNS_NAME_MAX];
	name(n, text);
	size_t l = dns_name_length(n);
	memcpy(m->b + m->len, n, l);
	m->len += l;
}

static void put16(mb_t *m, uint16_t v)
{
	dns_put16(m->b + m->len, v);
	m->len += 2;
}

/* Header (ID 0x1234, opcode UPDATE = 5 << 11) and, unless @zone is NULL,
 * the zone section. */
static void mb_start(mb_t *m, const char *zone, uint16_t ztype, uint16_t zclass)
{
	memset(m, 0, sizeof(*m));
	m->flags = 0x2800;
	m->len = DNS_HDR_LEN;
	if (zone) {
		put_name(m, zone);
		put16(m, ztype);
		put16(m, zclass);
		m->cnt[0] = 1;
	}
}

static void mb_rr(mb_t *m, int sec, const char *owner, uint16_t type, uint16_t rclass,
                  uint32_t ttl, const void *rd, size_t len)
{
	put_name(m, owner);
	put16(m, type);
	put16(m, rclass);
	dns_put32(m->b + m->len, ttl);
	m->len += 4;
	put16(m, (uint16_t)len);
	if (len)
		memcpy(m->b + m->len, rd, len);
	m->len += len;
	m->cnt[sec]++;
}

#define PRE(m, ...) mb_rr(m, DNS_SEC_PREREQ, __VA_ARGS__)
#define UPD(m, ...) mb_rr(m, DNS_SEC_UPDATE, __VA_ARGS__)

static int run(dns_update_t *u, mb_t *m)
{
	dns_put16(m->b, 0x1234);
	dns_put16(m->b + 2, m->flags);
	for (int i = 0; i < 4; i++)
		dns_put16(m->b + 4 + 2 * i, m->cnt[i]);
	dns_msg_t msg;
	assert_int_equal(dns_msg_parse(&msg, m->b, m->len), DNS_OK);
	int rc = dns_update_apply(u, &msg);
	dns_msg_free(&msg);
	return rc;
}

/* The net changes as text: "-www.example.com. A 3600 4;" with the last
 * rdata byte for A, the serial for SOA, the rdata length otherwise. */
typedef struct changes {
	char text[4096];
} changes_t;

static dns_err_t collect(void *ctx, bool added, const dns_rr_t *rr)
{
	changes_t *c = ctx;
	char n[DNS_NAME_TEXT_MAX], t[16], line[DNS_NAME_TEXT_MAX + 64];
	dns_name_to_text(rr->owner, n, sizeof(n));
	dns_rrtype_to_text(rr->type, t, sizeof(t));
	unsigned v = rr->type == DNS_TYPE_SOA ? dns_get32(rr->rdata + rr->rdlen - 20)
	             : rr->type == DNS_TYPE_A ? rr->rdata[3]
	                                      : rr->rdlen;
	snprintf(line, sizeof(line), "%c%s %s %u %u;", added ? '+' : '-', n, t, rr->ttl, v);
	strncat(c->text, line, sizeof(c->text) - strlen(c->text) - 1);
	return DNS_OK;
}

static const char *changes(dns_update_t *u)
{
	static changes_t c;
	c.text[0] = 0;
	assert_int_equal(dns_update_changes(u, collect, &c), DNS_OK);
	return c.text;
}

static int setup(void **state)
{
	*state = make_zone(2024010101u);
	return 0;
}

static int teardown(void **state)
{
	dns_zone_unref(*state);
	return 0;
}

/* ---- §3.1 zone section ---- */

static void test_zone_section(void **state)
{
	dns_update_t *u = dns_update_begin(*state);
	mb_t m;
	mb_start(&m, NULL, 0, 0); /* ZOCOUNT 0 */
	assert_int_equal(run(u, &m), DNS_RCODE_FORMERR);
	mb_start(&m, "@", DNS_TYPE_A, IN); /* zone type must be SOA */
	assert_int_equal(run(u, &m), DNS_RCODE_FORMERR);
	mb_start(&m, "example.net.", DNS_TYPE_SOA, IN);
	assert_int_equal(run(u, &m), DNS_RCODE_NOTAUTH);
	mb_start(&m, "www", DNS_TYPE_SOA, IN); /* a name inside, not the zone */
	assert_int_equal(run(u, &m), DNS_RCODE_NOTAUTH);
	mb_start(&m, "@", DNS_TYPE_SOA, DNS_CLASS_CH);
	assert_int_equal(run(u, &m), DNS_RCODE_NOTAUTH);
	mb_start(&m, "EXAMPLE.com.", DNS_TYPE_SOA, IN); /* case-insensitive */
	assert_int_equal(run(u, &m), DNS_RCODE_NOERROR);
	mb_start(&m, "@", DNS_TYPE_SOA, IN);
	m.flags = 0; /* a QUERY is not an UPDATE */
	assert_int_equal(run(u, &m), DNS_RCODE_NOTIMP);
	assert_false(dns_update_changed(u));
	dns_update_free(u);
}

/* ---- §3.2 prerequisites ---- */

/* One prerequisite followed by an add; returns the rcode and checks the
 * add happened exactly when the rcode is NOERROR. */
static int prereq(void **state, const char *owner, uint16_t type, uint16_t rclass, uint32_t ttl,
                  const void *rd, size_t len)
{
	dns_update_t *u = dns_update_begin(*state);
	mb_t m;
	mb_start(&m, "@", DNS_TYPE_SOA, IN);
	PRE(&m, owner, type, rclass, ttl, rd, len);
	UPD(&m, "added", DNS_TYPE_A, IN, 300, ADDR(7), 4);
	int rc = run(u, &m);
	assert_int_equal(dns_update_changed(u), rc == DNS_RCODE_NOERROR);
	dns_update_free(u);
	return rc;
}

static void test_prereq_name_in_use(void **state)
{
	assert_int_equal(prereq(state, "www", DNS_TYPE_ANY, ANY, 0, NULL, 0), DNS_RCODE_NOERROR);
	assert_int_equal(prereq(state, "nope", DNS_TYPE_ANY, ANY, 0, NULL, 0), DNS_RCODE_NXDOMAIN);
	/* an empty non-terminal is not "in use" (§2.4.4: an RR must exist) */
	assert_int_equal(prereq(state, "ent", DNS_TYPE_ANY, ANY, 0, NULL, 0), DNS_RCODE_NXDOMAIN);
	assert_int_equal(prereq(state, "ent", DNS_TYPE_ANY, NONE, 0, NULL, 0), DNS_RCODE_NOERROR);
	assert_int_equal(prereq(state, "NS.SUB", DNS_TYPE_ANY, ANY, 0, NULL, 0), DNS_RCODE_NOERROR);
}

static void test_prereq_name_not_in_use(void **state)
{
	assert_int_equal(prereq(state, "nope", DNS_TYPE_ANY, NONE, 0, NULL, 0), DNS_RCODE_NOERROR);
	assert_int_equal(prereq(state, "www", DNS_TYPE_ANY, NONE, 0, NULL, 0), DNS_RCODE_YXDOMAIN);
}

static void test_prereq_rrset_exists(void **state)
{
	assert_int_equal(prereq(state, "www", DNS_TYPE_A, ANY, 0, NULL, 0), DNS_RCODE_NOERROR);
	assert_int_equal(prereq(state, "www", DNS_TYPE_AAAA, ANY, 0, NULL, 0), DNS_RCODE_NXRRSET);
	assert_int_equal(prereq(state, "nope", DNS_TYPE_A, ANY, 0, NULL, 0), DNS_RCODE_NXRRSET);
}

static void test_prereq_rrset_not_exists(void **state)
{
	assert_int_equal(prereq(state, "www", DNS_TYPE_AAAA, NONE, 0, NULL, 0), DNS_RCODE_NOERROR);
	assert_int_equal(prereq(state, "www", DNS_TYPE_A, NONE, 0, NULL, 0), DNS_RCODE_YXRRSET);
}

static void test_prereq_value(void **state)
{
	assert_int_equal(prereq(state, "www", DNS_TYPE_A, IN, 0, ADDR(1), 4), DNS_RCODE_NOERROR);
	assert_int_equal(prereq(state, "www", DNS_TYPE_A, IN, 0, ADDR(2), 4), DNS_RCODE_NXRRSET);
	assert_int_equal(prereq(state, "nope", DNS_TYPE_A, IN, 0, ADDR(1), 4), DNS_RCODE_NXRRSET);
	/* names in rdata compare case-insensitively */
	assert_int_equal(prereq(state, "alias", DNS_TYPE_CNAME, IN, 0, "\003WwW\007EXAMPLE\003com", 17),
	                 DNS_RCODE_NOERROR);

	/* the whole RRset must match (§3.2.3): a superset or subset fails */
	dns_update_t *u = dns_update_begin(*state);
	mb_t m;
	mb_start(&m, "@", DNS_TYPE_SOA, IN);
	PRE(&m, "@", DNS_TYPE_NS, IN, 0, NS1, 17);
	UPD(&m, "added", DNS_TYPE_A, IN, 300, ADDR(7), 4);
	assert_int_equal(run(u, &m), DNS_RCODE_NXRRSET);
	mb_start(&m, "@", DNS_TYPE_SOA, IN);
	PRE(&m, "@", DNS_TYPE_NS, IN, 0, NS2, 17);
	PRE(&m, "www", DNS_TYPE_A, IN, 0, ADDR(1), 4);
	PRE(&m, "@", DNS_TYPE_NS, IN, 0, NS1, 17); /* not adjacent to its RRset mate */
	assert_int_equal(run(u, &m), DNS_RCODE_NOERROR);
	mb_start(&m, "@", DNS_TYPE_SOA, IN);
	PRE(&m, "@", DNS_TYPE_NS, IN, 0, NS2, 17);
	PRE(&m, "@", DNS_TYPE_NS, IN, 0, NS1, 17);
	PRE(&m, "@", DNS_TYPE_NS, IN, 0, "\003ns3\007example\003com", 17);
	assert_int_equal(run(u, &m), DNS_RCODE_NXRRSET);
	assert_false(dns_update_changed(u));
	dns_update_free(u);
}

static void test_prereq_errors(void **state)
{
	/* TTL must be 0 */
	assert_int_equal(prereq(state, "www", DNS_TYPE_A, IN, 3600, ADDR(1), 4), DNS_RCODE_FORMERR);
	assert_int_equal(prereq(state, "www", DNS_TYPE_A, ANY, 1, NULL, 0), DNS_RCODE_FORMERR);
	/* outside the zone */
	assert_int_equal(prereq(state, "www.example.net.", DNS_TYPE_A, ANY, 0, NULL, 0),
	                 DNS_RCODE_NOTZONE);
	/* class ANY/NONE take no rdata; other classes are errors */
	assert_int_equal(prereq(state, "www", DNS_TYPE_A, ANY, 0, ADDR(1), 4), DNS_RCODE_FORMERR);
	assert_int_equal(prereq(state, "www", DNS_TYPE_A, NONE, 0, ADDR(1), 4), DNS_RCODE_FORMERR);
	assert_int_equal(prereq(state, "www", DNS_TYPE_A, DNS_CLASS_CH, 0, ADDR(1), 4),
	                 DNS_RCODE_FORMERR);
}

/* ---- §3.4 updates ---- */

static void test_add(void **state)
{
	dns_update_t *u = dns_update_begin(*state);
	mb_t m;
	mb_start(&m, "@", DNS_TYPE_SOA, IN);
	UPD(&m, "new", DNS_TYPE_A, IN, 300, ADDR(9), 4);
	UPD(&m, "new", DNS_TYPE_A, IN, 300, ADDR(9), 4); /* duplicate: ignored */
	assert_int_equal(run(u, &m), DNS_RCODE_NOERROR);
	assert_string_equal(changes(u), "+new.example.com. A 300 9;");
	/* adding to an RRset: the new TTL becomes the RRset's */
	mb_start(&m, "@", DNS_TYPE_SOA, IN);
	UPD(&m, "www", DNS_TYPE_A, IN, 60, ADDR(2), 4);
	assert_int_equal(run(u, &m), DNS_RCODE_NOERROR);
	assert_string_equal(changes(u), "-www.example.com. A 3600 1;"
	                                "+new.example.com. A 300 9;"
	                                "+www.example.com. A 60 1;+www.example.com. A 60 2;");
	dns_update_free(u);
}

/* RFC 2181 §8: a received TTL with the top bit set is read as 0, in the
 * update section (added records) as in the prerequisite and delete forms
 * that must carry 0; 2^31 - 1 is kept as is. */
static void test_ttl_top_bit(void **state)
{
	dns_update_t *u = dns_update_begin(*state);
	mb_t m;
	mb_start(&m, "@", DNS_TYPE_SOA, IN);
	UPD(&m, "new", DNS_TYPE_A, IN, 0x80000000u, ADDR(9), 4);
	UPD(&m, "max", DNS_TYPE_A, IN, 0x7fffffffu, ADDR(8), 4);
	assert_int_equal(run(u, &m), DNS_RCODE_NOERROR);
	assert_string_equal(changes(u), "+max.example.com. A 2147483647 8;"
	                                "+new.example.com. A 0 9;");
	mb_start(&m, "@", DNS_TYPE_SOA, IN);
	PRE(&m, "www", DNS_TYPE_A, ANY, 0xffffffffu, NULL, 0);   /* exists: read as TTL 0 */
	UPD(&m, "mail", DNS_TYPE_A, ANY, 0x80000001u, NULL, 0);  /* delete RRset */
	UPD(&m, "www", DNS_TYPE_A, IN, 0xffffffffu, ADDR(2), 4); /* the whole RRset gets TTL 0 */
	assert_int_equal(run(u, &m), DNS_RCODE_NOERROR);
	assert_string_equal(changes(u), "-mail.example.com. A 3600 25;"
	                                "-www.example.com. A 3600 1;"
	                                "+max.example.com. A 2147483647 8;"
	                                "+new.example.com. A 0 9;"
	                                "+www.example.com. A 0 1;+www.example.com. A 0 2;");
	/* a TTL without the top bit is still no zero where 0 is required */
	mb_start(&m, "@", DNS_TYPE_SOA, IN);
	PRE(&m, "www", DNS_TYPE_A, ANY, 0x7fffffffu, NULL, 0);
	assert_int_equal(run(u, &m), DNS_RCODE_FORMERR);
	dns_zone_t *nz = NULL;
	assert_int_equal(dns_update_commit(u, true, 2024010200u, &nz), DNS_OK);
	dns_zone_unref(nz);
	dns_update_free(u);
}

static void test_delete(void **state)
{
	dns_update_t *u = dns_update_begin(*state);
	mb_t m;
	mb_start(&m, "@", DNS_TYPE_SOA, IN);
	UPD(&m, "www", DNS_TYPE_A, ANY, 0, NULL, 0);                   /* delete an RRset */
	UPD(&m, "mail", DNS_TYPE_ANY, ANY, 0, NULL, 0);                /* delete a name */
	UPD(&m, "ns2", DNS_TYPE_A, NONE, 0, ADDR(54), 4);              /* delete one RR */
	UPD(&m, "ns1", DNS_TYPE_A, NONE, 0, ADDR(1), 4);               /* absent: nothing */
	UPD(&m, "nope", DNS_TYPE_ANY, ANY, 0, NULL, 0);                /* absent: nothing */
	UPD(&m, "alias", DNS_TYPE_CNAME, NONE, 0, "\003WWW\007example\003com", 17); /* case */
	assert_int_equal(run(u, &m), DNS_RCODE_NOERROR);
	assert_string_equal(changes(u), "-alias.example.com. CNAME 3600 17;"
	                                "-mail.example.com. A 3600 25;"
	                                "-ns2.example.com. A 3600 54;"
	                                "-www.example.com. A 3600 1;");
	/* add back what was deleted: no net change for it */
	mb_start(&m, "@", DNS_TYPE_SOA, IN);
	UPD(&m, "www", DNS_TYPE_A, IN, 3600, ADDR(1), 4);
	assert_int_equal(run(u, &m), DNS_RCODE_NOERROR);
	assert_string_equal(changes(u), "-alias.example.com. CNAME 3600 17;"
	                                "-mail.example.com. A 3600 25;"
	                                "-ns2.example.com. A 3600 54;");
	dns_update_free(u);
}

static void test_cname_conflicts(void **state)
{
	dns_update_t *u = dns_update_begin(*state);
	mb_t m;
	mb_start(&m, "@", DNS_TYPE_SOA, IN);
	UPD(&m, "www", DNS_TYPE_CNAME, IN, 300, NS1, 17);   /* www has an A: ignored */
	UPD(&m, "alias", DNS_TYPE_A, IN, 300, ADDR(5), 4);  /* alias is a CNAME: ignored */
	UPD(&m, "c", DNS_TYPE_CNAME, IN, 300, WWW, 17);     /* fresh name: fine */
	UPD(&m, "c", DNS_TYPE_TXT, IN, 300, "\001x", 2);    /* now a CNAME: ignored */
	assert_int_equal(run(u, &m), DNS_RCODE_NOERROR);
	assert_string_equal(changes(u), "+c.example.com. CNAME 300 17;");
	/* a second CNAME replaces the first; NSEC is allowed beside it */
	mb_start(&m, "@", DNS_TYPE_SOA, IN);
	UPD(&m, "alias", DNS_TYPE_CNAME, IN, 3600, NS1, 17);
	UPD(&m, "alias", DNS_TYPE_NSEC, IN, 3600, "\003www\007example\003com\000\000\001\100", 20);
	assert_int_equal(run(u, &m), DNS_RCODE_NOERROR);
	assert_string_equal(changes(u), "-alias.example.com. CNAME 3600 17;"
	                                "+alias.example.com. CNAME 3600 17;"
	                                "+alias.example.com. NSEC 3600 20;"
	                                "+c.example.com. CNAME 300 17;");
	/* the replaced CNAME points at ns1 now */
	dns_zone_t *z = NULL;
	assert_int_equal(dns_update_commit(u, true, 0, &z), DNS_OK);
	const dns_rrset_t *cn = dns_node_rrset(dns_zone_find(z, (const uint8_t *)"\005alias\007example\003com"),
	                                       DNS_TYPE_CNAME);
	assert_non_null(cn);
	assert_int_equal(cn->count, 1);
	assert_memory_equal(dns_rrset_rdata(dns_rrset_first(cn)), NS1, 17);
	dns_zone_unref(z);
	dns_update_free(u);
}

static void test_soa_serial(void **state)
{
	dns_update_t *u = dns_update_begin(*state);
	uint8_t soa[128];
	mb_t m;
	/* backwards: ignored */
	mb_start(&m, "@", DNS_TYPE_SOA, IN);
	UPD(&m, "@", DNS_TYPE_SOA, IN, 3600, soa, soa_rdata(soa, 2024010100u));
	assert_int_equal(run(u, &m), DNS_RCODE_NOERROR);
	assert_false(dns_update_changed(u));
	/* an SOA anywhere but the apex: ignored */
	mb_start(&m, "@", DNS_TYPE_SOA, IN);
	UPD(&m, "www", DNS_TYPE_SOA, IN, 3600, soa, soa_rdata(soa, 2024010102u));
	assert_int_equal(run(u, &m), DNS_RCODE_NOERROR);
	assert_false(dns_update_changed(u));
	/* forwards: replaces the SOA, and commit keeps that serial */
	mb_start(&m, "@", DNS_TYPE_SOA, IN);
	UPD(&m, "@", DNS_TYPE_SOA, IN, 3600, soa, soa_rdata(soa, 2024010105u));
	assert_int_equal(run(u, &m), DNS_RCODE_NOERROR);
	assert_string_equal(changes(u), "-example.com. SOA 3600 2024010101;"
	                                "+example.com. SOA 3600 2024010105;");
	assert_int_equal(dns_update_serial(u), 2024010105u);
	dns_zone_t *z = NULL;
	assert_int_equal(dns_update_commit(u, true, 20241122, &z), DNS_OK);
	assert_int_equal(dns_zone_serial(z), 2024010105u);
	dns_zone_unref(z);
	dns_update_free(u);
}

static void test_apex_protection(void **state)
{
	dns_update_t *u = dns_update_begin(*state);
	uint8_t soa[128];
	mb_t m;
	mb_start(&m, "@", DNS_TYPE_SOA, IN);
	UPD(&m, "@", DNS_TYPE_SOA, ANY, 0, NULL, 0);
	UPD(&m, "@", DNS_TYPE_NS, ANY, 0, NULL, 0);
	UPD(&m, "@", DNS_TYPE_SOA, NONE, 0, soa, soa_rdata(soa, 2024010101u));
	assert_int_equal(run(u, &m), DNS_RCODE_NOERROR);
	assert_false(dns_update_changed(u));
	/* one NS of two may go, the last one may not */
	mb_start(&m, "@", DNS_TYPE_SOA, IN);
	UPD(&m, "@", DNS_TYPE_NS, NONE, 0, NS1, 17);
	UPD(&m, "@", DNS_TYPE_NS, NONE, 0, NS2, 17);
	assert_int_equal(run(u, &m), DNS_RCODE_NOERROR);
	assert_string_equal(changes(u), "-example.com. NS 3600 17;");
	/* ANY/ANY at the apex keeps SOA and NS */
	mb_start(&m, "@", DNS_TYPE_SOA, IN);
	UPD(&m, "@", DNS_TYPE_ANY, ANY, 0, NULL, 0);
	assert_int_equal(run(u, &m), DNS_RCODE_NOERROR);
	assert_string_equal(changes(u), "-example.com. NS 3600 17;"
	                                "-example.com. MX 3600 20;"
	                                "-example.com. TXT 3600 2;");
	dns_zone_t *z = NULL;
	assert_int_equal(dns_update_commit(u, true, 0, &z), DNS_OK);
	const dns_node_t *apex = dns_zone_apex(z);
	assert_non_null(dns_node_rrset(apex, DNS_TYPE_SOA));
	assert_int_equal(dns_node_rrset(apex, DNS_TYPE_NS)->count, 1);
	assert_null(dns_node_rrset(apex, DNS_TYPE_MX));
	dns_zone_unref(z);
	dns_update_free(u);
}

static void test_prescan(void **state)
{
	dns_update_t *u = dns_update_begin(*state);
	mb_t m;
	struct {
		const char *owner;
		uint16_t type, rclass;
		uint32_t ttl;
		const void *rd;
		size_t len;
		int rc;
	} cases[] = {
		{ "x.example.net.", DNS_TYPE_A, IN, 300, ADDR(1), 4, DNS_RCODE_NOTZONE },
		{ "www", DNS_TYPE_ANY, IN, 300, NULL, 0, DNS_RCODE_FORMERR },   /* meta type added */
		{ "www", DNS_TYPE_AXFR, IN, 300, NULL, 0, DNS_RCODE_FORMERR },
		{ "www", DNS_TYPE_A, ANY, 300, NULL, 0, DNS_RCODE_FORMERR },    /* TTL with ANY */
		{ "www", DNS_TYPE_A, ANY, 0, ADDR(1), 4, DNS_RCODE_FORMERR },   /* rdata with ANY */
		{ "www", DNS_TYPE_MAILA, ANY, 0, NULL, 0, DNS_RCODE_FORMERR },
		{ "www", DNS_TYPE_A, NONE, 300, ADDR(1), 4, DNS_RCODE_FORMERR }, /* TTL with NONE */
		{ "www", DNS_TYPE_ANY, NONE, 0, NULL, 0, DNS_RCODE_FORMERR },
		{ "www", DNS_TYPE_A, DNS_CLASS_CH, 0, ADDR(1), 4, DNS_RCODE_FORMERR },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* a valid add first: the prescan must stop it from being applied */
		mb_start(&m, "@", DNS_TYPE_SOA, IN);
		UPD(&m, "first", DNS_TYPE_A, IN, 300, ADDR(8), 4);
		UPD(&m, cases[i].owner, cases[i].type, cases[i].rclass, cases[i].ttl, cases[i].rd,
		    cases[i].len);
		assert_int_equal(run(u, &m), cases[i].rc);
	}
	assert_false(dns_update_changed(u));
	dns_update_free(u);
}

/* A batch: a message whose last prerequisite fails changes nothing, the
 * messages before and after it keep their effects. */
static void test_batch_atomic(void **state)
{
	dns_update_t *u = dns_update_begin(*state);
	mb_t m;
	mb_start(&m, "@", DNS_TYPE_SOA, IN);
	UPD(&m, "a", DNS_TYPE_A, IN, 300, ADDR(10), 4);
	assert_int_equal(run(u, &m), DNS_RCODE_NOERROR);
	mb_start(&m, "@", DNS_TYPE_SOA, IN);
	PRE(&m, "a", DNS_TYPE_A, ANY, 0, NULL, 0);      /* true: sees message 1 */
	PRE(&m, "b", DNS_TYPE_ANY, ANY, 0, NULL, 0);    /* false */
	UPD(&m, "a", DNS_TYPE_A, ANY, 0, NULL, 0);
	UPD(&m, "b", DNS_TYPE_A, IN, 300, ADDR(11), 4);
	assert_int_equal(run(u, &m), DNS_RCODE_NXDOMAIN);
	mb_start(&m, "@", DNS_TYPE_SOA, IN);
	PRE(&m, "a", DNS_TYPE_A, IN, 0, ADDR(10), 4);
	UPD(&m, "c", DNS_TYPE_A, IN, 300, ADDR(12), 4);
	assert_int_equal(run(u, &m), DNS_RCODE_NOERROR);
	assert_string_equal(changes(u), "+a.example.com. A 300 10;+c.example.com. A 300 12;");
	dns_update_free(u);
}

/* The undo log itself (reached through allocation failures only). */
static void test_rollback_internal(void **state)
{
	dns_update_t *u = dns_update_begin(*state);
	u->gen++;
	uint8_t www[DNS_NAME_MAX], nn[DNS_NAME_MAX];
	name(www, "www");
	name(nn, "fresh");
	wname_t *w = upd_name(u, www);
	assert_non_null(w);
	assert_int_equal(upd_mutate(u, w), DNS_OK);
	upd_set_remove(w, DNS_TYPE_A);
	wname_t *f = upd_name(u, nn);
	assert_int_equal(upd_mutate(u, f), DNS_OK);
	wset_t *s = upd_set_add(f, DNS_TYPE_TXT, 5);
	dns_rdref_t r;
	assert_int_equal(upd_rdref(u, DNS_TYPE_TXT, (const uint8_t *)"\001z", 2, &r), DNS_OK);
	assert_int_equal(upd_set_insert(s, 0, &r), DNS_OK);
	assert_true(dns_update_changed(u));
	upd_rollback(u);
	upd_undo_clear(u);
	assert_false(dns_update_changed(u));
	assert_non_null(upd_set(upd_lookup(u, www), DNS_TYPE_A));
	dns_update_free(u);
}

/* ---- commit ---- */

static void test_commit_serial(void **state)
{
	dns_zone_t *base = *state, *z = NULL;
	/* nothing changed: the same zone */
	dns_update_t *u = dns_update_begin(base);
	assert_int_equal(dns_update_commit(u, true, 20241122, &z), DNS_OK);
	assert_ptr_equal(z, base);
	dns_zone_unref(z);
	dns_update_free(u);

	/* date serial: moves to today */
	u = dns_update_begin(base);
	mb_t m;
	mb_start(&m, "@", DNS_TYPE_SOA, IN);
	UPD(&m, "new", DNS_TYPE_A, IN, 300, ADDR(9), 4);
	assert_int_equal(run(u, &m), DNS_RCODE_NOERROR);
	assert_int_equal(dns_update_commit(u, true, 20241122, &z), DNS_OK);
	assert_int_equal(dns_zone_serial(z), 2024112200u);
	assert_int_equal(dns_update_old_serial(u), 2024010101u);
	assert_int_equal(dns_update_serial(u), 2024112200u);
	assert_int_equal(dns_zone_rr_count(z), dns_zone_rr_count(base) + 1);
	assert_string_equal(changes(u), "-example.com. SOA 3600 2024010101;"
	                                "+example.com. SOA 3600 2024112200;"
	                                "+new.example.com. A 300 9;");
	/* committing twice is refused */
	dns_zone_t *z2 = NULL;
	assert_int_equal(dns_update_commit(u, true, 20241122, &z2), DNS_EINVAL);
	assert_null(z2);
	dns_zone_unref(z);
	dns_update_free(u);

	/* counter serial: +1; without bump: unchanged */
	dns_zone_t *cz = make_zone(41);
	for (int bump = 0; bump < 2; bump++) {
		u = dns_update_begin(cz);
		assert_int_equal(run(u, &m), DNS_RCODE_NOERROR);
		assert_int_equal(dns_update_commit(u, bump, 20241122, &z), DNS_OK);
		assert_int_equal(dns_zone_serial(z), bump ? 42 : 41);
		dns_zone_unref(z);
		dns_update_free(u);
	}
	dns_zone_unref(cz);
}

static void test_commit_refuses_invalid(void **state)
{
	dns_zone_t *z = NULL;
	/* data below a delegation that is not glue */
	dns_update_t *u = dns_update_begin(*state);
	mb_t m;
	mb_start(&m, "@", DNS_TYPE_SOA, IN);
	UPD(&m, "x.sub", DNS_TYPE_TXT, IN, 300, "\001x", 2);
	assert_int_equal(run(u, &m), DNS_RCODE_NOERROR);
	assert_int_equal(dns_update_commit(u, true, 0, &z), DNS_EZONE);
	assert_null(z);
	assert_true(strlen(dns_update_error(u)) > 0);
	dns_update_free(u);
	/* a second DNAME at one name */
	u = dns_update_begin(*state);
	mb_start(&m, "@", DNS_TYPE_SOA, IN);
	UPD(&m, "d", DNS_TYPE_DNAME, IN, 300, NS1, 17);
	UPD(&m, "d", DNS_TYPE_DNAME, IN, 300, NS2, 17);
	assert_int_equal(run(u, &m), DNS_RCODE_NOERROR);
	assert_int_equal(dns_update_commit(u, true, 0, &z), DNS_EZONE);
	assert_null(z);
	dns_update_free(u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zone_section),
		cmocka_unit_test(test_prereq_name_in_use),
		cmocka_unit_test(test_prereq_name_not_in_use),
		cmocka_unit_test(test_prereq_rrset_exists),
		cmocka_unit_test(test_prereq_rrset_not_exists),
		cmocka_unit_test(test_prereq_value),
		cmocka_unit_test(test_prereq_errors),
		cmocka_unit_test(test_add),
		cmocka_unit_test(test_ttl_top_bit),
		cmocka_unit_test(test_delete),
		cmocka_unit_test(test_cname_conflicts),
		cmocka_unit_test(test_soa_serial),
		cmocka_unit_test(test_apex_protection),
		cmocka_unit_test(test_prescan),
		cmocka_unit_test(test_batch_atomic),
		cmocka_unit_test(test_rollback_internal),
		cmocka_unit_test(test_commit_serial),
		cmocka_unit_test(test_commit_refuses_invalid),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
