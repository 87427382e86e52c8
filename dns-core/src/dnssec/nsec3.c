/*
 * nsec3.c - NSEC3 hashing and proofs (dns/nsec.h; RFC 5155 §8, RFC 9276):
 * the closest encloser proof, NXDOMAIN, NODATA (with wildcards and the DS
 * case), wildcard answers, opt-out.  Every hash counts against the
 * caller's budget.
 */
#include <openssl/evp.h>
#include <string.h>

#include "dns/rrtype.h"
#include "internal/rdata_priv.h"
#include "nsec_int.h"

bool dns_nsec3_owner_hash(const uint8_t *owner, uint8_t out[DNS_NSEC3_HASH_MAX])
{
	if (owner[0] == 0)
		return false;
	return dns__b32hex_decode((const char *)owner + 1, owner[0], out, DNS_NSEC3_HASH_MAX) ==
	       DNS_NSEC3_HASH_MAX;
}

#define MAX_N3 64

dns_err_t dns_nsec3_parse(const uint8_t *rd, size_t len, dns_nsec3_t *o)
{
	if (len < 5)
		return DNS_EMALFORMED;
	o->alg = rd[0];
	o->flags = rd[1];
	o->iterations = dns_get16(rd + 2);
	o->salt_len = rd[4];
	size_t p = 5 + (size_t)o->salt_len;
	if (p + 1 > len)
		return DNS_EMALFORMED;
	o->salt = rd + 5;
	o->next_len = rd[p];
	if (o->next_len == 0 || p + 1 + o->next_len > len)
		return DNS_EMALFORMED;
	o->next = rd + p + 1;
	o->bitmap = rd + p + 1 + o->next_len;
	o->bitmap_len = len - (p + 1 + o->next_len);
	return DNS_OK;
}

dns_err_t dns_nsec3_hash(const uint8_t *name, const uint8_t *salt, size_t salt_len,
                         uint16_t iterations, uint8_t out[DNS_NSEC3_HASH_MAX])
{
	uint8_t lower[DNS_NAME_MAX];
	size_t nlen = dns_name_copy(lower, name);
	dns_name_lower(lower);
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	if (!c)
		return DNS_ENOMEM;
	const uint8_t *in = lower;
	size_t inlen = nlen;
	dns_err_t err = DNS_OK;
	for (unsigned i = 0; i <= iterations && !err; i++) {
		unsigned olen = 0;
		if (EVP_DigestInit_ex(c, EVP_sha1(), NULL) != 1 || EVP_DigestUpdate(c, in, inlen) != 1 ||
		    EVP_DigestUpdate(c, salt, salt_len) != 1 || EVP_DigestFinal_ex(c, out, &olen) != 1)
			err = DNS_ENOMEM;
		in = out;
		inlen = DNS_NSEC3_HASH_MAX;
	}
	EVP_MD_CTX_free(c);
	return err;
}

typedef struct n3 {
	uint8_t hash[DNS_NSEC3_HASH_MAX];
	dns_nsec3_t r;
} n3_t;

typedef struct n3ctx {
	n3_t v[MAX_N3];
	size_t n;
	bool too_costly;      /* iterations above the RFC 9276 limit */
	unsigned *hashes;
	bool out_of_budget;
	const uint8_t *zone;
} n3ctx_t;

static bool same_params(const dns_nsec3_t *a, const dns_nsec3_t *b)
{
	return a->iterations == b->iterations && a->salt_len == b->salt_len &&
	       memcmp(a->salt, b->salt, a->salt_len) == 0;
}

static void load(n3ctx_t *c, const dns_denial_rr_t *rrs, size_t n, const uint8_t *zone,
                 unsigned *hashes)
{
	memset(c, 0, offsetof(n3ctx_t, hashes));
	c->hashes = hashes;
	c->zone = zone;
	c->out_of_budget = false;
	for (size_t i = 0; i < n && c->n < MAX_N3; i++) {
		const dns_denial_rr_t *r = &rrs[i];
		n3_t *x = &c->v[c->n];
		const uint8_t *parent = dns_name_parent(r->owner);
		if (r->type != DNS_TYPE_NSEC3 || !parent || !dns_name_equal(parent, zone) ||
		    dns_nsec3_parse(r->rdata, r->rdlen, &x->r) != DNS_OK || x->r.alg != 1 ||
		    x->r.next_len != DNS_NSEC3_HASH_MAX)
			continue;
		if (x->r.iterations > DNS_NSEC3_MAX_ITERATIONS) {
			c->too_costly = true;
			continue;
		}
		if (!dns_nsec3_owner_hash(r->owner, x->hash))
			continue;
		if (c->n && !same_params(&c->v[0].r, &x->r))
			continue;  /* one parameter set per zone (RFC 5155 §7.2) */
		c->n++;
	}
}

