/*
 * aggr.c - aggressive use of DNSSEC-validated cache (RFC 8198): the
 * NSEC/NSEC3 records of secure negative answers are kept per zone, and a
 * later question they already prove absent (NXDOMAIN, with no wildcard,
 * or NODATA) is answered from them without asking upstream, which is
 * what keeps a random-subdomain flood against a signed zone off its
 * servers.  The proof itself is decided by dns-core's dns_denial_*; this
 * file only keeps the records and picks the ones an answer needs.
 *
 * Bounded: AGGR_ZONES zones of at most AGGR_RECS RRsets each (the least
 * recently used zone, and a zone's soonest-expiring record, give way), each
 * kept RRset (with its RRSIGs) at most AGGR_BLOB_MAX bytes: at most
 * 64 x 17 x 4 KiB, whatever upstream sends.
 * Records live no longer than their TTL nor the zone's negative TTL
 * (RFC 8198 §5.4).
 */
#include <stdlib.h>
#include <string.h>

#include "aggr.h"
#include "dns/name.h"
#include "dns/rrtype.h"

#define AGGR_ZONES 64
#define AGGR_RECS 16
#define AGGR_RRS 64          /* denial RRs handed to one proof */
#define AGGR_BLOB_MAX 4096   /* bytes of one kept RRset with its RRSIGs */

typedef struct arec {
	uint8_t *blob;           /* one packed authority entry (result.h): owner, set, sigs */
	size_t len;
	const uint8_t *owner;    /* inside blob */
	dns_rrset_t set;         /* data inside blob */
	uint64_t expire;
} arec_t;

typedef struct azone {
	uint8_t name[DNS_NAME_MAX];
	bool used;
	uint8_t *soa;            /* packed SOA entry (with RRSIGs) */
	size_t soa_len;
	uint64_t soa_expire, touched;
	arec_t recs[AGGR_RECS];
	unsigned n;
} azone_t;

struct res_aggr {
	azone_t zones[AGGR_ZONES];
	uint64_t clock;          /* LRU order */
};

res_aggr_t *res_aggr_new(void) { return calloc(1, sizeof(res_aggr_t)); }

static void rec_clear(arec_t *r)
{
	free(r->blob);
	memset(r, 0, sizeof *r);
}

static void zone_clear(azone_t *z)
{
	for (unsigned i = 0; i < z->n; i++)
		rec_clear(&z->recs[i]);
	free(z->soa);
	memset(z, 0, sizeof *z);
}

void res_aggr_free(res_aggr_t *a)
{
	if (!a)
		return;
	for (unsigned i = 0; i < AGGR_ZONES; i++)
		zone_clear(&a->zones[i]);
	free(a);
}

/* One RRset (with its RRSIGs) packed as a result's authority entry; NULL
 * when it is bigger than AGGR_BLOB_MAX (a normal one is a few hundred). */
static uint8_t *pack(const uint8_t *owner, const dns_rrset_t *set, const dns_rrset_t *sigs,
                     size_t *len)
{
	res_result_t t;
	res_result_init(&t, NULL, 0);
	if (res_result_add(&t, 1, owner, set, sigs) != DNS_OK) {
		res_result_free(&t);
		return NULL;
	}
	uint8_t *p = t.sec[1].len <= AGGR_BLOB_MAX ? malloc(t.sec[1].len) : NULL;
	if (p) {
		memcpy(p, t.sec[1].p, t.sec[1].len);
		*len = t.sec[1].len;
	}
	res_result_free(&t);
	return p;
}

static azone_t *zone_get(res_aggr_t *a, const uint8_t *zone)
{
	azone_t *victim = &a->zones[0];
	for (unsigned i = 0; i < AGGR_ZONES; i++) {
		azone_t *z = &a->zones[i];
		if (z->used && dns_name_equal(z->name, zone))
			return z;
		if (!z->used || (victim->used && z->touched < victim->touched))
			victim = z;
	}
	zone_clear(victim);
	dns_name_copy(victim->name, zone);
	victim->used = true;
	return victim;
}

