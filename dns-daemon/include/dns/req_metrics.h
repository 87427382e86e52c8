/*
 * req_metrics.h - the request counters every authoritative daemon exposes
 * with the same names and label sets (dns-primary-git, dns-secondary):
 *
 *   dns_queries_total{type,rcode,transport}    QUERY opcode only, by
 *                                              question type (AXFR and IXFR
 *                                              among them), rcode, udp/tcp
 *   dns_requests_total{opcode,rcode,transport} every request answered, by
 *                                              opcode: QUERY, NOTIFY,
 *                                              UPDATE, OTHER
 *   dns_requests_refused_total{reason}         every refusal by reason
 *                                              (refusal.h; all reasons
 *                                              listed, 0 included)
 *
 * Answers are counted in per-worker cells (one writer each: a relaxed load
 * and store, no read-modify-write on the query path); refusals, rarer and
 * from any thread, with atomic adds.
 */
#ifndef DNS_DAEMON_REQ_METRICS_H
#define DNS_DAEMON_REQ_METRICS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "dns/refusal.h"

typedef struct dns_req_metrics dns_req_metrics_t;

dns_req_metrics_t *dns_req_metrics_new(unsigned workers);
void dns_req_metrics_free(dns_req_metrics_t *m);

/* Worker @worker answered a request (the rcode sent, extended; for a TSIG
 * failure NOTAUTH).  Only that worker's thread may call this for @worker. */
void dns_req_metrics_answered(dns_req_metrics_t *m, unsigned worker, unsigned opcode,
                              uint16_t qtype, unsigned rcode, bool tcp);

/* Every request answered so far (all workers, any thread). */
uint64_t dns_req_metrics_answered_total(dns_req_metrics_t *m);

/* A request refused for @why (any thread). */
void dns_req_metrics_refused(dns_req_metrics_t *m, dns_refusal_t why);

/* The three metrics above, with HELP and TYPE. */
void dns_req_metrics_write(dns_req_metrics_t *m, FILE *out);
/* dns_requests_refused_total alone (a daemon whose answers are counted
 * otherwise, e.g. the resolver's deferred ones). */
void dns_req_metrics_write_refused(dns_req_metrics_t *m, FILE *out);

#endif
