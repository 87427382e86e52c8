/*
 * msg.c - the DNS message parser (RFC 1035 §4.1, RFC 6891 §6.1.1,
 * RFC 8945 §5.1).
 *
 * The RR sections are walked at most twice.  The first walk fills the
 * inline buffers of dns_msg_t while they last and, whatever happens,
 * computes how much room the whole message needs; a query with OPT and
 * TSIG fits and is done.  Otherwise one allocation for the RR array and
 * one for the storage are made and the second walk fills them.  Both
 * walks validate everything, so nothing is allocated for a message whose
 * structure is broken before the point where the inline buffers ran out.
 *
 * Owner names without compression pointers and rdata of types whose
 * names are never compressed point straight into the wire; only
 * decompressed names and expanded rdata take storage.
 */
#include <stdlib.h>
#include <string.h>

#include "dns/msg.h"
#include "dns/rdata.h"
#include "dns/rrtype.h"

/* The smallest RR: root owner, type, class, TTL, RDLENGTH. */
#define MIN_RR_LEN 11

/* Where one walk writes, and what it found it would need. */
typedef struct fill {
	dns_msg_rr_t *rrs;
	size_t rrs_cap;
	uint8_t *st;
	size_t st_cap;
	size_t st_len;
	size_t need;       /* storage the whole message needs (upper bound) */
	bool fits;         /* everything so far went into rrs and st */
	size_t opt_idx;    /* index of the OPT RR, or SIZE_MAX */
	size_t tsig_idx;
} fill_t;

static size_t room(const fill_t *f) { return f->st_cap - f->st_len; }

/*
 * Upper bound of the expanded size of rdata that may hold compressed
 * names: each name may grow from a 2-byte pointer to DNS_NAME_MAX bytes.
 */
static size_t expand_bound(const dns_rrtype_desc_t *d, uint16_t rdlen)
{
	size_t names = 0;
	for (size_t i = 0; i < sizeof(d->fields) / sizeof(d->fields[0]); i++) {
		if (d->fields[i] == DNS_F_END)
			break;
		if (d->fields[i] == DNS_F_NAME || d->fields[i] == DNS_F_NAME_PLAIN)
			names++;
	}
	size_t bound = (size_t)rdlen + names * (DNS_NAME_MAX - 2);
	return bound > DNS_RDATA_MAX ? DNS_RDATA_MAX : bound;
}

/* The owner name at r->pos: into the wire if uncompressed, else storage. */
static dns_err_t read_owner(fill_t *f, dns_rbuf_t *r, const uint8_t **owner, size_t *olen)
{
	size_t start = r->pos;
	bool direct = f->fits && room(f) >= DNS_NAME_MAX;
	uint8_t *dst = direct ? f->st + f->st_len : NULL;
	if (dns_name_unpack(r, dst, olen) != DNS_OK)
		return DNS_EMALFORMED;
	/* A pointer expands to 1 or >= 3 bytes, never 2: equal lengths mean
	 * the name was written out in full. */
	if (r->pos - start == *olen) {
		*owner = r->base + start;
		return DNS_OK;
	}
	f->need += *olen;
	*owner = NULL;
	if (direct) {
		*owner = dst;
		f->st_len += *olen;
	} else if (f->fits) {
		/* Rare: less than a full name of room left.  Decompress again
		 * into a scratch buffer and copy if it fits. */
		uint8_t scratch[DNS_NAME_MAX];
		dns_rbuf_t again = *r;
		again.pos = start;
		if (dns_name_unpack(&again, scratch, NULL) != DNS_OK)
			return DNS_EMALFORMED;
		if (room(f) >= *olen) {
			memcpy(f->st + f->st_len, scratch, *olen);
			*owner = f->st + f->st_len;
			f->st_len += *olen;
		} else {
			f->fits = false;
		}
	}
	return DNS_OK;
}

/*
 * The rdata at r->pos.  RFC 2136 §2.4/§2.5 use empty rdata with class
 * ANY or NONE for "any record" and deletions: nothing to check there.
 */
