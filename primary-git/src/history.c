/*
 * history.c - serial → commit index over the branch history, and the
 * cache of old zone versions used to answer IXFR.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "dns/rrtype.h"
#include "dns/wire.h"
#include "dns/zonefile.h"
#include "history.h"
#include "dns/log.h"

typedef struct hist_zone {
	char *file;
	uint8_t origin[DNS_NAME_MAX];
	pg_hist_ent_t *v;
	size_t n, cap;
} hist_zone_t;

struct pg_history {
	atomic_uint refs;
	gitrepo_oid_t head;
	hist_zone_t *zones;
	size_t nzones;
};

/* ---- the serial of a blob ---- */

dns_err_t pg_serial_of_text(const char *text, size_t len, const uint8_t *origin,
                            uint32_t *serial)
{
	return dns_zonefile_soa_serial(text, len, origin, serial);
}

/* ---- building ---- */

static hist_zone_t *find_zone(const pg_history_t *h, const char *file)
{
	for (size_t i = 0; h && i < h->nzones; i++)
		if (strcmp(h->zones[i].file, file) == 0)
			return &h->zones[i];
	return NULL;
}

static bool push(hist_zone_t *z, const pg_hist_ent_t *e)
{
	if (z->n == z->cap) {
		size_t cap = z->cap ? z->cap * 2 : 8;
		pg_hist_ent_t *v = realloc(z->v, cap * sizeof(*v));
		if (!v)
			return false;
		z->v = v;
		z->cap = cap;
	}
	z->v[z->n++] = *e;
	return true;
}

/* The serial of @blob: from the previous index when known, else read. */
static bool blob_serial(gitrepo_t *repo, const hist_zone_t *old, const gitrepo_oid_t *blob,
                        const uint8_t *origin, uint32_t *serial)
{
	for (size_t i = 0; old && i < old->n; i++) {
		if (gitrepo_oid_equal(&old->v[i].blob, blob)) {
			*serial = old->v[i].serial;
			return true;
		}
	}
	uint8_t *text = NULL;
	size_t len = 0;
	if (gitrepo_read_blob(repo, blob, &text, &len, NULL, 0) != DNS_OK)
		return false;
	dns_err_t e = pg_serial_of_text((const char *)text, len, origin, serial);
	free(text);
	return e == DNS_OK;
}

/* Walk @ids (newest first) for one file; at the previous head, splice in
 * the previous index and stop. */
static bool index_file(gitrepo_t *repo, const gitrepo_oid_t *ids, size_t count,
                       const pg_zone_ent_t *ze, const pg_history_t *prev, hist_zone_t *z)
{
	const hist_zone_t *old = find_zone(prev, ze->file);
	for (size_t i = 0; i < count; i++) {
		if (old && gitrepo_oid_equal(&ids[i], &prev->head)) {
			for (size_t k = 0; k < old->n; k++) {
				if (z->n && gitrepo_oid_equal(&z->v[z->n - 1].blob, &old->v[k].blob))
					continue;
				if (!push(z, &old->v[k]))
					return false;
			}
			return true;
		}
		gitrepo_oid_t blob;
		dns_err_t e = gitrepo_file_blob(repo, &ids[i], ze->file, &blob, NULL, 0);
		if (e == DNS_ENOTFOUND)
			return true; /* the file did not exist before this */
		if (e != DNS_OK)
			return false;
		if (z->n && gitrepo_oid_equal(&z->v[z->n - 1].blob, &blob))
			continue; /* the same version: keep the newest commit */
		pg_hist_ent_t ent = { 0, ids[i], blob };
		if (!blob_serial(repo, old, &blob, ze->origin, &ent.serial))
			continue; /* a broken version has no serial to ask for */
		if (!push(z, &ent))
			return false;
	}
	return true;
}

pg_history_t *pg_history_build(gitrepo_t *repo, const gitrepo_oid_t *head,
                               const pg_repo_state_t *st, const pg_history_t *prev,
                               size_t max_commits)
{
	gitrepo_oid_t *ids = NULL;
	size_t count = 0;
	char msg[256];
	if (gitrepo_history(repo, head, max_commits ? max_commits : PG_HISTORY_MAX_COMMITS, &ids,
	                    &count, msg, sizeof(msg)) != DNS_OK) {
		dns_log(DNS_LOG_ERROR, "history not indexed", "error", msg, NULL);
		return NULL;
	}
	pg_history_t *h = calloc(1, sizeof(*h));
	if (!h || (st->nzones && !(h->zones = calloc(st->nzones, sizeof(*h->zones))))) {
		free(h);
		free(ids);
		return NULL;
	}
	atomic_init(&h->refs, 1);
	h->head = *head;
	for (size_t i = 0; i < st->nzones; i++) {
		hist_zone_t *z = &h->zones[h->nzones];
		if (!(z->file = strdup(st->zones[i].file)))
			goto fail;
		dns_name_copy(z->origin, st->zones[i].origin);
		h->nzones++;
		if (!index_file(repo, ids, count, &st->zones[i], prev, z))
			goto fail;
	}
	free(ids);
	return h;
fail:
	free(ids);
	dns_log(DNS_LOG_ERROR, "history not indexed", "error", "repository or memory error", NULL);
	pg_history_unref(h);
	return NULL;
}

