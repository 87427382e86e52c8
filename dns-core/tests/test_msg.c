/*
 * Unit tests for msg.c and msg_build.c: parsing hand-written messages
 * (RFC 1035 §4.1 layout, offsets worked out by hand in the comments),
 * rejecting malformed ones, and building byte-exact responses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dns/edns.h"
#include "dns/msg.h"
#include "dns/rrtype.h"

/*
 * www.example.com. A? answered with a CNAME to web.example.com., its A,
 * the NS of example.com. in authority, the NS's glue and an OPT with DO.
 */
static const uint8_t response[] = {
	/* 0: header: id 0x1234, QR AA RD RA, QD 1 AN 2 NS 1 AR 2 */
	0x12, 0x34, 0x85, 0x80, 0, 1, 0, 2, 0, 1, 0, 2,
	/* 12: www.example.com (example.com at 16, com at 24), A, IN */
	3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
	0, 1, 0, 1,
	/* 33: ptr 12, CNAME, IN, TTL 300, rdlen 6: web + ptr 16 (web at 45) */
	0xC0, 12, 0, 5, 0, 1, 0, 0, 0x01, 0x2C, 0, 6, 3, 'w', 'e', 'b', 0xC0, 16,
	/* 51: ptr 45, A, IN, TTL 300, 192.0.2.1 */
	0xC0, 45, 0, 1, 0, 1, 0, 0, 0x01, 0x2C, 0, 4, 192, 0, 2, 1,
	/* 67: ptr 16, NS, IN, TTL 3600, rdlen 6: ns1 + ptr 16 (ns1 at 79) */
	0xC0, 16, 0, 2, 0, 1, 0, 0, 0x0E, 0x10, 0, 6, 3, 'n', 's', '1', 0xC0, 16,
	/* 85: ptr 79, A, IN, TTL 3600, 192.0.2.53 */
	0xC0, 79, 0, 1, 0, 1, 0, 0, 0x0E, 0x10, 0, 4, 192, 0, 2, 53,
	/* 101: OPT: root, 41, size 1232, ext-rcode 0 version 0 DO, rdlen 0 */
	0, 0, 41, 0x04, 0xD0, 0, 0, 0x80, 0, 0, 0,
	/* 112 */
};

static const uint8_t n_www[] = "\3www\7example\3com";
static const uint8_t n_web[] = "\3web\7example\3com";
static const uint8_t n_ns1[] = "\3ns1\7example\3com";
static const uint8_t n_example[] = "\7example\3com";

