/*
 * gitrepo_pack.c - the fast write path: objects in memory, packs on disk,
 * and a direct push to a remote that is a local path.
 *
 * libgit2 would write every new object as a loose file (one zlib stream
 * and one file per object), then, to push, read them back and deflate them
 * again at zlib's default level into a pack.  Here the commit's objects go
 * to an in-memory odb backend (mempack), are deflated once at the fastest
 * level into pack entries (the pack format, version 2: a 12-byte header,
 * the entries, a SHA-1 trailer), and those same entries make both the pack
 * stored in the local clone (before the branch moves, so the branch never
 * names a missing object) and the pack written into a local-path remote.
 * The remote's branch is then moved by compare-and-swap under its lock.
 * Anything unusual falls back to libgit2's own push (gitrepo_remote.c).
 *
 * One pack per commit would make every lookup slower (libgit2 searches the
 * packs one by one), so gitrepo_maintain() merges them again (see gitrepo.h
 * for the policy).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include <git2/sys/mempack.h>
#include <git2/sys/odb_backend.h>
#include <git2/sys/repository.h>

#include "gitrepo_int.h"

/* Unpushed entries kept for the direct push; beyond this, libgit2's push. */
#define PENDING_MAX (64u << 20)
/* Age after which a lock of the remote's branch is taken as left by a crash. */
#define STALE_LOCK_S 10

/* ---- the in-memory object store ---- */

dns_err_t gitrepo_mem_attach(gitrepo_t *r, char *msg, size_t msglen)
{
	git_odb *odb = NULL;
	git_odb_backend *mp = NULL;
	if (git_repository_odb(&odb, r->repo) != 0 || git_mempack_new(&mp) != 0) {
		git_odb_free(odb);
		gitrepo_msg_git(msg, msglen, "in-memory object store");
		return DNS_EIO;
	}
	/* highest priority: new objects are written there, not as loose files */
	if (git_odb_add_backend(odb, mp, 1000) != 0) {
		mp->free(mp);
		git_odb_free(odb);
		gitrepo_msg_git(msg, msglen, "in-memory object store");
		return DNS_EIO;
	}
	git_odb_free(odb); /* the repository keeps the odb, the odb the backend */
	r->mempack = mp;
	return DNS_OK;
}

void gitrepo_mem_reset(gitrepo_t *r)
{
	if (r->mempack != NULL)
		(void)git_mempack_reset(r->mempack);
}

/* ---- pack entries ---- */

static dns_err_t buf_reserve(uint8_t **buf, size_t *cap, size_t len, size_t more)
{
	if (more > SIZE_MAX / 2 - len)
		return DNS_ELIMIT;
	if (len + more <= *cap)
		return DNS_OK;
	size_t ncap = *cap ? *cap : 4096;
	while (ncap < len + more)
		ncap *= 2;
	uint8_t *n = realloc(*buf, ncap);
	if (n == NULL)
		return DNS_ENOMEM;
	*buf = n;
	*cap = ncap;
	return DNS_OK;
}

static int pack_type(git_object_t t)
{
	switch (t) {
	case GIT_OBJECT_COMMIT:
		return 1;
	case GIT_OBJECT_TREE:
		return 2;
	case GIT_OBJECT_BLOB:
		return 3;
	case GIT_OBJECT_TAG:
		return 4;
	default:
		return -1;
	}
}

/* Append the pack entry of object @id to @buf: the type and inflated size
 * (4 bits, then 7 bits a byte, low bits first, high bit = more follows),
 * then the content as one zlib stream. */
