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
