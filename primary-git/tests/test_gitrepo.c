/*
 * Unit tests for the libgit2 adapter (gitrepo.h).  The git CLI is the
 * independent reference: it builds the "remote" repositories, makes the
 * concurrent pushes, and checks what our pushes left there.  A private
 * sshd on 127.0.0.1 serves the ssh tests.  Everything lives in one
 * temporary directory, removed at the end.
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
static pid_t sshd_pid = -1;

/* ---- clone, list, read ---- */

static void test_clone_local_list_read(void **state)
{
	gitrepo_open_info_t info;
	gitrepo_t *r = open_ok(path_in("remote.git#main"), path_in("state"), &info);
	assert_true(info.cloned);
	assert_false(info.stale);
	assert_string_equal(gitrepo_branch(r), "main");
	assert_oid_rev(&info.head, path_in("remote.git"), "main");

	gitrepo_file_t *files = NULL;
	size_t n = 0;
	char msg[256];
	assert_int_equal(gitrepo_list_root(r, &info.head, &files, &n, msg, sizeof(msg)), DNS_OK);
	assert_int_equal(n, 2); /* sub/ is ignored */
	assert_string_equal(files[0].name, "_keys");
	assert_string_equal(files[1].name, "example.com");
	assert_oid_rev(&files[0].blob, path_in("remote.git"), "main:_keys");
	assert_oid_rev(&files[1].blob, path_in("remote.git"), "main:example.com");

	uint8_t *data = NULL;
	size_t len = 0;
	assert_int_equal(gitrepo_read_blob(r, &files[1].blob, &data, &len, msg, sizeof(msg)), DNS_OK);
	static const char zone[] = "$ORIGIN example.com.\n@ SOA ns hostmaster 1 2 3 4 5\n";
	assert_int_equal(len, sizeof(zone) - 1);
	assert_memory_equal(data, zone, len);
	free(data);
	gitrepo_files_free(files, n);

	gitrepo_oid_t blob;
	assert_int_equal(gitrepo_file_blob(r, &info.head, "sub", &blob, msg, sizeof(msg)),
	                 DNS_ENOTFOUND);
	assert_int_equal(gitrepo_file_blob(r, &info.head, "nope", &blob, msg, sizeof(msg)),
	                 DNS_ENOTFOUND);
	/* the state directory is a bare clone of its own, not the work tree */
	assert_int_equal(access(path_in("state/HEAD"), F_OK), 0);
	gitrepo_close(r);

	/* reopen: not cloned again, same head */
	gitrepo_open_info_t again;
	r = open_ok(path_in("remote.git"), path_in("state"), &again);
	assert_false(again.cloned);
	assert_false(again.fetch.changed);
	assert_true(gitrepo_oid_equal(&again.head, &info.head));
	gitrepo_close(r);
}

static void test_clone_file_url_default_branch(void **state)
{
	char url[1100];
	snprintf(url, sizeof(url), "file://%s", path_in("remote.git"));
	gitrepo_open_info_t info;
	gitrepo_t *r = open_ok(url, path_in("state"), &info);
	assert_true(info.cloned);
	assert_string_equal(gitrepo_branch(r), "main"); /* the remote's HEAD */
	assert_oid_rev(&info.head, path_in("remote.git"), "main");
	assert_file(r, &info.head, "_keys", "k._update.example.com. DNSKEY 0 3 163 AAAA\n");
	gitrepo_close(r);

	/* a branch that does not exist is an error, with no clone left usable */
	gitrepo_config_t cfg = { .remote = path_in("remote.git#nosuch"), .state_dir = path_in("s2") };
	char msg[512] = "";
	assert_int_not_equal(gitrepo_open(&r, &cfg, NULL, msg, sizeof(msg)), DNS_OK);
	assert_non_null(strstr(msg, "nosuch"));
}

static void test_fetch_fast_forward(void **state)
{
	gitrepo_open_info_t info;
	gitrepo_t *r = open_ok(path_in("remote.git#main"), path_in("state"), &info);
	gitrepo_oid_t keys_before, zone_before, b;
	char msg[512];
	assert_int_equal(gitrepo_file_blob(r, &info.head, "_keys", &keys_before, msg, sizeof(msg)), DNS_OK);
	assert_int_equal(gitrepo_file_blob(r, &info.head, "example.com", &zone_before, msg, sizeof(msg)), DNS_OK);

	person_push("example.com", "$ORIGIN example.com.\n@ SOA ns hostmaster 2 2 3 4 5\n", "serial 2");
	gitrepo_fetch_result_t fr;
	assert_int_equal(gitrepo_fetch(r, &fr, msg, sizeof(msg)), DNS_OK);
	assert_true(fr.changed);
	assert_false(fr.ahead);
	assert_oid_rev(&fr.head, path_in("remote.git"), "main");
	assert_true(gitrepo_oid_equal(&fr.head, &fr.remote_head));
	gitrepo_oid_t head;
	assert_int_equal(gitrepo_head(r, &head, msg, sizeof(msg)), DNS_OK);
	assert_true(gitrepo_oid_equal(&head, &fr.head));
	/* only the changed file has a new blob */
	assert_int_equal(gitrepo_file_blob(r, &fr.head, "_keys", &b, msg, sizeof(msg)), DNS_OK);
	assert_true(gitrepo_oid_equal(&b, &keys_before));
	assert_int_equal(gitrepo_file_blob(r, &fr.head, "example.com", &b, msg, sizeof(msg)), DNS_OK);
	assert_false(gitrepo_oid_equal(&b, &zone_before));
	assert_file(r, &fr.head, "example.com", "$ORIGIN example.com.\n@ SOA ns hostmaster 2 2 3 4 5\n");

	assert_int_equal(gitrepo_fetch(r, &fr, msg, sizeof(msg)), DNS_OK);
	assert_false(fr.changed);
	gitrepo_close(r);
}

