/*
 * response.c - what an upstream reply means for a fetch (RFC 1034 §5.3.3,
 * RFC 2308, RFC 6672, RFC 9156): an answer (possibly the start of a CNAME
 * or DNAME chain), a negative answer, a referral, or a lame or broken
 * server.  Only data inside the zone the server was asked as (its
 * bailiwick) is used or cached; referral NS and glue are cached with the
 * low ranks of RFC 2181 §5.4.1 so they never displace answers.
 */
#include <string.h>

#include "dns/edns.h"
#include "dns/rrtype.h"
#include "engine_int.h"
#include "rrsets.h"

#define LAME_TTL_S 300

dns_err_t eng_dname_follow(res_result_t *res, uint8_t *sname, const uint8_t *downer,
                           const dns_rrset_t *dname, const dns_rrset_t *sigs);

typedef struct rctx {
	res_engine_t *e;
	fetch_t *f;
	uint64_t now;
	dns_msg_t *m;
	res_arena_t a;
	bool aa;
	unsigned rcode;
} rctx_t;

static void cache_put(rctx_t *r, const uint8_t *owner, const dns_rrset_t *set,
                      const dns_rrset_t *sigs, res_rank_t rank)
{
	(void)res_cache_put(r->e->cache, r->now, owner, set, sigs && sigs->count ? sigs : NULL, rank);
}

/* An RRset of the answer section at @owner, with its RRSIGs. */
static bool answer_set(rctx_t *r, const uint8_t *owner, uint16_t type, dns_rrset_t *set,
                       dns_rrset_t *sigs)
{
	if (!res_msg_rrset(r->m, DNS_SEC_ANSWER, owner, type, 0, &r->a, set))
		return false;
	res_msg_rrset(r->m, DNS_SEC_ANSWER, owner, DNS_TYPE_RRSIG, type, &r->a, sigs);
	return true;
}

/* The SOA of the authority section that speaks for @name inside the zone. */
static const dns_msg_rr_t *find_soa(rctx_t *r, const uint8_t *name)
{
	size_t n;
	const dns_msg_rr_t *rrs = dns_msg_section(r->m, DNS_SEC_AUTHORITY, &n);
	for (size_t i = 0; i < n; i++)
		if (rrs[i].rr.type == DNS_TYPE_SOA && dns_name_is_subdomain(name, rrs[i].rr.owner) &&
		    dns_name_is_subdomain(rrs[i].rr.owner, r->f->zone))
			return &rrs[i];
	return NULL;
}

/*
 * The NSEC/NSEC3 RRsets of the authority section (inside the server's
 * zone), with their RRSIGs, added to @res for the validator's denial and
 * wildcard proofs; the lowest TTL among them (UINT32_MAX: none).
 */
static uint32_t add_denial_to(rctx_t *r, res_result_t *res)
{
	uint32_t ttl = UINT32_MAX;
	size_t n;
	const dns_msg_rr_t *rrs = dns_msg_section(r->m, DNS_SEC_AUTHORITY, &n);
	unsigned added = 0;
	for (size_t i = 0; i < n && added < 16; i++) {
		const dns_rr_t *rr = &rrs[i].rr;
		if ((rr->type != DNS_TYPE_NSEC && rr->type != DNS_TYPE_NSEC3) ||
		    !dns_name_is_subdomain(rr->owner, r->f->zone))
			continue;
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = rrs[j].rr.type == rr->type && dns_name_equal(rrs[j].rr.owner, rr->owner);
		if (seen)
			continue;
		dns_rrset_t set, sigs;
		res_msg_rrset(r->m, DNS_SEC_AUTHORITY, rr->owner, rr->type, 0, &r->a, &set);
		res_msg_rrset(r->m, DNS_SEC_AUTHORITY, rr->owner, DNS_TYPE_RRSIG, rr->type, &r->a, &sigs);
		if (res_result_add(res, 1, rr->owner, &set, &sigs) == DNS_OK && set.ttl < ttl)
			ttl = set.ttl;
		added++;
	}
	return ttl;
}

static void add_denial(rctx_t *r)
{
	(void)add_denial_to(r, &r->f->res);
}

/*
 * A signed referral without DS carries the NSEC/NSEC3 proving there is
 * none (RFC 4035 §3.1.4.1, RFC 5155 §7.2.7): kept as a negative DS entry
 * with its proof, at the rank of referral data (never given to clients),
 * for the validator, which checks the proof itself (iter.c).
 */
