/*
 * Unit tests of libdnsnet's TCP limits over loopback (net.h, "TCP
 * limits"): the deadline for a message to arrive whole, counted from its
 * first byte whatever the trickle; the per-prefix limit; eviction of the
 * connection nearest its timeout when the table is full, never of one
 * with work in progress or a kept one; and the counters of each.  Waits
 * are generous upper bounds, never speed claims.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dns/net.h"

#include "net_testlib.h"

/* A TCP connection to @a from the IPv4 source @src (any 127.x works). */
static int connect_from(const dns_net_addr_t *a, const char *src)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	struct sockaddr_in s = { .sin_family = AF_INET };
	assert_int_equal(inet_pton(AF_INET, src, &s.sin_addr), 1);
	assert_int_equal(bind(fd, (struct sockaddr *)&s, sizeof s), 0);
	assert_int_equal(connect(fd, (const struct sockaddr *)&a->ss, a->len), 0);
	return fd;
}

/* Whether a query on @fd is answered (the connection is served). */
static bool served(int fd)
{
	uint8_t ans[64];
	if (send(fd, "\0\2Eq", 4, MSG_NOSIGNAL) != 4)
		return false;
	return tcp_recv(fd, ans, WAIT_MS) == 2;
}

/* Poll the server's counters until @pick of them reaches @want. */
static uint64_t stat_wait(dns_net_server_t *srv, size_t offset, uint64_t want)
{
	dns_net_stats_t st;
	for (int i = 0; i < WAIT_MS / 10; i++) {
		dns_net_stats(srv, &st);
		uint64_t v;
		memcpy(&v, (const char *)&st + offset, sizeof v);
		if (v >= want)
			return v;
		sleep_ms(10);
	}
	dns_net_stats(srv, &st);
	uint64_t v;
	memcpy(&v, (const char *)&st + offset, sizeof v);
	return v;
}
#define STAT_WAIT(srv, field, want) stat_wait(srv, offsetof(dns_net_stats_t, field), want)

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

static void test_message_deadline(void **state)
{
	fixture_t f;
	dns_net_config_t cfg = { .tcp_idle_ms = 20000, .tcp_msg_ms = 400, .workers = 1 };
	start(&f, &cfg);
	/* slowloris: a 22-byte message, one byte every 100 ms.  The idle
	 * timeout (20 s) never runs out; the message deadline does. */
	int fd = tcp_connect(&f.v4, 0);
	uint8_t msg[22] = { 0, 20, 'E' };
	int sent = 0;
	bool closed = false;
	for (; sent < (int)sizeof msg && !closed; sent++) {
		if (send(fd, msg + sent, 1, MSG_NOSIGNAL) != 1)
			break;
		closed = closed_within(fd, 100);
	}
	closed = closed || closed_within(fd, WAIT_MS);
	assert_true(closed);
	assert_true(sent < (int)sizeof msg);
	close(fd);
	assert_int_equal(STAT_WAIT(f.srv, tcp_closed_deadline, 1), 1);

	/* whole messages spaced wider than the deadline: each has its own,
	 * and the time between them is the idle timeout's */
	fd = tcp_connect(&f.v4, 0);
	for (int i = 0; i < 4; i++) {
		assert_true(served(fd));
		sleep_ms(600);
	}
	/* a message in two halves, the second within the deadline */
	assert_int_equal(send(fd, "\0\2", 2, MSG_NOSIGNAL), 2);
	sleep_ms(150);
	uint8_t ans[8];
	assert_int_equal(send(fd, "Eh", 2, MSG_NOSIGNAL), 2);
	assert_int_equal(tcp_recv(fd, ans, WAIT_MS), 2);
	close(fd);
	dns_net_stats_t st;
	dns_net_stats(f.srv, &st);
	assert_int_equal(st.tcp_closed_deadline, 1);
	assert_int_equal(st.tcp_closed_idle, 0);
	finish(&f);
}

