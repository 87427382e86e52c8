/*
 * validate.c - validation of a client fetch's result (RFC 4035 §5,
 * RFC 5155 §8): each RRset of the answer (CNAME/DNAME chains across
 * zones included) against the keys of the zone that signed it, then the
 * denial of a negative answer, and wildcard proofs.  The outcome is
 * secure (AD), insecure (no AD) or bogus (SERVFAIL with an Extended DNS
 * Error, RFC 8914).  Validated data goes back to the cache with the rank
 * RES_RANK_SECURE or RES_RANK_INSECURE, so later cache hits need no work.
 *
 * val_step is re-entered each time a DS/DNSKEY sub-fetch finishes; it
 * resumes at the first RRset not yet decided (f->val_pos).
 */
#include <string.h>

#include "dns/rrtype.h"
#include "validate.h"
#include "aggr.h"

bool val_enabled(const res_engine_t *e) { return res_anchors_any(e->anchors); }

bool val_needed(const res_engine_t *e, const fetch_t *f)
{
	return !f->val_done && val_enabled(e) && !(f->flags & RES_Q_CD) &&
	       (f->res.rcode == DNS_RCODE_NOERROR || f->res.rcode == DNS_RCODE_NXDOMAIN);
}

typedef struct verdict {
	int state;          /* VAL_SECURE, VAL_INSECURE, VAL_BOGUS, or -1: waiting */
	int ede;
	const char *text;
} verdict_t;

static verdict_t bogus(int ede, const char *text)
{
	return (verdict_t){VAL_BOGUS, ede, text};
}

static verdict_t from_status(dns_dnssec_status_t st)
{
	if (st == DNS_DNSSEC_UNSUPPORTED)
		return (verdict_t){VAL_INSECURE, -1, NULL};
	return bogus(dns_dnssec_status_ede(st), dns_dnssec_status_text(st));
}

/* The zone that should have signed (@owner, @type): the RRSIG signer, or
 * else the closest enclosing zone cut the cache knows of. */
static const uint8_t *data_zone(res_engine_t *e, uint64_t now, const uint8_t *owner,
                                uint16_t type, const dns_rrset_t *sigs)
{
	for (const uint8_t *rd = dns_rrset_first(sigs); rd; rd = dns_rrset_next(sigs, rd)) {
		dns_rrsig_t s;
		if (dns_rrsig_parse(dns_rrset_rdata(rd), dns_rrset_rdlen(rd), &s) == DNS_OK &&
		    s.covered == type && dns_name_is_subdomain(owner, s.signer) &&
		    (type != DNS_TYPE_DS || !dns_name_equal(owner, s.signer)))
			return s.signer;
	}
	const uint8_t *n = owner;
	if (type == DNS_TYPE_DS && !dns_name_is_root(n))
		n = dns_name_parent(n);
	res_cache_hit_t hit;
	for (; n && !dns_name_is_root(n); n = dns_name_parent(n))
		if (res_cache_get(e->cache, now, n, DNS_TYPE_NS, &hit))
			return n;
	return dns_name_root;
}

/* The fewest labels of an RRSIG by @zone: below the owner's, a wildcard expansion. */
static unsigned sig_labels(const dns_rrset_t *sigs, const uint8_t *zone, uint16_t type)
{
	unsigned min = 255;
	for (const uint8_t *rd = dns_rrset_first(sigs); rd; rd = dns_rrset_next(sigs, rd)) {
		dns_rrsig_t s;
		if (dns_rrsig_parse(dns_rrset_rdata(rd), dns_rrset_rdlen(rd), &s) == DNS_OK &&
		    s.covered == type && dns_name_equal(s.signer, zone) && s.labels < min)
			min = s.labels;
	}
	return min;
}

static verdict_t zone_verdict(val_zs_t zs, const res_kentry_t *k)
{
	switch (zs) {
	case VAL_ZS_WAIT: return (verdict_t){-1, -1, NULL};
	case VAL_ZS_FAIL: return bogus(9, "cannot fetch the chain of trust");
	case VAL_ZS_BUDGET: return bogus(6, "validation budget exhausted");
	default: break;
	}
	if (k->st == KS_BOGUS)
		return bogus(k->ede >= 0 ? k->ede : 6, k->why ? k->why : "chain of trust broken");
	if (k->st != KS_SECURE)
		return (verdict_t){VAL_INSECURE, -1, NULL};
	return (verdict_t){VAL_SECURE, -1, NULL};
}

static verdict_t proof_verdict(dns_denial_t p)
{
	switch (p) {
	case DNS_DENIAL_PROVEN: return (verdict_t){VAL_SECURE, -1, NULL};
	case DNS_DENIAL_OPTOUT:
	case DNS_DENIAL_INSECURE: return (verdict_t){VAL_INSECURE, -1, NULL};
	case DNS_DENIAL_BUDGET: return bogus(6, "NSEC3 hash budget exhausted");
	default: return bogus(12, "NSEC missing");
	}
}

