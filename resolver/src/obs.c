/*
 * obs.c - refusals, build info and the query log of dns-resolver (obs.h).
 */
#include <stdio.h>

#include "dns/log.h"
#include "dns/metrics_text.h"
#include "obs.h"

static void on_tick(void *arg)
{
	(void)arg;
	dns_log_tick(); /* a flood of refusals that stopped is summed up */
}

void res_obs_sighup(void *arg)
{
	res_obs_t *o = arg;
	dns_log(DNS_LOG_INFO, "SIGHUP: reopening the query log", NULL);
	dns_query_log_reopen(o->qlog);
}

int res_obs_start(res_obs_t *o, dns_net_server_t *srv, const char *query_log, char *err,
                  size_t errlen)
{
	o->req = dns_req_metrics_new(dns_net_workers(srv));
	o->tick = dns_net_timer_new(srv, on_tick, o);
	if (!o->req || !o->tick) {
		snprintf(err, errlen, "out of memory");
		return 1;
	}
	dns_net_timer_arm(o->tick, 1000, true);
	if (query_log && !(o->qlog = dns_query_log_open(query_log, err, errlen)))
		return 1;
	return 0;
}

void res_obs_stop(res_obs_t *o)
{
	if (o->tick)
		dns_net_timer_free(o->tick);
	o->tick = NULL;
}

void res_obs_free(res_obs_t *o)
{
	dns_req_metrics_free(o->req);
	o->req = NULL;
	dns_query_log_close(o->qlog);
	o->qlog = NULL;
	dns_log_flush();
}

void res_obs_refused(res_obs_t *o, const dns_net_request_t *req, dns_refusal_t why,
                     unsigned rcode)
{
	dns_req_metrics_refused(o->req, why);
	dns_refusal_log_request(why, req->peer, req->transport == DNS_NET_TCP, req->data, req->len,
	                        rcode, 0);
}

void res_obs_write_metrics(res_obs_t *o, const res_stats_t *st, uint64_t acl_refused,
                           uint64_t items_refused, FILE *f)
{
	dns_metrics_build_info(f, "dns-resolver");
	dns_req_metrics_write_refused(o->req, f);
	fprintf(f, "# TYPE dns_resolver_queries_total counter\n"
	           "dns_resolver_queries_total{path=\"cache\"} %llu\n"
	           "dns_resolver_queries_total{path=\"resolve\"} %llu\n"
	           "# TYPE dns_resolver_cache_misses_total counter\n"
	           "dns_resolver_cache_misses_total %llu\n"
	           "# TYPE dns_resolver_merged_total counter\n"
	           "dns_resolver_merged_total %llu\n"
	           "# TYPE dns_resolver_upstream_queries_total counter\n"
	           "dns_resolver_upstream_queries_total{transport=\"any\"} %llu\n"
	           "dns_resolver_upstream_queries_total{transport=\"tcp\"} %llu\n"
	           "# TYPE dns_resolver_upstream_timeouts_total counter\n"
	           "dns_resolver_upstream_timeouts_total %llu\n"
	           "# TYPE dns_resolver_upstream_oversized_total counter\n"
	           "dns_resolver_upstream_oversized_total %llu\n"
	           "# TYPE dns_resolver_budget_exhausted_total counter\n"
	           "dns_resolver_budget_exhausted_total %llu\n"
	           "# TYPE dns_resolver_answers_total counter\n"
	           "dns_resolver_answers_total{rcode=\"NOERROR\"} %llu\n"
	           "dns_resolver_answers_total{rcode=\"NXDOMAIN\"} %llu\n"
	           "dns_resolver_answers_total{rcode=\"SERVFAIL\"} %llu\n"
	           "# TYPE dns_resolver_validation_total counter\n"
	           "dns_resolver_validation_total{result=\"secure\"} %llu\n"
	           "dns_resolver_validation_total{result=\"insecure\"} %llu\n"
	           "dns_resolver_validation_total{result=\"bogus\"} %llu\n"
	           "# TYPE dns_resolver_fetches gauge\n"
	           "dns_resolver_fetches %zu\n"
	           "# TYPE dns_resolver_cache_entries gauge\n"
	           "dns_resolver_cache_entries %zu\n"
	           "# TYPE dns_resolver_cache_bytes gauge\n"
	           "dns_resolver_cache_bytes %zu\n"
	           "# TYPE dns_resolver_cache_evictions_total counter\n"
	           "dns_resolver_cache_evictions_total %llu\n",
	        (unsigned long long)st->cache_answers, (unsigned long long)st->client_queries,
	        (unsigned long long)st->cache_misses, (unsigned long long)st->merged,
	        (unsigned long long)st->upstream_queries, (unsigned long long)st->upstream_tcp,
	        (unsigned long long)st->upstream_timeouts, (unsigned long long)st->upstream_oversized,
	        (unsigned long long)st->budget_exhausted,
	        (unsigned long long)st->answers_noerror, (unsigned long long)st->answers_nxdomain,
	        (unsigned long long)st->answers_servfail, (unsigned long long)st->val_secure,
	        (unsigned long long)st->val_insecure, (unsigned long long)st->val_bogus,
	        st->fetches, st->cache.entries,
	        st->cache.bytes, (unsigned long long)st->cache.evictions);
	fprintf(f, "# TYPE dns_resolver_stale_answers_total counter\n"
	           "dns_resolver_stale_answers_total %llu\n"
	           "# TYPE dns_resolver_prefetches_total counter\n"
	           "dns_resolver_prefetches_total %llu\n"
	           "# TYPE dns_resolver_aggressive_answers_total counter\n"
	           "dns_resolver_aggressive_answers_total %llu\n",
	        (unsigned long long)st->stale_answers, (unsigned long long)st->prefetches,
	        (unsigned long long)st->aggressive);
	fprintf(f, "# TYPE dns_resolver_acl_refused_total counter\n"
	           "dns_resolver_acl_refused_total %llu\n",
	        (unsigned long long)acl_refused);
	fprintf(f, "# TYPE dns_resolver_clients_refused_total counter\n"
	           "dns_resolver_clients_refused_total %llu\n"
	           "# TYPE dns_resolver_clients_waiting gauge\n"
	           "dns_resolver_clients_waiting %zu\n"
	           "# TYPE dns_resolver_signature_verifications_total counter\n"
	           "dns_resolver_signature_verifications_total %llu\n",
	        (unsigned long long)(st->clients_refused + items_refused), st->clients,
	        (unsigned long long)st->sig_verifications);
}
