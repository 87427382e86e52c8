/*
 * update_queue.c - queue, grouping, retry decisions, per-zone application
 * and commit messages of the group commit (see update_queue.h).  No I/O.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/msg.h"
#include "dns/name.h"
#include "dns/rrtype.h"
#include "dns/zoneedit.h"
#include "gitrepo.h"
#include "update_queue.h"

pg_update_t *pg_update_new(const uint8_t *wire, size_t len, const uint8_t *zone,
                           const dns_tsig_key_t *key, const dns_tsig_req_t *treq, void *reply,
                           uint64_t now_ms)
{
	if (len == 0 || len > 65535)
		return NULL;
	pg_update_t *u = calloc(1, sizeof(*u) + len);
	if (!u)
		return NULL;
	memcpy(u->wire, wire, len);
	u->len = len;
	dns_name_copy(u->zone, zone);
	u->key = *key;
	u->treq = *treq;
	u->treq.key = &u->key; /* the store it came from may be gone by the answer */
	u->reply = reply;
	u->arrived_ms = now_ms;
	u->rcode = -1;
	return u;
}

void pg_update_free(pg_update_t *u)
{
	free(u);
}

void pg_update_free_list(pg_update_t *list)
{
	while (list) {
		pg_update_t *next = list->next;
		free(list);
		list = next;
	}
}

size_t pg_update_count(const pg_update_t *list)
{
	size_t n = 0;
	for (; list; list = list->next)
		n++;
	return n;
}

/* ---- the queue ---- */

void pg_uq_init(pg_update_queue_t *q, size_t max)
{
	memset(q, 0, sizeof(*q));
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->cond, NULL);
	q->tail = &q->head;
	q->max = max;
}

pg_update_t *pg_uq_destroy(pg_update_queue_t *q)
{
	pg_update_t *left = q->head;
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->cond);
	memset(q, 0, sizeof(*q));
	return left;
}

dns_err_t pg_uq_push(pg_update_queue_t *q, pg_update_t *u)
{
	dns_err_t e = DNS_OK;
	pthread_mutex_lock(&q->lock);
	if (q->stopped) {
		e = DNS_EINVAL;
	} else if (q->n >= q->max) {
		e = DNS_ELIMIT;
	} else {
		u->next = NULL;
		u->seq = ++q->seq;
		*q->tail = u;
		q->tail = &u->next;
		q->n++;
		pthread_cond_signal(&q->cond);
	}
	pthread_mutex_unlock(&q->lock);
	return e;
}

pg_update_t *pg_uq_take(pg_update_queue_t *q, size_t max)
{
	pthread_mutex_lock(&q->lock);
	while (!q->head && !q->stopped)
		pthread_cond_wait(&q->cond, &q->lock);
	pg_update_t *head = q->head, **cut = &q->head;
	size_t n = 0;
	while (*cut && n < max) {
		cut = &(*cut)->next;
		n++;
	}
	q->head = *cut;
	*cut = NULL;
	if (!q->head)
		q->tail = &q->head;
	q->n -= n;
	pthread_mutex_unlock(&q->lock);
	return n ? head : NULL;
}

