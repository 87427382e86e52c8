/*
 * net_testlib.c - the test handler, server fixture and client helpers
 * shared by the libdnsnet unit tests (net_testlib.h).
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

/* ---- shared state between the test and the handler ---- */

atomic_int g_release_block;      /* 'B' requests wait for this */
atomic_int g_blocked;            /* a 'B' request is inside the handler */
atomic_int g_stream_calls;       /* messages produced by the stream */
atomic_int g_stream_released;
_Atomic(dns_net_conn_t *) g_kept;
atomic_int g_kept_closed;
_Atomic(dns_net_snap_t *) g_pin;
atomic_int g_freed[8];
_Atomic(dns_net_deferred_t *) g_deferred[MAX_DEFERRED];  /* 'L' requests, by byte 1 */
atomic_int g_prefetched[256];    /* 'F' requests the prefetch hook saw, by byte 1 */
atomic_int g_prefetch_calls;

void snap_free(void *p)
{
	snap_t *s = p;
	atomic_fetch_add(&g_freed[s->id], 1);
	free(s);
}

snap_t *snap_new(int id)
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

void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static void kept_closed(void *arg, dns_net_conn_t *conn)
{
	atomic_fetch_add(&g_kept_closed, 1);
}

/* The test handler: see net_testlib.h for what each first byte does. */
void handler(void *ctx, const dns_net_request_t *req, dns_net_reply_t *out)
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

void prefetch(void *ctx, const dns_net_request_t *reqs, unsigned n)
{
	atomic_fetch_add(&g_prefetch_calls, 1);
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(reqs[i].transport, DNS_NET_UDP);
		if (reqs[i].len >= 2 && reqs[i].data[0] == 'F')
			atomic_store(&g_prefetched[reqs[i].data[1]], 1);
	}
}

/* ---- server fixture ---- */

void *run_thread(void *arg)
{
	fixture_t *f = arg;
	f->run_result = dns_net_run(f->srv);
	return NULL;
}

void start(fixture_t *f, dns_net_config_t *cfg)
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

void finish(fixture_t *f)
{
	dns_net_stop(f->srv);
	assert_int_equal(pthread_join(f->thread, NULL), 0);
	assert_int_equal(f->run_result, DNS_OK);
	dns_net_server_free(f->srv);
}

/* ---- client helpers ---- */

int wait_fd(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	return poll(&p, 1, ms);
}

int udp_socket(const dns_net_addr_t *a)
{
	int fd = socket(a->ss.ss_family, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (const struct sockaddr *)&a->ss, a->len), 0);
	return fd;
}

/* Send @q over UDP; the answer's length, or -1 if none within @ms. */
ssize_t udp_query(const dns_net_addr_t *a, const void *q, size_t len, uint8_t *ans,
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

int tcp_connect(const dns_net_addr_t *a, int rcvbuf)
{
	int fd = socket(a->ss.ss_family, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	if (rcvbuf > 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	assert_int_equal(connect(fd, (const struct sockaddr *)&a->ss, a->len), 0);
	return fd;
}

void tcp_send(int fd, const void *msg, size_t len)
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
ssize_t tcp_recv(int fd, uint8_t *buf, int ms)
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
bool closed_within(int fd, int ms)
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

bool wait_until(atomic_int *v, int want, int ms)
{
	for (int i = 0; i < ms; i++) {
		if (atomic_load(v) == want)
			return true;
		sleep_ms(1);
	}
	return atomic_load(v) == want;
}
