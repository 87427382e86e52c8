/*
 * daemon.c - dns-secondary: wiring between the zone follower
 * (libdnsfollow: refresh, transfers, hidden registration), the request
 * dispatcher (dispatch), persistence (state) and dns-net.
 *
 * Threads: dns-net workers run the dispatcher on the published snapshot;
 * the control loop runs the follower (its queries go through dns-net's
 * outgoing-query engine on that loop), the NOTIFY scheduler and
 * publication.  Nothing is shared between them but the published
 * snapshots, the immutable configuration and key store, and atomic
 * metrics.
 */
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dns/net.h"
#include "dns/notify.h"
#include "dns/zoneset.h"

#include "config.h"
#include "daemon_int.h"
#include "dispatch.h"
#include "dns/answer_prefetch.h"
#include "dns/follow.h"
#include "dns/log.h"
#include "dns/daemon_net.h"
#include "dns/metrics_http.h"
#include "dns/metrics_text.h"
#include "dns/notify_udp.h"
#include "dns/service.h"
#include "dns/query_log.h"
#include "dns/req_metrics.h"
#include "notify_out.h"
#include "state.h"

typedef struct snap {
	sec_view_t view;
	dns_zoneset_t *set;
	const uint8_t **down;
} snap_t;

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static size_t zindex(const sec_zone_t *z)
{
	return (size_t)(z - z->d->zones);
}

static void u32text(char *buf, size_t n, uint64_t v)
{
	snprintf(buf, n, "%" PRIu64, v);
}

/* ---- publication ---- */

static void snap_free(void *p)
{
	snap_t *s = p;
	if (!s)
		return;
	dns_zoneset_free(s->set);
	free(s->down);
	free(s);
}

/* Publish what every zone serves now (called after any change). */
static void publish(sec_daemon_t *d)
{
	snap_t *s = calloc(1, sizeof *s);
	dns_zone_t **zs = calloc(d->nzones ? d->nzones : 1, sizeof *zs);
	const uint8_t **down = calloc(d->nzones ? d->nzones : 1, sizeof *down);
	size_t nz = 0, nd = 0;
	if (!s || !zs || !down)
		goto fail;
	for (size_t i = 0; i < d->nzones; i++) {
		const dns_zone_t *zone = dns_follow_zone(d->follow, i);
		if (zone && dns_follow_serving(d->follow, i))
			zs[nz++] = (dns_zone_t *)zone; /* the set takes its own reference */
		else
			down[nd++] = d->zones[i].conf->origin;
	}
	s->set = dns_zoneset_new(zs, nz);
	if (!s->set)
		goto fail;
	free(zs);
	s->down = down;
	s->view = (sec_view_t){ .zones = s->set, .down = down, .ndown = nd, .keys = d->keys,
	                        .confs = d->cfg.zones, .nconfs = d->cfg.nzones,
	                        .cookies = &d->guard.cookies };
	if (dns_net_publish(d->srv, s, snap_free) != DNS_OK)
		dns_log(DNS_LOG_ERROR, "cannot publish the zones", NULL);
	dns_service_status(&d->svc, "serving %zu of %zu zones", nz, d->nzones);
	return;
fail:
	free(zs);
	free(down);
	free(s);
	dns_log(DNS_LOG_ERROR, "out of memory publishing the zones", NULL);
}

/* ---- NOTIFY out (control loop) ---- */

/* While NOTIFYs are pending the timer reads answers and retransmits. */
#define NOTIFY_TICK_MS 50

static void emit(void *ctx, const dns_notify_target_t *t, const uint8_t *msg, size_t len)
{
	sec_daemon_t *d = ctx;
	dns_notify_udp_send(&d->udp, t, msg, len);
}

static void notify_tick(void *arg)
{
	sec_daemon_t *d = arg;
	uint64_t now = now_ms();
	dns_notify_udp_poll(&d->udp, d->sched, now);
	if (dns_notify_sched_next_deadline(d->sched) <= now)
		dns_notify_sched_tick(d->sched, now, emit, d);
	size_t pending = dns_notify_sched_pending_count(d->sched);
	atomic_store(&d->m_notify_pending, pending);
	/* Poll only while something waits for an answer. */
	if (pending && !d->notify_timer_armed)
		dns_net_timer_arm(d->notify_timer, NOTIFY_TICK_MS, true);
	else if (!pending && d->notify_timer_armed)
		dns_net_timer_disarm(d->notify_timer);
	d->notify_timer_armed = pending != 0;
}

