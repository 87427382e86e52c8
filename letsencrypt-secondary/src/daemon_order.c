/*
 * daemon_order.c - one certificate order, driven on the daemon's event
 * loop: the directory (CAA identities) and the CAA pre-flight, status
 * pending, libacme's machine (each HTTP request performed by libcurl in
 * a short-lived worker thread, so the loop never blocks), the DNS-01
 * UPDATEs, the propagation wait (every authoritative server answers SOA
 * serial >= N and the TXT values), the write-back, the cleanup of our
 * TXT values by value, and the failed status with its retry time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/x509.h>

#include "acme/ari.h"
#include "daemon_int.h"
#include "daemon_order_int.h"
#include "dns/log.h"
#include "dns/name.h"
#include "dns/rrtype.h"
#include "dns/serial.h"
#include "dns/tsig.h"

static void step(les_order_t *o);
static void abandon(les_order_t *o);
static void wait_timer(evutil_socket_t fd, short what, void *arg);
static void finish_failed(les_order_t *o, const char *type, const char *detail, int64_t retry);

/* ---- HTTP on a worker thread ---- */

static void *http_thread(void *arg)
{
	les_order_t *o = arg;
	o->herr = acme_http_perform(&o->hopts, &o->req, &o->res);
	ssize_t w;
	do
		w = write(o->d->pipe_wr, &o, sizeof o);
	while (w < 0);
	return NULL;
}

void les_order_http(les_order_t *o)
{
	o->http_busy = true;
	if (pthread_create(&o->th, NULL, http_thread, o) != 0) {
		o->herr = DNS_EIO;
		snprintf(o->res.error, sizeof o->res.error, "cannot start a thread");
		http_thread(o);   /* reports the failure through the pipe */
		o->th = pthread_self();
	}
}

static void on_directory(les_order_t *o);

void les_order_pipe_cb(evutil_socket_t fd, short what, void *arg)
{
	les_order_t *o;
	while (read(fd, &o, sizeof o) == (ssize_t)sizeof o) {
		if (!pthread_equal(o->th, pthread_self()))
			pthread_join(o->th, NULL);
		les_metrics_add(o->d, "request", -1);
		o->http_busy = false;
		if (o->d->stopping) {
			abandon(o);
			continue;
		}
		if (o->phase == P_DIR) {
			on_directory(o);
			continue;
		}
		if (o->phase == P_ARI) {
			les_ari_answer(o);
			continue;
		}
		int64_t now = les_now_ms();
		if (o->herr != DNS_OK) {
			dns_log(DNS_LOG_WARN, "acme request failed", "host", o->c.host, "url", o->req.url,
			        "error", o->res.error, NULL);
			acme_machine_transport_error(o->m, now, o->res.error);
		} else {
			char st[16];
			snprintf(st, sizeof st, "%d", o->res.resp.status);
			dns_log(DNS_LOG_DEBUG, "acme", "host", o->c.host, "method", o->req.method, "url",
			        o->req.url, "status", st, NULL);
			acme_machine_response(o->m, now, &o->res.resp);
		}
		step(o);
	}
}

/* ---- DNS messages to the primary ---- */

/* What an error answer of the primary says, by name (REFUSED, BADSIG...). */
static const char *answer_error(unsigned rcode, uint16_t tsig_error, char *out, size_t cap)
{
	char rb[16], tb[24];
	bool refused = rcode == DNS_RCODE_REFUSED || rcode == DNS_RCODE_NOTAUTH;
	snprintf(out, cap, "the primary answered %s%s%s%s%s", dns_rcode_text(rcode, rb, sizeof rb),
	         tsig_error ? " (TSIG " : "",
	         tsig_error ? dns_tsig_error_text(tsig_error, tb, sizeof tb) : "",
	         tsig_error ? ": is the key's secret right?)" : "",
	         refused && !tsig_error ? " (does the key have authority over the zone?)" : "");
	return out;
}

