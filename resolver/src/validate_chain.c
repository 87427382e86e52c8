/*
 * validate_chain.c - the chain of trust (RFC 4035 §5): the state of a
 * zone (secure with its DNSKEYs, insecure, bogus) from the closest trust
 * anchor down, one zone cut at a time: DS from the parent (validated with
 * the parent's keys, or proven absent by NSEC/NSEC3: an insecure
 * delegation), then the child's DNSKEY RRset signed by a key a DS
 * matches.  Results go to the key cache, so a chain is built once per
 * TTL; the DS and DNSKEY queries are sub-fetches of the client's fetch,
 * sharing its budget.
 */
#include <string.h>

#include "dns/dnssec.h"
#include "dns/nsec.h"
#include "dns/rrtype.h"
#include "engine_int.h"
#include "keys.h"
#include "validate.h"

#define BOGUS_TTL_S 60      /* RFC 4035 §4.7: remember bad data, briefly */
#define FAIL_TTL_S 5        /* an unreachable DS/DNSKEY: retry soon */
#define KEY_MAX_TTL_S 86400

uint32_t val_unix_now(const res_engine_t *e, uint64_t now)
{
	return (uint32_t)(((int64_t)now + e->cfg.clock_offset_ms) / 1000);
}

static uint32_t cap_ttl(uint32_t t)
{
	return t > KEY_MAX_TTL_S ? KEY_MAX_TTL_S : t ? t : 1;
}

/* The RRset (@type) at @owner in section @sec of @r. */
bool val_find_set(const res_result_t *r, int sec, const uint8_t *owner, uint16_t type,
                  dns_rrset_t *set, dns_rrset_t *sigs)
{
	size_t pos = 0;
	const uint8_t *o;
	while (res_result_next(r, sec, &pos, &o, set, sigs))
		if (set->type == type && (!owner || dns_name_equal(o, owner)))
			return true;
	return false;
}

dns_dnssec_status_t val_collect_denial(res_engine_t *e, fetch_t *f, uint64_t now,
                                       const res_result_t *r, const uint8_t *zone,
                                       const dns_rrset_t *keys, val_denial_t *d)
{
	d->n = 0;
	d->ttl = UINT32_MAX;
	size_t pos = 0;
	const uint8_t *o;
	dns_rrset_t set, sigs;
	while (res_result_next(r, 1, &pos, &o, &set, &sigs)) {
		if ((set.type != DNS_TYPE_NSEC && set.type != DNS_TYPE_NSEC3) ||
		    !dns_name_is_subdomain(o, zone))
			continue;
		dns_dnssec_status_t st = dns_rrset_verify(o, &set, &sigs, zone, keys,
		                                          val_unix_now(e, now), &f->budget->sig, NULL);
		if (st != DNS_DNSSEC_VALID)
			return st;
		if (set.ttl < d->ttl)
			d->ttl = set.ttl;
		for (const uint8_t *rd = dns_rrset_first(&set); rd && d->n < VAL_MAX_DENIAL;
		     rd = dns_rrset_next(&set, rd))
			d->rr[d->n++] = (dns_denial_rr_t){.owner = o, .type = set.type,
			                                  .rdata = dns_rrset_rdata(rd),
			                                  .rdlen = dns_rrset_rdlen(rd)};
	}
	return DNS_DNSSEC_VALID;
}

static void put(res_engine_t *e, uint64_t now, const uint8_t *zone, res_kstate_t st, int ede,
                const char *why, const dns_rrset_t *set, uint32_t ttl)
{
	(void)res_keys_put(e->keys, now, zone, st, ede, why, set, cap_ttl(ttl));
}

/* What a DS or DNSKEY reply did. */
typedef enum step {
	STEP_DONE,      /* the key cache has the zone's new state */
	STEP_BUDGET,    /* the verification budget ran out */
	STEP_REFETCH,   /* cached data did not verify: dropped, ask the network */
} step_t;

/* @name is bogus (@ede, @why) for @ttl seconds, unless the reply came
 * from the cache (iter.c): that may be stale or partial (a referral's
 * proof), so it leaves the cache and the network is asked instead. */
static step_t bogus(res_engine_t *e, fetch_t *f, uint64_t now, const uint8_t *name,
                    uint16_t type, int ede, const char *why, uint32_t ttl)
{
	if (f->subres.cached) {
		res_cache_remove(e->cache, name, type);
		return STEP_REFETCH;
	}
	put(e, now, name, KS_BOGUS, ede, why, NULL, ttl);
	return STEP_DONE;
}

static step_t bogus_st(res_engine_t *e, fetch_t *f, uint64_t now, const uint8_t *name,
                       uint16_t type, dns_dnssec_status_t st)
{
	return bogus(e, f, now, name, type, dns_dnssec_status_ede(st), dns_dnssec_status_text(st),
	             BOGUS_TTL_S);
}

typedef struct accept_ctx {
	res_engine_t *e;
	const uint8_t *zone;
	const dns_rrset_t *ds;  /* NULL: the trust anchor */
} accept_ctx_t;

