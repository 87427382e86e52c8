/*
 * gitrepo.c - open or clone the state directory; write commits.  Reading
 * trees, blobs and history is in gitrepo_read.c, network operations in
 * gitrepo_remote.c.
 *
 * The clone is a bare repository: zone files are read from the object
 * database, never from a working tree, so there is nothing to keep in sync
 * and a crash cannot leave a half-written checkout behind.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gitrepo_int.h"

/* ---- messages and ids ---- */

void gitrepo_msg(char *msg, size_t msglen, const char *fmt, ...)
{
	if (msg == NULL || msglen == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, msglen, fmt, ap);
	va_end(ap);
}

void gitrepo_msg_git(char *msg, size_t msglen, const char *what)
{
	const git_error *e = git_error_last();
	gitrepo_msg(msg, msglen, "%s: %s", what,
	            e != NULL && e->message != NULL ? e->message : "unknown libgit2 error");
}

dns_err_t gitrepo_local_err(int gerr)
{
	switch (gerr) {
	case GIT_ENOTFOUND:
		return DNS_ENOTFOUND;
	case GIT_EINVALIDSPEC:
	case GIT_EINVALID:
	case GIT_EAMBIGUOUS:
		return DNS_EINVAL;
	case GIT_EMODIFIED:
		return GITREPO_EREJECTED;
	default:
		return DNS_EIO;
	}
}

void gitrepo_oid_fmt(const gitrepo_oid_t *oid, char out[GITREPO_OID_HEXSIZE])
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < sizeof(oid->id); i++) {
		out[2 * i] = hex[oid->id[i] >> 4];
		out[2 * i + 1] = hex[oid->id[i] & 15];
	}
	out[40] = '\0';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

dns_err_t gitrepo_oid_parse(gitrepo_oid_t *oid, const char *hex)
{
	if (hex == NULL || strlen(hex) != 40)
		return DNS_ESYNTAX;
	for (size_t i = 0; i < 20; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return DNS_ESYNTAX;
		oid->id[i] = (uint8_t)(hi << 4 | lo);
	}
	return DNS_OK;
}

bool gitrepo_oid_equal(const gitrepo_oid_t *a, const gitrepo_oid_t *b)
{
	return memcmp(a->id, b->id, sizeof(a->id)) == 0;
}

/* ---- open, clone, close ---- */

static char *xstrdup(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

static char *concat(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = malloc(la + lb + 1);
	if (s != NULL) {
		memcpy(s, a, la);
		memcpy(s + la, b, lb + 1);
	}
	return s;
}

/* The clone belongs to this process alone: a lock file of one of its refs
 * can only be left over from a crash (kill -9 while a ref was written), and
 * would refuse every later update of that ref. */
static void remove_stale_locks(gitrepo_t *r)
{
	const char *names[] = { "HEAD", r->local_ref, r->tracking_ref };
	const char *dir = git_repository_path(r->repo);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *ref = concat(dir, names[i]);
		char *lock = ref != NULL ? concat(ref, ".lock") : NULL;
		if (lock != NULL)
			(void)unlink(lock);
		free(lock);
		free(ref);
	}
}

/* Follow @branch: set the ref names and point HEAD at it. */
static dns_err_t set_branch(gitrepo_t *r, const char *branch, char *msg, size_t msglen)
{
	int valid = 0;
	char *local = concat("refs/heads/", branch);
	char *tracking = concat("refs/remotes/" GITREPO_REMOTE_NAME "/", branch);
	if (local == NULL || tracking == NULL || (r->branch = strdup(branch)) == NULL) {
		free(local);
		free(tracking);
		gitrepo_msg(msg, msglen, "out of memory");
		return DNS_ENOMEM;
	}
	r->local_ref = local;
	r->tracking_ref = tracking;
	if (git_reference_name_is_valid(&valid, local) != 0 || !valid) {
		gitrepo_msg(msg, msglen, "invalid branch name \"%s\"", branch);
		return DNS_EINVAL;
	}
	remove_stale_locks(r);
	if (git_repository_set_head(r->repo, local) != 0) {
		gitrepo_msg_git(msg, msglen, "cannot point HEAD at the branch");
		return DNS_EIO;
	}
	return DNS_OK;
}