static void add_rec(azone_t *z, uint64_t now, const uint8_t *owner, const dns_rrset_t *set,
                    const dns_rrset_t *sigs, uint32_t ttl)
{
	arec_t *slot = NULL;
	for (unsigned i = 0; i < z->n && !slot; i++)
		if (z->recs[i].set.type == set->type && dns_name_equal(z->recs[i].owner, owner))
			slot = &z->recs[i];
	if (!slot && z->n < AGGR_RECS)
		slot = &z->recs[z->n++];
	for (unsigned i = 0; i < z->n && !slot; i++)
		if (!slot || z->recs[i].expire < slot->expire)
			slot = &z->recs[i];
	rec_clear(slot);
	slot->blob = pack(owner, set, sigs, &slot->len);
	if (!slot->blob) {
		*slot = z->recs[--z->n];
		memset(&z->recs[z->n], 0, sizeof z->recs[z->n]);
		return;
	}
	/* Point into the blob (entry layout in result.c). */
	res_result_t view;
	res_result_init(&view, NULL, 0);
	view.sec[1] = (res_rbuf_t){.p = slot->blob, .len = slot->len, .cap = slot->len};
	size_t pos = 0;
	dns_rrset_t s2;
	(void)res_result_next(&view, 1, &pos, &slot->owner, &slot->set, &s2);
	slot->expire = now + (uint64_t)(set->ttl < ttl ? set->ttl : ttl) * 1000;
}

void res_aggr_learn(res_aggr_t *a, uint64_t now, const res_result_t *res)
{
	size_t pos = 0;
	const uint8_t *o, *zone = NULL;
	dns_rrset_t set, sigs, soa = {0}, soa_sigs = {0};
	while (res_result_next(res, 1, &pos, &o, &set, &sigs))
		if (set.type == DNS_TYPE_SOA) {
			zone = o;
			soa = set;
			soa_sigs = sigs;
		}
	if (!zone || !soa.ttl)
		return;
	azone_t *z = zone_get(a, zone);
	z->touched = ++a->clock;
	free(z->soa);
	z->soa = pack(zone, &soa, &soa_sigs, &z->soa_len);
	z->soa_expire = z->soa ? now + (uint64_t)soa.ttl * 1000 : 0;
	pos = 0;
	while (res_result_next(res, 1, &pos, &o, &set, &sigs))
		if ((set.type == DNS_TYPE_NSEC || set.type == DNS_TYPE_NSEC3) && set.count &&
		    dns_name_is_subdomain(o, zone))
			add_rec(z, now, o, &set, &sigs, soa.ttl);
}

/* The denial RRs of the records in @use (a bit per record). */
static size_t gather(const azone_t *z, uint32_t use, dns_denial_rr_t *rrs)
{
	size_t n = 0;
	for (unsigned i = 0; i < z->n; i++) {
		if (!(use & (1u << i)))
			continue;
		const dns_rrset_t *s = &z->recs[i].set;
		for (const uint8_t *rd = dns_rrset_first(s); rd && n < AGGR_RRS; rd = dns_rrset_next(s, rd))
			rrs[n++] = (dns_denial_rr_t){z->recs[i].owner, s->type, dns_rrset_rdata(rd),
			                             dns_rrset_rdlen(rd)};
	}
	return n;
}

static bool proves(const azone_t *z, uint32_t use, const uint8_t *qname, uint16_t qtype, bool nx,
                   unsigned *hashes)
{
	dns_denial_rr_t rrs[AGGR_RRS];
	size_t n = gather(z, use, rrs);
	if (!n)
		return false;
	dns_denial_t d = nx ? dns_denial_nxdomain(rrs, n, z->name, qname, hashes)
	                    : dns_denial_nodata(rrs, n, z->name, qname, qtype, hashes);
	return d == DNS_DENIAL_PROVEN;
}

static bool cut_bits(const uint8_t *bm, size_t bmlen)
{
	return dns_nsec_bitmap_has(bm, bmlen, DNS_TYPE_DNAME) ||
	       (dns_nsec_bitmap_has(bm, bmlen, DNS_TYPE_NS) &&
	        !dns_nsec_bitmap_has(bm, bmlen, DNS_TYPE_SOA));
}

