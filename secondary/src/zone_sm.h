/*
 * zone_sm.h - the refresh state machine of one secondary zone, sans-IO.
 *
 * It follows RFC 1035 §3.3.13 (SOA timers) and RFC 1996 (NOTIFY): the
 * caller feeds it events (time passing, a NOTIFY, the outcome of an SOA
 * query or of a transfer) with the current time in milliseconds, and it
 * answers with actions for the adapter to carry out.  It owns no socket
 * and reads no clock, so tests drive it with a fake clock.
 *
 *   no data ──SOA query──▶ AXFR ──▶ fresh ──REFRESH──▶ SOA query
 *                                     ▲                 │ newer serial
 *                                     └──── IXFR ◀──────┘ (AXFR on failure)
 *   any failure: next attempt after RETRY; no contact for EXPIRE: expired
 *   (the zone is answered SERVFAIL until a refresh succeeds again).
 *
 * Times are wall-clock milliseconds so that the time of the last contact
 * can be persisted and compared after a restart.
 */
#ifndef SEC_ZONE_SM_H
#define SEC_ZONE_SM_H

#include <stdbool.h>
#include <stdint.h>

/* Timers used before the first SOA is known, and bounds on SOA values. */
#define SEC_SM_DEFAULT_RETRY_S 10
#define SEC_SM_MIN_REFRESH_S 1
#define SEC_SM_MAX_TIMER_S (28u * 24 * 3600) /* four weeks */

typedef enum sec_zone_state {
	SEC_ZONE_NO_DATA = 0, /* nothing to serve yet */
	SEC_ZONE_FRESH,       /* serving, idle until the next refresh */
	SEC_ZONE_REFRESHING,  /* serving (or not yet), an SOA query or transfer runs */
	SEC_ZONE_EXPIRED,     /* EXPIRE passed without contact: answering SERVFAIL */
} sec_zone_state_t;

/* Action bits returned by every event function. */
#define SEC_ACT_SOA_QUERY 0x01 /* ask the primary for its SOA */
#define SEC_ACT_TRANSFER  0x02 /* start a transfer of kind sm->xfr_kind (TCP) */
#define SEC_ACT_PUBLISH   0x04 /* serve the zone just transferred (or again) */
#define SEC_ACT_PERSIST   0x08 /* write the zone and the state file */
#define SEC_ACT_EXPIRE    0x10 /* stop answering: SERVFAIL from now on */
#define SEC_ACT_SAVE_STATE 0x20 /* write only the state file (contact time) */

typedef enum sec_op {
	SEC_OP_NONE = 0,
	SEC_OP_SOA,
	SEC_OP_TRANSFER,
} sec_op_t;

typedef struct sec_zone_sm {
	bool has_data;
	bool expired;
	uint32_t serial;
	uint32_t refresh_s, retry_s, expire_s; /* from our SOA */
	uint64_t last_contact_ms;  /* last successful refresh or transfer */
	uint64_t next_check_ms;    /* when the next SOA query is due (idle only) */
	sec_op_t op;               /* what runs now */
	bool xfr_ixfr;             /* the running/next transfer is IXFR (else AXFR) */
	bool notified;             /* a NOTIFY came in while busy: check again after */
	bool force_axfr;           /* a retransfer was asked while busy: AXFR after */
	bool has_hint;             /* the last NOTIFY carried a serial newer than ours */
	uint32_t hint;
	unsigned hint_tries;       /* quick rechecks made for that hint */
} sec_zone_sm_t;

/* A NOTIFY announced a newer serial than the primary then answered (its
 * answer came from a copy not yet switched): recheck after this long, at
 * most this many times. */
#define SEC_SM_HINT_RECHECK_MS 1000
#define SEC_SM_HINT_TRIES 5

/* A zone with no data: the first SOA query is due at @now. */
void sec_zone_sm_init(sec_zone_sm_t *sm, uint64_t now);

/*
 * A zone loaded from the state directory with @serial and SOA timers,
 * last contact at @last_contact_ms (0 if unknown: counts as now minus
 * nothing, i.e. the zone is expired only if EXPIRE is 0).  Returns
 * SEC_ACT_PUBLISH, or SEC_ACT_EXPIRE when EXPIRE has passed since then.
 * An SOA query is due at once either way.
 */
unsigned sec_zone_sm_loaded(sec_zone_sm_t *sm, uint32_t serial, uint32_t refresh_s,
                            uint32_t retry_s, uint32_t expire_s, uint64_t last_contact_ms,
                            uint64_t now);

/* Time passes: may start an SOA query or expire the zone. */
unsigned sec_zone_sm_tick(sec_zone_sm_t *sm, uint64_t now);

/* Earliest time at which tick has something to do (UINT64_MAX: never). */
uint64_t sec_zone_sm_deadline(const sec_zone_sm_t *sm);

/* An authenticated NOTIFY from the primary: check at once (RFC 1996 §3.11:
 * the serial it may carry, @has_serial/@serial, is only a hint; when the
 * check answers an older serial than that, it is repeated a few times
 * shortly after). */
unsigned sec_zone_sm_notify(sec_zone_sm_t *sm, bool has_serial, uint32_t serial, uint64_t now);

/*
 * An operator asks for the whole zone again (`dns-ctl retransfer`): an
 * AXFR at once, whatever the serials say, or right after the operation
 * that runs now.
 */
unsigned sec_zone_sm_retransfer(sec_zone_sm_t *sm, uint64_t now);

/*
 * The SOA query ended: @ok with the primary's @serial, or failed.  A newer
 * serial (or no data) starts a transfer (AXFR without data, else IXFR); an
 * equal or older one counts as contact (RFC 1035: the zone is current).
 */
unsigned sec_zone_sm_soa_result(sec_zone_sm_t *sm, bool ok, uint32_t serial, uint64_t now);

/*
 * The transfer ended.  @ok: complete and consistent, the new zone has
 * @serial and SOA timers (@uptodate: the primary had nothing newer).
 * On failure an IXFR is retried at once as AXFR (RFC 1995 §4 fallback);
 * a failed AXFR waits RETRY.
 */
unsigned sec_zone_sm_xfr_result(sec_zone_sm_t *sm, bool ok, bool uptodate, uint32_t serial,
                                uint32_t refresh_s, uint32_t retry_s, uint32_t expire_s,
                                uint64_t now);

sec_zone_state_t sec_zone_sm_state(const sec_zone_sm_t *sm);
const char *sec_zone_state_name(sec_zone_state_t st);

/* Whether the zone may be answered from its data now. */
static inline bool sec_zone_sm_serving(const sec_zone_sm_t *sm)
{
	return sm->has_data && !sm->expired;
}

#endif
