/*
 * cache.c - ranked RRset cache, negative cache and LRU bound (cache.h).
 *
 * One hash table of entries keyed by (lower-cased owner, type); a
 * positive RRset and a negative entry for the same key share the slot
 * (newer data of sufficient rank replaces older).  "The name does not
 * exist" is the key (owner, RES_TYPE_NXDOMAIN).  Every entry is one
 * allocation holding its owner and data, on an LRU list; the byte count
 * includes the entry headers and the bucket array, so the bound is what
 * the process really holds (but for malloc's own overhead).
 */
#include <stdlib.h>
#include <string.h>

#include "dns/name.h"
#include "resolver/cache.h"

typedef struct centry {
	struct centry *hnext;
	struct centry *lprev, *lnext;   /* LRU: head is the most recent */
	uint32_t hash;
	uint16_t type;
	uint8_t neg;
	uint8_t rank;
	uint64_t expire;                /* ms */
	size_t bytes;
	const uint8_t *soa_owner;       /* negative only, or NULL */
	const uint8_t *proof;           /* negative only: NSEC/NSEC3 proof, or NULL */
	size_t proof_len;
	dns_rrset_t set;                /* positive: data; negative: SOA */
	dns_rrset_t sigs;
	uint8_t owner[];                /* lower-cased owner, then the data */
} centry_t;

struct res_cache {
	res_cache_config_t cfg;
	centry_t **buckets;
	size_t nbuckets;                /* power of two */
	size_t entries;
	size_t bytes;
	uint64_t evictions;
	centry_t *lru_head, *lru_tail;
};

res_cache_t *res_cache_new(const res_cache_config_t *cfg)
{
	res_cache_t *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	if (cfg)
		c->cfg = *cfg;
	if (!c->cfg.max_bytes)
		c->cfg.max_bytes = 64u << 20;
	if (!c->cfg.max_ttl)
		c->cfg.max_ttl = 86400;
	if (!c->cfg.neg_max_ttl)
		c->cfg.neg_max_ttl = 3600;
	c->nbuckets = 1024;
	c->buckets = calloc(c->nbuckets, sizeof *c->buckets);
	if (!c->buckets) {
		free(c);
		return NULL;
	}
	c->bytes = c->nbuckets * sizeof *c->buckets;
	return c;
}

void res_cache_free(res_cache_t *c)
{
	if (!c)
		return;
	centry_t *e = c->lru_head;
	while (e) {
		centry_t *n = e->lnext;
		free(e);
		e = n;
	}
	free(c->buckets);
	free(c);
}

static uint32_t key_hash(const uint8_t *owner, uint16_t type)
{
	return dns_name_hash(owner) ^ ((uint32_t)type * 0x9E3779B1u);
}

static void lru_unlink(res_cache_t *c, centry_t *e)
{
	if (e->lprev)
		e->lprev->lnext = e->lnext;
	else
		c->lru_head = e->lnext;
	if (e->lnext)
		e->lnext->lprev = e->lprev;
	else
		c->lru_tail = e->lprev;
	e->lprev = e->lnext = NULL;
}

static void lru_push(res_cache_t *c, centry_t *e)
{
	e->lprev = NULL;
	e->lnext = c->lru_head;
	if (c->lru_head)
		c->lru_head->lprev = e;
	c->lru_head = e;
	if (!c->lru_tail)
		c->lru_tail = e;
}

static centry_t **find_slot(res_cache_t *c, const uint8_t *owner, uint16_t type, uint32_t h)
{
	centry_t **p = &c->buckets[h & (c->nbuckets - 1)];
	for (; *p; p = &(*p)->hnext)
		if ((*p)->hash == h && (*p)->type == type && dns_name_equal((*p)->owner, owner))
			return p;
	return p;
}

static void entry_remove(res_cache_t *c, centry_t **slot)
{
	centry_t *e = *slot;
	*slot = e->hnext;
	lru_unlink(c, e);
	c->entries--;
	c->bytes -= e->bytes;
	free(e);
}

static void grow(res_cache_t *c)
{
	size_t n = c->nbuckets * 2;
	centry_t **b = calloc(n, sizeof *b);
	if (!b)
		return; /* longer chains, still correct */
	for (size_t i = 0; i < c->nbuckets; i++) {
		centry_t *e = c->buckets[i];
		while (e) {
			centry_t *next = e->hnext;
			e->hnext = b[e->hash & (n - 1)];
			b[e->hash & (n - 1)] = e;
			e = next;
		}
	}
	free(c->buckets);
	c->bytes += (n - c->nbuckets) * sizeof *b;
	c->buckets = b;
	c->nbuckets = n;
}

