/*
 * Fuzz target: zone file text plus a small change set derived from the
 * input, through dns_zoneedit_apply_opt().  Input: byte 0 picks the
 * record to remove (>= count: none), byte 1 the owner of an added TXT
 * record (>= count: a new owner; 255: no addition), byte 2 its text,
 * then the zone text.  Whenever the edit succeeds, the edited text must
 * parse to exactly the zone that dns_zone_apply_diff() builds from the
 * same changes; anything else aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/diff.h"
#include "dns/name.h"
#include "dns/rrset.h"
#include "dns/rrtype.h"
#include "dns/zone.h"
#include "dns/zoneedit.h"
#include "dns/zonefile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_RECORDS 64

static const uint8_t origin[] = "\7example\3com";
static const uint8_t new_owner[] = "\3fzz\7example\3com";

typedef struct rec {
	uint8_t owner[DNS_NAME_MAX];
	uint8_t rdata[1024];
	dns_rr_t rr;
} rec_t;

typedef struct collect {
	dns_zone_builder_t *b;
	rec_t *r;
	size_t n;
	bool too_many;
} collect_t;

static dns_err_t on_rec(void *ctx, const dns_rr_t *rr, const dns_zf_pos_t *pos)
{
	(void)pos;
	collect_t *c = ctx;
	if (c->r) {
		if (c->n >= MAX_RECORDS || rr->rdlen > sizeof(c->r[0].rdata)) {
			c->too_many = true;
		} else {
			rec_t *t = &c->r[c->n++];
			dns_name_copy(t->owner, rr->owner);
			memcpy(t->rdata, rr->rdata, rr->rdlen);
			t->rr = *rr;
			t->rr.owner = t->owner;
			t->rr.rdata = t->rdata;
		}
	}
	dns_err_t e = dns_zone_builder_add(c->b, rr);
	return e == DNS_ENOMEM ? e : DNS_OK;
}

static void ignore(void *ctx, const dns_zf_pos_t *pos, const char *msg)
{
	(void)ctx;
	(void)pos;
	(void)msg;
}

/* The zone @text means, or NULL when it does not parse. */
static dns_zone_t *zone_of(const char *text, size_t len, rec_t *recs, size_t *n, bool *too_many)
{
	dns_zf_options_t opt = { .origin = origin, .no_include = true, .max_errors = 1 };
	collect_t c = { dns_zone_builder_new(origin, DNS_CLASS_IN), recs, 0, false };
	if (!c.b)
		return NULL;
	dns_err_t e = dns_zonefile_parse_buffer("z", text, len, &opt, on_rec, ignore, &c);
	dns_zone_t *z = NULL;
	if (e != DNS_OK || dns_zone_builder_finish(c.b, &z) != DNS_OK) {
		dns_zone_builder_free(c.b);
		return NULL;
	}
	if (n)
		*n = c.n;
	if (too_many)
		*too_many = c.too_many;
	return z;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	uint8_t pick_rem = data[0], pick_add = data[1], txt = data[2];
	const char *text = (const char *)data + 3;
	size_t len = size - 3;

	static rec_t recs[MAX_RECORDS];
	size_t n = 0;
	bool too_many = false;
	dns_zone_t *old = zone_of(text, len, recs, &n, &too_many);

	dns_rr_t rem[1], add[1];
	size_t nrem = 0, nadd = 0;
	if (pick_rem < n)
		rem[nrem++] = recs[pick_rem].rr;
	uint8_t rdata[8] = { 6, 'f', 'u', 'z', 'z', ' ', (uint8_t)txt };
	if (pick_add != 255) {
		const uint8_t *owner = pick_add < n ? recs[pick_add].rr.owner : new_owner;
		uint32_t ttl = 300;
		const dns_node_t *node = old ? dns_zone_find(old, owner) : NULL;
		const dns_rrset_t *set = node ? dns_node_rrset(node, DNS_TYPE_TXT) : NULL;
		if (set)
			ttl = set->ttl;
		add[nadd++] = (dns_rr_t){ owner, DNS_TYPE_TXT, DNS_CLASS_IN, ttl, 7, rdata };
	}

	dns_zf_options_t opt = { .origin = origin, .no_include = true };
	char *out = NULL, err[256];
	size_t outlen = 0;
	dns_err_t e = dns_zoneedit_apply_opt("z", text, len, &opt, rem, nrem, add, nadd, &out,
	                                     &outlen, err, sizeof(err));
	if (e != DNS_OK) {
		if (out)
			abort();
		dns_zone_unref(old);
		return 0;
	}
	if (!out || out[outlen] != '\0')
		abort();
	/* The oracle needs a zone with one TTL per RRset and changes that fit. */
	dns_zone_t *want = NULL;
	if (old && !too_many && dns_zone_ttl_mismatches(old) == 0 &&
	    dns_zone_apply_diff(old, rem, nrem, add, nadd, &want) == DNS_OK) {
		dns_zone_t *got = zone_of(out, outlen, NULL, NULL, NULL);
		size_t nr = 1, na = 1;
		if (!got || dns_zone_diff_count(want, got, &nr, &na) != DNS_OK || nr || na)
			abort();
		dns_zone_unref(got);
		dns_zone_unref(want);
	}
	dns_zone_unref(old);
	free(out);
	return 0;
}