static verdict_t check_rrset(res_engine_t *e, fetch_t *f, uint64_t now, const uint8_t *owner,
                             const dns_rrset_t *set, const dns_rrset_t *sigs)
{
	/* Data the validator already vouched for (a SECURE/INSECURE cache entry). */
	res_cache_hit_t hit;
	if (res_cache_get(e->cache, now, owner, set->type, &hit) && hit.rank >= RES_RANK_INSECURE &&
	    hit.rrset.size == set->size && memcmp(hit.rrset.data, set->data, set->size) == 0)
		return (verdict_t){hit.rank == RES_RANK_SECURE ? VAL_SECURE : VAL_INSECURE, -1, NULL};
	/* Below a negative trust anchor (--insecure, --forward) even when no cut is known. */
	if (res_anchors_nta(e->anchors, owner))
		return (verdict_t){VAL_INSECURE, -1, NULL};
	uint8_t zone[DNS_NAME_MAX];
	dns_name_copy(zone, data_zone(e, now, owner, set->type, sigs));
	res_kentry_t k;
	verdict_t v = zone_verdict(val_zone_state(e, f, now, zone, &k), &k);
	if (v.state != VAL_SECURE)
		return v;
	if (!sigs->count)
		return bogus(10, "RRSIGs missing");
	dns_dnssec_status_t st = dns_rrset_verify(owner, set, sigs, zone, &k.set,
	                                          val_unix_now(e, now), &f->budget->sig, NULL);
	if (st != DNS_DNSSEC_VALID)
		return from_status(st);
	unsigned labels = sig_labels(sigs, zone, set->type);
	unsigned ownl = dns_name_label_count(owner) - (dns_name_is_wildcard(owner) ? 1 : 0);
	if (labels >= ownl)
		return v;
	/* A wildcard expansion: the authority section must prove no closer match. */
	val_denial_t d;
	st = val_collect_denial(e, f, now, &f->res, zone, &k.set, &d);
	if (st != DNS_DNSSEC_VALID)
		return from_status(st);
	return proof_verdict(dns_denial_wildcard(d.rr, d.n, zone, owner, labels, &f->budget->hashes));
}

static verdict_t check_negative(res_engine_t *e, fetch_t *f, uint64_t now)
{
	/* A negative answer the validator already vouched for (a cache entry of
	 * rank SECURE or INSECURE). */
	res_cache_hit_t hit;
	uint16_t kind;
	if (res_cache_get_neg(e->cache, now, f->sname, f->qtype, &hit, &kind) &&
	    hit.rank >= RES_RANK_INSECURE &&
	    (kind == RES_TYPE_NXDOMAIN) == (f->res.rcode == DNS_RCODE_NXDOMAIN))
		return (verdict_t){hit.rank == RES_RANK_SECURE ? VAL_SECURE : VAL_INSECURE, -1, NULL};
	dns_rrset_t soa = {0}, sigs = {0}, none = {0};
	const uint8_t *zsrc = f->sname;
	size_t pos = 0;
	const uint8_t *o;
	bool have_soa = false;
	while (!have_soa && res_result_next(&f->res, 1, &pos, &o, &soa, &sigs))
		if (soa.type == DNS_TYPE_SOA) {
			have_soa = true;
			zsrc = o;
		}
	uint8_t zone[DNS_NAME_MAX], soa_owner[DNS_NAME_MAX];
	dns_name_copy(soa_owner, zsrc);
	if (res_anchors_nta(e->anchors, soa_owner))
		return (verdict_t){VAL_INSECURE, -1, NULL};
	/* Without a SOA, sigs holds whatever record was looked at last: unused. */
	if (!have_soa)
		sigs = none;
	dns_name_copy(zone, data_zone(e, now, zsrc, have_soa ? DNS_TYPE_SOA : DNS_TYPE_A, &sigs));
	res_kentry_t k;
	verdict_t v = zone_verdict(val_zone_state(e, f, now, zone, &k), &k);
	if (v.state != VAL_SECURE)
		return v;
	if (!have_soa || !sigs.count)
		return bogus(10, "RRSIGs missing");
	dns_dnssec_status_t st = dns_rrset_verify(soa_owner, &soa, &sigs, zone, &k.set,
	                                          val_unix_now(e, now), &f->budget->sig, NULL);
	if (st != DNS_DNSSEC_VALID)
		return from_status(st);
	val_denial_t d;
	st = val_collect_denial(e, f, now, &f->res, zone, &k.set, &d);
	if (st != DNS_DNSSEC_VALID)
		return from_status(st);
	unsigned *h = &f->budget->hashes;
	return proof_verdict(f->res.rcode == DNS_RCODE_NXDOMAIN
	                     ? dns_denial_nxdomain(d.rr, d.n, zone, f->sname, h)
	                     : dns_denial_nodata(d.rr, d.n, zone, f->sname, f->qtype, h));
}

