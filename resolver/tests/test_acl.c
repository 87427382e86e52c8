/* test_acl.c - the --allow CIDR matcher: IPv4, IPv6, IPv4-mapped IPv6,
 * prefix boundaries, the loopback default and malformed prefixes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cmocka.h>

#include "acl.h"

static bool match(const res_acl_t *acl, const char *addr)
{
	struct sockaddr_in a4;
	struct sockaddr_in6 a6;
	memset(&a4, 0, sizeof a4);
	memset(&a6, 0, sizeof a6);
	if (inet_pton(AF_INET, addr, &a4.sin_addr) == 1) {
		a4.sin_family = AF_INET;
		return res_acl_match(acl, (const struct sockaddr *)&a4);
	}
	assert_int_equal(inet_pton(AF_INET6, addr, &a6.sin6_addr), 1);
	a6.sin6_family = AF_INET6;
	return res_acl_match(acl, (const struct sockaddr *)&a6);
}

static void test_ipv4(void **state)
{
	(void)state;
	static res_acl_t acl;
	memset(&acl, 0, sizeof acl);
	assert_true(res_acl_add(&acl, "192.0.2.77/25"));   /* host bits are ignored */
	assert_true(res_acl_add(&acl, "198.51.100.9"));    /* no prefix: one host */
	assert_true(match(&acl, "192.0.2.0"));
	assert_true(match(&acl, "192.0.2.127"));
	assert_false(match(&acl, "192.0.2.128"));
	assert_false(match(&acl, "192.0.3.1"));
	assert_true(match(&acl, "198.51.100.9"));
	assert_false(match(&acl, "198.51.100.8"));
	/* A dual-stack socket reports IPv4 clients as ::ffff:a.b.c.d. */
	assert_true(match(&acl, "::ffff:192.0.2.5"));
	assert_false(match(&acl, "::ffff:192.0.2.200"));
	assert_false(match(&acl, "2001:db8::1"));
}

static void test_ipv6(void **state)
{
	(void)state;
	static res_acl_t acl;
	memset(&acl, 0, sizeof acl);
	assert_true(res_acl_add(&acl, "2001:db8:a::/47"));
	assert_true(match(&acl, "2001:db8:a::1"));
	assert_true(match(&acl, "2001:db8:b:ffff::1"));
	assert_false(match(&acl, "2001:db8:c::1"));
	assert_false(match(&acl, "192.0.2.1"));
	assert_true(res_acl_add(&acl, "0.0.0.0/0"));
	assert_true(match(&acl, "203.0.113.1"));
	assert_false(match(&acl, "2001:db9::1"));
	assert_true(res_acl_add(&acl, "::/0"));
	assert_true(match(&acl, "2001:db9::1"));
}

static void test_loopback_default(void **state)
{
	(void)state;
	static res_acl_t acl;
	memset(&acl, 0, sizeof acl);
	assert_false(match(&acl, "127.0.0.1"));            /* empty list: nobody */
	res_acl_add_loopback(&acl);
	assert_true(match(&acl, "127.0.0.1"));
	assert_true(match(&acl, "127.53.1.2"));
	assert_true(match(&acl, "::1"));
	assert_true(match(&acl, "::ffff:127.0.0.1"));
	assert_false(match(&acl, "128.0.0.1"));
	assert_false(match(&acl, "::2"));
	assert_false(match(&acl, "10.0.0.1"));
}

static void test_malformed(void **state)
{
	(void)state;
	static res_acl_t acl;
	memset(&acl, 0, sizeof acl);
	const char *bad[] = {"", "10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/-1",
	                     "10.0.0.0/8x", "10.0.0", "example.com", "10.0.0.0/ 8",
	                     "1:2:3:4:5:6:7:8:9", "10.0.0.0/8/8"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_false(res_acl_add(&acl, bad[i]));
	assert_int_equal(acl.n, 0);
	for (int i = 0; i < RES_ACL_MAX; i++)
		assert_true(res_acl_add(&acl, "10.0.0.0/8"));
	assert_false(res_acl_add(&acl, "10.0.0.0/8"));     /* full */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_loopback_default),
		cmocka_unit_test(test_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
