/*
 * zone_sm.c - refresh state machine of one secondary zone (see zone_sm.h).
 *
 * Every event function returns the actions the adapter must take, and
 * leaves sm->op saying which outcome it expects next; the adapter must
 * report every SOA query and transfer it starts, success or failure.
 */
#include <stddef.h>

#include "dns/serial.h"

#include "zone_sm.h"

static uint32_t clamp_timer(uint32_t s)
{
	if (s < SEC_SM_MIN_REFRESH_S)
		return SEC_SM_MIN_REFRESH_S;
	if (s > SEC_SM_MAX_TIMER_S)
		return SEC_SM_MAX_TIMER_S;
	return s;
}

static uint64_t after(uint64_t now, uint32_t seconds)
{
	return now + (uint64_t)seconds * 1000u;
}

/* The retry interval: the SOA's once known, a default before. */
static uint32_t retry_of(const sec_zone_sm_t *sm)
{
	return sm->has_data ? sm->retry_s : SEC_SM_DEFAULT_RETRY_S;
}

static void set_timers(sec_zone_sm_t *sm, uint32_t refresh_s, uint32_t retry_s,
                       uint32_t expire_s)
{
	sm->refresh_s = clamp_timer(refresh_s);
	sm->retry_s = clamp_timer(retry_s);
	/* EXPIRE may legitimately be short, but never zero (that would expire
	 * the zone the moment it is transferred). */
	sm->expire_s = clamp_timer(expire_s);
}

void sec_zone_sm_init(sec_zone_sm_t *sm, uint64_t now)
{
	*sm = (sec_zone_sm_t){ 0 };
	sm->next_check_ms = now;
}

unsigned sec_zone_sm_loaded(sec_zone_sm_t *sm, uint32_t serial, uint32_t refresh_s,
                            uint32_t retry_s, uint32_t expire_s, uint64_t last_contact_ms,
                            uint64_t now)
{
	sec_zone_sm_init(sm, now);
	sm->has_data = true;
	sm->serial = serial;
	set_timers(sm, refresh_s, retry_s, expire_s);
	/* A contact time in the future (clock stepped back) counts as now. */
	sm->last_contact_ms = last_contact_ms && last_contact_ms <= now ? last_contact_ms : now;
	if (now >= after(sm->last_contact_ms, sm->expire_s)) {
		sm->expired = true;
		return SEC_ACT_EXPIRE;
	}
	return SEC_ACT_PUBLISH;
}

static unsigned start_soa(sec_zone_sm_t *sm)
{
	sm->op = SEC_OP_SOA;
	sm->notified = false;
	return SEC_ACT_SOA_QUERY;
}

static unsigned start_axfr(sec_zone_sm_t *sm)
{
	sm->op = SEC_OP_TRANSFER;
	sm->xfr_ixfr = false;
	sm->force_axfr = false;
	return SEC_ACT_TRANSFER;
}

unsigned sec_zone_sm_retransfer(sec_zone_sm_t *sm, uint64_t now)
{
	(void)now;
	if (sm->op != SEC_OP_NONE) {
		sm->force_axfr = true;
		return 0;
	}
	return start_axfr(sm);
}

unsigned sec_zone_sm_tick(sec_zone_sm_t *sm, uint64_t now)
{
	unsigned acts = 0;
	if (sm->has_data && !sm->expired && now >= after(sm->last_contact_ms, sm->expire_s)) {
		sm->expired = true;
		acts |= SEC_ACT_EXPIRE;
	}
	if (sm->op == SEC_OP_NONE && now >= sm->next_check_ms)
		acts |= start_soa(sm);
	return acts;
}

uint64_t sec_zone_sm_deadline(const sec_zone_sm_t *sm)
{
	uint64_t d = UINT64_MAX;
	if (sm->op == SEC_OP_NONE)
		d = sm->next_check_ms;
	if (sm->has_data && !sm->expired) {
		uint64_t e = after(sm->last_contact_ms, sm->expire_s);
		if (e < d)
			d = e;
	}
	return d;
}

unsigned sec_zone_sm_notify(sec_zone_sm_t *sm, bool has_serial, uint32_t serial, uint64_t now)
{
	(void)now;
	if (has_serial && (!sm->has_data || dns_serial_gt(serial, sm->serial))) {
		sm->has_hint = true;
		sm->hint = serial;
		sm->hint_tries = 0;
	}
	if (sm->op != SEC_OP_NONE) {
		/* The running check may already be stale: run another after it. */
		sm->notified = true;
		return 0;
	}
	return start_soa(sm);
}

