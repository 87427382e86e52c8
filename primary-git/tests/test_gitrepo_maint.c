/*
 * Unit tests of the local clone's pack maintenance (gitrepo.h): libgit2
 * has no gc, each commit adds a pack, and gitrepo_maintain() merges them
 * geometrically; checked with the git CLI (fsck, history) and by crashes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gitrepo.h"
#include "gitrepo_testlib.h"
/* ---- pack maintenance ---- */

#define INITIAL_ZONE "$ORIGIN example.com.\n@ SOA ns hostmaster 1 2 3 4 5\n"

/* The zone text of version @i (a few hundred bytes, so that deltas pay). */
static void zone_text(char *out, size_t len, unsigned i)
{
	int n = snprintf(out, len, "$ORIGIN example.com.\n@ SOA ns hostmaster %u 2 3 4 5\n", i + 1);
	for (unsigned k = 0; k < 20 && n > 0 && (size_t)n < len; k++)
		n += snprintf(out + n, len - (size_t)n, "host%u A 192.0.2.%u\n", k, (i + k) % 250);
	assert_true(n > 0 && (size_t)n < len);
}

static unsigned count_files(const char *state, const char *suffix)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/objects/pack", state);
	DIR *d = opendir(path);
	assert_non_null(d);
	unsigned n = 0;
	struct dirent *de;
	size_t ls = strlen(suffix);
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);
		if (l >= ls && strcmp(de->d_name + l - ls, suffix) == 0)
			n++;
	}
	closedir(d);
	return n;
}

/* Commit version @i of example.com and push it. */
static void commit_version(gitrepo_t *r, unsigned i)
{
	char msg[512], text[2048];
	gitrepo_oid_t head, c;
	assert_int_equal(gitrepo_head(r, &head, msg, sizeof(msg)), DNS_OK);
	zone_text(text, sizeof(text), i);
	gitrepo_change_t ch = { "example.com", (const uint8_t *)text, strlen(text) };
	assert_int_equal(gitrepo_commit(r, &head, &ch, 1, KEY, KEY, "v", &c, msg, sizeof(msg)),
	                 DNS_OK);
	dns_err_t e = gitrepo_push(r, msg, sizeof(msg));
	if (e != DNS_OK)
		fprintf(stderr, "push: %s\n", msg);
	assert_int_equal(e, DNS_OK);
}

/* Commit versions @from..@to-1 of example.com, each pushed, maintaining
 * after each; the pack count must stay bounded.  Without @bg, with
 * gitrepo_maintain().  With @bg, as the writer does: a due merge is prepared
 * on another thread while the next version is committed, then committed. */
typedef struct prep_arg {
	gitrepo_maint_t *job;
	dns_err_t err;
	char msg[512];
} prep_arg_t;

static void *prep_main(void *arg)
{
	prep_arg_t *a = arg;
	a->err = gitrepo_maint_prepare(a->job, a->msg, sizeof(a->msg));
	return NULL;
}

static unsigned commit_versions_mode(gitrepo_t *r, const char *state, unsigned from,
                                     unsigned to, bool bg)
{
	char msg[512];
	unsigned merges = 0;
	prep_arg_t a = { NULL, DNS_OK, "" };
	pthread_t th;
	for (unsigned i = from; i < to; i++) {
		commit_version(r, i);
		unsigned merged = 0;
		dns_err_t e = DNS_OK;
		if (!bg) {
			e = gitrepo_maintain(r, false, &merged, msg, sizeof(msg));
		} else if (a.job != NULL) {
			/* a commit was made while it was prepared: not merged */
			assert_int_equal(pthread_join(th, NULL), 0);
			if (a.err != DNS_OK)
				fprintf(stderr, "prepare: %s\n", a.msg);
			assert_int_equal(a.err, DNS_OK);
			e = gitrepo_maint_commit(r, a.job, &merged, msg, sizeof(msg));
			gitrepo_maint_free(a.job);
			a.job = NULL;
		} else if (gitrepo_maint_due(r, false)) {
			e = gitrepo_maint_begin(r, false, &a.job, msg, sizeof(msg));
			assert_non_null(a.job);
			assert_int_equal(pthread_create(&th, NULL, prep_main, &a), 0);
		}
		if (e != DNS_OK)
			fprintf(stderr, "maintain: %s\n", msg);
		assert_int_equal(e, DNS_OK);
		merges += merged > 0;
		/* in the background: the new pack and one more commit's on top */
		assert_true(count_files(state, ".pack") <= GITREPO_MAINT_PACKS + (bg ? 2 : 0));
		if (a.job == NULL)
			assert_int_equal(count_files(state, ".pack"), count_files(state, ".idx"));
	}
	if (a.job != NULL) {
		assert_int_equal(pthread_join(th, NULL), 0);
		assert_int_equal(a.err, DNS_OK);
		unsigned merged = 0;
		assert_int_equal(gitrepo_maint_commit(r, a.job, &merged, msg, sizeof(msg)), DNS_OK);
		gitrepo_maint_free(a.job);
		merges += merged > 0;
		assert_true(count_files(state, ".pack") <= GITREPO_MAINT_PACKS);
		assert_int_equal(count_files(state, ".pack"), count_files(state, ".idx"));
	}
	return merges;
}

