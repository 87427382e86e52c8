/*
 * iter.c - one step of iterative resolution for a fetch: the cache, the
 * zone cut, priming, the choice of server (smoothed RTT, back-off, lame
 * marks), glueless name server lookups within the budget, and building
 * and handing out the query (QNAME minimisation, RFC 9156; EDNS with
 * DNSSEC OK).
 */
#include <netinet/in.h>
#include <string.h>

#include "dns/edns.h"
#include "dns/rrtype.h"
#include "aggr.h"
#include "engine_int.h"

#define RTO_TCP_MIN_MS 1500

void iter_new_cut(fetch_t *f, const uint8_t *zone)
{
	f->have_cut = true;
	dns_name_copy(f->zone, zone);
	f->ntried = 0;
	f->nlooked_up = 0;
	f->qmin_labels = dns_name_label_count(zone) + 1;
	f->qmin_steps = 0;
	f->bad_text = NULL;
}

/* The deepest cached delegation above (or at) the target. */
static void find_cut(res_engine_t *e, fetch_t *f, uint64_t now)
{
	const uint8_t *n = f->sname;
	/* DS lives on the parent side of the cut (RFC 4035 §3.1.4.1). */
	if (f->qtype == DNS_TYPE_DS && !dns_name_is_root(n))
		n = dns_name_parent(n);
	/* A --forward zone is a cut of its own: its servers resolve for us. */
	unsigned fw = eng_forward_find(e, n);
	if (fw) {
		iter_new_cut(f, eng_forward_zone(e, fw));
		f->forward = fw;
		return;
	}
	f->forward = 0;
	res_cache_hit_t hit;
	for (; n; n = dns_name_parent(n))
		if (res_cache_get(e->cache, now, n, DNS_TYPE_NS, &hit)) {
			iter_new_cut(f, n);
			return;
		}
	iter_new_cut(f, dns_name_root);
}

typedef struct cand {
	struct sockaddr_storage ss;
	socklen_t len;
} cand_t;

#define MAX_CANDS 48

typedef struct gathered {
	cand_t c[MAX_CANDS];
	unsigned n;
	uint8_t missing[8][DNS_NAME_MAX];
	unsigned nmissing;
} gathered_t;

static void add_cand(gathered_t *g, const struct sockaddr_storage *ss, socklen_t len)
{
	for (unsigned i = 0; i < g->n; i++)
		if (res_addr_equal((const struct sockaddr *)&g->c[i].ss, (const struct sockaddr *)ss))
			return;
	if (g->n < MAX_CANDS) {
		g->c[g->n].ss = *ss;
		g->c[g->n].len = len;
		g->n++;
	}
}

static unsigned add_addrs(res_engine_t *e, res_cache_t *c, uint64_t now, const uint8_t *name,
                          gathered_t *g)
{
	res_cache_hit_t hit;
	unsigned found = 0;
	if (!e->cfg.no_ipv4 && res_cache_get(c, now, name, DNS_TYPE_A, &hit)) {
		for (const uint8_t *rd = dns_rrset_first(&hit.rrset); rd; rd = dns_rrset_next(&hit.rrset, rd)) {
			if (dns_rrset_rdlen(rd) != 4)
				continue;
			struct sockaddr_storage ss = {0};
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
			s4->sin_family = AF_INET;
			s4->sin_port = htons(53);
			memcpy(&s4->sin_addr, dns_rrset_rdata(rd), 4);
			add_cand(g, &ss, sizeof *s4);
			found++;
		}
	}
	if (!e->cfg.no_ipv6 && res_cache_get(c, now, name, DNS_TYPE_AAAA, &hit)) {
		for (const uint8_t *rd = dns_rrset_first(&hit.rrset); rd; rd = dns_rrset_next(&hit.rrset, rd)) {
			if (dns_rrset_rdlen(rd) != 16)
				continue;
			struct sockaddr_storage ss = {0};
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
			s6->sin6_family = AF_INET6;
			s6->sin6_port = htons(53);
			memcpy(&s6->sin6_addr, dns_rrset_rdata(rd), 16);
			add_cand(g, &ss, sizeof *s6);
			found++;
		}
	}
	return found;
}

