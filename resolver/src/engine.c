/*
 * engine.c - the engine's bookkeeping (engine.h): fetch and transaction
 * tables, the ready queue (fetches are stepped from one loop, never by
 * recursion, so a chain of completions cannot grow the stack), merging of
 * identical questions, clients, the cache walk and the cache-only answer.
 * The resolution itself is in iter.c and response.c.
 */
#include <stdlib.h>
#include <string.h>

#include "dns/edns.h"
#include "dns/rrtype.h"
#include "aggr.h"
#include "engine_int.h"
#include "keys.h"

#define DEF(v, d) ((v) ? (v) : (d))

/* ---- queues ---- */

void eng_ready(res_engine_t *e, fetch_t *f)
{
	if (f->queued || f->done)
		return;
	f->queued = true;
	f->rnext = NULL;
	if (e->ready_tail)
		e->ready_tail->rnext = f;
	else
		e->ready_head = f;
	e->ready_tail = f;
}

/* The client no longer waits: its slots (overall, per source) are free. */
static void client_release(res_engine_t *e, res_client_t *c)
{
	if (!c->waiting)
		return;
	c->waiting = false;
	e->nclients--;
	if (c->has_src && e->src_count[c->src])
		e->src_count[c->src]--;
}

static void client_done(res_engine_t *e, res_client_t *c)
{
	client_release(e, c);
	c->next = NULL;
	if (e->done_tail)
		e->done_tail->next = c;
	else
		e->done_head = c;
	e->done_tail = c;
	switch (c->res.rcode) {
	case DNS_RCODE_NOERROR: e->st.answers_noerror++; break;
	case DNS_RCODE_NXDOMAIN: e->st.answers_nxdomain++; break;
	case DNS_RCODE_SERVFAIL: e->st.answers_servfail++; break;
	default: break;
	}
}

dns_err_t eng_queue_send(res_engine_t *e, const res_send_t *s)
{
	if (e->sends_pos == e->nsends)
		e->sends_pos = e->nsends = 0;
	if (e->nsends == e->sends_cap) {
		size_t cap = e->sends_cap ? e->sends_cap * 2 : 16;
		res_send_t *n = realloc(e->sends, cap * sizeof *n);
		if (!n)
			return DNS_ENOMEM;
		e->sends = n;
		e->sends_cap = cap;
	}
	e->sends[e->nsends++] = *s;
	e->st.upstream_queries++;
	if (s->tcp)
		e->st.upstream_tcp++;
	return DNS_OK;
}

bool res_engine_next_send(res_engine_t *e, res_send_t *out)
{
	if (e->sends_pos >= e->nsends)
		return false;
	*out = e->sends[e->sends_pos++];
	return true;
}

/* ---- tables ---- */

static uint32_t fetch_hash(const uint8_t *name, uint16_t type, unsigned flags)
{
	return dns_name_hash(name) ^ ((uint32_t)type * 0x9E3779B1u) ^ (flags * 0x85EBCA6Bu);
}

static fetch_t *fetch_find(res_engine_t *e, const uint8_t *name, uint16_t type, unsigned flags)
{
	uint32_t h = fetch_hash(name, type, flags);
	for (fetch_t *f = e->fetch_tab[h % FETCH_BUCKETS]; f; f = f->hnext)
		if (f->hash == h && f->qtype == type && f->flags == flags &&
		    dns_name_equal(f->qname, name))
			return f;
	return NULL;
}

void eng_tx_link(res_engine_t *e, fetch_t *f)
{
	fetch_t **b = &e->tx_tab[f->tx.id % TX_BUCKETS];
	f->tx.hnext = *b;
	*b = f;
	f->tx.active = true;
	eng_timer_set(e, f);
}

void eng_tx_unlink(res_engine_t *e, fetch_t *f)
{
	if (!f->tx.active)
		return;
	for (fetch_t **p = &e->tx_tab[f->tx.id % TX_BUCKETS]; *p; p = &(*p)->tx.hnext)
		if (*p == f) {
			*p = f->tx.hnext;
			break;
		}
	f->tx.active = false;
	eng_timer_set(e, f);
}

static fetch_t *tx_find(res_engine_t *e, uint32_t id)
{
	for (fetch_t *f = e->tx_tab[id % TX_BUCKETS]; f; f = f->tx.hnext)
		if (f->tx.id == id && f->tx.active)
			return f;
	return NULL;
}

