/*
 * daemon.c - the wiring of dns-primary-git (see daemon.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "daemon_int.h"
#include "dispatch.h"
#include "dns/answer_prefetch.h"
#include "dns/authority.h"
#include "dns/msg.h"
#include "dns/net.h"
#include "dns/notify.h"
#include "dns/notify_udp.h"
#include "dns/wire.h"
#include "gitrepo.h"
#include "history.h"
#include "dns/log.h"
#include "follow.h"
#include "metrics.h"
#include "notify_targets.h"
#include "removed_seen.h"
#include "repo_state.h"
#include "writeback.h"

void pg_snapshot_unref(void *p)
{
	snapshot_t *s = p;
	if (!s || atomic_fetch_sub(&s->refs, 1) != 1)
		return;
	dns_zoneset_free(s->zones);
	dns_keystore_free(s->keys);
	pg_history_unref(s->history);
	free(s->removed);
	free(s->info);
	free(s);
}

/* What `dns-ctl zones` shows of @st: every zone file, served or not. */
static void snapshot_info(snapshot_t *s, const pg_repo_state_t *st)
{
	s->commit = st->commit;
	s->loaded_s = (uint64_t)time(NULL);
	s->info = calloc(st->nzones ? st->nzones : 1, sizeof(*s->info));
	for (size_t i = 0; s->info && i < st->nzones; i++) {
		const pg_zone_ent_t *z = &st->zones[i];
		pg_zone_info_t *in = &s->info[s->ninfo++];
		memcpy(in->name, z->name, sizeof(in->name));
		in->served = z->zone != NULL;
		in->serial = z->zone ? dns_zone_serial(z->zone) : 0;
		in->records = z->zone ? dns_zone_rr_count(z->zone) : 0;
		in->commit = z->zone_commit;
		memcpy(in->error, z->error, sizeof(in->error));
	}
}

/* The control commands read the newest snapshot from now on. */
static void set_view(daemon_t *d, snapshot_t *s)
{
	atomic_fetch_add(&s->refs, 1);
	pthread_mutex_lock(&d->view_lock);
	snapshot_t *old = d->view;
	d->view = s;
	pthread_mutex_unlock(&d->view_lock);
	pg_snapshot_unref(old);
}

/* ---- loading and reloading ---- */

static void update_metrics(daemon_t *d)
{
	if (d->metrics)
		pg_metrics_state(d->metrics, d->state);
}

/* Load @head (repo_lock held) and publish it.  @notify_all: announce
 * every served zone (start-up), else only serial changes.  @hints: zones
 * already built (by the writer) for some of the files. */
