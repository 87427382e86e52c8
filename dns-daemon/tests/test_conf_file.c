/*
 * Unit tests of the --config file parser (conf_file.c): the accepted
 * forms of a line, comments and blank lines, and the errors with their
 * line numbers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dns/conf_file.h"

static void parse_ok(const char *text, dns_conf_t *c)
{
	char err[256] = "";
	unsigned line = 99;
	if (dns_conf_parse(text, strlen(text), c, &line, err, sizeof(err)) != DNS_OK)
		fail_msg("refused (line %u): %s", line, err);
	assert_int_equal(line, 0);
}

static void check_item(const dns_conf_t *c, size_t i, const char *flag, const char *value,
                       unsigned line)
{
	assert_true(i < c->n);
	assert_string_equal(c->items[i].flag, flag);
	if (value == NULL)
		assert_null(c->items[i].value);
	else
		assert_string_equal(c->items[i].value, value);
	assert_int_equal(c->items[i].line, line);
}

static void test_forms(void **state)
{
	dns_conf_t c;
	parse_ok("# a comment\n"
	         "\n"
	         "--remote /srv/git/zones.git#main\n"
	         "listen 0.0.0.0:53\n"
	         "  listen=[::]:53  \n"
	         "\taxfr\t\n"
	         "   # indented comment\n"
	         "nsid   \"ns1 example\"  \n"
	         "--log-level=debug\r\n"
	         "empty=\n"
	         "last-line-without-newline x", &c);
	assert_int_equal(c.n, 8);
	check_item(&c, 0, "--remote", "/srv/git/zones.git#main", 3);   /* '#' in a value */
	check_item(&c, 1, "--listen", "0.0.0.0:53", 4);
	check_item(&c, 2, "--listen", "[::]:53", 5);
	check_item(&c, 3, "--axfr", NULL, 6);
	check_item(&c, 4, "--nsid", "ns1 example", 8);
	check_item(&c, 5, "--log-level", "debug", 9);
	check_item(&c, 6, "--empty", "", 10);
	check_item(&c, 7, "--last-line-without-newline", "x", 11);
	dns_conf_free(&c);
	parse_ok("", &c);
	assert_int_equal(c.n, 0);
	dns_conf_free(&c);
	parse_ok("\n\n   \n# only comments\n", &c);
	assert_int_equal(c.n, 0);
	dns_conf_free(&c);
}

static void parse_bad(const char *text, size_t len, unsigned want_line, const char *want)
{
	dns_conf_t c;
	char err[256] = "";
	unsigned line = 0;
	assert_int_not_equal(dns_conf_parse(text, len, &c, &line, err, sizeof(err)), DNS_OK);
	assert_int_equal(line, want_line);
	if (strstr(err, want) == NULL)
		fail_msg("error \"%s\" does not say \"%s\"", err, want);
	dns_conf_free(&c);
}

static void test_errors(void **state)
{
	parse_bad("listen 127.0.0.1:53\n-x 1\n", 24, 2, "\"-x\"");
	parse_bad("axfr\n\n---listen 1\n", 18, 3, "option name");
	parse_bad("--\n", 3, 1, "option name");
	parse_bad("listen:53\n", 10, 1, "\"listen:53\"");
	parse_bad("\"quoted\" x\n", 11, 1, "option name");
	parse_bad("axfr\nlisten 1\0x\n", 16, 2, "NUL");
	size_t n = DNS_CONF_LINE_MAX + 10;
	char *big = malloc(n + 8);
	assert_non_null(big);
	memcpy(big, "a\nnsid ", 7);
	memset(big + 7, 'x', n);
	parse_bad(big, n + 7, 2, "longer than");
	free(big);
}

static void test_read_file(void **state)
{
	char path[] = "/tmp/test_conf_file.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char *text = "workers 2\nbad:option\n";
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	dns_conf_t c;
	char err[512] = "", want[600];
	assert_int_equal(dns_conf_read(path, &c, err, sizeof(err)), DNS_ESYNTAX);
	snprintf(want, sizeof(want), "%s:2: ", path);
	assert_memory_equal(err, want, strlen(want));
	assert_int_equal(c.n, 0);
	unlink(path);
	assert_int_equal(dns_conf_read(path, &c, err, sizeof(err)), DNS_EIO);
	assert_non_null(strstr(err, "No such file"));
	assert_int_equal(dns_conf_read("/tmp", &c, err, sizeof(err)), DNS_EINVAL);
	assert_non_null(strstr(err, "not a regular file"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_read_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