/* The branch HEAD points at (possibly unborn), as a malloc'd name. */
static dns_err_t head_branch(gitrepo_t *r, char **branch, char *msg, size_t msglen)
{
	git_reference *head = NULL;
	if (git_reference_lookup(&head, r->repo, "HEAD") != 0) {
		gitrepo_msg_git(msg, msglen, "cannot read HEAD");
		return DNS_EIO;
	}
	const char *t = git_reference_symbolic_target(head);
	dns_err_t err = DNS_OK;
	if (t == NULL || strncmp(t, "refs/heads/", 11) != 0 || t[11] == '\0') {
		gitrepo_msg(msg, msglen, "HEAD of %s does not name a branch; give URL#branch",
		            git_repository_path(r->repo));
		err = DNS_ENOTFOUND;
	} else if ((*branch = strdup(t + 11)) == NULL) {
		err = DNS_ENOMEM;
	}
	git_reference_free(head);
	return err;
}

/* Keep a reflog for the branch so a dropped local commit can be found. */
static void enable_reflog(gitrepo_t *r)
{
	git_config *cfg = NULL;
	if (git_repository_config(&cfg, r->repo) == 0) {
		(void)git_config_set_bool(cfg, "core.logAllRefUpdates", 1);
		git_config_free(cfg);
	}
}

static dns_err_t local_head(gitrepo_t *r, gitrepo_oid_t *head, char *msg, size_t msglen)
{
	git_oid oid;
	int e = git_reference_name_to_id(&oid, r->repo, r->local_ref);
	if (e != 0) {
		gitrepo_msg_git(msg, msglen, "no local branch");
		return gitrepo_local_err(e);
	}
	gitrepo_from_git(head, &oid);
	return DNS_OK;
}

/* Make "origin" point at the configured URL (the flags may have changed). */
static dns_err_t ensure_origin(gitrepo_t *r, char *msg, size_t msglen)
{
	git_remote *remote = NULL;
	int e = git_remote_lookup(&remote, r->repo, GITREPO_REMOTE_NAME);
	if (e == GIT_ENOTFOUND) {
		e = git_remote_create(&remote, r->repo, GITREPO_REMOTE_NAME, r->url);
	} else if (e == 0 && strcmp(git_remote_url(remote), r->url) != 0) {
		git_remote_free(remote);
		remote = NULL;
		e = git_remote_set_url(r->repo, GITREPO_REMOTE_NAME, r->url);
		if (e == 0)
			e = git_remote_lookup(&remote, r->repo, GITREPO_REMOTE_NAME);
	}
	r->remote = remote;
	if (e != 0) {
		gitrepo_msg_git(msg, msglen, "cannot configure the remote");
		return DNS_EIO;
	}
	return DNS_OK;
}

static dns_err_t open_existing(gitrepo_t *r, char *branch, gitrepo_open_info_t *info,
                               char *msg, size_t msglen)
{
	dns_err_t err = ensure_origin(r, msg, msglen);
	if (err == DNS_OK && branch == NULL)
		err = head_branch(r, &branch, msg, msglen);
	if (err == DNS_OK)
		err = set_branch(r, branch, msg, msglen);
	free(branch);
	if (err != DNS_OK)
		return err;
	enable_reflog(r);

	gitrepo_fetch_result_t fr;
	err = gitrepo_fetch(r, &fr, msg, msglen);
	if (err == DNS_OK) {
		info->fetch = fr;
		info->head = fr.head;
		return DNS_OK;
	}
	/* Unreachable (or refusing) remote: serve what we have, if anything. */
	char why[sizeof(r->cb_msg) + 256];
	gitrepo_msg(why, sizeof(why), "%s", msg != NULL && msglen > 0 ? msg : "fetch failed");
	if (local_head(r, &info->head, NULL, 0) != DNS_OK)
		return err;
	info->stale = true;
	info->fetch_err = err;
	info->fetch.head = info->head;
	gitrepo_msg(msg, msglen, "using the existing clone in %s, which may be stale: %s",
	            git_repository_path(r->repo), why);
	return DNS_OK;
}

static dns_err_t clone_new(gitrepo_t *r, const char *dir, char *branch,
                           gitrepo_open_info_t *info, char *msg, size_t msglen)
{
	git_clone_options co;
	git_clone_options_init(&co, GIT_CLONE_OPTIONS_VERSION);
	co.bare = 1;
	co.checkout_branch = branch;
	gitrepo_callbacks(r, &co.fetch_opts.callbacks);
	co.fetch_opts.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	int e = git_clone(&r->repo, r->url, dir, &co);
	if (e != 0) {
		free(branch);
		return gitrepo_net_err(r, e, "clone of", msg, msglen);
	}
	dns_err_t err = DNS_OK;
	if (git_remote_lookup(&r->remote, r->repo, GITREPO_REMOTE_NAME) != 0) {
		gitrepo_msg_git(msg, msglen, "remote " GITREPO_REMOTE_NAME);
		err = DNS_EIO;
	}
	if (err == DNS_OK && branch == NULL)
		err = head_branch(r, &branch, msg, msglen);
	if (err == DNS_OK)
		err = set_branch(r, branch, msg, msglen);
	free(branch);
	if (err != DNS_OK)
		return err;
	enable_reflog(r);
	info->cloned = true;
	if (local_head(r, &info->head, NULL, 0) != DNS_OK) {
		gitrepo_msg(msg, msglen, "branch %s not found on remote %s", r->branch, r->url);
		return DNS_ENOTFOUND;
	}
	info->fetch.head = info->fetch.remote_head = info->head;
	return DNS_OK;
}