static void budget_put(budget_t *b)
{
	if (b && --b->refs == 0) {
		*b->spent += b->sig_max - b->sig.verifications;
		free(b);
	}
}

static fetch_t *fetch_new(res_engine_t *e, uint64_t now, const uint8_t *name, uint16_t type,
                          unsigned flags, budget_t *budget)
{
	if (e->nfetches >= e->cfg.max_fetches)
		return NULL;
	fetch_t *f = calloc(1, sizeof *f);
	if (!f)
		return NULL;
	if (!budget) {
		budget = calloc(1, sizeof *budget);
		if (!budget) {
			free(f);
			return NULL;
		}
	}
	if (!budget->refs) {
		budget->sig.verifications = e->cfg.max_validations;
		budget->sig_max = e->cfg.max_validations;
		budget->spent = &e->st.sig_verifications;
		budget->hashes = e->cfg.max_nsec3_hashes;
	}
	budget->refs++;
	f->budget = budget;
	dns_name_copy(f->qname, name);
	dns_name_lower(f->qname);
	dns_name_copy(f->sname, f->qname);
	f->qtype = type;
	f->flags = flags;
	f->hash = fetch_hash(f->qname, type, flags);
	f->deadline = now + e->cfg.fetch_timeout_ms;
	if (!eng_timer_set(e, f)) {
		budget_put(budget);
		free(f);
		return NULL;
	}
	res_result_init(&f->res, NULL, 0);
	res_result_init(&f->subres, NULL, 0);
	fetch_t **b = &e->fetch_tab[f->hash % FETCH_BUCKETS];
	f->hnext = *b;
	*b = f;
	f->next = e->all;
	if (e->all)
		e->all->prev = f;
	e->all = f;
	e->nfetches++;
	return f;
}

static void creator_clear(fetch_t *f);

static void fetch_unlink(res_engine_t *e, fetch_t *f)
{
	for (fetch_t **p = &e->fetch_tab[f->hash % FETCH_BUCKETS]; *p; p = &(*p)->hnext)
		if (*p == f) {
			*p = f->hnext;
			break;
		}
	if (f->prev)
		f->prev->next = f->next;
	else
		e->all = f->next;
	if (f->next)
		f->next->prev = f->prev;
	eng_tx_unlink(e, f);
	eng_timer_del(e, f);
	while (f->kids)
		creator_clear(f->kids);
	creator_clear(f);
	e->nfetches--;
}

static void fetch_free(fetch_t *f)
{
	res_result_free(&f->res);
	res_result_free(&f->subres);
	budget_put(f->budget);
	free(f);
}

static bool waiter_add(fetch_t *f, res_client_t *c, fetch_t *parent)
{
	waiter_t *w = calloc(1, sizeof *w);
	if (!w)
		return false;
	w->client = c;
	w->parent = parent;
	w->next = f->waiters;
	f->waiters = w;
	return true;
}

/* Creator links are kept both ways, so that a finishing fetch lets go of
 * the fetches it created without walking every fetch in flight. */
static void creator_set(fetch_t *f, fetch_t *creator)
{
	f->creator = creator;
	f->kid_prev = NULL;
	f->kid_next = creator->kids;
	if (creator->kids)
		creator->kids->kid_prev = f;
	creator->kids = f;
}

static void creator_clear(fetch_t *f)
{
	if (!f->creator)
		return;
	if (f->kid_prev)
		f->kid_prev->kid_next = f->kid_next;
	else
		f->creator->kids = f->kid_next;
	if (f->kid_next)
		f->kid_next->kid_prev = f->kid_prev;
	f->creator = NULL;
	f->kid_next = f->kid_prev = NULL;
}

/* The fetch @anc is @f or one it works for (a wait on it would never end). */
static bool is_ancestor(const fetch_t *anc, const fetch_t *f)
{
	for (unsigned n = 0; f && n < 64; f = f->creator, n++)
		if (f == anc)
			return true;
	return false;
}

fetch_t *eng_subfetch(res_engine_t *e, fetch_t *parent, uint64_t now, const uint8_t *name,
                      uint16_t type)
{
	return eng_subfetch_flags(e, parent, now, name, type, 0);
}

