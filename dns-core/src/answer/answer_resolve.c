/*
 * answer_resolve.c - RFC 1034 §4.3.2 step 3 onwards for a question inside
 * one zone: exact answers, in-zone CNAME chains, DNAME synthesis
 * (RFC 6672 §3.1), wildcards (RFC 4592 §3.3.2), referrals with glue
 * (RFC 9471), negative answers (RFC 2308 §3) and the additional section.
 *
 * Sections must be appended in order, and the resolution naturally does
 * so: the chain fills the answer section, its last step the authority
 * section, and only then are the collected additional names resolved.
 */
#include <string.h>

#include "dns/rrtype.h"
#include "dns/zone.h"
#include "answer_impl.h"
#include "internal/rdata_priv.h"

/* An RRset that must be sent: when it does not fit, the response is truncated. */
static bool put_required(answer_t *a, int sec, const uint8_t *owner, const dns_rrset_t *set)
{
	if (a->tc)
		return false;
	dns_err_t err = dns_msg_builder_rrset(&a->mb, sec, owner, dns_zone_class(a->zone), set);
	if (err) {
		a->tc = true;
		return false;
	}
	return true;
}

/* An RRset that is only helpful (additional data): silently left out if it does not fit. */
static void put_optional(answer_t *a, const uint8_t *owner, const dns_rrset_t *set)
{
	if (set && !a->tc)
		(void)dns_msg_builder_rrset(&a->mb, DNS_SEC_ADDITIONAL, owner, dns_zone_class(a->zone),
		                            set);
}

/* A well-formed uncompressed name within @len bytes (zone rdata is not trusted blindly). */
static bool name_fits(const uint8_t *p, size_t len)
{
	return dns__wire_name_len(p, len) != 0;
}

static void note_additional(answer_t *a, const uint8_t *name)
{
	if (a->nadditional == ANSWER_ADDITIONAL_MAX || !dns_name_is_subdomain(name, dns_zone_origin(a->zone)))
		return;
	for (unsigned i = 0; i < a->nadditional; i++)
		if (dns_name_equal(a->additional[i], name))
			return;
	a->additional[a->nadditional++] = name;
}

/* Remember the target names of MX, SRV and NS records (RFC 1035 §3.3.9, RFC 2782). */
static void collect_targets(answer_t *a, const dns_rrset_t *set)
{
	size_t skip;
	switch (set->type) {
	case DNS_TYPE_NS: skip = 0; break;
	case DNS_TYPE_MX: skip = 2; break;
	case DNS_TYPE_SRV: skip = 6; break;
	default: return;
	}
	for (const uint8_t *rd = dns_rrset_first(set); rd; rd = dns_rrset_next(set, rd)) {
		uint16_t len = dns_rrset_rdlen(rd);
		if (len > skip && name_fits(dns_rrset_rdata(rd) + skip, len - skip))
			note_additional(a, dns_rrset_rdata(rd) + skip);
	}
}

static void add_additional(answer_t *a)
{
	for (unsigned i = 0; i < a->nadditional; i++) {
		const dns_node_t *n = dns_zone_find(a->zone, a->additional[i]);
		if (!n)
			continue;
		put_optional(a, dns_node_name(n), dns_node_rrset(n, DNS_TYPE_A));
		put_optional(a, dns_node_name(n), dns_node_rrset(n, DNS_TYPE_AAAA));
	}
}

/* SOA MINIMUM: the last 4 bytes of the rdata. */
static uint32_t soa_minimum(const dns_rrset_t *soa)
{
	uint16_t len = dns_rrset_rdlen(soa->data);
	return len >= 4 ? dns_get32(dns_rrset_rdata(soa->data) + len - 4) : 0;
}

/* NXDOMAIN and NODATA: the SOA in authority with TTL min(TTL, MINIMUM) (RFC 2308 §3). */
static void put_negative(answer_t *a, uint16_t rcode)
{
	a->rcode = rcode;
	const dns_rrset_t *soa = dns_zone_soa(a->zone);
	if (!soa || soa->count == 0)
		return;
	dns_rrset_t neg = *soa;
	neg.count = 1;
	neg.size = 2u + dns_rrset_rdlen(soa->data);
	uint32_t min = soa_minimum(soa);
	if (min < neg.ttl)
		neg.ttl = min;
	put_required(a, DNS_SEC_AUTHORITY, dns_zone_origin(a->zone), &neg);
}

