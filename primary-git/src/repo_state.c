/*
 * repo_state.c - zones and keys of one commit, reloading only what changed.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/layout.h"
#include "dns/log.h"
#include "dns/name.h"
#include "dns/serial.h"
#include "dns/zonefile.h"
#include "repo_state.h"

/* ---- reporting findings ---- */

static void format_pos(char *out, size_t cap, const dns_zf_pos_t *pos, const char *msg)
{
	if (pos && pos->line)
		snprintf(out, cap, "%s:%" PRIu32 ":%" PRIu32 ": %s", pos->file, pos->line, pos->col, msg);
	else
		snprintf(out, cap, "%s: %s", pos && pos->file ? pos->file : "-", msg);
}

void pg_report_finding(void *vctx, const dns_zf_pos_t *pos, const char *msg)
{
	pg_report_t *r = vctx;
	bool warning = dns_zf_is_warning(msg);
	if (!warning)
		r->errors++;
	if (!warning && r->first && !r->first[0])
		format_pos(r->first, r->first_cap, pos, msg);
	if (r->quiet)
		return;
	char text[1024];
	if (warning)
		msg += strlen(DNS_ZF_WARNING_PREFIX);
	format_pos(text, sizeof(text), pos, msg);
	if (r->key_file)
		dns_log(warning ? DNS_LOG_WARN : DNS_LOG_ERROR,
		        warning ? "key file warning" : "key file error", "file", r->file, "error",
		        text, NULL);
	else
		dns_log(warning ? DNS_LOG_WARN : DNS_LOG_ERROR,
		        warning ? "zone load warning" : "zone failed to load", "zone", r->zname,
		        "error", text, NULL);
}

/* pg_zone_from_text, the first error found written to @first (may be NULL). */
static dns_err_t zone_from_text(const char *file, const char *zname, const uint8_t *origin,
                                const char *text, size_t len, pg_incl_t *incl, bool quiet,
                                dns_zone_t **zone, char *first, size_t first_cap)
{
	pg_report_t r = { zname, file, quiet, false, 0, first, first_cap };
	dns_zf_options_t opt = { .origin = origin, .no_include = incl == NULL };
	if (incl)
		pg_incl_options(incl, &opt);
	return dns_zone_load_buffer(file, text, len, &opt, zone, pg_report_finding, &r);
}

dns_err_t pg_zone_from_text(const char *file, const char *zname, const uint8_t *origin,
                            const char *text, size_t len, pg_incl_t *incl, bool quiet,
                            dns_zone_t **zone)
{
	return zone_from_text(file, zname, origin, text, len, incl, quiet, zone, NULL, 0);
}

bool pg_is_zone_file(const char *name, uint8_t origin[DNS_NAME_MAX])
{
	return dns_layout_classify(name, origin, NULL) == DNS_LAYOUT_ZONE;
}

bool pg_is_key_file(const char *name, uint8_t origin[DNS_NAME_MAX])
{
	return dns_layout_classify(name, origin, NULL) == DNS_LAYOUT_KEYS;
}

/* ---- lookups ---- */

void pg_repo_state_free(pg_repo_state_t *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->nzones; i++) {
		free(st->zones[i].file);
		free(st->zones[i].dup_file);
		pg_deps_free(st->zones[i].deps, st->zones[i].ndeps);
		dns_zone_unref(st->zones[i].zone);
	}
	for (size_t i = 0; i < st->nkeyfiles; i++)
		free(st->keyfiles[i].file);
	free(st->zones);
	free(st->keyfiles);
	free(st->removed);
	free(st);
}

