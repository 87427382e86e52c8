/*
 * zoneset.c - a set of zones found by their closest enclosing origin:
 * an open-addressing table of origins, probed with qname and then each
 * of its ancestors, longest first.
 */
#include <stdlib.h>

#include "dns/name.h"
#include "dns/zoneset.h"

struct dns_zoneset {
	dns_zone_t **zones;
	size_t n;
	uint32_t *table; /* zone index + 1, 0 = empty */
	uint32_t mask;
	unsigned min_labels, max_labels; /* origin label counts, to skip useless probes */
};

static const dns_zone_t *get_hashed(const dns_zoneset_t *s, const uint8_t *name, uint32_t h)
{
	for (uint32_t i = h & s->mask;; i = (i + 1) & s->mask) {
		uint32_t v = s->table[i];
		if (v == 0)
			return NULL;
		if (dns_name_equal(dns_zone_origin(s->zones[v - 1]), name))
			return s->zones[v - 1];
	}
}

/* Insert, or replace the zone with the same origin; returns false if replaced. */
static bool put(dns_zoneset_t *s, dns_zone_t *z)
{
	const uint8_t *origin = dns_zone_origin(z);
	uint32_t i = dns_name_hash(origin) & s->mask;
	for (;; i = (i + 1) & s->mask) {
		uint32_t v = s->table[i];
		if (v == 0)
			break;
		if (dns_name_equal(dns_zone_origin(s->zones[v - 1]), origin)) {
			dns_zone_unref(s->zones[v - 1]);
			s->zones[v - 1] = dns_zone_ref(z);
			return false;
		}
	}
	s->zones[s->n] = dns_zone_ref(z);
	s->table[i] = (uint32_t)++s->n;
	return true;
}

dns_zoneset_t *dns_zoneset_new(dns_zone_t *const *zones, size_t n)
{
	if (n > UINT32_MAX / 4)
		return NULL;
	dns_zoneset_t *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	size_t size = 8;
	while (size < n * 2)
		size *= 2;
	s->zones = calloc(n ? n : 1, sizeof(*s->zones));
	s->table = calloc(size, sizeof(*s->table));
	if (!s->zones || !s->table) {
		free(s->zones);
		free(s->table);
		free(s);
		return NULL;
	}
	s->mask = (uint32_t)(size - 1);
	s->min_labels = DNS_NAME_LABELS_MAX;
	for (size_t i = 0; i < n; i++) {
		put(s, zones[i]);
		unsigned l = dns_name_label_count(dns_zone_origin(zones[i]));
		if (l < s->min_labels)
			s->min_labels = l;
		if (l > s->max_labels)
			s->max_labels = l;
	}
	return s;
}

void dns_zoneset_free(dns_zoneset_t *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		dns_zone_unref(s->zones[i]);
	free(s->zones);
	free(s->table);
	free(s);
}

size_t dns_zoneset_count(const dns_zoneset_t *s) { return s->n; }

dns_zone_t *dns_zoneset_at(const dns_zoneset_t *s, size_t i)
{
	return i < s->n ? s->zones[i] : NULL;
}

const dns_zone_t *dns_zoneset_get(const dns_zoneset_t *s, const uint8_t *origin)
{
	return s->n ? get_hashed(s, origin, dns_name_hash(origin)) : NULL;
}

const dns_zone_t *dns_zoneset_find(const dns_zoneset_t *s, const uint8_t *name)
{
	if (!s || s->n == 0)
		return NULL;
	unsigned labels = dns_name_label_count(name);
	if (labels < s->min_labels)
		return NULL;
	unsigned skip = labels > s->max_labels ? labels - s->max_labels : 0;
	name = dns_name_skip_labels(name, skip);
	for (unsigned l = labels - skip;; l--) {
		const dns_zone_t *z = get_hashed(s, name, dns_name_hash(name));
		if (z)
			return z;
		if (l == s->min_labels)
			return NULL;
		name = dns_name_parent(name);
	}
}