void pg_uq_stop(pg_update_queue_t *q)
{
	pthread_mutex_lock(&q->lock);
	q->stopped = true;
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

/* ---- grouping ---- */

pg_update_t **pg_batch_group_by_key(pg_update_t *batch, size_t *ngroups)
{
	size_t n = pg_update_count(batch);
	pg_update_t **heads = calloc(n ? n : 1, sizeof(*heads));
	pg_update_t ***tails = calloc(n ? n : 1, sizeof(*tails));
	if (!heads || !tails) {
		free(heads);
		free(tails);
		return NULL;
	}
	size_t g = 0;
	while (batch) {
		pg_update_t *u = batch;
		batch = u->next;
		u->next = NULL;
		size_t i = 0;
		while (i < g && !dns_name_equal(heads[i]->key.name, u->key.name))
			i++;
		if (i == g) {
			heads[g] = u;
			tails[g] = &u->next;
			g++;
		} else {
			*tails[i] = u;
			tails[i] = &u->next;
		}
	}
	free(tails);
	*ngroups = g;
	return heads;
}

/* ---- retry decisions ---- */

const pg_push_policy_t pg_push_policy_default = { 8, 10000, 100, 2000 };

pg_push_next_t pg_push_decide(const pg_push_policy_t *p, pg_push_state_t *st, dns_err_t err,
                              uint64_t now_ms, uint32_t *delay_ms)
{
	*delay_ms = 0;
	if (err == DNS_OK)
		return PG_PUSH_DONE;
	if (err == GITREPO_EREJECTED) {
		/* someone pushed meanwhile: a new round, not a network failure */
		if (++st->rebases > p->max_rebases)
			return PG_PUSH_FAIL;
		return PG_PUSH_REBASE;
	}
	if (err != GITREPO_EUNREACHABLE)
		return PG_PUSH_FAIL; /* authentication, a declining hook: retrying will not help */
	if (st->first_failure_ms == 0)
		st->first_failure_ms = now_ms ? now_ms : 1;
	uint64_t spent = now_ms - st->first_failure_ms;
	if (now_ms < st->first_failure_ms || spent >= p->max_wait_ms)
		return PG_PUSH_FAIL;
	uint64_t d = p->backoff_first_ms;
	for (unsigned i = 0; i < st->retries && d < p->backoff_max_ms; i++)
		d *= 2;
	if (d > p->backoff_max_ms)
		d = p->backoff_max_ms;
	if (d > p->max_wait_ms - spent)
		d = p->max_wait_ms - spent;
	st->retries++;
	*delay_ms = (uint32_t)d;
	return PG_PUSH_RETRY;
}

/* ---- changes ---- */

static uint8_t *keep(pg_changes_t *c, const uint8_t *data, size_t len)
{
	if (c->nblocks == c->cap_blocks) {
		size_t cap = c->cap_blocks ? 2 * c->cap_blocks : 16;
		uint8_t **b = realloc(c->blocks, cap * sizeof(*b));
		if (!b)
			return NULL;
		c->blocks = b;
		c->cap_blocks = cap;
	}
	uint8_t *copy = malloc(len ? len : 1);
	if (!copy)
		return NULL;
	if (len)
		memcpy(copy, data, len);
	c->blocks[c->nblocks++] = copy;
	return copy;
}

static dns_err_t collect(void *ctx, bool added, const dns_rr_t *rr)
{
	pg_changes_t *c = ctx;
	dns_rr_t **v = added ? &c->added : &c->removed;
	size_t *n = added ? &c->nadded : &c->nremoved;
	size_t *cap = added ? &c->cap_added : &c->cap_removed;
	if (*n == *cap) {
		size_t ncap = *cap ? 2 * *cap : 8;
		dns_rr_t *nv = realloc(*v, ncap * sizeof(*nv));
		if (!nv)
			return DNS_ENOMEM;
		*v = nv;
		*cap = ncap;
	}
	dns_rr_t copy = *rr;
	copy.owner = keep(c, rr->owner, dns_name_length(rr->owner));
	copy.rdata = keep(c, rr->rdata, rr->rdlen);
	if (!copy.owner || !copy.rdata)
		return DNS_ENOMEM;
	(*v)[(*n)++] = copy;
	return DNS_OK;
}

dns_err_t pg_changes_collect(pg_changes_t *c, const dns_update_t *u)
{
	memset(c, 0, sizeof(*c));
	dns_err_t e = dns_update_changes(u, collect, c);
	if (e != DNS_OK)
		pg_changes_free(c);
	return e;
}

void pg_changes_free(pg_changes_t *c)
{
	for (size_t i = 0; i < c->nblocks; i++)
		free(c->blocks[i]);
	free(c->blocks);
	free(c->removed);
	free(c->added);
	memset(c, 0, sizeof(*c));
}

/* ---- the messages of one zone ---- */

void pg_zone_out_free(pg_zone_out_t *o)
{
	dns_zone_unref(o->zone);
	free(o->text);
	pg_changes_free(&o->changes);
	memset(o, 0, sizeof(*o));
}

/* Apply list[0..n) to a new transaction on @zone, setting each message's
 * rcode; with @retry, only the messages still answered NOERROR (the
 * others were refused, by a prerequisite or as a culprit). */
static dns_update_t *apply_msgs(const dns_zone_t *zone, pg_update_t **list, size_t n,
                                bool retry)
{
	dns_update_t *u = dns_update_begin(zone);
	if (!u)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (retry && list[i]->rcode != DNS_RCODE_NOERROR)
			continue;
		dns_msg_t m;
		int rc = DNS_RCODE_FORMERR;
		if (dns_msg_parse(&m, list[i]->wire, list[i]->len) == DNS_OK)
			rc = dns_update_apply(u, &m);
		dns_msg_free(&m);
		list[i]->rcode = rc;
	}
	return u;
}

