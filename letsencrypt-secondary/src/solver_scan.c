/*
 * solver_scan.c - which CSRs to act on: the CSR RRsets of a zone, the
 * CSR's signature and names checked, the certificate records matched
 * with libdnscertify's rule, the renewal point and the per-name backoff.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "acme/solver.h"
#include "acme_int.h"
#include "dns/name.h"
#include "dns/rrtype.h"

int les_zone_for(const les_zone_t *zones, size_t n, const uint8_t *name)
{
	int best = -1;
	size_t best_len = 0;
	for (size_t i = 0; i < n; i++) {
		size_t l = dns_name_length(zones[i].origin);
		if (dns_name_is_subdomain(name, zones[i].origin) && (best < 0 || l > best_len)) {
			best = (int)i;
			best_len = l;
		}
	}
	return best;
}

void les_csr_clear(les_csr_t *c)
{
	free(c->der);
	free(c->names);
	free(c->cert_der);
	memset(c, 0, sizeof *c);
}

int64_t les_renew_time(int64_t not_before, int64_t not_after)
{
	int64_t life = not_after - not_before;
	if (life <= 0)
		return not_after;
	return not_after - (life <= 10 * 86400 ? life / 2 : life / 3);
}

int64_t les_backoff_ms(unsigned failures)
{
	static const int64_t steps[] = {60000, 600000, 6000000};
	if (failures == 0)
		return 0;
	return failures <= 3 ? steps[failures - 1] : 86400000;
}

int64_t les_retry_at(int64_t now_ms, unsigned failures, const acme_problem_t *p)
{
	int64_t at = now_ms + les_backoff_ms(failures ? failures : 1);
	if (p && p->retry_at_ms > at)
		at = p->retry_at_ms;
	return at;
}

/* "_letsencrypt._tcp.<host>": the host as text, lower case. */
static bool owner_host(const uint8_t *owner, char *host, size_t cap)
{
	static const char *const want[] = {"_letsencrypt", "_tcp"};
	const uint8_t *p = owner;
	for (int i = 0; i < 2; i++) {
		size_t l = strlen(want[i]);
		if (p[0] != l || strncasecmp((const char *)p + 1, want[i], l) != 0)
			return false;
		p += 1 + l;
	}
	if (p[0] == 0 || dns_name_to_text(p, host, cap) == 0)
		return false;
	size_t hl = strlen(host);
	if (hl > 0 && host[hl - 1] == '.')
		host[hl - 1] = 0;
	for (char *s = host; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
	return true;
}

static void reject(les_csr_t *c, const char *type, const char *detail)
{
	c->state = LES_CSR_REJECT;
	snprintf(c->error, sizeof c->error, "%s", type);
	size_t l = strnlen(detail, sizeof c->detail - 1);
	memcpy(c->detail, detail, l);   /* cut to fit */
	c->detail[l] = 0;
}

/* Every name is <host> or inside a zone we can update; <host> is named. */
static void check_names(les_csr_t *c, const les_zone_t *zones, size_t n)
{
	bool host_named = false;
	for (size_t i = 0; i < c->names->n; i++) {
		const char *nm = c->names->name[i];
		const char *base = strncmp(nm, "*.", 2) == 0 ? nm + 2 : nm;
		uint8_t wire[DNS_NAME_MAX];
		size_t wl;
		host_named |= strcmp(nm, c->host) == 0;
		if (dns_name_from_text(wire, &wl, base, strlen(base), (const uint8_t *)"") != DNS_OK ||
		    les_zone_for(zones, n, wire) < 0) {
			char d[300];
			snprintf(d, sizeof d, "%s is outside the zones this solver can update", nm);
			reject(c, "names", d);
			return;
		}
	}
	if (!host_named)
		reject(c, "names", "the CSR does not name its host");
}

/* The CSR's names: its subjectAltName (else CN), plus the CN. */
static bool read_csr(les_csr_t *c, X509_REQ **req)
{
	char err[256];
	c->names = calloc(1, sizeof *c->names);
	if (!c->names)
		return false;
	if (acme_csr_names(c->der, c->der_len, c->names, err, sizeof err) != DNS_OK) {
		reject(c, "csr", err);
		return true;
	}
	*req = dns_certify_d2i_csr(c->der, c->der_len);
	X509_NAME *subj = *req ? X509_REQ_get_subject_name(*req) : NULL;
	char cn[DNS_CERTIFY_NAME_LEN];
	if (subj && X509_NAME_get_text_by_NID(subj, NID_commonName, cn, sizeof cn) > 0 &&
	    dns_certify_names_add(c->names, cn, err, sizeof err) != DNS_OK)
		reject(c, "csr", err);
	return true;
}

static void collect(const dns_rrset_t *set, les_csr_t *c, STACK_OF(X509) *certs,
                    STACK_OF(X509) *cas, size_t *ncsr)
{
	for (const uint8_t *rd = dns_rrset_first(set); rd; rd = dns_rrset_next(set, rd)) {
		const uint8_t *der;
		size_t dl;
		dns_certify_rec_t k = dns_certify_tlsa_kind(dns_rrset_rdata(rd), dns_rrset_rdlen(rd),
		                                            &der, &dl);
		X509 *x = NULL;
		if (k == DNS_CERTIFY_REC_CSR && ++*ncsr == 1) {
			c->der = malloc(dl ? dl : 1);
			if (c->der) {
				memcpy(c->der, der, dl);
				c->der_len = dl;
			}
		} else if ((k == DNS_CERTIFY_REC_CERT || k == DNS_CERTIFY_REC_CA) &&
		           (x = dns_certify_d2i_cert(der, dl)) != NULL) {
			/* records that are not certificates are skipped */
			if (!sk_X509_push(k == DNS_CERTIFY_REC_CERT ? certs : cas, x))
				X509_free(x);
		}
	}
}

static void read_status(les_csr_t *c, const dns_node_t *node)
{
	const dns_rrset_t *txt = dns_node_rrset(node, DNS_TYPE_TXT);
	for (const uint8_t *rd = txt ? dns_rrset_first(txt) : NULL; rd; rd = dns_rrset_next(txt, rd))
		if (dns_certify_status_parse(dns_rrset_rdata(rd), dns_rrset_rdlen(rd), &c->status) ==
		    DNS_OK) {
			c->has_status = true;
			return;
		}
}

/* The certificate records against the CSR: VALID, or ORDER (maybe a renewal). */
static void match(les_csr_t *c, X509_REQ *req, STACK_OF(X509) *certs, STACK_OF(X509) *cas,
                  int64_t now)
{
	c->state = LES_CSR_ORDER;
	EVP_PKEY *pub = req ? X509_REQ_get0_pubkey(req) : NULL;
	uint8_t *spki = NULL;
	size_t spki_len = 0;
	if (!pub || dns_certify_key_spki(pub, &spki, &spki_len) != DNS_OK)
		return;
	dns_certify_match_opts_t o = {.spki = spki, .spki_len = spki_len, .names = c->names,
	                              .now = now, .renew_before = 0};
	STACK_OF(X509) *chain = NULL;
	if (dns_certify_match(&o, certs, cas, &chain, NULL, 0) == DNS_CERTIFY_MATCH && chain) {
		X509 *ee = sk_X509_value(chain, 0);
		c->not_before = dns_certify_not_before(ee);
		c->not_after = dns_certify_not_after(ee);
		c->renew_at = les_renew_time(c->not_before, c->not_after);
		int l = i2d_X509(ee, NULL);
		unsigned char *p = l > 0 ? malloc((size_t)l) : NULL;
		if (p) {
			c->cert_der = p;
			c->cert_len = (size_t)i2d_X509(ee, &p);
		}
		if (now < c->renew_at)
			c->state = LES_CSR_VALID;
	}
	sk_X509_pop_free(chain, X509_free);
	OPENSSL_free(spki);
}

/* One owner: true when it is a CSR RRset to report (filled into @c). */
static bool scan_node(const les_zone_t *zones, size_t n, size_t zi, const dns_node_t *node,
                      int64_t now, les_csr_t *c)
{
	const dns_rrset_t *tlsa = dns_node_rrset(node, DNS_TYPE_TLSA);
	if (!tlsa || !owner_host(dns_node_name(node), c->host, sizeof c->host))
		return false;
	STACK_OF(X509) *certs = sk_X509_new_null(), *cas = sk_X509_new_null();
	size_t ncsr = 0;
	collect(tlsa, c, certs, cas, &ncsr);
	X509_REQ *req = NULL;
	bool keep = ncsr == 1 && c->der && certs && cas;
	if (keep) {
		dns_name_copy(c->owner, dns_node_name(node));
		c->zone = zi;
		read_status(c, node);
		keep = read_csr(c, &req);
		if (keep && c->state != LES_CSR_REJECT)
			check_names(c, zones, n);
		if (keep && c->state != LES_CSR_REJECT)
			match(c, req, certs, cas, now);
	}
	X509_REQ_free(req);
	sk_X509_pop_free(certs, X509_free);
	sk_X509_pop_free(cas, X509_free);
	if (!keep)
		les_csr_clear(c);
	return keep;
}

dns_err_t les_scan_zone(const les_zone_t *zones, size_t n, size_t zi, int64_t now,
                        les_csr_t **out, size_t *nout)
{
	*out = NULL;
	*nout = 0;
	const dns_zone_t *z = zi < n ? zones[zi].zone : NULL;
	size_t cap = 0;
	for (size_t i = 0; z && i < dns_zone_node_count(z); i++) {
		const dns_node_t *node = dns_zone_node_at(z, i);
		les_csr_t c = {0};
		if (!scan_node(zones, n, zi, node, now, &c))
			continue;
		if (*nout == cap) {
			cap = cap ? 2 * cap : 8;
			les_csr_t *g = realloc(*out, cap * sizeof **out);
			if (!g) {
				les_csr_clear(&c);
				return DNS_ENOMEM;
			}
			*out = g;
		}
		(*out)[(*nout)++] = c;
	}
	return DNS_OK;
}
