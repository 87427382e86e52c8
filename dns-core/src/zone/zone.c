/*
 * zone.c - reading an immutable zone: accessors, exact lookup by hash and
 * the RFC 1034 §4.3.2 step 3 lookup (cuts, DNAME, wildcards).
 */
#include <stdlib.h>
#include <string.h>

#include "dns/rrtype.h"
#include "zone_impl.h"

dns_zone_t *dns_zone_ref(dns_zone_t *z)
{
	atomic_fetch_add_explicit(&z->refs, 1, memory_order_relaxed);
	return z;
}

void dns_zone_unref(dns_zone_t *z)
{
	if (!z || atomic_fetch_sub_explicit(&z->refs, 1, memory_order_acq_rel) != 1)
		return;
	zone_arena_free(&z->arena);
	for (unsigned i = 0; i < z->nstores; i++)
		zone_store_unref(z->stores[i]);
	free(z->nodes);
	free(z->table);
	free(z->mismatch);
	free(z);
}

const uint8_t *dns_zone_origin(const dns_zone_t *z) { return z->origin; }
uint16_t dns_zone_class(const dns_zone_t *z) { return z->rclass; }
size_t dns_zone_rr_count(const dns_zone_t *z) { return z->rr_count; }
size_t dns_zone_node_count(const dns_zone_t *z) { return z->nnodes; }
size_t dns_zone_ttl_mismatches(const dns_zone_t *z) { return z->nmismatch; }

void zone_store_unref(zone_store_t *s)
{
	if (s && atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) == 1) {
		zone_arena_free(&s->arena);
		free(s);
	}
}

/* Shared stores count in full: they are what keeps this version alive. */
size_t dns_zone_memory(const dns_zone_t *z)
{
	size_t held = z->arena.total;
	for (unsigned i = 0; i < z->nstores; i++)
		held += sizeof(*z->stores[i]) + z->stores[i]->arena.total;
	return sizeof(*z) + held + z->nnodes * sizeof(*z->nodes) +
	       ((size_t)z->mask + 1) * sizeof(*z->table) + z->nmismatch * sizeof(*z->mismatch);
}

const dns_node_t *dns_zone_node_at(const dns_zone_t *z, size_t i)
{
	return i < z->nnodes ? &z->nodes[i] : NULL;
}

const dns_node_t *dns_zone_apex(const dns_zone_t *z)
{
	return z->nnodes ? &z->nodes[0] : NULL;
}

const dns_rrset_t *dns_zone_soa(const dns_zone_t *z)
{
	return z->nnodes ? dns_node_rrset(&z->nodes[0], DNS_TYPE_SOA) : NULL;
}

uint32_t dns_zone_serial(const dns_zone_t *z)
{
	const dns_rrset_t *soa = dns_zone_soa(z);
	if (!soa || soa->count == 0)
		return 0;
	/* SOA rdata: MNAME RNAME SERIAL REFRESH RETRY EXPIRE MINIMUM */
	const uint8_t *rd = dns_rrset_rdata(soa->data);
	uint16_t len = dns_rrset_rdlen(soa->data);
	size_t off = 0;
	for (int i = 0; i < 2; i++) {
		while (off < len && rd[off])
			off += rd[off] + 1u;
		off++;
	}
	return off + 4 <= len ? dns_get32(rd + off) : 0;
}

const uint8_t *dns_node_name(const dns_node_t *n) { return n->name; }
unsigned dns_node_flags(const dns_node_t *n) { return n->flags; }
size_t dns_node_rrset_count(const dns_node_t *n) { return n->nrrsets; }

const dns_rrset_t *dns_node_rrset_at(const dns_node_t *n, size_t i)
{
	return i < n->nrrsets ? &n->rrsets[i] : NULL;
}

const dns_rrset_t *dns_node_rrset(const dns_node_t *n, uint16_t type)
{
	/* nodes hold a handful of RRsets: a linear scan beats a search */
	for (size_t i = 0; i < n->nrrsets; i++) {
		if (n->rrsets[i].type == type)
			return &n->rrsets[i];
		if (n->rrsets[i].type > type)
			break;
	}
	return NULL;
}

/*
 * The name index: open addressing with linear probing, each slot holding
 * the name's hash beside its node index, so that a probe that does not
 * match never touches the node (a cache miss on a big zone): NXDOMAIN and
 * closest-encloser searches probe for names that are not there.
 */
dns_err_t zone_table_build(dns_zone_t *z)
{
	free(z->table);
	z->table = NULL;
	z->mask = 0;
	if (z->nnodes == 0)
		return DNS_OK;
	size_t size = 16;
	while (size < z->nnodes * 2)
		size *= 2;
	z->table = calloc(size, sizeof(*z->table));
	if (!z->table)
		return DNS_ENOMEM;
	z->mask = (uint32_t)(size - 1);
	for (size_t i = 0; i < z->nnodes; i++) {
		uint32_t at = z->nodes[i].hash & z->mask;
		while (z->table[at])
			at = (at + 1) & z->mask;
		z->table[at] = (uint64_t)z->nodes[i].hash << 32 | ((uint32_t)i + 1u);
	}
	return DNS_OK;
}

