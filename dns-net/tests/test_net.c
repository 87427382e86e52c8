/*
 * Unit tests for libdnsnet: address parsing, UDP and TCP on 127.0.0.1 and
 * [::1] with the test handler of net_testlib.c, the prefetch hook,
 * pipelining, byte-by-byte writes, idle timeout, connection limits,
 * streams with back-pressure and kept connections.  All waits are generous
 * upper bounds, never speed claims.  Loopback only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dns/net.h"

#include "net_testlib.h"

/* ---- tests ---- */

static void test_addr_parse(void **state)
{
	dns_net_addr_t a;
	char text[DNS_NET_ADDR_TEXT_MAX];
	assert_int_equal(dns_net_addr_parse("127.0.0.1:5300", &a), DNS_OK);
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)&a.ss;
	assert_int_equal(s4->sin_family, AF_INET);
	assert_int_equal(ntohs(s4->sin_port), 5300);
	assert_int_equal(ntohl(s4->sin_addr.s_addr), 0x7f000001);
	assert_int_equal(a.len, sizeof(struct sockaddr_in));
	assert_string_equal(dns_net_addr_format((struct sockaddr *)&a.ss, text, sizeof(text)),
	                    "127.0.0.1:5300");

	assert_int_equal(dns_net_addr_parse("[::1]:53", &a), DNS_OK);
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&a.ss;
	static const uint8_t loop6[16] = { [15] = 1 };
	assert_int_equal(s6->sin6_family, AF_INET6);
	assert_int_equal(ntohs(s6->sin6_port), 53);
	assert_memory_equal(&s6->sin6_addr, loop6, 16);
	assert_string_equal(dns_net_addr_format((struct sockaddr *)&a.ss, text, sizeof(text)),
	                    "[::1]:53");

	assert_int_equal(dns_net_addr_parse("0.0.0.0:65535", &a), DNS_OK);
	assert_int_equal(dns_net_addr_parse("[::]:0", &a), DNS_OK);

	static const char *const bad[] = {
		"", ":53", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:5x",
		"127.0.0.1:123456", "::1:53", "[::1]", "[::1]53", "[::1]:", "[]:53",
		"[127.0.0.1]:53", "localhost:53", "1.2.3:53", "[::1:53", "127.0.0.1:-1",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (dns_net_addr_parse(bad[i], &a) != DNS_ESYNTAX)
			fail_msg("accepted \"%s\"", bad[i]);
}

static void test_bind_failure(void **state)
{
	dns_net_addr_t a;
	dns_net_server_t *srv;
	char err[256] = "";
	/* TEST-NET-1 is not configured on this host */
	assert_int_equal(dns_net_addr_parse("192.0.2.1:5300", &a), DNS_OK);
	dns_net_config_t cfg = { .listen = &a, .nlisten = 1, .workers = 1, .handler = handler };
	assert_int_equal(dns_net_server_new(&cfg, &srv, err, sizeof(err)), DNS_OK);
	assert_int_equal(dns_net_start(srv, err, sizeof(err)), DNS_EIO);
	assert_non_null(strstr(err, "listen 192.0.2.1:5300"));
	assert_non_null(strstr(err, strerror(EADDRNOTAVAIL)));
	dns_net_server_free(srv);
	/* and no handler is refused up front */
	cfg.handler = NULL;
	assert_int_equal(dns_net_server_new(&cfg, &srv, err, sizeof(err)), DNS_EINVAL);
}

static void test_udp_v4_v6(void **state)
{
	fixture_t f;
	dns_net_config_t cfg = { 0 };
	uint8_t ans[65535];
	start(&f, &cfg);
	const dns_net_addr_t *addrs[2] = { &f.v4, &f.v6 };
	for (int k = 0; k < 2; k++) {
		assert_int_equal(udp_query(addrs[k], "Ehello", 6, ans, WAIT_MS), 6);
		assert_memory_equal(ans, "Rhello", 6);
		/* a dropped query gets nothing */
		assert_int_equal(udp_query(addrs[k], "Dx", 2, ans, 300), -1);
	}
	/* a burst of 100 from one socket: each answered, matched by content */
	int fd = udp_socket(&f.v4);
	bool seen[100] = { false };
	for (int i = 0; i < 100; i++) {
		uint8_t q[3] = { 'E', (uint8_t)i, 0x55 };
		assert_int_equal(send(fd, q, 3, 0), 3);
	}
	int got = 0;
	while (got < 100 && wait_fd(fd, WAIT_MS) == 1) {
		ssize_t n = recv(fd, ans, sizeof(ans), 0);
		assert_int_equal(n, 3);
		assert_int_equal(ans[0], 'R');
		assert_int_equal(ans[2], 0x55);
		assert_false(seen[ans[1]]);
		seen[ans[1]] = true;
		got++;
	}
	assert_int_equal(got, 100);
	close(fd);
	/* a large request survives intact */
	static uint8_t big[60000];
	memset(big, 'z', sizeof(big));
	big[0] = 'E';
	assert_int_equal(udp_query(&f.v6, big, sizeof(big), ans, WAIT_MS), (ssize_t)sizeof(big));
	assert_int_equal(ans[0], 'R');
	assert_memory_equal(ans + 1, big + 1, sizeof(big) - 1);
	finish(&f);
}

