/*
 * state.c - persistence of secondary zones (see state.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dns/rrtype.h"
#include "dns/zonefile.h"

#include "state.h"

/* "<dir>/<name><suffix>", with '/' in the zone name made harmless. */
static bool make_path(char *out, size_t cap, const char *dir, const char *name,
                      const char *suffix)
{
	char safe[1100];
	size_t n = strlen(name);
	if (n >= sizeof safe)
		return false;
	for (size_t i = 0; i <= n; i++)
		safe[i] = name[i] == '/' ? '_' : name[i];
	if (strcmp(safe, ".") == 0)
		strcpy(safe, "_root");
	int w = snprintf(out, cap, "%s/%s%s", dir, safe, suffix);
	return w > 0 && (size_t)w < cap;
}

static dns_err_t fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return DNS_EIO;
	int r = fsync(fd);
	close(fd);
	return r == 0 ? DNS_OK : DNS_EIO;
}

dns_err_t sec_state_dir_create(const char *dir, char *err, size_t errlen)
{
	char path[PATH_MAX];
	size_t n = strlen(dir);
	if (n == 0 || n >= sizeof path) {
		snprintf(err, errlen, "state directory '%s': invalid path", dir);
		return DNS_EINVAL;
	}
	memcpy(path, dir, n + 1);
	/* each prefix ending before a '/', then the whole path */
	for (size_t i = 1; i <= n; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		char saved = path[i];
		path[i] = '\0';
		struct stat st;
		if (stat(path, &st) != 0) {
			if (errno != ENOENT || (mkdir(path, 0750) != 0 && errno != EEXIST)) {
				snprintf(err, errlen, "state directory %s: %s", path, strerror(errno));
				return DNS_EIO;
			}
		} else if (!S_ISDIR(st.st_mode)) {
			snprintf(err, errlen, "state directory %s: not a directory", path);
			return DNS_EIO;
		}
		path[i] = saved;
	}
	return DNS_OK;
}

typedef dns_err_t (*writer_fn)(FILE *f, const void *arg);

/* Write through @fn to a temporary file, then fsync, rename, fsync dir. */
static dns_err_t write_atomic(const char *dir, const char *path, writer_fn fn, const void *arg,
                              char *err, size_t errlen)
{
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
		snprintf(err, errlen, "%s: path too long", path);
		return DNS_EINVAL;
	}
	FILE *f = fopen(tmp, "w");
	if (!f) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return DNS_EIO;
	}
	dns_err_t e = fn(f, arg);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
		e = e ? e : DNS_EIO;
	int saved = errno;
	if (fclose(f) != 0)
		e = e ? e : DNS_EIO;
	if (e == DNS_OK && rename(tmp, path) != 0) {
		saved = errno;
		e = DNS_EIO;
	}
	if (e != DNS_OK) {
		snprintf(err, errlen, "%s: %s", path, e == DNS_EIO ? strerror(saved) : dns_strerror(e));
		unlink(tmp);
		return e;
	}
	if (fsync_dir(dir) != DNS_OK) {
		snprintf(err, errlen, "%s: fsync: %s", dir, strerror(errno));
		return DNS_EIO;
	}
	return DNS_OK;
}

static dns_err_t write_zone(FILE *f, const void *arg)
{
	return dns_zonefile_write((const dns_zone_t *)arg, f);
}

dns_err_t sec_state_write_zone(const char *dir, const char *name, const dns_zone_t *z,
                               char *err, size_t errlen)
{
	char path[PATH_MAX];
	if (!make_path(path, sizeof path, dir, name, ".zone")) {
		snprintf(err, errlen, "%s: path too long", dir);
		return DNS_EINVAL;
	}
	return write_atomic(dir, path, write_zone, z, err, errlen);
}

typedef struct meta {
	uint32_t serial;
	uint64_t last_contact_ms;
} meta_t;

static dns_err_t write_meta(FILE *f, const void *arg)
{
	const meta_t *m = arg;
	if (fprintf(f, "serial %" PRIu32 "\nlast_contact_ms %" PRIu64 "\n", m->serial,
	            m->last_contact_ms) < 0)
		return DNS_EIO;
	return DNS_OK;
}

