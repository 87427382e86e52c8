/*
 * repo_state.c - zones and keys of one commit, reloading only what changed.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/name.h"
#include "dns/serial.h"
#include "dns/zonefile.h"
#include "dns/log.h"
#include "repo_state.h"

#define KEYS_FILE "_keys"
#define KEYS_SUFFIX "._keys"

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static bool name_of_text(const char *text, size_t n, uint8_t origin[DNS_NAME_MAX])
{
	char buf[DNS_NAME_TEXT_MAX + 2];
	if (n == 0 || n > DNS_NAME_TEXT_MAX - 1)
		return false;
	memcpy(buf, text, n);
	buf[n] = '.';
	buf[n + 1] = '\0';
	size_t len;
	return dns_name_from_text(origin, &len, buf, n + 1, NULL) == DNS_OK;
}

bool pg_is_key_file(const char *name, uint8_t origin[DNS_NAME_MAX])
{
	if (strcmp(name, KEYS_FILE) == 0) {
		origin[0] = 0;
		return true;
	}
	if (name[0] == '.' || !has_suffix(name, KEYS_SUFFIX))
		return false;
	return name_of_text(name, strlen(name) - strlen(KEYS_SUFFIX), origin);
}

/* Names that are clearly not zones: hooks, scripts, documentation. */
static bool is_other_file(const char *name)
{
	static const char *const prefixes[] = { "README", "LICENSE", "COPYING", "Makefile" };
	static const char *const suffixes[] = { ".md", ".txt", ".sh", "-receive", ".sample",
	                                        "~", ".orig", ".rej", ".swp" };
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++)
		if (has_suffix(name, suffixes[i]))
			return true;
	return false;
}

bool pg_is_zone_file(const char *name, uint8_t origin[DNS_NAME_MAX])
{
	if (name[0] == '.' || strcmp(name, KEYS_FILE) == 0 || has_suffix(name, KEYS_SUFFIX))
		return false;
	if (is_other_file(name))
		return false;
	return name_of_text(name, strlen(name), origin);
}

/* ---- loading one zone ---- */

typedef struct report_ctx {
	const char *zname;
	const char *file;
	bool quiet;
	bool key_file;
	size_t errors;
} report_ctx_t;

static void format_pos(char *out, size_t cap, const dns_zf_pos_t *pos, const char *msg)
{
	if (pos && pos->line)
		snprintf(out, cap, "%s:%" PRIu32 ":%" PRIu32 ": %s", pos->file, pos->line, pos->col, msg);
	else
		snprintf(out, cap, "%s: %s", pos && pos->file ? pos->file : "-", msg);
}

static void on_finding(void *vctx, const dns_zf_pos_t *pos, const char *msg)
{
	report_ctx_t *r = vctx;
	bool warning = dns_zf_is_warning(msg);
	if (!warning)
		r->errors++;
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

dns_err_t pg_zone_from_text(const char *file, const char *zname, const uint8_t *origin,
                            const char *text, size_t len, bool quiet, dns_zone_t **zone)
{
	report_ctx_t r = { zname, file, quiet, false, 0 };
	dns_zf_options_t opt = { .origin = origin, .no_include = true };
	return dns_zone_load_buffer(file, text, len, &opt, zone, on_finding, &r);
}

/* ---- a whole commit ---- */

void pg_repo_state_free(pg_repo_state_t *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->nzones; i++) {
		free(st->zones[i].file);
		dns_zone_unref(st->zones[i].zone);
	}
	free(st->zones);
	free(st);
}

const pg_zone_ent_t *pg_repo_state_find(const pg_repo_state_t *st, const uint8_t *origin)
{
	for (size_t i = 0; st && i < st->nzones; i++)
		if (dns_name_equal(st->zones[i].origin, origin))
			return &st->zones[i];
	return NULL;
}