static void test_history(void **state)
{
	person_push("example.com", "v2\n", "two");
	person_push("example.org", "other\n", "three");
	/* a merge: first-parent history must not enter the side branch */
	sh("cd %s/work && %s checkout -q -b side HEAD~1 && echo side > side && %s add side && "
	   "%s " PERSON " commit -qm side && %s checkout -q main && "
	   "%s " PERSON " merge -q --no-ff -m merge side && %s push -q origin main",
	   dir, git, git, git, git, git, git);
	gitrepo_open_info_t info;
	gitrepo_t *r = open_ok(path_in("remote.git"), path_in("state"), &info);
	gitrepo_oid_t *ids = NULL;
	size_t n = 0;
	char msg[256];
	assert_int_equal(gitrepo_history(r, NULL, 100, &ids, &n, msg, sizeof(msg)), DNS_OK);
	assert_int_equal(n, 4); /* merge, three, two, initial */
	const char *want[] = { "main", "main~1", "main~2", "main~3" };
	for (size_t i = 0; i < n; i++)
		assert_oid_rev(&ids[i], path_in("remote.git"), want[i]);
	assert_file(r, &ids[2], "example.com", "v2\n");
	assert_file(r, &ids[3], "example.com", "$ORIGIN example.com.\n@ SOA ns hostmaster 1 2 3 4 5\n");
	gitrepo_oid_t b;
	assert_int_equal(gitrepo_file_blob(r, &ids[2], "example.org", &b, msg, sizeof(msg)), DNS_ENOTFOUND);
	free(ids);

	gitrepo_oid_t from = info.head;
	assert_int_equal(gitrepo_history(r, &from, 2, &ids, &n, msg, sizeof(msg)), DNS_OK);
	assert_int_equal(n, 2);
	assert_oid_rev(&ids[1], path_in("remote.git"), "main~1");
	free(ids);
	gitrepo_close(r);
}

/* ---- write-back ---- */


static void test_commit_and_push(void **state)
{
	gitrepo_open_info_t info;
	gitrepo_t *r = open_ok(path_in("remote.git#main"), path_in("state"), &info);
	static const char zone[] = "$ORIGIN example.com.\n@ SOA ns hostmaster 2 2 3 4 5\n";
	gitrepo_change_t ch[] = {
		{ "example.com", (const uint8_t *)zone, sizeof(zone) - 1 },
		{ "example.net", (const uint8_t *)"new\n", 4 },
		{ "_keys", NULL, 0 },
	};
	gitrepo_oid_t c;
	char msg[512];
	assert_int_equal(gitrepo_commit(r, &info.head, ch, 3, KEY, KEY,
	                                "update example.com: +A www, serial 1→2", &c, msg, sizeof(msg)),
	                 DNS_OK);
	/* local only until pushed */
	gitrepo_oid_t remote_main;
	rev(&remote_main, path_in("remote.git"), "main");
	assert_true(gitrepo_oid_equal(&remote_main, &info.head));
	assert_int_equal(gitrepo_push(r, msg, sizeof(msg)), DNS_OK);

	assert_oid_rev(&c, path_in("remote.git"), "main");
	assert_oid_rev(&info.head, path_in("remote.git"), "main~1");
	char line[512];
	capture(line, sizeof(line), "%s -C %s log -1 --format='%%an|%%ae|%%cn|%%s' main", git,
	        path_in("remote.git"));
	assert_string_equal(line, KEY "|" KEY "|" KEY "|update example.com: +A www, serial 1→2");
	capture(line, sizeof(line), "%s -C %s ls-tree --name-only main | tr '\\n' ' '", git,
	        path_in("remote.git"));
	assert_string_equal(line, "example.com example.net sub ");
	capture(line, sizeof(line), "%s -C %s show main:example.com | sed -n 2p", git,
	        path_in("remote.git"));
	assert_string_equal(line, "@ SOA ns hostmaster 2 2 3 4 5");

	/* the parent must be the branch head: no commit is ever overwritten */
	assert_int_equal(gitrepo_commit(r, &info.head, ch, 1, KEY, KEY, "stale", &c, msg, sizeof(msg)),
	                 GITREPO_EREJECTED);
	/* bad file names and deleting what is not there */
	gitrepo_change_t bad[] = { { "sub/x", (const uint8_t *)"x", 1 } };
	assert_int_equal(gitrepo_commit(r, &c, bad, 1, KEY, KEY, "m", NULL, msg, sizeof(msg)), DNS_EINVAL);
	bad[0].name = "..";
	assert_int_equal(gitrepo_commit(r, &c, bad, 1, KEY, KEY, "m", NULL, msg, sizeof(msg)), DNS_EINVAL);
	bad[0].name = "sub";
	assert_int_equal(gitrepo_commit(r, &c, bad, 1, KEY, KEY, "m", NULL, msg, sizeof(msg)), DNS_EINVAL);
	gitrepo_change_t del[] = { { "_keys", NULL, 0 } };
	assert_int_equal(gitrepo_commit(r, &c, del, 1, KEY, KEY, "m", NULL, msg, sizeof(msg)), DNS_ENOTFOUND);
	gitrepo_oid_t head;
	assert_int_equal(gitrepo_head(r, &head, msg, sizeof(msg)), DNS_OK);
	assert_true(gitrepo_oid_equal(&head, &c));
	gitrepo_close(r);
}

