/*
 * metrics.h - a minimal Prometheus text endpoint: GET /metrics on one
 * address, served by a thread of its own with blocking sockets (one short
 * request at a time is all a scraper needs).  The body comes from a
 * callback that writes to a FILE (memory stream).
 */
#ifndef SEC_METRICS_H
#define SEC_METRICS_H

#include <stdio.h>

#include "dns/net.h"

typedef void (*sec_metrics_fn)(void *ctx, FILE *out);
typedef struct sec_metrics_srv sec_metrics_srv_t;

/* Bind @addr and start serving.  NULL with @err set on failure. */
sec_metrics_srv_t *sec_metrics_start(const dns_net_addr_t *addr, sec_metrics_fn fn, void *ctx,
                                     char *err, size_t errlen);
/* Stop the thread and free. NULL is fine. */
void sec_metrics_stop(sec_metrics_srv_t *m);

#endif
