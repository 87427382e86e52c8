/*
 * dispatch.c - one request in, reply bytes and an action out (sans-IO).
 */
#include <string.h>

#include "dns/authority.h"
#include "dns/edns.h"
#include "dns/msg.h"
#include "dns/notify.h"
#include "dns/rrtype.h"
#include "dns/serial.h"
#include "dispatch.h"

/* UDP IXFR answers are kept within the EDNS default (RFC 1995 §2 and
 * the 2020 flag day). */
#define PG_UDP_MAX 1232

typedef struct req_ctx {
	const pg_view_t *v;
	uint64_t now;
	dns_transport_t transport;
	const struct sockaddr *peer;
	const uint8_t *wire;
	size_t len;
	uint8_t *resp;
	size_t cap;
	size_t *resplen;
	pg_action_t *act;
	pg_dispatch_info_t *info;
	dns_msg_t m;
	dns_tsig_req_t treq;
	bool signed_;     /* TSIG verified */
	bool tsig_failed; /* TSIG present but wrong: answer NOTAUTH with treq.error */
} req_ctx_t;

/* ---- the fast path: a plain unsigned query ---- */

/*
 * QUERY, one question that is not a transfer, no answer or authority
 * records, and no additional record but an OPT: no TSIG can be present,
 * so dns_answer() is all there is to do (it parses and validates).
 */
static bool plain_query(const uint8_t *q, size_t len)
{
	if (len < DNS_HDR_LEN)
		return false;
	uint16_t flags = dns_get16(q + 2);
	if ((flags & DNS_FLAG_QR) || dns_flags_opcode(flags) != DNS_OPCODE_QUERY)
		return false;
	if (dns_get16(q + 4) != 1 || dns_get16(q + 6) || dns_get16(q + 8) || dns_get16(q + 10) > 1)
		return false;
	size_t pos = DNS_HDR_LEN;
	for (unsigned labels = 0;; labels++) {
		if (pos >= len || labels > 127)
			return false;
		uint8_t l = q[pos];
		if (l == 0) {
			pos++;
			break;
		}
		if (l & 0xC0)
			return false;
		pos += 1u + l;
	}
	if (pos + 4 > len)
		return false;
	uint16_t qtype = dns_get16(q + pos);
	if (qtype == DNS_TYPE_AXFR || qtype == DNS_TYPE_IXFR)
		return false;
	pos += 4;
	if (dns_get16(q + 10) == 0)
		return true;
	return pos + 3 <= len && q[pos] == 0 && dns_get16(q + pos + 1) == DNS_TYPE_OPT;
}

/* ---- replies ---- */

static void set_info_rcode(req_ctx_t *r, unsigned rcode)
{
	if (r->info)
		r->info->rcode = r->info->answer.rcode = (uint16_t)rcode;
}

static void set_refusal(req_ctx_t *r, dns_refusal_t why)
{
	if (r->info)
		r->info->refusal = why;
}

/* Unsigned, or signed with a key that lacks the authority. */
static dns_refusal_t no_authority(const req_ctx_t *r)
{
	return r->signed_ ? DNS_REFUSAL_KEY_NOT_AUTHORIZED : DNS_REFUSAL_UNSIGNED;
}

/* A reply with only the header and the question echoed. */
static dns_err_t build_plain(req_ctx_t *r, unsigned rcode, bool aa)
{
	dns_msg_builder_t b;
	dns_msg_builder_init(&b, r->resp, r->cap, r->cap);
	uint16_t flags = DNS_FLAG_QR | (r->m.flags & (DNS_FLAG_RD | 0x7800)) | (aa ? DNS_FLAG_AA : 0);
	flags = dns_flags_set_rcode(flags, rcode);
	dns_err_t e = dns_msg_builder_header(&b, r->m.id, flags);
	if (e == DNS_OK && r->m.has_question)
		e = dns_msg_builder_question(&b, r->m.qname, r->m.qtype, r->m.qclass);
	if (e != DNS_OK)
		return e;
	*r->resplen = dns_msg_builder_finish(&b);
	set_info_rcode(r, rcode);
	return DNS_OK;
}

