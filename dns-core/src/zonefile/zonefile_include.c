/*
 * zonefile_include.c - the zone file parser's files: mapping a file, and
 * $INCLUDE, which recurses (bounded by max_include_depth) into either a
 * file inside the top file's directory tree (symlinks followed) or text
 * the caller's function supplies (opt->include), never both.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dns/name.h"
#include "zonefile_int.h"


/* Map @path read-only; an empty file gives len 0 and buf NULL. */
static dns_err_t zf_map(const char *path, const char **buf, size_t *len, int *err)
{
	*buf = NULL;
	*len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*err = errno;
		return DNS_EIO;
	}
	struct stat st;
	if (fstat(fd, &st) != 0) {
		*err = errno;
		close(fd);
		return DNS_EIO;
	}
	if (!S_ISREG(st.st_mode)) {
		*err = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		close(fd);
		return DNS_EIO;
	}
	if (st.st_size > 0) {
		void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m == MAP_FAILED) {
			*err = errno;
			close(fd);
			return DNS_EIO;
		}
		madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL);
		*buf = m;
		*len = (size_t)st.st_size;
	}
	close(fd);
	return DNS_OK;
}

/* Directory part of a real path ("/" for a file at the root). */
char *dns__zf_dirname(const char *real)
{
	const char *slash = strrchr(real, '/');
	size_t n = slash && slash != real ? (size_t)(slash - real) : 1;
	char *d = malloc(n + 1);
	if (d) {
		memcpy(d, slash ? real : "/", n);
		d[n] = '\0';
	}
	return d;
}

/* Parse the file whose real path is @real, shown as @name. */
dns_err_t dns__zf_parse_real(zf_parser_t *p, const char *real, const char *name, unsigned depth,
                             int *err)
{
	const char *buf;
	size_t len;
	if (zf_map(real, &buf, &len, err) != DNS_OK)
		return DNS_EIO;
	char *dir = dns__zf_dirname(real);
	if (!dir) {
		if (buf)
			munmap((void *)buf, len);
		return DNS_ENOMEM;
	}
	zf_file_t f = { name, dir, buf, len, 0, 0, 1, depth };
	dns__zf_parse_text(p, &f);
	if (buf)
		munmap((void *)buf, len);
	free(dir);
	return DNS_OK;
}

/* The include's file name with backslash escapes (\X) removed. */
static bool zf_unescape_path(const dns_token_t *t, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < t->len; i++) {
		char c = t->s[i];
		if (c == '\\' && i + 1 < t->len)
			c = t->s[++i];
		if (c == '\0' || o + 1 >= cap)
			return false;
		out[o++] = c;
	}
	out[o] = '\0';
	return o > 0;
}

static bool zf_inside(const char *real, const char *root)
{
	size_t n = strlen(root);
	if (strcmp(root, "/") == 0)
		return true;
	return strncmp(real, root, n) == 0 && real[n] == '/';
}

/* Parse an included text (@buf, @len) named @name, starting at @origin
 * (NULL: ours); whatever it does to $ORIGIN, ours is restored after it
 * (RFC 1035 §5.1). */
static void zf_parse_included(zf_parser_t *p, const zf_file_t *f, const char *name,
                              const char *dir, const char *buf, size_t len,
                              const uint8_t *origin)
{
	uint8_t saved[DNS_NAME_MAX];
	dns_name_copy(saved, p->origin);
	if (origin)
		dns_name_copy(p->origin, origin);
	p->owner_text_len = 0;
	zf_file_t in = { name, dir, buf, len, 0, 0, 1, f->depth + 1 };
	dns__zf_parse_text(p, &in);
	dns_name_copy(p->origin, saved);
	p->owner_text_len = 0;
}

/* $INCLUDE through the caller's function: no filesystem access at all. */
static void zf_include_cb(zf_parser_t *p, zf_file_t *f, const dns_token_t *at, const char *rel,
                          const uint8_t *origin)
{
	char *text = NULL, msg[256];
	size_t len = 0;
	msg[0] = '\0';
	dns_err_t e = p->opt->include(p->opt->include_ctx, rel, &text, &len, msg, sizeof(msg));
	if (e != DNS_OK) {
		free(text);
		dns__zf_error(p, f, at->line, at->col, "cannot include '%s': %s", rel,
		         msg[0] ? msg : dns_strerror(e));
		return;
	}
	zf_parse_included(p, f, rel, f->dir, text, text ? len : 0, origin);
	free(text);
}

/* $INCLUDE from the filesystem, confined to the top file's directory tree. */
static void zf_include_fs(zf_parser_t *p, zf_file_t *f, const dns_token_t *at, const char *rel,
                          const uint8_t *origin)
{
	char full[2 * PATH_MAX + 2];
	if (rel[0] == '/')
		snprintf(full, sizeof(full), "%s", rel);
	else
		snprintf(full, sizeof(full), "%s/%s", f->dir, rel);
	char *real = realpath(full, NULL);
	if (!real) {
		dns__zf_error(p, f, at->line, at->col, "cannot open '%s': %s", rel, strerror(errno));
		return;
	}
	if (!zf_inside(real, p->root)) {
		dns__zf_error(p, f, at->line, at->col, "$INCLUDE path escapes the zone directory");
		free(real);
		return;
	}
	const char *buf;
	size_t len;
	int err = 0;
	char *dir = NULL;
	if (zf_map(real, &buf, &len, &err) != DNS_OK) {
		dns__zf_error(p, f, at->line, at->col, "cannot read '%s': %s", rel, strerror(err));
	} else if (!(dir = dns__zf_dirname(real))) {
		dns__zf_error(p, f, at->line, at->col, "cannot read '%s': %s", rel, dns_strerror(DNS_ENOMEM));
	} else {
		zf_parse_included(p, f, rel, dir, buf, len, origin);
	}
	if (buf)
		munmap((void *)buf, len);
	free(dir);
	free(real);
}

void dns__zf_include(zf_parser_t *p, zf_file_t *f, const dns_token_t *t, size_t n)
{
	if (n < 2 || n > 3) {
		dns__zf_error(p, f, t[0].line, t[0].col, "$INCLUDE needs a file name and an optional origin");
		return;
	}
	if (p->opt->no_include || (!p->opt->include && !p->root)) {
		dns__zf_error(p, f, t[0].line, t[0].col, "$INCLUDE is not allowed here");
		return;
	}
	if (f->depth + 1 > p->max_depth) {
		dns__zf_error(p, f, t[0].line, t[0].col, "$INCLUDE nested more than %u deep", p->max_depth);
		return;
	}
	uint8_t origin[DNS_NAME_MAX];
	if (n == 3 && !dns__zf_name(p, f, &t[2], origin, "origin"))
		return;
	/* One name buffer per nesting level: positions inside the included
	 * text point to it while it is parsed. */
	char rel[PATH_MAX];
	if (!zf_unescape_path(&t[1], rel, sizeof(rel))) {
		dns__zf_error(p, f, t[1].line, t[1].col, "invalid $INCLUDE file name");
		return;
	}
	if (p->opt->include)
		zf_include_cb(p, f, &t[1], rel, n == 3 ? origin : NULL);
	else
		zf_include_fs(p, f, &t[1], rel, n == 3 ? origin : NULL);
}
