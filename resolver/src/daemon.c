/*
 * daemon.c - dns-resolver: the engine (engine.h) behind dns-net.
 *
 * Worker threads (dns-net's server runtime) parse each client query and
 * answer it from the cache when they can.  Otherwise they defer the reply
 * (dns_net_reply_defer) and hand the query to the resolver thread, which
 * owns the outgoing-query engine (dns/net_query.h) on its own libevent
 * base, feeds replies and timeouts to the engine and sends the deferred
 * answers.  One mutex guards the engine; the resolver thread holds it only
 * while it calls the engine, never across I/O waits.
 */
#include <errno.h>
#include <netinet/in.h>
#include <event2/event.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "dns/log.h"
#include "dns/daemon_net.h"
#include "dns/metrics_http.h"
#include "dns/net.h"
#include "dns/net_query.h"
#include "dns/service.h"
#include "dns/rrtype.h"
#include "dns/zonefile.h"
#include "resolver/engine.h"
#include "acl.h"
#include "ctl.h"
#include "local.h"
#include "dot.h"
#include "fwdopt.h"
#include "obs.h"
#include "options.h"

#define MAX_QUERY 4096    /* client queries longer than this get FORMERR */
#define SRC_BUCKETS 65536
#define DEF_MAX_OUTSTANDING 20000  /* the engine's defaults (engine.h) */
#define DEF_MAX_CLIENT_QUERIES 100


/* A client query waiting for the engine. */
typedef struct item {
	struct item *next, *prev;     /* all items (dropped at shutdown) */
	struct item *inext;           /* inbox */
	dns_net_deferred_t *d;
	bool tcp;
	bool started;
	uint32_t src;                 /* hash of the client's address (per-client limit) */
	struct sockaddr_storage peer; /* for the query log */
	size_t len;
	uint8_t q[];
} item_t;

typedef struct daemon {
	config_t cfg;
	res_engine_t *e;
	pthread_mutex_t mu;           /* the engine, the inbox and the item list */
	item_t *inbox_head, *inbox_tail;
	item_t *items;
	int efd;
	bool stopping;
	struct event_base *base;
	struct event *wake_ev, *timer_ev;
	dns_netq_t *nq;
	pthread_t thread;
	dns_net_server_t *srv;
	dns_net_fd_budget_t *fd_budget;   /* of the DNS server */
	dns_zoneset_t *local;
	dns_net_tls_t *tls;           /* DoT front end, on the control loop */
	res_ctl_t *ctl;               /* the control socket, on the control loop */
	dns_metrics_http_t *ms;       /* --metrics */
	atomic_ullong acl_refused;    /* queries from clients --allow does not list */
	res_obs_t obs;                /* refusals logged and counted, query log */
	/* Client queries handed to the resolver thread and not answered yet (in
	 * the inbox or in the engine), in all and per client address bucket:
	 * bounded here, before the inbox, so that a flood faster than the
	 * resolver thread cannot grow it (the engine checks the same limits
	 * only when it takes a query). */
	size_t nitems;
	uint16_t *src_items;          /* SRC_BUCKETS counters */
	atomic_ullong items_refused;
	uint8_t out[65535];           /* resolver thread's answer buffer */
} daemon_t;

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint32_t rnd(void *ctx)
{
	(void)ctx;
	return arc4random();
}

/* ---- resolver thread ---- */

static void flush(daemon_t *d);

static void on_netq(void *arg, const dns_netq_result_t *res)
{
	daemon_t *d = *(daemon_t **)arg;
	uint32_t id = (uint32_t)(uintptr_t)((void **)arg)[1];
	free(arg);
	pthread_mutex_lock(&d->mu);
	uint64_t now = now_ms();
	if (res->status == DNS_NETQ_OK)
		res_engine_on_reply(d->e, now, id, res->answer, res->len);
	else
		res_engine_on_error(d->e, now, id,
		                    res->status == DNS_NETQ_TIMEOUT ? RES_IO_TIMEOUT
		                    : res->status == DNS_NETQ_UNREACHABLE ? RES_IO_UNREACHABLE
		                                                          : RES_IO_FAILED);
	flush(d);
	pthread_mutex_unlock(&d->mu);
}

