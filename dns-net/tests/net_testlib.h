/*
 * net_testlib.h - what the libdnsnet unit tests share: a test handler
 * driven by the first byte of each request, a server fixture on
 * 127.0.0.1 and [::1], and client helpers.  Every wait is a generous upper
 * bound, never a speed claim.  Loopback only.
 */
#ifndef NET_TESTLIB_H
#define NET_TESTLIB_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "dns/net.h"

#define WAIT_MS 5000
#define MAX_DEFERRED 8

/* shared state between the tests and the handler */
extern atomic_int g_release_block;      /* 'B' requests wait for this */
extern atomic_int g_blocked;            /* a 'B' request is inside the handler */
extern atomic_int g_stream_calls;       /* messages produced by the stream */
extern atomic_int g_stream_released;
extern _Atomic(dns_net_conn_t *) g_kept;
extern atomic_int g_kept_closed;
extern _Atomic(dns_net_snap_t *) g_pin;
extern atomic_int g_freed[8];
extern _Atomic(dns_net_deferred_t *) g_deferred[MAX_DEFERRED]; /* 'L' requests, by byte 1 */
extern atomic_int g_prefetched[256];    /* 'F' requests the prefetch hook saw, by byte 1 */
extern atomic_int g_prefetch_calls;

/* A published snapshot: its id is what 'P' and 'B' answer. */
typedef struct snap { int id; } snap_t;
snap_t *snap_new(int id);
void snap_free(void *p);   /* counts in g_freed[id] */

/*
 * The test handler, by first byte: 'E' echo with 'R', 'D' drop,
 * 'S' stream (n = bytes 1-2, size = bytes 3-4), 'K' keep the connection,
 * 'B' block until released then answer the snapshot id, 'P' answer the
 * snapshot id, 'H' pin the snapshot, 'L' defer the reply (slot = byte 1),
 * 'F' say whether prefetch() saw it (id = byte 1).
 */
void handler(void *ctx, const dns_net_request_t *req, dns_net_reply_t *out);
/* A prefetch hook that marks the 'F' requests it sees in g_prefetched. */
void prefetch(void *ctx, const dns_net_request_t *reqs, unsigned n);

typedef struct fixture {
	dns_net_server_t *srv;
	pthread_t thread;
	dns_err_t run_result;
	dns_net_addr_t v4, v6;
} fixture_t;

/* Start a server on 127.0.0.1:0 and [::1]:0 (2 workers unless cfg says) running on f->thread. */
void start(fixture_t *f, dns_net_config_t *cfg);
/* The thread body of a fixture: dns_net_run(f->srv) into f->run_result. */
void *run_thread(void *arg);
/* Stop it, join, check run's result and free it. */
void finish(fixture_t *f);

void sleep_ms(int ms);
int wait_fd(int fd, int ms);                        /* poll for input: 1, 0 on timeout */
int udp_socket(const dns_net_addr_t *a);            /* connected to @a */
/* One query; the answer's length, or -1 when none came within @ms. */
ssize_t udp_query(const dns_net_addr_t *a, const void *q, size_t len, uint8_t *ans, int ms);
int tcp_connect(const dns_net_addr_t *a, int rcvbuf); /* rcvbuf 0: the default */
void tcp_send(int fd, const void *msg, size_t len);   /* one framed message */
ssize_t tcp_recv(int fd, uint8_t *buf, int ms);       /* its length, 0 on EOF, -1 on timeout */
bool closed_within(int fd, int ms);                   /* EOF or reset within @ms */
bool wait_until(atomic_int *v, int want, int ms);

#endif
