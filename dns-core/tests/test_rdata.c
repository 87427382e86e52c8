/*
 * Unit tests for rdata: text -> wire with hand-worked bytes, wire -> text,
 * round trips, rejects, (de)compression in a message, canonical form.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "dns/rdata.h"
#include "dns/rrtype.h"

static const uint8_t origin[] = "\7example";

static size_t unhex(const char *h, uint8_t *out)
{
	size_t n = 0;
	for (; *h; h++) {
		if (*h == ' ')
			continue;
		unsigned v;
		assert_int_equal(sscanf(h, "%2x", &v), 1);
		out[n++] = (uint8_t)v;
		h++;
	}
	return n;
}

static uint16_t T(const char *s)
{
	uint16_t t;
	assert_int_equal(dns_rrtype_from_text(s, strlen(s), &t), DNS_OK);
	return t;
}

/* @text parses to @hex; printing gives @printed (NULL: @text); that parses back. */
static void vec(const char *type, const char *text, const char *hex, const char *printed)
{
	uint8_t want[2048], got[2048], back[2048];
	size_t wlen = unhex(hex, want), glen, blen, tlen;
	char out[8192];
	dns_rdata_error_t err = {0};
	uint16_t t = T(type);
	dns_err_t e = dns_rdata_from_text(t, text, strlen(text), origin, got, sizeof(got), &glen,
	                                  &err);
	if (e != DNS_OK)
		print_error("%s %s: token %zu: %s\n", type, text, err.token, err.msg);
	assert_int_equal(e, DNS_OK);
	assert_int_equal(glen, wlen);
	assert_memory_equal(got, want, wlen);
	assert_int_equal(dns_rdata_validate(t, got, glen), DNS_OK);
	assert_int_equal(dns_rdata_to_text(t, want, wlen, out, sizeof(out), &tlen), DNS_OK);
	assert_string_equal(out, printed ? printed : text);
	assert_int_equal(tlen, strlen(out));
	assert_int_equal(dns_rdata_from_text(t, out, tlen, NULL, back, sizeof(back), &blen, NULL),
	                 DNS_OK);
	assert_int_equal(blen, wlen);
	assert_memory_equal(back, want, wlen);
}

/* @text is rejected with @code, pointing at token @tok with a message containing @msg. */
static void bad(const char *type, const char *text, dns_err_t code, size_t tok, const char *msg)
{
	uint8_t out[1024];
	size_t len;
	dns_rdata_error_t err = {0};
	dns_err_t e = dns_rdata_from_text(T(type), text, strlen(text), origin, out, sizeof(out),
	                                  &len, &err);
	if (e != code)
		print_error("%s %s: got %d (%s)\n", type, text, e, err.msg);
	assert_int_equal(e, code);
	assert_int_equal(err.token, tok);
	if (msg && strstr(err.msg, msg) == NULL)
		print_error("%s %s: message '%s'\n", type, text, err.msg);
	if (msg)
		assert_non_null(strstr(err.msg, msg));
}

static void test_basic_types(void **state)
{
	vec("A", "192.0.2.1", "c0000201", NULL);
	vec("NS", "ns1", "036e7331 076578616d706c65 00", "ns1.example.");
	vec("NS", "@", "076578616d706c65 00", "example.");
	vec("CNAME", "a\\.b.example.", "03612e62 076578616d706c65 00", NULL);
	vec("SOA", "ns1 h 1 1h 30m 1w 1d",
	    "036e7331076578616d706c6500 0168076578616d706c6500 00000001 00000e10 00000708"
	    " 00093a80 00015180",
	    "ns1.example. h.example. 1 3600 1800 604800 86400");
	vec("PTR", "host.example.net.", "04686f7374 076578616d706c65 036e6574 00", NULL);
	vec("HINFO", "\"PC Intel\" Linux", "08504320496e74656c 054c696e7578",
	    "\"PC Intel\" \"Linux\"");
	vec("MX", "10 mail", "000a 046d61696c 076578616d706c6500", "10 mail.example.");
	vec("MX", "0 .", "0000 00", NULL);
	vec("RP", "admin.example. .", "0561646d696e076578616d706c6500 00", NULL);
	vec("AAAA", "2001:db8::1", "20010db8000000000000000000000001", NULL);
	vec("AAAA", "::ffff:192.0.2.1", "00000000000000000000ffffc0000201", NULL);
	vec("SRV", "10 60 5060 sip.example.com.",
	    "000a 003c 13c4 03736970076578616d706c6503636f6d00", NULL);
	vec("NAPTR", "100 10 \"S\" \"SIP+D2U\" \"\" .", "0064 000a 0153 075349502b443255 00 00",
	    NULL);
	vec("DNAME", "example.net.", "076578616d706c65036e657400", NULL);
	vec("URI", "10 1 \"ftp://x\"", "000a 0001 6674703a2f2f78", NULL);
	vec("URI", "1 2 a\\\"b", "0001 0002 612262", "1 2 \"a\\\"b\"");
	vec("CAA", "0 issue \"ca.org\"", "00 05 6973737565 63612e6f7267", NULL);
	vec("CAA", "128 TBS x", "80 03 544253 78", "128 TBS \"x\"");
}

