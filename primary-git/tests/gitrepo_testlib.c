/*
 * gitrepo_testlib.c - what the libgit2 adapter's test programs share: one
 * temporary directory per run, a fresh "remote" per test made with the git
 * CLI (the independent reference), and small assertions.
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

char top[256];      /* the temporary directory of this run */
char dir[512];      /* the directory of the current test */
const char *git = "git";

/* ---- helpers ---- */

void sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof(cmd));
	int rc = system(cmd);
	if (rc != 0)
		fprintf(stderr, "command failed (%d): %s\n", rc, cmd);
	assert_int_equal(rc, 0);
}

/* The first line of a command's output. */
void capture(char *out, size_t len, const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	out[0] = '\0';
	if (fgets(out, (int)len, p) == NULL)
		out[0] = '\0';
	out[strcspn(out, "\n")] = '\0';
	assert_int_equal(pclose(p), 0);
}

void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

void rev(gitrepo_oid_t *oid, const char *repo, const char *what)
{
	char hex[128];
	capture(hex, sizeof(hex), "%s -C %s rev-parse %s", git, repo, what);
	assert_int_equal(gitrepo_oid_parse(oid, hex), DNS_OK);
}

void assert_oid_rev(const gitrepo_oid_t *oid, const char *repo, const char *what)
{
	gitrepo_oid_t want;
	rev(&want, repo, what);
	assert_true(gitrepo_oid_equal(oid, &want));
}


/* A fresh directory with remote.git (bare, branch main: example.com, _keys,
 * sub/ignored) and work/, a CLI clone of it. */
int setup(void **state)
{
	static unsigned n;
	snprintf(dir, sizeof(dir), "%s/t%u", top, ++n);
	if (mkdir(dir, 0700) != 0)
		return -1;
	char cmd[4096];
	snprintf(cmd, sizeof(cmd),
	         "cd %s && %s init -q --bare -b main remote.git && %s clone -q remote.git work 2>/dev/null && "
	         "cd work && printf '$ORIGIN example.com.\\n@ SOA ns hostmaster 1 2 3 4 5\\n' > example.com && "
	         "printf 'k._update.example.com. DNSKEY 0 3 163 AAAA\\n' > _keys && mkdir sub && "
	         "echo ignored > sub/ignored && %s add -A && %s " PERSON " commit -qm initial && "
	         "%s push -q origin main",
	         dir, git, git, git, git, git);
	return system(cmd) == 0 ? 0 : -1;
}

/* Commit a change to work/ and push it, as a person would. */
void person_push(const char *file, const char *text, const char *message)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/work/%s", dir, file);
	sh("cd %s/work && %s pull -q --ff-only origin main", dir, git);
	write_file(path, text);
	sh("cd %s/work && %s add -A && %s " PERSON " commit -qm '%s' && %s push -q origin main",
	   dir, git, git, message, git);
}

gitrepo_t *open_ok(const char *remote, const char *state, gitrepo_open_info_t *info)
{
	gitrepo_config_t cfg = { .remote = remote, .state_dir = state };
	gitrepo_t *r = NULL;
	char msg[1024] = "";
	dns_err_t err = gitrepo_open(&r, &cfg, info, msg, sizeof(msg));
	if (err != DNS_OK)
		fprintf(stderr, "gitrepo_open: %s\n", msg);
	assert_int_equal(err, DNS_OK);
	return r;
}

char *path_in(const char *name)
{
	/* a fresh buffer per call (each test makes far fewer than 256) */
	static char buf[256][1024];
	static unsigned i;
	char *p = buf[i++ % 256];
	snprintf(p, sizeof(buf[0]), "%s/%s", dir, name);
	return p;
}

void assert_file(gitrepo_t *r, const gitrepo_oid_t *commit, const char *name,
                        const char *want)
{
	uint8_t *data = NULL;
	size_t len = 0;
	char msg[256];
	assert_int_equal(gitrepo_read_file(r, commit, name, &data, &len, msg, sizeof(msg)), DNS_OK);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(data, want, len);
	assert_int_equal(data[len], 0);
	free(data);
}

/* ---- the run ---- */

int gitrepo_test_group_setup(void **state)
{
	snprintf(top, sizeof(top), "%s/gitrepo-test-XXXXXX",
	         getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(top) == NULL)
		return -1;
	if (getenv("GIT") != NULL)
		git = getenv("GIT");
	/* no user or system git configuration leaks into the tests */
	setenv("HOME", top, 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	unsetenv("SSH_AUTH_SOCK");
	return 0;
}

/* Remove the run's directory. */
int gitrepo_test_remove_top(void)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	return system(cmd) == 0 ? 0 : -1;
}
