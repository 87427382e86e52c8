/*
 * metrics_http.h - the Prometheus text endpoint of the suite's daemons:
 * GET /metrics on one address, served by a small HTTP/1.x responder on
 * libevent bufferevents, on a thread of its own, the body written by the
 * daemon's callback into a memory stream.
 *
 * Held under abuse: at most max_conns connections (a newcomer beyond that
 * closes the oldest one still sending its request; none left: the
 * newcomer is closed at once); the request head (at most 8 KiB) must be in
 * within request_ms of the connection, the answer read within 10 s; one
 * request per connection (Connection: close).  Each connection takes a
 * unit of a descriptor budget of its own (dns/net.h) from fd_reserve:
 * with none left (so, in practice, when an accepted descriptor falls
 * within the reserve) it is treated like a full table, and the DNS and git
 * work keep their descriptors.  (A daemon sets max_conns aside from the
 * DNS server's budget: dns/daemon_net.h.)  accept()
 * failing (EMFILE, ENFILE) pauses accepting for 250 ms instead of
 * spinning.  Pressure is logged at most once per 10 s per kind, with a
 * count, and counted in the exposition:
 *
 *   dns_metrics_http_connections_closed_total{reason}  counter: timeout,
 *                                                      evicted, fd_reserve,
 *                                                      busy
 *   dns_metrics_http_accept_errors_total               counter
 */
#ifndef DNS_DAEMON_METRICS_HTTP_H
#define DNS_DAEMON_METRICS_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "dns/net.h"

typedef void (*dns_metrics_write_fn)(void *ctx, FILE *out);
typedef struct dns_metrics_http dns_metrics_http_t;

typedef struct dns_metrics_http_opts {
	unsigned max_conns;     /* 0: 64 */
	uint32_t request_ms;    /* 0: 5000 */
	unsigned fd_reserve;    /* 0: 128 */
} dns_metrics_http_opts_t;

/* Bind @addr and serve; NULL with @err set (e.g. "metrics: bind 127.0.0.1:9300:
 * Address already in use") on failure.  @write runs on the HTTP thread.
 * @opts may be NULL (the defaults). */
dns_metrics_http_t *dns_metrics_http_start_opts(const struct sockaddr *addr, socklen_t addrlen,
                                                dns_metrics_write_fn write, void *ctx,
                                                const dns_metrics_http_opts_t *opts, char *err,
                                                size_t errlen);

/* The same with the default limits. */
dns_metrics_http_t *dns_metrics_http_start(const struct sockaddr *addr, socklen_t addrlen,
                                           dns_metrics_write_fn write, void *ctx, char *err,
                                           size_t errlen);

/* The bound address (port 0 resolved); false if unknown. */
bool dns_metrics_http_bound(const dns_metrics_http_t *h, struct sockaddr_storage *out,
                            socklen_t *len);

/* Stop serving, join the thread, free.  NULL is fine. */
void dns_metrics_http_stop(dns_metrics_http_t *h);

#endif