/* Rdata whose presentation has more tokens than any fixed table of a few
 * hundred: 600 empty strings (found by fuzz_rdata: our own text of valid
 * wire data could not be read back), and hex in one-digit tokens. */
static void many_tokens(void)
{
	static uint8_t wire[600], back[4096];
	static char text[600 * 3 + 1];
	memset(wire, 0, sizeof(wire));
	size_t tlen, blen;
	assert_int_equal(dns_rdata_to_text(16, wire, sizeof(wire), text, sizeof(text), &tlen), DNS_OK);
	assert_int_equal(tlen, 600 * 3 - 1); /* "" "" ... */
	assert_int_equal(dns_rdata_from_text(16, text, tlen, NULL, back, sizeof(back), &blen, NULL),
	                 DNS_OK);
	assert_int_equal(blen, sizeof(wire));
	assert_memory_equal(back, wire, sizeof(wire));
	/* TLSA 3 1 1 followed by 1,000 hex digits one per token: 500 bytes */
	static char hex[3 * 2 + 1000 * 2 + 1];
	size_t o = (size_t)snprintf(hex, sizeof(hex), "3 1 1");
	for (int i = 0; i < 1000; i++)
		o += (size_t)snprintf(hex + o, sizeof(hex) - o, " %x", i % 16);
	assert_int_equal(dns_rdata_from_text(DNS_TYPE_TLSA, hex, o, NULL, back, sizeof(back), &blen,
	                                     NULL), DNS_OK);
	assert_int_equal(blen, 3 + 500);
	assert_int_equal(back[3], 0x01);
	assert_int_equal(back[4], 0x23);
}

static void test_strings(void **state)
{
	vec("TXT", "\"hello world\"", "0b68656c6c6f20776f726c64", NULL);
	vec("TXT", "\"a\\\"b\" x\\255", "03612262 0278ff", "\"a\\\"b\" \"x\\255\"");
	vec("TXT", "\"\" \\\\ \"\\;\"", "00 015c 013b", "\"\" \"\\\\\" \";\"");
	vec("TXT", "\"\\009tab\\127\"", "05 09746162 7f", "\"\\009tab\\127\"");
	vec("SPF", "\"v=spf1 -all\"", "0b763d73706631202d616c6c", NULL);
	/* exactly 255 bytes is fine, 256 is not */
	char s[300];
	memset(s, 'a', 255);
	s[255] = 0;
	uint8_t out[600];
	size_t len;
	assert_int_equal(dns_rdata_from_text(16, s, 255, NULL, out, sizeof(out), &len, NULL), 0);
	assert_int_equal(len, 256);
	assert_int_equal(out[0], 255);
	s[255] = 'a';
	s[256] = 0;
	bad("TXT", s, DNS_ELIMIT, 0, "longer than 255");
	bad("TXT", "\"abc\\", DNS_ESYNTAX, 0, "unterminated");
	bad("TXT", "a\\25", DNS_ESYNTAX, 0, "escape");
	bad("TXT", "a\\256", DNS_ESYNTAX, 0, "escape");
	bad("TXT", "", DNS_ESYNTAX, 0, "missing");
	many_tokens();
}

