/*
 * xfr_out.c - AXFR (RFC 5936) and IXFR (RFC 1995) answers, one message
 * at a time.
 *
 * An AXFR walks the immutable zone with a cursor (node, RRset, record),
 * so a transfer of any size needs no memory of its own.  An IXFR answer
 * is the condensed difference, collected once from dns_zone_diff into a
 * flat list of records (memory proportional to the difference), then
 * sent from that list.  Both are cut into messages as large as the limit
 * allows, compressed per message, with the question in the first one
 * only (RFC 5936 §2.2.1) and, with TSIG, every message signed by the
 * RFC 8945 §5.3.1 stream signer.
 */
#include <stdlib.h>
#include <string.h>

#include "dns/diff.h"
#include "dns/name.h"
#include "dns/rrtype.h"
#include "dns/serial.h"
#include "dns/xfr.h"
#include "internal/grow.h"

enum out_mode { MODE_AXFR, MODE_LIST };
enum axfr_phase { PH_FIRST_SOA, PH_BODY, PH_LAST_SOA, PH_DONE };

/* A record of the IXFR list: offsets into the store until the list is
 * complete, then pointers (the store no longer moves). */
typedef struct list_rr {
	dns_rr_t rr;
	size_t owner_off, rdata_off;
	bool from_store;
} list_rr_t;

struct dns_xfr_out {
	enum out_mode mode;
	dns_zone_t *zone;  /* AXFR: the zone; list: the new version */
	dns_zone_t *old;   /* list: the old version (may be NULL) */
	uint16_t id, flags;
	uint8_t qname[DNS_NAME_MAX];
	uint16_t qtype, qclass;
	bool has_question;
	bool signing;
	dns_tsig_stream_t ts;
	size_t tsig_space;
	uint64_t now;
	size_t limit;
	size_t nmsg, nrecords;
	bool done, failed;
	/* AXFR cursor */
	enum axfr_phase phase;
	size_t node, rrset;
	uint16_t rec;       /* > 0: next record of an RRset split over messages */
	dns_rr_t soa;       /* the apex SOA as one record */
	/* list */
	list_rr_t *items;
	size_t nitems, citems, pos;
	dns_bytes_t store;
};

/* ---- common ---- */

static dns_err_t soa_record(const dns_zone_t *z, dns_rr_t *rr)
{
	const dns_rrset_t *s = dns_zone_soa(z);
	const uint8_t *rd = s ? dns_rrset_first(s) : NULL;
	if (!rd)
		return DNS_EINVAL;
	rr->owner = dns_zone_origin(z);
	rr->type = DNS_TYPE_SOA;
	rr->rclass = dns_zone_class(z);
	rr->ttl = s->ttl;
	rr->rdlen = dns_rrset_rdlen(rd);
	rr->rdata = dns_rrset_rdata(rd);
	return DNS_OK;
}

static dns_err_t out_new(const dns_zone_t *zone, const dns_msg_t *req, const dns_tsig_req_t *tsig,
                         uint64_t now, enum out_mode mode, dns_xfr_out_t **out)
{
	*out = NULL;
	if (!zone || !req || !req->has_question)
		return DNS_EINVAL;
	dns_xfr_out_t *x = calloc(1, sizeof(*x));
	if (!x)
		return DNS_ENOMEM;
	x->mode = mode;
	x->id = req->id;
	/* QR, AA, the request's opcode and RD; rcode NOERROR */
	x->flags = (uint16_t)(DNS_FLAG_QR | DNS_FLAG_AA | (req->flags & DNS_FLAG_RD));
	x->flags = dns_flags_set_opcode(x->flags, dns_flags_opcode(req->flags));
	dns_name_copy(x->qname, req->qname);
	x->qtype = req->qtype;
	x->qclass = req->qclass;
	x->has_question = true;
	x->now = now;
	x->limit = DNS_XFR_MSG_MAX;
	x->zone = dns_zone_ref((dns_zone_t *)zone);
	dns_err_t err = soa_record(zone, &x->soa);
	if (!err && tsig) {
		if (!tsig->key) {
			err = DNS_EINVAL;
		} else {
			err = dns_tsig_stream_init_signer(&x->ts, tsig);
			x->signing = true;
			x->tsig_space = dns_tsig_space(tsig->key);
		}
	}
	if (err) {
		dns_xfr_out_free(x);
		return err;
	}
	*out = x;
	return DNS_OK;
}

void dns_xfr_out_free(dns_xfr_out_t *x)
{
	if (!x)
		return;
	if (x->signing)
		dns_tsig_stream_free(&x->ts);
	dns_zone_unref(x->zone);
	dns_zone_unref(x->old);
	free(x->items);
	free(x->store.p);
	free(x);
}

