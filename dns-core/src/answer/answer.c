/*
 * answer.c - the authoritative answer function: reads the request
 * (header, question, OPT) straight from the wire without allocating,
 * decides the response frame (RFC 1034 §4.3.2 steps 1-2, RFC 6891 EDNS,
 * RFC 5001 NSID, RFC 7873/9018 cookies, size limits), and leaves the
 * zone-driven sections to answer_resolve.c.
 */
#include <string.h>

#include "dns/edns.h"
#include "dns/rrtype.h"
#include "answer_impl.h"
#include "internal/rdata_priv.h"

#define NSID_MAX 512 /* longest NSID we send */

typedef struct request {
	uint16_t id, flags;
	uint16_t count[4];
	bool has_question;
	uint8_t qname[DNS_NAME_MAX];
	uint16_t qtype, qclass;
	bool has_opt;
	dns_edns_t edns;
} request_t;

/* The question, if there is exactly one and it parses. */
static bool parse_question(request_t *q, dns_rbuf_t *r)
{
	if (q->count[DNS_SEC_QUESTION] != 1)
		return false;
	return dns_name_unpack(r, q->qname, NULL) == DNS_OK && dns_rbuf_u16(r, &q->qtype) == DNS_OK &&
	       dns_rbuf_u16(r, &q->qclass) == DNS_OK;
}

/* Skip answer and authority RRs, find the OPT among the additional ones. */
static bool parse_records(request_t *q, dns_rbuf_t *r)
{
	unsigned total = (unsigned)q->count[1] + q->count[2] + q->count[3];
	for (unsigned i = 0; i < total; i++) {
		uint8_t owner[DNS_NAME_MAX];
		uint16_t type, rclass, rdlen;
		uint32_t ttl;
		const uint8_t *rdata;
		if (dns_name_unpack(r, owner, NULL) || dns_rbuf_u16(r, &type) ||
		    dns_rbuf_u16(r, &rclass) || dns_rbuf_u32(r, &ttl) || dns_rbuf_u16(r, &rdlen) ||
		    dns_rbuf_bytes(r, &rdata, rdlen))
			return false;
		if (type != DNS_TYPE_OPT)
			continue;
		/* RFC 6891 §6.1.1: one OPT, in the additional section, owned by the root */
		if (q->has_opt || i < (unsigned)q->count[1] + q->count[2] || owner[0] != 0)
			return false;
		dns_rr_t opt = {owner, type, rclass, ttl, rdlen, rdata};
		if (dns_edns_parse(&opt, &q->edns) != DNS_OK)
			return false;
		q->has_opt = true;
	}
	return true;
}

/* The options of our OPT: NSID when asked (RFC 5001 §2.3), COOKIE (RFC 7873 §5.2). */
static size_t response_options(const request_t *q, const dns_answer_opts_t *o,
                               const struct sockaddr *client, uint8_t *buf, size_t cap,
                               dns_cookie_status_t *cookie)
{
	dns_wbuf_t w;
	dns_wbuf_init(&w, buf, cap);
	const uint8_t *data;
	uint16_t len;
	if (o->nsid && dns_edns_option_find(&q->edns, DNS_EDNS_NSID, &data, &len))
		(void)dns_edns_option_put(&w, DNS_EDNS_NSID, o->nsid,
		                          o->nsid_len > NSID_MAX ? NSID_MAX : o->nsid_len);
	if (o->cookies && dns_edns_option_find(&q->edns, DNS_EDNS_COOKIE, &data, &len)) {
		uint8_t c[DNS_COOKIE_OPT_LEN];
		bool ok;
		*cookie = dns_cookie_server(o->cookies, data, len, client, o->now, c, &ok);
		if (ok)
			(void)dns_edns_option_put(&w, DNS_EDNS_COOKIE, c, sizeof(c));
	}
	return w.len;
}

/* RFC 6891 §6.2.5 and RFC 1035 §4.2.1: the most this response may take. */
static size_t size_limit(const request_t *q, dns_transport_t transport, uint16_t udp_max)
{
	if (transport == DNS_TRANSPORT_TCP)
		return DNS_MSG_MAX;
	if (!q->has_opt)
		return DNS_UDP_MIN;
	size_t want = q->edns.udp_size < DNS_UDP_MIN ? DNS_UDP_MIN : q->edns.udp_size;
	return want < udp_max ? want : udp_max;
}

static void fill_info(dns_answer_info_t *info, const request_t *q, const answer_t *a,
                      dns_cookie_status_t cookie, size_t opt_off)
{
	if (!info)
		return;
	info->qtype = q->has_question ? q->qtype : 0;
	info->rcode = a->rcode;
	info->truncated = a->tc;
	info->zone = a->zone;
	info->kind = a->kind;
	info->kind_name = a->kind_name;
	if (a->kind == DNS_ANSWER_KIND_ERROR)
		info->kind_name = a->zone ? dns_zone_origin(a->zone) : NULL;
	info->cookie = cookie;
	info->opt_off = (uint16_t)opt_off;
}

