/*
 * dispatch.c - request handling of dns-secondary (see dispatch.h).
 */
#include <netinet/in.h>
#include <string.h>

#include "dns/authority.h"
#include "dns/msg.h"
#include "dns/notify.h"
#include "dns/rrtype.h"
#include "dns/tsig.h"

#include "dispatch.h"

/* One request being handled. */
typedef struct req {
	const sec_view_t *v;
	uint64_t now;
	const struct sockaddr *peer;
	dns_transport_t transport;
	const uint8_t *wire;
	size_t len;
	dns_msg_t m;
	dns_tsig_req_t treq;
	bool signed_;      /* TSIG verified */
	bool tsig_failed;  /* TSIG present but wrong */
	uint8_t *resp;
	size_t cap;
	size_t *resplen;
	sec_daction_t *act;
	sec_dinfo_t *info;
} req_t;

bool sec_same_host(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a->sa_family != b->sa_family)
		return false;
	if (a->sa_family == AF_INET)
		return memcmp(&((const struct sockaddr_in *)a)->sin_addr,
		              &((const struct sockaddr_in *)b)->sin_addr, 4) == 0;
	if (a->sa_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		              &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
	return false;
}

/* Room for the TSIG RR of the reply.  An unknown key (BADKEY) leaves
 * req.key NULL: then the largest possible RR (the names come from the
 * request, the MAC is empty). */
static size_t tsig_reserve(const req_t *r)
{
	if (!(r->signed_ || r->tsig_failed))
		return 0;
	if (r->treq.key)
		return dns_tsig_space(r->treq.key);
	return 2 * DNS_NAME_MAX + 10 + 16 + DNS_TSIG_MAC_MAX + 6;
}

/* Sign the reply when the request was signed (or carried a bad TSIG). */
static void sign(req_t *r)
{
	if (!(r->signed_ || r->tsig_failed) || *r->resplen == 0)
		return;
	size_t len = *r->resplen;
	if (dns_tsig_sign_response(r->resp, &len, r->cap, &r->treq, r->now) == DNS_OK)
		*r->resplen = len;
}

/* Header + question (when there was one) with @rcode: SERVFAIL, REFUSED,
 * NOTAUTH, FORMERR...  AA clear, RD copied. */
static void reply_rcode(req_t *r, unsigned rcode)
{
	dns_msg_builder_t b;
	size_t reserve = tsig_reserve(r);
	dns_msg_builder_init(&b, r->resp, r->cap, r->cap - reserve);
	uint16_t flags = DNS_FLAG_QR | (r->m.flags & (0x7800 | DNS_FLAG_RD));
	flags = dns_flags_set_rcode(flags, rcode);
	if (dns_msg_builder_header(&b, r->m.id, flags) != DNS_OK)
		return;
	if (r->m.has_question)
		dns_msg_builder_question(&b, r->m.qname, r->m.qtype, r->m.qclass);
	*r->resplen = dns_msg_builder_finish(&b);
	r->info->rcode = r->info->answer.rcode = (uint16_t)rcode;
	sign(r);
}

static void refuse(req_t *r, unsigned rcode, dns_refusal_t why)
{
	reply_rcode(r, rcode);
	r->info->refusal = why;
}

/* The configured zone that answers SERVFAIL for @name, if any: a down zone
 * enclosing @name more closely than any zone being served. */
static bool is_down(const sec_view_t *v, const uint8_t *name)
{
	if (v->ndown == 0)
		return false;
	const dns_zone_t *z = v->zones ? dns_zoneset_find(v->zones, name) : NULL;
	unsigned served = z ? dns_name_label_count(dns_zone_origin(z)) : 0;
	for (size_t i = 0; i < v->ndown; i++) {
		if (dns_name_is_subdomain(name, v->down[i]) &&
		    (!z || dns_name_label_count(v->down[i]) > served))
			return true;
	}
	return false;
}

