/*
 * test_notify_out.c - the NOTIFY targets of dns-secondary, from command
 * lines: --notify per zone and for every zone, the secondary address of
 * <primary-ip>.<secondary-ip>._transfer.<zone> keys when <primary-ip> is
 * ours, the key each target is signed with, duplicates and ourselves
 * left out.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "notify_out.h"

#define SECRET ":hmac-sha256:vRC0tsGj8S0AAPEQR93HZHi8msv7R71QIphQdqA8FdE="

static sec_config_t cfg;

static void parse(int argc, const char **argv)
{
	char err[256] = "";
	sec_config_status_t st = sec_config_parse(&cfg, argc, (char **)argv, err, sizeof err);
	if (st != SEC_CONFIG_OK)
		print_error("parse: %s\n", err);
	assert_int_equal(st, SEC_CONFIG_OK);
}

static int teardown(void **state)
{
	(void)state;
	sec_config_free(&cfg);
	return 0;
}

/* "a.b.c.d#port" of target @i. */
static const char *text(const sec_ntarget_t *t)
{
	static char buf[64];
	dns_notify_target_text(&t->t, buf, sizeof buf);
	return buf;
}

/* The key name of target @t as text, "" when unsigned. */
static const char *key_text(const sec_ntarget_t *t)
{
	static char buf[DNS_NAME_TEXT_MAX];
	buf[0] = '\0';
	if (t->key)
		dns_name_to_text(t->key->name, buf, sizeof buf);
	return buf;
}

static void per_zone_and_global(void **state)
{
	(void)state;
	const char *argv[] = { "dns-secondary", "--notify", "192.0.2.1:5301", "--zone",
		               "example.com", "--primary", "192.0.2.53", "--notify", "192.0.2.2",
		               "--zone", "example.org", "--primary", "192.0.2.53",
		               "--listen", "127.0.0.1:5300" };
	parse(sizeof argv / sizeof *argv, argv);
	assert_int_equal(cfg.nnotify, 2);
	sec_ntarget_t t[8];
	size_t n = sec_notify_targets(&cfg, 0, t, 8);
	assert_int_equal(n, 2);
	assert_string_equal(text(&t[0]), "192.0.2.1#5301");
	assert_string_equal(text(&t[1]), "192.0.2.2#53");   /* port 53 by default */
	assert_null(t[0].key);                             /* no transfer key: unsigned */
	n = sec_notify_targets(&cfg, 1, t, 8);
	assert_int_equal(n, 1);                             /* only the global one */
	assert_string_equal(text(&t[0]), "192.0.2.1#5301");
	assert_int_equal(sec_notify_targets(&cfg, 2, t, 8), 0); /* no such zone */
	assert_int_equal(sec_notify_targets(&cfg, 0, t, 1), 1); /* capped */
}

static void from_key_names(void **state)
{
	(void)state;
	const char *argv[] = {
		"dns-secondary", "--zone", "example.com", "--primary", "192.0.2.53",
		"--listen", "127.0.0.1:5300", "--listen", "[::1]:5300",
		/* ours: 127.0.0.1 is a listen address */
		"--transfer-key", ("127.0.0.1.192.0.2.7._transfer.example.com" SECRET),
		/* not ours: another primary's secondary */
		"--transfer-key", ("10.0.0.1.192.0.2.8._transfer.example.com" SECRET),
		/* another zone */
		"--transfer-key", ("127.0.0.1.192.0.2.9._transfer.example.org" SECRET),
		/* a plain transfer key: signs the targets without a key of their own */
		"--transfer-key", ("down._transfer.example.com" SECRET),
		"--notify", "192.0.2.7",       /* same as the key's target: once */
		"--notify", "192.0.2.10:5301", /* signed with the first zone key */
		"--notify", "127.0.0.1:5300",  /* ourselves: never */
	};
	parse(sizeof argv / sizeof *argv, argv);
	sec_ntarget_t t[8];
	size_t n = sec_notify_targets(&cfg, 0, t, 8);
	assert_int_equal(n, 2);
	assert_string_equal(text(&t[0]), "192.0.2.7#53");
	assert_string_equal(key_text(&t[0]), "127.0.0.1.192.0.2.7._transfer.example.com.");
	assert_string_equal(text(&t[1]), "192.0.2.10#5301");
	/* no key names 192.0.2.10: any transfer key of the zone (the first) */
	assert_string_equal(key_text(&t[1]), "127.0.0.1.192.0.2.7._transfer.example.com.");
}

static void wildcard_listen(void **state)
{
	(void)state;
	const char *argv[] = {
		"dns-secondary", "--zone", "example.com", "--primary", "192.0.2.53",
		"--listen", "0.0.0.0:53",
		"--transfer-key", ("10.0.0.1.192.0.2.8._transfer.example.com" SECRET),
	};
	parse(sizeof argv / sizeof *argv, argv);
	sec_ntarget_t t[8];
	size_t n = sec_notify_targets(&cfg, 0, t, 8);
	assert_int_equal(n, 1);
	assert_string_equal(text(&t[0]), "192.0.2.8#53");
	assert_string_equal(key_text(&t[0]), "10.0.0.1.192.0.2.8._transfer.example.com.");
}

static void key_choice(void **state)
{
	(void)state;
	const char *argv[] = {
		"dns-secondary", "--zone", "example.com", "--primary", "192.0.2.53",
		"--listen", "127.0.0.1:5300",
		"--transfer-key", ("a._transfer.example.com" SECRET),
		"--transfer-key", ("1.2.3.4.192.0.2.7._transfer.com" SECRET),  /* parent zone */
		"--transfer-key", ("b._notify.example.com" SECRET),            /* no transfer */
	};
	parse(sizeof argv / sizeof *argv, argv);
	struct sockaddr_in sin = { .sin_family = AF_INET };
	inet_pton(AF_INET, "192.0.2.7", &sin.sin_addr);
	static const uint8_t zone[] = { 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0 };
	const dns_tsig_key_t *k = sec_notify_key(&cfg, zone, (struct sockaddr *)&sin);
	assert_non_null(k);
	assert_ptr_equal(k, &cfg.xfr_keys[1]);           /* the one naming 192.0.2.7 */
	inet_pton(AF_INET, "192.0.2.99", &sin.sin_addr);
	assert_ptr_equal(sec_notify_key(&cfg, zone, (struct sockaddr *)&sin), &cfg.xfr_keys[0]);
	static const uint8_t other[] = { 3, 'o', 'r', 'g', 0 };
	assert_null(sec_notify_key(&cfg, other, (struct sockaddr *)&sin));
}

static void bad_notify(void **state)
{
	(void)state;
	const char *argv[] = { "dns-secondary", "--zone", "example.com", "--primary",
		               "192.0.2.53", "--notify", "not-an-address" };
	char err[256] = "";
	assert_int_equal(sec_config_parse(&cfg, 7, (char **)argv, err, sizeof err),
	                 SEC_CONFIG_ERROR);
	assert_non_null(strstr(err, "--notify"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(per_zone_and_global, teardown),
		cmocka_unit_test_teardown(from_key_names, teardown),
		cmocka_unit_test_teardown(wildcard_listen, teardown),
		cmocka_unit_test_teardown(key_choice, teardown),
		cmocka_unit_test_teardown(bad_notify, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