/* Announce the version of @z just published to its downstream secondaries. */
static void announce(sec_zone_t *z)
{
	sec_daemon_t *d = z->d;
	sec_ntarget_t t[SEC_MAX_NOTIFY_TARGETS];
	const dns_zone_t *zone = dns_follow_zone(d->follow, zindex(z));
	size_t n = sec_notify_targets(&d->cfg, zindex(z), t, SEC_MAX_NOTIFY_TARGETS);
	if (n == 0 || !d->sched || !zone)
		return;
	uint64_t now = now_ms();
	uint32_t serial = dns_zone_serial(zone);
	char ser[16];
	u32text(ser, sizeof ser, serial);
	for (size_t i = 0; i < n; i++) {
		char target[64], kname[DNS_NAME_TEXT_MAX] = "";
		dns_notify_target_text(&t[i].t, target, sizeof target);
		if (t[i].key)
			dns_name_to_text(t[i].key->name, kname, sizeof kname);
		dns_err_t e = dns_notify_sched_add(d->sched, z->conf->origin, serial,
		                                   dns_zone_soa(zone), &t[i].t, t[i].key, now);
		if (e == DNS_OK)
			dns_log(DNS_LOG_INFO, "notify queued", "zone", z->conf->name, "serial", ser,
			        "target", target, "key", t[i].key ? kname : NULL, NULL);
		else if (e != DNS_EEXIST)
			dns_log(DNS_LOG_WARN, "notify not queued", "zone", z->conf->name, "target",
			        target, "error", dns_strerror(e), NULL);
	}
	notify_tick(d);
}

/* ---- persistence ---- */

static void persist(sec_zone_t *z, const dns_zone_t *zone)
{
	const char *dir = z->d->cfg.state_dir;
	size_t i = zindex(z);
	char err[512];
	if (!dir)
		return;
	if (zone && sec_state_write_zone(dir, z->conf->name, zone, err, sizeof err) != DNS_OK) {
		dns_log(DNS_LOG_ERROR, "cannot save the zone", "zone", z->conf->name, "error", err,
		        NULL);
		return;
	}
	if (sec_state_write_meta(dir, z->conf->name, dns_follow_serial(z->d->follow, i),
	                         dns_follow_last_contact(z->d->follow, i), err,
	                         sizeof err) != DNS_OK)
		dns_log(DNS_LOG_ERROR, "cannot save the zone state", "zone", z->conf->name, "error",
		        err, NULL);
}

/* ---- what the follower tells us (control loop) ---- */

static void on_follow(void *arg, const dns_follow_event_t *ev)
{
	sec_daemon_t *d = arg;
	sec_zone_t *z = &d->zones[ev->zone_index];
	uint64_t now_s = now_ms() / 1000;
	atomic_store(&z->m_state, (int)dns_follow_state(d->follow, ev->zone_index));
	if (ev->kind == DNS_FOLLOW_APPLIED || ev->kind == DNS_FOLLOW_CONTACT ||
	    ev->kind == DNS_FOLLOW_FAILED) {
		z->outcomes++;
		z->last = ev->kind;
		if (ev->kind != DNS_FOLLOW_FAILED)
			z->last_error[0] = '\0';
		sec_ctl_outcome(d);
	}
	switch (ev->kind) {
	case DNS_FOLLOW_APPLIED:
		z->last_xfr = ev->xfr;
		z->last_records = ev->records;
		atomic_fetch_add(ev->xfr == DNS_FOLLOW_IXFR ? &z->m_ixfr : &z->m_axfr, 1);
		atomic_store(&z->m_serial, ev->serial);
		atomic_store(&z->m_last_refresh_s, now_s);
		publish(d);
		persist(z, ev->zone);
		announce(z); /* the new version is served now: tell those below us */
		break;
	case DNS_FOLLOW_CONTACT:
		atomic_store(&z->m_last_refresh_s, now_s);
		persist(z, NULL);
		break;
	case DNS_FOLLOW_EXPIRED:
	case DNS_FOLLOW_RESTORED:
		publish(d);
		break;
	case DNS_FOLLOW_FAILED:
		snprintf(z->last_error, sizeof z->last_error, "%s", ev->error ? ev->error : "failed");
		atomic_fetch_add(&z->m_failures, 1);
		break;
	case DNS_FOLLOW_NOTIFIED:
		atomic_fetch_add(&z->m_notifies, 1);
		break;
	case DNS_FOLLOW_REGISTERED:
	case DNS_FOLLOW_UNREGISTERED:
		break; /* the follower logs them */
	}
}

