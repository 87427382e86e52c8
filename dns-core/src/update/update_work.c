/*
 * update_work.c - the working copy of an UPDATE transaction: touched
 * names copied from the base zone on first use, an arena for their
 * bytes, and an undo log that makes each message atomic.
 */
#include <stdlib.h>
#include <string.h>

#include "dns/name.h"
#include "dns/rdata.h"
#include "update_int.h"

#define ARENA_BLOCK 65536

void *upd_alloc(dns_update_t *u, size_t n)
{
	n = (n + 7) & ~(size_t)7;
	arena_blk_t *b = u->arena;
	if (!b || b->cap - b->used < n) {
		size_t cap = n > ARENA_BLOCK ? n : ARENA_BLOCK;
		b = malloc(sizeof(*b) + cap);
		if (!b)
			return NULL;
		b->cap = cap;
		b->used = 0;
		b->next = u->arena;
		u->arena = b;
	}
	void *p = b->data + b->used;
	b->used += n;
	return p;
}

wname_t *upd_lookup(const dns_update_t *u, const uint8_t *name)
{
	if (!u->nbuckets)
		return NULL;
	uint32_t h = dns_name_hash(name);
	for (wname_t *w = u->buckets[h & (u->nbuckets - 1)]; w; w = w->hnext)
		if (w->hash == h && dns_name_equal(w->owner, name))
			return w;
	return NULL;
}

static dns_err_t grow_table(dns_update_t *u)
{
	size_t nb = u->nbuckets ? u->nbuckets * 2 : 64;
	wname_t **b = calloc(nb, sizeof(*b));
	if (!b)
		return DNS_ENOMEM;
	for (size_t i = 0; i < u->nbuckets; i++) {
		for (wname_t *w = u->buckets[i], *next; w; w = next) {
			next = w->hnext;
			w->hnext = b[w->hash & (nb - 1)];
			b[w->hash & (nb - 1)] = w;
		}
	}
	free(u->buckets);
	u->buckets = b;
	u->nbuckets = nb;
	return DNS_OK;
}

dns_err_t upd_rdref(dns_update_t *u, uint16_t type, const uint8_t *rdata, size_t len,
                    dns_rdref_t *out)
{
	uint8_t *d = upd_alloc(u, len ? len : 1);
	if (!d)
		return DNS_ENOMEM;
	if (len)
		memcpy(d, rdata, len);
	out->data = d;
	out->canon = d;
	out->len = (uint16_t)len;
	if (dns_diff_type_canon(type)) {
		uint8_t *c = upd_alloc(u, len ? len : 1);
		if (!c)
			return DNS_ENOMEM;
		memcpy(c, d, len);
		dns_rdata_canonicalize(type, c, len);
		if (memcmp(c, d, len) != 0)
			out->canon = c;
	}
	return DNS_OK;
}

/* Copy the base zone's RRsets of @wn into it. */
static dns_err_t materialize(dns_update_t *u, wname_t *wn, const dns_node_t *node)
{
	size_t ns = dns_node_rrset_count(node);
	if (!ns)
		return DNS_OK;
	wn->sets = calloc(ns, sizeof(*wn->sets));
	if (!wn->sets)
		return DNS_ENOMEM;
	wn->cap = ns;
	for (size_t i = 0; i < ns; i++) {
		const dns_rrset_t *s = dns_node_rrset_at(node, i);
		size_t n;
		dns_err_t err = dns_rdscratch_load(&u->sc, s, &n);
		if (err)
			return err;
		if (!n)
			continue;
		wset_t *w = &wn->sets[wn->nsets];
		w->rr = malloc(n * sizeof(*w->rr));
		if (!w->rr)
			return DNS_ENOMEM;
		w->type = s->type;
		w->ttl = s->ttl;
		w->n = w->cap = n;
		wn->nsets++;
		for (size_t k = 0; k < n; k++) {
			dns_rdref_t r = u->sc.refs[k];
			if (r.canon != r.data) {
				/* the scratch copy does not survive the next load */
				uint8_t *c = upd_alloc(u, r.len);
				if (!c)
					return DNS_ENOMEM;
				memcpy(c, r.canon, r.len);
				r.canon = c;
			}
			w->rr[k] = r;
		}
	}
	return DNS_OK;
}

wname_t *upd_name(dns_update_t *u, const uint8_t *name)
{
	wname_t *wn = upd_lookup(u, name);
	if (wn)
		return wn;
	if (u->nnames >= u->nbuckets && grow_table(u))
		return NULL;
	const dns_node_t *node = dns_zone_find(u->base, name);
	const uint8_t *src = node ? dns_node_name(node) : name;
	size_t len = dns_name_length(src);
	wn = upd_alloc(u, sizeof(*wn));
	uint8_t *owner = upd_alloc(u, len);
	if (!wn || !owner)
		return NULL;
	memcpy(owner, src, len);
	memset(wn, 0, sizeof(*wn));
	wn->owner = owner;
	wn->hash = dns_name_hash(owner);
	if (node && materialize(u, wn, node)) {
		upd_free_sets(wn->sets, wn->nsets);
		return NULL;
	}
	wn->hnext = u->buckets[wn->hash & (u->nbuckets - 1)];
	u->buckets[wn->hash & (u->nbuckets - 1)] = wn;
	u->nnames++;
	return wn;
}