static void test_push_rejected_then_retry(void **state)
{
	gitrepo_open_info_t info;
	gitrepo_t *r = open_ok(path_in("remote.git#main"), path_in("state"), &info);
	/* someone else pushes first */
	person_push("example.org", "theirs\n", "their edit");
	gitrepo_oid_t theirs;
	rev(&theirs, path_in("remote.git"), "main");

	gitrepo_change_t ch[] = { { "example.com", (const uint8_t *)"ours\n", 5 } };
	gitrepo_oid_t ours, head;
	char msg[512] = "";
	assert_int_equal(gitrepo_commit(r, &info.head, ch, 1, KEY, KEY, "ours", &ours, msg, sizeof(msg)), DNS_OK);
	assert_int_equal(gitrepo_push(r, msg, sizeof(msg)), GITREPO_EREJECTED);
	assert_true(msg[0] != '\0');
	assert_oid_rev(&theirs, path_in("remote.git"), "main"); /* remote untouched */
	assert_int_equal(gitrepo_head(r, &head, msg, sizeof(msg)), DNS_OK);
	assert_true(gitrepo_oid_equal(&head, &ours));             /* our commit kept */

	gitrepo_fetch_result_t fr;
	assert_int_equal(gitrepo_fetch(r, &fr, msg, sizeof(msg)), DNS_OK);
	assert_true(fr.ahead);
	assert_true(fr.diverged);
	assert_false(fr.changed);
	assert_true(gitrepo_oid_equal(&fr.head, &ours));
	assert_true(gitrepo_oid_equal(&fr.remote_head, &theirs));

	assert_int_equal(gitrepo_reset_to_remote(r, &head, msg, sizeof(msg)), DNS_OK);
	assert_true(gitrepo_oid_equal(&head, &theirs));
	assert_int_equal(gitrepo_commit(r, &head, ch, 1, KEY, KEY, "ours again", &ours, msg, sizeof(msg)), DNS_OK);
	/* an unpushed commit on top of the remote: ahead but not diverged */
	assert_int_equal(gitrepo_fetch(r, &fr, msg, sizeof(msg)), DNS_OK);
	assert_true(fr.ahead);
	assert_false(fr.diverged);
	assert_true(gitrepo_oid_equal(&fr.head, &ours));
	assert_int_equal(gitrepo_push(r, msg, sizeof(msg)), DNS_OK);
	assert_oid_rev(&ours, path_in("remote.git"), "main");
	assert_oid_rev(&theirs, path_in("remote.git"), "main~1");
	char line[256];
	capture(line, sizeof(line), "%s -C %s log --format=%%s main | tr '\\n' ,", git, path_in("remote.git"));
	assert_string_equal(line, "ours again,their edit,initial,");
	gitrepo_close(r);
}

/* ---- a remote rewritten behind our back ---- */

/* Someone force-pushes main straight to the remote: @cmds run in work/
 * (a CLI clone) before `git push -f`. */
static void person_force_push(const char *cmds)
{
	sh("cd %s/work && %s pull -q --ff-only origin main && %s && %s push -q -f origin main", dir,
	   git, cmds, git);
}