static dns_err_t load_and_publish(daemon_t *d, const gitrepo_oid_t *head, bool notify_all,
                                  const pg_zone_hint_t *hints, size_t nhints)
{
	char msg[512];
	pg_repo_state_t *st = NULL;
	dns_keystore_t *keys = NULL;
	dns_err_t e = pg_repo_state_load_hinted(d->repo, head, d->state, hints, nhints, &st, &keys,
	                                        msg, sizeof(msg));
	if (e != DNS_OK) {
		dns_log(DNS_LOG_ERROR, "repository load failed", "error", msg, NULL);
		return e;
	}
	pg_history_t *h = pg_history_build(d->repo, head, st, d->history, 0);
	snapshot_t *s = calloc(1, sizeof(*s));
	if (!s || !(s->zones = pg_repo_state_zoneset(st))) {
		free(s);
		pg_history_unref(h);
		pg_repo_state_free(st);
		dns_keystore_free(keys);
		dns_log(DNS_LOG_ERROR, "repository load failed", "error", "out of memory", NULL);
		return DNS_ENOMEM;
	}
	s->keys = keys;
	s->history = pg_history_ref(h);
	atomic_init(&s->refs, 1);
	snapshot_info(s, st);
	if (st->nremoved && (s->removed = calloc(st->nremoved, sizeof(*s->removed)))) {
		for (size_t i = 0; i < st->nremoved; i++)
			dns_name_copy(s->removed[i], st->removed[i].origin);
		s->nremoved = st->nremoved;
	}
	/* The versions being replaced answer the next IXFRs from them.  Not
	 * one replaced for a change of what it includes alone: the cache is by
	 * blob, and that blob's version is the newest (pg_history_old_version). */
	for (size_t i = 0; d->state && i < st->nzones; i++) {
		const pg_zone_ent_t *z = &st->zones[i];
		const pg_zone_ent_t *old = pg_repo_state_find(d->state, z->origin);
		if (old && old->zone && z->zone != old->zone &&
		    !gitrepo_oid_equal(&old->zone_blob, &z->zone_blob))
			pg_zcache_put(&d->zcache, &old->zone_blob, old->zone);
	}
	pg_repo_state_free(d->state);
	d->state = st;
	pg_history_unref(d->history);
	d->history = h;
	update_metrics(d);
	/* NOTIFY only once the new version is what the workers answer with: a
	 * secondary's SOA query right after the NOTIFY must see the new serial. */
	notify_job_t **jobs = calloc(st->nzones ? st->nzones : 1, sizeof(*jobs));
	size_t njobs = 0;
	for (size_t i = 0; jobs && i < st->nzones; i++) {
		const pg_zone_ent_t *z = &st->zones[i];
		if (z->zone && (notify_all || !z->had_prev || dns_zone_serial(z->zone) != z->prev_serial))
			if ((jobs[njobs] = pg_notify_job_make(d, s, z->zone)))
				njobs++;
	}
	char nz[16];
	snprintf(nz, sizeof(nz), "%zu", dns_zoneset_count(s->zones));
	char hex[GITREPO_OID_HEXSIZE];
	gitrepo_oid_fmt(head, hex);
	hex[12] = '\0';
	dns_log(DNS_LOG_INFO, "serving", "commit", hex, "zones", nz, NULL);
	dns_service_status(d->cfg->svc, "serving %s zones at commit %s", nz, hex);
	set_view(d, s);
	e = dns_net_publish(d->srv, s, pg_snapshot_unref);
	for (size_t i = 0; i < njobs; i++)
		pg_notify_job_post(d, jobs[i]);
	free(jobs);
	return e;
}

/* Fetch and load; @err (for `dns-ctl reload`) says why not. */
static dns_err_t reload(daemon_t *d, char *err, size_t errlen)
{
	char msg[512];
	pthread_mutex_lock(&d->repo_lock);
	gitrepo_fetch_result_t res;
	memset(&res, 0, sizeof(res));
	dns_err_t e = gitrepo_fetch(d->repo, &res, msg, sizeof(msg));
	if (e != DNS_OK) {
		atomic_store(&d->stale, true);
		dns_log(DNS_LOG_WARN, "fetch failed, serving the local clone", "error", msg, NULL);
		snprintf(err, errlen, "fetch failed, serving the local clone: %.200s", msg);
		dns_service_status(d->cfg->svc, "%s", err);
		pthread_mutex_unlock(&d->repo_lock);
		return e;
	}
	atomic_store(&d->stale, false);
	bool notify_all = false;
	if (res.ahead) {
		/* The remote head does not descend from ours: the remote branch
		 * was rewritten (force-push, rewind), or we hold commits it never
		 * had.  No update is waiting to be pushed: the writer holds
		 * repo_lock (which we hold) from the first edit of a batch to its
		 * push (process() in writeback.c), and leaves it only with the
		 * branch pushed or reset to the remote (abandon()); its answers
		 * wait for the push.  So the remote is the source of truth:
		 * follow it.  Every zone is announced, also those whose serial
		 * went down (pg_follow_remote warns about them). */
		e = pg_follow_remote(d->repo, &res, false, &res.head);
		if (e != DNS_OK) {
			snprintf(err, errlen, "cannot follow the rewritten remote branch (see the log)");
			pthread_mutex_unlock(&d->repo_lock);
			return e;
		}
		notify_all = true;
	}
	if (d->state && gitrepo_oid_equal(&res.head, &d->state->commit)) {
		dns_log(DNS_LOG_DEBUG, "up to date", NULL);
	} else {
		e = load_and_publish(d, &res.head, notify_all, NULL, 0);
		if (e != DNS_OK)
			snprintf(err, errlen, "repository load failed (see the log)");
	}
	pthread_mutex_unlock(&d->repo_lock);
	return e;
}

