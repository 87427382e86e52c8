/* Unit tests for the answer function: wire queries built by hand, responses checked section by section. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "dns/answer.h"
#include "dns/msg.h"
#include "dns/name.h"
#include "dns/rrtype.h"
#include "dns/zone.h"
#include "dns/zoneset.h"

static uint8_t resp[65535];

static const uint8_t *N(const char *text, uint8_t *buf)
{
	size_t len;
	assert_int_equal(dns_name_from_text(buf, &len, text, strlen(text), NULL), DNS_OK);
	return buf;
}

static void add(dns_zone_builder_t *b, const char *owner, uint16_t type, uint32_t ttl,
                const void *rdata, size_t rdlen)
{
	uint8_t o[DNS_NAME_MAX];
	dns_rr_t rr = {N(owner, o), type, DNS_CLASS_IN, ttl, (uint16_t)rdlen, rdata};
	assert_int_equal(dns_zone_builder_add(b, &rr), DNS_OK);
}

static void add_name(dns_zone_builder_t *b, const char *owner, uint16_t type, const char *target)
{
	uint8_t t[DNS_NAME_MAX];
	N(target, t);
	add(b, owner, type, 3600, t, dns_name_length(t));
}

static void add_a(dns_zone_builder_t *b, const char *owner, uint8_t last)
{
	add(b, owner, DNS_TYPE_A, 3600, (uint8_t[]){192, 0, 2, last}, 4);
}

static dns_zoneset_t *zones;

static int setup(void **state)
{
	uint8_t o[DNS_NAME_MAX];
	dns_zone_builder_t *b = dns_zone_builder_new(N("example.com.", o), DNS_CLASS_IN);
	/* ns1.example.com. host.example.com. 1 3600 600 86400 300 */
	static const uint8_t soa[] = "\3ns1\7example\3com\0\4host\7example\3com\0"
	                             "\0\0\0\1\0\0\x0e\x10\0\0\x02\x58\0\x01\x51\x80\0\0\x01\x2c";
	add(b, "example.com.", DNS_TYPE_SOA, 3600, soa, sizeof(soa) - 1);
	add_name(b, "example.com.", DNS_TYPE_NS, "ns1.example.com.");
	add_name(b, "example.com.", DNS_TYPE_NS, "ns2.example.com.");
	add(b, "example.com.", DNS_TYPE_MX, 3600, "\0\12\4mail\7example\3com", 20);
	add_a(b, "ns1.example.com.", 1);
	add_a(b, "ns2.example.com.", 2);
	add_a(b, "mail.example.com.", 25);
	add_a(b, "www.example.com.", 10);
	add_name(b, "alias.example.com.", DNS_TYPE_CNAME, "www.example.com.");
	add_name(b, "c1.example.com.", DNS_TYPE_CNAME, "c2.example.com.");
	add_name(b, "c2.example.com.", DNS_TYPE_CNAME, "www.example.com.");
	add_name(b, "loop1.example.com.", DNS_TYPE_CNAME, "loop2.example.com.");
	add_name(b, "loop2.example.com.", DNS_TYPE_CNAME, "loop1.example.com.");
	uint8_t t[DNS_NAME_MAX];
	add(b, "dn.example.com.", DNS_TYPE_DNAME, 600, N("example.net.", t), 13);
	add_name(b, "dz.example.com.", DNS_TYPE_DNAME, "target.example.com.");
	add_a(b, "a.target.example.com.", 7);
	/* a DNAME whose substitution overflows: target of 4 * 60-byte labels */
	char longname[300] = "";
	for (int i = 0; i < 4; i++)
		strcat(longname, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.");
	add_name(b, "dl.example.com.", DNS_TYPE_DNAME, longname);
	add(b, "*.wild.example.com.", DNS_TYPE_TXT, 3600, "\1w", 2);
	add_a(b, "x.y.wild.example.com.", 6);
	add_name(b, "*.wc.example.com.", DNS_TYPE_CNAME, "www.example.com.");
	add_name(b, "sub.example.com.", DNS_TYPE_NS, "ns.sub.example.com.");
	add_name(b, "sub.example.com.", DNS_TYPE_NS, "ns2.other.example.com.");
	add(b, "sub.example.com.", DNS_TYPE_DS, 3600, "\x30\x39\x08\x02\xab\xcd", 6);
	add_a(b, "ns.sub.example.com.", 53);
	add_name(b, "other.example.com.", DNS_TYPE_NS, "ns2.other.example.com.");
	add_a(b, "ns2.other.example.com.", 54);
	/* 20 TXT records of 201 bytes: about 4.3 kB */
	for (int i = 0; i < 20; i++) {
		uint8_t txt[201];
		txt[0] = 200;
		memset(txt + 1, 'a' + i, 200);
		add(b, "big.example.com.", DNS_TYPE_TXT, 3600, txt, sizeof(txt));
	}
	dns_zone_t *z;
	assert_int_equal(dns_zone_builder_finish(b, &z), DNS_OK);
	assert_int_equal(dns_zone_check(z, NULL, NULL), 0);
	zones = dns_zoneset_new(&z, 1);
	dns_zone_unref(z);
	return 0;
}