static void on_dns(void *arg, const dns_netq_result_t *r)
{
	les_order_t *o = arg;
	const char *why = NULL;
	char text[160];
	dns_msg_t m;
	bool ok = false;
	if (r->status != DNS_NETQ_OK) {
		why = dns_netq_status_text(r->status);
	} else if (dns_msg_parse(&m, r->answer, r->len) != DNS_OK) {
		why = "malformed answer";
		dns_msg_free(&m);
	} else {
		uint16_t terr = 0;
		if (o->key && dns_tsig_verify_response(&m, o->key, o->mac, o->maclen,
		                                       (uint64_t)les_now_ms() / 1000, &terr) != DNS_OK &&
		    dns_flags_rcode(m.flags) == DNS_RCODE_NOERROR)
			why = "the answer's TSIG does not verify";
		else if (dns_flags_rcode(m.flags) != DNS_RCODE_NOERROR)
			why = answer_error(dns_flags_rcode(m.flags), terr, text, sizeof text);
		else
			ok = true;
		if (ok && !o->key && o->next) {
			/* an SOA query: read N */
			size_t zi = o->zi[o->step_i];
			ok = les_answer_serial(r->answer, r->len, o->d->cfg->origins[zi], &o->serial[o->step_i]);
			if (!ok)
				why = "no SOA in the primary's answer";
		}
		dns_msg_free(&m);
	}
	o->next(o, ok, why);
}

/* Send o->msg (built for zone @zi, signed with @key or not) to the primary over TCP. */
static void send_primary(les_order_t *o, const dns_tsig_key_t *key, next_fn next)
{
	o->key = key;
	o->next = next;
	dns_netq_request_t rq = {.server = &o->d->cfg->primary, .msg = o->msg, .len = o->len,
	                         .mode = DNS_NETQ_TCP, .timeout_ms = 30000};
	if (dns_netq_send(o->d->netq, &rq, on_dns, o, NULL) != DNS_OK)
		next(o, false, "cannot send to the primary");
}

/* Start an UPDATE of zone @zi in o->msg. */
static void upd_init(les_order_t *o, les_update_t *u, size_t zi)
{
	les_update_init(u, o->msg, sizeof o->msg, o->d->cfg->origins[zi], &o->d->cfg->keys[zi],
	                dns_netq_random_id());
}

static bool upd_send(les_order_t *o, les_update_t *u, size_t zi, next_fn next)
{
	if (les_update_finish(u, (uint64_t)les_now_ms() / 1000, &o->len, o->mac, &o->maclen) !=
	    DNS_OK)
		return false;
	send_primary(o, &o->d->cfg->keys[zi], next);
	return true;
}

static const dns_zone_t *zone_data(les_order_t *o, size_t zi)
{
	return dns_follow_zone(o->d->follow, zi);
}

/* ---- the end of an order ---- */

void les_order_free(les_order_t *o)
{
	les_daemon_t *d = o->d;
	for (les_order_t **pp = &d->orders; *pp; pp = &(*pp)->next_order)
		if (*pp == o) {
			*pp = o->next_order;
			break;
		}
	les_name_t *nm = les_name_get(d, o->c.host);
	if (nm)
		nm->in_flight = false;
	d->in_flight--;
	if (o->timer)
		event_free(o->timer);
	if (o->wait_ev)
		event_free(o->wait_ev);
	acme_machine_free(o->m);
	acme_http_result_free(&o->res);
	acme_directory_free(&o->dir);
	free(o->replaces);
	free(o->ari_url);
	free(o->groups);
	free(o->chain);
	les_csr_clear(&o->c);
	free(o);
	if (d->stopping) {
		if (!d->orders)
			event_base_loopexit(d->base, NULL);
		return;
	}
	les_daemon_sweep_in(d, 0);
}

static void status_written(les_order_t *o, bool ok, const char *why)
{
	if (!ok)
		dns_log(DNS_LOG_WARN, "status update failed", "host", o->c.host, "error", why, NULL);
	les_order_free(o);
}

