/*
 * xfr_in.c - the transfer client: builds the AXFR/IXFR request and
 * consumes the answer one message at a time (RFC 5936 §2.2, RFC 1995 §4,
 * TSIG RFC 8945 §5.3.1).
 *
 * The records of the answer drive a small state machine:
 *
 *   FIRST   the first record must be the zone's SOA (serial N);
 *   SECOND  for IXFR, the next record decides: an SOA with our serial
 *           starts an incremental answer, anything else is a full zone
 *           (AXFR-style); a lone SOA not newer than ours means up to date;
 *   FULL    records go into a zone builder until the SOA comes back;
 *   DEL/ADD one IXFR delta: old SOA, removed records, new SOA, added
 *           records.  Each delta is applied to a private copy when the
 *           next SOA arrives; the final SOA (serial N) ends the answer.
 *   END     nothing may follow the final SOA.
 *
 * Work happens on private data only (builder, private zone versions), so
 * an error at any point leaves the caller's zone as it was.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/diff.h"
#include "dns/name.h"
#include "dns/rrtype.h"
#include "dns/serial.h"
#include "dns/xfr.h"
#include "internal/grow.h"

/* SOA rdata: two names and five 32-bit fields (RFC 1035 §3.3.13). */
#define SOA_RDATA_MAX (2 * DNS_NAME_MAX + 20)

enum in_state { ST_FIRST, ST_SECOND, ST_FULL, ST_DEL, ST_ADD, ST_END };

/* Records of the delta being received: offsets into a store. */
typedef struct stored_rr {
	size_t owner_off, rdata_off;
	uint16_t type, rclass, rdlen;
	uint32_t ttl;
} stored_rr_t;

typedef struct rr_list {
	stored_rr_t *v;
	size_t n, cap;
} rr_list_t;

struct dns_xfr_in {
	uint8_t origin[DNS_NAME_MAX];
	uint16_t rclass;
	dns_xfr_kind_t kind;
	dns_zone_t *current;
	uint32_t our_serial;
	uint16_t id;
	bool has_key;
	dns_tsig_key_t key;
	uint8_t req_mac[DNS_TSIG_MAC_MAX];
	size_t req_mac_len;
	bool requested;
	dns_tsig_stream_t ts;
	bool ts_ready;
	size_t max_records, max_bytes, nrecords, nbytes, nmsg;

	dns_xfr_status_t status;
	dns_err_t err;
	unsigned rcode, tsig_error;
	char errbuf[192];

	enum in_state state;
	uint32_t serial;          /* N: the server's serial */
	uint8_t first_soa[SOA_RDATA_MAX];
	uint16_t first_soa_len;
	uint32_t first_ttl;
	dns_zone_builder_t *builder;
	dns_zone_t *work;         /* IXFR: the version the deltas reached */
	uint32_t delta_from, delta_to;
	unsigned ndeltas;
	rr_list_t removed, added;
	dns_bytes_t store;

	dns_xfr_result_t result;
	dns_zone_t *zone;
};

/* ---- errors ---- */

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static dns_xfr_status_t fail(dns_xfr_in_t *x, dns_err_t err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(x->errbuf, sizeof(x->errbuf), fmt, ap);
	va_end(ap);
	x->err = err;
	x->status = DNS_XFR_ERROR;
	dns_zone_builder_free(x->builder);
	x->builder = NULL;
	dns_zone_unref(x->work);
	x->work = NULL;
	return DNS_XFR_ERROR;
}

const char *dns_xfr_in_error(const dns_xfr_in_t *x) { return x->errbuf; }
dns_err_t dns_xfr_in_err(const dns_xfr_in_t *x) { return x->err; }
unsigned dns_xfr_in_rcode(const dns_xfr_in_t *x) { return x->rcode; }
unsigned dns_xfr_in_tsig_error(const dns_xfr_in_t *x) { return x->tsig_error; }
dns_xfr_status_t dns_xfr_in_status(const dns_xfr_in_t *x) { return x->status; }
dns_xfr_result_t dns_xfr_in_result(const dns_xfr_in_t *x) { return x->result; }
uint32_t dns_xfr_in_serial(const dns_xfr_in_t *x) { return x->serial; }
size_t dns_xfr_in_records(const dns_xfr_in_t *x) { return x->nrecords; }

