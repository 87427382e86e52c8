/*
 * rrsets.c - RRset grouping (rrsets.h).  Quadratic in the number of
 * records of a section, which the engine caps (MAX_MSG_RRS).
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "dns/name.h"
#include "dns/rrtype.h"
#include "rrsets.h"

struct res_arena_blk {
	struct res_arena_blk *next;
	max_align_t align_;
	uint8_t data[];
};

void *res_arena_alloc(res_arena_t *a, size_t n)
{
	struct res_arena_blk *b = malloc(sizeof *b + (n ? n : 1));
	if (!b)
		return NULL;
	b->next = a->blk;
	a->blk = b;
	return b->data;
}

void res_arena_free(res_arena_t *a)
{
	while (a->blk) {
		struct res_arena_blk *n = a->blk->next;
		free(a->blk);
		a->blk = n;
	}
}

static bool rr_matches(const dns_rr_t *rr, const uint8_t *owner, uint16_t type, uint16_t covered)
{
	if (rr->type != type || rr->rclass != DNS_CLASS_IN || !dns_name_equal(rr->owner, owner))
		return false;
	if (type == DNS_TYPE_RRSIG)
		return rr->rdlen >= 2 && dns_get16(rr->rdata) == covered;
	return true;
}

typedef struct lslot {
	uint16_t idx1;      /* the RRset's first record + 1; 0: free */
	uint16_t count;
	uint32_t bytes;     /* a message has at most 65535 */
} lslot_t;

static uint16_t covered_type(const dns_rr_t *rr)
{
	return rr->type == DNS_TYPE_RRSIG && rr->rdlen >= 2 ? dns_get16(rr->rdata) : 0;
}

static bool same_set(const dns_rr_t *a, const dns_rr_t *b)
{
	return a->type == b->type && a->rclass == b->rclass && covered_type(a) == covered_type(b) &&
	       dns_name_equal(a->owner, b->owner);
}

/* One section: an open-addressing table of its RRsets (@cap slots, a power
 * of two above twice the records), so interleaved records count too. */
static bool section_within(const dns_msg_rr_t *rrs, size_t n, lslot_t *tab, size_t cap,
                           unsigned max_rrs, size_t max_bytes)
{
	memset(tab, 0, cap * sizeof *tab);
	for (size_t i = 0; i < n; i++) {
		const dns_rr_t *rr = &rrs[i].rr;
		uint32_t h = dns_name_hash(rr->owner) ^ ((uint32_t)rr->type * 0x9E3779B1u) ^
		             ((uint32_t)covered_type(rr) * 0x85EBCA6Bu);
		for (size_t s = h & (cap - 1);; s = (s + 1) & (cap - 1)) {
			lslot_t *t = &tab[s];
			if (!t->idx1) {
				*t = (lslot_t){.idx1 = (uint16_t)(i + 1), .count = 1, .bytes = rr->rdlen};
			} else if (same_set(rr, &rrs[t->idx1 - 1].rr)) {
				t->count++;
				t->bytes += rr->rdlen;
			} else {
				continue;
			}
			if (t->count > max_rrs || t->bytes > max_bytes)
				return false;
			break;
		}
	}
	return true;
}

bool res_msg_rrsets_within(const dns_msg_t *m, unsigned max_rrs, size_t max_bytes)
{
	static_assert((RES_LIMIT_RRS & (RES_LIMIT_RRS - 1)) == 0, "a power of two");
	lslot_t tab[2 * RES_LIMIT_RRS];
	if (m->nrrs >= RES_LIMIT_RRS)
		return false;
	for (int sec = DNS_SEC_ANSWER; sec <= DNS_SEC_ADDITIONAL; sec++) {
		size_t n, cap = 16;
		const dns_msg_rr_t *rrs = dns_msg_section(m, sec, &n);
		while (cap < 2 * n)
			cap *= 2;
		if (!section_within(rrs, n, tab, cap, max_rrs, max_bytes))
			return false;
	}
	return true;
}