/* The failed status, the backoff, the metrics. */
static void finish_failed(les_order_t *o, const char *type, const char *detail, int64_t retry)
{
	les_name_t *nm = les_name_get(o->d, o->c.host);
	unsigned failures = nm ? ++nm->failures : 1;
	int64_t at = les_retry_at(les_now_ms(), failures, NULL);
	if (retry > at)
		at = retry;
	if (nm)
		nm->next_ms = at;
	dns_certify_status_t st = {.state = DNS_CERTIFY_STATE_FAILED, .has_retry = true,
	                           .retry = (at + 999) / 1000};
	snprintf(st.error, sizeof st.error, "%s", type[0] ? type : "unknown");
	for (size_t i = 0; detail[i] && i < sizeof st.detail - 1; i++)
		st.detail[i] = detail[i] >= 0x20 && detail[i] < 0x7f && detail[i] != ';' ? detail[i] : ' ';
	char rt[32];
	dns_certify_time_format(st.retry, rt);
	dns_log(DNS_LOG_WARN, "order failed", "host", o->c.host, "error", st.error, "detail",
	        st.detail, "retry", rt, NULL);
	les_metrics_add(o->d, strcmp(type, "caa") == 0 || strcmp(type, "names") == 0 ||
	                          strcmp(type, "csr") == 0 ? "refused" : "failed", -1);
	les_update_t u;
	upd_init(o, &u, o->c.zone);
	if (les_update_status(&u, zone_data(o, o->c.zone), o->c.owner, &st) != DNS_OK ||
	    !upd_send(o, &u, o->c.zone, status_written))
		les_order_free(o);
}

/* Where a successful order's time went (ms since the previous step), for
 * operators and the benchmark's breakdown (README). */
static void log_timing(const les_order_t *o)
{
	int64_t now = les_now_ms();
	char f[9][24];
	int64_t v[9] = {o->t_dir - o->t_start, o->t_pending - o->t_dir, o->t_authz - o->t_pending,
	                o->prop_start_ms - o->t_authz, o->t_prop - o->prop_start_ms,
	                o->t_done - o->t_prop, o->t_written - o->t_done, now - o->t_written,
	                now - o->t_start};
	for (int i = 0; i < 9; i++)
		snprintf(f[i], sizeof f[i], "%lld", (long long)v[i]);
	char rq[16], pl[16];
	snprintf(rq, sizeof rq, "%u", o->requests + 1);   /* + the directory */
	snprintf(pl, sizeof pl, "%u", o->polls);
	dns_log(DNS_LOG_INFO, "order timing", "host", o->c.host, "directory_ms", f[0],
	        "pending_ms", f[1], "account_order_authz_ms", f[2], "challenge_update_ms", f[3],
	        "propagation_ms", f[4], "validation_finalize_download_ms", f[5],
	        "writeback_ms", f[6], "cleanup_ms", f[7], "total_ms", f[8], "acme_requests", rq,
	        "requests_after_propagation", pl, NULL);
}

/* Cleanup: our TXT values deleted by value, one UPDATE per zone, then @then. */
static void cleanup_next(les_order_t *o, bool ok, const char *why);

static void cleanup_from(les_order_t *o, size_t i)
{
	for (; i < o->nzi; i++) {
		les_update_t u;
		upd_init(o, &u, o->zi[i]);
		for (size_t g = 0; g < o->ngroups; g++)
			if (o->groups[g].zone == o->zi[i])
				les_update_challenge(&u, &o->groups[g], false);
		o->step_i = i;
		if (upd_send(o, &u, o->zi[i], cleanup_next))
			return;
	}
	if (o->abandoned) {
		dns_log(DNS_LOG_INFO, "order abandoned at shutdown", "host", o->c.host, "txt_removed",
		        o->nzi ? "yes" : "none published", NULL);
		les_order_free(o);
	} else if (o->success) {
		les_name_t *nm = les_name_get(o->d, o->c.host);
		if (nm) {
			/* the next sweep may run before the write-back comes back by
			 * IXFR: no new order until it is seen (consider()), bounded */
			nm->failures = 0;
			nm->writeback_pending = true;
			nm->next_ms = les_now_ms() + LES_WRITEBACK_WAIT_MS;
			les_csr_digest(&o->c, nm->csr_sha256);
		}
		dns_log(DNS_LOG_INFO, "certificate published", "host", o->c.host, NULL);
		log_timing(o);
		les_metrics_add(o->d, "valid", -1);
		les_order_free(o);
	} else {
		finish_failed(o, o->problem.type, o->problem.detail, o->problem.retry_at_ms);
	}
}

static void cleanup_next(les_order_t *o, bool ok, const char *why)
{
	if (!ok)
		dns_log(DNS_LOG_WARN, "challenge cleanup failed", "host", o->c.host, "error", why, NULL);
	cleanup_from(o, o->step_i + 1);
}