const pg_zone_ent_t *pg_repo_state_find(const pg_repo_state_t *st, const uint8_t *origin)
{
	size_t lo = 0, hi = st ? st->nzones : 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = dns_name_compare(st->zones[mid].origin, origin);
		if (c == 0)
			return &st->zones[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const pg_removed_t *pg_repo_state_removed(const pg_repo_state_t *st, const uint8_t *origin)
{
	for (size_t i = 0; st && i < st->nremoved; i++)
		if (dns_name_equal(st->removed[i].origin, origin))
			return &st->removed[i];
	return NULL;
}

const pg_key_ent_t *pg_repo_state_keyfile(const pg_repo_state_t *st, const char *file)
{
	for (size_t i = 0; st && i < st->nkeyfiles; i++)
		if (strcmp(st->keyfiles[i].file, file) == 0)
			return &st->keyfiles[i];
	return NULL;
}

dns_zoneset_t *pg_repo_state_zoneset(const pg_repo_state_t *st)
{
	dns_zone_t **v = calloc(st->nzones ? st->nzones : 1, sizeof(*v));
	if (!v)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < st->nzones; i++)
		if (st->zones[i].zone)
			v[k++] = st->zones[i].zone;
	dns_zoneset_t *set = dns_zoneset_new(v, k);
	free(v);
	return set;
}

/* ---- one load ---- */

/* The blobs of included files at the commit being loaded, looked up once
 * each however many zones include them. */
typedef struct dep_cache {
	pg_dep_t *v;
	size_t n, cap;
} dep_cache_t;

typedef struct load {
	gitrepo_t *repo;
	const gitrepo_oid_t *commit;
	const pg_repo_state_t *prev;
	const pg_zone_hint_t *hints;
	size_t nhints;
	dep_cache_t cache;
	pg_repo_state_t *st;
	char *msg;
	size_t msglen;
} load_t;

/* Whether included file @d is still what it was, at the commit loaded. */
static dns_err_t dep_same(load_t *l, const pg_dep_t *d, bool *same)
{
	dep_cache_t *c = &l->cache;
	for (size_t i = 0; i < c->n; i++) {
		if (strcmp(c->v[i].path, d->path) == 0) {
			*same = c->v[i].present == d->present &&
			        (!d->present || gitrepo_oid_equal(&c->v[i].blob, &d->blob));
			return DNS_OK;
		}
	}
	pg_dep_t now = { NULL, { { 0 } }, false };
	dns_err_t e = gitrepo_read_path(l->repo, l->commit, d->path, &now.blob, NULL, NULL, NULL, NULL,
	                              0);
	now.present = e == DNS_OK;
	if (e == DNS_ENOMEM)
		return e;
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 16;
		pg_dep_t *v = realloc(c->v, cap * sizeof(*v));
		if (!v)
			return DNS_ENOMEM;
		c->v = v;
		c->cap = cap;
	}
	if (!(now.path = strdup(d->path)))
		return DNS_ENOMEM;
	c->v[c->n++] = now;
	*same = now.present == d->present && (!d->present || gitrepo_oid_equal(&now.blob, &d->blob));
	return DNS_OK;
}

/* Whether every file @old included is unchanged at the commit loaded. */
static dns_err_t deps_same(load_t *l, const pg_zone_ent_t *old, bool *same)
{
	*same = true;
	for (size_t i = 0; i < old->ndeps && *same; i++) {
		dns_err_t e = dep_same(l, &old->deps[i], same);
		if (e != DNS_OK)
			return e;
	}
	return DNS_OK;
}

static dns_err_t deps_copy(const pg_zone_ent_t *old, pg_zone_ent_t *z)
{
	if (!old->ndeps)
		return DNS_OK;
	if (!(z->deps = calloc(old->ndeps, sizeof(*z->deps))))
		return DNS_ENOMEM;
	for (size_t i = 0; i < old->ndeps; i++) {
		z->deps[i] = old->deps[i];
		if (!(z->deps[i].path = strdup(old->deps[i].path)))
			return DNS_ENOMEM;
		z->ndeps++;
	}
	return DNS_OK;
}

static void log_loaded(const pg_zone_ent_t *z, const gitrepo_oid_t *commit)
{
	char serial[16], records[24], hex[GITREPO_OID_HEXSIZE];
	snprintf(serial, sizeof(serial), "%" PRIu32, dns_zone_serial(z->zone));
	snprintf(records, sizeof(records), "%zu", dns_zone_rr_count(z->zone));
	gitrepo_oid_fmt(commit, hex);
	hex[12] = '\0';
	dns_log(DNS_LOG_INFO, "zone loaded", "zone", z->name, "serial", serial, "records", records,
	        "commit", hex, NULL);
}

