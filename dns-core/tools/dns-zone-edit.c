/*
 * dns-zone-edit.c - `dns-zone bump-serial`: raise a zone file's SOA
 * serial in place, as the primary's write-back of an UPDATE does.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dns/name.h"
#include "dns/serial.h"
#include "dns/zoneedit.h"
#include "dns-zone.h"

/* --min SERIAL: a decimal 0..4294967295. */
static bool parse_serial(const char *s, uint32_t *out)
{
	char *end;
	errno = 0;
	if (s[0] < '0' || s[0] > '9')
		return false;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* Replace @path's content with @text: a new file renamed over the old
 * one (so a crash leaves one or the other), with the old one's mode. */
static bool write_over(const char *path, const char *text, size_t len)
{
	char *real = realpath(path, NULL);
	if (!real) {
		fprintf(stderr, "dns-zone: %s: %s\n", path, strerror(errno));
		return false;
	}
	struct stat st;
	size_t n = strlen(real);
	char *tmp = malloc(n + 16);
	bool ok = tmp && stat(real, &st) == 0;
	int fd = -1;
	if (ok) {
		snprintf(tmp, n + 16, "%s.bumpXXXXXX", real);
		fd = mkstemp(tmp);
		ok = fd >= 0;
	}
	if (ok) {
		size_t off = 0;
		while (ok && off < len) {
			ssize_t w = write(fd, text + off, len - off);
			if (w < 0 && errno == EINTR)
				continue;
			ok = w > 0;
			off += ok ? (size_t)w : 0;
		}
		ok = ok && fchmod(fd, st.st_mode & 07777) == 0 && fsync(fd) == 0;
		ok = close(fd) == 0 && ok;
		ok = ok && rename(tmp, real) == 0;
		if (!ok)
			unlink(tmp);
	}
	if (!ok)
		fprintf(stderr, "dns-zone: cannot write %s: %s\n", path, strerror(errno));
	free(tmp);
	free(real);
	return ok;
}

/* The lower bound of the new serial from --min or --above, if any.
 * Returns -1 to go on, else an exit status. */
static int serial_floor(const zt_args_t *a, const uint8_t *origin, bool *have, uint32_t *min)
{
	*have = false;
	if (a->min) {
		if (!parse_serial(a->min, min)) {
			fprintf(stderr, "dns-zone: --min: not a serial (0-4294967295): '%s'\n", a->min);
			return EXIT_USAGE;
		}
		*have = true;
	} else if (a->above) {
		bool found;
		uint32_t old;
		int rc = zt_file_serial(a->above, origin, &found, &old);
		if (rc != 0)
			return rc;
		if (!found) {
			fprintf(stderr, "dns-zone: %s: no SOA record for the zone to be above\n", a->above);
			return EXIT_USAGE;
		}
		*min = old + 1; /* greater than old: at least old + 1 (mod 2^32) */
		*have = true;
	}
	return -1;
}

int zt_bump_serial(const zt_args_t *a)
{
	const char *file = a->files[0];
	uint8_t origin[DNS_NAME_MAX];
	if (!zt_origin_of(a->origin, file, origin)) {
		fprintf(stderr, "dns-zone: invalid origin '%s'\n", a->origin ? a->origin : file);
		return EXIT_USAGE;
	}
	bool have_min;
	uint32_t min = 0;
	int rc = serial_floor(a, origin, &have_min, &min);
	if (rc >= 0)
		return rc;
	char *text, msg[512];
	size_t len;
	if (!zt_read_file(file, &text, &len, msg, sizeof(msg))) {
		fprintf(stderr, "dns-zone: cannot read %s: %s\n", file, msg);
		return EXIT_USAGE;
	}
	zt_includes_t inc;
	if (!zt_includes_init(&inc, a->root, file)) {
		free(text);
		return EXIT_USAGE;
	}
	dns_zf_options_t opt = { .origin = origin, .default_ttl = 3600 };
	zt_includes_use(&inc, &opt);
	char *out = NULL;
	size_t outlen = 0;
	uint32_t old = 0, now = 0;
	msg[0] = '\0';
	dns_err_t e = dns_zoneedit_bump_serial(file, text, len, &opt,
	                                       dns_serial_date_of((int64_t)time(NULL)),
	                                       have_min ? &min : NULL, &old, &now, &out, &outlen,
	                                       msg, sizeof(msg));
	free(text);
	zt_includes_free(&inc);
	if (e != DNS_OK) {
		fprintf(stderr, "%s: cannot bump the serial: %s\n", file, msg[0] ? msg : dns_strerror(e));
		if (e == DNS_ESYNTAX)
			fprintf(stderr, "%s: see `dns-zone check %s`\n", file, file);
		return e == DNS_ENOMEM ? EXIT_USAGE : EXIT_FINDINGS;
	}
	bool ok = write_over(file, out, outlen);
	free(out);
	if (!ok)
		return EXIT_USAGE;
	printf("%s: serial %u -> %u\n", file, (unsigned)old, (unsigned)now);
	return 0;
}