/* ---- set-up ---- */

dns_err_t dns_xfr_in_new(const uint8_t *origin, const dns_zone_t *current, dns_xfr_kind_t kind,
                         const dns_tsig_key_t *key, uint16_t id, dns_xfr_in_t **out)
{
	*out = NULL;
	if (!origin || (kind != DNS_XFR_AXFR && kind != DNS_XFR_IXFR))
		return DNS_EINVAL;
	if (current && (!dns_zone_soa(current) || !dns_name_equal(origin, dns_zone_origin(current))))
		return DNS_EINVAL;
	if (key && !dns_tsig_alg_wire(key->alg))
		return DNS_EINVAL;
	dns_xfr_in_t *x = calloc(1, sizeof(*x));
	if (!x)
		return DNS_ENOMEM;
	dns_name_copy(x->origin, origin);
	x->rclass = current ? dns_zone_class(current) : DNS_CLASS_IN;
	x->kind = current ? kind : DNS_XFR_AXFR;
	if (current) {
		x->current = dns_zone_ref((dns_zone_t *)current);
		x->our_serial = dns_zone_serial(current);
	}
	x->id = id;
	if (key) {
		x->key = *key;
		x->has_key = true;
	}
	x->max_records = DNS_XFR_IN_MAX_RECORDS;
	x->max_bytes = DNS_XFR_IN_MAX_BYTES;
	*out = x;
	return DNS_OK;
}

void dns_xfr_in_set_limits(dns_xfr_in_t *x, size_t max_records, size_t max_bytes)
{
	if (max_records)
		x->max_records = max_records;
	if (max_bytes)
		x->max_bytes = max_bytes;
}

void dns_xfr_in_free(dns_xfr_in_t *x)
{
	if (!x)
		return;
	if (x->ts_ready)
		dns_tsig_stream_free(&x->ts);
	dns_zone_builder_free(x->builder);
	dns_zone_unref(x->work);
	dns_zone_unref(x->zone);
	dns_zone_unref(x->current);
	free(x->removed.v);
	free(x->added.v);
	free(x->store.p);
	free(x);
}

dns_err_t dns_xfr_in_set_request_mac(dns_xfr_in_t *x, const uint8_t *mac, size_t mac_len)
{
	if (mac_len > DNS_TSIG_MAC_MAX || (mac_len && !mac) || x->requested)
		return DNS_EINVAL;
	if (mac_len)
		memcpy(x->req_mac, mac, mac_len);
	x->req_mac_len = mac_len;
	x->requested = true;
	return DNS_OK;
}

dns_err_t dns_xfr_in_request(dns_xfr_in_t *x, uint8_t *buf, size_t cap, size_t *len,
                             uint64_t now)
{
	*len = 0;
	if (x->requested)
		return DNS_EINVAL;
	dns_msg_builder_t b;
	dns_msg_builder_init(&b, buf, cap, cap);
	uint16_t qtype = x->kind == DNS_XFR_IXFR ? DNS_TYPE_IXFR : DNS_TYPE_AXFR;
	dns_err_t err = dns_msg_builder_header(&b, x->id, 0);
	if (!err)
		err = dns_msg_builder_question(&b, x->origin, qtype, x->rclass);
	if (!err && x->kind == DNS_XFR_IXFR)
		err = dns_msg_builder_rrset(&b, DNS_SEC_AUTHORITY, dns_zone_origin(x->current),
		                            x->rclass, dns_zone_soa(x->current));
	if (err)
		return err;
	size_t n = dns_msg_builder_finish(&b);
	if (x->has_key) {
		err = dns_tsig_sign(buf, &n, cap, &x->key, now, x->req_mac, &x->req_mac_len);
		if (err)
			return err;
	}
	x->requested = true;
	*len = n;
	return DNS_OK;
}

/* ---- storing the records of a delta ---- */

