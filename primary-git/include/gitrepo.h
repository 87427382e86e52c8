/*
 * gitrepo.h - the libgit2 adapter of dns-primary-git.
 *
 * A gitrepo_t is a local clone (a bare repository in the state directory)
 * of one branch of a remote.  It reads zone files straight from the object
 * database (root tree of a commit), writes changes back as real commits on
 * the branch and pushes them.  The primary's sans-IO logic calls it from a
 * worker thread; every call is synchronous.  A gitrepo_t must be used by one
 * thread at a time; distinct gitrepo_t may be used concurrently.
 *
 * Errors follow dns/error.h: every fallible call returns a dns_err_t and
 * fills the optional message buffer (@msg, @msglen; may be NULL/0) with a
 * human-readable reason, including libgit2's own message.  Network calls
 * use the GITREPO_E* names below so the caller can tell what to do.
 *
 * Remotes: a local path, file://, ssh://[user@]host[:port]/path, scp-like
 * [user@]host:path, https://.  ssh uses key authentication (a key file, or
 * ssh-agent when none is given) and checks the server's host key against
 * the caller's known_hosts file; without a match the connection is refused.
 * https verifies the server against the system CA store.
 *
 * An existing non-bare clone in the state directory is accepted too, but
 * its working tree is never updated.  The state directory belongs to one
 * gitrepo_t at a time: lock files of the branch, its remote-tracking ref
 * and HEAD left there by a crash are removed when it is opened.
 *
 * Note: for local paths and file:// the remote repository is written
 * directly (a pack, then a compare-and-swap of the branch under its lock),
 * so the remote's hooks (pre-receive, post-receive) do not run.
 *
 * New objects are kept in memory and stored in the clone as one pack per
 * commit (zlib's fastest level), never as loose files; a push to a
 * local-path remote reuses those compressed entries.  gitrepo_maintain()
 * merges those packs again.
 */
#ifndef GITREPO_H
#define GITREPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/error.h"

/* The push was rejected because the remote branch moved (non-fast-forward,
 * "fetch first", a lost ref-update race), or a fetch found the local branch
 * diverged from the remote.  Remedy: fetch, reset to the remote head,
 * re-apply, push again. */
#define GITREPO_EREJECTED    DNS_EEXIST
/* The remote could not be reached or the transfer failed (network, DNS,
 * missing path, protocol error).  Remedy: retry later. */
#define GITREPO_EUNREACHABLE DNS_EIO
/* Authentication failed or the server's host key / certificate was refused.
 * Remedy: fix the configuration; retrying does not help. */
#define GITREPO_EAUTH        DNS_EDENIED
/* The remote refused the update for another reason (a pre-receive hook
 * declined it, e.g. `dns-zone check` failed).  Remedy: do not retry as is. */
#define GITREPO_EDECLINED    DNS_EZONE

/* Explicit limits. */
#define GITREPO_MAX_FILES   100000u          /* entries listed in a root tree */
#define GITREPO_MAX_BLOB    (1024u << 20)    /* bytes of one blob read */
#define GITREPO_MAX_NAME    255u             /* bytes of a root file name */

typedef struct gitrepo gitrepo_t;

/* A git object id (SHA-1). */
typedef struct gitrepo_oid {
	uint8_t id[20];
} gitrepo_oid_t;

#define GITREPO_OID_HEXSIZE 41 /* 40 hex digits and the NUL */

/* Format @oid as 40 lowercase hex digits into @out. */
void gitrepo_oid_fmt(const gitrepo_oid_t *oid, char out[GITREPO_OID_HEXSIZE]);
/* Parse 40 hex digits. */
dns_err_t gitrepo_oid_parse(gitrepo_oid_t *oid, const char *hex);
bool gitrepo_oid_equal(const gitrepo_oid_t *a, const gitrepo_oid_t *b);

typedef struct gitrepo_config {
	const char *remote;         /* URL[#branch]; no branch: the remote's HEAD */
	const char *state_dir;      /* the local clone lives here */
	const char *ssh_key;        /* private key file; NULL: ask ssh-agent */
	const char *ssh_pubkey;     /* public key file; NULL: <ssh_key>.pub if it exists,
	                             * else derived by libssh2 */
	const char *ssh_passphrase; /* of the private key; NULL: none */
	const char *known_hosts;    /* required for ssh remotes */
} gitrepo_config_t;

