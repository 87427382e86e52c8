/*
 * Unit tests for repo_state.c and history.c against a real repository
 * made with the git CLI: zones and keys of a commit, only changed blobs
 * re-parsed, the last good version kept when a zone breaks, and the
 * serial → commit index.  The load rules of issue 12: two files naming
 * one zone both refused, root entries that are not zones skipped, key
 * files keeping their last good version, $INCLUDE from the same commit
 * with its dependencies tracked, removed zones remembered.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "dns/name.h"
#include "history.h"
#include "repo_state.h"

static char top[256];
static const char *git = "git";

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	assert_int_equal(system(cmd), 0);
}

static void write_file(const char *name, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/work/%s", top, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void commit_head(gitrepo_oid_t *oid);

/* Commit everything in work/; the new commit id into @oid. */
static void commit(gitrepo_oid_t *oid, const char *message)
{
	sh("cd %s/work && %s add -A && %s -c user.name=t -c user.email=t@example.com commit -q -m '%s'",
	   top, git, git, message);
	commit_head(oid);
}

/* The id of work/'s HEAD. */
static void commit_head(gitrepo_oid_t *oid)
{
	char path[512], hex[64] = "";
	snprintf(path, sizeof(path), "%s/head", top);
	sh("cd %s/work && %s rev-parse HEAD > %s", top, git, path);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(hex, sizeof(hex), f));
	fclose(f);
	hex[40] = '\0';
	assert_int_equal(gitrepo_oid_parse(oid, hex), DNS_OK);
}

static const char *zone(unsigned serial, const char *extra)
{
	static char buf[1024];
	snprintf(buf, sizeof(buf),
	         "$ORIGIN example.com.\n$TTL 3600\n"
	         "@ SOA ns1 hostmaster %u 3600 900 604800 300\n"
	         "@ NS ns1\nns1 A 192.0.2.53\n%s", serial, extra);
	return buf;
}

static const char other_zone[] =
	"$ORIGIN other.org.\n$TTL 3600\n@ SOA ns hm 7 1 1 1 1\n@ NS ns\nns A 192.0.2.1\n";

static const char keys_file[] =
	"hook._notify.example.com. DNSKEY 0 3 163 QEneceGzMV3Bcpuyd4NdRemyOfEnNJoWPA13xlr5+gI=\n"
	"sec._transfer.example.com. DNSKEY 0 3 163 vRC0tsGj8S0AAPEQR93HZHi8msv7R71QIphQdqA8FdE=\n";

static void origin_of(uint8_t *o, const char *text)
{
	size_t n;
	assert_int_equal(dns_name_from_text(o, &n, text, strlen(text), NULL), DNS_OK);
}

static gitrepo_t *open_clone(void)
{
	char remote[512], state[512];
	snprintf(remote, sizeof(remote), "%s/work", top);
	snprintf(state, sizeof(state), "%s/state", top);
	gitrepo_config_t cfg = { remote, state, NULL, NULL, NULL, NULL };
	gitrepo_t *repo = NULL;
	char msg[512];
	assert_int_equal(gitrepo_open(&repo, &cfg, NULL, msg, sizeof(msg)), DNS_OK);
	return repo;
}

static gitrepo_oid_t fetch(gitrepo_t *repo)
{
	gitrepo_fetch_result_t res;
	assert_int_equal(gitrepo_fetch(repo, &res, NULL, 0), DNS_OK);
	return res.head;
}

/* A fresh work/ repository. */
static void new_work(void)
{
	sh("rm -rf %s/work %s/state && mkdir -p %s/work && cd %s/work && %s init -q -b main", top, top,
	   top, top, git);
}

/* A small zone @origin (no trailing dot) with @extra lines. */
static const char *zone_at(const char *origin, unsigned serial, const char *extra)
{
	static char buf[1024];
	snprintf(buf, sizeof(buf),
	         "$ORIGIN %s.\n$TTL 3600\n@ SOA ns1 hostmaster %u 3600 900 604800 300\n"
	         "@ NS ns1\nns1 A 192.0.2.53\n%s", origin, serial, extra);
	return buf;
}

