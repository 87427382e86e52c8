/*
 * Unit tests of the metrics endpoint (metrics_http.c) over loopback: the
 * answers to good and bad requests, the request-head deadline, and the
 * connection bound (a newcomer closes the oldest connection still sending
 * its request), with the endpoint's own counters in the exposition.
 * Waits are generous upper bounds, never speed claims.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dns/metrics_http.h"

#define WAIT_MS 5000

static void write_test(void *ctx, FILE *out)
{
	(void)ctx;
	fputs("# TYPE test_metric gauge\ntest_metric 1\n", out);
}

static struct sockaddr_storage g_addr;
static socklen_t g_len;

static dns_metrics_http_t *start(const dns_metrics_http_opts_t *opts)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	char err[256] = "";
	dns_metrics_http_t *h = dns_metrics_http_start_opts((struct sockaddr *)&a, sizeof a,
	                                                    write_test, NULL, opts, err, sizeof err);
	if (!h)
		fail_msg("start: %s", err);
	assert_true(dns_metrics_http_bound(h, &g_addr, &g_len));
	return h;
}

static int connect_one(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&g_addr, g_len), 0);
	return fd;
}

/* Everything the server sends until it closes (at most @cap - 1 bytes);
 * -1 if it does not close within WAIT_MS. */
static int read_all(int fd, char *buf, size_t cap)
{
	size_t got = 0;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, WAIT_MS) != 1)
			return -1;
		ssize_t n = recv(fd, buf + got, cap - 1 - got, 0);
		if (n <= 0 || got + (size_t)n >= cap - 1) {
			if (n > 0)
				got += (size_t)n;
			buf[got] = '\0';
			return (int)got;
		}
		got += (size_t)n;
	}
}

/* Send @req on a new connection; the whole answer in @buf. */
static int ask(const char *req, size_t len, char *buf, size_t cap)
{
	int fd = connect_one();
	assert_int_equal(send(fd, req, len, MSG_NOSIGNAL), (ssize_t)len);
	int n = read_all(fd, buf, cap);
	close(fd);
	return n;
}

static bool closed_within(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char b[64];
	return poll(&p, 1, ms) == 1 && recv(fd, b, sizeof b, 0) <= 0;
}

static void test_answers(void **state)
{
	(void)state;
	static char buf[65536];
	dns_metrics_http_t *h = start(NULL);
	static const char get[] = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
	assert_true(ask(get, sizeof get - 1, buf, sizeof buf) > 0);
	assert_non_null(strstr(buf, "HTTP/1.1 200 OK\r\n"));
	assert_non_null(strstr(buf, "\r\n\r\n# TYPE test_metric gauge\ntest_metric 1\n"));
	assert_non_null(strstr(buf, "dns_metrics_http_connections_closed_total{reason=\"timeout\"} 0\n"));
	/* the length announced is the body's */
	unsigned long clen = 0;
	const char *cl = strstr(buf, "Content-Length: ");
	assert_non_null(cl);
	clen = strtoul(cl + 16, NULL, 10);
	assert_int_equal(clen, strlen(strstr(buf, "\r\n\r\n") + 4));
	/* bare newlines and a query string */
	static const char lf[] = "GET /metrics?x=1 HTTP/1.0\n\n";
	assert_true(ask(lf, sizeof lf - 1, buf, sizeof buf) > 0);
	assert_non_null(strstr(buf, "test_metric 1\n"));
	/* HEAD: the head only */
	static const char head[] = "HEAD /metrics HTTP/1.1\r\n\r\n";
	assert_true(ask(head, sizeof head - 1, buf, sizeof buf) > 0);
	assert_non_null(strstr(buf, "200 OK"));
	assert_null(strstr(buf, "test_metric"));
	static const struct { const char *req, *status; } bad[] = {
		{ "GET /other HTTP/1.1\r\n\r\n", "404 Not Found" },
		{ "GET /metricsx HTTP/1.1\r\n\r\n", "404 Not Found" },
		{ "POST /metrics HTTP/1.1\r\n\r\n", "405 Method Not Allowed" },
		{ "GET /metrics\r\n\r\n", "400 Bad Request" },
		{ "\r\n\r\n", "400 Bad Request" },
		{ "GET /metrics FTP/1.0\r\n\r\n", "400 Bad Request" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_true(ask(bad[i].req, strlen(bad[i].req), buf, sizeof buf) > 0);
		if (!strstr(buf, bad[i].status))
			fail_msg("%s: got %.40s", bad[i].req, buf);
	}
	/* a head that never ends within 8 KiB */
	static char big[9000];
	memset(big, 'a', sizeof big);
	assert_true(ask(big, sizeof big, buf, sizeof buf) > 0);
	assert_non_null(strstr(buf, "431 "));
	dns_metrics_http_stop(h);
}

static void test_deadline(void **state)
{
	(void)state;
	static char buf[65536];
	dns_metrics_http_opts_t o = { .request_ms = 300 };
	dns_metrics_http_t *h = start(&o);
	/* half a request: closed once the deadline passes, whatever trickles */
	int fd = connect_one();
	assert_int_equal(send(fd, "GET /metrics HTTP/1.1\r\n", 23, 0), 23);
	bool closed = false;
	for (int i = 0; i < 20 && !closed; i++) {
		(void)send(fd, "X", 1, MSG_NOSIGNAL);   /* one byte every 100 ms */
		closed = closed_within(fd, 100);
	}
	closed = closed || closed_within(fd, WAIT_MS);
	assert_true(closed);
	close(fd);
	static const char get[] = "GET /metrics HTTP/1.1\r\n\r\n";
	assert_true(ask(get, sizeof get - 1, buf, sizeof buf) > 0);
	assert_non_null(strstr(buf, "dns_metrics_http_connections_closed_total{reason=\"timeout\"} 1\n"));
	dns_metrics_http_stop(h);
}

static void test_bound(void **state)
{
	(void)state;
	static char buf[65536];
	dns_metrics_http_opts_t o = { .max_conns = 4 };
	dns_metrics_http_t *h = start(&o);
	int held[4];
	for (int i = 0; i < 4; i++) {
		held[i] = connect_one();
		assert_int_equal(send(held[i], "GET /", 5, 0), 5);
	}
	/* give the endpoint time to take all four in order */
	usleep(200 * 1000);
	/* a fresh scrape is answered; the oldest half-sent one went for it */
	static const char get[] = "GET /metrics HTTP/1.1\r\n\r\n";
	assert_true(ask(get, sizeof get - 1, buf, sizeof buf) > 0);
	assert_non_null(strstr(buf, "200 OK"));
	assert_non_null(strstr(buf, "dns_metrics_http_connections_closed_total{reason=\"evicted\"} 1\n"));
	assert_true(closed_within(held[0], WAIT_MS));
	for (int i = 1; i < 4; i++)
		assert_false(closed_within(held[i], 100));
	for (int i = 0; i < 4; i++)
		close(held[i]);
	dns_metrics_http_stop(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answers),
		cmocka_unit_test(test_deadline),
		cmocka_unit_test(test_bound),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
