/*
 * follow.h - libdnsfollow: follow zones from their primaries (the zone
 * follower of dns-secondary and dns-letsencrypt-secondary).
 *
 * For each configured zone (name, primary address, TSIG key) it runs the
 * refresh state machine of RFC 1035 §3.3.13 and RFC 1996 (zone_sm.h,
 * sans-IO) and carries out what it asks for on a libevent base through
 * the suite's outgoing-query engine (dns/net_query.h): SOA queries over
 * UDP (TCP when truncated), AXFR and IXFR over TCP checked by dns_xfr_in
 * (TSIG on the stream, SOA first and last, records inside the zone), an
 * IXFR failure retried as AXFR at once, a failed refresh retried after
 * the SOA's RETRY, the zone expired after EXPIRE without contact.  No
 * threads: everything runs on the base's thread, and every network wait
 * is bounded.
 *
 * NOTIFY: the program verifies a NOTIFY it received (dispatch, TSIG) and
 * calls dns_follow_notify(); the follower checks the primary at once.
 *
 * Hidden secondary registration (docs/repository.md): with `hidden` a
 * zone keeps a TCP connection to its primary, opened with an SOA query
 * signed with the zone's key (a key with transfer authority makes the
 * primary keep it and send NOTIFYs on it).  NOTIFYs arriving there are
 * verified (TSIG with the zone's key, the zone's name), answered NOERROR
 * on the same connection and start a refresh.  When the connection drops
 * it is opened again after 1 s, doubling up to 60 s while it keeps
 * failing.
 *
 * The follower owns the current version of each zone and tells its
 * program what happened through one event callback (on the base's
 * thread).  It keeps no files: a program that persists zones loads them
 * with dns_follow_load() before dns_follow_start().
 *
 * Not thread-safe: call everything from the thread running the base.
 */
#ifndef DNS_FOLLOW_H
#define DNS_FOLLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/error.h"
#include "dns/keys.h"
#include "dns/net.h"
#include "dns/zone.h"

struct event_base;

typedef struct dns_follow dns_follow_t;

typedef struct dns_follow_zone_conf {
	const uint8_t *origin;          /* the zone (wire form) */
	dns_net_addr_t primary;
	const dns_net_addr_t *source;   /* our address toward the primary, or NULL */
	const dns_tsig_key_t *key;      /* signs requests, checks answers; NULL: none */
	bool hidden;                    /* register as a hidden secondary (needs key) */
} dns_follow_zone_conf_t;

typedef enum dns_follow_xfr {
	DNS_FOLLOW_AXFR,
	DNS_FOLLOW_IXFR,
} dns_follow_xfr_t;

typedef enum dns_follow_event_kind {
	DNS_FOLLOW_APPLIED,      /* a new version: zone, xfr, serial, records... */
	DNS_FOLLOW_CONTACT,      /* the primary confirmed our version: the EXPIRE
	                            clock restarts at last_contact_ms */
	DNS_FOLLOW_EXPIRED,      /* no contact for EXPIRE: stop answering the zone */
	DNS_FOLLOW_RESTORED,     /* contact again after expiry: answer it again */
	DNS_FOLLOW_FAILED,       /* an SOA query or transfer failed: error */
	DNS_FOLLOW_NOTIFIED,     /* a NOTIFY was accepted (serial when has_serial) */
	DNS_FOLLOW_REGISTERED,   /* hidden: the primary answered on the kept connection */
	DNS_FOLLOW_UNREGISTERED, /* hidden: the connection is lost (error); retry_ms */
} dns_follow_event_kind_t;

typedef struct dns_follow_event {
	dns_follow_event_kind_t kind;
	size_t zone_index;              /* into the configured zones */
	const char *name;               /* the zone, as text without the final dot */
	const dns_zone_t *zone;         /* APPLIED: the new version (ref it to keep it) */
	dns_follow_xfr_t xfr;           /* APPLIED: how it came */
	uint32_t serial;                /* APPLIED, CONTACT; NOTIFIED with has_serial */
	bool has_serial;
	uint64_t last_contact_ms;       /* wall clock */
	const char *error;              /* FAILED, UNREGISTERED */
	uint32_t retry_ms;              /* UNREGISTERED: reconnecting after this */
	size_t records;                 /* APPLIED: records received */
	unsigned messages;              /* APPLIED: messages received */
	double seconds;                 /* APPLIED: the transfer's duration */
} dns_follow_event_t;

