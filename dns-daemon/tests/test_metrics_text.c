/*
 * test_metrics_text.c - label values escaped per the Prometheus text
 * format, read back by a strict reader; sample lines; build info; the
 * request and refusal counters.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dns/metrics_text.h"
#include "dns/msg.h"
#include "dns/req_metrics.h"
#include "dns/rrtype.h"

/* The text format's reader: \\ \" \n are the only escapes; a raw quote or
 * newline ends the value (an error here).  Returns false on any error. */
static bool unescape(const char *in, char *out, size_t cap)
{
	size_t o = 0;
	for (const char *p = in; *p; p++) {
		char c = *p;
		if (c == '"' || c == '\n')
			return false;
		if (c == '\\') {
			p++;
			if (*p == '\\' || *p == '"')
				c = *p;
			else if (*p == 'n')
				c = '\n';
			else
				return false;
		}
		if (o + 1 >= cap)
			return false;
		out[o++] = c;
	}
	out[o] = 0;
	return true;
}

static void roundtrip(const char *v)
{
	char esc[512], back[512];
	size_t n = dns_metrics_label_buf(esc, sizeof(esc), v);
	assert_int_equal(n, strlen(esc));
	assert_true(unescape(esc, back, sizeof(back)));
	assert_string_equal(back, v);
}

static void test_escape(void **state)
{
	(void)state;
	char esc[128];
	dns_metrics_label_buf(esc, sizeof(esc), "a\\b\"c\nd");
	assert_string_equal(esc, "a\\\\b\\\"c\\nd");
	roundtrip("example.com");
	roundtrip("we\\\"ird\n.example");
	roundtrip("tab\there");
	roundtrip("caf\xc3\xa9.example");          /* valid UTF-8 kept as is */
	roundtrip("\xf0\x9f\x98\x80");              /* 4-byte sequence */
	roundtrip("");
	/* invalid UTF-8: each bad byte becomes U+FFFD, the scrape stays valid */
	dns_metrics_label_buf(esc, sizeof(esc), "a\xff" "b\xc3");
	assert_string_equal(esc, "a\xEF\xBF\xBD" "b\xEF\xBF\xBD");
	dns_metrics_label_buf(esc, sizeof(esc), "\xed\xa0\x80"); /* a surrogate */
	assert_string_equal(esc, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
	/* a short buffer: truncated, NUL-terminated, the length needed returned */
	char small[4];
	assert_int_equal(dns_metrics_label_buf(small, sizeof(small), "\"\"\""), 6);
	assert_string_equal(small, "\\\"\\");
}

static char *capture(void (*fn)(FILE *, void *), void *arg)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	fn(f, arg);
	fclose(f);
	return text;
}

static void samples(FILE *f, void *arg)
{
	(void)arg;
	dns_metrics_u64(f, "dns_x_total", 3, NULL);
	dns_metrics_u64(f, "dns_zone_serial", 2026010101, "zone", "a\"b\\c\nd", NULL);
	dns_metrics_u64(f, "dns_t", 1, "a", "1", "b", "2", NULL);
	dns_metrics_f64(f, "dns_s", 0.25, NULL);
	dns_metrics_build_info(f, "dns-test");
}

static void test_samples(void **state)
{
	(void)state;
	char *t = capture(samples, NULL);
	assert_non_null(strstr(t, "dns_x_total 3\n"));
	assert_non_null(strstr(t, "dns_zone_serial{zone=\"a\\\"b\\\\c\\nd\"} 2026010101\n"));
	assert_non_null(strstr(t, "dns_t{a=\"1\",b=\"2\"} 1\n"));
	assert_non_null(strstr(t, "dns_s 0.25\n"));
	assert_non_null(strstr(t, "# TYPE dns_build_info gauge\n"));
	char want[128];
	snprintf(want, sizeof(want), "dns_build_info{version=\"%s\",program=\"dns-test\"} 1\n",
	         dns_suite_version());
	assert_non_null(strstr(t, want));
	assert_string_not_equal(dns_suite_version(), "unknown");
	free(t);
}

static void write_req(FILE *f, void *arg)
{
	dns_req_metrics_write(arg, f);
}

/* UPDATE and NOTIFY are counted by opcode, not as SOA queries; refusals
 * by reason, every reason listed. */
static void test_req_metrics(void **state)
{
	(void)state;
	dns_req_metrics_t *m = dns_req_metrics_new(2);
	assert_non_null(m);
	dns_req_metrics_answered(m, 0, DNS_OPCODE_QUERY, DNS_TYPE_A, DNS_RCODE_NOERROR, false);
	dns_req_metrics_answered(m, 1, DNS_OPCODE_QUERY, DNS_TYPE_A, DNS_RCODE_NOERROR, false);
	dns_req_metrics_answered(m, 1, DNS_OPCODE_QUERY, DNS_TYPE_AXFR, DNS_RCODE_NOERROR, true);
	dns_req_metrics_answered(m, 0, DNS_OPCODE_UPDATE, DNS_TYPE_SOA, DNS_RCODE_REFUSED, false);
	dns_req_metrics_answered(m, 0, DNS_OPCODE_NOTIFY, DNS_TYPE_SOA, DNS_RCODE_NOERROR, false);
	dns_req_metrics_answered(m, 0, 3, 0, DNS_RCODE_NOTIMP, false);
	dns_req_metrics_answered(m, 9, DNS_OPCODE_QUERY, DNS_TYPE_A, 0, false); /* no such worker */
	dns_req_metrics_refused(m, DNS_REFUSAL_UNSIGNED);
	dns_req_metrics_refused(m, DNS_REFUSAL_BADSIG);
	dns_req_metrics_refused(m, DNS_REFUSAL_BADSIG);
	char *t = capture(write_req, m);
	assert_non_null(strstr(t, "dns_queries_total{type=\"A\",rcode=\"NOERROR\",transport=\"udp\"} 2\n"));
	assert_non_null(strstr(t, "dns_queries_total{type=\"AXFR\",rcode=\"NOERROR\",transport=\"tcp\"} 1\n"));
	assert_null(strstr(t, "dns_queries_total{type=\"SOA\""));
	assert_non_null(strstr(t, "dns_requests_total{opcode=\"QUERY\",rcode=\"NOERROR\",transport=\"udp\"} 2\n"));
	assert_non_null(strstr(t, "dns_requests_total{opcode=\"UPDATE\",rcode=\"REFUSED\",transport=\"udp\"} 1\n"));
	assert_non_null(strstr(t, "dns_requests_total{opcode=\"NOTIFY\",rcode=\"NOERROR\",transport=\"udp\"} 1\n"));
	assert_non_null(strstr(t, "dns_requests_total{opcode=\"OTHER\",rcode=\"NOTIMP\",transport=\"udp\"} 1\n"));
	assert_non_null(strstr(t, "dns_requests_refused_total{reason=\"unsigned\"} 1\n"));
	assert_non_null(strstr(t, "dns_requests_refused_total{reason=\"badsig\"} 2\n"));
	assert_non_null(strstr(t, "dns_requests_refused_total{reason=\"acl\"} 0\n"));
	for (unsigned r = 1; r < DNS_REFUSAL_COUNT; r++) {
		char want[96];
		snprintf(want, sizeof(want), "dns_requests_refused_total{reason=\"%s\"}",
		         dns_refusal_name((dns_refusal_t)r));
		assert_non_null(strstr(t, want));
	}
	free(t);
	dns_req_metrics_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_samples),
		cmocka_unit_test(test_req_metrics),
	};
	return cmocka_run_group_tests_name("metrics_text", tests, NULL, NULL);
}