static dns_err_t list_push(dns_xfr_in_t *x, rr_list_t *l, const dns_rr_t *rr)
{
	stored_rr_t *v = dns_grow(l->v, &l->cap, l->n + 1, sizeof(*v), 64);
	if (!v)
		return DNS_ENOMEM;
	l->v = v;
	stored_rr_t *s = &l->v[l->n];
	s->type = rr->type;
	s->rclass = rr->rclass;
	s->ttl = rr->ttl;
	s->rdlen = rr->rdlen;
	dns_err_t err = dns_bytes_put(&x->store, rr->owner, dns_name_length(rr->owner), &s->owner_off);
	if (!err)
		err = dns_bytes_put(&x->store, rr->rdata, rr->rdlen, &s->rdata_off);
	if (!err)
		l->n++;
	return err;
}

/* Views of a stored list (the store no longer moves while they live). */
static dns_rr_t *list_views(const dns_xfr_in_t *x, const rr_list_t *l)
{
	dns_rr_t *v = malloc((l->n ? l->n : 1) * sizeof(*v));
	if (!v)
		return NULL;
	for (size_t i = 0; i < l->n; i++) {
		const stored_rr_t *s = &l->v[i];
		v[i] = (dns_rr_t){ .owner = x->store.p + s->owner_off, .type = s->type,
		                   .rclass = s->rclass, .ttl = s->ttl, .rdlen = s->rdlen,
		                   .rdata = x->store.p + s->rdata_off };
	}
	return v;
}

/* Apply the delta received so far to the working version. */
static dns_xfr_status_t apply_delta(dns_xfr_in_t *x)
{
	if (x->delta_from != dns_zone_serial(x->work))
		return fail(x, DNS_EZONE, "IXFR delta from serial %u does not follow serial %u",
		            (unsigned)x->delta_from, (unsigned)dns_zone_serial(x->work));
	dns_rr_t *rem = list_views(x, &x->removed);
	dns_rr_t *add = list_views(x, &x->added);
	dns_zone_t *next = NULL;
	dns_err_t err = rem && add ? dns_zone_apply_diff(x->work, rem, x->removed.n, add,
	                                                 x->added.n, &next)
	                           : DNS_ENOMEM;
	free(rem);
	free(add);
	if (err)
		return fail(x, err, "IXFR delta %u -> %u does not apply: %s", (unsigned)x->delta_from,
		            (unsigned)x->delta_to, dns_strerror(err));
	dns_zone_unref(x->work);
	x->work = next;
	x->removed.n = x->added.n = 0;
	x->store.len = 0;
	return DNS_XFR_NEED_MORE;
}

/* ---- records ---- */

static bool soa_serial(const dns_rr_t *rr, uint32_t *serial)
{
	dns_rbuf_t r;
	size_t l;
	dns_rbuf_init(&r, rr->rdata, rr->rdlen);
	return !dns_name_unpack(&r, NULL, &l) && !dns_name_unpack(&r, NULL, &l) &&
	       !dns_rbuf_u32(&r, serial);
}

static dns_xfr_status_t add_full(dns_xfr_in_t *x, const dns_rr_t *rr)
{
	dns_err_t err = dns_zone_builder_add(x->builder, rr);
	if (err)
		return fail(x, err, "record not accepted into the zone: %s", dns_strerror(err));
	return DNS_XFR_NEED_MORE;
}

/* Switch to a full zone: the first SOA is its first record. */
static dns_xfr_status_t start_full(dns_xfr_in_t *x)
{
	x->builder = dns_zone_builder_new(x->origin, x->rclass);
	if (!x->builder)
		return fail(x, DNS_ENOMEM, "out of memory");
	dns_rr_t soa = { .owner = x->origin, .type = DNS_TYPE_SOA, .rclass = x->rclass,
	                 .ttl = x->first_ttl, .rdlen = x->first_soa_len, .rdata = x->first_soa };
	x->state = ST_FULL;
	x->result = DNS_XFR_RESULT_FULL;
	return add_full(x, &soa);
}