static void test_fetch_remote_rewritten(void **state)
{
	gitrepo_open_info_t info;
	gitrepo_t *r = open_ok(path_in("remote.git#main"), path_in("state"), &info);
	gitrepo_oid_t a = info.head, b, c, head;
	person_push("example.com", "$ORIGIN example.com.\n@ SOA ns hostmaster 2 2 3 4 5\n", "B");
	rev(&b, path_in("remote.git"), "main");
	gitrepo_fetch_result_t fr;
	char msg[512] = "";
	assert_int_equal(gitrepo_fetch(r, &fr, msg, sizeof(msg)), DNS_OK);
	assert_true(fr.had_prev_remote);
	assert_true(gitrepo_oid_equal(&fr.prev_remote, &a));
	assert_false(fr.rewritten); /* a fast-forward of the remote */
	assert_true(gitrepo_oid_equal(&fr.head, &b));

	/* rewind: the remote goes back to A; we hold B, which it had */
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "%s reset -q --hard HEAD~1", git);
	person_force_push(cmd);
	assert_int_equal(gitrepo_fetch(r, &fr, msg, sizeof(msg)), DNS_OK);
	assert_true(fr.ahead);
	assert_false(fr.diverged);
	assert_true(fr.rewritten);
	assert_false(fr.unpushed);
	assert_false(fr.changed);
	assert_true(gitrepo_oid_equal(&fr.head, &b));       /* never moved backwards by a fetch */
	assert_true(gitrepo_oid_equal(&fr.remote_head, &a));
	assert_true(gitrepo_oid_equal(&fr.prev_remote, &b));
	/* following it */
	assert_int_equal(gitrepo_reset_to_remote(r, &head, msg, sizeof(msg)), DNS_OK);
	assert_true(gitrepo_oid_equal(&head, &a));
	assert_int_equal(gitrepo_fetch(r, &fr, msg, sizeof(msg)), DNS_OK);
	assert_false(fr.ahead);
	assert_false(fr.rewritten);

	/* divergent: the remote moves on to B2, then is rewritten to A + C */
	person_push("example.org", "b2\n", "B2");
	assert_int_equal(gitrepo_fetch(r, &fr, msg, sizeof(msg)), DNS_OK);
	assert_true(fr.changed);
	gitrepo_oid_t b2 = fr.head;
	snprintf(cmd, sizeof(cmd), "%s reset -q --hard HEAD~1 && echo c > example.org && %s add "
	         "example.org && %s " PERSON " commit -qm C", git, git, git);
	person_force_push(cmd);
	rev(&c, path_in("remote.git"), "main");
	assert_oid_rev(&a, path_in("remote.git"), "main~1");
	assert_int_equal(gitrepo_fetch(r, &fr, msg, sizeof(msg)), DNS_OK);
	assert_true(fr.ahead);
	assert_true(fr.diverged);
	assert_true(fr.rewritten);
	assert_false(fr.unpushed);
	assert_true(gitrepo_oid_equal(&fr.head, &b2));
	assert_true(gitrepo_oid_equal(&fr.remote_head, &c));
	assert_int_equal(gitrepo_reset_to_remote(r, &head, msg, sizeof(msg)), DNS_OK);
	assert_true(gitrepo_oid_equal(&head, &c));
	assert_int_equal(gitrepo_head(r, &head, msg, sizeof(msg)), DNS_OK);
	assert_true(gitrepo_oid_equal(&head, &c));
	assert_file(r, &head, "example.org", "c\n");
	gitrepo_close(r);

	/* while stopped: the remote is rewritten from C to A + D */
	snprintf(cmd, sizeof(cmd), "%s reset -q --hard HEAD~1 && echo d > example.org && %s add "
	         "example.org && %s " PERSON " commit -qm D", git, git, git);
	person_force_push(cmd);
	gitrepo_oid_t d;
	rev(&d, path_in("remote.git"), "main");
	r = open_ok(path_in("remote.git#main"), path_in("state"), &info);
	assert_true(info.fetch.ahead);
	assert_true(info.fetch.diverged);
	assert_true(info.fetch.rewritten);
	assert_false(info.fetch.unpushed);
	assert_true(gitrepo_oid_equal(&info.head, &c));
	assert_true(gitrepo_oid_equal(&info.fetch.prev_remote, &c));
	assert_true(gitrepo_oid_equal(&info.fetch.remote_head, &d));
	gitrepo_close(r);
}

static void test_fetch_unpushed_told_from_rewritten(void **state)
{
	gitrepo_open_info_t info;
	gitrepo_t *r = open_ok(path_in("remote.git#main"), path_in("state"), &info);
	gitrepo_oid_t a = info.head, mine;
	char msg[512] = "";
	gitrepo_change_t ch[] = { { "example.com", (const uint8_t *)"mine\n", 5 } };
	assert_int_equal(gitrepo_commit(r, &a, ch, 1, KEY, KEY, "mine", &mine, msg, sizeof(msg)),
	                 DNS_OK);
	/* a local commit never pushed, the remote as it was */
	gitrepo_fetch_result_t fr;
	assert_int_equal(gitrepo_fetch(r, &fr, msg, sizeof(msg)), DNS_OK);
	assert_true(fr.ahead);
	assert_false(fr.diverged);
	assert_true(fr.unpushed);
	assert_false(fr.rewritten);
	gitrepo_close(r);

	/* both at once: the remote rewritten to an unrelated root commit, and
	 * our local commit still unpushed; reported at the next open */
	sh("cd %s/work && %s checkout -q --orphan fresh && %s rm -rq --cached . && "
	   "echo fresh > example.com && %s add example.com && %s " PERSON " commit -qm fresh && "
	   "%s push -q -f origin fresh:main", dir, git, git, git, git, git);
	r = open_ok(path_in("remote.git#main"), path_in("state"), &info);
	assert_true(info.fetch.ahead);
	assert_true(info.fetch.diverged);
	assert_true(info.fetch.unpushed);
	assert_true(info.fetch.rewritten);
	assert_true(gitrepo_oid_equal(&info.head, &mine));
	assert_true(gitrepo_oid_equal(&info.fetch.prev_remote, &a));
	assert_oid_rev(&info.fetch.remote_head, path_in("remote.git"), "main");
	gitrepo_oid_t head;
	assert_int_equal(gitrepo_reset_to_remote(r, &head, msg, sizeof(msg)), DNS_OK);
	assert_file(r, &head, "example.com", "fresh\n");
	gitrepo_close(r);
}

/* ---- unreachable remotes ---- */