/*
 * What a fetch found.  When the remote head does not descend from the
 * local head (@ahead), the local branch is left where it was and the
 * caller decides (gitrepo_reset_to_remote follows the remote).  Two
 * different stories lead there, told apart by the remote-tracking ref as
 * it was before the fetch (@prev_remote: the remote head as last fetched
 * or pushed):
 *  - @unpushed: the local branch holds commits that were never on the
 *    remote as far as this clone knows (not in @prev_remote's history);
 *  - @rewritten: the remote branch itself was moved to a commit that does
 *    not descend from @prev_remote (a force-push, a rewind); the local
 *    head, being @prev_remote or behind it, is simply left behind.
 * Both may be true at once.
 */
typedef struct gitrepo_fetch_result {
	gitrepo_oid_t head;        /* local branch head after the call */
	gitrepo_oid_t remote_head; /* remote branch head as fetched */
	gitrepo_oid_t prev_remote; /* remote-tracking head before the fetch */
	bool had_prev_remote;      /* @prev_remote is set (not a first fetch) */
	bool changed;              /* the local head moved (fast-forward) */
	bool ahead;                /* local commits not on the remote now: the
	                            * remote head does not descend from the local
	                            * head, which was not moved */
	bool diverged;             /* ahead, and the remote has commits the local
	                            * branch lacks; ahead without diverged: the
	                            * remote head is an ancestor of the local head
	                            * (a rewind, or unpushed commits on top) */
	bool unpushed;             /* ahead, with local commits never seen on the
	                            * remote (none of @prev_remote's history); no
	                            * @prev_remote: every ahead commit counts */
	bool rewritten;            /* the remote head does not descend from
	                            * @prev_remote: the remote branch was rewritten */
} gitrepo_fetch_result_t;

typedef struct gitrepo_open_info {
	bool cloned;          /* a fresh clone was made */
	bool stale;           /* the remote was unreachable: the existing clone
	                       * was opened as is; @msg says why */
	dns_err_t fetch_err;  /* when stale: why the fetch failed (GITREPO_E*,
	                       * or DNS_ENOTFOUND: branch gone on the remote) */
	gitrepo_oid_t head;   /* branch head now */
	gitrepo_fetch_result_t fetch; /* of the fetch made by the open; the
	                               * caller decides what to do with unpushed
	                               * (ahead) or diverged local commits */
} gitrepo_open_info_t;

/*
 * Open the clone in cfg->state_dir and fetch (fast-forwarding the branch),
 * or clone cfg->remote there when it holds no repository yet (the directory
 * is created if missing; it must be empty).  If the fetch fails and a clone
 * exists, that clone is opened: DNS_OK with info->stale set.  Without a
 * clone an unreachable remote is an error (GITREPO_E*).  On success *out
 * must be released with gitrepo_close().  @info may be NULL.
 */
dns_err_t gitrepo_open(gitrepo_t **out, const gitrepo_config_t *cfg,
                       gitrepo_open_info_t *info, char *msg, size_t msglen);
void gitrepo_close(gitrepo_t *repo);

/* The branch followed (e.g. "main"); valid until gitrepo_close(). */
const char *gitrepo_branch(const gitrepo_t *repo);

/* The local branch head. */
dns_err_t gitrepo_head(gitrepo_t *repo, gitrepo_oid_t *head,
                       char *msg, size_t msglen);

/* Fetch the branch and fast-forward the local branch to it.  Never moves
 * the local branch backwards or away from a local commit; see
 * gitrepo_fetch_result_t for what is reported instead. */
dns_err_t gitrepo_fetch(gitrepo_t *repo, gitrepo_fetch_result_t *res,
                        char *msg, size_t msglen);

/* Set the local branch to the remote head of the last fetch or push,
 * dropping unpushed local commits (they stay in the reflog).  @head may be
 * NULL. */
dns_err_t gitrepo_reset_to_remote(gitrepo_t *repo, gitrepo_oid_t *head,
                                  char *msg, size_t msglen);

/* What a tree entry is (its git mode). */
typedef enum gitrepo_kind {
	GITREPO_KIND_FILE = 0,    /* 100644 */
	GITREPO_KIND_EXEC,        /* 100755 */
	GITREPO_KIND_SYMLINK,     /* 120000 */
	GITREPO_KIND_SUBMODULE,   /* 160000 (a commit of another repository) */
	GITREPO_KIND_TREE,        /* 040000, a subdirectory */
} gitrepo_kind_t;

/* An entry at the root of a commit's tree. */
typedef struct gitrepo_file {
	char *name;
	gitrepo_oid_t blob;       /* the object id (a commit id for a submodule) */
	bool executable;
	gitrepo_kind_t kind;
	uint32_t mode;            /* the git mode, e.g. 0100644, 0120000 */
} gitrepo_file_t;