/* Sign the reply in resp when the request carried a TSIG we can answer. */
static void sign_reply(req_ctx_t *r)
{
	if (!(r->signed_ || r->tsig_failed) || *r->resplen == 0)
		return;
	size_t len = *r->resplen;
	if (dns_tsig_sign_response(r->resp, &len, r->cap, &r->treq, r->now) == DNS_OK)
		*r->resplen = len;
	else if (r->signed_)
		*r->resplen = 0; /* an unsigned answer to a signed request would be rejected */
}

static void reply(req_ctx_t *r, unsigned rcode)
{
	if (build_plain(r, rcode, false) != DNS_OK)
		*r->resplen = 0;
	sign_reply(r);
}

/* FORMERR for a message we could not parse: the header only. */
static void formerr_raw(req_ctx_t *r)
{
	if (r->cap < DNS_HDR_LEN)
		return;
	uint16_t flags = dns_get16(r->wire + 2);
	flags = DNS_FLAG_QR | (flags & (DNS_FLAG_RD | 0x7800));
	memset(r->resp, 0, DNS_HDR_LEN);
	memcpy(r->resp, r->wire, 2);
	dns_put16(r->resp + 2, dns_flags_set_rcode(flags, DNS_RCODE_FORMERR));
	*r->resplen = DNS_HDR_LEN;
	set_info_rcode(r, DNS_RCODE_FORMERR);
	set_refusal(r, DNS_REFUSAL_MALFORMED);
}

/* ---- removed zones ---- */

static bool is_removed(const pg_view_t *v, const uint8_t *name)
{
	for (size_t i = 0; i < v->nremoved; i++)
		if (dns_name_equal(v->removed[i], name))
			return true;
	return false;
}

/* A secondary still asks for a zone we no longer have: NOTAUTH (RFC 5936
 * §2.2.1), distinct from a REFUSED for someone not allowed, so that it
 * (and our log) can tell the zone is gone. */
static void removed_zone(req_ctx_t *r)
{
	reply(r, DNS_RCODE_NOTAUTH);
	dns_name_copy(r->act->zone, r->m.qname);
	dns_name_lower(r->act->zone);
	set_refusal(r, DNS_REFUSAL_ZONE_REMOVED);
	if (r->info)
		r->info->removed_zone = true;
}

/* A signed SOA query with a transfer-capable key for a removed zone. */
static bool secondary_soa_of_removed(const req_ctx_t *r)
{
	return r->signed_ && r->m.has_question && r->m.qtype == DNS_TYPE_SOA && r->v->nremoved &&
	       !dns_zoneset_get(r->v->zones, r->m.qname) && is_removed(r->v, r->m.qname) &&
	       dns_key_authorizes(r->treq.key->name, DNS_OP_TRANSFER, r->m.qname);
}

/* ---- QUERY ---- */

static void query(req_ctx_t *r)
{
	if (secondary_soa_of_removed(r)) {
		removed_zone(r);
		return;
	}
	dns_answer_opts_t opts = { .nsid = r->v->nsid, .nsid_len = r->v->nsid_len,
	                           .cookies = r->v->cookies, .now = (uint32_t)r->now };
	if (r->signed_ || r->tsig_failed)
		opts.reserve = (uint16_t)dns_tsig_space(r->treq.key);
	dns_answer_info_t ai;
	memset(&ai, 0, sizeof(ai));
	dns_err_t e = dns_answer(r->v->zones, r->wire, r->len, r->transport, r->peer, &opts, r->resp,
	                         r->cap, r->resplen, &ai);
	if (e != DNS_OK) {
		*r->resplen = 0;
		if (r->info)
			r->info->dropped = true;
		return;
	}
	if (r->info)
		r->info->answer = ai;
	set_info_rcode(r, ai.rcode);
	set_refusal(r, dns_refusal_of_rcode(ai.rcode));
	sign_reply(r);
	/* A hidden secondary announces itself with a signed SOA query over TCP
	 * for a zone its key may transfer (docs/repository.md). */
	if (r->signed_ && r->transport == DNS_TRANSPORT_TCP && r->m.qtype == DNS_TYPE_SOA && ai.zone &&
	    dns_name_equal(r->m.qname, dns_zone_origin(ai.zone)) &&
	    dns_key_authorizes(r->treq.key->name, DNS_OP_TRANSFER, r->m.qname)) {
		r->act->kind = PG_ACT_KEEP;
		dns_name_copy(r->act->zone, dns_zone_origin(ai.zone));
		r->act->key = *r->treq.key;
		r->act->has_key = true;
	}
}

