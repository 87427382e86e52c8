/*
 * gitrepo_testlib.h - helpers shared by test_gitrepo.c and
 * test_gitrepo_maint.c (see gitrepo_testlib.c).
 */
#ifndef GITREPO_TESTLIB_H
#define GITREPO_TESTLIB_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "gitrepo.h"

#define PERSON "-c user.name=Person -c user.email=person@example.org"
#define KEY "key1._update.example.com"

extern char top[256];
extern char dir[512];
extern const char *git;

/* Run a shell command (printf format); the test fails unless it exits 0. */
void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Its first line of output into @out. */
void capture(char *out, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void write_file(const char *path, const char *text);
void rev(gitrepo_oid_t *oid, const char *repo, const char *what);
void assert_oid_rev(const gitrepo_oid_t *oid, const char *repo, const char *what);
/* A fresh directory with remote.git (branch main: example.com, _keys,
 * sub/ignored) and work/, a CLI clone of it. */
int setup(void **state);
void person_push(const char *file, const char *text, const char *message);
gitrepo_t *open_ok(const char *remote, const char *state, gitrepo_open_info_t *info);
char *path_in(const char *name);
void assert_file(gitrepo_t *r, const gitrepo_oid_t *commit, const char *name, const char *want);

int gitrepo_test_group_setup(void **state);
int gitrepo_test_remove_top(void);

#endif