/* Pack the matching records of @rrs (stride @stride bytes, dns_rr_t first). */
static unsigned pack(const void *rrs, size_t n, size_t stride, const uint8_t *owner,
                     uint16_t type, uint16_t covered, res_arena_t *a, dns_rrset_t *out)
{
	*out = (dns_rrset_t){.type = type};
	size_t total = 0;
	unsigned count = 0;
	for (size_t i = 0; i < n; i++) {
		const dns_rr_t *rr = (const dns_rr_t *)((const uint8_t *)rrs + i * stride);
		if (rr_matches(rr, owner, type, covered))
			total += 2u + rr->rdlen, count++;
	}
	if (!count || count > 0xFFFF)
		return 0;
	uint8_t *buf = res_arena_alloc(a, total);
	if (!buf)
		return 0;
	uint8_t *p = buf;
	uint32_t ttl = UINT32_MAX;
	count = 0;
	for (size_t i = 0; i < n; i++) {
		const dns_rr_t *rr = (const dns_rr_t *)((const uint8_t *)rrs + i * stride);
		if (!rr_matches(rr, owner, type, covered))
			continue;
		bool dup = false;
		for (const uint8_t *q = buf; q < p && !dup; q += 2 + dns_get16(q))
			dup = dns_get16(q) == rr->rdlen && memcmp(q + 2, rr->rdata, rr->rdlen) == 0;
		if (dup)
			continue;
		dns_put16(p, rr->rdlen);
		memcpy(p + 2, rr->rdata, rr->rdlen);
		p += 2 + rr->rdlen;
		if (rr->ttl < ttl)
			ttl = rr->ttl;
		count++;
	}
	out->count = (uint16_t)count;
	out->ttl = ttl & 0x7FFFFFFF; /* RFC 2181 §8: above 2^31-1 reads as 0; be lenient */
	out->size = (uint32_t)(p - buf);
	out->data = buf;
	return count;
}

unsigned res_msg_rrset(const dns_msg_t *m, int sec, const uint8_t *owner, uint16_t type,
                       uint16_t covered, res_arena_t *a, dns_rrset_t *out)
{
	size_t n;
	const dns_msg_rr_t *rrs = dns_msg_section(m, sec, &n);
	return pack(rrs, n, sizeof *rrs, owner, type, covered, a, out);
}

dns_err_t res_rrlist_add(res_rrlist_t *l, const dns_rr_t *rr)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		dns_rr_t *n = realloc(l->rrs, cap * sizeof *n);
		if (!n)
			return DNS_ENOMEM;
		l->rrs = n;
		l->cap = cap;
	}
	size_t olen = dns_name_length(rr->owner);
	uint8_t *p = res_arena_alloc(&l->arena, olen + rr->rdlen);
	if (!p)
		return DNS_ENOMEM;
	memcpy(p, rr->owner, olen);
	memcpy(p + olen, rr->rdata, rr->rdlen);
	l->rrs[l->n] = *rr;
	l->rrs[l->n].owner = p;
	l->rrs[l->n].rdata = p + olen;
	l->n++;
	return DNS_OK;
}

static bool seen_before(const res_rrlist_t *l, size_t i)
{
	const dns_rr_t *rr = &l->rrs[i];
	uint16_t cov = rr->type == DNS_TYPE_RRSIG && rr->rdlen >= 2 ? dns_get16(rr->rdata) : 0;
	for (size_t j = 0; j < i; j++) {
		const dns_rr_t *o = &l->rrs[j];
		if (!dns_name_equal(o->owner, rr->owner))
			continue;
		if (rr->type == DNS_TYPE_RRSIG) {
			/* with its RRset, or with an earlier RRSIG of the same coverage */
			if (o->type == cov ||
			    (o->type == DNS_TYPE_RRSIG && o->rdlen >= 2 && dns_get16(o->rdata) == cov))
				return true;
		} else if (o->type == rr->type) {
			return true;
		}
	}
	return false;
}

static bool has_type(const res_rrlist_t *l, const uint8_t *owner, uint16_t type)
{
	for (size_t j = 0; j < l->n; j++)
		if (l->rrs[j].type == type && dns_name_equal(l->rrs[j].owner, owner))
			return true;
	return false;
}

dns_err_t res_rrlist_each(res_rrlist_t *l,
                          dns_err_t (*fn)(void *ctx, const uint8_t *owner,
                                          const dns_rrset_t *set, const dns_rrset_t *sigs),
                          void *ctx)
{
	res_arena_t a = {0};
	dns_err_t err = DNS_OK;
	for (size_t i = 0; i < l->n && !err; i++) {
		const dns_rr_t *rr = &l->rrs[i];
		if (seen_before(l, i))
			continue;
		dns_rrset_t set, sigs;
		if (rr->type == DNS_TYPE_RRSIG) {
			uint16_t cov = rr->rdlen >= 2 ? dns_get16(rr->rdata) : 0;
			if (has_type(l, rr->owner, cov))
				continue; /* passed with its RRset */
			pack(l->rrs, l->n, sizeof *l->rrs, rr->owner, DNS_TYPE_RRSIG, cov, &a, &set);
			err = fn(ctx, rr->owner, &set, NULL);
			continue;
		}
		pack(l->rrs, l->n, sizeof *l->rrs, rr->owner, rr->type, 0, &a, &set);
		pack(l->rrs, l->n, sizeof *l->rrs, rr->owner, DNS_TYPE_RRSIG, rr->type, &a, &sigs);
		err = fn(ctx, rr->owner, &set, sigs.count ? &sigs : NULL);
	}
	res_arena_free(&a);
	return err;
}

void res_rrlist_free(res_rrlist_t *l)
{
	free(l->rrs);
	res_arena_free(&l->arena);
	memset(l, 0, sizeof *l);
}
