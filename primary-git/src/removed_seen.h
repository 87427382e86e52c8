/*
 * removed_seen.h - who asked for a removed zone, to warn once per zone and
 * secondary.
 *
 * A secondary that was never told a zone is gone keeps asking for it at
 * every REFRESH (and retries sooner after an error): one warning per
 * (zone, secondary address) is what the operator needs, not one per
 * request.  The table is bounded (PG_SEEN_MAX pairs, the oldest forgotten
 * first), so an endless stream of peers cannot grow it.  Thread-safe.
 */
#ifndef PG_REMOVED_SEEN_H
#define PG_REMOVED_SEEN_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dns/name.h"

#define PG_SEEN_MAX 1024u

typedef struct pg_seen {
	pthread_mutex_t lock;
	struct {
		uint8_t zone[DNS_NAME_MAX];
		uint8_t addr[16];    /* IPv4 in the first 4 bytes, or IPv6 */
		uint8_t family;      /* 0: unused slot */
	} slot[PG_SEEN_MAX];
	unsigned next;           /* the slot replaced next (oldest) */
} pg_seen_t;

void pg_seen_init(pg_seen_t *s);
void pg_seen_destroy(pg_seen_t *s);

/* True the first time (@zone, host of @peer) is seen (or seen again after
 * being forgotten). */
bool pg_seen_first(pg_seen_t *s, const uint8_t *zone, const struct sockaddr *peer);

struct pg_metrics;

/* A secondary at @peer asked for removed zone @origin (answered NOTAUTH):
 * counted in @m (may be NULL), and the operator told to remove the zone
 * there, once per zone and secondary. */
void pg_removed_asked(pg_seen_t *s, struct pg_metrics *m, const uint8_t *origin,
                      const struct sockaddr *peer);

#endif