static void test_prefix_limit(void **state)
{
	fixture_t f;
	dns_net_config_t cfg = { .tcp_max_per_prefix = 3 };
	start(&f, &cfg);
	int fds[3];
	const char *same[3] = { "127.0.0.1", "127.0.0.2", "127.0.0.3" };
	for (int i = 0; i < 3; i++) {
		fds[i] = connect_from(&f.v4, same[i]);
		assert_true(served(fds[i]));
	}
	/* a fourth address of the same /24 is refused... */
	int extra = connect_from(&f.v4, "127.0.0.4");
	assert_false(served(extra));
	close(extra);
	assert_int_equal(STAT_WAIT(f.srv, tcp_refused_prefix, 1), 1);
	/* ...one of another /24 is not */
	int other = connect_from(&f.v4, "127.0.1.4");
	assert_true(served(other));
	close(other);
	for (int i = 0; i < 3; i++)
		close(fds[i]);
	finish(&f);

	/* with /32 prefixes every address has its own share */
	cfg = (dns_net_config_t){ .tcp_max_per_prefix = 1, .tcp_prefix_v4 = 32 };
	start(&f, &cfg);
	int a = connect_from(&f.v4, "127.0.0.1"), b = connect_from(&f.v4, "127.0.0.2");
	assert_true(served(a));
	assert_true(served(b));
	int c = connect_from(&f.v4, "127.0.0.2");
	assert_false(served(c));
	close(a);
	close(b);
	close(c);
	finish(&f);
}

static void test_eviction(void **state)
{
	fixture_t f;
	dns_net_config_t cfg = { .tcp_max_conns = 3, .workers = 1, .tcp_idle_ms = 20000,
	                         .tcp_msg_ms = 10000 };
	uint8_t ans[16];
	start(&f, &cfg);
	/* idle: answered, nothing pending since */
	int idle = tcp_connect(&f.v4, 0);
	assert_true(served(idle));
	/* partial: half a message, started later but due sooner */
	int partial = tcp_connect(&f.v4, 0);
	assert_int_equal(send(partial, "\0\5E", 3, MSG_NOSIGNAL), 3);
	/* busy: waiting for its deferred reply */
	int busy = tcp_connect(&f.v4, 0);
	tcp_send(busy, "L\0", 2);
	dns_net_deferred_t *d0 = take_deferred(0);

	/* the table is full: a newcomer is served, the partial one goes */
	int n1 = tcp_connect(&f.v4, 0);
	assert_true(served(n1));
	assert_true(closed_within(partial, WAIT_MS));
	/* the next newcomer: the oldest idle one goes */
	int n2 = tcp_connect(&f.v4, 0);
	assert_true(served(n2));
	assert_true(closed_within(idle, WAIT_MS));
	assert_int_equal(STAT_WAIT(f.srv, tcp_evicted, 2), 2);
	/* the busy one was never chosen: its reply arrives */
	assert_int_equal(dns_net_deferred_send(d0, (const uint8_t *)"late", 4), DNS_OK);
	assert_int_equal(tcp_recv(busy, ans, WAIT_MS), 4);
	assert_memory_equal(ans, "late", 4);

	/* every slot busy on our side: the newcomer is closed at once */
	tcp_send(n1, "L\1", 2);
	tcp_send(n2, "L\2", 2);
	tcp_send(busy, "L\3", 2);
	dns_net_deferred_t *d[3] = { take_deferred(1), take_deferred(2), take_deferred(3) };
	int n3 = tcp_connect(&f.v4, 0);
	assert_false(served(n3));
	assert_int_equal(STAT_WAIT(f.srv, tcp_refused_full, 1), 1);
	for (int i = 0; i < 3; i++)
		dns_net_deferred_drop(d[i]);
	close(n3);
	close(n1);
	close(n2);
	close(busy);
	close(idle);
	close(partial);
	finish(&f);
}

/* Kept connections (hidden secondaries) are never evicted. */
static void test_kept_not_evicted(void **state)
{
	fixture_t f;
	dns_net_config_t cfg = { .tcp_max_conns = 1, .workers = 1 };
	uint8_t ans[8];
	start(&f, &cfg);
	int fd = tcp_connect(&f.v4, 0);
	tcp_send(fd, "K", 1);
	assert_int_equal(tcp_recv(fd, ans, WAIT_MS), 1);
	dns_net_conn_t *c = atomic_load(&g_kept);
	assert_non_null(c);
	int other = tcp_connect(&f.v4, 0);
	assert_false(served(other));
	close(other);
	assert_true(dns_net_conn_open(c));
	assert_int_equal(dns_net_conn_send(c, (const uint8_t *)"ping", 4), DNS_OK);
	assert_int_equal(tcp_recv(fd, ans, WAIT_MS), 4);
	dns_net_stats_t st;
	dns_net_stats(f.srv, &st);
	assert_int_equal(st.tcp_evicted, 0);
	assert_int_equal(st.tcp_refused_full, 1);
	assert_int_equal(st.tcp_open, 1);
	close(fd);
	finish(&f);
	dns_net_conn_release(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_message_deadline),
		cmocka_unit_test(test_prefix_limit),
		cmocka_unit_test(test_eviction),
		cmocka_unit_test(test_kept_not_evicted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
