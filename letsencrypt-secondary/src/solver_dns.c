/*
 * solver_dns.c - the DNS side of DNS-01 and of the write-back: TXT values
 * grouped per owner (CNAMEs followed), the UPDATE messages, and the
 * checks of the answers the propagation wait reads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "acme/solver.h"
#include "dns/name.h"
#include "dns/rrtype.h"
#include "dns/tsig.h"
#include "dns/wire.h"

/* Follow CNAMEs from @name (rewritten in place) inside @zones. */
static dns_err_t follow_cname(const les_zone_t *zones, size_t n, uint8_t *name, int *zi,
                              char *err, size_t errlen)
{
	for (unsigned hop = 0;; hop++) {
		*zi = les_zone_for(zones, n, name);
		char text[DNS_NAME_TEXT_MAX];
		dns_name_to_text(name, text, sizeof text);
		if (*zi < 0) {
			snprintf(err, errlen, "%s is outside the zones this solver can update", text);
			return DNS_EDENIED;
		}
		const dns_zone_t *z = zones[*zi].zone;
		const dns_node_t *node = z ? dns_zone_find(z, name) : NULL;
		const dns_rrset_t *cn = node ? dns_node_rrset(node, DNS_TYPE_CNAME) : NULL;
		if (!cn || cn->count == 0)
			return DNS_OK;
		if (hop == LES_CNAME_HOPS) {
			snprintf(err, errlen, "more than %d CNAMEs from %s", LES_CNAME_HOPS, text);
			return DNS_ELIMIT;
		}
		/* The target must be one uncompressed name filling the rdata:
		 * zone data is checked again here, never trusted to be. */
		const uint8_t *rd = dns_rrset_first(cn);
		size_t rdlen = dns_rrset_rdlen(rd), tlen = 0;
		uint8_t target[DNS_NAME_MAX];
		dns_rbuf_t r;
		dns_rbuf_init(&r, dns_rrset_rdata(rd), rdlen);
		if (dns_name_unpack(&r, target, &tlen) != DNS_OK || tlen != rdlen ||
		    dns_rbuf_left(&r) != 0) {
			snprintf(err, errlen, "the CNAME at %s is malformed", text);
			return DNS_EMALFORMED;
		}
		memcpy(name, target, tlen);
		dns_name_lower(name);
	}
}

static dns_err_t add_value(les_txt_group_t **groups, size_t *ng, int zi, const uint8_t *owner,
                           const char *value)
{
	les_txt_group_t *g = NULL;
	for (size_t i = 0; i < *ng && !g; i++)
		if (dns_name_equal((*groups)[i].owner, owner))
			g = &(*groups)[i];
	if (!g) {
		les_txt_group_t *m = realloc(*groups, (*ng + 1) * sizeof *m);
		if (!m)
			return DNS_ENOMEM;
		*groups = m;
		g = &m[(*ng)++];
		memset(g, 0, sizeof *g);
		g->zone = (size_t)zi;
		dns_name_copy(g->owner, owner);
	}
	for (size_t i = 0; i < g->n; i++)
		if (strcmp(g->values[i], value) == 0)
			return DNS_OK;
	if (g->n == LES_GROUP_VALUES)
		return DNS_ELIMIT;
	snprintf(g->values[g->n++], sizeof g->values[0], "%s", value);
	return DNS_OK;
}

dns_err_t les_plan_dns01(const les_zone_t *zones, size_t n, const acme_txt_t *txt,
                         size_t n_txt, les_txt_group_t **groups, size_t *ngroups, char *err,
                         size_t errlen)
{
	*groups = NULL;
	*ngroups = 0;
	dns_err_t e = DNS_OK;
	for (size_t i = 0; e == DNS_OK && i < n_txt; i++) {
		uint8_t name[DNS_NAME_MAX];
		size_t len;
		int zi;
		e = dns_name_from_text(name, &len, txt[i].name, strlen(txt[i].name), (const uint8_t *)"");
		if (e != DNS_OK) {
			snprintf(err, errlen, "%s is not a domain name", txt[i].name);
			e = DNS_ESYNTAX;
			break;
		}
		dns_name_lower(name);
		e = follow_cname(zones, n, name, &zi, err, errlen);
		if (e == DNS_OK)
			e = add_value(groups, ngroups, zi, name, txt[i].value);
		if (e == DNS_ELIMIT && !err[0])
			snprintf(err, errlen, "too many TXT values at %s", txt[i].name);
	}
	if (e != DNS_OK) {
		free(*groups);
		*groups = NULL;
		*ngroups = 0;
	}
	return e;
}

/* ---- UPDATE ---- */

