/*
 * gitrepo_int.h - what the gitrepo source files share; not an API.
 */
#ifndef GITREPO_INT_H
#define GITREPO_INT_H

#include <git2.h>
#include <string.h>

#include "gitrepo.h"

#define GITREPO_REMOTE_NAME "origin"

struct gitrepo {
	git_repository *repo;
	git_remote *remote;   /* "origin", looked up once: each lookup costs
	                       * libgit2 1.5 a small leak */
	char *url;            /* the remote URL, without #branch */
	char *branch;         /* e.g. "main" */
	char *local_ref;      /* refs/heads/<branch> */
	char *tracking_ref;   /* refs/remotes/origin/<branch> */

	/* ssh transport */
	bool is_ssh;
	char *ssh_host;       /* as written in known_hosts (no brackets) */
	unsigned ssh_port;
	char *ssh_key;
	char *ssh_pubkey;
	char *ssh_passphrase;
	char *known_hosts;

	/* per network operation */
	unsigned cred_calls;
	char cb_msg[512];     /* why a callback refused, if it did */
	bool push_rejected;
	char push_status[256];

	/* fast write path (gitrepo_pack.c) */
	git_odb_backend *mempack;  /* new objects; owned by the repository's odb */
	char *remote_path;         /* the remote when it is a local path, else NULL */
	git_repository *remote_repo; /* that remote, opened once for direct pushes */
	uint8_t *pend;             /* pack entries of the unpushed commits */
	size_t pend_len, pend_cap;
	uint32_t pend_count;       /* entries in pend */
	bool pend_valid;           /* pend holds pend_base..pend_head */
	git_oid pend_base;         /* parent of the first unpushed commit */
	git_oid pend_head;         /* the last commit in pend */

	/* pack maintenance (gitrepo_pack.c) */
	unsigned pack_count;       /* packs in the clone: as last counted, plus
	                            * one per pack written or fetch made since */
};

static inline void gitrepo_to_git(git_oid *g, const gitrepo_oid_t *o)
{
	memcpy(g->id, o->id, sizeof(o->id));
}

static inline void gitrepo_from_git(gitrepo_oid_t *o, const git_oid *g)
{
	memcpy(o->id, g->id, sizeof(o->id));
}

/* A regular file or an executable: what a zone or an included file may be. */
static inline bool gitrepo_is_file_mode(git_filemode_t m)
{
	return m == GIT_FILEMODE_BLOB || m == GIT_FILEMODE_BLOB_EXECUTABLE;
}

/* snprintf into an optional message buffer. */
void gitrepo_msg(char *msg, size_t msglen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "@what: <libgit2's last error>" into @msg. */
void gitrepo_msg_git(char *msg, size_t msglen, const char *what);
/* Map a libgit2 error of a local operation to a dns_err_t. */
dns_err_t gitrepo_local_err(int gerr);

/* Fill @r's URL and ssh fields from a "URL[#branch]" string; sets *branch
 * to a malloc'd branch name or NULL. */
dns_err_t gitrepo_parse_remote(gitrepo_t *r, const char *remote,
                               char **branch, char *msg, size_t msglen);
/* Callbacks with @r as payload for fetch, clone and push. */
void gitrepo_callbacks(gitrepo_t *r, git_remote_callbacks *cb);
/* Map a failed network operation, filling @msg. */
dns_err_t gitrepo_net_err(gitrepo_t *r, int gerr, const char *what,
                          char *msg, size_t msglen);

/* The commit's tree; *tree must be freed. */
dns_err_t gitrepo_commit_tree(gitrepo_t *r, const gitrepo_oid_t *commit,
                              git_tree **tree, char *msg, size_t msglen);

/* Add the in-memory object store that receives new objects. */
dns_err_t gitrepo_mem_attach(gitrepo_t *r, char *msg, size_t msglen);
/* Empty it: only once its objects are stored in a pack. */
void gitrepo_mem_reset(gitrepo_t *r);
/* Store objects @ids (those @commit adds to @parent) as one pack in the
 * local clone and keep their entries for the next push. */
dns_err_t gitrepo_persist(gitrepo_t *r, const git_oid *parent, const git_oid *commit,
                          const git_oid *ids, size_t n, char *msg, size_t msglen);
/* Forget the kept entries (the branch was reset or pushed otherwise). */
void gitrepo_pending_clear(gitrepo_t *r);
/* Remove a lock of the branch in a local-path remote left by a crash. */
void gitrepo_break_stale_lock(gitrepo_t *r);
/* Push @loc to a local-path remote directly when the kept entries are
 * exactly what it lacks.  false: not done, use libgit2's push; true: done,
 * result in *err (DNS_OK or GITREPO_E*). */
bool gitrepo_push_direct(gitrepo_t *r, const git_oid *loc, dns_err_t *err,
                         char *msg, size_t msglen);

/* At open: remove what a crash may have left in objects/pack (temporary
 * pack files, an index without its pack or a pack without its index) and
 * count the packs. */
void gitrepo_pack_cleanup(gitrepo_t *r);

#endif