/* Commit @commit loaded on top of *st (freed): the new state replaces it. */
static void load_next(gitrepo_t *repo, const gitrepo_oid_t *commit, pg_repo_state_t **st,
                      dns_keystore_t **ks)
{
	pg_repo_state_t *next = NULL;
	dns_keystore_t *nks = NULL;
	assert_int_equal(pg_repo_state_load(repo, commit, *st, &next, &nks, NULL, 0), DNS_OK);
	pg_repo_state_free(*st);
	dns_keystore_free(*ks);
	*st = next;
	*ks = nks;
}

static const pg_zone_ent_t *find(const pg_repo_state_t *st, const char *name)
{
	uint8_t o[DNS_NAME_MAX];
	origin_of(o, name);
	return pg_repo_state_find(st, o);
}

/* Whether the served version of zone @zname has a node @owner. */
static bool has_name(const pg_repo_state_t *st, const char *zname, const char *owner)
{
	const pg_zone_ent_t *z = find(st, zname);
	uint8_t o[DNS_NAME_MAX];
	origin_of(o, owner);
	return z && z->zone && dns_zone_find(z->zone, o) != NULL;
}

static void test_file_names(void **state)
{
	uint8_t o[DNS_NAME_MAX], want[DNS_NAME_MAX];
	assert_true(pg_is_zone_file("example.com", o));
	origin_of(want, "example.com.");
	assert_true(dns_name_equal(o, want));
	assert_false(pg_is_zone_file(".gitignore", o));
	assert_false(pg_is_zone_file("_keys", o));
	assert_false(pg_is_zone_file("example.com._keys", o));
	assert_false(pg_is_zone_file("README.md", o));
	assert_false(pg_is_zone_file("post-receive", o));
	assert_true(pg_is_key_file("_keys", o));
	assert_int_equal(o[0], 0);
	assert_true(pg_is_key_file("example.com._keys", o));
	assert_true(dns_name_equal(o, want));
	assert_false(pg_is_key_file("example.com", o));
}

