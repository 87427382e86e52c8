/*
 * zone_build.c - building an immutable zone from records.
 *
 * Records are staged as they come (one owner name interned per node, the
 * rdata copied into a scratch arena); finish() then adds the empty
 * non-terminals, sorts the nodes canonically through precomputed byte
 * keys (memcmp order == RFC 4034 §6.1 order), packs each node's RRsets in
 * the rrset.h format and marks cuts, occluded data and wildcards.
 */
#include <stdlib.h>
#include <string.h>

#include "dns/rrtype.h"
#include "zone_impl.h"

#define NONE UINT32_MAX

/* 24 bytes: the hash lives in the table, the record list is in any order
 * (pack_node sorts it, ties broken by insertion index). */
typedef struct bnode {
	const uint8_t *name;
	uint32_t first;       /* latest record; the list runs back through brec.next */
	uint32_t parent;      /* builder index of the parent node (NONE for the apex) */
	uint8_t nlabels;
	uint8_t replace;      /* patch mode: the old node's records are replaced */
} bnode_t;

typedef struct brec {
	const uint8_t *rdata;
	uint32_t next;
	uint32_t ttl;
	uint16_t type;
	uint16_t rdlen;
} brec_t;

struct dns_zone_builder {
	dns_zone_t *z;     /* receives the interned names in its arena */
	zone_arena_t tmp;  /* staged rdata and sort keys, freed by finish */
	bnode_t *nodes;
	size_t nnodes, nodes_cap;
	uint64_t *table;   /* hash << 32 | (node index + 1); 0 = empty.  The hash beside
	                      the index spares a cache miss on the node per probe. */
	uint32_t mask;
	brec_t *recs;
	size_t nrecs, recs_cap;
	uint32_t last;     /* node of the previous record: zone files group owners */
	const dns_zone_t *old; /* patch mode: the version being patched */
};

/* ---- arena ---- */

void *zone_arena_alloc(zone_arena_t *a, size_t n, size_t align)
{
	zone_block_t *b = a->head;
	if (b) {
		size_t off = (b->used + align - 1) & ~(align - 1);
		if (off + n <= b->cap) {
			b->used = off + n;
			return b->data + off;
		}
	}
	size_t cap = n > ZONE_ARENA_BLOCK / 4 ? n : ZONE_ARENA_BLOCK - sizeof(*b);
	b = malloc(sizeof(*b) + cap);
	if (!b)
		return NULL;
	b->cap = cap;
	b->used = n;
	if (a->head && n > ZONE_ARENA_BLOCK / 4) {
		/* a big item gets its own block behind the current one, which keeps filling */
		b->next = a->head->next;
		a->head->next = b;
	} else {
		b->next = a->head;
		a->head = b;
	}
	a->total += sizeof(*b) + cap;
	return b->data;
}

void zone_arena_free(zone_arena_t *a)
{
	zone_block_t *b = a->head;
	while (b) {
		zone_block_t *next = b->next;
		free(b);
		b = next;
	}
	a->head = NULL;
	a->total = 0;
}

/* ---- builder ---- */

dns_zone_builder_t *dns_zone_builder_new(const uint8_t *origin, uint16_t rclass)
{
	dns_zone_builder_t *b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->z = calloc(1, sizeof(*b->z));
	b->mask = 1023;
	b->table = calloc(b->mask + 1, sizeof(*b->table));
	if (!b->z || !b->table) {
		free(b->table);
		free(b->z);
		free(b);
		return NULL;
	}
	atomic_init(&b->z->refs, 1);
	b->z->rclass = rclass;
	dns_name_copy(b->z->origin, origin);
	b->z->origin_labels = dns_name_label_count(origin);
	b->last = NONE;
	return b;
}

void dns_zone_builder_free(dns_zone_builder_t *b)
{
	if (!b)
		return;
	zone_arena_free(&b->tmp);
	if (b->z) {
		zone_arena_free(&b->z->arena);
		free(b->z);
	}
	free(b->nodes);
	free(b->table);
	free(b->recs);
	free(b);
}

static uint32_t bfind(const dns_zone_builder_t *b, const uint8_t *name, uint32_t hash)
{
	for (uint32_t i = hash & b->mask;; i = (i + 1) & b->mask) {
		uint64_t v = b->table[i];
		if (v == 0)
			return NONE;
		uint32_t idx = (uint32_t)v - 1;
		if ((uint32_t)(v >> 32) == hash && dns_name_equal(b->nodes[idx].name, name))
			return idx;
	}
}

