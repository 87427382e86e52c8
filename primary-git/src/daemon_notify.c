/*
 * daemon_notify.c - NOTIFY out for dns-primary-git: serial changes queued
 * on the control loop's scheduler once the new version is served, sent by
 * UDP to the zone's targets and on the kept TCP connections of hidden
 * secondaries (see daemon_int.h).
 */
#include <netinet/in.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "daemon_int.h"
#include "dns/authority.h"
#include "dns/log.h"
#include "notify_targets.h"

/* ---- NOTIFY out (control loop) ---- */

static void emit(void *ctx, const dns_notify_target_t *t, const uint8_t *msg, size_t len)
{
	daemon_t *d = ctx;
	if (t->conn) {
		pthread_mutex_lock(&d->kept_lock);
		for (size_t i = 0; i < d->nkept; i++)
			if (d->kept[i].id == t->conn)
				dns_net_conn_send(d->kept[i].conn, msg, len);
		pthread_mutex_unlock(&d->kept_lock);
		return;
	}
	dns_notify_udp_send(&d->udp, t, msg, len);
}

void pg_notify_tick(void *arg)
{
	daemon_t *d = arg;
	uint64_t now = pg_now_ms();
	dns_notify_udp_poll(&d->udp, d->sched, now);
	if (dns_notify_sched_next_deadline(d->sched) <= now)
		dns_notify_sched_tick(d->sched, now, emit, d);
	if (d->metrics)
		pg_metrics_notify_pending(d->metrics, dns_notify_sched_pending_count(d->sched));
	dns_log_tick(); /* a flood of refusals that stopped is summed up */
}

/* A serial change to announce: built by the reload thread, run on the control loop. */
struct notify_job {
	daemon_t *d;
	dns_zone_t *zone;
	size_t n;
	pg_ntarget_t t[PG_MAX_TARGETS];
	dns_tsig_key_t keys[PG_MAX_TARGETS];
	bool has_key[PG_MAX_TARGETS];
};

static dns_err_t queue_notify(daemon_t *d, const uint8_t *origin, uint32_t serial,
                              const dns_rrset_t *soa, const dns_notify_target_t *t,
                              const dns_tsig_key_t *key, uint64_t now)
{
	dns_err_t e = dns_notify_sched_add(d->sched, origin, serial, soa, t, key, now);
	char z[DNS_NAME_TEXT_MAX], target[64], s[16];
	pg_name_text(origin, z, sizeof(z));
	dns_notify_target_text(t, target, sizeof(target));
	snprintf(s, sizeof(s), "%" PRIu32, serial);
	if (e == DNS_OK) {
		char kname[DNS_NAME_TEXT_MAX] = "";
		if (key)
			dns_name_to_text(key->name, kname, sizeof(kname));
		dns_log(DNS_LOG_INFO, "notify queued", "zone", z, "serial", s, "target", target, "key",
		       key ? kname : NULL, NULL);
	} else if (e != DNS_EEXIST) {
		dns_log(DNS_LOG_WARN, "notify not queued", "zone", z, "target", target, "error",
		       dns_strerror(e), NULL);
	}
	return e;
}

static void tell(pg_notify_each_fn each, void *arg, const dns_notify_target_t *t, dns_err_t e)
{
	char target[64];
	if (!each)
		return;
	dns_notify_target_text(t, target, sizeof(target));
	each(arg, target, e == DNS_OK ? "queued" : e == DNS_EEXIST ? "pending" : dns_strerror(e));
}

