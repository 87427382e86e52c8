/*
 * update_int.h - internal to update*.c: the working copy of a zone under
 * update, a copy-on-write overlay of touched names over the base zone.
 */
#ifndef DNS_UPDATE_INT_H
#define DNS_UPDATE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/update.h"
#include "diff_int.h"

/* Records of an RRset in canonical order (dns_rdref_cmp), no duplicates. */
typedef struct wset {
	uint16_t type;
	uint32_t ttl;
	size_t n, cap;
	dns_rdref_t *rr;
} wset_t;

/* A touched name: a full copy of its RRsets, sorted by type, none empty. */
typedef struct wname {
	struct wname *hnext;
	uint32_t hash;
	const uint8_t *owner;
	size_t nsets, cap;
	wset_t *sets;
	uint64_t snap_gen; /* message generation of the last undo snapshot */
} wname_t;

/* State of a name before the current message first changed it. */
typedef struct undo {
	wname_t *name;
	size_t nsets;
	wset_t *sets;
} undo_t;

typedef struct arena_blk {
	struct arena_blk *next;
	size_t used, cap;
	uint8_t data[];
} arena_blk_t;

struct dns_update {
	dns_zone_t *base;
	const uint8_t *origin;
	uint16_t rclass;
	uint32_t old_serial;
	wname_t **buckets;
	size_t nbuckets, nnames;
	arena_blk_t *arena;
	uint64_t gen;
	undo_t *undo;
	size_t nundo, capundo;
	dns_rdscratch_t sc;
	bool committed;
	char errmsg[512];
};

/* Maximum records in one RRset (dns_rrset_t.count is 16 bits). */
#define UPD_RRSET_MAX 65535

/* update_work.c: the working copy. */
void *upd_alloc(dns_update_t *u, size_t n);
wname_t *upd_lookup(const dns_update_t *u, const uint8_t *name);
wname_t *upd_name(dns_update_t *u, const uint8_t *name); /* creates (copying the base node) */
wset_t *upd_set(wname_t *wn, uint16_t type);             /* NULL if absent */
dns_err_t upd_mutate(dns_update_t *u, wname_t *wn);      /* snapshot before a change */
wset_t *upd_set_add(wname_t *wn, uint16_t type, uint32_t ttl);
void upd_set_remove(wname_t *wn, uint16_t type);
size_t upd_set_find(const wset_t *s, const dns_rdref_t *r, bool *found);
dns_err_t upd_set_insert(wset_t *s, size_t at, const dns_rdref_t *r);
void upd_set_erase(wset_t *s, size_t at);
dns_err_t upd_rdref(dns_update_t *u, uint16_t type, const uint8_t *rdata, size_t len,
                    dns_rdref_t *out); /* copies into the arena */
void upd_rollback(dns_update_t *u);
void upd_undo_clear(dns_update_t *u);
void upd_free_sets(wset_t *sets, size_t n);

#endif