static void handle_query(req_t *r)
{
	if (r->m.has_question && is_down(r->v, r->m.qname)) {
		reply_rcode(r, DNS_RCODE_SERVFAIL);
		return;
	}
	dns_answer_opts_t opts = { .cookies = r->v->cookies, .now = (uint32_t)r->now };
	opts.reserve = (uint16_t)tsig_reserve(r);
	dns_answer_info_t ai;
	dns_err_t e = dns_answer(r->v->zones, r->wire, r->len, r->transport, r->peer, &opts,
	                         r->resp, r->cap, r->resplen, &ai);
	if (e != DNS_OK) {
		*r->resplen = 0;
		r->info->dropped = true;
		return;
	}
	r->info->rcode = ai.rcode;
	r->info->answer = ai;
	r->info->refusal = dns_refusal_of_rcode(ai.rcode);
	sign(r);
}

static void handle_xfr(req_t *r)
{
	const dns_zone_t *zone = r->v->zones ? dns_zoneset_get(r->v->zones, r->m.qname) : NULL;
	if (!r->signed_ || !dns_key_authorizes(r->treq.key->name, DNS_OP_TRANSFER, r->m.qname)) {
		refuse(r, DNS_RCODE_REFUSED,
		       r->signed_ ? DNS_REFUSAL_KEY_NOT_AUTHORIZED : DNS_REFUSAL_UNSIGNED);
		return;
	}
	if (!zone) {
		if (is_down(r->v, r->m.qname))
			reply_rcode(r, DNS_RCODE_SERVFAIL); /* ours, expired or not loaded yet */
		else
			refuse(r, DNS_RCODE_NOTAUTH, DNS_REFUSAL_ZONE_NOT_SERVED);
		return;
	}
	if (r->transport == DNS_TRANSPORT_UDP) {
		if (r->m.qtype != DNS_TYPE_IXFR) {
			/* AXFR is TCP only (RFC 5936 §4.2) */
			refuse(r, DNS_RCODE_REFUSED, DNS_REFUSAL_AXFR_OVER_UDP);
			return;
		}
		/* We keep no history: the client is told our SOA and comes over TCP. */
		if (dns_xfr_ixfr_udp(NULL, zone, &r->m, &r->treq, r->now, r->resp, r->cap, 512,
		                     r->resplen) != DNS_OK)
			refuse(r, DNS_RCODE_FORMERR, DNS_REFUSAL_MALFORMED);
		else
			r->info->is_xfr = true;
		return;
	}
	/* Without history every IXFR gets the AXFR-style answer (RFC 1995 §4). */
	dns_xfr_out_t *x = NULL;
	if (dns_xfr_out_axfr(zone, &r->m, &r->treq, r->now, &x) != DNS_OK) {
		reply_rcode(r, DNS_RCODE_SERVFAIL);
		return;
	}
	r->act->kind = SEC_DACT_STREAM;
	r->act->xfr = x;
	for (size_t i = 0; i < r->v->nconfs; i++)
		if (dns_name_equal(r->v->confs[i].origin, dns_zone_origin(zone)))
			r->act->zone_index = i;
	r->info->rcode = DNS_RCODE_NOERROR;
	r->info->is_xfr = true;
}