/* Server addresses for the current cut, and NS names without any. */
static void gather(res_engine_t *e, fetch_t *f, uint64_t now, gathered_t *g)
{
	res_cache_hit_t hit;
	bool root = dns_name_is_root(f->zone);
	g->n = g->nmissing = 0;
	if (f->forward) {
		socklen_t len;
		const struct sockaddr_storage *ss;
		for (unsigned i = 0; (ss = eng_forward_addr(e, f->forward, i, &len)); i++)
			add_cand(g, ss, len);
		return;
	}
	res_cache_t *src = e->cache;
	if (!res_cache_get(e->cache, now, f->zone, DNS_TYPE_NS, &hit)) {
		if (!root || !res_cache_get(e->hints, now, dns_name_root, DNS_TYPE_NS, &hit))
			return;
		src = e->hints;
	}
	/* Copy the names out: the lookups below may free expired entries. */
	uint8_t names[MAX_NS_NAMES][DNS_NAME_MAX];
	unsigned nn = 0;
	for (const uint8_t *rd = dns_rrset_first(&hit.rrset); rd && nn < MAX_NS_NAMES;
	     rd = dns_rrset_next(&hit.rrset, rd))
		dns_name_copy(names[nn++], dns_rrset_rdata(rd));
	for (unsigned i = 0; i < nn; i++) {
		unsigned found = add_addrs(e, e->cache, now, names[i], g);
		if (root || src == e->hints)
			found += add_addrs(e, e->hints, now, names[i], g);
		if (!found && g->nmissing < 8)
			dns_name_copy(g->missing[g->nmissing++], names[i]);
	}
}

static tried_t *tried_find(fetch_t *f, const struct sockaddr_storage *ss)
{
	for (unsigned i = 0; i < f->ntried; i++)
		if (res_addr_equal(&f->tried[i].addr.sa, (const struct sockaddr *)ss))
			return &f->tried[i];
	return NULL;
}

/* The best candidate sent to fewer than @max_tries times; -1 if none. */
static int pick(res_engine_t *e, fetch_t *f, uint64_t now, const gathered_t *g,
                unsigned max_tries)
{
	int best = -1;
	uint64_t best_score = UINT64_MAX;
	for (unsigned i = 0; i < g->n; i++) {
		const struct sockaddr *sa = (const struct sockaddr *)&g->c[i].ss;
		tried_t *t = tried_find(f, &g->c[i].ss);
		if (t && (t->dead || t->tries >= max_tries))
			continue;
		if (res_infra_is_lame(e->infra, now, sa, f->zone))
			continue;
		res_server_info_t info;
		res_infra_get(e->infra, sa, &info);
		uint64_t score = info.srtt_ms ? info.srtt_ms : 400 + (e->cfg.random(e->cfg.random_ctx) & 63);
		if (info.backoff_until > now)
			score += 1000000;
		if (score < best_score) {
			best_score = score;
			best = (int)i;
		}
	}
	return best;
}

/*
 * 0x20 (draft-vixie-dnsext-dns0x20): flip the case of the letters of the
 * query name in the message at random, and keep the result: a spoofed
 * reply must then also guess one bit per letter.
 */
static void mix_case(res_engine_t *e, uint8_t *wire, uint8_t out[DNS_NAME_MAX])
{
	uint32_t bits = 0;
	unsigned nbits = 0;
	for (size_t i = 0; wire[i] && i < DNS_NAME_MAX; i += wire[i] + 1u)
		for (size_t j = i + 1; j <= i + wire[i]; j++) {
			uint8_t c = wire[j] | 0x20;
			if (c < 'a' || c > 'z')
				continue;
			if (!nbits) {
				bits = e->cfg.random(e->cfg.random_ctx);
				nbits = 32;
			}
			wire[j] = (bits & 1) ? (uint8_t)(c & ~0x20) : c;
			bits >>= 1;
			nbits--;
		}
	memcpy(out, wire, dns_name_length(wire));
}