fetch_t *eng_subfetch_flags(res_engine_t *e, fetch_t *parent, uint64_t now, const uint8_t *name,
                            uint16_t type, unsigned flags)
{
	if (parent->depth + 1 > e->cfg.max_depth)
		return NULL;
	fetch_t *f = fetch_find(e, name, type, flags);
	if (f && (f->done || is_ancestor(f, parent)))
		return NULL;
	if (!f) {
		f = fetch_new(e, now, name, type, flags, parent->budget);
		if (!f)
			return NULL;
		creator_set(f, parent);
		f->depth = parent->depth + 1;
		/* A sub-fetch lives no longer than the fetch that started it. */
		if (f->deadline > parent->deadline) {
			f->deadline = parent->deadline;
			eng_timer_set(e, f);
		}
		eng_ready(e, f);
	}
	if (!waiter_add(f, NULL, parent))
		return NULL;
	parent->sub = f;
	return f;
}

void eng_finish(res_engine_t *e, fetch_t *f, uint64_t now)
{
	if (f->done)
		return;
	if (val_needed(e, f)) {
		f->validating = true;
		val_step(e, f, now);
		return;
	}
	f->done = true;
	if (f->sub) {
		for (waiter_t **p = &f->sub->waiters; *p; p = &(*p)->next)
			if ((*p)->parent == f) {
				waiter_t *w = *p;
				*p = w->next;
				free(w);
				break;
			}
		f->sub = NULL;
	}
	while (f->kids)
		creator_clear(f->kids);
	creator_clear(f);
	waiter_t *w = f->waiters;
	f->waiters = NULL;
	while (w) {
		waiter_t *next = w->next;
		if (w->client) {
			if (res_result_copy(&w->client->res, &f->res) != DNS_OK)
				w->client->res.rcode = DNS_RCODE_SERVFAIL;
			client_done(e, w->client);
		} else if (w->parent) {
			w->parent->sub = NULL;
			if (w->parent->validating) {
				/* The validator reads the DS/DNSKEY reply itself (proofs included). */
				res_result_free(&w->parent->subres);
				w->parent->have_subres =
					res_result_copy(&w->parent->subres, &f->res) == DNS_OK;
			}
			eng_ready(e, w->parent);
		}
		free(w);
		w = next;
	}
	fetch_unlink(e, f);
	if (!f->queued)
		fetch_free(f);
}

#define STALE_TTL_S 30  /* RFC 8767 §4: the TTL of a stale answer */

/* Serve-stale (RFC 8767): the expired RRset for the question, when
 * upstream could not be reached.  True with f->res set (EDE 3). */
static bool stale_answer(res_engine_t *e, fetch_t *f, uint64_t now)
{
	res_cache_hit_t hit;
	res_rank_t min = eng_min_rank(e, f->flags);
	if ((f->flags & (RES_Q_VAL | RES_Q_PREFETCH)) || !dns_name_equal(f->sname, f->qname) ||
	    !res_cache_get_stale(e->cache, now, f->qname, f->qtype, &hit) || hit.rank < min)
		return false;
	hit.rrset.ttl = hit.sigs.ttl = STALE_TTL_S;
	if (res_result_add(&f->res, 0, f->qname, &hit.rrset, &hit.sigs) != DNS_OK) {
		res_result_free(&f->res);
		return false;
	}
	f->res.rcode = DNS_RCODE_NOERROR;
	f->res.secure = min >= RES_RANK_INSECURE && hit.rank == RES_RANK_SECURE;
	f->res.ede = DNS_EDE_STALE_ANSWER;
	f->res.ede_text = "stale answer: no reachable authority";
	f->val_done = true; /* validated before it was cached, if at all */
	e->st.stale_answers++;
	return true;
}

void eng_fail(res_engine_t *e, fetch_t *f, uint64_t now, int ede, const char *text)
{
	res_result_free(&f->res);
	if (ede == 22 && e->cfg.cache.stale_s && stale_answer(e, f, now)) {
		eng_finish(e, f, now);
		return;
	}
	f->res.rcode = DNS_RCODE_SERVFAIL;
	f->res.ede = ede;
	f->res.ede_text = text;
	eng_finish(e, f, now);
}

static void run(res_engine_t *e, uint64_t now)
{
	while (e->ready_head) {
		fetch_t *f = e->ready_head;
		e->ready_head = f->rnext;
		if (!e->ready_head)
			e->ready_tail = NULL;
		f->queued = false;
		if (f->done) {
			fetch_free(f);
			continue;
		}
		iter_step(e, f, now);
	}
}

