/*
 * Unit tests of the outgoing-query engine (dns-net, dns/net_query.h)
 * against a scripted fake server on 127.0.0.1 (a UDP socket and a TCP
 * listener on the same port, served by a thread): answers, retransmission,
 * forged and mismatched answers, truncation and TCP fall back, a lost TCP
 * connection retried, FORMERR without a question, silence, a refused
 * connection, and several queries at once on one event base.  Waits are
 * generous bounds, never speed claims.
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
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "dns/net_query.h"

typedef enum behaviour {
	B_ANSWER,            /* UDP and TCP: answer at once */
	B_DROP_FIRST,        /* UDP: ignore the first datagram */
	B_FORGED_FIRST,      /* UDP: wrong ID, then wrong question, then the answer */
	B_TRUNCATE,          /* UDP: TC set; TCP: the full answer */
	B_TCP_CLOSE_FIRST,   /* TCP: first connection closed after reading the query */
	B_TCP_WRONG_ID,      /* TCP: an answer with another ID */
	B_TCP_BYTEWISE,      /* TCP: the answer one byte per write */
	B_FORMERR_NOQ,       /* UDP: FORMERR without question */
	B_SILENT,            /* never answer */
} behaviour_t;

typedef struct fake {
	int udp, tcp;
	uint16_t port;
	behaviour_t b;
	int stop[2];
	pthread_t thread;
	atomic_int udp_seen, tcp_conns;
} fake_t;

static const uint8_t query_a[] = {
	0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
	3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
	0, 1, 0, 1,
};

/* The answer to @q: QR set, question echoed (in upper case: compared
 * case-insensitively), @extra marker bytes appended. */
static size_t make_answer(const uint8_t *q, size_t qlen, uint8_t *out, size_t extra)
{
	memcpy(out, q, qlen);
	out[2] |= 0x80;
	for (size_t i = 12; i < qlen; i++)
		if (out[i] >= 'a' && out[i] <= 'z')
			out[i] = (uint8_t)(out[i] - 32);
	memset(out + qlen, 0xAB, extra);
	return qlen + extra;
}

static void udp_serve(fake_t *f)
{
	uint8_t q[512], a[1024];
	struct sockaddr_storage peer;
	socklen_t pl = sizeof(peer);
	ssize_t n = recvfrom(f->udp, q, sizeof(q), 0, (struct sockaddr *)&peer, &pl);
	if (n < 12)
		return;
	int seen = atomic_fetch_add(&f->udp_seen, 1);
	size_t alen;
	switch (f->b) {
	case B_SILENT:
		return;
	case B_DROP_FIRST:
		if (seen == 0)
			return;
		break;
	case B_FORGED_FIRST:
		alen = make_answer(q, (size_t)n, a, 0);
		a[0] ^= 0xFF;   /* wrong ID */
		sendto(f->udp, a, alen, 0, (struct sockaddr *)&peer, pl);
		alen = make_answer(q, (size_t)n, a, 0);
		a[13] ^= 0x01;  /* wrong question */
		sendto(f->udp, a, alen, 0, (struct sockaddr *)&peer, pl);
		break;
	case B_TRUNCATE:
		alen = make_answer(q, (size_t)n, a, 0);
		a[2] |= 0x02;
		sendto(f->udp, a, alen, 0, (struct sockaddr *)&peer, pl);
		return;
	case B_FORMERR_NOQ:
		memset(a, 0, 12);
		a[0] = q[0];
		a[1] = q[1];
		a[2] = 0x80;
		a[3] = 1;
		sendto(f->udp, a, 12, 0, (struct sockaddr *)&peer, pl);
		return;
	default:
		break;
	}
	alen = make_answer(q, (size_t)n, a, 3);
	sendto(f->udp, a, alen, 0, (struct sockaddr *)&peer, pl);
}

static bool read_all(int fd, uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t r = read(fd, p, n);
		if (r <= 0)
			return false;
		p += r;
		n -= (size_t)r;
	}
	return true;
}