void dns_xfr_out_set_limit(dns_xfr_out_t *x, size_t limit)
{
	if (limit < 512)
		limit = 512;
	if (limit > DNS_XFR_MSG_MAX)
		limit = DNS_XFR_MSG_MAX;
	x->limit = limit;
}

void dns_xfr_out_set_time(dns_xfr_out_t *x, uint64_t now) { x->now = now; }

size_t dns_xfr_out_records(const dns_xfr_out_t *x) { return x->nrecords; }

dns_err_t dns_xfr_out_axfr(const dns_zone_t *zone, const dns_msg_t *req,
                           const dns_tsig_req_t *tsig, uint64_t now, dns_xfr_out_t **out)
{
	return out_new(zone, req, tsig, now, MODE_AXFR, out);
}

/* ---- AXFR: walking the zone ---- */

static bool fits_error(dns_err_t err) { return err == DNS_ESPACE || err == DNS_ELIMIT; }

/*
 * Append one record of an RRset too large for a message of its own
 * (RFC 5936 §2.2 lets an RRset span messages).
 */
static dns_err_t axfr_split_record(dns_xfr_out_t *x, dns_msg_builder_t *b, const uint8_t *owner,
                                   const dns_rrset_t *s)
{
	const uint8_t *rd = dns_rrset_first(s);
	for (uint16_t i = 0; i < x->rec && rd; i++)
		rd = dns_rrset_next(s, rd);
	if (!rd)
		return DNS_EINVAL;
	dns_rr_t rr = { .owner = owner, .type = s->type, .rclass = dns_zone_class(x->zone),
	                .ttl = s->ttl, .rdlen = dns_rrset_rdlen(rd), .rdata = dns_rrset_rdata(rd) };
	return dns_msg_builder_rr(b, DNS_SEC_ANSWER, &rr);
}

/* Move the cursor to the next RRset to send (the apex SOA is skipped:
 * it opens and closes the transfer). */
static const dns_rrset_t *axfr_current(dns_xfr_out_t *x, const dns_node_t **node)
{
	size_t nn = dns_zone_node_count(x->zone);
	while (x->node < nn) {
		const dns_node_t *n = dns_zone_node_at(x->zone, x->node);
		if (x->rrset < dns_node_rrset_count(n)) {
			const dns_rrset_t *s = dns_node_rrset_at(n, x->rrset);
			if (x->node == 0 && s->type == DNS_TYPE_SOA) {
				x->rrset++;
				continue;
			}
			*node = n;
			return s;
		}
		x->node++;
		x->rrset = 0;
	}
	return NULL;
}

/* Fill the message with RRsets; stops at the end of the body or when
 * the next one does not fit. */
static dns_err_t axfr_body(dns_xfr_out_t *x, dns_msg_builder_t *b)
{
	uint16_t rclass = dns_zone_class(x->zone);
	const dns_node_t *n = NULL;
	const dns_rrset_t *s;
	while ((s = axfr_current(x, &n)) != NULL) {
		const uint8_t *owner = dns_node_name(n);
		dns_err_t err;
		if (x->rec == 0) {
			err = dns_msg_builder_rrset(b, DNS_SEC_ANSWER, owner, rclass, s);
			if (!err) {
				x->nrecords += s->count;
				x->rrset++;
				continue;
			}
			if (!fits_error(err) || b->count[DNS_SEC_ANSWER] > 0)
				return fits_error(err) ? DNS_OK : err;
		}
		/* Alone in the message and still too large: one record at a time. */
		while (x->rec < s->count) {
			err = axfr_split_record(x, b, owner, s);
			if (fits_error(err) && b->count[DNS_SEC_ANSWER] > 0)
				return DNS_OK;
			if (err)
				return err;
			x->rec++;
			x->nrecords++;
		}
		x->rec = 0;
		x->rrset++;
	}
	x->phase = PH_LAST_SOA;
	return DNS_OK;
}

static dns_err_t axfr_fill(dns_xfr_out_t *x, dns_msg_builder_t *b)
{
	dns_err_t err = DNS_OK;
	if (x->phase == PH_FIRST_SOA) {
		err = dns_msg_builder_rr(b, DNS_SEC_ANSWER, &x->soa);
		if (err)
			return err;
		x->nrecords++;
		x->phase = PH_BODY;
	}
	if (x->phase == PH_BODY) {
		err = axfr_body(x, b);
		if (err || x->phase == PH_BODY)
			return err;
	}
	if (x->phase == PH_LAST_SOA) {
		err = dns_msg_builder_rr(b, DNS_SEC_ANSWER, &x->soa);
		if (fits_error(err) && b->count[DNS_SEC_ANSWER] > 0)
			return DNS_OK;
		if (err)
			return err;
		x->nrecords++;
		x->phase = PH_DONE;
		x->done = true;
	}
	return DNS_OK;
}

/* ---- list mode (IXFR, single SOA) ---- */