static void *reload_main(void *arg)
{
	daemon_t *d = arg;
	for (;;) {
		pthread_mutex_lock(&d->rl_lock);
		while (!d->rl_pending && !d->rl_stop)
			pthread_cond_wait(&d->rl_cond, &d->rl_lock);
		bool stop = d->rl_stop;
		uint64_t gen = d->rl_asked;
		d->rl_pending = false;
		pthread_mutex_unlock(&d->rl_lock);
		if (stop)
			return NULL;
		char err[256] = "";
		dns_err_t e = reload(d, err, sizeof(err));
		pthread_mutex_lock(&d->rl_lock);
		d->rl_done = gen;
		d->rl_ok = e == DNS_OK;
		snprintf(d->rl_error, sizeof(d->rl_error), "%s", err);
		/* systemd: the reload a SIGHUP asked for is done */
		bool hup_done = d->rl_hup != 0 && gen >= d->rl_hup;
		if (hup_done)
			d->rl_hup = 0;
		pthread_mutex_unlock(&d->rl_lock);
		if (hup_done)
			dns_service_ready(d->cfg->svc, NULL);
		if (d->ctl)
			dns_net_post(d->srv, pg_ctl_reload_done, d);
	}
}

/* Any thread: ask for a fetch + reload; requests during a reload coalesce into one. */
uint64_t pg_request_reload(daemon_t *d)
{
	pthread_mutex_lock(&d->rl_lock);
	d->rl_pending = true;
	uint64_t gen = ++d->rl_asked;
	pthread_cond_signal(&d->rl_cond);
	pthread_mutex_unlock(&d->rl_lock);
	return gen;
}

static void on_sighup(void *arg)
{
	daemon_t *d = arg;
	dns_log(DNS_LOG_INFO, "SIGHUP: reloading", NULL);
	dns_query_log_reopen(d->qlog); /* after a rotation */
	dns_service_reloading(d->cfg->svc);
	/* as pg_request_reload, noting which reload systemd waits for */
	pthread_mutex_lock(&d->rl_lock);
	d->rl_pending = true;
	d->rl_hup = ++d->rl_asked;
	pthread_cond_signal(&d->rl_cond);
	pthread_mutex_unlock(&d->rl_lock);
}

static void on_poll(void *arg)
{
	pg_request_reload(arg);
}

static void on_retry(void *arg)
{
	daemon_t *d = arg;
	if (atomic_load(&d->stale))
		pg_request_reload(d);
}

/* ---- dynamic updates: what the writer sees of the daemon ---- */

static const pg_repo_state_t *writer_state(void *ctx)
{
	daemon_t *d = ctx;
	return d->state;
}

static dns_err_t writer_publish(void *ctx, const gitrepo_oid_t *head, const pg_zone_hint_t *hints,
                                size_t nhints)
{
	return load_and_publish(ctx, head, false, hints, nhints);
}

/* With the query log on, an UPDATE's reply handle carries what its line
 * needs, written when the answer leaves (after the push). */
typedef struct logged_reply {
	dns_net_deferred_t *later;
	struct sockaddr_storage peer;
	bool tcp;
	size_t len;
	uint8_t req[];
} logged_reply_t;

static void writer_answer(void *ctx, void *reply, const uint8_t *msg, size_t len)
{
	daemon_t *d = ctx;
	dns_net_deferred_t *later = reply;
	if (d->qlog) {
		logged_reply_t *lr = reply;
		later = lr->later;
		dns_query_log_write(d->qlog, (const struct sockaddr *)&lr->peer, lr->tcp, lr->req,
		                    lr->len, msg, len);
		free(lr);
	}
	if (len)
		dns_net_deferred_send(later, msg, len);
	else
		dns_net_deferred_drop(later);
}

