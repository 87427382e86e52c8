/*
 * replay.c - resolver-replay: runs one .rpl scenario against the engine
 * in-process, with a fake clock and a fake network that answers from the
 * scenario's RANGE entries (see scenarios/README.md).  Exit 0 when every
 * CHECK passes.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/edns.h"
#include "dns/msg.h"
#include "dns/rdata.h"
#include "dns/rrtype.h"
#include "resolver/engine.h"
#include "resolver/infra.h"
#include "rpl.h"

typedef struct run {
	rpl_t s;
	res_engine_t *e;
	uint64_t now;
	unsigned step;
	uint32_t rng;
	unsigned failures;
	bool verbose;
	uint64_t upstream_mark;
	uint64_t verify_mark;
	uint64_t resolved_mark;    /* client queries handed to res_engine_resolve */
	uint64_t elapsed;          /* fake ms the last resolved query took */
	/* answers waiting for CHECK_ANSWER */
	uint8_t answers[16][65535];
	size_t alen[16];
	unsigned nanswers;
} run_t;

static uint32_t rnd(void *ctx)
{
	uint32_t *s = ctx;
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static bool addr_in_range(const rpl_range_t *r, const struct sockaddr *sa)
{
	if (!r->naddr)
		return true;
	for (unsigned i = 0; i < r->naddr; i++)
		if (res_addr_equal((const struct sockaddr *)&r->addr[i], sa))
			return true;
	return false;
}

static bool entry_matches(const rpl_entry_t *en, const dns_msg_t *q, bool tcp)
{
	if ((en->match & RPL_M_TCP) && !tcp)
		return false;
	if ((en->match & RPL_M_UDP) && tcp)
		return false;
	if ((en->match & RPL_M_QTYPE) && q->qtype != en->qtype)
		return false;
	if ((en->match & RPL_M_QNAME) && !dns_name_equal(q->qname, en->qname))
		return false;
	if ((en->match & RPL_M_SUBDOMAIN) && !dns_name_is_subdomain(q->qname, en->qname))
		return false;
	if ((en->match & RPL_M_RD) && !(q->flags & DNS_FLAG_RD))
		return false;
	if ((en->match & RPL_M_NORD) && (q->flags & DNS_FLAG_RD))
		return false;
	return true;
}

static dns_err_t add_rrset(void *ctx, const uint8_t *owner, const dns_rrset_t *set,
                           const dns_rrset_t *sigs)
{
	void **a = ctx;
	dns_msg_builder_t *b = a[0];
	int sec = *(int *)a[1];
	dns_err_t err = dns_msg_builder_rrset(b, sec, owner, DNS_CLASS_IN, set);
	if (!err && sigs)
		err = dns_msg_builder_rrset(b, sec, owner, DNS_CLASS_IN, sigs);
	return err;
}

/* The reply an authoritative server following @en would send. */
static size_t build_reply(rpl_entry_t *en, const dns_msg_t *q, bool tcp, uint8_t *buf)
{
	dns_edns_t ed;
	bool edns = q->opt && dns_edns_parse(&q->opt->rr, &ed) == DNS_OK;
	size_t limit = tcp ? 65535 : edns ? ed.udp_size : 512;
	uint16_t flags = en->flags | DNS_FLAG_QR;
	flags = dns_flags_set_rcode(flags, en->rcode);
	for (int pass = 0; pass < 2; pass++) {
		dns_msg_builder_t b;
		dns_msg_builder_init(&b, buf, 65535, pass ? 65535 : limit);
		dns_msg_builder_header(&b, q->id, pass ? flags | DNS_FLAG_TC : flags);
		uint8_t qn[DNS_NAME_MAX];
		dns_name_copy(qn, q->qname);
		if (en->lower_question)
			dns_name_lower(qn); /* a server that does not echo 0x20 case */
		dns_msg_builder_question(&b, qn, q->qtype, q->qclass);
		if (edns)
			dns_msg_builder_reserve(&b, 11);
		bool ok = true;
		for (int sec = 1; sec <= 3 && ok && !pass; sec++) {
			void *a[2] = {&b, &sec};
			ok = res_rrlist_each(&en->sec[sec], add_rrset, a) == DNS_OK;
		}
		if (!ok)
			continue; /* too big for UDP: truncated, empty */
		if (edns) {
			dns_msg_builder_unreserve(&b, 11);
			dns_edns_write(&b, 1232, en->rcode, ed.do_bit, NULL, 0);
		}
		return dns_msg_builder_finish(&b);
	}
	return 0;
}

/* Deliver every query the engine wants sent; false if one went unanswered. */
static void pump_sends(run_t *r)
{
	res_send_t s;
	while (res_engine_next_send(r->e, &s)) {
		dns_msg_t q;
		if (dns_msg_parse(&q, s.msg, s.len) != DNS_OK) {
			dns_msg_free(&q);
			continue;
		}
		char qn[DNS_NAME_TEXT_MAX], ty[16];
		dns_name_to_text(q.qname, qn, sizeof qn);
		dns_rrtype_to_text(q.qtype, ty, sizeof ty);
		rpl_entry_t *hit = NULL;
		for (unsigned i = 0; i < r->s.nranges && !hit; i++) {
			rpl_range_t *rg = &r->s.ranges[i];
			if (r->step < rg->from || r->step > rg->to ||
			    !addr_in_range(rg, (const struct sockaddr *)&s.addr))
				continue;
			for (unsigned j = 0; j < rg->nentries && !hit; j++)
				if (entry_matches(&rg->entries[j], &q, s.tcp))
					hit = &rg->entries[j];
		}
		if (r->verbose) {
			char at[64] = "?";
			const struct sockaddr_in *s4 = (const struct sockaddr_in *)&s.addr;
			if (s4->sin_family == AF_INET)
				snprintf(at, sizeof at, "%u.%u.%u.%u", ((const uint8_t *)&s4->sin_addr)[0],
				         ((const uint8_t *)&s4->sin_addr)[1], ((const uint8_t *)&s4->sin_addr)[2],
				         ((const uint8_t *)&s4->sin_addr)[3]);
			fprintf(stderr, "  -> %s %s %s %s: %s\n", at, s.tcp ? "tcp" : "udp", qn, ty,
			        hit ? "answered" : "no answer");
		}
		if (hit) {
			static uint8_t buf[65535];
			size_t len = build_reply(hit, &q, s.tcp, buf);
			r->now += 1;
			res_engine_on_reply(r->e, r->now, s.id, buf, len);
		}
		dns_msg_free(&q);
	}
}

#define CLIENT 1        /* the scenario's client */
#define FLOODER 2       /* QUERY_FLOOD's client */

/* The scenario client's next finished query; a flood's answers are dropped. */
static res_client_t *next_mine(run_t *r)
{
	res_client_t *c;
	while ((c = res_engine_next_done(r->e))) {
		if (res_client_user(c) == r)
			return c;
		res_client_free(c);
	}
	return NULL;
}

/* Background work a cache hit started (a prefetch) runs to its end,
 * answered by the ranges at this step, before the next step. */
static void drain(run_t *r)
{
	for (unsigned guard = 0; guard < 100000; guard++) {
		pump_sends(r);
		res_client_t *c;
		while ((c = res_engine_next_done(r->e)))
			res_client_free(c);
		uint64_t t = res_engine_next_timer(r->e);
		if (t == UINT64_MAX)
			break;
		if (t > r->now)
			r->now = t;
		res_engine_tick(r->e, r->now);
	}
}

/* QUERY_FLOOD: @st->value queries for random names below the entry's
 * name, from one other client, all started at once (not waited for). */
static bool flood_step(run_t *r, rpl_step_t *st)
{
	unsigned refused = 0;
	for (unsigned i = 0; i < st->value; i++) {
		char label[16];
		uint8_t name[DNS_NAME_MAX];
		size_t llen = (size_t)snprintf(label, sizeof label, "r%08x", rnd(&r->rng));
		size_t slen = dns_name_length(st->entry.qname);
		if (1 + llen + slen > DNS_NAME_MAX)
			return false;
		name[0] = (uint8_t)llen;
		memcpy(name + 1, label, llen);
		memcpy(name + 1 + llen, st->entry.qname, slen);
		if (!res_engine_resolve_src(r->e, r->now, FLOODER, name, st->entry.qtype, 0, NULL))
			refused++;
		pump_sends(r);
	}
	if (r->verbose)
		fprintf(stderr, "  flood: %u queries, %u refused\n", st->value, refused);
	return true;
}

static bool query_step(run_t *r, rpl_step_t *st)
{
	rpl_entry_t *en = &st->entry;
	uint8_t qbuf[512];
	dns_msg_builder_t b;
	dns_msg_builder_init(&b, qbuf, sizeof qbuf, sizeof qbuf);
	dns_msg_builder_header(&b, 0x1234, en->flags & (DNS_FLAG_RD | DNS_FLAG_CD | DNS_FLAG_AD));
	dns_msg_builder_question(&b, en->qname, en->qtype, DNS_CLASS_IN);
	dns_edns_write(&b, 1232, 0, en->do_bit, NULL, 0);
	size_t qlen = dns_msg_builder_finish(&b);
	dns_msg_t q;
	if (dns_msg_parse(&q, qbuf, qlen) != DNS_OK || r->nanswers >= 16) {
		dns_msg_free(&q);
		return false;
	}
	size_t len = 0;
	uint8_t *out = r->answers[r->nanswers];
	uint64_t start = r->now;
	if (res_engine_answer_cached(r->e, r->now, &q, true, out, 65535, &len)) {
		if (r->verbose)
			fprintf(stderr, "  (answered from the cache)\n");
		if (r->s.prefetch)
			drain(r);
	} else {
		res_client_t *c = res_engine_resolve_src(r->e, r->now, CLIENT, q.qname, q.qtype,
		                                         (q.flags & DNS_FLAG_CD) ? RES_Q_CD : 0, r);
		res_client_t *done = NULL;
		for (unsigned guard = 0; c && guard < 100000 && !done; guard++) {
			pump_sends(r);
			done = next_mine(r);
			if (done)
				break;
			uint64_t t = res_engine_next_timer(r->e);
			if (t == UINT64_MAX)
				break;
			if (t > r->now)
				r->now = t;
			res_engine_tick(r->e, r->now);
		}
		if (!done) {
			fprintf(stderr, "line %u: the query never finished\n", st->line);
			dns_msg_free(&q);
			return false;
		}
		len = res_client_write(done, &q, true, out, 65535);
		res_client_free(done);
	}
	r->elapsed = r->now - start;
	r->alen[r->nanswers++] = len;
	dns_msg_free(&q);
	return true;
}

/* "owner TYPE rdata" of every record of @sec, sorted, TTL left out. */
static unsigned texts(const dns_msg_t *m, int sec, char out[][1600], unsigned max)
{
	size_t n;
	const dns_msg_rr_t *rrs = dns_msg_section(m, sec, &n);
	unsigned k = 0;
	for (size_t i = 0; i < n && k < max; i++) {
		if (rrs[i].rr.type == DNS_TYPE_OPT)
			continue;
		char o[DNS_NAME_TEXT_MAX], t[16], rd[400];
		size_t rl;
		dns_name_to_text(rrs[i].rr.owner, o, sizeof o);
		for (char *c = o; *c; c++)
			*c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
		dns_rrtype_to_text(rrs[i].rr.type, t, sizeof t);
		if (dns_rdata_to_text(rrs[i].rr.type, rrs[i].rr.rdata, rrs[i].rr.rdlen, rd, sizeof rd, &rl))
			snprintf(rd, sizeof rd, "(rdata)");
		snprintf(out[k++], 1600, "%s %s %s", o, t, rd);
	}
	for (unsigned i = 1; i < k; i++)
		for (unsigned j = i; j > 0 && strcmp(out[j - 1], out[j]) > 0; j--) {
			char tmp[1600];
			memcpy(tmp, out[j], 1600);
			memcpy(out[j], out[j - 1], 1600);
			memcpy(out[j - 1], tmp, 1600);
		}
	return k;
}

static dns_err_t collect_text(void *ctx, const uint8_t *owner, const dns_rrset_t *set,
                              const dns_rrset_t *sigs)
{
	(void)ctx; (void)owner; (void)set; (void)sigs;
	return DNS_OK;
}

static bool compare_section(run_t *r, rpl_step_t *st, const dns_msg_t *got, int sec)
{
	static char want[256][1600], have[256][1600];
	/* Build the expected records as a message so both sides print alike. */
	static uint8_t buf[65535];
	dns_msg_builder_t b;
	dns_msg_builder_init(&b, buf, sizeof buf, sizeof buf);
	dns_msg_builder_header(&b, 0, 0);
	void *a[2] = {&b, &sec};
	(void)collect_text;
	res_rrlist_each(&st->entry.sec[sec], add_rrset, a);
	dns_msg_t exp;
	size_t len = dns_msg_builder_finish(&b);
	if (dns_msg_parse(&exp, buf, len) != DNS_OK) {
		dns_msg_free(&exp);
		return false;
	}
	unsigned nw = texts(&exp, sec, want, 256), nh = texts(got, sec, have, 256);
	dns_msg_free(&exp);
	bool same = nw == nh;
	for (unsigned i = 0; same && i < nw; i++)
		same = !strcmp(want[i], have[i]);
	if (!same) {
		fprintf(stderr, "line %u: %s section differs\n  expected:\n", st->line,
		        sec == 1 ? "answer" : "authority");
		for (unsigned i = 0; i < nw; i++)
			fprintf(stderr, "    %s\n", want[i]);
		fprintf(stderr, "  got:\n");
		for (unsigned i = 0; i < nh; i++)
			fprintf(stderr, "    %s\n", have[i]);
	}
	(void)r;
	return same;
}

/* The INFO-CODE of the answer's first extended DNS error, or -1. */
static int answer_ede(const dns_msg_t *m)
{
	dns_edns_t ed;
	const uint8_t *data;
	uint16_t len;
	if (!m->opt || dns_edns_parse(&m->opt->rr, &ed) != DNS_OK ||
	    !dns_edns_option_find(&ed, DNS_EDNS_EDE, &data, &len) || len < 2)
		return -1;
	return dns_get16(data);
}

static bool check_step(run_t *r, rpl_step_t *st)
{
	if (!r->nanswers) {
		fprintf(stderr, "line %u: no answer to check\n", st->line);
		return false;
	}
	dns_msg_t m;
	bool ok = dns_msg_parse(&m, r->answers[0], r->alen[0]) == DNS_OK;
	if (!ok)
		fprintf(stderr, "line %u: the answer does not parse\n", st->line);
	const uint16_t mask = DNS_FLAG_QR | DNS_FLAG_AA | DNS_FLAG_TC | DNS_FLAG_RD | DNS_FLAG_RA |
	                      DNS_FLAG_AD | DNS_FLAG_CD;
	if (ok && (dns_flags_rcode(m.flags) != st->entry.rcode || (m.flags & mask) != st->entry.flags)) {
		fprintf(stderr, "line %u: rcode/flags: expected %u/%04x, got %u/%04x\n", st->line,
		        st->entry.rcode, st->entry.flags, dns_flags_rcode(m.flags), m.flags & mask);
		ok = false;
	}
	if (ok && st->entry.ede != RPL_EDE_NONE) {
		int got = answer_ede(&m);
		if (got < 0 || (st->entry.ede >= 0 && got != st->entry.ede)) {
			fprintf(stderr, "line %u: extended error: expected %d, got %d\n", st->line,
			        st->entry.ede, got);
			ok = false;
		}
	}
	if (ok)
		ok = compare_section(r, st, &m, DNS_SEC_ANSWER);
	if (ok && st->entry.given[DNS_SEC_AUTHORITY])
		ok = compare_section(r, st, &m, DNS_SEC_AUTHORITY);
	dns_msg_free(&m);
	memmove(r->answers[0], r->answers[1], sizeof r->answers[0] * (r->nanswers - 1));
	memmove(r->alen, r->alen + 1, sizeof r->alen[0] * (r->nanswers - 1));
	r->nanswers--;
	return ok;
}

/* Root hints, trust anchors and negative trust anchors from the scenario's config. */
static bool configure(run_t *r, const char *path)
{
	char err[200] = "no memory";
	if (!r->e || res_engine_set_hints(r->e, r->s.hints, r->s.hints_len, err, sizeof err) ||
	    (r->s.anchors_len &&
	     res_engine_add_trust_anchors(r->e, r->s.anchors, r->s.anchors_len, err, sizeof err))) {
		fprintf(stderr, "%s: engine/hints/trust anchors: %s\n", path, err);
		return false;
	}
	for (unsigned i = 0; i < r->s.ninsecure; i++) {
		uint8_t zone[DNS_NAME_MAX];
		size_t len;
		const char *t = r->s.insecure[i];
		if (dns_name_from_text(zone, &len, t, strlen(t), dns_name_root) ||
		    res_engine_add_insecure(r->e, zone)) {
			fprintf(stderr, "%s: domain-insecure: bad zone %s\n", path, t);
			return false;
		}
	}
	for (unsigned i = 0; i < r->s.nforward; i++) {
		/* "ZONE IP": the forwarder's port is 53, like every server here. */
		char zt[256], ip[64];
		uint8_t zone[DNS_NAME_MAX];
		size_t len;
		struct sockaddr_storage ss;
		memset(&ss, 0, sizeof ss);
		struct sockaddr_in *in = (struct sockaddr_in *)(void *)&ss;
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)(void *)&ss;
		socklen_t sl = 0;
		if (sscanf(r->s.forward[i], "%255s %63s", zt, ip) == 2 &&
		    !dns_name_from_text(zone, &len, zt, strlen(zt), dns_name_root)) {
			if (inet_pton(AF_INET, ip, &in->sin_addr) == 1) {
				in->sin_family = AF_INET, in->sin_port = htons(53), sl = sizeof *in;
			} else if (inet_pton(AF_INET6, ip, &in6->sin6_addr) == 1) {
				in6->sin6_family = AF_INET6, in6->sin6_port = htons(53), sl = sizeof *in6;
			}
		}
		if (!sl || res_engine_add_forward(r->e, zone, (struct sockaddr *)&ss, sl)) {
			fprintf(stderr, "%s: forward: want \"ZONE IP\", got %s\n", path, r->s.forward[i]);
			return false;
		}
	}
	return true;
}

