/*
 * acme_proto.c - the pieces of ACME responses: headers, problem
 * documents, Retry-After, Link, the directory.  Bounded, no recursion.
 */
#include "acme/acme.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

const char *acme_response_header(const acme_response_t *r, const char *name)
{
	for (size_t i = 0; i < r->n_headers; i++)
		if (r->headers[i].name && r->headers[i].value &&
		    strcasecmp(r->headers[i].name, name) == 0)
			return r->headers[i].value;
	return NULL;
}

static void copy_str(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
	/* control characters would break logs and status records */
	for (char *p = dst; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
}

static void copy_type(char *dst, size_t cap, const char *type)
{
	size_t pl = strlen(ACME_ERROR_PREFIX);
	if (type && strncmp(type, ACME_ERROR_PREFIX, pl) == 0)
		type += pl;
	copy_str(dst, cap, type);
}

void acme_problem_parse(const char *body, size_t len, acme_problem_t *p)
{
	memset(p, 0, sizeof *p);
	json_error_t je;
	json_t *o = (body && len <= ACME_BODY_MAX) ? json_loadb(body, len, 0, &je) : NULL;
	if (!json_is_object(o)) {
		copy_str(p->detail, sizeof p->detail, "the response is not a JSON problem document");
		json_decref(o);
		return;
	}
	copy_type(p->type, sizeof p->type, json_string_value(json_object_get(o, "type")));
	copy_str(p->detail, sizeof p->detail, json_string_value(json_object_get(o, "detail")));
	json_t *subs = json_object_get(o, "subproblems"), *s;
	size_t i;
	json_array_foreach(subs, i, s) {
		if (p->n_sub == ACME_SUBPROBLEMS_MAX)
			break;
		if (!json_is_object(s))
			continue;
		copy_type(p->sub[p->n_sub].type, sizeof p->sub[0].type,
		          json_string_value(json_object_get(s, "type")));
		copy_str(p->sub[p->n_sub].detail, sizeof p->sub[0].detail,
		         json_string_value(json_object_get(s, "detail")));
		json_t *id = json_object_get(s, "identifier");
		copy_str(p->sub[p->n_sub].identifier, sizeof p->sub[0].identifier,
		         json_string_value(json_object_get(id, "value")));
		p->n_sub++;
	}
	json_decref(o);
}

static int month_index(const char *m)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	for (int i = 0; i < 12; i++)
		if (strncmp(months + 3 * i, m, 3) == 0)
			return i;
	return -1;
}

/* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" (the form RFC 9110 requires senders use). */
static dns_err_t http_date(const char *v, int64_t *ms)
{
	char wd[4], mon[4], zone[4];
	int d, y, hh, mm, ss, n = 0;
	if (strlen(v) != 29 ||
	    sscanf(v, "%3[A-Za-z], %2d %3[A-Za-z] %4d %2d:%2d:%2d %3s%n", wd, &d, mon, &y, &hh, &mm,
	           &ss, zone, &n) != 8 ||
	    n != 29 || strcmp(zone, "GMT") != 0)
		return DNS_ESYNTAX;
	int mi = month_index(mon);
	if (mi < 0 || d < 1 || d > 31 || y < 1970 || hh > 23 || mm > 59 || ss > 60)
		return DNS_ESYNTAX;
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mi, .tm_mday = d,
	                .tm_hour = hh, .tm_min = mm, .tm_sec = ss};
	time_t t = timegm(&tm);
	if (t == (time_t)-1)
		return DNS_ESYNTAX;
	*ms = (int64_t)t * 1000;
	return DNS_OK;
}

dns_err_t acme_retry_after_parse(const char *value, int64_t now_ms, int64_t *at_ms)
{
	if (!value)
		return DNS_ESYNTAX;
	while (*value == ' ' || *value == '\t')
		value++;
	if (isdigit((unsigned char)*value)) {
		int64_t s = 0;
		const char *p = value;
		for (; isdigit((unsigned char)*p); p++) {
			if (s > 100000000) /* ~3 years: more is nonsense, cap it */
				return DNS_ESYNTAX;
			s = s * 10 + (*p - '0');
		}
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p)
			return DNS_ESYNTAX;
		*at_ms = now_ms + s * 1000;
		return DNS_OK;
	}
	return http_date(value, at_ms);
}