static int teardown(void **state)
{
	dns_zoneset_free(zones);
	return 0;
}

/* A query: ID 0x1234, @flags, one question, optionally an OPT (@edns_size >= 0). */
static size_t query(uint8_t *q, uint16_t flags, const char *qname, uint16_t qtype,
                    uint16_t qclass, int edns_size, uint8_t version, const uint8_t *opts,
                    size_t optlen)
{
	uint8_t n[DNS_NAME_MAX];
	N(qname, n);
	size_t len = 12, nl = dns_name_length(n);
	memset(q, 0, 12);
	q[0] = 0x12, q[1] = 0x34;
	dns_put16(q + 2, flags);
	q[5] = 1;
	q[11] = edns_size >= 0;
	memcpy(q + len, n, nl);
	len += nl;
	dns_put16(q + len, qtype);
	dns_put16(q + len + 2, qclass);
	len += 4;
	if (edns_size >= 0) {
		uint8_t opt[11] = {0, 0, 41, 0, 0, 0, version, 0x80, 0, 0, 0};
		dns_put16(opt + 3, (uint16_t)edns_size);
		dns_put16(opt + 9, (uint16_t)optlen);
		memcpy(q + len, opt, 11);
		if (optlen)
			memcpy(q + len + 11, opts, optlen);
		len += 11 + optlen;
	}
	return len;
}

static size_t run(const uint8_t *q, size_t qlen, dns_transport_t t, const dns_answer_opts_t *o,
                  dns_msg_t *m, dns_answer_info_t *info)
{
	size_t len = 0;
	assert_int_equal(dns_answer(zones, q, qlen, t, NULL, o, resp, sizeof(resp), &len, info),
	                 DNS_OK);
	assert_int_equal(dns_msg_parse(m, resp, len), DNS_OK);
	assert_int_equal(m->id, 0x1234);
	assert_true(m->flags & DNS_FLAG_QR);
	assert_false(m->flags & DNS_FLAG_RA);
	return len;
}

/* Simple query over UDP without EDNS. */
static size_t ask(const char *qname, uint16_t qtype, dns_msg_t *m)
{
	uint8_t q[512];
	size_t ql = query(q, DNS_FLAG_RD, qname, qtype, DNS_CLASS_IN, -1, 0, NULL, 0);
	size_t len = run(q, ql, DNS_TRANSPORT_UDP, NULL, m, NULL);
	assert_true(m->flags & DNS_FLAG_RD);
	return len;
}

static void expect(const dns_msg_t *m, unsigned rcode, bool aa, unsigned an, unsigned ns,
                   unsigned ar)
{
	assert_int_equal(dns_flags_rcode(m->flags), rcode);
	assert_int_equal(!!(m->flags & DNS_FLAG_AA), aa);
	assert_int_equal(m->count[1], an);
	assert_int_equal(m->count[2], ns);
	assert_int_equal(m->count[3], ar);
}

/* RR @i of the whole RR list has this owner, type and (if given) rdata. */
static void rr_is(const dns_msg_t *m, size_t i, const char *owner, uint16_t type,
                  const void *rdata, size_t rdlen)
{
	uint8_t n[DNS_NAME_MAX];
	assert_true(i < m->nrrs);
	const dns_rr_t *rr = &m->rrs[i].rr;
	assert_true(dns_name_equal(rr->owner, N(owner, n)));
	assert_int_equal(rr->type, type);
	assert_int_equal(rr->rclass, DNS_CLASS_IN);
	if (rdata) {
		assert_int_equal(rr->rdlen, rdlen);
		assert_memory_equal(rr->rdata, rdata, rdlen);
	}
}

static void rr_name_is(const dns_msg_t *m, size_t i, const char *owner, uint16_t type,
                       const char *target)
{
	uint8_t t[DNS_NAME_MAX];
	N(target, t);
	rr_is(m, i, owner, type, t, dns_name_length(t));
}