static void *reply_handle(daemon_t *d, const dns_net_request_t *req, dns_net_deferred_t *later)
{
	if (!later || !d->qlog)
		return later;
	logged_reply_t *lr = malloc(sizeof(*lr) + req->len);
	if (!lr)
		return NULL;
	lr->later = later;
	memset(&lr->peer, 0, sizeof(lr->peer));
	memcpy(&lr->peer, req->peer, req->peer_len < sizeof(lr->peer) ? req->peer_len
	                                                               : sizeof(lr->peer));
	lr->tcp = req->transport == DNS_NET_TCP;
	lr->len = req->len;
	memcpy(lr->req, req->data, req->len);
	return lr;
}

static void writer_batch_done(void *ctx, const pg_batch_stats_t *st)
{
	daemon_t *d = ctx;
	if (d->metrics)
		pg_metrics_updates(d->metrics, st->accepted, st->refused, st->commits, st->push_retries,
		                   st->rebases, st->push_ms, st->pushed);
}

/* Worker: queue a verified UPDATE for the writer; the answer comes after the
 * push.  False when it could not be queued (answered SERVFAIL now). */
static bool queue_update(daemon_t *d, const dns_net_request_t *req, dns_net_reply_t *out,
                         const pg_action_t *act)
{
	dns_net_deferred_t *later = dns_net_reply_defer(req);
	void *handle = reply_handle(d, req, later);
	pg_update_t *u = handle ? pg_update_new(req->data, req->len, act->zone, &act->key, &act->treq,
	                                        handle, pg_now_ms())
	                        : NULL;
	if (u && pg_writer_submit(d->writer, u) == DNS_OK)
		return true;
	pg_update_free(u);
	if (handle != later)
		free(handle);
	dns_net_deferred_drop(later);
	pg_update_reply(req->data, req->len, &act->treq, DNS_RCODE_SERVFAIL, (uint64_t)time(NULL),
	                out->buf, out->cap, &out->len);
	return false;
}

/* ---- the request handler (worker threads) ---- */

typedef struct old_ctx {
	daemon_t *d;
	const snapshot_t *s;
} old_ctx_t;

/* An older version for IXFR: cached, or read from git unless a reload
 * holds the repository (the client then gets the whole zone). */
static dns_zone_t *old_zone(void *ctx, const dns_zone_t *zone, uint32_t serial)
{
	old_ctx_t *c = ctx;
	return pg_history_old_version(c->s->history, c->d->repo, &c->d->repo_lock, &c->d->zcache,
	                              zone, serial);
}

typedef struct stream_ctx {
	dns_xfr_out_t *x;
} stream_ctx_t;

static dns_net_stream_status_t stream_next(void *ctx, uint8_t *buf, size_t cap, size_t *len)
{
	stream_ctx_t *sc = ctx;
	bool done = false;
	dns_xfr_out_set_time(sc->x, (uint64_t)time(NULL));
	if (dns_xfr_out_next(sc->x, buf, cap, len, &done) != DNS_OK) {
		dns_log(DNS_LOG_WARN, "transfer aborted", NULL);
		return DNS_NET_STREAM_ABORT;
	}
	return done ? DNS_NET_STREAM_LAST : DNS_NET_STREAM_MORE;
}

static void stream_release(void *ctx)
{
	stream_ctx_t *sc = ctx;
	dns_xfr_out_free(sc->x);
	free(sc);
}

static const char *const xfr_kind_names[] = { "axfr", "ixfr", "ixfr-axfr" };

static void start_stream(daemon_t *d, const dns_net_request_t *req, dns_net_reply_t *out,
                         pg_action_t *act)
{
	char zone[DNS_NAME_TEXT_MAX], peer[DNS_NET_ADDR_TEXT_MAX];
	pg_name_text(act->zone, zone, sizeof(zone));
	dns_net_addr_format(req->peer, peer, sizeof(peer));
	stream_ctx_t *sc = malloc(sizeof(*sc));
	dns_net_stream_t st = { stream_next, stream_release, sc };
	if (!sc || dns_net_reply_stream(out, &st) != DNS_OK) {
		free(sc);
		dns_xfr_out_free(act->xfr);
		return;
	}
	sc->x = act->xfr;
	const char *kind = xfr_kind_names[act->xfr_kind];
	dns_log(DNS_LOG_INFO, "transfer", "zone", zone, "kind", kind, "peer", peer, NULL);
	if (d->metrics)
		pg_metrics_transfer(d->metrics, zone, kind);
}