/* ---- the cache walk ---- */

/* @sname with its suffix @downer replaced by @target (RFC 6672 §2.2). */
static dns_err_t dname_synth(const uint8_t *sname, const uint8_t *downer, const uint8_t *target,
                             uint8_t out[DNS_NAME_MAX])
{
	unsigned keep = dns_name_label_count(sname) - dns_name_label_count(downer);
	const uint8_t *suffix = dns_name_skip_labels(sname, keep);
	size_t plen = (size_t)(suffix - sname), tlen = dns_name_length(target);
	if (plen + tlen > DNS_NAME_MAX)
		return DNS_ELIMIT;
	memcpy(out, sname, plen);
	memcpy(out + plen, target, tlen);
	return DNS_OK;
}

dns_err_t eng_dname_follow(res_result_t *res, uint8_t *sname, const uint8_t *downer,
                           const dns_rrset_t *dname, const dns_rrset_t *sigs);
dns_err_t eng_dname_follow(res_result_t *res, uint8_t *sname, const uint8_t *downer,
                           const dns_rrset_t *dname, const dns_rrset_t *sigs)
{
	const uint8_t *rd = dns_rrset_first(dname);
	if (!rd)
		return DNS_EINVAL;
	uint8_t next[DNS_NAME_MAX];
	dns_err_t err = dname_synth(sname, downer, dns_rrset_rdata(rd), next);
	if (err)
		return err;
	err = res_result_add(res, 0, downer, dname, sigs);
	if (err)
		return err;
	/* The synthesised CNAME: TTL of the DNAME, no signature (RFC 6672 §5.3). */
	uint8_t data[2 + DNS_NAME_MAX];
	size_t nlen = dns_name_length(next);
	dns_put16(data, (uint16_t)nlen);
	memcpy(data + 2, next, nlen);
	dns_rrset_t cn = {.type = DNS_TYPE_CNAME, .count = 1, .ttl = dname->ttl,
	                  .size = (uint32_t)(2 + nlen), .data = data};
	err = res_result_add(res, 0, sname, &cn, NULL);
	if (!err)
		dns_name_copy(sname, next);
	return err;
}

res_rank_t eng_min_rank(const res_engine_t *e, unsigned flags)
{
	return val_enabled(e) && !(flags & RES_Q_CD) ? RES_RANK_INSECURE : RES_RANK_ANSWERABLE;
}

/* res->secure stays true only while every RRset used is validated secure. */
int eng_cache_chain(res_engine_t *e, uint64_t now, uint8_t *sname, uint16_t qtype,
                    unsigned *chain, unsigned max_chain, res_rank_t min_rank, res_result_t *res)
{
	res_cache_hit_t hit;
	uint16_t kind;
	bool secure = min_rank >= RES_RANK_INSECURE && (res->sec[0].len == 0);
	for (;;) {
		if (res_cache_get(e->cache, now, sname, qtype, &hit) && hit.rank >= min_rank) {
			e->hit_ttl = hit.ttl;
			e->hit_orig = hit.orig_ttl;
			res->rcode = DNS_RCODE_NOERROR;
			res->secure = secure && hit.rank == RES_RANK_SECURE;
			return res_result_add(res, 0, sname, &hit.rrset, &hit.sigs) ? -1 : 1;
		}
		if (res_cache_get_neg(e->cache, now, sname, qtype, &hit, &kind) &&
		    hit.rank >= min_rank) {
			res->rcode = kind == RES_TYPE_NXDOMAIN ? DNS_RCODE_NXDOMAIN : DNS_RCODE_NOERROR;
			res->secure = secure && hit.rank == RES_RANK_SECURE;
			if (hit.owner && hit.rrset.count &&
			    res_result_add(res, 1, hit.owner, &hit.rrset, &hit.sigs))
				return -1;
			if (hit.proof_len &&
			    res_result_add_proof(res, hit.proof, hit.proof_len, hit.ttl) != DNS_OK)
				return -1;
			return 1;
		}
		if (qtype == DNS_TYPE_CNAME || qtype == DNS_TYPE_DNAME)
			return 0;
		bool moved = false;
		for (const uint8_t *n = dns_name_parent(sname); n && !moved; n = dns_name_parent(n)) {
			if (!res_cache_get(e->cache, now, n, DNS_TYPE_DNAME, &hit) || hit.rank < min_rank)
				continue;
			secure = secure && hit.rank == RES_RANK_SECURE;
			if (++*chain > max_chain)
				return -1;
			uint8_t downer[DNS_NAME_MAX];
			dns_name_copy(downer, n);
			dns_err_t err = eng_dname_follow(res, sname, downer, &hit.rrset, &hit.sigs);
			if (err == DNS_ELIMIT) {
				res->rcode = DNS_RCODE_YXDOMAIN;
				return 1;
			}
			if (err)
				return -1;
			moved = true;
		}
		if (moved)
			continue;
		if (!res_cache_get(e->cache, now, sname, DNS_TYPE_CNAME, &hit) || hit.rank < min_rank)
			return 0;
		secure = secure && hit.rank == RES_RANK_SECURE;
		if (++*chain > max_chain)
			return -1;
		if (res_result_add(res, 0, sname, &hit.rrset, &hit.sigs))
			return -1;
		dns_name_copy(sname, dns_rrset_rdata(dns_rrset_first(&hit.rrset)));
	}
}

