/*
 * dnssec.c - RRSIG verification (dns/dnssec.h): parsing, key tags, DS
 * matching, the canonical signed data of RFC 4034 §3.1.8.1 and §6, and
 * the choice of signature and key within a budget.
 */
#include <stdlib.h>
#include <string.h>

#include "dns/name.h"
#include "dns/rdata.h"
#include "dns/rrtype.h"
#include "dnssec_int.h"

#define RRSIG_FIXED 18

dns_err_t dns_rrsig_parse(const uint8_t *rd, size_t len, dns_rrsig_t *s)
{
	if (len < RRSIG_FIXED + 1)
		return DNS_EMALFORMED;
	s->covered = dns_get16(rd);
	s->algorithm = rd[2];
	s->labels = rd[3];
	s->orig_ttl = dns_get32(rd + 4);
	s->expiration = dns_get32(rd + 8);
	s->inception = dns_get32(rd + 12);
	s->key_tag = dns_get16(rd + 16);
	/* The signer is an uncompressed name (RFC 4034 §3.1.7); walk its labels. */
	size_t p = RRSIG_FIXED;
	for (;;) {
		if (p >= len || rd[p] > 63)
			return DNS_EMALFORMED;
		if (rd[p] == 0)
			break;
		p += 1u + rd[p];
		if (p - RRSIG_FIXED > DNS_NAME_MAX - 1)
			return DNS_EMALFORMED;
	}
	p++;
	s->signer = rd + RRSIG_FIXED;
	s->signer_len = p - RRSIG_FIXED;
	if (p >= len)
		return DNS_EMALFORMED;  /* no signature */
	s->signature = rd + p;
	s->sig_len = len - p;
	return DNS_OK;
}

uint16_t dns_dnskey_tag(const uint8_t *k, size_t len)
{
	uint32_t ac = 0;
	for (size_t i = 0; i < len; i++)
		ac += (i & 1) ? k[i] : (uint32_t)k[i] << 8;
	ac += (ac >> 16) & 0xFFFF;
	return (uint16_t)(ac & 0xFFFF);
}

bool dns_ds_match(const uint8_t *owner, const uint8_t *ds, size_t dslen, const uint8_t *key,
                  size_t keylen)
{
	if (dslen < 5 || keylen < 4 || !dns_dnssec_digest_supported(ds[3]))
		return false;
	if (ds[2] != key[3] || dns_get16(ds) != dns_dnskey_tag(key, keylen))
		return false;
	uint8_t name[DNS_NAME_MAX], dig[64];
	size_t olen = dns_name_copy(name, owner), dlen = 0;
	dns_name_lower(name);
	if (!dns__dnssec_digest(ds[3], name, olen, key, keylen, dig, &dlen))
		return false;
	return dslen - 4 == dlen && memcmp(ds + 4, dig, dlen) == 0;
}

int dns_dnssec_status_ede(dns_dnssec_status_t st)
{
	static const int ede[] = {-1, 6, 7, 8, 9, 10, 1, 6};
	return (unsigned)st < sizeof ede / sizeof ede[0] ? ede[st] : 6;
}

const char *dns_dnssec_status_text(dns_dnssec_status_t st)
{
	static const char *const t[] = {
		"valid", "signature does not verify", "signature expired",
		"signature not yet valid", "no DNSKEY matches the signatures", "RRSIGs missing",
		"unsupported algorithm", "validation budget exhausted",
	};
	return (unsigned)st < sizeof t / sizeof t[0] ? t[st] : "bogus";
}

typedef struct crd {
	uint8_t *p;
	uint16_t len;
} crd_t;

static int crd_cmp(const void *a, const void *b)
{
	const crd_t *x = a, *y = b;
	return dns_rdata_compare(x->p, x->len, y->p, y->len);
}

/*
 * The signed data (RFC 4034 §3.1.8.1): the RRSIG rdata up to the
 * signature with the signer lower-cased, then every record in canonical
 * form and order.  Returns a malloc'd buffer (NULL on ENOMEM).
 */