static void tcp_serve(fake_t *f)
{
	int c = accept(f->tcp, NULL, NULL);
	if (c < 0)
		return;
	int conn = atomic_fetch_add(&f->tcp_conns, 1);
	uint8_t len[2], q[512], a[2048];
	if (!read_all(c, len, 2) || (size_t)(len[0] << 8 | len[1]) > sizeof(q) ||
	    !read_all(c, q, (size_t)(len[0] << 8 | len[1]))) {
		close(c);
		return;
	}
	size_t qlen = (size_t)(len[0] << 8 | len[1]);
	if (f->b == B_SILENT || (f->b == B_TCP_CLOSE_FIRST && conn == 0)) {
		if (f->b == B_SILENT)
			(void)read(c, q, 1);   /* hold the connection until the client gives up */
		close(c);
		return;
	}
	size_t alen = make_answer(q, qlen, a + 2, 700);   /* bigger than the UDP answer */
	if (f->b == B_TCP_WRONG_ID)
		a[2] ^= 0x55;
	a[0] = (uint8_t)(alen >> 8);
	a[1] = (uint8_t)alen;
	if (f->b == B_TCP_BYTEWISE) {
		for (size_t i = 0; i < alen + 2; i++) {
			(void)write(c, a + i, 1);
			usleep(200);
		}
	} else {
		(void)write(c, a, alen + 2);
	}
	close(c);
}

static void *fake_main(void *arg)
{
	fake_t *f = arg;
	for (;;) {
		struct pollfd p[3] = {
			{.fd = f->udp, .events = POLLIN},
			{.fd = f->tcp, .events = POLLIN},
			{.fd = f->stop[0], .events = POLLIN},
		};
		if (poll(p, 3, 100) < 0 && errno != EINTR)
			break;
		if (p[2].revents)
			break;
		if (p[0].revents & POLLIN)
			udp_serve(f);
		if (p[1].revents & POLLIN)
			tcp_serve(f);
	}
	return NULL;
}

