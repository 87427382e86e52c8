/*
 * diff.c - differences between zone versions in IXFR order (RFC 1995 §4)
 * and applying an increment to a zone.
 */
#include <stdlib.h>
#include <string.h>

#include "dns/diff.h"
#include "dns/name.h"
#include "dns/rdata.h"
#include "dns/rrtype.h"
#include "diff_int.h"

/* ---- RRsets as sorted canonical arrays ---- */

bool dns_diff_type_canon(uint16_t type)
{
	const dns_rrtype_desc_t *d = dns_rrtype_get(type);
	return d && (d->flags & DNS_RRTYPE_CANON_LOWER);
}

int dns_rdref_cmp(const dns_rdref_t *a, const dns_rdref_t *b)
{
	return dns_rdata_compare(a->canon, a->len, b->canon, b->len);
}

static int rdref_qsort_cmp(const void *a, const void *b) { return dns_rdref_cmp(a, b); }

dns_err_t dns_rdscratch_load(dns_rdscratch_t *sc, const dns_rrset_t *s, size_t *n)
{
	*n = 0;
	if (!s || !s->count)
		return DNS_OK;
	if (sc->cap < s->count) {
		dns_rdref_t *r = realloc(sc->refs, s->count * sizeof(*r));
		if (!r)
			return DNS_ENOMEM;
		sc->refs = r;
		sc->cap = s->count;
	}
	bool canon = dns_diff_type_canon(s->type);
	if (canon && sc->bufcap < s->size) {
		uint8_t *b = realloc(sc->buf, s->size);
		if (!b)
			return DNS_ENOMEM;
		sc->buf = b;
		sc->bufcap = s->size;
	}
	if (canon)
		memcpy(sc->buf, s->data, s->size);
	size_t k = 0;
	for (const uint8_t *rd = dns_rrset_first(s); rd && k < s->count; rd = dns_rrset_next(s, rd)) {
		dns_rdref_t *r = &sc->refs[k++];
		r->len = dns_rrset_rdlen(rd);
		r->data = dns_rrset_rdata(rd);
		r->canon = r->data;
		if (canon) {
			uint8_t *c = sc->buf + (r->data - s->data);
			dns_rdata_canonicalize(s->type, c, r->len);
			r->canon = c;
		}
	}
	qsort(sc->refs, k, sizeof(*sc->refs), rdref_qsort_cmp);
	/* Records differing only in the case of embedded names are one record. */
	size_t m = 0;
	for (size_t i = 0; i < k; i++)
		if (m == 0 || dns_rdref_cmp(&sc->refs[m - 1], &sc->refs[i]) != 0)
			sc->refs[m++] = sc->refs[i];
	*n = m;
	return DNS_OK;
}

void dns_rdscratch_fini(dns_rdscratch_t *sc)
{
	free(sc->refs);
	free(sc->buf);
	memset(sc, 0, sizeof(*sc));
}

static dns_err_t emit(dns_diff_fn fn, void *ctx, bool added, const uint8_t *owner,
                      uint16_t rclass, uint16_t type, uint32_t ttl, const dns_rdref_t *r)
{
	dns_rr_t rr = { .owner = owner, .type = type, .rclass = rclass, .ttl = ttl,
	                .rdlen = r->len, .rdata = r->data };
	return fn(ctx, added, &rr);
}

dns_err_t dns_diff_sets(bool added, const uint8_t *owner, uint16_t rclass, uint16_t type,
                        uint32_t ttl_a, const dns_rdref_t *a, size_t na, uint32_t ttl_b,
                        const dns_rdref_t *b, size_t nb, dns_diff_fn fn, void *ctx)
{
	dns_err_t err;
	if (na && nb && ttl_a != ttl_b) {
		const dns_rdref_t *all = added ? b : a;
		size_t n = added ? nb : na;
		for (size_t i = 0; i < n; i++)
			if ((err = emit(fn, ctx, added, owner, rclass, type, added ? ttl_b : ttl_a, &all[i])))
				return err;
		return DNS_OK;
	}
	/* Merge the two sorted arrays; report what only one side has. */
	size_t i = 0, j = 0;
	while (i < na || j < nb) {
		int c = i == na ? 1 : j == nb ? -1 : dns_rdref_cmp(&a[i], &b[j]);
		if (c == 0) {
			i++, j++;
		} else if (c < 0) {
			if (!added && (err = emit(fn, ctx, false, owner, rclass, type, ttl_a, &a[i])))
				return err;
			i++;
		} else {
			if (added && (err = emit(fn, ctx, true, owner, rclass, type, ttl_b, &b[j])))
				return err;
			j++;
		}
	}
	return DNS_OK;
}