static const dns_node_t *find_hashed(const dns_zone_t *z, const uint8_t *name, uint32_t hash)
{
	if (!z->table)
		return NULL;
	for (uint32_t i = hash & z->mask;; i = (i + 1) & z->mask) {
		uint64_t v = z->table[i];
		if (v == 0)
			return NULL;
		if ((uint32_t)(v >> 32) != hash)
			continue;
		const dns_node_t *n = &z->nodes[(uint32_t)v - 1];
		if (dns_name_equal(n->name, name))
			return n;
	}
}

const dns_node_t *dns_zone_find(const dns_zone_t *z, const uint8_t *name)
{
	return find_hashed(z, name, zone_hash(name));
}

#define PREFETCH_CHUNK 64

/* One pass per dependent load, each over the whole chunk: index slot,
 * node, owner name and RRset array, RRset data. */
static void prefetch_chunk(const dns_zone_t *const zones[], const uint8_t *const names[], size_t n)
{
	uint32_t hash[PREFETCH_CHUNK];
	const dns_node_t *node[PREFETCH_CHUNK];
	for (size_t i = 0; i < n; i++) {
		const dns_zone_t *z = zones[i];
		if (z && z->table) {
			hash[i] = zone_hash(names[i]);
			__builtin_prefetch(&z->table[hash[i] & z->mask]);
		}
	}
	for (size_t i = 0; i < n; i++) {
		const dns_zone_t *z = zones[i];
		node[i] = NULL;
		if (!z || !z->table)
			continue;
		for (uint32_t j = hash[i] & z->mask;; j = (j + 1) & z->mask) {
			uint64_t v = z->table[j];
			if (v == 0)
				break;
			if ((uint32_t)(v >> 32) == hash[i]) {
				node[i] = &z->nodes[(uint32_t)v - 1];
				__builtin_prefetch(node[i]);
				break;
			}
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (node[i]) {
			__builtin_prefetch(node[i]->name);
			__builtin_prefetch(node[i]->rrsets);
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (node[i])
			for (unsigned k = 0; k < node[i]->nrrsets; k++)
				__builtin_prefetch(node[i]->rrsets[k].data);
	}
}

void dns_zone_prefetch(const dns_zone_t *const zones[], const uint8_t *const names[], size_t n)
{
	for (size_t at = 0; at < n; at += PREFETCH_CHUNK)
		prefetch_chunk(zones + at, names + at, n - at < PREFETCH_CHUNK ? n - at : PREFETCH_CHUNK);
}

/* The "*" child of @encloser, if any (RFC 4592 §3.3.1). */
static const dns_node_t *wildcard_of(const dns_zone_t *z, const dns_node_t *encloser)
{
	if (!(encloser->flags & DNS_NODE_WILDCARD))
		return NULL;
	uint8_t name[DNS_NAME_MAX + 2] = {1, '*'};
	size_t len = dns_name_copy(name + 2, encloser->name);
	if (len + 2 > DNS_NAME_MAX)
		return NULL;
	return dns_zone_find(z, name);
}

dns_lookup_kind_t dns_zone_lookup(const dns_zone_t *z, const uint8_t *qname, dns_lookup_t *res)
{
	res->node = res->encloser = NULL;
	unsigned qlabels = dns_name_label_count(qname), olabels = z->origin_labels;
	if (qlabels < olabels || z->nnodes == 0 ||
	    !dns_name_equal(dns_name_skip_labels(qname, qlabels - olabels), z->origin))
		return res->kind = DNS_LOOKUP_OUTSIDE;

	/* Fast path: qname exists in authoritative data with no DNAME above it. */
	const dns_node_t *n = dns_zone_find(z, qname);
	if (n && !(n->flags & (DNS_NODE_NONAUTH | DNS_NODE_BELOW_DNAME))) {
		res->node = res->encloser = n;
		bool cut = (n->flags & DNS_NODE_DELEGATION) != 0;
		return res->kind = cut ? DNS_LOOKUP_DELEGATION : DNS_LOOKUP_MATCH;
	}

	/* Walk down from the apex: the highest cut or DNAME on the way wins. */
	const dns_node_t *enc = &z->nodes[0];
	if ((enc->flags & DNS_NODE_DNAME) && qlabels > olabels) {
		res->node = res->encloser = enc;
		return res->kind = DNS_LOOKUP_DNAME;
	}
	for (unsigned k = olabels + 1; k <= qlabels; k++) {
		const uint8_t *suffix = dns_name_skip_labels(qname, qlabels - k);
		/* qname itself was looked up above */
		const dns_node_t *m = k == qlabels ? n : dns_zone_find(z, suffix);
		if (!m)
			break;
		enc = m;
		if (m->flags & DNS_NODE_DELEGATION) {
			res->node = res->encloser = m;
			return res->kind = DNS_LOOKUP_DELEGATION;
		}
		if ((m->flags & DNS_NODE_DNAME) && k < qlabels) {
			res->node = res->encloser = m;
			return res->kind = DNS_LOOKUP_DNAME;
		}
	}
	res->encloser = enc;
	if (enc->nlabels == qlabels) {
		res->node = enc;
		return res->kind = DNS_LOOKUP_MATCH;
	}
	const dns_node_t *w = wildcard_of(z, enc);
	if (w) {
		res->node = w;
		return res->kind = DNS_LOOKUP_WILDCARD;
	}
	return res->kind = DNS_LOOKUP_NXDOMAIN;
}