static dns_xfr_status_t start_delta(dns_xfr_in_t *x, const dns_rr_t *soa, uint32_t serial)
{
	if (++x->ndeltas > DNS_XFR_IN_MAX_DELTAS)
		return fail(x, DNS_ELIMIT, "too many IXFR deltas (limit %u)", DNS_XFR_IN_MAX_DELTAS);
	x->delta_from = serial;
	x->state = ST_DEL;
	if (list_push(x, &x->removed, soa))
		return fail(x, DNS_ENOMEM, "out of memory");
	return DNS_XFR_NEED_MORE;
}

static dns_xfr_status_t on_first(dns_xfr_in_t *x, const dns_rr_t *rr, bool is_soa,
                                 uint32_t serial, size_t left)
{
	if (!is_soa)
		return fail(x, DNS_EMALFORMED, "transfer does not start with the zone's SOA");
	if (rr->rdlen > sizeof(x->first_soa))
		return fail(x, DNS_EMALFORMED, "SOA rdata too long");
	memcpy(x->first_soa, rr->rdata, rr->rdlen);
	x->first_soa_len = rr->rdlen;
	x->first_ttl = rr->ttl;
	x->serial = serial;
	if (x->kind == DNS_XFR_AXFR)
		return start_full(x);
	/* RFC 1995 §4: a lone SOA not newer than ours says we are up to date. */
	if (left == 0 && x->nmsg == 1 && !dns_serial_gt(serial, x->our_serial)) {
		x->result = DNS_XFR_RESULT_UPTODATE;
		x->state = ST_END;
		return DNS_XFR_DONE;
	}
	x->state = ST_SECOND;
	return DNS_XFR_NEED_MORE;
}

/* The SOA that ends the transfer must repeat the first one's serial. */
static dns_xfr_status_t on_final(dns_xfr_in_t *x, uint32_t serial)
{
	if (serial != x->serial)
		return fail(x, DNS_EMALFORMED, "final SOA serial %u differs from the first %u",
		            (unsigned)serial, (unsigned)x->serial);
	x->state = ST_END;
	return DNS_XFR_DONE;
}

static dns_xfr_status_t on_record(dns_xfr_in_t *x, const dns_rr_t *rr, size_t left)
{
	if (rr->rclass != x->rclass)
		return fail(x, DNS_EZONE, "record of another class");
	if (!dns_name_is_subdomain(rr->owner, x->origin))
		return fail(x, DNS_EZONE, "record outside the zone");
	bool is_soa = rr->type == DNS_TYPE_SOA;
	uint32_t serial = 0;
	if (is_soa && !dns_name_equal(rr->owner, x->origin))
		return fail(x, DNS_EZONE, "SOA record below the zone apex");
	if (is_soa && !soa_serial(rr, &serial))
		return fail(x, DNS_EMALFORMED, "malformed SOA record");
	if (++x->nrecords > x->max_records)
		return fail(x, DNS_ELIMIT, "too many records (limit %zu)", x->max_records);

	switch (x->state) {
	case ST_FIRST:
		return on_first(x, rr, is_soa, serial, left);
	case ST_SECOND:
		if (is_soa && serial == x->our_serial) {
			x->work = dns_zone_ref(x->current);
			x->result = DNS_XFR_RESULT_INCREMENTAL;
			return start_delta(x, rr, serial);
		}
		if (start_full(x) == DNS_XFR_ERROR)
			return DNS_XFR_ERROR;
		/* An SOA right after the first: a zone of the SOA alone. */
		return is_soa ? on_final(x, serial) : add_full(x, rr);
	case ST_FULL:
		return is_soa ? on_final(x, serial) : add_full(x, rr);
	case ST_DEL:
		if (is_soa) {
			x->delta_to = serial;
			x->state = ST_ADD;
			return list_push(x, &x->added, rr) ? fail(x, DNS_ENOMEM, "out of memory")
			                                   : DNS_XFR_NEED_MORE;
		}
		return list_push(x, &x->removed, rr) ? fail(x, DNS_ENOMEM, "out of memory")
		                                     : DNS_XFR_NEED_MORE;
	case ST_ADD:
		if (!is_soa)
			return list_push(x, &x->added, rr) ? fail(x, DNS_ENOMEM, "out of memory")
			                                   : DNS_XFR_NEED_MORE;
		if (apply_delta(x) == DNS_XFR_ERROR)
			return DNS_XFR_ERROR;
		if (serial == x->serial && x->delta_to == x->serial)
			return on_final(x, serial);
		if (serial != x->delta_to)
			return fail(x, DNS_EMALFORMED, "IXFR delta starts at serial %u, expected %u",
			            (unsigned)serial, (unsigned)x->delta_to);
		return start_delta(x, rr, serial);
	case ST_END:
		break;
	}
	return fail(x, DNS_EMALFORMED, "records after the final SOA");
}

