/*
 * zone_patch.c - a new version of a zone made from the old version and
 * the new contents of a few owners (dns_zone_patch_new, zone.h).
 *
 * The builder has packed the touched owners ("staged" nodes: the owners
 * replaced, and every ancestor of theirs up to the apex, which keep
 * their old records).  Here they are merged into the old node array,
 * which is already in canonical order: unchanged nodes are copied as
 * they are, pointing into the old version's arenas (shared stores).
 * Then names left without records and without descendants go, the
 * inherited flags (NONAUTH, BELOW_DNAME) are recomputed in one pass down
 * the array, WILDCARD on the touched nodes, and the hash table is filled
 * from the stored hashes.  Nothing is re-hashed, sorted or re-packed
 * except the staged owners.
 */
#include <stdlib.h>
#include <string.h>

#include "dns/rrtype.h"
#include "zone_impl.h"

#define NONE UINT32_MAX

/* Shared stores may hold at most this much beyond twice the live data
 * before a patch compacts everything into one arena. */
#define ZONE_DEAD_SLACK ((size_t)8 << 20)

/* A staged node, in canonical order among the others. */
typedef struct tnode {
	const uint8_t *name;
	uint32_t bi;       /* index in the staged array (builder order) */
	uint32_t old;      /* index in the old version, NONE for a new name */
	uint32_t at;       /* old index it stands at (old) or before (new) */
	uint32_t newbefore, delbefore; /* new / deleted staged nodes before this one */
	uint8_t next_lbl;  /* labels of the next surviving node, 0 at the end */
	bool deleted;
} tnode_t;

typedef struct patch {
	dns_zone_t *z;            /* the new version; z->nodes holds the staged nodes */
	const dns_zone_t *old;
	const dns_node_t *staged;
	const uint8_t *replace;
	tnode_t *t;
	size_t nt, nnew, ndel;
} patch_t;

static int tnode_cmp(const void *a, const void *b)
{
	return dns_name_compare(((const tnode_t *)a)->name, ((const tnode_t *)b)->name);
}