static void test_unreachable_with_state_is_stale(void **state)
{
	gitrepo_open_info_t info;
	gitrepo_t *r = open_ok(path_in("remote.git#main"), path_in("state"), &info);
	gitrepo_oid_t head = info.head;
	gitrepo_close(r);
	sh("mv %s %s", path_in("remote.git"), path_in("gone.git"));

	r = open_ok(path_in("remote.git#main"), path_in("state"), &info);
	assert_true(info.stale);
	assert_false(info.cloned);
	assert_int_equal(info.fetch_err, GITREPO_EUNREACHABLE);
	assert_true(gitrepo_oid_equal(&info.head, &head));
	assert_file(r, &head, "_keys", "k._update.example.com. DNSKEY 0 3 163 AAAA\n");
	char msg[1024] = "";
	gitrepo_fetch_result_t fr;
	assert_int_equal(gitrepo_fetch(r, &fr, msg, sizeof(msg)), GITREPO_EUNREACHABLE);
	assert_non_null(strstr(msg, "remote.git"));
	gitrepo_change_t ch[] = { { "example.com", (const uint8_t *)"x\n", 2 } };
	gitrepo_oid_t c;
	assert_int_equal(gitrepo_commit(r, &head, ch, 1, KEY, KEY, "m", &c, msg, sizeof(msg)), DNS_OK);
	assert_int_equal(gitrepo_push(r, msg, sizeof(msg)), GITREPO_EUNREACHABLE);
	gitrepo_close(r);

	/* the remote is back: the unpushed commit is reported, not lost */
	sh("mv %s %s", path_in("gone.git"), path_in("remote.git"));
	r = open_ok(path_in("remote.git#main"), path_in("state"), &info);
	assert_false(info.stale);
	assert_true(info.fetch.ahead);
	assert_true(gitrepo_oid_equal(&info.head, &c));
	assert_int_equal(gitrepo_push(r, msg, sizeof(msg)), DNS_OK);
	assert_oid_rev(&c, path_in("remote.git"), "main");
	gitrepo_close(r);
}

static void test_unreachable_without_state(void **state)
{
	gitrepo_config_t cfg = { .remote = path_in("missing.git#main"), .state_dir = path_in("state") };
	gitrepo_t *r = NULL;
	char msg[1024] = "";
	assert_int_equal(gitrepo_open(&r, &cfg, NULL, msg, sizeof(msg)), GITREPO_EUNREACHABLE);
	assert_null(r);
	assert_non_null(strstr(msg, "missing.git"));

	/* ssh to a closed loopback port */
	write_file(path_in("known_hosts"), "");
	cfg.remote = "ssh://git@127.0.0.1:1/x.git";
	cfg.known_hosts = path_in("known_hosts");
	cfg.state_dir = path_in("state2");
	assert_int_equal(gitrepo_open(&r, &cfg, NULL, msg, sizeof(msg)), GITREPO_EUNREACHABLE);
	assert_non_null(strstr(msg, "127.0.0.1"));

	/* https to a closed loopback port */
	cfg.remote = "https://127.0.0.1:1/x.git";
	cfg.state_dir = path_in("state3");
	assert_int_equal(gitrepo_open(&r, &cfg, NULL, msg, sizeof(msg)), GITREPO_EUNREACHABLE);
	assert_non_null(strstr(msg, "https://127.0.0.1:1/x.git"));

	/* ssh without known_hosts is refused up front */
	cfg.known_hosts = NULL;
	cfg.remote = "git@127.0.0.1:x.git";
	assert_int_equal(gitrepo_open(&r, &cfg, NULL, msg, sizeof(msg)), DNS_EINVAL);
	assert_non_null(strstr(msg, "known_hosts"));

	/* a non-empty directory that is no repository is never cloned into */
	sh("mkdir -p %s && touch %s", path_in("full"), path_in("full/x"));
	cfg.remote = path_in("remote.git");
	cfg.state_dir = path_in("full");
	assert_int_equal(gitrepo_open(&r, &cfg, NULL, msg, sizeof(msg)), DNS_EEXIST);
}

/* ---- known_hosts ---- */

/* ssh-ed25519 key blobs: type string, then 32 key bytes 1..32 (KEY_A) or
 * 33..64 (KEY_B); base64 and the hashed entries computed independently. */
#define B64_A "AAAAC3NzaC1lZDI1NTE5AAAAIAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g"
#define B64_B "AAAAC3NzaC1lZDI1NTE5AAAAICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj9A"
#define SALT "|1|ZGVmZ2hpamtsbW5vcHFyc3R1dnc=|"

static void key_blob(uint8_t blob[51], uint8_t first)
{
	memcpy(blob, "\0\0\0\x0bssh-ed25519\0\0\0\x20", 19);
	for (int i = 0; i < 32; i++)
		blob[19 + i] = (uint8_t)(first + i);
}

