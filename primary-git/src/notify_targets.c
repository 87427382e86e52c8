/*
 * notify_targets.c - the NOTIFY targets of a zone.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "dns/authority.h"
#include "dns/rrtype.h"
#include "dns/wire.h"
#include "dns/log.h"
#include "notify_targets.h"

#define DNS_PORT 53

const dns_tsig_key_t *pg_notify_key(const dns_keystore_t *keys, const uint8_t *zone,
                                    const struct sockaddr *sa)
{
	const dns_tsig_key_t *any = NULL;
	size_t n = keys ? dns_keystore_count(keys) : 0;
	for (size_t i = 0; i < n; i++) {
		const dns_tsig_key_t *k = dns_keystore_at(keys, i);
		dns_op_t op;
		const uint8_t *kz;
		if (dns_key_operation(k->name, &op, &kz) != DNS_OK || op != DNS_OP_TRANSFER ||
		    !dns_key_authorizes(k->name, DNS_OP_TRANSFER, zone))
			continue;
		uint8_t prim[4], sec[4];
		if (sa && sa->sa_family == AF_INET &&
		    dns_key_transfer_addrs(k->name, prim, sec) == DNS_OK &&
		    memcmp(&((const struct sockaddr_in *)sa)->sin_addr, sec, 4) == 0)
			return k;
		if (!any)
			any = k;
	}
	return any;
}

static bool same_target(const dns_notify_target_t *a, const dns_notify_target_t *b)
{
	return a->conn == b->conn && a->addrlen == b->addrlen &&
	       memcmp(&a->addr, &b->addr, a->addrlen) == 0;
}

static size_t add(pg_ntarget_t *out, size_t n, size_t max, const struct sockaddr *sa,
                  socklen_t len, const dns_tsig_key_t *key, const dns_keystore_t *keys,
                  const uint8_t *zone)
{
	if (n >= max)
		return n;
	pg_ntarget_t t;
	memset(&t, 0, sizeof(t));
	if (dns_notify_target_set(&t.t, sa, len, 0) != DNS_OK)
		return n;
	for (size_t i = 0; i < n; i++)
		if (same_target(&out[i].t, &t.t))
			return n;
	t.key = key ? key : pg_notify_key(keys, zone, sa);
	out[n] = t;
	return n + 1;
}

/* The A and AAAA records of @name in whichever served zone holds it. */
static size_t add_addresses(const dns_zoneset_t *zones, const dns_keystore_t *keys,
                            const uint8_t *zone, const uint8_t *name, pg_ntarget_t *out,
                            size_t n, size_t max)
{
	const dns_zone_t *z = dns_zoneset_find(zones, name);
	const dns_node_t *node = z ? dns_zone_find(z, name) : NULL;
	size_t before = n;
	const dns_rrset_t *a = node ? dns_node_rrset(node, DNS_TYPE_A) : NULL;
	for (const uint8_t *rd = a ? dns_rrset_first(a) : NULL; rd; rd = dns_rrset_next(a, rd)) {
		if (dns_rrset_rdlen(rd) != 4)
			continue;
		struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(DNS_PORT) };
		memcpy(&sin.sin_addr, dns_rrset_rdata(rd), 4);
		n = add(out, n, max, (struct sockaddr *)&sin, sizeof(sin), NULL, keys, zone);
	}
	const dns_rrset_t *aaaa = node ? dns_node_rrset(node, DNS_TYPE_AAAA) : NULL;
	for (const uint8_t *rd = aaaa ? dns_rrset_first(aaaa) : NULL; rd;
	     rd = dns_rrset_next(aaaa, rd)) {
		if (dns_rrset_rdlen(rd) != 16)
			continue;
		struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons(DNS_PORT) };
		memcpy(&sin6.sin6_addr, dns_rrset_rdata(rd), 16);
		n = add(out, n, max, (struct sockaddr *)&sin6, sizeof(sin6), NULL, keys, zone);
	}
	if (n == before && dns_log_enabled(DNS_LOG_DEBUG)) {
		char text[DNS_NAME_TEXT_MAX];
		dns_name_to_text(name, text, sizeof(text));
		dns_log(DNS_LOG_DEBUG, "no address for NS: not notified", "ns", text, NULL);
	}
	return n;
}

size_t pg_notify_targets(const dns_zoneset_t *zones, const dns_keystore_t *keys,
                         const dns_zone_t *zone, const dns_net_addr_t *extra, size_t nextra,
                         pg_ntarget_t *out, size_t max)
{
	size_t n = 0;
	const uint8_t *origin = dns_zone_origin(zone);
	const dns_node_t *apex = dns_zone_apex(zone);
	const dns_rrset_t *soa = dns_zone_soa(zone);
	const uint8_t *mname = soa && soa->count ? dns_rrset_rdata(dns_rrset_first(soa)) : NULL;
	const dns_rrset_t *ns = apex ? dns_node_rrset(apex, DNS_TYPE_NS) : NULL;
	for (const uint8_t *rd = ns ? dns_rrset_first(ns) : NULL; rd; rd = dns_rrset_next(ns, rd)) {
		const uint8_t *name = dns_rrset_rdata(rd);
		if (mname && dns_name_equal(name, mname))
			continue;
		n = add_addresses(zones, keys, origin, name, out, n, max);
	}
	size_t nk = keys ? dns_keystore_count(keys) : 0;
	for (size_t i = 0; i < nk; i++) {
		const dns_tsig_key_t *k = dns_keystore_at(keys, i);
		uint8_t prim[4], sec[4];
		if (dns_key_transfer_addrs(k->name, prim, sec) != DNS_OK ||
		    !dns_key_authorizes(k->name, DNS_OP_TRANSFER, origin))
			continue;
		struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(DNS_PORT) };
		memcpy(&sin.sin_addr, sec, 4);
		n = add(out, n, max, (struct sockaddr *)&sin, sizeof(sin), k, keys, origin);
	}
	for (size_t i = 0; i < nextra; i++)
		n = add(out, n, max, (const struct sockaddr *)&extra[i].ss, extra[i].len, NULL, keys,
		        origin);
	return n;
}
