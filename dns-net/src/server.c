/*
 * server.c - server lifecycle: sockets, worker threads, the control loop
 * (signals, timers, posted functions, snapshot reclamation), shutdown.
 */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "net_impl.h"

#define RECLAIM_CHECK_MS 10

struct dns_net_timer {
	dns_net_server_t *srv;
	struct event *ev;
	dns_net_fn fn;
	void *arg;
};

static void set_err(char *err, size_t errlen, const char *msg)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", msg);
}

/* ---- control loop ---- */

static void ctl_deliver(net_loop_t *loop, mail_t *m)
{
	if (m->kind == MAIL_STOP)
		event_base_loopbreak(loop->base);
	else if (m->kind == MAIL_CALL)
		m->fn(m->arg);
	free(m);
}

static void reclaim_cb(evutil_socket_t fd, short what, void *arg)
{
	net_reclaim_kick(arg);
}

void net_reclaim_kick(void *arg)
{
	dns_net_server_t *srv = arg;
	if (net_snap_reclaim(srv, false) && !evtimer_pending(srv->reclaim_ev, NULL)) {
		struct timeval tv = { 0, RECLAIM_CHECK_MS * 1000 };
		evtimer_add(srv->reclaim_ev, &tv);
	}
}

void srv_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	dns_net_server_t *srv = arg;
	if (sig == SIGHUP) {
		if (srv->cfg.on_sighup != NULL)
			srv->cfg.on_sighup(srv->cfg.sighup_arg);
		return;
	}
	event_base_loopbreak(srv->ctl.base);
}

dns_err_t dns_net_post(dns_net_server_t *srv, dns_net_fn fn, void *arg)
{
	mail_t *m = net_mail_new(MAIL_CALL, 0);
	if (m == NULL)
		return DNS_ENOMEM;
	m->fn = fn;
	m->arg = arg;
	net_loop_post(&srv->ctl, m);
	return DNS_OK;
}

void dns_net_stop(dns_net_server_t *srv)
{
	atomic_store(&srv->stop_requested, true);
	mail_t *m = net_mail_new(MAIL_STOP, 0);
	if (m != NULL)
		net_loop_post(&srv->ctl, m);
}

static void timer_cb(evutil_socket_t fd, short what, void *arg)
{
	dns_net_timer_t *t = arg;
	t->fn(t->arg);
}

dns_net_timer_t *dns_net_timer_new(dns_net_server_t *srv, dns_net_fn fn, void *arg)
{
	dns_net_timer_t *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->srv = srv;
	t->fn = fn;
	t->arg = arg;
	t->ev = event_new(srv->ctl.base, -1, 0, timer_cb, t);
	if (t->ev == NULL) {
		free(t);
		return NULL;
	}
	return t;
}

void dns_net_timer_arm(dns_net_timer_t *t, uint32_t ms, bool repeat)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };
	event_del(t->ev);
	event_assign(t->ev, t->srv->ctl.base, -1, repeat ? EV_PERSIST : 0, timer_cb, t);
	event_add(t->ev, &tv);
}

void dns_net_timer_disarm(dns_net_timer_t *t)
{
	if (t != NULL)
		event_del(t->ev);
}

void dns_net_timer_free(dns_net_timer_t *t)
{
	if (t == NULL)
		return;
	event_free(t->ev);
	free(t);
}

/* ---- creation ---- */