static void test_exact(void **state)
{
	dns_msg_t m;
	size_t len = ask("WwW.Example.com.", DNS_TYPE_A, &m);
	expect(&m, DNS_RCODE_NOERROR, true, 1, 0, 0);
	/* question echoed with its case; the answer owner points at it (RFC 1035 §4.1.4) */
	static const uint8_t want[] = {
		0x12, 0x34, 0x85, 0x00, 0, 1, 0, 1, 0, 0, 0, 0,
		3, 'W', 'w', 'W', 7, 'E', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1,
		0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4, 192, 0, 2, 10,
	};
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(resp, want, sizeof(want));
	dns_msg_free(&m);
}

static void test_cname_chain(void **state)
{
	dns_msg_t m;
	ask("c1.example.com.", DNS_TYPE_A, &m);
	expect(&m, DNS_RCODE_NOERROR, true, 3, 0, 0);
	rr_name_is(&m, 0, "c1.example.com.", DNS_TYPE_CNAME, "c2.example.com.");
	rr_name_is(&m, 1, "c2.example.com.", DNS_TYPE_CNAME, "www.example.com.");
	rr_is(&m, 2, "www.example.com.", DNS_TYPE_A, "\xc0\x00\x02\x0a", 4);
	dns_msg_free(&m);
	/* the CNAME itself when asked for */
	ask("c1.example.com.", DNS_TYPE_CNAME, &m);
	expect(&m, DNS_RCODE_NOERROR, true, 1, 0, 0);
	dns_msg_free(&m);
	/* a loop stops once every link has been given */
	ask("loop1.example.com.", DNS_TYPE_A, &m);
	expect(&m, DNS_RCODE_NOERROR, true, 2, 0, 0);
	rr_name_is(&m, 0, "loop1.example.com.", DNS_TYPE_CNAME, "loop2.example.com.");
	rr_name_is(&m, 1, "loop2.example.com.", DNS_TYPE_CNAME, "loop1.example.com.");
	dns_msg_free(&m);
}

static void test_dname(void **state)
{
	dns_msg_t m;
	ask("x.dn.example.com.", DNS_TYPE_A, &m);
	expect(&m, DNS_RCODE_NOERROR, true, 2, 0, 0);
	rr_name_is(&m, 0, "dn.example.com.", DNS_TYPE_DNAME, "example.net.");
	rr_name_is(&m, 1, "x.dn.example.com.", DNS_TYPE_CNAME, "x.example.net.");
	assert_int_equal(m.rrs[1].rr.ttl, 600); /* RFC 6672 §3.1: the DNAME's TTL */
	dns_msg_free(&m);
	/* the target is in the zone: followed */
	ask("a.dz.example.com.", DNS_TYPE_A, &m);
	expect(&m, DNS_RCODE_NOERROR, true, 3, 0, 0);
	rr_name_is(&m, 1, "a.dz.example.com.", DNS_TYPE_CNAME, "a.target.example.com.");
	rr_is(&m, 2, "a.target.example.com.", DNS_TYPE_A, "\xc0\x00\x02\x07", 4);
	dns_msg_free(&m);
	/* a question for the CNAME itself stops at the synthesized CNAME, even
	 * when its target is in the zone (and would not exist there) */
	ask("a.dz.example.com.", DNS_TYPE_CNAME, &m);
	expect(&m, DNS_RCODE_NOERROR, true, 2, 0, 0);
	rr_name_is(&m, 0, "dz.example.com.", DNS_TYPE_DNAME, "target.example.com.");
	rr_name_is(&m, 1, "a.dz.example.com.", DNS_TYPE_CNAME, "a.target.example.com.");
	dns_msg_free(&m);
	ask("nothere.dz.example.com.", DNS_TYPE_CNAME, &m);
	expect(&m, DNS_RCODE_NOERROR, true, 2, 0, 0);
	dns_msg_free(&m);
	/* substitution too long */
	ask("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.dl.example.com.", DNS_TYPE_A, &m);
	expect(&m, DNS_RCODE_YXDOMAIN, true, 1, 0, 0);
	rr_is(&m, 0, "dl.example.com.", DNS_TYPE_DNAME, NULL, 0);
	dns_msg_free(&m);
}

