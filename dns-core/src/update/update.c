/*
 * update.c - RFC 2136 UPDATE processing (§3), one message at a time over
 * a transaction's working copy.
 */
#include <stdlib.h>
#include <string.h>

#include "dns/name.h"
#include "dns/rdata.h"
#include "dns/rrtype.h"
#include "dns/serial.h"
#include "update_int.h"

dns_update_t *dns_update_begin(const dns_zone_t *zone)
{
	if (!zone || !dns_zone_soa(zone))
		return NULL;
	dns_update_t *u = calloc(1, sizeof(*u));
	if (!u)
		return NULL;
	u->base = dns_zone_ref((dns_zone_t *)zone);
	u->origin = dns_zone_origin(zone);
	u->rclass = dns_zone_class(zone);
	u->old_serial = dns_zone_serial(zone);
	return u;
}

void dns_update_free(dns_update_t *u)
{
	if (!u)
		return;
	upd_undo_clear(u);
	free(u->undo);
	for (size_t i = 0; i < u->nbuckets; i++)
		for (wname_t *w = u->buckets[i]; w; w = w->hnext)
			upd_free_sets(w->sets, w->nsets);
	free(u->buckets);
	while (u->arena) {
		arena_blk_t *next = u->arena->next;
		free(u->arena);
		u->arena = next;
	}
	dns_rdscratch_fini(&u->sc);
	dns_zone_unref(u->base);
	free(u);
}

/* ---- helpers ---- */

/* Meta and question types never appear as data (RFC 6895 §3.1: 128-255
 * are Q/meta types; 0 is reserved; OPT is a pseudo-RR). */
static bool is_meta(uint16_t type)
{
	return type == 0 || type == DNS_TYPE_OPT || (type >= 128 && type <= 255);
}

/* A received TTL as RFC 2181 §8 reads it: at most 2^31 - 1, a value with
 * the top bit set counting as 0.  (Refusing the message instead would
 * fail clients for a value the RFC gives a meaning; the zone file could
 * not hold it either.) */
static uint32_t rx_ttl(const dns_rr_t *rr)
{
	return (rr->ttl & 0x80000000u) ? 0 : rr->ttl;
}

static bool in_zone(const dns_update_t *u, const uint8_t *name)
{
	return dns_name_is_subdomain(name, u->origin);
}

static bool is_apex(const dns_update_t *u, const uint8_t *name)
{
	return dns_name_equal(name, u->origin);
}

static uint32_t soa_serial(const uint8_t *rdata, size_t len)
{
	return len >= 22 ? dns_get32(rdata + len - 20) : 0;
}

/* Canonical rdata of a message RR in caller-provided memory. */
static void canon_view(const dns_rr_t *rr, uint8_t *buf, dns_rdref_t *out)
{
	out->data = rr->rdata;
	out->len = rr->rdlen;
	out->canon = rr->rdata;
	if (rr->rdlen && dns_diff_type_canon(rr->type)) {
		memcpy(buf, rr->rdata, rr->rdlen);
		dns_rdata_canonicalize(rr->type, buf, rr->rdlen);
		out->canon = buf;
	}
}

/* ---- §3.1 zone section ---- */

static int check_zone_section(const dns_update_t *u, const dns_msg_t *m)
{
	if (dns_flags_opcode(m->flags) != DNS_OPCODE_UPDATE)
		return DNS_RCODE_NOTIMP;
	if (m->count[DNS_SEC_ZONE] != 1 || !m->has_question || m->qtype != DNS_TYPE_SOA)
		return DNS_RCODE_FORMERR;
	if (m->qclass != u->rclass || !dns_name_equal(m->qname, u->origin))
		return DNS_RCODE_NOTAUTH;
	return DNS_RCODE_NOERROR;
}

/* ---- §3.2 prerequisites ---- */

static int rr_owner_type_cmp(const void *pa, const void *pb)
{
	const dns_rr_t *a = *(const dns_rr_t *const *)pa, *b = *(const dns_rr_t *const *)pb;
	int c = dns_name_compare(a->owner, b->owner);
	if (c)
		return c;
	return a->type < b->type ? -1 : a->type > b->type;
}

