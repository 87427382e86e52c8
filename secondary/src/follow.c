/*
 * follow.c - libdnsfollow: the refresh state machines (zone_sm) of the
 * followed zones carried out through the outgoing-query engine (see
 * dns/follow.h).  One libevent timer serves every zone's deadline.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "dns/log.h"
#include "dns/msg.h"
#include "dns/rrtype.h"

#include "follow_int.h"
#include "state.h"

#define SOA_TRIES 3

uint64_t fol_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t fol_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void num(char *buf, size_t n, uint64_t v)
{
	snprintf(buf, n, "%" PRIu64, v);
}

void fol_emit(fzone_t *z, dns_follow_event_t *ev)
{
	ev->zone_index = z->index;
	ev->name = z->name;
	if (z->f->fn)
		z->f->fn(z->f->arg, ev);
}

static void act(fzone_t *z, unsigned acts);
static void reschedule(dns_follow_t *f);

/* ---- SOA query ---- */

dns_err_t fol_soa_query(const fzone_t *z, uint16_t id, uint8_t *buf, size_t cap, size_t *len,
                        uint8_t *mac, size_t *mac_len)
{
	dns_msg_builder_t b;
	dns_msg_builder_init(&b, buf, cap, cap);
	dns_err_t e = dns_msg_builder_header(&b, id, 0);
	if (!e)
		e = dns_msg_builder_question(&b, z->origin, DNS_TYPE_SOA, 1);
	if (e)
		return e;
	*len = dns_msg_builder_finish(&b);
	*mac_len = 0;
	if (z->has_key)
		return dns_tsig_sign(buf, len, cap, &z->key, fol_now_ms() / 1000, mac, mac_len);
	return DNS_OK;
}

static dns_err_t soa_serial(const fzone_t *z, const dns_msg_t *m, uint32_t *serial)
{
	size_t n;
	const dns_msg_rr_t *an = dns_msg_section(m, DNS_SEC_ANSWER, &n);
	for (size_t i = 0; i < n; i++) {
		uint32_t r1, r2, r3;
		if (an[i].rr.type == DNS_TYPE_SOA && dns_name_equal(an[i].rr.owner, z->origin) &&
		    sec_soa_rdata_fields(an[i].rr.rdata, an[i].rr.rdlen, serial, &r1, &r2, &r3))
			return DNS_OK;
	}
	return DNS_ENOTFOUND;
}

dns_err_t fol_soa_answer(const fzone_t *z, uint16_t id, const uint8_t *mac, size_t mac_len,
                         const uint8_t *msg, size_t len, uint32_t *serial, char *err,
                         size_t errlen)
{
	dns_msg_t m;
	dns_err_t e = dns_msg_parse(&m, msg, len);
	if (e) {
		snprintf(err, errlen, "malformed SOA answer");
		goto out;
	}
	if (m.id != id || !(m.flags & DNS_FLAG_QR) || !m.has_question ||
	    m.qtype != DNS_TYPE_SOA || !dns_name_equal(m.qname, z->origin)) {
		snprintf(err, errlen, "SOA answer does not match the query");
		e = DNS_EINVAL;
		goto out;
	}
	if (z->has_key) {
		uint16_t terr = 0;
		e = dns_tsig_verify_response(&m, &z->key, mac, mac_len, fol_now_ms() / 1000, &terr);
		if (e) {
			char tb[24];
			snprintf(err, errlen, "SOA answer: TSIG %s (%s)",
			         e == DNS_ENOTFOUND ? "missing" : "verification failed",
			         dns_tsig_error_text(terr, tb, sizeof tb));
			e = DNS_ETSIG;
			goto out;
		}
	}
	if (dns_flags_rcode(m.flags) != DNS_RCODE_NOERROR) {
		char rb[16];
		snprintf(err, errlen, "SOA query answered %s",
		         dns_rcode_text(dns_flags_rcode(m.flags), rb, sizeof rb));
		e = DNS_EDENIED;
		goto out;
	}
	e = soa_serial(z, &m, serial);
	if (e)
		snprintf(err, errlen, "no SOA in the answer");
out:
	dns_msg_free(&m);
	return e;
}