static void binsert64(uint64_t *table, uint32_t mask, uint32_t hash, uint32_t idx)
{
	uint32_t i = hash & mask;
	while (table[i])
		i = (i + 1) & mask;
	table[i] = (uint64_t)hash << 32 | (idx + 1u);
}

/* Add a node for @name, which must stay valid (interned or a suffix of one). */
static uint32_t badd_node(dns_zone_builder_t *b, const uint8_t *name, uint32_t hash,
                          unsigned nlabels)
{
	if (b->nnodes >= UINT32_MAX / 4)
		return NONE;
	if (b->nnodes == b->nodes_cap) {
		size_t cap = b->nodes_cap ? b->nodes_cap * 2 : 1024;
		bnode_t *n = realloc(b->nodes, cap * sizeof(*n));
		if (!n)
			return NONE;
		b->nodes = n;
		b->nodes_cap = cap;
	}
	if ((b->nnodes + 1) * 2 > (size_t)b->mask + 1) {
		uint32_t mask = b->mask * 2 + 1;
		uint64_t *t = calloc((size_t)mask + 1, sizeof(*t));
		if (!t)
			return NONE;
		for (size_t i = 0; i <= b->mask; i++)
			if (b->table[i])
				binsert64(t, mask, (uint32_t)(b->table[i] >> 32), (uint32_t)b->table[i] - 1);
		free(b->table);
		b->table = t;
		b->mask = mask;
	}
	uint32_t idx = (uint32_t)b->nnodes++;
	b->nodes[idx] = (bnode_t){name, NONE, NONE, (uint8_t)nlabels, 0};
	binsert64(b->table, b->mask, hash, idx);
	return idx;
}

/* Types that only exist in questions or transactions (RFC 6895 §3.1). */
static bool is_meta(uint16_t type)
{
	return type == 0 || type == DNS_TYPE_OPT || (type >= 128 && type <= 255);
}

/* A node for @owner, not yet known: it must be in the zone. */
static uint32_t owner_new(dns_zone_builder_t *b, const uint8_t *owner, size_t len, uint32_t hash,
                          dns_err_t *err)
{
	unsigned labels = dns_name_label_count(owner);
	if (labels < b->z->origin_labels ||
	    !dns_name_equal(dns_name_skip_labels(owner, labels - b->z->origin_labels),
	                    b->z->origin)) {
		*err = DNS_EZONE;
		return NONE;
	}
	uint8_t *name = zone_arena_alloc(&b->z->arena, len, 1);
	if (!name)
		return NONE;
	memcpy(name, owner, len);
	return badd_node(b, name, hash, labels);
}

static uint32_t owner_node(dns_zone_builder_t *b, const uint8_t *owner, dns_err_t *err)
{
	if (b->last != NONE && dns_name_equal(b->nodes[b->last].name, owner))
		return b->last;
	size_t len = dns_name_length(owner);
	uint32_t hash = zone_hash_len(owner, len);
	uint32_t idx = bfind(b, owner, hash);
	if (idx != NONE)
		return idx;
	idx = owner_new(b, owner, len, hash, err);
	if (idx != NONE)
		b->nodes[idx].replace = b->old != NULL; /* in a patch, a named owner is replaced */
	return idx;
}

dns_err_t dns_zone_builder_add(dns_zone_builder_t *b, const dns_rr_t *rr)
{
	if (rr->rclass != b->z->rclass)
		return DNS_EZONE;
	if (is_meta(rr->type))
		return DNS_EINVAL;
	dns_err_t err = DNS_ENOMEM;
	uint32_t node = owner_node(b, rr->owner, &err);
	if (node == NONE)
		return err;
	b->last = node;
	if (b->nrecs == b->recs_cap) {
		if (b->recs_cap >= UINT32_MAX / 4)
			return DNS_ELIMIT;
		size_t cap = b->recs_cap ? b->recs_cap * 2 : 4096;
		brec_t *r = realloc(b->recs, cap * sizeof(*r));
		if (!r)
			return DNS_ENOMEM;
		b->recs = r;
		b->recs_cap = cap;
	}
	const uint8_t *rdata = NULL;
	if (rr->rdlen) {
		uint8_t *p = zone_arena_alloc(&b->tmp, rr->rdlen, 1);
		if (!p)
			return DNS_ENOMEM;
		memcpy(p, rr->rdata, rr->rdlen);
		rdata = p;
	}
	uint32_t idx = (uint32_t)b->nrecs++;
	bnode_t *n = &b->nodes[node];
	b->recs[idx] = (brec_t){rdata, n->first, rr->ttl, rr->type, rr->rdlen};
	n->first = idx;
	return DNS_OK;
}

