/*
 * metrics_http.h - the Prometheus text endpoint of the suite's daemons:
 * GET /metrics on one address, served by libevent's evhttp on a thread of
 * its own, the body written by the daemon's callback into a memory stream.
 */
#ifndef DNS_DAEMON_METRICS_HTTP_H
#define DNS_DAEMON_METRICS_HTTP_H

#include <stddef.h>
#include <stdio.h>
#include <sys/socket.h>

typedef void (*dns_metrics_write_fn)(void *ctx, FILE *out);
typedef struct dns_metrics_http dns_metrics_http_t;

/* Bind @addr and serve; NULL with @err set (e.g. "metrics: bind 127.0.0.1:9300:
 * Address already in use") on failure.  @write runs on the HTTP thread. */
dns_metrics_http_t *dns_metrics_http_start(const struct sockaddr *addr, socklen_t addrlen,
                                           dns_metrics_write_fn write, void *ctx, char *err,
                                           size_t errlen);

/* Stop serving, join the thread, free.  NULL is fine. */
void dns_metrics_http_stop(dns_metrics_http_t *h);

#endif