/* Why an attempt failed, for the message to blame. */
typedef struct failure {
	int rcode;
	const char *what;
	char error[512];
} failure_t;

/* The file text with out->changes made, into out->text (dns_zoneedit):
 * DNS_EZONE with *f set when it cannot be done. */
static dns_err_t edit_text(const pg_zone_in_t *in, pg_zone_out_t *out, failure_t *f)
{
	const pg_changes_t *c = &out->changes;
	dns_zf_options_t plain = { .origin = in->origin, .no_include = true };
	char err[sizeof(f->error)] = "";
	dns_err_t e = dns_zoneedit_apply_opt(in->file, in->text, in->len, in->opt ? in->opt : &plain,
	                                     c->removed, c->nremoved, c->added, c->nadded,
	                                     &out->text, &out->len, err, sizeof(err));
	if (e == DNS_OK || e == DNS_ENOMEM)
		return e;
	/* ENOTSUP: a change the file cannot say (deleting a record of an
	 * included file): what the client asked for, so REFUSED.  Anything
	 * else is ours.  Either way a file that would not say exactly what
	 * we serve is never committed. */
	if (e == DNS_ENOTSUP)
		*f = (failure_t){ DNS_RCODE_REFUSED, "the zone file cannot say it", "" };
	else
		*f = (failure_t){ DNS_RCODE_SERVFAIL, "the zone file could not be edited", "" };
	snprintf(f->error, sizeof(f->error), "%s", err);
	return DNS_EZONE;
}

/* The new zone and text of @u's changes into *out: DNS_EZONE with *f set
 * when the messages make it fail; anything else is nobody's fault. */
static dns_err_t build(const pg_zone_in_t *in, dns_update_t *u, uint32_t date,
                       pg_zone_out_t *out, failure_t *f)
{
	dns_zone_t *nz = NULL;
	dns_err_t e = dns_update_commit(u, true, date, &nz);
	if (e == DNS_EZONE) {
		*f = (failure_t){ DNS_RCODE_REFUSED, "the zone would be invalid", "" };
		snprintf(f->error, sizeof(f->error), "%s", dns_update_error(u));
		return DNS_EZONE;
	}
	if (e == DNS_OK)
		e = pg_changes_collect(&out->changes, u);
	if (e == DNS_OK)
		e = edit_text(in, out, f);
	if (e != DNS_OK) {
		dns_zone_unref(nz);
		return e;
	}
	out->zone = nz;
	out->old_serial = dns_update_old_serial(u);
	out->new_serial = dns_zone_serial(nz);
	return DNS_OK;
}

/* Apply list[0..n) and build the result. */
static dns_err_t attempt(const pg_zone_in_t *in, pg_update_t **list, size_t n, bool retry,
                         uint32_t date, pg_zone_out_t *out, failure_t *f)
{
	memset(out, 0, sizeof(*out));
	dns_update_t *u = apply_msgs(in->zone, list, n, retry);
	if (!u)
		return DNS_ENOMEM;
	dns_err_t e = dns_update_changed(u) ? build(in, u, date, out, f) : DNS_OK;
	dns_update_free(u);
	if (e != DNS_OK)
		pg_zone_out_free(out);
	return e;
}

static void answer_rest(pg_update_t **list, size_t n, int rcode)
{
	for (size_t i = 0; i < n; i++)
		if (list[i]->rcode == DNS_RCODE_NOERROR || list[i]->rcode < 0)
			list[i]->rcode = rcode;
}

/* The first prefix of @list that fails, knowing that list[0..lo) does
 * not and list[0..hi) does (*f: why): its last message is the one to
 * blame (binary search).  Returns that index, or SIZE_MAX on a failure
 * that is nobody's (*err set). */
static size_t culprit(const pg_zone_in_t *in, pg_update_t **list, size_t lo, size_t hi,
                      uint32_t date, failure_t *f, dns_err_t *err)
{
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		pg_zone_out_t t;
		failure_t g;
		dns_err_t e = attempt(in, list, mid, true, date, &t, &g);
		pg_zone_out_free(&t);
		if (e == DNS_OK) {
			lo = mid;
		} else if (e == DNS_EZONE) {
			hi = mid;
			*f = g;
		} else {
			*err = e;
			return SIZE_MAX;
		}
	}
	return lo;
}