static void test_parse_response(void **state)
{
	dns_msg_t m;
	assert_int_equal(dns_msg_parse(&m, response, sizeof(response)), DNS_OK);
	assert_int_equal(m.id, 0x1234);
	assert_int_equal(m.flags, 0x8580);
	assert_true(m.has_question);
	assert_memory_equal(m.qname, n_www, sizeof(n_www));
	assert_int_equal(m.qtype, DNS_TYPE_A);
	assert_int_equal(m.qclass, DNS_CLASS_IN);
	assert_int_equal(m.question_end, 33);
	assert_int_equal(m.nrrs, 5);
	assert_non_null(m.heap_rrs); /* more RRs than the inline array holds */
	assert_ptr_equal(m.rrs, m.heap_rrs);

	size_t n;
	const dns_msg_rr_t *an = dns_msg_section(&m, DNS_SEC_ANSWER, &n);
	assert_int_equal(n, 2);
	assert_memory_equal(an[0].rr.owner, n_www, sizeof(n_www));
	assert_int_equal(an[0].rr.type, DNS_TYPE_CNAME);
	assert_int_equal(an[0].rr.ttl, 300);
	assert_int_equal(an[0].rr.rdlen, sizeof(n_web)); /* expanded */
	assert_memory_equal(an[0].rr.rdata, n_web, sizeof(n_web));
	assert_int_equal(an[0].offset, 33);
	assert_int_equal(an[0].end, 51);
	assert_int_equal(an[0].section, DNS_SEC_ANSWER);
	assert_memory_equal(an[1].rr.owner, n_web, sizeof(n_web));
	assert_int_equal(an[1].rr.rdlen, 4);
	assert_ptr_equal(an[1].rr.rdata, response + 63); /* A rdata stays in the wire */

	const dns_msg_rr_t *ns = dns_msg_section(&m, DNS_SEC_AUTHORITY, &n);
	assert_int_equal(n, 1);
	assert_memory_equal(ns[0].rr.owner, n_example, sizeof(n_example));
	assert_int_equal(ns[0].rr.ttl, 3600);
	assert_memory_equal(ns[0].rr.rdata, n_ns1, sizeof(n_ns1));
	assert_int_equal(ns[0].offset, 67);
	assert_int_equal(ns[0].section, DNS_SEC_AUTHORITY);

	const dns_msg_rr_t *ar = dns_msg_section(&m, DNS_SEC_ADDITIONAL, &n);
	assert_int_equal(n, 2);
	assert_memory_equal(ar[0].rr.owner, n_ns1, sizeof(n_ns1));
	assert_int_equal(ar[0].rr.rdata[3], 53);
	assert_ptr_equal(m.opt, &ar[1]);
	assert_int_equal(m.opt->offset, 101);
	assert_int_equal(m.opt->end, 112);
	assert_int_equal(m.opt->rr.rclass, 1232);
	assert_int_equal(m.opt->rr.ttl, 0x8000);
	assert_null(m.tsig);
	dns_msg_free(&m);
}

/* A query with OPT and TSIG: parsed without touching the heap. */
static const uint8_t query_tsig[] = {
	/* 0: id 0xBEEF, RD, QD 1 AR 2 */
	0xBE, 0xEF, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 2,
	/* 12: example.com SOA IN */
	7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 6, 0, 1,
	/* 29: OPT, size 4096 */
	0, 0, 41, 0x10, 0x00, 0, 0, 0, 0, 0, 0,
	/* 40: TSIG owner "k." (uncompressed), ANY, TTL 0, rdlen 29 */
	1, 'k', 0, 0, 250, 0, 255, 0, 0, 0, 0, 0, 29,
	/* 53: alg hmac-md5.sig-alg.reg.int would be long: use "hmac-sha1." (11) */
	9, 'h', 'm', 'a', 'c', '-', 's', 'h', 'a', '1', 0,
	0, 0, 0x60, 0, 0, 0, 0x01, 0x2C, /* time, fudge 300 */
	0, 2, 0xAA, 0xBB,                /* MAC size 2, MAC */
	0xBE, 0xEF, 0, 0, 0, 0,          /* original id, error, other len */
	/* 82 */
};

static void test_parse_query_inline(void **state)
{
	dns_msg_t m;
	assert_int_equal(dns_msg_parse(&m, query_tsig, sizeof(query_tsig)), DNS_OK);
	assert_null(m.heap);
	assert_null(m.heap_rrs);
	assert_ptr_equal(m.rrs, m.inline_rrs);
	assert_int_equal(m.nrrs, 2);
	assert_int_equal(m.qtype, DNS_TYPE_SOA);
	assert_non_null(m.opt);
	assert_non_null(m.tsig);
	assert_ptr_equal(m.tsig, &m.rrs[1]);
	assert_int_equal(m.tsig->offset, 40);
	assert_int_equal(m.tsig->end, 82);
	assert_ptr_equal(m.tsig->rr.owner, query_tsig + 40); /* not compressed: a view */
	assert_int_equal(m.tsig->rr.rdlen, 29);
	dns_msg_free(&m);
}

/* Copy @src, apply one byte patch, parse, expect @want. */
static dns_err_t parse_patched(const uint8_t *src, size_t len, size_t at, uint8_t v)
{
	uint8_t buf[512];
	memcpy(buf, src, len);
	if (at < len)
		buf[at] = v;
	dns_msg_t m;
	dns_err_t err = dns_msg_parse(&m, buf, len);
	dns_msg_free(&m);
	return err;
}

