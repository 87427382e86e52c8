/*
 * snapshot.c - publication of immutable snapshots with quiescent-state
 * based reclamation (QSBR).
 *
 * A worker is "online at epoch e" while it runs a batch that may use the
 * snapshot pointer it loaded, and offline (0) between batches, so a worker
 * blocked in epoll never delays reclamation.  Publishing swaps the pointer
 * and then advances the epoch to E; the old snapshot is retired at E.  It
 * may be freed once every worker is offline or online at an epoch >= E:
 * such a worker stored its epoch after E was visible, hence loaded the
 * pointer after the swap (all four accesses are sequentially consistent).
 */
#include <stdlib.h>

#include "net_impl.h"

dns_net_snap_t *net_snap_enter(net_worker_t *w)
{
	dns_net_server_t *srv = w->srv;
	atomic_store(&w->online, atomic_load(&srv->epoch));
	return atomic_load(&srv->current);
}

void net_snap_leave(net_worker_t *w)
{
	atomic_store_explicit(&w->online, 0, memory_order_release);
}

dns_err_t dns_net_publish(dns_net_server_t *srv, void *snapshot, void (*free_fn)(void *))
{
	dns_net_snap_t *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return DNS_ENOMEM;
	s->data = snapshot;
	s->free_fn = free_fn;
	atomic_init(&s->pins, 0);
	dns_net_snap_t *old = atomic_exchange(&srv->current, s);
	uint64_t e = atomic_fetch_add(&srv->epoch, 1) + 1;
	if (old == NULL)
		return DNS_OK;
	old->retired_at = e;
	pthread_mutex_lock(&srv->retired_lock);
	old->next = srv->retired;
	srv->retired = old;
	pthread_mutex_unlock(&srv->retired_lock);
	/* Publish may run on any thread: the control loop checks on its own. */
	mail_t *m = net_mail_new(MAIL_CALL, 0);
	if (m != NULL) {
		m->fn = net_reclaim_kick;
		m->arg = srv;
		net_loop_post(&srv->ctl, m);
	}
	return DNS_OK;
}

static bool snap_safe(const dns_net_server_t *srv, const dns_net_snap_t *s)
{
	for (unsigned i = 0; i < srv->nworkers; i++) {
		uint64_t on = atomic_load(&srv->workers[i].online);
		if (on != 0 && on < s->retired_at)
			return false;
	}
	return atomic_load(&s->pins) == 0;
}

static void snap_destroy(dns_net_snap_t *s)
{
	if (s->free_fn != NULL)
		s->free_fn(s->data);
	free(s);
}

bool net_snap_reclaim(dns_net_server_t *srv, bool all)
{
	dns_net_snap_t *done = NULL;
	bool left;
	pthread_mutex_lock(&srv->retired_lock);
	dns_net_snap_t **pp = &srv->retired;
	while (*pp != NULL) {
		dns_net_snap_t *s = *pp;
		if (all || snap_safe(srv, s)) {
			*pp = s->next;
			s->next = done;
			done = s;
		} else {
			pp = &s->next;
		}
	}
	left = srv->retired != NULL;
	pthread_mutex_unlock(&srv->retired_lock);
	/* free_fn runs unlocked: it may be slow (a big zone) */
	while (done != NULL) {
		dns_net_snap_t *next = done->next;
		snap_destroy(done);
		done = next;
	}
	return left;
}

void net_snap_free_all(dns_net_server_t *srv)
{
	net_snap_reclaim(srv, true);
	dns_net_snap_t *cur = atomic_exchange(&srv->current, NULL);
	if (cur != NULL)
		snap_destroy(cur);
}

dns_net_snap_t *dns_net_snap_hold(const dns_net_request_t *req)
{
	/* The worker is online, so req->snap_ cannot be freed under us. */
	if (req == NULL || req->snap_ == NULL)
		return NULL;
	atomic_fetch_add(&req->snap_->pins, 1);
	return req->snap_;
}

void *dns_net_snap_data(const dns_net_snap_t *snap)
{
	return snap != NULL ? snap->data : NULL;
}

void dns_net_snap_release(dns_net_snap_t *snap)
{
	if (snap != NULL)
		atomic_fetch_sub(&snap->pins, 1);
}