/* A directory we may clone into: missing (then created) or empty. */
static dns_err_t check_clone_dir(const char *dir, char *msg, size_t msglen)
{
	DIR *d = opendir(dir);
	if (d == NULL) {
		if (errno == ENOENT && mkdir(dir, 0700) == 0)
			return DNS_OK;
		gitrepo_msg(msg, msglen, "state directory %s: %s", dir, strerror(errno));
		return DNS_EIO;
	}
	struct dirent *de;
	bool empty = true;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			empty = false;
	closedir(d);
	if (!empty) {
		gitrepo_msg(msg, msglen, "state directory %s is not empty and holds no git repository", dir);
		return DNS_EEXIST;
	}
	return DNS_OK;
}

dns_err_t gitrepo_open(gitrepo_t **out, const gitrepo_config_t *cfg,
                       gitrepo_open_info_t *info, char *msg, size_t msglen)
{
	gitrepo_open_info_t dummy;
	if (info == NULL)
		info = &dummy;
	memset(info, 0, sizeof(*info));
	*out = NULL;
	if (cfg == NULL || cfg->remote == NULL || cfg->state_dir == NULL ||
	    cfg->remote[0] == '\0' || cfg->state_dir[0] == '\0') {
		gitrepo_msg(msg, msglen, "a remote and a state directory are required");
		return DNS_EINVAL;
	}
	if (git_libgit2_init() < 0) {
		gitrepo_msg_git(msg, msglen, "libgit2 initialisation failed");
		return DNS_EIO;
	}
	/* Objects are checked as they enter the clone, as git does it: a fetch
	 * indexes and hashes every object, ours are hashed as they are written,
	 * and a clone of a local path copies them as they are (git clone
	 * hardlinks them); inflating still checks their zlib checksums.
	 * Hashing each one again on every read, libgit2's default and not
	 * git's, costs the load of a 1M-record zone 15%.  (A process-wide
	 * libgit2 setting.) */
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
	gitrepo_t *r = calloc(1, sizeof(*r));
	if (r == NULL) {
		git_libgit2_shutdown();
		gitrepo_msg(msg, msglen, "out of memory");
		return DNS_ENOMEM;
	}
	r->ssh_key = xstrdup(cfg->ssh_key);
	r->ssh_pubkey = xstrdup(cfg->ssh_pubkey);
	r->ssh_passphrase = xstrdup(cfg->ssh_passphrase);
	r->known_hosts = xstrdup(cfg->known_hosts);
	dns_err_t err = DNS_OK;
	if ((cfg->ssh_key && !r->ssh_key) || (cfg->ssh_pubkey && !r->ssh_pubkey) ||
	    (cfg->ssh_passphrase && !r->ssh_passphrase) ||
	    (cfg->known_hosts && !r->known_hosts)) {
		gitrepo_msg(msg, msglen, "out of memory");
		err = DNS_ENOMEM;
	}
	char *branch = NULL;
	if (err == DNS_OK)
		err = gitrepo_parse_remote(r, cfg->remote, &branch, msg, msglen);
	if (err == DNS_OK && r->is_ssh && r->known_hosts == NULL) {
		gitrepo_msg(msg, msglen, "ssh remote %s needs a known_hosts file to check the host key",
		            r->url);
		err = DNS_EINVAL;
	}
	if (err != DNS_OK) {
		free(branch);
		gitrepo_close(r);
		return err;
	}

	int e = git_repository_open_ext(&r->repo, cfg->state_dir,
	                                GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
	if (e == 0) {
		gitrepo_pack_cleanup(r); /* before the fetch adds a pack */
		err = open_existing(r, branch, info, msg, msglen);
	} else if (e == GIT_ENOTFOUND) {
		err = check_clone_dir(cfg->state_dir, msg, msglen);
		if (err == DNS_OK)
			err = clone_new(r, cfg->state_dir, branch, info, msg, msglen);
		else
			free(branch);
		if (err == DNS_OK)
			gitrepo_pack_cleanup(r); /* counts the packs */
	} else {
		free(branch);
		gitrepo_msg_git(msg, msglen, "cannot open the state directory");
		err = DNS_EIO;
	}
	if (err == DNS_OK)
		err = gitrepo_mem_attach(r, msg, msglen);
	if (err != DNS_OK) {
		gitrepo_close(r);
		return err;
	}
	*out = r;
	return DNS_OK;
}

void gitrepo_close(gitrepo_t *r)
{
	if (r == NULL)
		return;
	git_remote_free(r->remote);
	git_repository_free(r->remote_repo);
	git_repository_free(r->repo);
	gitrepo_pending_clear(r);
	free(r->remote_path);
	free(r->url);
	free(r->branch);
	free(r->local_ref);
	free(r->tracking_ref);
	free(r->ssh_host);
	free(r->ssh_key);
	free(r->ssh_pubkey);
	if (r->ssh_passphrase != NULL) {
		explicit_bzero(r->ssh_passphrase, strlen(r->ssh_passphrase));
		free(r->ssh_passphrase);
	}
	free(r->known_hosts);
	free(r);
	git_libgit2_shutdown();
}

const char *gitrepo_branch(const gitrepo_t *r)
{
	return r->branch;
}

dns_err_t gitrepo_head(gitrepo_t *r, gitrepo_oid_t *head, char *msg, size_t msglen)
{
	return local_head(r, head, msg, msglen);
}

/* ---- writing ---- */

static bool valid_file_name(const char *name)
{
	size_t n = name != NULL ? strlen(name) : 0;
	return n > 0 && n <= GITREPO_MAX_NAME && strchr(name, '/') == NULL &&
	       strcmp(name, ".") != 0 && strcmp(name, "..") != 0 &&
	       strcasecmp(name, ".git") != 0;
}

/* Apply @ch to @tb; a new blob's id is added to @ids[*nids]. */
static dns_err_t apply_change(gitrepo_t *r, git_treebuilder *tb, const gitrepo_change_t *ch,
                              git_oid *ids, size_t *nids, char *msg, size_t msglen)
{
	if (!valid_file_name(ch->name)) {
		gitrepo_msg(msg, msglen, "invalid root file name \"%s\"",
		            ch->name != NULL ? ch->name : "(null)");
		return DNS_EINVAL;
	}
	const git_tree_entry *old = git_treebuilder_get(tb, ch->name);
	if (old != NULL && !gitrepo_is_file_mode(git_tree_entry_filemode(old))) {
		gitrepo_msg(msg, msglen, "\"%s\" is not a regular file", ch->name);
		return DNS_EINVAL;
	}
	if (ch->data == NULL) {
		if (old == NULL) {
			gitrepo_msg(msg, msglen, "no file \"%s\" to delete", ch->name);
			return DNS_ENOTFOUND;
		}
		if (git_treebuilder_remove(tb, ch->name) != 0) {
			gitrepo_msg_git(msg, msglen, "tree");
			return DNS_EIO;
		}
		return DNS_OK;
	}
	git_filemode_t mode = old != NULL ? git_tree_entry_filemode(old) : GIT_FILEMODE_BLOB;
	git_oid blob;
	if (git_blob_create_from_buffer(&blob, r->repo, ch->data, ch->len) != 0 ||
	    git_treebuilder_insert(NULL, tb, ch->name, &blob, mode) != 0) {
		gitrepo_msg_git(msg, msglen, "writing the blob");
		return DNS_EIO;
	}
	git_oid_cpy(&ids[(*nids)++], &blob);
	return DNS_OK;
}

/* The new tree: @parent's with @changes applied. */
static dns_err_t build_tree(gitrepo_t *r, git_commit *parent, const gitrepo_change_t *changes,
                            size_t n, git_oid *tree_id, git_oid *ids, size_t *nids,
                            char *msg, size_t msglen)
{
	git_tree *tree = NULL;
	git_treebuilder *tb = NULL;
	if (git_commit_tree(&tree, parent) != 0 ||
	    git_treebuilder_new(&tb, r->repo, tree) != 0) {
		git_tree_free(tree);
		gitrepo_msg_git(msg, msglen, "reading the parent tree");
		return DNS_EIO;
	}
	dns_err_t err = DNS_OK;
	for (size_t i = 0; i < n && err == DNS_OK; i++)
		err = apply_change(r, tb, &changes[i], ids, nids, msg, msglen);
	if (err == DNS_OK && git_treebuilder_write(tree_id, tb) != 0) {
		gitrepo_msg_git(msg, msglen, "writing the tree");
		err = DNS_EIO;
	}
	git_treebuilder_free(tb);
	git_tree_free(tree);
	return err;
}

dns_err_t gitrepo_commit(gitrepo_t *r, const gitrepo_oid_t *parent,
                         const gitrepo_change_t *changes, size_t nchanges,
                         const char *author_name, const char *author_email,
                         const char *message, gitrepo_oid_t *commit,
                         char *msg, size_t msglen)
{
	if (parent == NULL || (changes == NULL && nchanges > 0) || author_name == NULL ||
	    author_email == NULL || message == NULL) {
		gitrepo_msg(msg, msglen, "commit: missing argument");
		return DNS_EINVAL;
	}
	gitrepo_oid_t cur;
	dns_err_t err = local_head(r, &cur, msg, msglen);
	if (err != DNS_OK)
		return err;
	if (!gitrepo_oid_equal(&cur, parent)) {
		char a[GITREPO_OID_HEXSIZE], b[GITREPO_OID_HEXSIZE];
		gitrepo_oid_fmt(&cur, a);
		gitrepo_oid_fmt(parent, b);
		gitrepo_msg(msg, msglen, "branch %s is at %s, not at the parent %s", r->branch, a, b);
		return GITREPO_EREJECTED;
	}
	git_oid pid, tree_id, cid;
	git_commit *pc = NULL;
	git_tree *tree = NULL;
	git_signature *sig = NULL;
	git_reference *ref = NULL;
	gitrepo_to_git(&pid, parent);
	/* the objects of earlier commits are in packs by now */
	gitrepo_mem_reset(r);
	if (git_commit_lookup(&pc, r->repo, &pid) != 0) {
		gitrepo_msg_git(msg, msglen, "parent commit");
		return DNS_ENOTFOUND;
	}
	/* the new objects: blobs, then the tree and the commit */
	size_t nids = 0;
	git_oid *ids = nchanges < SIZE_MAX / sizeof(*ids) - 2 ?
	               malloc((nchanges + 2) * sizeof(*ids)) : NULL;
	if (ids == NULL) {
		git_commit_free(pc);
		gitrepo_msg(msg, msglen, "out of memory");
		return DNS_ENOMEM;
	}
	err = build_tree(r, pc, changes, nchanges, &tree_id, ids, &nids, msg, msglen);
	if (err == DNS_OK && git_signature_now(&sig, author_name, author_email) != 0) {
		gitrepo_msg_git(msg, msglen, "author");
		err = DNS_EINVAL;
	}
	size_t ml = strlen(message);
	char *text = malloc(ml + 2);
	if (err == DNS_OK && text == NULL) {
		gitrepo_msg(msg, msglen, "out of memory");
		err = DNS_ENOMEM;
	}
	if (err == DNS_OK) {
		/* git's convention: the message ends with a newline */
		memcpy(text, message, ml);
		text[ml] = '\n';
		text[ml + (ml == 0 || message[ml - 1] != '\n')] = '\0';
		const git_commit *parents[1] = { pc };
		if (git_tree_lookup(&tree, r->repo, &tree_id) != 0 ||
		    git_commit_create(&cid, r->repo, NULL, sig, sig, NULL, text, tree, 1, parents) != 0) {
			gitrepo_msg_git(msg, msglen, "creating the commit");
			err = DNS_EIO;
		}
	}
	/* On disk before the branch names them: a crash never leaves the
	 * branch pointing at objects that were only in memory. */
	if (err == DNS_OK) {
		git_oid_cpy(&ids[nids++], &tree_id);
		git_oid_cpy(&ids[nids++], &cid);
		err = gitrepo_persist(r, &pid, &cid, ids, nids, msg, msglen);
	}
	free(ids);
	/* Compare-and-swap: never overwrite a commit made meanwhile. */
	if (err == DNS_OK) {
		int e = git_reference_create_matching(&ref, r->repo, r->local_ref, &cid, 1, &pid,
		                                      "gitrepo: commit");
		if (e != 0) {
			gitrepo_msg_git(msg, msglen, "moving the branch");
			err = e == GIT_EMODIFIED ? GITREPO_EREJECTED : DNS_EIO;
		} else if (commit != NULL) {
			gitrepo_from_git(commit, &cid);
		}
	}
	free(text);
	git_reference_free(ref);
	git_tree_free(tree);
	git_signature_free(sig);
	git_commit_free(pc);
	return err;
}
