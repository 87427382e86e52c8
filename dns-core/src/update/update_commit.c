/*
 * update_commit.c - the net changes of an UPDATE transaction and its
 * commit: serial bump, one patch of the base zone, and the zone check that refuses a
 * batch which would make the zone invalid.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/name.h"
#include "dns/rrtype.h"
#include "dns/serial.h"
#include "update_int.h"

/* ---- net changes ---- */

static int wname_ptr_cmp(const void *pa, const void *pb)
{
	const wname_t *a = *(const wname_t *const *)pa, *b = *(const wname_t *const *)pb;
	return dns_name_compare(a->owner, b->owner);
}

/* The touched names in canonical order (caller frees). */
static wname_t **sorted_names(const dns_update_t *u)
{
	wname_t **v = malloc((u->nnames ? u->nnames : 1) * sizeof(*v));
	if (!v)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < u->nbuckets; i++)
		for (wname_t *w = u->buckets[i]; w; w = w->hnext)
			v[k++] = w;
	qsort(v, k, sizeof(*v), wname_ptr_cmp);
	return v;
}

/* One half of the differences of a touched name against its base node. */
static dns_err_t diff_name(dns_rdscratch_t *sc, const dns_update_t *u, bool added,
                           const wname_t *wn, bool soa_only, dns_diff_fn fn, void *ctx)
{
	const dns_node_t *node = dns_zone_find(u->base, wn->owner);
	size_t nb = node ? dns_node_rrset_count(node) : 0;
	bool apex = dns_name_equal(wn->owner, u->origin);
	size_t i = 0, j = 0;
	while (i < nb || j < wn->nsets) {
		const dns_rrset_t *b = i < nb ? dns_node_rrset_at(node, i) : NULL;
		const wset_t *w = j < wn->nsets ? &wn->sets[j] : NULL;
		if (b && w && b->type != w->type) {
			if (b->type < w->type)
				w = NULL;
			else
				b = NULL;
		}
		i += b != NULL;
		j += w != NULL;
		uint16_t type = b ? b->type : w->type;
		if (apex && (type == DNS_TYPE_SOA) != soa_only)
			continue;
		size_t n;
		dns_err_t err = dns_rdscratch_load(sc, b, &n);
		if (err)
			return err;
		err = dns_diff_sets(added, wn->owner, u->rclass, type, b ? b->ttl : 0, sc->refs, n,
		                    w ? w->ttl : 0, w ? w->rr : NULL, w ? w->n : 0, fn, ctx);
		if (err)
			return err;
	}
	return DNS_OK;
}

dns_err_t dns_update_changes(const dns_update_t *u, dns_diff_fn fn, void *ctx)
{
	if (!u || !fn)
		return DNS_EINVAL;
	wname_t **v = sorted_names(u);
	if (!v)
		return DNS_ENOMEM;
	dns_rdscratch_t sc = { 0 };
	const wname_t *apex = upd_lookup(u, u->origin);
	dns_err_t err = DNS_OK;
	for (int half = 0; !err && half < 2; half++) {
		bool added = half == 1;
		if (apex)
			err = diff_name(&sc, u, added, apex, true, fn, ctx);
		for (size_t i = 0; !err && i < u->nnames; i++)
			err = diff_name(&sc, u, added, v[i], false, fn, ctx);
	}
	dns_rdscratch_fini(&sc);
	free(v);
	return err;
}

static dns_err_t stop_at_first(void *ctx, bool added, const dns_rr_t *rr)
{
	return DNS_EEXIST;
}

bool dns_update_changed(const dns_update_t *u)
{
	/* An allocation failure counts as changed: the caller then commits,
	 * which reports the error. */
	return u && dns_update_changes(u, stop_at_first, NULL) != DNS_OK;
}

uint32_t dns_update_old_serial(const dns_update_t *u) { return u->old_serial; }

static const wset_t *apex_soa(const dns_update_t *u)
{
	wname_t *wn = upd_lookup(u, u->origin);
	if (!wn)
		return NULL;
	wset_t *s = upd_set(wn, DNS_TYPE_SOA);
	return s && s->n ? s : NULL;
}

uint32_t dns_update_serial(const dns_update_t *u)
{
	const wset_t *s = apex_soa(u);
	if (!s || s->rr[0].len < 22)
		return u->old_serial;
	return dns_get32(s->rr[0].data + s->rr[0].len - 20);
}

const char *dns_update_error(const dns_update_t *u) { return u->errmsg; }

/* ---- commit ---- */

/* Replace the working SOA's serial (the transaction is past its messages,
 * so no undo is needed). */