/* The regular files (and executables; not symlinks, not submodules) at the
 * root of @commit, sorted by name; subdirectories are ignored.  Release
 * *files with gitrepo_files_free().  DNS_ELIMIT beyond GITREPO_MAX_FILES. */
dns_err_t gitrepo_list_root(gitrepo_t *repo, const gitrepo_oid_t *commit,
                            gitrepo_file_t **files, size_t *count,
                            char *msg, size_t msglen);
/* The same with every entry, whatever its kind (symlinks, submodules and
 * subdirectories too), so that a caller can say why it skips one. */
dns_err_t gitrepo_list_root_all(gitrepo_t *repo, const gitrepo_oid_t *commit,
                                gitrepo_file_t **files, size_t *count,
                                char *msg, size_t msglen);
void gitrepo_files_free(gitrepo_file_t *files, size_t count);

/* Longest path read by gitrepo_read_path. */
#define GITREPO_MAX_PATH 4096u

/*
 * The regular file at @path ("dir/file.inc": '/'-separated, relative to
 * the root of @commit's tree; no "." or ".." components, no leading '/'):
 * its blob id into *blob and, unless @data is NULL, its bytes as
 * gitrepo_read_blob gives them.  DNS_ENOTFOUND when no such file exists
 * (or an entry on the way is not a directory); DNS_EINVAL when the path
 * is malformed or names a symlink, a submodule or a directory (*kind, if
 * @kind is not NULL, says which whenever an entry was found).
 */
dns_err_t gitrepo_read_path(gitrepo_t *repo, const gitrepo_oid_t *commit, const char *path,
                            gitrepo_oid_t *blob, gitrepo_kind_t *kind, uint8_t **data,
                            size_t *len, char *msg, size_t msglen);

/* The blob id of root file @name at @commit; DNS_ENOTFOUND if absent. */
dns_err_t gitrepo_file_blob(gitrepo_t *repo, const gitrepo_oid_t *commit,
                            const char *name, gitrepo_oid_t *blob,
                            char *msg, size_t msglen);

/* Copy a blob's bytes into a fresh malloc() buffer, NUL-terminated
 * ((*data)[*len] == 0) for text parsers; free() it.  DNS_ELIMIT beyond
 * GITREPO_MAX_BLOB. */
dns_err_t gitrepo_read_blob(gitrepo_t *repo, const gitrepo_oid_t *blob,
                            uint8_t **data, size_t *len,
                            char *msg, size_t msglen);

/* gitrepo_file_blob() then gitrepo_read_blob(). */
dns_err_t gitrepo_read_file(gitrepo_t *repo, const gitrepo_oid_t *commit,
                            const char *name, uint8_t **data, size_t *len,
                            char *msg, size_t msglen);

/* The first-parent history from @from (NULL: the branch head) backwards,
 * newest first, at most @max commits: the successive versions of the
 * branch.  Release *ids with free(). */
dns_err_t gitrepo_history(gitrepo_t *repo, const gitrepo_oid_t *from,
                          size_t max, gitrepo_oid_t **ids, size_t *count,
                          char *msg, size_t msglen);

/* One file change of a write-back commit. */
typedef struct gitrepo_change {
	const char *name;     /* root file name (no '/', not "." or "..") */
	const uint8_t *data;  /* new content; NULL deletes the file */
	size_t len;
} gitrepo_change_t;

/*
 * Create a commit on top of @parent with @changes applied to its root
 * tree, authored and committed by @author_name <@author_email>, and move
 * the local branch to it.  The branch must currently be at @parent
 * (GITREPO_EREJECTED otherwise): a local commit is never overwritten.
 * Nothing is pushed; see gitrepo_push().
 */
dns_err_t gitrepo_commit(gitrepo_t *repo, const gitrepo_oid_t *parent,
                         const gitrepo_change_t *changes, size_t nchanges,
                         const char *author_name, const char *author_email,
                         const char *message, gitrepo_oid_t *commit,
                         char *msg, size_t msglen);

/*
 * Push the local branch to the remote branch (never forced).
 * GITREPO_EREJECTED: the remote branch moved; fetch, reset, re-apply, retry.
 * GITREPO_EUNREACHABLE, GITREPO_EAUTH, GITREPO_EDECLINED: see above.
 * The local commit is kept whatever happens.
 */
dns_err_t gitrepo_push(gitrepo_t *repo, char *msg, size_t msglen);