bool iter_send(res_engine_t *e, fetch_t *f, uint64_t now, const struct sockaddr_storage *ss,
               socklen_t len, bool tcp, bool edns)
{
	if (++f->budget->queries > e->cfg.max_queries) {
		e->st.budget_exhausted++;
		eng_fail(e, f, now, 0, "query budget exhausted");
		return false;
	}
	tx_t *tx = &f->tx;
	unsigned sl = dns_name_label_count(f->sname);
	tx->minimised = !f->forward && f->minimise && f->qmin_labels < sl && f->qmin_steps < MAX_MIN_STEPS;
	if (tx->minimised) {
		dns_name_copy(tx->qname, dns_name_skip_labels(f->sname, sl - f->qmin_labels));
		tx->qtype = DNS_TYPE_A;
	} else {
		dns_name_copy(tx->qname, f->sname);
		tx->qtype = f->qtype;
	}
	res_send_t s;
	memset(&s, 0, offsetof(res_send_t, msg));
	tx->qid = (uint16_t)e->cfg.random(e->cfg.random_ctx);
	dns_msg_builder_t b;
	dns_msg_builder_init(&b, s.msg, sizeof s.msg, sizeof s.msg);
	/* A forwarder is asked to recurse; authorities are asked without RD. */
	if (dns_msg_builder_header(&b, tx->qid, f->forward ? DNS_FLAG_RD : 0) ||
	    dns_msg_builder_question(&b, tx->qname, tx->qtype, DNS_CLASS_IN) ||
	    (edns && dns_edns_write(&b, e->cfg.edns_size, 0, true, NULL, 0))) {
		eng_fail(e, f, now, 0, "cannot build a query");
		return false;
	}
	s.len = (uint16_t)dns_msg_builder_finish(&b);
	tx->mixed = e->cfg.use_0x20 && !tcp;
	if (tx->mixed)
		mix_case(e, s.msg + DNS_HDR_LEN, tx->qcase);
	if (++e->next_tx == 0)
		e->next_tx = 1;
	tx->id = s.id = e->next_tx;
	tx->tcp = s.tcp = tcp;
	tx->edns = edns;
	tx->addr = s.addr = *ss;
	tx->addrlen = s.addrlen = len;
	tx->sent = now;
	uint32_t rto = res_infra_rto(e->infra, (const struct sockaddr *)ss);
	if (tcp && rto < RTO_TCP_MIN_MS)
		rto = RTO_TCP_MIN_MS;
	s.timeout_ms = rto;
	tx->deadline = now + rto;
	if (eng_queue_send(e, &s) != DNS_OK) {
		eng_fail(e, f, now, 0, "out of memory");
		return false;
	}
	eng_tx_link(e, f);
	return true;
}

void iter_retry(res_engine_t *e, fetch_t *f, uint64_t now, bool tcp, bool edns)
{
	struct sockaddr_storage ss = f->tx.addr;
	iter_send(e, f, now, &ss, f->tx.addrlen, tcp, edns);
}

void iter_server_failed(res_engine_t *e, fetch_t *f, bool dead)
{
	(void)e;
	tried_t *t = tried_find(f, &f->tx.addr);
	if (t && dead)
		t->dead = true;
}

static bool send_to(res_engine_t *e, fetch_t *f, uint64_t now, const cand_t *c)
{
	tried_t *t = tried_find(f, &c->ss);
	if (!t && f->ntried < MAX_TRIED) {
		t = &f->tried[f->ntried++];
		memset(t, 0, sizeof *t);
		memcpy(&t->addr, &c->ss, c->len <= sizeof t->addr ? c->len : sizeof t->addr);
	}
	if (t)
		t->tries++;
	res_server_info_t info;
	res_infra_get(e->infra, (const struct sockaddr *)&c->ss, &info);
	return iter_send(e, f, now, &c->ss, c->len, false, !info.no_edns);
}

/* Start resolving one NS name without addresses; true when waiting for it. */
static bool lookup_ns(res_engine_t *e, fetch_t *f, uint64_t now, const gathered_t *g)
{
	for (unsigned i = 0; i < g->nmissing; i++) {
		if (f->nlooked_up >= e->cfg.max_ns_lookups || f->nlooked_up >= MAX_NS_NAMES)
			return false;
		const uint8_t *name = g->missing[i];
		uint32_t h = dns_name_hash(name);
		bool done = false;
		for (unsigned j = 0; j < f->nlooked_up && !done; j++)
			done = f->ns_looked_up[j] == h;
		/* Without glue, a name inside the zone cannot be reached through it. */
		if (done || dns_name_is_subdomain(name, f->zone))
			continue;
		f->ns_looked_up[f->nlooked_up++] = h;
		if (eng_subfetch_flags(e, f, now, name, DNS_TYPE_A, RES_Q_CD))
			return true;
	}
	return false;
}

/* Wait for priming when the root is known only from the hints. */
static bool prime(res_engine_t *e, fetch_t *f, uint64_t now)
{
	if (f->primed || !dns_name_is_root(f->zone) || f->forward)
		return false;
	f->primed = true;
	if (f->qtype == DNS_TYPE_NS && dns_name_is_root(f->sname))
		return false; /* this is the priming query */
	res_cache_hit_t hit;
	if (res_cache_get(e->cache, now, dns_name_root, DNS_TYPE_NS, &hit))
		return false;
	return eng_subfetch_flags(e, f, now, dns_name_root, DNS_TYPE_NS, RES_Q_CD) != NULL;
}