static void test_dnssec_types(void **state)
{
	vec("DS", "1234 8 2 ABCDEF01 23", "04d2 08 02 abcdef0123", "1234 8 2 abcdef0123");
	vec("CDS", "1234 RSASHA256 2 abcd", "04d2 08 02 abcd", "1234 8 2 abcd");
	vec("SSHFP", "1 1 abcd", "0101abcd", NULL);
	vec("DNSKEY", "257 3 8 AwEAAQ==", "0101 03 08 03010001", NULL);
	vec("DNSKEY", "256 3 ECDSAP256SHA256 AAEC AwQF", "0100 03 0d 000102030405",
	    "256 3 13 AAECAwQF");
	vec("CDNSKEY", "0 3 0 AA==", "0000 03 00 00", NULL);
	vec("RRSIG", "A 8 2 3600 20300101000000 20200101000000 1234 example. AAECAwQF",
	    "0001 08 02 00000e10 70dbd880 5e0be100 04d2 076578616d706c6500 000102030405", NULL);
	/* plain numbers are accepted for the times, printed as dates */
	vec("RRSIG", "TYPE1234 8 0 0 1893456000 0 0 . AA==",
	    "04d2 08 00 00000000 70dbd880 00000000 0000 00 00",
	    "TYPE1234 8 0 0 20300101000000 19700101000000 0 . AA==");
	vec("NSEC", "host.example. A MX RRSIG NSEC TYPE1234",
	    "04686f7374076578616d706c6500 0006 4001000000 03"
	    " 041b 0000000000000000000000000000000000000000000000000000 20",
	    NULL);
	vec("NSEC", "host", "04686f7374076578616d706c6500", "host.example.");
	vec("NSEC3", "1 1 12 aabbccdd VVVVVVVV A",
	    "01 01 000c 04aabbccdd 05ffffffffff 000140", "1 1 12 aabbccdd vvvvvvvv A");
	vec("NSEC3", "1 0 0 - 00000000", "01 00 0000 00 050000000000", NULL);
	vec("NSEC3PARAM", "1 0 0 -", "01 00 0000 00", NULL);
	vec("NSEC3PARAM", "1 0 10 AB", "01 00 000a 01ab", "1 0 10 ab");
	vec("TLSA", "3 1 1 d2ab", "030101d2ab", NULL);
	vec("SMIMEA", "3 255 0 3082", "03ff003082", NULL);
	vec("OPENPGPKEY", "AAEC", "000102", NULL);
	vec("ZONEMD", "2021010101 1 1 abcd", "78762ab5 01 01 abcd", NULL);
}

static void test_loc(void **state)
{
	vec("LOC", "52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000m 10m",
	    "00 00 16 13 8b3cf018 810cbce0 009895b8",
	    "52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000.00m 10.00m");
	/* defaults: size 1m, horizontal 10000m, vertical 10m */
	vec("LOC", "52 N 4 E 2", "00 12 16 13 8b287200 80dbba00 00989748",
	    "52 0 0.000 N 4 0 0.000 E 2.00m 1.00m 10000.00m 10.00m");
	/* south and west are below 2^31 */
	vec("LOC", "0 0 0.001 S 180 W 0m 0m 0m 0m", "00 00 00 00 7fffffff 59604e00 00989680",
	    "0 0 0.001 S 180 0 0.000 W 0.00m 0.00m 0.00m 0.00m");
	bad("LOC", "91 N 4 E 2", DNS_ESYNTAX, 0, "degrees");
	bad("LOC", "52 60 N 4 E 2", DNS_ESYNTAX, 1, "minutes");
	bad("LOC", "52 N 4 X 2", DNS_ESYNTAX, 3, "expected E or W");
	bad("LOC", "52 N 4 E", DNS_ESYNTAX, 4, "altitude");
	bad("LOC", "52 N 4 E 2 1.234m", DNS_ESYNTAX, 5, "size");
}

static void test_svcb(void **state)
{
	vec("SVCB", "1 foo.example. alpn=h2,h3 port=443",
	    "0001 03666f6f076578616d706c6500 0001 0006 026832 026833 0003 0002 01bb", NULL);
	/* keys are sorted in wire form */
	vec("HTTPS", "1 . port=443 alpn=h2", "0001 00 0001 0003 026832 0003 0002 01bb",
	    "1 . alpn=h2 port=443");
	vec("HTTPS", "0 foo", "0000 03666f6f076578616d706c6500", "0 foo.example.");
	vec("HTTPS", "1 . mandatory=port ipv4hint=192.0.2.1,192.0.2.2 port=53",
	    "0001 00 0000 0002 0003 0003 0002 0035 0004 0008 c0000201 c0000202",
	    "1 . mandatory=port port=53 ipv4hint=192.0.2.1,192.0.2.2");
	vec("HTTPS", "1 . no-default-alpn alpn=h3 ech=AAEC ipv6hint=::1",
	    "0001 00 0001 0003 026833 0002 0000 0005 0003 000102"
	    " 0006 0010 00000000000000000000000000000001",
	    "1 . alpn=h3 no-default-alpn ech=AAEC ipv6hint=::1");
	/* RFC 9460 Appendix A.1: "\\," is a comma inside an alpn id */
	vec("HTTPS", "1 . alpn=\"h2,h\\\\,3\"", "0001 00 0001 0007 026832 03682c33",
	    "1 . alpn=h2,h\\\\,3");
	vec("HTTPS", "1 . key65000=\"a b\" key7=x", "0001 00 0007 0001 78 fde8 0003 612062",
	    "1 . dohpath=x key65000=a\\032b");
	vec("HTTPS", "1 . key123", "0001 00 007b 0000", NULL);
	bad("HTTPS", "1 . foo=1", DNS_ESYNTAX, 2, "unknown SvcParam key");
	bad("HTTPS", "1 . port=1 port=2", DNS_ESYNTAX, 3, "duplicate");
	bad("HTTPS", "1 . key65535=1", DNS_ESYNTAX, 2, "unknown SvcParam key");
	bad("HTTPS", "1 . port=65536", DNS_ESYNTAX, 2, "16-bit");
	bad("HTTPS", "1 . alpn=h2,,h3", DNS_ESYNTAX, 2, "empty alpn");
	bad("HTTPS", "1 . mandatory=alpn port=1", DNS_ESYNTAX, 4, "mandatory key is missing");
	bad("HTTPS", "1 . mandatory=port,port port=1", DNS_ESYNTAX, 2, "duplicate");
	bad("HTTPS", "1 . no-default-alpn=x", DNS_ESYNTAX, 2, "no value");
	bad("HTTPS", "1 . ipv4hint=1.2.3", DNS_ESYNTAX, 2, "IPv4");
	bad("HTTPS", "1 . ech=AAE", DNS_ESYNTAX, 2, "base64");
}

