/*
 * replay.c - the cache of accepted TSIG MACs (see dns/tsig_replay.h): per
 * key a ring of (MAC prefix, end of window), scanned whole on each check
 * (signed requests are rare; a scan of a thousand entries costs less than
 * the HMAC that came before it).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "dns/name.h"
#include "dns/tsig_replay.h"

#define MAC_KEEP 16

typedef struct seen {
	uint8_t mac[MAC_KEEP];
	uint64_t until;          /* 0: empty */
} seen_t;

typedef struct key_ring {
	uint8_t name[DNS_NAME_MAX];  /* lower case; name[0] == 0 with no ring: unused */
	seen_t *ring;
	size_t next;
	uint64_t last_until;     /* the latest window end seen: which key to evict */
} key_ring_t;

struct dns_tsig_replay {
	size_t per_key, max_keys, nkeys;
	key_ring_t *keys;
};

dns_tsig_replay_t *dns_tsig_replay_new(size_t per_key, size_t max_keys)
{
	dns_tsig_replay_t *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->per_key = per_key ? per_key : DNS_TSIG_REPLAY_PER_KEY;
	c->max_keys = max_keys ? max_keys : DNS_TSIG_REPLAY_KEYS;
	return c;
}

void dns_tsig_replay_free(dns_tsig_replay_t *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nkeys; i++)
		free(c->keys[i].ring);
	free(c->keys);
	free(c);
}

/* The ring of @name, made (or taken over from the key idle longest) if new. */
static key_ring_t *ring_of(dns_tsig_replay_t *c, const uint8_t *name)
{
	key_ring_t *oldest = NULL;
	for (size_t i = 0; i < c->nkeys; i++) {
		if (dns_name_equal(c->keys[i].name, name))
			return &c->keys[i];
		if (!oldest || c->keys[i].last_until < oldest->last_until)
			oldest = &c->keys[i];
	}
	key_ring_t *k;
	if (c->nkeys < c->max_keys) {
		seen_t *ring = calloc(c->per_key, sizeof(*ring));
		key_ring_t *grown = ring ? realloc(c->keys, (c->nkeys + 1) * sizeof(*c->keys)) : NULL;
		if (!grown) {
			free(ring);
			return NULL;
		}
		c->keys = grown;
		k = &c->keys[c->nkeys++];
		k->ring = ring;
	} else {
		k = oldest;
		memset(k->ring, 0, c->per_key * sizeof(*k->ring));
	}
	dns_name_copy(k->name, name);
	dns_name_lower(k->name);
	k->next = 0;
	k->last_until = 0;
	return k;
}

dns_err_t dns_tsig_replay_check(dns_tsig_replay_t *c, const dns_tsig_req_t *req, uint64_t now)
{
	if (!req->key || req->error || req->mac_len < MAC_KEEP)
		return DNS_EINVAL;
	key_ring_t *k = ring_of(c, req->key->name);
	if (!k)
		return DNS_ENOMEM;
	for (size_t i = 0; i < c->per_key; i++) {
		const seen_t *s = &k->ring[i];
		if (s->until >= now && memcmp(s->mac, req->mac, MAC_KEEP) == 0)
			return DNS_EEXIST;
	}
	/* the request verifies until its time signed + fudge (RFC 8945 §5.2.3) */
	seen_t *s = &k->ring[k->next];
	memcpy(s->mac, req->mac, MAC_KEEP);
	s->until = req->time_signed + req->fudge;
	if (s->until < now)
		s->until = now;
	k->next = (k->next + 1) % c->per_key;
	if (s->until > k->last_until)
		k->last_until = s->until;
	return DNS_OK;
}