static void test_wildcard(void **state)
{
	dns_msg_t m;
	ask("foo.wild.example.com.", DNS_TYPE_TXT, &m);
	expect(&m, DNS_RCODE_NOERROR, true, 1, 0, 0);
	rr_is(&m, 0, "foo.wild.example.com.", DNS_TYPE_TXT, "\1w", 2);
	dns_msg_free(&m);
	ask("a.b.wild.example.com.", DNS_TYPE_TXT, &m);
	expect(&m, DNS_RCODE_NOERROR, true, 1, 0, 0);
	rr_is(&m, 0, "a.b.wild.example.com.", DNS_TYPE_TXT, "\1w", 2);
	dns_msg_free(&m);
	/* y.wild exists as an empty non-terminal: it blocks the wildcard */
	ask("q.y.wild.example.com.", DNS_TYPE_TXT, &m);
	expect(&m, DNS_RCODE_NXDOMAIN, true, 0, 1, 0);
	dns_msg_free(&m);
	ask("y.wild.example.com.", DNS_TYPE_TXT, &m);
	expect(&m, DNS_RCODE_NOERROR, true, 0, 1, 0);
	dns_msg_free(&m);
	/* wildcard NODATA */
	ask("foo.wild.example.com.", DNS_TYPE_A, &m);
	expect(&m, DNS_RCODE_NOERROR, true, 0, 1, 0);
	dns_msg_free(&m);
	/* a wildcard CNAME is synthesized at qname, then followed */
	ask("z.wc.example.com.", DNS_TYPE_A, &m);
	expect(&m, DNS_RCODE_NOERROR, true, 2, 0, 0);
	rr_name_is(&m, 0, "z.wc.example.com.", DNS_TYPE_CNAME, "www.example.com.");
	rr_is(&m, 1, "www.example.com.", DNS_TYPE_A, "\xc0\x00\x02\x0a", 4);
	dns_msg_free(&m);
}

static void test_referral(void **state)
{
	dns_msg_t m;
	ask("a.b.sub.example.com.", DNS_TYPE_A, &m);
	expect(&m, DNS_RCODE_NOERROR, false, 0, 2, 2);
	rr_name_is(&m, 0, "sub.example.com.", DNS_TYPE_NS, "ns.sub.example.com.");
	rr_name_is(&m, 1, "sub.example.com.", DNS_TYPE_NS, "ns2.other.example.com.");
	rr_is(&m, 2, "ns.sub.example.com.", DNS_TYPE_A, "\xc0\x00\x02\x35", 4);
	rr_is(&m, 3, "ns2.other.example.com.", DNS_TYPE_A, "\xc0\x00\x02\x36", 4); /* sibling */
	dns_msg_free(&m);
	/* at the cut too, for anything but DS */
	ask("sub.example.com.", DNS_TYPE_NS, &m);
	expect(&m, DNS_RCODE_NOERROR, false, 0, 2, 2);
	dns_msg_free(&m);
	/* DS belongs to the parent side: an authoritative answer */
	ask("sub.example.com.", DNS_TYPE_DS, &m);
	expect(&m, DNS_RCODE_NOERROR, true, 1, 0, 0);
	rr_is(&m, 0, "sub.example.com.", DNS_TYPE_DS, "\x30\x39\x08\x02\xab\xcd", 6);
	dns_msg_free(&m);
	ask("other.example.com.", DNS_TYPE_DS, &m);
	expect(&m, DNS_RCODE_NOERROR, true, 0, 1, 0);
	dns_msg_free(&m);
}

static void test_negative(void **state)
{
	dns_msg_t m;
	ask("nope.example.com.", DNS_TYPE_A, &m);
	expect(&m, DNS_RCODE_NXDOMAIN, true, 0, 1, 0);
	rr_is(&m, 0, "example.com.", DNS_TYPE_SOA, NULL, 0);
	assert_int_equal(m.rrs[0].rr.ttl, 300); /* min(3600, MINIMUM 300) */
	dns_msg_free(&m);
	ask("www.example.com.", DNS_TYPE_AAAA, &m);
	expect(&m, DNS_RCODE_NOERROR, true, 0, 1, 0);
	rr_is(&m, 0, "example.com.", DNS_TYPE_SOA, NULL, 0);
	assert_int_equal(m.rrs[0].rr.ttl, 300);
	dns_msg_free(&m);
}