static unsigned commit_versions(gitrepo_t *r, const char *state, unsigned from, unsigned to)
{
	return commit_versions_mode(r, state, from, to, false);
}

/* Every version, newest first, reads back; versions 0..@n-1 were
 * committed on top of the initial commit. */
static void check_history(gitrepo_t *r, unsigned n)
{
	gitrepo_oid_t *ids = NULL;
	size_t count = 0;
	char msg[256], text[2048];
	assert_int_equal(gitrepo_history(r, NULL, 100000, &ids, &count, msg, sizeof(msg)), DNS_OK);
	assert_int_equal(count, n + 1);
	for (size_t k = 0; k < n; k++) {
		zone_text(text, sizeof(text), (unsigned)(n - 1 - k));
		assert_file(r, &ids[k], "example.com", text);
		assert_file(r, &ids[k], "_keys", "k._update.example.com. DNSKEY 0 3 163 AAAA\n");
	}
	assert_file(r, &ids[n], "example.com", INITIAL_ZONE);
	free(ids);
}

/* While updates wait (busy), merging is deferred up to a higher bound;
 * once idle, the same packs are merged. */
static void test_maintenance_deferred_while_busy(void **state)
{
	const char *st = path_in("state");
	gitrepo_t *r = open_ok(path_in("remote.git#main"), st, NULL);
	const unsigned n = GITREPO_MAINT_PACKS + 8;
	unsigned merged = 0;
	char msg[512];
	for (unsigned i = 0; i < n; i++) {
		commit_version(r, i);
		assert_int_equal(gitrepo_maintain(r, true, &merged, msg, sizeof(msg)), DNS_OK);
		assert_int_equal(merged, 0);
	}
	assert_true(count_files(st, ".pack") > GITREPO_MAINT_PACKS);
	assert_int_equal(gitrepo_maintain(r, false, &merged, msg, sizeof(msg)), DNS_OK);
	assert_true(merged >= 2);
	assert_true(count_files(st, ".pack") <= GITREPO_MAINT_PACKS);
	check_history(r, n);
	gitrepo_close(r);
}

static void test_maintenance_bounds_packs(void **state)
{
	const char *st = path_in("state");
	gitrepo_t *r = open_ok(path_in("remote.git#main"), st, NULL);
	const unsigned n = 3 * GITREPO_MAINT_PACKS;
	assert_true(commit_versions(r, st, 0, n / 2) >= 1);
	/* the writer's way: merges prepared while commits go on */
	assert_true(commit_versions_mode(r, st, n / 2, n, true) >= 1);
	sh("%s -C %s fsck --full --no-progress --strict 2>&1", git, st);
	check_history(r, n);
	/* the remote has every commit too (one pack per push: not ours to repack) */
	gitrepo_oid_t head;
	char hmsg[256];
	assert_int_equal(gitrepo_head(r, &head, hmsg, sizeof(hmsg)), DNS_OK);
	assert_oid_rev(&head, path_in("remote.git"), "main");
	gitrepo_close(r);

	/* full consolidation: one pack, nothing lost, also after a reopen */
	r = open_ok(path_in("remote.git#main"), st, NULL);
	unsigned merged = 0;
	char msg[512];
	assert_int_equal(gitrepo_maintain_force(r, &merged, msg, sizeof(msg)), DNS_OK);
	assert_true(merged >= 2);
	assert_int_equal(count_files(st, ".pack"), 1);
	check_history(r, n);
	sh("%s -C %s fsck --full --no-progress --strict 2>&1", git, st);
	sh("%s -C %s fsck --full --no-progress 2>&1", git, path_in("remote.git"));
	/* the steps one by one, with a commit between prepare and commit:
	 * that commit's pack stays, the rest becomes one pack */
	commit_version(r, n);
	commit_version(r, n + 1);
	gitrepo_maint_t *job = NULL;
	assert_int_equal(gitrepo_maint_begin(r, true, &job, msg, sizeof(msg)), DNS_OK);
	assert_int_equal(gitrepo_maint_commit(r, job, &merged, msg, sizeof(msg)), DNS_EINVAL);
	assert_int_equal(gitrepo_maint_prepare(job, msg, sizeof(msg)), DNS_OK);
	assert_int_equal(gitrepo_maint_prepare(job, msg, sizeof(msg)), DNS_EINVAL);
	assert_int_equal(count_files(st, ".pack"), 4); /* nothing removed yet */
	commit_version(r, n + 2);
	check_history(r, n + 3);
	assert_int_equal(gitrepo_maint_commit(r, job, &merged, msg, sizeof(msg)), DNS_OK);
	assert_int_equal(merged, 3);
	assert_int_equal(count_files(st, ".pack"), 2);
	assert_int_equal(count_files(st, ".idx"), 2);
	assert_int_equal(gitrepo_maint_commit(r, job, &merged, msg, sizeof(msg)), DNS_OK);
	assert_int_equal(merged, 0); /* done once */
	gitrepo_maint_free(job);
	check_history(r, n + 3);
	sh("%s -C %s fsck --full --no-progress --strict 2>&1", git, st);
	/* below the threshold nothing happens */
	assert_false(gitrepo_maint_due(r, false));
	assert_int_equal(gitrepo_maintain(r, false, &merged, msg, sizeof(msg)), DNS_OK);
	assert_int_equal(merged, 0);
	gitrepo_close(r);
}

