/*
 * msg_build.c - the DNS message builder (RFC 1035 §4.1, name compression
 * §4.1.4, truncation RFC 2181 §9).
 *
 * Every append writes through a cursor whose capacity is limit - reserved,
 * so nothing ever lands past that point, and an append that does not fit
 * is undone completely: the length goes back and the compression entries
 * it recorded are forgotten, so later names never point into bytes that
 * are no longer part of the message.
 */
#include <string.h>

#include "dns/msg.h"
#include "dns/rdata.h"
#include "dns/rrtype.h"

/* A cursor over the message that may only grow to limit - reserved. */
static dns_wbuf_t cursor(const dns_msg_builder_t *b)
{
	size_t cap = b->limit > b->reserved ? b->limit - b->reserved : 0;
	if (cap < b->w.len)
		cap = b->w.len;
	dns_wbuf_t w = { .base = b->w.base, .cap = cap, .len = b->w.len };
	return w;
}

/*
 * An owner name written again right after the question, as most answers
 * do: when it is byte-for-byte the question name (written in full at
 * offset 12, the first name of the message, so the first entry of the
 * compression table), dns_name_pack would find that entry and write a
 * pointer to it.  Doing so directly skips hashing every suffix.  Returns
 * false when the shortcut does not apply and the general path must run.
 */
static bool pack_question_again(const dns_msg_builder_t *b, dns_wbuf_t *w, const uint8_t *name,
                                dns_err_t *err)
{
	if (b->count[DNS_SEC_QUESTION] != 1 || w->base != b->comp.msg)
		return false;
	size_t len = dns_name_length(name);
	if (len < 2 || DNS_HDR_LEN + len > w->len || memcmp(w->base + DNS_HDR_LEN, name, len) != 0)
		return false;
	*err = dns_wbuf_u16(w, 0xC000 | DNS_HDR_LEN);
	return true;
}

static dns_err_t pack_owner(dns_msg_builder_t *b, dns_wbuf_t *w, const uint8_t *name)
{
	dns_err_t err;
	if (pack_question_again(b, w, name, &err))
		return err;
	return dns_name_pack(w, name, &b->comp, true);
}

/* Drop everything after @len. */
static void truncate_to(dns_msg_builder_t *b, size_t len)
{
	if (b->w.len > len) {
		dns_compress_forget_from(&b->comp, len);
		b->w.len = len;
	}
}

void dns_msg_builder_init(dns_msg_builder_t *b, uint8_t *buf, size_t cap, size_t limit)
{
	dns_wbuf_init(&b->w, buf, cap);
	b->limit = limit < cap ? limit : cap;
	if (b->limit > DNS_MSG_MAX)
		b->limit = DNS_MSG_MAX;
	b->reserved = 0;
	memset(b->count, 0, sizeof(b->count));
	b->section = DNS_SEC_QUESTION;
	/* The builder may live in uninitialised memory (on the query path, on
	 * the stack): 64 slots are plenty for a UDP answer of the default
	 * 1232 bytes, 128 for 4 KB, and clearing the full table would cost
	 * each answer 2 KB. */
	unsigned slots = b->limit <= 1232 ? 64 : b->limit <= 4096 ? 128 : DNS_COMPRESS_SLOTS;
	dns_compress_init(&b->comp, buf, slots);
}

dns_err_t dns_msg_builder_header(dns_msg_builder_t *b, uint16_t id, uint16_t flags)
{
	if (b->w.len != 0)
		return DNS_EINVAL;
	dns_wbuf_t w = cursor(b);
	if (dns_wbuf_left(&w) < DNS_HDR_LEN)
		return DNS_ESPACE;
	uint8_t *p = w.base;
	dns_put16(p, id);
	dns_put16(p + 2, flags);
	memset(p + 4, 0, 8);
	b->w.len = DNS_HDR_LEN;
	return DNS_OK;
}