static void test_load_reload_history(void **state)
{
	new_work();
	gitrepo_oid_t c1, c2, c3;
	write_file("example.com", zone(1, "www A 192.0.2.80\n"));
	write_file("other.org", other_zone);
	write_file("_keys", keys_file);
	write_file("README.md", "not a zone\n");
	commit(&c1, "one");

	gitrepo_t *repo = open_clone();
	gitrepo_oid_t head;
	assert_int_equal(gitrepo_head(repo, &head, NULL, 0), DNS_OK);
	assert_true(gitrepo_oid_equal(&head, &c1));
	pg_repo_state_t *s1 = NULL;
	dns_keystore_t *k1 = NULL;
	assert_int_equal(pg_repo_state_load(repo, &c1, NULL, &s1, &k1, NULL, 0), DNS_OK);
	assert_int_equal(s1->nzones, 2); /* README.md skipped */
	assert_int_equal(dns_keystore_count(k1), 2);
	uint8_t ex[DNS_NAME_MAX], other[DNS_NAME_MAX];
	origin_of(ex, "example.com.");
	origin_of(other, "other.org.");
	const pg_zone_ent_t *e1 = pg_repo_state_find(s1, ex);
	assert_non_null(e1);
	assert_non_null(e1->zone);
	assert_int_equal(dns_zone_serial(e1->zone), 1);
	assert_false(e1->failed);
	dns_zoneset_t *set = pg_repo_state_zoneset(s1);
	assert_int_equal(dns_zoneset_count(set), 2);
	dns_zoneset_free(set);

	/* a broken version (unknown type): the last good one keeps serving */
	write_file("example.com", zone(2, "www AAA 192.0.2.81\n"));
	commit(&c2, "broken");
	head = fetch(repo);
	assert_true(gitrepo_oid_equal(&head, &c2));
	pg_repo_state_t *s2 = NULL;
	dns_keystore_t *k2 = NULL;
	assert_int_equal(pg_repo_state_load(repo, &c2, s1, &s2, &k2, NULL, 0), DNS_OK);
	const pg_zone_ent_t *e2 = pg_repo_state_find(s2, ex);
	assert_true(e2->failed);
	assert_true(e2->reloaded);
	assert_int_equal(e2->load_errors, 1);
	assert_ptr_equal(e2->zone, e1->zone);
	assert_int_equal(dns_zone_serial(e2->zone), 1);
	/* the unchanged zone was not parsed again: the very same zone */
	assert_false(pg_repo_state_find(s2, other)->reloaded);
	assert_ptr_equal(pg_repo_state_find(s2, other)->zone, pg_repo_state_find(s1, other)->zone);

	/* fixed */
	write_file("example.com", zone(3, "www A 192.0.2.82\n"));
	commit(&c3, "fixed");
	head = fetch(repo);
	pg_repo_state_t *s3 = NULL;
	dns_keystore_t *k3 = NULL;
	assert_int_equal(pg_repo_state_load(repo, &c3, s2, &s3, &k3, NULL, 0), DNS_OK);
	const pg_zone_ent_t *e3 = pg_repo_state_find(s3, ex);
	assert_false(e3->failed);
	assert_int_equal(dns_zone_serial(e3->zone), 3);
	assert_int_equal(e3->load_errors, 1);
	assert_true(e3->had_prev);
	assert_int_equal(e3->prev_serial, 1);

	/* history: serial → commit, newest first, from scratch and incrementally */
	pg_history_t *h1 = pg_history_build(repo, &c1, s1, NULL, 0);
	assert_non_null(h1);
	assert_int_equal(pg_history_count(h1, "example.com"), 1);
	pg_history_t *h3 = pg_history_build(repo, &c3, s3, h1, 0);
	assert_non_null(h3);
	assert_int_equal(pg_history_count(h3, "example.com"), 3);
	pg_hist_ent_t ent;
	assert_true(pg_history_find(h3, "example.com", 1, &ent));
	assert_true(gitrepo_oid_equal(&ent.commit, &c1));
	assert_true(pg_history_find_origin(h3, ex, 3, &ent));
	assert_true(gitrepo_oid_equal(&ent.commit, &c3));
	assert_true(pg_history_find(h3, "example.com", 2, &ent));
	assert_true(gitrepo_oid_equal(&ent.commit, &c2));
	assert_false(pg_history_find(h3, "example.com", 4, &ent));
	assert_int_equal(pg_history_count(h3, "other.org"), 1);
	assert_int_equal(pg_history_at(h3, "other.org", 0)->serial, 7);
	pg_history_t *hfull = pg_history_build(repo, &c3, s3, NULL, 0);
	assert_int_equal(pg_history_count(hfull, "example.com"), 3);
	assert_int_equal(pg_history_at(hfull, "example.com", 2)->serial, 1);

	/* the old version, rebuilt from its blob */
	uint8_t *text = NULL;
	size_t len = 0;
	assert_true(pg_history_find(h3, "example.com", 1, &ent));
	assert_int_equal(gitrepo_read_blob(repo, &ent.blob, &text, &len, NULL, 0), DNS_OK);
	dns_zone_t *old = NULL;
	assert_int_equal(pg_zone_from_text("example.com", "example.com", ex, (char *)text, len, NULL,
	                                   true, &old), DNS_OK);
	free(text);
	assert_int_equal(dns_zone_serial(old), 1);
	pg_zcache_t cache;
	pg_zcache_init(&cache);
	assert_null(pg_zcache_get(&cache, &ent.blob));
	pg_zcache_put(&cache, &ent.blob, old);
	dns_zone_t *again = pg_zcache_get(&cache, &ent.blob);
	assert_ptr_equal(again, old);
	dns_zone_unref(again);
	dns_zone_unref(old);
	pg_zcache_destroy(&cache);

	pg_history_unref(h1);
	pg_history_unref(h3);
	pg_history_unref(hfull);
	pg_repo_state_free(s1);
	pg_repo_state_free(s2);
	pg_repo_state_free(s3);
	dns_keystore_free(k1);
	dns_keystore_free(k2);
	dns_keystore_free(k3);
	gitrepo_close(repo);
}

/* Two files naming one zone are both refused; the zone keeps its last good
 * version; root entries that are not zones are skipped. */