dns_err_t les_update_init(les_update_t *u, uint8_t *buf, size_t cap, const uint8_t *origin,
                          const dns_tsig_key_t *key, uint16_t id)
{
	u->key = key;
	u->buf = buf;
	u->cap = cap;
	dns_msg_builder_init(&u->b, buf, cap, cap);
	if (key)
		dns_msg_builder_reserve(&u->b, dns_tsig_space(key));
	dns_err_t e = dns_msg_builder_header(&u->b, id, dns_flags_set_opcode(0, DNS_OPCODE_UPDATE));
	return e ? e : dns_msg_builder_question(&u->b, origin, DNS_TYPE_SOA, DNS_CLASS_IN);
}

static dns_err_t put(les_update_t *u, const uint8_t *owner, uint16_t type, uint16_t rclass,
                     uint32_t ttl, const uint8_t *rdata, size_t rdlen)
{
	if (rdlen > 65535)
		return DNS_ELIMIT;
	dns_rr_t rr = {.owner = owner, .type = type, .rclass = rclass, .ttl = ttl,
	               .rdlen = (uint16_t)rdlen, .rdata = rdata};
	return dns_msg_builder_rr(&u->b, DNS_SEC_UPDATE, &rr);
}

dns_err_t les_update_add(les_update_t *u, const uint8_t *owner, uint16_t type, uint32_t ttl,
                         const uint8_t *rdata, size_t rdlen)
{
	return put(u, owner, type, DNS_CLASS_IN, ttl, rdata, rdlen);
}

dns_err_t les_update_del(les_update_t *u, const uint8_t *owner, uint16_t type,
                         const uint8_t *rdata, size_t rdlen)
{
	return put(u, owner, type, DNS_CLASS_NONE, 0, rdata, rdlen);
}

dns_err_t les_update_finish(les_update_t *u, uint64_t now_s, size_t *len, uint8_t *mac,
                            size_t *maclen)
{
	*len = dns_msg_builder_finish(&u->b);
	*maclen = 0;
	if (!u->key)
		return DNS_OK;
	return dns_tsig_sign(u->buf, len, u->cap, u->key, now_s, mac, maclen);
}

static size_t txt_rdata(const char *value, uint8_t *rd)
{
	size_t l = strlen(value);
	rd[0] = (uint8_t)l;
	memcpy(rd + 1, value, l);
	return l + 1;
}

dns_err_t les_update_challenge(les_update_t *u, const les_txt_group_t *g, bool add)
{
	dns_err_t e = DNS_OK;
	for (size_t i = 0; e == DNS_OK && i < g->n; i++) {
		uint8_t rd[80];
		size_t l = txt_rdata(g->values[i], rd);
		e = add ? les_update_add(u, g->owner, DNS_TYPE_TXT, LES_CHALLENGE_TTL, rd, l)
		        : les_update_del(u, g->owner, DNS_TYPE_TXT, rd, l);
	}
	return e;
}

/* Delete the certify1 status records at @owner (by value). */
static dns_err_t del_status(les_update_t *u, const dns_zone_t *zone, const uint8_t *owner)
{
	const dns_node_t *node = zone ? dns_zone_find(zone, owner) : NULL;
	const dns_rrset_t *txt = node ? dns_node_rrset(node, DNS_TYPE_TXT) : NULL;
	dns_err_t e = DNS_OK;
	for (const uint8_t *rd = txt ? dns_rrset_first(txt) : NULL; e == DNS_OK && rd;
	     rd = dns_rrset_next(txt, rd)) {
		dns_certify_status_t st;
		dns_err_t pe = dns_certify_status_parse(dns_rrset_rdata(rd), dns_rrset_rdlen(rd), &st);
		if (pe == DNS_OK || pe == DNS_ESYNTAX)
			e = les_update_del(u, owner, DNS_TYPE_TXT, dns_rrset_rdata(rd),
			                   dns_rrset_rdlen(rd));
	}
	return e;
}

dns_err_t les_update_status(les_update_t *u, const dns_zone_t *zone, const uint8_t *owner,
                            const dns_certify_status_t *st)
{
	char text[DNS_CERTIFY_STATUS_MAX];
	uint8_t rd[DNS_CERTIFY_STATUS_MAX + 64];
	size_t rl;
	dns_err_t e = dns_certify_status_format(st, text, sizeof text);
	if (e == DNS_OK)
		e = dns_certify_txt_rdata(text, rd, sizeof rd, &rl);
	if (e == DNS_OK)
		e = del_status(u, zone, owner);
	return e ? e : les_update_add(u, owner, DNS_TYPE_TXT, DNS_CERTIFY_TTL, rd, rl);
}