/* ---- messages ---- */

/* The error field of the answer's TSIG RR (RFC 8945 §4.2), 0 without one:
 * algorithm name, time (48 bits), fudge, MAC size, MAC, original ID, error. */
static unsigned tsig_rr_error(const dns_msg_t *m)
{
	if (!m->tsig)
		return 0;
	dns_rbuf_t r;
	size_t l;
	uint16_t fudge, macsize, orig, err;
	const uint8_t *p;
	dns_rbuf_init(&r, m->tsig->rr.rdata, m->tsig->rr.rdlen);
	if (dns_name_unpack(&r, NULL, &l) || dns_rbuf_skip(&r, 6) || dns_rbuf_u16(&r, &fudge) ||
	    dns_rbuf_u16(&r, &macsize) || dns_rbuf_bytes(&r, &p, macsize) ||
	    dns_rbuf_u16(&r, &orig) || dns_rbuf_u16(&r, &err))
		return 0;
	return err;
}

static dns_xfr_status_t check_header(dns_xfr_in_t *x, const dns_msg_t *m)
{
	if (m->id != x->id)
		return fail(x, DNS_EMALFORMED, "message ID %u does not match the request's %u",
		            (unsigned)m->id, (unsigned)x->id);
	if (!(m->flags & DNS_FLAG_QR) || dns_flags_opcode(m->flags) != DNS_OPCODE_QUERY)
		return fail(x, DNS_EMALFORMED, "not an answer to a query");
	/* rcode: with EDNS its upper bits are in OPT, which transfers never need */
	unsigned rc = dns_flags_rcode(m->flags);
	if (rc != DNS_RCODE_NOERROR) {
		x->rcode = rc;
		x->tsig_error = tsig_rr_error(m);
		char rb[16], tb[24];
		return fail(x, DNS_EDENIED, "server answered %s%s%s%s", dns_rcode_text(rc, rb, sizeof rb),
		            x->tsig_error ? " (TSIG error " : "",
		            x->tsig_error ? dns_tsig_error_text(x->tsig_error, tb, sizeof tb) : "",
		            x->tsig_error ? ")" : "");
	}
	if (m->flags & DNS_FLAG_TC)
		return fail(x, DNS_EMALFORMED, "truncated answer");
	if (m->has_question) {
		uint16_t qtype = x->kind == DNS_XFR_IXFR ? DNS_TYPE_IXFR : DNS_TYPE_AXFR;
		if (!dns_name_equal(m->qname, x->origin) || m->qtype != qtype ||
		    m->qclass != x->rclass)
			return fail(x, DNS_EMALFORMED, "question does not match the request");
	} else if (x->nmsg == 1) {
		return fail(x, DNS_EMALFORMED, "first message without the question");
	}
	return DNS_XFR_NEED_MORE;
}

static dns_xfr_status_t check_tsig(dns_xfr_in_t *x, const dns_msg_t *m, uint64_t now)
{
	if (!x->has_key)
		return DNS_XFR_NEED_MORE;
	if (!x->ts_ready) {
		if (dns_tsig_stream_init_verifier(&x->ts, &x->key, x->req_mac, x->req_mac_len))
			return fail(x, DNS_ETSIG, "cannot start TSIG verification");
		x->ts_ready = true;
	}
	uint16_t terr = 0;
	dns_err_t err = dns_tsig_stream_verify(&x->ts, m, now, &terr);
	if (err) {
		x->tsig_error = terr;
		char tb[24];
		return fail(x, err == DNS_ETSIG ? DNS_ETSIG : DNS_EMALFORMED,
		            "TSIG verification failed (%s)", dns_tsig_error_text(terr, tb, sizeof tb));
	}
	return DNS_XFR_NEED_MORE;
}