/* Before a UDP batch is answered: its zone lookups' cache misses, together. */
static void prefetch(void *ctx, const dns_net_request_t *reqs, unsigned n)
{
	const snapshot_t *s = reqs[0].snapshot;
	(void)ctx;
	if (s)
		dns_daemon_answer_prefetch(s->zones, reqs, n);
}

/* A signed request that changes or transfers something must not come twice
 * (RFC 8945 §5.2.3): a replay is dropped unanswered, not acted upon.  A
 * client that retransmits the very same message (nsupdate over UDP while
 * the push takes its time) still gets the first one's answer. */
static bool replayed(daemon_t *d, const dns_net_request_t *req, dns_net_reply_t *out,
                     pg_action_t *act, const pg_dispatch_info_t *info, uint64_t now)
{
	bool changes = act->kind == PG_ACT_UPDATE || act->kind == PG_ACT_RELOAD || info->is_xfr;
	if (!changes || !dns_guard_replayed(&d->guard, &act->treq, now, req, info->opcode, info->qtype,
	                                 act->zone[0] ? act->zone : NULL))
		return false;
	out->len = 0;
	if (act->kind == PG_ACT_STREAM)
		dns_xfr_out_free(act->xfr);
	act->kind = PG_ACT_NONE;
	return true;
}

/* Count a refusal and log it (a removed zone's requests are logged once
 * per secondary by pg_removed_asked instead). */
static void refused(daemon_t *d, const dns_net_request_t *req, const pg_dispatch_info_t *info)
{
	pg_metrics_refused(d->metrics, info->refusal);
	if (info->refusal != DNS_REFUSAL_ZONE_REMOVED)
		dns_refusal_log_request(info->refusal, req->peer, req->transport == DNS_NET_TCP,
		                        req->data, req->len, info->rcode, info->tsig_error);
}

static void handler(void *ctx, const dns_net_request_t *req, dns_net_reply_t *out)
{
	daemon_t *d = ctx;
	const snapshot_t *s = req->snapshot;
	if (!s)
		return;
	if (req->transport == DNS_NET_TCP && req->len >= DNS_HDR_LEN &&
	    (dns_get16(req->data + 2) & DNS_FLAG_QR)) {
		pg_tcp_response(d, req);
		return;
	}
	old_ctx_t oc = { d, s };
	pg_view_t v = { s->zones, s->keys, d->cfg->axfr, d->cfg->nsid_len ? d->cfg->nsid : NULL,
	                d->cfg->nsid_len, old_zone, &oc, (const uint8_t(*)[DNS_NAME_MAX])s->removed,
	                s->nremoved, &d->guard.cookies };
	pg_action_t act;
	pg_dispatch_info_t info;
	dns_transport_t tr = req->transport == DNS_NET_TCP ? DNS_TRANSPORT_TCP : DNS_TRANSPORT_UDP;
	uint64_t now = (uint64_t)time(NULL);
	pg_dispatch(&v, now, req->peer, tr, req->data, req->len, out->buf, out->cap, &out->len, &act,
	            &info);
	if (act.signed_ && replayed(d, req, out, &act, &info, now))
		return;
	dns_guard_reply(&d->guard, req, out, &info.answer, act.signed_);
	if (act.kind == PG_ACT_UPDATE && !queue_update(d, req, out, &act)) {
		info.rcode = DNS_RCODE_SERVFAIL;
		info.refusal = DNS_REFUSAL_BUSY;
		act.kind = PG_ACT_NONE;
	}
	if (d->metrics && !info.dropped) {
		pg_metrics_query(d->metrics, req->worker, info.opcode, info.qtype, info.rcode,
		                 tr == DNS_TRANSPORT_TCP);
		if (info.is_xfr && tr == DNS_TRANSPORT_UDP) {
			char zone[DNS_NAME_TEXT_MAX];
			pg_name_text(act.zone, zone, sizeof(zone));
			pg_metrics_transfer(d->metrics, zone, "ixfr-udp");
		}
	}
	if (info.refusal)
		refused(d, req, &info);
	if (info.removed_zone)
		pg_removed_asked(&d->removed_seen, d->metrics, act.zone, req->peer);
	/* the query log: one branch when off; UPDATEs are logged when answered */
	if (d->qlog && act.kind != PG_ACT_UPDATE)
		dns_query_log_write(d->qlog, req->peer, tr == DNS_TRANSPORT_TCP, req->data, req->len,
		                    out->buf, out->len);
	switch (act.kind) {
	case PG_ACT_RELOAD: {
		char zone[DNS_NAME_TEXT_MAX], peer[DNS_NET_ADDR_TEXT_MAX];
		pg_name_text(act.zone, zone, sizeof(zone));
		dns_net_addr_format(req->peer, peer, sizeof(peer));
		dns_log(DNS_LOG_INFO, "notify received: reloading", "zone", zone, "peer", peer, NULL);
		pg_request_reload(d);
		break;
	}
	case PG_ACT_STREAM:
		start_stream(d, req, out, &act);
		break;
	case PG_ACT_KEEP:
		pg_keep_secondary(d, req, &act);
		break;
	case PG_ACT_UPDATE:
		break; /* queued above */
	case PG_ACT_NONE:
		break;
	}
}