/* The DER of each certificate of a PEM chain (at most @max); count. */
static size_t chain_ders(const char *pem, size_t len, uint8_t **der, size_t *dl, size_t max)
{
	if (len > ACME_BODY_MAX)
		return 0;
	BIO *b = BIO_new_mem_buf(pem, (int)len);
	size_t n = 0;
	X509 *x;
	while (b && n < max && (x = PEM_read_bio_X509(b, NULL, NULL, NULL))) {
		int l = i2d_X509(x, NULL);
		unsigned char *p = l > 0 ? malloc((size_t)l) : NULL;
		if (p) {
			der[n] = p;
			dl[n++] = (size_t)i2d_X509(x, &p);
		}
		X509_free(x);
	}
	BIO_free(b);
	return n;
}

static bool in_chain(uint8_t **der, const size_t *dl, size_t n, const uint8_t *d, size_t l)
{
	for (size_t i = 0; i < n; i++)
		if (dl[i] == l && memcmp(der[i], d, l) == 0)
			return true;
	return false;
}

/* Remove the certificate and CA records at @owner not in the new chain. */
static dns_err_t del_superseded(les_update_t *u, const dns_zone_t *zone, const uint8_t *owner,
                                uint8_t **der, const size_t *dl, size_t n)
{
	const dns_node_t *node = zone ? dns_zone_find(zone, owner) : NULL;
	const dns_rrset_t *set = node ? dns_node_rrset(node, DNS_TYPE_TLSA) : NULL;
	dns_err_t e = DNS_OK;
	for (const uint8_t *rd = set ? dns_rrset_first(set) : NULL; e == DNS_OK && rd;
	     rd = dns_rrset_next(set, rd)) {
		const uint8_t *d;
		size_t l;
		dns_certify_rec_t k = dns_certify_tlsa_kind(dns_rrset_rdata(rd), dns_rrset_rdlen(rd),
		                                            &d, &l);
		if ((k == DNS_CERTIFY_REC_CERT || k == DNS_CERTIFY_REC_CA) &&
		    !in_chain(der, dl, n, d, l))
			e = les_update_del(u, owner, DNS_TYPE_TLSA, dns_rrset_rdata(rd),
			                   dns_rrset_rdlen(rd));
	}
	return e;
}

dns_err_t les_update_writeback(les_update_t *u, const dns_zone_t *zone, const uint8_t *owner,
                               const char *chain_pem, size_t chain_len, int64_t now)
{
	uint8_t *der[16];
	size_t dl[16];
	size_t n = chain_ders(chain_pem, chain_len, der, dl, 16);
	if (n == 0)
		return DNS_ESYNTAX;
	dns_err_t e = del_superseded(u, zone, owner, der, dl, n);
	uint8_t *rd = malloc(LES_MSG_MAX);
	if (!rd)
		e = DNS_ENOMEM;
	for (size_t i = 0; e == DNS_OK && i < n; i++) {
		size_t rl;
		e = dns_certify_tlsa_encode(i == 0 ? DNS_CERTIFY_REC_CERT : DNS_CERTIFY_REC_CA, der[i],
		                            dl[i], rd, LES_MSG_MAX, &rl);
		if (e == DNS_OK)
			e = les_update_add(u, owner, DNS_TYPE_TLSA, DNS_CERTIFY_TTL, rd, rl);
	}
	free(rd);
	for (size_t i = 0; i < n; i++)
		free(der[i]);
	dns_certify_status_t st = {.state = DNS_CERTIFY_STATE_VALID};
	(void)now;
	return e ? e : les_update_status(u, zone, owner, &st);
}

/* ---- propagation ---- */

static bool addr_of(const uint8_t *rd, size_t len, uint16_t type, uint16_t port,
                    dns_net_addr_t *a)
{
	memset(a, 0, sizeof *a);
	if (type == DNS_TYPE_A && len == 4) {
		struct sockaddr_in *s = (struct sockaddr_in *)&a->ss;
		s->sin_family = AF_INET;
		s->sin_port = htons(port);
		memcpy(&s->sin_addr, rd, 4);
		a->len = sizeof *s;
		return true;
	}
	if (type == DNS_TYPE_AAAA && len == 16) {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&a->ss;
		s->sin6_family = AF_INET6;
		s->sin6_port = htons(port);
		memcpy(&s->sin6_addr, rd, 16);
		a->len = sizeof *s;
		return true;
	}
	return false;
}