void dns_msg_builder_set_flags(dns_msg_builder_t *b, uint16_t flags)
{
	if (b->w.len >= DNS_HDR_LEN)
		dns_put16(b->w.base + 2, flags);
}

dns_err_t dns_msg_builder_question(dns_msg_builder_t *b, const uint8_t *qname, uint16_t qtype,
                                   uint16_t qclass)
{
	if (b->w.len < DNS_HDR_LEN || b->section != DNS_SEC_QUESTION)
		return DNS_EINVAL;
	if (b->count[DNS_SEC_QUESTION] == UINT16_MAX)
		return DNS_ELIMIT;
	size_t start = b->w.len;
	dns_wbuf_t w = cursor(b);
	dns_err_t err;
	if (start == DNS_HDR_LEN && w.base == b->comp.msg) {
		/* the first name: nothing to point at, its suffixes entered on demand */
		err = dns_wbuf_bytes(&w, qname, dns_name_length(qname));
		if (!err)
			dns_compress_defer(&b->comp, start);
	} else {
		err = dns_name_pack(&w, qname, &b->comp, true);
	}
	if (!err && dns_wbuf_left(&w) < 4)
		err = DNS_ESPACE;
	if (err) {
		truncate_to(b, start);
		return err;
	}
	dns_put16(w.base + w.len, qtype);
	dns_put16(w.base + w.len + 2, qclass);
	b->w.len = w.len + 4;
	b->count[DNS_SEC_QUESTION]++;
	return DNS_OK;
}

static dns_err_t check_section(const dns_msg_builder_t *b, int section)
{
	if (b->w.len < DNS_HDR_LEN || section <= DNS_SEC_QUESTION || section > DNS_SEC_ADDITIONAL ||
	    section < b->section)
		return DNS_EINVAL;
	return DNS_OK;
}

static bool type_compresses(uint16_t type)
{
	const dns_rrtype_desc_t *d = dns_rrtype_get(type);
	return d && (d->flags & DNS_RRTYPE_COMPRESS);
}

/* TYPE, CLASS, TTL after an owner already written. */
static dns_err_t put_fixed(dns_wbuf_t *w, uint16_t type, uint16_t rclass, uint32_t ttl)
{
	if (dns_wbuf_left(w) < 8)
		return DNS_ESPACE;
	uint8_t *p = w->base + w->len;
	dns_put16(p, type);
	dns_put16(p + 2, rclass);
	dns_put32(p + 4, ttl);
	w->len += 8;
	return DNS_OK;
}

/*
 * RDLENGTH and RDATA, compressing the names of RFC 1035 types.  Empty
 * rdata (RFC 2136 "any record" and RRset deletion) is never interpreted.
 */
static dns_err_t put_rdata(dns_msg_builder_t *b, dns_wbuf_t *w, uint16_t type,
                           const uint8_t *rdata, uint16_t rdlen, bool compress)
{
	if (!compress || rdlen == 0) {
		if (dns_wbuf_left(w) < 2 + (size_t)rdlen)
			return DNS_ESPACE;
		dns_put16(w->base + w->len, rdlen);
		if (rdlen)
			memcpy(w->base + w->len + 2, rdata, rdlen);
		w->len += 2 + (size_t)rdlen;
		return DNS_OK;
	}
	if (dns_wbuf_left(w) < 2)
		return DNS_ESPACE;
	size_t lenpos = w->len;
	w->len += 2;
	dns_err_t err = dns_rdata_pack(type, rdata, rdlen, w, &b->comp);
	if (err)
		return err;
	size_t n = w->len - lenpos - 2;
	if (n > DNS_RDATA_MAX)
		return DNS_ELIMIT;
	dns_put16(w->base + lenpos, (uint16_t)n);
	return DNS_OK;
}