static bool hash(n3ctx_t *c, const uint8_t *name, uint8_t out[DNS_NSEC3_HASH_MAX])
{
	if (!c->n || !*c->hashes) {
		c->out_of_budget = c->n != 0;
		return false;
	}
	(*c->hashes)--;
	const dns_nsec3_t *p = &c->v[0].r;
	return dns_nsec3_hash(name, p->salt, p->salt_len, p->iterations, out) == DNS_OK;
}

static const n3_t *match(const n3ctx_t *c, const uint8_t *h)
{
	for (size_t i = 0; i < c->n; i++)
		if (memcmp(c->v[i].hash, h, DNS_NSEC3_HASH_MAX) == 0)
			return &c->v[i];
	return NULL;
}

static const n3_t *cover(const n3ctx_t *c, const uint8_t *h)
{
	for (size_t i = 0; i < c->n; i++) {
		const uint8_t *o = c->v[i].hash, *nx = c->v[i].r.next;
		int a = memcmp(o, h, DNS_NSEC3_HASH_MAX), b = memcmp(h, nx, DNS_NSEC3_HASH_MAX);
		bool wraps = memcmp(nx, o, DNS_NSEC3_HASH_MAX) <= 0;
		if (a < 0 && (b < 0 || wraps))
			return &c->v[i];
		if (wraps && b < 0 && a > 0)
			return &c->v[i];  /* before the first hash, in the wrapped span */
	}
	return NULL;
}

/* What a failed lookup means: the budget, too many iterations, or no proof. */
static dns_denial_t fail(const n3ctx_t *c)
{
	if (c->out_of_budget)
		return DNS_DENIAL_BUDGET;
	if (c->too_costly)
		return DNS_DENIAL_INSECURE;
	return DNS_DENIAL_MISSING;
}

/*
 * The closest encloser proof (RFC 5155 §8.3): the longest existing
 * ancestor of @qname (matched) and the next closer name (covered).
 */
static bool ce_proof(n3ctx_t *c, const uint8_t *qname, const uint8_t **ce, const n3_t **nc)
{
	unsigned ql = dns_name_label_count(qname), zl = dns_name_label_count(c->zone);
	uint8_t h[DNS_NSEC3_HASH_MAX], prev[DNS_NSEC3_HASH_MAX];
	bool have_prev = false;
	for (unsigned k = ql; k >= zl && k <= ql; k--) {
		const uint8_t *name = dns_name_skip_labels(qname, ql - k);
		if (!hash(c, name, h))
			return false;
		if (match(c, h)) {
			if (!have_prev)
				return false;  /* qname itself exists */
			*ce = name;
			*nc = cover(c, prev);
			return *nc != NULL;
		}
		memcpy(prev, h, sizeof h);
		have_prev = true;
	}
	return false;
}

static bool nodata_bits(const dns_nsec3_t *r, uint16_t qtype)
{
	if (dns_nsec_bitmap_has(r->bitmap, r->bitmap_len, qtype) ||
	    dns_nsec_bitmap_has(r->bitmap, r->bitmap_len, DNS_TYPE_CNAME))
		return false;
	if (qtype != DNS_TYPE_DS && dns_nsec_bitmap_has(r->bitmap, r->bitmap_len, DNS_TYPE_NS) &&
	    !dns_nsec_bitmap_has(r->bitmap, r->bitmap_len, DNS_TYPE_SOA))
		return false;
	return true;
}

