/*
 * daemon_net.h - what every daemon of the suite does the same way with its
 * network runtime under abuse: the options that set the TCP and metrics
 * limits (see dns/net.h "TCP limits" and dns/metrics_http.h), the
 * descriptor limit and budget, logging what the limits did (rate-limited)
 * and exposing their counters.
 */
#ifndef DNS_DAEMON_NET_H
#define DNS_DAEMON_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dns/metrics_http.h"
#include "dns/net.h"

/* Values given on the command line; 0: the library's default. */
typedef struct dns_daemon_limits {
	uint32_t tcp_idle_ms, tcp_msg_ms;
	unsigned tcp_max_conns, tcp_max_per_prefix, tcp_prefix_v4, tcp_prefix_v6;
	unsigned fd_reserve, metrics_max_conns;
} dns_daemon_limits_t;

/* The option names, without "--", each taking one value. */
extern const char *const dns_daemon_limits_names[];
/* Their --help lines (each starts with two spaces and ends with \n). */
extern const char dns_daemon_limits_usage[];

/*
 * If @name (with or without the leading "--") is a limit option, parse
 * @value into @l: 1 when taken, -1 for a bad value (@err says why), 0 when
 * the option is not one of these.
 */
int dns_daemon_limits_option(dns_daemon_limits_t *l, const char *name, const char *value,
                             char *err, size_t errlen);

/*
 * Raise the soft RLIMIT_NOFILE to the hard limit (connections are bounded
 * by the limits, not by descriptors), then make the DNS server's
 * descriptor budget (dns/net.h): --fd-reserve descriptors kept for the
 * daemon's own work and, with @metrics, --metrics-max-conns set aside for
 * the metrics endpoint, so that neither kind of client can starve the
 * other.  Call before creating the server; free it after.  NULL on ENOMEM.
 */
dns_net_fd_budget_t *dns_daemon_fd_budget(const dns_daemon_limits_t *l, bool metrics);

/* Copy the limits and @budget into a server config; a 0 (not given)
 * leaves @nc's value. */
void dns_daemon_limits_apply(const dns_daemon_limits_t *l, dns_net_fd_budget_t *budget,
                             dns_net_config_t *nc);
/* The metrics endpoint's options from the limits. */
dns_metrics_http_opts_t dns_daemon_limits_metrics(const dns_daemon_limits_t *l);

/*
 * On the control loop of @srv, every @interval_ms (0: 10000): one warn
 * line if the TCP limits closed or refused connections since the last
 * one, with the counts by reason.  NULL on ENOMEM.  Free (before the
 * server) with dns_daemon_net_watch_free.
 */
typedef struct dns_daemon_net_watch dns_daemon_net_watch_t;
dns_daemon_net_watch_t *dns_daemon_net_watch_start(dns_net_server_t *srv, uint32_t interval_ms);
void dns_daemon_net_watch_free(dns_daemon_net_watch_t *w);

/*
 * The TCP counters of @srv in the Prometheus text format (any thread):
 *
 *   dns_tcp_connections                       gauge: open now
 *   dns_tcp_connections_accepted_total        counter
 *   dns_tcp_connections_closed_total{reason}  counter: idle, deadline, evicted
 *   dns_tcp_connections_refused_total{reason} counter: prefix_limit,
 *                                             table_full, fd_reserve
 *   dns_tcp_accept_errors_total               counter
 */
void dns_daemon_net_metrics(FILE *out, const dns_net_server_t *srv);

#endif