static dns_err_t append_entry(gitrepo_t *r, git_odb *odb, const git_oid *id, uint8_t **buf,
                              size_t *len, size_t *cap, char *msg, size_t msglen)
{
	/* Straight from the in-memory store where it was just written (the odb
	 * would hash it again to verify it); else from the odb: an object that
	 * already existed was not written again. */
	git_odb_object *obj = NULL;
	void *raw = NULL;
	const uint8_t *data;
	size_t size;
	git_object_t otype;
	if (r->mempack != NULL && r->mempack->read(&raw, &size, &otype, r->mempack, id) == 0) {
		data = raw;
	} else if (git_odb_read(&obj, odb, id) == 0) {
		data = git_odb_object_data(obj);
		size = git_odb_object_size(obj);
		otype = git_odb_object_type(obj);
	} else {
		gitrepo_msg_git(msg, msglen, "reading a new object");
		return DNS_EIO;
	}
	int type = pack_type(otype);
	uLong bound = compressBound((uLong)size);
	dns_err_t err = type < 0 ? DNS_EINVAL : buf_reserve(buf, cap, *len, 16 + (size_t)bound);
	if (err != DNS_OK) {
		git_odb_backend_data_free(r->mempack, raw);
		git_odb_object_free(obj);
		gitrepo_msg(msg, msglen, "packing an object: %s", dns_strerror(err));
		return err;
	}
	uint8_t *p = *buf + *len;
	size_t s = size;
	*p = (uint8_t)(type << 4 | (s & 15));
	s >>= 4;
	while (s != 0) {
		*p++ |= 0x80;
		*p = (uint8_t)(s & 0x7f);
		s >>= 7;
	}
	p++;
	uLongf zlen = bound;
	int ze = compress2(p, &zlen, data, (uLong)size, Z_BEST_SPEED);
	if (raw != NULL)
		git_odb_backend_data_free(r->mempack, raw);
	git_odb_object_free(obj);
	if (ze != Z_OK) {
		gitrepo_msg(msg, msglen, "zlib: cannot compress an object (%d)", ze);
		return DNS_EIO;
	}
	*len = (size_t)(p - *buf) + zlen;
	return DNS_OK;
}

/* Store @count entries as one pack in @odb (its pack backend indexes it). */
static dns_err_t write_pack(git_odb *odb, const uint8_t *entries, size_t len, uint32_t count,
                            char *msg, size_t msglen)
{
	uint8_t head[12] = { 'P', 'A', 'C', 'K', 0, 0, 0, 2,
	                     (uint8_t)(count >> 24), (uint8_t)(count >> 16),
	                     (uint8_t)(count >> 8), (uint8_t)count };
	uint8_t sum[EVP_MAX_MD_SIZE];
	unsigned sumlen = 0;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	bool ok = md != NULL && EVP_DigestInit_ex(md, EVP_sha1(), NULL) == 1 &&
	          EVP_DigestUpdate(md, head, sizeof(head)) == 1 &&
	          EVP_DigestUpdate(md, entries, len) == 1 &&
	          EVP_DigestFinal_ex(md, sum, &sumlen) == 1 && sumlen == 20;
	EVP_MD_CTX_free(md);
	if (!ok) {
		gitrepo_msg(msg, msglen, "SHA-1 of a pack failed");
		return DNS_EIO;
	}
	git_odb_writepack *wp = NULL;
	git_indexer_progress st;
	memset(&st, 0, sizeof(st));
	int e = git_odb_write_pack(&wp, odb, NULL, NULL);
	if (e == 0)
		e = wp->append(wp, head, sizeof(head), &st);
	if (e == 0)
		e = wp->append(wp, entries, len, &st);
	if (e == 0)
		e = wp->append(wp, sum, 20, &st);
	if (e == 0)
		e = wp->commit(wp, &st);
	if (wp != NULL)
		wp->free(wp);
	if (e != 0) {
		gitrepo_msg_git(msg, msglen, "writing a pack");
		return DNS_EIO;
	}
	return DNS_OK;
}

/* ---- local persistence and the unpushed entries ---- */

void gitrepo_pending_clear(gitrepo_t *r)
{
	free(r->pend);
	r->pend = NULL;
	r->pend_len = r->pend_cap = 0;
	r->pend_count = 0;
	r->pend_valid = false;
}