static uint8_t *signed_data(const uint8_t *owner, const dns_rrset_t *set, const dns_rrsig_t *s,
                            const uint8_t *sigrd, size_t *outlen)
{
	uint8_t cowner[DNS_NAME_MAX];
	unsigned nl = dns_name_label_count(owner);
	size_t olen;
	if (s->labels < nl) {
		/* A wildcard expansion: sign as "*." + the rightmost labels. */
		const uint8_t *suffix = dns_name_skip_labels(owner, nl - s->labels);
		cowner[0] = 1;
		cowner[1] = '*';
		olen = 2 + dns_name_copy(cowner + 2, suffix);
	} else {
		olen = dns_name_copy(cowner, owner);
	}
	dns_name_lower(cowner);
	size_t total = RRSIG_FIXED + s->signer_len + set->size + (size_t)set->count * (olen + 8);
	uint8_t *buf = malloc(total + set->size);
	crd_t *v = malloc((set->count ? set->count : 1) * sizeof *v);
	if (!buf || !v) {
		free(buf);
		free(v);
		return NULL;
	}
	uint8_t *p = buf;
	memcpy(p, sigrd, RRSIG_FIXED);
	memcpy(p + RRSIG_FIXED, s->signer, s->signer_len);
	dns_name_lower(p + RRSIG_FIXED);
	p += RRSIG_FIXED + s->signer_len;
	/* Canonical rdata, copied to the tail of the buffer, then sorted. */
	uint8_t *scratch = buf + total;
	unsigned n = 0;
	for (const uint8_t *rd = dns_rrset_first(set); rd && n < set->count; rd = dns_rrset_next(set, rd)) {
		uint16_t l = dns_rrset_rdlen(rd);
		memcpy(scratch, dns_rrset_rdata(rd), l);
		dns_rdata_canonicalize(set->type, scratch, l);
		v[n].p = scratch;
		v[n].len = l;
		scratch += l;
		n++;
	}
	qsort(v, n, sizeof *v, crd_cmp);
	for (unsigned i = 0; i < n; i++) {
		if (i && crd_cmp(&v[i - 1], &v[i]) == 0)
			continue;  /* duplicates count once (RFC 4034 §6.3) */
		memcpy(p, cowner, olen);
		p += olen;
		dns_put16(p, set->type);
		dns_put16(p + 2, DNS_CLASS_IN);
		dns_put32(p + 4, s->orig_ttl);
		dns_put16(p + 8, v[i].len);
		p += 10;
		memcpy(p, v[i].p, v[i].len);
		p += v[i].len;
	}
	free(v);
	*outlen = (size_t)(p - buf);
	return buf;
}

/* Inside the validity window (RFC 4034 §3.1.5: serial number arithmetic). */
static dns_dnssec_status_t window(const dns_rrsig_t *s, uint64_t now)
{
	uint32_t t = (uint32_t)now;
	if ((int32_t)(s->expiration - t) < 0)
		return DNS_DNSSEC_EXPIRED;
	if ((int32_t)(t - s->inception) < 0)
		return DNS_DNSSEC_NOT_YET_VALID;
	return DNS_DNSSEC_VALID;
}

dns_dnssec_status_t dns_rrsig_verify(const uint8_t *owner, const dns_rrset_t *set,
                                     const dns_rrsig_t *sig, const uint8_t *key,
                                     size_t keylen, uint64_t now, dns_dnssec_budget_t *b)
{
	if (!dns_dnssec_alg_supported(sig->algorithm))
		return DNS_DNSSEC_UNSUPPORTED;
	if (keylen < 4 || key[3] != sig->algorithm || key[2] != 3)
		return DNS_DNSSEC_NO_KEY;
	dns_dnssec_status_t w = window(sig, now);
	if (w != DNS_DNSSEC_VALID)
		return w;
	if (b) {
		if (b->verifications == 0)
			return DNS_DNSSEC_BUDGET;
		b->verifications--;
	}
	/* The rdata starts RRSIG_FIXED bytes before the signer. */
	const uint8_t *sigrd = sig->signer - RRSIG_FIXED;
	size_t dlen;
	uint8_t *data = signed_data(owner, set, sig, sigrd, &dlen);
	if (!data)
		return DNS_DNSSEC_BUDGET;
	bool ok = dns__dnssec_check(sig->algorithm, key + 4, keylen - 4, data, dlen, sig->signature,
	                            sig->sig_len);
	free(data);
	return ok ? DNS_DNSSEC_VALID : DNS_DNSSEC_BOGUS;
}

