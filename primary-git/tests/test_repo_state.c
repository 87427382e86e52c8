/*
 * Unit tests for repo_state.c and history.c against a real repository
 * made with the git CLI: zones and keys of a commit, only changed blobs
 * re-parsed, the last good version kept when a zone breaks, and the
 * serial → commit index.
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

/* Commit everything in work/; the new commit id into @oid. */
static void commit(gitrepo_oid_t *oid, const char *message)
{
	sh("cd %s/work && %s add -A && %s -c user.name=t -c user.email=t@example.com commit -q -m '%s'",
	   top, git, git, message);
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
	sh("rm -rf %s/work %s/state && mkdir -p %s/work && cd %s/work && %s init -q -b main", top, top,
	   top, top, git);
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
	assert_int_equal(pg_zone_from_text("example.com", "example.com", ex, (char *)text, len, true,
	                                   &old), DNS_OK);
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
	};
	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
