/*
 * history.h - which version of a zone file each serial was: the IXFR
 * index of dns-primary-git.
 *
 * Built from the first-parent history of the branch (gitrepo_history):
 * for every zone file, the distinct blobs it had, newest first, with the
 * SOA serial each one declares and the newest commit holding it.  Only
 * the SOA of a blob is parsed to learn its serial, and blobs already
 * known from the previous index are not read again.  An index is
 * immutable once built and reference counted (snapshots share it).
 *
 * Old versions are built on demand from their blob and kept in a small
 * cache (pg_zcache_t) shared by every snapshot.
 */
#ifndef PG_HISTORY_H
#define PG_HISTORY_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/zone.h"
#include "gitrepo.h"
#include "repo_state.h"

/* Commits walked back from the head at most. */
#define PG_HISTORY_MAX_COMMITS 10000u

typedef struct pg_hist_ent {
	uint32_t serial;
	gitrepo_oid_t commit;  /* the newest commit with this blob */
	gitrepo_oid_t blob;
} pg_hist_ent_t;

typedef struct pg_history pg_history_t;

/*
 * Index the history of @head for the zone files of @st, reusing @prev
 * (may be NULL).  @max_commits 0 means PG_HISTORY_MAX_COMMITS.  Returns
 * NULL on a repository or memory error (logged).
 */
pg_history_t *pg_history_build(gitrepo_t *repo, const gitrepo_oid_t *head,
                               const pg_repo_state_t *st, const pg_history_t *prev,
                               size_t max_commits);

pg_history_t *pg_history_ref(pg_history_t *h);
void pg_history_unref(pg_history_t *h);

/* The newest version of zone file @file that declared @serial; false if none. */
bool pg_history_find(const pg_history_t *h, const char *file, uint32_t serial,
                     pg_hist_ent_t *out);

/* The same by zone origin. */
bool pg_history_find_origin(const pg_history_t *h, const uint8_t *origin, uint32_t serial,
                            pg_hist_ent_t *out);

/* Versions known for @file (newest first), for tests and logs. */
size_t pg_history_count(const pg_history_t *h, const char *file);
const pg_hist_ent_t *pg_history_at(const pg_history_t *h, const char *file, size_t i);

/* The SOA serial declared by zone text (the first SOA at @origin). */
dns_err_t pg_serial_of_text(const char *text, size_t len, const uint8_t *origin,
                            uint32_t *serial);

/* ---- cache of old versions, keyed by blob ---- */

#define PG_ZCACHE_SLOTS 8

typedef struct pg_zcache {
	pthread_mutex_t lock;
	struct {
		gitrepo_oid_t blob;
		dns_zone_t *zone;
		uint64_t used;
	} slot[PG_ZCACHE_SLOTS];
	uint64_t clock;
} pg_zcache_t;

void pg_zcache_init(pg_zcache_t *c);
void pg_zcache_destroy(pg_zcache_t *c);
/* A new reference to the cached zone of @blob, or NULL.  Any thread. */
dns_zone_t *pg_zcache_get(pg_zcache_t *c, const gitrepo_oid_t *blob);
/* Remember @zone (a reference is taken) as the version of @blob. */
void pg_zcache_put(pg_zcache_t *c, const gitrepo_oid_t *blob, dns_zone_t *zone);

/*
 * The version of @zone that declared @serial, for IXFR (a new reference),
 * or NULL: from @cache, else rebuilt from its blob with the files it
 * $INCLUDEs read from that version's own commit, then cached.  The
 * repository is used only if @repo_lock can be taken at once (a reload
 * holding it for long must not stall a worker: the client then gets the
 * whole zone).  Any thread.
 */
dns_zone_t *pg_history_old_version(const pg_history_t *h, gitrepo_t *repo,
                                   pthread_mutex_t *repo_lock, pg_zcache_t *cache,
                                   const dns_zone_t *zone, uint32_t serial);

#endif
