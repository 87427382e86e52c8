/* Unit tests for DNS Cookies, server side (RFC 7873 §5.2, RFC 9018): the
 * RFC 9018 test vectors, validity windows, rotation, and BADCOOKIE/FORMERR
 * through dns_answer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "dns/answer.h"
#include "dns/cookie.h"
#include "dns/edns.h"
#include "dns/msg.h"
#include "dns/rrtype.h"
#include "dns/zone.h"
#include "dns/zoneset.h"

/* RFC 9018 Appendix A: secret, client (198.51.100.100), client cookie. */
static const uint8_t secret[16] = {0xe5, 0xe9, 0x73, 0xe5, 0xa6, 0xb2, 0xa4, 0x3f,
                                   0x48, 0xe7, 0xdc, 0x84, 0x9e, 0x37, 0xbf, 0xcf};
static const uint8_t other_secret[16] = "another secret!";
static const uint8_t client_cookie[8] = {0x24, 0x64, 0xc4, 0xab, 0xcf, 0x10, 0xc9, 0x57};
/* A.1: the server cookie made at 1559731985 */
static const uint8_t a1_server[16] = {0x01, 0x00, 0x00, 0x00, 0x5c, 0xf7, 0x9f, 0x11,
                                      0x1f, 0x81, 0x30, 0xc3, 0xee, 0xe2, 0x94, 0x80};
/* A.2: the one made for the same client at 1559734385 */
static const uint8_t a2_server[16] = {0x01, 0x00, 0x00, 0x00, 0x5c, 0xf7, 0xa8, 0x71,
                                      0xd4, 0xa5, 0x64, 0xa1, 0x44, 0x2a, 0xca, 0x77};
#define T_A1 1559731985u
#define T_A2 1559734385u

static struct sockaddr_in client4(const char *ip)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	inet_pton(AF_INET, ip, &sin.sin_addr);
	return sin;
}

/* dns_cookie_server on client cookie + @server (NULL: none) at @now. */
static dns_cookie_status_t serve(const dns_cookie_secrets_t *s, const uint8_t *server,
                                 const char *ip, uint32_t now, uint8_t out[24])
{
	uint8_t opt[24];
	memcpy(opt, client_cookie, 8);
	if (server)
		memcpy(opt + 8, server, 16);
	struct sockaddr_in sin = client4(ip);
	bool ok = false;
	dns_cookie_status_t st =
		dns_cookie_server(s, opt, server ? 24 : 8, (struct sockaddr *)&sin, now, out, &ok);
	assert_true(ok);
	assert_memory_equal(out, client_cookie, 8);
	return st;
}

static void test_vectors(void **state)
{
	(void)state;
	dns_cookie_secrets_t s;
	uint8_t out[24];
	assert_int_equal(dns_cookie_secrets_init(&s, secret, NULL, false), DNS_OK);
	/* A.1: a client cookie alone gets a new server cookie */
	assert_int_equal(serve(&s, NULL, "198.51.100.100", T_A1, out), DNS_COOKIE_CLIENT);
	assert_memory_equal(out + 8, a1_server, 16);
	/* a few minutes later it is valid and sent back as it is */
	assert_int_equal(serve(&s, a1_server, "198.51.100.100", T_A1 + 300, out), DNS_COOKIE_VALID);
	assert_memory_equal(out + 8, a1_server, 16);
	/* A.2: 40 minutes later it is still valid, but renewed */
	assert_int_equal(serve(&s, a1_server, "198.51.100.100", T_A2, out), DNS_COOKIE_VALID);
	assert_memory_equal(out + 8, a2_server, 16);
	dns_cookie_secrets_destroy(&s);
}