static void test_parse_rejects(void **state)
{
	const size_t len = sizeof(response);
	/* sanity: the unpatched copy parses */
	assert_int_equal(parse_patched(response, len, len, 0), DNS_OK);
	/* owner of the first answer pointing at itself (loop), then forward */
	assert_int_equal(parse_patched(response, len, 34, 33), DNS_EMALFORMED);
	assert_int_equal(parse_patched(response, len, 34, 51), DNS_EMALFORMED);
	/* CNAME rdata pointer pointing forward, into the next RR */
	assert_int_equal(parse_patched(response, len, 50, 60), DNS_EMALFORMED);
	/* counts: one answer too many, a huge additional count, two questions */
	assert_int_equal(parse_patched(response, len, 7, 3), DNS_EMALFORMED);
	assert_int_equal(parse_patched(response, len, 10, 0xFF), DNS_EMALFORMED);
	assert_int_equal(parse_patched(response, len, 5, 2), DNS_EMALFORMED);
	/* one answer fewer: the last RR becomes trailing garbage */
	assert_int_equal(parse_patched(response, len, 11, 1), DNS_EMALFORMED);
	/* A rdata length 5 (the rdata runs into the next RR) */
	assert_int_equal(parse_patched(response, len, 62, 5), DNS_EMALFORMED);
	/* OPT owner not root: turn the glue into OPT (owner ns1.example.com) */
	assert_int_equal(parse_patched(response, len, 88, 41), DNS_EMALFORMED);
	/* OPT in the answer section: turn the A record into... the A owner is
	 * compressed, so use the authority count instead: move OPT out of
	 * additional by claiming 3 authority RRs and 0 additional. */
	{
		uint8_t b[sizeof(response)];
		memcpy(b, response, len);
		b[9] = 3;
		b[11] = 0;
		dns_msg_t m;
		assert_int_equal(dns_msg_parse(&m, b, len), DNS_EMALFORMED);
		dns_msg_free(&m);
		b[9] = 1;
		b[11] = 2;
		assert_int_equal(dns_msg_parse(&m, b, len), DNS_OK);
		dns_msg_free(&m);
	}
	/* every truncation of the message fails, and never reads past it */
	for (size_t l = 0; l < len; l++) {
		uint8_t *b = malloc(l ? l : 1);
		memcpy(b, response, l);
		dns_msg_t m;
		assert_int_equal(dns_msg_parse(&m, b, l), DNS_EMALFORMED);
		dns_msg_free(&m);
		free(b);
	}
	/* a trailing byte */
	uint8_t longer[sizeof(response) + 1];
	memcpy(longer, response, len);
	longer[len] = 0;
	dns_msg_t m;
	assert_int_equal(dns_msg_parse(&m, longer, sizeof(longer)), DNS_EMALFORMED);
	dns_msg_free(&m);
}

static void test_parse_rejects_opt_tsig(void **state)
{
	uint8_t b[128];
	dns_msg_t m;
	/* two OPTs: the TSIG of query_tsig replaced by a second OPT */
	memcpy(b, query_tsig, 40);
	memcpy(b + 40, query_tsig + 29, 11);
	assert_int_equal(dns_msg_parse(&m, b, 51), DNS_EMALFORMED);
	dns_msg_free(&m);
	/* one OPT only: fine (AR 1) */
	b[11] = 1;
	assert_int_equal(dns_msg_parse(&m, b, 40), DNS_OK);
	dns_msg_free(&m);
	/* TSIG first, then OPT: TSIG not last */
	memcpy(b, query_tsig, 29);
	memcpy(b + 29, query_tsig + 40, 42);
	memcpy(b + 71, query_tsig + 29, 11);
	assert_int_equal(dns_msg_parse(&m, b, 82), DNS_EMALFORMED);
	dns_msg_free(&m);
	/* AN 1 AR 1: the OPT becomes an answer */
	memcpy(b, query_tsig, sizeof(query_tsig));
	b[7] = 1;
	b[11] = 1;
	assert_int_equal(dns_msg_parse(&m, b, sizeof(query_tsig)), DNS_EMALFORMED);
	dns_msg_free(&m);
}