dns_err_t gitrepo_persist(gitrepo_t *r, const git_oid *parent, const git_oid *commit,
                          const git_oid *ids, size_t n, char *msg, size_t msglen)
{
	git_odb *odb = NULL;
	if (git_repository_odb(&odb, r->repo) != 0) {
		gitrepo_msg_git(msg, msglen, "object database");
		return DNS_EIO;
	}
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;
	dns_err_t err = DNS_OK;
	for (size_t i = 0; i < n && err == DNS_OK; i++)
		err = append_entry(r, odb, &ids[i], &buf, &len, &cap, msg, msglen);
	if (err == DNS_OK)
		err = write_pack(odb, buf, len, (uint32_t)n, msg, msglen);
	git_odb_free(odb);
	if (err != DNS_OK) {
		free(buf);
		return err;
	}
	/* Keep the entries for the push, chained on the previous commit. */
	if (!r->pend_valid || !git_oid_equal(&r->pend_head, parent)) {
		gitrepo_pending_clear(r);
		r->pend_valid = true;
		git_oid_cpy(&r->pend_base, parent);
	}
	r->pack_count++;
	if (r->pend_len + len > PENDING_MAX ||
	    buf_reserve(&r->pend, &r->pend_cap, r->pend_len, len) != DNS_OK) {
		gitrepo_pending_clear(r); /* libgit2's push will find the objects */
	} else {
		memcpy(r->pend + r->pend_len, buf, len);
		r->pend_len += len;
		r->pend_count += (uint32_t)n;
		git_oid_cpy(&r->pend_head, commit);
	}
	free(buf);
	return DNS_OK;
}

/* ---- the direct push to a local-path remote ---- */

static void drop_remote_repo(gitrepo_t *r)
{
	git_repository_free(r->remote_repo);
	r->remote_repo = NULL;
}

/* A writer holds a ref lock for milliseconds; one much older was left by
 * a writer killed while holding it (this daemon under kill -9, say) and
 * would refuse every push for good.  Remove it so the push can go on. */
void gitrepo_break_stale_lock(gitrepo_t *r)
{
	char path[4096];
	struct stat st;
	if (r->remote_path == NULL)
		return;
	int n = snprintf(path, sizeof(path), "%s/%s.lock", r->remote_path, r->local_ref);
	if (n > 0 && (size_t)n < sizeof(path) && stat(path, &st) == 0 &&
	    time(NULL) - st.st_mtime >= STALE_LOCK_S)
		(void)unlink(path);
}

bool gitrepo_push_direct(gitrepo_t *r, const git_oid *loc, dns_err_t *err,
                         char *msg, size_t msglen)
{
	if (r->remote_path == NULL || !r->pend_valid || !git_oid_equal(&r->pend_head, loc))
		return false;
	if (r->remote_repo == NULL) {
		if (git_repository_open_ext(&r->remote_repo, r->remote_path,
		                            GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) != 0) {
			r->remote_repo = NULL;
			return false; /* libgit2's push says why */
		}
		if (!git_repository_is_bare(r->remote_repo)) {
			drop_remote_repo(r);
			return false;
		}
	}
	/* Only the plain case: the remote is where our first unpushed commit
	 * starts.  A moved or missing branch goes the long way and is told
	 * apart there. */
	git_oid rem;
	if (git_reference_name_to_id(&rem, r->remote_repo, r->local_ref) != 0 ||
	    !git_oid_equal(&rem, &r->pend_base))
		return false;
	git_odb *odb = NULL;
	char why[256] = "";
	if (git_repository_odb(&odb, r->remote_repo) != 0) {
		gitrepo_msg_git(why, sizeof(why), "object database");
		*err = GITREPO_EUNREACHABLE;
	} else {
		*err = write_pack(odb, r->pend, r->pend_len, r->pend_count, why, sizeof(why));
		git_odb_free(odb);
		if (*err != DNS_OK)
			*err = GITREPO_EUNREACHABLE;
	}
	if (*err != DNS_OK) {
		drop_remote_repo(r);
		gitrepo_msg(msg, msglen, "push to %s: %s", r->url, why);
		return true;
	}
	/* Compare-and-swap under the remote's ref lock: a push made by someone
	 * else since we looked is never overwritten. */
	git_reference *ref = NULL;
	int e = git_reference_create_matching(&ref, r->remote_repo, r->local_ref, loc, 1, &rem,
	                                      NULL);
	git_reference_free(ref);
	if (e == GIT_EMODIFIED || e == GIT_ELOCKED) {
		gitrepo_msg_git(why, sizeof(why), "the branch moved");
		gitrepo_msg(msg, msglen, "push to %s rejected: %s", r->url, why);
		*err = GITREPO_EREJECTED;
	} else if (e != 0) {
		gitrepo_msg_git(why, sizeof(why), "updating the branch");
		gitrepo_msg(msg, msglen, "push to %s: %s", r->url, why);
		drop_remote_repo(r);
		*err = GITREPO_EUNREACHABLE;
	} else {
		gitrepo_pending_clear(r);
	}
	return true;
}

