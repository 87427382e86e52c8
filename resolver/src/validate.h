/*
 * validate.h - the validator's parts shared by validate.c (what an answer
 * needs) and validate_chain.c (the chain of trust).
 */
#ifndef RESOLVER_VALIDATE_H
#define RESOLVER_VALIDATE_H

#include "dns/dnssec.h"
#include "dns/nsec.h"
#include "engine_int.h"
#include "keys.h"

#define VAL_MAX_DENIAL 32

typedef struct val_denial {
	dns_denial_rr_t rr[VAL_MAX_DENIAL];
	size_t n;
	uint32_t ttl;
} val_denial_t;

typedef enum val_zs {
	VAL_ZS_READY,   /* the zone's state is known */
	VAL_ZS_WAIT,    /* a DS or DNSKEY sub-fetch was started */
	VAL_ZS_FAIL,    /* no sub-fetch could be made */
	VAL_ZS_BUDGET,  /* the verification budget ran out */
} val_zs_t;

uint32_t val_unix_now(const res_engine_t *e, uint64_t now);
bool val_find_set(const res_result_t *r, int sec, const uint8_t *owner, uint16_t type,
                  dns_rrset_t *set, dns_rrset_t *sigs);
/* The NSEC/NSEC3 records of @r's authority section in @zone, each RRset
 * verified with @keys; a failure status if one does not verify. */
dns_dnssec_status_t val_collect_denial(res_engine_t *e, fetch_t *f, uint64_t now,
                                       const res_result_t *r, const uint8_t *zone,
                                       const dns_rrset_t *keys, val_denial_t *d);
/* The state of zone @z (secure with keys, insecure, bogus), or a wait. */
val_zs_t val_zone_state(res_engine_t *e, fetch_t *f, uint64_t now, const uint8_t *z,
                        res_kentry_t *out);

#endif