/* Referral (RFC 1034 §4.3.2 step 3b): the cut's NS in authority, glue in additional. */
static void put_referral(answer_t *a, const dns_node_t *cut)
{
	const dns_rrset_t *ns = dns_node_rrset(cut, DNS_TYPE_NS);
	if (!put_required(a, DNS_SEC_AUTHORITY, dns_node_name(cut), ns))
		return;
	const uint8_t *origin = dns_zone_origin(a->zone);
	for (const uint8_t *rd = dns_rrset_first(ns); rd; rd = dns_rrset_next(ns, rd)) {
		const uint8_t *target = dns_rrset_rdata(rd);
		if (!name_fits(target, dns_rrset_rdlen(rd)) || !dns_name_is_subdomain(target, origin))
			continue;
		const dns_node_t *n = dns_zone_find(a->zone, target);
		if (!n)
			continue;
		/* RFC 9471 §3: glue below the cut is required, sibling glue is not */
		bool in_domain = dns_name_is_subdomain(target, dns_node_name(cut));
		const uint16_t types[2] = {DNS_TYPE_A, DNS_TYPE_AAAA};
		for (int i = 0; i < 2; i++) {
			const dns_rrset_t *g = dns_node_rrset(n, types[i]);
			if (!g)
				continue;
			if (in_domain)
				put_required(a, DNS_SEC_ADDITIONAL, dns_node_name(n), g);
			else
				put_optional(a, dns_node_name(n), g);
		}
	}
}

/* RFC 8482 §4.2: answer ANY with one RRset, the one of the lowest type. */
static const dns_rrset_t *pick_rrset(const dns_node_t *n, uint16_t qtype)
{
	if (qtype != DNS_TYPE_ANY)
		return dns_node_rrset(n, qtype);
	for (size_t i = 0; i < dns_node_rrset_count(n); i++) {
		const dns_rrset_t *s = dns_node_rrset_at(n, i);
		if (s->type != DNS_TYPE_RRSIG)
			return s;
	}
	return NULL;
}

/* DNAME substitution (RFC 6672 §2.2): replace the owner suffix of @name by the target. */
static bool dname_substitute(const uint8_t *name, const dns_node_t *owner,
                             const dns_rrset_t *dname, uint8_t out[DNS_NAME_MAX])
{
	const uint8_t *target = dns_rrset_rdata(dname->data);
	uint16_t tlen = dns_rrset_rdlen(dname->data);
	if (!name_fits(target, tlen))
		return false;
	unsigned keep = dns_name_label_count(name) - dns_name_label_count(dns_node_name(owner));
	size_t plen = (size_t)(dns_name_skip_labels(name, keep) - name);
	if (plen + tlen > DNS_NAME_MAX)
		return false;
	memcpy(out, name, plen);
	memcpy(out + plen, target, tlen);
	return true;
}

/* Data at a matched node (@owner is qname, or the name a wildcard stands for). */
static const uint8_t *answer_node(answer_t *a, const dns_node_t *n, const uint8_t *owner)
{
	/* RFC 1034 §4.3.2 step 3a: a CNAME is followed unless it is what was asked (ANY too) */
	const dns_rrset_t *cname = dns_node_rrset(n, DNS_TYPE_CNAME);
	if (cname && a->qtype != DNS_TYPE_CNAME && a->qtype != DNS_TYPE_ANY) {
		if (!put_required(a, DNS_SEC_ANSWER, owner, cname))
			return NULL;
		const uint8_t *target = dns_rrset_rdata(cname->data);
		return name_fits(target, dns_rrset_rdlen(cname->data)) ? target : NULL;
	}
	const dns_rrset_t *set = pick_rrset(n, a->qtype);
	if (!set) {
		put_negative(a, DNS_RCODE_NOERROR);
		return NULL;
	}
	if (put_required(a, DNS_SEC_ANSWER, owner, set))
		collect_targets(a, set);
	return NULL;
}