/* @z could not be loaded: keep what @old served, if anything. */
static void keep_last_good(pg_zone_ent_t *z, const pg_zone_ent_t *old)
{
	z->failed = true;
	if (old && old->zone) {
		z->zone = dns_zone_ref(old->zone);
		z->zone_blob = old->zone_blob;
		z->zone_commit = old->zone_commit;
		char serial[16];
		snprintf(serial, sizeof(serial), "%" PRIu32, dns_zone_serial(old->zone));
		dns_log(DNS_LOG_WARN, "keeping last good version", "zone", z->name, "serial", serial,
		        NULL);
	} else {
		dns_log(DNS_LOG_ERROR, "zone not served", "zone", z->name, NULL);
	}
}

/* Parse @z->blob with its includes from the commit loaded.  *fatal: the
 * repository could not be read, or memory ran out. */
static dns_err_t parse_entry(load_t *l, pg_zone_ent_t *z, dns_zone_t **zone, bool *fatal)
{
	uint8_t *text = NULL;
	size_t len = 0;
	dns_err_t e = gitrepo_read_blob(l->repo, &z->blob, &text, &len, l->msg, l->msglen);
	*fatal = e != DNS_OK;
	if (e != DNS_OK)
		return e;
	pg_incl_t incl;
	pg_incl_init(&incl, l->repo, l->commit);
	e = zone_from_text(z->file, z->name, z->origin, (const char *)text, len, &incl, false, zone,
	                   z->error, sizeof(z->error));
	free(text);
	pg_incl_take(&incl, &z->deps, &z->ndeps);
	if (incl.oom || e == DNS_ENOMEM) {
		dns_zone_unref(*zone);
		*zone = NULL;
		e = DNS_ENOMEM;
		*fatal = true;
	}
	pg_incl_free(&incl);
	return e;
}

static const pg_zone_hint_t *find_hint(const load_t *l, const pg_zone_ent_t *z)
{
	for (size_t i = 0; i < l->nhints; i++)
		if (strcmp(l->hints[i].file, z->file) == 0 && gitrepo_oid_equal(&l->hints[i].blob, &z->blob))
			return &l->hints[i];
	return NULL;
}

/* Parse @z->blob, or keep what @old served when neither it nor what it
 * includes changed, or when the new version fails. */
static dns_err_t load_entry(load_t *l, pg_zone_ent_t *z, const pg_zone_ent_t *old)
{
	bool same_deps = false;
	if (old) {
		z->load_errors = old->load_errors;
		z->had_prev = old->zone != NULL;
		z->prev_serial = old->zone ? dns_zone_serial(old->zone) : 0;
		dns_err_t e = deps_same(l, old, &same_deps);
		if (e != DNS_OK)
			return e;
		if (!old->dup_file && same_deps && strcmp(old->file, z->file) == 0 &&
		    gitrepo_oid_equal(&old->blob, &z->blob)) {
			z->zone = old->zone ? dns_zone_ref(old->zone) : NULL;
			z->zone_blob = old->zone_blob;
			z->zone_commit = old->zone_commit;
			z->failed = old->failed;
			memcpy(z->error, old->error, sizeof(z->error));
			return deps_copy(old, z);
		}
	}
	dns_zone_t *zone = NULL;
	dns_err_t e;
	bool fatal = false;
	z->reloaded = true;
	const pg_zone_hint_t *hint = find_hint(l, z);
	if (hint && hint->zone && old && same_deps) {
		/* the writer's edit: same includes as the version it edited */
		zone = dns_zone_ref(hint->zone);
		e = deps_copy(old, z);
		if (e != DNS_OK) {
			dns_zone_unref(zone);
			return e;
		}
	} else {
		e = parse_entry(l, z, &zone, &fatal);
	}
	if (fatal)
		return e;
	if (e == DNS_OK) {
		z->zone = zone;
		z->zone_blob = z->blob;
		z->zone_commit = *l->commit;
		z->failed = false;
		z->error[0] = '\0';
		log_loaded(z, l->commit);
		if (old && old->zone && !dns_serial_gt(dns_zone_serial(zone), dns_zone_serial(old->zone))) {
			char serial[16];
			snprintf(serial, sizeof(serial), "%" PRIu32, dns_zone_serial(zone));
			dns_log(DNS_LOG_WARN, "zone changed but its serial did not increase", "zone",
			        z->name, "serial", serial, NULL);
		}
		return DNS_OK;
	}
	z->load_errors++;
	if (!z->error[0])
		snprintf(z->error, sizeof(z->error), "%s: %s", z->file, dns_strerror(e));
	keep_last_good(z, old);
	return DNS_OK;
}

