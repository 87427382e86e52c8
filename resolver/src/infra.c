/*
 * infra.c - infrastructure cache (infra.h).
 *
 * A small open hash table keyed by (address, zone) where zone is empty
 * for the per-address entry.  Entries are fixed size; when the table is
 * full the whole table is cleared (a crude but bounded policy: losing RTT
 * estimates costs a few slower queries, never correctness).
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "dns/name.h"
#include "resolver/infra.h"

#define RTO_MIN_MS 50
#define RTO_MAX_MS 3000
#define RTO_UNKNOWN_MS 400   /* first query to a server */
#define BACKOFF_MAX_MS 120000

typedef struct ientry {
	bool used;
	uint8_t addr[18];        /* family-tagged address + port */
	uint8_t alen;
	uint32_t zone_hash;      /* 0: the per-address entry */
	uint64_t lame_until;
	res_server_info_t info;
	uint64_t touched;
} ientry_t;

struct res_infra {
	ientry_t *tab;
	size_t cap;              /* power of two */
	size_t used;
};

res_infra_t *res_infra_new(size_t max_entries)
{
	res_infra_t *in = calloc(1, sizeof *in);
	if (!in)
		return NULL;
	size_t cap = 256;
	while (cap < max_entries * 2 && cap < (1u << 22))
		cap *= 2;
	in->tab = calloc(cap, sizeof *in->tab);
	if (!in->tab) {
		free(in);
		return NULL;
	}
	in->cap = cap;
	return in;
}

void res_infra_free(res_infra_t *in)
{
	if (!in)
		return;
	free(in->tab);
	free(in);
}

static size_t addr_key(const struct sockaddr *sa, uint8_t out[18])
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
		out[0] = 4;
		memcpy(out + 1, &s4->sin_addr, 4);
		memcpy(out + 5, &s4->sin_port, 2);
		return 7;
	}
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
	out[0] = 6;
	memcpy(out + 1, &s6->sin6_addr, 16);
	memcpy(out + 17, &s6->sin6_port, 1); /* low byte; the table tolerates collisions */
	return 18;
}

bool res_addr_equal(const struct sockaddr *a, const struct sockaddr *b)
{
	uint8_t ka[18], kb[18];
	if (a->sa_family != b->sa_family)
		return false;
	size_t la = addr_key(a, ka), lb = addr_key(b, kb);
	if (a->sa_family == AF_INET6 &&
	    ((const struct sockaddr_in6 *)a)->sin6_port != ((const struct sockaddr_in6 *)b)->sin6_port)
		return false;
	return la == lb && memcmp(ka, kb, la) == 0;
}

static uint32_t hash_bytes(const uint8_t *p, size_t n, uint32_t h)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

/* The entry for (sa, zone_hash); created (possibly clearing the table) when @create. */
static ientry_t *find(res_infra_t *in, const struct sockaddr *sa, uint32_t zh, bool create)
{
	uint8_t k[18];
	size_t kl = addr_key(sa, k);
	size_t i = hash_bytes(k, kl, 2166136261u ^ zh) & (in->cap - 1);
	for (size_t n = 0; n < in->cap; n++, i = (i + 1) & (in->cap - 1)) {
		ientry_t *e = &in->tab[i];
		if (!e->used) {
			if (!create)
				return NULL;
			if (in->used * 4 >= in->cap * 3) {
				memset(in->tab, 0, in->cap * sizeof *in->tab);
				in->used = 0;
				return find(in, sa, zh, true);
			}
			e->used = true;
			memcpy(e->addr, k, kl);
			e->alen = (uint8_t)kl;
			e->zone_hash = zh;
			in->used++;
			return e;
		}
		if (e->zone_hash == zh && e->alen == kl && memcmp(e->addr, k, kl) == 0)
			return e;
	}
	return NULL;
}

void res_infra_get(res_infra_t *in, const struct sockaddr *sa, res_server_info_t *out)
{
	ientry_t *e = find(in, sa, 0, false);
	if (e)
		*out = e->info;
	else
		memset(out, 0, sizeof *out);
}

uint32_t res_infra_rto(res_infra_t *in, const struct sockaddr *sa)
{
	ientry_t *e = find(in, sa, 0, false);
	if (!e || !e->info.srtt_ms)
		return RTO_UNKNOWN_MS;
	uint32_t rto = e->info.srtt_ms + 4 * e->info.rttvar_ms;
	/* Each consecutive timeout doubles it (RFC 6298 §5.5). */
	for (uint32_t i = 0; i < e->info.timeouts && rto < RTO_MAX_MS; i++)
		rto *= 2;
	return rto < RTO_MIN_MS ? RTO_MIN_MS : rto > RTO_MAX_MS ? RTO_MAX_MS : rto;
}

void res_infra_rtt(res_infra_t *in, uint64_t now, const struct sockaddr *sa, uint32_t rtt_ms)
{
	ientry_t *e = find(in, sa, 0, true);
	if (!e)
		return;
	res_server_info_t *i = &e->info;
	if (rtt_ms == 0)
		rtt_ms = 1;
	if (!i->srtt_ms) {
		i->srtt_ms = rtt_ms;
		i->rttvar_ms = rtt_ms / 2;
	} else {
		uint32_t d = rtt_ms > i->srtt_ms ? rtt_ms - i->srtt_ms : i->srtt_ms - rtt_ms;
		i->rttvar_ms = (3 * i->rttvar_ms + d) / 4;
		i->srtt_ms = (7 * i->srtt_ms + rtt_ms) / 8;
		if (!i->srtt_ms)
			i->srtt_ms = 1;
	}
	i->timeouts = 0;
	i->backoff_until = 0;
	e->touched = now;
}

void res_infra_timeout(res_infra_t *in, uint64_t now, const struct sockaddr *sa,
                       bool unreachable)
{
	ientry_t *e = find(in, sa, 0, true);
	if (!e)
		return;
	res_server_info_t *i = &e->info;
	i->timeouts++;
	if (!i->srtt_ms)
		i->srtt_ms = RTO_UNKNOWN_MS;
	/* After two misses in a row, back off exponentially (1 s, 2 s, ... 120 s). */
	if (unreachable || i->timeouts >= 2) {
		uint64_t ms = 1000;
		for (uint32_t k = 2; k < i->timeouts && ms < BACKOFF_MAX_MS; k++)
			ms *= 2;
		if (ms > BACKOFF_MAX_MS)
			ms = BACKOFF_MAX_MS;
		i->backoff_until = now + ms;
	}
	e->touched = now;
}

void res_infra_set_no_edns(res_infra_t *in, uint64_t now, const struct sockaddr *sa)
{
	ientry_t *e = find(in, sa, 0, true);
	if (e) {
		e->info.no_edns = true;
		e->touched = now;
	}
}

static uint32_t zone_hash(const uint8_t *zone)
{
	uint32_t h = dns_name_hash(zone);
	return h ? h : 1;
}

void res_infra_set_lame(res_infra_t *in, uint64_t now, const struct sockaddr *sa,
                        const uint8_t *zone, uint32_t ttl_s)
{
	ientry_t *e = find(in, sa, zone_hash(zone), true);
	if (e)
		e->lame_until = now + (uint64_t)ttl_s * 1000;
}

bool res_infra_is_lame(res_infra_t *in, uint64_t now, const struct sockaddr *sa,
                       const uint8_t *zone)
{
	ientry_t *e = find(in, sa, zone_hash(zone), false);
	return e && e->lame_until > now;
}
