/*
 * rpl.c - the .rpl subset parser (rpl.h).  Line oriented; records are
 * parsed with dns-core's zone-file parser (origin ".", default TTL 3600).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dns/msg.h"
#include "dns/rrtype.h"
#include "dns/zonefile.h"
#include "rpl.h"

typedef struct pstate {
	const char *path;
	unsigned line;
	rpl_t *s;
	rpl_range_t *range;        /* inside RANGE_BEGIN */
	rpl_entry_t *entry;        /* inside ENTRY_BEGIN */
	int section;
	bool in_scenario;
	char err[300];
} pstate_t;

static bool fail(pstate_t *p, const char *why)
{
	if (!p->err[0])
		snprintf(p->err, sizeof p->err, "%s:%u: %s", p->path, p->line, why);
	return false;
}

static bool parse_addr(const char *text, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof *ss);
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, text, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(53);
		return true;
	}
	if (inet_pton(AF_INET6, text, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(53);
		return true;
	}
	return false;
}

static dns_err_t on_rr(void *ctx, const dns_rr_t *rr, const dns_zf_pos_t *pos)
{
	(void)pos;
	return res_rrlist_add(ctx, rr);
}

static void on_zf_error(void *ctx, const dns_zf_pos_t *pos, const char *msg)
{
	(void)pos;
	pstate_t *p = ctx;
	if (!dns_zf_is_warning(msg))
		fail(p, msg);
}

typedef struct zfctx {
	pstate_t *p;
	res_rrlist_t *l;
} zfctx_t;

static dns_err_t on_rr2(void *ctx, const dns_rr_t *rr, const dns_zf_pos_t *pos)
{
	return on_rr(((zfctx_t *)ctx)->l, rr, pos);
}

static void on_zf_error2(void *ctx, const dns_zf_pos_t *pos, const char *msg)
{
	on_zf_error(((zfctx_t *)ctx)->p, pos, msg);
}

static bool record_line(pstate_t *p, const char *line)
{
	rpl_entry_t *e = p->entry;
	if (p->section == DNS_SEC_QUESTION) {
		char name[300], cls[16], type[32];
		if (sscanf(line, "%299s %15s %31s", name, cls, type) != 3)
			return fail(p, "question: NAME IN TYPE");
		size_t len;
		if (dns_name_from_text(e->qname, &len, name, strlen(name), dns_name_root) ||
		    dns_rrtype_from_text(type, strlen(type), &e->qtype))
			return fail(p, "bad question");
		e->has_question = true;
		return true;
	}
	zfctx_t z = {p, &e->sec[p->section]};
	dns_zf_options_t opt = {.origin = dns_name_root, .default_ttl = 3600, .no_include = true};
	dns_zonefile_parse_buffer(p->path, line, strlen(line), &opt, on_rr2, on_zf_error2, &z);
	return !p->err[0];
}