/*
 * A validator's DS or DNSKEY fetch answered from the cache: 1, else 0.
 * The validator checks what it gets with the parent's (DS) or the DS's
 * (DNSKEY) keys as if it came from the network, so any rank will do as
 * long as the signatures or the denial proof came along: a DS RRset from
 * a referral, a DNSKEY RRset or a DS NODATA a client asked for, the
 * NSEC/NSEC3 with which a referral proved it has no DS.  One query saved
 * per zone cut.  Data from the cache that does not verify is dropped and
 * asked for again (validate_chain.c), so it never makes a zone bogus.
 */
static int val_cached(res_engine_t *e, fetch_t *f, uint64_t now)
{
	res_cache_hit_t hit;
	if (f->qtype != DNS_TYPE_DS && f->qtype != DNS_TYPE_DNSKEY)
		return 0;
	if (res_cache_get(e->cache, now, f->sname, f->qtype, &hit)) {
		if (!hit.sigs.count || hit.rank < RES_RANK_AUTH_NONAUTH)
			return 0;
		f->res.rcode = DNS_RCODE_NOERROR;
		if (res_result_add(&f->res, 0, f->sname, &hit.rrset, &hit.sigs) != DNS_OK)
			goto fail;
		f->res.cached = true;
		return 1;
	}
	bool nx = false;
	if (!res_cache_get_neg_at(e->cache, now, f->sname, f->qtype, &hit)) {
		if (!res_cache_get_neg_at(e->cache, now, f->sname, RES_TYPE_NXDOMAIN, &hit))
			return 0;
		nx = true;
	}
	if (!hit.proof_len || hit.rank < RES_RANK_AUTH_NONAUTH)
		return 0;  /* nothing to check: ask */
	f->res.rcode = nx ? DNS_RCODE_NXDOMAIN : DNS_RCODE_NOERROR;
	if ((hit.owner && hit.rrset.count &&
	     res_result_add(&f->res, 1, hit.owner, &hit.rrset, &hit.sigs) != DNS_OK) ||
	    res_result_add_proof(&f->res, hit.proof, hit.proof_len, hit.ttl) != DNS_OK)
		goto fail;
	f->res.cached = true;
	return 1;
fail:
	res_result_free(&f->res);
	return 0;
}

/* RFC 8198: a negative answer that validated NSEC/NSEC3 records already
 * prove needs no query.  Only for validating fetches of the question itself. */
static bool aggressive(res_engine_t *e, fetch_t *f, uint64_t now)
{
	if (e->cfg.no_aggressive_nsec || f->chain || !val_enabled(e) ||
	    (f->flags & (RES_Q_CD | RES_Q_VAL | RES_Q_PREFETCH)))
		return false;
	int rc = res_aggr_answer(e->aggr, now, f->sname, f->qtype, e->cfg.max_nsec3_hashes, &f->res);
	if (rc == 0)
		return false;
	if (rc < 0) {
		eng_fail(e, f, now, 0, "out of memory");
		return true;
	}
	e->st.aggressive++;
	f->val_done = true;
	f->val_state = VAL_SECURE;
	eng_finish(e, f, now);
	return true;
}

void iter_step(res_engine_t *e, fetch_t *f, uint64_t now)
{
	if (f->tx.active || f->sub || f->done)
		return;
	if (f->validating) {
		val_step(e, f, now);
		return;
	}
	if (!f->have_cut) {
		/* A validator's fetch takes only what it can check itself. */
		int rc = (f->flags & RES_Q_VAL) && f->chain == 0 ? val_cached(e, f, now)
		         : (f->flags & RES_Q_PREFETCH) && f->chain == 0 ? 0
		         : eng_cache_chain(e, now, f->sname, f->qtype, &f->chain, e->cfg.max_chain,
		                           eng_min_rank(e, f->flags), &f->res);
		if (rc == 1) {
			eng_finish(e, f, now);
			return;
		}
		if (rc < 0) {
			eng_fail(e, f, now, 0, "CNAME chain too long");
			return;
		}
		if (aggressive(e, f, now))
			return;
		find_cut(e, f, now);
		f->minimise = !e->cfg.no_qname_minimisation;
		if (prime(e, f, now))
			return;
	}
	gathered_t g;
	gather(e, f, now, &g);
	int i = pick(e, f, now, &g, 1);
	if (i >= 0) {
		send_to(e, f, now, &g.c[i]);
		return;
	}
	if (lookup_ns(e, f, now, &g))
		return;
	i = pick(e, f, now, &g, 2);
	if (i >= 0) {
		send_to(e, f, now, &g.c[i]);
		return;
	}
	/* A server that answered with data over the limits says more than "none answered". */
	if (f->bad_text)
		eng_fail(e, f, now, f->bad_ede, f->bad_text);
	else
		eng_fail(e, f, now, 22, "no reachable authority");
}
