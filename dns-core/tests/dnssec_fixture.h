/*
 * dnssec_fixture.h - signed test zones made at test time with ldnsutils
 * (ldns-keygen, ldns-signzone, ldns-key2ds), loaded with the zone-file
 * parser, for test_dnssec.c and test_nsec.c.  ldns is the reference: what
 * it signs must verify, and its NSEC/NSEC3 chains must prove what they
 * should.  A missing ldns tool fails the test (it never skips).
 */
#ifndef DNSSEC_FIXTURE_H
#define DNSSEC_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dns/name.h"
#include "dns/rrset.h"
#include "dns/rrtype.h"
#include "dns/zonefile.h"

#define FX_MAX_RRS 512

typedef struct fx_rr {
	uint8_t owner[DNS_NAME_MAX];
	uint16_t type;
	uint32_t ttl;
	uint16_t rdlen;
	uint8_t rdata[1024];
} fx_rr_t;

typedef struct fx_zone {
	char dir[64];
	char keybase[128];    /* Kexample.+alg+tag */
	fx_rr_t *rrs;
	size_t n;
	uint8_t packed[65536];  /* scratch for fx_rrset */
} fx_zone_t;

static const char fx_zone_text[] =
	"$ORIGIN example.\n$TTL 3600\n"
	"@ SOA ns1 hostmaster 1 7200 3600 1209600 3600\n"
	"@ NS ns1\n"
	"ns1 A 192.0.2.1\n"
	"www A 192.0.2.2\n"
	"www A 192.0.2.3\n"
	"Mixed.Case TXT \"canonical owner\"\n"
	"mx MX 10 Mail.Example.\n"
	"*.wild TXT \"wild\"\n"
	"a.b.ent A 192.0.2.4\n"
	"sub NS ns.sub\n"
	"ns.sub A 192.0.2.9\n";

static inline int fx_run(const char *cmd)
{
	int rc = system(cmd);
	if (rc != 0)
		fprintf(stderr, "fixture command failed (%d): %s\n", rc, cmd);
	return rc;
}

static inline dns_err_t fx_on_rr(void *ctx, const dns_rr_t *rr, const dns_zf_pos_t *pos)
{
	(void)pos;
	fx_zone_t *z = ctx;
	if (z->n >= FX_MAX_RRS || rr->rdlen > sizeof z->rrs[0].rdata)
		return DNS_ELIMIT;
	fx_rr_t *x = &z->rrs[z->n++];
	dns_name_copy(x->owner, rr->owner);
	x->type = rr->type;
	x->ttl = rr->ttl;
	x->rdlen = rr->rdlen;
	memcpy(x->rdata, rr->rdata, rr->rdlen);
	return DNS_OK;
}

static inline void fx_on_err(void *ctx, const dns_zf_pos_t *pos, const char *msg)
{
	(void)ctx;
	if (!dns_zf_is_warning(msg))
		fprintf(stderr, "signed zone line %u: %s\n", (unsigned)pos->line, msg);
}

/*
 * Make and sign the test zone: @alg an ldns-keygen algorithm name,
 * @signopts extra ldns-signzone options ("-n -t 0" for NSEC3).
 * Returns 0 on success.
 */
static inline int fx_make(fx_zone_t *z, const char *alg, const char *signopts)
{
	memset(z, 0, sizeof *z);
	snprintf(z->dir, sizeof z->dir, "/tmp/dnscore-dnssec-XXXXXX");
	if (!mkdtemp(z->dir))
		return -1;
	char path[160], cmd[1024];
	snprintf(path, sizeof path, "%s/zone", z->dir);
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(fx_zone_text, f);
	fclose(f);
	snprintf(cmd, sizeof cmd, "cd %s && ldns-keygen -a %s example. > keyname", z->dir, alg);
	if (fx_run(cmd))
		return -1;
	snprintf(path, sizeof path, "%s/keyname", z->dir);
	f = fopen(path, "r");
	if (!f || !fgets(z->keybase, sizeof z->keybase, f)) {
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	z->keybase[strcspn(z->keybase, "\n")] = 0;
	snprintf(cmd, sizeof cmd,
	         "cd %s && ldns-signzone -i 20240101000000 -e 20360101000000 %s zone %s", z->dir,
	         signopts, z->keybase);
	if (fx_run(cmd))
		return -1;
	z->rrs = calloc(FX_MAX_RRS, sizeof *z->rrs);
	snprintf(path, sizeof path, "%s/zone.signed", z->dir);
	dns_zf_options_t opt = {.origin = dns_name_root, .no_include = true};
	return z->rrs && dns_zonefile_parse_file(path, &opt, fx_on_rr, fx_on_err, z) == DNS_OK ? 0 : -1;
}

static inline void fx_free(fx_zone_t *z)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", z->dir);
	if (z->dir[0])
		(void)system(cmd);
	free(z->rrs);
}

static inline const uint8_t *fx_name(const char *text)
{
	static uint8_t bufs[4][DNS_NAME_MAX];
	static unsigned i;
	uint8_t *b = bufs[i++ % 4];
	size_t len;
	if (dns_name_from_text(b, &len, text, strlen(text), dns_name_root) != DNS_OK)
		abort();
	return b;
}

/* The RRset (@type; for RRSIG: those covering @covered) at @owner, packed
 * into @buf. */
static inline dns_rrset_t fx_rrset_in(const fx_zone_t *z, const uint8_t *owner, uint16_t type,
                               uint16_t covered, uint8_t *buf, size_t cap)
{
	dns_rrset_t s = {.type = type, .data = buf};
	size_t off = 0;
	for (size_t i = 0; i < z->n; i++) {
		const fx_rr_t *r = &z->rrs[i];
		if (r->type != type || !dns_name_equal(r->owner, owner) ||
		    (type == DNS_TYPE_RRSIG && dns_get16(r->rdata) != covered) ||
		    off + 2 + r->rdlen > cap)
			continue;
		dns_put16(buf + off, r->rdlen);
		memcpy(buf + off + 2, r->rdata, r->rdlen);
		off += 2 + r->rdlen;
		s.count++;
		s.ttl = r->ttl;
	}
	s.size = (uint32_t)off;
	return s;
}

#endif
