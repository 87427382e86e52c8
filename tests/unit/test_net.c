/*
 * Unit tests for libdnsnet: address parsing, UDP and TCP on 127.0.0.1 and
 * [::1] with a test handler, pipelining, byte-by-byte writes, idle timeout,
 * connection limits, streams with back-pressure, kept connections,
 * snapshot reclamation, timers, posts, signals and shutdown.  All waits
 * are generous upper bounds, never speed claims.  Loopback only.
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

#define WAIT_MS 5000

/* ---- shared state between the test and the handler ---- */

static atomic_int g_release_block;      /* 'B' requests wait for this */
static atomic_int g_blocked;            /* a 'B' request is inside the handler */
static atomic_int g_stream_calls;       /* messages produced by the stream */
static atomic_int g_stream_released;
static _Atomic(dns_net_conn_t *) g_kept;
static atomic_int g_kept_closed;
static _Atomic(dns_net_snap_t *) g_pin;
static atomic_int g_freed[8];
static atomic_int g_timer_fired, g_posted, g_hup;
#define MAX_DEFERRED 8
static _Atomic(dns_net_deferred_t *) g_deferred[MAX_DEFERRED];  /* 'L' requests, by byte 1 */
static atomic_int g_prefetched[256];    /* 'F' requests the prefetch hook saw, by byte 1 */
static atomic_int g_prefetch_calls;

typedef struct snap { int id; } snap_t;

static void snap_free(void *p)
{
	snap_t *s = p;
	atomic_fetch_add(&g_freed[s->id], 1);
	free(s);
}

static snap_t *snap_new(int id)
{
	snap_t *s = malloc(sizeof(*s));
	s->id = id;
	return s;
}

typedef struct stream { int n, size, i; } stream_t;

static dns_net_stream_status_t stream_next(void *ctx, uint8_t *buf, size_t cap, size_t *len)
{
	stream_t *s = ctx;
	if (s->i >= s->n)
		return DNS_NET_STREAM_DONE;
	memset(buf, 'x', (size_t)s->size);
	buf[0] = (uint8_t)(s->i >> 8);
	buf[1] = (uint8_t)s->i;
	*len = (size_t)s->size;
	s->i++;
	atomic_fetch_add(&g_stream_calls, 1);
	return DNS_NET_STREAM_MORE;
}

static void stream_release(void *ctx)
{
	atomic_fetch_add(&g_stream_released, 1);
	free(ctx);
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static void kept_closed(void *arg, dns_net_conn_t *conn)
{
	atomic_fetch_add(&g_kept_closed, 1);
}

/*
 * The test handler, by first byte: 'E' echo with 'R', 'D' drop,
 * 'S' stream (n = bytes 1-2, size = bytes 3-4), 'K' keep the connection,
 * 'B' block until released then answer the snapshot id, 'P' answer the
 * snapshot id, 'H' pin the snapshot, 'L' defer the reply (slot = byte 1),
 * 'F' say whether prefetch() saw it (id = byte 1).
 */
static void handler(void *ctx, const dns_net_request_t *req, dns_net_reply_t *out)
{
	const uint8_t *q = req->data;
	int id = req->snapshot != NULL ? ((snap_t *)req->snapshot)->id : 0;
	switch (req->len > 0 ? q[0] : 0) {
	case 'E':
		memcpy(out->buf, q, req->len);
		out->buf[0] = 'R';
		out->len = req->len;
		break;
	case 'S': {
		stream_t *s = calloc(1, sizeof(*s));
		s->n = q[1] << 8 | q[2];
		s->size = q[3] << 8 | q[4];
		dns_net_stream_t st = { stream_next, stream_release, s };
		if (dns_net_reply_stream(out, &st) != DNS_OK)
			free(s);
		break;
	}
	case 'K':
		atomic_store(&g_kept, dns_net_conn_keep(req, 0, kept_closed, NULL));
		out->buf[0] = 'k';
		out->len = 1;
		break;
	case 'B':
		atomic_store(&g_blocked, 1);
		for (int i = 0; i < WAIT_MS && !atomic_load(&g_release_block); i++)
			sleep_ms(1);
		/* fall through */
	case 'P':
		out->buf[0] = 'p';
		out->buf[1] = (uint8_t)id;
		out->len = 2;
		break;
	case 'L':
		if (req->len >= 2 && q[1] < MAX_DEFERRED)
			atomic_store(&g_deferred[q[1]], dns_net_reply_defer(req));
		break;
	case 'F': /* answer whether the prefetch hook saw this request first */
		if (req->len < 2)
			break;
		out->buf[0] = 'f';
		out->buf[1] = q[1];
		out->buf[2] = (uint8_t)atomic_load(&g_prefetched[q[1]]);
		out->len = 3;
		break;
	case 'H':
		atomic_store(&g_pin, dns_net_snap_hold(req));
		out->buf[0] = 'h';
		out->len = 1;
		break;
	default:
		break;   /* 'D' and anything else: no answer */
	}
}

static void prefetch(void *ctx, const dns_net_request_t *reqs, unsigned n)
{
	atomic_fetch_add(&g_prefetch_calls, 1);
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(reqs[i].transport, DNS_NET_UDP);
		if (reqs[i].len >= 2 && reqs[i].data[0] == 'F')
			atomic_store(&g_prefetched[reqs[i].data[1]], 1);
	}
}

