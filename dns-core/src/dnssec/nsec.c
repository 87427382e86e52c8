/*
 * nsec.c - NSEC proofs (dns/nsec.h; RFC 4035 §5.4, RFC 4592, RFC 6840
 * §4) and the record helpers shared with the NSEC3 proofs in nsec3.c.
 */
#include <string.h>

#include "dns/name.h"
#include "dns/nsec.h"
#include "dns/rrtype.h"
#include "nsec_int.h"

bool dns_nsec_bitmap_has(const uint8_t *bm, size_t len, uint16_t type)
{
	unsigned win = type >> 8, bit = type & 0xFF;
	size_t p = 0;
	while (p + 2 <= len) {
		unsigned w = bm[p], blen = bm[p + 1];
		if (blen == 0 || blen > 32 || p + 2 + blen > len)
			return false;
		if (w == win)
			return bit / 8 < blen && (bm[p + 2 + bit / 8] & (0x80 >> (bit % 8)));
		p += 2 + blen;
	}
	return false;
}

bool dns_nsec_parse(const uint8_t *rd, size_t len, const uint8_t **next, const uint8_t **bm,
                    size_t *bmlen)
{
	size_t p = 0;
	for (;;) {
		if (p >= len || rd[p] > 63)
			return false;
		if (rd[p] == 0)
			break;
		p += 1u + rd[p];
		if (p > DNS_NAME_MAX - 1)
			return false;
	}
	p++;
	*next = rd;
	*bm = rd + p;
	*bmlen = len - p;
	return true;
}

bool dns_nsec_covers(const uint8_t *owner, const uint8_t *next, const uint8_t *name)
{
	if (dns_name_compare(owner, name) >= 0)
		return false;
	/* The last NSEC of a zone points back to the apex: next <= owner. */
	return dns_name_compare(name, next) < 0 || dns_name_compare(next, owner) <= 0;
}

/* The number of labels @a and @b have in common from the right. */
unsigned dns__common_labels(const uint8_t *a, const uint8_t *b)
{
	unsigned la = dns_name_label_count(a), lb = dns_name_label_count(b);
	unsigned n = la < lb ? la : lb;
	while (n > 0 && !dns_name_equal(dns_name_skip_labels(a, la - n), dns_name_skip_labels(b, lb - n)))
		n--;
	return n;
}

/* "*." + @name into @out; false if too long. */
bool dns__wildcard_of(const uint8_t *name, uint8_t out[DNS_NAME_MAX])
{
	size_t l = dns_name_length(name);
	if (l + 2 > DNS_NAME_MAX)
		return false;
	out[0] = 1;
	out[1] = '*';
	memcpy(out + 2, name, l);
	return true;
}

typedef struct nsec {
	const uint8_t *owner, *next, *bm;
	size_t bmlen;
} nsec_t;

static bool get_nsec(const dns_denial_rr_t *r, const uint8_t *zone, nsec_t *o)
{
	if (r->type != DNS_TYPE_NSEC || !dns_name_is_subdomain(r->owner, zone))
		return false;
	o->owner = r->owner;
	return dns_nsec_parse(r->rdata, r->rdlen, &o->next, &o->bm, &o->bmlen);
}

static bool find_match(const dns_denial_rr_t *rrs, size_t n, const uint8_t *zone,
                       const uint8_t *name, nsec_t *o)
{
	for (size_t i = 0; i < n; i++)
		if (get_nsec(&rrs[i], zone, o) && dns_name_equal(o->owner, name))
			return true;
	return false;
}

static bool find_cover(const dns_denial_rr_t *rrs, size_t n, const uint8_t *zone,
                       const uint8_t *name, nsec_t *o)
{
	for (size_t i = 0; i < n; i++)
		if (get_nsec(&rrs[i], zone, o) && dns_nsec_covers(o->owner, o->next, name))
			return true;
	return false;
}

/* The closest encloser from a covering NSEC (RFC 4035 §5.4). */
static const uint8_t *nsec_ce(const nsec_t *cov, const uint8_t *qname, const uint8_t *zone)
{
	unsigned a = dns__common_labels(qname, cov->owner), b = dns__common_labels(qname, cov->next);
	unsigned ql = dns_name_label_count(qname), zl = dns_name_label_count(zone);
	unsigned c = a > b ? a : b;
	if (c < zl)
		c = zl;
	return dns_name_skip_labels(qname, ql - c);
}