typedef struct notify_msg {
	sec_daemon_t *d;
	size_t zone;
	bool has_serial;
	uint32_t serial;
} notify_msg_t;

static void on_notify(void *arg)
{
	notify_msg_t *n = arg;
	dns_follow_notify(n->d->follow, n->zone, n->has_serial, n->serial);
	free(n);
}

/* ---- requests ---- */

typedef struct stream_ctx {
	dns_xfr_out_t *x;
	bool done;
} stream_ctx_t;

static dns_net_stream_status_t stream_next(void *ctx, uint8_t *buf, size_t cap, size_t *len)
{
	stream_ctx_t *s = ctx;
	if (s->done)
		return DNS_NET_STREAM_DONE;
	dns_xfr_out_set_time(s->x, (uint64_t)time(NULL));
	if (dns_xfr_out_next(s->x, buf, cap, len, &s->done) != DNS_OK)
		return DNS_NET_STREAM_ABORT;
	return s->done ? DNS_NET_STREAM_LAST : DNS_NET_STREAM_MORE;
}

static void stream_release(void *ctx)
{
	stream_ctx_t *s = ctx;
	dns_xfr_out_free(s->x);
	free(s);
}

/* Before a UDP batch is answered: its zone lookups' cache misses, together. */
static void prefetch(void *ctx, const dns_net_request_t *reqs, unsigned n)
{
	const snap_t *s = reqs[0].snapshot;
	(void)ctx;
	if (s)
		dns_daemon_answer_prefetch(s->set, reqs, n);
}

static void handler(void *ctx, const dns_net_request_t *req, dns_net_reply_t *out)
{
	sec_daemon_t *d = ctx;
	const snap_t *s = req->snapshot;
	if (!s)
		return;
	sec_daction_t a;
	sec_dinfo_t info;
	uint64_t now = (uint64_t)time(NULL);
	bool tcp = req->transport == DNS_NET_TCP;
	sec_dispatch(&s->view, now, req->peer, tcp ? DNS_TRANSPORT_TCP : DNS_TRANSPORT_UDP,
	             req->data, req->len, out->buf, out->cap, &out->len, &a, &info);
	/* a replayed signed NOTIFY or transfer request (RFC 8945 §5.2.3): dropped */
	if (a.signed_ && (a.kind == SEC_DACT_NOTIFY || info.is_xfr) &&
	    dns_guard_replayed(&d->guard, &a.treq, now, req, info.opcode, info.qtype,
	                       a.kind == SEC_DACT_NOTIFY ? d->cfg.zones[a.zone_index].origin
	                                                 : NULL)) {
		out->len = 0;
		if (a.kind == SEC_DACT_STREAM)
			dns_xfr_out_free(a.xfr);
		return;
	}
	dns_guard_reply(&d->guard, req, out, &info.answer, a.signed_);
	if (!info.dropped)
		dns_req_metrics_answered(d->req, req->worker, info.opcode, info.qtype, info.rcode, tcp);
	if (info.refusal) {
		dns_req_metrics_refused(d->req, info.refusal);
		dns_refusal_log_request(info.refusal, req->peer, tcp, req->data, req->len, info.rcode,
		                        info.tsig_error);
	}
	if (d->qlog) /* one branch when off */
		dns_query_log_write(d->qlog, req->peer, tcp, req->data, req->len, out->buf, out->len);
	if (a.kind == SEC_DACT_NOTIFY) {
		notify_msg_t *n = malloc(sizeof *n);
		if (n) {
			*n = (notify_msg_t){ d, a.zone_index, a.has_serial, a.serial };
			if (dns_net_post(d->srv, on_notify, n) != DNS_OK)
				free(n);
		}
	} else if (a.kind == SEC_DACT_STREAM) {
		stream_ctx_t *sc = calloc(1, sizeof *sc);
		dns_net_stream_t st = { stream_next, stream_release, sc };
		if (!sc) {
			dns_xfr_out_free(a.xfr);
			return;
		}
		sc->x = a.xfr;
		if (dns_net_reply_stream(out, &st) != DNS_OK) {
			stream_release(sc);
			return;
		}
		if (a.zone_index < d->nzones)
			atomic_fetch_add(&d->zones[a.zone_index].m_served, 1);
	}
}