/* The primary answered and we are current: the EXPIRE clock restarts. */
static unsigned contact(sec_zone_sm_t *sm, uint64_t now)
{
	unsigned acts = SEC_ACT_SAVE_STATE;
	sm->last_contact_ms = now;
	sm->next_check_ms = after(now, sm->refresh_s);
	if (sm->expired) {
		sm->expired = false;
		acts |= SEC_ACT_PUBLISH;
	}
	return acts;
}

/* After an operation ended: a retransfer asked meanwhile runs, else a
 * NOTIFY that came meanwhile gets its check. */
static unsigned pending_notify(sec_zone_sm_t *sm)
{
	if (sm->force_axfr)
		return start_axfr(sm);
	return sm->notified ? start_soa(sm) : 0;
}

unsigned sec_zone_sm_soa_result(sec_zone_sm_t *sm, bool ok, uint32_t serial, uint64_t now)
{
	if (sm->op != SEC_OP_SOA)
		return 0;
	sm->op = SEC_OP_NONE;
	if (!ok) {
		sm->next_check_ms = after(now, retry_of(sm));
		sm->notified = false;
		return sm->force_axfr ? start_axfr(sm) : 0;
	}
	if (!sm->has_data || dns_serial_gt(serial, sm->serial)) {
		sm->notified = false;
		if (sm->force_axfr || !sm->has_data)
			return start_axfr(sm);
		sm->op = SEC_OP_TRANSFER;
		sm->xfr_ixfr = true;
		return SEC_ACT_TRANSFER;
	}
	unsigned acts = contact(sm, now);
	if (sm->has_hint && dns_serial_gt(sm->hint, serial) && sm->hint_tries < SEC_SM_HINT_TRIES) {
		sm->hint_tries++;
		sm->next_check_ms = now + SEC_SM_HINT_RECHECK_MS;
	} else {
		sm->has_hint = false;
	}
	return acts | pending_notify(sm);
}

unsigned sec_zone_sm_xfr_result(sec_zone_sm_t *sm, bool ok, bool uptodate, uint32_t serial,
                                uint32_t refresh_s, uint32_t retry_s, uint32_t expire_s,
                                uint64_t now)
{
	if (sm->op != SEC_OP_TRANSFER)
		return 0;
	sm->op = SEC_OP_NONE;
	if (!ok) {
		if (sm->xfr_ixfr) {
			/* RFC 1995 §4: a server that cannot do IXFR may answer
			 * with an error; fall back to AXFR at once. */
			return start_axfr(sm);
		}
		sm->next_check_ms = after(now, retry_of(sm));
		return pending_notify(sm);
	}
	unsigned acts;
	if (uptodate && !sm->has_data) {
		/* Nothing to serve came back: as good as a failure. */
		sm->next_check_ms = after(now, retry_of(sm));
		return pending_notify(sm);
	}
	if (uptodate) {
		acts = contact(sm, now);
	} else {
		sm->has_data = true;
		sm->serial = serial;
		if (sm->has_hint && !dns_serial_gt(sm->hint, serial))
			sm->has_hint = false;
		set_timers(sm, refresh_s, retry_s, expire_s);
		sm->expired = false;
		sm->last_contact_ms = now;
		sm->next_check_ms = after(now, sm->refresh_s);
		acts = SEC_ACT_PUBLISH | SEC_ACT_PERSIST;
	}
	return acts | pending_notify(sm);
}

sec_zone_state_t sec_zone_sm_state(const sec_zone_sm_t *sm)
{
	if (sm->has_data && sm->expired)
		return SEC_ZONE_EXPIRED;
	if (sm->op != SEC_OP_NONE)
		return SEC_ZONE_REFRESHING;
	if (!sm->has_data)
		return SEC_ZONE_NO_DATA;
	return SEC_ZONE_FRESH;
}

const char *sec_zone_state_name(sec_zone_state_t st)
{
	switch (st) {
	case SEC_ZONE_NO_DATA: return "no-data";
	case SEC_ZONE_FRESH: return "fresh";
	case SEC_ZONE_REFRESHING: return "refreshing";
	case SEC_ZONE_EXPIRED: return "expired";
	}
	return "?";
}