static bool entry_line(pstate_t *p, char *line)
{
	rpl_entry_t *e = p->entry;
	char *save, *tok = strtok_r(line, " \t", &save);
	if (!strcmp(tok, "MATCH")) {
		while ((tok = strtok_r(NULL, " \t", &save))) {
			if (!strcmp(tok, "opcode")) e->match |= RPL_M_OPCODE;
			else if (!strcmp(tok, "qtype")) e->match |= RPL_M_QTYPE;
			else if (!strcmp(tok, "qname")) e->match |= RPL_M_QNAME;
			else if (!strcmp(tok, "subdomain")) e->match |= RPL_M_SUBDOMAIN;
			else if (!strcmp(tok, "all")) e->match |= RPL_M_ALL;
			else if (!strcmp(tok, "TCP")) e->match |= RPL_M_TCP;
			else if (!strcmp(tok, "UDP")) e->match |= RPL_M_UDP;
			else if (!strcmp(tok, "RD")) e->match |= RPL_M_RD;
			else if (!strcmp(tok, "noRD")) e->match |= RPL_M_NORD;
			else if (!strcmp(tok, "ede=any")) e->ede = RPL_EDE_ANY;
			else if (!strncmp(tok, "ede=", 4)) e->ede = atoi(tok + 4);
			else if (strcmp(tok, "flags") && strcmp(tok, "question") && strcmp(tok, "answer"))
				return fail(p, "unknown MATCH keyword");
		}
		return true;
	}
	if (!strcmp(tok, "ADJUST")) {
		/* replies always copy the query's ID and question */
		while ((tok = strtok_r(NULL, " \t", &save)))
			if (!strcmp(tok, "lower_question"))
				e->lower_question = true;
		return true;
	}
	if (!strcmp(tok, "REPLY")) {
		static const struct { const char *n; uint16_t f; } fl[] = {
			{"QR", DNS_FLAG_QR}, {"AA", DNS_FLAG_AA}, {"TC", DNS_FLAG_TC}, {"RD", DNS_FLAG_RD},
			{"RA", DNS_FLAG_RA}, {"AD", DNS_FLAG_AD}, {"CD", DNS_FLAG_CD}};
		static const char *rc[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",
		                           "REFUSED", "YXDOMAIN"};
		while ((tok = strtok_r(NULL, " \t", &save))) {
			bool ok = false;
			for (size_t i = 0; i < sizeof fl / sizeof fl[0] && !ok; i++)
				if (!strcmp(tok, fl[i].n))
					e->flags |= fl[i].f, ok = true;
			for (size_t i = 0; i < sizeof rc / sizeof rc[0] && !ok; i++)
				if (!strcmp(tok, rc[i]))
					e->rcode = (unsigned)i, ok = true;
			if (!strcmp(tok, "DO"))
				e->do_bit = ok = true;
			if (!ok)
				return fail(p, "unknown REPLY keyword");
		}
		return true;
	}
	if (!strcmp(tok, "SECTION")) {
		tok = strtok_r(NULL, " \t", &save);
		static const char *names[] = {"QUESTION", "ANSWER", "AUTHORITY", "ADDITIONAL"};
		for (int i = 0; i < 4; i++)
			if (tok && !strcmp(tok, names[i])) {
				p->section = i;
				e->given[i] = true;
				return true;
			}
		return fail(p, "unknown SECTION");
	}
	return fail(p, "unexpected line in an entry");
}

static rpl_entry_t *new_entry(pstate_t *p)
{
	rpl_entry_t *e;
	if (p->range) {
		rpl_range_t *r = p->range;
		rpl_entry_t *n = realloc(r->entries, (r->nentries + 1) * sizeof *n);
		if (!n)
			return NULL;
		r->entries = n;
		e = &r->entries[r->nentries++];
	} else {
		if (!p->s->nsteps)
			return NULL;
		e = &p->s->steps[p->s->nsteps - 1].entry;
	}
	memset(e, 0, sizeof *e);
	e->ede = RPL_EDE_NONE;
	e->line = p->line;
	return e;
}

static bool step_line(pstate_t *p, char *line)
{
	rpl_t *s = p->s;
	rpl_step_t *n = realloc(s->steps, (s->nsteps + 1) * sizeof *n);
	if (!n)
		return fail(p, "out of memory");
	s->steps = n;
	rpl_step_t *st = &s->steps[s->nsteps++];
	memset(st, 0, sizeof *st);
	st->line = p->line;
	char kind[40] = "", a[40] = "";
	unsigned v = 0;
	int k = sscanf(line, "STEP %u %39s %39s %u", &st->n, kind, a, &v);
	if (k < 2)
		return fail(p, "STEP N KIND");
	if (!strcmp(kind, "QUERY")) st->kind = RPL_QUERY;
	else if (!strcmp(kind, "CHECK_ANSWER")) st->kind = RPL_CHECK_ANSWER;
	else if (!strcmp(kind, "TIME_PASSES") && k == 4 && !strcmp(a, "ELAPSE")) st->kind = RPL_TIME_PASSES;
	else if (!strcmp(kind, "CHECK_UPSTREAM") && k == 4 && !strcmp(a, "MAX")) st->kind = RPL_CHECK_UPSTREAM;
	else if (!strcmp(kind, "CHECK_VERIFICATIONS") && k == 4 && !strcmp(a, "MAX"))
		st->kind = RPL_CHECK_VERIFICATIONS;
	else if (!strcmp(kind, "CHECK_ELAPSED") && k == 4 && !strcmp(a, "MAX")) st->kind = RPL_CHECK_ELAPSED;
	else if (!strcmp(kind, "CHECK_RESOLVED") && k == 4 && !strcmp(a, "MAX")) st->kind = RPL_CHECK_RESOLVED;
	else if (!strcmp(kind, "CHECK_WAITING") && k == 4 && !strcmp(a, "MAX")) st->kind = RPL_CHECK_WAITING;
	else if (!strcmp(kind, "QUERY_FLOOD") && k == 4 && !strcmp(a, "COUNT")) st->kind = RPL_QUERY_FLOOD;
	else return fail(p, "unsupported STEP");
	st->value = v;
	return true;
}