/* ---- AXFR / IXFR ---- */

static uint16_t udp_size(const dns_msg_t *m)
{
	dns_edns_t e;
	if (!m->opt || dns_edns_parse(&m->opt->rr, &e) != DNS_OK)
		return 512;
	return e.udp_size < PG_UDP_MAX ? e.udp_size : PG_UDP_MAX;
}

/* For IXFR: the old version the client holds, or NULL (up to date, or unknown). */
static dns_zone_t *client_version(req_ctx_t *r, const dns_zone_t *zone, uint32_t serial,
                                  bool *behind)
{
	*behind = dns_serial_lt(serial, dns_zone_serial(zone));
	if (!*behind || !r->v->old_zone)
		return NULL;
	dns_zone_t *old = r->v->old_zone(r->v->old_zone_ctx, zone, serial);
	if (old && (!dns_name_equal(dns_zone_origin(old), dns_zone_origin(zone)) ||
	            dns_zone_serial(old) != serial)) {
		dns_zone_unref(old);
		old = NULL;
	}
	return old;
}

static void xfr(req_ctx_t *r)
{
	const dns_zone_t *zone = dns_zoneset_get(r->v->zones, r->m.qname);
	bool ok = r->v->allow_axfr ||
	          (r->signed_ && dns_key_authorizes(r->treq.key->name, DNS_OP_TRANSFER, r->m.qname));
	if (!zone && ok && is_removed(r->v, r->m.qname)) {
		removed_zone(r);
		return;
	}
	if (!zone || !ok || r->m.qclass != dns_zone_class(zone) ||
	    (r->transport == DNS_TRANSPORT_UDP && r->m.qtype == DNS_TYPE_AXFR)) {
		reply(r, DNS_RCODE_REFUSED);
		set_refusal(r, !ok ? no_authority(r)
		               : !zone || r->m.qclass != dns_zone_class(zone) ? DNS_REFUSAL_ZONE_NOT_SERVED
		                                                              : DNS_REFUSAL_AXFR_OVER_UDP);
		return;
	}
	const dns_tsig_req_t *tsig = r->signed_ ? &r->treq : NULL;
	uint32_t serial = 0;
	bool behind = false;
	dns_zone_t *old = NULL;
	if (r->m.qtype == DNS_TYPE_IXFR) {
		if (dns_xfr_request_serial(&r->m, &serial) != DNS_OK) {
			reply(r, DNS_RCODE_FORMERR);
			set_refusal(r, DNS_REFUSAL_MALFORMED);
			return;
		}
		old = client_version(r, zone, serial, &behind);
	}
	dns_err_t e;
	if (r->transport == DNS_TRANSPORT_UDP) {
		e = dns_xfr_ixfr_udp(old, zone, &r->m, tsig, r->now, r->resp, r->cap, udp_size(&r->m),
		                     r->resplen);
		dns_zone_unref(old);
		if (e != DNS_OK) {
			reply(r, DNS_RCODE_SERVFAIL);
			return;
		}
		r->act->xfr_kind = PG_XFR_IXFR;
		dns_name_copy(r->act->zone, dns_zone_origin(zone));
		set_info_rcode(r, DNS_RCODE_NOERROR);
		if (r->info)
			r->info->is_xfr = true;
		return;
	}
	dns_xfr_out_t *x = NULL;
	if (r->m.qtype == DNS_TYPE_AXFR) {
		e = dns_xfr_out_axfr(zone, &r->m, tsig, r->now, &x);
		r->act->xfr_kind = PG_XFR_AXFR;
	} else if (old || !behind) {
		e = dns_xfr_out_ixfr(old, zone, &r->m, tsig, r->now, &x);
		r->act->xfr_kind = PG_XFR_IXFR;
	} else {
		e = dns_xfr_out_axfr(zone, &r->m, tsig, r->now, &x);
		r->act->xfr_kind = PG_XFR_IXFR_AXFR;
	}
	dns_zone_unref(old);
	if (e != DNS_OK) {
		reply(r, DNS_RCODE_SERVFAIL);
		return;
	}
	*r->resplen = 0;
	r->act->kind = PG_ACT_STREAM;
	r->act->xfr = x;
	dns_name_copy(r->act->zone, dns_zone_origin(zone));
	set_info_rcode(r, DNS_RCODE_NOERROR);
	if (r->info)
		r->info->is_xfr = true;
}