static void test_refused(void **state)
{
	dns_msg_t m;
	dns_answer_info_t info;
	uint8_t q[512];
	ask("www.example.org.", DNS_TYPE_A, &m);
	expect(&m, DNS_RCODE_REFUSED, false, 0, 0, 0);
	assert_true(m.has_question);
	dns_msg_free(&m);
	size_t ql = query(q, 0, "www.example.com.", DNS_TYPE_A, DNS_CLASS_CH, -1, 0, NULL, 0);
	run(q, ql, DNS_TRANSPORT_UDP, NULL, &m, &info);
	expect(&m, DNS_RCODE_REFUSED, false, 0, 0, 0);
	assert_null(info.zone);
	dns_msg_free(&m);
	ql = query(q, 0, "example.com.", DNS_TYPE_AXFR, DNS_CLASS_IN, -1, 0, NULL, 0);
	run(q, ql, DNS_TRANSPORT_TCP, NULL, &m, &info);
	expect(&m, DNS_RCODE_REFUSED, false, 0, 0, 0);
	assert_int_equal(info.rcode, DNS_RCODE_REFUSED);
	dns_msg_free(&m);
}

static void test_malformed(void **state)
{
	uint8_t q[512];
	size_t len = 99, ql = query(q, 0, "www.example.com.", DNS_TYPE_A, DNS_CLASS_IN, -1, 0,
	                             NULL, 0);
	/* dropped: too short, or a response */
	assert_int_equal(dns_answer(zones, q, 11, DNS_TRANSPORT_UDP, NULL, NULL, resp, sizeof(resp),
	                            &len, NULL), DNS_EMALFORMED);
	q[2] |= 0x80;
	assert_int_equal(dns_answer(zones, q, ql, DNS_TRANSPORT_UDP, NULL, NULL, resp, sizeof(resp),
	                            &len, NULL), DNS_EMALFORMED);
	q[2] &= 0x7f;
	/* two questions: FORMERR, header echoed, no question */
	q[5] = 2;
	assert_int_equal(dns_answer(zones, q, ql, DNS_TRANSPORT_UDP, NULL, NULL, resp, sizeof(resp),
	                            &len, NULL), DNS_OK);
	static const uint8_t formerr[] = {0x12, 0x34, 0x80, 0x01, 0, 0, 0, 0, 0, 0, 0, 0};
	assert_int_equal(len, 12);
	assert_memory_equal(resp, formerr, 12);
	q[5] = 1;
	/* truncated question */
	assert_int_equal(dns_answer(zones, q, ql - 1, DNS_TRANSPORT_UDP, NULL, NULL, resp,
	                            sizeof(resp), &len, NULL), DNS_OK);
	assert_int_equal(len, 12);
	assert_memory_equal(resp, formerr, 12);
	/* an additional record that runs past the end */
	q[11] = 1;
	assert_int_equal(dns_answer(zones, q, ql, DNS_TRANSPORT_UDP, NULL, NULL, resp, sizeof(resp),
	                            &len, NULL), DNS_OK);
	assert_int_equal(resp[3] & 0xf, DNS_RCODE_FORMERR);
}

/*
 * dns_answer_prefetch is a hint: it reads untrusted requests (each in a
 * buffer of its exact size, so that a sanitizer build sees any overread)
 * and the answers after it are the bytes they were before.
 */
static void test_prefetch_is_a_hint(void **state)
{
	enum { KINDS = 9, N_REQ = 3 * KINDS };
	uint8_t q[512];
	const uint8_t *reqs[N_REQ];
	size_t lens[N_REQ], before_len[N_REQ];
	uint8_t *before[N_REQ];
	for (int i = 0; i < N_REQ; i++) {
		size_t ql;
		switch (i % KINDS) {
		case 0: ql = query(q, 0, "www.example.com.", DNS_TYPE_A, DNS_CLASS_IN, 1232, 0, NULL, 0); break;
		case 1: ql = query(q, 0, "alias.example.com.", DNS_TYPE_A, DNS_CLASS_IN, -1, 0, NULL, 0); break;
		case 2: ql = query(q, 0, "nope.x.wild.example.com.", DNS_TYPE_TXT, DNS_CLASS_IN, -1, 0, NULL, 0); break;
		case 3: ql = query(q, 0, "example.org.", DNS_TYPE_A, DNS_CLASS_IN, -1, 0, NULL, 0); break;
		case 4: /* a question name that is a compression pointer */
			ql = query(q, 0, "www.example.com.", DNS_TYPE_A, DNS_CLASS_IN, -1, 0, NULL, 0);
			q[12] = 0xC0, q[13] = 0x0C;
			break;
		case 5: /* the name runs off the end */
			ql = query(q, 0, "www.example.com.", DNS_TYPE_A, DNS_CLASS_IN, -1, 0, NULL, 0) - 9;
			break;
		case 6: ql = 12; memset(q, 0, 12); q[5] = 1; break;
		case 7: /* a label length that points past the end */
			ql = query(q, 0, "www.example.com.", DNS_TYPE_A, DNS_CLASS_IN, -1, 0, NULL, 0);
			q[12] = 60;
			break;
		default: ql = query(q, 0x8000, "www.example.com.", DNS_TYPE_A, DNS_CLASS_IN, -1, 0, NULL, 0); break;
		}
		uint8_t *copy = malloc(ql);
		assert_non_null(copy);
		memcpy(copy, q, ql);
		reqs[i] = copy;
		lens[i] = ql;
		size_t len = 0;
		(void)dns_answer(zones, copy, ql, DNS_TRANSPORT_UDP, NULL, NULL, resp, sizeof(resp), &len, NULL);
		before[i] = malloc(len + 1);
		memcpy(before[i], resp, len);
		before_len[i] = len;
	}
	dns_answer_prefetch(zones, reqs, lens, N_REQ);
	dns_answer_prefetch(NULL, reqs, lens, N_REQ);
	dns_answer_prefetch(zones, reqs, lens, 0);
	for (int i = 0; i < N_REQ; i++) {
		size_t len = 0;
		(void)dns_answer(zones, reqs[i], lens[i], DNS_TRANSPORT_UDP, NULL, NULL, resp, sizeof(resp), &len, NULL);
		assert_int_equal(len, before_len[i]);
		assert_memory_equal(resp, before[i], len);
		free((void *)reqs[i]);
		free(before[i]);
	}
}

