/*
 * gitrepo_int.h - what the gitrepo source files share; not an API.
 */
#ifndef GITREPO_INT_H
#define GITREPO_INT_H

#include <git2.h>

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
};

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

#endif