/*
 * Owners that expand to more than the inline storage: a 202-byte question
 * name (3 labels of 63, one of 8, the root) and 12 A records
 * whose owner is a pointer to it.  Each expands to 202 bytes, 2424 in all.
 */
static void test_parse_large(void **state)
{
	uint8_t b[12 + 202 + 4 + 12 * 16];
	size_t p = 0;
	memcpy(b, "\0\1\x84\0\0\1\0\x0c\0\0\0\0", 12);
	p = 12;
	for (int l = 0; l < 3; l++) {
		b[p++] = 63;
		memset(b + p, 'a' + l, 63);
		p += 63;
	}
	b[p++] = 8;
	memcpy(b + p, "longname", 8);
	p += 8;
	b[p++] = 0;
	assert_int_equal(p, 12 + 202);
	memcpy(b + p, "\0\1\0\1", 4);
	p += 4;
	for (int i = 0; i < 12; i++) {
		static const uint8_t rr[] = { 0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 9, 0, 4, 10, 0, 0 };
		memcpy(b + p, rr, sizeof(rr));
		b[p + 15] = (uint8_t)i;
		p += 16;
	}
	assert_int_equal(p, sizeof(b));
	dns_msg_t m;
	assert_int_equal(dns_msg_parse(&m, b, sizeof(b)), DNS_OK);
	assert_int_equal(m.nrrs, 12);
	assert_non_null(m.heap);
	for (int i = 0; i < 12; i++) {
		assert_memory_equal(m.rrs[i].rr.owner, b + 12, 202);
		assert_int_equal(m.rrs[i].rr.rdata[3], i);
		assert_int_equal(m.rrs[i].offset, 218 + 16 * i);
	}
	dns_msg_free(&m);
	assert_null(m.heap);
	/* the last RR cut short: an error, after the inline buffers ran out */
	assert_int_equal(dns_msg_parse(&m, b, sizeof(b) - 1), DNS_EMALFORMED);
	dns_msg_free(&m);
}

/* RFC 2136 UPDATE: delete an RRset (class ANY, rdlen 0) and add an A. */
static const uint8_t update[] = {
	0x00, 0x07, 0x28, 0x00, 0, 1, 0, 0, 0, 2, 0, 0, /* opcode 5, ZO 1 UP 2 */
	7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 6, 0, 1, /* 12: zone example. SOA */
	3, 'w', 'w', 'w', 0xC0, 12, 0, 1, 0, 255, 0, 0, 0, 0, 0, 0, /* 25: delete www A */
	0xC0, 25, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, 1, /* 41: add www A 10.0.0.1 */
};

static void test_parse_update(void **state)
{
	dns_msg_t m;
	assert_int_equal(dns_msg_parse(&m, update, sizeof(update)), DNS_OK);
	assert_int_equal(dns_flags_opcode(m.flags), DNS_OPCODE_UPDATE);
	size_t n;
	const dns_msg_rr_t *up = dns_msg_section(&m, DNS_SEC_UPDATE, &n);
	assert_int_equal(n, 2);
	assert_int_equal(up[0].rr.rclass, DNS_CLASS_ANY);
	assert_int_equal(up[0].rr.rdlen, 0);
	assert_memory_equal(up[1].rr.owner, "\3www\7example", 13);
	dns_msg_free(&m);
	/* but an empty A rdata in class IN is malformed */
	uint8_t b[sizeof(update)];
	memcpy(b, update, sizeof(b));
	b[34] = 1;
	assert_int_equal(dns_msg_parse(&m, b, sizeof(b)), DNS_EMALFORMED);
	dns_msg_free(&m);
	/* nor an empty NS (a type whose rdata is decompressed) in class IN */
	b[32] = DNS_TYPE_NS;
	assert_int_equal(dns_msg_parse(&m, b, sizeof(b)), DNS_EMALFORMED);
	dns_msg_free(&m);
	b[34] = 255;
	assert_int_equal(dns_msg_parse(&m, b, sizeof(b)), DNS_OK);
	dns_msg_free(&m);
}

