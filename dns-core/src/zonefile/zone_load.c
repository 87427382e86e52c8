/*
 * zone_load.c - a zone file into a checked zone: parse, build, check.
 *
 * dns_zone_check() names its findings by owner and type only.  To show
 * them as file:line:col the file is parsed a second time, only when there
 * are findings, looking for the first record of each owner (and type);
 * the common, clean load keeps no per-record positions at all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/name.h"
#include "dns/rrtype.h"
#include "dns/wire.h"
#include "dns/zonefile.h"

typedef struct load_ctx {
	dns_zone_builder_t *b;
	const uint8_t *origin;
	dns_zf_error_fn on_error;
	void *ctx;
	size_t syntax_errors;  /* reported by the parser */
	size_t zone_errors;    /* records the builder refused, check errors */
} load_ctx_t;

static void report(load_ctx_t *l, const dns_zf_pos_t *pos, const char *msg)
{
	if (l->on_error)
		l->on_error(l->ctx, pos, msg);
}

static void load_error(void *vctx, const dns_zf_pos_t *pos, const char *msg)
{
	load_ctx_t *l = vctx;
	if (!dns_zf_is_warning(msg))
		l->syntax_errors++;
	report(l, pos, msg);
}

static dns_err_t load_record(void *vctx, const dns_rr_t *rr, const dns_zf_pos_t *pos)
{
	load_ctx_t *l = vctx;
	dns_err_t e = dns_zone_builder_add(l->b, rr);
	if (e == DNS_OK)
		return DNS_OK;
	if (e == DNS_ENOMEM)
		return e;
	char owner[DNS_NAME_TEXT_MAX], zone[DNS_NAME_TEXT_MAX], type[24], msg[2 * DNS_NAME_TEXT_MAX + 64];
	dns_name_to_text(rr->owner, owner, sizeof(owner));
	dns_name_to_text(l->origin, zone, sizeof(zone));
	dns_rrtype_to_text(rr->type, type, sizeof(type));
	if (e == DNS_EZONE && !dns_name_is_subdomain(rr->owner, l->origin))
		snprintf(msg, sizeof(msg), "'%s' is outside the zone '%s'", owner, zone);
	else if (e == DNS_EINVAL)
		snprintf(msg, sizeof(msg), "type %s is not allowed in a zone", type);
	else
		snprintf(msg, sizeof(msg), "%s %s: %s", owner, type, dns_strerror(e));
	l->zone_errors++;
	report(l, pos, msg);
	return DNS_OK;
}

/* ---- findings of dns_zone_check, placed back in the file ---- */

typedef struct finding {
	uint8_t owner[DNS_NAME_MAX];
	uint32_t hash;
	uint16_t type;
	bool error;
	bool done;          /* reported with the position of a matching record */
	bool have_fallback; /* first record of the owner, for a type never seen */
	char *msg;
	char *fb_file;
	uint32_t fb_line, fb_col;
} finding_t;

typedef struct findings {
	finding_t *v;
	size_t n, cap;
	size_t *slot;       /* open addressing by owner hash: index + 1, 0 = empty */
	size_t nslot;
	bool failed;        /* out of memory while collecting */
	load_ctx_t *l;
	const char *path;
} findings_t;

static void collect(void *vctx, const uint8_t *owner, uint16_t type, bool error, const char *msg)
{
	findings_t *fs = vctx;
	if (error)
		fs->l->zone_errors++;
	if (fs->failed)
		return;
	if (fs->n == fs->cap) {
		size_t cap = fs->cap ? fs->cap * 2 : 16;
		finding_t *v = realloc(fs->v, cap * sizeof(*v));
		if (!v) {
			fs->failed = true;
			return;
		}
		fs->v = v;
		fs->cap = cap;
	}
	finding_t *f = &fs->v[fs->n];
	memset(f, 0, sizeof(*f));
	dns_name_copy(f->owner, owner);
	f->hash = dns_name_hash(owner);
	f->type = type;
	f->error = error;
	f->msg = strdup(msg);
	if (!f->msg) {
		fs->failed = true;
		return;
	}
	fs->n++;
}

static bool index_findings(findings_t *fs)
{
	size_t n = 16;
	while (n < fs->n * 2)
		n *= 2;
	fs->slot = calloc(n, sizeof(*fs->slot));
	if (!fs->slot)
		return false;
	fs->nslot = n;
	for (size_t i = 0; i < fs->n; i++) {
		size_t s = fs->v[i].hash & (n - 1);
		while (fs->slot[s])
			s = (s + 1) & (n - 1);
		fs->slot[s] = i + 1;
	}
	return true;
}

static void emit(findings_t *fs, const finding_t *f, const char *file, uint32_t line, uint32_t col)
{
	char owner[DNS_NAME_TEXT_MAX], msg[DNS_NAME_TEXT_MAX + 600];
	dns_name_to_text(f->owner, owner, sizeof(owner));
	snprintf(msg, sizeof(msg), "%s%s: %s", f->error ? "" : DNS_ZF_WARNING_PREFIX, owner, f->msg);
	dns_zf_pos_t pos = { file, line, col };
	report(fs->l, &pos, msg);
}

