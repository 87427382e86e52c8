/*
 * follow_int.h - what follow.c (refresh and transfers) and follow_hidden.c
 * (the kept connection of a hidden secondary) share.  Private to them.
 */
#ifndef SEC_FOLLOW_INT_H
#define SEC_FOLLOW_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/follow.h"
#include "dns/net_query.h"
#include "dns/tsig.h"
#include "dns/xfr.h"

#include "zone_sm.h"

typedef struct fzone {
	dns_follow_t *f;
	size_t index;
	uint8_t origin[DNS_NAME_MAX];
	char name[DNS_NAME_TEXT_MAX];
	dns_net_addr_t primary, source;
	bool has_source;
	dns_tsig_key_t key;
	bool has_key;
	bool hidden;
	dns_keystore_t *keys;        /* the zone's key alone: verifies NOTIFYs on the session */
	sec_zone_sm_t sm;
	dns_zone_t *zone;            /* the current version */
	/* the running SOA query or transfer */
	dns_netq_query_t *op;
	uint16_t op_id;
	uint8_t op_mac[DNS_TSIG_MAC_MAX];
	size_t op_mac_len;
	dns_xfr_in_t *xin;
	bool xfr_ixfr;               /* asked IXFR */
	dns_xfr_status_t xst;
	unsigned msgs;
	uint64_t op_start;           /* monotonic ms */
	/* hidden: the kept connection */
	dns_netq_query_t *sess;
	struct event *sess_timer;
	uint32_t backoff_ms;
	bool registered;
	uint64_t sess_start;         /* monotonic ms */
	uint16_t sess_id;
	uint8_t sess_mac[DNS_TSIG_MAC_MAX];
	size_t sess_mac_len;
} fzone_t;

struct dns_follow {
	struct event_base *base;
	dns_netq_t *nq;
	struct event *timer;
	fzone_t *zones;
	size_t n;
	dns_follow_event_fn fn;
	void *arg;
	bool started;
};

uint64_t fol_now_ms(void);   /* wall clock */
uint64_t fol_mono_ms(void);

/* An SOA query for @z signed with its key (when it has one): the ID and MAC
 * are kept in *id/mac to check the answer. */
dns_err_t fol_soa_query(const fzone_t *z, uint16_t id, uint8_t *buf, size_t cap, size_t *len,
                        uint8_t *mac, size_t *mac_len);
/* Check an answer to it and take the serial.  @err says why not. */
dns_err_t fol_soa_answer(const fzone_t *z, uint16_t id, const uint8_t *mac, size_t mac_len,
                         const uint8_t *msg, size_t len, uint32_t *serial, char *err,
                         size_t errlen);

/* A NOTIFY for @z, from any source: the state machine checks the primary. */
void fol_notified(fzone_t *z, bool has_serial, uint32_t serial);
/* The same without the log and event: check the primary now. */
void fol_check(fzone_t *z, bool has_serial, uint32_t serial);
void fol_emit(fzone_t *z, dns_follow_event_t *ev);

/* follow_hidden.c */
dns_err_t fol_hidden_init(fzone_t *z);
void fol_hidden_start(fzone_t *z);
void fol_hidden_stop(fzone_t *z);

#endif