/* Same host (address family and address; the port is the peer's source port). */
static bool same_host(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a->sa_family != b->sa_family)
		return false;
	if (a->sa_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	if (a->sa_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		              &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
	return false;
}

/* A secondary that gets this NOTIFY by UDP anyway is not sent another on its
 * TCP connection: that connection is its own (NSD's xfrd, for one, runs its
 * SOA query and IXFR on it) and an unexpected message there breaks it.  The
 * same secondary is the same host signing with the same key (a secondary
 * that does not know the key we sign its NOTIFYs with could not accept
 * them); an unsigned target on that host is taken to be it as well.  A
 * hidden secondary with a key of its own on a host that also runs a
 * regular secondary (one machine running dns-secondary and
 * dns-letsencrypt-secondary) still gets its NOTIFY on its connection. */
static bool is_regular_target(const notify_job_t *j, const struct sockaddr *peer,
                              const uint8_t *kept_key)
{
	for (size_t i = 0; i < j->n; i++)
		if (same_host((const struct sockaddr *)&j->t[i].t.addr, peer) &&
		    (!j->has_key[i] || dns_name_equal(j->keys[i].name, kept_key)))
			return true;
	return false;
}

static void notify_job_run(notify_job_t *j, pg_notify_each_fn each, void *arg)
{
	daemon_t *d = j->d;
	const uint8_t *origin = dns_zone_origin(j->zone);
	uint32_t serial = dns_zone_serial(j->zone);
	const dns_rrset_t *soa = dns_zone_soa(j->zone);
	uint64_t now = pg_now_ms();
	for (size_t i = 0; i < j->n; i++)
		tell(each, arg, &j->t[i].t,
		     queue_notify(d, origin, serial, soa, &j->t[i].t, j->has_key[i] ? &j->keys[i] : NULL,
		                  now));
	/* hidden secondaries whose key may transfer this zone */
	pthread_mutex_lock(&d->kept_lock);
	size_t nk = 0;
	struct { dns_notify_target_t t; dns_tsig_key_t key; } kt[MAX_KEPT];
	for (size_t i = 0; i < d->nkept; i++) {
		if (!dns_key_authorizes(d->kept[i].key.name, DNS_OP_TRANSFER, origin))
			continue;
		socklen_t len = 0;
		const struct sockaddr *peer = dns_net_conn_peer(d->kept[i].conn, &len);
		if (!peer || is_regular_target(j, peer, d->kept[i].key.name))
			continue;
		if (dns_notify_target_set(&kt[nk].t, peer, len, d->kept[i].id) != DNS_OK)
			continue;
		kt[nk].key = d->kept[i].key;
		nk++;
	}
	pthread_mutex_unlock(&d->kept_lock);
	for (size_t i = 0; i < nk; i++)
		tell(each, arg, &kt[i].t, queue_notify(d, origin, serial, soa, &kt[i].t, &kt[i].key, now));
	pg_notify_tick(d);
	dns_zone_unref(j->zone);
	free(j);
}

static void run_notify_job(void *arg)
{
	notify_job_run(arg, NULL, NULL);
}

/* Reload thread: what announcing @zone (served by @s) takes, computed while
 * @s is still ours; posted to the control loop only once @s is published. */
notify_job_t *pg_notify_job_make(daemon_t *d, const snapshot_t *s, dns_zone_t *zone)
{
	notify_job_t *j = calloc(1, sizeof(*j));
	if (!j)
		return NULL;
	j->d = d;
	j->zone = dns_zone_ref(zone);
	j->n = pg_notify_targets(s->zones, s->keys, zone, d->cfg->notify, d->cfg->nnotify, j->t,
	                         PG_MAX_TARGETS);
	for (size_t i = 0; i < j->n; i++) {
		if (j->t[i].key) {
			j->keys[i] = *j->t[i].key; /* the store may be gone by the time the job runs */
			j->has_key[i] = true;
		}
		j->t[i].key = NULL;
	}
	return j;
}

void pg_notify_again(daemon_t *d, const snapshot_t *s, const dns_zone_t *zone,
                     pg_notify_each_fn each, void *arg)
{
	/* the job takes its own reference: the zone stays the snapshot's */
	notify_job_t *j = pg_notify_job_make(d, s, (dns_zone_t *)zone);
	if (j)
		notify_job_run(j, each, arg);
}

void pg_notify_job_post(daemon_t *d, notify_job_t *j)
{
	if (dns_net_post(d->srv, run_notify_job, j) != DNS_OK) {
		dns_zone_unref(j->zone);
		free(j);
	}
}

/* A kept connection closed (worker thread or shutdown). */
typedef struct drop_job {
	daemon_t *d;
	uint64_t id;
} drop_job_t;

static void run_drop(void *arg)
{
	drop_job_t *j = arg;
	dns_notify_sched_drop_conn(j->d->sched, j->id);
	free(j);
}

static void kept_closed(void *arg, dns_net_conn_t *conn)
{
	daemon_t *d = arg;
	uint64_t id = 0;
	pthread_mutex_lock(&d->kept_lock);
	for (size_t i = 0; i < d->nkept; i++) {
		if (d->kept[i].conn == conn) {
			id = d->kept[i].id;
			d->kept[i] = d->kept[--d->nkept];
			break;
		}
	}
	pthread_mutex_unlock(&d->kept_lock);
	if (!id)
		return;
	dns_net_conn_release(conn);
	drop_job_t *j = malloc(sizeof(*j));
	if (j) {
		j->d = d;
		j->id = id;
		if (dns_net_post(d->srv, run_drop, j) != DNS_OK)
			free(j);
	}
}

void pg_keep_secondary(daemon_t *d, const dns_net_request_t *req, const pg_action_t *act)
{
	pthread_mutex_lock(&d->kept_lock);
	bool room = d->nkept < MAX_KEPT;
	pthread_mutex_unlock(&d->kept_lock);
	if (!room)
		return;
	dns_net_conn_t *conn = dns_net_conn_keep(req, UINT32_MAX, kept_closed, d);
	if (!conn)
		return; /* UDP, or kept already */
	pthread_mutex_lock(&d->kept_lock);
	if (d->nkept < MAX_KEPT) {
		kept_t *k = &d->kept[d->nkept++];
		k->conn = conn;
		k->id = ++d->next_conn_id;
		k->key = act->key;
		conn = NULL;
	}
	pthread_mutex_unlock(&d->kept_lock);
	if (conn) {
		dns_net_conn_release(conn);
		return;
	}
	char zone[DNS_NAME_TEXT_MAX], peer[DNS_NET_ADDR_TEXT_MAX], key[DNS_NAME_TEXT_MAX];
	pg_name_text(act->zone, zone, sizeof(zone));
	dns_net_addr_format(req->peer, peer, sizeof(peer));
	dns_name_to_text(act->key.name, key, sizeof(key));
	dns_log(DNS_LOG_INFO, "hidden secondary registered", "zone", zone, "peer", peer, "key", key,
	       NULL);
}

/* A NOTIFY answer from a hidden secondary, on its kept connection. */
typedef struct answer_job {
	daemon_t *d;
	dns_notify_target_t from;
	size_t len;
	uint8_t msg[];
} answer_job_t;

static void run_answer(void *arg)
{
	answer_job_t *j = arg;
	dns_notify_sched_response(j->d->sched, &j->from, j->msg, j->len, pg_now_ms());
	free(j);
}

void pg_tcp_response(daemon_t *d, const dns_net_request_t *req)
{
	uint64_t id = 0;
	pthread_mutex_lock(&d->kept_lock);
	for (size_t i = 0; i < d->nkept; i++)
		if (d->kept[i].conn == req->conn)
			id = d->kept[i].id;
	pthread_mutex_unlock(&d->kept_lock);
	if (!id || req->len > 4096)
		return;
	answer_job_t *j = malloc(sizeof(*j) + req->len);
	if (!j)
		return;
	j->d = d;
	j->len = req->len;
	memcpy(j->msg, req->data, req->len);
	if (dns_notify_target_set(&j->from, req->peer, req->peer_len, id) != DNS_OK ||
	    dns_net_post(d->srv, run_answer, j) != DNS_OK)
		free(j);
}