/* ---- builder ---- */

static dns_rr_t mkrr(const uint8_t *owner, uint16_t type, uint32_t ttl, const void *rdata,
                     uint16_t rdlen)
{
	dns_rr_t rr = { .owner = owner, .type = type, .rclass = DNS_CLASS_IN, .ttl = ttl,
	                .rdlen = rdlen, .rdata = rdata };
	return rr;
}

static const uint8_t a1[] = { 192, 0, 2, 1 }, a53[] = { 192, 0, 2, 53 };

static void build_response(dns_msg_builder_t *b)
{
	assert_int_equal(dns_msg_builder_header(b, 0x1234, 0x8580), DNS_OK);
	assert_int_equal(dns_msg_builder_question(b, n_www, DNS_TYPE_A, DNS_CLASS_IN), DNS_OK);
	dns_rr_t rr = mkrr(n_www, DNS_TYPE_CNAME, 300, n_web, sizeof(n_web));
	assert_int_equal(dns_msg_builder_rr(b, DNS_SEC_ANSWER, &rr), DNS_OK);
	/* the A as a one-record zone RRset */
	static const uint8_t packed[] = { 0, 4, 192, 0, 2, 1 };
	dns_rrset_t set = { .type = DNS_TYPE_A, .count = 1, .ttl = 300, .size = 6, .data = packed };
	assert_int_equal(dns_msg_builder_rrset(b, DNS_SEC_ANSWER, n_web, DNS_CLASS_IN, &set), DNS_OK);
	rr = mkrr(n_example, DNS_TYPE_NS, 3600, n_ns1, sizeof(n_ns1));
	assert_int_equal(dns_msg_builder_rr(b, DNS_SEC_AUTHORITY, &rr), DNS_OK);
	rr = mkrr(n_ns1, DNS_TYPE_A, 3600, a53, 4);
	assert_int_equal(dns_msg_builder_rr(b, DNS_SEC_ADDITIONAL, &rr), DNS_OK);
}

static void test_build_response(void **state)
{
	uint8_t buf[512];
	dns_msg_builder_t b;
	dns_msg_builder_init(&b, buf, sizeof(buf), sizeof(buf));
	build_response(&b);
	assert_int_equal(dns_edns_write(&b, 1232, 0, true, NULL, 0), DNS_OK);
	assert_int_equal(dns_msg_builder_finish(&b), sizeof(response));
	assert_memory_equal(buf, response, sizeof(response));
}