/* One Link entry: '<' target '>' *( ';' param ); returns the end or NULL. */
static const char *link_entry(const char *p, const char *rel, char **target)
{
	*target = NULL;
	while (*p == ' ' || *p == '\t' || *p == ',')
		p++;
	if (*p != '<')
		return NULL;
	const char *end = strchr(p, '>');
	if (!end)
		return NULL;
	const char *t0 = p + 1;
	size_t tl = (size_t)(end - t0);
	bool match = false;
	p = end + 1;
	while (*p && *p != ',') {
		while (*p == ' ' || *p == ';' || *p == '\t')
			p++;
		const char *pn = p;
		while (*p && *p != '=' && *p != ';' && *p != ',')
			p++;
		bool is_rel = (size_t)(p - pn) == 3 && strncasecmp(pn, "rel", 3) == 0;
		if (*p != '=')
			continue;
		p++;
		bool q = *p == '"';
		p += q;
		const char *v0 = p;
		while (*p && (q ? *p != '"' : (*p != ';' && *p != ',' && *p != ' ')))
			p++;
		size_t vl = (size_t)(p - v0);
		/* rel may list several space-separated relations when quoted */
		if (is_rel) {
			size_t rl = strlen(rel);
			for (const char *w = v0; w < v0 + vl;) {
				const char *we = w;
				while (we < v0 + vl && *we != ' ')
					we++;
				if ((size_t)(we - w) == rl && strncasecmp(w, rel, rl) == 0)
					match = true;
				w = we + 1;
			}
		}
		if (q && *p == '"')
			p++;
	}
	if (match && tl > 0 && (*target = malloc(tl + 1))) {
		memcpy(*target, t0, tl);
		(*target)[tl] = 0;
	}
	return p;
}

size_t acme_links(const acme_response_t *r, const char *rel, char **out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n_headers && n < max; i++) {
		if (!r->headers[i].name || strcasecmp(r->headers[i].name, "Link") != 0 ||
		    !r->headers[i].value)
			continue;
		const char *p = r->headers[i].value;
		while (p && *p && n < max) {
			char *t;
			p = link_entry(p, rel, &t);
			if (t)
				out[n++] = t;
		}
	}
	return n;
}

static char *dup_member(json_t *o, const char *name)
{
	const char *s = json_string_value(json_object_get(o, name));
	return s ? strdup(s) : NULL;
}

static size_t dup_array(json_t *a, char ***out, size_t max)
{
	size_t n = 0, i;
	json_t *v;
	*out = NULL;
	if (!json_is_array(a) || json_array_size(a) == 0)
		return 0;
	size_t cap = json_array_size(a) < max ? json_array_size(a) : max;
	if (!(*out = calloc(cap, sizeof **out)))
		return 0;
	json_array_foreach(a, i, v) {
		if (n < cap && json_is_string(v))
			(*out)[n++] = strdup(json_string_value(v));
	}
	return n;
}

dns_err_t acme_directory_parse(const char *body, size_t len, acme_directory_t *d, char *err,
                               size_t errlen)
{
	memset(d, 0, sizeof *d);
	json_error_t je;
	json_t *o = len <= ACME_BODY_MAX ? json_loadb(body, len, 0, &je) : NULL;
	if (!json_is_object(o)) {
		snprintf(err, errlen, "the ACME directory is not a JSON object");
		json_decref(o);
		return DNS_EMALFORMED;
	}
	d->new_nonce = dup_member(o, "newNonce");
	d->new_account = dup_member(o, "newAccount");
	d->new_order = dup_member(o, "newOrder");
	d->renewal_info = dup_member(o, "renewalInfo");
	json_t *meta = json_object_get(o, "meta");
	d->terms_of_service = dup_member(meta, "termsOfService");
	d->eab_required = json_is_true(json_object_get(meta, "externalAccountRequired"));
	/* meta.profiles is an object: profile name -> description */
	json_t *profiles = json_object_get(meta, "profiles");
	if (json_is_object(profiles) && json_object_size(profiles) > 0) {
		size_t cap = json_object_size(profiles) < 64 ? json_object_size(profiles) : 64;
		const char *k;
		json_t *v;
		d->profiles = calloc(cap, sizeof *d->profiles);
		json_object_foreach(profiles, k, v) {
			if (d->profiles && d->n_profiles < cap)
				d->profiles[d->n_profiles++] = strdup(k);
		}
	}
	d->n_caa_identities = dup_array(json_object_get(meta, "caaIdentities"),
	                                &d->caa_identities, 16);
	json_decref(o);
	if (!d->new_nonce || !d->new_account || !d->new_order) {
		snprintf(err, errlen, "the ACME directory lacks newNonce, newAccount or newOrder");
		acme_directory_free(d);
		return DNS_EMALFORMED;
	}
	return DNS_OK;
}

void acme_directory_free(acme_directory_t *d)
{
	free(d->new_nonce);
	free(d->new_account);
	free(d->new_order);
	free(d->renewal_info);
	free(d->terms_of_service);
	for (size_t i = 0; i < d->n_profiles; i++)
		free(d->profiles[i]);
	free(d->profiles);
	for (size_t i = 0; i < d->n_caa_identities; i++)
		free(d->caa_identities[i]);
	free(d->caa_identities);
	memset(d, 0, sizeof *d);
}