/* ---- start and stop ---- */

static dns_err_t open_repo(daemon_t *d, gitrepo_oid_t *head)
{
	const pg_config_t *cfg = d->cfg;
	char known[4096];
	const char *known_hosts = cfg->known_hosts;
	const char *home = getenv("HOME");
	if (!known_hosts && home) {
		snprintf(known, sizeof(known), "%s/.ssh/known_hosts", home);
		known_hosts = known;
	}
	gitrepo_config_t gc = { cfg->remote, cfg->state_dir, cfg->ssh_key, cfg->ssh_pubkey, NULL,
	                        known_hosts };
	gitrepo_open_info_t info;
	char msg[1024];
	memset(&info, 0, sizeof(info));
	dns_err_t e = gitrepo_open(&d->repo, &gc, &info, msg, sizeof(msg));
	if (e != DNS_OK) {
		dns_log(DNS_LOG_ERROR, "cannot open the repository", "remote", cfg->remote, "state_dir",
		       cfg->state_dir, "error", msg, NULL);
		fprintf(stderr, "dns-primary-git: cannot open %s: %s\n", cfg->remote, msg);
		return e;
	}
	if (info.stale) {
		atomic_store(&d->stale, true);
		dns_log(DNS_LOG_WARN, "remote unreachable: serving the existing clone, will retry",
		       "remote", cfg->remote, "state_dir", cfg->state_dir, "error", msg, NULL);
	}
	if (info.fetch.ahead) {
		/* The remote no longer contains our head: local commits that never
		 * reached it (never acknowledged: answers wait for the push), or
		 * a remote rewritten while we were stopped.  Serve the remote's
		 * head; pg_follow_remote says which it was. */
		e = pg_follow_remote(d->repo, &info.fetch, true, &info.head);
		if (e != DNS_OK)
			return e;
	}
	char hex[GITREPO_OID_HEXSIZE];
	gitrepo_oid_fmt(&info.head, hex);
	dns_log(DNS_LOG_INFO, info.cloned ? "cloned" : "opened", "remote", cfg->remote, "branch",
	       gitrepo_branch(d->repo), "head", hex, NULL);
	*head = info.head;
	return DNS_OK;
}

static void guard_metrics(void *ctx, FILE *out)
{
	dns_guard_metrics(ctx, out);
}

/* A start-up failure, in the log and on stderr. */
static int fail(const char *what, const char *err)
{
	dns_log(DNS_LOG_ERROR, what, "error", err, NULL);
	fprintf(stderr, "dns-primary-git: %s\n", err);
	return 1;
}

