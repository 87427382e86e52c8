/*
 * keys.c - the key cache and the trust anchors (keys.h), and the engine
 * calls that set anchors (engine.h).
 *
 * The key cache is a hash table bounded by an entry count and by bytes
 * (entries with their DNSKEY or DS data); when it is full, expired entries
 * go first, then everything (the chain of trust is then simply rebuilt, so
 * this only costs queries).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dnssec.h"
#include "dns/name.h"
#include "dns/rrtype.h"
#include "dns/zonefile.h"
#include "engine_int.h"
#include "keys.h"

#define KEY_BUCKETS 4096

typedef struct kent {
	struct kent *next;
	uint64_t expires;
	res_kstate_t st;
	int ede;
	const char *why;
	dns_rrset_t set;
	uint8_t zone[DNS_NAME_MAX];
	uint8_t data[];
} kent_t;

struct res_keys {
	kent_t *tab[KEY_BUCKETS];
	size_t n, max;
	size_t bytes, max_bytes;
};

res_keys_t *res_keys_new(size_t max_entries, size_t max_bytes)
{
	res_keys_t *k = calloc(1, sizeof *k);
	if (k) {
		k->max = max_entries ? max_entries : 10000;
		k->max_bytes = max_bytes ? max_bytes : 8u << 20;
	}
	return k;
}

static size_t kent_bytes(const kent_t *x)
{
	return sizeof *x + x->set.size;
}

/* Unlink and free the entry at @p. */
static void kent_drop(res_keys_t *k, kent_t **p)
{
	kent_t *x = *p;
	*p = x->next;
	k->n--;
	k->bytes -= kent_bytes(x);
	free(x);
}

static void drop(res_keys_t *k, uint64_t now, bool all)
{
	for (size_t b = 0; b < KEY_BUCKETS; b++)
		for (kent_t **p = &k->tab[b]; *p;) {
			if (all || (*p)->expires <= now) {
				kent_drop(k, p);
			} else {
				p = &(*p)->next;
			}
		}
}

void res_keys_free(res_keys_t *k)
{
	if (!k)
		return;
	drop(k, 0, true);
	free(k);
}

static kent_t **slot(res_keys_t *k, const uint8_t *zone)
{
	kent_t **p = &k->tab[dns_name_hash(zone) % KEY_BUCKETS];
	while (*p && !dns_name_equal((*p)->zone, zone))
		p = &(*p)->next;
	return p;
}

bool res_keys_get(res_keys_t *k, uint64_t now, const uint8_t *zone, res_kentry_t *out)
{
	kent_t **p = slot(k, zone);
	if (!*p)
		return false;
	if ((*p)->expires <= now) {
		kent_drop(k, p);
		return false;
	}
	out->st = (*p)->st;
	out->ede = (*p)->ede;
	out->why = (*p)->why;
	out->set = (*p)->set;
	return true;
}

dns_err_t res_keys_put(res_keys_t *k, uint64_t now, const uint8_t *zone, res_kstate_t st,
                       int ede, const char *why, const dns_rrset_t *set, uint32_t ttl_s)
{
	kent_t **p = slot(k, zone);
	if (*p)
		kent_drop(k, p);
	size_t size = set ? set->size : 0;
	size_t need = sizeof(kent_t) + size;
	if (need > k->max_bytes)
		return DNS_ELIMIT;
	if (k->n >= k->max || k->bytes + need > k->max_bytes) {
		drop(k, now, false);
		if (k->n >= k->max || k->bytes + need > k->max_bytes)
			drop(k, now, true);
	}
	kent_t *x = calloc(1, sizeof *x + size);
	if (!x)
		return DNS_ENOMEM;
	dns_name_copy(x->zone, zone);
	x->expires = now + (uint64_t)(ttl_s ? ttl_s : 1) * 1000;
	x->st = st;
	x->ede = ede;
	x->why = why;
	if (set) {
		x->set = *set;
		memcpy(x->data, set->data, size);
		x->set.data = x->data;
	}
	kent_t **b = &k->tab[dns_name_hash(zone) % KEY_BUCKETS];
	x->next = *b;
	*b = x;
	k->n++;
	k->bytes += kent_bytes(x);
	return DNS_OK;
}

/* ---- anchors ---- */

#define MAX_ANCHORS 64
#define MAX_NTAS 64

typedef struct anchor {
	uint8_t owner[DNS_NAME_MAX];
	uint16_t type;
	uint16_t rdlen;
	uint8_t *rdata;
} anchor_t;

struct res_anchors {
	anchor_t a[MAX_ANCHORS];
	unsigned n;
	uint8_t nta[MAX_NTAS][DNS_NAME_MAX];
	unsigned nnta;
};

res_anchors_t *res_anchors_new(void) { return calloc(1, sizeof(res_anchors_t)); }

void res_anchors_free(res_anchors_t *a)
{
	if (!a)
		return;
	for (unsigned i = 0; i < a->n; i++)
		free(a->a[i].rdata);
	free(a);
}

dns_err_t res_anchors_add(res_anchors_t *a, const uint8_t *owner, uint16_t type,
                          const uint8_t *rdata, uint16_t rdlen)
{
	if (type != DNS_TYPE_DS && type != DNS_TYPE_DNSKEY)
		return DNS_EINVAL;
	if (a->n >= MAX_ANCHORS)
		return DNS_ELIMIT;
	anchor_t *x = &a->a[a->n];
	x->rdata = malloc(rdlen ? rdlen : 1);
	if (!x->rdata)
		return DNS_ENOMEM;
	dns_name_copy(x->owner, owner);
	dns_name_lower(x->owner);
	x->type = type;
	x->rdlen = rdlen;
	memcpy(x->rdata, rdata, rdlen);
	a->n++;
	return DNS_OK;
}