static void test_generic(void **state)
{
	vec("TYPE12345", "\\# 3 010203", "010203", NULL);
	vec("TYPE12345", "\\# 0", "", NULL);
	vec("TYPE12345", "\\# 4 01 02 0304", "01020304", "\\# 4 01020304");
	vec("A", "\\# 4 0A000001", "0a000001", "10.0.0.1");
	vec("TSIG", "\\# 2 abcd", "abcd", NULL);
	bad("TYPE12345", "\\# 3 0102", DNS_ESYNTAX, 2, "does not match");
	bad("TYPE12345", "\\# 1 0102", DNS_ESYNTAX, 2, "does not match");
	bad("TYPE12345", "\\# 0 00", DNS_ESYNTAX, 2, "no data");
	bad("TYPE12345", "\\# x 00", DNS_ESYNTAX, 1, "length");
	bad("TYPE12345", "\\# 65536", DNS_ESYNTAX, 1, "length");
	bad("TYPE12345", "\\# 1 0g", DNS_ESYNTAX, 2, "hex");
	bad("TYPE12345", "\\# 1 0", DNS_ESYNTAX, 2, "odd");
	bad("TYPE12345", "01", DNS_ESYNTAX, 0, "\\#");
	/* generic rdata of a known type must be valid for it */
	bad("A", "\\# 3 010203", DNS_ESYNTAX, 1, "not valid");
	/* a "\#" in quotes is a string, not the generic marker */
	vec("TXT", "\"\\\\#\" 1", "025c23 0131", "\"\\\\#\" \"1\"");
}

