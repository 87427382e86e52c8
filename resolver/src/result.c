/*
 * result.c - packed client answers and writing them as responses.
 *
 * Entry layout: owner (wire name), type u16, ttl u32, count u16, size u32,
 * data, then the same four fields and data for the RRSIGs.
 */
#include <stdlib.h>
#include <string.h>

#include "dns/edns.h"
#include "dns/name.h"
#include "dns/rrtype.h"
#include "result.h"

void res_result_init(res_result_t *r, uint8_t *stor, size_t storlen)
{
	memset(r, 0, sizeof *r);
	r->ede = -1;
	if (stor && storlen >= 2) {
		r->sec[0] = (res_rbuf_t){.p = stor, .cap = storlen / 2};
		r->sec[1] = (res_rbuf_t){.p = stor + storlen / 2, .cap = storlen - storlen / 2};
	}
}

void res_result_free(res_result_t *r)
{
	for (int i = 0; i < 2; i++)
		if (r->sec[i].heap)
			free(r->sec[i].p);
	res_result_init(r, NULL, 0);
}

static dns_err_t rbuf_reserve(res_rbuf_t *b, size_t more)
{
	if (b->len + more <= b->cap)
		return DNS_OK;
	if (b->len + more > RES_RESULT_MAX)
		return DNS_ELIMIT;
	size_t cap = b->cap < 256 ? 256 : b->cap;
	while (cap < b->len + more)
		cap *= 2;
	uint8_t *p = malloc(cap);
	if (!p)
		return DNS_ENOMEM;
	if (b->len)
		memcpy(p, b->p, b->len);
	if (b->heap)
		free(b->p);
	b->p = p;
	b->cap = cap;
	b->heap = true;
	return DNS_OK;
}

dns_err_t res_result_copy(res_result_t *dst, const res_result_t *src)
{
	res_result_init(dst, NULL, 0);
	dst->rcode = src->rcode;
	dst->secure = src->secure;
	dst->ede = src->ede;
	dst->ede_text = src->ede_text;
	dst->cached = src->cached;
	for (int i = 0; i < 2; i++) {
		if (!src->sec[i].len)
			continue;
		dns_err_t err = rbuf_reserve(&dst->sec[i], src->sec[i].len);
		if (err) {
			res_result_free(dst);
			return err;
		}
		memcpy(dst->sec[i].p, src->sec[i].p, src->sec[i].len);
		dst->sec[i].len = src->sec[i].len;
	}
	return DNS_OK;
}

static void put_set(uint8_t **p, const dns_rrset_t *s)
{
	dns_put16(*p, s ? s->type : 0);
	dns_put32(*p + 2, s ? s->ttl : 0);
	dns_put16(*p + 6, s ? s->count : 0);
	dns_put32(*p + 8, s ? s->size : 0);
	*p += 12;
	if (s && s->size) {
		memcpy(*p, s->data, s->size);
		*p += s->size;
	}
}

dns_err_t res_result_add(res_result_t *r, int sec, const uint8_t *owner, const dns_rrset_t *set,
                         const dns_rrset_t *sigs)
{
	if (sigs && !sigs->count)
		sigs = NULL;
	size_t olen = dns_name_length(owner);
	size_t need = olen + 24 + set->size + (sigs ? sigs->size : 0);
	dns_err_t err = rbuf_reserve(&r->sec[sec], need);
	if (err)
		return err;
	uint8_t *p = r->sec[sec].p + r->sec[sec].len;
	memcpy(p, owner, olen);
	p += olen;
	put_set(&p, set);
	put_set(&p, sigs);
	r->sec[sec].len += need;
	return DNS_OK;
}

static void get_set(const uint8_t **p, dns_rrset_t *s)
{
	s->type = dns_get16(*p);
	s->ttl = dns_get32(*p + 2);
	s->count = dns_get16(*p + 6);
	s->size = dns_get32(*p + 8);
	*p += 12;
	s->data = *p;
	*p += s->size;
}

bool res_result_next(const res_result_t *r, int sec, size_t *pos, const uint8_t **owner,
                     dns_rrset_t *set, dns_rrset_t *sigs)
{
	const res_rbuf_t *b = &r->sec[sec];
	if (*pos >= b->len)
		return false;
	const uint8_t *p = b->p + *pos;
	*owner = p;
	p += dns_name_length(p);
	get_set(&p, set);
	get_set(&p, sigs);
	sigs->type = DNS_TYPE_RRSIG;
	*pos = (size_t)(p - b->p);
	return true;
}

/* The client's EDNS, if any. */
static bool client_edns(const dns_msg_t *q, dns_edns_t *e)
{
	return q->opt && dns_edns_parse(&q->opt->rr, e) == DNS_OK;
}

