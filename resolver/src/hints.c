/*
 * hints.c - root hints: IANA's built in, or a named.root-style file.
 *
 * The hints are kept in a cache of their own whose entries never expire
 * (min_ttl = max_ttl = 2^31-1), so the engine reads them with the same
 * calls as cached data, and nothing the network says can evict them.
 */
#include <stdio.h>
#include <string.h>

#include "dns/rrtype.h"
#include "dns/zonefile.h"
#include "engine_int.h"
#include "rrsets.h"

/* IANA's root hints (https://www.internic.net/domain/named.root, 2024). */
static const char default_hints[] =
	".  3600000 NS a.root-servers.net.\n"
	".  3600000 NS b.root-servers.net.\n"
	".  3600000 NS c.root-servers.net.\n"
	".  3600000 NS d.root-servers.net.\n"
	".  3600000 NS e.root-servers.net.\n"
	".  3600000 NS f.root-servers.net.\n"
	".  3600000 NS g.root-servers.net.\n"
	".  3600000 NS h.root-servers.net.\n"
	".  3600000 NS i.root-servers.net.\n"
	".  3600000 NS j.root-servers.net.\n"
	".  3600000 NS k.root-servers.net.\n"
	".  3600000 NS l.root-servers.net.\n"
	".  3600000 NS m.root-servers.net.\n"
	"a.root-servers.net. 3600000 A 198.41.0.4\n"
	"a.root-servers.net. 3600000 AAAA 2001:503:ba3e::2:30\n"
	"b.root-servers.net. 3600000 A 170.247.170.2\n"
	"b.root-servers.net. 3600000 AAAA 2801:1b8:10::b\n"
	"c.root-servers.net. 3600000 A 192.33.4.12\n"
	"c.root-servers.net. 3600000 AAAA 2001:500:2::c\n"
	"d.root-servers.net. 3600000 A 199.7.91.13\n"
	"d.root-servers.net. 3600000 AAAA 2001:500:2d::d\n"
	"e.root-servers.net. 3600000 A 192.203.230.10\n"
	"e.root-servers.net. 3600000 AAAA 2001:500:a8::e\n"
	"f.root-servers.net. 3600000 A 192.5.5.241\n"
	"f.root-servers.net. 3600000 AAAA 2001:500:2f::f\n"
	"g.root-servers.net. 3600000 A 192.112.36.4\n"
	"g.root-servers.net. 3600000 AAAA 2001:500:12::d0d\n"
	"h.root-servers.net. 3600000 A 198.97.190.53\n"
	"h.root-servers.net. 3600000 AAAA 2001:500:1::53\n"
	"i.root-servers.net. 3600000 A 192.36.148.17\n"
	"i.root-servers.net. 3600000 AAAA 2001:7fe::53\n"
	"j.root-servers.net. 3600000 A 192.58.128.30\n"
	"j.root-servers.net. 3600000 AAAA 2001:503:c27::2:30\n"
	"k.root-servers.net. 3600000 A 193.0.14.129\n"
	"k.root-servers.net. 3600000 AAAA 2001:7fd::1\n"
	"l.root-servers.net. 3600000 A 199.7.83.42\n"
	"l.root-servers.net. 3600000 AAAA 2001:500:9f::42\n"
	"m.root-servers.net. 3600000 A 202.12.27.33\n"
	"m.root-servers.net. 3600000 AAAA 2001:dc3::35\n";

typedef struct hctx {
	res_rrlist_t list;
	char *err;
	size_t errlen;
	bool failed;
	unsigned ns;
} hctx_t;

static dns_err_t on_record(void *ctx, const dns_rr_t *rr, const dns_zf_pos_t *pos)
{
	hctx_t *h = ctx;
	(void)pos;
	if (rr->type == DNS_TYPE_NS && dns_name_is_root(rr->owner))
		h->ns++;
	else if (rr->type != DNS_TYPE_A && rr->type != DNS_TYPE_AAAA)
		return DNS_OK; /* only NS of the root and addresses matter */
	return res_rrlist_add(&h->list, rr);
}

static void on_error(void *ctx, const dns_zf_pos_t *pos, const char *msg)
{
	hctx_t *h = ctx;
	if (dns_zf_is_warning(msg))
		return;
	if (!h->failed)
		snprintf(h->err, h->errlen, "%s:%u: %s", pos->file ? pos->file : "hints",
		         (unsigned)pos->line, msg);
	h->failed = true;
}

static dns_err_t put(void *ctx, const uint8_t *owner, const dns_rrset_t *set,
                     const dns_rrset_t *sigs)
{
	(void)sigs;
	return res_cache_put(ctx, 0, owner, set, NULL, RES_RANK_ANS_AUTH);
}

static dns_err_t install(res_engine_t *e, hctx_t *h)
{
	if (h->ns == 0) {
		snprintf(h->err, h->errlen, "root hints: no NS records for the root");
		return DNS_EINVAL;
	}
	res_cache_config_t cc = {.max_ttl = 0x7FFFFFFF, .min_ttl = 0x7FFFFFFF,
	                         .max_bytes = 4u << 20};
	res_cache_t *c = res_cache_new(&cc);
	if (!c)
		return DNS_ENOMEM;
	dns_err_t err = res_rrlist_each(&h->list, put, c);
	if (err) {
		res_cache_free(c);
		return err;
	}
	res_cache_free(e->hints);
	e->hints = c;
	return DNS_OK;
}

static dns_err_t parse(res_engine_t *e, const char *path, const char *text, size_t len,
                       char *err, size_t errlen)
{
	char dummy[8];
	hctx_t h = {.err = err ? err : dummy, .errlen = err ? errlen : sizeof dummy};
	dns_zf_options_t opt = {.origin = dns_name_root, .no_include = true};
	dns_err_t rc = path ? dns_zonefile_parse_file(path, &opt, on_record, on_error, &h)
	                    : dns_zonefile_parse_buffer("hints", text, len, &opt, on_record,
	                                                on_error, &h);
	if (!rc && !h.failed)
		rc = install(e, &h);
	else if (!rc)
		rc = DNS_ESYNTAX;
	res_rrlist_free(&h.list);
	return rc;
}

dns_err_t res_hints_default(res_engine_t *e);
dns_err_t res_hints_default(res_engine_t *e)
{
	return parse(e, NULL, default_hints, sizeof default_hints - 1, NULL, 0);
}

dns_err_t res_engine_set_hints(res_engine_t *e, const char *text, size_t len, char *err,
                               size_t errlen)
{
	return parse(e, NULL, text, len, err, errlen);
}

dns_err_t res_engine_load_hints(res_engine_t *e, const char *path, char *err, size_t errlen)
{
	return parse(e, path, NULL, 0, err, errlen);
}