/* Bind UDP and TCP on one free port of 127.0.0.1. */
static void fake_start(fake_t *f, behaviour_t b)
{
	memset(f, 0, sizeof(*f));
	f->b = b;
	for (int attempt = 0; attempt < 50; attempt++) {
		struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
		socklen_t sl = sizeof(sa);
		f->udp = socket(AF_INET, SOCK_DGRAM, 0);
		assert_true(f->udp >= 0);
		assert_int_equal(bind(f->udp, (struct sockaddr *)&sa, sizeof(sa)), 0);
		assert_int_equal(getsockname(f->udp, (struct sockaddr *)&sa, &sl), 0);
		f->tcp = socket(AF_INET, SOCK_STREAM, 0);
		int one = 1;
		setsockopt(f->tcp, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(f->tcp, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(f->tcp, 8) == 0) {
			f->port = ntohs(sa.sin_port);
			break;
		}
		close(f->udp);
		close(f->tcp);
	}
	assert_true(f->port != 0);
	assert_int_equal(pipe(f->stop), 0);
	assert_int_equal(pthread_create(&f->thread, NULL, fake_main, f), 0);
}

static void fake_stop(fake_t *f)
{
	(void)write(f->stop[1], "x", 1);
	pthread_join(f->thread, NULL);
	close(f->udp);
	close(f->tcp);
	close(f->stop[0]);
	close(f->stop[1]);
}

static dns_net_addr_t fake_addr(const fake_t *f)
{
	char text[32];
	dns_net_addr_t a;
	snprintf(text, sizeof(text), "127.0.0.1:%u", f->port);
	assert_int_equal(dns_net_addr_parse(text, &a), DNS_OK);
	return a;
}

/* One blocking exchange against a fake server behaving as @b. */
static dns_netq_result_t run(behaviour_t b, dns_netq_mode_t mode, uint32_t timeout_ms,
                             uint8_t *ans, fake_t *f)
{
	fake_start(f, b);
	dns_net_addr_t addr = fake_addr(f);
	dns_netq_request_t req = {
		.server = &addr, .msg = query_a, .len = sizeof(query_a), .mode = mode,
		.timeout_ms = timeout_ms,
	};
	dns_netq_result_t res;
	assert_int_equal(dns_netq_exchange(&req, ans, 65535, &res), DNS_OK);
	fake_stop(f);
	return res;
}

static void test_udp_answer(void **state)
{
	static uint8_t ans[65535];
	fake_t f;
	dns_netq_result_t r = run(B_ANSWER, DNS_NETQ_UDP, 5000, ans, &f);
	assert_int_equal(r.status, DNS_NETQ_OK);
	assert_int_equal(r.transport, DNS_NET_UDP);
	assert_int_equal(r.len, sizeof(query_a) + 3);
	assert_int_equal(ans[0], 0x12);
	assert_int_equal(ans[1], 0x34);
	assert_int_equal(r.udp_sends, 1);
}

static void test_udp_retransmit(void **state)
{
	static uint8_t ans[65535];
	fake_t f;
	/* three tries of 2 s: the second datagram is answered */
	dns_netq_result_t r = run(B_DROP_FIRST, DNS_NETQ_UDP, 6000, ans, &f);
	assert_int_equal(r.status, DNS_NETQ_OK);
	assert_int_equal(r.udp_sends, 2);
	assert_int_equal(atomic_load(&f.udp_seen), 2);
}

static void test_udp_forged_ignored(void **state)
{
	static uint8_t ans[65535];
	fake_t f;
	dns_netq_result_t r = run(B_FORGED_FIRST, DNS_NETQ_UDP, 5000, ans, &f);
	assert_int_equal(r.status, DNS_NETQ_OK);
	assert_int_equal(r.len, sizeof(query_a) + 3);   /* the real answer, not a forged one */
	assert_int_equal(ans[0], 0x12);
	assert_int_equal(ans[13] & 0xDF, 'W');
}

static void test_truncated_falls_back_to_tcp(void **state)
{
	static uint8_t ans[65535];
	fake_t f;
	dns_netq_result_t r = run(B_TRUNCATE, DNS_NETQ_UDP, 5000, ans, &f);
	assert_int_equal(r.status, DNS_NETQ_OK);
	assert_int_equal(r.transport, DNS_NET_TCP);
	assert_int_equal(r.len, sizeof(query_a) + 700);
	assert_int_equal(r.tcp_connects, 1);

	/* UDP only: the truncated answer itself */
	r = run(B_TRUNCATE, DNS_NETQ_UDP_ONLY, 5000, ans, &f);
	assert_int_equal(r.status, DNS_NETQ_OK);
	assert_int_equal(r.transport, DNS_NET_UDP);
	assert_true(ans[2] & 0x02);
}

static void test_tcp_answer_and_bytewise(void **state)
{
	static uint8_t ans[65535];
	fake_t f;
	dns_netq_result_t r = run(B_ANSWER, DNS_NETQ_TCP, 5000, ans, &f);
	assert_int_equal(r.status, DNS_NETQ_OK);
	assert_int_equal(r.transport, DNS_NET_TCP);
	assert_int_equal(r.len, sizeof(query_a) + 700);
	assert_int_equal(r.udp_sends, 0);

	r = run(B_TCP_BYTEWISE, DNS_NETQ_TCP, 10000, ans, &f);
	assert_int_equal(r.status, DNS_NETQ_OK);
	assert_int_equal(r.len, sizeof(query_a) + 700);
	assert_int_equal(ans[r.len - 1], 0xAB);
}

static void test_tcp_lost_connection_retried(void **state)
{
	static uint8_t ans[65535];
	fake_t f;
	dns_netq_result_t r = run(B_TCP_CLOSE_FIRST, DNS_NETQ_TCP, 5000, ans, &f);
	assert_int_equal(r.status, DNS_NETQ_OK);
	assert_int_equal(r.tcp_connects, 2);
	assert_int_equal(atomic_load(&f.tcp_conns), 2);
}

static void test_tcp_wrong_id(void **state)
{
	static uint8_t ans[65535];
	fake_t f;
	dns_netq_result_t r = run(B_TCP_WRONG_ID, DNS_NETQ_TCP, 5000, ans, &f);
	assert_int_equal(r.status, DNS_NETQ_MISMATCH);
	assert_null(r.answer);
}

static void test_formerr_without_question(void **state)
{
	static uint8_t ans[65535];
	fake_t f;
	dns_netq_result_t r = run(B_FORMERR_NOQ, DNS_NETQ_UDP, 5000, ans, &f);
	assert_int_equal(r.status, DNS_NETQ_OK);
	assert_int_equal(r.len, 12);
	assert_int_equal(ans[3] & 0xF, 1);
}

static void test_silence_times_out(void **state)
{
	static uint8_t ans[65535];
	fake_t f;
	dns_netq_result_t r = run(B_SILENT, DNS_NETQ_UDP, 600, ans, &f);
	assert_int_equal(r.status, DNS_NETQ_TIMEOUT);
	assert_int_equal(r.udp_sends, 3);
	r = run(B_SILENT, DNS_NETQ_TCP, 600, ans, &f);
	assert_int_equal(r.status, DNS_NETQ_TIMEOUT);
}

static void test_refused(void **state)
{
	/* a port that was just free: nothing listens there */
	fake_t f;
	fake_start(&f, B_ANSWER);
	dns_net_addr_t addr = fake_addr(&f);
	fake_stop(&f);
	static uint8_t ans[65535];
	dns_netq_request_t req = {
		.server = &addr, .msg = query_a, .len = sizeof(query_a), .mode = DNS_NETQ_TCP,
		.timeout_ms = 5000,
	};
	dns_netq_result_t r;
	assert_int_equal(dns_netq_exchange(&req, ans, sizeof(ans), &r), DNS_OK);
	assert_int_equal(r.status, DNS_NETQ_UNREACHABLE);
	assert_int_equal(r.sys_errno, ECONNREFUSED);
	req.mode = DNS_NETQ_UDP;
	req.timeout_ms = 900;
	assert_int_equal(dns_netq_exchange(&req, ans, sizeof(ans), &r), DNS_OK);
	assert_int_equal(r.status, DNS_NETQ_UNREACHABLE);
}

static void test_bad_requests(void **state)
{
	dns_net_addr_t addr;
	assert_int_equal(dns_net_addr_parse("127.0.0.1:53", &addr), DNS_OK);
	uint8_t bad[sizeof(query_a)];
	memcpy(bad, query_a, sizeof(bad));
	bad[12] = 0xC0;   /* a compression pointer in our own question */
	dns_netq_request_t req = {.server = &addr, .msg = bad, .len = sizeof(bad)};
	dns_netq_result_t r;
	uint8_t ans[16];
	assert_int_equal(dns_netq_exchange(&req, ans, sizeof(ans), &r), DNS_EINVAL);
	req.msg = query_a;
	req.len = 11;
	assert_int_equal(dns_netq_exchange(&req, ans, sizeof(ans), &r), DNS_EINVAL);
	req.len = sizeof(query_a) - 1;   /* question cut short */
	assert_int_equal(dns_netq_exchange(&req, ans, sizeof(ans), &r), DNS_EINVAL);
}

typedef struct collected {
	int n;
	dns_netq_status_t st[4];
	uint16_t id[4];
} collected_t;

static void collect(void *arg, const dns_netq_result_t *res)
{
	collected_t *c = arg;
	c->st[c->n] = res->status;
	c->id[c->n] = res->status == DNS_NETQ_OK ? (uint16_t)(res->answer[0] << 8 | res->answer[1]) : 0;
	c->n++;
}

static void test_async_concurrent_and_cancel(void **state)
{
	fake_t f;
	fake_start(&f, B_ANSWER);
	dns_net_addr_t addr = fake_addr(&f);
	struct event_base *base = event_base_new();
	dns_netq_t *q = dns_netq_new(base);
	collected_t c = {0};
	dns_netq_request_t req = {
		.server = &addr, .msg = query_a, .len = sizeof(query_a), .timeout_ms = 5000,
		.random_id = true,
	};
	dns_netq_query_t *h[3];
	assert_int_equal(dns_netq_send(q, &req, collect, &c, &h[0]), DNS_OK);
	req.mode = DNS_NETQ_TCP;
	assert_int_equal(dns_netq_send(q, &req, collect, &c, &h[1]), DNS_OK);
	assert_int_equal(dns_netq_send(q, &req, collect, &c, &h[2]), DNS_OK);
	assert_int_equal(dns_netq_pending(q), 3);
	assert_int_equal(c.n, 0);   /* never called from inside send */
	dns_netq_cancel(h[2]);
	for (int i = 0; i < 200 && c.n < 2; i++)
		event_base_loop(base, EVLOOP_ONCE);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.st[0], DNS_NETQ_OK);
	assert_int_equal(c.st[1], DNS_NETQ_OK);
	assert_int_equal(dns_netq_pending(q), 0);
	/* a query left running is cancelled by free */
	assert_int_equal(dns_netq_send(q, &req, collect, &c, NULL), DNS_OK);
	dns_netq_free(q);
	event_base_free(base);
	fake_stop(&f);
	assert_int_equal(c.n, 2);
}

static void test_random_ids_vary(void **state)
{
	uint16_t first = dns_netq_random_id();
	bool varied = false;
	for (int i = 0; i < 64 && !varied; i++)
		varied = dns_netq_random_id() != first;
	assert_true(varied);
	assert_string_equal(dns_netq_status_text(DNS_NETQ_TIMEOUT), "timeout");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_udp_answer),
		cmocka_unit_test(test_udp_retransmit),
		cmocka_unit_test(test_udp_forged_ignored),
		cmocka_unit_test(test_truncated_falls_back_to_tcp),
		cmocka_unit_test(test_tcp_answer_and_bytewise),
		cmocka_unit_test(test_tcp_lost_connection_retried),
		cmocka_unit_test(test_tcp_wrong_id),
		cmocka_unit_test(test_formerr_without_question),
		cmocka_unit_test(test_silence_times_out),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_bad_requests),
		cmocka_unit_test(test_async_concurrent_and_cancel),
		cmocka_unit_test(test_random_ids_vary),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