dns_err_t dns_msg_builder_rr(dns_msg_builder_t *b, int section, const dns_rr_t *rr)
{
	dns_err_t err = check_section(b, section);
	if (err)
		return err;
	if (b->count[section] == UINT16_MAX)
		return DNS_ELIMIT;
	size_t start = b->w.len;
	dns_wbuf_t w = cursor(b);
	err = pack_owner(b, &w, rr->owner);
	if (!err)
		err = put_fixed(&w, rr->type, rr->rclass, rr->ttl);
	if (!err)
		err = put_rdata(b, &w, rr->type, rr->rdata, rr->rdlen, type_compresses(rr->type));
	if (err) {
		/* dns_name_pack may have recorded entries past start. */
		b->w.len = w.len;
		truncate_to(b, start);
		return err;
	}
	b->w.len = w.len;
	b->section = section;
	b->count[section]++;
	return DNS_OK;
}

/*
 * Every record of an RRset repeats the first owner; after it is written,
 * the same bytes (a pointer to it, or the pointer it was) stand for it.
 */
static dns_err_t put_owner_again(dns_msg_builder_t *b, dns_wbuf_t *w, const uint8_t *owner,
                                 size_t first, size_t first_len)
{
	const uint8_t *f = w->base + first;
	if (first_len == 2 && (f[0] & 0xC0) == 0xC0)
		return dns_wbuf_bytes(w, f, 2);
	if (first < 0x4000 && first_len > 1)
		return dns_wbuf_u16(w, (uint16_t)(0xC000 | first));
	return dns_name_pack(w, owner, &b->comp, true);
}

dns_err_t dns_msg_builder_rrset(dns_msg_builder_t *b, int section, const uint8_t *owner,
                                uint16_t rclass, const dns_rrset_t *set)
{
	dns_err_t err = check_section(b, section);
	if (err)
		return err;
	if ((size_t)b->count[section] + set->count > UINT16_MAX)
		return DNS_ELIMIT;
	if (set->count == 0)
		return DNS_OK;
	bool compress = type_compresses(set->type);
	size_t start = b->w.len, first_len = 0;
	dns_wbuf_t w = cursor(b);
	unsigned n = 0;
	for (const uint8_t *rd = dns_rrset_first(set); rd && !err; rd = dns_rrset_next(set, rd)) {
		if (n == 0) {
			err = pack_owner(b, &w, owner);
			first_len = w.len - start;
		} else {
			err = put_owner_again(b, &w, owner, start, first_len);
		}
		if (!err)
			err = put_fixed(&w, set->type, rclass, set->ttl);
		if (!err && compress)
			err = put_rdata(b, &w, set->type, dns_rrset_rdata(rd), dns_rrset_rdlen(rd), true);
		else if (!err)
			err = dns_wbuf_bytes(&w, rd, 2 + (size_t)dns_rrset_rdlen(rd));
		n++;
	}
	if (err) {
		b->w.len = w.len;
		truncate_to(b, start);
		return err;
	}
	b->w.len = w.len;
	b->section = section;
	b->count[section] = (uint16_t)(b->count[section] + n);
	return DNS_OK;
}

void dns_msg_builder_reserve(dns_msg_builder_t *b, size_t n) { b->reserved += n; }

void dns_msg_builder_unreserve(dns_msg_builder_t *b, size_t n)
{
	b->reserved = n < b->reserved ? b->reserved - n : 0;
}

dns_msg_mark_t dns_msg_builder_mark(const dns_msg_builder_t *b)
{
	dns_msg_mark_t m = { .len = b->w.len, .section = b->section };
	memcpy(m.count, b->count, sizeof(m.count));
	return m;
}

void dns_msg_builder_rewind(dns_msg_builder_t *b, dns_msg_mark_t mark)
{
	truncate_to(b, mark.len);
	memcpy(b->count, mark.count, sizeof(b->count));
	b->section = mark.section;
}

size_t dns_msg_builder_finish(dns_msg_builder_t *b)
{
	if (b->w.len >= DNS_HDR_LEN)
		for (int i = 0; i < 4; i++)
			dns_put16(b->w.base + 4 + 2 * i, b->count[i]);
	return b->w.len;
}