static void evict(res_cache_t *c, const centry_t *keep)
{
	while (c->bytes > c->cfg.max_bytes && c->lru_tail && c->lru_tail != keep) {
		centry_t *e = c->lru_tail;
		centry_t **slot = find_slot(c, e->owner, e->type, e->hash);
		if (*slot != e)
			break; /* cannot happen: every listed entry is in the table */
		entry_remove(c, slot);
		c->evictions++;
	}
}

static uint32_t cap_ttl(const res_cache_t *c, uint32_t ttl, bool neg)
{
	uint32_t max = neg ? c->cfg.neg_max_ttl : c->cfg.max_ttl;
	if (ttl > max)
		ttl = max;
	if (ttl < c->cfg.min_ttl)
		ttl = c->cfg.min_ttl;
	return ttl;
}

/* Whether new data of @rank may replace what the slot holds. */
static bool may_replace(const centry_t *old, uint64_t now, res_rank_t rank)
{
	return !old || old->expire <= now || rank >= old->rank;
}

/* Allocate and link an entry; the caller fills the data area. */
static centry_t *entry_insert(res_cache_t *c, centry_t **slot, const uint8_t *owner,
                              uint16_t type, uint32_t h, size_t extra)
{
	size_t olen = dns_name_length(owner);
	centry_t *e = malloc(sizeof *e + olen + extra);
	if (!e)
		return NULL;
	memset(e, 0, sizeof *e);
	memcpy(e->owner, owner, olen);
	dns_name_lower(e->owner);
	e->hash = h;
	e->type = type;
	e->bytes = sizeof *e + olen + extra;
	if (*slot)
		entry_remove(c, slot);
	slot = &c->buckets[h & (c->nbuckets - 1)];
	e->hnext = *slot;
	*slot = e;
	lru_push(c, e);
	c->entries++;
	c->bytes += e->bytes;
	return e;
}

static uint8_t *copy_set(dns_rrset_t *dst, const dns_rrset_t *src, uint8_t *p, uint32_t ttl)
{
	*dst = (dns_rrset_t){0};
	if (!src || !src->count)
		return p;
	*dst = *src;
	dst->ttl = ttl;
	memcpy(p, src->data, src->size);
	dst->data = p;
	return p + src->size;
}

dns_err_t res_cache_put(res_cache_t *c, uint64_t now, const uint8_t *owner,
                        const dns_rrset_t *set, const dns_rrset_t *sigs, res_rank_t rank)
{
	if (!set || !set->count || set->type == RES_TYPE_NXDOMAIN)
		return DNS_EINVAL;
	uint32_t ttl = cap_ttl(c, set->ttl, false);
	if (ttl == 0)
		return DNS_OK; /* TTL 0: usable for this answer only (RFC 1035 §3.2.1) */
	if (c->entries >= c->nbuckets)
		grow(c);
	uint32_t h = key_hash(owner, set->type);
	centry_t **slot = find_slot(c, owner, set->type, h);
	if (!may_replace(*slot, now, rank))
		return DNS_EEXIST;
	size_t extra = set->size + (sigs ? sigs->size : 0);
	centry_t *e = entry_insert(c, slot, owner, set->type, h, extra);
	if (!e)
		return DNS_ENOMEM;
	uint8_t *p = e->owner + dns_name_length(e->owner);
	p = copy_set(&e->set, set, p, ttl);
	copy_set(&e->sigs, sigs, p, ttl);
	e->rank = (uint8_t)rank;
	e->expire = now + (uint64_t)ttl * 1000;
	/* Data for the name ends an NXDOMAIN claim about it. */
	centry_t **nx = find_slot(c, owner, RES_TYPE_NXDOMAIN, key_hash(owner, RES_TYPE_NXDOMAIN));
	if (*nx)
		entry_remove(c, nx);
	evict(c, e);
	return DNS_OK;
}

dns_err_t res_cache_put_neg(res_cache_t *c, uint64_t now, const uint8_t *owner, uint16_t type,
                            uint32_t ttl, const uint8_t *soa_owner, const dns_rrset_t *soa,
                            const dns_rrset_t *soa_sigs, res_rank_t rank)
{
	return res_cache_put_neg_proof(c, now, owner, type, ttl, soa_owner, soa, soa_sigs, rank,
	                               NULL, 0);
}