static void test_rejects(void **state)
{
	bad("A", "256.0.0.1", DNS_ESYNTAX, 0, "invalid IPv4 address");
	bad("A", "1.2.3", DNS_ESYNTAX, 0, "IPv4");
	bad("A", "1.2.3.4 5", DNS_ESYNTAX, 1, "trailing");
	bad("A", "", DNS_ESYNTAX, 0, "missing");
	bad("AAAA", "1::2::3", DNS_ESYNTAX, 0, "invalid IPv6 address");
	bad("MX", "65536 mx.", DNS_ESYNTAX, 0, "expected a 16-bit number");
	bad("MX", "-1 mx.", DNS_ESYNTAX, 0, "16-bit");
	bad("MX", "10", DNS_ESYNTAX, 1, "missing");
	bad("MX", "10 a..b", DNS_ESYNTAX, 1, "domain name");
	bad("SOA", "a. b. 4294967296 1 1 1 1", DNS_ESYNTAX, 2, "32-bit");
	bad("SOA", "a. b. 1 1x 1 1 1", DNS_ESYNTAX, 3, "time");
	bad("DS", "1 2 3", DNS_ESYNTAX, 3, "missing hex");
	bad("DS", "1 FOO 3 ab", DNS_ESYNTAX, 1, "algorithm");
	bad("DS", "1 2 3 abc", DNS_ESYNTAX, 3, "odd");
	bad("DS", "1 2 3 ab cx", DNS_ESYNTAX, 4, "hex");
	bad("DNSKEY", "257 3 8 AAE", DNS_ESYNTAX, 3, "multiple of 4");
	bad("DNSKEY", "257 3 8 A=AA", DNS_ESYNTAX, 3, "base64");
	bad("DNSKEY", "257 3 8 AA== AA==", DNS_ESYNTAX, 4, "base64");
	bad("DNSKEY", "257 3 8 AA!A", DNS_ESYNTAX, 3, "base64");
	bad("DNSKEY", "257 3 256 AA==", DNS_ESYNTAX, 2, "algorithm");
	bad("RRSIG", "A 8 2 1 20301301000000 1 1 . AA==", DNS_ESYNTAX, 4, "time");
	bad("RRSIG", "A 8 2 1 20230229000000 1 1 . AA==", DNS_ESYNTAX, 4, "time");
	bad("RRSIG", "FOO 8 2 1 1 1 1 . AA==", DNS_ESYNTAX, 0, "unknown type");
	bad("NSEC", "a. A FOO", DNS_ESYNTAX, 2, "unknown type");
	bad("NSEC3", "1 0 0 - vvv A", DNS_ESYNTAX, 4, "base32hex");
	bad("NSEC3", "1 0 0 abc vvvvvvvv", DNS_ESYNTAX, 3, "salt");
	bad("CAA", "0 is-sue \"x\"", DNS_ESYNTAX, 1, "tag");
	bad("CAA", "256 issue \"x\"", DNS_ESYNTAX, 0, "8-bit");
	bad("URI", "1 1", DNS_ESYNTAX, 2, "missing");
	/* relative names need an origin */
	uint8_t out[64];
	size_t len;
	dns_rdata_error_t err;
	assert_int_equal(dns_rdata_from_text(2, "ns1", 3, NULL, out, sizeof(out), &len, &err),
	                 DNS_ESYNTAX);
	/* output capacity is respected */
	assert_int_equal(dns_rdata_from_text(1, "1.2.3.4", 7, NULL, out, 3, &len, &err),
	                 DNS_ESPACE);
	assert_int_equal(dns_rdata_from_text(16, "abcdef", 6, NULL, out, 5, &len, &err),
	                 DNS_ESPACE);
	assert_int_equal(dns_rdata_from_text(48, "1 3 8 AAAAAAAA", 14, NULL, out, 8, &len, &err),
	                 DNS_ESPACE);
}

static void test_ttl(void **state)
{
	uint32_t t;
	assert_int_equal(dns_ttl_from_text("3600", 4, &t), DNS_OK);
	assert_int_equal(t, 3600);
	assert_int_equal(dns_ttl_from_text("1w2d3h4m5s", 10, &t), DNS_OK);
	assert_int_equal(t, 604800 + 2 * 86400 + 3 * 3600 + 4 * 60 + 5);
	assert_int_equal(dns_ttl_from_text("1H", 2, &t), DNS_OK);
	assert_int_equal(t, 3600);
	assert_int_equal(dns_ttl_from_text("0", 1, &t), DNS_OK);
	assert_int_equal(t, 0);
	assert_int_equal(dns_ttl_from_text("2147483647", 10, &t), DNS_OK);
	assert_int_equal(t, 2147483647);
	assert_int_equal(dns_ttl_from_text("2147483648", 10, &t), DNS_ELIMIT);
	assert_int_equal(dns_ttl_from_text("99999999999", 11, &t), DNS_ELIMIT);
	assert_int_equal(dns_ttl_from_text("3551w", 5, &t), DNS_ELIMIT);
	assert_int_equal(dns_ttl_from_text("", 0, &t), DNS_ESYNTAX);
	assert_int_equal(dns_ttl_from_text("h", 1, &t), DNS_ESYNTAX);
	assert_int_equal(dns_ttl_from_text("1h30", 4, &t), DNS_ESYNTAX);
	assert_int_equal(dns_ttl_from_text("1y", 2, &t), DNS_ESYNTAX);
	assert_int_equal(dns_ttl_from_text("-1", 2, &t), DNS_ESYNTAX);
}