/* ---- pack maintenance ---- */

/* Entries of objects/pack looked at in one run (the directory is ours, but
 * every loop has a bound). */
#define MAINT_LIST_MAX 1000000u
/* Packs left alone must grow by this factor, in objects, one to the next. */
#define MAINT_FACTOR 4u

typedef struct pack_info {
	char *base;       /* path without the ".idx" / ".pack" */
	uint64_t objects; /* from the index */
} pack_info_t;

/* "<dir>/<name><ext>" in a fresh buffer, or NULL. */
static char *join3(const char *dir, const char *name, const char *ext)
{
	size_t n = strlen(dir) + strlen(name) + strlen(ext) + 2;
	char *p = malloc(n);
	if (p != NULL)
		snprintf(p, n, "%s/%s%s", dir, name, ext);
	return p;
}

/* "<base><ext>" in a fresh buffer, or NULL. */
static char *with_ext(const char *base, const char *ext)
{
	size_t lb = strlen(base), le = strlen(ext);
	char *p = malloc(lb + le + 1);
	if (p != NULL) {
		memcpy(p, base, lb);
		memcpy(p + lb, ext, le + 1);
	}
	return p;
}

static bool exists_ext(const char *base, const char *ext)
{
	char *p = with_ext(base, ext);
	struct stat st;
	bool ok = p != NULL && stat(p, &st) == 0;
	free(p);
	return ok;
}

/* git_repository_path() ends with a slash. */
static char *objects_pack_dir(gitrepo_t *r)
{
	return with_ext(git_repository_path(r->repo), "objects/pack");
}

static bool has_prefix(const char *s, const char *pre)
{
	return strncmp(s, pre, strlen(pre)) == 0;
}

static bool has_suffix(const char *s, const char *suf)
{
	size_t ls = strlen(s), lf = strlen(suf);
	return ls >= lf && strcmp(s + ls - lf, suf) == 0;
}

/* The object count of a pack index: the last fan-out entry, after the
 * 8-byte header of a version 2 index, at the start of a version 1 one. */
static bool idx_objects(const char *path, uint64_t *count)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	uint8_t b[8];
	off_t at = 255 * 4;
	bool ok = pread(fd, b, 8, 0) == 8;
	if (ok && memcmp(b, "\377tOc", 4) == 0)
		at += 8;
	ok = ok && pread(fd, b, 4, at) == 4;
	close(fd);
	if (ok)
		*count = (uint64_t)b[0] << 24 | (uint64_t)b[1] << 16 | (uint64_t)b[2] << 8 | b[3];
	return ok;
}

/* Remove a pack: the index first (without it nobody looks at the pack),
 * then the pack and what git may have put beside it. */
static void remove_pack(const char *base)
{
	static const char *const exts[] = { ".idx", ".pack", ".rev", ".bitmap", ".mtimes",
	                                    ".promisor", ".keep" };
	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		char *p = with_ext(base, exts[i]);
		if (p != NULL)
			(void)unlink(p);
		free(p);
	}
}

void gitrepo_pack_cleanup(gitrepo_t *r)
{
	char *dir = objects_pack_dir(r);
	DIR *d = dir != NULL ? opendir(dir) : NULL;
	unsigned packs = 0;
	struct dirent *de;
	for (unsigned seen = 0; d != NULL && seen < MAINT_LIST_MAX && (de = readdir(d)) != NULL;
	     seen++) {
		const char *nm = de->d_name;
		char *p = join3(dir, nm, "");
		if (p == NULL)
			break;
		/* libgit2's and git's temporary files, lock files of an index */
		bool junk = has_prefix(nm, "pack_git2_") || has_prefix(nm, "tmp_pack_") ||
		            has_prefix(nm, "tmp_idx_") || has_prefix(nm, "tmp_rev_") ||
		            has_suffix(nm, ".lock");
		if (!junk && has_prefix(nm, "pack-") &&
		    (has_suffix(nm, ".idx") || has_suffix(nm, ".pack"))) {
			bool idx = has_suffix(nm, ".idx");
			p[strlen(p) - (idx ? 4 : 5)] = '\0';
			/* an index renamed before its pack, or a pack whose index
			 * was removed first: half of a pack, of no use to anyone */
			junk = !exists_ext(p, idx ? ".pack" : ".idx");
			if (junk)
				strcat(p, idx ? ".idx" : ".pack");
			else if (idx)
				packs++;
		}
		if (junk)
			(void)unlink(p);
		free(p);
	}
	if (d != NULL)
		closedir(d);
	free(dir);
	r->pack_count = packs;
}