static void cache_no_ds(rctx_t *r, const uint8_t *child)
{
	res_result_t proof;
	res_result_init(&proof, NULL, 0);
	uint32_t ttl = add_denial_to(r, &proof);
	if (ttl != UINT32_MAX && proof.sec[1].len)
		(void)res_cache_put_neg_proof(r->e->cache, r->now, child, DNS_TYPE_DS, ttl, NULL, NULL,
		                              NULL, RES_RANK_AUTH_NONAUTH, proof.sec[1].p,
		                              proof.sec[1].len);
	res_result_free(&proof);
}

/* NXDOMAIN or NODATA for @name: the result, and the negative cache. */
static void negative(rctx_t *r, const uint8_t *name, bool nx)
{
	fetch_t *f = r->f;
	f->res.rcode = nx ? DNS_RCODE_NXDOMAIN : DNS_RCODE_NOERROR;
	const dns_msg_rr_t *soa = find_soa(r, name);
	if (soa && soa->rr.rdlen >= 20) {
		dns_rrset_t set, sigs;
		res_msg_rrset(r->m, DNS_SEC_AUTHORITY, soa->rr.owner, DNS_TYPE_SOA, 0, &r->a, &set);
		res_msg_rrset(r->m, DNS_SEC_AUTHORITY, soa->rr.owner, DNS_TYPE_RRSIG, DNS_TYPE_SOA,
		              &r->a, &sigs);
		/* RFC 2308 §5: the lower of the SOA TTL and its MINIMUM field. */
		uint32_t minimum = dns_get32(soa->rr.rdata + soa->rr.rdlen - 4);
		uint32_t ttl = set.ttl < minimum ? set.ttl : minimum;
		set.ttl = ttl;
		if (sigs.count)
			sigs.ttl = ttl;
		(void)res_result_add(&f->res, 1, soa->rr.owner, &set, &sigs);
		add_denial(r);
		/* The NSEC/NSEC3 proof stays with the entry, for DO clients of later hits. */
		res_result_t proof;
		res_result_init(&proof, NULL, 0);
		bool ok = res_result_proof(&f->res, &proof) == DNS_OK;
		(void)res_cache_put_neg_proof(
			r->e->cache, r->now, name,
			nx ? RES_TYPE_NXDOMAIN : (f->tx.minimised ? f->tx.qtype : f->qtype), ttl,
			soa->rr.owner, &set, &sigs, r->aa ? RES_RANK_AUTH_AUTH : RES_RANK_AUTH_NONAUTH,
			ok ? proof.sec[1].p : NULL, ok ? proof.sec[1].len : 0);
		res_result_free(&proof);
	}
	eng_finish(r->e, f, r->now);
}

/* Glue: addresses of the NS names, only inside the server's zone. */
static void cache_glue(rctx_t *r, const dns_rrset_t *ns)
{
	for (const uint8_t *rd = dns_rrset_first(ns); rd; rd = dns_rrset_next(ns, rd)) {
		const uint8_t *t = dns_rrset_rdata(rd);
		if (!dns_name_is_subdomain(t, r->f->zone))
			continue;
		dns_rrset_t glue;
		if (res_msg_rrset(r->m, DNS_SEC_ADDITIONAL, t, DNS_TYPE_A, 0, &r->a, &glue))
			cache_put(r, t, &glue, NULL, RES_RANK_ADDITIONAL);
		if (res_msg_rrset(r->m, DNS_SEC_ADDITIONAL, t, DNS_TYPE_AAAA, 0, &r->a, &glue))
			cache_put(r, t, &glue, NULL, RES_RANK_ADDITIONAL);
	}
}