/* Pack maintenance starts when the clone holds more packs than this, or,
 * while the caller is busy (updates waiting), than GITREPO_MAINT_PACKS_BUSY. */
#define GITREPO_MAINT_PACKS 32u
#define GITREPO_MAINT_PACKS_BUSY 256u

/*
 * Pack maintenance of the local clone.  Every commit stores its objects as
 * one small pack, and libgit2 (which has no gc) searches packs one by one,
 * so they are consolidated here, geometrically: sorted by object count,
 * the packs that do not form a progression of factor 4 (the many recent
 * small ones) are merged into one new pack, with deltas; a bigger pack is
 * folded in too while it holds fewer than 4 times the objects merged, so the
 * whole store becomes one pack once the recent objects reach a quarter of it.
 * Packs with a .keep file are left alone.  The new pack is complete, synced
 * and indexed before any merged pack is removed, so a crash at any point
 * leaves every object in place (leftovers are removed by the next open).
 * Does nothing (no system call) while the clone holds at most
 * GITREPO_MAINT_PACKS packs (GITREPO_MAINT_PACKS_BUSY with @busy: a merge
 * takes a while, so a caller with work waiting defers it); call it after
 * each commit or batch.
 * *merged (may be NULL) receives the number of packs merged (0: none).
 *
 * Only the clone is maintained: a local-path remote receives one pack per
 * direct push and needs the owner's `git gc` now and then.
 * This is gitrepo_maint_begin/prepare/commit below in one call.
 */
dns_err_t gitrepo_maintain(gitrepo_t *repo, bool busy, unsigned *merged, char *msg,
                           size_t msglen);

/* Consolidate now, whatever the number of packs (tests, tools). */
dns_err_t gitrepo_maintain_force(gitrepo_t *repo, unsigned *merged, char *msg,
                                 size_t msglen);

/*
 * The same maintenance in three steps, so that the merge itself (tens to
 * hundreds of milliseconds) runs on another thread while the repository
 * goes on taking commits:
 *   gitrepo_maint_due()     with the repository: is a merge due? (no
 *                           system call; see gitrepo_maintain for @busy)
 *   gitrepo_maint_begin()   with the repository: a job (copies paths only)
 *   gitrepo_maint_prepare() WITHOUT the repository, on any thread: lists
 *                           the packs, writes the merged pack under a new
 *                           name, indexed and synced, through libgit2
 *                           handles of its own; the repository's files are
 *                           left as they are
 *   gitrepo_maint_commit()  with the repository, cheap: removes the merged
 *                           packs (index first) and reopens the object
 *                           database, which then sees the new pack
 *   gitrepo_maint_free()    in every case.
 * At most one job per clone at a time.  Commits made between prepare and
 * commit add packs that are not merged: the next job merges them.  If the
 * job is dropped after prepare (error, shutdown), the new pack stays beside
 * the old ones (same objects twice, harmless) until the next maintenance.
 * *merged (may be NULL) receives the number of packs merged.
 */
typedef struct gitrepo_maint gitrepo_maint_t;

bool gitrepo_maint_due(const gitrepo_t *repo, bool busy);
/* @full: merge every pack, as gitrepo_maintain_force(). */
dns_err_t gitrepo_maint_begin(gitrepo_t *repo, bool full, gitrepo_maint_t **job,
                              char *msg, size_t msglen);
dns_err_t gitrepo_maint_prepare(gitrepo_maint_t *job, char *msg, size_t msglen);
dns_err_t gitrepo_maint_commit(gitrepo_t *repo, gitrepo_maint_t *job, unsigned *merged,
                               char *msg, size_t msglen);
void gitrepo_maint_free(gitrepo_maint_t *job);

/*
 * Check an ssh host key against an OpenSSH known_hosts file: plain host
 * patterns (comma-separated, '*' and '?' wildcards, '!' negation), hashed
 * entries (|1|salt|hash), "[host]:port" for ports other than 22, and
 * @revoked markers (@cert-authority lines are ignored).  @key is the raw
 * key blob (as in the file, base64-decoded) or NULL, then @sha256 (its
 * SHA-256) is compared instead.  DNS_OK on a match; GITREPO_EAUTH with
 * a message naming host, port and file otherwise; DNS_EIO if the file
 * cannot be read.
 */
dns_err_t gitrepo_known_hosts_check(const char *path, const char *host,
                                    unsigned port, const uint8_t *key,
                                    size_t keylen, const uint8_t *sha256,
                                    char *msg, size_t msglen);

#endif