static void packs_free(pack_info_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].base);
	free(v);
}

/* The complete packs of @dir without a .keep file. */
static dns_err_t list_packs(const char *dir, pack_info_t **out, size_t *count,
                            char *msg, size_t msglen)
{
	*out = NULL;
	*count = 0;
	DIR *d = opendir(dir);
	if (d == NULL) {
		gitrepo_msg(msg, msglen, "%s: %s", dir, strerror(errno));
		return DNS_EIO;
	}
	pack_info_t *v = NULL;
	size_t n = 0, cap = 0;
	dns_err_t err = DNS_OK;
	struct dirent *de;
	for (unsigned seen = 0; seen < MAINT_LIST_MAX && (de = readdir(d)) != NULL; seen++) {
		if (!has_prefix(de->d_name, "pack-") || !has_suffix(de->d_name, ".idx"))
			continue;
		char *idx = join3(dir, de->d_name, "");
		uint64_t objects = 0;
		if (idx == NULL) {
			err = DNS_ENOMEM;
			break;
		}
		bool ok = idx_objects(idx, &objects);
		idx[strlen(idx) - 4] = '\0';
		if (!ok || !exists_ext(idx, ".pack") || exists_ext(idx, ".keep")) {
			free(idx);
			continue;
		}
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			pack_info_t *nv = realloc(v, ncap * sizeof(*v));
			if (nv == NULL) {
				free(idx);
				err = DNS_ENOMEM;
				break;
			}
			v = nv;
			cap = ncap;
		}
		v[n].base = idx;
		v[n].objects = objects;
		n++;
	}
	closedir(d);
	if (err != DNS_OK) {
		packs_free(v, n);
		gitrepo_msg(msg, msglen, "listing the packs: %s", dns_strerror(err));
		return err;
	}
	*out = v;
	*count = n;
	return DNS_OK;
}

static int by_objects(const void *a, const void *b)
{
	const pack_info_t *x = a, *y = b;
	if (x->objects != y->objects)
		return x->objects < y->objects ? -1 : 1;
	return strcmp(x->base, y->base);
}

/* How many of the packs, sorted by object count, to merge: those below the
 * geometric progression, then each bigger one that holds fewer than
 * MAINT_FACTOR times the objects merged so far. */
static size_t merge_split(const pack_info_t *p, size_t n)
{
	if (n < 2)
		return 0;
	size_t i = n - 1;
	while (i > 0 && p[i].objects >= MAINT_FACTOR * p[i - 1].objects)
		i--;
	size_t split = i > 0 ? i + 1 : 2; /* all in progression: the two smallest */
	uint64_t total = 0;
	for (size_t k = 0; k < split; k++)
		total += p[k].objects;
	while (split < n && p[split].objects < MAINT_FACTOR * total)
		total += p[split++].objects;
	return split;
}

typedef struct insert_ctx {
	git_packbuilder *pb;
	int err;
} insert_ctx_t;

static int insert_cb(const git_oid *id, void *payload)
{
	insert_ctx_t *c = payload;
	c->err = git_packbuilder_insert(c->pb, id, NULL);
	return c->err;
}

/* Every object of the pack @base into @pb. */
static int insert_pack(git_packbuilder *pb, const char *base)
{
	char *idx = with_ext(base, ".idx");
	git_odb_backend *one = NULL;
	int e = idx != NULL ? git_odb_backend_one_pack(&one, idx) : -1;
	free(idx);
	if (e != 0)
		return e;
	insert_ctx_t c = { pb, 0 };
	e = one->foreach(one, insert_cb, &c);
	one->free(one);
	return e != 0 ? e : c.err;
}

/* fsync a file (or, with O_DIRECTORY, a directory). */
static bool sync_path(const char *path, int flags)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | flags);
	if (fd < 0)
		return false;
	bool ok = fsync(fd) == 0;
	close(fd);
	return ok;
}