static uint16_t src_bucket(uint32_t src) { return (uint16_t)((src * 0x9E3779B1u) >> 16); }

/* The item is answered or dropped: off the list, its slots free (mutex held). */
static void item_unlink(daemon_t *d, item_t *it)
{
	d->nitems--;
	if (d->src_items[src_bucket(it->src)])
		d->src_items[src_bucket(it->src)]--;
	if (it->prev)
		it->prev->next = it->next;
	else
		d->items = it->next;
	if (it->next)
		it->next->prev = it->prev;
}

/* Send what the engine queued, answer finished clients, re-arm the timer. */
static void flush(daemon_t *d)
{
	res_send_t s;
	while (res_engine_next_send(d->e, &s)) {
		void **arg = malloc(2 * sizeof *arg);
		dns_net_addr_t to;
		memcpy(&to.ss, &s.addr, sizeof s.addr);
		to.len = s.addrlen;
		dns_netq_request_t rq = {.server = &to, .msg = s.msg, .len = s.len,
		                         .mode = s.tcp ? DNS_NETQ_TCP : DNS_NETQ_UDP_ONLY,
		                         .timeout_ms = s.timeout_ms + 100, .udp_tries = 1,
		                         .tcp_tries = 1};
		if (arg) {
			arg[0] = d;
			arg[1] = (void *)(uintptr_t)s.id;
		}
		if (!arg || dns_netq_send(d->nq, &rq, on_netq, arg, NULL) != DNS_OK) {
			free(arg);
			res_engine_on_error(d->e, now_ms(), s.id, RES_IO_FAILED);
		}
	}
	res_client_t *c;
	while ((c = res_engine_next_done(d->e))) {
		item_t *it = res_client_user(c);
		dns_msg_t q;
		size_t len = 0;
		if (dns_msg_parse(&q, it->q, it->len) == DNS_OK)
			len = res_client_write(c, &q, it->tcp, d->out, sizeof d->out);
		dns_msg_free(&q);
		if (len) {
			res_obs_answered(&d->obs, (const struct sockaddr *)&it->peer, it->tcp, it->q,
			                 it->len, d->out, len);
			dns_net_deferred_send(it->d, d->out, len);
		} else {
			dns_net_deferred_drop(it->d);
		}
		item_unlink(d, it);
		free(it);
		res_client_free(c);
	}
	uint64_t t = res_engine_next_timer(d->e), now = now_ms();
	if (t != UINT64_MAX) {
		uint64_t ms = t > now ? t - now : 0;
		struct timeval tv = {.tv_sec = (time_t)(ms / 1000), .tv_usec = (suseconds_t)(ms % 1000) * 1000};
		evtimer_add(d->timer_ev, &tv);
	}
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd; (void)what;
	daemon_t *d = arg;
	pthread_mutex_lock(&d->mu);
	res_engine_tick(d->e, now_ms());
	flush(d);
	pthread_mutex_unlock(&d->mu);
}

static void start_item(daemon_t *d, item_t *it, uint64_t now)
{
	dns_msg_t q;
	res_client_t *c = NULL;
	if (dns_msg_parse(&q, it->q, it->len) == DNS_OK)
		c = res_engine_resolve_src(d->e, now, it->src, q.qname, q.qtype,
		                           (q.flags & DNS_FLAG_CD) ? RES_Q_CD : 0, it);
	if (!c) {
		size_t len = res_write_servfail(&q, 0, d->out, sizeof d->out);
		if (len)
			dns_net_deferred_send(it->d, d->out, len);
		else
			dns_net_deferred_drop(it->d);
		item_unlink(d, it);
		free(it);
	}
	dns_msg_free(&q);
}