static void test_build_limit_and_reserve(void **state)
{
	uint8_t buf[512], before[512];
	dns_msg_builder_t b;
	/* exactly the response without its OPT, with 11 bytes held back */
	dns_msg_builder_init(&b, buf, sizeof(buf), sizeof(response));
	dns_msg_builder_reserve(&b, 11);
	build_response(&b);
	assert_int_equal(b.w.len, 101);
	memcpy(before, buf, sizeof(buf));
	assert_int_equal(dns_edns_write(&b, 1232, 0, true, NULL, 0), DNS_ESPACE);
	assert_int_equal(b.w.len, 101);
	assert_int_equal(b.count[DNS_SEC_ADDITIONAL], 1);
	assert_memory_equal(buf, before, sizeof(buf)); /* nothing written past the limit */
	dns_msg_builder_unreserve(&b, 11);
	assert_int_equal(dns_edns_write(&b, 1232, 0, true, NULL, 0), DNS_OK);
	assert_int_equal(dns_msg_builder_finish(&b), sizeof(response));
	assert_memory_equal(buf, response, sizeof(response));

	/* limit 60: header, question, CNAME (51 bytes) fit; the A (16) does not */
	memset(buf, 0xEE, sizeof(buf));
	dns_msg_builder_init(&b, buf, sizeof(buf), 60);
	assert_int_equal(dns_msg_builder_header(&b, 0x1234, 0x8580), DNS_OK);
	assert_int_equal(dns_msg_builder_question(&b, n_www, DNS_TYPE_A, DNS_CLASS_IN), DNS_OK);
	dns_rr_t rr = mkrr(n_www, DNS_TYPE_CNAME, 300, n_web, sizeof(n_web));
	assert_int_equal(dns_msg_builder_rr(&b, DNS_SEC_ANSWER, &rr), DNS_OK);
	rr = mkrr(n_web, DNS_TYPE_A, 300, a1, 4);
	assert_int_equal(dns_msg_builder_rr(&b, DNS_SEC_ANSWER, &rr), DNS_ESPACE);
	assert_int_equal(b.w.len, 51);
	assert_int_equal(b.count[DNS_SEC_ANSWER], 1);
	for (size_t i = 60; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xEE);
	dns_msg_builder_set_flags(&b, 0x8780); /* TC */
	assert_int_equal(dns_msg_builder_finish(&b), 51);
	assert_memory_equal(buf + 4, "\0\1\0\1\0\0\0\0", 8);
	assert_int_equal(buf[2], 0x87);
	assert_memory_equal(buf + 12, response + 12, 39);
}

static void test_build_mark_rewind(void **state)
{
	uint8_t buf[512];
	dns_msg_builder_t b;
	dns_msg_builder_init(&b, buf, sizeof(buf), sizeof(buf));
	assert_int_equal(dns_msg_builder_header(&b, 1, 0x8400), DNS_OK);
	assert_int_equal(dns_msg_builder_question(&b, n_www, DNS_TYPE_A, DNS_CLASS_IN), DNS_OK);
	dns_msg_mark_t mk = dns_msg_builder_mark(&b);
	dns_rr_t rr = mkrr(n_www, DNS_TYPE_CNAME, 300, n_web, sizeof(n_web));
	assert_int_equal(dns_msg_builder_rr(&b, DNS_SEC_ANSWER, &rr), DNS_OK);
	rr = mkrr(n_ns1, DNS_TYPE_A, 1, a53, 4);
	assert_int_equal(dns_msg_builder_rr(&b, DNS_SEC_ADDITIONAL, &rr), DNS_OK);
	dns_msg_builder_rewind(&b, mk);
	assert_int_equal(b.w.len, 33);
	assert_int_equal(b.count[DNS_SEC_ANSWER], 0);
	assert_int_equal(b.count[DNS_SEC_ADDITIONAL], 0);
	/* answer again allowed; web.example.com (was at 45) must not be
	 * pointed to any more: "web" is written out, then ptr to 16 */
	rr = mkrr(n_web, DNS_TYPE_A, 300, a1, 4);
	assert_int_equal(dns_msg_builder_rr(&b, DNS_SEC_ANSWER, &rr), DNS_OK);
	static const uint8_t want[] = { 3, 'w', 'e', 'b', 0xC0, 16, 0, 1, 0, 1,
	                                0, 0, 1, 0x2C, 0, 4, 192, 0, 2, 1 };
	assert_int_equal(dns_msg_builder_finish(&b), 33 + sizeof(want));
	assert_memory_equal(buf + 33, want, sizeof(want));
	assert_memory_equal(buf + 4, "\0\1\0\1\0\0\0\0", 8);
	/* sections only move forward */
	assert_int_equal(dns_msg_builder_rr(&b, DNS_SEC_QUESTION, &rr), DNS_EINVAL);
	rr = mkrr(n_ns1, DNS_TYPE_A, 1, a53, 4);
	assert_int_equal(dns_msg_builder_rr(&b, DNS_SEC_ADDITIONAL, &rr), DNS_OK);
	assert_int_equal(dns_msg_builder_rr(&b, DNS_SEC_ANSWER, &rr), DNS_EINVAL);
}