static int rdref_sort_cmp(const void *a, const void *b) { return dns_rdref_cmp(a, b); }

/* §3.2.3: the RRset must exist with exactly these records (TTL aside). */
static int prereq_rrset_equal(dns_update_t *u, const dns_rr_t **v, size_t n, uint8_t *buf)
{
	dns_rdref_t *want = malloc(n * sizeof(*want));
	if (!want)
		return DNS_RCODE_SERVFAIL;
	size_t off = 0;
	for (size_t i = 0; i < n; i++) {
		canon_view(v[i], buf + off, &want[i]);
		off += v[i]->rdlen;
	}
	qsort(want, n, sizeof(*want), rdref_sort_cmp);
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (m == 0 || dns_rdref_cmp(&want[m - 1], &want[i]) != 0)
			want[m++] = want[i];
	int rc = DNS_RCODE_NOERROR;
	wname_t *wn = upd_name(u, v[0]->owner);
	if (!wn) {
		rc = DNS_RCODE_SERVFAIL;
	} else {
		wset_t *s = upd_set(wn, v[0]->type);
		if (!s || s->n != m)
			rc = DNS_RCODE_NXRRSET;
		for (size_t i = 0; rc == DNS_RCODE_NOERROR && i < m; i++)
			if (dns_rdref_cmp(&s->rr[i], &want[i]) != 0)
				rc = DNS_RCODE_NXRRSET;
	}
	free(want);
	return rc;
}

static int check_value_prereqs(dns_update_t *u, const dns_rr_t **v, size_t n)
{
	if (!n)
		return DNS_RCODE_NOERROR;
	size_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += v[i]->rdlen;
	uint8_t *buf = malloc(total ? total : 1);
	if (!buf)
		return DNS_RCODE_SERVFAIL;
	qsort(v, n, sizeof(*v), rr_owner_type_cmp);
	int rc = DNS_RCODE_NOERROR;
	for (size_t i = 0, j; rc == DNS_RCODE_NOERROR && i < n; i = j) {
		for (j = i + 1; j < n && rr_owner_type_cmp(&v[i], &v[j]) == 0; j++)
			;
		rc = prereq_rrset_equal(u, v + i, j - i, buf);
	}
	free(buf);
	return rc;
}

static int check_prereqs(dns_update_t *u, const dns_msg_t *m)
{
	size_t n;
	const dns_msg_rr_t *pre = dns_msg_section(m, DNS_SEC_PREREQ, &n);
	const dns_rr_t **temp = malloc((n ? n : 1) * sizeof(*temp));
	if (!temp)
		return DNS_RCODE_SERVFAIL;
	size_t ntemp = 0;
	int rc = DNS_RCODE_NOERROR;
	for (size_t i = 0; rc == DNS_RCODE_NOERROR && i < n; i++) {
		const dns_rr_t *rr = &pre[i].rr;
		if (rx_ttl(rr) != 0) {
			rc = DNS_RCODE_FORMERR;
			break;
		}
		if (!in_zone(u, rr->owner)) {
			rc = DNS_RCODE_NOTZONE;
			break;
		}
		if (rr->rclass == u->rclass) {
			temp[ntemp++] = rr;
			continue;
		}
		if ((rr->rclass != DNS_CLASS_ANY && rr->rclass != DNS_CLASS_NONE) || rr->rdlen != 0) {
			rc = DNS_RCODE_FORMERR;
			break;
		}
		wname_t *wn = upd_name(u, rr->owner);
		if (!wn) {
			rc = DNS_RCODE_SERVFAIL;
			break;
		}
		bool any = rr->rclass == DNS_CLASS_ANY;
		bool exists = rr->type == DNS_TYPE_ANY ? wn->nsets > 0 : upd_set(wn, rr->type) != NULL;
		if (any && !exists)
			rc = rr->type == DNS_TYPE_ANY ? DNS_RCODE_NXDOMAIN : DNS_RCODE_NXRRSET;
		else if (!any && exists)
			rc = rr->type == DNS_TYPE_ANY ? DNS_RCODE_YXDOMAIN : DNS_RCODE_YXRRSET;
	}
	if (rc == DNS_RCODE_NOERROR)
		rc = check_value_prereqs(u, temp, ntemp);
	free(temp);
	return rc;
}