dns_err_t res_anchors_add_nta(res_anchors_t *a, const uint8_t *zone)
{
	if (a->nnta >= MAX_NTAS)
		return DNS_ELIMIT;
	dns_name_copy(a->nta[a->nnta++], zone);
	return DNS_OK;
}

bool res_anchors_any(const res_anchors_t *a) { return a->n > 0; }

const uint8_t *res_anchors_find(const res_anchors_t *a, const uint8_t *name)
{
	const uint8_t *best = NULL;
	unsigned best_labels = 0;
	for (unsigned i = 0; i < a->n; i++) {
		unsigned l = dns_name_label_count(a->a[i].owner);
		if (dns_name_is_subdomain(name, a->a[i].owner) && (!best || l > best_labels)) {
			best = a->a[i].owner;
			best_labels = l;
		}
	}
	return best;
}

bool res_anchors_nta(const res_anchors_t *a, const uint8_t *name)
{
	for (unsigned i = 0; i < a->nnta; i++)
		if (dns_name_is_subdomain(name, a->nta[i]))
			return true;
	return false;
}

bool res_anchors_match(const res_anchors_t *a, const uint8_t *zone, const uint8_t *key,
                       size_t keylen)
{
	for (unsigned i = 0; i < a->n; i++) {
		const anchor_t *x = &a->a[i];
		if (!dns_name_equal(x->owner, zone))
			continue;
		if (x->type == DNS_TYPE_DS && dns_ds_match(zone, x->rdata, x->rdlen, key, keylen))
			return true;
		if (x->type == DNS_TYPE_DNSKEY && x->rdlen == keylen && x->rdlen >= 4 &&
		    memcmp(x->rdata + 2, key + 2, keylen - 2) == 0)
			return true;  /* flags may differ (RFC 5011 revocation aside) */
	}
	return false;
}

/* ---- the engine calls ---- */

typedef struct tactx {
	res_anchors_t *a;
	char *err;
	size_t errlen;
	bool failed;
	unsigned n;
} tactx_t;

static void ta_fail(tactx_t *t, unsigned line, const char *msg)
{
	if (!t->failed)
		snprintf(t->err, t->errlen, "line %u: %s", line, msg);
	t->failed = true;
}

static dns_err_t ta_record(void *ctx, const dns_rr_t *rr, const dns_zf_pos_t *pos)
{
	tactx_t *t = ctx;
	if (rr->type != DNS_TYPE_DS && rr->type != DNS_TYPE_DNSKEY) {
		ta_fail(t, (unsigned)pos->line, "only DS and DNSKEY records belong here");
		return DNS_OK;
	}
	if (res_anchors_add(t->a, rr->owner, rr->type, rr->rdata, rr->rdlen) != DNS_OK)
		ta_fail(t, (unsigned)pos->line, "too many trust anchors");
	t->n++;
	return DNS_OK;
}

static void ta_error(void *ctx, const dns_zf_pos_t *pos, const char *msg)
{
	if (!dns_zf_is_warning(msg))
		ta_fail(ctx, (unsigned)pos->line, msg);
}

static dns_err_t ta_parse(res_engine_t *e, const char *path, const char *text, size_t len,
                          char *err, size_t errlen)
{
	char dummy[8];
	tactx_t t = {.a = e->anchors, .err = err ? err : dummy, .errlen = err ? errlen : sizeof dummy};
	dns_zf_options_t opt = {.origin = dns_name_root, .default_ttl = 86400, .no_include = true};
	dns_err_t rc = path ? dns_zonefile_parse_file(path, &opt, ta_record, ta_error, &t)
	                    : dns_zonefile_parse_buffer("trust-anchor", text, len, &opt, ta_record,
	                                                ta_error, &t);
	if (rc == DNS_EIO) {
		snprintf(t.err, t.errlen, "cannot read the file");
		return rc;
	}
	if (!rc && !t.failed && t.n == 0) {
		snprintf(t.err, t.errlen, "no DS or DNSKEY record");
		return DNS_EINVAL;
	}
	return rc ? rc : t.failed ? DNS_ESYNTAX : DNS_OK;
}

dns_err_t res_engine_add_trust_anchors(res_engine_t *e, const char *text, size_t len, char *err,
                                       size_t errlen)
{
	return ta_parse(e, NULL, text, len, err, errlen);
}

dns_err_t res_engine_load_trust_anchors(res_engine_t *e, const char *path, char *err,
                                        size_t errlen)
{
	return ta_parse(e, path, NULL, 0, err, errlen);
}

/* IANA's root KSKs (https://data.iana.org/root-anchors/root-anchors.xml). */
static const char iana_root[] =
	". 86400 IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n"
	". 86400 IN DS 38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16\n";

dns_err_t res_engine_add_builtin_anchor(res_engine_t *e)
{
	return ta_parse(e, NULL, iana_root, sizeof iana_root - 1, NULL, 0);
}

dns_err_t res_engine_add_insecure(res_engine_t *e, const uint8_t *zone)
{
	return res_anchors_add_nta(e->anchors, zone);
}