static void test_build_rrset(void **state)
{
	uint8_t buf[512];
	dns_msg_builder_t b;
	/* two A records of web.example.com: header+question 33, then
	 * 20 (owner "web"+ptr) + 16 (ptr to 33) = 69 bytes */
	static const uint8_t packed[] = { 0, 4, 192, 0, 2, 1, 0, 4, 192, 0, 2, 2 };
	dns_rrset_t set = { .type = DNS_TYPE_A, .count = 2, .ttl = 60, .size = 12, .data = packed };
	dns_msg_builder_init(&b, buf, sizeof(buf), 68);
	assert_int_equal(dns_msg_builder_header(&b, 1, 0x8400), DNS_OK);
	assert_int_equal(dns_msg_builder_question(&b, n_www, DNS_TYPE_A, DNS_CLASS_IN), DNS_OK);
	assert_int_equal(dns_msg_builder_rrset(&b, DNS_SEC_ANSWER, n_web, DNS_CLASS_IN, &set),
	                 DNS_ESPACE);
	assert_int_equal(b.w.len, 33);
	assert_int_equal(b.count[DNS_SEC_ANSWER], 0);
	/* after the failed attempt the message goes on from offset 33 */
	dns_rr_t rr = mkrr(n_ns1, DNS_TYPE_CNAME, 60, n_web, sizeof(n_web));
	dns_msg_mark_t mk = dns_msg_builder_mark(&b);
	assert_int_equal(dns_msg_builder_rr(&b, DNS_SEC_ANSWER, &rr), DNS_OK);
	assert_memory_equal(buf + 33 + 16, "\3web\xC0\x10", 6);
	dns_msg_builder_rewind(&b, mk);

	dns_msg_builder_init(&b, buf, sizeof(buf), 69);
	assert_int_equal(dns_msg_builder_header(&b, 1, 0x8400), DNS_OK);
	assert_int_equal(dns_msg_builder_question(&b, n_www, DNS_TYPE_A, DNS_CLASS_IN), DNS_OK);
	assert_int_equal(dns_msg_builder_rrset(&b, DNS_SEC_ANSWER, n_web, DNS_CLASS_IN, &set),
	                 DNS_OK);
	static const uint8_t want[] = {
		3, 'w', 'e', 'b', 0xC0, 16, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1,
		0xC0, 33, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 2,
	};
	assert_int_equal(dns_msg_builder_finish(&b), 69);
	assert_memory_equal(buf + 33, want, sizeof(want));
	assert_int_equal(buf[7], 2);

	/* an NS RRset: rdata names compressed against the question */
	static const uint8_t packed_ns[] = {
		0, 17, 3, 'n', 's', '1', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
	};
	dns_rrset_t ns = { .type = DNS_TYPE_NS, .count = 1, .ttl = 60, .size = sizeof(packed_ns),
	                   .data = packed_ns };
	dns_msg_builder_init(&b, buf, sizeof(buf), sizeof(buf));
	assert_int_equal(dns_msg_builder_header(&b, 1, 0x8400), DNS_OK);
	assert_int_equal(dns_msg_builder_question(&b, n_www, DNS_TYPE_A, DNS_CLASS_IN), DNS_OK);
	assert_int_equal(dns_msg_builder_rrset(&b, DNS_SEC_AUTHORITY, n_example, DNS_CLASS_IN, &ns),
	                 DNS_OK);
	static const uint8_t want_ns[] = { 0xC0, 16, 0, 2, 0, 1, 0, 0, 0, 60, 0, 6,
	                                   3, 'n', 's', '1', 0xC0, 16 };
	assert_int_equal(dns_msg_builder_finish(&b), 33 + sizeof(want_ns));
	assert_memory_equal(buf + 33, want_ns, sizeof(want_ns));
}

