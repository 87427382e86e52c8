/*
 * Unit tests for edns.c: the OPT RR fields (RFC 6891 §6.1.3), option
 * TLVs (NSID RFC 5001, COOKIE RFC 7873, EDE RFC 8914, padding RFC 7830 /
 * RFC 8467), with vectors worked out by hand from those RFCs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dns/edns.h"
#include "dns/rrtype.h"

static dns_rr_t opt_rr(uint16_t size, uint32_t ttl, const uint8_t *rdata, uint16_t rdlen)
{
	dns_rr_t rr = { .owner = dns_name_root, .type = DNS_TYPE_OPT, .rclass = size, .ttl = ttl,
	                .rdlen = rdlen, .rdata = rdata };
	return rr;
}

static void test_parse_fields(void **state)
{
	dns_edns_t e;
	/* TTL 01 01 80 00: ext-rcode 1 (rcode 16 = BADVERS with 0 in the
	 * header), version 1 (a server answers BADVERS), DO set */
	dns_rr_t rr = opt_rr(100, 0x01018000, NULL, 0);
	assert_int_equal(dns_edns_parse(&rr, &e), DNS_OK);
	assert_int_equal(e.udp_size, 512); /* 100 reads as 512 */
	assert_int_equal(e.ext_rcode, 1);
	assert_int_equal(e.version, 1);
	assert_true(e.do_bit);
	assert_int_equal(e.zflags, 0);
	assert_int_equal(e.options_len, 0);

	rr = opt_rr(4096, 0x00000001, NULL, 0); /* version 0, DO clear, a Z bit */
	assert_int_equal(dns_edns_parse(&rr, &e), DNS_OK);
	assert_int_equal(e.udp_size, 4096);
	assert_int_equal(e.ext_rcode, 0);
	assert_int_equal(e.version, 0);
	assert_false(e.do_bit);
	assert_int_equal(e.zflags, 1);

	rr.type = DNS_TYPE_A;
	assert_int_equal(dns_edns_parse(&rr, &e), DNS_EINVAL);
}

/* NSID (empty, as a query sends it), COOKIE (client only), an unknown
 * option 65001 with 3 bytes, then a 2-byte EDE. */
static const uint8_t opts[] = {
	0x00, 0x03, 0x00, 0x00,
	0x00, 0x0A, 0x00, 0x08, 1, 2, 3, 4, 5, 6, 7, 8,
	0xFD, 0xE9, 0x00, 0x03, 'a', 'b', 'c',
	0x00, 0x0F, 0x00, 0x02, 0x00, 0x12,
};

static void test_options(void **state)
{
	dns_edns_t e;
	dns_rr_t rr = opt_rr(1232, 0, opts, sizeof(opts));
	assert_int_equal(dns_edns_parse(&rr, &e), DNS_OK);
	size_t pos = 0;
	uint16_t code, len;
	const uint8_t *data;
	static const uint16_t want_code[] = { 3, 10, 65001, 15 };
	static const uint16_t want_len[] = { 0, 8, 3, 2 };
	unsigned n = 0;
	while (dns_edns_option_next(&e, &pos, &code, &data, &len)) {
		assert_true(n < 4);
		assert_int_equal(code, want_code[n]);
		assert_int_equal(len, want_len[n]);
		n++;
	}
	assert_int_equal(n, 4);
	assert_true(dns_edns_option_find(&e, DNS_EDNS_COOKIE, &data, &len));
	assert_int_equal(len, 8);
	assert_ptr_equal(data, opts + 8);
	assert_true(dns_edns_option_find(&e, 65001, &data, &len));
	assert_memory_equal(data, "abc", 3); /* unknown options kept as bytes */
	assert_true(dns_edns_option_find(&e, DNS_EDNS_NSID, &data, &len));
	assert_int_equal(len, 0);
	assert_false(dns_edns_option_find(&e, DNS_EDNS_PADDING, &data, &len));
}