dns_err_t dns_net_server_new(const dns_net_config_t *cfg, dns_net_server_t **out,
                             char *err, size_t errlen)
{
	*out = NULL;
	if (cfg == NULL || cfg->handler == NULL || cfg->nlisten == 0 || cfg->listen == NULL) {
		set_err(err, errlen, "no handler or no listen address");
		return DNS_EINVAL;
	}
	dns_net_server_t *srv = calloc(1, sizeof(*srv));
	if (srv == NULL)
		return DNS_ENOMEM;
	srv->cfg = *cfg;
	dns_net_config_t *c = &srv->cfg;
	if (c->workers == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		c->workers = n > 0 && n < 1024 ? (unsigned)n : 1;
	}
	if (c->tcp_idle_ms == 0)
		c->tcp_idle_ms = 10000;
	if (c->tcp_max_conns == 0)
		c->tcp_max_conns = 1024;
	if (c->tcp_msg_ms == 0)
		c->tcp_msg_ms = 3000;
	if (c->tcp_max_per_prefix == 0)
		c->tcp_max_per_prefix = 32;
	if (c->tcp_prefix_v4 == 0 || c->tcp_prefix_v4 > 32)
		c->tcp_prefix_v4 = c->tcp_prefix_v4 ? 32 : 24;
	if (c->tcp_prefix_v6 == 0 || c->tcp_prefix_v6 > 128)
		c->tcp_prefix_v6 = c->tcp_prefix_v6 ? 128 : 56;
	if (c->fd_reserve == 0)
		c->fd_reserve = 128;
	if (c->tcp_max_queue == 0)
		c->tcp_max_queue = 256 * 1024;
	if (c->udp_batch == 0)
		c->udp_batch = 64;
	if (c->udp_batch > 256)
		c->udp_batch = 256;
	srv->nworkers = c->workers;
	srv->listen = calloc(c->nlisten, sizeof(*srv->listen));
	srv->bound = calloc(c->nlisten, sizeof(*srv->bound));
	srv->workers = calloc(srv->nworkers, sizeof(*srv->workers));
	srv->client_conns = calloc(NET_CLIENT_BUCKETS, sizeof(*srv->client_conns));
	if (!srv->listen || !srv->bound || !srv->workers || !srv->client_conns)
		goto nomem;
	memcpy(srv->listen, cfg->listen, c->nlisten * sizeof(*srv->listen));
	c->listen = srv->listen;
	if (getrandom(&srv->hash_seed, sizeof(srv->hash_seed), 0) != sizeof(srv->hash_seed))
		srv->hash_seed = (uint64_t)getpid() * 0x9e3779b97f4a7c15ULL;
	atomic_init(&srv->epoch, 1);
	atomic_init(&srv->current, NULL);
	pthread_mutex_init(&srv->retired_lock, NULL);
	pthread_mutex_init(&srv->defer_lock, NULL);
	if (net_loop_init(&srv->ctl, ctl_deliver, srv) != 0)
		goto nomem;
	srv->reclaim_ev = evtimer_new(srv->ctl.base, reclaim_cb, srv);
	if (srv->reclaim_ev == NULL)
		goto nomem;
	for (unsigned i = 0; i < srv->nworkers; i++) {
		srv->workers[i].srv = srv;
		srv->workers[i].index = i;
		srv->workers[i].loop.efd = -1;
		atomic_init(&srv->workers[i].online, 0);
	}
	*out = srv;
	return DNS_OK;
nomem:
	dns_net_server_free(srv);
	set_err(err, errlen, "out of memory");
	return DNS_ENOMEM;
}

struct event_base *dns_net_control_base(dns_net_server_t *srv)
{
	return srv->ctl.base;
}

unsigned dns_net_workers(const dns_net_server_t *srv)
{
	return srv->nworkers;
}

void dns_net_stats(const dns_net_server_t *srv, dns_net_stats_t *out)
{
	uint64_t sum[NET_ST_COUNT] = { 0 };
	for (unsigned i = 0; i < srv->nworkers; i++)
		for (int k = 0; k < NET_ST_COUNT; k++)
			sum[k] += atomic_load_explicit(&srv->workers[i].stats[k], memory_order_relaxed);
	*out = (dns_net_stats_t){
		.tcp_accepted = sum[NET_ST_ACCEPTED], .tcp_open = sum[NET_ST_OPEN],
		.tcp_closed_idle = sum[NET_ST_IDLE], .tcp_closed_deadline = sum[NET_ST_DEADLINE],
		.tcp_evicted = sum[NET_ST_EVICTED], .tcp_refused_prefix = sum[NET_ST_PREFIX],
		.tcp_refused_full = sum[NET_ST_FULL], .tcp_refused_fds = sum[NET_ST_FDS],
		.tcp_accept_errors = sum[NET_ST_ACCEPT_ERR],
	};
}

const dns_net_addr_t *dns_net_bound_addr(const dns_net_server_t *srv, size_t i)
{
	if (!(srv->started || srv->bound_all) || i >= srv->cfg.nlisten)
		return NULL;
	return &srv->bound[i];
}