/* A delegation to a zone below the server's, towards @qname: true if taken. */
static bool referral(rctx_t *r, const uint8_t *qname)
{
	fetch_t *f = r->f;
	size_t n;
	const dns_msg_rr_t *rrs = dns_msg_section(r->m, DNS_SEC_AUTHORITY, &n);
	const uint8_t *child = NULL;
	for (size_t i = 0; i < n && !child; i++) {
		const uint8_t *o = rrs[i].rr.owner;
		if (rrs[i].rr.type == DNS_TYPE_NS && dns_name_is_subdomain(qname, o) &&
		    dns_name_is_subdomain(o, f->zone) && !dns_name_equal(o, f->zone))
			child = o;
	}
	if (!child)
		return false;
	if (++f->referrals > r->e->cfg.max_referrals) {
		r->e->st.budget_exhausted++;
		eng_fail(r->e, f, r->now, 0, "too many referrals");
		return true;
	}
	dns_rrset_t ns, ds, dsig;
	res_msg_rrset(r->m, DNS_SEC_AUTHORITY, child, DNS_TYPE_NS, 0, &r->a, &ns);
	cache_put(r, child, &ns, NULL, RES_RANK_AUTH_NONAUTH);
	if (res_msg_rrset(r->m, DNS_SEC_AUTHORITY, child, DNS_TYPE_DS, 0, &r->a, &ds)) {
		res_msg_rrset(r->m, DNS_SEC_AUTHORITY, child, DNS_TYPE_RRSIG, DNS_TYPE_DS, &r->a, &dsig);
		cache_put(r, child, &ds, &dsig, RES_RANK_AUTH_NONAUTH);
	} else {
		cache_no_ds(r, child);
	}
	cache_glue(r, &ns);
	uint8_t zone[DNS_NAME_MAX];
	dns_name_copy(zone, child);
	iter_new_cut(f, zone);
	return true;
}

static void lame(rctx_t *r)
{
	res_infra_set_lame(r->e->infra, r->now, (const struct sockaddr *)&r->f->tx.addr,
	                   r->f->zone, LAME_TTL_S);
	iter_server_failed(r->e, r->f, true);
}

/* Reply to a minimised query for an ancestor of the target. */
static void minimised(rctx_t *r)
{
	fetch_t *f = r->f;
	const uint8_t *p = f->tx.qname;
	dns_rrset_t set, sigs;
	if (answer_set(r, p, DNS_TYPE_CNAME, &set, &sigs) ||
	    answer_set(r, p, DNS_TYPE_DNAME, &set, &sigs)) {
		/* An alias on the way down: ask for the full name instead. */
		f->minimise = false;
		f->ntried = 0;
		return;
	}
	if (r->rcode == DNS_RCODE_NXDOMAIN && (r->aa || find_soa(r, p))) {
		/* RFC 8020: nothing exists below a name that does not. */
		negative(r, p, true);
		return;
	}
	if (referral(r, p))
		return;
	if (r->aa || find_soa(r, p)) {
		f->qmin_labels++;
		f->qmin_steps++;
		f->ntried = 0;
		return;
	}
	lame(r);
}

/* Follow the answer section from the target: 1 finished, 0 nothing for it, -1 moved on. */
static int chain(rctx_t *r)
{
	fetch_t *f = r->f;
	res_rank_t rank = r->aa ? RES_RANK_ANS_AUTH : RES_RANK_ANS_NONAUTH;
	uint8_t name[DNS_NAME_MAX];
	dns_name_copy(name, f->sname);
	bool moved = false;
	dns_rrset_t set, sigs;
	while (dns_name_is_subdomain(name, f->zone)) {
		if (answer_set(r, name, f->qtype, &set, &sigs)) {
			cache_put(r, name, &set, &sigs, rank);
			if (f->qtype == DNS_TYPE_NS)
				cache_glue(r, &set); /* the priming answer's addresses, too */
			(void)res_result_add(&f->res, 0, name, &set, &sigs);
			add_denial(r);  /* a wildcard answer's proof of no closer match */
			f->res.rcode = DNS_RCODE_NOERROR;
			eng_finish(r->e, f, r->now);
			return 1;
		}
		bool step = false;
		for (const uint8_t *n = dns_name_parent(name);
		     n && !step && f->qtype != DNS_TYPE_DNAME && dns_name_is_subdomain(n, f->zone);
		     n = dns_name_parent(n)) {
			if (!answer_set(r, n, DNS_TYPE_DNAME, &set, &sigs))
				continue;
			uint8_t owner[DNS_NAME_MAX];
			dns_name_copy(owner, n);
			cache_put(r, owner, &set, &sigs, rank);
			dns_err_t err = eng_dname_follow(&f->res, name, owner, &set, &sigs);
			if (err == DNS_ELIMIT) {
				f->res.rcode = DNS_RCODE_YXDOMAIN;
				eng_finish(r->e, f, r->now);
				return 1;
			}
			step = err == DNS_OK;
		}
		if (!step && f->qtype != DNS_TYPE_CNAME && answer_set(r, name, DNS_TYPE_CNAME, &set, &sigs)) {
			cache_put(r, name, &set, &sigs, rank);
			(void)res_result_add(&f->res, 0, name, &set, &sigs);
			dns_name_copy(name, dns_rrset_rdata(dns_rrset_first(&set)));
			step = true;
		}
		if (!step)
			break;
		moved = true;
		if (++f->chain > r->e->cfg.max_chain) {
			eng_fail(r->e, f, r->now, 0, "CNAME chain too long");
			return 1;
		}
	}
	if (!moved)
		return 0;
	dns_name_copy(f->sname, name);
	/* The chain ends in this zone with a denial for its last name. */
	if (dns_name_is_subdomain(name, f->zone) && find_soa(r, name) &&
	    (r->rcode == DNS_RCODE_NXDOMAIN || r->aa)) {
		negative(r, name, r->rcode == DNS_RCODE_NXDOMAIN);
		return 1;
	}
	add_denial(r);       /* a wildcard CNAME's proof travels with the result */
	f->have_cut = false; /* look the new target up from the cache down */
	return -1;
}