dns_err_t res_cache_put_neg_proof(res_cache_t *c, uint64_t now, const uint8_t *owner,
                                  uint16_t type, uint32_t ttl, const uint8_t *soa_owner,
                                  const dns_rrset_t *soa, const dns_rrset_t *soa_sigs,
                                  res_rank_t rank, const uint8_t *proof, size_t proof_len)
{
	ttl = cap_ttl(c, ttl, true);
	if (ttl == 0)
		return DNS_OK;
	if (c->entries >= c->nbuckets)
		grow(c);
	uint32_t h = key_hash(owner, type);
	centry_t **slot = find_slot(c, owner, type, h);
	if (!may_replace(*slot, now, rank))
		return DNS_EEXIST;
	size_t solen = soa_owner && soa ? dns_name_length(soa_owner) : 0;
	if (!proof)
		proof_len = 0;
	size_t extra = solen + (solen ? soa->size : 0) + (solen && soa_sigs ? soa_sigs->size : 0) +
	               proof_len;
	centry_t *e = entry_insert(c, slot, owner, type, h, extra);
	if (!e)
		return DNS_ENOMEM;
	uint8_t *p = e->owner + dns_name_length(e->owner);
	if (proof_len) {
		memcpy(p, proof, proof_len);
		e->proof = p;
		e->proof_len = proof_len;
		p += proof_len;
	}
	if (solen) {
		memcpy(p, soa_owner, solen);
		e->soa_owner = p;
		p = copy_set(&e->set, soa, p + solen, ttl);
		copy_set(&e->sigs, soa_sigs, p, ttl);
	}
	e->neg = 1;
	e->rank = (uint8_t)rank;
	e->expire = now + (uint64_t)ttl * 1000;
	evict(c, e);
	return DNS_OK;
}

static void fill_hit(const centry_t *e, uint64_t now, res_cache_hit_t *hit)
{
	hit->rank = (res_rank_t)e->rank;
	hit->ttl = e->expire > now ? (uint32_t)((e->expire - now) / 1000) : 0;
	hit->negative = e->neg;
	hit->owner = e->neg ? e->soa_owner : e->owner;
	hit->orig_ttl = e->set.ttl;
	hit->proof = e->neg ? e->proof : NULL;
	hit->proof_len = e->neg ? e->proof_len : 0;
	hit->rrset = e->set;
	hit->rrset.ttl = hit->ttl;
	hit->sigs = e->sigs;
	hit->sigs.ttl = hit->ttl;
}

/* The live entry at the key (with @stale, one expired less than the stale
 * window ago, too), or NULL; entries past that window are freed on sight. */
static centry_t *lookup_at(res_cache_t *c, uint64_t now, const uint8_t *owner, uint16_t type,
                           bool stale)
{
	centry_t **slot = find_slot(c, owner, type, key_hash(owner, type));
	if (!*slot)
		return NULL;
	if ((*slot)->expire <= now) {
		if ((*slot)->expire + (uint64_t)c->cfg.stale_s * 1000 <= now) {
			entry_remove(c, slot);
			return NULL;
		}
		if (!stale)
			return NULL;
	}
	centry_t *e = *slot;
	if (c->lru_head != e) {
		lru_unlink(c, e);
		lru_push(c, e);
	}
	return e;
}

static centry_t *lookup(res_cache_t *c, uint64_t now, const uint8_t *owner, uint16_t type)
{
	return lookup_at(c, now, owner, type, false);
}

bool res_cache_get_stale(res_cache_t *c, uint64_t now, const uint8_t *owner, uint16_t type,
                         res_cache_hit_t *hit)
{
	centry_t *e = lookup_at(c, now, owner, type, true);
	if (!e || e->neg)
		return false;
	fill_hit(e, now, hit);
	return true;
}

bool res_cache_get(res_cache_t *c, uint64_t now, const uint8_t *owner, uint16_t type,
                   res_cache_hit_t *hit)
{
	centry_t *e = lookup(c, now, owner, type);
	if (!e || e->neg)
		return false;
	fill_hit(e, now, hit);
	return true;
}

bool res_cache_get_neg(res_cache_t *c, uint64_t now, const uint8_t *owner, uint16_t type,
                       res_cache_hit_t *hit, uint16_t *neg_kind)
{
	centry_t *e = lookup(c, now, owner, type);
	if (e && e->neg) {
		fill_hit(e, now, hit);
		*neg_kind = type;
		return true;
	}
	/* RFC 8020: below a name that does not exist, nothing exists. */
	for (const uint8_t *n = owner; n; n = dns_name_parent(n)) {
		e = lookup(c, now, n, RES_TYPE_NXDOMAIN);
		if (e) {
			fill_hit(e, now, hit);
			*neg_kind = RES_TYPE_NXDOMAIN;
			return true;
		}
	}
	return false;
}

bool res_cache_get_neg_at(res_cache_t *c, uint64_t now, const uint8_t *owner, uint16_t type,
                          res_cache_hit_t *hit)
{
	centry_t *e = lookup(c, now, owner, type);
	if (!e || !e->neg)
		return false;
	fill_hit(e, now, hit);
	return true;
}

void res_cache_remove(res_cache_t *c, const uint8_t *owner, uint16_t type)
{
	centry_t **slot = find_slot(c, owner, type, key_hash(owner, type));
	if (*slot)
		entry_remove(c, slot);
}

void res_cache_stats(const res_cache_t *c, res_cache_stats_t *st)
{
	st->entries = c->entries;
	st->bytes = c->bytes;
	st->evictions = c->evictions;
}