/* A key may sign its zone's DNSKEY RRset if a DS (or trust anchor) names it. */
static bool accept_key(void *ctx, const uint8_t *key, size_t keylen)
{
	accept_ctx_t *a = ctx;
	if (!a->ds)
		return res_anchors_match(a->e->anchors, a->zone, key, keylen);
	for (const uint8_t *rd = dns_rrset_first(a->ds); rd; rd = dns_rrset_next(a->ds, rd))
		if (dns_ds_match(a->zone, dns_rrset_rdata(rd), dns_rrset_rdlen(rd), key, keylen))
			return true;
	return false;
}

/* The DNSKEY reply for @zone: secure keys, or why not. */
static step_t process_dnskey(res_engine_t *e, fetch_t *f, uint64_t now, const uint8_t *zone,
                             const dns_rrset_t *ds)
{
	dns_rrset_t keys, sigs;
	if (f->subres.rcode != DNS_RCODE_NOERROR ||
	    !val_find_set(&f->subres, 0, zone, DNS_TYPE_DNSKEY, &keys, &sigs))
		return bogus(e, f, now, zone, DNS_TYPE_DNSKEY, 9, "DNSKEY missing",
		             f->subres.rcode == DNS_RCODE_SERVFAIL ? FAIL_TTL_S : BOGUS_TTL_S);
	accept_ctx_t ac = {.e = e, .zone = zone, .ds = ds};
	uint32_t ttl = keys.ttl;
	dns_dnssec_status_t st = dns_rrset_verify_with(zone, &keys, &sigs, zone, &keys, accept_key,
	                                               &ac, val_unix_now(e, now), &f->budget->sig,
	                                               &ttl);
	if (st == DNS_DNSSEC_BUDGET)
		return STEP_BUDGET;
	if (st == DNS_DNSSEC_VALID) {
		if (ds && ds->ttl < ttl)
			ttl = ds->ttl;
		put(e, now, zone, KS_SECURE, -1, NULL, &keys, ttl);
	} else if (st == DNS_DNSSEC_UNSUPPORTED) {
		put(e, now, zone, KS_INSECURE, 1, "unsupported DNSKEY algorithm", NULL, ttl);
	} else {
		return bogus_st(e, f, now, zone, DNS_TYPE_DNSKEY, st);
	}
	return STEP_DONE;
}

/* Does the DS RRset name any key we could check?  If not, the zone is insecure. */
static bool ds_usable(const dns_rrset_t *ds)
{
	for (const uint8_t *rd = dns_rrset_first(ds); rd; rd = dns_rrset_next(ds, rd))
		if (dns_rrset_rdlen(rd) > 4 && dns_dnssec_alg_supported(dns_rrset_rdata(rd)[2]) &&
		    dns_dnssec_digest_supported(dns_rrset_rdata(rd)[3]))
			return true;
	return false;
}

/* The DS reply for @cand, checked with the keys of its parent zone @pz. */
static step_t process_ds(res_engine_t *e, fetch_t *f, uint64_t now, const uint8_t *pz,
                       const dns_rrset_t *pkeys, const uint8_t *cand)
{
	const res_result_t *r = &f->subres;
	uint32_t t = val_unix_now(e, now);
	dns_rrset_t ds, sigs;
	if (r->rcode == DNS_RCODE_NOERROR && val_find_set(r, 0, cand, DNS_TYPE_DS, &ds, &sigs)) {
		uint32_t ttl = ds.ttl;
		dns_dnssec_status_t st = dns_rrset_verify(cand, &ds, &sigs, pz, pkeys, t,
		                                          &f->budget->sig, &ttl);
		if (st == DNS_DNSSEC_BUDGET)
			return STEP_BUDGET;
		if (st != DNS_DNSSEC_VALID)
			return bogus_st(e, f, now, cand, DNS_TYPE_DS, st);
		if (!ds_usable(&ds))
			put(e, now, cand, KS_INSECURE, 1, "unsupported DS algorithm or digest", NULL, ttl);
		else
			put(e, now, cand, KS_DS, -1, NULL, &ds, ttl);
		return STEP_DONE;
	}
	if (r->rcode != DNS_RCODE_NOERROR && r->rcode != DNS_RCODE_NXDOMAIN) {
		put(e, now, cand, KS_BOGUS, 22, "no DS answer", NULL, FAIL_TTL_S);
		return STEP_DONE;
	}
	val_denial_t d;
	dns_dnssec_status_t st = val_collect_denial(e, f, now, r, pz, pkeys, &d);
	if (st == DNS_DNSSEC_BUDGET)
		return STEP_BUDGET;
	if (st != DNS_DNSSEC_VALID)
		return bogus_st(e, f, now, cand, DNS_TYPE_DS, st);
	dns_denial_t p = r->rcode == DNS_RCODE_NXDOMAIN
	                 ? dns_denial_nxdomain(d.rr, d.n, pz, cand, &f->budget->hashes)
	                 : dns_denial_ds(d.rr, d.n, pz, cand, &f->budget->hashes);
	if (r->rcode == DNS_RCODE_NXDOMAIN && p == DNS_DENIAL_PROVEN)
		p = DNS_DENIAL_NOT_CUT;
	switch (p) {
	case DNS_DENIAL_PROVEN:
	case DNS_DENIAL_OPTOUT:
	case DNS_DENIAL_INSECURE:
		put(e, now, cand, KS_INSECURE, -1, NULL, NULL, d.ttl);
		return STEP_DONE;
	case DNS_DENIAL_NOT_CUT:
		put(e, now, cand, KS_NOTCUT, -1, NULL, NULL, d.ttl);
		return STEP_DONE;
	case DNS_DENIAL_BUDGET:
		return STEP_BUDGET;
	default:
		return bogus(e, f, now, cand, DNS_TYPE_DS, 12, "no proof that the DS does not exist",
		             BOGUS_TTL_S);
	}
}