/* Prefetch (as Unbound's): an RRset answered in the last 10% of its TTL
 * is asked again in the background, so that popular names never expire
 * from the cache.  Nobody waits for the fetch; its answer replaces the
 * cached one.  It uses at most half the fetch slots, leaving clients room. */
static void prefetch(res_engine_t *e, uint64_t now, const uint8_t *qname, uint16_t qtype,
                     unsigned flags)
{
	uint8_t name[DNS_NAME_MAX];
	dns_name_copy(name, qname);
	dns_name_lower(name);
	flags |= RES_Q_PREFETCH;
	if (e->nfetches >= e->cfg.max_fetches / 2 || fetch_find(e, name, qtype, flags))
		return;
	fetch_t *f = fetch_new(e, now, name, qtype, flags, NULL);
	if (!f)
		return;
	e->st.prefetches++;
	eng_ready(e, f);
	run(e, now);
}

/* RFC 8198 on the cache-only path: a question the kept validated
 * NSEC/NSEC3 records prove absent is answered like a cache hit (on the
 * daemon's worker threads), not handed to resolution.  The same test as
 * iter.c's for a fetch: validating, not CD, no CNAME followed.  A miss
 * costs the resolution the same check again: two denial checks of the
 * closest kept zone, bounded by the NSEC3 hash budget. */
static int aggressive_cached(res_engine_t *e, uint64_t now, const uint8_t *qname, uint16_t qtype,
                             unsigned flags, res_result_t *r)
{
	if (e->cfg.no_aggressive_nsec || (flags & RES_Q_CD) || !val_enabled(e))
		return 0;
	uint8_t name[DNS_NAME_MAX];
	dns_name_copy(name, qname);
	dns_name_lower(name);
	int rc = res_aggr_answer(e->aggr, now, name, qtype, e->cfg.max_nsec3_hashes, r);
	if (rc > 0)
		e->st.aggressive++;
	return rc;
}

bool res_engine_has_sends(const res_engine_t *e)
{
	return e->sends_pos < e->nsends;
}

bool res_engine_answer_cached(res_engine_t *e, uint64_t now, const dns_msg_t *q, bool tcp,
                              uint8_t *buf, size_t cap, size_t *len)
{
	if (!q->has_question || q->qclass != DNS_CLASS_IN ||
	    (dns_rrtype_flags(q->qtype) & DNS_RRTYPE_META)) {
		e->st.cache_misses++;
		return false;
	}
	uint8_t stor[4096];
	res_result_t r;
	res_result_init(&r, stor, sizeof stor);
	uint8_t sname[DNS_NAME_MAX];
	dns_name_copy(sname, q->qname);
	unsigned chain = 0;
	unsigned flags = (q->flags & DNS_FLAG_CD) ? RES_Q_CD : 0;
	e->hit_orig = 0;
	int rc = eng_cache_chain(e, now, sname, q->qtype, &chain, e->cfg.max_chain,
	                         eng_min_rank(e, flags), &r);
	if (rc == 1 && chain == 0 && e->cfg.prefetch && (uint64_t)e->hit_ttl * 10 < e->hit_orig)
		prefetch(e, now, q->qname, q->qtype, flags);
	if (rc == 0 && chain == 0)
		rc = aggressive_cached(e, now, q->qname, q->qtype, flags, &r);
	if (flags & RES_Q_CD)
		r.secure = false;
	*len = 0;
	if (rc == 1)
		*len = res_result_write(&r, q, tcp, buf, cap);
	res_result_free(&r);
	if (*len)
		e->st.cache_answers++;
	else
		e->st.cache_misses++;
	return *len != 0;
}

