/*
 * test_query_log.c - the query log's line: the fields an operator greps
 * for, from real message bytes, and the file it appends to.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dns/query_log.h"

/* www.example.com A IN, RD, with OPT (4096, DO) */
static const uint8_t query[] = {
	0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1,
	3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
	0, 1, 0, 1,
	0, 0, 41, 0x10, 0x00, 0, 0, 0x80, 0x00, 0, 0,
};

/* its answer header: QR AA RD, NXDOMAIN, the question */
static const uint8_t answer[] = {
	0x12, 0x34, 0x85, 0x03, 0, 1, 0, 0, 0, 0, 0, 0,
	3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
	0, 1, 0, 1,
};

/* UPDATE of zone "we\"ird." (a quote in a label) */
static const uint8_t update[] = {
	0xab, 0xcd, 0x28, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
	6, 'w', 'e', '"', 'i', 'r', 'd', 0, 0, 6, 0, 1,
};

static struct sockaddr_in peer(void)
{
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(40123);
	inet_pton(AF_INET, "192.0.2.7", &sa.sin_addr);
	return sa;
}

static void test_fields(void **state)
{
	(void)state;
	struct sockaddr_in sa = peer();
	char line[2048];
	size_t n = dns_query_log_format(line, sizeof(line), 1700000000123ull,
	                                (struct sockaddr *)&sa, false, query, sizeof(query), answer,
	                                sizeof(answer));
	assert_int_equal(n, strlen(line));
	assert_string_equal(line, "ts=2023-11-14T22:13:20.123Z client=192.0.2.7 port=40123 proto=udp "
	                          "id=4660 opcode=QUERY qname=www.example.com. qtype=A edns=4096 do=1 "
	                          "rcode=NXDOMAIN flags=qr,aa,rd qsize=44 size=33");
}

static void test_unanswered_and_odd_names(void **state)
{
	(void)state;
	struct sockaddr_in sa = peer();
	char line[2048];
	dns_query_log_format(line, sizeof(line), 0, (struct sockaddr *)&sa, true, update,
	                     sizeof(update), NULL, 0);
	assert_non_null(strstr(line, " proto=tcp id=43981 opcode=UPDATE qname=\"we\\\\\\\"ird.\" qtype=SOA qsize=24 size=0"));
	assert_null(strstr(line, "rcode="));
	/* garbage: still one line, marked */
	uint8_t junk[5] = { 1, 2, 3, 4, 5 };
	dns_query_log_format(line, sizeof(line), 0, (struct sockaddr *)&sa, false, junk,
	                     sizeof(junk), NULL, 0);
	assert_non_null(strstr(line, " malformed=1 qsize=5 size=0"));
	/* a small buffer truncates, never overflows */
	char small[40];
	size_t n = dns_query_log_format(small, sizeof(small), 0, (struct sockaddr *)&sa, false,
	                                query, sizeof(query), answer, sizeof(answer));
	assert_true(n < sizeof(small));
	assert_int_equal(strlen(small), n);
}

static void test_file(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_query_log.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[128], err[256];
	snprintf(path, sizeof(path), "%s/q.log", dir);
	dns_query_log_t *q = dns_query_log_open(path, err, sizeof(err));
	assert_non_null(q);
	struct sockaddr_in sa = peer();
	for (int i = 0; i < 3; i++)
		dns_query_log_write(q, (struct sockaddr *)&sa, false, query, sizeof(query), answer,
		                    sizeof(answer));
	/* rotation: rename, reopen, the next line goes to the new file */
	char old[160];
	snprintf(old, sizeof(old), "%s.1", path);
	assert_int_equal(rename(path, old), 0);
	dns_query_log_reopen(q);
	dns_query_log_write(q, (struct sockaddr *)&sa, true, query, sizeof(query), answer,
	                    sizeof(answer));
	dns_query_log_close(q);
	char buf[4096];
	FILE *f = fopen(old, "r");
	assert_non_null(f);
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	unsigned lines = 0;
	for (char *p = buf; (p = strchr(p, '\n')); p++)
		lines++;
	assert_int_equal(lines, 3);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	assert_non_null(strstr(buf, "proto=tcp"));
	assert_int_equal(strchr(buf, '\n') - buf + 1, (long)n);
	unlink(path);
	unlink(old);
	rmdir(dir);
	assert_null(dns_query_log_open("/nonexistent-dir/q.log", err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent-dir/q.log"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_unanswered_and_odd_names),
		cmocka_unit_test(test_file),
	};
	return cmocka_run_group_tests_name("query_log", tests, NULL, NULL);
}