/* A DNAME above @name: the DNAME and the CNAME it synthesizes, then the new name. */
static const uint8_t *answer_dname(answer_t *a, const dns_node_t *n, const uint8_t *name,
                                   uint8_t *buf)
{
	const dns_rrset_t *dname = dns_node_rrset(n, DNS_TYPE_DNAME);
	if (!put_required(a, DNS_SEC_ANSWER, dns_node_name(n), dname))
		return NULL;
	if (!dname_substitute(name, n, dname, buf)) {
		a->rcode = DNS_RCODE_YXDOMAIN; /* RFC 6672 §2.2: the result is too long */
		return NULL;
	}
	dns_rr_t cname = {
		.owner = name, .type = DNS_TYPE_CNAME, .rclass = dns_zone_class(a->zone),
		.ttl = dname->ttl, .rdlen = (uint16_t)dns_name_length(buf), .rdata = buf,
	};
	if (a->tc || dns_msg_builder_rr(&a->mb, DNS_SEC_ANSWER, &cname) != DNS_OK) {
		a->tc = true;
		return NULL;
	}
	/* The synthesized CNAME answers a question for the CNAME itself (RFC 6672
	 * §3.2, as for a real CNAME in RFC 1034 §4.3.2 step 3a): no chasing. */
	if (a->qtype == DNS_TYPE_CNAME || a->qtype == DNS_TYPE_ANY)
		return NULL;
	return buf;
}

/* The kind of response, from the first lookup and what came of the chain
 * (for rate limiting: dns/answer.h). */
static void classify(answer_t *a, dns_lookup_kind_t first, const dns_node_t *node)
{
	const uint8_t *origin = dns_zone_origin(a->zone);
	a->kind_name = origin;
	if (a->rcode == DNS_RCODE_NXDOMAIN) {
		a->kind = DNS_ANSWER_KIND_NXDOMAIN;
	} else if (a->rcode != DNS_RCODE_NOERROR || !node) {
		a->kind = DNS_ANSWER_KIND_ERROR;
	} else if (a->mb.count[DNS_SEC_ANSWER] > 0 || a->tc) {
		a->kind = first == DNS_LOOKUP_WILDCARD ? DNS_ANSWER_KIND_WILDCARD
		                                       : DNS_ANSWER_KIND_POSITIVE;
		a->kind_name = dns_node_name(node);
	} else if (!a->aa) {
		a->kind = DNS_ANSWER_KIND_REFERRAL;
		a->kind_name = dns_node_name(node);
	} else {
		a->kind = DNS_ANSWER_KIND_NODATA;
	}
}

void answer_resolve(answer_t *a)
{
	const uint8_t *name = a->qname;
	const dns_node_t *seen[ANSWER_CHAIN_MAX + 1];
	dns_lookup_kind_t first = DNS_LOOKUP_OUTSIDE;
	const dns_node_t *first_node = NULL;
	a->aa = true;
	for (unsigned hop = 0; name; hop++) {
		dns_lookup_t res;
		const uint8_t *next = NULL;
		dns_lookup_kind_t kind = dns_zone_lookup(a->zone, name, &res);
		if (hop == 0) {
			first = kind;
			if (kind != DNS_LOOKUP_NXDOMAIN && kind != DNS_LOOKUP_OUTSIDE)
				first_node = res.node;
		}
		switch (kind) {
		case DNS_LOOKUP_MATCH:
			next = answer_node(a, res.node, name);
			break;
		case DNS_LOOKUP_WILDCARD:
			next = answer_node(a, res.node, name);
			break;
		case DNS_LOOKUP_DELEGATION:
			/* RFC 4035 §3.1.4.1: DS at the cut is the parent's data */
			if (a->qtype == DNS_TYPE_DS && dns_name_equal(dns_node_name(res.node), name)) {
				next = answer_node(a, res.node, name);
				break;
			}
			if (hop == 0)
				a->aa = false;
			put_referral(a, res.node);
			break;
		case DNS_LOOKUP_DNAME:
			next = answer_dname(a, res.node, name, a->synth[hop]);
			break;
		case DNS_LOOKUP_NXDOMAIN:
			put_negative(a, DNS_RCODE_NXDOMAIN);
			break;
		case DNS_LOOKUP_OUTSIDE:
			break;
		}
		if (!next || a->tc)
			break;
		/* follow inside this zone only, and never twice through the same node */
		seen[hop] = res.node;
		if (hop == ANSWER_CHAIN_MAX || !dns_name_is_subdomain(next, dns_zone_origin(a->zone)))
			break;
		bool loop = false;
		const dns_node_t *t = dns_zone_find(a->zone, next);
		for (unsigned i = 0; t && i <= hop; i++)
			loop |= seen[i] == t;
		if (loop)
			break;
		name = next;
	}
	add_additional(a);
	classify(a, first, first_node);
}