dns_zone_builder_t *dns_zone_patch_new(const dns_zone_t *old)
{
	if (!old)
		return NULL;
	dns_zone_builder_t *b = dns_zone_builder_new(old->origin, old->rclass);
	if (b)
		b->old = old;
	return b;
}

dns_err_t dns_zone_patch_replace(dns_zone_builder_t *b, const uint8_t *owner)
{
	if (!b->old)
		return DNS_EINVAL;
	dns_err_t err = DNS_ENOMEM;
	uint32_t node = owner_node(b, owner, &err);
	if (node == NONE)
		return err;
	b->last = node;
	return DNS_OK;
}

/* ---- finish: empty non-terminals ---- */

/* Every node's parent exists up to the apex; new nodes are visited in turn. */
static dns_err_t add_ents(dns_zone_builder_t *b)
{
	unsigned olabels = b->z->origin_labels;
	for (size_t i = 0; i < b->nnodes; i++) {
		if (b->nodes[i].nlabels <= olabels)
			continue;
		const uint8_t *p = dns_name_parent(b->nodes[i].name);
		uint32_t h = zone_hash(p);
		uint32_t j = bfind(b, p, h);
		if (j == NONE) {
			j = badd_node(b, p, h, b->nodes[i].nlabels - 1u);
			if (j == NONE)
				return DNS_ENOMEM;
		}
		b->nodes[i].parent = j;
	}
	return DNS_OK;
}

/* ---- finish: canonical order ---- */

typedef struct skey {
	uint64_t pre;        /* 8 key bytes at the current depth, big-endian, zero padded */
	const uint8_t *key;
	uint32_t len;
	uint32_t idx;
} skey_t;

/*
 * The labels below the origin, rightmost first, lower-cased, each ended
 * by 0x00; bytes 0x00 and 0x01 become 0x01 0x01 and 0x01 0x02 so that no
 * content byte sorts at or below the terminator.  memcmp of two keys then
 * orders the names as RFC 4034 §6.1 does.
 */
static size_t make_key(const uint8_t *name, unsigned labels, uint8_t *out)
{
	const uint8_t *off[DNS_NAME_LABELS_MAX];
	const uint8_t *p = name;
	for (unsigned i = 0; i < labels; i++, p += *p + 1)
		off[i] = p;
	size_t n = 0;
	while (labels--) {
		const uint8_t *l = off[labels];
		for (unsigned i = 1; i <= l[0]; i++) {
			uint8_t c = zone_lower(l[i]);
			if (c <= 1) {
				out[n++] = 1;
				out[n++] = (uint8_t)(c + 1);
			} else {
				out[n++] = c;
			}
		}
		out[n++] = 0;
	}
	return n;
}

static uint64_t key_chunk(const skey_t *k, size_t depth)
{
	uint64_t v = 0;
	for (size_t j = depth; j < depth + 8; j++)
		v = v << 8 | (j < k->len ? k->key[j] : 0);
	return v;
}

static int skey_cmp(const void *va, const void *vb)
{
	const skey_t *a = va, *b = vb;
	uint32_t n = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->key, b->key, n);
	if (c)
		return c;
	return a->len == b->len ? 0 : (a->len < b->len ? -1 : 1);
}

/* LSD radix sort of @n keys by their 8-byte chunk @pre, skipping constant digits. */
static void radix_pass(skey_t *k, skey_t *tmp, size_t n)
{
	size_t count[8][256] = {{0}};
	for (size_t i = 0; i < n; i++)
		for (int d = 0; d < 8; d++)
			count[d][(k[i].pre >> (8 * d)) & 0xff]++;
	skey_t *src = k, *dst = tmp;
	for (int d = 0; d < 8; d++) {
		size_t *c = count[d];
		if (c[(src[0].pre >> (8 * d)) & 0xff] == n)
			continue; /* every key has the same byte here */
		size_t sum = 0;
		for (int v = 0; v < 256; v++) {
			size_t x = c[v];
			c[v] = sum;
			sum += x;
		}
		for (size_t i = 0; i < n; i++)
			dst[c[(src[i].pre >> (8 * d)) & 0xff]++] = src[i];
		skey_t *t = src;
		src = dst;
		dst = t;
	}
	if (src != k)
		memcpy(k, src, n * sizeof(*k));
}