/* A fresh object database for the repository: libgit2 1.5 never forgets a
 * pack it has opened, even once it is deleted.  New objects go to a new
 * in-memory store (the old one is empty: its objects are in packs). */
static dns_err_t reopen_odb(gitrepo_t *r, char *msg, size_t msglen)
{
	char *objects = with_ext(git_repository_path(r->repo), "objects");
	git_odb *odb = NULL;
	git_odb_backend *mp = NULL;
	int e = objects != NULL ? git_odb_open(&odb, objects) : -1;
	free(objects);
	if (e == 0)
		e = git_mempack_new(&mp);
	if (e == 0 && (e = git_odb_add_backend(odb, mp, 1000)) != 0)
		mp->free(mp);
	if (e == 0)
		e = git_repository_set_odb(r->repo, odb);
	git_odb_free(odb);
	if (e != 0) {
		gitrepo_msg_git(msg, msglen, "reopening the object database");
		return DNS_EIO;
	}
	r->mempack = mp;
	return DNS_OK;
}

/* The work of one maintenance (see gitrepo.h): what to merge, and the
 * pack that replaces it once gitrepo_maint_prepare() has written it. */
struct gitrepo_maint {
	char *gitdir;      /* the clone's git directory (a copy) */
	char *dir;         /* its objects/pack */
	bool full;         /* merge every pack */
	bool prepared;     /* made holds the merged packs' objects, synced */
	pack_info_t *p;    /* packs found, sorted by object count */
	size_t n, split;   /* p[0..split) are merged */
	char *made;        /* base path of the new pack */
};

void gitrepo_maint_free(gitrepo_maint_t *job)
{
	if (job == NULL)
		return;
	packs_free(job->p, job->n);
	free(job->gitdir);
	free(job->dir);
	free(job->made);
	free(job);
}

bool gitrepo_maint_due(const gitrepo_t *r, bool busy)
{
	return r->pack_count > (busy ? GITREPO_MAINT_PACKS_BUSY : GITREPO_MAINT_PACKS);
}

dns_err_t gitrepo_maint_begin(gitrepo_t *r, bool full, gitrepo_maint_t **out,
                              char *msg, size_t msglen)
{
	gitrepo_maint_t *job = calloc(1, sizeof(*job));
	*out = NULL;
	if (job != NULL) {
		job->gitdir = strdup(git_repository_path(r->repo));
		job->dir = objects_pack_dir(r);
		job->full = full;
	}
	if (job == NULL || job->gitdir == NULL || job->dir == NULL) {
		gitrepo_maint_free(job);
		gitrepo_msg(msg, msglen, "out of memory");
		return DNS_ENOMEM;
	}
	*out = job;
	return DNS_OK;
}

/* Write one pack holding every object of @job's packs p[0..split) with
 * @repo, a handle of the maintenance's own; job->made names it. */
static dns_err_t write_merged(gitrepo_maint_t *job, git_repository *repo, char *msg,
                              size_t msglen)
{
	git_packbuilder *pb = NULL;
	uint64_t want = 0;
	int e = git_packbuilder_new(&pb, repo);
	if (e == 0)
		(void)git_packbuilder_set_threads(pb, 1);
	for (size_t i = 0; i < job->split && e == 0; i++) {
		e = insert_pack(pb, job->p[i].base);
		want += job->p[i].objects;
	}
	/* written through libgit2's indexer: a temporary file, the index, then
	 * the pack renamed into place */
	if (e == 0)
		e = git_packbuilder_write(pb, job->dir, 0, NULL, NULL);
	const char *hex = e == 0 ? git_packbuilder_name(pb) : NULL;
	char *made = hex != NULL ? join3(job->dir, "pack-", hex) : NULL;
	uint64_t got = 0, distinct = e == 0 ? git_packbuilder_object_count(pb) : 0;
	bool ok = e == 0 && made != NULL && distinct > 0 && distinct <= want;
	if (!ok && e != 0)
		gitrepo_msg_git(msg, msglen, "merging packs");
	else if (!ok)
		gitrepo_msg(msg, msglen, "merging packs: no new pack");
	git_packbuilder_free(pb);
	/* Complete, indexed with every object it was given, and on disk before
	 * anything is removed. */
	if (ok) {
		char *pk = with_ext(made, ".pack"), *ix = with_ext(made, ".idx");
		ok = pk != NULL && ix != NULL && idx_objects(ix, &got) && got == distinct &&
		     sync_path(pk, 0) && sync_path(ix, 0) && sync_path(job->dir, O_DIRECTORY);
		free(pk);
		free(ix);
		if (!ok)
			gitrepo_msg(msg, msglen, "merging packs: the new pack is incomplete or not synced");
	}
	if (!ok) {
		free(made);
		return DNS_EIO;
	}
	job->made = made;
	return DNS_OK;
}

