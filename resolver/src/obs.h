/*
 * obs.h - what dns-resolver shares with the other daemons for operators:
 * refusals logged (rate-limited) and counted by reason, the metrics
 * text, and the optional query log (dns-daemon's refusal.h, req_metrics.h,
 * query_log.h).  Kept apart from daemon.c so that the wiring stays short.
 */
#ifndef RES_OBS_H
#define RES_OBS_H

#include <stdbool.h>
#include <stdio.h>

#include "dns/net.h"
#include "dns/query_log.h"
#include "dns/refusal.h"
#include "dns/req_metrics.h"
#include "resolver/engine.h"

typedef struct res_obs {
	dns_req_metrics_t *req;     /* refusals by reason */
	dns_query_log_t *qlog;      /* --query-log; NULL: off */
	dns_net_timer_t *tick;      /* the log's suppressed counts, once a second */
} res_obs_t;

/* Before the workers run; @query_log may be NULL.  Non-zero on failure,
 * with @err saying why. */
int res_obs_start(res_obs_t *o, dns_net_server_t *srv, const char *query_log, char *err,
                  size_t errlen);
/* Before the server is freed: its timer; after: the rest. */
void res_obs_stop(res_obs_t *o);
void res_obs_free(res_obs_t *o);
/* dns-net's on_sighup (arg: the res_obs_t): reopen the query log. */
void res_obs_sighup(void *obs);

/* Worker: @req was answered @rcode for @why (logged, counted). */
void res_obs_refused(res_obs_t *o, const dns_net_request_t *req, dns_refusal_t why,
                     unsigned rcode);

/* The query log line of an answer sent now (one branch when off). */
static inline void res_obs_answered(res_obs_t *o, const struct sockaddr *peer, bool tcp,
                                    const uint8_t *q, size_t qlen, const uint8_t *a,
                                    size_t alen)
{
	if (o->qlog)
		dns_query_log_write(o->qlog, peer, tcp, q, qlen, a, alen);
}

/* Every metric of the resolver: dns_build_info, dns_requests_refused_total
 * {reason}, and the engine's (@st) as dns_resolver_*. */
void res_obs_write_metrics(res_obs_t *o, const res_stats_t *st, uint64_t acl_refused,
                           uint64_t items_refused, FILE *f);

#endif