static void on_wake(evutil_socket_t fd, short what, void *arg)
{
	(void)what;
	daemon_t *d = arg;
	uint64_t v;
	if (read(fd, &v, sizeof v) < 0 && errno != EAGAIN)
		dns_log(DNS_LOG_WARN, "eventfd read failed", NULL);
	pthread_mutex_lock(&d->mu);
	if (d->stopping) {
		pthread_mutex_unlock(&d->mu);
		event_base_loopbreak(d->base);
		return;
	}
	item_t *it = d->inbox_head;
	d->inbox_head = d->inbox_tail = NULL;
	uint64_t now = now_ms();
	while (it) {
		item_t *next = it->inext;
		start_item(d, it, now);
		it = next;
	}
	flush(d);
	pthread_mutex_unlock(&d->mu);
}

static void *resolver_thread(void *arg)
{
	daemon_t *d = arg;
	event_base_dispatch(d->base);
	return NULL;
}

/* ---- worker threads ---- */

static void reply_rcode(const dns_net_request_t *req, dns_net_reply_t *out, unsigned rcode)
{
	if (req->len < DNS_HDR_LEN)
		return;
	memcpy(out->buf, req->data, DNS_HDR_LEN);
	uint16_t flags = (uint16_t)(dns_get16(req->data + 2) & (0x7800 | DNS_FLAG_RD));
	dns_put16(out->buf + 2, dns_flags_set_rcode(flags | DNS_FLAG_QR, rcode));
	memset(out->buf + 4, 0, 8);
	out->len = DNS_HDR_LEN;
}