dns_err_t pg_apply_zone(const pg_zone_in_t *in, pg_update_t **list, size_t n, uint32_t date,
                        pg_apply_note_fn note, void *ctx, pg_zone_out_t *out)
{
	failure_t f;
	dns_err_t e = attempt(in, list, n, false, date, out, &f);
	size_t good = 0; /* list[0..good) is known to build */
	while (e == DNS_EZONE) {
		size_t i = culprit(in, list, good, n, date, &f, &e);
		if (i == SIZE_MAX)
			break;
		if (list[i]->rcode != DNS_RCODE_NOERROR) {
			/* cannot be (its prefix would not differ): answer the
			 * rest as the failure says rather than loop */
			break;
		}
		list[i]->rcode = f.rcode;
		if (note)
			note(ctx, list[i], f.what, f.error);
		good = i;
		e = attempt(in, list, n, true, date, out, &f);
	}
	if (e != DNS_OK)
		answer_rest(list, n, e == DNS_EZONE ? f.rcode : DNS_RCODE_SERVFAIL);
	return e;
}

/* ---- the commit message ---- */

/* @owner relative to @origin, without the final dot; "@" for the apex. */
static void relative(const uint8_t *owner, const uint8_t *origin, char *out, size_t cap)
{
	char o[DNS_NAME_TEXT_MAX], z[DNS_NAME_TEXT_MAX];
	dns_name_to_text(owner, o, sizeof(o));
	if (dns_name_equal(owner, origin)) {
		snprintf(out, cap, "@");
		return;
	}
	dns_name_to_text(origin, z, sizeof(z));
	size_t lo = strlen(o), lz = strlen(z);
	if (dns_name_is_subdomain(owner, origin) && origin[0] != 0 && lo > lz + 1 &&
	    o[lo - lz - 1] == '.')
		o[lo - lz - 1] = '\0';
	else if (lo > 1 && o[lo - 1] == '.')
		o[lo - 1] = '\0';
	snprintf(out, cap, "%s", o);
}

static bool has_rrset(const dns_rr_t *v, size_t n, const dns_rr_t *rr)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].type == rr->type && dns_name_equal(v[i].owner, rr->owner))
			return true;
	return false;
}

/* Whether an earlier record of @v (before @i) has the same owner and type. */
static bool seen_before(const dns_rr_t *v, size_t i)
{
	return has_rrset(v, i, &v[i]);
}

typedef struct line {
	char *out;
	size_t cap, len;
} line_t;

static void put(line_t *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(line_t *l, const char *fmt, ...)
{
	if (l->len + 1 >= l->cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(l->out + l->len, l->cap - l->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->len += (size_t)n < l->cap - l->len ? (size_t)n : l->cap - l->len - 1;
}

size_t pg_commit_line(char *out, size_t cap, const char *zone, const uint8_t *origin,
                      const pg_changes_t *c, uint32_t old_serial, uint32_t new_serial,
                      size_t max_items)
{
	if (cap == 0)
		return 0;
	out[0] = '\0';
	line_t l = { out, cap, 0 };
	put(&l, "update %s:", zone);
	size_t items = 0, more = 0;
	/* two passes: the added side (+ or ~), then what was only removed (-) */
	for (int pass = 0; pass < 2; pass++) {
		const dns_rr_t *v = pass == 0 ? c->added : c->removed;
		size_t n = pass == 0 ? c->nadded : c->nremoved;
		for (size_t i = 0; i < n; i++) {
			if (v[i].type == DNS_TYPE_SOA || seen_before(v, i))
				continue;
			bool other = pass == 0 ? has_rrset(c->removed, c->nremoved, &v[i])
			                       : has_rrset(c->added, c->nadded, &v[i]);
			if (pass == 1 && other)
				continue; /* reported as changed already */
			if (items >= max_items) {
				more++;
				continue;
			}
			char type[24], owner[DNS_NAME_TEXT_MAX];
			dns_rrtype_to_text(v[i].type, type, sizeof(type));
			relative(v[i].owner, origin, owner, sizeof(owner));
			const char *sign = pass == 1 ? "-" : other ? "~" : "+";
			put(&l, "%s %s%s", items ? "," : "", sign, type);
			put(&l, " %s", owner);
			items++;
		}
	}
	if (more) {
		char m[32];
		snprintf(m, sizeof(m), "%zu", more);
		put(&l, " and %s more", m);
	}
	char so[16], sn[16];
	snprintf(so, sizeof(so), "%" PRIu32, old_serial);
	snprintf(sn, sizeof(sn), "%" PRIu32, new_serial);
	put(&l, "%s serial %s\xe2\x86\x92%s", items || more ? "," : "", so, sn);
	return l.len;
}