/* ---- zone against zone ---- */

typedef struct diff_walk {
	dns_rdscratch_t sa, sb;
	uint16_t rclass;
	dns_diff_fn fn;
	void *ctx;
} diff_walk_t;

static dns_err_t diff_rrset(diff_walk_t *w, bool added, const uint8_t *owner,
                            const dns_rrset_t *a, const dns_rrset_t *b)
{
	size_t na, nb;
	dns_err_t err;
	if ((err = dns_rdscratch_load(&w->sa, a, &na)) || (err = dns_rdscratch_load(&w->sb, b, &nb)))
		return err;
	uint16_t type = a ? a->type : b->type;
	return dns_diff_sets(added, owner, w->rclass, type, a ? a->ttl : 0, w->sa.refs, na,
	                     b ? b->ttl : 0, w->sb.refs, nb, w->fn, w->ctx);
}

/* The RRsets of two versions of one node, merged by type. */
static dns_err_t diff_node(diff_walk_t *w, bool added, const dns_node_t *a, const dns_node_t *b)
{
	size_t na = a ? dns_node_rrset_count(a) : 0, nb = b ? dns_node_rrset_count(b) : 0;
	const uint8_t *owner = a ? dns_node_name(a) : dns_node_name(b);
	bool apex = (a && (dns_node_flags(a) & DNS_NODE_APEX)) ||
	            (b && (dns_node_flags(b) & DNS_NODE_APEX));
	size_t i = 0, j = 0;
	while (i < na || j < nb) {
		const dns_rrset_t *sa = i < na ? dns_node_rrset_at(a, i) : NULL;
		const dns_rrset_t *sb = j < nb ? dns_node_rrset_at(b, j) : NULL;
		if (sa && sb && sa->type != sb->type) {
			if (sa->type < sb->type)
				sb = NULL;
			else
				sa = NULL;
		}
		i += sa != NULL;
		j += sb != NULL;
		uint16_t type = sa ? sa->type : sb->type;
		if (apex && type == DNS_TYPE_SOA)
			continue; /* reported first, by the caller */
		dns_err_t err = diff_rrset(w, added, owner, sa, sb);
		if (err)
			return err;
	}
	return DNS_OK;
}

static dns_err_t diff_half(diff_walk_t *w, bool added, const dns_zone_t *a, const dns_zone_t *b)
{
	const dns_rrset_t *soa_a = a ? dns_zone_soa(a) : NULL, *soa_b = b ? dns_zone_soa(b) : NULL;
	const uint8_t *origin = a ? dns_zone_origin(a) : dns_zone_origin(b);
	dns_err_t err;
	if ((soa_a || soa_b) && (err = diff_rrset(w, added, origin, soa_a, soa_b)))
		return err;
	size_t na = a ? dns_zone_node_count(a) : 0, nb = b ? dns_zone_node_count(b) : 0;
	size_t i = 0, j = 0;
	while (i < na || j < nb) {
		const dns_node_t *x = i < na ? dns_zone_node_at(a, i) : NULL;
		const dns_node_t *y = j < nb ? dns_zone_node_at(b, j) : NULL;
		if (x && y) {
			int c = dns_name_compare(dns_node_name(x), dns_node_name(y));
			if (c < 0)
				y = NULL;
			else if (c > 0)
				x = NULL;
		}
		i += x != NULL;
		j += y != NULL;
		if ((err = diff_node(w, added, x, y)))
			return err;
	}
	return DNS_OK;
}

