/*
 * solver_caa.c - CAA pre-flight (RFC 8659, RFC 8657) from the zone data
 * this instance follows, so that no order is placed that the CA would
 * refuse.  Names outside the followed zones count as having no CAA (the
 * CA sees the whole tree; the pre-flight can only spare a doomed order).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "acme/solver.h"
#include "dns/name.h"
#include "dns/rrtype.h"

typedef struct caa_rec {
	uint8_t flags;
	char tag[16];
	char value[512];
} caa_rec_t;

/* Bounds-checked CAA rdata: flags, tag length, tag, value. */
static bool caa_decode(const uint8_t *rd, size_t len, caa_rec_t *r)
{
	if (len < 2 || rd[1] == 0 || (size_t)rd[1] + 2 > len || rd[1] >= sizeof r->tag)
		return false;
	r->flags = rd[0];
	memcpy(r->tag, rd + 2, rd[1]);
	r->tag[rd[1]] = 0;
	size_t vl = len - 2 - rd[1];
	if (vl >= sizeof r->value)
		vl = sizeof r->value - 1;
	memcpy(r->value, rd + 2 + rd[1], vl);
	r->value[vl] = 0;
	return true;
}

static bool known_tag(const char *t)
{
	static const char *const tags[] = {"issue", "issuewild", "iodef", "contactemail",
	                                   "contactphone", "issuemail", "issuevmc"};
	for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++)
		if (strcasecmp(t, tags[i]) == 0)
			return true;
	return false;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t l = strlen(s);
	while (l > 0 && isspace((unsigned char)s[l - 1]))
		s[--l] = 0;
	return s;
}

/* @list ("dns-01,http-01") holds @m. */
static bool list_has(const char *list, const char *m)
{
	size_t ml = strlen(m);
	for (const char *p = list; *p;) {
		const char *e = strchr(p, ',');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l == ml && strncasecmp(p, m, l) == 0)
			return true;
		p += l + (e != NULL);
	}
	return false;
}

/* One issue/issuewild value (RFC 8659 §4.2) against the CA and account. */
static bool issue_permits(char *value, const les_caa_ctx_t *ctx)
{
	char *semi = strchr(value, ';');
	if (semi)
		*semi = 0;
	char *domain = trim(value);
	bool ca = false;
	for (size_t i = 0; *domain && i < ctx->n_identities; i++)
		ca |= strcasecmp(domain, ctx->identities[i]) == 0;
	if (!ca)
		return false;
	for (char *p = semi ? semi + 1 : NULL; p && *p;) {
		char *next = strchr(p, ';');
		if (next)
			*next++ = 0;
		char *eq = strchr(p, '=');
		if (eq) {
			*eq = 0;
			char *k = trim(p), *v = trim(eq + 1);
			if (strcasecmp(k, "accounturi") == 0 && ctx->account_uri &&
			    strcmp(v, ctx->account_uri) != 0)
				return false;
			if (strcasecmp(k, "validationmethods") == 0 && !list_has(v, ctx->method))
				return false;
		}
		p = next;
	}
	return true;
}

/* The closest CAA RRset from @name up (RFC 8659 §3), or NULL. */
static const dns_rrset_t *closest_caa(const les_zone_t *zones, size_t n, const uint8_t *name)
{
	for (const uint8_t *p = name; p && p[0]; p = dns_name_parent(p)) {
		int zi = les_zone_for(zones, n, p);
		if (zi < 0 || !zones[zi].zone)
			continue;
		const dns_node_t *node = dns_zone_find(zones[zi].zone, p);
		const dns_rrset_t *caa = node ? dns_node_rrset(node, DNS_TYPE_CAA) : NULL;
		if (caa && caa->count > 0)
			return caa;
	}
	return NULL;
}

bool les_caa_permits(const les_zone_t *zones, size_t n, const char *name,
                     const les_caa_ctx_t *ctx, char *why, size_t whylen)
{
	bool wild = strncmp(name, "*.", 2) == 0;
	const char *base = wild ? name + 2 : name;
	uint8_t wire[DNS_NAME_MAX];
	size_t wl;
	if (dns_name_from_text(wire, &wl, base, strlen(base), (const uint8_t *)"") != DNS_OK) {
		snprintf(why, whylen, "%s is not a domain name", name);
		return false;
	}
	const dns_rrset_t *set = closest_caa(zones, n, wire);
	if (!set)
		return true;
	/* issuewild governs wildcards when present (§4.3), else issue */
	bool any_wild = false, any_rel = false, permitted = false;
	caa_rec_t r;
	for (const uint8_t *rd = dns_rrset_first(set); rd; rd = dns_rrset_next(set, rd))
		if (caa_decode(dns_rrset_rdata(rd), dns_rrset_rdlen(rd), &r))
			any_wild |= strcasecmp(r.tag, "issuewild") == 0;
	const char *want = wild && any_wild ? "issuewild" : "issue";
	for (const uint8_t *rd = dns_rrset_first(set); rd; rd = dns_rrset_next(set, rd)) {
		if (!caa_decode(dns_rrset_rdata(rd), dns_rrset_rdlen(rd), &r))
			continue;
		if ((r.flags & 0x80) && !known_tag(r.tag)) {
			snprintf(why, whylen, "CAA for %s has a critical unknown property %s", name,
			         r.tag);
			return false;
		}
		if (strcasecmp(r.tag, want) != 0)
			continue;
		any_rel = true;
		permitted |= issue_permits(r.value, ctx);
	}
	if (!any_rel || permitted)
		return true;
	snprintf(why, whylen, "CAA %s records for %s do not permit this CA (%s)%s", want, name,
	         ctx->n_identities ? ctx->identities[0] : "no CAA identity known",
	         ctx->account_uri ? "" : " or need another account");
	return false;
}
