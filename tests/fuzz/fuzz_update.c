/*
 * fuzz_update.c - arbitrary bytes as an UPDATE message applied to a small
 * fixed zone, then committed and listed.  Must never crash or leak.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dns/msg.h"
#include "dns/rrtype.h"
#include "dns/update.h"
#include "dns/zone.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t origin[] = "\007example\003com";

static void add(dns_zone_builder_t *b, const uint8_t *owner, uint16_t type, const void *rd,
                size_t len)
{
	dns_rr_t rr = { .owner = owner, .type = type, .rclass = DNS_CLASS_IN, .ttl = 3600,
	                .rdlen = (uint16_t)len, .rdata = rd };
	dns_zone_builder_add(b, &rr);
}

/* The zone is immutable once built; it is shared by every run. */
static dns_zone_t *fixed_zone(void)
{
	static dns_zone_t *zone;
	if (zone)
		return zone;
	static const uint8_t soa[] = "\003ns1\007example\003com\000\012hostmaster\007example\003com"
	                             "\000" /* root, then serial 1 3600 600 86400 300 */
	                             "\000\000\000\001\000\000\016\020\000\000\002\130"
	                             "\000\001\121\200\000\000\001\054";
	static const uint8_t ns1[] = "\003ns1\007example\003com";
	static const uint8_t www[] = "\003www\007example\003com";
	static const uint8_t alias[] = "\005alias\007example\003com";
	static const uint8_t sub[] = "\003sub\007example\003com";
	static const uint8_t nssub[] = "\002ns\003sub\007example\003com";
	dns_zone_builder_t *b = dns_zone_builder_new(origin, DNS_CLASS_IN);
	if (!b)
		return NULL;
	add(b, origin, DNS_TYPE_SOA, soa, sizeof(soa) - 1);
	add(b, origin, DNS_TYPE_NS, ns1, sizeof(ns1));
	add(b, origin, DNS_TYPE_MX, "\000\012\003www\007example\003com", 19);
	add(b, ns1, DNS_TYPE_A, "\300\000\002\065", 4);
	add(b, www, DNS_TYPE_A, "\300\000\002\001", 4);
	add(b, www, DNS_TYPE_A, "\300\000\002\002", 4);
	add(b, www, DNS_TYPE_TXT, "\005hello", 6);
	add(b, alias, DNS_TYPE_CNAME, www, sizeof(www));
	add(b, sub, DNS_TYPE_NS, nssub, sizeof(nssub));
	add(b, nssub, DNS_TYPE_A, "\300\000\002\143", 4);
	if (dns_zone_builder_finish(b, &zone) != DNS_OK)
		zone = NULL;
	return zone;
}

static dns_err_t count(void *ctx, bool added, const dns_rr_t *rr)
{
	(*(size_t *)ctx)++;
	return DNS_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	dns_zone_t *zone = fixed_zone();
	if (!zone)
		return 0;
	dns_msg_t msg;
	if (dns_msg_parse(&msg, data, size) == DNS_OK) {
		dns_update_t *u = dns_update_begin(zone);
		if (u) {
			/* twice: the second run sees the first one's changes */
			dns_update_apply(u, &msg);
			dns_update_apply(u, &msg);
			size_t n = 0;
			dns_update_changes(u, count, &n);
			dns_zone_t *nz = NULL;
			if (dns_update_commit(u, (size & 1) != 0, 20241122, &nz) == DNS_OK)
				dns_zone_unref(nz);
			dns_update_changes(u, count, &n);
			dns_update_free(u);
		}
	}
	dns_msg_free(&msg);
	return 0;
}