static void test_to_text_fallback(void **state)
{
	char out[256];
	size_t len;
	static const uint8_t three[] = {1, 2, 3};
	assert_int_equal(dns_rdata_to_text(1, three, 3, out, sizeof(out), &len), DNS_OK);
	assert_string_equal(out, "\\# 3 010203");
	assert_int_equal(dns_rdata_to_text(1, three, 0, out, sizeof(out), &len), DNS_OK);
	assert_string_equal(out, "\\# 0");
	/* NSEC3 with an empty next hash has no typed text */
	static const uint8_t nsec3[] = {1, 0, 0, 0, 0, 0};
	assert_int_equal(dns_rdata_to_text(50, nsec3, 6, out, sizeof(out), &len), DNS_OK);
	assert_string_equal(out, "\\# 6 010000000000");
	/* bitmap with a trailing zero byte is not canonical */
	static const uint8_t nsec[] = {0, 0, 2, 0x40, 0};
	assert_int_equal(dns_rdata_to_text(47, nsec, 5, out, sizeof(out), &len), DNS_OK);
	assert_string_equal(out, "\\# 5 0000024000");
	/* TXT whose string overruns */
	static const uint8_t txt[] = {5, 'a'};
	assert_int_equal(dns_rdata_to_text(16, txt, 2, out, sizeof(out), &len), DNS_OK);
	assert_string_equal(out, "\\# 2 0561");
	/* SVCB port with a 3-byte value */
	static const uint8_t svcb[] = {0, 1, 0, 0, 3, 0, 3, 1, 2, 3};
	assert_int_equal(dns_rdata_to_text(64, svcb, 10, out, sizeof(out), &len), DNS_OK);
	assert_string_equal(out, "\\# 10 00010000030003010203");
	/* LOC precision with a mantissa above 9 */
	static const uint8_t loc[16] = {0, 0xa0};
	assert_int_equal(dns_rdata_to_text(29, loc, 16, out, sizeof(out), &len), DNS_OK);
	assert_int_equal(strncmp(out, "\\# 16 00a0", 10), 0);
	/* not enough room */
	static const uint8_t a[] = {192, 0, 2, 1};
	assert_int_equal(dns_rdata_to_text(1, a, 4, out, 9, &len), DNS_ESPACE);
	assert_int_equal(dns_rdata_to_text(1, a, 4, out, 10, &len), DNS_OK);
	assert_string_equal(out, "192.0.2.1");
}

static void test_validate(void **state)
{
	uint8_t w[64];
	assert_int_equal(dns_rdata_validate(1, w, unhex("c0000201", w)), DNS_OK);
	assert_int_equal(dns_rdata_validate(1, w, 3), DNS_EMALFORMED);
	assert_int_equal(dns_rdata_validate(1, w, 0), DNS_EMALFORMED);
	assert_int_equal(dns_rdata_validate(12345, w, 0), DNS_OK);
	assert_int_equal(dns_rdata_validate(15, w, unhex("000a c00c", w)), DNS_EMALFORMED);
	assert_int_equal(dns_rdata_validate(15, w, unhex("000a 0161", w)), DNS_EMALFORMED);
	assert_int_equal(dns_rdata_validate(15, w, unhex("000a 016100 00", w)), DNS_EMALFORMED);
	assert_int_equal(dns_rdata_validate(16, w, unhex("0161 0262", w)), DNS_EMALFORMED);
	assert_int_equal(dns_rdata_validate(47, w, unhex("00 0000", w)), DNS_EMALFORMED);
	assert_int_equal(dns_rdata_validate(47, w, unhex("00 0101 40 0001 40", w)), DNS_EMALFORMED);
	assert_int_equal(dns_rdata_validate(47, w, unhex("00 0021", w)), DNS_EMALFORMED);
	assert_int_equal(dns_rdata_validate(64, w, unhex("0001 00 0003 0002 01bb 0001 0000", w)),
	                 DNS_EMALFORMED);
	assert_int_equal(dns_rdata_validate(64, w, unhex("0001 00 0003 0003 01bb", w)),
	                 DNS_EMALFORMED);
	assert_int_equal(dns_rdata_validate(257, w, unhex("00 00", w)), DNS_EMALFORMED);
	assert_int_equal(dns_rdata_validate(29, w, unhex("00 00", w)), DNS_EMALFORMED);
}

/* A message: 12-byte header then "example.com" at offset 12. */
static size_t message(uint8_t *m)
{
	memset(m, 0, 12);
	return 12 + unhex("076578616d706c6503636f6d00", m + 12);
}

