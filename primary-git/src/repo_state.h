/*
 * repo_state.h - the zones and keys of one commit of the zone repository.
 *
 * A state maps each zone of the commit's root (dns/layout.h names the
 * files: a zone file is named by its zone, compared as a DNS name) to the
 * version it serves.  Loading a new commit re-parses only the zone files
 * whose blob, or the blob of a file they $INCLUDE, changed since the
 * previous state; a file that fails to load keeps the zone of the
 * previous state (the last good version) and is marked failed.  Two files
 * naming one zone ("EXAMPLE.COM" beside "example.com") are both refused:
 * the zone keeps its last good version, and no update can reach either.
 * Key files (`_keys`, `<zone>._keys`) are read into a fresh key store each
 * time (they are small); one that does not load cleanly is replaced by
 * its last good version.  Zones that disappear are remembered (the most
 * recent PG_REMOVED_MAX) so that their secondaries can be told.  Every
 * finding is logged (dns/log.h).
 */
#ifndef PG_REPO_STATE_H
#define PG_REPO_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/keys.h"
#include "dns/zone.h"
#include "dns/zonefile.h"
#include "dns/zoneset.h"
#include "gitrepo.h"

/* Removed zones remembered at most (the most recent ones). */
#define PG_REMOVED_MAX 256u

/* A file a zone includes, as found at the state's commit. */
typedef struct pg_dep {
	char *path;
	gitrepo_oid_t blob;
	bool present;                 /* false: the include failed (missing file) */
} pg_dep_t;

typedef struct pg_zone_ent {
	char *file;                   /* root file name, e.g. "example.com" */
	char *dup_file;               /* another file naming the same zone: both refused */
	char name[DNS_NAME_TEXT_MAX]; /* the zone for logs and metrics ("example.com") */
	uint8_t origin[DNS_NAME_MAX]; /* lower case */
	gitrepo_oid_t blob;           /* the file's blob at this commit */
	pg_dep_t *deps;               /* files @blob includes at this commit */
	size_t ndeps;
	dns_zone_t *zone;             /* served version (NULL: nothing to serve) */
	gitrepo_oid_t zone_blob;      /* the blob @zone was loaded from */
	bool failed;                  /* @blob did not load: @zone is older, or NULL */
	bool reloaded;                /* @blob was parsed by this load */
	uint32_t prev_serial;         /* served serial in the previous state (0: none) */
	bool had_prev;                /* the previous state served this zone */
	uint64_t load_errors;         /* failed loads so far (carried across states) */
	gitrepo_oid_t zone_commit;    /* the commit @zone was loaded at */
	char error[256];              /* why @blob is not served (first finding), or "" */
} pg_zone_ent_t;

/* A key file and the version of it whose keys are in use. */
typedef struct pg_key_ent {
	char *file;
	uint8_t origin[DNS_NAME_MAX]; /* root for `_keys` */
	gitrepo_oid_t blob;           /* at this commit */
	gitrepo_oid_t good;           /* the last version that loaded cleanly */
	bool has_good;
	bool failed;                  /* @blob did not load: @good (or nothing) is used */
	uint64_t load_errors;         /* failed loads so far (carried across states) */
} pg_key_ent_t;

/* A zone that was served once and whose file is gone. */
typedef struct pg_removed {
	uint8_t origin[DNS_NAME_MAX];
	char name[DNS_NAME_TEXT_MAX];
	uint32_t serial;              /* the last one served */
	gitrepo_oid_t commit;         /* the commit without it */
} pg_removed_t;

typedef struct pg_repo_state {
	gitrepo_oid_t commit;
	pg_zone_ent_t *zones;  /* sorted by origin (canonical order) */
	size_t nzones;
	pg_key_ent_t *keyfiles; /* sorted by file name */
	size_t nkeyfiles;
	size_t key_errors;     /* findings in key files of this commit */
	pg_removed_t *removed; /* oldest first, at most PG_REMOVED_MAX */
	size_t nremoved;
} pg_repo_state_t;