static void full(rctx_t *r)
{
	fetch_t *f = r->f;
	if (chain(r))
		return;
	if (r->rcode == DNS_RCODE_NXDOMAIN) {
		negative(r, f->sname, true);
		return;
	}
	if (referral(r, f->sname))
		return;
	if (r->aa || find_soa(r, f->sname)) {
		negative(r, f->sname, false);
		return;
	}
	lame(r);
}

/* The reply is for the query we sent (the engine checks again what dns-net checked). */
static bool matches(const fetch_t *f, const dns_msg_t *m)
{
	return (m->flags & DNS_FLAG_QR) && m->id == f->tx.qid &&
	       dns_flags_opcode(m->flags) == DNS_OPCODE_QUERY && m->has_question &&
	       m->qtype == f->tx.qtype && m->qclass == DNS_CLASS_IN &&
	       dns_name_equal(m->qname, f->tx.qname) &&
	       (!f->tx.mixed || !memcmp(m->qname, f->tx.qcase, dns_name_length(f->tx.qcase)));
}

void resp_process(res_engine_t *e, fetch_t *f, uint64_t now, const uint8_t *msg, size_t len)
{
	const struct sockaddr *sa = (const struct sockaddr *)&f->tx.addr;
	dns_msg_t m;
	if (dns_msg_parse(&m, msg, len) != DNS_OK || !matches(f, &m)) {
		dns_msg_free(&m);
		iter_server_failed(e, f, true);
		return;
	}
	res_infra_rtt(e->infra, now, sa, (uint32_t)(now - f->tx.sent));
	if (m.nrrs > MAX_MSG_RRS ||
	    !res_msg_rrsets_within(&m, e->cfg.max_rrset_rrs, e->cfg.max_rrset_bytes)) {
		/* Bounded work and memory per reply: nothing of it is used or cached. */
		dns_msg_free(&m);
		e->st.upstream_oversized++;
		f->bad_ede = DNS_EDE_INVALID_DATA;
		f->bad_text = "upstream RRset over the size limits";
		iter_server_failed(e, f, true);
		return;
	}
	rctx_t r = {.e = e, .f = f, .now = now, .m = &m, .aa = (m.flags & DNS_FLAG_AA) != 0,
	            .rcode = dns_flags_rcode(m.flags)};
	if ((m.flags & DNS_FLAG_TC) && !f->tx.tcp) {
		iter_retry(e, f, now, true, f->tx.edns);
	} else if ((r.rcode == DNS_RCODE_FORMERR || r.rcode == DNS_RCODE_NOTIMP) && f->tx.edns) {
		/* A server that does not handle EDNS: ask again without (RFC 6891 §7). */
		res_infra_set_no_edns(e->infra, now, sa);
		iter_retry(e, f, now, f->tx.tcp, false);
	} else if (r.rcode != DNS_RCODE_NOERROR && r.rcode != DNS_RCODE_NXDOMAIN) {
		if (r.rcode == DNS_RCODE_REFUSED)
			lame(&r);
		else
			iter_server_failed(e, f, true);
	} else if (f->tx.minimised) {
		minimised(&r);
	} else {
		full(&r);
	}
	res_arena_free(&r.a);
	dns_msg_free(&m);
}