/*
 * Sort 8 key bytes at a time: radix-sort a range by the chunk at @depth,
 * then refine each run of equal chunks by the next 8 bytes.  Small ranges
 * are finished by qsort.  The work list replaces recursion.
 */
typedef struct srange {
	size_t start, n, depth;
} srange_t;

static bool sort_keys(skey_t *k, size_t n)
{
	skey_t *tmp = malloc(n * sizeof(*tmp));
	size_t cap = 64, top = 0;
	srange_t *stack = malloc(cap * sizeof(*stack));
	if (!tmp || !stack) {
		free(tmp);
		free(stack);
		return false;
	}
	stack[top++] = (srange_t){0, n, 0};
	while (top) {
		srange_t r = stack[--top];
		skey_t *a = k + r.start;
		if (r.n <= 32) {
			qsort(a, r.n, sizeof(*a), skey_cmp);
			continue;
		}
		for (size_t i = 0; i < r.n; i++)
			a[i].pre = key_chunk(&a[i], r.depth);
		radix_pass(a, tmp, r.n);
		for (size_t i = 0; i < r.n;) {
			size_t j = i + 1;
			while (j < r.n && a[j].pre == a[i].pre)
				j++;
			/* distinct names have distinct keys of at most 2 * DNS_NAME_MAX bytes */
			if (j - i > 1 && r.depth < 2 * DNS_NAME_MAX) {
				if (top == cap) {
					srange_t *s = realloc(stack, cap * 2 * sizeof(*s));
					if (!s) {
						free(tmp);
						free(stack);
						return false;
					}
					stack = s;
					cap *= 2;
				}
				stack[top++] = (srange_t){r.start + i, j - i, r.depth + 8};
			}
			i = j;
		}
	}
	free(tmp);
	free(stack);
	return true;
}

/* Returns the builder indices in canonical order. */
static uint32_t *sort_nodes(dns_zone_builder_t *b)
{
	skey_t *k = malloc(b->nnodes * sizeof(*k));
	uint32_t *order = malloc(b->nnodes * sizeof(*order));
	zone_arena_t keys = {0};
	if (!k || !order)
		goto fail;
	unsigned olabels = b->z->origin_labels;
	for (size_t i = 0; i < b->nnodes; i++) {
		uint8_t buf[DNS_NAME_MAX * 2];
		size_t len = make_key(b->nodes[i].name, b->nodes[i].nlabels - olabels, buf);
		uint8_t *key = zone_arena_alloc(&keys, len ? len : 1, 1);
		if (!key)
			goto fail;
		memcpy(key, buf, len);
		k[i] = (skey_t){0, key, (uint32_t)len, (uint32_t)i};
	}
	if (!sort_keys(k, b->nnodes))
		goto fail;
	for (size_t i = 0; i < b->nnodes; i++)
		order[i] = k[i].idx;
	free(k);
	zone_arena_free(&keys);
	return order;
fail:
	free(k);
	free(order);
	zone_arena_free(&keys);
	return NULL;
}

/* ---- finish: RRsets ---- */

/* Type, then canonical rdata order (RFC 4034 §6.3), then insertion order. */
static int rec_cmp(const brec_t *a, const brec_t *b)
{
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	unsigned n = a->rdlen < b->rdlen ? a->rdlen : b->rdlen;
	int c = n ? memcmp(a->rdata, b->rdata, n) : 0;
	if (c)
		return c;
	if (a->rdlen != b->rdlen)
		return a->rdlen < b->rdlen ? -1 : 1;
	return a < b ? -1 : (a > b);
}

static int rec_qcmp(const void *a, const void *b)
{
	return rec_cmp(*(const brec_t *const *)a, *(const brec_t *const *)b);
}

static void sort_recs(const brec_t **r, size_t n)
{
	if (n > 16) {
		qsort(r, n, sizeof(*r), rec_qcmp);
		return;
	}
	for (size_t i = 1; i < n; i++) {
		const brec_t *x = r[i];
		size_t j = i;
		for (; j > 0 && rec_cmp(r[j - 1], x) > 0; j--)
			r[j] = r[j - 1];
		r[j] = x;
	}
}