/* A hash of the client's address (not its port), never 0. */
static uint32_t peer_key(const struct sockaddr *sa)
{
	const uint8_t *p = NULL;
	size_t n = 0;
	if (sa && sa->sa_family == AF_INET) {
		p = (const uint8_t *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr;
		n = 4;
	} else if (sa && sa->sa_family == AF_INET6) {
		p = (const uint8_t *)&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
		n = 16;
	}
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h ? h : 1;
}

/* A query the cache cannot answer goes to the resolver thread, unless its
 * client, or all clients, have as many waiting as they may: SERVFAIL. */
static void hand_over(daemon_t *d, const dns_net_request_t *req, const dns_msg_t *q,
                      dns_net_reply_t *out, bool tcp)
{
	uint32_t src = peer_key(req->peer);
	size_t max_all = d->cfg.rc.max_clients ? d->cfg.rc.max_clients : DEF_MAX_OUTSTANDING;
	unsigned max_src = d->cfg.rc.max_client_queries ? d->cfg.rc.max_client_queries
	                                                : DEF_MAX_CLIENT_QUERIES;
	pthread_mutex_lock(&d->mu);
	bool full = d->nitems >= max_all || d->src_items[src_bucket(src)] >= max_src;
	if (!full) {
		d->nitems++;
		d->src_items[src_bucket(src)]++;
	}
	pthread_mutex_unlock(&d->mu);
	item_t *it = full ? NULL : malloc(sizeof *it + req->len);
	dns_net_deferred_t *df = it ? dns_net_reply_defer(req) : NULL;
	if (!df) {
		if (full) {
			atomic_fetch_add(&d->items_refused, 1);
		} else {
			pthread_mutex_lock(&d->mu);
			d->nitems--;
			d->src_items[src_bucket(src)]--;
			pthread_mutex_unlock(&d->mu);
		}
		free(it);
		out->len = res_write_servfail(q, -1, out->buf, out->cap);
		return;
	}
	memset(it, 0, sizeof *it);
	it->d = df;
	it->tcp = tcp;
	it->src = src;
	memcpy(&it->peer, req->peer, req->peer_len <= sizeof it->peer ? req->peer_len : 0);
	it->len = req->len;
	memcpy(it->q, req->data, req->len);
	pthread_mutex_lock(&d->mu);
	it->next = d->items;
	if (d->items)
		d->items->prev = it;
	d->items = it;
	if (d->inbox_tail)
		d->inbox_tail->inext = it;
	else
		d->inbox_head = it;
	d->inbox_tail = it;
	pthread_mutex_unlock(&d->mu);
	uint64_t one = 1;
	if (write(d->efd, &one, sizeof one) < 0)
		dns_log(DNS_LOG_WARN, "eventfd write failed", NULL);
}

/* Answer @req now or hand it to the resolver thread; *why: a refusal. */
static void handle(daemon_t *d, const dns_net_request_t *req, dns_net_reply_t *out,
                   dns_refusal_t *why)
{
	dns_msg_t q;
	bool tcp = req->transport == DNS_NET_TCP;
	/* DoT clients were checked by the relay, whose address is all we see. */
	bool allowed = res_acl_match(&d->cfg.allow, req->peer) ||
	               (d->cfg.has_tls && tcp && res_dot_from_relay(d->srv, d->cfg.relay, req->local));
	if (dns_msg_parse(&q, req->data, req->len) != DNS_OK || !allowed) {
		if (!allowed) {
			/* Not an open resolver: REFUSED, never an answer or a resolution. */
			atomic_fetch_add(&d->acl_refused, 1);
			*why = DNS_REFUSAL_ACL;
			if (q.has_question && !(q.flags & DNS_FLAG_QR))
				out->len = res_write_servfail(&q, -1, out->buf, out->cap);
			if (out->len >= 4)
				out->buf[3] = (uint8_t)((out->buf[3] & 0xF0) | DNS_RCODE_REFUSED);
			dns_msg_free(&q);
			return;
		}
		dns_msg_free(&q);
		if (req->len >= DNS_HDR_LEN && !(req->data[2] & 0x80))
			reply_rcode(req, out, DNS_RCODE_FORMERR);
		*why = DNS_REFUSAL_MALFORMED;
		return;
	}
	if (q.flags & DNS_FLAG_QR) {
		dns_msg_free(&q);
		return;
	}
	if (dns_flags_opcode(q.flags) != DNS_OPCODE_QUERY || !q.has_question || req->len > MAX_QUERY) {
		dns_msg_free(&q);
		reply_rcode(req, out, q.has_question || dns_flags_opcode(q.flags) != DNS_OPCODE_QUERY
		                          ? DNS_RCODE_NOTIMP : DNS_RCODE_FORMERR);
		*why = out->len >= 4 && (out->buf[3] & 0xF) == DNS_RCODE_NOTIMP
		       ? DNS_REFUSAL_NOT_IMPLEMENTED : DNS_REFUSAL_MALFORMED;
		return;
	}
	size_t len = 0;
	if (res_local_answer(d->local, q.qname, req->data, req->len, tcp, req->peer, out->buf,
	                     out->cap, &len)) {
		out->len = len;
		dns_msg_free(&q);
		return;
	}
	pthread_mutex_lock(&d->mu);
	bool hit = res_engine_answer_cached(d->e, now_ms(), &q, tcp, out->buf, out->cap, &len);
	/* A hit near expiry may have queued a prefetch: the resolver thread sends it. */
	bool wake = hit && res_engine_has_sends(d->e);
	pthread_mutex_unlock(&d->mu);
	if (wake) {
		uint64_t one = 1;
		if (write(d->efd, &one, sizeof one) < 0)
			dns_log(DNS_LOG_WARN, "eventfd write failed", NULL);
	}
	if (hit) {
		out->len = len;
	} else if (!(q.flags & DNS_FLAG_RD)) {
		/* Not recursive and not cached: we are nobody's authority. */
		*why = DNS_REFUSAL_NO_RECURSION;
		out->len = res_write_servfail(&q, -1, out->buf, out->cap);
		if (out->len >= 4)
			out->buf[3] = (uint8_t)((out->buf[3] & 0xF0) | DNS_RCODE_REFUSED);
	} else {
		hand_over(d, req, &q, out, tcp);
	}
	dns_msg_free(&q);
}

static void handler(void *ctx, const dns_net_request_t *req, dns_net_reply_t *out)
{
	daemon_t *d = ctx;
	dns_refusal_t why = DNS_REFUSAL_NONE;
	handle(d, req, out, &why);
	if (why)
		res_obs_refused(&d->obs, req, why, out->len >= 4 ? out->buf[3] & 0xF : 0);
	if (d->obs.qlog && out->len) /* deferred answers: flush() */
		dns_query_log_write(d->obs.qlog, req->peer, req->transport == DNS_NET_TCP, req->data,
		                    req->len, out->buf, out->len);
}

/* ---- metrics ---- */

static void write_metrics(void *ctx, FILE *f)
{
	daemon_t *d = ctx;
	res_stats_t st;
	pthread_mutex_lock(&d->mu);
	res_engine_stats(d->e, &st);
	pthread_mutex_unlock(&d->mu);
	res_obs_write_metrics(&d->obs, &st, atomic_load(&d->acl_refused),
	                      atomic_load(&d->items_refused), f);
	dns_daemon_net_metrics(f, d->srv);
}

/* ---- main ---- */

static int setup_dnssec(daemon_t *d)
{
	char err[512];
	if (d->cfg.trust_anchor) {
		if (res_engine_load_trust_anchors(d->e, d->cfg.trust_anchor, err, sizeof err)) {
			fprintf(stderr, "dns-resolver: --trust-anchor %s: %s\n", d->cfg.trust_anchor, err);
			return 1;
		}
	} else if (res_engine_add_builtin_anchor(d->e) != DNS_OK) {
		fprintf(stderr, "dns-resolver: out of memory\n");
		return 1;
	}
	for (unsigned i = 0; i < d->cfg.ninsecure; i++) {
		uint8_t zone[DNS_NAME_MAX];
		size_t len;
		if (dns_name_from_text(zone, &len, d->cfg.insecure[i], strlen(d->cfg.insecure[i]),
		                       dns_name_root) != DNS_OK ||
		    res_engine_add_insecure(d->e, zone) != DNS_OK) {
			fprintf(stderr, "dns-resolver: --insecure %s: not a domain name\n",
			        d->cfg.insecure[i]);
			return 1;
		}
	}
	return 0;
}

static int setup_engine(daemon_t *d)
{
	char err[512];
	d->cfg.rc.random = rnd;
	/* Signature validity windows are in UNIX time; the engine counts in monotonic ms. */
	struct timespec rt;
	clock_gettime(CLOCK_REALTIME, &rt);
	d->cfg.rc.clock_offset_ms =
		(int64_t)rt.tv_sec * 1000 + rt.tv_nsec / 1000000 - (int64_t)now_ms();
	d->e = res_engine_new(&d->cfg.rc);
	d->src_items = calloc(SRC_BUCKETS, sizeof *d->src_items);
	if (!d->e || !d->src_items) {
		fprintf(stderr, "dns-resolver: out of memory\n");
		return 1;
	}
	for (unsigned i = 0; i < d->cfg.nfwd; i++) {
		uint8_t z[DNS_NAME_MAX];
		dns_net_addr_t a;
		/* Internal zones have no chain of trust from the root: not validated. */
		if (!res_forward_parse(d->cfg.fwd[i], z, &a) ||
		    res_engine_add_forward(d->e, z, (const struct sockaddr *)&a.ss, a.len) != DNS_OK ||
		    (!d->cfg.no_dnssec && res_engine_add_insecure(d->e, z) != DNS_OK)) {
			fprintf(stderr, "dns-resolver: --forward %s: too many\n", d->cfg.fwd[i]);
			return 1;
		}
	}
	if (res_local_load(d->cfg.local, d->cfg.nlocal, &d->local, err, sizeof err) != DNS_OK) {
		fprintf(stderr, "dns-resolver: --local-zone %s\n", err);
		return 1;
	}
	if (d->cfg.hints && res_engine_load_hints(d->e, d->cfg.hints, err, sizeof err) != DNS_OK) {
		fprintf(stderr, "dns-resolver: --root-hints %s: %s\n", d->cfg.hints, err);
		return 1;
	}
	return d->cfg.no_dnssec ? 0 : setup_dnssec(d);
}

static int setup_thread(daemon_t *d)
{
	d->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	d->base = event_base_new();
	if (d->efd < 0 || !d->base)
		return 1;
	d->nq = dns_netq_new(d->base);
	d->wake_ev = event_new(d->base, d->efd, EV_READ | EV_PERSIST, on_wake, d);
	d->timer_ev = evtimer_new(d->base, on_timer, d);
	if (!d->nq || !d->wake_ev || !d->timer_ev || event_add(d->wake_ev, NULL) != 0)
		return 1;
	return pthread_create(&d->thread, NULL, resolver_thread, d) ? 1 : 0;
}

static void teardown(daemon_t *d, bool thread)
{
	if (thread) {
		pthread_mutex_lock(&d->mu);
		d->stopping = true;
		pthread_mutex_unlock(&d->mu);
		uint64_t one = 1;
		if (write(d->efd, &one, sizeof one) < 0)
			dns_log(DNS_LOG_WARN, "eventfd write failed", NULL);
		pthread_join(d->thread, NULL);
	}
	/* Every deferred reply must be consumed before the server is freed. */
	while (d->items) {
		item_t *it = d->items;
		d->items = it->next;
		dns_net_deferred_drop(it->d);
		free(it);
	}
	free(d->src_items);
	dns_netq_free(d->nq);
	if (d->wake_ev)
		event_free(d->wake_ev);
	if (d->timer_ev)
		event_free(d->timer_ev);
	if (d->base)
		event_base_free(d->base);
	if (d->efd >= 0)
		close(d->efd);
	dns_net_tls_free(d->tls);
	res_ctl_free(d->ctl);
	res_obs_stop(&d->obs);
	dns_net_server_free(d->srv);
	res_obs_free(&d->obs);
	dns_net_fd_budget_free(d->fd_budget);
	res_engine_free(d->e);
	dns_zoneset_free(d->local);
}

/* Lock --dir, bind everything, drop root; 0 or an exit status (logged). */
static int start(daemon_t *d, dns_service_t *svc, char *err, size_t errlen)
{
	dns_net_config_t nc = {.listen = d->cfg.listen, .nlisten = d->cfg.nlisten,
	                       .workers = d->cfg.workers, .handler = handler, .handler_ctx = d,
	                       /* A TCP client waits for resolution: longer than its 10 s budget. */
	                       .tcp_idle_ms = 15000,
	                       .on_sighup = res_obs_sighup, .sighup_arg = &d->obs};
	if (d->cfg.dir && dns_service_lock(svc, d->cfg.dir, err, errlen) != DNS_OK) {
		dns_log(DNS_LOG_ERROR, "cannot use the state directory", "error", err, NULL);
		return 1;
	}
	d->fd_budget = dns_daemon_fd_budget(&d->cfg.limits, d->cfg.has_metrics);
	dns_daemon_limits_apply(&d->cfg.limits, d->fd_budget, &nc);
	if (!d->fd_budget) {
		dns_log(DNS_LOG_ERROR, "cannot start the server", "error", "out of memory", NULL);
		return 1;
	}
	/* the query log is opened before privileges are dropped, like the sockets */
	if (dns_net_server_new(&nc, &d->srv, err, errlen) != DNS_OK ||
	    res_obs_start(&d->obs, d->srv, d->cfg.query_log, err, errlen) != 0 ||
	    dns_net_start(d->srv, err, errlen) != DNS_OK) {
		dns_log(DNS_LOG_ERROR, "cannot start the server", "error", err, NULL);
		return 1;
	}
	if (setup_thread(d) != 0) {
		dns_log(DNS_LOG_ERROR, "cannot start the resolver thread", NULL);
		return 3;
	}
	if (d->cfg.has_tls &&
	    !(d->tls = res_dot_start(d->srv, d->cfg.relay, &d->cfg.tls_listen, d->cfg.tls_cert,
	                             d->cfg.tls_key, &d->cfg.allow, err, errlen))) {
		dns_log(DNS_LOG_ERROR, "cannot serve DNS over TLS", "error", err, NULL);
		return 2;
	}
	dns_metrics_http_opts_t mo = dns_daemon_limits_metrics(&d->cfg.limits);
	if (d->cfg.has_metrics &&
	    !(d->ms = dns_metrics_http_start_opts((const struct sockaddr *)&d->cfg.metrics.ss,
	                                          d->cfg.metrics.len, write_metrics, d, &mo, err,
	                                          errlen))) {
		dns_log(DNS_LOG_ERROR, "cannot serve metrics", "error", err, NULL);
		return 2;
	}
	if (dns_service_bound(svc, err, errlen) != DNS_OK) {
		dns_log(DNS_LOG_ERROR, "cannot run as a service", "error", err, NULL);
		return 2;
	}
	if (res_ctl_start(d->cfg.control, d->cfg.dir, d->e, &d->mu, d->srv, &d->ctl, err,
	                  errlen) != DNS_OK) {
		dns_log(DNS_LOG_ERROR, "cannot open the control socket", "error", err, NULL);
		fprintf(stderr, "dns-resolver: %s\n", err);
		return 2;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static daemon_t dd;
	static dns_service_t svc;
	daemon_t *d = &dd;
	char err[1024];
	d->efd = -1;
	pthread_mutex_init(&d->mu, NULL);
	/* 0 run, 1 usage error (printed), 2 exit 0 (--help or --version printed) */
	int rc = 2;
	switch (dns_service_args(&svc, "dns-resolver", argc, argv, err, sizeof err)) {
	case DNS_SERVICE_USAGE:
		fprintf(stderr, "dns-resolver: %s (see --help)\n", err);
		rc = 1;
		break;
	case DNS_SERVICE_RUN:
		rc = res_parse_args(&d->cfg, svc.argc, svc.argv, &svc);
		if (rc == 2)
			res_usage(stdout);
		break;
	case DNS_SERVICE_EXIT_OK:
		break;
	}
	if (rc) {
		dns_service_end(&svc);
		return rc == 2 ? 0 : 2;
	}
	dns_log_set_level(d->cfg.log_level);
	if (setup_engine(d) != 0) {
		res_engine_free(d->e);
		dns_service_end(&svc);
		return 1;
	}
	/* 1: nothing runs; 2: the resolver thread runs; 3: only the server */
	int started = start(d, &svc, err, sizeof err);
	if (started == 0) {
		for (size_t i = 0; i < d->cfg.nlisten; i++) {
			char at[DNS_NET_ADDR_TEXT_MAX];
			const dns_net_addr_t *a = dns_net_bound_addr(d->srv, i);
			dns_net_addr_format((const struct sockaddr *)&a->ss, at, sizeof at);
			dns_log(DNS_LOG_INFO, "listening", "addr", at, NULL);
			if (i == 0)
				dns_service_ready(&svc, "resolving for clients on %s", at);
		}
		dns_net_run(d->srv);
		dns_service_stopping(&svc);
		dns_log(DNS_LOG_INFO, "stopping", NULL);
	} else if (started != 1) {
		dns_net_stop(d->srv);
		dns_net_run(d->srv);
	}
	dns_metrics_http_stop(d->ms);
	teardown(d, started == 0 || started == 2);
	dns_service_end(&svc);
	return started ? 1 : 0;
}