/* The answer is complete: TSIG must cover the end, the zone must check. */
static void report_first(void *ctx, const uint8_t *owner, uint16_t type, bool error,
                         const char *msg)
{
	(void)owner;
	(void)type;
	char *buf = ctx;
	if (error && !buf[0])
		snprintf(buf, 128, "%s", msg);
}

static dns_xfr_status_t finish(dns_xfr_in_t *x)
{
	if (x->has_key && dns_tsig_stream_end(&x->ts))
		return fail(x, DNS_ETSIG, "last message of the transfer is not signed");
	if (x->result == DNS_XFR_RESULT_UPTODATE) {
		x->zone = x->current ? dns_zone_ref(x->current) : NULL;
		x->status = DNS_XFR_DONE;
		return DNS_XFR_DONE;
	}
	dns_zone_t *z = NULL;
	if (x->result == DNS_XFR_RESULT_FULL) {
		dns_err_t err = dns_zone_builder_finish(x->builder, &z);
		x->builder = NULL;
		if (err)
			return fail(x, err, "transferred zone cannot be built: %s", dns_strerror(err));
	} else {
		z = x->work;
		x->work = NULL;
	}
	char first[128] = "";
	size_t nerr = dns_zone_check(z, report_first, first);
	if (nerr) {
		dns_zone_unref(z);
		return fail(x, DNS_EZONE, "transferred zone fails checks: %s", first);
	}
	x->zone = z;
	x->status = DNS_XFR_DONE;
	return DNS_XFR_DONE;
}

static dns_xfr_status_t feed_parsed(dns_xfr_in_t *x, const dns_msg_t *m, uint64_t now)
{
	if (check_header(x, m) == DNS_XFR_ERROR || check_tsig(x, m, now) == DNS_XFR_ERROR)
		return DNS_XFR_ERROR;
	size_t n;
	const dns_msg_rr_t *rrs = dns_msg_section(m, DNS_SEC_ANSWER, &n);
	if (n == 0)
		return fail(x, DNS_EMALFORMED, "message without records");
	dns_xfr_status_t st = DNS_XFR_NEED_MORE;
	for (size_t i = 0; i < n; i++) {
		if (x->state == ST_END)
			return fail(x, DNS_EMALFORMED, "records after the final SOA");
		st = on_record(x, &rrs[i].rr, n - i - 1);
		if (st == DNS_XFR_ERROR)
			return st;
	}
	return st == DNS_XFR_DONE ? finish(x) : DNS_XFR_NEED_MORE;
}

dns_xfr_status_t dns_xfr_in_feed(dns_xfr_in_t *x, const uint8_t *msg, size_t len, uint64_t now)
{
	if (x->status != DNS_XFR_NEED_MORE)
		return x->status;
	if (!x->requested)
		return fail(x, DNS_EINVAL, "no request was made");
	if (len > x->max_bytes - x->nbytes)
		return fail(x, DNS_ELIMIT, "transfer too large (limit %zu bytes)", x->max_bytes);
	x->nbytes += len;
	x->nmsg++;
	dns_msg_t m;
	dns_err_t err = dns_msg_parse(&m, msg, len);
	dns_xfr_status_t st = err ? fail(x, err, "malformed message: %s", dns_strerror(err))
	                          : feed_parsed(x, &m, now);
	dns_msg_free(&m);
	return st;
}

dns_xfr_status_t dns_xfr_in_abort(dns_xfr_in_t *x)
{
	if (x->status == DNS_XFR_NEED_MORE)
		fail(x, DNS_EMALFORMED, "transfer ended before the final SOA");
	return x->status;
}

dns_zone_t *dns_xfr_in_take_zone(dns_xfr_in_t *x)
{
	if (x->status != DNS_XFR_DONE)
		return NULL;
	dns_zone_t *z = x->zone;
	x->zone = NULL;
	return z;
}