static dns_err_t write_sections(const res_result_t *r, dns_msg_builder_t *b, bool dnssec)
{
	for (int sec = 0; sec < 2; sec++) {
		size_t pos = 0;
		const uint8_t *owner;
		dns_rrset_t set, sigs;
		int wsec = sec ? DNS_SEC_AUTHORITY : DNS_SEC_ANSWER;
		while (res_result_next(r, sec, &pos, &owner, &set, &sigs)) {
			/* RRSIGs only for clients that asked for DNSSEC data. */
			if ((set.type == DNS_TYPE_RRSIG || (sec && (set.type == DNS_TYPE_NSEC ||
			     set.type == DNS_TYPE_NSEC3))) && !dnssec)
				continue;
			dns_err_t err = dns_msg_builder_rrset(b, wsec, owner, DNS_CLASS_IN, &set);
			if (!err && dnssec && sigs.count)
				err = dns_msg_builder_rrset(b, wsec, owner, DNS_CLASS_IN, &sigs);
			if (err)
				return err;
		}
	}
	return DNS_OK;
}

size_t res_result_write(const res_result_t *r, const dns_msg_t *q, bool tcp, uint8_t *buf,
                        size_t cap)
{
	dns_edns_t e;
	bool edns = client_edns(q, &e);
	size_t limit = tcp ? 65535 : 512;
	if (!tcp && edns)
		limit = e.udp_size > DNS_EDNS_DEFAULT_PAYLOAD ? DNS_EDNS_DEFAULT_PAYLOAD
		        : e.udp_size < 512 ? 512 : e.udp_size;
	if (limit > cap)
		limit = cap;
	if (limit < DNS_HDR_LEN)
		return 0;
	bool dnssec = edns && e.do_bit;
	uint16_t flags = DNS_FLAG_QR | DNS_FLAG_RA | (q->flags & (DNS_FLAG_RD | DNS_FLAG_CD));
	if (r->secure && (dnssec || (q->flags & DNS_FLAG_AD)) && r->rcode != 2)
		flags |= DNS_FLAG_AD;
	flags = dns_flags_set_rcode(flags, r->rcode);

	uint8_t opts[300];
	dns_wbuf_t ow;
	dns_wbuf_init(&ow, opts, sizeof opts);
	if (edns && r->ede >= 0)
		(void)dns_edns_ede_put(&ow, (uint16_t)r->ede, r->ede_text);

	dns_msg_builder_t b;
	dns_msg_builder_init(&b, buf, cap, limit);
	if (dns_msg_builder_header(&b, q->id, flags) ||
	    (q->has_question && dns_msg_builder_question(&b, q->qname, q->qtype, q->qclass)))
		return 0;
	size_t optsize = edns ? dns_edns_wire_size(ow.len) : 0;
	dns_msg_builder_reserve(&b, optsize);
	dns_msg_mark_t mark = dns_msg_builder_mark(&b);
	if (write_sections(r, &b, dnssec) != DNS_OK) {
		/* Too big for this transport: an empty truncated answer. */
		dns_msg_builder_rewind(&b, mark);
		dns_msg_builder_set_flags(&b, flags | DNS_FLAG_TC);
	}
	dns_msg_builder_unreserve(&b, optsize);
	if (edns)
		(void)dns_edns_write(&b, DNS_EDNS_DEFAULT_PAYLOAD, r->rcode, dnssec, opts, ow.len);
	return dns_msg_builder_finish(&b);
}

dns_err_t res_result_proof(const res_result_t *r, res_result_t *out)
{
	size_t pos = 0;
	const uint8_t *o;
	dns_rrset_t set, sigs;
	while (res_result_next(r, 1, &pos, &o, &set, &sigs)) {
		if (set.type == DNS_TYPE_SOA)
			continue;
		dns_err_t err = res_result_add(out, 1, o, &set, &sigs);
		if (err)
			return err;
	}
	return DNS_OK;
}

dns_err_t res_result_add_proof(res_result_t *r, const uint8_t *proof, size_t len, uint32_t ttl)
{
	res_result_t view;
	res_result_init(&view, NULL, 0);
	view.sec[1] = (res_rbuf_t){.p = (uint8_t *)(uintptr_t)proof, .len = len, .cap = len};
	size_t pos = 0;
	const uint8_t *o;
	dns_rrset_t set, sigs;
	while (res_result_next(&view, 1, &pos, &o, &set, &sigs)) {
		if (set.ttl > ttl)
			set.ttl = ttl;
		if (sigs.ttl > ttl)
			sigs.ttl = ttl;
		dns_err_t err = res_result_add(r, 1, o, &set, &sigs);
		if (err)
			return err;
	}
	return DNS_OK;
}