static void test_invalid(void **state)
{
	(void)state;
	dns_cookie_secrets_t s;
	uint8_t out[24], forged[16];
	assert_int_equal(dns_cookie_secrets_init(&s, secret, NULL, false), DNS_OK);
	/* over an hour old: not valid, a new one */
	assert_int_equal(serve(&s, a1_server, "198.51.100.100", T_A1 + 3601, out),
	                 DNS_COOKIE_CLIENT);
	static const uint8_t stamp[4] = {0x5c, 0xf7, 0xad, 0x22}; /* T_A1 + 3601 */
	assert_memory_equal(out + 12, stamp, 4);
	/* from more than 5 minutes in the future: not valid */
	assert_int_equal(serve(&s, a1_server, "198.51.100.100", T_A1 - 301, out), DNS_COOKIE_CLIENT);
	assert_int_equal(serve(&s, a1_server, "198.51.100.100", T_A1 - 299, out), DNS_COOKIE_VALID);
	/* another client address, or one hash bit changed: not valid */
	assert_int_equal(serve(&s, a1_server, "198.51.100.101", T_A1, out), DNS_COOKIE_CLIENT);
	memcpy(forged, a1_server, 16);
	forged[15] ^= 1;
	assert_int_equal(serve(&s, forged, "198.51.100.100", T_A1, out), DNS_COOKIE_CLIENT);
	assert_memory_equal(out + 8, a1_server, 16); /* the real one comes back */
	/* another version */
	memcpy(forged, a1_server, 16);
	forged[0] = 2;
	assert_int_equal(serve(&s, forged, "198.51.100.100", T_A1, out), DNS_COOKIE_CLIENT);
	/* a server cookie of another length (some other server's): not ours */
	uint8_t opt[16];
	bool ok;
	memcpy(opt, client_cookie, 8);
	memcpy(opt + 8, a1_server, 8);
	struct sockaddr_in sin = client4("198.51.100.100");
	assert_int_equal(dns_cookie_server(&s, opt, 16, (struct sockaddr *)&sin, T_A1, out, &ok),
	                 DNS_COOKIE_CLIENT);
	dns_cookie_secrets_destroy(&s);
}

/* A rotation: cookies of the previous secret stay valid, and are replaced. */
static void test_rotation(void **state)
{
	(void)state;
	dns_cookie_secrets_t s;
	uint8_t out[24];
	assert_int_equal(dns_cookie_secrets_init(&s, other_secret, secret, false), DNS_OK);
	assert_int_equal(serve(&s, a1_server, "198.51.100.100", T_A1 + 10, out), DNS_COOKIE_VALID);
	assert_memory_not_equal(out + 8, a1_server, 16);
	uint8_t renewed[16];
	memcpy(renewed, out + 8, 16);
	assert_int_equal(serve(&s, renewed, "198.51.100.100", T_A1 + 20, out), DNS_COOKIE_VALID);
	assert_memory_equal(out + 8, renewed, 16);
	dns_cookie_secrets_destroy(&s);
	/* without the previous secret, the old cookie is no longer valid */
	assert_int_equal(dns_cookie_secrets_init(&s, other_secret, NULL, false), DNS_OK);
	assert_int_equal(serve(&s, a1_server, "198.51.100.100", T_A1 + 10, out), DNS_COOKIE_CLIENT);
	dns_cookie_secrets_destroy(&s);
}

static void test_secret_parse(void **state)
{
	(void)state;
	uint8_t out[16];
	assert_int_equal(dns_cookie_secret_parse("e5e973e5a6b2a43f48e7dc849e37bfcf", out), DNS_OK);
	assert_memory_equal(out, secret, 16);
	assert_int_equal(dns_cookie_secret_parse("E5E973E5A6B2A43F48E7DC849E37BFCF", out), DNS_OK);
	assert_memory_equal(out, secret, 16);
	assert_int_equal(dns_cookie_secret_parse("e5e973e5a6b2a43f48e7dc849e37bfc", out), DNS_EINVAL);
	assert_int_equal(dns_cookie_secret_parse("e5e973e5a6b2a43f48e7dc849e37bfcfa0", out),
	                 DNS_EINVAL);
	assert_int_equal(dns_cookie_secret_parse("x5e973e5a6b2a43f48e7dc849e37bfcf", out), DNS_EINVAL);
}