static bool is_negative(const fetch_t *f)
{
	dns_rrset_t set, sigs;
	return f->res.rcode == DNS_RCODE_NXDOMAIN || val_find_set(&f->res, 1, NULL, DNS_TYPE_SOA,
	                                                          &set, &sigs);
}

/* A CNAME synthesised from a DNAME earlier in the answer (RFC 6672 §5.3.1). */
static bool synthesised(const fetch_t *f, size_t upto, const uint8_t *owner,
                        const dns_rrset_t *set)
{
	if (set->type != DNS_TYPE_CNAME)
		return false;
	size_t pos = 0;
	const uint8_t *o;
	dns_rrset_t s, g;
	while (pos < upto && res_result_next(&f->res, 0, &pos, &o, &s, &g))
		if (s.type == DNS_TYPE_DNAME && dns_name_is_subdomain(owner, o) &&
		    !dns_name_equal(owner, o))
			return true;
	return false;
}

static void merge(fetch_t *f, verdict_t v)
{
	if (v.state > f->val_state) {
		f->val_state = (uint8_t)v.state;
		f->val_ede = v.ede;
		f->val_text = v.text;
	}
}

/* Validated data goes back to the cache with its rank; bogus data leaves it. */
static void recache(res_engine_t *e, uint64_t now, const uint8_t *owner, const dns_rrset_t *set,
                    const dns_rrset_t *sigs, verdict_t v)
{
	if (v.state == VAL_BOGUS)
		res_cache_remove(e->cache, owner, set->type);
	else
		(void)res_cache_put(e->cache, now, owner, set, sigs->count ? sigs : NULL,
		                    v.state == VAL_SECURE ? RES_RANK_SECURE : RES_RANK_INSECURE);
}

static void recache_negative(res_engine_t *e, fetch_t *f, uint64_t now, verdict_t v)
{
	uint16_t type = f->res.rcode == DNS_RCODE_NXDOMAIN ? RES_TYPE_NXDOMAIN : f->qtype;
	if (v.state == VAL_BOGUS) {
		res_cache_remove(e->cache, f->sname, type);
		return;
	}
	size_t pos = 0;
	const uint8_t *o;
	dns_rrset_t soa, sigs;
	while (res_result_next(&f->res, 1, &pos, &o, &soa, &sigs))
		if (soa.type == DNS_TYPE_SOA) {
			if (v.state == VAL_SECURE && !e->cfg.no_aggressive_nsec)
				res_aggr_learn(e->aggr, now, &f->res);
			res_result_t proof;
			res_result_init(&proof, NULL, 0);
			bool ok = res_result_proof(&f->res, &proof) == DNS_OK;
			(void)res_cache_put_neg_proof(e->cache, now, f->sname, type, soa.ttl, o, &soa,
			                              &sigs,
			                              v.state == VAL_SECURE ? RES_RANK_SECURE
			                                                    : RES_RANK_INSECURE,
			                              ok ? proof.sec[1].p : NULL,
			                              ok ? proof.sec[1].len : 0);
			res_result_free(&proof);
			return;
		}
}

static void done(res_engine_t *e, fetch_t *f, uint64_t now)
{
	f->validating = false;
	f->val_done = true;
	if (f->val_state == VAL_BOGUS) {
		e->st.val_bogus++;
		eng_fail(e, f, now, f->val_ede, f->val_text);
		return;
	}
	f->res.secure = f->val_state == VAL_SECURE;
	if (f->res.secure)
		e->st.val_secure++;
	else
		e->st.val_insecure++;
	eng_finish(e, f, now);
}

void val_step(res_engine_t *e, fetch_t *f, uint64_t now)
{
	if (++f->val_steps > 256) {
		merge(f, bogus(6, "validation did not converge"));
		done(e, f, now);
		return;
	}
	const uint8_t *owner;
	dns_rrset_t set, sigs;
	size_t pos = f->val_pos, start;
	for (start = pos; res_result_next(&f->res, 0, &pos, &owner, &set, &sigs); start = pos) {
		if (synthesised(f, start, owner, &set)) {
			f->val_pos = pos;  /* as trustworthy as its DNAME, checked before */
			continue;
		}
		verdict_t v = check_rrset(e, f, now, owner, &set, &sigs);
		if (v.state < 0)
			return;
		merge(f, v);
		recache(e, now, owner, &set, &sigs, v);
		f->val_pos = pos;
		if (v.state == VAL_BOGUS) {
			done(e, f, now);
			return;
		}
	}
	if (is_negative(f)) {
		verdict_t v = check_negative(e, f, now);
		if (v.state < 0)
			return;
		merge(f, v);
		recache_negative(e, f, now, v);
	}
	done(e, f, now);
}