static int start(daemon_t *d)
{
	const pg_config_t *cfg = d->cfg;
	char err[1024];
	gitrepo_oid_t head;
	if (dns_service_lock(cfg->svc, cfg->state_dir, err, sizeof(err)) != DNS_OK)
		return fail("cannot use the state directory", err);
	dns_net_config_t nc = { .listen = cfg->listen, .nlisten = cfg->nlisten,
	                        .workers = cfg->workers, .handler = handler, .prefetch = prefetch, .handler_ctx = d,
	                        .on_sighup = on_sighup, .sighup_arg = d };
	d->fd_budget = dns_daemon_fd_budget(&cfg->limits, cfg->have_metrics);
	if (!d->fd_budget)
		return 1;
	dns_daemon_limits_apply(&cfg->limits, d->fd_budget, &nc);
	if (dns_net_server_new(&nc, &d->srv, err, sizeof(err)) != DNS_OK) {
		dns_log(DNS_LOG_ERROR, "cannot create the server", "error", err, NULL);
		return 1;
	}
	if (dns_guard_init(&d->guard, &cfg->guard, dns_net_workers(d->srv), err, sizeof(err)) !=
	    DNS_OK) {
		dns_log(DNS_LOG_ERROR, "cannot start", "error", err, NULL);
		return 1;
	}
	d->guard_ready = true;
	/* Bound first (a second server on our addresses stops here), then no
	 * longer root before the clone is touched; queries wait in the
	 * sockets until the first load is served. */
	if (dns_net_bind(d->srv, err, sizeof(err)) != DNS_OK)
		return fail("cannot listen", err);
	if (cfg->have_metrics) {
		dns_metrics_http_opts_t mo = dns_daemon_limits_metrics(&cfg->limits);
		d->metrics = pg_metrics_new(dns_net_workers(d->srv));
		if (d->metrics) {
			pg_metrics_extra(d->metrics, guard_metrics, &d->guard);
			/* replays: dns_requests_refused_total{reason="tsig_replay"} */
			d->guard.req_metrics = pg_metrics_req(d->metrics);
		}
		if (!d->metrics ||
		    pg_metrics_serve(d->metrics, &cfg->metrics, d->srv, &mo, err, sizeof(err)) != DNS_OK) {
			dns_log(DNS_LOG_ERROR, "cannot serve metrics", "error", d->metrics ? err : "out of memory",
			       NULL);
			return 1;
		}
	}
	/* opened before privileges are dropped, like the sockets */
	if (cfg->query_log && !(d->qlog = dns_query_log_open(cfg->query_log, err, sizeof(err))))
		return fail("cannot open the query log", err);
	if (dns_service_bound(cfg->svc, err, sizeof(err)) != DNS_OK)
		return fail("cannot run as a service", err);
	if (open_repo(d, &head) != DNS_OK)
		return 1;
	d->sched = dns_notify_sched_new(dns_notify_log_done, d);
	if (!d->sched)
		return 1;
	dns_notify_udp_open(&d->udp);
	pthread_mutex_lock(&d->repo_lock);
	dns_err_t e = load_and_publish(d, &head, true, NULL, 0);
	pthread_mutex_unlock(&d->repo_lock);
	if (e != DNS_OK)
		return 1;
	pg_writer_env_t we = { .repo = d->repo, .repo_lock = &d->repo_lock, .ctx = d,
	                       .state = writer_state, .publish = writer_publish,
	                       .answer = writer_answer, .batch_done = writer_batch_done,
	                       .policy = pg_push_policy_default };
	d->writer = pg_writer_start(&we);
	if (!d->writer)
		return 1;
	if (dns_net_start(d->srv, err, sizeof(err)) != DNS_OK)
		return fail("cannot listen", err);
	for (size_t i = 0; i < cfg->nlisten; i++) {
		char addr[DNS_NET_ADDR_TEXT_MAX];
		const dns_net_addr_t *a = dns_net_bound_addr(d->srv, i);
		dns_net_addr_format((const struct sockaddr *)&a->ss, addr, sizeof(addr));
		dns_log(DNS_LOG_INFO, "listening", "addr", addr, NULL);
	}
	if (cfg->have_metrics) {
		char addr[DNS_NET_ADDR_TEXT_MAX];
		dns_net_addr_format((const struct sockaddr *)&cfg->metrics.ss, addr, sizeof(addr));
		dns_log(DNS_LOG_INFO, "metrics", "addr", addr, "path", "/metrics", NULL);
	}
	if (pg_ctl_start(d) != 0)
		return 1;
	if (pthread_create(&d->reload_thread, NULL, reload_main, d) != 0)
		return 1;
	d->reload_started = true;
	d->net_watch = dns_daemon_net_watch_start(d->srv, 0);
	d->notify_timer = dns_net_timer_new(d->srv, pg_notify_tick, d);
	if (d->notify_timer)
		dns_net_timer_arm(d->notify_timer, NOTIFY_TICK_MS, true);
	if (cfg->poll_s) {
		d->poll_timer = dns_net_timer_new(d->srv, on_poll, d);
		if (d->poll_timer)
			dns_net_timer_arm(d->poll_timer, cfg->poll_s * 1000u, true);
	} else {
		d->retry_timer = dns_net_timer_new(d->srv, on_retry, d);
		if (d->retry_timer)
			dns_net_timer_arm(d->retry_timer, RETRY_STALE_MS, true);
	}
	return 0;
}