/* Files @a and @b (and maybe more) name the same zone: refuse them all. */
static void load_duplicate(load_t *l, pg_zone_ent_t *z, const pg_zone_ent_t *old)
{
	bool known = old && old->dup_file && strcmp(old->file, z->file) == 0 &&
	             strcmp(old->dup_file, z->dup_file) == 0;
	if (old) {
		z->load_errors = old->load_errors;
		z->had_prev = old->zone != NULL;
		z->prev_serial = old->zone ? dns_zone_serial(old->zone) : 0;
	}
	if (known) {
		/* reported when it appeared; the same pair, still refused */
		z->failed = true;
		memcpy(z->error, old->error, sizeof(z->error));
		if (old->zone) {
			z->zone = dns_zone_ref(old->zone);
			z->zone_blob = old->zone_blob;
			z->zone_commit = old->zone_commit;
		}
		return;
	}
	snprintf(z->error, sizeof(z->error), "two files name the same zone: %s and %s", z->file,
	         z->dup_file);
	dns_log(DNS_LOG_ERROR, "two files name the same zone: both refused", "zone", z->name, "file",
	        z->file, "other", z->dup_file, NULL);
	z->load_errors++;
	keep_last_good(z, old);
}

/* ---- classifying the root ---- */

typedef struct cand {
	const gitrepo_file_t *f;
	uint8_t origin[DNS_NAME_MAX];
} cand_t;

static int cand_cmp(const void *pa, const void *pb)
{
	const cand_t *a = pa, *b = pb;
	int c = dns_name_compare(a->origin, b->origin);
	return c ? c : strcmp(a->f->name, b->f->name);
}

/* Why a root entry that is not a regular file is not a zone, or NULL. */
static const char *not_a_file(const gitrepo_file_t *f, dns_log_level_t *level)
{
	*level = DNS_LOG_INFO;
	switch (f->kind) {
	case GITREPO_KIND_SYMLINK:
		return "a symbolic link (mode 120000): zones are regular files";
	case GITREPO_KIND_SUBMODULE:
		return "a submodule (mode 160000): zones are regular files";
	case GITREPO_KIND_TREE:
		*level = DNS_LOG_DEBUG;
		return "a directory: zones are files at the repository root";
	default:
		return NULL;
	}
}

/* Log why root entry @f is skipped. */
static void log_skip(const gitrepo_file_t *f, dns_layout_kind_t kind, const char *why)
{
	dns_log_level_t level = DNS_LOG_INFO;
	const char *reason = not_a_file(f, &level);
	if (!reason) {
		reason = why;
		if (kind == DNS_LAYOUT_INCLUDE) {
			level = DNS_LOG_DEBUG;
			reason = "a file for $INCLUDE (*.inc), not a zone";
		} else if (kind == DNS_LAYOUT_INVALID) {
			level = DNS_LOG_WARN;
		} else if (why && strcmp(why, "hidden file") == 0) {
			level = DNS_LOG_DEBUG;
		}
	}
	dns_log(level, "skipping file: not a zone file", "file", f->name, "reason",
	        reason ? reason : "not a zone file", NULL);
}

