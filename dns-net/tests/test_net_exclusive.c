/*
 * Unit tests of one server per address (exclusive.c): a second server on
 * an address a server already holds is refused with "address in use",
 * whether the holder is ours or a foreign SO_REUSEPORT socket of the same
 * user, for UDP and TCP; ephemeral ports and overlapping addresses of one
 * server keep working.  Loopback only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dns/net.h"

#include "net_testlib.h"

static uint16_t port_of(const dns_net_addr_t *a)
{
	return ntohs(((const struct sockaddr_in *)&a->ss)->sin_port);
}

static dns_net_addr_t addr_at(const char *ip, uint16_t port)
{
	char text[64];
	dns_net_addr_t a;
	snprintf(text, sizeof(text), "%s:%u", ip, port);
	assert_int_equal(dns_net_addr_parse(text, &a), DNS_OK);
	return a;
}

/* Start a server on @a: its dns_net_start result, @err filled. */
static dns_err_t try_start(const dns_net_addr_t *a, size_t n, dns_net_server_t **srv, char *err,
                           size_t errlen)
{
	dns_net_config_t cfg = { .listen = a, .nlisten = n, .workers = 2, .handler = handler };
	assert_int_equal(dns_net_server_new(&cfg, srv, err, errlen), DNS_OK);
	return dns_net_start(*srv, err, errlen);
}

/* A foreign socket of @type on @a with SO_REUSEADDR and SO_REUSEPORT, as
 * another server (a second dns-primary-git, knotd) holds its address. */
static int foreign_socket(const dns_net_addr_t *a, int type)
{
	int one = 1;
	int fd = socket(AF_INET, type, 0);
	assert_true(fd >= 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)), 0);
	assert_int_equal(bind(fd, (const struct sockaddr *)&a->ss, a->len), 0);
	if (type == SOCK_STREAM)
		assert_int_equal(listen(fd, 8), 0);
	return fd;
}

static void test_second_server_refused(void **state)
{
	fixture_t f;
	dns_net_config_t cfg = { 0 };
	char err[256] = "", want[128];
	start(&f, &cfg);
	dns_net_server_t *second = NULL;
	assert_int_equal(try_start(&f.v4, 1, &second, err, sizeof(err)), DNS_EEXIST);
	snprintf(want, sizeof(want), "listen 127.0.0.1:%u (udp): address in use "
	         "(another server is running there)", port_of(&f.v4));
	assert_string_equal(err, want);
	dns_net_server_free(second);
	/* the first one still answers */
	uint8_t ans[64];
	assert_int_equal(udp_query(&f.v4, "Ehello", 6, ans, WAIT_MS), 6);
	finish(&f);
}

static void test_foreign_reuseport_refused(void **state)
{
	const int types[2] = { SOCK_DGRAM, SOCK_STREAM };
	for (int k = 0; k < 2; k++) {
		/* a port that is free for both protocols, then held by one */
		dns_net_addr_t any = addr_at("127.0.0.1", 0);
		dns_net_server_t *srv = NULL;
		char err[256] = "";
		assert_int_equal(try_start(&any, 1, &srv, err, sizeof(err)), DNS_OK);
		dns_net_addr_t a = *dns_net_bound_addr(srv, 0);
		dns_net_server_free(srv);
		int fd = foreign_socket(&a, types[k]);
		assert_int_equal(try_start(&a, 1, &srv, err, sizeof(err)), DNS_EEXIST);
		assert_non_null(strstr(err, k == 0 ? "(udp): address in use" : "(tcp): address in use"));
		dns_net_server_free(srv);
		/* once the holder is gone, the address is ours */
		close(fd);
		assert_int_equal(try_start(&a, 1, &srv, err, sizeof(err)), DNS_OK);
		/* and the probe of a later server fails on our sockets */
		assert_int_equal(dns_net_listen_probe(&a, types[k], err, sizeof(err)), DNS_EEXIST);
		dns_net_server_free(srv);
	}
}

static void test_ephemeral_and_overlap(void **state)
{
	/* port 0 twice: two servers, two different ports */
	dns_net_addr_t any = addr_at("127.0.0.1", 0);
	dns_net_server_t *a = NULL, *b = NULL;
	char err[256] = "";
	assert_int_equal(try_start(&any, 1, &a, err, sizeof(err)), DNS_OK);
	assert_int_equal(try_start(&any, 1, &b, err, sizeof(err)), DNS_OK);
	uint16_t pa = port_of(dns_net_bound_addr(a, 0)), pb = port_of(dns_net_bound_addr(b, 0));
	assert_true(pa != 0 && pb != 0 && pa != pb);
	dns_net_server_free(b);
	dns_net_server_free(a);
	/* one server on the wildcard and on loopback, same port: its own
	 * sockets are no conflict (every address is probed before any bind) */
	assert_int_equal(try_start(&any, 1, &a, err, sizeof(err)), DNS_OK);
	uint16_t port = port_of(dns_net_bound_addr(a, 0));
	dns_net_server_free(a);
	dns_net_addr_t both[2] = { addr_at("0.0.0.0", port), addr_at("127.0.0.1", port) };
	assert_int_equal(try_start(both, 2, &a, err, sizeof(err)), DNS_OK);
	/* and a second server on the loopback part of it is refused */
	assert_int_equal(try_start(&both[1], 1, &b, err, sizeof(err)), DNS_EEXIST);
	dns_net_server_free(b);
	dns_net_server_free(a);
}

static void test_bind_then_start(void **state)
{
	dns_net_addr_t any = addr_at("127.0.0.1", 0);
	dns_net_config_t cfg = { .listen = &any, .nlisten = 1, .workers = 1, .handler = handler };
	dns_net_server_t *srv = NULL;
	char err[256] = "";
	assert_int_equal(dns_net_server_new(&cfg, &srv, err, sizeof(err)), DNS_OK);
	assert_null(dns_net_bound_addr(srv, 0));
	assert_int_equal(dns_net_bind(srv, err, sizeof(err)), DNS_OK);
	const dns_net_addr_t *bound = dns_net_bound_addr(srv, 0);
	assert_non_null(bound);
	dns_net_addr_t a = *bound;
	/* bound but not started: the address is already taken */
	assert_int_equal(dns_net_listen_probe(&a, SOCK_DGRAM, err, sizeof(err)), DNS_EEXIST);
	fixture_t f = { .srv = srv, .v4 = a };
	assert_int_equal(dns_net_start(srv, err, sizeof(err)), DNS_OK);
	assert_int_equal(pthread_create(&f.thread, NULL, run_thread, &f), 0);
	uint8_t ans[64];
	assert_int_equal(udp_query(&a, "Ehello", 6, ans, WAIT_MS), 6);
	finish(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_second_server_refused),
		cmocka_unit_test(test_foreign_reuseport_refused),
		cmocka_unit_test(test_ephemeral_and_overlap),
		cmocka_unit_test(test_bind_then_start),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