static void test_unpack(void **state)
{
	uint8_t m[512], out[512], want[128];
	size_t n = message(m), len;
	/* MX 10 mail.<ptr to example.com> */
	size_t rd = n;
	n += unhex("000a 046d61696c c00c", m + n);
	dns_rbuf_t r;
	dns_rbuf_init(&r, m, n);
	r.pos = rd;
	assert_int_equal(dns_rdata_unpack(15, &r, (uint16_t)(n - rd), out, sizeof(out), &len), DNS_OK);
	size_t wl = unhex("000a 046d61696c 076578616d706c6503636f6d00", want);
	assert_int_equal(len, wl);
	assert_memory_equal(out, want, wl);
	assert_int_equal(r.pos, n);

	/* SOA with both names compressed */
	n = message(m);
	rd = n;
	n += unhex("c00c 04686f7374c00c 00000001 00000002 00000003 00000004 00000005", m + n);
	dns_rbuf_init(&r, m, n);
	r.pos = rd;
	assert_int_equal(dns_rdata_unpack(6, &r, (uint16_t)(n - rd), out, sizeof(out), &len), DNS_OK);
	wl = unhex("076578616d706c6503636f6d00 04686f7374076578616d706c6503636f6d00"
	           " 00000001 00000002 00000003 00000004 00000005", want);
	assert_int_equal(len, wl);
	assert_memory_equal(out, want, wl);

	/* DNAME is not an RFC 1035 type: a pointer in it is malformed */
	n = message(m);
	rd = n;
	n += unhex("c00c", m + n);
	dns_rbuf_init(&r, m, n);
	r.pos = rd;
	assert_int_equal(dns_rdata_unpack(39, &r, 2, out, sizeof(out), &len), DNS_EMALFORMED);
	/* rdlength beyond the message */
	r.pos = rd;
	assert_int_equal(dns_rdata_unpack(39, &r, 3, out, sizeof(out), &len), DNS_EMALFORMED);
	/* MX whose name runs past the rdata */
	n = message(m);
	rd = n;
	n += unhex("000a 046d61696c c00c", m + n);
	dns_rbuf_init(&r, m, n);
	r.pos = rd;
	assert_int_equal(dns_rdata_unpack(15, &r, 8, out, sizeof(out), &len), DNS_EMALFORMED);
	/* MX with trailing bytes after the name */
	n = message(m);
	rd = n;
	n += unhex("000a c00c 00", m + n);
	dns_rbuf_init(&r, m, n);
	r.pos = rd;
	assert_int_equal(dns_rdata_unpack(15, &r, 5, out, sizeof(out), &len), DNS_EMALFORMED);
	/* empty rdata (UPDATE) is accepted for every type */
	r.pos = rd;
	assert_int_equal(dns_rdata_unpack(1, &r, 0, out, sizeof(out), &len), DNS_OK);
	assert_int_equal(len, 0);
	/* output capacity */
	r.pos = rd;
	assert_int_equal(dns_rdata_unpack(15, &r, 4, out, 5, &len), DNS_ESPACE);
	/* an unknown type is copied as is */
	r.pos = rd;
	assert_int_equal(dns_rdata_unpack(12345, &r, 4, out, sizeof(out), &len), DNS_OK);
	assert_int_equal(len, 4);
	assert_memory_equal(out, m + rd, 4);
}

static void test_pack(void **state)
{
	uint8_t m[512] = {0}, rd[128];
	dns_compress_t c;
	dns_wbuf_t w;
	dns_compress_init(&c, m, DNS_COMPRESS_SLOTS);
	dns_wbuf_init(&w, m, sizeof(m));
	memset(m, 0, 12);
	w.len = 12;
	static const uint8_t ex[] = "\7example\3com";
	assert_int_equal(dns_name_pack(&w, ex, &c, true), DNS_OK);
	size_t start = w.len;
	size_t rl = unhex("000a 046d61696c 076578616d706c6503636f6d00", rd);
	assert_int_equal(dns_rdata_pack(15, rd, rl, &w, &c), DNS_OK);
	uint8_t want[32];
	size_t wl = unhex("000a 046d61696c c00c", want);
	assert_int_equal(w.len - start, wl);
	assert_memory_equal(m + start, want, wl);
	/* SRV names are never compressed (RFC 2782, RFC 3597 §4) */
	start = w.len;
	rl = unhex("0001 0002 0003 076578616d706c6503636f6d00", rd);
	assert_int_equal(dns_rdata_pack(33, rd, rl, &w, &c), DNS_OK);
	assert_int_equal(w.len - start, rl);
	assert_memory_equal(m + start, rd, rl);
	/* SOA compresses both names, against the name and the MX rdata */
	start = w.len;
	rl = unhex("046d61696c076578616d706c6503636f6d00 076578616d706c6503636f6d00"
	           " 00000001 00000002 00000003 00000004 00000005", rd);
	assert_int_equal(dns_rdata_pack(6, rd, rl, &w, &c), DNS_OK);
	wl = unhex("c01b c00c 00000001 00000002 00000003 00000004 00000005", want);
	assert_int_equal(w.len - start, wl);
	assert_memory_equal(m + start, want, wl);
	/* no room: nothing written */
	dns_wbuf_t small;
	uint8_t tiny[4];
	dns_wbuf_init(&small, tiny, sizeof(tiny));
	rl = unhex("000a 046d61696c 00", rd);
	assert_int_equal(dns_rdata_pack(15, rd, rl, &small, NULL), DNS_ESPACE);
	assert_int_equal(small.len, 0);
	/* malformed rdata of a compressible type is refused */
	rl = unhex("000a 05", rd);
	assert_int_equal(dns_rdata_pack(15, rd, rl, &w, &c), DNS_EINVAL);
}