static dns_err_t add_keyfile(load_t *l, const gitrepo_file_t *f, const uint8_t *origin,
                             dns_keystore_t *ks)
{
	pg_repo_state_t *st = l->st;
	pg_key_ent_t *k = &st->keyfiles[st->nkeyfiles];
	memset(k, 0, sizeof(*k));
	const pg_key_ent_t *old = pg_repo_state_keyfile(l->prev, f->name);
	dns_err_t e = pg_keys_load(l->repo, f, origin, old, ks, k);
	if (e != DNS_OK)
		return e;
	st->nkeyfiles++;
	if (k->failed)
		st->key_errors++;
	return DNS_OK;
}

static void zone_name_text(const uint8_t *origin, char *out, size_t cap)
{
	dns_name_to_text(origin, out, cap);
	size_t n = strlen(out);
	if (n > 1 && out[n - 1] == '.')
		out[n - 1] = '\0';
}

/* Entries for the zone candidates @c (sorted): one per zone. */
static dns_err_t load_zones(load_t *l, cand_t *c, size_t n)
{
	pg_repo_state_t *st = l->st;
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && dns_name_equal(c[j].origin, c[i].origin))
			j++;
		pg_zone_ent_t *z = &st->zones[st->nzones++];
		dns_name_copy(z->origin, c[i].origin);
		zone_name_text(z->origin, z->name, sizeof(z->name));
		z->blob = c[i].f->blob;
		if (!(z->file = strdup(c[i].f->name)))
			return DNS_ENOMEM;
		const pg_zone_ent_t *old = pg_repo_state_find(l->prev, z->origin);
		dns_err_t e = DNS_OK;
		if (j - i > 1) {
			if (!(z->dup_file = strdup(c[i + 1].f->name)))
				return DNS_ENOMEM;
			for (size_t k = i + 2; k < j; k++)
				dns_log(DNS_LOG_ERROR, "two files name the same zone: both refused", "zone",
				        z->name, "file", z->file, "other", c[k].f->name, NULL);
			load_duplicate(l, z, old);
		} else {
			e = load_entry(l, z, old);
		}
		if (e != DNS_OK)
			return e;
		i = j;
	}
	return DNS_OK;
}

/* Go through the root: key files loaded, zone files collected in *cands. */
static dns_err_t classify_root(load_t *l, const gitrepo_file_t *files, size_t n,
                               dns_keystore_t *ks, cand_t *cands, size_t *ncands)
{
	*ncands = 0;
	for (size_t i = 0; i < n; i++) {
		const gitrepo_file_t *f = &files[i];
		uint8_t origin[DNS_NAME_MAX];
		const char *why = NULL;
		dns_layout_kind_t kind = dns_layout_classify(f->name, origin, &why);
		bool regular = f->kind == GITREPO_KIND_FILE || f->kind == GITREPO_KIND_EXEC;
		if (regular && kind == DNS_LAYOUT_KEYS) {
			dns_err_t e = add_keyfile(l, f, origin, ks);
			if (e != DNS_OK)
				return e;
		} else if (regular && kind == DNS_LAYOUT_ZONE) {
			cands[*ncands].f = f;
			dns_name_copy(cands[*ncands].origin, origin);
			(*ncands)++;
		} else {
			log_skip(f, kind, why);
		}
	}
	return DNS_OK;
}

/* ---- removed zones ---- */

static dns_err_t append_removed(pg_repo_state_t *st, const pg_removed_t *r)
{
	if (st->nremoved == PG_REMOVED_MAX) {
		memmove(st->removed, st->removed + 1, (PG_REMOVED_MAX - 1) * sizeof(*st->removed));
		st->nremoved--;
	}
	if (!st->removed && !(st->removed = calloc(PG_REMOVED_MAX, sizeof(*st->removed))))
		return DNS_ENOMEM;
	st->removed[st->nremoved++] = *r;
	return DNS_OK;
}

/* The zones of @prev that are gone, added to those it remembered (less
 * the ones that are back). */