static dns_err_t locate(void *vctx, const dns_rr_t *rr, const dns_zf_pos_t *pos)
{
	findings_t *fs = vctx;
	uint32_t h = dns_name_hash(rr->owner);
	size_t mask = fs->nslot - 1;
	for (size_t s = h & mask; fs->slot[s]; s = (s + 1) & mask) {
		finding_t *f = &fs->v[fs->slot[s] - 1];
		if (f->done || f->hash != h || !dns_name_equal(f->owner, rr->owner))
			continue;
		if (f->type == 0 || f->type == rr->type) {
			f->done = true;
			emit(fs, f, pos->file, pos->line, pos->col);
		} else if (!f->have_fallback) {
			f->fb_file = strdup(pos->file);
			f->fb_line = pos->line;
			f->fb_col = pos->col;
			f->have_fallback = f->fb_file != NULL;
		}
	}
	return DNS_OK;
}

static void ignore_error(void *ctx, const dns_zf_pos_t *pos, const char *msg)
{
}

/* Where the text comes from: a file, or a buffer in memory. */
typedef struct load_src {
	const char *path;   /* the file, or the name shown in positions */
	const char *text;   /* NULL: read @path */
	size_t len;
} load_src_t;

static dns_err_t src_parse(const load_src_t *src, const dns_zf_options_t *opt,
                           dns_zf_record_fn on_record, dns_zf_error_fn on_error, void *ctx)
{
	if (!src->text)
		return dns_zonefile_parse_file(src->path, opt, on_record, on_error, ctx);
	return dns_zonefile_parse_buffer(src->path, src->text, src->len, opt, on_record, on_error,
	                                 ctx);
}

/* Report every finding, in file order where a record locates it. */
static void place_findings(findings_t *fs, const load_src_t *src, const dns_zf_options_t *opt)
{
	const char *path = src->path;
	if (fs->n && index_findings(fs))
		src_parse(src, opt, locate, ignore_error, fs);
	for (size_t i = 0; i < fs->n; i++) {
		finding_t *f = &fs->v[i];
		if (f->done)
			continue;
		if (f->have_fallback)
			emit(fs, f, f->fb_file, f->fb_line, f->fb_col);
		else
			emit(fs, f, path, 0, 0);
	}
	if (fs->failed) {
		dns_zf_pos_t pos = { path, 0, 0 };
		report(fs->l, &pos, "out of memory while reporting findings");
	}
	for (size_t i = 0; i < fs->n; i++) {
		free(fs->v[i].msg);
		free(fs->v[i].fb_file);
	}
	free(fs->v);
	free(fs->slot);
}

static dns_err_t load_zone(const load_src_t *src, const dns_zf_options_t *opt, dns_zone_t **zone,
                           dns_zf_error_fn on_error, void *ctx)
{
	*zone = NULL;
	if (!opt || !opt->origin)
		return DNS_EINVAL;
	load_ctx_t l = { NULL, opt->origin, on_error, ctx, 0, 0 };
	l.b = dns_zone_builder_new(opt->origin, opt->rclass ? opt->rclass : DNS_CLASS_IN);
	if (!l.b)
		return DNS_ENOMEM;
	dns_err_t e = src_parse(src, opt, load_record, load_error, &l);
	if (e != DNS_OK && e != DNS_ESYNTAX) {
		dns_zone_builder_free(l.b);
		return e;
	}
	dns_zone_t *z = NULL;
	e = dns_zone_builder_finish(l.b, &z);
	if (e != DNS_OK)
		return e;
	/* Checked even after syntax errors, so one run shows every problem
	 * (some findings may then be consequences of the dropped records). */
	findings_t fs = { .l = &l, .path = src->path };
	dns_zone_check(z, collect, &fs);
	place_findings(&fs, src, opt);
	if (l.syntax_errors || l.zone_errors) {
		dns_zone_unref(z);
		return l.syntax_errors ? DNS_ESYNTAX : DNS_EZONE;
	}
	*zone = z;
	return DNS_OK;
}

dns_err_t dns_zone_load_file(const char *path, const dns_zf_options_t *opt, dns_zone_t **zone,
                             dns_zf_error_fn on_error, void *ctx)
{
	load_src_t src = { path, NULL, 0 };
	return load_zone(&src, opt, zone, on_error, ctx);
}

dns_err_t dns_zone_load_buffer(const char *name, const char *text, size_t len,
                               const dns_zf_options_t *opt, dns_zone_t **zone,
                               dns_zf_error_fn on_error, void *ctx)
{
	load_src_t src = { name ? name : "-", text, len };
	if (!text) {
		*zone = NULL;
		return DNS_EINVAL;
	}
	return load_zone(&src, opt, zone, on_error, ctx);
}

/* ---- the serial alone ---- */

typedef struct soa_find {
	const uint8_t *origin;
	uint32_t serial;
	bool found;
} soa_find_t;

static dns_err_t soa_record(void *vctx, const dns_rr_t *rr, const dns_zf_pos_t *pos)
{
	soa_find_t *f = vctx;
	if (rr->type != DNS_TYPE_SOA || !dns_name_equal(rr->owner, f->origin) || rr->rdlen < 20)
		return DNS_OK;
	f->serial = dns_get32(rr->rdata + rr->rdlen - 20);
	f->found = true;
	return DNS_EEXIST; /* stop: the rest of the text is not needed */
}

static void soa_ignore(void *ctx, const dns_zf_pos_t *pos, const char *msg)
{
}

dns_err_t dns_zonefile_soa_serial(const char *text, size_t len, const uint8_t *origin,
                                  uint32_t *serial)
{
	soa_find_t f = { origin, 0, false };
	dns_zf_options_t opt = { .origin = origin, .no_include = true };
	dns_err_t e = dns_zonefile_parse_buffer("-", text, len, &opt, soa_record, soa_ignore, &f);
	if (f.found) {
		*serial = f.serial;
		return DNS_OK;
	}
	return e == DNS_ENOMEM ? DNS_ENOMEM : DNS_ENOTFOUND;
}