typedef void (*dns_follow_event_fn)(void *arg, const dns_follow_event_t *ev);

typedef enum dns_follow_state {
	DNS_FOLLOW_NO_DATA = 0,  /* nothing to serve yet */
	DNS_FOLLOW_FRESH,        /* serving, idle until the next refresh */
	DNS_FOLLOW_REFRESHING,   /* an SOA query or transfer runs */
	DNS_FOLLOW_EXPIRED_STATE,/* EXPIRE passed without contact */
} dns_follow_state_t;

/* Bounds of the network work (milliseconds). */
#define DNS_FOLLOW_SOA_TIMEOUT_MS 6000    /* 3 datagrams, then TCP if truncated */
#define DNS_FOLLOW_XFR_TIMEOUT_MS 600000  /* a whole transfer */
#define DNS_FOLLOW_XFR_IDLE_MS 30000      /* connect, and between two messages */
#define DNS_FOLLOW_HIDDEN_MIN_MS 1000     /* reconnect backoff of a kept connection */
#define DNS_FOLLOW_HIDDEN_MAX_MS 60000

/*
 * A follower of @n zones (configuration copied) on @base, calling @fn
 * with @arg for every event.  Nothing runs before dns_follow_start().
 * DNS_EINVAL (a hidden zone without key, no zones), DNS_ENOMEM.
 */
dns_err_t dns_follow_new(struct event_base *base, const dns_follow_zone_conf_t *zones,
                         size_t n, dns_follow_event_fn fn, void *arg, dns_follow_t **out);

/*
 * Before start: zone @i has the saved version @zone (a reference is
 * taken), last confirmed by the primary at @last_contact_ms (wall clock;
 * 0 unknown).  *expired (may be NULL) tells whether EXPIRE has passed
 * since.  DNS_EINVAL when @zone has no usable SOA.
 */
dns_err_t dns_follow_load(dns_follow_t *f, size_t i, dns_zone_t *zone,
                          uint64_t last_contact_ms, bool *expired);

/* Start: the first SOA queries and the hidden registrations. */
void dns_follow_start(dns_follow_t *f);

/* A verified NOTIFY for zone @i (@serial, a hint, when @has_serial). */
void dns_follow_notify(dns_follow_t *f, size_t i, bool has_serial, uint32_t serial);

/* An operator asks (dns-ctl refresh): check the primary's serial now, as a
 * NOTIFY would (after the operation that runs, if one does). */
void dns_follow_refresh(dns_follow_t *f, size_t i);

/* An operator asks (dns-ctl retransfer): transfer the whole zone (AXFR)
 * now, whatever the serials say, or right after the operation that runs. */
void dns_follow_retransfer(dns_follow_t *f, size_t i);

/* Stop everything (no more events) and free; NULL is fine. */
void dns_follow_free(dns_follow_t *f);

size_t dns_follow_count(const dns_follow_t *f);
/* The index of zone @origin, or (size_t)-1. */
size_t dns_follow_find(const dns_follow_t *f, const uint8_t *origin);
const char *dns_follow_name(const dns_follow_t *f, size_t i);
/* The current version (NULL before the first transfer); valid until the
 * next event of that zone unless referenced. */
const dns_zone_t *dns_follow_zone(const dns_follow_t *f, size_t i);
/* Whether the zone may be answered from its data now (has data, not expired). */
bool dns_follow_serving(const dns_follow_t *f, size_t i);
dns_follow_state_t dns_follow_state(const dns_follow_t *f, size_t i);
const char *dns_follow_state_name(dns_follow_state_t st);
uint32_t dns_follow_serial(const dns_follow_t *f, size_t i);
uint64_t dns_follow_last_contact(const dns_follow_t *f, size_t i);
/* Whether an SOA query or a transfer of zone @i runs (or is due at once). */
bool dns_follow_busy(const dns_follow_t *f, size_t i);
/* When zone @i expires without contact (wall-clock ms); 0 without data. */
uint64_t dns_follow_expire_at(const dns_follow_t *f, size_t i);
/* Hidden: whether the kept connection is registered now. */
bool dns_follow_registered(const dns_follow_t *f, size_t i);

#endif
