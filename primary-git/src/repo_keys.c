/*
 * repo_keys.c - key files of a commit, each keeping its last good version.
 *
 * A key file is all or nothing: a new version with any finding (bad
 * base64, an unknown algorithm, a key outside the file's zone, a key
 * another file already defines) is not used at all, and the version
 * before it, the last one that loaded cleanly, stays in force.  Using the
 * good keys of a half-broken file would silently drop the broken ones:
 * the operator would learn it from BADKEY answers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/log.h"
#include "repo_state.h"

/* Add the keys of @from to @ks; a key @ks already holds (from another
 * file) is reported and skipped.  Returns the number skipped. */
static size_t merge(dns_keystore_t *ks, const dns_keystore_t *from, const char *file, bool quiet,
                    bool *oom)
{
	size_t skipped = 0;
	for (size_t i = 0; i < dns_keystore_count(from); i++) {
		const dns_tsig_key_t *k = dns_keystore_at(from, i);
		dns_err_t e = dns_keystore_add(ks, k);
		if (e == DNS_ENOMEM)
			*oom = true;
		if (e == DNS_OK)
			continue;
		skipped++;
		if (quiet)
			continue;
		char name[DNS_NAME_TEXT_MAX];
		dns_name_to_text(k->name, name, sizeof(name));
		dns_log(DNS_LOG_ERROR, "key file error", "file", file, "key", name, "error",
		        e == DNS_EEXIST ? "a key of this name is defined by another key file: skipped"
		                        : dns_strerror(e), NULL);
	}
	return skipped;
}

/* Parse version @blob of key file @file into a new store *out; the number
 * of findings (errors) into *errors, logged unless @quiet. */
static dns_err_t parse(gitrepo_t *repo, const char *file, const gitrepo_oid_t *blob,
                       const uint8_t *origin, bool quiet, dns_keystore_t **out, size_t *errors)
{
	*out = NULL;
	*errors = 0;
	uint8_t *text = NULL;
	size_t len = 0;
	char msg[512];
	dns_err_t e = gitrepo_read_blob(repo, blob, &text, &len, msg, sizeof(msg));
	if (e == DNS_ENOMEM)
		return e;
	if (e != DNS_OK) {
		if (!quiet)
			dns_log(DNS_LOG_ERROR, "key file error", "file", file, "error", msg, NULL);
		*errors = 1;
		return DNS_OK;
	}
	dns_keystore_t *ks = dns_keystore_new();
	if (!ks) {
		free(text);
		return DNS_ENOMEM;
	}
	pg_report_t r = { NULL, file, quiet, true, 0, NULL, 0 };
	e = dns_keystore_load_buffer(ks, file, (const char *)text, len, origin, pg_report_finding, &r);
	free(text);
	*errors = r.errors + (e != DNS_OK && r.errors == 0);
	*out = ks;
	return DNS_OK;
}

/* Keys of @from that another file already gave @ks: findings of this file. */
static size_t clashes(const dns_keystore_t *ks, const dns_keystore_t *from, const char *file)
{
	size_t n = 0;
	for (size_t i = 0; i < dns_keystore_count(from); i++) {
		const dns_tsig_key_t *k = dns_keystore_at(from, i);
		if (!dns_keystore_find(ks, k->name))
			continue;
		char name[DNS_NAME_TEXT_MAX];
		dns_name_to_text(k->name, name, sizeof(name));
		dns_log(DNS_LOG_ERROR, "key file error", "file", file, "key", name, "error",
		        "a key of this name is defined by another key file", NULL);
		n++;
	}
	return n;
}

/* Use version @blob, known to be good (or unchanged since it was used). */
static dns_err_t use_version(gitrepo_t *repo, const pg_key_ent_t *ent, const gitrepo_oid_t *blob,
                             dns_keystore_t *ks)
{
	dns_keystore_t *v = NULL;
	size_t errors = 0;
	dns_err_t e = parse(repo, ent->file, blob, ent->origin, true, &v, &errors);
	bool oom = false;
	if (e == DNS_OK && v)
		merge(ks, v, ent->file, false, &oom);
	dns_keystore_free(v);
	return oom ? DNS_ENOMEM : e;
}

dns_err_t pg_keys_load(gitrepo_t *repo, const gitrepo_file_t *f, const uint8_t *origin,
                       const pg_key_ent_t *old, dns_keystore_t *ks, pg_key_ent_t *ent)
{
	memset(ent, 0, sizeof(*ent));
	if (!(ent->file = strdup(f->name)))
		return DNS_ENOMEM;
	dns_name_copy(ent->origin, origin);
	ent->blob = f->blob;
	if (old) {
		ent->load_errors = old->load_errors;
		ent->good = old->good;
		ent->has_good = old->has_good;
	}
	if (old && gitrepo_oid_equal(&old->blob, &f->blob)) {
		/* unchanged: reported when it arrived */
		ent->failed = old->failed;
		if (!old->failed)
			return use_version(repo, ent, &f->blob, ks);
		return ent->has_good ? use_version(repo, ent, &ent->good, ks) : DNS_OK;
	}
	dns_keystore_t *v = NULL;
	size_t errors = 0;
	dns_err_t e = parse(repo, f->name, &f->blob, origin, false, &v, &errors);
	if (e != DNS_OK)
		return e;
	if (v)
		errors += clashes(ks, v, f->name);
	if (errors == 0) {
		bool oom = false;
		merge(ks, v, f->name, false, &oom);
		dns_keystore_free(v);
		ent->good = f->blob;
		ent->has_good = true;
		char count[24];
		snprintf(count, sizeof(count), "%zu", dns_keystore_count(ks));
		dns_log(DNS_LOG_INFO, "key file loaded", "file", f->name, "keys_in_store", count, NULL);
		return oom ? DNS_ENOMEM : DNS_OK;
	}
	dns_keystore_free(v);
	ent->failed = true;
	ent->load_errors++;
	if (!ent->has_good) {
		dns_log(DNS_LOG_ERROR, "key file not loaded: none of its keys is in use", "file", f->name,
		        NULL);
		return DNS_OK;
	}
	char hex[GITREPO_OID_HEXSIZE];
	gitrepo_oid_fmt(&ent->good, hex);
	hex[12] = '\0';
	dns_log(DNS_LOG_WARN, "key file failed to load: keeping its last good version", "file",
	        f->name, "blob", hex, NULL);
	return use_version(repo, ent, &ent->good, ks);
}