static bool same_rdata(const brec_t *a, const brec_t *b)
{
	return a->rdlen == b->rdlen && (a->rdlen == 0 || !memcmp(a->rdata, b->rdata, a->rdlen));
}

typedef struct scratch {
	const brec_t **r;
	size_t cap;
	zone_ttl_mismatch_t *mm;
	size_t nmm, mmcap;
} scratch_t;

static dns_err_t note_mismatch(scratch_t *s, uint32_t node, uint16_t type)
{
	if (s->nmm == s->mmcap) {
		size_t cap = s->mmcap ? s->mmcap * 2 : 16;
		zone_ttl_mismatch_t *m = realloc(s->mm, cap * sizeof(*m));
		if (!m)
			return DNS_ENOMEM;
		s->mm = m;
		s->mmcap = cap;
	}
	s->mm[s->nmm++] = (zone_ttl_mismatch_t){node, type};
	return DNS_OK;
}

/* Pack the records of builder node @bn into zone node @zi. */
static dns_err_t pack_node(dns_zone_builder_t *b, const bnode_t *bn, uint32_t zi, scratch_t *s)
{
	dns_zone_t *z = b->z;
	dns_node_t *node = &z->nodes[zi];
	size_t n = 0;
	for (uint32_t i = bn->first; i != NONE; i = b->recs[i].next) {
		if (n == s->cap) {
			size_t cap = s->cap ? s->cap * 2 : 64;
			const brec_t **r = realloc(s->r, cap * sizeof(*r));
			if (!r)
				return DNS_ENOMEM;
			s->r = r;
			s->cap = cap;
		}
		s->r[n++] = &b->recs[i];
	}
	if (n == 0)
		return DNS_OK;
	sort_recs(s->r, n);
	/* count RRsets and bytes, after dropping duplicates */
	size_t nsets = 0, bytes = 0;
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || s->r[i]->type != s->r[i - 1]->type)
			nsets++;
		else if (same_rdata(s->r[i], s->r[i - 1]))
			continue;
		bytes += 2u + s->r[i]->rdlen;
	}
	dns_rrset_t *sets = zone_arena_alloc(&z->arena, nsets * sizeof(*sets), 8);
	uint8_t *data = zone_arena_alloc(&z->arena, bytes, 1);
	if (!sets || !data)
		return DNS_ENOMEM;
	node->rrsets = sets;
	node->nrrsets = (uint16_t)nsets;
	size_t k = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i;
		const brec_t *first = s->r[i]; /* the earliest record gives the TTL */
		dns_rrset_t *set = &sets[k++];
		set->type = s->r[i]->type;
		set->data = data;
		set->count = 0;
		size_t size = 0;
		bool mismatch = false;
		for (; j < n && s->r[j]->type == set->type; j++) {
			const brec_t *r = s->r[j];
			if (r < first)
				first = r;
			if (r->ttl != s->r[i]->ttl)
				mismatch = true;
			if (j > i && same_rdata(r, s->r[j - 1]))
				continue;
			if (set->count == UINT16_MAX || size + 2u + r->rdlen > UINT32_MAX)
				return DNS_ELIMIT;
			dns_put16(data, r->rdlen);
			if (r->rdlen)
				memcpy(data + 2, r->rdata, r->rdlen);
			data += 2u + r->rdlen;
			size += 2u + r->rdlen;
			set->count++;
		}
		set->ttl = first->ttl;
		set->size = (uint32_t)size;
		z->rr_count += set->count;
		if (mismatch && note_mismatch(s, zi, set->type) != DNS_OK)
			return DNS_ENOMEM;
		if (set->type == DNS_TYPE_DNAME)
			node->flags |= DNS_NODE_DNAME;
		i = j;
	}
	if (nsets > UINT16_MAX)
		return DNS_ELIMIT;
	return DNS_OK;
}

/* ---- finish: flags and the hash table ---- */

static void mark_flags(dns_zone_t *z, const uint32_t *parent)
{
	for (size_t i = 0; i < z->nnodes; i++) {
		dns_node_t *n = &z->nodes[i];
		if (n->nrrsets == 0)
			n->flags |= DNS_NODE_ENT;
		if (parent[i] == NONE) {
			n->flags |= DNS_NODE_APEX;
			continue;
		}
		/* parents sort before their children, so their flags are final */
		dns_node_t *p = &z->nodes[parent[i]];
		if (p->flags & (DNS_NODE_DELEGATION | DNS_NODE_NONAUTH))
			n->flags |= DNS_NODE_NONAUTH;
		if (p->flags & (DNS_NODE_DNAME | DNS_NODE_BELOW_DNAME))
			n->flags |= DNS_NODE_BELOW_DNAME;
		if (dns_node_rrset(n, DNS_TYPE_NS))
			n->flags |= DNS_NODE_DELEGATION;
		if (dns_name_is_wildcard(n->name))
			p->flags |= DNS_NODE_WILDCARD;
	}
}