dns_denial_t dns__nsec3_nxdomain(const dns_denial_rr_t *rrs, size_t n, const uint8_t *zone,
                                 const uint8_t *qname, unsigned *hashes)
{
	n3ctx_t c;
	load(&c, rrs, n, zone, hashes);
	const uint8_t *ce;
	const n3_t *nc;
	uint8_t wc[DNS_NAME_MAX], h[DNS_NSEC3_HASH_MAX];
	if (!ce_proof(&c, qname, &ce, &nc) || !dns__wildcard_of(ce, wc) || !hash(&c, wc, h))
		return fail(&c);
	if (match(&c, h) || !cover(&c, h))
		return DNS_DENIAL_MISSING;
	return (nc->r.flags & DNS_NSEC3_OPTOUT) ? DNS_DENIAL_OPTOUT : DNS_DENIAL_PROVEN;
}

dns_denial_t dns__nsec3_nodata(const dns_denial_rr_t *rrs, size_t n, const uint8_t *zone,
                               const uint8_t *qname, uint16_t qtype, unsigned *hashes)
{
	n3ctx_t c;
	load(&c, rrs, n, zone, hashes);
	uint8_t h[DNS_NSEC3_HASH_MAX], wc[DNS_NAME_MAX];
	if (!hash(&c, qname, h))
		return fail(&c);
	const n3_t *m = match(&c, h);
	if (m)
		return nodata_bits(&m->r, qtype) ? DNS_DENIAL_PROVEN : DNS_DENIAL_MISSING;
	const uint8_t *ce;
	const n3_t *nc;
	if (!ce_proof(&c, qname, &ce, &nc))
		return fail(&c);
	if (qtype == DNS_TYPE_DS)  /* RFC 5155 §8.6: only an opt-out span can hide a DS */
		return (nc->r.flags & DNS_NSEC3_OPTOUT) ? DNS_DENIAL_OPTOUT : DNS_DENIAL_MISSING;
	/* RFC 5155 §8.7: a wildcard at the closest encloser without the type. */
	if (!dns__wildcard_of(ce, wc) || !hash(&c, wc, h))
		return fail(&c);
	m = match(&c, h);
	return m && nodata_bits(&m->r, qtype) ? DNS_DENIAL_PROVEN : DNS_DENIAL_MISSING;
}

dns_denial_t dns__nsec3_wildcard(const dns_denial_rr_t *rrs, size_t n, const uint8_t *zone,
                                 const uint8_t *qname, unsigned ce_labels, unsigned *hashes)
{
	n3ctx_t c;
	load(&c, rrs, n, zone, hashes);
	unsigned ql = dns_name_label_count(qname);
	if (ce_labels + 1 > ql)
		return DNS_DENIAL_MISSING;
	uint8_t h[DNS_NSEC3_HASH_MAX];
	/* RFC 5155 §8.8: the next closer name must be covered. */
	if (!hash(&c, dns_name_skip_labels(qname, ql - ce_labels - 1), h))
		return fail(&c);
	const n3_t *cv = cover(&c, h);
	if (!cv)
		return DNS_DENIAL_MISSING;
	return (cv->r.flags & DNS_NSEC3_OPTOUT) ? DNS_DENIAL_OPTOUT : DNS_DENIAL_PROVEN;
}

dns_denial_t dns__nsec3_ds(const dns_denial_rr_t *rrs, size_t n, const uint8_t *zone,
                           const uint8_t *qname, unsigned *hashes)
{
	n3ctx_t c;
	load(&c, rrs, n, zone, hashes);
	uint8_t h[DNS_NSEC3_HASH_MAX];
	if (!hash(&c, qname, h))
		return fail(&c);
	const n3_t *m = match(&c, h);
	if (m) {
		const dns_nsec3_t *r = &m->r;
		if (dns_nsec_bitmap_has(r->bitmap, r->bitmap_len, DNS_TYPE_DS) ||
		    dns_nsec_bitmap_has(r->bitmap, r->bitmap_len, DNS_TYPE_SOA))
			return DNS_DENIAL_MISSING;
		return dns_nsec_bitmap_has(r->bitmap, r->bitmap_len, DNS_TYPE_NS) ? DNS_DENIAL_PROVEN
		                                                                  : DNS_DENIAL_NOT_CUT;
	}
	const uint8_t *ce;
	const n3_t *nc;
	if (!ce_proof(&c, qname, &ce, &nc))
		return fail(&c);
	return (nc->r.flags & DNS_NSEC3_OPTOUT) ? DNS_DENIAL_OPTOUT : DNS_DENIAL_NOT_CUT;
}