/* ---- server fixture ---- */

typedef struct fixture {
	dns_net_server_t *srv;
	pthread_t thread;
	dns_err_t run_result;
	dns_net_addr_t v4, v6;
} fixture_t;

static void *run_thread(void *arg)
{
	fixture_t *f = arg;
	f->run_result = dns_net_run(f->srv);
	return NULL;
}

static void start(fixture_t *f, dns_net_config_t *cfg)
{
	dns_net_addr_t addrs[2];
	char err[256] = "";
	assert_int_equal(dns_net_addr_parse("127.0.0.1:0", &addrs[0]), DNS_OK);
	assert_int_equal(dns_net_addr_parse("[::1]:0", &addrs[1]), DNS_OK);
	cfg->listen = addrs;
	cfg->nlisten = 2;
	cfg->handler = handler;
	if (cfg->workers == 0)
		cfg->workers = 2;
	memset(f, 0, sizeof(*f));
	assert_int_equal(dns_net_server_new(cfg, &f->srv, err, sizeof(err)), DNS_OK);
	if (dns_net_start(f->srv, err, sizeof(err)) != DNS_OK)
		fail_msg("start: %s", err);
	f->v4 = *dns_net_bound_addr(f->srv, 0);
	f->v6 = *dns_net_bound_addr(f->srv, 1);
	assert_int_equal(pthread_create(&f->thread, NULL, run_thread, f), 0);
	atomic_store(&g_release_block, 0);
	atomic_store(&g_blocked, 0);
	atomic_store(&g_stream_calls, 0);
	atomic_store(&g_stream_released, 0);
	atomic_store(&g_kept_closed, 0);
	atomic_store(&g_kept, NULL);
	for (int i = 0; i < 8; i++)
		atomic_store(&g_freed[i], 0);
}

static void finish(fixture_t *f)
{
	dns_net_stop(f->srv);
	assert_int_equal(pthread_join(f->thread, NULL), 0);
	assert_int_equal(f->run_result, DNS_OK);
	dns_net_server_free(f->srv);
}

/* ---- client helpers ---- */

static int wait_fd(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	return poll(&p, 1, ms);
}

static int udp_socket(const dns_net_addr_t *a)
{
	int fd = socket(a->ss.ss_family, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (const struct sockaddr *)&a->ss, a->len), 0);
	return fd;
}

/* Send @q over UDP; the answer's length, or -1 if none within @ms. */
static ssize_t udp_query(const dns_net_addr_t *a, const void *q, size_t len, uint8_t *ans,
                         int ms)
{
	int fd = udp_socket(a);
	assert_int_equal(send(fd, q, len, 0), (ssize_t)len);
	ssize_t n = -1;
	if (wait_fd(fd, ms) == 1)
		n = recv(fd, ans, 65535, 0);
	close(fd);
	return n;
}

