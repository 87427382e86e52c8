/*
 * zone_impl.h - private layout of the zone database, shared by
 * zone_build.c, zone_patch.c, zone.c and zone_check.c.  Not part of the public API.
 */
#ifndef DNS_ZONE_IMPL_H
#define DNS_ZONE_IMPL_H

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "dns/name.h"
#include "dns/zone.h"
#include "internal/fold.h"

/*
 * Zone memory: a chain of large blocks, freed together.  Allocation is a
 * pointer bump, so a million records cost a few hundred mallocs.
 */
#define ZONE_ARENA_BLOCK (1u << 20)

typedef struct zone_block {
	struct zone_block *next;
	size_t used, cap;
	_Alignas(8) uint8_t data[];
} zone_block_t;

typedef struct zone_arena {
	zone_block_t *head;
	size_t total; /* bytes in all blocks, for memory accounting */
} zone_arena_t;

void *zone_arena_alloc(zone_arena_t *a, size_t n, size_t align);
void zone_arena_free(zone_arena_t *a);

/*
 * An arena that outlives its zone: a patched zone (zone_patch.c) points
 * into the arenas of the version it was patched from for every node it
 * did not change, and holds a reference to each of them.  Bounded by
 * ZONE_STORES_MAX; a patch past that, or with too much dead data, copies
 * everything into one fresh arena instead.
 */
typedef struct zone_store {
	atomic_uint refs;
	zone_arena_t arena;
} zone_store_t;

#define ZONE_STORES_MAX 8

void zone_store_unref(zone_store_t *s);

struct dns_node {
	const uint8_t *name;     /* as first written, case preserved */
	const dns_rrset_t *rrsets; /* sorted by type */
	uint32_t hash;           /* zone_hash(name) */
	uint16_t nrrsets;
	uint8_t flags;
	uint8_t nlabels;
};

/* An RRset whose records did not all have the same TTL (for warnings). */
typedef struct zone_ttl_mismatch {
	uint32_t node;
	uint16_t type;
} zone_ttl_mismatch_t;

struct dns_zone {
	atomic_uint refs;
	uint16_t rclass;
	unsigned origin_labels;
	uint8_t origin[DNS_NAME_MAX];
	dns_node_t *nodes;        /* canonical order; nodes[0] is the apex */
	size_t nnodes;
	uint64_t *table;          /* open addressing: hash << 32 | node index + 1, 0 = empty */
	uint32_t mask;
	size_t rr_count;
	zone_ttl_mismatch_t *mismatch;
	size_t nmismatch;
	zone_arena_t arena;       /* unused once the zone is built: moved to stores[0] */
	zone_store_t *stores[ZONE_STORES_MAX]; /* [0]: this version's own, then shared ones */
	unsigned nstores;
	size_t live;              /* arena bytes the nodes use (names, RRsets, rdata) */
};

/* Patch mode of the builder (dns_zone_patch_new): @z holds the staged
 * owners and their ancestors packed in builder order (z->nodes, @replace
 * tells which replace the old node); merge them with @old into the new
 * version's nodes, table, flags and stores. */
dns_err_t zone_patch_merge(dns_zone_t *z, const dns_zone_t *old, const uint8_t *replace);

/* (Re)build the name index of z->nodes (zone.c); none for an empty zone. */
dns_err_t zone_table_build(dns_zone_t *z);


/* The hash of the zone's name index (dns_name_hash, inline: lookups hash every query name). */
static inline uint32_t zone_hash_len(const uint8_t *name, size_t len)
{
	return dns_fold_hash(name, len);
}

static inline uint32_t zone_hash(const uint8_t *name)
{
	return zone_hash_len(name, dns_name_length(name));
}

/* Lower-case an ASCII letter (names compare case-insensitively). */
static inline uint8_t zone_lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

#endif