/*
 * Load @commit: list the root, (re)load zone files whose blobs (or
 * included blobs) differ from @prev (NULL: all), and read every key file
 * into *keys (a new store, owned by the caller).  Fails only on
 * repository or memory errors (@msg says why); bad zone or key files are
 * logged and counted.
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

/* The entry of zone @origin (any case), or NULL. */
const pg_zone_ent_t *pg_repo_state_find(const pg_repo_state_t *st, const uint8_t *origin);

/* The removed zone @origin, or NULL. */
const pg_removed_t *pg_repo_state_removed(const pg_repo_state_t *st, const uint8_t *origin);

/* The entry of key file @file, or NULL. */
const pg_key_ent_t *pg_repo_state_keyfile(const pg_repo_state_t *st, const char *file);

/* Whether root file @name is a zone file (dns_layout_classify says
 * DNS_LAYOUT_ZONE); *origin gets the zone, lower case. */
bool pg_is_zone_file(const char *name, uint8_t origin[DNS_NAME_MAX]);

/* Whether @name is a key file; *origin gets its origin (root for _keys). */
bool pg_is_key_file(const char *name, uint8_t origin[DNS_NAME_MAX]);

/* ---- $INCLUDE in repository zones ---- */

/*
 * Resolves $INCLUDE from one commit's tree: paths relative to the
 * repository root, allowed by dns_layout_include_ok (a root "*.inc" file
 * or a file in a subdirectory), read from @commit.  Each file asked for is
 * recorded (path, blob, or missing) in @deps: a later commit that changes
 * one of them reloads the zone.
 */
typedef struct pg_incl {
	gitrepo_t *repo;
	gitrepo_oid_t commit;
	pg_dep_t *deps;
	size_t ndeps, cap;
	bool oom;
} pg_incl_t;

void pg_incl_init(pg_incl_t *c, gitrepo_t *repo, const gitrepo_oid_t *commit);
/* Point @opt's include function at @c. */
void pg_incl_options(pg_incl_t *c, dns_zf_options_t *opt);
/* Give the recorded dependencies away (the caller frees them). */
void pg_incl_take(pg_incl_t *c, pg_dep_t **deps, size_t *n);
void pg_incl_free(pg_incl_t *c);
void pg_deps_free(pg_dep_t *deps, size_t n);

/*
 * Load one zone from blob text.  $INCLUDE is resolved through @incl (its
 * commit's tree), or refused when @incl is NULL.  Findings are logged
 * with zone @zname unless @quiet.
 */
dns_err_t pg_zone_from_text(const char *file, const char *zname, const uint8_t *origin,
                            const char *text, size_t len, pg_incl_t *incl, bool quiet,
                            dns_zone_t **zone);

/* ---- key files (repo_keys.c) ---- */

/*
 * Load key file @f (origin @origin) into @ks, keeping its last good
 * version: a new blob that does not load cleanly (any finding, a key
 * already defined by another file included) is logged with file:line:col,
 * counted, and replaced by @old's good version, if any.  @ent receives the
 * outcome.  Fails only on memory errors.
 */
dns_err_t pg_keys_load(gitrepo_t *repo, const gitrepo_file_t *f, const uint8_t *origin,
                       const pg_key_ent_t *old, dns_keystore_t *ks, pg_key_ent_t *ent);

/* ---- shared by repo_state.c and repo_keys.c ---- */

/* The finding reporter for zone and key files (dns_zf_error_fn). */
typedef struct pg_report {
	const char *zname;
	const char *file;
	bool quiet;
	bool key_file;
	size_t errors;
	char *first;                  /* may be NULL: receives the first error */
	size_t first_cap;
} pg_report_t;

void pg_report_finding(void *ctx, const dns_zf_pos_t *pos, const char *msg);

#endif