/* ---- metrics ---- */

/* One gauge or counter per zone: @get reads it from the zone's record. */
static void per_zone(FILE *f, sec_daemon_t *d, const char *name, const char *type,
                     const char *help, uint64_t (*get)(const sec_zone_t *))
{
	dns_metrics_head(f, name, type, help);
	for (size_t i = 0; i < d->nzones; i++)
		dns_metrics_u64(f, name, get(&d->zones[i]), "zone", d->zones[i].conf->name, NULL);
}

static uint64_t z_serial(const sec_zone_t *z) { return atomic_load(&z->m_serial); }
static uint64_t z_expired(const sec_zone_t *z)
{
	return atomic_load(&z->m_state) == DNS_FOLLOW_EXPIRED_STATE;
}
static uint64_t z_refresh(const sec_zone_t *z) { return atomic_load(&z->m_last_refresh_s); }
static uint64_t z_failures(const sec_zone_t *z) { return atomic_load(&z->m_failures); }
static uint64_t z_notifies(const sec_zone_t *z) { return atomic_load(&z->m_notifies); }

static void write_metrics(void *ctx, FILE *f)
{
	sec_daemon_t *d = ctx;
	dns_metrics_build_info(f, "dns-secondary");
	dns_req_metrics_write(d->req, f);
	dns_metrics_head(f, "dns_notify_pending", "gauge", "NOTIFYs sent and not yet answered.");
	dns_metrics_u64(f, "dns_notify_pending", atomic_load(&d->m_notify_pending), NULL);
	per_zone(f, d, "dns_zone_serial", "gauge", "SOA serial of the version served.", z_serial);
	per_zone(f, d, "dns_zone_expired", "gauge",
	         "1 while the zone has expired (answered SERVFAIL).", z_expired);
	per_zone(f, d, "dns_zone_last_refresh_timestamp_seconds", "gauge",
	         "When the primary last confirmed the zone (Unix time; 0: never).", z_refresh);
	per_zone(f, d, "dns_refresh_failures_total", "counter",
	         "Refreshes or transfers from the primary that failed.", z_failures);
	per_zone(f, d, "dns_notifies_total", "counter", "NOTIFYs accepted for the zone.",
	         z_notifies);
	dns_metrics_head(f, "dns_zone_transfers_in_total", "counter",
	                 "Transfers received from the primary and applied, by kind (axfr, ixfr).");
	for (size_t i = 0; i < d->nzones; i++) {
		const char *z = d->zones[i].conf->name;
		dns_metrics_u64(f, "dns_zone_transfers_in_total", atomic_load(&d->zones[i].m_axfr),
		                "zone", z, "kind", "axfr", NULL);
		dns_metrics_u64(f, "dns_zone_transfers_in_total", atomic_load(&d->zones[i].m_ixfr),
		                "zone", z, "kind", "ixfr", NULL);
	}
	/* as the primary's: transfers served, by kind (ours are all AXFR-style) */
	dns_metrics_head(f, "dns_transfers_total", "counter",
	                 "Zone transfers served to downstream secondaries.");
	for (size_t i = 0; i < d->nzones; i++)
		dns_metrics_u64(f, "dns_transfers_total", atomic_load(&d->zones[i].m_served), "zone",
		                d->zones[i].conf->name, "kind", "axfr", NULL);
	dns_guard_metrics(&d->guard, f);
	dns_daemon_net_metrics(f, d->srv);
}

/* ---- start and stop ---- */