static void test_duplicates_and_skipped(void **state)
{
	new_work();
	gitrepo_oid_t c1, c2, c3;
	write_file("example.com", zone(1, "www A 192.0.2.80\n"));
	write_file("other.org", other_zone);
	write_file("a b.test", zone_at("a\\032b.test", 1, ""));  /* not a domain name as a file name */
	write_file("common.inc", "www A 192.0.2.1\n");
	sh("mkdir -p %s/work/sub && echo x > %s/work/sub/zone.test", top, top);
	sh("cd %s/work && ln -s example.com link.test", top);
	commit(&c1, "one");
	/* a submodule entry (mode 160000), as git records one */
	sh("cd %s/work && %s update-index --add --cacheinfo 160000,%s,mod.test", top, git,
	   "1111111111111111111111111111111111111111");
	sh("cd %s/work && %s -c user.name=t -c user.email=t@example.com commit -q -m sub", top, git);
	c1 = (gitrepo_oid_t){ { 0 } };
	commit_head(&c1);
	gitrepo_t *repo = open_clone();
	pg_repo_state_t *st = NULL;
	dns_keystore_t *ks = NULL;
	load_next(repo, &c1, &st, &ks);
	assert_int_equal(st->nzones, 2); /* example.com, other.org: nothing else is a zone */
	assert_non_null(find(st, "example.com."));
	assert_null(find(st, "link.test."));
	assert_null(find(st, "mod.test."));
	assert_null(find(st, "common.inc."));
	const pg_zone_ent_t *z1 = find(st, "example.com.");
	dns_zone_t *good = z1->zone;
	assert_non_null(good);

	/* EXAMPLE.COM beside example.com: both refused, the last good serves */
	write_file("EXAMPLE.COM", zone(2, "www A 192.0.2.99\n"));
	commit(&c2, "duplicate");
	fetch(repo);
	load_next(repo, &c2, &st, &ks);
	assert_int_equal(st->nzones, 2);
	const pg_zone_ent_t *z2 = find(st, "example.com.");
	assert_non_null(z2->dup_file);
	assert_string_equal(z2->file, "EXAMPLE.COM");
	assert_string_equal(z2->dup_file, "example.com");
	assert_true(z2->failed);
	assert_ptr_equal(z2->zone, good);
	assert_int_equal(z2->load_errors, 1);
	dns_zoneset_t *set = pg_repo_state_zoneset(st);
	assert_int_equal(dns_zoneset_count(set), 2); /* one zone, not two */
	dns_zoneset_free(set);
	/* the same pair again: still refused, not counted twice */
	load_next(repo, &c2, &st, &ks);
	assert_true(find(st, "example.com.")->failed);
	assert_int_equal(find(st, "example.com.")->load_errors, 1);

	/* \101xample.com instead of EXAMPLE.COM: the same zone by escapes */
	sh("cd %s/work && git rm -q EXAMPLE.COM", top);
	write_file("\\101xample.com", zone(3, ""));
	commit(&c3, "escaped duplicate");
	fetch(repo);
	load_next(repo, &c3, &st, &ks);
	assert_true(find(st, "example.com.")->failed);
	assert_string_equal(find(st, "example.com.")->dup_file, "example.com");
	assert_int_equal(find(st, "example.com.")->load_errors, 2);
	assert_ptr_equal(find(st, "example.com.")->zone, good);

	/* from scratch (a restart): no last good version, nothing served */
	pg_repo_state_t *fresh = NULL;
	dns_keystore_t *fks = NULL;
	assert_int_equal(pg_repo_state_load(repo, &c3, NULL, &fresh, &fks, NULL, 0), DNS_OK);
	assert_true(find(fresh, "example.com.")->failed);
	assert_null(find(fresh, "example.com.")->zone);
	pg_repo_state_free(fresh);
	dns_keystore_free(fks);

	/* the duplicate removed: the remaining file serves */
	sh("cd %s/work && git rm -q '\\101xample.com'", top);
	write_file("example.com", zone(4, ""));
	commit(&c3, "fixed");
	fetch(repo);
	load_next(repo, &c3, &st, &ks);
	assert_false(find(st, "example.com.")->failed);
	assert_null(find(st, "example.com.")->dup_file);
	assert_int_equal(dns_zone_serial(find(st, "example.com.")->zone), 4);
	pg_repo_state_free(st);
	dns_keystore_free(ks);
	gitrepo_close(repo);
}