static void soa_failed(fzone_t *z, const char *why)
{
	dns_log(DNS_LOG_WARN, "refresh failed", "zone", z->name, "error", why, NULL);
	dns_follow_event_t ev = { .kind = DNS_FOLLOW_FAILED, .error = why };
	fol_emit(z, &ev);
	act(z, sec_zone_sm_soa_result(&z->sm, false, 0, fol_now_ms()));
}

static void soa_done(void *arg, const dns_netq_result_t *res)
{
	fzone_t *z = arg;
	char err[256];
	uint32_t serial = 0;
	z->op = NULL;
	if (res->status != DNS_NETQ_OK) {
		snprintf(err, sizeof err, "SOA query: %s", dns_netq_status_text(res->status));
		soa_failed(z, err);
	} else if (fol_soa_answer(z, z->op_id, z->op_mac, z->op_mac_len, res->answer, res->len,
	                          &serial, err, sizeof err) != DNS_OK) {
		soa_failed(z, err);
	} else {
		char ser[16], ours[16];
		num(ser, sizeof ser, serial);
		num(ours, sizeof ours, z->sm.serial);
		dns_log(DNS_LOG_DEBUG, "primary serial", "zone", z->name, "serial", ser, "ours",
		        z->sm.has_data ? ours : NULL, NULL);
		act(z, sec_zone_sm_soa_result(&z->sm, true, serial, fol_now_ms()));
	}
	reschedule(z->f);
}

static void start_soa(fzone_t *z)
{
	uint8_t q[1024];
	size_t len;
	z->op_id = dns_netq_random_id();
	dns_err_t e = fol_soa_query(z, z->op_id, q, sizeof q, &len, z->op_mac, &z->op_mac_len);
	dns_netq_request_t rq = { .server = &z->primary, .msg = q, .len = len,
	                          .mode = DNS_NETQ_UDP, .timeout_ms = DNS_FOLLOW_SOA_TIMEOUT_MS,
	                          .udp_tries = SOA_TRIES,
	                          .source = z->has_source ? &z->source : NULL };
	if (!e)
		e = dns_netq_send(z->f->nq, &rq, soa_done, z, &z->op);
	if (e) {
		char err[128];
		snprintf(err, sizeof err, "SOA query: %s", dns_strerror(e));
		soa_failed(z, err);
	}
}

/* ---- transfer ---- */

static dns_netq_verdict_t xfr_msg(void *arg, const uint8_t *msg, size_t len)
{
	fzone_t *z = arg;
	z->msgs++;
	z->xst = dns_xfr_in_feed(z->xin, msg, len, fol_now_ms() / 1000);
	if (z->xst == DNS_XFR_NEED_MORE)
		return DNS_NETQ_MORE;
	return z->xst == DNS_XFR_DONE ? DNS_NETQ_END : DNS_NETQ_STOP;
}

static void xfr_failed(fzone_t *z, const char *kind, const char *why)
{
	dns_log(DNS_LOG_ERROR, "transfer failed", "zone", z->name, "kind", kind, "error", why,
	        "served", z->zone && sec_zone_sm_serving(&z->sm) ? "old copy" : "nothing", NULL);
	dns_follow_event_t ev = { .kind = DNS_FOLLOW_FAILED, .error = why };
	fol_emit(z, &ev);
	act(z, sec_zone_sm_xfr_result(&z->sm, false, false, 0, 0, 0, 0, fol_now_ms()));
}

