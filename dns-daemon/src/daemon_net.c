/*
 * daemon_net.c - the daemons' shared handling of the network limits: the
 * options, the descriptor limit, the rate-limited log and the counters.
 */
#include "dns/conf_file.h"
#include "dns/daemon_net.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "dns/log.h"

const char *const dns_daemon_limits_names[] = {
	"tcp-idle-ms", "tcp-message-ms", "tcp-max-conns", "tcp-max-per-prefix",
	"tcp-prefix-v4", "tcp-prefix-v6", "fd-reserve", "metrics-max-conns", NULL,
};

const char dns_daemon_limits_usage[] =
"  --tcp-idle-ms MS         close a TCP connection with nothing pending for MS\n"
"                           (default 10000)\n"
"  --tcp-message-ms MS      a TCP message must arrive whole within MS of its\n"
"                           first byte, or the connection closes (default 3000)\n"
"  --tcp-max-conns N        TCP connections per worker (default 1024); when\n"
"                           full, an idle or partial one (of the most crowded\n"
"                           prefix) is closed for a newcomer\n"
"  --tcp-max-per-prefix N   TCP connections per client prefix (default 32)\n"
"  --tcp-prefix-v4 BITS     client prefix length for IPv4 (default 24)\n"
"  --tcp-prefix-v6 BITS     client prefix length for IPv6 (default 56)\n"
"  --fd-reserve N           file descriptors kept from TCP and metrics\n"
"                           clients for the daemon's own work (default 128)\n"
"  --metrics-max-conns N    connections to the metrics endpoint (default 64)\n";

int dns_daemon_limits_option(dns_daemon_limits_t *l, const char *name, const char *value,
                             char *err, size_t errlen)
{
	static const struct { unsigned long min, max; const char *what; } range[] = {
		{ 100, 86400000, "milliseconds, 100..86400000" },
		{ 100, 86400000, "milliseconds, 100..86400000" },
		{ 1, 1000000, "1..1000000" },
		{ 1, 1000000, "1..1000000" },
		{ 1, 32, "1..32" },
		{ 1, 128, "1..128" },
		{ 1, 1000000, "1..1000000" },
		{ 1, 100000, "1..100000" },
	};
	if (strncmp(name, "--", 2) == 0)
		name += 2;
	int k = 0;
	while (dns_daemon_limits_names[k] && strcmp(dns_daemon_limits_names[k], name) != 0)
		k++;
	if (!dns_daemon_limits_names[k])
		return 0;
	unsigned long v;
	if (!dns_conf_parse_ulong(value, range[k].min, range[k].max, &v)) {
		snprintf(err, errlen, "invalid --%s (%s): %s", name, range[k].what, value ? value : "");
		return -1;
	}
	switch (k) {
	case 0: l->tcp_idle_ms = (uint32_t)v; break;
	case 1: l->tcp_msg_ms = (uint32_t)v; break;
	case 2: l->tcp_max_conns = (unsigned)v; break;
	case 3: l->tcp_max_per_prefix = (unsigned)v; break;
	case 4: l->tcp_prefix_v4 = (unsigned)v; break;
	case 5: l->tcp_prefix_v6 = (unsigned)v; break;
	case 6: l->fd_reserve = (unsigned)v; break;
	default: l->metrics_max_conns = (unsigned)v; break;
	}
	return 1;
}

void dns_daemon_limits_apply(const dns_daemon_limits_t *l, dns_net_fd_budget_t *budget,
                             dns_net_config_t *nc)
{
#define SET(f) if (l->f) nc->f = l->f
	SET(tcp_idle_ms);
	SET(tcp_msg_ms);
	SET(tcp_max_conns);
	SET(tcp_max_per_prefix);
	SET(tcp_prefix_v4);
	SET(tcp_prefix_v6);
	SET(fd_reserve);
#undef SET
	nc->fd_budget = budget;
}

dns_metrics_http_opts_t dns_daemon_limits_metrics(const dns_daemon_limits_t *l)
{
	return (dns_metrics_http_opts_t){ .max_conns = l->metrics_max_conns,
	                                  .fd_reserve = l->fd_reserve };
}

static void raise_nofile(void)
{
	struct rlimit r;
	if (getrlimit(RLIMIT_NOFILE, &r) != 0 || r.rlim_cur >= r.rlim_max)
		return;
	rlim_t was = r.rlim_cur;
	r.rlim_cur = r.rlim_max;
	char a[24], b[24];
	snprintf(a, sizeof a, "%llu", (unsigned long long)was);
	snprintf(b, sizeof b, "%llu", (unsigned long long)r.rlim_max);
	if (setrlimit(RLIMIT_NOFILE, &r) == 0)
		dns_log(DNS_LOG_DEBUG, "descriptor limit raised", "from", a, "to", b, NULL);
	else
		dns_log(DNS_LOG_WARN, "cannot raise the descriptor limit", "limit", a, "error",
		        strerror(errno), NULL);
}