static void test_notimp(void **state)
{
	uint8_t q[512];
	dns_msg_t m;
	size_t ql = query(q, 2 << 11, "www.example.com.", DNS_TYPE_A, DNS_CLASS_IN, -1, 0, NULL, 0);
	run(q, ql, DNS_TRANSPORT_UDP, NULL, &m, NULL);
	expect(&m, DNS_RCODE_NOTIMP, false, 0, 0, 0);
	assert_int_equal(dns_flags_opcode(m.flags), 2);
	dns_msg_free(&m);
}

static void test_edns(void **state)
{
	uint8_t q[512];
	dns_msg_t m;
	/* BADVERS: version 1 → extended rcode 16 = 1 in the OPT's upper bits, 0 in the header */
	size_t ql = query(q, 0, "www.example.com.", DNS_TYPE_A, DNS_CLASS_IN, 1232, 1, NULL, 0);
	run(q, ql, DNS_TRANSPORT_UDP, NULL, &m, NULL);
	expect(&m, 0, false, 0, 0, 1);
	assert_non_null(m.opt);
	assert_int_equal(m.opt->rr.ttl >> 24, 1);
	assert_int_equal((m.opt->rr.ttl >> 16) & 0xff, 0);
	dns_msg_free(&m);
	/* OPT in the answer with our payload size; NSID when asked and configured */
	static const uint8_t nsid_req[] = {0, 3, 0, 0};
	dns_answer_opts_t o = {.udp_max = 1400, .nsid = (const uint8_t *)"ns-a", .nsid_len = 4};
	ql = query(q, 0, "www.example.com.", DNS_TYPE_A, DNS_CLASS_IN, 4096, 0, nsid_req, 4);
	run(q, ql, DNS_TRANSPORT_UDP, &o, &m, NULL);
	expect(&m, 0, true, 1, 0, 1);
	assert_int_equal(m.opt->rr.rclass, 1400);
	assert_int_equal(m.opt->rr.ttl, 0x8000); /* DO echoed */
	assert_int_equal(m.opt->rr.rdlen, 8);
	assert_memory_equal(m.opt->rr.rdata, "\0\3\0\4ns-a", 8);
	dns_msg_free(&m);
	/* not asked: no NSID; unknown options ignored */
	static const uint8_t other[] = {0xfd, 0xe9, 0, 2, 1, 2};
	ql = query(q, 0, "www.example.com.", DNS_TYPE_A, DNS_CLASS_IN, 4096, 0, other, 6);
	run(q, ql, DNS_TRANSPORT_UDP, &o, &m, NULL);
	expect(&m, 0, true, 1, 0, 1);
	assert_int_equal(m.opt->rr.rdlen, 0);
	dns_msg_free(&m);
}

