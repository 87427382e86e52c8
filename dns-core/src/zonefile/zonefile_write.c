/*
 * zonefile_write.c - a zone as canonical, deterministic master file text.
 *
 * One record per line with every field explicit (absolute owner, TTL,
 * class, type), so the output needs no context to read and two zones with
 * the same data print identically: the SOA first, then nodes in canonical
 * order (RFC 4034 §6.1), types ascending, records in the canonical order
 * the zone already keeps them in.
 */
#include <stdio.h>
#include <stdlib.h>

#include "dns/name.h"
#include "dns/rdata.h"
#include "dns/rrtype.h"
#include "dns/zonefile.h"

/* Longest rdata text: 65535 bytes as "\DDD"-escaped strings or hex with
 * separators stays below 5 characters a byte. */
#define WRITE_TEXT_MAX (65535u * 5u + 64u)

typedef struct writer {
	FILE *out;
	char cls[24];
	char *text;
} writer_t;

static dns_err_t write_rrset(writer_t *w, const uint8_t *owner, const dns_rrset_t *s)
{
	char name[DNS_NAME_TEXT_MAX], type[24];
	dns_name_to_text(owner, name, sizeof(name));
	dns_rrtype_to_text(s->type, type, sizeof(type));
	for (const uint8_t *rd = dns_rrset_first(s); rd; rd = dns_rrset_next(s, rd)) {
		size_t len = 0;
		dns_err_t e = dns_rdata_to_text(s->type, dns_rrset_rdata(rd), dns_rrset_rdlen(rd),
		                                w->text, WRITE_TEXT_MAX, &len);
		if (e != DNS_OK)
			return e;
		if (fprintf(w->out, "%s\t%u\t%s\t%s\t%s\n", name, (unsigned)s->ttl, w->cls, type,
		            w->text) < 0)
			return DNS_EIO;
	}
	return DNS_OK;
}

static dns_err_t write_zone(writer_t *w, const dns_zone_t *z)
{
	const dns_rrset_t *soa = dns_zone_soa(z);
	dns_err_t e;
	if (soa && (e = write_rrset(w, dns_zone_origin(z), soa)) != DNS_OK)
		return e;
	size_t nodes = dns_zone_node_count(z);
	for (size_t i = 0; i < nodes; i++) {
		const dns_node_t *n = dns_zone_node_at(z, i);
		bool apex = dns_node_flags(n) & DNS_NODE_APEX;
		size_t sets = dns_node_rrset_count(n);
		for (size_t j = 0; j < sets; j++) {
			const dns_rrset_t *s = dns_node_rrset_at(n, j);
			if (apex && s->type == DNS_TYPE_SOA)
				continue;
			if ((e = write_rrset(w, dns_node_name(n), s)) != DNS_OK)
				return e;
		}
	}
	return DNS_OK;
}

dns_err_t dns_zonefile_write(const dns_zone_t *z, FILE *out)
{
	writer_t w = { out, "", malloc(WRITE_TEXT_MAX) };
	if (!w.text)
		return DNS_ENOMEM;
	dns_rrclass_to_text(dns_zone_class(z), w.cls, sizeof(w.cls));
	dns_err_t e = write_zone(&w, z);
	free(w.text);
	if (e == DNS_OK && fflush(out) != 0)
		e = DNS_EIO;
	return e;
}