/* The prefetch hook sees every UDP request before the handler answers it. */
static void test_udp_prefetch(void **state)
{
	fixture_t f;
	dns_net_config_t cfg = { .workers = 1, .prefetch = prefetch };
	uint8_t ans[64];
	for (int i = 0; i < 256; i++)
		atomic_store(&g_prefetched[i], 0);
	atomic_store(&g_prefetch_calls, 0);
	start(&f, &cfg);
	int fd = udp_socket(&f.v4);
	for (int i = 0; i < 200; i++) {
		uint8_t q[2] = { 'F', (uint8_t)i };
		assert_int_equal(send(fd, q, 2, 0), 2);
	}
	int got = 0;
	while (got < 200 && wait_fd(fd, WAIT_MS) == 1) {
		assert_int_equal(recv(fd, ans, sizeof(ans), 0), 3);
		assert_int_equal(ans[0], 'f');
		assert_int_equal(ans[2], 1);
		got++;
	}
	assert_int_equal(got, 200);
	int calls = atomic_load(&g_prefetch_calls);
	assert_true(calls >= 1 && calls <= 200);
	close(fd);
	/* TCP requests are not batched: no hook */
	atomic_store(&g_prefetched[7], 0);
	int t = tcp_connect(&f.v4, 0);
	tcp_send(t, "F\7", 2);
	assert_int_equal(tcp_recv(t, ans, WAIT_MS), 3);
	assert_int_equal(ans[2], 0);
	close(t);
	finish(&f);
}

static void test_udp_wildcard_source(void **state)
{
	/* bound to 0.0.0.0: the answer must come from 127.0.0.2, where the query
	 * went, not 127.0.0.1, the route's default source (connected
	 * client sockets only accept datagrams from the address they sent to) */
	dns_net_addr_t a;
	dns_net_server_t *srv;
	char err[256];
	uint8_t ans[64];
	assert_int_equal(dns_net_addr_parse("0.0.0.0:0", &a), DNS_OK);
	dns_net_config_t cfg = { .listen = &a, .nlisten = 1, .workers = 1, .handler = handler,
	                         .no_signals = true };
	assert_int_equal(dns_net_server_new(&cfg, &srv, err, sizeof(err)), DNS_OK);
	assert_int_equal(dns_net_start(srv, err, sizeof(err)), DNS_OK);
	fixture_t f = { .srv = srv };
	assert_int_equal(pthread_create(&f.thread, NULL, run_thread, &f), 0);
	dns_net_addr_t to = *dns_net_bound_addr(srv, 0);
	((struct sockaddr_in *)&to.ss)->sin_addr.s_addr = htonl(0x7f000002);
	assert_int_equal(udp_query(&to, "Ewild", 5, ans, WAIT_MS), 5);
	assert_memory_equal(ans, "Rwild", 5);
	finish(&f);
}

static void test_tcp_pipelined(void **state)
{
	fixture_t f;
	dns_net_config_t cfg = { 0 };
	uint8_t ans[65535];
	start(&f, &cfg);
	const dns_net_addr_t *addrs[2] = { &f.v4, &f.v6 };
	for (int k = 0; k < 2; k++) {
		int fd = tcp_connect(addrs[k], 0);
		/* five queries in one write, one of them dropped */
		static const uint8_t burst[] = {
			0, 3, 'E', 'a', '1',   0, 2, 'E', 'b',   0, 2, 'D', 'x',
			0, 4, 'E', 'c', 'c', 'c',   0, 1, 'E',
		};
		assert_int_equal(send(fd, burst, sizeof(burst), 0), (ssize_t)sizeof(burst));
		assert_int_equal(tcp_recv(fd, ans, WAIT_MS), 3);
		assert_memory_equal(ans, "Ra1", 3);
		assert_int_equal(tcp_recv(fd, ans, WAIT_MS), 2);
		assert_memory_equal(ans, "Rb", 2);
		assert_int_equal(tcp_recv(fd, ans, WAIT_MS), 4);
		assert_memory_equal(ans, "Rccc", 4);
		assert_int_equal(tcp_recv(fd, ans, WAIT_MS), 1);
		assert_memory_equal(ans, "R", 1);
		/* the same, one byte per write */
		for (size_t i = 0; i < sizeof(burst); i++) {
			assert_int_equal(send(fd, burst + i, 1, 0), 1);
			sleep_ms(2);
		}
		assert_int_equal(tcp_recv(fd, ans, WAIT_MS), 3);
		assert_memory_equal(ans, "Ra1", 3);
		assert_int_equal(tcp_recv(fd, ans, WAIT_MS), 2);
		assert_int_equal(tcp_recv(fd, ans, WAIT_MS), 4);
		assert_int_equal(tcp_recv(fd, ans, WAIT_MS), 1);
		/* half-close after a query: the answer still comes, then EOF */
		tcp_send(fd, "Elast", 5);
		shutdown(fd, SHUT_WR);
		assert_int_equal(tcp_recv(fd, ans, WAIT_MS), 5);
		assert_memory_equal(ans, "Rlast", 5);
		assert_int_equal(tcp_recv(fd, ans, WAIT_MS), 0);
		close(fd);
	}
	/* a zero-length message is a framing error: the connection closes */
	int fd = tcp_connect(&f.v4, 0);
	assert_int_equal(send(fd, "\0\0", 2, 0), 2);
	assert_true(closed_within(fd, WAIT_MS));
	close(fd);
	finish(&f);
}