dns_err_t dns_zone_diff(const dns_zone_t *old, const dns_zone_t *new_, dns_diff_fn fn, void *ctx)
{
	if (!fn)
		return DNS_EINVAL;
	if (!old && !new_)
		return DNS_OK;
	if (old && new_ && (!dns_name_equal(dns_zone_origin(old), dns_zone_origin(new_)) ||
	                    dns_zone_class(old) != dns_zone_class(new_)))
		return DNS_EINVAL;
	diff_walk_t w = { .rclass = old ? dns_zone_class(old) : dns_zone_class(new_),
	                  .fn = fn, .ctx = ctx };
	dns_err_t err = diff_half(&w, false, old, new_);
	if (!err)
		err = diff_half(&w, true, old, new_);
	dns_rdscratch_fini(&w.sa);
	dns_rdscratch_fini(&w.sb);
	return err;
}

static dns_err_t count_fn(void *ctx, bool added, const dns_rr_t *rr)
{
	size_t *n = ctx;
	n[added]++;
	return DNS_OK;
}

dns_err_t dns_zone_diff_count(const dns_zone_t *old, const dns_zone_t *new_, size_t *nremoved,
                              size_t *nadded)
{
	size_t n[2] = { 0, 0 };
	dns_err_t err = dns_zone_diff(old, new_, count_fn, n);
	if (nremoved)
		*nremoved = n[0];
	if (nadded)
		*nadded = n[1];
	return err;
}

/* ---- applying an increment ---- */

typedef struct chg {
	const dns_rr_t *rr;
	const uint8_t *canon;
	bool used;
} chg_t;

static int chg_cmp_key(const uint8_t *owner, uint16_t type, const uint8_t *canon, size_t len,
                       const chg_t *c)
{
	int r = dns_name_compare(owner, c->rr->owner);
	if (r)
		return r;
	if (type != c->rr->type)
		return type < c->rr->type ? -1 : 1;
	if (!canon)
		return -1; /* a key without rdata sorts before the RRset's records */
	return dns_rdata_compare(canon, len, c->canon, c->rr->rdlen);
}

static int chg_qsort_cmp(const void *pa, const void *pb)
{
	const chg_t *a = pa;
	return chg_cmp_key(a->rr->owner, a->rr->type, a->canon, a->rr->rdlen, pb);
}