/* ---- §3.4.1 prescan ---- */

static int prescan(const dns_update_t *u, const dns_msg_t *m)
{
	size_t n;
	const dns_msg_rr_t *upd = dns_msg_section(m, DNS_SEC_UPDATE, &n);
	for (size_t i = 0; i < n; i++) {
		const dns_rr_t *rr = &upd[i].rr;
		if (!in_zone(u, rr->owner))
			return DNS_RCODE_NOTZONE;
		if (rr->rclass == u->rclass) {
			if (is_meta(rr->type))
				return DNS_RCODE_FORMERR;
		} else if (rr->rclass == DNS_CLASS_ANY) {
			if (rx_ttl(rr) != 0 || rr->rdlen != 0 ||
			    (is_meta(rr->type) && rr->type != DNS_TYPE_ANY))
				return DNS_RCODE_FORMERR;
		} else if (rr->rclass == DNS_CLASS_NONE) {
			if (rx_ttl(rr) != 0 || is_meta(rr->type))
				return DNS_RCODE_FORMERR;
		} else {
			return DNS_RCODE_FORMERR;
		}
	}
	return DNS_RCODE_NOERROR;
}

/* ---- §3.4.2 update ---- */

static bool cname_exempt(uint16_t type)
{
	return type == DNS_TYPE_RRSIG || type == DNS_TYPE_NSEC;
}

/* §3.4.2.2: would adding @type at @wn break the CNAME rules? */
static bool cname_conflict(const wname_t *wn, uint16_t type)
{
	if (cname_exempt(type))
		return false;
	for (size_t i = 0; i < wn->nsets; i++) {
		uint16_t t = wn->sets[i].type;
		if (type == DNS_TYPE_CNAME ? (t != DNS_TYPE_CNAME && !cname_exempt(t))
		                           : t == DNS_TYPE_CNAME)
			return true;
	}
	return false;
}

/* For singleton types (SOA, CNAME) and WKS, the record an add replaces. */
static bool replaces(uint16_t type, const dns_rdref_t *old, const dns_rdref_t *rd)
{
	if (type == DNS_TYPE_CNAME || type == DNS_TYPE_SOA)
		return true;
	/* WKS: same address and protocol (RFC 2136 §3.4.2.2). */
	return type == DNS_TYPE_WKS && old->len >= 5 && rd->len >= 5 &&
	       memcmp(old->data, rd->data, 5) == 0;
}

static dns_err_t update_add(dns_update_t *u, const dns_rr_t *rr)
{
	wname_t *wn = upd_name(u, rr->owner);
	if (!wn)
		return DNS_ENOMEM;
	if (cname_conflict(wn, rr->type))
		return DNS_OK;
	wset_t *s = upd_set(wn, rr->type);
	if (rr->type == DNS_TYPE_SOA) {
		if (!is_apex(u, rr->owner) || !s || !s->n || rr->rdlen < 22)
			return DNS_OK;
		int c = dns_serial_compare(soa_serial(rr->rdata, rr->rdlen),
		                           soa_serial(s->rr[0].data, s->rr[0].len));
		if (c != 0 && c != 1)
			return DNS_OK; /* serial would go backwards */
	}
	dns_rdref_t rd;
	dns_err_t err;
	if ((err = upd_rdref(u, rr->type, rr->rdata, rr->rdlen, &rd)) || (err = upd_mutate(u, wn)))
		return err;
	if (!s && !(s = upd_set_add(wn, rr->type, rx_ttl(rr))))
		return DNS_ENOMEM;
	s->ttl = rx_ttl(rr);
	for (size_t i = 0; i < s->n; i++) {
		if (replaces(rr->type, &s->rr[i], &rd)) {
			upd_set_erase(s, i);
			break;
		}
	}
	bool found;
	size_t at = upd_set_find(s, &rd, &found);
	if (found)
		return DNS_OK; /* duplicate: only the TTL changes */
	return upd_set_insert(s, at, &rd);
}