static void writeback_done(les_order_t *o, bool ok, const char *why)
{
	o->t_written = les_now_ms();
	if (!ok) {
		o->success = false;
		snprintf(o->problem.type, sizeof o->problem.type, "serverInternal");
		snprintf(o->problem.detail, sizeof o->problem.detail,
		         "the certificate could not be written to DNS: %s", why);
	}
	cleanup_from(o, 0);
}

static void on_done(les_order_t *o, const acme_action_t *act)
{
	o->success = true;
	o->chain = malloc(act->chain_len + 1);
	const char *url = acme_machine_account_url(o->m);
	if (url && !o->d->account_url)
		o->d->account_url = strdup(url);
	les_update_t u;
	upd_init(o, &u, o->c.zone);
	if (!o->chain ||
	    les_update_writeback(&u, zone_data(o, o->c.zone), o->c.owner, act->chain_pem,
	                         act->chain_len, les_now_ms() / 1000) != DNS_OK ||
	    !upd_send(o, &u, o->c.zone, writeback_done))
		writeback_done(o, false, "the chain does not fit in an UPDATE");
}

/* ---- propagation ---- */

typedef struct probe {
	les_order_t *o;
	size_t srv;
	int group;   /* -1: the SOA */
} probe_t;

static void prop_round(les_order_t *o);

static void prop_timer(evutil_socket_t fd, short what, void *arg)
{
	prop_round(arg);
}

static void prop_round_end(les_order_t *o)
{
	int64_t now = les_now_ms();
	if (o->d->stopping) {
		abandon(o);
		return;
	}
	if (o->round_ok) {
		o->prop_wait = (double)(now - o->prop_start_ms) / 1000.0;
		char w[32];
		snprintf(w, sizeof w, "%.3f", o->prop_wait);
		dns_log(DNS_LOG_INFO, "challenge propagated", "host", o->c.host, "wait_s", w, NULL);
		les_metrics_add(o->d, "propagation", o->prop_wait);
		o->t_prop = now;
		acme_machine_published(o->m);
		step(o);
		return;
	}
	if (now >= o->prop_deadline_ms) {
		o->success = false;
		memset(&o->problem, 0, sizeof o->problem);
		snprintf(o->problem.type, sizeof o->problem.type, "propagation");
		snprintf(o->problem.detail, sizeof o->problem.detail, "%s did not catch up within %us",
		         o->lagging, o->d->cfg->propagation_timeout_s);
		acme_machine_free(o->m);
		o->m = NULL;
		cleanup_from(o, 0);
		return;
	}
	/* the servers are ours or our secondaries: polling them is cheap */
	int64_t elapsed = now - o->prop_start_ms;
	struct timeval tv = {0, elapsed < 2000 ? 50000 : 500000};
	evtimer_add(o->timer, &tv);
}

static void on_probe(void *arg, const dns_netq_result_t *r)
{
	probe_t *p = arg;
	les_order_t *o = p->o;
	bool ok = false;
	if (r->status == DNS_NETQ_OK) {
		if (p->group < 0) {
			uint32_t s = 0;
			size_t zi = o->srv[p->srv].zone, k = 0;
			while (k < o->nzi && o->zi[k] != zi)
				k++;
			ok = les_answer_serial(r->answer, r->len, o->d->cfg->origins[zi], &s) &&
			     !dns_serial_lt(s, o->serial[k]);
		} else {
			ok = les_answer_has_txt(r->answer, r->len, &o->groups[p->group]);
		}
	}
	if (!ok && o->round_ok) {
		char a[DNS_NET_ADDR_TEXT_MAX];
		dns_net_addr_format((const struct sockaddr *)&o->srv[p->srv].addr.ss, a, sizeof a);
		snprintf(o->lagging, sizeof o->lagging, "%s (%s)", a,
		         r->status != DNS_NETQ_OK ? dns_netq_status_text(r->status)
		         : p->group < 0 ? "serial behind" : "TXT missing");
		o->round_ok = false;
	}
	free(p);
	if (--o->probes_out == 0)
		prop_round_end(o);
}

