/* Fuzz target: dns-letsencrypt-secondary's solver over zones made of
 * arbitrary records.  The input is a list of records for example.com
 * (besides a fixed SOA and NS): each is
 *     owner (1 byte: one of the names below) | type (1 byte: TLSA, TXT,
 *     CAA, CNAME, A, NS, or any type) | rdlen (2 bytes) | rdata
 * so TLSA RRsets at _letsencrypt._tcp names carry arbitrary "CSRs" and
 * "certificates" (junk, truncated DER, several CSRs per RRset), CAA sets
 * are arbitrary, and CNAMEs at _acme-challenge point anywhere.  Then: the
 * CSR scan (les_scan_zone: CSR decoding, signature, names, the matching
 * rule), the CAA pre-flight for every name of every readable CSR, and the
 * DNS-01 plan (CNAME following) for two challenge names.  Whatever the
 * zone, the solver answers within its bounds and never crashes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acme/solver.h"
#include "dns/rrtype.h"
#include "dns/zone.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t origin[] = "\7example\3com";

/* owners (wire form, relative names completed with the origin below) */
static const char *const owners[] = {
	"\14_letsencrypt\4_tcp\3www",
	"\14_letsencrypt\4_tcp",
	"\14_letsencrypt\4_tcp\1*",
	"\17_acme-challenge\3www",
	"\17_acme-challenge",
	"\3www",
	"\1*",
	"",
	"\3sub",
	"\17_acme-challenge\3sub",
	"\6target",
	"\3caa\3www",
};
#define NOWNERS (sizeof owners / sizeof owners[0])

static const uint16_t types[] = {DNS_TYPE_TLSA, DNS_TYPE_TLSA, DNS_TYPE_TXT, DNS_TYPE_CAA,
                                 DNS_TYPE_CNAME, DNS_TYPE_A, DNS_TYPE_NS};
#define NTYPES (sizeof types / sizeof types[0])

static size_t owner_wire(size_t i, uint8_t *out)
{
	size_t l = strlen(owners[i]);
	memcpy(out, owners[i], l);
	memcpy(out + l, origin, sizeof origin);
	return l + sizeof origin;
}

static void add_fixed(dns_zone_builder_t *b)
{
	static const uint8_t soa[] = "\3ns1\7example\3com\0\4host\7example\3com\0"
	                             "\0\0\0\1\0\0\x0e\x10\0\0\x03\x84\0\x09\x3a\x80\0\0\0\x3c";
	static const uint8_t ns[] = "\3ns1\7example\3com";
	dns_rr_t rr = {origin, DNS_TYPE_SOA, DNS_CLASS_IN, 300, sizeof soa - 1, soa};
	dns_zone_builder_add(b, &rr);
	rr = (dns_rr_t){origin, DNS_TYPE_NS, DNS_CLASS_IN, 300, sizeof ns, ns};
	dns_zone_builder_add(b, &rr);
}

static dns_zone_t *make_zone(const uint8_t *data, size_t size)
{
	dns_zone_builder_t *b = dns_zone_builder_new(origin, DNS_CLASS_IN);
	if (!b)
		return NULL;
	add_fixed(b);
	size_t p = 0;
	unsigned n = 0;
	while (p + 4 <= size && n++ < 256) {
		uint8_t owner[DNS_NAME_MAX];
		owner_wire(data[p] % NOWNERS, owner);
		uint16_t type = data[p + 1] < 0xf0 ? types[data[p + 1] % NTYPES] : data[p + 1];
		size_t rdlen = (size_t)data[p + 2] << 8 | data[p + 3];
		p += 4;
		if (rdlen > size - p)
			rdlen = size - p;
		dns_rr_t rr = {owner, type, DNS_CLASS_IN, 60, (uint16_t)rdlen, data + p};
		dns_zone_builder_add(b, &rr);   /* bad rdata is refused: fine */
		p += rdlen;
	}
	dns_zone_t *z = NULL;
	if (dns_zone_builder_finish(b, &z) != DNS_OK)   /* consumes the builder */
		z = NULL;
	return z;
}

static void plan(const les_zone_t *zones)
{
	acme_txt_t txt[2] = {{.name = "_acme-challenge.www.example.com", .value = "v1"},
	                     {.name = "_acme-challenge.sub.example.com", .value = "v2"}};
	les_txt_group_t *g = NULL;
	size_t ng = 0;
	char err[256];
	if (les_plan_dns01(zones, 1, txt, 2, &g, &ng, err, sizeof err) == DNS_OK) {
		for (size_t i = 0; i < ng; i++)
			if (g[i].zone != 0 || g[i].n == 0 || g[i].n > LES_GROUP_VALUES)
				abort();
	}
	free(g);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	dns_zone_t *z = make_zone(data, size);
	if (!z)
		return 0;
	les_zone_t zones[1] = {{.origin = origin, .zone = z}};
	les_csr_t *c = NULL;
	size_t n = 0;
	if (les_scan_zone(zones, 1, 0, 1800000000, &c, &n) == DNS_OK) {
		static const char *const ids[] = {"pebble.example"};
		les_caa_ctx_t ctx = {.identities = ids, .n_identities = 1, .method = "dns-01"};
		for (size_t i = 0; i < n; i++) {
			if (c[i].state == LES_CSR_REJECT && !c[i].error[0])
				abort();   /* a refusal always says why */
			if (c[i].state != LES_CSR_REJECT && c[i].names) {
				char why[300];
				for (size_t k = 0; k < c[i].names->n; k++)
					(void)les_caa_permits(zones, 1, c[i].names->name[k], &ctx, why,
					                      sizeof why);
			}
			les_csr_clear(&c[i]);
		}
	}
	free(c);
	plan(zones);
	dns_zone_unref(z);
	return 0;
}