static dns_err_t read_rdata(fill_t *f, dns_rbuf_t *r, dns_rr_t *rr)
{
	size_t start = r->pos;
	if (dns_rbuf_left(r) < rr->rdlen)
		return DNS_EMALFORMED;
	rr->rdata = r->base + start;
	if (rr->rdlen == 0 && (rr->rclass == DNS_CLASS_ANY || rr->rclass == DNS_CLASS_NONE)) {
		r->pos += rr->rdlen;
		return DNS_OK;
	}
	if (rr->type == DNS_TYPE_OPT) {
		/* Options are checked by dns_edns_parse(). */
		r->pos += rr->rdlen;
		return DNS_OK;
	}
	const dns_rrtype_desc_t *d = dns_rrtype_get(rr->type);
	if (!d || !(d->flags & DNS_RRTYPE_DECOMPRESS) || rr->rdlen == 0) {
		if (dns_rdata_validate(rr->type, rr->rdata, rr->rdlen) != DNS_OK)
			return DNS_EMALFORMED;
		r->pos += rr->rdlen;
		return DNS_OK;
	}
	size_t bound = expand_bound(d, rr->rdlen);
	f->need += bound;
	if (!f->fits || room(f) < bound) {
		f->fits = false;
		r->pos += rr->rdlen;
		return DNS_OK;
	}
	size_t outlen = 0;
	uint8_t *dst = f->st + f->st_len;
	if (dns_rdata_unpack(rr->type, r, rr->rdlen, dst, bound, &outlen) != DNS_OK ||
	    r->pos != start + rr->rdlen || outlen > DNS_RDATA_MAX)
		return DNS_EMALFORMED;
	rr->rdata = dst;
	rr->rdlen = (uint16_t)outlen;
	f->st_len += outlen;
	return DNS_OK;
}

/* Section of the @i-th RR according to the header counts. */
static uint8_t section_of(const dns_msg_t *m, size_t i)
{
	if (i < m->count[1])
		return DNS_SEC_ANSWER;
	if (i < (size_t)m->count[1] + m->count[2])
		return DNS_SEC_AUTHORITY;
	return DNS_SEC_ADDITIONAL;
}

/* One walk over the RR sections, starting at r->pos. */
static dns_err_t walk_rrs(const dns_msg_t *m, dns_rbuf_t *r, size_t total, fill_t *f)
{
	f->opt_idx = SIZE_MAX;
	f->tsig_idx = SIZE_MAX;
	for (size_t i = 0; i < total; i++) {
		dns_msg_rr_t mr;
		size_t olen = 0;
		mr.offset = (uint32_t)r->pos;
		mr.section = section_of(m, i);
		dns_err_t err = read_owner(f, r, &mr.rr.owner, &olen);
		if (err)
			return err;
		if (dns_rbuf_u16(r, &mr.rr.type) || dns_rbuf_u16(r, &mr.rr.rclass) ||
		    dns_rbuf_u32(r, &mr.rr.ttl) || dns_rbuf_u16(r, &mr.rr.rdlen))
			return DNS_EMALFORMED;
		if (mr.rr.type == DNS_TYPE_OPT) {
			/* RFC 6891 §6.1.1: one OPT, additional section, root owner. */
			if (f->opt_idx != SIZE_MAX || mr.section != DNS_SEC_ADDITIONAL || olen != 1)
				return DNS_EMALFORMED;
			f->opt_idx = i;
		} else if (mr.rr.type == DNS_TYPE_TSIG) {
			/* RFC 8945 §5.1: the last record of the additional section. */
			if (i != total - 1 || mr.section != DNS_SEC_ADDITIONAL)
				return DNS_EMALFORMED;
			f->tsig_idx = i;
		}
		err = read_rdata(f, r, &mr.rr);
		if (err)
			return err;
		mr.end = (uint32_t)r->pos;
		if (i < f->rrs_cap)
			f->rrs[i] = mr;
		else
			f->fits = false;
	}
	return r->pos == r->len ? DNS_OK : DNS_EMALFORMED;
}

