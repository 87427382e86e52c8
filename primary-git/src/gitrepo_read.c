/*
 * gitrepo_read.c - reading a commit: its root entries, files by path,
 * blobs, and the first-parent history of the branch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gitrepo_int.h"

dns_err_t gitrepo_commit_tree(gitrepo_t *r, const gitrepo_oid_t *commit,
                              git_tree **tree, char *msg, size_t msglen)
{
	git_oid oid;
	git_commit *c = NULL;
	gitrepo_to_git(&oid, commit);
	int e = git_commit_lookup(&c, r->repo, &oid);
	if (e == 0)
		e = git_commit_tree(tree, c);
	git_commit_free(c);
	if (e != 0) {
		char hex[GITREPO_OID_HEXSIZE], what[80];
		gitrepo_oid_fmt(commit, hex);
		snprintf(what, sizeof(what), "commit %s", hex);
		gitrepo_msg_git(msg, msglen, what);
		return gitrepo_local_err(e);
	}
	return DNS_OK;
}

void gitrepo_files_free(gitrepo_file_t *files, size_t count)
{
	if (files == NULL)
		return;
	for (size_t i = 0; i < count; i++)
		free(files[i].name);
	free(files);
}

static gitrepo_kind_t kind_of(git_filemode_t m)
{
	switch (m) {
	case GIT_FILEMODE_BLOB_EXECUTABLE:
		return GITREPO_KIND_EXEC;
	case GIT_FILEMODE_LINK:
		return GITREPO_KIND_SYMLINK;
	case GIT_FILEMODE_COMMIT:
		return GITREPO_KIND_SUBMODULE;
	case GIT_FILEMODE_TREE:
		return GITREPO_KIND_TREE;
	default:
		return GITREPO_KIND_FILE;
	}
}

static dns_err_t list_root(gitrepo_t *r, const gitrepo_oid_t *commit, bool all,
                           gitrepo_file_t **files, size_t *count, char *msg, size_t msglen)
{
	*files = NULL;
	*count = 0;
	git_tree *tree = NULL;
	dns_err_t err = gitrepo_commit_tree(r, commit, &tree, msg, msglen);
	if (err != DNS_OK)
		return err;
	size_t n = git_tree_entrycount(tree);
	if (n > GITREPO_MAX_FILES) {
		git_tree_free(tree);
		gitrepo_msg(msg, msglen, "%zu entries at the repository root (limit %u)",
		            n, GITREPO_MAX_FILES);
		return DNS_ELIMIT;
	}
	gitrepo_file_t *fs = calloc(n > 0 ? n : 1, sizeof(*fs));
	size_t k = 0;
	for (size_t i = 0; fs != NULL && i < n; i++) {
		const git_tree_entry *te = git_tree_entry_byindex(tree, i);
		git_filemode_t mode = git_tree_entry_filemode(te);
		if (!all && !gitrepo_is_file_mode(mode))
			continue;
		if ((fs[k].name = strdup(git_tree_entry_name(te))) == NULL) {
			gitrepo_files_free(fs, k);
			fs = NULL;
			break;
		}
		gitrepo_from_git(&fs[k].blob, git_tree_entry_id(te));
		fs[k].executable = mode == GIT_FILEMODE_BLOB_EXECUTABLE;
		fs[k].kind = kind_of(mode);
		fs[k].mode = (uint32_t)mode;
		k++;
	}
	git_tree_free(tree);
	if (fs == NULL) {
		gitrepo_msg(msg, msglen, "out of memory");
		return DNS_ENOMEM;
	}
	*files = fs;
	*count = k;
	return DNS_OK;
}

dns_err_t gitrepo_list_root(gitrepo_t *r, const gitrepo_oid_t *commit,
                            gitrepo_file_t **files, size_t *count,
                            char *msg, size_t msglen)
{
	return list_root(r, commit, false, files, count, msg, msglen);
}

dns_err_t gitrepo_list_root_all(gitrepo_t *r, const gitrepo_oid_t *commit,
                                gitrepo_file_t **files, size_t *count,
                                char *msg, size_t msglen)
{
	return list_root(r, commit, true, files, count, msg, msglen);
}

/* A relative path without empty, "." or ".." components. */
static bool valid_path(const char *path)
{
	size_t n = strlen(path);
	if (n == 0 || n > GITREPO_MAX_PATH || path[0] == '/')
		return false;
	for (const char *p = path; *p;) {
		const char *slash = strchr(p, '/');
		size_t l = slash ? (size_t)(slash - p) : strlen(p);
		if (l == 0 || (l == 1 && p[0] == '.') || (l == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		p += l;
		if (*p == '/')
			p++;
		if (slash && *p == '\0')
			return false; /* a trailing '/' */
	}
	return true;
}

dns_err_t gitrepo_read_path(gitrepo_t *r, const gitrepo_oid_t *commit, const char *path,
                            gitrepo_oid_t *blob, gitrepo_kind_t *kind, uint8_t **data,
                            size_t *len, char *msg, size_t msglen)
{
	if (data != NULL) {
		*data = NULL;
		*len = 0;
	}
	if (path == NULL || !valid_path(path)) {
		gitrepo_msg(msg, msglen, "invalid path \"%s\"", path != NULL ? path : "(null)");
		return DNS_EINVAL;
	}
	git_tree *tree = NULL;
	dns_err_t err = gitrepo_commit_tree(r, commit, &tree, msg, msglen);
	if (err != DNS_OK)
		return err;
	git_tree_entry *te = NULL;
	int e = git_tree_entry_bypath(&te, tree, path);
	if (e == GIT_ENOTFOUND) {
		gitrepo_msg(msg, msglen, "no file \"%s\" in the commit", path);
		err = DNS_ENOTFOUND;
	} else if (e != 0) {
		gitrepo_msg_git(msg, msglen, path);
		err = gitrepo_local_err(e);
	} else {
		git_filemode_t mode = git_tree_entry_filemode(te);
		if (kind != NULL)
			*kind = kind_of(mode);
		if (gitrepo_is_file_mode(mode)) {
			gitrepo_from_git(blob, git_tree_entry_id(te));
		} else {
			gitrepo_msg(msg, msglen, "\"%s\" is not a regular file", path);
			err = DNS_EINVAL;
		}
	}
	git_tree_entry_free(te);
	git_tree_free(tree);
	if (err == DNS_OK && data != NULL)
		err = gitrepo_read_blob(r, blob, data, len, msg, msglen);
	return err;
}

dns_err_t gitrepo_file_blob(gitrepo_t *r, const gitrepo_oid_t *commit,
                            const char *name, gitrepo_oid_t *blob,
                            char *msg, size_t msglen)
{
	git_tree *tree = NULL;
	dns_err_t err = gitrepo_commit_tree(r, commit, &tree, msg, msglen);
	if (err != DNS_OK)
		return err;
	const git_tree_entry *te = git_tree_entry_byname(tree, name);
	if (te == NULL || !gitrepo_is_file_mode(git_tree_entry_filemode(te))) {
		gitrepo_msg(msg, msglen, "no file \"%s\" at the repository root", name);
		err = DNS_ENOTFOUND;
	} else {
		gitrepo_from_git(blob, git_tree_entry_id(te));
	}
	git_tree_free(tree);
	return err;
}

dns_err_t gitrepo_read_blob(gitrepo_t *r, const gitrepo_oid_t *blob,
                            uint8_t **data, size_t *len, char *msg, size_t msglen)
{
	*data = NULL;
	*len = 0;
	git_oid oid;
	git_blob *b = NULL;
	gitrepo_to_git(&oid, blob);
	int e = git_blob_lookup(&b, r->repo, &oid);
	if (e != 0) {
		gitrepo_msg_git(msg, msglen, "blob");
		return gitrepo_local_err(e);
	}
	git_object_size_t size = git_blob_rawsize(b);
	dns_err_t err = DNS_OK;
	if (size > GITREPO_MAX_BLOB) {
		gitrepo_msg(msg, msglen, "blob of %llu bytes exceeds the limit of %u",
		            (unsigned long long)size, GITREPO_MAX_BLOB);
		err = DNS_ELIMIT;
	} else if ((*data = malloc((size_t)size + 1)) == NULL) {
		gitrepo_msg(msg, msglen, "out of memory");
		err = DNS_ENOMEM;
	} else {
		memcpy(*data, git_blob_rawcontent(b), (size_t)size);
		(*data)[size] = 0;
		*len = (size_t)size;
	}
	git_blob_free(b);
	return err;
}

dns_err_t gitrepo_read_file(gitrepo_t *r, const gitrepo_oid_t *commit,
                            const char *name, uint8_t **data, size_t *len,
                            char *msg, size_t msglen)
{
	gitrepo_oid_t blob;
	*data = NULL;
	*len = 0;
	dns_err_t err = gitrepo_file_blob(r, commit, name, &blob, msg, msglen);
	if (err != DNS_OK)
		return err;
	return gitrepo_read_blob(r, &blob, data, len, msg, msglen);
}

dns_err_t gitrepo_history(gitrepo_t *r, const gitrepo_oid_t *from,
                          size_t max, gitrepo_oid_t **ids, size_t *count,
                          char *msg, size_t msglen)
{
	*ids = NULL;
	*count = 0;
	gitrepo_oid_t start;
	dns_err_t err = DNS_OK;
	if (from == NULL && (err = gitrepo_head(r, &start, msg, msglen)) != DNS_OK)
		return err;
	if (from != NULL)
		start = *from;
	git_oid oid;
	gitrepo_to_git(&oid, &start);
	gitrepo_oid_t *v = NULL;
	size_t n = 0, cap = 0;
	/* Iterative walk along first parents, bounded by @max. */
	while (n < max) {
		git_commit *c = NULL;
		int e = git_commit_lookup(&c, r->repo, &oid);
		if (e != 0) {
			gitrepo_msg_git(msg, msglen, "history");
			err = gitrepo_local_err(e);
			break;
		}
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			gitrepo_oid_t *nv = realloc(v, ncap * sizeof(*v));
			if (nv == NULL) {
				git_commit_free(c);
				gitrepo_msg(msg, msglen, "out of memory");
				err = DNS_ENOMEM;
				break;
			}
			v = nv;
			cap = ncap;
		}
		gitrepo_from_git(&v[n++], &oid);
		bool more = git_commit_parentcount(c) > 0;
		if (more)
			git_oid_cpy(&oid, git_commit_parent_id(c, 0));
		git_commit_free(c);
		if (!more)
			break;
	}
	if (err != DNS_OK) {
		free(v);
		return err;
	}
	*ids = v;
	*count = n;
	return DNS_OK;
}