/* The transfer produced a new version: take it. */
static void xfr_apply(fzone_t *z, const char *kind, dns_zone_t *nz, uint64_t now)
{
	uint32_t serial, refresh, retry, expire;
	if (!sec_soa_fields(nz, &serial, &refresh, &retry, &expire)) {
		dns_zone_unref(nz);
		xfr_failed(z, kind, "no SOA in the transferred zone");
		return;
	}
	bool incr = dns_xfr_in_result(z->xin) == DNS_XFR_RESULT_INCREMENTAL;
	size_t received = dns_xfr_in_records(z->xin);
	dns_zone_unref(z->zone);
	z->zone = nz;
	unsigned acts = sec_zone_sm_xfr_result(&z->sm, true, false, serial, refresh, retry, expire,
	                                       now);
	double secs = (double)(fol_mono_ms() - z->op_start) / 1000.0;
	char ser[16], recs[24], nrec[24], sec[32], msgs[16];
	num(ser, sizeof ser, serial);
	num(recs, sizeof recs, received);
	num(nrec, sizeof nrec, dns_zone_rr_count(nz));
	num(msgs, sizeof msgs, z->msgs);
	snprintf(sec, sizeof sec, "%.3f", secs);
	dns_log(DNS_LOG_INFO, "zone transferred", "zone", z->name, "kind", incr ? "IXFR" : "AXFR",
	        "requested", kind, "serial", ser, "received", recs, "records", nrec, "messages",
	        msgs, "seconds", sec, NULL);
	dns_follow_event_t ev = { .kind = DNS_FOLLOW_APPLIED, .zone = nz,
	                          .xfr = incr ? DNS_FOLLOW_IXFR : DNS_FOLLOW_AXFR,
	                          .serial = serial, .last_contact_ms = now, .records = received,
	                          .messages = z->msgs, .seconds = secs };
	fol_emit(z, &ev);
	act(z, acts & ~(unsigned)(SEC_ACT_PUBLISH | SEC_ACT_PERSIST));
}

static void xfr_end(fzone_t *z, const dns_netq_result_t *res)
{
	const char *kind = z->xfr_ixfr ? "IXFR" : "AXFR";
	uint64_t now = fol_now_ms();
	char err[256];
	if (z->xst != DNS_XFR_DONE) {
		if (z->xst == DNS_XFR_NEED_MORE && res->status == DNS_NETQ_CLOSED && z->msgs > 0)
			z->xst = dns_xfr_in_abort(z->xin); /* says what the stream lacked */
		if (z->xst == DNS_XFR_ERROR)
			snprintf(err, sizeof err, "%s", dns_xfr_in_error(z->xin));
		else
			snprintf(err, sizeof err, "transfer: %s", dns_netq_status_text(res->status));
		xfr_failed(z, kind, err);
		return;
	}
	if (dns_xfr_in_result(z->xin) == DNS_XFR_RESULT_UPTODATE) {
		dns_log(DNS_LOG_INFO, "zone up to date", "zone", z->name, NULL);
		act(z, sec_zone_sm_xfr_result(&z->sm, true, true, 0, 0, 0, 0, now));
		return;
	}
	dns_zone_t *nz = dns_xfr_in_take_zone(z->xin);
	if (!nz) {
		xfr_failed(z, kind, "transfer produced no zone");
		return;
	}
	xfr_apply(z, kind, nz, now);
}

static void xfr_done(void *arg, const dns_netq_result_t *res)
{
	fzone_t *z = arg;
	z->op = NULL;
	xfr_end(z, res);
	/* xfr_end may have started the AXFR fallback, with a client of its own */
	if (!z->op || z->sm.op != SEC_OP_TRANSFER) {
		dns_xfr_in_free(z->xin);
		z->xin = NULL;
	}
	reschedule(z->f);
}