static const char bad_keys_file[] =
	"hook._notify.example.com. DNSKEY 0 3 163 QEneceGzMV3Bcpuyd4NdRemyOfEnNJoWPA13xlr5+gI=\n"
	"new._transfer.example.com. DNSKEY 0 3 163 not*base64\n"
	"new2._transfer.example.com. DNSKEY 0 3 163 vRC0tsGj8S0AAPEQR93HZHi8msv7R71QIphQdqA8FdE=\n";

static bool has_key(const dns_keystore_t *ks, const char *name)
{
	uint8_t n[DNS_NAME_MAX];
	origin_of(n, name);
	return dns_keystore_find(ks, n) != NULL;
}

/* A key file with any error keeps its last good version. */
static void test_key_file_last_good(void **state)
{
	new_work();
	gitrepo_oid_t c1, c2, c3;
	write_file("example.com", zone(1, ""));
	write_file("_keys", keys_file);
	commit(&c1, "keys");
	gitrepo_t *repo = open_clone();
	pg_repo_state_t *st = NULL;
	dns_keystore_t *ks = NULL;
	load_next(repo, &c1, &st, &ks);
	assert_int_equal(dns_keystore_count(ks), 2);
	assert_int_equal(st->nkeyfiles, 1);
	assert_false(st->keyfiles[0].failed);

	/* bad base64 on one line: none of the new version is used */
	write_file("_keys", bad_keys_file);
	commit(&c2, "bad keys");
	fetch(repo);
	load_next(repo, &c2, &st, &ks);
	const pg_key_ent_t *k = pg_repo_state_keyfile(st, "_keys");
	assert_non_null(k);
	assert_true(k->failed);
	assert_int_equal(k->load_errors, 1);
	assert_int_equal(dns_keystore_count(ks), 2);
	assert_true(has_key(ks, "sec._transfer.example.com."));  /* the old version's */
	assert_false(has_key(ks, "new2._transfer.example.com."));
	/* unchanged on the next load: still the last good, not counted again */
	load_next(repo, &c2, &st, &ks);
	assert_true(pg_repo_state_keyfile(st, "_keys")->failed);
	assert_int_equal(pg_repo_state_keyfile(st, "_keys")->load_errors, 1);
	assert_true(has_key(ks, "sec._transfer.example.com."));

	/* at start, with no good version: not loaded at all */
	pg_repo_state_t *fresh = NULL;
	dns_keystore_t *fks = NULL;
	assert_int_equal(pg_repo_state_load(repo, &c2, NULL, &fresh, &fks, NULL, 0), DNS_OK);
	assert_true(pg_repo_state_keyfile(fresh, "_keys")->failed);
	assert_int_equal(dns_keystore_count(fks), 0);
	pg_repo_state_free(fresh);
	dns_keystore_free(fks);

	/* a key already defined by another key file counts as an error of the
	 * file that brings it */
	write_file("_keys", keys_file);
	write_file("example.com._keys",
	           "hook._notify.example.com. DNSKEY 0 3 163 vRC0tsGj8S0AAPEQR93HZHi8msv7R71QIphQdqA8FdE=\n");
	commit(&c3, "fixed, and a clash");
	fetch(repo);
	load_next(repo, &c3, &st, &ks);
	assert_false(pg_repo_state_keyfile(st, "_keys")->failed);
	assert_true(pg_repo_state_keyfile(st, "example.com._keys")->failed);
	assert_int_equal(dns_keystore_count(ks), 2);
	pg_repo_state_free(st);
	dns_keystore_free(ks);
	gitrepo_close(repo);
}

/* $INCLUDE from the same commit; a commit changing only an included file
 * reloads the zones that include it, and only those. */