static dns_err_t track_removed(load_t *l)
{
	pg_repo_state_t *st = l->st;
	const pg_repo_state_t *prev = l->prev;
	for (size_t i = 0; prev && i < prev->nremoved; i++) {
		if (pg_repo_state_find(st, prev->removed[i].origin))
			continue; /* back again */
		dns_err_t e = append_removed(st, &prev->removed[i]);
		if (e != DNS_OK)
			return e;
	}
	char hex[GITREPO_OID_HEXSIZE];
	gitrepo_oid_fmt(l->commit, hex);
	hex[12] = '\0';
	for (size_t i = 0; prev && i < prev->nzones; i++) {
		const pg_zone_ent_t *z = &prev->zones[i];
		if (pg_repo_state_find(st, z->origin))
			continue;
		if (!z->zone) {
			dns_log(DNS_LOG_INFO, "zone file removed (it was not served)", "zone", z->name,
			        "file", z->file, "commit", hex, NULL);
			continue;
		}
		pg_removed_t r;
		memset(&r, 0, sizeof(r));
		dns_name_copy(r.origin, z->origin);
		snprintf(r.name, sizeof(r.name), "%s", z->name);
		r.serial = dns_zone_serial(z->zone);
		r.commit = *l->commit;
		char serial[16];
		snprintf(serial, sizeof(serial), "%" PRIu32, r.serial);
		dns_log(DNS_LOG_WARN, "zone removed", "zone", z->name, "serial", serial, "commit", hex,
		        "file", z->file, NULL);
		dns_err_t e = append_removed(st, &r);
		if (e != DNS_OK)
			return e;
	}
	return DNS_OK;
}

/* ---- a whole commit ---- */

dns_err_t pg_repo_state_load(gitrepo_t *repo, const gitrepo_oid_t *commit,
                             const pg_repo_state_t *prev, pg_repo_state_t **out,
                             dns_keystore_t **keys, char *msg, size_t msglen)
{
	return pg_repo_state_load_hinted(repo, commit, prev, NULL, 0, out, keys, msg, msglen);
}

dns_err_t pg_repo_state_load_hinted(gitrepo_t *repo, const gitrepo_oid_t *commit,
                                    const pg_repo_state_t *prev, const pg_zone_hint_t *hints,
                                    size_t nhints, pg_repo_state_t **out, dns_keystore_t **keys,
                                    char *msg, size_t msglen)
{
	*out = NULL;
	*keys = NULL;
	gitrepo_file_t *files = NULL;
	size_t n = 0, ncands = 0;
	dns_err_t e = gitrepo_list_root_all(repo, commit, &files, &n, msg, msglen);
	if (e != DNS_OK)
		return e;
	load_t l = { repo, commit, prev, hints, nhints, { NULL, 0, 0 }, NULL, msg, msglen };
	pg_repo_state_t *st = l.st = calloc(1, sizeof(*st));
	dns_keystore_t *ks = dns_keystore_new();
	cand_t *cands = calloc(n ? n : 1, sizeof(*cands));
	if (!st || !ks || !cands || (n && !(st->zones = calloc(n, sizeof(*st->zones)))) ||
	    (n && !(st->keyfiles = calloc(n, sizeof(*st->keyfiles))))) {
		e = DNS_ENOMEM;
		goto fail;
	}
	st->commit = *commit;
	e = classify_root(&l, files, n, ks, cands, &ncands);
	if (e == DNS_OK) {
		qsort(cands, ncands, sizeof(*cands), cand_cmp);
		e = load_zones(&l, cands, ncands);
	}
	if (e == DNS_OK)
		e = track_removed(&l);
	if (e != DNS_OK)
		goto fail;
	free(cands);
	pg_deps_free(l.cache.v, l.cache.n);
	gitrepo_files_free(files, n);
	*out = st;
	*keys = ks;
	return DNS_OK;
fail:
	free(cands);
	pg_deps_free(l.cache.v, l.cache.n);
	gitrepo_files_free(files, n);
	pg_repo_state_free(st);
	dns_keystore_free(ks);
	if (e == DNS_ENOMEM)
		snprintf(msg, msglen, "out of memory");
	return e;
}