/* Rank of failures: the most telling one is reported. */
static int severity(dns_dnssec_status_t st)
{
	switch (st) {
	case DNS_DNSSEC_BUDGET: return 7;
	case DNS_DNSSEC_BOGUS: return 6;
	case DNS_DNSSEC_EXPIRED: return 5;
	case DNS_DNSSEC_NOT_YET_VALID: return 4;
	case DNS_DNSSEC_NO_KEY: return 3;
	case DNS_DNSSEC_UNSUPPORTED: return 2;
	default: return 1;
	}
}

static uint32_t valid_for(const dns_rrset_t *set, const dns_rrsig_t *s, uint64_t now)
{
	uint32_t ttl = set->ttl < s->orig_ttl ? set->ttl : s->orig_ttl;
	uint32_t left = s->expiration - (uint32_t)now;
	return left < ttl ? left : ttl;
}

dns_dnssec_status_t dns_rrset_verify_with(const uint8_t *owner, const dns_rrset_t *set,
                                          const dns_rrset_t *sigs, const uint8_t *zone,
                                          const dns_rrset_t *keys,
                                          bool (*accept)(void *ctx, const uint8_t *key,
                                                         size_t keylen),
                                          void *ctx, uint64_t now, dns_dnssec_budget_t *b,
                                          uint32_t *valid_ttl)
{
	dns_dnssec_status_t worst = DNS_DNSSEC_NO_SIG;
	unsigned max_keys = b && b->keys_per_sig ? b->keys_per_sig : 4;
	unsigned max_sigs = b && b->sigs_per_set ? b->sigs_per_set : 8;
	unsigned nsigs = 0, ownl = dns_name_label_count(owner);
	if (dns_name_is_wildcard(owner))
		ownl--;
	for (const uint8_t *srd = sigs ? dns_rrset_first(sigs) : NULL; srd && nsigs < max_sigs;
	     srd = dns_rrset_next(sigs, srd)) {
		dns_rrsig_t s;
		if (dns_rrsig_parse(dns_rrset_rdata(srd), dns_rrset_rdlen(srd), &s) != DNS_OK ||
		    s.covered != set->type || s.labels > ownl || !dns_name_equal(s.signer, zone) ||
		    !dns_name_is_subdomain(owner, s.signer))
			continue;
		nsigs++;
		dns_dnssec_status_t st = DNS_DNSSEC_NO_KEY;
		if (!dns_dnssec_alg_supported(s.algorithm))
			st = DNS_DNSSEC_UNSUPPORTED;
		unsigned tried = 0;
		for (const uint8_t *k = dns_rrset_first(keys); k && st != DNS_DNSSEC_UNSUPPORTED &&
		     tried < max_keys; k = dns_rrset_next(keys, k)) {
			const uint8_t *kd = dns_rrset_rdata(k);
			uint16_t kl = dns_rrset_rdlen(k);
			if (kl < 4 || kd[3] != s.algorithm || !(dns_get16(kd) & DNS_DNSKEY_ZONE) ||
			    (dns_get16(kd) & DNS_DNSKEY_REVOKE) || dns_dnskey_tag(kd, kl) != s.key_tag ||
			    (accept && !accept(ctx, kd, kl)))
				continue;
			tried++;
			dns_dnssec_status_t r = dns_rrsig_verify(owner, set, &s, kd, kl, now, b);
			if (r == DNS_DNSSEC_VALID) {
				if (valid_ttl)
					*valid_ttl = valid_for(set, &s, now);
				return r;
			}
			st = r;
			if (r != DNS_DNSSEC_BOGUS && r != DNS_DNSSEC_NO_KEY)
				break;  /* the window or the budget: other keys will not help */
		}
		if (severity(st) > severity(worst))
			worst = st;
		if (st == DNS_DNSSEC_BUDGET)
			break;
	}
	return worst;
}

dns_dnssec_status_t dns_rrset_verify(const uint8_t *owner, const dns_rrset_t *set,
                                     const dns_rrset_t *sigs, const uint8_t *zone,
                                     const dns_rrset_t *keys, uint64_t now,
                                     dns_dnssec_budget_t *b, uint32_t *valid_ttl)
{
	return dns_rrset_verify_with(owner, set, sigs, zone, keys, NULL, NULL, now, b, valid_ttl);
}