static dns_err_t update_delete_rrset(dns_update_t *u, const dns_rr_t *rr)
{
	wname_t *wn = upd_name(u, rr->owner);
	if (!wn)
		return DNS_ENOMEM;
	bool apex = is_apex(u, rr->owner);
	if (rr->type != DNS_TYPE_ANY) {
		if (apex && (rr->type == DNS_TYPE_SOA || rr->type == DNS_TYPE_NS))
			return DNS_OK;
		if (!upd_set(wn, rr->type))
			return DNS_OK;
		dns_err_t err = upd_mutate(u, wn);
		if (!err)
			upd_set_remove(wn, rr->type);
		return err;
	}
	if (!wn->nsets)
		return DNS_OK;
	dns_err_t err = upd_mutate(u, wn);
	if (err)
		return err;
	/* At the apex everything goes but SOA and NS (§3.4.2.3). */
	for (size_t i = wn->nsets; i-- > 0;) {
		uint16_t t = wn->sets[i].type;
		if (!apex || (t != DNS_TYPE_SOA && t != DNS_TYPE_NS))
			upd_set_remove(wn, t);
	}
	return DNS_OK;
}

static dns_err_t update_delete_rr(dns_update_t *u, const dns_rr_t *rr)
{
	if (rr->type == DNS_TYPE_SOA)
		return DNS_OK;
	wname_t *wn = upd_name(u, rr->owner);
	if (!wn)
		return DNS_ENOMEM;
	wset_t *s = upd_set(wn, rr->type);
	if (!s)
		return DNS_OK;
	uint8_t *buf = malloc(rr->rdlen ? rr->rdlen : 1);
	if (!buf)
		return DNS_ENOMEM;
	dns_rdref_t rd;
	canon_view(rr, buf, &rd);
	bool found;
	size_t at = upd_set_find(s, &rd, &found);
	free(buf);
	if (!found)
		return DNS_OK;
	/* Never the last NS of the apex (§3.4.2.4). */
	if (rr->type == DNS_TYPE_NS && s->n == 1 && is_apex(u, rr->owner))
		return DNS_OK;
	dns_err_t err = upd_mutate(u, wn);
	if (err)
		return err;
	upd_set_erase(s, at);
	if (!s->n)
		upd_set_remove(wn, rr->type);
	return DNS_OK;
}

static int do_updates(dns_update_t *u, const dns_msg_t *m)
{
	size_t n;
	const dns_msg_rr_t *upd = dns_msg_section(m, DNS_SEC_UPDATE, &n);
	for (size_t i = 0; i < n; i++) {
		const dns_rr_t *rr = &upd[i].rr;
		dns_err_t err;
		if (rr->rclass == u->rclass)
			err = update_add(u, rr);
		else if (rr->rclass == DNS_CLASS_ANY)
			err = update_delete_rrset(u, rr);
		else
			err = update_delete_rr(u, rr);
		if (err)
			return DNS_RCODE_SERVFAIL;
	}
	return DNS_RCODE_NOERROR;
}

int dns_update_apply(dns_update_t *u, const dns_msg_t *req)
{
	if (!u || !req || u->committed)
		return DNS_RCODE_SERVFAIL;
	int rc = check_zone_section(u, req);
	if (rc == DNS_RCODE_NOERROR)
		rc = check_prereqs(u, req);
	if (rc == DNS_RCODE_NOERROR)
		rc = prescan(u, req);
	if (rc != DNS_RCODE_NOERROR)
		return rc; /* nothing changed yet */
	u->gen++;
	rc = do_updates(u, req);
	if (rc != DNS_RCODE_NOERROR)
		upd_rollback(u);
	upd_undo_clear(u);
	return rc;
}