static void load_state(sec_zone_t *z)
{
	const char *dir = z->d->cfg.state_dir;
	dns_zone_t *zone = NULL;
	uint64_t contact = 0;
	char err[512];
	bool expired = false;
	if (!dir)
		return;
	dns_err_t e = sec_state_load(dir, z->conf->name, z->conf->origin, &zone, &contact, err,
	                             sizeof err);
	if (e == DNS_ENOTFOUND)
		return;
	if (e == DNS_OK && dns_follow_load(z->d->follow, zindex(z), zone, contact, &expired) != DNS_OK) {
		e = DNS_EZONE;
		snprintf(err, sizeof err, "no SOA");
	}
	dns_zone_unref(zone);
	if (e != DNS_OK) {
		dns_log(DNS_LOG_WARN, "saved zone unusable, transferring again", "zone",
		        z->conf->name, "error", err, NULL);
		return;
	}
	uint32_t serial = dns_follow_serial(z->d->follow, zindex(z));
	uint64_t last = dns_follow_last_contact(z->d->follow, zindex(z));
	atomic_store(&z->m_serial, serial);
	atomic_store(&z->m_last_refresh_s, last / 1000);
	char ser[16], age[24];
	u32text(ser, sizeof ser, serial);
	u32text(age, sizeof age, (now_ms() - last) / 1000);
	dns_log(expired ? DNS_LOG_WARN : DNS_LOG_INFO,
	        expired ? "zone loaded from state, expired: answering SERVFAIL"
	                : "zone loaded from state",
	        "zone", z->conf->name, "serial", ser, "last_contact_age_s", age, NULL);
}

/* Add @k unless a key of that name is there already (then it must be the same). */
static int add_key(sec_daemon_t *d, const dns_tsig_key_t *k)
{
	const dns_tsig_key_t *old = dns_keystore_find(d->keys, k->name);
	if (!old)
		return dns_keystore_add(d->keys, k) == DNS_OK ? 0 : -1;
	if (old->alg != k->alg || old->secret_len != k->secret_len ||
	    memcmp(old->secret, k->secret, old->secret_len) != 0) {
		char name[DNS_NAME_TEXT_MAX];
		dns_name_to_text(k->name, name, sizeof name);
		fprintf(stderr, "dns-secondary: key %s given twice with different secrets\n", name);
		return -1;
	}
	return 0;
}

static int build_keys(sec_daemon_t *d)
{
	d->keys = dns_keystore_new();
	if (!d->keys)
		return -1;
	for (size_t i = 0; i < d->cfg.nzones; i++)
		if (d->cfg.zones[i].has_key && add_key(d, &d->cfg.zones[i].key) != 0)
			return -1;
	for (size_t i = 0; i < d->cfg.nxfr_keys; i++)
		if (add_key(d, &d->cfg.xfr_keys[i]) != 0)
			return -1;
	return 0;
}

/* The follower, on the control loop, with every saved zone loaded. */
static int setup_follow(sec_daemon_t *d)
{
	dns_follow_zone_conf_t *fc = calloc(d->nzones, sizeof *fc);
	if (!fc)
		return 1;
	for (size_t i = 0; i < d->nzones; i++) {
		const sec_zone_conf_t *c = &d->cfg.zones[i];
		fc[i] = (dns_follow_zone_conf_t){ .origin = c->origin, .primary = c->primary,
		                                  .source = c->has_source ? &c->source : NULL,
		                                  .key = c->has_key ? &c->key : NULL,
		                                  .hidden = d->cfg.hidden };
	}
	dns_err_t e = dns_follow_new(dns_net_control_base(d->srv), fc, d->nzones, on_follow, d,
	                             &d->follow);
	free(fc);
	if (e != DNS_OK) {
		dns_log(DNS_LOG_ERROR, "cannot start the zone follower", "error", dns_strerror(e),
		        NULL);
		return 1;
	}
	for (size_t i = 0; i < d->nzones; i++) {
		load_state(&d->zones[i]);
		atomic_store(&d->zones[i].m_state, (int)dns_follow_state(d->follow, i));
	}
	return 0;
}

/* A start-up failure, in the log and on stderr. */
static int fail(const char *what, const char *err)
{
	dns_log(DNS_LOG_ERROR, what, "error", err, NULL);
	fprintf(stderr, "dns-secondary: %s\n", err);
	return 1;
}

/* Every listening socket bound (a second server on one of our addresses
 * stops here), then no longer root. */