dns_err_t dns_answer(const dns_zoneset_t *zones, const uint8_t *req, size_t reqlen,
                     dns_transport_t transport, const struct sockaddr *client,
                     const dns_answer_opts_t *opts, uint8_t *resp, size_t cap, size_t *resplen,
                     dns_answer_info_t *info)
{
	static const dns_answer_opts_t defaults = {0};
	const dns_answer_opts_t *o = opts ? opts : &defaults;
	uint16_t udp_max = o->udp_max ? o->udp_max : DNS_EDNS_DEFAULT_PAYLOAD;
	if (udp_max < DNS_UDP_MIN)
		udp_max = DNS_UDP_MIN;
	*resplen = 0;
	if (reqlen < DNS_HDR_LEN || (dns_get16(req + 2) & DNS_FLAG_QR))
		return DNS_EMALFORMED; /* RFC 1035 §4.1.1: never answer a response */

	request_t q = {0};
	q.id = dns_get16(req);
	q.flags = dns_get16(req + 2);
	for (int i = 0; i < 4; i++)
		q.count[i] = dns_get16(req + 4 + 2 * i);
	dns_rbuf_t r;
	dns_rbuf_init(&r, req, reqlen);
	r.pos = DNS_HDR_LEN;
	q.has_question = parse_question(&q, &r);
	bool wellformed = q.has_question && parse_records(&q, &r);

	answer_t a;
	a.zone = NULL;
	a.qname = q.qname;
	a.qtype = q.qtype;
	a.rcode = DNS_RCODE_NOERROR;
	a.aa = a.tc = false;
	a.nadditional = 0;
	a.kind = DNS_ANSWER_KIND_ERROR;
	a.kind_name = NULL;
	size_t limit = wellformed ? size_limit(&q, transport, udp_max) : DNS_UDP_MIN;
	dns_msg_builder_init(&a.mb, resp, cap, limit);
	if (dns_msg_builder_header(&a.mb, q.id, 0) != DNS_OK)
		return DNS_ESPACE;
	if (q.has_question &&
	    dns_msg_builder_question(&a.mb, q.qname, q.qtype, q.qclass) != DNS_OK)
		return DNS_ESPACE;

	unsigned opcode = dns_flags_opcode(q.flags);
	uint8_t options[4 + NSID_MAX + 4 + DNS_COOKIE_OPT_LEN];
	size_t optlen = 0, opt_off = 0;
	dns_cookie_status_t cookie = DNS_COOKIE_NONE;
	if (!wellformed) {
		a.rcode = DNS_RCODE_FORMERR;
		q.has_opt = false; /* the OPT may be what is wrong */
	} else if (opcode != DNS_OPCODE_QUERY) {
		a.rcode = DNS_RCODE_NOTIMP;
	} else if (q.has_opt && q.edns.version != 0) {
		a.rcode = DNS_RCODE_BADVERS; /* RFC 6891 §6.1.3 */
	} else {
		if (q.has_opt)
			optlen = response_options(&q, o, client, options, sizeof(options), &cookie);
		size_t hold = (q.has_opt ? dns_edns_wire_size(optlen) : 0) + o->reserve;
		dns_msg_builder_reserve(&a.mb, hold);
		a.zone = dns_zoneset_find(zones, q.qname);
		if (cookie == DNS_COOKIE_CLIENT && o->cookies->require &&
		    transport == DNS_TRANSPORT_UDP) {
			/* RFC 7873 §5.2.3: no answer until the client shows it gets ours */
			a.rcode = DNS_RCODE_BADCOOKIE;
		} else if (!a.zone || dns_zone_class(a.zone) != q.qclass ||
		           q.qtype == DNS_TYPE_AXFR || q.qtype == DNS_TYPE_IXFR) {
			a.rcode = DNS_RCODE_REFUSED;
			a.zone = a.zone && dns_zone_class(a.zone) == q.qclass ? a.zone : NULL;
		} else {
			answer_resolve(&a);
		}
		dns_msg_builder_unreserve(&a.mb, hold);
		dns_msg_builder_reserve(&a.mb, o->reserve);
	}

	uint16_t flags = (uint16_t)(DNS_FLAG_QR | (q.flags & (0x7800 | DNS_FLAG_RD)));
	if (a.aa)
		flags |= DNS_FLAG_AA;
	if (a.tc)
		flags |= DNS_FLAG_TC;
	flags = dns_flags_set_rcode(flags, a.rcode & 0xF);
	dns_msg_builder_set_flags(&a.mb, flags);
	if (q.has_opt) {
		opt_off = a.mb.w.len;
		/* room was held back for it; an error here means the limit is absurdly small */
		if (dns_edns_write(&a.mb, udp_max, a.rcode, q.edns.do_bit, optlen ? options : NULL,
		                   optlen) != DNS_OK)
			return DNS_ESPACE;
	}
	*resplen = dns_msg_builder_finish(&a.mb);
	fill_info(info, &q, &a, cookie, opt_off);
	return DNS_OK;
}

/* The question name of a plain request, in place (an uncompressed name at
 * offset 12 is already in the form lookups take), or NULL. */
static const uint8_t *question_name(const uint8_t *req, size_t len)
{
	if (len < DNS_HDR_LEN || (dns_get16(req + 2) & DNS_FLAG_QR) || dns_get16(req + 4) != 1)
		return NULL;
	return dns__wire_name_len(req + DNS_HDR_LEN, len - DNS_HDR_LEN) ? req + DNS_HDR_LEN : NULL;
}

void dns_answer_prefetch(const dns_zoneset_t *zones, const uint8_t *const reqs[],
                         const size_t lens[], size_t n)
{
	enum { CHUNK = 64 };
	const dns_zone_t *zone[CHUNK];
	const uint8_t *name[CHUNK];
	for (size_t at = 0; at < n; at += CHUNK) {
		size_t m = n - at < CHUNK ? n - at : CHUNK;
		for (size_t i = 0; i < m; i++) {
			name[i] = question_name(reqs[at + i], lens[at + i]);
			zone[i] = name[i] ? dns_zoneset_find(zones, name[i]) : NULL;
		}
		dns_zone_prefetch(zone, name, m);
	}
}