static void test_include_dependencies(void **state)
{
	new_work();
	gitrepo_oid_t c;
	write_file("a.test", zone_at("a.test", 1, "$INCLUDE common.inc\n$INCLUDE inc/mail.inc\n"));
	write_file("b.test", zone_at("b.test", 1, "$INCLUDE common.inc\n"));
	write_file("c.test", zone_at("c.test", 1, "www A 192.0.2.3\n"));
	write_file("common.inc", "www A 192.0.2.1\n");
	sh("mkdir -p %s/work/inc", top);
	write_file("inc/mail.inc", "mail A 192.0.2.25\n");
	commit(&c, "includes");
	gitrepo_t *repo = open_clone();
	pg_repo_state_t *st = NULL;
	dns_keystore_t *ks = NULL;
	load_next(repo, &c, &st, &ks);
	assert_int_equal(st->nzones, 3);
	assert_true(has_name(st, "a.test.", "www.a.test."));
	assert_true(has_name(st, "a.test.", "mail.a.test."));
	assert_true(has_name(st, "b.test.", "www.b.test."));
	assert_int_equal(find(st, "a.test.")->ndeps, 2);
	assert_int_equal(find(st, "b.test.")->ndeps, 1);
	assert_int_equal(find(st, "c.test.")->ndeps, 0);

	/* only common.inc changes: a and b reload, c does not */
	write_file("common.inc", "www A 192.0.2.1\nftp A 192.0.2.21\n");
	commit(&c, "common.inc");
	fetch(repo);
	load_next(repo, &c, &st, &ks);
	assert_true(find(st, "a.test.")->reloaded);
	assert_true(find(st, "b.test.")->reloaded);
	assert_false(find(st, "c.test.")->reloaded);
	assert_true(has_name(st, "a.test.", "ftp.a.test."));
	assert_true(has_name(st, "b.test.", "ftp.b.test."));

	/* only inc/mail.inc changes: a alone */
	write_file("inc/mail.inc", "mail A 192.0.2.26\nmx2 A 192.0.2.27\n");
	commit(&c, "mail.inc");
	fetch(repo);
	load_next(repo, &c, &st, &ks);
	assert_true(find(st, "a.test.")->reloaded);
	assert_false(find(st, "b.test.")->reloaded);
	assert_true(has_name(st, "a.test.", "mx2.a.test."));

	/* a missing file: refused, the last good version serves; adding the
	 * file (and nothing else) reloads it */
	dns_zone_t *good = find(st, "a.test.")->zone;
	write_file("a.test", zone_at("a.test", 2, "$INCLUDE common.inc\n$INCLUDE later.inc\n"));
	commit(&c, "missing include");
	fetch(repo);
	load_next(repo, &c, &st, &ks);
	assert_true(find(st, "a.test.")->failed);
	assert_ptr_equal(find(st, "a.test.")->zone, good);
	write_file("later.inc", "late A 192.0.2.30\n");
	commit(&c, "the missing file");
	fetch(repo);
	load_next(repo, &c, &st, &ks);
	assert_false(find(st, "a.test.")->failed);
	assert_int_equal(dns_zone_serial(find(st, "a.test.")->zone), 2);
	assert_true(has_name(st, "a.test.", "late.a.test."));

	/* files by path, as the include resolver reads them */
	gitrepo_oid_t blob;
	gitrepo_kind_t kind = GITREPO_KIND_FILE;
	uint8_t *data = NULL;
	size_t len = 0;
	sh("cd %s/work && ln -s ../common.inc inc/link.inc", top);
	commit(&c, "a symlink under inc/");
	fetch(repo);
	assert_int_equal(gitrepo_read_path(repo, &c, "inc/mail.inc", &blob, &kind, &data, &len, NULL,
	                                   0), DNS_OK);
	assert_int_equal(kind, GITREPO_KIND_FILE);
	assert_memory_equal(data, "mail A", 6);
	free(data);
	assert_int_equal(gitrepo_read_path(repo, &c, "inc/link.inc", &blob, &kind, NULL, NULL, NULL,
	                                   0), DNS_EINVAL);
	assert_int_equal(kind, GITREPO_KIND_SYMLINK);
	assert_int_equal(gitrepo_read_path(repo, &c, "inc", &blob, &kind, NULL, NULL, NULL, 0),
	                 DNS_EINVAL);
	assert_int_equal(kind, GITREPO_KIND_TREE);
	assert_int_equal(gitrepo_read_path(repo, &c, "inc/nope.inc", &blob, NULL, NULL, NULL, NULL, 0),
	                 DNS_ENOTFOUND);
	assert_int_equal(gitrepo_read_path(repo, &c, "common.inc/x", &blob, NULL, NULL, NULL, NULL, 0),
	                 DNS_ENOTFOUND);
	static const char *const malformed[] = { "", "/common.inc", "inc/../common.inc", "./common.inc",
	                                         "inc//mail.inc", "inc/" };
	for (unsigned i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++)
		assert_int_equal(gitrepo_read_path(repo, &c, malformed[i], &blob, NULL, NULL, NULL, NULL,
		                                   0), DNS_EINVAL);

	/* outside the repository, a zone file, a symlink: refused */
	static const char *const bad[] = { "$INCLUDE ../x.inc\n", "$INCLUDE c.test\n",
	                                   "$INCLUDE /etc/hosts\n", "$INCLUDE _keys\n",
	                                   "$INCLUDE inc/link.inc\n" };
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		good = find(st, "b.test.")->zone;
		write_file("b.test", zone_at("b.test", 10 + i, bad[i]));
		commit(&c, "bad include");
		fetch(repo);
		load_next(repo, &c, &st, &ks);
		assert_true(find(st, "b.test.")->failed);
		assert_ptr_equal(find(st, "b.test.")->zone, good);
	}
	pg_repo_state_free(st);
	dns_keystore_free(ks);
	gitrepo_close(repo);
}

