/*
 * keys.h - the validator's state between client queries: the key cache
 * (for each zone: its validated DNSKEY RRset, or that it is insecure,
 * bogus, not a zone cut, or has a validated DS set awaiting its keys),
 * and the trust anchors and negative trust anchors.
 */
#ifndef RESOLVER_KEYS_H
#define RESOLVER_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/error.h"
#include "dns/rrset.h"

typedef enum res_kstate {
	KS_NONE = 0,
	KS_SECURE,      /* set: the zone's validated DNSKEYs */
	KS_INSECURE,    /* proven unsigned (or algorithms we cannot check) */
	KS_BOGUS,       /* the chain of trust is broken here; ede says why */
	KS_NOTCUT,      /* the name exists in its parent zone, no delegation */
	KS_DS,          /* set: the validated DS RRset, DNSKEY not fetched yet */
} res_kstate_t;

typedef struct res_kentry {
	res_kstate_t st;
	int ede;
	const char *why;
	dns_rrset_t set;    /* valid until the next call on the cache */
} res_kentry_t;

typedef struct res_keys res_keys_t;

/* At most @max_entries zones and @max_bytes bytes (0: 10000, 8 MiB). */
res_keys_t *res_keys_new(size_t max_entries, size_t max_bytes);
void res_keys_free(res_keys_t *k);
/* A live entry for @zone (now in ms). */
bool res_keys_get(res_keys_t *k, uint64_t now, const uint8_t *zone, res_kentry_t *out);
/* Store (replace) the entry for @zone for @ttl_s seconds; @set may be NULL. */
dns_err_t res_keys_put(res_keys_t *k, uint64_t now, const uint8_t *zone, res_kstate_t st,
                       int ede, const char *why, const dns_rrset_t *set, uint32_t ttl_s);

/* Trust anchors: DS or DNSKEY records per zone, and negative anchors. */
typedef struct res_anchors res_anchors_t;

res_anchors_t *res_anchors_new(void);
void res_anchors_free(res_anchors_t *a);
dns_err_t res_anchors_add(res_anchors_t *a, const uint8_t *owner, uint16_t type,
                          const uint8_t *rdata, uint16_t rdlen);
dns_err_t res_anchors_add_nta(res_anchors_t *a, const uint8_t *zone);
bool res_anchors_any(const res_anchors_t *a);
/* The closest anchored zone at or above @name (NULL: none). */
const uint8_t *res_anchors_find(const res_anchors_t *a, const uint8_t *name);
/* Is @name at or below a negative trust anchor? */
bool res_anchors_nta(const res_anchors_t *a, const uint8_t *name);
/* Does DNSKEY rdata @key match an anchor of @zone (DS digest or the key itself)? */
bool res_anchors_match(const res_anchors_t *a, const uint8_t *zone, const uint8_t *key,
                       size_t keylen);

#endif
