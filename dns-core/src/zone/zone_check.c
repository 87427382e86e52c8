/*
 * zone_check.c - consistency checks of a built zone (RFC 1034 §4.2.1 SOA
 * and NS at the apex, RFC 1034 §3.6.2 / RFC 2181 §10.1 CNAME, RFC 6672
 * DNAME, delegations and glue).
 */
#include "dns/rrtype.h"
#include "zone_impl.h"

typedef struct check {
	const dns_zone_t *z;
	dns_zone_report_fn fn;
	void *ctx;
	size_t errors;
} check_t;

static void report(check_t *c, const uint8_t *owner, uint16_t type, bool error, const char *msg)
{
	if (error)
		c->errors++;
	if (c->fn)
		c->fn(c->ctx, owner, type, error, msg);
}

static void check_apex(check_t *c)
{
	const dns_node_t *apex = dns_zone_apex(c->z);
	const uint8_t *origin = dns_zone_origin(c->z);
	const dns_rrset_t *soa = apex ? dns_node_rrset(apex, DNS_TYPE_SOA) : NULL;
	if (!soa)
		report(c, origin, DNS_TYPE_SOA, true, "no SOA record at the zone apex");
	else if (soa->count > 1)
		report(c, origin, DNS_TYPE_SOA, true, "more than one SOA record at the zone apex");
	if (!apex || !dns_node_rrset(apex, DNS_TYPE_NS))
		report(c, origin, DNS_TYPE_NS, true, "no NS records at the zone apex");
}

/* CNAME may only share its owner with DNSSEC records (RFC 4035 §2.5). */
static void check_cname(check_t *c, const dns_node_t *n)
{
	const dns_rrset_t *cname = dns_node_rrset(n, DNS_TYPE_CNAME);
	if (!cname)
		return;
	if (cname->count > 1)
		report(c, n->name, DNS_TYPE_CNAME, true, "more than one CNAME record");
	for (size_t i = 0; i < n->nrrsets; i++) {
		uint16_t t = n->rrsets[i].type;
		if (t != DNS_TYPE_CNAME && t != DNS_TYPE_RRSIG && t != DNS_TYPE_NSEC) {
			report(c, n->name, DNS_TYPE_CNAME, true, "CNAME beside other data");
			break;
		}
	}
}

/* The rdata is exactly one well-formed name (NS); zone data may be raw. */
static bool is_name(const uint8_t *p, size_t len)
{
	size_t off = 0;
	while (off < len && p[off] && p[off] <= DNS_LABEL_MAX)
		off += p[off] + 1u;
	return off < len && p[off] == 0 && off + 1 == len && len <= DNS_NAME_MAX;
}

/* Every in-zone name server of a delegation needs address records. */
static void check_glue(check_t *c, const dns_node_t *n)
{
	const dns_rrset_t *ns = dns_node_rrset(n, DNS_TYPE_NS);
	const uint8_t *origin = dns_zone_origin(c->z);
	for (const uint8_t *rd = dns_rrset_first(ns); rd; rd = dns_rrset_next(ns, rd)) {
		const uint8_t *target = dns_rrset_rdata(rd);
		if (!is_name(target, dns_rrset_rdlen(rd))) {
			report(c, n->name, DNS_TYPE_NS, true, "malformed NS rdata");
			continue;
		}
		if (!dns_name_is_subdomain(target, origin))
			continue;
		const dns_node_t *t = dns_zone_find(c->z, target);
		if (!t || (!dns_node_rrset(t, DNS_TYPE_A) && !dns_node_rrset(t, DNS_TYPE_AAAA)))
			report(c, n->name, DNS_TYPE_NS, true,
			       "in-zone name server of a delegation has no A/AAAA records");
	}
}

static void check_node(check_t *c, const dns_node_t *n)
{
	bool apex = n->flags & DNS_NODE_APEX;
	if (!apex && dns_node_rrset(n, DNS_TYPE_SOA))
		report(c, n->name, DNS_TYPE_SOA, true, "SOA record outside the zone apex");
	check_cname(c, n);
	const dns_rrset_t *dname = dns_node_rrset(n, DNS_TYPE_DNAME);
	if (dname && dname->count > 1)
		report(c, n->name, DNS_TYPE_DNAME, true, "more than one DNAME record");
	if ((n->flags & DNS_NODE_BELOW_DNAME) && n->nrrsets)
		report(c, n->name, 0, true, "data below a DNAME");
	if (n->flags & DNS_NODE_NONAUTH) {
		for (size_t i = 0; i < n->nrrsets; i++) {
			uint16_t t = n->rrsets[i].type;
			if (t != DNS_TYPE_A && t != DNS_TYPE_AAAA)
				report(c, n->name, t, true, "data below a delegation other than glue");
		}
	} else if (n->flags & DNS_NODE_DELEGATION) {
		for (size_t i = 0; i < n->nrrsets; i++) {
			uint16_t t = n->rrsets[i].type;
			if (t != DNS_TYPE_NS && t != DNS_TYPE_DS && t != DNS_TYPE_RRSIG &&
			    t != DNS_TYPE_NSEC && t != DNS_TYPE_A && t != DNS_TYPE_AAAA)
				report(c, n->name, t, false, "data at a delegation point is not served");
		}
		check_glue(c, n);
	}
}

size_t dns_zone_check(const dns_zone_t *z, dns_zone_report_fn fn, void *ctx)
{
	check_t c = {z, fn, ctx, 0};
	check_apex(&c);
	for (size_t i = 0; i < z->nnodes; i++)
		check_node(&c, &z->nodes[i]);
	for (size_t i = 0; i < z->nmismatch; i++)
		report(&c, z->nodes[z->mismatch[i].node].name, z->mismatch[i].type, false,
		       "TTLs differ within an RRset; the first one is used");
	return c.errors;
}