static void test_tcp_idle_timeout(void **state)
{
	fixture_t f;
	dns_net_config_t cfg = { .tcp_idle_ms = 300, .tcp_msg_ms = 300 };
	uint8_t ans[64];
	start(&f, &cfg);
	int fd = tcp_connect(&f.v4, 0);
	tcp_send(fd, "Eq", 2);
	assert_int_equal(tcp_recv(fd, ans, WAIT_MS), 2);
	/* a silent client is closed */
	assert_true(closed_within(fd, WAIT_MS));
	close(fd);
	/* a half-sent message does not keep it open */
	fd = tcp_connect(&f.v4, 0);
	assert_int_equal(send(fd, "\0\5E", 3, 0), 3);
	assert_true(closed_within(fd, WAIT_MS));
	close(fd);
	finish(&f);
}

static void test_tcp_limits(void **state)
{
	fixture_t f;
	dns_net_config_t cfg = { .tcp_max_per_prefix = 3 };
	uint8_t ans[64];
	int fds[3];
	start(&f, &cfg);
	for (int i = 0; i < 3; i++) {
		fds[i] = tcp_connect(&f.v4, 0);
		tcp_send(fds[i], "Eok", 3);
		assert_int_equal(tcp_recv(fds[i], ans, WAIT_MS), 3);
	}
	/* the fourth from the same prefix is refused (closed, no answer) */
	int extra = tcp_connect(&f.v4, 0);
	(void)send(extra, "\0\3Eno", 5, MSG_NOSIGNAL);
	assert_true(tcp_recv(extra, ans, WAIT_MS) <= 0);
	close(extra);
	/* another address (::1) has its own share */
	int v6 = tcp_connect(&f.v6, 0);
	tcp_send(v6, "E6", 2);
	assert_int_equal(tcp_recv(v6, ans, WAIT_MS), 2);
	close(v6);
	/* closing one frees a slot (the server notices asynchronously) */
	close(fds[0]);
	bool ok = false;
	for (int tries = 0; tries < 50 && !ok; tries++) {
		sleep_ms(50);
		int fd = tcp_connect(&f.v4, 0);
		(void)send(fd, "\0\3Eok", 5, MSG_NOSIGNAL);
		ok = tcp_recv(fd, ans, 1000) == 3;
		close(fd);
	}
	assert_true(ok);
	close(fds[1]);
	close(fds[2]);
	finish(&f);
	/* per-worker connection limit: the idle connection makes room */
	cfg = (dns_net_config_t){ .tcp_max_conns = 1, .workers = 1 };
	start(&f, &cfg);
	int a = tcp_connect(&f.v4, 0);
	tcp_send(a, "Ea", 2);
	assert_int_equal(tcp_recv(a, ans, WAIT_MS), 2);
	int b = tcp_connect(&f.v6, 0);
	tcp_send(b, "Eb", 2);
	assert_int_equal(tcp_recv(b, ans, WAIT_MS), 2);
	assert_true(closed_within(a, WAIT_MS));
	close(b);
	close(a);
	finish(&f);
}