/* Runs without the gitrepo_t: the packs listed are immutable files (only
 * gitrepo_maint_commit() removes packs, one job at a time), the new one
 * gets a new name, and libgit2 is used through a handle of its own. */
dns_err_t gitrepo_maint_prepare(gitrepo_maint_t *job, char *msg, size_t msglen)
{
	if (job->prepared || job->p != NULL) {
		gitrepo_msg(msg, msglen, "maintenance already prepared");
		return DNS_EINVAL;
	}
	dns_err_t err = list_packs(job->dir, &job->p, &job->n, msg, msglen);
	if (err != DNS_OK)
		return err;
	qsort(job->p, job->n, sizeof(*job->p), by_objects);
	job->split = job->full ? job->n : merge_split(job->p, job->n);
	if (job->split < 2) {
		job->split = 0;
		job->prepared = true; /* nothing to merge */
		return DNS_OK;
	}
	git_repository *repo = NULL;
	if (git_repository_open_bare(&repo, job->gitdir) != 0) {
		gitrepo_msg_git(msg, msglen, "opening the clone for maintenance");
		return DNS_EIO;
	}
	err = write_merged(job, repo, msg, msglen);
	git_repository_free(repo);
	job->prepared = err == DNS_OK;
	return err;
}

dns_err_t gitrepo_maint_commit(gitrepo_t *r, gitrepo_maint_t *job, unsigned *merged,
                               char *msg, size_t msglen)
{
	unsigned dummy;
	if (merged == NULL)
		merged = &dummy;
	*merged = 0;
	if (!job->prepared) {
		gitrepo_msg(msg, msglen, "maintenance not prepared");
		return DNS_EINVAL;
	}
	if (job->split < 2)
		return DNS_OK;
	/* a multi-pack index would still name the removed packs */
	char *midx = join3(job->dir, "multi-pack-index", "");
	if (midx != NULL)
		(void)unlink(midx);
	free(midx);
	for (size_t i = 0; i < job->split; i++)
		if (strcmp(job->p[i].base, job->made) != 0)
			remove_pack(job->p[i].base);
	(void)sync_path(job->dir, O_DIRECTORY);
	/* packs written since the listing stay, and are counted */
	unsigned gone = (unsigned)job->split - 1;
	r->pack_count = r->pack_count > gone ? r->pack_count - gone : 1;
	*merged = (unsigned)job->split;
	job->split = 0; /* done: a second call does nothing */
	return reopen_odb(r, msg, msglen);
}

static dns_err_t maintain(gitrepo_t *r, bool full, unsigned *merged, char *msg, size_t msglen)
{
	gitrepo_maint_t *job = NULL;
	dns_err_t err = gitrepo_maint_begin(r, full, &job, msg, msglen);
	if (err == DNS_OK)
		err = gitrepo_maint_prepare(job, msg, msglen);
	if (err == DNS_OK) {
		size_t n = job->n, split = job->split;
		err = gitrepo_maint_commit(r, job, merged, msg, msglen);
		if (err == DNS_OK) /* here nothing was written meanwhile: exact count */
			r->pack_count = (unsigned)(split >= 2 ? n - split + 1 : n);
	}
	gitrepo_maint_free(job);
	return err;
}

dns_err_t gitrepo_maintain(gitrepo_t *r, bool busy, unsigned *merged, char *msg, size_t msglen)
{
	unsigned dummy;
	if (merged == NULL)
		merged = &dummy;
	*merged = 0;
	if (!gitrepo_maint_due(r, busy))
		return DNS_OK;
	return maintain(r, false, merged, msg, msglen);
}

dns_err_t gitrepo_maintain_force(gitrepo_t *r, unsigned *merged, char *msg, size_t msglen)
{
	unsigned dummy;
	return maintain(r, true, merged != NULL ? merged : &dummy, msg, msglen);
}