/* ---- NOTIFY (RFC 1996) ---- */

static void notify(req_ctx_t *r)
{
	dns_notify_req_t nr;
	dns_err_t e = dns_notify_parse_request(&r->m, &nr);
	unsigned rcode = DNS_RCODE_NOERROR;
	if (e == DNS_EMALFORMED)
		rcode = DNS_RCODE_FORMERR;
	else if (e == DNS_ENOTSUP)
		rcode = DNS_RCODE_NOTIMP;
	else if (e != DNS_OK)
		rcode = DNS_RCODE_FORMERR;
	else if (!r->signed_ || !dns_key_authorizes(r->treq.key->name, DNS_OP_NOTIFY, nr.zone))
		rcode = DNS_RCODE_REFUSED;
	set_refusal(r, rcode == DNS_RCODE_REFUSED ? no_authority(r) : dns_refusal_of_rcode(rcode));
	size_t reserve = r->signed_ ? dns_tsig_space(r->treq.key) : 0;
	if (dns_notify_build_response(&r->m, rcode, r->resp, r->cap - reserve, r->resplen) != DNS_OK) {
		*r->resplen = 0;
		return;
	}
	set_info_rcode(r, rcode);
	sign_reply(r);
	if (rcode == DNS_RCODE_NOERROR) {
		r->act->kind = PG_ACT_RELOAD;
		dns_name_copy(r->act->zone, nr.zone);
		dns_name_lower(r->act->zone);
	}
}

/* ---- UPDATE (RFC 2136), checked here, applied by the writer ---- */

static void update(req_ctx_t *r)
{
	/* §3.1.1: the zone section is one SOA "question" */
	if (!r->m.has_question || r->m.count[0] != 1 || r->m.qtype != DNS_TYPE_SOA) {
		reply(r, DNS_RCODE_FORMERR);
		set_refusal(r, DNS_REFUSAL_MALFORMED);
		return;
	}
	if (!r->signed_) {
		reply(r, DNS_RCODE_REFUSED);
		set_refusal(r, DNS_REFUSAL_UNSIGNED);
		return;
	}
	const dns_zone_t *zone = dns_zoneset_get(r->v->zones, r->m.qname);
	if (!zone || r->m.qclass != dns_zone_class(zone)) {
		reply(r, DNS_RCODE_NOTAUTH);
		set_refusal(r, DNS_REFUSAL_ZONE_NOT_SERVED);
		return;
	}
	if (!dns_key_authorizes(r->treq.key->name, DNS_OP_UPDATE, r->m.qname)) {
		reply(r, DNS_RCODE_REFUSED);
		set_refusal(r, DNS_REFUSAL_KEY_NOT_AUTHORIZED);
		return;
	}
	*r->resplen = 0;
	r->act->kind = PG_ACT_UPDATE;
	dns_name_copy(r->act->zone, dns_zone_origin(zone));
	r->act->key = *r->treq.key;
	r->act->has_key = true;
	r->act->treq = r->treq;
	set_info_rcode(r, DNS_RCODE_NOERROR);
}

void pg_update_reply(const uint8_t *req, size_t len, const dns_tsig_req_t *treq, unsigned rcode,
                     uint64_t now, uint8_t *resp, size_t cap, size_t *resplen)
{
	req_ctx_t r;
	memset(&r, 0, sizeof(r));
	*resplen = 0;
	r.wire = req;
	r.len = len;
	r.resp = resp;
	r.cap = cap;
	r.resplen = resplen;
	r.now = now;
	if (treq) {
		r.treq = *treq;
		r.signed_ = treq->error == 0;
		r.tsig_failed = treq->error != 0;
	}
	if (dns_msg_parse(&r.m, req, len) == DNS_OK)
		reply(&r, rcode);
	dns_msg_free(&r.m);
}

