/*
 * local.c - --local-zone: zone files answered authoritatively.
 */
#include "local.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "dns/answer.h"
#include "dns/name.h"
#include "dns/rrtype.h"
#include "dns/wire.h"
#include "dns/zonefile.h"


/* One context for both parser callbacks: errors, and the origin scan. */
typedef struct load_err {
	char *buf;
	size_t len;
	uint8_t origin[DNS_NAME_MAX];
	bool found;
} load_err_t;

/* The first SOA's owner is the zone's origin; stop there. */
static dns_err_t scan_soa(void *ctx, const dns_rr_t *rr, const dns_zf_pos_t *pos)
{
	(void)pos;
	load_err_t *s = ctx;
	if (rr->type != DNS_TYPE_SOA)
		return DNS_OK;
	dns_name_copy(s->origin, rr->owner);
	s->found = true;
	return DNS_EEXIST;   /* not an error: found, stop parsing */
}


static void on_error(void *ctx, const dns_zf_pos_t *pos, const char *msg)
{
	load_err_t *le = ctx;
	if (dns_zf_is_warning(msg) || le->buf[0])
		return;
	snprintf(le->buf, le->len, "%s:%u:%u: %s", pos->file ? pos->file : "?", pos->line,
	         pos->col, msg);
}

static dns_err_t load_one(const char *path, dns_zone_t **zone, char *err, size_t errlen)
{
	load_err_t le = {.buf = err, .len = errlen};
	dns_zf_options_t opt = {.origin = dns_name_root, .no_include = true};
	err[0] = '\0';
	dns_err_t e = dns_zonefile_parse_file(path, &opt, scan_soa, on_error, &le);
	if (!le.found) {
		if (!err[0])
			snprintf(err, errlen, "%s: %s", path,
			         e == DNS_OK ? "no SOA record" : dns_strerror(e));
		return e == DNS_OK ? DNS_EZONE : e;
	}
	err[0] = '\0';
	opt.origin = le.origin;
	e = dns_zone_load_file(path, &opt, zone, on_error, &le);
	if (e != DNS_OK && !err[0])
		snprintf(err, errlen, "%s: %s", path, dns_strerror(e));
	return e;
}

dns_err_t res_local_load(const char *const *paths, size_t n, dns_zoneset_t **out,
                         char *err, size_t errlen)
{
	*out = NULL;
	if (!n)
		return DNS_OK;
	dns_zone_t **zones = calloc(n, sizeof *zones);
	if (!zones)
		return DNS_ENOMEM;
	dns_err_t e = DNS_OK;
	for (size_t i = 0; i < n && e == DNS_OK; i++)
		e = load_one(paths[i], &zones[i], err, errlen);
	if (e == DNS_OK) {
		*out = dns_zoneset_new(zones, n);
		if (!*out)
			e = DNS_ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		dns_zone_unref(zones[i]);   /* the set holds its own references */
	free(zones);
	return e;
}

bool res_local_answer(const dns_zoneset_t *zones, const uint8_t *qname, const uint8_t *req,
                      size_t reqlen, bool tcp, const struct sockaddr *peer, uint8_t *out,
                      size_t cap, size_t *outlen)
{
	if (!zones || !dns_zoneset_find(zones, qname))
		return false;
	dns_answer_opts_t opts = {.now = (uint32_t)time(NULL)};
	if (dns_answer(zones, req, reqlen, tcp ? DNS_TRANSPORT_TCP : DNS_TRANSPORT_UDP, peer,
	               &opts, out, cap, outlen, NULL) != DNS_OK) {
		*outlen = 0;
		return true;   /* dropped, as an authoritative server would */
	}
	/* A resolver's answer: recursion is available to this client. */
	if (*outlen >= 4)
		out[3] |= 0x80;
	return true;
}