/* "YYYYMMDDHHMMSS" (UTC) as UNIX seconds, or -1. */
static int64_t parse_date(const char *t)
{
	int y, mo, d, h, mi, sec;
	if (strlen(t) != 14 || sscanf(t, "%4d%2d%2d%2d%2d%2d", &y, &mo, &d, &h, &mi, &sec) != 6 ||
	    y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31)
		return -1;
	/* days from the civil date (proleptic Gregorian), no time zone involved */
	y -= mo <= 2;
	int64_t era = y / 400, yoe = y - era * 400;
	int64_t doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t days = era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
	return days * 86400 + h * 3600 + mi * 60 + sec;
}

/* Quoted settings of testbound: trust-anchor, val-override-date, domain-insecure. */
static bool quoted_config(pstate_t *p, const char *key, const char *val)
{
	rpl_t *s = p->s;
	if (!strcmp(key, "trust-anchor")) {
		int n = snprintf(s->anchors + s->anchors_len, sizeof s->anchors - s->anchors_len,
		                 "%s\n", val);
		if (n < 0 || (size_t)n >= sizeof s->anchors - s->anchors_len)
			return fail(p, "too many trust anchors");
		s->anchors_len += (size_t)n;
	} else if (!strcmp(key, "val-override-date")) {
		if ((s->override_date = parse_date(val)) < 0)
			return fail(p, "val-override-date: YYYYMMDDHHMMSS");
	} else if (!strcmp(key, "domain-insecure")) {
		if (s->ninsecure >= 8 || strlen(val) >= sizeof s->insecure[0])
			return fail(p, "domain-insecure: at most 8 zones");
		snprintf(s->insecure[s->ninsecure++], sizeof s->insecure[0], "%s", val);
	} else if (!strcmp(key, "forward")) {
		if (s->nforward >= 8 || strlen(val) >= sizeof s->forward[0])
			return fail(p, "forward: at most 8");
		snprintf(s->forward[s->nforward++], sizeof s->forward[0], "%s", val);
	}
	return true;
}

static bool config_line(pstate_t *p, const char *line)
{
	rpl_t *s = p->s;
	char key[64], val[200], quoted[1024];
	if (sscanf(line, " %63[^:]: \"%1023[^\"]\"", key, quoted) == 2)
		return quoted_config(p, key, quoted);
	if (sscanf(line, " %63[^:]: %199s", key, val) != 2)
		return true; /* "server:", "stub-zone:" and the like */
	if (!strcmp(key, "qname-minimisation")) s->qname_min = !strcmp(val, "yes");
	else if (!strcmp(key, "max-queries")) s->max_queries = (unsigned)atoi(val);
	else if (!strcmp(key, "max-chain")) s->max_chain = (unsigned)atoi(val);
	else if (!strcmp(key, "max-ns-lookups")) s->max_ns_lookups = (unsigned)atoi(val);
	else if (!strcmp(key, "max-ttl")) s->max_ttl = (unsigned)atoi(val);
	else if (!strcmp(key, "min-ttl")) s->min_ttl = (unsigned)atoi(val);
	else if (!strcmp(key, "cache-size")) s->cache_size = (size_t)atol(val);
	else if (!strcmp(key, "max-validations")) s->max_validations = (unsigned)atoi(val);
	else if (!strcmp(key, "max-rrset-records")) s->max_rrset_rrs = (unsigned)atoi(val);
	else if (!strcmp(key, "max-rrset-bytes")) s->max_rrset_bytes = (unsigned)atoi(val);
	else if (!strcmp(key, "max-fetches")) s->max_fetches = (unsigned)atoi(val);
	else if (!strcmp(key, "use-caps-for-id")) s->use_0x20 = !strcmp(val, "yes");
	else if (!strcmp(key, "prefetch")) s->prefetch = !strcmp(val, "yes");
	else if (!strcmp(key, "aggressive-nsec")) s->no_aggressive = !strcmp(val, "no");
	else if (!strcmp(key, "serve-expired")) s->stale_s = !strcmp(val, "yes") ? 86400 : 0;
	else if (!strcmp(key, "serve-expired-ttl")) s->stale_s = (unsigned)atoi(val);
	else if (!strcmp(key, "max-client-queries")) s->max_client_queries = (unsigned)atoi(val);
	else if (!strcmp(key, "stub-addr")) {
		struct sockaddr_storage ss;
		if (!parse_addr(val, &ss))
			return fail(p, "stub-addr: an IP address");
		unsigned i = 0;
		for (const char *c = s->hints; (c = strstr(c, " NS ")); c++)
			i++;
		s->hints_len += (size_t)snprintf(s->hints + s->hints_len, sizeof s->hints - s->hints_len,
		                                 ". NS hint%u.root-servers.net.\nhint%u.root-servers.net. %s %s\n",
		                                 i, i, ss.ss_family == AF_INET ? "A" : "AAAA", val);
	}
	return true;
}