/* ---- the public calls ---- */

res_client_t *res_engine_resolve(res_engine_t *e, uint64_t now, const uint8_t *qname,
                                 uint16_t qtype, unsigned flags, void *user)
{
	return res_engine_resolve_src(e, now, 0, qname, qtype, flags, user);
}

res_client_t *res_engine_resolve_src(res_engine_t *e, uint64_t now, uint32_t src_key,
                                     const uint8_t *qname, uint16_t qtype, unsigned flags,
                                     void *user)
{
	uint16_t src = (uint16_t)((src_key * 0x9E3779B1u) >> 16);
	if (e->nclients >= e->cfg.max_clients ||
	    (src_key && e->src_count[src] >= e->cfg.max_client_queries)) {
		e->st.clients_refused++;
		return NULL;
	}
	res_client_t *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->user = user;
	c->waiting = true;
	c->has_src = src_key != 0;
	c->src = src;
	e->nclients++;
	if (c->has_src)
		e->src_count[src]++;
	res_result_init(&c->res, NULL, 0);
	e->st.client_queries++;
	flags &= RES_Q_CD;
	fetch_t *f = fetch_find(e, qname, qtype, flags);
	if (f && !f->done) {
		e->st.merged++;
	} else {
		f = fetch_new(e, now, qname, qtype, flags, NULL);
		if (f)
			eng_ready(e, f);
	}
	if (!f || !waiter_add(f, c, NULL)) {
		client_release(e, c);
		free(c);
		return NULL;
	}
	run(e, now);
	return c;
}

void res_engine_on_reply(res_engine_t *e, uint64_t now, uint32_t id, const uint8_t *msg,
                         size_t len)
{
	fetch_t *f = tx_find(e, id);
	if (!f)
		return;
	eng_tx_unlink(e, f);
	eng_ready(e, f); /* queued first: a fetch that finishes is freed by run() */
	resp_process(e, f, now, msg, len);
	run(e, now);
}

void res_engine_on_error(res_engine_t *e, uint64_t now, uint32_t id, res_io_error_t err)
{
	fetch_t *f = tx_find(e, id);
	if (!f)
		return;
	eng_tx_unlink(e, f);
	e->st.upstream_timeouts += err == RES_IO_TIMEOUT;
	res_infra_timeout(e->infra, now, (const struct sockaddr *)&f->tx.addr,
	                  err == RES_IO_UNREACHABLE);
	eng_ready(e, f);
	iter_server_failed(e, f, err == RES_IO_UNREACHABLE);
	run(e, now);
}

void res_engine_tick(res_engine_t *e, uint64_t now)
{
	fetch_t *f;
	while ((f = eng_timer_due(e, now))) {
		if (f->deadline <= now) {
			e->st.budget_exhausted++;
			/* Off the heap first: eng_fail may free f, and a due timer must never loop. */
			eng_timer_del(e, f);
			eng_fail(e, f, now, 22, "resolution timed out");
			continue;
		}
		/* Not the deadline: the query on the wire timed out. */
		eng_tx_unlink(e, f);
		e->st.upstream_timeouts++;
		res_infra_timeout(e->infra, now, (const struct sockaddr *)&f->tx.addr, false);
		iter_server_failed(e, f, false);
		eng_ready(e, f);
	}
	run(e, now);
}

res_client_t *res_engine_next_done(res_engine_t *e)
{
	res_client_t *c = e->done_head;
	if (c) {
		e->done_head = c->next;
		if (!e->done_head)
			e->done_tail = NULL;
		c->next = NULL;
	}
	return c;
}

void *res_client_user(const res_client_t *c) { return c->user; }
unsigned res_client_rcode(const res_client_t *c) { return c->res.rcode; }

size_t res_client_write(const res_client_t *c, const dns_msg_t *q, bool tcp, uint8_t *buf,
                        size_t cap)
{
	return res_result_write(&c->res, q, tcp, buf, cap);
}

