/*
 * Unit tests for libdnsnet, the life around requests: deferred replies,
 * snapshot publication and reclamation, control-loop timers and posts,
 * signals and shutdown.  All waits are generous upper bounds, never speed
 * claims.  Loopback only.
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

static atomic_int g_timer_fired, g_posted, g_hup;

/* ---- tests ---- */

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
		cmocka_unit_test(test_deferred),
		cmocka_unit_test(test_publish_reclaim),
		cmocka_unit_test(test_control_loop_and_signals),
		cmocka_unit_test(test_stop_before_run),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