/* RFC 9018 Appendix A.1: a new server cookie. */
static void test_cookie(void **state)
{
	static const uint8_t secret[16] = {0xe5, 0xe9, 0x73, 0xe5, 0xa6, 0xb2, 0xa4, 0x3f,
	                                   0x48, 0xe7, 0xdc, 0x84, 0x9e, 0x37, 0xbf, 0xcf};
	static const uint8_t opt[] = {0, 10, 0, 8, 0x24, 0x64, 0xc4, 0xab, 0xcf, 0x10, 0xc9, 0x57};
	static const uint8_t want[] = {0, 10, 0, 24, 0x24, 0x64, 0xc4, 0xab, 0xcf, 0x10, 0xc9, 0x57,
	                               0x01, 0x00, 0x00, 0x00, 0x5c, 0xf7, 0x9f, 0x11,
	                               0x1f, 0x81, 0x30, 0xc3, 0xee, 0xe2, 0x94, 0x80};
	struct sockaddr_in sin = {.sin_family = AF_INET};
	inet_pton(AF_INET, "198.51.100.100", &sin.sin_addr);
	dns_cookie_secrets_t cs;
	assert_int_equal(dns_cookie_secrets_init(&cs, secret, NULL, false), DNS_OK);
	dns_answer_opts_t o = {.cookies = &cs, .now = 1559731985};
	uint8_t q[512];
	size_t ql = query(q, 0, "www.example.com.", DNS_TYPE_A, DNS_CLASS_IN, 1232, 0, opt, 12);
	size_t len;
	assert_int_equal(dns_answer(zones, q, ql, DNS_TRANSPORT_UDP, (struct sockaddr *)&sin, &o,
	                            resp, sizeof(resp), &len, NULL), DNS_OK);
	dns_msg_t m;
	assert_int_equal(dns_msg_parse(&m, resp, len), DNS_OK);
	assert_non_null(m.opt);
	assert_int_equal(m.opt->rr.rdlen, sizeof(want));
	assert_memory_equal(m.opt->rr.rdata, want, sizeof(want));
	dns_msg_free(&m);
	/* no secret: no cookie */
	o.cookies = NULL;
	assert_int_equal(dns_answer(zones, q, ql, DNS_TRANSPORT_UDP, (struct sockaddr *)&sin, &o,
	                            resp, sizeof(resp), &len, NULL), DNS_OK);
	assert_int_equal(dns_msg_parse(&m, resp, len), DNS_OK);
	assert_int_equal(m.opt->rr.rdlen, 0);
	dns_msg_free(&m);
	dns_cookie_secrets_destroy(&cs);
}

/* The kind of each response and the name it is about (rate limiting keys on them). */
static void kind_is(const char *qname, uint16_t qtype, dns_answer_kind_t kind, const char *about)
{
	uint8_t q[512], n[DNS_NAME_MAX];
	dns_msg_t m;
	dns_answer_info_t info;
	size_t ql = query(q, 0, qname, qtype, DNS_CLASS_IN, -1, 0, NULL, 0);
	run(q, ql, DNS_TRANSPORT_UDP, NULL, &m, &info);
	dns_msg_free(&m);
	assert_int_equal(info.kind, kind);
	if (about) {
		assert_non_null(info.kind_name);
		assert_true(dns_name_equal(info.kind_name, N(about, n)));
	} else {
		assert_null(info.kind_name);
	}
}

static void test_kind(void **state)
{
	kind_is("www.example.com.", DNS_TYPE_A, DNS_ANSWER_KIND_POSITIVE, "www.example.com.");
	kind_is("alias.example.com.", DNS_TYPE_A, DNS_ANSWER_KIND_POSITIVE, "alias.example.com.");
	kind_is("a.dz.example.com.", DNS_TYPE_A, DNS_ANSWER_KIND_POSITIVE, "dz.example.com.");
	kind_is("x.wild.example.com.", DNS_TYPE_TXT, DNS_ANSWER_KIND_WILDCARD, "*.wild.example.com.");
	kind_is("nope.example.com.", DNS_TYPE_A, DNS_ANSWER_KIND_NXDOMAIN, "example.com.");
	kind_is("other-nope.example.com.", DNS_TYPE_A, DNS_ANSWER_KIND_NXDOMAIN, "example.com.");
	kind_is("www.example.com.", DNS_TYPE_MX, DNS_ANSWER_KIND_NODATA, "example.com.");
	kind_is("a.b.sub.example.com.", DNS_TYPE_A, DNS_ANSWER_KIND_REFERRAL, "sub.example.com.");
	kind_is("sub.example.com.", DNS_TYPE_DS, DNS_ANSWER_KIND_POSITIVE, "sub.example.com.");
	kind_is("www.example.org.", DNS_TYPE_A, DNS_ANSWER_KIND_ERROR, NULL);
	kind_is("example.com.", DNS_TYPE_AXFR, DNS_ANSWER_KIND_ERROR, "example.com.");
}