/* ---- through dns_answer ---- */

static dns_zoneset_t *zones;
static uint8_t resp[65535];

static int setup(void **state)
{
	(void)state;
	uint8_t o[DNS_NAME_MAX], w[DNS_NAME_MAX];
	size_t len;
	dns_name_from_text(o, &len, "example.com.", 12, NULL);
	dns_name_from_text(w, &len, "www.example.com.", 16, NULL);
	dns_zone_builder_t *b = dns_zone_builder_new(o, DNS_CLASS_IN);
	static const uint8_t soa[] = "\3ns1\7example\3com\0\4host\7example\3com\0"
	                             "\0\0\0\1\0\0\x0e\x10\0\0\x02\x58\0\x01\x51\x80\0\0\x01\x2c";
	dns_rr_t rr = {o, DNS_TYPE_SOA, DNS_CLASS_IN, 3600, sizeof(soa) - 1, soa};
	assert_int_equal(dns_zone_builder_add(b, &rr), DNS_OK);
	dns_rr_t a = {w, DNS_TYPE_A, DNS_CLASS_IN, 3600, 4, (const uint8_t *)"\xc0\0\2\1"};
	assert_int_equal(dns_zone_builder_add(b, &a), DNS_OK);
	dns_zone_t *z;
	assert_int_equal(dns_zone_builder_finish(b, &z), DNS_OK);
	zones = dns_zoneset_new(&z, 1);
	dns_zone_unref(z);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	dns_zoneset_free(zones);
	return 0;
}

/* www.example.com. A with an OPT carrying COOKIE option data @c (@clen bytes). */
static size_t cookie_query(uint8_t *q, const uint8_t *c, size_t clen)
{
	static const uint8_t head[] = {0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1,
	                               3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e',
	                               3, 'c', 'o', 'm', 0, 0, 1, 0, 1,
	                               0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0};
	size_t len = sizeof(head);
	memcpy(q, head, len);
	dns_put16(q + len, (uint16_t)(4 + clen));
	dns_put16(q + len + 2, DNS_EDNS_COOKIE);
	dns_put16(q + len + 4, (uint16_t)clen);
	memcpy(q + len + 6, c, clen);
	return len + 6 + clen;
}

/* Answer @q; the response's rcode (extended), answer count and its cookie. */
static unsigned answer(const dns_answer_opts_t *o, const uint8_t *q, size_t ql,
                       dns_transport_t tr, dns_answer_info_t *info, unsigned *ancount,
                       uint8_t cookie[24])
{
	struct sockaddr_in sin = client4("198.51.100.100");
	size_t len;
	assert_int_equal(dns_answer(zones, q, ql, tr, (struct sockaddr *)&sin, o, resp, sizeof(resp),
	                            &len, info),
	                 DNS_OK);
	dns_msg_t m;
	assert_int_equal(dns_msg_parse(&m, resp, len), DNS_OK);
	*ancount = m.count[DNS_SEC_ANSWER];
	unsigned rcode = dns_flags_rcode(m.flags);
	memset(cookie, 0, 24);
	if (m.opt) {
		dns_edns_t e;
		const uint8_t *data;
		uint16_t clen;
		assert_int_equal(dns_edns_parse(&m.opt->rr, &e), DNS_OK);
		rcode |= (unsigned)e.ext_rcode << 4;
		if (dns_edns_option_find(&e, DNS_EDNS_COOKIE, &data, &clen)) {
			assert_int_equal(clen, 24);
			memcpy(cookie, data, 24);
		}
		assert_int_equal(info->opt_off, m.opt->offset);
	}
	dns_msg_free(&m);
	return rcode;
}

