/*
 * repo_state.h - the zones and keys of one commit of the zone repository.
 *
 * A state maps each root zone file to the zone it serves.  Loading a new
 * commit re-parses only the files whose blob ids changed since the
 * previous state; a file that fails to load keeps the zone of the
 * previous state (the last good version) and is marked failed.  Keys
 * (`_keys`, `<zone>._keys`) are read into a fresh key store each time
 * (they are small).  Every finding is logged (log.h).
 */
#ifndef PG_REPO_STATE_H
#define PG_REPO_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/keys.h"
#include "dns/zone.h"
#include "dns/zoneset.h"
#include "gitrepo.h"

typedef struct pg_zone_ent {
	char *file;                   /* root file name, e.g. "example.com" */
	char name[DNS_NAME_TEXT_MAX]; /* the zone for logs ("example.com") */
	uint8_t origin[DNS_NAME_MAX];
	gitrepo_oid_t blob;           /* the file's blob at this commit */
	dns_zone_t *zone;             /* served version (NULL: nothing to serve) */
	gitrepo_oid_t zone_blob;      /* the blob @zone was loaded from */
	bool failed;                  /* @blob did not load: @zone is older, or NULL */
	bool reloaded;                /* @blob was parsed by this load */
	uint32_t prev_serial;         /* served serial in the previous state (0: none) */
	bool had_prev;                /* the previous state served this zone */
	uint64_t load_errors;         /* failed loads so far (carried across states) */
} pg_zone_ent_t;

typedef struct pg_repo_state {
	gitrepo_oid_t commit;
	pg_zone_ent_t *zones;  /* sorted by file name */
	size_t nzones;
	size_t key_errors;     /* findings in key files of this commit */
} pg_repo_state_t;

/*
 * Load @commit: list the root, (re)load zone files whose blobs differ
 * from @prev (NULL: all), and read every key file into *keys (a new
 * store, owned by the caller).  Fails only on repository or memory
 * errors (@msg says why); bad zone or key files are logged and counted.
 */
dns_err_t pg_repo_state_load(gitrepo_t *repo, const gitrepo_oid_t *commit,
                             const pg_repo_state_t *prev, pg_repo_state_t **out,
                             dns_keystore_t **keys, char *msg, size_t msglen);

/* A zone already built for a blob (e.g. by an update): loading uses it
 * instead of parsing that blob again. */
typedef struct pg_zone_hint {
	const char *file;
	gitrepo_oid_t blob;
	dns_zone_t *zone;
} pg_zone_hint_t;

/* pg_repo_state_load, taking the zones of @hints (references are taken)
 * for the files whose blob they name. */
dns_err_t pg_repo_state_load_hinted(gitrepo_t *repo, const gitrepo_oid_t *commit,
                                    const pg_repo_state_t *prev, const pg_zone_hint_t *hints,
                                    size_t nhints, pg_repo_state_t **out, dns_keystore_t **keys,
                                    char *msg, size_t msglen);

void pg_repo_state_free(pg_repo_state_t *st);

/* A zone set of every served zone (new references); NULL on ENOMEM. */
dns_zoneset_t *pg_repo_state_zoneset(const pg_repo_state_t *st);

/* The entry of zone @origin, or NULL. */
const pg_zone_ent_t *pg_repo_state_find(const pg_repo_state_t *st, const uint8_t *origin);

/* Whether root file @name is a zone file: not hidden, not a key file,
 * not a hook or documentation name, a valid domain name.  For zone files
 * *origin gets the zone. */
bool pg_is_zone_file(const char *name, uint8_t origin[DNS_NAME_MAX]);

/* Whether @name is a key file; *origin gets its origin (root for _keys). */
bool pg_is_key_file(const char *name, uint8_t origin[DNS_NAME_MAX]);

/*
 * Load one zone from blob text (no $INCLUDE: a repository zone is one
 * file).  Findings are logged with zone @zname unless @quiet.
 */
dns_err_t pg_zone_from_text(const char *file, const char *zname, const uint8_t *origin,
                            const char *text, size_t len, bool quiet, dns_zone_t **zone);

#endif
