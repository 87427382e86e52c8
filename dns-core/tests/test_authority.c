/* Unit tests for authority.c: what a key name permits (docs/repository.md). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dns/authority.h"
#include "dns/name.h"

/* A few rotating buffers: each check uses at most two names at once. */
static const uint8_t *N(const char *s)
{
	static uint8_t buf[4][DNS_NAME_MAX];
	static unsigned i;
	size_t len;
	uint8_t *out = buf[i++ % 4];
	assert_int_equal(dns_name_from_text(out, &len, s, strlen(s), NULL), DNS_OK);
	return out;
}

static bool auth(const char *key, dns_op_t op, const char *zone)
{
	uint8_t k[DNS_NAME_MAX];
	dns_name_copy(k, N(key));
	return dns_key_authorizes(k, op, N(zone));
}

static void test_nesting(void **state)
{
	/* update ⊇ transfer ⊇ notify */
	assert_true(auth("a._update.example.com.", DNS_OP_UPDATE, "example.com."));
	assert_true(auth("a._update.example.com.", DNS_OP_TRANSFER, "example.com."));
	assert_true(auth("a._update.example.com.", DNS_OP_NOTIFY, "example.com."));
	assert_false(auth("a._transfer.example.com.", DNS_OP_UPDATE, "example.com."));
	assert_true(auth("a._transfer.example.com.", DNS_OP_TRANSFER, "example.com."));
	assert_true(auth("a._transfer.example.com.", DNS_OP_NOTIFY, "example.com."));
	assert_false(auth("a._notify.example.com.", DNS_OP_UPDATE, "example.com."));
	assert_false(auth("a._notify.example.com.", DNS_OP_TRANSFER, "example.com."));
	assert_true(auth("a._notify.example.com.", DNS_OP_NOTIFY, "example.com."));
}

static void test_no_operation_label(void **state)
{
	assert_false(auth("key.example.com.", DNS_OP_NOTIFY, "example.com."));
	assert_false(auth("_updates.example.com.", DNS_OP_NOTIFY, "example.com."));
	assert_false(auth("update.example.com.", DNS_OP_NOTIFY, "example.com."));
	dns_op_t op;
	const uint8_t *zone;
	assert_int_equal(dns_key_operation(N("x.example."), &op, &zone), DNS_ENOTFOUND);
	assert_int_equal(dns_key_operation(N("."), &op, &zone), DNS_ENOTFOUND);
}

static void test_rightmost_decides(void **state)
{
	/* _update further left does not count: the key only notifies example. */
	assert_false(auth("a._update.x._notify.example.", DNS_OP_UPDATE, "x._notify.example."));
	assert_false(auth("a._update.x._notify.example.", DNS_OP_TRANSFER, "example."));
	assert_true(auth("a._update.x._notify.example.", DNS_OP_NOTIFY, "example."));
	/* ... and the other way round. */
	assert_true(auth("a._notify.b._update.example.", DNS_OP_UPDATE, "example."));
	dns_op_t op;
	const uint8_t *zone;
	assert_int_equal(dns_key_operation(N("a._update.x._notify.example."), &op, &zone), DNS_OK);
	assert_int_equal(op, DNS_OP_NOTIFY);
	assert_memory_equal(zone, "\7example", 9);
}

static void test_case_insensitive(void **state)
{
	assert_true(auth("a._UPDATE.Example.COM.", DNS_OP_UPDATE, "example.com."));
	assert_true(auth("a._Transfer.example.com.", DNS_OP_TRANSFER, "EXAMPLE.com."));
}

static void test_root_zone(void **state)
{
	/* Operation label last: the root, i.e. every zone. */
	assert_true(auth("ops._update.", DNS_OP_UPDATE, "example.com."));
	assert_true(auth("ops._update.", DNS_OP_UPDATE, "."));
	assert_true(auth("ops._transfer.", DNS_OP_TRANSFER, "other.org."));
	assert_false(auth("ops._transfer.", DNS_OP_UPDATE, "other.org."));
	assert_true(auth("_notify.", DNS_OP_NOTIFY, "a.b.c."));
	dns_op_t op;
	const uint8_t *zone;
	assert_int_equal(dns_key_operation(N("ops._update."), &op, &zone), DNS_OK);
	assert_int_equal(op, DNS_OP_UPDATE);
	assert_true(dns_name_is_root(zone));
}