/* Addresses of NS name @ns from any followed zone's data. */
static size_t ns_name_addrs(const les_zone_t *zones, size_t n, const uint8_t *ns, uint16_t port,
                            dns_net_addr_t *out, size_t max)
{
	int zi = les_zone_for(zones, n, ns);
	const dns_node_t *node = zi >= 0 && zones[zi].zone ? dns_zone_find(zones[zi].zone, ns) : NULL;
	size_t k = 0;
	static const uint16_t types[] = {DNS_TYPE_A, DNS_TYPE_AAAA};
	for (size_t t = 0; node && t < 2; t++) {
		const dns_rrset_t *s = dns_node_rrset(node, types[t]);
		for (const uint8_t *rd = s ? dns_rrset_first(s) : NULL; rd && k < max;
		     rd = dns_rrset_next(s, rd))
			k += addr_of(dns_rrset_rdata(rd), dns_rrset_rdlen(rd), types[t], port, &out[k]);
	}
	return k;
}

size_t les_ns_addrs(const les_zone_t *zones, size_t n, size_t zi, uint16_t port,
                    const dns_net_addr_t *extra, size_t n_extra, bool only_extra,
                    dns_net_addr_t *out, size_t max)
{
	size_t k = 0;
	const dns_zone_t *z = zi < n ? zones[zi].zone : NULL;
	const dns_node_t *apex = z && !only_extra ? dns_zone_apex(z) : NULL;
	const dns_rrset_t *ns = apex ? dns_node_rrset(apex, DNS_TYPE_NS) : NULL;
	for (const uint8_t *rd = ns ? dns_rrset_first(ns) : NULL; rd && k < max;
	     rd = dns_rrset_next(ns, rd))
		k += ns_name_addrs(zones, n, dns_rrset_rdata(rd), port, out + k, max - k);
	for (size_t i = 0; i < n_extra && k < max; i++)
		out[k++] = extra[i];
	return k;
}

size_t les_query(uint8_t *buf, size_t cap, uint16_t id, const uint8_t *qname, uint16_t qtype)
{
	dns_msg_builder_t b;
	dns_msg_builder_init(&b, buf, cap, cap);
	if (dns_msg_builder_header(&b, id, 0) != DNS_OK ||
	    dns_msg_builder_question(&b, qname, qtype, DNS_CLASS_IN) != DNS_OK)
		return 0;
	return dns_msg_builder_finish(&b);
}

/* The answer RRset of @type at @owner in a NOERROR answer: calls @fn per rdata. */
static bool answer_rrs(const uint8_t *msg, size_t len, const uint8_t *owner, uint16_t type,
                       bool (*fn)(void *, const uint8_t *, size_t), void *arg)
{
	dns_msg_t m;
	bool found = false;
	if (dns_msg_parse(&m, msg, len) == DNS_OK && dns_flags_rcode(m.flags) == DNS_RCODE_NOERROR) {
		size_t n;
		const dns_msg_rr_t *rr = dns_msg_section(&m, DNS_SEC_ANSWER, &n);
		for (size_t i = 0; i < n; i++)
			if (rr[i].rr.type == type && dns_name_equal(rr[i].rr.owner, owner))
				found |= fn(arg, rr[i].rr.rdata, rr[i].rr.rdlen);
	}
	dns_msg_free(&m);
	return found;
}

static bool soa_serial(void *arg, const uint8_t *rd, size_t len)
{
	/* MNAME and RNAME (uncompressed), then the serial */
	size_t a = dns_name_length(rd), b = a < len ? dns_name_length(rd + a) : 0;
	if (a == 0 || b == 0 || a + b + 20 > len)
		return false;
	const uint8_t *s = rd + a + b;
	*(uint32_t *)arg = (uint32_t)s[0] << 24 | (uint32_t)s[1] << 16 | (uint32_t)s[2] << 8 | s[3];
	return true;
}

bool les_answer_serial(const uint8_t *msg, size_t len, const uint8_t *origin, uint32_t *serial)
{
	return answer_rrs(msg, len, origin, DNS_TYPE_SOA, soa_serial, serial);
}

typedef struct txt_seen {
	const les_txt_group_t *g;
	bool seen[LES_GROUP_VALUES];
} txt_seen_t;

static bool txt_value(void *arg, const uint8_t *rd, size_t len)
{
	txt_seen_t *t = arg;
	for (size_t i = 0; i < t->g->n; i++) {
		size_t l = strlen(t->g->values[i]);
		if (len == l + 1 && rd[0] == l && memcmp(rd + 1, t->g->values[i], l) == 0)
			t->seen[i] = true;
	}
	return true;
}

bool les_answer_has_txt(const uint8_t *msg, size_t len, const les_txt_group_t *g)
{
	txt_seen_t t = {.g = g};
	answer_rrs(msg, len, g->owner, DNS_TYPE_TXT, txt_value, &t);
	for (size_t i = 0; i < g->n; i++)
		if (!t.seen[i])
			return false;
	return g->n > 0;
}