static void test_tcp_stream(void **state)
{
	fixture_t f;
	dns_net_config_t cfg = { .tcp_max_queue = 128 * 1024, .workers = 1 };
	static uint8_t ans[65535];
	start(&f, &cfg);
	/* 400 messages of 60000 bytes = 24 MB: far more than socket buffers */
	int fd = tcp_connect(&f.v4, 64 * 1024);
	const int n = 400, size = 60000;
	uint8_t q[5] = { 'S', (uint8_t)(n >> 8), (uint8_t)n, (uint8_t)(size >> 8), (uint8_t)size };
	tcp_send(fd, q, 5);
	tcp_send(fd, "Eafter", 6);   /* pipelined behind the stream */
	sleep_ms(500);
	/* the client reads nothing yet: production must have stopped early */
	int produced = atomic_load(&g_stream_calls);
	assert_true(produced > 0);
	assert_true(produced < n);
	for (int i = 0; i < n; i++) {
		ssize_t len = tcp_recv(fd, ans, WAIT_MS);
		assert_int_equal(len, size);
		assert_int_equal(ans[0] << 8 | ans[1], i);
		assert_int_equal(ans[size - 1], 'x');
	}
	assert_int_equal(tcp_recv(fd, ans, WAIT_MS), 6);
	assert_memory_equal(ans, "Rafter", 6);
	assert_true(wait_until(&g_stream_released, 1, WAIT_MS));
	/* a stream abandoned by its client is released on close */
	atomic_store(&g_stream_released, 0);
	tcp_send(fd, q, 5);
	assert_true(tcp_recv(fd, ans, WAIT_MS) == size);
	close(fd);
	assert_true(wait_until(&g_stream_released, 1, WAIT_MS));
	/* streams are TCP only */
	assert_int_equal(udp_query(&f.v4, q, 5, ans, 300), -1);
	finish(&f);
}

static void *send_from_thread(void *arg)
{
	dns_net_conn_t *c = arg;
	assert_int_equal(dns_net_conn_send(c, (const uint8_t *)"notify", 6), DNS_OK);
	return NULL;
}

static void test_tcp_keep_and_send(void **state)
{
	fixture_t f;
	dns_net_config_t cfg = { 0 };
	uint8_t ans[64];
	pthread_t t;
	start(&f, &cfg);
	int fd = tcp_connect(&f.v6, 0);
	tcp_send(fd, "K", 1);
	assert_int_equal(tcp_recv(fd, ans, WAIT_MS), 1);
	dns_net_conn_t *c = atomic_load(&g_kept);
	assert_non_null(c);
	assert_true(dns_net_conn_open(c));
	socklen_t plen;
	assert_int_equal(dns_net_conn_peer(c, &plen)->sa_family, AF_INET6);
	/* a second keep of the same connection is refused */
	tcp_send(fd, "K", 1);
	assert_int_equal(tcp_recv(fd, ans, WAIT_MS), 1);
	assert_null(atomic_load(&g_kept));
	assert_int_equal(pthread_create(&t, NULL, send_from_thread, c), 0);
	pthread_join(t, NULL);
	assert_int_equal(tcp_recv(fd, ans, WAIT_MS), 6);
	assert_memory_equal(ans, "notify", 6);
	assert_int_equal(dns_net_conn_send(c, ans, 0), DNS_EINVAL);
	/* the client goes away: closed is reported, sends then fail */
	close(fd);
	assert_true(wait_until(&g_kept_closed, 1, WAIT_MS));
	assert_false(dns_net_conn_open(c));
	assert_int_equal(dns_net_conn_send(c, ans, 1), DNS_EIO);
	dns_net_conn_release(c);
	/* server-side close of a kept connection */
	fd = tcp_connect(&f.v4, 0);
	tcp_send(fd, "K", 1);
	assert_int_equal(tcp_recv(fd, ans, WAIT_MS), 1);
	c = atomic_load(&g_kept);
	assert_non_null(c);
	dns_net_conn_close(c);
	assert_true(closed_within(fd, WAIT_MS));
	assert_true(wait_until(&g_kept_closed, 2, WAIT_MS));
	dns_net_conn_release(c);
	close(fd);
	/* a kept connection still open at shutdown gets its notification */
	fd = tcp_connect(&f.v4, 0);
	tcp_send(fd, "K", 1);
	assert_int_equal(tcp_recv(fd, ans, WAIT_MS), 1);
	c = atomic_load(&g_kept);
	finish(&f);
	assert_int_equal(atomic_load(&g_kept_closed), 3);
	dns_net_conn_release(c);
	close(fd);
}

/* Wait for the handler to have deferred slot @i; take the handle. */

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_parse),
		cmocka_unit_test(test_bind_failure),
		cmocka_unit_test(test_udp_v4_v6),
		cmocka_unit_test(test_udp_prefetch),
		cmocka_unit_test(test_udp_wildcard_source),
		cmocka_unit_test(test_tcp_pipelined),
		cmocka_unit_test(test_tcp_idle_timeout),
		cmocka_unit_test(test_tcp_limits),
		cmocka_unit_test(test_tcp_stream),
		cmocka_unit_test(test_tcp_keep_and_send),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