static void test_subdomains_and_other_zones(void **state)
{
	assert_true(auth("a._update.example.com.", DNS_OP_UPDATE, "sub.example.com."));
	assert_true(auth("a._update.example.com.", DNS_OP_UPDATE, "a.b.example.com."));
	/* parent, sibling, and a name that only ends with the same characters */
	assert_false(auth("a._update.example.com.", DNS_OP_UPDATE, "com."));
	assert_false(auth("a._update.example.com.", DNS_OP_UPDATE, "."));
	assert_false(auth("a._update.example.com.", DNS_OP_UPDATE, "example.org."));
	assert_false(auth("a._update.example.com.", DNS_OP_UPDATE, "badexample.com."));
	assert_false(auth("a._update.sub.example.com.", DNS_OP_UPDATE, "example.com."));
}

static void test_label_in_zone_name(void **state)
{
	/*
	 * A zone whose own name contains "_update": the rightmost operation
	 * label is that one, so the key's zone is only "example.".  A key
	 * "k._transfer._update.example." therefore updates example. and below.
	 */
	assert_true(auth("k._transfer._update.example.", DNS_OP_UPDATE, "example."));
	assert_true(auth("k._transfer._update.example.", DNS_OP_UPDATE, "_update.example."));
	/* The operation label must be a whole label. */
	assert_false(auth("k.x_update.example.", DNS_OP_NOTIFY, "example."));
	assert_false(auth("k._update_.example.", DNS_OP_NOTIFY, "example."));
}

static void test_transfer_addrs(void **state)
{
	uint8_t p[4], s[4];
	assert_int_equal(
	    dns_key_transfer_addrs(N("192.0.2.1.198.51.100.7._transfer.example.com."), p, s),
	    DNS_OK);
	assert_memory_equal(p, "\xc0\x00\x02\x01", 4);
	assert_memory_equal(s, "\xc6\x33\x64\x07", 4);
	/* More labels to the left are ignored: the 8 just left of _transfer count. */
	assert_int_equal(
	    dns_key_transfer_addrs(N("name.10.0.0.1.10.0.0.255._transfer.example."), p, s),
	    DNS_OK);
	assert_memory_equal(p, "\x0a\x00\x00\x01", 4);
	assert_memory_equal(s, "\x0a\x00\x00\xff", 4);
	/* Leading zeros are decimal, not octal. */
	assert_int_equal(dns_key_transfer_addrs(N("010.0.0.1.0.0.0.0._transfer."), p, s), DNS_OK);
	assert_int_equal(p[0], 10);
}

static void test_transfer_addrs_errors(void **state)
{
	uint8_t p[4], s[4];
	/* fewer than 8 labels */
	assert_int_equal(dns_key_transfer_addrs(N("1.2.3.4._transfer.example."), p, s),
	                 DNS_ENOTFOUND);
	/* not a transfer key */
	assert_int_equal(dns_key_transfer_addrs(N("1.2.3.4.5.6.7.8._update.example."), p, s),
	                 DNS_ENOTFOUND);
	/* _transfer is not the deciding label */
	assert_int_equal(
	    dns_key_transfer_addrs(N("1.2.3.4.5.6.7.8._transfer.x._notify.example."), p, s),
	    DNS_ENOTFOUND);
	assert_int_equal(dns_key_transfer_addrs(N("key.example."), p, s), DNS_ENOTFOUND);
	/* malformed octets */
	assert_int_equal(dns_key_transfer_addrs(N("1.2.3.256.5.6.7.8._transfer.example."), p, s),
	                 DNS_ESYNTAX);
	assert_int_equal(dns_key_transfer_addrs(N("1.2.3.4.5.6.7.a._transfer.example."), p, s),
	                 DNS_ESYNTAX);
	assert_int_equal(dns_key_transfer_addrs(N("1.2.3.4.5.6.7.0001._transfer.example."), p, s),
	                 DNS_ESYNTAX);
	assert_int_equal(dns_key_transfer_addrs(N("1.2.3.4.5.6.7.-1._transfer.example."), p, s),
	                 DNS_ESYNTAX);
	assert_int_equal(dns_key_transfer_addrs(N("x.2.3.4.5.6.7.8._transfer.example."), p, s),
	                 DNS_ESYNTAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_no_operation_label),
		cmocka_unit_test(test_rightmost_decides),
		cmocka_unit_test(test_case_insensitive),
		cmocka_unit_test(test_root_zone),
		cmocka_unit_test(test_subdomains_and_other_zones),
		cmocka_unit_test(test_label_in_zone_name),
		cmocka_unit_test(test_transfer_addrs),
		cmocka_unit_test(test_transfer_addrs_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