static void probe(les_order_t *o, size_t srv, int group)
{
	probe_t *p = malloc(sizeof *p);
	uint8_t q[DNS_NAME_MAX + 64];
	const uint8_t *qname = group < 0 ? o->d->cfg->origins[o->srv[srv].zone] : o->groups[group].owner;
	size_t ql = les_query(q, sizeof q, 0, qname, group < 0 ? DNS_TYPE_SOA : DNS_TYPE_TXT);
	dns_netq_request_t rq = {.server = &o->srv[srv].addr, .msg = q, .len = ql,
	                         .mode = DNS_NETQ_UDP, .random_id = true, .timeout_ms = 2000};
	if (!p || ql == 0) {
		free(p);
		return;
	}
	*p = (probe_t){o, srv, group};
	o->probes_out++;
	if (dns_netq_send(o->d->netq, &rq, on_probe, p, NULL) != DNS_OK) {
		o->probes_out--;
		o->round_ok = false;
		free(p);
	}
}

static void prop_round(les_order_t *o)
{
	o->round_ok = true;
	o->probes_out = 1;   /* held while the probes are sent */
	for (size_t s = 0; s < o->nsrv; s++) {
		probe(o, s, -1);
		for (size_t g = 0; g < o->ngroups; g++)
			if (o->groups[g].zone == o->srv[s].zone)
				probe(o, s, (int)g);
	}
	if (--o->probes_out == 0)
		prop_round_end(o);
}

static void prop_start(les_order_t *o)
{
	les_zone_t zones[LES_ZONES_MAX];
	les_daemon_zones(o->d, zones);
	o->nsrv = 0;
	for (size_t k = 0; k < o->nzi; k++) {
		dns_net_addr_t a[LES_SERVERS_MAX];
		size_t n = les_ns_addrs(zones, o->d->cfg->nzones, o->zi[k], 53, o->d->cfg->check,
		                        o->d->cfg->ncheck, o->d->cfg->check_only, a,
		                        LES_SERVERS_MAX - o->nsrv);
		for (size_t i = 0; i < n; i++) {
			o->srv[o->nsrv].addr = a[i];
			o->srv[o->nsrv++].zone = o->zi[k];
		}
	}
	o->prop_deadline_ms = les_now_ms() + (int64_t)o->d->cfg->propagation_timeout_s * 1000;
	snprintf(o->lagging, sizeof o->lagging, "no server");
	prop_round(o);
}

/* ---- publishing ---- */

static void serial_next(les_order_t *o, bool ok, const char *why);

static void query_serial(les_order_t *o)
{
	o->len = les_query(o->msg, sizeof o->msg, dns_netq_random_id(),
	                   o->d->cfg->origins[o->zi[o->step_i]], DNS_TYPE_SOA);
	send_primary(o, NULL, serial_next);
}

static void serial_next(les_order_t *o, bool ok, const char *why)
{
	if (!ok) {
		finish_failed(o, "serverInternal", why, 0);
		return;
	}
	if (++o->step_i < o->nzi) {
		query_serial(o);
		return;
	}
	char n[16];
	snprintf(n, sizeof n, "%u", o->serial[0]);
	dns_log(DNS_LOG_INFO, "challenge published", "host", o->c.host, "serial", n, NULL);
	o->prop_start_ms = les_now_ms();
	prop_start(o);
}

static void publish_next(les_order_t *o, bool ok, const char *why);

static void publish_from(les_order_t *o, size_t i)
{
	o->step_i = i;
	if (i == o->nzi) {
		o->step_i = 0;
		query_serial(o);   /* N: the serial after our UPDATEs */
		return;
	}
	les_update_t u;
	upd_init(o, &u, o->zi[i]);
	bool fits = true;
	for (size_t g = 0; g < o->ngroups; g++)
		if (o->groups[g].zone == o->zi[i])
			fits &= les_update_challenge(&u, &o->groups[g], true) == DNS_OK;
	if (!fits || !upd_send(o, &u, o->zi[i], publish_next))
		publish_next(o, false, "the challenge does not fit in an UPDATE");
}

static void publish_next(les_order_t *o, bool ok, const char *why)
{
	if (!ok) {
		memset(&o->problem, 0, sizeof o->problem);
		snprintf(o->problem.type, sizeof o->problem.type, "serverInternal");
		snprintf(o->problem.detail, sizeof o->problem.detail, "challenge UPDATE: %s", why);
		o->success = false;
		cleanup_from(o, 0);
		return;
	}
	publish_from(o, o->step_i + 1);
}