static int bind_all(sec_daemon_t *d)
{
	char err[1024];
	if (dns_net_bind(d->srv, err, sizeof err) != DNS_OK)
		return fail("cannot start the server", err);
	if (d->cfg.has_metrics) {
		dns_metrics_http_opts_t mo = dns_daemon_limits_metrics(&d->cfg.limits);
		d->ms = dns_metrics_http_start_opts((const struct sockaddr *)&d->cfg.metrics.ss,
		                                    d->cfg.metrics.len, write_metrics, d, &mo, err,
		                                    sizeof err);
		if (!d->ms)
			return fail("cannot serve metrics", err);
	}
	if (dns_service_bound(&d->svc, err, sizeof err) != DNS_OK)
		return fail("cannot run as a service", err);
	return 0;
}

static void on_tick(void *arg)
{
	(void)arg;
	dns_log_tick(); /* a flood of refusals that stopped is summed up */
}

static void on_sighup(void *arg)
{
	sec_daemon_t *d = arg;
	dns_log(DNS_LOG_INFO, "SIGHUP: reopening the query log", NULL);
	dns_query_log_reopen(d->qlog);
}

/* Counters, the query log and the log's tick: before the workers start. */
static int setup_observability(sec_daemon_t *d)
{
	char err[512];
	d->req = dns_req_metrics_new(dns_net_workers(d->srv));
	d->tick = dns_net_timer_new(d->srv, on_tick, d);
	if (!d->req || !d->tick)
		return 1;
	dns_net_timer_arm(d->tick, 1000, true);
	/* opened before privileges are dropped (bind_all), like the sockets */
	if (d->cfg.query_log && !(d->qlog = dns_query_log_open(d->cfg.query_log, err, sizeof err)))
		return fail("cannot open the query log", err);
	return 0;
}

static int setup(sec_daemon_t *d)
{
	char err[1024];
	if (build_keys(d) != 0)
		return 2;
	if (d->cfg.state_dir && dns_service_lock(&d->svc, d->cfg.state_dir, err, sizeof err) != DNS_OK)
		return fail("cannot use the state directory", err);
	if (d->cfg.state_dir && sec_state_dir_create(d->cfg.state_dir, err, sizeof err) != DNS_OK) {
		dns_log(DNS_LOG_ERROR, "cannot create the state directory", "error", err, NULL);
		fprintf(stderr, "dns-secondary: %s\n", err);
		return 1;
	}
	d->nzones = d->cfg.nzones;
	d->zones = calloc(d->nzones, sizeof *d->zones);
	if (!d->zones)
		return 1;
	for (size_t i = 0; i < d->nzones; i++) {
		d->zones[i].d = d;
		d->zones[i].conf = &d->cfg.zones[i];
	}
	dns_net_config_t nc = { .listen = d->cfg.listen, .nlisten = d->cfg.nlisten,
	                        .workers = d->cfg.workers, .handler = handler, .prefetch = prefetch,
	                        .handler_ctx = d, .on_sighup = on_sighup, .sighup_arg = d };
	d->fd_budget = dns_daemon_fd_budget(&d->cfg.limits, d->cfg.has_metrics);
	if (!d->fd_budget)
		return 1;
	dns_daemon_limits_apply(&d->cfg.limits, d->fd_budget, &nc);
	if (dns_net_server_new(&nc, &d->srv, err, sizeof err) != DNS_OK) {
		dns_log(DNS_LOG_ERROR, "cannot start the server", "error", err, NULL);
		return 1;
	}
	if (dns_guard_init(&d->guard, &d->cfg.guard, dns_net_workers(d->srv), err, sizeof err) !=
	    DNS_OK) {
		dns_log(DNS_LOG_ERROR, "cannot start", "error", err, NULL);
		return 1;
	}
	d->guard_ready = true;
	if (setup_observability(d) != 0)
		return 1;
	d->guard.req_metrics = d->req; /* replays: dns_requests_refused_total */
	if (bind_all(d) != 0 || setup_follow(d) != 0)
		return 1;
	if (dns_net_start(d->srv, err, sizeof err) != DNS_OK) {
		dns_log(DNS_LOG_ERROR, "cannot start the server", "error", err, NULL);
		return 1;
	}
	d->sched = dns_notify_sched_new(dns_notify_log_done, d);
	d->notify_timer = dns_net_timer_new(d->srv, notify_tick, d);
	d->net_watch = dns_daemon_net_watch_start(d->srv, 0);
	if (!d->sched || !d->notify_timer)
		return 1;
	dns_notify_udp_open(&d->udp);
	publish(d);
	for (size_t i = 0; i < d->cfg.nlisten; i++) {
		char at[DNS_NET_ADDR_TEXT_MAX];
		const dns_net_addr_t *a = dns_net_bound_addr(d->srv, i);
		dns_net_addr_format((const struct sockaddr *)&a->ss, at, sizeof at);
		dns_log(DNS_LOG_INFO, "listening", "addr", at, NULL);
	}
	for (size_t i = 0; i < d->nzones; i++) {
		char at[DNS_NET_ADDR_TEXT_MAX];
		dns_net_addr_format((const struct sockaddr *)&d->zones[i].conf->primary.ss, at,
		                    sizeof at);
		dns_log(DNS_LOG_INFO, "zone configured", "zone", d->zones[i].conf->name, "primary",
		        at, "tsig", d->zones[i].conf->has_key ? "yes" : "no", "hidden",
		        d->cfg.hidden ? "yes" : NULL, "state",
		        dns_follow_state_name(dns_follow_state(d->follow, i)), NULL);
	}
	if (sec_ctl_start(d) != 0)
		return 1;
	dns_follow_start(d->follow);
	return 0;
}