/* Is @r the NSEC3 of a name between @qname and the apex of @zone? */
static bool nsec3_of_ancestor(const arec_t *r, const dns_nsec3_t *n3, const uint8_t *qname,
                              const uint8_t *zone)
{
	uint8_t want[DNS_NSEC3_HASH_MAX], h[DNS_NSEC3_HASH_MAX];
	if (!dns_nsec3_owner_hash(r->owner, want))
		return true;  /* cannot tell: assume the worst */
	for (const uint8_t *a = qname; a && dns_name_is_subdomain(a, zone); a = dns_name_parent(a)) {
		if (dns_nsec3_hash(a, n3->salt, n3->salt_len, n3->iterations, h) != DNS_OK)
			return true;
		if (!memcmp(h, want, sizeof h))
			return true;
	}
	return false;
}

/* A record at a zone cut (NS without SOA) or a DNAME, at @qname or one of
 * its ancestors, speaks for names another zone holds (RFC 4035 §5.4,
 * RFC 5155 §8.3).  dns_denial_* judge one response, where the signer
 * settles that; kept records of a parent could otherwise deny names below
 * its delegations. */
static bool at_cut(const arec_t *r, const uint8_t *qname, const uint8_t *zone)
{
	const dns_rrset_t *s = &r->set;
	for (const uint8_t *rd = dns_rrset_first(s); rd; rd = dns_rrset_next(s, rd)) {
		if (s->type == DNS_TYPE_NSEC) {
			const uint8_t *next, *bm;
			size_t bmlen;
			if (!dns_nsec_parse(dns_rrset_rdata(rd), dns_rrset_rdlen(rd), &next, &bm, &bmlen))
				return true;
			if (cut_bits(bm, bmlen) && dns_name_is_subdomain(qname, r->owner))
				return true;
			continue;
		}
		dns_nsec3_t n3;
		if (dns_nsec3_parse(dns_rrset_rdata(rd), dns_rrset_rdlen(rd), &n3) != DNS_OK)
			return true;
		if (cut_bits(n3.bitmap, n3.bitmap_len) && nsec3_of_ancestor(r, &n3, qname, zone))
			return true;
	}
	return false;
}

static uint32_t left(uint64_t expire, uint64_t now)
{
	return (uint32_t)((expire - now) / 1000);
}

int res_aggr_answer(res_aggr_t *a, uint64_t now, const uint8_t *qname, uint16_t qtype,
                    unsigned hashes, res_result_t *res)
{
	azone_t *z = NULL;
	for (unsigned i = 0; i < AGGR_ZONES; i++) {
		azone_t *c = &a->zones[i];
		if (c->used && c->soa && c->soa_expire > now && dns_name_is_subdomain(qname, c->name) &&
		    (!z || dns_name_label_count(c->name) > dns_name_label_count(z->name)))
			z = c;
	}
	if (!z)
		return 0;
	uint32_t use = 0;
	for (unsigned i = 0; i < z->n; i++)
		if (z->recs[i].expire > now)
			use |= 1u << i;
	bool nx = proves(z, use, qname, qtype, true, &hashes);
	if (!nx && !proves(z, use, qname, qtype, false, &hashes))
		return 0;
	/* Answer with only the records the proof needs. */
	for (unsigned i = 0; i < z->n; i++)
		if ((use & (1u << i)) && proves(z, use & ~(1u << i), qname, qtype, nx, &hashes))
			use &= ~(1u << i);
	for (unsigned i = 0; i < z->n; i++)
		if ((use & (1u << i)) && at_cut(&z->recs[i], qname, z->name))
			return 0;
	z->touched = ++a->clock;
	res->rcode = nx ? DNS_RCODE_NXDOMAIN : DNS_RCODE_NOERROR;
	res->secure = true;
	uint32_t ttl = left(z->soa_expire, now);
	for (unsigned i = 0; i < z->n; i++)
		if ((use & (1u << i)) && left(z->recs[i].expire, now) < ttl)
			ttl = left(z->recs[i].expire, now);
	if (res_result_add_proof(res, z->soa, z->soa_len, ttl) != DNS_OK)
		return -1;
	for (unsigned i = 0; i < z->n; i++)
		if ((use & (1u << i)) &&
		    res_result_add_proof(res, z->recs[i].blob, z->recs[i].len, ttl) != DNS_OK)
			return -1;
	return 1;
}