static int tcp_connect(const dns_net_addr_t *a, int rcvbuf)
{
	int fd = socket(a->ss.ss_family, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	if (rcvbuf > 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	assert_int_equal(connect(fd, (const struct sockaddr *)&a->ss, a->len), 0);
	return fd;
}

static void tcp_send(int fd, const void *msg, size_t len)
{
	uint8_t buf[2 + 512];
	assert_true(len <= 512);
	buf[0] = (uint8_t)(len >> 8);
	buf[1] = (uint8_t)len;
	memcpy(buf + 2, msg, len);
	assert_int_equal(send(fd, buf, len + 2, MSG_NOSIGNAL), (ssize_t)(len + 2));
}

/* Read exactly @len bytes: 1 done, 0 EOF/reset, -1 timeout. */
static int read_full(int fd, uint8_t *buf, size_t len, int ms)
{
	size_t got = 0;
	while (got < len) {
		if (wait_fd(fd, ms) != 1)
			return -1;
		ssize_t n = recv(fd, buf + got, len - got, 0);
		if (n <= 0)
			return 0;
		got += (size_t)n;
	}
	return 1;
}

/* One framed message: its length, 0 on EOF, -1 on timeout. */
static ssize_t tcp_recv(int fd, uint8_t *buf, int ms)
{
	uint8_t pre[2];
	int r = read_full(fd, pre, 2, ms);
	if (r <= 0)
		return r;
	size_t len = (size_t)pre[0] << 8 | pre[1];
	r = read_full(fd, buf, len, ms);
	return r <= 0 ? r : (ssize_t)len;
}

/* True if the server closes @fd within @ms (EOF or reset). */
static bool closed_within(int fd, int ms)
{
	uint8_t b[64];
	for (int waited = 0; waited < ms; waited += 50) {
		if (wait_fd(fd, 50) == 1) {
			ssize_t n = recv(fd, b, sizeof(b), 0);
			if (n <= 0)
				return true;
		}
	}
	return false;
}

static bool wait_until(atomic_int *v, int want, int ms)
{
	for (int i = 0; i < ms; i++) {
		if (atomic_load(v) == want)
			return true;
		sleep_ms(1);
	}
	return atomic_load(v) == want;
}

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
	assert_non_null(strstr(err, "bind 192.0.2.1:5300"));
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
	dns_net_config_t cfg = { .tcp_idle_ms = 300 };
	uint8_t ans[64];
	start(&f, &cfg);
	int fd = tcp_connect(&f.v4, 0);
	tcp_send(fd, "Eq", 2);
	assert_int_equal(tcp_recv(fd, ans, WAIT_MS), 2);
	/* a silent client is closed; a half-sent message does not keep it open */
	assert_int_equal(send(fd, "\0\5E", 3, 0), 3);
	assert_true(closed_within(fd, WAIT_MS));
	close(fd);
	finish(&f);
}

static void test_tcp_limits(void **state)
{
	fixture_t f;
	dns_net_config_t cfg = { .tcp_max_per_client = 3 };
	uint8_t ans[64];
	int fds[3];
	start(&f, &cfg);
	for (int i = 0; i < 3; i++) {
		fds[i] = tcp_connect(&f.v4, 0);
		tcp_send(fds[i], "Eok", 3);
		assert_int_equal(tcp_recv(fds[i], ans, WAIT_MS), 3);
	}
	/* the fourth from the same address is refused (closed, no answer) */
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
	/* per-worker connection limit */
	cfg = (dns_net_config_t){ .tcp_max_conns = 1, .workers = 1 };
	start(&f, &cfg);
	int a = tcp_connect(&f.v4, 0);
	tcp_send(a, "Ea", 2);
	assert_int_equal(tcp_recv(a, ans, WAIT_MS), 2);
	int b = tcp_connect(&f.v6, 0);
	assert_true(closed_within(b, WAIT_MS));
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
static dns_net_deferred_t *take_deferred(int i)
{
	for (int waited = 0; waited < WAIT_MS; waited++) {
		dns_net_deferred_t *d = atomic_exchange(&g_deferred[i], NULL);
		if (d != NULL)
			return d;
		sleep_ms(1);
	}
	fail_msg("request %d was not deferred", i);
	return NULL;
}

typedef struct late { int slot; char text[8]; } late_t;

static void *send_late(void *arg)
{
	late_t *l = arg;
	dns_net_deferred_t *d = take_deferred(l->slot);
	sleep_ms(20);
	assert_int_equal(dns_net_deferred_send(d, (const uint8_t *)l->text, strlen(l->text)), DNS_OK);
	return NULL;
}

static void test_deferred(void **state)
{
	fixture_t f;
	dns_net_config_t cfg = { 0 };
	uint8_t ans[64];
	start(&f, &cfg);
	/* UDP, v4 and v6: the answer comes later, from another thread, from the
	 * address the query was sent to (the client socket is connected) */
	const dns_net_addr_t *addrs[2] = { &f.v4, &f.v6 };
	for (int k = 0; k < 2; k++) {
		pthread_t t;
		late_t l = { 0, "later" };
		assert_int_equal(pthread_create(&t, NULL, send_late, &l), 0);
		assert_int_equal(udp_query(addrs[k], "L\0", 2, ans, WAIT_MS), 5);
		assert_memory_equal(ans, "later", 5);
		pthread_join(t, NULL);
	}
	/* UDP, dropped: no answer */
	int fd = udp_socket(&f.v4);
	assert_int_equal(send(fd, "L\1", 2, 0), 2);
	dns_net_deferred_drop(take_deferred(1));
	assert_int_equal(wait_fd(fd, 200), 0);
	close(fd);
	/* TCP: replies go out in the order they are sent, a query answered
	 * meanwhile goes first, and a bad length drops the handle */
	fd = tcp_connect(&f.v4, 0);
	tcp_send(fd, "L\2", 2);
	tcp_send(fd, "L\3", 2);
	tcp_send(fd, "L\4", 2);
	tcp_send(fd, "E", 1);
	assert_int_equal(tcp_recv(fd, ans, WAIT_MS), 1);
	assert_int_equal(ans[0], 'R');
	dns_net_deferred_t *d2 = take_deferred(2), *d3 = take_deferred(3), *d4 = take_deferred(4);
	assert_int_equal(dns_net_deferred_send(d3, (const uint8_t *)"three", 5), DNS_OK);
	assert_int_equal(dns_net_deferred_send(d2, (const uint8_t *)"two", 3), DNS_OK);
	assert_int_equal(dns_net_deferred_send(d4, ans, 0), DNS_EINVAL);
	assert_int_equal(tcp_recv(fd, ans, WAIT_MS), 5);
	assert_memory_equal(ans, "three", 5);
	assert_int_equal(tcp_recv(fd, ans, WAIT_MS), 3);
	assert_memory_equal(ans, "two", 3);
	/* the peer stops sending: the connection stays open for the pending reply */
	tcp_send(fd, "L\5", 2);
	dns_net_deferred_t *d5 = take_deferred(5);
	assert_int_equal(shutdown(fd, SHUT_WR), 0);
	sleep_ms(50);
	assert_int_equal(dns_net_deferred_send(d5, (const uint8_t *)"five", 4), DNS_OK);
	assert_int_equal(tcp_recv(fd, ans, WAIT_MS), 4);
	assert_memory_equal(ans, "five", 4);
	assert_true(closed_within(fd, WAIT_MS));
	close(fd);
	/* a connection closed before the reply: the send is discarded */
	fd = tcp_connect(&f.v6, 0);
	tcp_send(fd, "L\6", 2);
	dns_net_deferred_t *d6 = take_deferred(6);
	close(fd);
	sleep_ms(50);
	assert_int_equal(dns_net_deferred_send(d6, (const uint8_t *)"six", 3), DNS_OK);
	/* handles outlive the run: sending after the stop only frees them */
	fd = udp_socket(&f.v4);
	assert_int_equal(send(fd, "L\7", 2, 0), 2);
	dns_net_deferred_t *d7 = take_deferred(7);
	dns_net_stop(f.srv);
	assert_int_equal(pthread_join(f.thread, NULL), 0);
	assert_int_equal(dns_net_deferred_send(d7, (const uint8_t *)"x", 1), DNS_EIO);
	dns_net_server_free(f.srv);
	close(fd);
}

static void *blocked_query(void *arg)
{
	fixture_t *f = arg;
	static uint8_t ans[64];
	ssize_t n = udp_query(&f->v4, "B", 1, ans, WAIT_MS * 2);
	return (void *)(intptr_t)(n == 2 ? ans[1] : -1);
}

static void test_publish_reclaim(void **state)
{
	fixture_t f;
	dns_net_config_t cfg = { 0 };
	uint8_t ans[64];
	pthread_t t;
	void *res;
	start(&f, &cfg);
	assert_int_equal(udp_query(&f.v4, "P", 1, ans, WAIT_MS), 2);
	assert_int_equal(ans[1], 0);   /* nothing published yet */
	assert_int_equal(dns_net_publish(f.srv, snap_new(1), snap_free), DNS_OK);
	assert_int_equal(udp_query(&f.v4, "P", 1, ans, WAIT_MS), 2);
	assert_int_equal(ans[1], 1);
	/* a worker stays inside a batch that loaded snapshot 1 */
	assert_int_equal(pthread_create(&t, NULL, blocked_query, &f), 0);
	assert_true(wait_until(&g_blocked, 1, WAIT_MS));
	assert_int_equal(dns_net_publish(f.srv, snap_new(2), snap_free), DNS_OK);
	sleep_ms(300);
	assert_int_equal(atomic_load(&g_freed[1]), 0);   /* still in use */
	/* new queries on the other worker already see snapshot 2 (a connection
	 * the kernel gives to the blocked worker waits: try another) */
	int fd = -1, stale[40];
	ssize_t n = -1;
	int nstale = 0;
	while (n != 2 && nstale < 40) {
		fd = tcp_connect(&f.v4, 0);
		tcp_send(fd, "P", 1);
		n = tcp_recv(fd, ans, 200);
		if (n != 2)
			stale[nstale++] = fd;
	}
	assert_int_equal(n, 2);
	assert_int_equal(ans[1], 2);
	for (int i = 0; i < nstale; i++)
		close(stale[i]);
	atomic_store(&g_release_block, 1);
	pthread_join(t, &res);
	assert_int_equal((intptr_t)res, 1);   /* the blocked batch kept its snapshot */
	assert_true(wait_until(&g_freed[1], 1, WAIT_MS));
	/* a pinned snapshot outlives its replacement until released */
	tcp_send(fd, "H", 1);
	assert_int_equal(tcp_recv(fd, ans, WAIT_MS), 1);
	dns_net_snap_t *pin = atomic_load(&g_pin);
	assert_non_null(pin);
	assert_int_equal(((snap_t *)dns_net_snap_data(pin))->id, 2);
	assert_int_equal(dns_net_publish(f.srv, snap_new(3), snap_free), DNS_OK);
	sleep_ms(300);
	assert_int_equal(atomic_load(&g_freed[2]), 0);
	dns_net_snap_release(pin);
	assert_true(wait_until(&g_freed[2], 1, WAIT_MS));
	close(fd);
	finish(&f);
	/* the current snapshot is freed with the server, exactly once */
	assert_int_equal(atomic_load(&g_freed[3]), 1);
	assert_int_equal(atomic_load(&g_freed[1]), 1);
	assert_int_equal(atomic_load(&g_freed[2]), 1);
}

static void on_timer(void *arg)
{
	atomic_fetch_add(&g_timer_fired, 1);
}

static dns_net_timer_t *g_timer;

static void on_post(void *arg)
{
	/* timers belong to the control loop: made and armed here */
	g_timer = dns_net_timer_new(arg, on_timer, NULL);
	dns_net_timer_arm(g_timer, 20, true);
	atomic_store(&g_posted, 1);
}

static void on_hup(void *arg)
{
	atomic_store(&g_hup, 1);
}

static void test_control_loop_and_signals(void **state)
{
	fixture_t f;
	dns_net_config_t cfg = { .on_sighup = on_hup };
	uint8_t ans[64];
	atomic_store(&g_timer_fired, 0);
	atomic_store(&g_posted, 0);
	atomic_store(&g_hup, 0);
	start(&f, &cfg);
	assert_int_equal(dns_net_post(f.srv, on_post, f.srv), DNS_OK);
	assert_true(wait_until(&g_posted, 1, WAIT_MS));
	assert_non_null(g_timer);
	for (int i = 0; i < WAIT_MS && atomic_load(&g_timer_fired) < 3; i++)
		sleep_ms(1);
	assert_true(atomic_load(&g_timer_fired) >= 3);   /* it repeats */
	assert_int_equal(kill(getpid(), SIGHUP), 0);
	assert_true(wait_until(&g_hup, 1, WAIT_MS));
	/* SIGHUP did not stop serving */
	assert_int_equal(udp_query(&f.v4, "Eup", 3, ans, WAIT_MS), 3);
	int fd = tcp_connect(&f.v4, 0);
	/* SIGTERM: run returns, threads are joined, connections closed */
	assert_int_equal(kill(getpid(), SIGTERM), 0);
	assert_int_equal(pthread_join(f.thread, NULL), 0);
	assert_int_equal(f.run_result, DNS_OK);
	assert_true(closed_within(fd, WAIT_MS));
	close(fd);
	dns_net_timer_free(g_timer);   /* the loop has stopped: safe here */
	dns_net_server_free(f.srv);
}

static void test_stop_before_run(void **state)
{
	fixture_t f;
	dns_net_config_t cfg = { .no_signals = true };
	start(&f, &cfg);
	finish(&f);
	/* a stop posted before run makes run return at once */
	dns_net_addr_t a;
	dns_net_server_t *srv;
	char err[128];
	assert_int_equal(dns_net_addr_parse("127.0.0.1:0", &a), DNS_OK);
	dns_net_config_t c2 = { .listen = &a, .nlisten = 1, .workers = 3, .handler = handler };
	assert_int_equal(dns_net_server_new(&c2, &srv, err, sizeof(err)), DNS_OK);
	assert_int_equal(dns_net_workers(srv), 3);
	assert_int_equal(dns_net_start(srv, err, sizeof(err)), DNS_OK);
	dns_net_stop(srv);
	assert_int_equal(dns_net_run(srv), DNS_OK);
	dns_net_server_free(srv);
}

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
		cmocka_unit_test(test_deferred),
		cmocka_unit_test(test_publish_reclaim),
		cmocka_unit_test(test_control_loop_and_signals),
		cmocka_unit_test(test_stop_before_run),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