static bool nodata_bits(const nsec_t *m, uint16_t qtype)
{
	if (dns_nsec_bitmap_has(m->bm, m->bmlen, qtype) ||
	    dns_nsec_bitmap_has(m->bm, m->bmlen, DNS_TYPE_CNAME))
		return false;
	/* A parent-side NSEC at a delegation speaks only for DS (RFC 6840 §4.4). */
	if (qtype != DNS_TYPE_DS && dns_nsec_bitmap_has(m->bm, m->bmlen, DNS_TYPE_NS) &&
	    !dns_nsec_bitmap_has(m->bm, m->bmlen, DNS_TYPE_SOA))
		return false;
	return true;
}

static bool has_nsec3(const dns_denial_rr_t *rrs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (rrs[i].type == DNS_TYPE_NSEC3)
			return true;
	return false;
}

dns_denial_t dns_denial_nxdomain(const dns_denial_rr_t *rrs, size_t n, const uint8_t *zone,
                                 const uint8_t *qname, unsigned *hashes)
{
	if (has_nsec3(rrs, n))
		return dns__nsec3_nxdomain(rrs, n, zone, qname, hashes);
	nsec_t cov, w;
	if (!find_cover(rrs, n, zone, qname, &cov))
		return DNS_DENIAL_MISSING;
	uint8_t wc[DNS_NAME_MAX];
	if (!dns__wildcard_of(nsec_ce(&cov, qname, zone), wc))
		return DNS_DENIAL_MISSING;
	if (find_match(rrs, n, zone, wc, &w) || !find_cover(rrs, n, zone, wc, &w))
		return DNS_DENIAL_MISSING;
	return DNS_DENIAL_PROVEN;
}

dns_denial_t dns_denial_nodata(const dns_denial_rr_t *rrs, size_t n, const uint8_t *zone,
                               const uint8_t *qname, uint16_t qtype, unsigned *hashes)
{
	if (has_nsec3(rrs, n))
		return dns__nsec3_nodata(rrs, n, zone, qname, qtype, hashes);
	nsec_t m;
	if (find_match(rrs, n, zone, qname, &m))
		return nodata_bits(&m, qtype) ? DNS_DENIAL_PROVEN : DNS_DENIAL_MISSING;
	if (!find_cover(rrs, n, zone, qname, &m))
		return DNS_DENIAL_MISSING;
	/* An empty non-terminal: the next name is below it (RFC 4035 §3.1.3.2). */
	if (dns_name_is_subdomain(m.next, qname) && !dns_name_equal(m.next, qname))
		return DNS_DENIAL_PROVEN;
	/* A wildcard that exists without the type (RFC 4035 §3.1.3.4). */
	uint8_t wc[DNS_NAME_MAX];
	nsec_t w;
	if (dns__wildcard_of(nsec_ce(&m, qname, zone), wc) && find_match(rrs, n, zone, wc, &w))
		return nodata_bits(&w, qtype) ? DNS_DENIAL_PROVEN : DNS_DENIAL_MISSING;
	return DNS_DENIAL_MISSING;
}

dns_denial_t dns_denial_wildcard(const dns_denial_rr_t *rrs, size_t n, const uint8_t *zone,
                                 const uint8_t *qname, unsigned ce_labels, unsigned *hashes)
{
	if (has_nsec3(rrs, n))
		return dns__nsec3_wildcard(rrs, n, zone, qname, ce_labels, hashes);
	nsec_t cov;
	return find_cover(rrs, n, zone, qname, &cov) ? DNS_DENIAL_PROVEN : DNS_DENIAL_MISSING;
}

dns_denial_t dns_denial_ds(const dns_denial_rr_t *rrs, size_t n, const uint8_t *zone,
                           const uint8_t *qname, unsigned *hashes)
{
	if (has_nsec3(rrs, n))
		return dns__nsec3_ds(rrs, n, zone, qname, hashes);
	nsec_t m;
	if (find_match(rrs, n, zone, qname, &m)) {
		if (dns_nsec_bitmap_has(m.bm, m.bmlen, DNS_TYPE_DS) ||
		    dns_nsec_bitmap_has(m.bm, m.bmlen, DNS_TYPE_SOA))
			return DNS_DENIAL_MISSING;
		return dns_nsec_bitmap_has(m.bm, m.bmlen, DNS_TYPE_NS) ? DNS_DENIAL_PROVEN
		                                                      : DNS_DENIAL_NOT_CUT;
	}
	return find_cover(rrs, n, zone, qname, &m) ? DNS_DENIAL_NOT_CUT : DNS_DENIAL_MISSING;
}