static void collect(void *ctx, const uint8_t *name, size_t offset)
{
	size_t *offs = ctx;
	offs[++offs[0]] = offset;
	assert_true(name[0] < 64);
}

static void test_canonical_and_names(void **state)
{
	uint8_t w[128], want[128];
	size_t n = unhex("000a 044d41494c 074578616d706c6500", w);
	dns_rdata_canonicalize(15, w, n);
	unhex("000a 046d61696c 076578616d706c6500", want);
	assert_memory_equal(w, want, n);
	/* NSEC next names keep their case (RFC 6840 §5.1) */
	n = unhex("0141 00 0001 40", w);
	dns_rdata_canonicalize(47, w, n);
	assert_int_equal(w[1], 'A');
	/* RRSIG signer is lower-cased */
	n = unhex("0001 08 02 00000e10 70dbd880 5e0be100 04d2 0145 00 0001", w);
	dns_rdata_canonicalize(46, w, n);
	assert_int_equal(w[19], 'e');
	/* malformed rdata is left alone */
	n = unhex("000a 0241", w);
	dns_rdata_canonicalize(15, w, n);
	assert_int_equal(w[3], 'A');

	size_t offs[8] = {0};
	n = unhex("0001 0002 0003 0161 00", w);
	assert_int_equal(dns_rdata_names(33, w, n, collect, offs), 1);
	assert_int_equal(offs[1], 6);
	memset(offs, 0, sizeof(offs));
	n = unhex("0161 00 0162 00 00000001 00000002 00000003 00000004 00000005", w);
	assert_int_equal(dns_rdata_names(6, w, n, collect, offs), 2);
	assert_int_equal(offs[1], 0);
	assert_int_equal(offs[2], 3);
	assert_int_equal(dns_rdata_names(1, w, 4, collect, offs), 0);
	assert_int_equal(dns_rdata_names(15, w, 2, collect, offs), 0);

	static const uint8_t a[] = {1, 2}, b[] = {1, 2, 0}, c[] = {1, 3};
	assert_true(dns_rdata_compare(a, 2, b, 3) < 0);
	assert_true(dns_rdata_compare(b, 3, a, 2) > 0);
	assert_true(dns_rdata_compare(b, 3, c, 2) < 0);
	assert_int_equal(dns_rdata_compare(a, 2, a, 2), 0);
	assert_int_equal(dns_rdata_compare(a, 0, b, 0), 0);
}

static void test_tokens(void **state)
{
	/* tokens as the zone file parser hands them over: escapes undecoded */
	dns_token_t tok[3] = {
		{"10", 2, 1, 1, false}, {"mail", 4, 1, 4, false}, {"x", 1, 1, 9, false}};
	uint8_t out[64];
	size_t len;
	dns_rdata_error_t err;
	assert_int_equal(dns_rdata_from_tokens(15, tok, 2, origin, out, sizeof(out), &len, &err),
	                 DNS_OK);
	assert_int_equal(len, 16);
	assert_int_equal(dns_rdata_from_tokens(15, tok, 3, origin, out, sizeof(out), &len, &err),
	                 DNS_ESYNTAX);
	assert_int_equal(err.token, 2);
	dns_token_t q[1] = {{"a b\\\"", 5, 1, 1, true}};
	assert_int_equal(dns_rdata_from_tokens(16, q, 1, NULL, out, sizeof(out), &len, &err), 0);
	assert_int_equal(len, 5);
	assert_memory_equal(out, "\4a b\"", 5);
	/* a quoted \# is not the generic marker */
	dns_token_t g[1] = {{"\\#", 2, 1, 1, true}};
	assert_int_equal(dns_rdata_from_tokens(16, g, 1, NULL, out, sizeof(out), &len, &err), 0);
	assert_memory_equal(out, "\1#", 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic_types), cmocka_unit_test(test_strings),
		cmocka_unit_test(test_dnssec_types), cmocka_unit_test(test_loc),
		cmocka_unit_test(test_svcb), cmocka_unit_test(test_generic),
		cmocka_unit_test(test_rejects), cmocka_unit_test(test_ttl),
		cmocka_unit_test(test_to_text_fallback), cmocka_unit_test(test_validate),
		cmocka_unit_test(test_unpack), cmocka_unit_test(test_pack),
		cmocka_unit_test(test_canonical_and_names), cmocka_unit_test(test_tokens),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