static void stop(daemon_t *d)
{
	/* before the server is freed: the writer holds deferred replies */
	pg_writer_stop(d->writer);
	d->writer = NULL;
	if (d->reload_started) {
		pthread_mutex_lock(&d->rl_lock);
		d->rl_stop = true;
		pthread_cond_signal(&d->rl_cond);
		pthread_mutex_unlock(&d->rl_lock);
		pthread_join(d->reload_thread, NULL);
	}
	pg_ctl_stop(d);
	dns_daemon_net_watch_free(d->net_watch);
	dns_net_timer_free(d->notify_timer);
	dns_net_timer_free(d->poll_timer);
	dns_net_timer_free(d->retry_timer);
	pthread_mutex_lock(&d->kept_lock);
	for (size_t i = 0; i < d->nkept; i++)
		dns_net_conn_release(d->kept[i].conn);
	d->nkept = 0;
	pthread_mutex_unlock(&d->kept_lock);
	pg_metrics_unserve(d->metrics);   /* a scrape reads the server's counters */
	if (d->srv)
		dns_net_server_free(d->srv);
	pg_metrics_free(d->metrics);
	if (d->guard_ready)
		dns_guard_destroy(&d->guard);
	dns_net_fd_budget_free(d->fd_budget);   /* after the server */
	dns_query_log_close(d->qlog);
	dns_log_flush();
	dns_notify_sched_free(d->sched);
	dns_notify_udp_close(&d->udp);
	pg_snapshot_unref(d->view);
	pg_repo_state_free(d->state);
	pg_history_unref(d->history);
	pg_zcache_destroy(&d->zcache);
	pg_seen_destroy(&d->removed_seen);
	if (d->repo)
		gitrepo_close(d->repo);
}

int pg_daemon_main(const pg_config_t *cfg)
{
	static daemon_t d;
	memset(&d, 0, sizeof(d));
	d.cfg = cfg;
	d.udp.fd4 = d.udp.fd6 = -1;
	pthread_mutex_init(&d.repo_lock, NULL);
	pthread_mutex_init(&d.rl_lock, NULL);
	pthread_cond_init(&d.rl_cond, NULL);
	pthread_mutex_init(&d.kept_lock, NULL);
	pthread_mutex_init(&d.view_lock, NULL);
	d.started_s = dns_ctl_mono_s();
	pg_zcache_init(&d.zcache);
	pg_seen_init(&d.removed_seen);
	int status = start(&d);
	if (status == 0) {
		dns_log(DNS_LOG_INFO, "started", NULL);
		dns_service_ready(cfg->svc, NULL);
		if (dns_net_run(d.srv) != DNS_OK)
			status = 1;
		dns_service_stopping(cfg->svc);
		dns_log(DNS_LOG_INFO, "stopping", NULL);
	} else if (d.srv) {
		dns_net_stop(d.srv);
	}
	stop(&d);
	return status;
}