pg_history_t *pg_history_ref(pg_history_t *h)
{
	if (h)
		atomic_fetch_add(&h->refs, 1);
	return h;
}

void pg_history_unref(pg_history_t *h)
{
	if (!h || atomic_fetch_sub(&h->refs, 1) != 1)
		return;
	for (size_t i = 0; i < h->nzones; i++) {
		free(h->zones[i].file);
		free(h->zones[i].v);
	}
	free(h->zones);
	free(h);
}

bool pg_history_find(const pg_history_t *h, const char *file, uint32_t serial,
                     pg_hist_ent_t *out)
{
	const hist_zone_t *z = find_zone(h, file);
	for (size_t i = 0; z && i < z->n; i++) {
		if (z->v[i].serial == serial) {
			*out = z->v[i];
			return true;
		}
	}
	return false;
}

bool pg_history_find_origin(const pg_history_t *h, const uint8_t *origin, uint32_t serial,
                            pg_hist_ent_t *out)
{
	for (size_t i = 0; h && i < h->nzones; i++)
		if (dns_name_equal(h->zones[i].origin, origin))
			return pg_history_find(h, h->zones[i].file, serial, out);
	return false;
}

size_t pg_history_count(const pg_history_t *h, const char *file)
{
	const hist_zone_t *z = find_zone(h, file);
	return z ? z->n : 0;
}

const pg_hist_ent_t *pg_history_at(const pg_history_t *h, const char *file, size_t i)
{
	const hist_zone_t *z = find_zone(h, file);
	return z && i < z->n ? &z->v[i] : NULL;
}

/* ---- old versions ---- */

dns_zone_t *pg_history_old_version(const pg_history_t *h, gitrepo_t *repo,
                                   pthread_mutex_t *repo_lock, pg_zcache_t *cache,
                                   const dns_zone_t *zone, uint32_t serial)
{
	pg_hist_ent_t ent;
	const uint8_t *origin = dns_zone_origin(zone);
	if (!pg_history_find_origin(h, origin, serial, &ent))
		return NULL;
	dns_zone_t *z = pg_zcache_get(cache, &ent.blob);
	if (z || pthread_mutex_trylock(repo_lock) != 0)
		return z;
	uint8_t *text = NULL;
	size_t len = 0;
	if (gitrepo_read_blob(repo, &ent.blob, &text, &len, NULL, 0) == DNS_OK) {
		char zn[DNS_NAME_TEXT_MAX];
		size_t n = dns_name_to_text(origin, zn, sizeof(zn));
		if (n > 1 && zn[n - 1] == '.')
			zn[n - 1] = '\0';
		/* what it included then: the files of the newest commit with this
		 * blob, the last content served under this serial */
		pg_incl_t incl;
		pg_incl_init(&incl, repo, &ent.commit);
		if (pg_zone_from_text(zn, zn, origin, (const char *)text, len, &incl, true, &z) != DNS_OK)
			z = NULL;
		pg_incl_free(&incl);
		free(text);
	}
	pthread_mutex_unlock(repo_lock);
	if (z)
		pg_zcache_put(cache, &ent.blob, z);
	return z;
}

/* ---- the cache of old versions ---- */

void pg_zcache_init(pg_zcache_t *c)
{
	memset(c, 0, sizeof(*c));
	pthread_mutex_init(&c->lock, NULL);
}

void pg_zcache_destroy(pg_zcache_t *c)
{
	for (size_t i = 0; i < PG_ZCACHE_SLOTS; i++)
		dns_zone_unref(c->slot[i].zone);
	pthread_mutex_destroy(&c->lock);
}

dns_zone_t *pg_zcache_get(pg_zcache_t *c, const gitrepo_oid_t *blob)
{
	dns_zone_t *z = NULL;
	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < PG_ZCACHE_SLOTS; i++) {
		if (c->slot[i].zone && gitrepo_oid_equal(&c->slot[i].blob, blob)) {
			c->slot[i].used = ++c->clock;
			z = dns_zone_ref(c->slot[i].zone);
			break;
		}
	}
	pthread_mutex_unlock(&c->lock);
	return z;
}

void pg_zcache_put(pg_zcache_t *c, const gitrepo_oid_t *blob, dns_zone_t *zone)
{
	dns_zone_t *evicted = NULL;
	pthread_mutex_lock(&c->lock);
	size_t victim = 0;
	for (size_t i = 0; i < PG_ZCACHE_SLOTS; i++) {
		if (c->slot[i].zone && gitrepo_oid_equal(&c->slot[i].blob, blob)) {
			victim = i;
			break;
		}
		if (c->slot[i].used < c->slot[victim].used)
			victim = i;
	}
	evicted = c->slot[victim].zone;
	c->slot[victim].zone = dns_zone_ref(zone);
	c->slot[victim].blob = *blob;
	c->slot[victim].used = ++c->clock;
	pthread_mutex_unlock(&c->lock);
	dns_zone_unref(evicted); /* outside the lock: freeing a big zone takes time */
}