dns_err_t sec_state_write_meta(const char *dir, const char *name, uint32_t serial,
                               uint64_t last_contact_ms, char *err, size_t errlen)
{
	char path[PATH_MAX];
	if (!make_path(path, sizeof path, dir, name, ".state")) {
		snprintf(err, errlen, "%s: path too long", dir);
		return DNS_EINVAL;
	}
	meta_t m = { serial, last_contact_ms };
	return write_atomic(dir, path, write_meta, &m, err, errlen);
}

static bool read_meta(const char *path, meta_t *m)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	char line[128];
	bool have_serial = false, have_time = false;
	while (fgets(line, sizeof line, f)) {
		unsigned long long v;
		if (sscanf(line, "serial %llu", &v) == 1 && v <= UINT32_MAX) {
			m->serial = (uint32_t)v;
			have_serial = true;
		} else if (sscanf(line, "last_contact_ms %llu", &v) == 1) {
			m->last_contact_ms = v;
			have_time = true;
		}
	}
	fclose(f);
	return have_serial && have_time;
}

typedef struct load_err {
	char *buf;
	size_t len;
} load_err_t;

static void on_load_error(void *ctx, const dns_zf_pos_t *pos, const char *msg)
{
	load_err_t *le = ctx;
	if (dns_zf_is_warning(msg) || le->buf[0])
		return;
	snprintf(le->buf, le->len, "%s:%u:%u: %s", pos->file ? pos->file : "?", pos->line,
	         pos->col, msg);
}

dns_err_t sec_state_load(const char *dir, const char *name, const uint8_t *origin,
                         dns_zone_t **zone, uint64_t *last_contact_ms, char *err,
                         size_t errlen)
{
	char path[PATH_MAX];
	*zone = NULL;
	*last_contact_ms = 0;
	err[0] = '\0';
	if (!make_path(path, sizeof path, dir, name, ".zone")) {
		snprintf(err, errlen, "%s: path too long", dir);
		return DNS_EINVAL;
	}
	if (access(path, F_OK) != 0)
		return DNS_ENOTFOUND;
	dns_zf_options_t opt = { .origin = origin, .no_include = true };
	load_err_t le = { err, errlen };
	dns_err_t e = dns_zone_load_file(path, &opt, zone, on_load_error, &le);
	if (e != DNS_OK) {
		if (!err[0])
			snprintf(err, errlen, "%s: %s", path, dns_strerror(e));
		return e;
	}
	meta_t m = { 0, 0 };
	if (make_path(path, sizeof path, dir, name, ".state") && read_meta(path, &m) &&
	    m.serial == dns_zone_serial(*zone))
		*last_contact_ms = m.last_contact_ms;
	return DNS_OK;
}

/* Skip one uncompressed name in @rd; returns the offset after it or 0. */
static size_t skip_name(const uint8_t *rd, size_t len, size_t off)
{
	for (unsigned hops = 0; hops < 128 && off < len; hops++) {
		uint8_t l = rd[off];
		if (l == 0)
			return off + 1;
		if (l > 63)
			return 0;
		off += 1u + l;
	}
	return 0;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

bool sec_soa_rdata_fields(const uint8_t *rd, size_t len, uint32_t *serial, uint32_t *refresh,
                          uint32_t *retry, uint32_t *expire)
{
	size_t off = skip_name(rd, len, 0);
	if (off)
		off = skip_name(rd, len, off);
	if (!off || len - off < 20)
		return false;
	*serial = get32(rd + off);
	*refresh = get32(rd + off + 4);
	*retry = get32(rd + off + 8);
	*expire = get32(rd + off + 12);
	return true;
}

bool sec_soa_fields(const dns_zone_t *z, uint32_t *serial, uint32_t *refresh,
                    uint32_t *retry, uint32_t *expire)
{
	const dns_rrset_t *soa = z ? dns_zone_soa(z) : NULL;
	if (!soa || !soa->count)
		return false;
	const uint8_t *rd = dns_rrset_first(soa);
	return sec_soa_rdata_fields(dns_rrset_rdata(rd), dns_rrset_rdlen(rd), serial, refresh,
	                            retry, expire);
}