/* A zone whose file is removed is remembered (last serial, commit). */
static void test_removed_zones(void **state)
{
	new_work();
	gitrepo_oid_t c1, c2, c3;
	write_file("example.com", zone(5, ""));
	write_file("other.org", other_zone);
	commit(&c1, "two zones");
	gitrepo_t *repo = open_clone();
	pg_repo_state_t *st = NULL;
	dns_keystore_t *ks = NULL;
	load_next(repo, &c1, &st, &ks);
	assert_int_equal(st->nremoved, 0);
	sh("cd %s/work && git rm -q other.org", top);
	commit(&c2, "other.org removed");
	fetch(repo);
	load_next(repo, &c2, &st, &ks);
	assert_int_equal(st->nzones, 1);
	assert_int_equal(st->nremoved, 1);
	uint8_t other[DNS_NAME_MAX];
	origin_of(other, "OTHER.org.");
	const pg_removed_t *r = pg_repo_state_removed(st, other);
	assert_non_null(r);
	assert_string_equal(r->name, "other.org");
	assert_int_equal(r->serial, 7);
	assert_true(gitrepo_oid_equal(&r->commit, &c2));
	load_next(repo, &c2, &st, &ks); /* remembered from state to state */
	assert_non_null(pg_repo_state_removed(st, other));
	write_file("other.org", other_zone);
	commit(&c3, "back");
	fetch(repo);
	load_next(repo, &c3, &st, &ks);
	assert_null(pg_repo_state_removed(st, other));
	assert_int_equal(st->nzones, 2);
	pg_repo_state_free(st);
	dns_keystore_free(ks);
	gitrepo_close(repo);
}

static void test_serial_of_text(void **state)
{
	uint8_t ex[DNS_NAME_MAX];
	origin_of(ex, "example.com.");
	const char *t = zone(2026112201, "www AAA broken\n");
	uint32_t serial = 0;
	assert_int_equal(pg_serial_of_text(t, strlen(t), ex, &serial), DNS_OK);
	assert_int_equal(serial, 2026112201u);
	assert_int_equal(pg_serial_of_text("www A 192.0.2.1\n", 16, ex, &serial), DNS_ENOTFOUND);
}

static int setup_all(void **state)
{
	const char *g = getenv("GIT");
	if (g && *g)
		git = g;
	snprintf(top, sizeof(top), "/tmp/test_repo_state.XXXXXX");
	if (!mkdtemp(top))
		return -1;
	return 0;
}

static int teardown_all(void **state)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", top);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_names),
		cmocka_unit_test(test_load_reload_history),
		cmocka_unit_test(test_serial_of_text),
		cmocka_unit_test(test_duplicates_and_skipped),
		cmocka_unit_test(test_key_file_last_good),
		cmocka_unit_test(test_include_dependencies),
		cmocka_unit_test(test_removed_zones),
	};
	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