static void start_xfr(fzone_t *z)
{
	const char *kind;
	uint8_t *buf = malloc(DNS_XFR_MSG_MAX);
	size_t len = 0;
	dns_xfr_in_t *x = NULL;
	z->xfr_ixfr = z->sm.xfr_ixfr && z->zone;
	kind = z->xfr_ixfr ? "IXFR" : "AXFR";
	dns_err_t e = buf ? DNS_OK : DNS_ENOMEM;
	if (!e)
		e = dns_xfr_in_new(z->origin, z->xfr_ixfr ? z->zone : NULL,
		                   z->xfr_ixfr ? DNS_XFR_IXFR : DNS_XFR_AXFR,
		                   z->has_key ? &z->key : NULL, dns_netq_random_id(), &x);
	if (!e)
		e = dns_xfr_in_request(x, buf, DNS_XFR_MSG_MAX, &len, fol_now_ms() / 1000);
	dns_netq_stream_request_t rq = { .server = &z->primary, .msg = buf, .len = len,
	                                 .source = z->has_source ? &z->source : NULL,
	                                 .timeout_ms = DNS_FOLLOW_XFR_TIMEOUT_MS,
	                                 .idle_ms = DNS_FOLLOW_XFR_IDLE_MS };
	dns_xfr_in_free(z->xin);
	z->xin = x;
	z->xst = DNS_XFR_NEED_MORE;
	z->msgs = 0;
	z->op_start = fol_mono_ms();
	if (!e) {
		dns_log(DNS_LOG_DEBUG, "transfer started", "zone", z->name, "kind", kind, NULL);
		e = dns_netq_stream(z->f->nq, &rq, xfr_msg, xfr_done, z, &z->op);
	}
	free(buf);
	if (e) {
		char err[128];
		snprintf(err, sizeof err, "starting the transfer: %s", dns_strerror(e));
		xfr_failed(z, kind, err);
	}
}

/* ---- the state machine's actions ---- */

static void act(fzone_t *z, unsigned acts)
{
	if (acts & SEC_ACT_EXPIRE) {
		dns_log(DNS_LOG_WARN, "zone expired: answering SERVFAIL", "zone", z->name, NULL);
		dns_follow_event_t ev = { .kind = DNS_FOLLOW_EXPIRED,
		                          .last_contact_ms = z->sm.last_contact_ms };
		fol_emit(z, &ev);
	}
	if (acts & SEC_ACT_PUBLISH) {
		char ser[16];
		num(ser, sizeof ser, z->sm.serial);
		dns_log(DNS_LOG_INFO, "zone served", "zone", z->name, "serial", ser, NULL);
		dns_follow_event_t ev = { .kind = DNS_FOLLOW_RESTORED, .serial = z->sm.serial,
		                          .last_contact_ms = z->sm.last_contact_ms };
		fol_emit(z, &ev);
	}
	if (acts & SEC_ACT_SAVE_STATE) {
		dns_follow_event_t ev = { .kind = DNS_FOLLOW_CONTACT, .serial = z->sm.serial,
		                          .last_contact_ms = z->sm.last_contact_ms };
		fol_emit(z, &ev);
	}
	if (acts & SEC_ACT_SOA_QUERY)
		start_soa(z);
	else if (acts & SEC_ACT_TRANSFER)
		start_xfr(z);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	dns_follow_t *f = arg;
	(void)fd;
	(void)what;
	uint64_t now = fol_now_ms();
	for (size_t i = 0; i < f->n; i++)
		act(&f->zones[i], sec_zone_sm_tick(&f->zones[i].sm, now));
	reschedule(f);
}

static void reschedule(dns_follow_t *f)
{
	uint64_t next = UINT64_MAX;
	if (!f->started)
		return;
	for (size_t i = 0; i < f->n; i++) {
		uint64_t t = sec_zone_sm_deadline(&f->zones[i].sm);
		if (t < next)
			next = t;
	}
	evtimer_del(f->timer);
	if (next == UINT64_MAX)
		return;
	uint64_t now = fol_now_ms();
	uint64_t wait = next > now ? next - now : 0;
	if (wait > 3600000)
		wait = 3600000; /* wake up now and then: the wall clock may have stepped */
	wait += 1;
	struct timeval tv = { .tv_sec = (time_t)(wait / 1000),
	                      .tv_usec = (suseconds_t)(wait % 1000) * 1000 };
	evtimer_add(f->timer, &tv);
}

