/*
 * zoneedit_serial.c - raise the SOA serial of zone file text, as the
 * write-back of an UPDATE does (dns_serial_next: today's YYYYMMDD00, else
 * +1), optionally to at least a given serial (to get above the serial of
 * a version a rollback went back from).  The edit itself is
 * dns_zoneedit_apply_opt's: only the serial's digits change.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/name.h"
#include "dns/rrtype.h"
#include "dns/serial.h"
#include "dns/wire.h"
#include "dns/zoneedit.h"

/* The SOA rdata ends with serial, refresh, retry, expire, minimum. */
#define SOA_TAIL 20u

typedef struct soa_find {
	const uint8_t *origin;
	bool found;
	uint32_t ttl;
	uint16_t rclass, rdlen;
	uint8_t rdata[DNS_NAME_MAX * 2 + SOA_TAIL];
} soa_find_t;

static dns_err_t soa_record(void *ctx, const dns_rr_t *rr, const dns_zf_pos_t *pos)
{
	soa_find_t *f = ctx;
	if (f->found || rr->type != DNS_TYPE_SOA || !dns_name_equal(rr->owner, f->origin))
		return DNS_OK;
	if (rr->rdlen < SOA_TAIL || rr->rdlen > sizeof(f->rdata))
		return DNS_EMALFORMED;
	f->found = true;
	f->ttl = rr->ttl;
	f->rclass = rr->rclass;
	f->rdlen = rr->rdlen;
	memcpy(f->rdata, rr->rdata, rr->rdlen);
	return DNS_OK;
}

/* Parse errors are the edit's to report (it parses the text again). */
static void soa_quiet(void *ctx, const dns_zf_pos_t *pos, const char *msg)
{
}

/* The serial after @old and at least @min (when given), or false when
 * none is both (they are 2^31 or more apart, RFC 1982 §3.2). */
static bool choose(uint32_t old, const uint32_t *min, uint32_t date_hint, uint32_t *out)
{
	uint32_t base = old;
	if (min && dns_serial_gt(*min, old))
		base = *min - 1; /* next(min - 1) is at least min */
	uint32_t s = dns_serial_next(base, date_hint);
	if (!dns_serial_gt(s, old) || (min && dns_serial_lt(s, *min)) ||
	    (min && dns_serial_compare(s, *min) == DNS_SERIAL_UNDEFINED))
		return false;
	*out = s;
	return true;
}

dns_err_t dns_zoneedit_bump_serial(const char *name, const char *text, size_t len,
                                   const dns_zf_options_t *opt, uint32_t date_hint,
                                   const uint32_t *min, uint32_t *old_serial,
                                   uint32_t *new_serial, char **out, size_t *outlen,
                                   char *errbuf, size_t errlen)
{
	if (!opt || !opt->origin)
		return DNS_EINVAL;
	soa_find_t f = { .origin = opt->origin };
	dns_err_t e = dns_zonefile_parse_buffer(name, text, len, opt, soa_record, soa_quiet, &f);
	if (e == DNS_ENOMEM || e == DNS_EMALFORMED)
		return e;
	if (!f.found) {
		if (errbuf)
			snprintf(errbuf, errlen, "%s", e == DNS_OK ? "no SOA record at the zone's apex"
			                                           : "the zone file does not parse");
		return e == DNS_OK ? DNS_ENOTFOUND : DNS_ESYNTAX;
	}
	uint32_t old = dns_get32(f.rdata + f.rdlen - SOA_TAIL), next;
	if (!choose(old, min, date_hint, &next)) {
		if (errbuf)
			snprintf(errbuf, errlen,
			         "no serial is both greater than %u and at least %u (RFC 1982: they are "
			         "2^31 or more apart)", (unsigned)old, min ? (unsigned)*min : 0u);
		return DNS_ELIMIT;
	}
	uint8_t rdata[sizeof(f.rdata)];
	memcpy(rdata, f.rdata, f.rdlen);
	dns_put32(rdata + f.rdlen - SOA_TAIL, next);
	dns_rr_t removed = { opt->origin, DNS_TYPE_SOA, f.rclass, f.ttl, f.rdlen, f.rdata };
	dns_rr_t added = { opt->origin, DNS_TYPE_SOA, f.rclass, f.ttl, f.rdlen, rdata };
	e = dns_zoneedit_apply_opt(name, text, len, opt, &removed, 1, &added, 1, out, outlen, errbuf,
	                           errlen);
	if (e == DNS_OK) {
		*old_serial = old;
		*new_serial = next;
	}
	return e;
}