/* The first change >= key (n when none). */
static size_t chg_lower(const chg_t *v, size_t n, const uint8_t *owner, uint16_t type,
                        const uint8_t *canon, size_t len)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (chg_cmp_key(owner, type, canon, len, &v[mid]) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static chg_t *chg_find(chg_t *v, size_t n, const uint8_t *owner, uint16_t type,
                       const uint8_t *canon, size_t len)
{
	size_t i = chg_lower(v, n, owner, type, canon, len);
	return i < n && chg_cmp_key(owner, type, canon, len, &v[i]) == 0 ? &v[i] : NULL;
}

/* Sort a list of changes by canonical key; duplicates make it inconsistent. */
static dns_err_t chg_prepare(const dns_zone_t *z, const dns_rr_t *rrs, size_t n, chg_t **out,
                             uint8_t **canonbuf)
{
	size_t total = 0;
	for (size_t i = 0; i < n; i++) {
		if (rrs[i].rclass != dns_zone_class(z) ||
		    !dns_name_is_subdomain(rrs[i].owner, dns_zone_origin(z)))
			return DNS_EZONE;
		total += rrs[i].rdlen;
	}
	chg_t *v = calloc(n ? n : 1, sizeof(*v));
	uint8_t *buf = malloc(total ? total : 1);
	if (!v || !buf) {
		free(v);
		free(buf);
		return DNS_ENOMEM;
	}
	size_t off = 0;
	for (size_t i = 0; i < n; i++) {
		v[i].rr = &rrs[i];
		if (rrs[i].rdlen)
			memcpy(buf + off, rrs[i].rdata, rrs[i].rdlen);
		dns_rdata_canonicalize(rrs[i].type, buf + off, rrs[i].rdlen);
		v[i].canon = buf + off;
		off += rrs[i].rdlen;
	}
	qsort(v, n, sizeof(*v), chg_qsort_cmp);
	*out = v;
	*canonbuf = buf;
	for (size_t i = 1; i < n; i++)
		if (chg_qsort_cmp(&v[i - 1], &v[i]) == 0)
			return DNS_EZONE;
	return DNS_OK;
}

/*
 * The new records of one owner: its old records less the removed ones,
 * then the added ones (in canonical order, so the first added record of
 * an RRset gives it its TTL, as the builder keeps the first TTL).
 */
static dns_err_t apply_owner(const dns_zone_t *old, const uint8_t *owner, chg_t *rem,
                             size_t nrem, chg_t *add, size_t nadd, dns_rdscratch_t *sc,
                             dns_zone_builder_t *b)
{
	dns_err_t err = dns_zone_patch_replace(b, owner);
	const dns_node_t *node = err ? NULL : dns_zone_find(old, owner);
	for (size_t t = 0; !err && node && t < dns_node_rrset_count(node); t++) {
		const dns_rrset_t *s = dns_node_rrset_at(node, t);
		size_t n;
		if ((err = dns_rdscratch_load(sc, s, &n)))
			break;
		/* Added records of this RRset set its TTL. */
		uint32_t ttl = s->ttl;
		size_t k = chg_lower(add, nadd, owner, s->type, NULL, 0);
		if (k < nadd && dns_name_equal(add[k].rr->owner, owner) && add[k].rr->type == s->type)
			ttl = add[k].rr->ttl;
		for (size_t r = 0; !err && r < n; r++) {
			const dns_rdref_t *rd = &sc->refs[r];
			chg_t *c = chg_find(rem, nrem, owner, s->type, rd->canon, rd->len);
			if (c) {
				c->used = true;
				continue;
			}
			if (chg_find(add, nadd, owner, s->type, rd->canon, rd->len))
				return DNS_EZONE; /* added record already present */
			dns_rr_t rr = { .owner = owner, .type = s->type, .rclass = dns_zone_class(old),
			                .ttl = ttl, .rdlen = rd->len, .rdata = rd->data };
			err = dns_zone_builder_add(b, &rr);
		}
	}
	for (size_t k = chg_lower(add, nadd, owner, 0, NULL, 0);
	     !err && k < nadd && dns_name_equal(add[k].rr->owner, owner); k++)
		err = dns_zone_builder_add(b, add[k].rr);
	return err;
}

/* Patch the owners that the changes name, in canonical order. */
static dns_err_t apply_changes(const dns_zone_t *old, chg_t *rem, size_t nrem, chg_t *add,
                               size_t nadd, dns_zone_builder_t *b)
{
	dns_rdscratch_t sc = { 0 };
	dns_err_t err = DNS_OK;
	size_t i = 0, j = 0;
	while (!err && (i < nrem || j < nadd)) {
		const uint8_t *owner;
		if (i == nrem)
			owner = add[j].rr->owner;
		else if (j == nadd)
			owner = rem[i].rr->owner;
		else
			owner = dns_name_compare(rem[i].rr->owner, add[j].rr->owner) <= 0
			                ? rem[i].rr->owner : add[j].rr->owner;
		err = apply_owner(old, owner, rem, nrem, add, nadd, &sc, b);
		while (i < nrem && dns_name_equal(rem[i].rr->owner, owner))
			i++;
		while (j < nadd && dns_name_equal(add[j].rr->owner, owner))
			j++;
	}
	dns_rdscratch_fini(&sc);
	return err;
}

dns_err_t dns_zone_apply_diff(const dns_zone_t *old, const dns_rr_t *removed, size_t nremoved,
                              const dns_rr_t *added, size_t nadded, dns_zone_t **newzone)
{
	if (!old || !newzone || (nremoved && !removed) || (nadded && !added))
		return DNS_EINVAL;
	chg_t *rem = NULL, *add = NULL;
	uint8_t *rbuf = NULL, *abuf = NULL;
	dns_zone_builder_t *b = NULL;
	dns_err_t err = chg_prepare(old, removed, nremoved, &rem, &rbuf);
	if (!err)
		err = chg_prepare(old, added, nadded, &add, &abuf);
	if (!err && !(b = dns_zone_patch_new(old)))
		err = DNS_ENOMEM;
	if (!err)
		err = apply_changes(old, rem, nremoved, add, nadded, b);
	for (size_t i = 0; !err && i < nremoved; i++)
		if (!rem[i].used)
			err = DNS_EZONE; /* removing a record the zone does not have */
	free(rem);
	free(add);
	free(rbuf);
	free(abuf);
	if (err) {
		dns_zone_builder_free(b);
		return err;
	}
	return dns_zone_builder_finish(b, newzone);
}
