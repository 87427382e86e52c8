/*
 * zone_impl.h - private layout of the zone database, shared by
 * zone_build.c, zone.c and zone_check.c.  Not part of the public API.
 */
#ifndef DNS_ZONE_IMPL_H
#define DNS_ZONE_IMPL_H

#include <stdatomic.h>
#include <stdlib.h>

#include "dns/name.h"
#include "dns/zone.h"

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

struct dns_node {
	const uint8_t *name;     /* as first written, case preserved */
	const dns_rrset_t *rrsets; /* sorted by type */
	uint32_t hash;           /* dns_name_hash(name) */
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
	uint32_t *table;          /* open addressing: node index + 1, 0 = empty */
	uint32_t mask;
	size_t rr_count;
	zone_ttl_mismatch_t *mismatch;
	size_t nmismatch;
	zone_arena_t arena;
};

/* Lower-case an ASCII letter (names compare case-insensitively). */
static inline uint8_t zone_lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

#endif