static void test_options_malformed(void **state)
{
	dns_edns_t e;
	uint8_t b[64];
	/* a TLV header cut short */
	dns_rr_t rr = opt_rr(1232, 0, opts, 3);
	assert_int_equal(dns_edns_parse(&rr, &e), DNS_EMALFORMED);
	/* option data running past the rdata */
	rr = opt_rr(1232, 0, opts, 10);
	assert_int_equal(dns_edns_parse(&rr, &e), DNS_EMALFORMED);
	/* a cookie of 9 bytes (client 8 + a server cookie < 8) */
	static const uint8_t bad_cookie[] = { 0, 10, 0, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	rr = opt_rr(1232, 0, bad_cookie, sizeof(bad_cookie));
	assert_int_equal(dns_edns_parse(&rr, &e), DNS_EMALFORMED);
	/* client 8 + server 8 = 16 is fine, 8 + 33 = 41 is not */
	memset(b, 7, sizeof(b));
	dns_put16(b, 10);
	dns_put16(b + 2, 16);
	rr = opt_rr(1232, 0, b, 20);
	assert_int_equal(dns_edns_parse(&rr, &e), DNS_OK);
	dns_put16(b + 2, 41);
	rr = opt_rr(1232, 0, b, 45);
	assert_int_equal(dns_edns_parse(&rr, &e), DNS_EMALFORMED);
	/* an EDE without its info code */
	static const uint8_t bad_ede[] = { 0, 15, 0, 1, 0 };
	rr = opt_rr(1232, 0, bad_ede, sizeof(bad_ede));
	assert_int_equal(dns_edns_parse(&rr, &e), DNS_EMALFORMED);
}

static void test_option_put_and_ede(void **state)
{
	uint8_t buf[16];
	dns_wbuf_t w;
	dns_wbuf_init(&w, buf, sizeof(buf));
	/* EDE 18 (Prohibited) with text "no": 00 0F, length 4, 00 12, 'n' 'o' */
	assert_int_equal(dns_edns_ede_put(&w, DNS_EDE_PROHIBITED, "no"), DNS_OK);
	static const uint8_t want[] = { 0, 15, 0, 4, 0, 18, 'n', 'o' };
	assert_int_equal(w.len, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	/* an NSID "ns1": 00 03 00 03 'n' 's' '1' */
	assert_int_equal(dns_edns_option_put(&w, DNS_EDNS_NSID, "ns1", 3), DNS_OK);
	assert_int_equal(w.len, 15);
	assert_memory_equal(buf + 8, "\0\3\0\3ns1", 7);
	/* no room for another header: unchanged */
	assert_int_equal(dns_edns_option_put(&w, DNS_EDNS_PADDING, NULL, 0), DNS_ESPACE);
	assert_int_equal(dns_edns_ede_put(&w, DNS_EDE_OTHER, NULL), DNS_ESPACE);
	assert_int_equal(w.len, 15);
	/* EDE without text */
	dns_wbuf_init(&w, buf, sizeof(buf));
	assert_int_equal(dns_edns_ede_put(&w, DNS_EDE_NOT_AUTHORITATIVE, NULL), DNS_OK);
	assert_memory_equal(buf, "\0\x0f\0\x02\0\x14", 6);
}

static void test_write_opt(void **state)
{
	uint8_t buf[64];
	dns_msg_builder_t b;
	dns_msg_builder_init(&b, buf, sizeof(buf), sizeof(buf));
	assert_int_equal(dns_msg_builder_header(&b, 0xABCD, 0x8000), DNS_OK);
	static const uint8_t nsid[] = { 0, 3, 0, 0 };
	/* BADVERS (16): header rcode 0, OPT ext-rcode 1; DO; size 1232 */
	assert_int_equal(dns_edns_write(&b, 1232, DNS_RCODE_BADVERS, true, nsid, 4), DNS_OK);
	assert_int_equal(dns_msg_builder_finish(&b), 12 + dns_edns_wire_size(4));
	static const uint8_t want[] = {
		0xAB, 0xCD, 0x80, 0x00, 0, 0, 0, 0, 0, 0, 0, 1,
		0, 0, 41, 0x04, 0xD0, 0x01, 0x00, 0x80, 0x00, 0, 4, 0, 3, 0, 0,
	};
	assert_memory_equal(buf, want, sizeof(want));

	/* parse it back through the message parser */
	dns_msg_t m;
	assert_int_equal(dns_msg_parse(&m, buf, sizeof(want)), DNS_OK);
	assert_non_null(m.opt);
	dns_edns_t e;
	assert_int_equal(dns_edns_parse(&m.opt->rr, &e), DNS_OK);
	assert_int_equal(((unsigned)e.ext_rcode << 4) | dns_flags_rcode(m.flags), 16);
	assert_true(e.do_bit);
	assert_int_equal(e.version, 0);
	assert_int_equal(e.udp_size, 1232);
	dns_msg_free(&m);

	/* no options, rcode NOERROR, DO clear, size 512 */
	dns_msg_builder_init(&b, buf, sizeof(buf), sizeof(buf));
	assert_int_equal(dns_msg_builder_header(&b, 1, 0), DNS_OK);
	assert_int_equal(dns_edns_write(&b, 512, 0, false, NULL, 0), DNS_OK);
	assert_memory_equal(buf + 12, "\0\0\x29\x02\0\0\0\0\0\0\0", 11);
	/* limit: a 12-byte message limit has no room for the OPT */
	dns_msg_builder_init(&b, buf, sizeof(buf), 22);
	assert_int_equal(dns_msg_builder_header(&b, 1, 0), DNS_OK);
	assert_int_equal(dns_edns_write(&b, 512, 0, false, NULL, 0), DNS_ESPACE);
	assert_int_equal(b.w.len, 12);
	assert_int_equal(dns_edns_write(&b, 512, 0x1000, false, NULL, 0), DNS_EINVAL);
}

static void test_padding(void **state)
{
	/* RFC 8467 block-length: (len + 4 + pad) % block == 0 */
	assert_int_equal(dns_edns_padding_len(100, 128), 24);
	assert_int_equal(dns_edns_padding_len(124, 128), 0);
	assert_int_equal(dns_edns_padding_len(125, 128), 127);
	assert_int_equal(dns_edns_padding_len(0, 468), 464);
	assert_int_equal(dns_edns_padding_len(500, 468), 432);
	assert_int_equal(dns_edns_padding_len(100, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_fields),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_options_malformed),
		cmocka_unit_test(test_option_put_and_ede),
		cmocka_unit_test(test_write_opt),
		cmocka_unit_test(test_padding),
	};
	return cmocka_run_group_tests_name("edns", tests, NULL, NULL);
}
