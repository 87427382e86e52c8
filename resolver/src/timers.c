/*
 * timers.c - the fetches' timers in a binary min-heap, keyed by the
 * earlier of the fetch's deadline and its query's retransmission
 * deadline.  res_engine_tick and res_engine_next_timer then cost
 * O(log n) per expired timer and O(1) to peek, instead of a walk over
 * every fetch in flight (thousands under a random-subdomain flood).
 */
#include <stdlib.h>

#include "engine_int.h"

static uint64_t key(const fetch_t *f)
{
	uint64_t k = f->deadline;
	if (f->tx.active && f->tx.deadline < k)
		k = f->tx.deadline;
	return k;
}

static void put(res_engine_t *e, size_t i, fetch_t *f)
{
	e->timers[i] = f;
	f->tpos = i + 1;
}

static void sift_up(res_engine_t *e, size_t i)
{
	fetch_t *f = e->timers[i];
	uint64_t k = key(f);
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (key(e->timers[p]) <= k)
			break;
		put(e, i, e->timers[p]);
		i = p;
	}
	put(e, i, f);
}

static void sift_down(res_engine_t *e, size_t i)
{
	fetch_t *f = e->timers[i];
	uint64_t k = key(f);
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= e->ntimers)
			break;
		if (c + 1 < e->ntimers && key(e->timers[c + 1]) < key(e->timers[c]))
			c++;
		if (key(e->timers[c]) >= k)
			break;
		put(e, i, e->timers[c]);
		i = c;
	}
	put(e, i, f);
}

bool eng_timer_set(res_engine_t *e, fetch_t *f)
{
	if (!f->tpos) {
		if (e->ntimers == e->timers_cap) {
			size_t cap = e->timers_cap ? 2 * e->timers_cap : 64;
			fetch_t **t = realloc(e->timers, cap * sizeof *t);
			if (!t)
				return false;
			e->timers = t;
			e->timers_cap = cap;
		}
		put(e, e->ntimers++, f);
	}
	/* The key may have moved either way. */
	size_t i = f->tpos - 1;
	sift_up(e, i);
	sift_down(e, f->tpos - 1);
	return true;
}

void eng_timer_del(res_engine_t *e, fetch_t *f)
{
	if (!f->tpos)
		return;
	size_t i = f->tpos - 1;
	f->tpos = 0;
	fetch_t *last = e->timers[--e->ntimers];
	if (i == e->ntimers)
		return;
	put(e, i, last);
	sift_up(e, i);
	sift_down(e, last->tpos - 1);
}

fetch_t *eng_timer_due(const res_engine_t *e, uint64_t now)
{
	if (!e->ntimers || key(e->timers[0]) > now)
		return NULL;
	return e->timers[0];
}

uint64_t res_engine_next_timer(const res_engine_t *e)
{
	return e->ntimers ? key(e->timers[0]) : UINT64_MAX;
}
