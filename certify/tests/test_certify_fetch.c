/*
 * Unit tests of the blocking start-up call's edges (the flow itself is
 * tested in test_certify_flow.c, the whole against dns-primary-git in
 * tests/integration-certify): server addresses, option errors, an
 * unreachable server ending within the deadline, the renewal time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "certify_testlib.h"
#include "dns/certify.h"

#define KEY "host._update.example.com:sha256:A3IhOIxL8CMkD1Y2T8X7/6hUfeVxqLdRxCxHhfOoq0I="

static void test_parse_server(void **state)
{
	dns_net_addr_t a;
	char t[DNS_NET_ADDR_TEXT_MAX];
	static const struct { const char *in; uint16_t port; const char *out; } ok[] = {
		{"192.0.2.1", 0, "192.0.2.1:53"},
		{"192.0.2.1", 5300, "192.0.2.1:5300"},
		{"192.0.2.1:8053", 5300, "192.0.2.1:8053"},
		{"2001:db8::1", 0, "[2001:db8::1]:53"},
		{"[2001:db8::1]:5353", 0, "[2001:db8::1]:5353"},
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(dns_certify_parse_server(ok[i].in, ok[i].port, &a), DNS_OK);
		assert_string_equal(dns_net_addr_format((struct sockaddr *)&a.ss, t, sizeof(t)), ok[i].out);
	}
	static const char *const bad[] = {"", "ns1.example.com", "192.0.2.1:", "[::1]", "1.2.3.4:99999"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_not_equal(dns_certify_parse_server(bad[i], 0, &a), DNS_OK);
}

static void test_usage_errors(void **state)
{
	STACK_OF(X509) *chain;
	EVP_PKEY *key;
	static dns_certify_error_t err;
	dns_certify_opts_t o = {.server = "127.0.0.1", .dns_key = KEY, .hostname = "www.example.com"};
	time_t dl = time(NULL) + 5;
	o.dns_key = "no-secret";
	assert_int_equal(dns_certify_fetch(&o, dl, &chain, &key, &err), DNS_CERTIFY_E_USAGE);
	assert_non_null(strstr(err.message, "DNS key"));
	o.dns_key = KEY;
	o.hostname = "bad name";
	assert_int_equal(dns_certify_fetch(&o, dl, &chain, &key, &err), DNS_CERTIFY_E_USAGE);
	o.hostname = "www.example.org";
	assert_int_equal(dns_certify_fetch(&o, dl, &chain, &key, &err), DNS_CERTIFY_E_USAGE);
	assert_non_null(strstr(err.message, "not in zone example.com."));
	o.hostname = "www.example.com";
	o.key_type = DNS_CERTIFY_KEY_RSA;
	o.bits = 1024;
	assert_int_equal(dns_certify_fetch(&o, dl, &chain, &key, &err), DNS_CERTIFY_E_USAGE);
	o.bits = 0;
	o.key_type = DNS_CERTIFY_KEY_P256;
	o.ca_file = "/nonexistent/ca.pem";
	assert_int_equal(dns_certify_fetch(&o, dl, &chain, &key, &err), DNS_CERTIFY_E_USAGE);
	assert_null(chain);
	assert_null(key);
}

static void test_unreachable_within_deadline(void **state)
{
	/* a port nothing listens on */
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sa);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&sa, &sl), 0);
	close(s);
	char server[32];
	snprintf(server, sizeof(server), "127.0.0.1:%u", ntohs(sa.sin_port));
	dns_certify_opts_t o = {.server = server, .dns_key = KEY, .hostname = "www.example.com",
	                        .seed = "s", .seed_len = 1};
	STACK_OF(X509) *chain;
	EVP_PKEY *key;
	static dns_certify_error_t err;
	time_t start = time(NULL);
	assert_int_equal(dns_certify_fetch(&o, start + 2, &chain, &key, &err), DNS_CERTIFY_E_UNREACHABLE);
	assert_non_null(strstr(err.message, "Connection refused"));
	assert_true(time(NULL) - start <= 4);   /* a liveness bound around the 2 s deadline */
}

static void test_renew_at(void **state)
{
	int64_t now = time(NULL);
	tl_ca_t ca;
	tl_ca_init(&ca, now);
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *x = tl_ee(&ca, k, "a.example.com", "DNS:a.example.com", now, now + 90 * 86400);
	assert_int_equal(dns_certify_renew_at(x, 0), now + 60 * 86400);
	assert_int_equal(dns_certify_renew_at(x, 86400), now + 89 * 86400);
	X509_free(x);
	EVP_PKEY_free(k);
	tl_ca_free(&ca);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_server),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_unreachable_within_deadline),
		cmocka_unit_test(test_renew_at),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
