/* Fuzz target: bytes as a zone file (from memory, no $INCLUDE), then
 * build, check and print the zone. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "dns/zone.h"
#include "dns/zonefile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t origin[] = "\7example\3com";

static dns_err_t add(void *ctx, const dns_rr_t *rr, const dns_zf_pos_t *pos)
{
	dns_err_t e = dns_zone_builder_add(ctx, rr);
	return e == DNS_ENOMEM ? e : DNS_OK;
}

static void ignore(void *ctx, const dns_zf_pos_t *pos, const char *msg)
{
}

static void ignore_finding(void *ctx, const uint8_t *owner, uint16_t type, bool error,
                           const char *msg)
{
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	dns_zf_options_t opt = { .origin = origin, .no_include = true, .max_errors = 50 };
	dns_zone_builder_t *b = dns_zone_builder_new(origin, 1);
	if (!b)
		return 0;
	dns_zonefile_parse_buffer("fuzz", (const char *)data, size, &opt, add, ignore, b);
	dns_zone_t *z = NULL;
	if (dns_zone_builder_finish(b, &z) != DNS_OK)
		return 0;
	dns_zone_check(z, ignore_finding, NULL);
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	if (out) {
		dns_zonefile_write(z, out);
		fclose(out);
		free(buf);
	}
	dns_zone_unref(z);
	return 0;
}