static bool has_ns(res_engine_t *e, uint64_t now, const uint8_t *name)
{
	res_cache_hit_t hit;
	return res_cache_get(e->cache, now, name, DNS_TYPE_NS, &hit);
}

static val_zs_t ask(res_engine_t *e, fetch_t *f, uint64_t now, const uint8_t *name,
                    uint16_t type)
{
	dns_name_copy(f->want, name);
	f->want_type = type;
	f->have_subres = false;
	if (!eng_subfetch_flags(e, f, now, name, type, RES_Q_CD | RES_Q_VAL))
		return VAL_ZS_FAIL;
	return VAL_ZS_WAIT;
}

static bool got(const fetch_t *f, const uint8_t *name, uint16_t type)
{
	return f->have_subres && f->want_type == type && dns_name_equal(f->want, name);
}

/* The deepest zone at or above @z (not below @ta) with a key-cache entry. */
static const uint8_t *known_ancestor(res_engine_t *e, uint64_t now, const uint8_t *z,
                                     unsigned tl, res_kentry_t *out)
{
	unsigned zl = dns_name_label_count(z);
	for (unsigned l = zl + 1; l-- > tl;) {
		const uint8_t *n = dns_name_skip_labels(z, zl - l);
		if (res_keys_get(e->keys, now, n, out) && out->st != KS_NOTCUT)
			return n;
	}
	return NULL;
}

/* The next possible zone cut below @a on the way to @z. */
static const uint8_t *next_cut(res_engine_t *e, uint64_t now, const uint8_t *a, const uint8_t *z)
{
	unsigned zl = dns_name_label_count(z);
	for (unsigned l = dns_name_label_count(a) + 1; l <= zl; l++) {
		const uint8_t *n = dns_name_skip_labels(z, zl - l);
		res_kentry_t x;
		if (res_keys_get(e->keys, now, n, &x) && x.st == KS_NOTCUT)
			continue;
		if (l == zl || has_ns(e, now, n))
			return n;
	}
	return NULL;
}

val_zs_t val_zone_state(res_engine_t *e, fetch_t *f, uint64_t now, const uint8_t *z,
                        res_kentry_t *out)
{
	memset(out, 0, sizeof *out);
	out->st = KS_INSECURE;
	out->ede = -1;
	const uint8_t *ta = res_anchors_find(e->anchors, z);
	if (!ta || res_anchors_nta(e->anchors, z))
		return VAL_ZS_READY;
	unsigned tl = dns_name_label_count(ta);
	for (unsigned guard = 0; guard < 2 * DNS_NAME_MAX; guard++) {
		res_kentry_t a;
		const uint8_t *an = known_ancestor(e, now, z, tl, &a);
		if (!an || a.st == KS_DS) {
			const uint8_t *kz = an ? an : ta;
			if (!got(f, kz, DNS_TYPE_DNSKEY))
				return ask(e, f, now, kz, DNS_TYPE_DNSKEY);
			f->have_subres = false;
			step_t st = process_dnskey(e, f, now, kz, an ? &a.set : NULL);
			if (st == STEP_BUDGET)
				return VAL_ZS_BUDGET;
			if (st == STEP_REFETCH)
				return ask(e, f, now, kz, DNS_TYPE_DNSKEY);
			continue;
		}
		if (a.st != KS_SECURE || dns_name_equal(an, z)) {
			*out = a;
			return VAL_ZS_READY;
		}
		const uint8_t *cand = next_cut(e, now, an, z);
		if (!cand)
			return VAL_ZS_FAIL;
		if (!got(f, cand, DNS_TYPE_DS))
			return ask(e, f, now, cand, DNS_TYPE_DS);
		f->have_subres = false;
		step_t st = process_ds(e, f, now, an, &a.set, cand);
		if (st == STEP_BUDGET)
			return VAL_ZS_BUDGET;
		if (st == STEP_REFETCH)
			return ask(e, f, now, cand, DNS_TYPE_DS);
	}
	return VAL_ZS_FAIL;
}