static dns_err_t parse_header(dns_msg_t *m, dns_rbuf_t *r)
{
	if (dns_rbuf_u16(r, &m->id) || dns_rbuf_u16(r, &m->flags))
		return DNS_EMALFORMED;
	for (int i = 0; i < 4; i++)
		if (dns_rbuf_u16(r, &m->count[i]))
			return DNS_EMALFORMED;
	if (m->count[0] > 1)
		return DNS_EMALFORMED;
	if (m->count[0] == 1) {
		if (dns_name_unpack(r, m->qname, NULL) || dns_rbuf_u16(r, &m->qtype) ||
		    dns_rbuf_u16(r, &m->qclass))
			return DNS_EMALFORMED;
		m->has_question = true;
	}
	m->question_end = (uint32_t)r->pos;
	return DNS_OK;
}

static void reset(dns_msg_t *m, const uint8_t *wire, size_t len)
{
	m->wire = wire;
	m->wire_len = len;
	m->id = m->flags = 0;
	memset(m->count, 0, sizeof(m->count));
	m->has_question = false;
	m->qname[0] = 0;
	m->qtype = m->qclass = 0;
	m->question_end = 0;
	m->rrs = m->inline_rrs;
	m->nrrs = 0;
	memset(m->sec_start, 0, sizeof(m->sec_start));
	m->opt = m->tsig = NULL;
	m->heap = NULL;
	m->heap_rrs = NULL;
}

dns_err_t dns_msg_parse(dns_msg_t *m, const uint8_t *wire, size_t len)
{
	reset(m, wire, len);
	if (len > DNS_MSG_MAX)
		return DNS_EMALFORMED;
	dns_rbuf_t r;
	dns_rbuf_init(&r, wire, len);
	dns_err_t err = parse_header(m, &r);
	if (err)
		return err;
	size_t total = (size_t)m->count[1] + m->count[2] + m->count[3];
	/* Counts the bytes cannot hold are rejected before any work. */
	if (total > dns_rbuf_left(&r) / MIN_RR_LEN)
		return DNS_EMALFORMED;

	fill_t f = { .rrs = m->inline_rrs, .rrs_cap = DNS_MSG_INLINE_RRS,
	             .st = m->inline_storage, .st_cap = DNS_MSG_INLINE_STORAGE, .fits = true };
	err = walk_rrs(m, &r, total, &f);
	if (err)
		return err;
	if (!f.fits) {
		size_t need = f.need;
		f = (fill_t){ .rrs = m->inline_rrs, .rrs_cap = DNS_MSG_INLINE_RRS,
		              .st = m->inline_storage, .st_cap = DNS_MSG_INLINE_STORAGE,
		              .fits = true };
		if (total > DNS_MSG_INLINE_RRS) {
			m->heap_rrs = malloc(total * sizeof(*m->heap_rrs));
			if (!m->heap_rrs)
				return DNS_ENOMEM;
			f.rrs = m->heap_rrs;
			f.rrs_cap = total;
		}
		if (need > DNS_MSG_INLINE_STORAGE) {
			m->heap = malloc(need);
			if (!m->heap)
				return DNS_ENOMEM;
			f.st = m->heap;
			f.st_cap = need;
		}
		r.pos = m->question_end;
		err = walk_rrs(m, &r, total, &f);
		if (err)
			return err;
		if (!f.fits)
			return DNS_EMALFORMED; /* cannot happen: need is an upper bound */
		m->rrs = f.rrs;
	}
	m->nrrs = total;
	m->sec_start[1] = 0;
	m->sec_start[2] = m->count[1];
	m->sec_start[3] = (size_t)m->count[1] + m->count[2];
	m->opt = f.opt_idx != SIZE_MAX ? &m->rrs[f.opt_idx] : NULL;
	m->tsig = f.tsig_idx != SIZE_MAX ? &m->rrs[f.tsig_idx] : NULL;
	return DNS_OK;
}

void dns_msg_free(dns_msg_t *m)
{
	free(m->heap);
	free(m->heap_rrs);
	m->heap = NULL;
	m->heap_rrs = NULL;
	m->rrs = m->inline_rrs;
	m->nrrs = 0;
	m->opt = m->tsig = NULL;
}
