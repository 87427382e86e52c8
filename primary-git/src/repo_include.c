/*
 * repo_include.c - $INCLUDE in repository zones, resolved from a commit.
 *
 * The rule is dns/layout.h's, the same for `dns-zone check --root` and the
 * pre-receive hook: a path relative to the repository root, naming a root
 * "*.inc" file or a file in a subdirectory, read from the same commit as
 * the zone (never from a working tree, never from another version).
 * Refusals say why with the same words everywhere.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/layout.h"
#include "repo_state.h"

void pg_deps_free(pg_dep_t *deps, size_t n)
{
	for (size_t i = 0; deps && i < n; i++)
		free(deps[i].path);
	free(deps);
}

void pg_incl_init(pg_incl_t *c, gitrepo_t *repo, const gitrepo_oid_t *commit)
{
	memset(c, 0, sizeof(*c));
	c->repo = repo;
	c->commit = *commit;
}

void pg_incl_free(pg_incl_t *c)
{
	pg_deps_free(c->deps, c->ndeps);
	c->deps = NULL;
	c->ndeps = c->cap = 0;
}

void pg_incl_take(pg_incl_t *c, pg_dep_t **deps, size_t *n)
{
	*deps = c->deps;
	*n = c->ndeps;
	c->deps = NULL;
	c->ndeps = c->cap = 0;
}

/* Remember that the zone asked for @path (once per path). */
static void record(pg_incl_t *c, const char *path, const gitrepo_oid_t *blob, bool present)
{
	for (size_t i = 0; i < c->ndeps; i++)
		if (strcmp(c->deps[i].path, path) == 0)
			return;
	if (c->ndeps == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 4;
		pg_dep_t *v = realloc(c->deps, cap * sizeof(*v));
		if (!v) {
			c->oom = true;
			return;
		}
		c->deps = v;
		c->cap = cap;
	}
	pg_dep_t *d = &c->deps[c->ndeps];
	memset(d, 0, sizeof(*d));
	if (!(d->path = strdup(path))) {
		c->oom = true;
		return;
	}
	if (present)
		d->blob = *blob;
	d->present = present;
	c->ndeps++;
}

static dns_err_t read_include(void *ctx, const char *path, char **text, size_t *len, char *msg,
                              size_t msglen)
{
	pg_incl_t *c = ctx;
	const char *why = NULL;
	*text = NULL;
	*len = 0;
	/* The words are those of `dns-zone check --root` (the hook's check),
	 * so that a refusal reads the same wherever it is made. */
	if (!dns_layout_include_ok(path, &why)) {
		snprintf(msg, msglen, "not allowed in a zone repository: %s", why);
		return DNS_EDENIED;
	}
	gitrepo_oid_t blob;
	gitrepo_kind_t kind = GITREPO_KIND_FILE;
	uint8_t *data = NULL;
	char gmsg[256];
	dns_err_t e = gitrepo_read_path(c->repo, &c->commit, path, &blob, &kind, &data, len, gmsg,
	                                sizeof(gmsg));
	/* a file that is missing now may be added later: that must reload */
	record(c, path, &blob, e == DNS_OK);
	if (e == DNS_ENOTFOUND) {
		snprintf(msg, msglen, "%s (paths are relative to the repository root)",
		         strerror(ENOENT));
		return e;
	}
	if (e == DNS_EINVAL) {
		snprintf(msg, msglen, "%s", kind == GITREPO_KIND_SYMLINK
		                            ? "a symbolic link (the primary reads files, not links)"
		                            : strerror(EISDIR));
		return e;
	}
	if (e != DNS_OK) {
		snprintf(msg, msglen, "%s", gmsg);
		return e;
	}
	*text = (char *)data;
	return DNS_OK;
}

void pg_incl_options(pg_incl_t *c, dns_zf_options_t *opt)
{
	opt->include = read_include;
	opt->include_ctx = c;
}
