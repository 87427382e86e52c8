/*
 * notify_targets.h - where the NOTIFYs of a changed zone go (the spec):
 * the addresses of the zone's NS names except the SOA MNAME's (A/AAAA
 * found in the served zones), the secondaries encoded in transfer key
 * names, and the --notify targets, each with the key to sign with.
 * Hidden secondaries (kept connections) are the daemon's.
 */
#ifndef PG_NOTIFY_TARGETS_H
#define PG_NOTIFY_TARGETS_H

#include <stdbool.h>
#include <stddef.h>

#include "dns/keys.h"
#include "dns/net.h"
#include "dns/notify.h"
#include "dns/zoneset.h"

#define PG_MAX_TARGETS 256

typedef struct pg_ntarget {
	dns_notify_target_t t;
	const dns_tsig_key_t *key;   /* into the key store; NULL: unsigned */
} pg_ntarget_t;

/* The key to sign a NOTIFY of @zone to IPv4/IPv6 @sa with: the transfer
 * key naming that secondary, else any transfer key of the zone, or NULL. */
const dns_tsig_key_t *pg_notify_key(const dns_keystore_t *keys, const uint8_t *zone,
                                    const struct sockaddr *sa);

/* Fill @out (at most @max) with the targets of @zone; returns how many. */
size_t pg_notify_targets(const dns_zoneset_t *zones, const dns_keystore_t *keys,
                         const dns_zone_t *zone, const dns_net_addr_t *extra, size_t nextra,
                         pg_ntarget_t *out, size_t max);

#endif