static void test_answer_cookies(void **state)
{
	(void)state;
	dns_cookie_secrets_t s, req;
	assert_int_equal(dns_cookie_secrets_init(&s, secret, NULL, false), DNS_OK);
	assert_int_equal(dns_cookie_secrets_init(&req, secret, NULL, true), DNS_OK);
	dns_answer_opts_t o = {.cookies = &s, .now = T_A1};
	dns_answer_opts_t strict = {.cookies = &req, .now = T_A1};
	uint8_t q[512], c[24], full[24];
	unsigned an;
	dns_answer_info_t info;

	/* a client cookie alone: answered, with the new server cookie */
	size_t ql = cookie_query(q, client_cookie, 8);
	assert_int_equal(answer(&o, q, ql, DNS_TRANSPORT_UDP, &info, &an, c), DNS_RCODE_NOERROR);
	assert_int_equal(an, 1);
	assert_int_equal(info.cookie, DNS_COOKIE_CLIENT);
	assert_memory_equal(c + 8, a1_server, 16);
	/* required: BADCOOKIE over UDP, the cookie to retry with, no data */
	assert_int_equal(answer(&strict, q, ql, DNS_TRANSPORT_UDP, &info, &an, c),
	                 DNS_RCODE_BADCOOKIE);
	assert_int_equal(an, 0);
	assert_memory_equal(c + 8, a1_server, 16);
	assert_int_equal(info.rcode, DNS_RCODE_BADCOOKIE);
	/* ... but answered over TCP */
	assert_int_equal(answer(&strict, q, ql, DNS_TRANSPORT_TCP, &info, &an, c), DNS_RCODE_NOERROR);
	assert_int_equal(an, 1);
	/* the retry with the server cookie is answered */
	memcpy(full, client_cookie, 8);
	memcpy(full + 8, a1_server, 16);
	ql = cookie_query(q, full, 24);
	assert_int_equal(answer(&strict, q, ql, DNS_TRANSPORT_UDP, &info, &an, c), DNS_RCODE_NOERROR);
	assert_int_equal(an, 1);
	assert_int_equal(info.cookie, DNS_COOKIE_VALID);
	/* a forged server cookie: answered normally with a real one (RFC 7873
	 * §5.2.4), or BADCOOKIE when cookies are required */
	full[20] ^= 0x55;
	ql = cookie_query(q, full, 24);
	assert_int_equal(answer(&o, q, ql, DNS_TRANSPORT_UDP, &info, &an, c), DNS_RCODE_NOERROR);
	assert_int_equal(info.cookie, DNS_COOKIE_CLIENT);
	assert_memory_equal(c + 8, a1_server, 16);
	assert_int_equal(answer(&strict, q, ql, DNS_TRANSPORT_UDP, &info, &an, c),
	                 DNS_RCODE_BADCOOKIE);
	/* a malformed option (client cookie + 3 bytes): FORMERR (RFC 7873 §5.2.2) */
	ql = cookie_query(q, full, 11);
	size_t len;
	assert_int_equal(dns_answer(zones, q, ql, DNS_TRANSPORT_UDP, NULL, &o, resp, sizeof(resp),
	                            &len, &info),
	                 DNS_OK);
	assert_int_equal(dns_flags_rcode(dns_get16(resp + 2)), DNS_RCODE_FORMERR);
	/* no cookie option: answered, even when required */
	ql = cookie_query(q, full, 0) - 4; /* the OPT without options */
	dns_put16(q + ql - 2, 0);
	assert_int_equal(answer(&strict, q, ql, DNS_TRANSPORT_UDP, &info, &an, c), DNS_RCODE_NOERROR);
	assert_int_equal(an, 1);
	assert_int_equal(info.cookie, DNS_COOKIE_NONE);
	dns_cookie_secrets_destroy(&s);
	dns_cookie_secrets_destroy(&req);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_secret_parse),
		cmocka_unit_test(test_answer_cookies),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