static const pg_zone_ent_t *find_file(const pg_repo_state_t *st, const char *file)
{
	for (size_t i = 0; st && i < st->nzones; i++)
		if (strcmp(st->zones[i].file, file) == 0)
			return &st->zones[i];
	return NULL;
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

/* Parse @z->blob, or keep what @old served when it is the same blob or
 * when the new one fails. */
static dns_err_t load_entry(gitrepo_t *repo, const gitrepo_oid_t *commit, pg_zone_ent_t *z,
                            const pg_zone_ent_t *old, const pg_zone_hint_t *hint, char *msg,
                            size_t msglen)
{
	if (old) {
		z->load_errors = old->load_errors;
		z->had_prev = old->zone != NULL;
		z->prev_serial = old->zone ? dns_zone_serial(old->zone) : 0;
		if (gitrepo_oid_equal(&old->blob, &z->blob)) {
			z->zone = old->zone ? dns_zone_ref(old->zone) : NULL;
			z->zone_blob = old->zone_blob;
			z->failed = old->failed;
			return DNS_OK;
		}
	}
	dns_zone_t *zone = NULL;
	dns_err_t e;
	z->reloaded = true;
	if (hint && hint->zone) {
		zone = dns_zone_ref(hint->zone);
		e = DNS_OK;
	} else {
		uint8_t *text = NULL;
		size_t len = 0;
		e = gitrepo_read_blob(repo, &z->blob, &text, &len, msg, msglen);
		if (e != DNS_OK)
			return e;
		e = pg_zone_from_text(z->file, z->name, z->origin, (const char *)text, len, false, &zone);
		free(text);
	}
	if (e == DNS_ENOMEM)
		return e;
	if (e == DNS_OK) {
		z->zone = zone;
		z->zone_blob = z->blob;
		z->failed = false;
		log_loaded(z, commit);
		if (old && old->zone && !dns_serial_gt(dns_zone_serial(zone), dns_zone_serial(old->zone))) {
			char serial[16];
			snprintf(serial, sizeof(serial), "%" PRIu32, dns_zone_serial(zone));
			dns_log(DNS_LOG_WARN, "zone changed but its serial did not increase", "zone",
			       z->name, "serial", serial, NULL);
		}
		return DNS_OK;
	}
	z->failed = true;
	z->load_errors++;
	if (old && old->zone) {
		z->zone = dns_zone_ref(old->zone);
		z->zone_blob = old->zone_blob;
		char serial[16];
		snprintf(serial, sizeof(serial), "%" PRIu32, dns_zone_serial(old->zone));
		dns_log(DNS_LOG_WARN, "keeping last good version", "zone", z->name, "serial", serial,
		       NULL);
	} else {
		dns_log(DNS_LOG_ERROR, "zone not served", "zone", z->name, NULL);
	}
	return DNS_OK;
}

static void load_keys(gitrepo_t *repo, const gitrepo_file_t *f, const uint8_t *origin,
                      dns_keystore_t *ks, pg_repo_state_t *st)
{
	uint8_t *text = NULL;
	size_t len = 0;
	char msg[512];
	if (gitrepo_read_blob(repo, &f->blob, &text, &len, msg, sizeof(msg)) != DNS_OK) {
		dns_log(DNS_LOG_ERROR, "key file error", "file", f->name, "error", msg, NULL);
		st->key_errors++;
		return;
	}
	report_ctx_t r = { NULL, f->name, false, true, 0 };
	dns_keystore_load_buffer(ks, f->name, (const char *)text, len, origin, on_finding, &r);
	st->key_errors += r.errors;
	free(text);
}

static const pg_zone_hint_t *find_hint(const pg_zone_hint_t *hints, size_t n, const char *file,
                                       const gitrepo_oid_t *blob)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(hints[i].file, file) == 0 && gitrepo_oid_equal(&hints[i].blob, blob))
			return &hints[i];
	return NULL;
}

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
	size_t n = 0;
	dns_err_t e = gitrepo_list_root(repo, commit, &files, &n, msg, msglen);
	if (e != DNS_OK)
		return e;
	pg_repo_state_t *st = calloc(1, sizeof(*st));
	dns_keystore_t *ks = dns_keystore_new();
	if (!st || !ks || (n && !(st->zones = calloc(n, sizeof(*st->zones))))) {
		e = DNS_ENOMEM;
		goto fail;
	}
	st->commit = *commit;
	for (size_t i = 0; i < n; i++) {
		uint8_t origin[DNS_NAME_MAX];
		if (pg_is_key_file(files[i].name, origin)) {
			load_keys(repo, &files[i], origin, ks, st);
			continue;
		}
		if (!pg_is_zone_file(files[i].name, origin)) {
			dns_log(files[i].name[0] == '.' ? DNS_LOG_DEBUG : DNS_LOG_INFO,
			       "skipping file: not a zone file", "file", files[i].name, NULL);
			continue;
		}
		pg_zone_ent_t *z = &st->zones[st->nzones];
		if (!(z->file = strdup(files[i].name))) {
			e = DNS_ENOMEM;
			goto fail;
		}
		st->nzones++;
		dns_name_copy(z->origin, origin);
		snprintf(z->name, sizeof(z->name), "%s", files[i].name);
		z->blob = files[i].blob;
		e = load_entry(repo, commit, z, find_file(prev, z->file),
		               find_hint(hints, nhints, z->file, &z->blob), msg, msglen);
		if (e != DNS_OK)
			goto fail;
	}
	gitrepo_files_free(files, n);
	*out = st;
	*keys = ks;
	return DNS_OK;
fail:
	gitrepo_files_free(files, n);
	pg_repo_state_free(st);
	dns_keystore_free(ks);
	if (e == DNS_ENOMEM)
		snprintf(msg, msglen, "out of memory");
	return e;
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