/* ---- the entry point ---- */

static void dispatch_parsed(req_ctx_t *r)
{
	if (r->info) {
		r->info->opcode = dns_flags_opcode(r->m.flags);
		r->info->qtype = r->m.has_question ? r->m.qtype : 0;
	}
	if (r->m.tsig) {
		uint16_t terr = 0;
		dns_err_t e = dns_tsig_verify_request(&r->m, r->v->keys, r->now, &r->treq, &terr);
		if (e == DNS_OK) {
			r->signed_ = true;
			r->act->signed_ = true;
			r->act->treq = r->treq;
		} else if (e == DNS_ETSIG) {
			/* RFC 8945 §5.2: NOTAUTH, the TSIG error in the TSIG RR. */
			r->tsig_failed = true;
			if (r->info)
				r->info->tsig_error = terr;
			reply(r, DNS_RCODE_NOTAUTH);
			set_refusal(r, dns_refusal_of_tsig_error(terr));
			return;
		} else {
			reply(r, DNS_RCODE_FORMERR);
			set_refusal(r, DNS_REFUSAL_MALFORMED);
			return;
		}
	}
	switch (dns_flags_opcode(r->m.flags)) {
	case DNS_OPCODE_QUERY:
		if (r->m.has_question && (r->m.qtype == DNS_TYPE_AXFR || r->m.qtype == DNS_TYPE_IXFR))
			xfr(r);
		else
			query(r);
		return;
	case DNS_OPCODE_NOTIFY:
		notify(r);
		return;
	case DNS_OPCODE_UPDATE:
		update(r);
		return;
	default:
		reply(r, DNS_RCODE_NOTIMP);
		set_refusal(r, DNS_REFUSAL_NOT_IMPLEMENTED);
		return;
	}
}

void pg_dispatch(const pg_view_t *v, uint64_t now, const struct sockaddr *peer,
                 dns_transport_t transport, const uint8_t *req, size_t len, uint8_t *resp,
                 size_t cap, size_t *resplen, pg_action_t *act, pg_dispatch_info_t *info)
{
	*resplen = 0;
	act->kind = PG_ACT_NONE;
	act->xfr = NULL;
	act->has_key = false;
	act->signed_ = false;
	act->zone[0] = 0;
	if (info)
		memset(info, 0, sizeof(*info));
	if (len < DNS_HDR_LEN || (dns_get16(req + 2) & DNS_FLAG_QR)) {
		if (info)
			info->dropped = true; /* never answer a response (no loops) */
		return;
	}
	if (plain_query(req, len)) {
		dns_answer_opts_t opts = { .nsid = v->nsid, .nsid_len = v->nsid_len,
		                           .cookies = v->cookies, .now = (uint32_t)now };
		dns_answer_info_t *ai = info ? &info->answer : &(dns_answer_info_t){0};
		if (dns_answer(v->zones, req, len, transport, peer, &opts, resp, cap, resplen, ai) !=
		    DNS_OK) {
			*resplen = 0;
			if (info)
				info->dropped = true;
		} else if (info) {
			info->qtype = ai->qtype;
			info->rcode = ai->rcode;
			if (ai->rcode != DNS_RCODE_NOERROR && ai->rcode != DNS_RCODE_NXDOMAIN)
				info->refusal = dns_refusal_of_rcode(ai->rcode);
		}
		return;
	}
	req_ctx_t r;
	memset(&r, 0, sizeof(r));
	r.v = v;
	r.now = now;
	r.transport = transport;
	r.peer = peer;
	r.wire = req;
	r.len = len;
	r.resp = resp;
	r.cap = cap;
	r.resplen = resplen;
	r.act = act;
	r.info = info;
	dns_err_t e = dns_msg_parse(&r.m, req, len);
	if (e == DNS_OK)
		dispatch_parsed(&r);
	else if (e == DNS_EMALFORMED)
		formerr_raw(&r);
	dns_msg_free(&r.m);
}