static void test_known_hosts(void **state)
{
	write_file(path_in("kh"),
	           "# comment\n\n"
	           "host.example,other.example ssh-ed25519 " B64_A " comment\n"
	           "[127.0.0.1]:2222 ssh-ed25519 " B64_A "\n"
	           "*.wild.example,!bad.wild.example ssh-ed25519 " B64_A "\n"
	           SALT "ArkYK+zL9Z3NXOkihNt7lf2XKC0= ssh-ed25519 " B64_A "\n"
	           SALT "CLW7B//cca8zNhaQtxbMZRv8Mok= ssh-ed25519 " B64_B "\n"
	           "changed.example ssh-rsa " B64_B "\n"
	           "@revoked * ssh-ed25519 " B64_B "\n"
	           "@cert-authority revoked.example ssh-ed25519 " B64_A "\n");
	const char *kh = path_in("kh");
	uint8_t a[51], b[51];
	key_blob(a, 1);
	key_blob(b, 33);
	char msg[512];
	assert_int_equal(gitrepo_known_hosts_check(kh, "host.example", 22, a, 51, NULL, msg, sizeof(msg)), DNS_OK);
	assert_int_equal(gitrepo_known_hosts_check(kh, "OTHER.example", 22, a, 51, NULL, msg, sizeof(msg)), DNS_OK);
	assert_int_equal(gitrepo_known_hosts_check(kh, "127.0.0.1", 2222, a, 51, NULL, msg, sizeof(msg)), DNS_OK);
	assert_int_equal(gitrepo_known_hosts_check(kh, "x.wild.example", 22, a, 51, NULL, msg, sizeof(msg)), DNS_OK);
	assert_int_equal(gitrepo_known_hosts_check(kh, "hashed.example", 22, a, 51, NULL, msg, sizeof(msg)), DNS_OK);

	/* the port is part of the name */
	assert_int_equal(gitrepo_known_hosts_check(kh, "127.0.0.1", 22, a, 51, NULL, msg, sizeof(msg)), GITREPO_EAUTH);
	assert_non_null(strstr(msg, "host key for 127.0.0.1:22 (ssh-ed25519 SHA256:mKqU+0K8OhKmA8bBQi9Rz0Q5l7/g160hIP+rJYSTNj4) not found in known_hosts"));
	/* a negated pattern rules the line out */
	assert_int_equal(gitrepo_known_hosts_check(kh, "bad.wild.example", 22, a, 51, NULL, msg, sizeof(msg)), GITREPO_EAUTH);
	/* a different key for a known host */
	assert_int_equal(gitrepo_known_hosts_check(kh, "host.example", 22, b, 51, NULL, msg, sizeof(msg)), GITREPO_EAUTH);
	/* (KEY_B is also @revoked for every host) */
	assert_non_null(strstr(msg, "@revoked"));
	write_file(path_in("kh2"), "[127.0.0.1]:2222 ssh-ed25519 " B64_B "\n");
	assert_int_equal(gitrepo_known_hosts_check(path_in("kh2"), "127.0.0.1", 2222, a, 51, NULL, msg, sizeof(msg)), GITREPO_EAUTH);
	assert_non_null(strstr(msg, "host key for 127.0.0.1:2222 does not match known_hosts"));
	/* hashed entry for a non-standard port */
	write_file(path_in("kh3"), SALT "CLW7B//cca8zNhaQtxbMZRv8Mok= ssh-ed25519 " B64_B "\n");
	assert_int_equal(gitrepo_known_hosts_check(path_in("kh3"), "10.0.0.1", 2022, b, 51, NULL, msg, sizeof(msg)), DNS_OK);
	assert_int_equal(gitrepo_known_hosts_check(path_in("kh3"), "10.0.0.1", 2022, a, 51, NULL, msg, sizeof(msg)), GITREPO_EAUTH);
	assert_int_equal(gitrepo_known_hosts_check(path_in("kh3"), "10.0.0.2", 2022, b, 51, NULL, msg, sizeof(msg)), GITREPO_EAUTH);
	/* @cert-authority lines are not host keys */
	assert_int_equal(gitrepo_known_hosts_check(kh, "revoked.example", 22, a, 51, NULL, msg, sizeof(msg)), GITREPO_EAUTH);

	/* only the SHA-256 of the key known */
	static const uint8_t sha_a[32] = {
		0x98, 0xaa, 0x94, 0xfb, 0x42, 0xbc, 0x3a, 0x12, 0xa6, 0x03, 0xc6, 0xc1, 0x42, 0x2f, 0x51, 0xcf,
		0x44, 0x39, 0x97, 0xbf, 0xe0, 0xd7, 0xad, 0x21, 0x20, 0xff, 0xab, 0x25, 0x84, 0x93, 0x36, 0x3e };
	dns_err_t e = gitrepo_known_hosts_check(kh, "host.example", 22, NULL, 0, sha_a, msg, sizeof(msg));
	if (e != DNS_OK)
		fprintf(stderr, "%s\n", msg);
	assert_int_equal(e, DNS_OK);
	assert_int_equal(gitrepo_known_hosts_check(path_in("kh2"), "127.0.0.1", 2222, NULL, 0, sha_a, msg, sizeof(msg)), GITREPO_EAUTH);

	assert_int_equal(gitrepo_known_hosts_check(path_in("none"), "h", 22, a, 51, NULL, msg, sizeof(msg)), DNS_EIO);
	/* garbage lines are skipped, never a crash */
	write_file(path_in("kh4"), "|1|\n|1|x|y ssh-ed25519 ====\nh ssh-ed25519 !!!!\nh\n@revoked\n"
	           "h ssh-ed25519 " B64_A "\n");
	assert_int_equal(gitrepo_known_hosts_check(path_in("kh4"), "h", 22, a, 51, NULL, msg, sizeof(msg)), DNS_OK);
}