static void on_publish(les_order_t *o, const acme_action_t *act)
{
	les_zone_t zones[LES_ZONES_MAX];
	les_daemon_zones(o->d, zones);
	char err[300] = "";
	free(o->groups);
	o->groups = NULL;
	o->ngroups = o->nzi = 0;
	if (les_plan_dns01(zones, o->d->cfg->nzones, act->txt, act->n_txt, &o->groups, &o->ngroups,
	                   err, sizeof err) != DNS_OK) {
		finish_failed(o, "names", err, 0);
		return;
	}
	for (size_t g = 0; g < o->ngroups; g++) {
		size_t k = 0;
		while (k < o->nzi && o->zi[k] != o->groups[g].zone)
			k++;
		if (k == o->nzi)
			o->zi[o->nzi++] = o->groups[g].zone;
	}
	publish_from(o, 0);
}

/* ---- the machine ---- */

static void wait_timer(evutil_socket_t fd, short what, void *arg)
{
	step(arg);
}

/* Shutdown: nothing more from the CA; our TXT values deleted (none when
 * nothing was published yet), no status written (it stays pending: the
 * next start orders again). */
static void abandon(les_order_t *o)
{
	o->abandoned = true;
	o->success = false;
	evtimer_del(o->timer);
	evtimer_del(o->wait_ev);
	cleanup_from(o, 0);
}

static void step(les_order_t *o)
{
	if (o->d->stopping) {
		abandon(o);
		return;
	}
	acme_action_t act;
	acme_machine_next(o->m, les_now_ms(), &act);
	switch (act.kind) {
	case ACME_ACT_REQUEST:
		o->req = act.req;
		o->requests++;
		o->polls += o->t_prop && !o->t_done;   /* challenge, polls, finalize, download */
		les_order_http(o);
		return;
	case ACME_ACT_PUBLISH:
		o->t_authz = les_now_ms();
		on_publish(o, &act);
		return;
	case ACME_ACT_WAIT: {
		int64_t d = act.until_ms - les_now_ms();
		struct timeval tv = {d > 0 ? d / 1000 : 0, d > 0 ? (d % 1000) * 1000 : 0};
		evtimer_add(o->wait_ev, &tv);
		return;
	}
	case ACME_ACT_DONE:
		o->t_done = les_now_ms();
		on_done(o, &act);
		return;
	case ACME_ACT_FAILED:
		o->problem = *act.problem;
		o->success = false;
		cleanup_from(o, 0);
		return;
	}
}

/* ---- start: directory, CAA, status pending, the machine ---- */

static void pending_written(les_order_t *o, bool ok, const char *why)
{
	o->t_pending = les_now_ms();
	if (!ok) {
		finish_failed(o, "serverInternal", why, 0);
		return;
	}
	o->phase = P_RUN;
	step(o);
}

static bool caa_ok(les_order_t *o)
{
	const char *one = o->d->cfg->caa_identity;
	les_caa_ctx_t ctx = {.identities = (const char *const *)o->dir.caa_identities,
	                     .n_identities = o->dir.n_caa_identities,
	                     .account_uri = o->d->account_url, .method = "dns-01"};
	if (ctx.n_identities == 0 && one) {
		ctx.identities = &one;
		ctx.n_identities = 1;
	}
	les_zone_t zones[LES_ZONES_MAX];
	les_daemon_zones(o->d, zones);
	char why[300];
	for (size_t i = 0; i < o->c.names->n; i++)
		if (!les_caa_permits(zones, o->d->cfg->nzones, o->c.names->name[i], &ctx, why,
		                     sizeof why)) {
			finish_failed(o, "caa", why, 0);
			return false;
		}
	return true;
}