dns_net_fd_budget_t *dns_daemon_fd_budget(const dns_daemon_limits_t *l, bool metrics)
{
	raise_nofile();
	unsigned reserve = l->fd_reserve ? l->fd_reserve : 128;
	if (metrics)
		reserve += l->metrics_max_conns ? l->metrics_max_conns : 64;
	dns_net_fd_budget_t *b = dns_net_fd_budget_new(reserve);
	struct rlimit r;
	if (b && getrlimit(RLIMIT_NOFILE, &r) == 0) {
		char lim[24], res[24], conns[24];
		snprintf(lim, sizeof lim, "%llu", (unsigned long long)r.rlim_cur);
		snprintf(res, sizeof res, "%u", reserve);
		snprintf(conns, sizeof conns, "%d", dns_net_fd_budget_units(b));
		dns_log(DNS_LOG_INFO, "descriptor budget", "limit", lim, "reserved", res,
		        "tcp_connections", conns, NULL);
	}
	return b;
}

/* ---- the watch ---- */

struct dns_daemon_net_watch {
	dns_net_server_t *srv;
	dns_net_timer_t *timer;
	dns_net_stats_t last;
};

static void watch_tick(void *arg)
{
	dns_daemon_net_watch_t *w = arg;
	dns_net_stats_t now;
	dns_net_stats(w->srv, &now);
	const uint64_t d[6] = {
		now.tcp_closed_deadline - w->last.tcp_closed_deadline,
		now.tcp_evicted - w->last.tcp_evicted,
		now.tcp_refused_prefix - w->last.tcp_refused_prefix,
		now.tcp_refused_full - w->last.tcp_refused_full,
		now.tcp_refused_fds - w->last.tcp_refused_fds,
		now.tcp_accept_errors - w->last.tcp_accept_errors,
	};
	w->last = now;
	if (!(d[0] | d[1] | d[2] | d[3] | d[4] | d[5]))
		return;
	char t[6][24], open[24];
	for (int i = 0; i < 6; i++)
		snprintf(t[i], sizeof t[i], "%" PRIu64, d[i]);
	snprintf(open, sizeof open, "%" PRIu64, now.tcp_open);
	dns_log(DNS_LOG_WARN, "TCP limits closed or refused connections", "deadline", t[0],
	        "evicted", t[1], "prefix_limit", t[2], "table_full", t[3], "fd_reserve", t[4],
	        "accept_errors", t[5], "open", open, NULL);
}

dns_daemon_net_watch_t *dns_daemon_net_watch_start(dns_net_server_t *srv, uint32_t interval_ms)
{
	dns_daemon_net_watch_t *w = calloc(1, sizeof *w);
	if (!w)
		return NULL;
	w->srv = srv;
	w->timer = dns_net_timer_new(srv, watch_tick, w);
	if (!w->timer) {
		free(w);
		return NULL;
	}
	dns_net_stats(srv, &w->last);
	dns_net_timer_arm(w->timer, interval_ms ? interval_ms : 10000, true);
	return w;
}

void dns_daemon_net_watch_free(dns_daemon_net_watch_t *w)
{
	if (!w)
		return;
	dns_net_timer_free(w->timer);
	free(w);
}

void dns_daemon_net_metrics(FILE *out, const dns_net_server_t *srv)
{
	dns_net_stats_t s;
	dns_net_stats(srv, &s);
	fprintf(out,
	        "# HELP dns_tcp_connections Open DNS TCP connections.\n"
	        "# TYPE dns_tcp_connections gauge\n"
	        "dns_tcp_connections %" PRIu64 "\n"
	        "# HELP dns_tcp_connections_accepted_total DNS TCP connections taken in.\n"
	        "# TYPE dns_tcp_connections_accepted_total counter\n"
	        "dns_tcp_connections_accepted_total %" PRIu64 "\n"
	        "# HELP dns_tcp_connections_closed_total DNS TCP connections closed by the server, "
	        "by reason.\n"
	        "# TYPE dns_tcp_connections_closed_total counter\n"
	        "dns_tcp_connections_closed_total{reason=\"idle\"} %" PRIu64 "\n"
	        "dns_tcp_connections_closed_total{reason=\"deadline\"} %" PRIu64 "\n"
	        "dns_tcp_connections_closed_total{reason=\"evicted\"} %" PRIu64 "\n"
	        "# HELP dns_tcp_connections_refused_total New DNS TCP connections closed at once, "
	        "by reason.\n"
	        "# TYPE dns_tcp_connections_refused_total counter\n"
	        "dns_tcp_connections_refused_total{reason=\"prefix_limit\"} %" PRIu64 "\n"
	        "dns_tcp_connections_refused_total{reason=\"table_full\"} %" PRIu64 "\n"
	        "dns_tcp_connections_refused_total{reason=\"fd_reserve\"} %" PRIu64 "\n"
	        "# HELP dns_tcp_accept_errors_total accept() failures on the DNS TCP listeners "
	        "(EMFILE, ENFILE): accepting pauses.\n"
	        "# TYPE dns_tcp_accept_errors_total counter\n"
	        "dns_tcp_accept_errors_total %" PRIu64 "\n",
	        s.tcp_open, s.tcp_accepted, s.tcp_closed_idle, s.tcp_closed_deadline,
	        s.tcp_evicted, s.tcp_refused_prefix, s.tcp_refused_full, s.tcp_refused_fds,
	        s.tcp_accept_errors);
}