/* ---- ssh, with a private sshd on 127.0.0.1 ---- */

static const char *find_sshd(void)
{
	static const char *cands[] = { "/usr/sbin/sshd", "/usr/local/sbin/sshd", "/sbin/sshd" };
	for (size_t i = 0; i < sizeof(cands) / sizeof(cands[0]); i++)
		if (access(cands[i], X_OK) == 0)
			return cands[i];
	return NULL;
}

static unsigned free_port(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(s >= 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&sa, &len), 0);
	close(s);
	return ntohs(sa.sin_port);
}

static bool port_open(unsigned port)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
	                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	bool ok = s >= 0 && connect(s, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	if (s >= 0)
		close(s);
	return ok;
}

static void start_sshd(const char *sshd, unsigned port)
{
	char cfg[8192];
	snprintf(cfg, sizeof(cfg),
	         "ListenAddress 127.0.0.1\nHostKey %s/hostkey\nPidFile %s/sshd.pid\n"
	         "AuthorizedKeysFile %s/authorized_keys\nStrictModes no\nUsePAM no\n"
	         "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
	         "PubkeyAuthentication yes\nPermitRootLogin prohibit-password\nLogLevel ERROR\n",
	         dir, dir, dir);
	write_file(path_in("sshd_config"), cfg);
	/* sshd refuses to run as root without its privilege separation dir */
	if (geteuid() == 0)
		(void)mkdir("/run/sshd", 0755);
	char portstr[16];
	snprintf(portstr, sizeof(portstr), "%u", port);
	const char *conf = path_in("sshd_config");
	const char *log = path_in("sshd.log");
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execl(sshd, sshd, "-D", "-e", "-f", conf, "-p", portstr, (char *)NULL);
		_exit(127);
	}
	sshd_pid = pid;
	for (int i = 0; i < 200 && !port_open(port); i++) {
		int st;
		if (waitpid(pid, &st, WNOHANG) == pid) {
			sshd_pid = -1;
			sh("cat %s >&2", log);
			fail_msg("sshd exited");
		}
		struct timespec ts = { 0, 25 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	assert_true(port_open(port));
}

static int teardown_sshd(void **state)
{
	if (sshd_pid > 0) {
		kill(sshd_pid, SIGTERM);
		waitpid(sshd_pid, NULL, 0);
		sshd_pid = -1;
	}
	return 0;
}

static void test_ssh_clone_push_and_host_key(void **state)
{
	const char *sshd = find_sshd();
	if (sshd == NULL)
		fail_msg("sshd not found: install openssh-server (scripts/install-deps.sh test)");
	sh("cd %s && ssh-keygen -q -t ed25519 -N '' -f hostkey && ssh-keygen -q -t ed25519 -N '' -f client "
	   "&& ssh-keygen -q -t ed25519 -N '' -f intruder && ssh-keygen -q -t ed25519 -N '' -f wrongclient "
	   "&& cp client.pub authorized_keys", dir);
	unsigned port = free_port();
	start_sshd(sshd, port);
	sh("cd %s && printf '[127.0.0.1]:%u ' > known_hosts && cat hostkey.pub >> known_hosts && "
	   "printf '[127.0.0.1]:%u ' > wrong_hosts && cat intruder.pub >> wrong_hosts && "
	   "cp known_hosts hashed_hosts && ssh-keygen -q -H -f hashed_hosts >/dev/null 2>&1", dir, port, port);

	char user[128], url[1400];
	capture(user, sizeof(user), "id -un");
	snprintf(url, sizeof(url), "ssh://%s@127.0.0.1:%u%s#main", user, port, path_in("remote.git"));
	gitrepo_config_t cfg = { .remote = url, .state_dir = path_in("state"),
	                         .ssh_key = path_in("client"), .ssh_pubkey = path_in("client.pub"),
	                         .known_hosts = path_in("known_hosts") };
	gitrepo_open_info_t info;
	gitrepo_t *r = NULL;
	char msg[1024] = "";
	dns_err_t err = gitrepo_open(&r, &cfg, &info, msg, sizeof(msg));
	if (err != DNS_OK)
		fprintf(stderr, "ssh clone: %s\n", msg);
	assert_int_equal(err, DNS_OK);
	assert_true(info.cloned);
	assert_oid_rev(&info.head, path_in("remote.git"), "main");
	gitrepo_close(r);

	/* reopen with a hashed known_hosts (hashed by ssh-keygen -H) and no
	 * public key file; push over ssh */
	cfg.known_hosts = path_in("hashed_hosts");
	cfg.ssh_pubkey = NULL;
	person_push("example.org", "over ssh\n", "person");
	err = gitrepo_open(&r, &cfg, &info, msg, sizeof(msg));
	if (err != DNS_OK)
		fprintf(stderr, "ssh open: %s\n", msg);
	assert_int_equal(err, DNS_OK);
	if (info.stale)
		fprintf(stderr, "ssh fetch: %s\n", msg);
	assert_false(info.stale);
	assert_true(info.fetch.changed);
	assert_oid_rev(&info.head, path_in("remote.git"), "main");
	gitrepo_change_t ch[] = { { "example.com", (const uint8_t *)"ssh\n", 4 } };
	gitrepo_oid_t c;
	assert_int_equal(gitrepo_commit(r, &info.head, ch, 1, KEY, KEY, "via ssh", &c, msg, sizeof(msg)), DNS_OK);
	err = gitrepo_push(r, msg, sizeof(msg));
	if (err != DNS_OK)
		fprintf(stderr, "ssh push: %s\n", msg);
	assert_int_equal(err, DNS_OK);
	assert_oid_rev(&c, path_in("remote.git"), "main");

	/* over ssh too, a moved branch is told apart from other refusals */
	person_push("example.org", "moved\n", "moved");
	gitrepo_oid_t theirs, head;
	rev(&theirs, path_in("remote.git"), "main");
	assert_int_equal(gitrepo_commit(r, &c, ch, 1, KEY, KEY, "late", &head, msg, sizeof(msg)), DNS_OK);
	assert_int_equal(gitrepo_push(r, msg, sizeof(msg)), GITREPO_EREJECTED);
	assert_oid_rev(&theirs, path_in("remote.git"), "main");
	gitrepo_fetch_result_t fr;
	assert_int_equal(gitrepo_fetch(r, &fr, msg, sizeof(msg)), DNS_OK);
	assert_true(fr.diverged);
	assert_int_equal(gitrepo_reset_to_remote(r, &head, msg, sizeof(msg)), DNS_OK);
	assert_int_equal(gitrepo_commit(r, &head, ch, 1, KEY, KEY, "again", &c, msg, sizeof(msg)), DNS_OK);
	/* a pre-receive hook (runs over ssh) that declines the push */
	sh("printf '#!/bin/sh\\necho zone check failed >&2\\nexit 1\\n' > %s/hooks/pre-receive && "
	   "chmod +x %s/hooks/pre-receive", path_in("remote.git"), path_in("remote.git"));
	assert_int_equal(gitrepo_push(r, msg, sizeof(msg)), GITREPO_EDECLINED);
	assert_non_null(strstr(msg, "rejected"));
	assert_non_null(strstr(msg, "declined"));
	assert_oid_rev(&theirs, path_in("remote.git"), "main");
	sh("rm %s/hooks/pre-receive", path_in("remote.git"));
	assert_int_equal(gitrepo_push(r, msg, sizeof(msg)), DNS_OK);
	assert_oid_rev(&c, path_in("remote.git"), "main");
	gitrepo_close(r);

	/* a wrong host key: refused, with a clear message */
	char want[128];
	snprintf(want, sizeof(want), "host key for 127.0.0.1:%u does not match known_hosts", port);
	cfg.known_hosts = path_in("wrong_hosts");
	cfg.state_dir = path_in("state2");
	assert_int_equal(gitrepo_open(&r, &cfg, NULL, msg, sizeof(msg)), GITREPO_EAUTH);
	assert_non_null(strstr(msg, want));
	/* ... also with an existing clone: stale, and the reason says why */
	cfg.state_dir = path_in("state");
	assert_int_equal(gitrepo_open(&r, &cfg, &info, msg, sizeof(msg)), DNS_OK);
	assert_true(info.stale);
	assert_int_equal(info.fetch_err, GITREPO_EAUTH);
	assert_non_null(strstr(msg, want));
	gitrepo_close(r);
	/* an unknown host */
	write_file(path_in("empty_hosts"), "");
	cfg.known_hosts = path_in("empty_hosts");
	cfg.state_dir = path_in("state3");
	assert_int_equal(gitrepo_open(&r, &cfg, NULL, msg, sizeof(msg)), GITREPO_EAUTH);
	assert_non_null(strstr(msg, "not found in known_hosts"));
	/* a key the server does not accept */
	cfg.known_hosts = path_in("known_hosts");
	cfg.ssh_key = path_in("wrongclient");
	cfg.state_dir = path_in("state4");
	assert_int_equal(gitrepo_open(&r, &cfg, NULL, msg, sizeof(msg)), GITREPO_EAUTH);
	assert_non_null(strstr(msg, "refused"));
	teardown_sshd(state);
}

/* ---- the run ---- */

static int group_teardown(void **state)
{
	teardown_sshd(state);
	return gitrepo_test_remove_top();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_clone_local_list_read, setup),
		cmocka_unit_test_setup(test_clone_file_url_default_branch, setup),
		cmocka_unit_test_setup(test_fetch_fast_forward, setup),
		cmocka_unit_test_setup(test_history, setup),
		cmocka_unit_test_setup(test_commit_and_push, setup),
		cmocka_unit_test_setup(test_push_rejected_then_retry, setup),
		cmocka_unit_test_setup(test_fetch_remote_rewritten, setup),
		cmocka_unit_test_setup(test_fetch_unpushed_told_from_rewritten, setup),
		cmocka_unit_test_setup(test_unreachable_with_state_is_stale, setup),
		cmocka_unit_test_setup(test_unreachable_without_state, setup),
		cmocka_unit_test_setup(test_known_hosts, setup),
		cmocka_unit_test_setup_teardown(test_ssh_clone_push_and_host_key, setup, teardown_sshd),
	};
	return cmocka_run_group_tests(tests, gitrepo_test_group_setup, group_teardown);
}