static bool line_in(pstate_t *p, char *line)
{
	while (*line && isspace((unsigned char)*line))
		line++;
	size_t l = strlen(line);
	while (l && isspace((unsigned char)line[l - 1]))
		line[--l] = 0;
	if (!*line || *line == ';' || *line == '#')
		return true;
	if (p->entry) {
		if (!strcmp(line, "ENTRY_END")) {
			p->entry = NULL;
			return true;
		}
		if (!strncmp(line, "MATCH", 5) || !strncmp(line, "ADJUST", 6) ||
		    !strncmp(line, "REPLY", 5) || !strncmp(line, "SECTION", 7))
			return entry_line(p, line);
		return record_line(p, line);
	}
	if (!p->in_scenario) {
		if (!strncmp(line, "SCENARIO_BEGIN", 14)) {
			p->in_scenario = true;
			snprintf(p->s->title, sizeof p->s->title, "%s", line + 14);
			return true;
		}
		return config_line(p, line);
	}
	if (!strncmp(line, "RANGE_BEGIN", 11)) {
		rpl_t *s = p->s;
		rpl_range_t *n = realloc(s->ranges, (s->nranges + 1) * sizeof *n);
		if (!n)
			return fail(p, "out of memory");
		s->ranges = n;
		p->range = &s->ranges[s->nranges++];
		memset(p->range, 0, sizeof *p->range);
		if (sscanf(line, "RANGE_BEGIN %u %u", &p->range->from, &p->range->to) != 2)
			return fail(p, "RANGE_BEGIN FROM TO");
		return true;
	}
	if (!strcmp(line, "RANGE_END")) {
		p->range = NULL;
		return true;
	}
	if (!strncmp(line, "ADDRESS", 7) && p->range) {
		if (p->range->naddr >= 8 || !parse_addr(line + 8, &p->range->addr[p->range->naddr++]))
			return fail(p, "ADDRESS: an IP address (8 at most)");
		return true;
	}
	if (!strcmp(line, "ENTRY_BEGIN")) {
		p->entry = new_entry(p);
		p->section = DNS_SEC_QUESTION;
		return p->entry ? true : fail(p, "ENTRY outside a RANGE or STEP");
	}
	if (!strncmp(line, "STEP", 4))
		return step_line(p, line);
	if (!strcmp(line, "SCENARIO_END") || !strcmp(line, "CONFIG_END"))
		return true;
	return fail(p, "unexpected line");
}

bool rpl_load(const char *path, rpl_t *s)
{
	memset(s, 0, sizeof *s);
	s->qname_min = true;
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "%s: cannot open\n", path);
		return false;
	}
	pstate_t p = {.path = path, .s = s};
	char buf[4096];
	bool ok = true;
	while (ok && fgets(buf, sizeof buf, f)) {
		p.line++;
		ok = line_in(&p, buf);
	}
	fclose(f);
	if (ok && !s->hints_len)
		ok = fail(&p, "no stub-addr: the scenario needs root hints");
	if (!ok)
		fprintf(stderr, "%s\n", p.err);
	return ok;
}

static void entry_free(rpl_entry_t *e)
{
	for (int i = 0; i < 4; i++)
		res_rrlist_free(&e->sec[i]);
}

void rpl_free(rpl_t *s)
{
	for (unsigned i = 0; i < s->nranges; i++) {
		for (unsigned j = 0; j < s->ranges[i].nentries; j++)
			entry_free(&s->ranges[i].entries[j]);
		free(s->ranges[i].entries);
	}
	for (unsigned i = 0; i < s->nsteps; i++)
		entry_free(&s->steps[i].entry);
	free(s->ranges);
	free(s->steps);
}
