/*
 * dns-zone-common.c - what the dns-zone commands share: reporting,
 * origins, reading files, and where $INCLUDE files come from.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dns/layout.h"
#include "dns/name.h"
#include "dns/rrtype.h"
#include "dns/wire.h"
#include "dns-zone.h"

/* Largest file read whole (zone files of millions of records fit). */
#define ZT_FILE_MAX (1024u * 1024u * 1024u)

void zt_print_finding(void *ctx, const dns_zf_pos_t *pos, const char *msg)
{
	if (pos->line)
		fprintf(stderr, "%s:%u:%u: %s\n", pos->file, (unsigned)pos->line, (unsigned)pos->col,
		        msg);
	else
		fprintf(stderr, "%s: %s\n", pos->file, msg);
}

bool zt_origin_of(const char *opt_origin, const char *path, uint8_t out[DNS_NAME_MAX])
{
	char buf[DNS_NAME_TEXT_MAX + 2];
	const char *text = opt_origin;
	if (!text) {
		const char *base = strrchr(path, '/');
		base = base ? base + 1 : path;
		size_t n = strlen(base);
		if (n == 0 || n > DNS_NAME_TEXT_MAX - 1)
			return false;
		memcpy(buf, base, n);
		if (base[n - 1] != '.')
			buf[n++] = '.';
		buf[n] = '\0';
		text = buf;
	}
	size_t len;
	return dns_name_from_text(out, &len, text, strlen(text), dns_name_root) == DNS_OK;
}

bool zt_read_file(const char *path, char **text, size_t *len, char *msg, size_t msglen)
{
	*text = NULL;
	*len = 0;
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(msg, msglen, "%s", strerror(errno));
		return false;
	}
	struct stat st;
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(f);
		snprintf(msg, msglen, "%s", strerror(EISDIR));
		return false;
	}
	/* Read in chunks: a pipe (<(git show ...)) has no size. */
	size_t cap = 0, n = 0;
	char *buf = NULL;
	for (;;) {
		if (n + 1 >= cap) {
			size_t ncap = cap ? cap * 2 : 65536;
			char *nb = ncap > ZT_FILE_MAX + 1u ? NULL : realloc(buf, ncap);
			if (!nb) {
				free(buf);
				fclose(f);
				snprintf(msg, msglen, "%s", ncap > ZT_FILE_MAX + 1u ? "file too large"
				                                                    : strerror(ENOMEM));
				return false;
			}
			buf = nb;
			cap = ncap;
		}
		size_t got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0)
			break;
	}
	bool err = ferror(f);
	fclose(f);
	if (err) {
		free(buf);
		snprintf(msg, msglen, "read error");
		return false;
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return true;
}

int zt_file_serial(const char *path, const uint8_t *origin, bool *found, uint32_t *serial)
{
	char *text, msg[256];
	size_t len;
	if (!zt_read_file(path, &text, &len, msg, sizeof(msg))) {
		fprintf(stderr, "dns-zone: cannot read %s: %s\n", path, msg);
		return EXIT_USAGE;
	}
	/* Only the serial matters: errors elsewhere in an old version are
	 * not this check's business, and its includes are not at hand. */
	dns_err_t e = dns_zonefile_soa_serial(text, len, origin, serial);
	free(text);
	if (e == DNS_ENOMEM) {
		fprintf(stderr, "dns-zone: cannot read %s: %s\n", path, dns_strerror(e));
		return EXIT_USAGE;
	}
	*found = e == DNS_OK;
	return 0;
}

/* ---- $INCLUDE ---- */

static char *dir_of(const char *file)
{
	const char *slash = strrchr(file, '/');
	if (!slash)
		return realpath(".", NULL);
	if (slash == file)
		return realpath("/", NULL);
	char *d = strndup(file, (size_t)(slash - file));
	char *real = d ? realpath(d, NULL) : NULL;
	free(d);
	return real;
}

bool zt_includes_init(zt_includes_t *inc, const char *root, const char *file)
{
	inc->repo = root != NULL;
	inc->dir = root ? realpath(root, NULL) : dir_of(file);
	if (!inc->dir) {
		fprintf(stderr, "dns-zone: %s: %s\n", root ? root : file, strerror(errno));
		return false;
	}
	return true;
}

void zt_includes_free(zt_includes_t *inc)
{
	free(inc->dir);
	inc->dir = NULL;
}

static bool inside(const char *real, const char *dir)
{
	size_t n = strlen(dir);
	if (strcmp(dir, "/") == 0)
		return true;
	return strncmp(real, dir, n) == 0 && real[n] == '/';
}

static dns_err_t include_fetch(void *ctx, const char *path, char **text, size_t *len, char *msg,
                               size_t msglen)
{
	zt_includes_t *inc = ctx;
	const char *why;
	if (inc->repo && !dns_layout_include_ok(path, &why)) {
		snprintf(msg, msglen, "not allowed in a zone repository: %s", why);
		return DNS_EDENIED;
	}
	char full[2 * PATH_MAX + 2];
	if (path[0] == '/')
		snprintf(full, sizeof(full), "%s", path);
	else
		snprintf(full, sizeof(full), "%s/%s", strcmp(inc->dir, "/") ? inc->dir : "", path);
	char *real = realpath(full, NULL);
	if (!real) {
		snprintf(msg, msglen, "%s%s", strerror(errno),
		         inc->repo && errno == ENOENT ? " (paths are relative to the repository root)"
		                                      : "");
		return DNS_EIO;
	}
	/* In a repository the path must be the file itself: a symbolic link
	 * anywhere along it would be read by the primary as a link, not as
	 * the file it points to. */
	bool ok = inc->repo ? strcmp(real, full) == 0 : inside(real, inc->dir);
	free(real);
	if (!ok) {
		snprintf(msg, msglen, "%s", inc->repo ? "a symbolic link (the primary reads files, not links)"
		                                      : "the path leads outside the zone file's directory");
		return DNS_EDENIED;
	}
	struct stat st;
	if (stat(full, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(msg, msglen, "not a regular file");
		return DNS_EIO;
	}
	if (!zt_read_file(full, text, len, msg, msglen))
		return DNS_EIO;
	return DNS_OK;
}

void zt_includes_use(zt_includes_t *inc, dns_zf_options_t *opt)
{
	opt->include = include_fetch;
	opt->include_ctx = inc;
}