size_t res_write_servfail(const dns_msg_t *q, int ede, uint8_t *buf, size_t cap)
{
	res_result_t r;
	res_result_init(&r, NULL, 0);
	r.rcode = DNS_RCODE_SERVFAIL;
	r.ede = ede;
	return res_result_write(&r, q, false, buf, cap);
}

void res_client_free(res_client_t *c)
{
	if (!c)
		return;
	res_result_free(&c->res);
	free(c);
}

void res_engine_stats(const res_engine_t *e, res_stats_t *st)
{
	*st = e->st;
	st->fetches = e->nfetches;
	st->clients = e->nclients;
	res_cache_stats(e->cache, &st->cache);
}

/* ---- creation ---- */

dns_err_t res_hints_default(res_engine_t *e);

res_engine_t *res_engine_new(const res_config_t *cfg)
{
	if (!cfg || !cfg->random)
		return NULL;
	res_engine_t *e = calloc(1, sizeof *e);
	if (!e)
		return NULL;
	e->cfg = *cfg;
	e->cfg.edns_size = DEF(e->cfg.edns_size, 1232);
	e->cfg.max_queries = DEF(e->cfg.max_queries, 64);
	e->cfg.max_chain = DEF(e->cfg.max_chain, 12);
	e->cfg.max_referrals = DEF(e->cfg.max_referrals, 32);
	e->cfg.max_ns_lookups = DEF(e->cfg.max_ns_lookups, 4);
	e->cfg.max_depth = DEF(e->cfg.max_depth, 6);
	e->cfg.fetch_timeout_ms = DEF(e->cfg.fetch_timeout_ms, 10000);
	e->cfg.max_fetches = DEF(e->cfg.max_fetches, 10000);
	e->cfg.max_clients = DEF(e->cfg.max_clients, 20000);
	e->cfg.max_client_queries = DEF(e->cfg.max_client_queries, 100);
	e->cfg.max_validations = DEF(e->cfg.max_validations, 96);
	e->cfg.max_nsec3_hashes = DEF(e->cfg.max_nsec3_hashes, 128);
	e->cfg.max_rrset_rrs = DEF(e->cfg.max_rrset_rrs, 100);
	e->cfg.max_rrset_bytes = DEF(e->cfg.max_rrset_bytes, 32768);
	e->next_tx = cfg->random(cfg->random_ctx) | 1;
	/* --cache-size bounds the record cache (7/8) and the key cache (1/8). */
	size_t total = e->cfg.cache.max_bytes ? e->cfg.cache.max_bytes : 64u << 20;
	size_t keys_bytes = total / 8;
	if (keys_bytes < (256u << 10))
		keys_bytes = total / 2 < (256u << 10) ? total / 2 : 256u << 10;
	res_cache_config_t cc = e->cfg.cache;
	cc.max_bytes = total - keys_bytes;
	e->cache = res_cache_new(&cc);
	e->infra = res_infra_new(4096);
	e->keys = res_keys_new(20000, keys_bytes);
	e->anchors = res_anchors_new();
	e->aggr = res_aggr_new();
	e->src_count = calloc(SRC_BUCKETS, sizeof *e->src_count);
	if (!e->src_count || !e->cache || !e->infra || !e->keys || !e->anchors || !e->aggr || res_hints_default(e) != DNS_OK) {
		res_engine_free(e);
		return NULL;
	}
	return e;
}

void res_engine_free(res_engine_t *e)
{
	if (!e)
		return;
	while (e->all) {
		fetch_t *f = e->all;
		waiter_t *w = f->waiters;
		while (w) {
			waiter_t *n = w->next;
			res_client_free(w->client);
			free(w);
			w = n;
		}
		f->waiters = NULL;
		fetch_unlink(e, f);
		if (!f->queued)
			fetch_free(f);
	}
	while (e->ready_head) {
		fetch_t *f = e->ready_head;
		e->ready_head = f->rnext;
		fetch_free(f);
	}
	res_client_t *c;
	while ((c = res_engine_next_done(e)))
		res_client_free(c);
	res_cache_free(e->cache);
	res_cache_free(e->hints);
	res_infra_free(e->infra);
	res_keys_free(e->keys);
	res_anchors_free(e->anchors);
	res_aggr_free(e->aggr);
	free(e->fwd);
	free(e->sends);
	free(e->timers);
	free(e->src_count);
	free(e);
}