void fol_notified(fzone_t *z, bool has_serial, uint32_t serial)
{
	char ser[16];
	num(ser, sizeof ser, serial);
	dns_log(DNS_LOG_INFO, "notify received", "zone", z->name, "serial",
	        has_serial ? ser : NULL, NULL);
	dns_follow_event_t ev = { .kind = DNS_FOLLOW_NOTIFIED, .has_serial = has_serial,
	                          .serial = serial };
	fol_emit(z, &ev);
	fol_check(z, has_serial, serial);
}

void fol_check(fzone_t *z, bool has_serial, uint32_t serial)
{
	if (!z->f->started)
		return;
	act(z, sec_zone_sm_notify(&z->sm, has_serial, serial, fol_now_ms()));
	reschedule(z->f);
}

/* ---- API ---- */

static dns_err_t zone_init(dns_follow_t *f, fzone_t *z, size_t i,
                           const dns_follow_zone_conf_t *c, uint64_t now)
{
	if (!c->origin || (c->hidden && !c->key))
		return DNS_EINVAL;
	z->f = f;
	z->index = i;
	dns_name_copy(z->origin, c->origin);
	dns_name_lower(z->origin);
	dns_name_to_text(z->origin, z->name, sizeof z->name);
	size_t n = strlen(z->name);
	if (n > 1 && z->name[n - 1] == '.')
		z->name[n - 1] = '\0';
	z->primary = c->primary;
	if (c->source) {
		z->source = *c->source;
		z->has_source = true;
	}
	if (c->key) {
		z->key = *c->key;
		z->has_key = true;
	}
	z->hidden = c->hidden;
	sec_zone_sm_init(&z->sm, now);
	return z->hidden ? fol_hidden_init(z) : DNS_OK;
}

dns_err_t dns_follow_new(struct event_base *base, const dns_follow_zone_conf_t *zones,
                         size_t n, dns_follow_event_fn fn, void *arg, dns_follow_t **out)
{
	*out = NULL;
	if (!base || n == 0)
		return DNS_EINVAL;
	dns_follow_t *f = calloc(1, sizeof *f);
	if (!f)
		return DNS_ENOMEM;
	f->base = base;
	f->fn = fn;
	f->arg = arg;
	f->zones = calloc(n, sizeof *f->zones);
	f->nq = dns_netq_new(base);
	f->timer = evtimer_new(base, on_timer, f);
	dns_err_t e = f->zones && f->nq && f->timer ? DNS_OK : DNS_ENOMEM;
	uint64_t now = fol_now_ms();
	for (size_t i = 0; i < n && !e; i++, f->n++)
		e = zone_init(f, &f->zones[i], i, &zones[i], now);
	if (e) {
		dns_follow_free(f);
		return e;
	}
	*out = f;
	return DNS_OK;
}

dns_err_t dns_follow_load(dns_follow_t *f, size_t i, dns_zone_t *zone,
                          uint64_t last_contact_ms, bool *expired)
{
	uint32_t serial, refresh, retry, expire;
	if (i >= f->n || f->started || !sec_soa_fields(zone, &serial, &refresh, &retry, &expire))
		return DNS_EINVAL;
	fzone_t *z = &f->zones[i];
	dns_zone_unref(z->zone);
	z->zone = dns_zone_ref(zone);
	unsigned acts = sec_zone_sm_loaded(&z->sm, serial, refresh, retry, expire,
	                                   last_contact_ms, fol_now_ms());
	if (expired)
		*expired = (acts & SEC_ACT_EXPIRE) != 0;
	return DNS_OK;
}

void dns_follow_start(dns_follow_t *f)
{
	if (f->started)
		return;
	f->started = true;
	for (size_t i = 0; i < f->n; i++)
		if (f->zones[i].hidden)
			fol_hidden_start(&f->zones[i]);
	on_timer(-1, 0, f);
}

void dns_follow_notify(dns_follow_t *f, size_t i, bool has_serial, uint32_t serial)
{
	if (i < f->n)
		fol_notified(&f->zones[i], has_serial, serial);
}