wset_t *upd_set(wname_t *wn, uint16_t type)
{
	for (size_t i = 0; i < wn->nsets; i++)
		if (wn->sets[i].type == type)
			return &wn->sets[i];
	return NULL;
}

void upd_free_sets(wset_t *sets, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(sets[i].rr);
	free(sets);
}

dns_err_t upd_mutate(dns_update_t *u, wname_t *wn)
{
	if (wn->snap_gen == u->gen)
		return DNS_OK;
	if (u->nundo == u->capundo) {
		size_t cap = u->capundo ? u->capundo * 2 : 16;
		undo_t *v = realloc(u->undo, cap * sizeof(*v));
		if (!v)
			return DNS_ENOMEM;
		u->undo = v;
		u->capundo = cap;
	}
	undo_t *un = &u->undo[u->nundo];
	un->name = wn;
	un->nsets = wn->nsets;
	un->sets = calloc(wn->nsets ? wn->nsets : 1, sizeof(*un->sets));
	if (!un->sets)
		return DNS_ENOMEM;
	for (size_t i = 0; i < wn->nsets; i++) {
		wset_t *d = &un->sets[i];
		*d = wn->sets[i];
		d->cap = d->n;
		d->rr = malloc(d->n * sizeof(*d->rr));
		if (!d->rr) {
			upd_free_sets(un->sets, i);
			return DNS_ENOMEM;
		}
		memcpy(d->rr, wn->sets[i].rr, d->n * sizeof(*d->rr));
	}
	u->nundo++;
	wn->snap_gen = u->gen;
	return DNS_OK;
}

void upd_rollback(dns_update_t *u)
{
	/* Newest first, though each name has at most one entry per message. */
	while (u->nundo) {
		undo_t *un = &u->undo[--u->nundo];
		wname_t *wn = un->name;
		upd_free_sets(wn->sets, wn->nsets);
		wn->sets = un->sets;
		wn->nsets = un->nsets;
		wn->cap = un->nsets ? un->nsets : 1;
		wn->snap_gen = 0;
	}
}

void upd_undo_clear(dns_update_t *u)
{
	for (size_t i = 0; i < u->nundo; i++)
		upd_free_sets(u->undo[i].sets, u->undo[i].nsets);
	u->nundo = 0;
}

wset_t *upd_set_add(wname_t *wn, uint16_t type, uint32_t ttl)
{
	if (wn->nsets == wn->cap || !wn->sets) {
		size_t cap = wn->cap && wn->sets ? wn->cap * 2 : 4;
		wset_t *v = realloc(wn->sets, cap * sizeof(*v));
		if (!v)
			return NULL;
		wn->sets = v;
		wn->cap = cap;
	}
	size_t at = 0;
	while (at < wn->nsets && wn->sets[at].type < type)
		at++;
	memmove(&wn->sets[at + 1], &wn->sets[at], (wn->nsets - at) * sizeof(*wn->sets));
	wn->nsets++;
	wset_t *s = &wn->sets[at];
	memset(s, 0, sizeof(*s));
	s->type = type;
	s->ttl = ttl;
	return s;
}

void upd_set_remove(wname_t *wn, uint16_t type)
{
	wset_t *s = upd_set(wn, type);
	if (!s)
		return;
	size_t at = (size_t)(s - wn->sets);
	free(s->rr);
	memmove(&wn->sets[at], &wn->sets[at + 1], (wn->nsets - at - 1) * sizeof(*wn->sets));
	wn->nsets--;
}

size_t upd_set_find(const wset_t *s, const dns_rdref_t *r, bool *found)
{
	size_t lo = 0, hi = s->n;
	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = dns_rdref_cmp(&s->rr[mid], r);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

dns_err_t upd_set_insert(wset_t *s, size_t at, const dns_rdref_t *r)
{
	if (s->n >= UPD_RRSET_MAX)
		return DNS_ELIMIT;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 4;
		dns_rdref_t *v = realloc(s->rr, cap * sizeof(*v));
		if (!v)
			return DNS_ENOMEM;
		s->rr = v;
		s->cap = cap;
	}
	memmove(&s->rr[at + 1], &s->rr[at], (s->n - at) * sizeof(*s->rr));
	s->rr[at] = *r;
	s->n++;
	return DNS_OK;
}

void upd_set_erase(wset_t *s, size_t at)
{
	memmove(&s->rr[at], &s->rr[at + 1], (s->n - at - 1) * sizeof(*s->rr));
	s->n--;
}