static void on_directory(les_order_t *o)
{
	char err[256] = "";
	o->t_dir = les_now_ms();
	if (o->herr != DNS_OK || o->res.resp.status != 200 ||
	    acme_directory_parse(o->res.body, o->res.body_len, &o->dir, err, sizeof err) != DNS_OK) {
		if (o->ari_only) {
			les_ari_done(o, o->herr ? o->res.error : "the ACME directory");
			return;
		}
		char why[400];
		snprintf(why, sizeof why, "the ACME directory: %s",
		         o->herr ? o->res.error : err[0] ? err : "not 200");
		finish_failed(o, "connection", why, 0);
		return;
	}
	if (o->ari_only) {
		les_ari_after_directory(o);
		return;
	}
	if (!caa_ok(o))
		return;
	if (o->c.cert_der && o->dir.renewal_info) {
		const unsigned char *p = o->c.cert_der;
		X509 *x = d2i_X509(NULL, &p, (long)o->c.cert_len);
		if (x && acme_ari_certid(x, &o->replaces) == DNS_OK)
			o->cfg.replaces = o->replaces;
		X509_free(x);
	}
	char err2[256];
	if (acme_machine_new(&o->cfg, &o->m, err2, sizeof err2) != DNS_OK) {
		finish_failed(o, "csr", err2, 0);
		return;
	}
	dns_log(DNS_LOG_INFO, "ordering", "host", o->c.host, "renewal", o->c.cert_der ? "yes" : "no",
	        NULL);
	dns_certify_status_t st = {.state = DNS_CERTIFY_STATE_PENDING};
	les_update_t u;
	upd_init(o, &u, o->c.zone);
	if (les_update_status(&u, zone_data(o, o->c.zone), o->c.owner, &st) != DNS_OK ||
	    !upd_send(o, &u, o->c.zone, pending_written))
		finish_failed(o, "serverInternal", "the status does not fit in an UPDATE", 0);
}

static bool copy_csr(les_csr_t *dst, const les_csr_t *src)
{
	*dst = *src;
	dst->der = malloc(src->der_len);
	dst->names = malloc(sizeof *dst->names);
	dst->cert_der = src->cert_der ? malloc(src->cert_len) : NULL;
	if (!dst->der || !dst->names || (src->cert_der && !dst->cert_der))
		return false;
	memcpy(dst->der, src->der, src->der_len);
	memcpy(dst->names, src->names, sizeof *dst->names);
	if (src->cert_der)
		memcpy(dst->cert_der, src->cert_der, src->cert_len);
	return true;
}

les_order_t *les_order_new(les_daemon_t *d, const les_csr_t *c)
{
	les_order_t *o = calloc(1, sizeof *o);
	if (!o)
		return NULL;
	if (!copy_csr(&o->c, c)) {
		les_csr_clear(&o->c);
		free(o);
		return NULL;
	}
	o->d = d;
	o->next_order = d->orders;
	d->orders = o;
	d->in_flight++;
	les_name_t *nm = les_name_get(d, c->host);
	if (nm)
		nm->in_flight = true;
	const les_config_t *cf = d->cfg;
	o->hopts = (acme_http_opts_t){.ca_file = cf->ca_file, .share = d->http_share};
	o->cfg = (acme_config_t){.directory_url = cf->directory, .account_key = d->account_key,
	                         .email = cf->email, .eab_kid = cf->eab_kid,
	                         .eab_hmac_key = cf->eab_hmac_key, .csr_der = o->c.der,
	                         .csr_len = o->c.der_len, .profile = cf->profile,
	                         .preferred_chain = cf->preferred_chain,
	                         /* a CA rejecting many nonces (Pebble's NONCEREJECT=50)
	                          * must not fail whole orders: each retry is one request */
	                         .bad_nonce_max = 20};
	o->timer = evtimer_new(d->base, prop_timer, o);
	o->wait_ev = evtimer_new(d->base, wait_timer, o);
	return o;
}

void les_order_start(les_daemon_t *d, const les_csr_t *c)
{
	les_order_t *o = les_order_new(d, c);
	if (!o) {
		dns_log(DNS_LOG_ERROR, "out of memory starting an order", "host", c->host, NULL);
		return;
	}
	o->t_start = les_now_ms();
	o->phase = P_DIR;
	o->req = (acme_request_t){.method = "GET", .url = d->cfg->directory};
	les_order_http(o);
}

void les_order_refuse(les_daemon_t *d, const les_csr_t *c)
{
	les_order_t *o = les_order_new(d, c);
	if (o)
		finish_failed(o, c->error, c->detail, 0);
}

void les_order_shutdown(les_daemon_t *d)
{
	if (!d->orders) {
		event_base_loopexit(d->base, NULL);
		return;
	}
	/* orders waiting on a timer stop now; the others (an HTTP request or
	 * a DNS message out) at their next step.  abandon() may free the
	 * order: take the next one first. */
	for (les_order_t *o = d->orders, *nx; o; o = nx) {
		nx = o->next_order;
		if (evtimer_pending(o->wait_ev, NULL) || evtimer_pending(o->timer, NULL))
			abandon(o);
	}
}