/* What a kill -9 can leave in objects/pack, and what the next open does. */
static void test_maintenance_crash_leftovers(void **state)
{
	const char *st = path_in("state");
	gitrepo_t *r = open_ok(path_in("remote.git#main"), st, NULL);
	commit_versions(r, st, 0, 6);
	gitrepo_close(r);
	unsigned before = count_files(st, ".idx"); /* the commits' (and the clone's, if any) */
	assert_true(before >= 6);
	char junk[1024];
	const char *names[] = {
		"tmp_pack_Ab12Cd", "pack_git2_XyZ123", "tmp_idx_Q1w2E3",
		/* an index renamed before its pack; a pack whose index went first */
		"pack-0123456789012345678901234567890123456789.idx",
		"pack-9876543210987654321098765432109876543210.pack",
		"pack-1111111111111111111111111111111111111111.idx.lock",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(junk, sizeof(junk), "%s/objects/pack/%s", st, names[i]);
		write_file(junk, "PACK half written");
	}
	/* a complete extra pack holding copies of recent objects: a merged
	 * pack written just before the crash, the old ones not yet removed */
	sh("%s -C %s rev-list --objects main~3..main | cut -d' ' -f1 | "
	   "%s -C %s pack-objects -q objects/pack/pack >/dev/null", git, st, git, st);
	unsigned packs = count_files(st, ".idx");
	assert_int_equal(packs, before + 2); /* the extra pack, the orphan index */

	r = open_ok(path_in("remote.git#main"), st, NULL);
	struct stat sb;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(junk, sizeof(junk), "%s/objects/pack/%s", st, names[i]);
		assert_int_not_equal(stat(junk, &sb), 0);
	}
	assert_int_equal(count_files(st, ".pack"), packs - 1);
	assert_int_equal(count_files(st, ".idx"), packs - 1);
	check_history(r, 6);
	unsigned merged = 0;
	char msg[512];
	assert_int_equal(gitrepo_maintain_force(r, &merged, msg, sizeof(msg)), DNS_OK);
	assert_int_equal(merged, packs - 1);
	assert_int_equal(count_files(st, ".pack"), 1);
	check_history(r, 6);
	commit_versions(r, st, 6, 8); /* and it goes on */
	check_history(r, 8);
	gitrepo_close(r);
	sh("%s -C %s fsck --full --no-progress --strict 2>&1", git, st);
}

/* kill -9 in the middle of a maintenance: after the next open every
 * version is still there and git finds nothing wrong. */
static void test_maintenance_kill9(void **state)
{
	const char *st = path_in("state");
	const useconds_t delays[] = { 0, 1000, 3000, 6000, 12000, 25000, 50000 };
	unsigned done = 0;
	for (size_t k = 0; k < sizeof(delays) / sizeof(delays[0]); k++) {
		gitrepo_t *r = open_ok(path_in("remote.git#main"), st, NULL);
		/* enough new packs to give the merge some work, none merged yet */
		char msg[512], text[2048];
		for (unsigned i = done; i < done + 12; i++) {
			gitrepo_oid_t head;
			assert_int_equal(gitrepo_head(r, &head, msg, sizeof(msg)), DNS_OK);
			zone_text(text, sizeof(text), i);
			gitrepo_change_t ch = { "example.com", (const uint8_t *)text, strlen(text) };
			assert_int_equal(gitrepo_commit(r, &head, &ch, 1, KEY, KEY, "v", NULL, msg,
			                                sizeof(msg)), DNS_OK);
		}
		done += 12;
		assert_int_equal(gitrepo_push(r, msg, sizeof(msg)), DNS_OK);
		gitrepo_close(r);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			gitrepo_t *c = NULL;
			gitrepo_config_t cfg = { .remote = path_in("remote.git#main"), .state_dir = st };
			if (gitrepo_open(&c, &cfg, NULL, NULL, 0) != DNS_OK ||
			    gitrepo_maintain_force(c, NULL, NULL, 0) != DNS_OK)
				_exit(1);
			_exit(0);
		}
		usleep(delays[k]);
		(void)kill(pid, SIGKILL);
		int status = 0;
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) == 0));
		r = open_ok(path_in("remote.git#main"), st, NULL);
		check_history(r, done);
		gitrepo_close(r);
		sh("%s -C %s fsck --full --no-progress 2>&1", git, st);
	}
}

static int group_teardown(void **state)
{
	return gitrepo_test_remove_top();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_maintenance_deferred_while_busy, setup),
		cmocka_unit_test_setup(test_maintenance_bounds_packs, setup),
		cmocka_unit_test_setup(test_maintenance_crash_leftovers, setup),
		cmocka_unit_test_setup(test_maintenance_kill9, setup),
	};
	return cmocka_run_group_tests(tests, gitrepo_test_group_setup, group_teardown);
}