static dns_err_t bump_serial(dns_update_t *u, uint32_t date_hint)
{
	wname_t *wn = upd_name(u, u->origin);
	wset_t *s = wn ? upd_set(wn, DNS_TYPE_SOA) : NULL;
	if (!s || !s->n || s->rr[0].len < 22)
		return wn ? DNS_EZONE : DNS_ENOMEM;
	uint32_t serial = dns_serial_next(u->old_serial, date_hint);
	dns_rdref_t r;
	dns_err_t err = upd_rdref(u, DNS_TYPE_SOA, s->rr[0].data, s->rr[0].len, &r);
	if (err)
		return err;
	/* upd_rdref's copies are ours to edit; the serial is not a name. */
	dns_put32((uint8_t *)r.data + r.len - 20, serial);
	if (r.canon != r.data)
		dns_put32((uint8_t *)r.canon + r.len - 20, serial);
	s->rr[0] = r;
	return DNS_OK;
}

/* The new version: the base zone patched at the touched names, each of
 * which holds its full new contents (none: the name goes). */
static dns_err_t build(dns_update_t *u, dns_zone_t **out)
{
	dns_zone_builder_t *b = dns_zone_patch_new(u->base);
	if (!b)
		return DNS_ENOMEM;
	dns_err_t err = DNS_OK;
	for (size_t i = 0; !err && i < u->nbuckets; i++) {
		for (wname_t *w = u->buckets[i]; !err && w; w = w->hnext) {
			err = dns_zone_patch_replace(b, w->owner);
			for (size_t t = 0; !err && t < w->nsets; t++) {
				const wset_t *s = &w->sets[t];
				dns_rr_t rr = { .owner = w->owner, .type = s->type, .rclass = u->rclass,
				                .ttl = s->ttl };
				for (size_t k = 0; !err && k < s->n; k++) {
					rr.rdlen = s->rr[k].len;
					rr.rdata = s->rr[k].data;
					err = dns_zone_builder_add(b, &rr);
				}
			}
		}
	}
	if (err) {
		dns_zone_builder_free(b);
		return err;
	}
	return dns_zone_builder_finish(b, out);
}

/* Zone-check findings, to tell the errors a batch introduced from those
 * the base zone already had. */
typedef struct finding_list {
	char **v;
	size_t n, cap;
	bool oom;
	const struct finding_list *base; /* when checking the new zone */
	size_t fresh;
	char *first;
	size_t first_cap;
} finding_list_t;

static void finding_key(char *out, size_t cap, const uint8_t *owner, uint16_t type,
                        const char *msg)
{
	char name[DNS_NAME_TEXT_MAX], t[16];
	uint8_t low[DNS_NAME_MAX];
	dns_name_copy(low, owner);
	dns_name_lower(low);
	if (!dns_name_to_text(low, name, sizeof(name)))
		name[0] = 0;
	if (!dns_rrtype_to_text(type, t, sizeof(t)))
		t[0] = 0;
	snprintf(out, cap, "%s %s: %s", name, type ? t : "", msg ? msg : "");
}

static void on_finding(void *ctx, const uint8_t *owner, uint16_t type, bool error,
                       const char *msg)
{
	finding_list_t *f = ctx;
	if (!error)
		return;
	char key[DNS_NAME_TEXT_MAX + 300];
	finding_key(key, sizeof(key), owner, type, msg);
	if (f->base) {
		for (size_t i = 0; i < f->base->n; i++)
			if (strcmp(f->base->v[i], key) == 0)
				return;
		if (!f->fresh++)
			snprintf(f->first, f->first_cap, "%s", key);
		return;
	}
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 8;
		char **v = realloc(f->v, cap * sizeof(*v));
		if (!v) {
			f->oom = true;
			return;
		}
		f->v = v;
		f->cap = cap;
	}
	if (!(f->v[f->n] = strdup(key)))
		f->oom = true;
	else
		f->n++;
}

static dns_err_t check_new_errors(dns_update_t *u, const dns_zone_t *nz)
{
	finding_list_t base = { 0 };
	dns_zone_check(u->base, on_finding, &base);
	finding_list_t fresh = { .base = &base, .first = u->errmsg, .first_cap = sizeof(u->errmsg) };
	dns_err_t err = DNS_OK;
	if (base.oom)
		err = DNS_ENOMEM;
	else if (dns_zone_check(nz, on_finding, &fresh) && fresh.fresh)
		err = DNS_EZONE;
	for (size_t i = 0; i < base.n; i++)
		free(base.v[i]);
	free(base.v);
	return err;
}

dns_err_t dns_update_commit(dns_update_t *u, bool bump, uint32_t date_hint,
                            dns_zone_t **newzone)
{
	if (!u || !newzone || u->committed)
		return DNS_EINVAL;
	u->committed = true;
	u->errmsg[0] = 0;
	if (!dns_update_changed(u)) {
		*newzone = dns_zone_ref(u->base);
		return DNS_OK;
	}
	dns_err_t err;
	if (bump && !dns_serial_gt(dns_update_serial(u), u->old_serial) &&
	    (err = bump_serial(u, date_hint)))
		return err;
	dns_zone_t *nz = NULL;
	if ((err = build(u, &nz))) {
		if (err == DNS_EZONE)
			snprintf(u->errmsg, sizeof(u->errmsg), "the zone could not be built");
		return err;
	}
	if ((err = check_new_errors(u, nz))) {
		dns_zone_unref(nz);
		return err;
	}
	*newzone = nz;
	return DNS_OK;
}
