/*
 * metrics.h - Prometheus text metrics of dns-primary-git.
 *
 *   dns_build_info{version,program}          1
 *   dns_queries_total{type,rcode,transport}  counter: QUERY opcode (per-worker
 *                                            cells, one writer each)
 *   dns_requests_total{opcode,rcode,transport}  counter: every request
 *   dns_requests_refused_total{reason}       counter (dns-daemon's refusal.h)
 *   dns_served_commit_info{commit}           1
 *   dns_zone_serial{zone}                    gauge
 *   dns_zone_load_errors_total{zone}         counter
 *   dns_zone_load_failed{zone}               1 while the served version is
 *                                            older than the repository's
 *   dns_zone_removed{zone}                   1 for a zone whose file was
 *                                            removed (until restart; its
 *                                            serial is the last served)
 *   dns_removed_zone_requests_total{zone}    counter: transfers asked for
 *                                            a removed zone
 *   dns_key_file_load_failed{file}           1 while a key file's version in
 *                                            the repository failed to load
 *   dns_key_file_load_errors_total{file}     counter
 *   dns_notify_pending                       gauge
 *   dns_transfers_total{zone,kind}           counter
 *   dns_updates_total{result}                counter (accepted, refused)
 *   dns_update_batches_total, dns_update_commits_total   counters
 *   dns_update_push_retries_total{reason}    counter (unreachable, rejected)
 *   dns_update_push_seconds                  summary (sum, count)
 *   dns_tcp_*, dns_metrics_http_*            the TCP and endpoint limits
 *                                            (dns/daemon_net.h, metrics_http.h)
 *
 * pg_metrics_serve() serves them at /metrics (dns-daemon's metrics_http.h).
 */
#ifndef PG_METRICS_H
#define PG_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dns/metrics_http.h"
#include "dns/net.h"
#include "dns/refusal.h"

typedef struct pg_metrics pg_metrics_t;

pg_metrics_t *pg_metrics_new(unsigned workers);
void pg_metrics_free(pg_metrics_t *m);

/* Worker @worker answered a request (one writer per worker). */
void pg_metrics_query(pg_metrics_t *m, unsigned worker, unsigned opcode, uint16_t qtype,
                      uint16_t rcode, bool tcp);
/* A request refused for @why (any thread). */
void pg_metrics_refused(pg_metrics_t *m, dns_refusal_t why);
/* The request counters inside (for the guard's replays). */
struct dns_req_metrics *pg_metrics_req(pg_metrics_t *m);

/* One zone's state after a load (replaces what was known of @zone). */
void pg_metrics_zone(pg_metrics_t *m, const char *zone, uint32_t serial, bool served,
                     uint64_t load_errors, bool failed);
/* A zone whose file was removed, last served with @serial. */
void pg_metrics_zone_removed(pg_metrics_t *m, const char *zone, uint32_t serial);
/* A transfer was asked for removed zone @zone. */
void pg_metrics_removed_request(pg_metrics_t *m, const char *zone);
/* One key file's state after a load. */
void pg_metrics_keyfile(pg_metrics_t *m, const char *file, bool failed, uint64_t load_errors);
/* The commit, zones, removed zones and key files of @st, replacing what was known
 * (begin, zone()/zone_removed()/keyfile() for each, end). */
struct pg_repo_state;
void pg_metrics_state(pg_metrics_t *m, const struct pg_repo_state *st);
/* Forget zones and key files not named in the last round: call begin, then
 * zone(), zone_removed() and keyfile() for each, then end. */
void pg_metrics_zones_begin(pg_metrics_t *m);
void pg_metrics_zones_end(pg_metrics_t *m);

void pg_metrics_notify_pending(pg_metrics_t *m, size_t n);
/* kind: "axfr", "ixfr", "ixfr-axfr", "ixfr-udp". */
void pg_metrics_transfer(pg_metrics_t *m, const char *zone, const char *kind);

/* One update batch done (the writer thread). */
void pg_metrics_updates(pg_metrics_t *m, uint64_t accepted, uint64_t refused, uint64_t commits,
                        uint64_t retries, uint64_t rebases, uint64_t push_ms, bool pushed);

/* Before serving: @fn writes more metrics after ours (the guard's). */
void pg_metrics_extra(pg_metrics_t *m, void (*fn)(void *ctx, FILE *out), void *ctx);

/* Write the whole text exposition. */
void pg_metrics_write(pg_metrics_t *m, FILE *out);

/* Serve GET /metrics on @addr from a thread of its own, with the TCP
 * counters of @srv (may be NULL). */
dns_err_t pg_metrics_serve(pg_metrics_t *m, const dns_net_addr_t *addr,
                           const dns_net_server_t *srv, const dns_metrics_http_opts_t *opts,
                           char *err, size_t errlen);
/* Stop serving (before the server of pg_metrics_serve is freed). */
void pg_metrics_unserve(pg_metrics_t *m);

#endif