/* Index of the first old node not below @name in canonical order. */
static uint32_t old_lower(const dns_zone_t *old, const uint8_t *name)
{
	size_t lo = 0, hi = old->nnodes;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (dns_name_compare(old->nodes[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (uint32_t)lo;
}

/* Where each staged node stands in the old version. */
static dns_err_t place(patch_t *p)
{
	p->t = malloc((p->nt ? p->nt : 1) * sizeof(*p->t));
	if (!p->t)
		return DNS_ENOMEM;
	for (size_t i = 0; i < p->nt; i++)
		p->t[i] = (tnode_t){ .name = p->staged[i].name, .bi = (uint32_t)i };
	qsort(p->t, p->nt, sizeof(*p->t), tnode_cmp);
	for (size_t k = 0; k < p->nt; k++) {
		tnode_t *t = &p->t[k];
		const dns_node_t *n = dns_zone_find(p->old, t->name);
		t->old = n ? (uint32_t)(n - p->old->nodes) : NONE;
		t->at = n ? t->old : old_lower(p->old, t->name);
		t->newbefore = (uint32_t)p->nnew;
		p->nnew += !n;
	}
	return DNS_OK;
}

/* The node a staged node becomes (before the inherited flags). */
static dns_node_t staged_node(const patch_t *p, const tnode_t *t)
{
	if (t->old != NONE && !p->replace[t->bi])
		return p->old->nodes[t->old]; /* an ancestor that keeps its records */
	dns_node_t n = p->staged[t->bi];
	if (t->old != NONE)
		n.name = p->old->nodes[t->old].name; /* the name as first written */
	unsigned apex = n.nlabels == p->z->origin_labels;
	n.flags = apex ? DNS_NODE_APEX : 0;
	if (n.nrrsets == 0)
		n.flags |= DNS_NODE_ENT;
	if (dns_node_rrset(&n, DNS_TYPE_DNAME))
		n.flags |= DNS_NODE_DNAME;
	if (!apex && dns_node_rrset(&n, DNS_TYPE_NS))
		n.flags |= DNS_NODE_DELEGATION;
	return n;
}

/*
 * A name without records stays only as the parent of another: it goes
 * when the next surviving node in canonical order is not below it.  Only
 * staged nodes can lose their records or their descendants; going back
 * from the end settles descendants before their ancestors.
 */
static void drop_empty(patch_t *p)
{
	for (size_t k = p->nt; k-- > 0;) {
		tnode_t *t = &p->t[k];
		dns_node_t n = staged_node(p, t);
		uint32_t after = t->old != NONE ? t->at + 1 : t->at; /* next old node */
		uint8_t nl;
		if (k + 1 < p->nt && p->t[k + 1].at == after) {
			/* the next staged node is old node @after or comes just before it */
			const tnode_t *u = &p->t[k + 1];
			nl = u->deleted ? u->next_lbl : staged_node(p, u).nlabels;
		} else {
			nl = after < p->old->nnodes ? p->old->nodes[after].nlabels : 0;
		}
		t->deleted = n.nrrsets == 0 && nl <= n.nlabels;
		t->next_lbl = t->deleted ? nl : n.nlabels;
	}
	uint32_t del = 0;
	for (size_t k = 0; k < p->nt; k++) {
		p->t[k].delbefore = del;
		del += p->t[k].deleted;
	}
	p->ndel = del;
}

/* An empty zone has no node array at all: copy nothing then (memcpy from
 * NULL is undefined even for zero bytes). */
static void copy_nodes(dns_node_t *dst, const dns_node_t *base, size_t from, size_t n)
{
	if (n)
		memcpy(dst, base + from, n * sizeof(*dst));
}

/* The new array: old runs copied, staged nodes put in between. */
static dns_node_t *merge(const patch_t *p, size_t *count)
{
	size_t n = p->old->nnodes + p->nnew - p->ndel;
	dns_node_t *out = malloc((n ? n : 1) * sizeof(*out));
	if (!out)
		return NULL;
	size_t o = 0, i = 0;
	for (size_t k = 0; k < p->nt; k++) {
		const tnode_t *t = &p->t[k];
		copy_nodes(out + o, p->old->nodes, i, t->at - i);
		o += t->at - i;
		i = t->old != NONE ? t->at + 1u : t->at;
		if (!t->deleted)
			out[o++] = staged_node(p, t);
	}
	copy_nodes(out + o, p->old->nodes, i, p->old->nnodes - i);
	*count = o + p->old->nnodes - i;
	return out;
}

/* NONAUTH and BELOW_DNAME come from the parent, which precedes its children. */
static void inherit_flags(dns_zone_t *z)
{
	uint8_t anc[DNS_NAME_LABELS_MAX + 2] = {0};
	unsigned olabels = z->origin_labels;
	for (size_t i = 0; i < z->nnodes; i++) {
		dns_node_t *n = &z->nodes[i];
		unsigned f = n->flags & ~(unsigned)(DNS_NODE_NONAUTH | DNS_NODE_BELOW_DNAME);
		if (n->nlabels > olabels) {
			unsigned pf = anc[n->nlabels - 1];
			if (pf & (DNS_NODE_DELEGATION | DNS_NODE_NONAUTH))
				f |= DNS_NODE_NONAUTH;
			if (pf & (DNS_NODE_DNAME | DNS_NODE_BELOW_DNAME))
				f |= DNS_NODE_BELOW_DNAME;
		}
		n->flags = (uint8_t)f;
		anc[n->nlabels] = (uint8_t)f;
	}
}

/* Index in the new array of staged node @k. */
static uint32_t tnode_pos(const tnode_t *t)
{
	return t->at + t->newbefore - t->delbefore;
}

/* Index in the new array of old node @i, or NONE when it was replaced. */
static uint32_t old_pos(const patch_t *p, uint32_t i)
{
	/* staged nodes before it: those at a smaller old index, and new names at i */
	size_t lo = 0, hi = p->nt;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const tnode_t *t = &p->t[mid];
		if (t->at < i || (t->at == i && t->old == NONE))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < p->nt && p->t[lo].old == i)
		return p->replace[p->t[lo].bi] ? NONE : tnode_pos(&p->t[lo]);
	uint32_t nb = lo < p->nt ? p->t[lo].newbefore : (uint32_t)p->nnew;
	uint32_t db = lo < p->nt ? p->t[lo].delbefore : (uint32_t)p->ndel;
	return i + nb - db;
}

static dns_err_t fix_wildcards(patch_t *p)
{
	for (size_t k = 0; k < p->nt; k++) {
		const tnode_t *t = &p->t[k];
		if (t->deleted)
			continue;
		dns_node_t *n = &p->z->nodes[tnode_pos(t)];
		uint8_t name[DNS_NAME_MAX + 2] = {1, '*'};
		size_t len = dns_name_copy(name + 2, n->name);
		bool wild = len + 2 <= DNS_NAME_MAX && dns_zone_find(p->z, name);
		n->flags = (uint8_t)(wild ? n->flags | DNS_NODE_WILDCARD
		                          : n->flags & ~(unsigned)DNS_NODE_WILDCARD);
	}
	return DNS_OK;
}

/* The TTL mismatch marks: the old ones of nodes kept, the staged ones. */
static dns_err_t merge_mismatches(patch_t *p)
{
	dns_zone_t *z = p->z;
	const dns_zone_t *old = p->old;
	size_t cap = old->nmismatch + z->nmismatch;
	zone_ttl_mismatch_t *m = malloc((cap ? cap : 1) * sizeof(*m));
	uint32_t *bi_to_k = malloc((p->nt ? p->nt : 1) * sizeof(*bi_to_k));
	if (!m || !bi_to_k) {
		free(m);
		free(bi_to_k);
		return DNS_ENOMEM;
	}
	for (size_t k = 0; k < p->nt; k++)
		bi_to_k[p->t[k].bi] = (uint32_t)k;
	size_t n = 0;
	for (size_t i = 0; i < old->nmismatch; i++) {
		uint32_t at = old_pos(p, old->mismatch[i].node);
		if (at != NONE)
			m[n++] = (zone_ttl_mismatch_t){ at, old->mismatch[i].type };
	}
	for (size_t i = 0; i < z->nmismatch; i++)
		m[n++] = (zone_ttl_mismatch_t){ tnode_pos(&p->t[bi_to_k[z->mismatch[i].node]]),
		                                z->mismatch[i].type };
	free(bi_to_k);
	free(z->mismatch);
	z->mismatch = m;
	z->nmismatch = n;
	return DNS_OK;
}

/* Arena bytes an old node's records use. */
static size_t node_bytes(const dns_node_t *n)
{
	size_t b = n->nrrsets * sizeof(dns_rrset_t);
	for (size_t i = 0; i < n->nrrsets; i++)
		b += n->rrsets[i].size;
	return b;
}

/* Copy every node's name and records into one fresh arena. */
static dns_err_t compact(dns_zone_t *z, zone_arena_t *a)
{
	for (size_t i = 0; i < z->nnodes; i++) {
		dns_node_t *n = &z->nodes[i];
		size_t len = dns_name_length(n->name);
		uint8_t *name = zone_arena_alloc(a, len, 1);
		dns_rrset_t *sets = NULL;
		if (n->nrrsets && !(sets = zone_arena_alloc(a, n->nrrsets * sizeof(*sets), 8)))
			return DNS_ENOMEM;
		if (!name)
			return DNS_ENOMEM;
		memcpy(name, n->name, len);
		for (size_t k = 0; k < n->nrrsets; k++) {
			sets[k] = n->rrsets[k];
			uint8_t *d = sets[k].size ? zone_arena_alloc(a, sets[k].size, 1) : NULL;
			if (sets[k].size && !d)
				return DNS_ENOMEM;
			if (d)
				memcpy(d, n->rrsets[k].data, sets[k].size);
			sets[k].data = d;
		}
		n->name = name;
		n->rrsets = sets;
	}
	return DNS_OK;
}

/*
 * The new version's memory: its own arena plus the old version's stores,
 * or, when that makes too many stores or too much dead data, one
 * compacted arena.  Last step: nothing can fail after it.
 */
static dns_err_t set_stores(patch_t *p, size_t dead)
{
	dns_zone_t *z = p->z;
	const dns_zone_t *old = p->old;
	size_t held = z->arena.total, live = z->arena.total + (old->live > dead ? old->live - dead : 0);
	for (unsigned i = 0; i < old->nstores; i++)
		held += old->stores[i]->arena.total;
	zone_store_t *st = malloc(sizeof(*st));
	if (!st)
		return DNS_ENOMEM;
	atomic_init(&st->refs, 1);
	st->arena = (zone_arena_t){0};
	if (old->nstores + 1 > ZONE_STORES_MAX || held > 2 * live + ZONE_DEAD_SLACK) {
		dns_err_t err = compact(z, &st->arena);
		if (err) {
			zone_arena_free(&st->arena);
			free(st);
			return err;
		}
		zone_arena_free(&z->arena);
		z->stores[0] = st;
		z->nstores = 1;
		z->live = st->arena.total;
		return DNS_OK;
	}
	st->arena = z->arena;
	z->arena = (zone_arena_t){0};
	z->stores[0] = st;
	z->nstores = 1;
	for (unsigned i = 0; i < old->nstores; i++) {
		atomic_fetch_add_explicit(&old->stores[i]->refs, 1, memory_order_relaxed);
		z->stores[z->nstores++] = old->stores[i];
	}
	z->live = live;
	return DNS_OK;
}

dns_err_t zone_patch_merge(dns_zone_t *z, const dns_zone_t *old, const uint8_t *replace)
{
	patch_t p = { .z = z, .old = old, .staged = z->nodes, .replace = replace,
	              .nt = z->nnodes };
	dns_err_t err = place(&p);
	if (err)
		return err;
	drop_empty(&p);
	/* the records of replaced old nodes are gone */
	size_t rr = old->rr_count, dead = 0;
	for (size_t k = 0; k < p.nt; k++) {
		const tnode_t *t = &p.t[k];
		if (t->old == NONE || !replace[t->bi])
			continue;
		const dns_node_t *on = &old->nodes[t->old];
		for (size_t i = 0; i < on->nrrsets; i++)
			rr -= on->rrsets[i].count;
		dead += node_bytes(on);
	}
	size_t count;
	dns_node_t *nodes = merge(&p, &count);
	if (!nodes) {
		free(p.t);
		return DNS_ENOMEM;
	}
	err = merge_mismatches(&p);
	/* the staged array goes; z->nodes is what finish frees on error */
	free(z->nodes);
	z->nodes = nodes;
	z->nnodes = count;
	z->rr_count += rr;
	if (!err) {
		inherit_flags(z);
		err = zone_table_build(z);
	}
	if (!err)
		err = fix_wildcards(&p);
	if (!err)
		err = set_stores(&p, dead);
	free(p.t);
	return err;
}