/* CHECK_UPSTREAM / CHECK_VERIFICATIONS: at most @max since the previous check. */
static bool check_count(const rpl_step_t *st, const char *what, uint64_t total, uint64_t *mark)
{
	uint64_t n = total - *mark;
	*mark = total;
	if (n <= st->value)
		return true;
	fprintf(stderr, "line %u: %llu %s, at most %u expected\n", st->line, (unsigned long long)n,
	        what, st->value);
	return false;
}

int main(int argc, char **argv)
{
	run_t *r = calloc(1, sizeof *r);
	if (!r || argc < 2) {
		fprintf(stderr, "usage: resolver-replay FILE.rpl [-v]\n");
		return 2;
	}
	r->verbose = argc > 2 && !strcmp(argv[2], "-v");
	if (!rpl_load(argv[1], &r->s))
		return 2;
	r->rng = 0x2545F491;
	res_config_t cfg = {
		.cache = {.max_bytes = r->s.cache_size, .max_ttl = r->s.max_ttl, .min_ttl = r->s.min_ttl,
		          .stale_s = r->s.stale_s},
		.no_qname_minimisation = !r->s.qname_min, .use_0x20 = r->s.use_0x20,
		.prefetch = r->s.prefetch, .no_aggressive_nsec = r->s.no_aggressive,
		.max_queries = r->s.max_queries, .max_chain = r->s.max_chain,
		.max_ns_lookups = r->s.max_ns_lookups, .max_validations = r->s.max_validations,
		.max_fetches = r->s.max_fetches, .max_client_queries = r->s.max_client_queries,
		.max_rrset_rrs = r->s.max_rrset_rrs, .max_rrset_bytes = r->s.max_rrset_bytes,
		.random = rnd, .random_ctx = &r->rng,
	};
	r->now = 1000000;
	/* The validator's clock: val-override-date at the start, moving with the fake clock. */
	if (r->s.override_date)
		cfg.clock_offset_ms = r->s.override_date * 1000 - (int64_t)r->now;
	r->e = res_engine_new(&cfg);
	if (!r->e || !configure(r, argv[1]))
		return 2;
	for (unsigned i = 0; i < r->s.nsteps; i++) {
		rpl_step_t *st = &r->s.steps[i];
		r->step = st->n;
		if (r->verbose)
			fprintf(stderr, "STEP %u (line %u)\n", st->n, st->line);
		bool ok = true;
		switch (st->kind) {
		case RPL_QUERY: ok = query_step(r, st); break;
		case RPL_CHECK_ANSWER: ok = check_step(r, st); break;
		case RPL_TIME_PASSES:
			r->now += (uint64_t)st->value * 1000;
			res_engine_tick(r->e, r->now);
			break;
		case RPL_CHECK_UPSTREAM:
		case RPL_CHECK_VERIFICATIONS:
		case RPL_CHECK_RESOLVED: {
			res_stats_t stats;
			res_engine_stats(r->e, &stats);
			ok = st->kind == RPL_CHECK_UPSTREAM
			     ? check_count(st, "upstream queries", stats.upstream_queries, &r->upstream_mark)
			     : st->kind == RPL_CHECK_RESOLVED
			     ? check_count(st, "client queries past the cache", stats.client_queries,
			                   &r->resolved_mark)
			     : check_count(st, "signature verifications", stats.sig_verifications,
			                   &r->verify_mark);
			break;
		}
		case RPL_QUERY_FLOOD: ok = flood_step(r, st); break;
		case RPL_CHECK_WAITING: {
			res_stats_t stats;
			res_engine_stats(r->e, &stats);
			ok = stats.clients <= st->value;
			if (!ok)
				fprintf(stderr, "line %u: %zu client queries waiting, at most %u expected\n",
				        st->line, stats.clients, st->value);
			break;
		}
		case RPL_CHECK_ELAPSED:
			ok = r->elapsed <= st->value;
			if (!ok)
				fprintf(stderr, "line %u: the query took %llu ms of fake time, at most %u expected\n",
				        st->line, (unsigned long long)r->elapsed, st->value);
			break;
		}
		if (!ok)
			r->failures++;
	}
	printf("%s:%s: %s\n", argv[1], r->s.title, r->failures ? "FAILED" : "ok");
	int rc = r->failures ? 1 : 0;
	res_engine_free(r->e);
	rpl_free(&r->s);
	free(r);
	return rc;
}