static void teardown(sec_daemon_t *d)
{
	sec_ctl_stop(d);
	/* the follower's events live on the control loop's base: free it first */
	dns_follow_free(d->follow);
	d->follow = NULL;
	if (d->notify_timer)
		dns_net_timer_free(d->notify_timer);
	dns_daemon_net_watch_free(d->net_watch);
	if (d->tick)
		dns_net_timer_free(d->tick);
	dns_notify_sched_free(d->sched);
	dns_notify_udp_close(&d->udp);
	if (d->srv)
		dns_net_server_free(d->srv);
	if (d->guard_ready)
		dns_guard_destroy(&d->guard);
	free(d->zones);
	dns_net_fd_budget_free(d->fd_budget);
	dns_req_metrics_free(d->req);
	dns_query_log_close(d->qlog);
	dns_log_flush();
	dns_keystore_free(d->keys);
	sec_config_free(&d->cfg);
}

int main(int argc, char **argv)
{
	static sec_daemon_t daemon;
	sec_daemon_t *d = &daemon;
	char err[1024];
	d->started_s = dns_ctl_mono_s();
	int rc = 2;
	d->udp.fd4 = d->udp.fd6 = -1;
	switch (dns_service_args(&d->svc, "dns-secondary", argc, argv, err, sizeof err)) {
	case DNS_SERVICE_EXIT_OK:
		dns_service_end(&d->svc);
		return 0;
	case DNS_SERVICE_USAGE:
		fprintf(stderr, "dns-secondary: %s\n(see dns-secondary --help)\n", err);
		dns_service_end(&d->svc);
		return 2;
	case DNS_SERVICE_RUN:
		break;
	}
	switch (sec_config_parse(&d->cfg, d->svc.argc, d->svc.argv, err, sizeof err)) {
	case SEC_CONFIG_HELP:
		fputs(sec_config_usage, stdout);
		fputs(dns_daemon_limits_usage, stdout);
		fputs("Service options:\n", stdout);
		fputs(dns_service_usage, stdout);
		rc = 0;
		goto out;
	case SEC_CONFIG_ERROR:
		fprintf(stderr, "dns-secondary: %s%s\n%s%s", dns_service_where(&d->svc, d->cfg.bad_arg),
		        err, sec_config_usage, dns_daemon_limits_usage);
		goto out;
	case SEC_CONFIG_OK:
		break;
	}
	dns_log_set_level(d->cfg.log_level);
	rc = setup(d);
	if (rc == 0) {
		dns_log(DNS_LOG_INFO, "started", NULL);
		dns_service_ready(&d->svc, NULL);
		dns_net_run(d->srv);
		dns_service_stopping(&d->svc);
		dns_log(DNS_LOG_INFO, "stopping", NULL);
	}
	dns_metrics_http_stop(d->ms);
	teardown(d);
out:
	sec_config_free(&d->cfg);
	dns_service_end(&d->svc);
	return rc;
}