/*
 * Patch mode: pack the staged owners (and their ancestors, which keep
 * their old records unless replaced) into z->nodes in builder order, and
 * let zone_patch_merge put them in place among the old version's nodes.
 */
static dns_err_t finish_patch(dns_zone_builder_t *b)
{
	dns_zone_t *z = b->z;
	uint8_t *replace = malloc(b->nnodes ? b->nnodes : 1);
	z->nodes = calloc(b->nnodes ? b->nnodes : 1, sizeof(*z->nodes));
	if (!replace || !z->nodes) {
		free(replace);
		return DNS_ENOMEM;
	}
	z->nnodes = b->nnodes;
	scratch_t s = {0};
	dns_err_t err = DNS_OK;
	for (size_t i = 0; i < b->nnodes && !err; i++) {
		const bnode_t *bn = &b->nodes[i];
		dns_node_t *n = &z->nodes[i];
		n->name = bn->name;
		n->hash = zone_hash(bn->name);
		n->nlabels = bn->nlabels;
		replace[i] = bn->replace;
		err = pack_node(b, bn, (uint32_t)i, &s);
	}
	free(s.r);
	z->mismatch = s.mm;
	z->nmismatch = s.nmm;
	if (!err)
		err = zone_patch_merge(z, b->old, replace);
	free(replace);
	return err;
}

static dns_err_t finish(dns_zone_builder_t *b)
{
	dns_zone_t *z = b->z;
	dns_err_t err = add_ents(b);
	if (err)
		return err;
	free(b->table); /* lookups by builder index are over */
	b->table = NULL;
	if (b->old)
		return finish_patch(b);
	if (b->nnodes == 0)
		return DNS_OK;
	uint32_t *order = sort_nodes(b);
	uint32_t *pos = malloc(b->nnodes * sizeof(*pos));
	z->nodes = calloc(b->nnodes, sizeof(*z->nodes));
	if (!order || !pos || !z->nodes) {
		free(order);
		free(pos);
		return DNS_ENOMEM;
	}
	z->nnodes = b->nnodes;
	for (size_t i = 0; i < b->nnodes; i++)
		pos[order[i]] = (uint32_t)i;
	/* pack in insertion order: the staged records are then read sequentially */
	scratch_t s = {0};
	for (size_t i = 0; i < b->nnodes && !err; i++) {
		const bnode_t *bn = &b->nodes[i];
		dns_node_t *n = &z->nodes[pos[i]];
		n->name = bn->name;
		n->hash = zone_hash(bn->name);
		n->nlabels = bn->nlabels;
		err = pack_node(b, bn, pos[i], &s);
		/* reuse @order for the parents, now in zone indices */
		order[pos[i]] = bn->parent == NONE ? NONE : pos[bn->parent];
	}
	free(s.r);
	free(pos);
	z->mismatch = s.mm;
	z->nmismatch = s.nmm;
	if (!err) {
		mark_flags(z, order);
		err = zone_table_build(z);
	}
	free(order);
	return err;
}

dns_err_t dns_zone_builder_finish(dns_zone_builder_t *b, dns_zone_t **zone)
{
	*zone = NULL;
	dns_err_t err = finish(b);
	if (err == DNS_OK && !b->z->nstores) {
		/* the arena becomes a store that later patched versions can share */
		zone_store_t *st = malloc(sizeof(*st));
		if (!st) {
			err = DNS_ENOMEM;
		} else {
			atomic_init(&st->refs, 1);
			st->arena = b->z->arena;
			b->z->arena = (zone_arena_t){0};
			b->z->stores[0] = st;
			b->z->nstores = 1;
			b->z->live = st->arena.total;
		}
	}
	if (err == DNS_OK) {
		*zone = b->z;
		b->z = NULL;
	} else {
		free(b->z->nodes);
		free(b->z->table);
		free(b->z->mismatch);
	}
	dns_zone_builder_free(b);
	return err;
}