static void handle_notify(req_t *r)
{
	dns_notify_req_t nr;
	dns_err_t e = dns_notify_parse_request(&r->m, &nr);
	if (e == DNS_EINVAL) {
		r->info->dropped = true;
		return;
	}
	if (e != DNS_OK) {
		if (e == DNS_ENOTSUP)
			refuse(r, DNS_RCODE_NOTIMP, DNS_REFUSAL_NOT_IMPLEMENTED);
		else
			refuse(r, DNS_RCODE_FORMERR, DNS_REFUSAL_MALFORMED);
		return;
	}
	const sec_zone_conf_t *z = NULL;
	size_t idx = 0;
	for (size_t i = 0; i < r->v->nconfs; i++) {
		if (dns_name_equal(r->v->confs[i].origin, nr.zone)) {
			z = &r->v->confs[i];
			idx = i;
			break;
		}
	}
	bool ok = false;
	if (z && z->has_key)
		ok = r->signed_ && dns_name_equal(r->treq.key->name, z->key.name);
	else if (z)
		ok = sec_same_host(r->peer, (const struct sockaddr *)&z->primary.ss);
	if (!ok) {
		dns_refusal_t why = !z ? DNS_REFUSAL_ZONE_NOT_SERVED
		                    : z->has_key ? (r->signed_ ? DNS_REFUSAL_KEY_NOT_AUTHORIZED
		                                               : DNS_REFUSAL_UNSIGNED)
		                                 : DNS_REFUSAL_NOT_FROM_PRIMARY;
		refuse(r, z ? DNS_RCODE_REFUSED : DNS_RCODE_NOTAUTH, why);
		return;
	}
	size_t reserve = tsig_reserve(r);
	if (dns_notify_build_response(&r->m, DNS_RCODE_NOERROR, r->resp, r->cap - reserve,
	                              r->resplen) != DNS_OK) {
		*r->resplen = 0;
		return;
	}
	r->info->rcode = DNS_RCODE_NOERROR;
	sign(r);
	r->act->kind = SEC_DACT_NOTIFY;
	r->act->zone_index = idx;
	r->act->has_serial = nr.has_serial;
	r->act->serial = nr.serial;
}

/* Verify a TSIG when there is one.  False when the reply is already made. */
static bool check_tsig(req_t *r)
{
	if (!r->m.tsig)
		return true;
	uint16_t terr = 0;
	dns_err_t e = dns_tsig_verify_request(&r->m, r->v->keys, r->now, &r->treq, &terr);
	if (e == DNS_OK) {
		r->signed_ = true;
		r->act->signed_ = true;
		r->act->treq = r->treq;
		return true;
	}
	if (e == DNS_ETSIG) {
		r->tsig_failed = true;
		r->info->tsig_error = terr;
		refuse(r, DNS_RCODE_NOTAUTH, dns_refusal_of_tsig_error(terr));
	} else {
		refuse(r, DNS_RCODE_FORMERR, DNS_REFUSAL_MALFORMED);
	}
	return false;
}

void sec_dispatch(const sec_view_t *v, uint64_t now, const struct sockaddr *peer,
                  dns_transport_t transport, const uint8_t *wire, size_t len, uint8_t *resp,
                  size_t cap, size_t *resplen, sec_daction_t *act, sec_dinfo_t *info)
{
	sec_dinfo_t dummy;
	if (!info)
		info = &dummy;
	*info = (sec_dinfo_t){ 0 };
	*act = (sec_daction_t){ 0 };
	*resplen = 0;
	if (len < DNS_HDR_LEN || (wire[2] & 0x80)) {
		info->dropped = true; /* too short, or a response: never answer */
		return;
	}
	req_t r = { .v = v, .now = now, .peer = peer, .transport = transport, .wire = wire,
	            .len = len, .resp = resp, .cap = cap, .resplen = resplen, .act = act,
	            .info = info };
	info->opcode = (wire[2] >> 3) & 0xF;
	if (dns_msg_parse(&r.m, wire, len) != DNS_OK) {
		/* dns_answer builds FORMERR for what it can read of the header. */
		dns_msg_free(&r.m);
		r.m.has_question = false;
		handle_query(&r);
		return;
	}
	info->qtype = r.m.has_question ? r.m.qtype : 0;
	if (!check_tsig(&r))
		goto out;
	switch (info->opcode) {
	case DNS_OPCODE_NOTIFY:
		handle_notify(&r);
		break;
	case DNS_OPCODE_QUERY:
		if (r.m.has_question &&
		    (r.m.qtype == DNS_TYPE_AXFR || r.m.qtype == DNS_TYPE_IXFR))
			handle_xfr(&r);
		else
			handle_query(&r);
		break;
	default:
		/* UPDATE: we are not the primary */
		refuse(&r, DNS_RCODE_NOTIMP, DNS_REFUSAL_NOT_IMPLEMENTED);
		break;
	}
out:
	dns_msg_free(&r.m);
}