/* Round trip: what the builder writes, the parser reads back. */
static void test_roundtrip(void **state)
{
	dns_msg_t m;
	assert_int_equal(dns_msg_parse(&m, response, sizeof(response)), DNS_OK);
	uint8_t buf[512];
	dns_msg_builder_t b;
	dns_msg_builder_init(&b, buf, sizeof(buf), sizeof(buf));
	assert_int_equal(dns_msg_builder_header(&b, m.id, m.flags), DNS_OK);
	assert_int_equal(dns_msg_builder_question(&b, m.qname, m.qtype, m.qclass), DNS_OK);
	for (size_t i = 0; i < m.nrrs; i++)
		assert_int_equal(dns_msg_builder_rr(&b, m.rrs[i].section, &m.rrs[i].rr), DNS_OK);
	assert_int_equal(dns_msg_builder_finish(&b), sizeof(response));
	assert_memory_equal(buf, response, sizeof(response));
	dns_msg_free(&m);
}

/* Names, never numbers: the rcodes a log shows, TSIG errors where 16 is
 * BADSIG (and BADVERS in a header), unknown codes still printable. */
static void test_rcode_names(void **state)
{
	char buf[32];
	assert_string_equal(dns_rcode_text(DNS_RCODE_REFUSED, buf, sizeof(buf)), "REFUSED");
	assert_string_equal(dns_rcode_text(DNS_RCODE_NOTAUTH, buf, sizeof(buf)), "NOTAUTH");
	assert_string_equal(dns_rcode_text(16, buf, sizeof(buf)), "BADVERS");
	assert_string_equal(dns_rcode_text(DNS_RCODE_BADCOOKIE, buf, sizeof(buf)), "BADCOOKIE");
	assert_string_equal(dns_rcode_text(12, buf, sizeof(buf)), "RCODE12");
	assert_string_equal(dns_rcode_text(4000, buf, sizeof(buf)), "RCODE4000");
	assert_null(dns_rcode_name(12));
	assert_string_equal(dns_tsig_error_text(DNS_RCODE_BADSIG, buf, sizeof(buf)), "BADSIG");
	assert_string_equal(dns_tsig_error_text(DNS_RCODE_BADKEY, buf, sizeof(buf)), "BADKEY");
	assert_string_equal(dns_tsig_error_text(DNS_RCODE_BADTIME, buf, sizeof(buf)), "BADTIME");
	assert_string_equal(dns_tsig_error_text(DNS_RCODE_BADTRUNC, buf, sizeof(buf)), "BADTRUNC");
	assert_string_equal(dns_tsig_error_text(0, buf, sizeof(buf)), "NOERROR");
	assert_string_equal(dns_tsig_error_text(99, buf, sizeof(buf)), "TSIG error 99");
	assert_string_equal(dns_opcode_text(DNS_OPCODE_UPDATE, buf, sizeof(buf)), "UPDATE");
	assert_string_equal(dns_opcode_text(DNS_OPCODE_NOTIFY, buf, sizeof(buf)), "NOTIFY");
	assert_string_equal(dns_opcode_text(3, buf, sizeof(buf)), "OPCODE3");
	assert_string_equal(dns_opcode_text(15, buf, sizeof(buf)), "OPCODE15");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_response),
		cmocka_unit_test(test_parse_query_inline),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_parse_rejects_opt_tsig),
		cmocka_unit_test(test_parse_large),
		cmocka_unit_test(test_parse_update),
		cmocka_unit_test(test_build_response),
		cmocka_unit_test(test_build_limit_and_reserve),
		cmocka_unit_test(test_build_mark_rewind),
		cmocka_unit_test(test_build_rrset),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_rcode_names),
	};
	return cmocka_run_group_tests_name("msg", tests, NULL, NULL);
}