void dns_follow_refresh(dns_follow_t *f, size_t i)
{
	if (i < f->n) {
		dns_log(DNS_LOG_INFO, "refresh asked", "zone", f->zones[i].name, NULL);
		fol_check(&f->zones[i], false, 0);
	}
}

void dns_follow_retransfer(dns_follow_t *f, size_t i)
{
	if (i >= f->n || !f->started)
		return;
	fzone_t *z = &f->zones[i];
	dns_log(DNS_LOG_INFO, "retransfer asked", "zone", z->name, NULL);
	act(z, sec_zone_sm_retransfer(&z->sm, fol_now_ms()));
	reschedule(f);
}

void dns_follow_free(dns_follow_t *f)
{
	if (!f)
		return;
	f->fn = NULL; /* no events while tearing down */
	for (size_t i = 0; i < f->n; i++) {
		fzone_t *z = &f->zones[i];
		dns_netq_cancel(z->op);
		fol_hidden_stop(z);
		dns_xfr_in_free(z->xin);
		dns_zone_unref(z->zone);
	}
	dns_netq_free(f->nq);
	if (f->timer)
		event_free(f->timer);
	free(f->zones);
	free(f);
}

size_t dns_follow_count(const dns_follow_t *f)
{
	return f->n;
}

size_t dns_follow_find(const dns_follow_t *f, const uint8_t *origin)
{
	for (size_t i = 0; i < f->n; i++)
		if (dns_name_equal(f->zones[i].origin, origin))
			return i;
	return (size_t)-1;
}

const char *dns_follow_name(const dns_follow_t *f, size_t i)
{
	return i < f->n ? f->zones[i].name : NULL;
}

const dns_zone_t *dns_follow_zone(const dns_follow_t *f, size_t i)
{
	return i < f->n ? f->zones[i].zone : NULL;
}

bool dns_follow_serving(const dns_follow_t *f, size_t i)
{
	return i < f->n && f->zones[i].zone && sec_zone_sm_serving(&f->zones[i].sm);
}

dns_follow_state_t dns_follow_state(const dns_follow_t *f, size_t i)
{
	if (i >= f->n)
		return DNS_FOLLOW_NO_DATA;
	switch (sec_zone_sm_state(&f->zones[i].sm)) {
	case SEC_ZONE_NO_DATA: return DNS_FOLLOW_NO_DATA;
	case SEC_ZONE_FRESH: return DNS_FOLLOW_FRESH;
	case SEC_ZONE_REFRESHING: return DNS_FOLLOW_REFRESHING;
	case SEC_ZONE_EXPIRED: return DNS_FOLLOW_EXPIRED_STATE;
	}
	return DNS_FOLLOW_NO_DATA;
}

const char *dns_follow_state_name(dns_follow_state_t st)
{
	switch (st) {
	case DNS_FOLLOW_NO_DATA: return "no-data";
	case DNS_FOLLOW_FRESH: return "fresh";
	case DNS_FOLLOW_REFRESHING: return "refreshing";
	case DNS_FOLLOW_EXPIRED_STATE: return "expired";
	}
	return "?";
}

uint32_t dns_follow_serial(const dns_follow_t *f, size_t i)
{
	return i < f->n ? f->zones[i].sm.serial : 0;
}

uint64_t dns_follow_last_contact(const dns_follow_t *f, size_t i)
{
	return i < f->n ? f->zones[i].sm.last_contact_ms : 0;
}

bool dns_follow_busy(const dns_follow_t *f, size_t i)
{
	return i < f->n && f->zones[i].sm.op != SEC_OP_NONE;
}

uint64_t dns_follow_expire_at(const dns_follow_t *f, size_t i)
{
	if (i >= f->n || !f->zones[i].sm.has_data)
		return 0;
	return f->zones[i].sm.last_contact_ms + (uint64_t)f->zones[i].sm.expire_s * 1000u;
}

bool dns_follow_registered(const dns_follow_t *f, size_t i)
{
	return i < f->n && f->zones[i].registered;
}
