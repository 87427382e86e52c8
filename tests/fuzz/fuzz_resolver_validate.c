/* Fuzz target: the DNSSEC validator's building blocks on arbitrary
 * records.  The input is a DNS message: every RRset of the answer section
 * is verified against the DNSKEYs found anywhere in the message (as the
 * zone of the question's parent, and of the root), and the NSEC/NSEC3
 * records of the authority section are tried as NXDOMAIN, NODATA,
 * wildcard and DS-absence proofs for the question, all with small
 * budgets.  Nothing may crash, leak or exceed a budget. */
#include <stdint.h>
#include <stdlib.h>

#include "dns/dnssec.h"
#include "dns/msg.h"
#include "dns/name.h"
#include "dns/nsec.h"
#include "dns/rrtype.h"
#include "rrsets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_DENIAL 64

static void verify_answer(const dns_msg_t *m, const uint8_t *zone, res_arena_t *a)
{
	dns_rrset_t keys;
	if (!res_msg_rrset(m, DNS_SEC_AUTHORITY, zone, DNS_TYPE_DNSKEY, 0, a, &keys))
		res_msg_rrset(m, DNS_SEC_ANSWER, zone, DNS_TYPE_DNSKEY, 0, a, &keys);
	size_t n;
	const dns_msg_rr_t *rrs = dns_msg_section(m, DNS_SEC_ANSWER, &n);
	for (size_t i = 0; i < n && i < 32; i++) {
		const dns_rr_t *rr = &rrs[i].rr;
		if (rr->type == DNS_TYPE_RRSIG || rr->type == DNS_TYPE_OPT)
			continue;
		dns_rrset_t set, sigs;
		res_msg_rrset(m, DNS_SEC_ANSWER, rr->owner, rr->type, 0, a, &set);
		res_msg_rrset(m, DNS_SEC_ANSWER, rr->owner, DNS_TYPE_RRSIG, rr->type, a, &sigs);
		dns_dnssec_budget_t b = {.verifications = 8};
		uint32_t ttl;
		dns_rrset_verify(rr->owner, &set, &sigs, zone, &keys, 1750000000, &b, &ttl);
		if (b.verifications > 8)
			abort();
	}
}

static void try_denial(const dns_msg_t *m)
{
	dns_denial_rr_t d[MAX_DENIAL];
	size_t n, k = 0;
	const dns_msg_rr_t *rrs = dns_msg_section(m, DNS_SEC_AUTHORITY, &n);
	for (size_t i = 0; i < n && k < MAX_DENIAL; i++)
		if (rrs[i].rr.type == DNS_TYPE_NSEC || rrs[i].rr.type == DNS_TYPE_NSEC3)
			d[k++] = (dns_denial_rr_t){rrs[i].rr.owner, rrs[i].rr.type, rrs[i].rr.rdata,
			                           rrs[i].rr.rdlen};
	const uint8_t *zone = dns_name_parent(m->qname);
	if (!zone)
		zone = m->qname;
	unsigned h = 16;
	dns_denial_nxdomain(d, k, zone, m->qname, &h);
	h = 16;
	dns_denial_nodata(d, k, zone, m->qname, m->qtype, &h);
	h = 16;
	dns_denial_wildcard(d, k, zone, m->qname, dns_name_label_count(zone), &h);
	h = 16;
	dns_denial_ds(d, k, zone, m->qname, &h);
	if (h > 16)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	dns_msg_t m;
	if (dns_msg_parse(&m, data, size) == DNS_OK && m.has_question) {
		res_arena_t a = {0};
		const uint8_t *parent = dns_name_parent(m.qname);
		verify_answer(&m, parent ? parent : m.qname, &a);
		verify_answer(&m, dns_name_root, &a);
		try_denial(&m);
		res_arena_free(&a);
	}
	dns_msg_free(&m);
	return 0;
}