static dns_err_t list_grow(dns_xfr_out_t *x)
{
	list_rr_t *n = dns_grow(x->items, &x->citems, x->nitems + 1, sizeof(*n), 16);
	if (!n)
		return DNS_ENOMEM;
	x->items = n;
	return DNS_OK;
}

/* A record whose bytes stay valid (a referenced zone's SOA). */
static dns_err_t list_add_view(dns_xfr_out_t *x, const dns_rr_t *rr)
{
	dns_err_t err = list_grow(x);
	if (err)
		return err;
	x->items[x->nitems++] = (list_rr_t){ .rr = *rr };
	return DNS_OK;
}

/* A record seen during the diff walk: copied, its view dies with the call. */
static dns_err_t list_add_copy(dns_xfr_out_t *x, const dns_rr_t *rr)
{
	list_rr_t it = { .rr = *rr, .from_store = true };
	dns_err_t err = list_grow(x);
	if (!err)
		err = dns_bytes_put(&x->store, rr->owner, dns_name_length(rr->owner), &it.owner_off);
	if (!err)
		err = dns_bytes_put(&x->store, rr->rdata, rr->rdlen, &it.rdata_off);
	if (!err)
		x->items[x->nitems++] = it;
	return err;
}

static void list_fix_pointers(dns_xfr_out_t *x)
{
	for (size_t i = 0; i < x->nitems; i++) {
		if (!x->items[i].from_store)
			continue;
		x->items[i].rr.owner = x->store.p + x->items[i].owner_off;
		x->items[i].rr.rdata = x->store.p + x->items[i].rdata_off;
	}
}

/* Collecting the condensed difference: removed records first, then added;
 * the SOAs are placed by us, so the diff's own SOA records are skipped. */
typedef struct ixfr_walk {
	dns_xfr_out_t *x;
	bool in_added;
} ixfr_walk_t;

static dns_err_t ixfr_collect(void *ctx, bool added, const dns_rr_t *rr)
{
	ixfr_walk_t *w = ctx;
	dns_xfr_out_t *x = w->x;
	if (rr->type == DNS_TYPE_SOA && dns_name_equal(rr->owner, dns_zone_origin(x->zone)))
		return DNS_OK;
	if (added && !w->in_added) {
		/* new SOA between the halves (RFC 1995 §4) */
		dns_err_t err = list_add_view(x, &x->soa);
		if (err)
			return err;
		w->in_added = true;
	}
	return list_add_copy(x, rr);
}

dns_err_t dns_xfr_request_serial(const dns_msg_t *req, uint32_t *serial)
{
	size_t n;
	const dns_msg_rr_t *rrs = dns_msg_section(req, DNS_SEC_AUTHORITY, &n);
	for (size_t i = 0; i < n; i++) {
		if (rrs[i].rr.type != DNS_TYPE_SOA)
			continue;
		/* MNAME, RNAME, then SERIAL (RFC 1035 §3.3.13) */
		dns_rbuf_t r;
		dns_rbuf_init(&r, rrs[i].rr.rdata, rrs[i].rr.rdlen);
		size_t l1, l2;
		if (dns_name_unpack(&r, NULL, &l1) || dns_name_unpack(&r, NULL, &l2) ||
		    dns_rbuf_u32(&r, serial))
			return DNS_EMALFORMED;
		return DNS_OK;
	}
	return DNS_ENOTFOUND;
}

dns_err_t dns_xfr_out_soa_only(const dns_zone_t *zone, const dns_msg_t *req,
                               const dns_tsig_req_t *tsig, uint64_t now, dns_xfr_out_t **out)
{
	dns_err_t err = out_new(zone, req, tsig, now, MODE_LIST, out);
	if (!err)
		err = list_add_view(*out, &(*out)->soa);
	if (err) {
		dns_xfr_out_free(*out);
		*out = NULL;
	}
	return err;
}

dns_err_t dns_xfr_out_ixfr(const dns_zone_t *old, const dns_zone_t *new_, const dns_msg_t *req,
                           const dns_tsig_req_t *tsig, uint64_t now, dns_xfr_out_t **out)
{
	uint32_t client;
	*out = NULL;
	if (!new_ || !req)
		return DNS_EINVAL;
	dns_err_t err = dns_xfr_request_serial(req, &client);
	if (err)
		return DNS_EMALFORMED;
	if (!dns_serial_lt(client, dns_zone_serial(new_)))
		return dns_xfr_out_soa_only(new_, req, tsig, now, out);
	if (!old || !dns_zone_soa(old) || dns_zone_serial(old) != client ||
	    dns_zone_class(old) != dns_zone_class(new_) ||
	    !dns_name_equal(dns_zone_origin(old), dns_zone_origin(new_)))
		return DNS_EINVAL;

	dns_xfr_out_t *x;
	err = out_new(new_, req, tsig, now, MODE_LIST, &x);
	if (err)
		return err;
	x->old = dns_zone_ref((dns_zone_t *)old);
	dns_rr_t old_soa;
	err = soa_record(old, &old_soa);
	if (!err)
		err = list_add_view(x, &x->soa);
	if (!err)
		err = list_add_view(x, &old_soa);
	ixfr_walk_t w = { .x = x };
	if (!err)
		err = dns_zone_diff(old, new_, ixfr_collect, &w);
	if (!err && !w.in_added)
		err = list_add_view(x, &x->soa); /* nothing added: the half is empty */
	if (!err)
		err = list_add_view(x, &x->soa);
	if (err) {
		dns_xfr_out_free(x);
		return err;
	}
	list_fix_pointers(x);
	*out = x;
	return DNS_OK;
}

