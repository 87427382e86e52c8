/*
 * zoneset.h - an immutable set of zones served together, found by the
 * closest enclosing origin.  Holds a reference on each zone.
 */
#ifndef DNS_ZONESET_H
#define DNS_ZONESET_H

#include <stddef.h>
#include <stdint.h>

#include "dns/zone.h"

typedef struct dns_zoneset dns_zoneset_t;

/* A set of @n zones (each gets a new reference); NULL on ENOMEM.  A later
 * zone with the same origin as an earlier one replaces it. */
dns_zoneset_t *dns_zoneset_new(dns_zone_t *const *zones, size_t n);
void dns_zoneset_free(dns_zoneset_t *s);

size_t dns_zoneset_count(const dns_zoneset_t *s);
dns_zone_t *dns_zoneset_at(const dns_zoneset_t *s, size_t i);

/* The zone whose origin is the closest ancestor-or-self of @name, or NULL. */
const dns_zone_t *dns_zoneset_find(const dns_zoneset_t *s, const uint8_t *name);

/* The zone with exactly this origin, or NULL. */
const dns_zone_t *dns_zoneset_get(const dns_zoneset_t *s, const uint8_t *origin);

#endif