static void test_any_and_additional(void **state)
{
	dns_msg_t m;
	/* RFC 8482: one RRset, the lowest type (NS) */
	ask("example.com.", DNS_TYPE_ANY, &m);
	expect(&m, DNS_RCODE_NOERROR, true, 2, 0, 2);
	rr_is(&m, 0, "example.com.", DNS_TYPE_NS, NULL, 0);
	rr_is(&m, 2, "ns1.example.com.", DNS_TYPE_A, "\xc0\x00\x02\x01", 4);
	dns_msg_free(&m);
	ask("c1.example.com.", DNS_TYPE_ANY, &m);
	expect(&m, DNS_RCODE_NOERROR, true, 1, 0, 0);
	rr_is(&m, 0, "c1.example.com.", DNS_TYPE_CNAME, NULL, 0);
	dns_msg_free(&m);
	/* MX target addresses in the additional section */
	ask("example.com.", DNS_TYPE_MX, &m);
	expect(&m, DNS_RCODE_NOERROR, true, 1, 0, 1);
	rr_is(&m, 1, "mail.example.com.", DNS_TYPE_A, "\xc0\x00\x02\x19", 4);
	dns_msg_free(&m);
}

static void test_truncation(void **state)
{
	uint8_t q[512];
	dns_msg_t m;
	dns_answer_info_t info;
	/* EDNS 1000: the 4 kB RRset does not fit, TC, the OPT stays */
	size_t ql = query(q, 0, "big.example.com.", DNS_TYPE_TXT, DNS_CLASS_IN, 1000, 0, NULL, 0);
	size_t len = run(q, ql, DNS_TRANSPORT_UDP, NULL, &m, &info);
	assert_true(len <= 1000);
	assert_true(m.flags & DNS_FLAG_TC);
	assert_true(info.truncated);
	expect(&m, 0, true, 0, 0, 1);
	dns_msg_free(&m);
	/* TCP: everything */
	len = run(q, ql, DNS_TRANSPORT_TCP, NULL, &m, NULL);
	assert_false(m.flags & DNS_FLAG_TC);
	expect(&m, 0, true, 20, 0, 1);
	dns_msg_free(&m);
	/* without EDNS: 512 bytes; www fits */
	ql = query(q, 0, "big.example.com.", DNS_TYPE_TXT, DNS_CLASS_IN, -1, 0, NULL, 0);
	len = run(q, ql, DNS_TRANSPORT_UDP, NULL, &m, NULL);
	assert_true(len <= 512);
	assert_true(m.flags & DNS_FLAG_TC);
	dns_msg_free(&m);
	/* a requested size above our cap is capped: 4096 asked, 1232 allowed */
	ql = query(q, 0, "big.example.com.", DNS_TYPE_TXT, DNS_CLASS_IN, 4096, 0, NULL, 0);
	len = run(q, ql, DNS_TRANSPORT_UDP, NULL, &m, NULL);
	assert_true(m.flags & DNS_FLAG_TC);
	dns_msg_free(&m);
	/* 8192 asked and allowed: the 4.3 kB fit */
	dns_answer_opts_t o = {.udp_max = 8192};
	ql = query(q, 0, "big.example.com.", DNS_TYPE_TXT, DNS_CLASS_IN, 8192, 0, NULL, 0);
	len = run(q, ql, DNS_TRANSPORT_UDP, &o, &m, NULL);
	assert_false(m.flags & DNS_FLAG_TC);
	assert_true(len > 4096 && len <= 8192);
	dns_msg_free(&m);
	/* the reserve for a TSIG makes an answer that just fits truncate */
	ql = query(q, 0, "www.example.com.", DNS_TYPE_A, DNS_CLASS_IN, -1, 0, NULL, 0);
	o = (dns_answer_opts_t){.reserve = 512 - 40};
	len = run(q, ql, DNS_TRANSPORT_UDP, &o, &m, NULL);
	assert_true(m.flags & DNS_FLAG_TC);
	assert_true(len <= 40);
	dns_msg_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact),
		cmocka_unit_test(test_cname_chain),
		cmocka_unit_test(test_dname),
		cmocka_unit_test(test_wildcard),
		cmocka_unit_test(test_referral),
		cmocka_unit_test(test_negative),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_prefetch_is_a_hint),
		cmocka_unit_test(test_notimp),
		cmocka_unit_test(test_edns),
		cmocka_unit_test(test_cookie),
		cmocka_unit_test(test_kind),
		cmocka_unit_test(test_any_and_additional),
		cmocka_unit_test(test_truncation),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