static dns_err_t list_fill(dns_xfr_out_t *x, dns_msg_builder_t *b)
{
	while (x->pos < x->nitems) {
		dns_err_t err = dns_msg_builder_rr(b, DNS_SEC_ANSWER, &x->items[x->pos].rr);
		if (fits_error(err) && b->count[DNS_SEC_ANSWER] > 0)
			return DNS_OK;
		if (err)
			return err;
		x->pos++;
		x->nrecords++;
	}
	x->done = true;
	return DNS_OK;
}

/* ---- messages ---- */

dns_err_t dns_xfr_out_next(dns_xfr_out_t *x, uint8_t *buf, size_t cap, size_t *len, bool *done)
{
	*len = 0;
	*done = false;
	if (x->done || x->failed)
		return DNS_EINVAL;
	size_t limit = x->limit < cap ? x->limit : cap;
	dns_msg_builder_t b;
	dns_msg_builder_init(&b, buf, cap, limit);
	dns_err_t err = dns_msg_builder_header(&b, x->id, x->flags);
	if (!err && x->nmsg == 0)
		err = dns_msg_builder_question(&b, x->qname, x->qtype, x->qclass);
	if (!err && x->signing) {
		if (limit < b.w.len + x->tsig_space)
			err = DNS_ESPACE;
		else
			dns_msg_builder_reserve(&b, x->tsig_space);
	}
	if (!err)
		err = x->mode == MODE_AXFR ? axfr_fill(x, &b) : list_fill(x, &b);
	if (err) {
		x->failed = true;
		return err;
	}
	size_t n = dns_msg_builder_finish(&b);
	if (x->signing) {
		err = dns_tsig_stream_sign(&x->ts, buf, &n, limit, x->now, true);
		if (err) {
			x->failed = true;
			return err;
		}
	}
	x->nmsg++;
	*len = n;
	*done = x->done;
	return DNS_OK;
}

/* ---- IXFR over UDP ---- */

static dns_err_t udp_one(dns_xfr_out_t *x, const dns_tsig_req_t *tsig, uint64_t now,
                         uint8_t *buf, size_t cap, size_t udp_size, size_t *len, bool *whole)
{
	size_t space = tsig ? dns_tsig_space(tsig->key) : 0;
	if (udp_size > cap)
		udp_size = cap;
	if (udp_size <= space + DNS_HDR_LEN)
		return DNS_ESPACE;
	x->limit = udp_size - space;
	dns_err_t err = dns_xfr_out_next(x, buf, udp_size - space, len, whole);
	if (err || !*whole || !tsig)
		return err;
	return dns_tsig_sign_response(buf, len, udp_size, tsig, now);
}

dns_err_t dns_xfr_ixfr_udp(const dns_zone_t *old, const dns_zone_t *new_, const dns_msg_t *req,
                           const dns_tsig_req_t *tsig, uint64_t now, uint8_t *buf,
                           size_t cap, size_t udp_size, size_t *len)
{
	dns_xfr_out_t *x = NULL;
	bool whole = false;
	uint32_t client;
	*len = 0;
	if (!new_ || !req || (tsig && !tsig->key))
		return DNS_EINVAL;
	dns_err_t err = dns_xfr_request_serial(req, &client);
	if (err)
		return DNS_EMALFORMED;
	/* The generators run unsigned: one message is signed as a plain answer. */
	if (old && dns_serial_lt(client, dns_zone_serial(new_))) {
		err = dns_xfr_out_ixfr(old, new_, req, NULL, now, &x);
		if (err)
			return err;
		err = udp_one(x, tsig, now, buf, cap, udp_size, len, &whole);
		dns_xfr_out_free(x);
		if (whole || (err && err != DNS_ESPACE))
			return err;
	}
	err = dns_xfr_out_soa_only(new_, req, NULL, now, &x);
	if (err)
		return err;
	err = udp_one(x, tsig, now, buf, cap, udp_size, len, &whole);
	dns_xfr_out_free(x);
	return err;
}
