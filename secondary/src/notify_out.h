/*
 * notify_out.h - where dns-secondary announces a new version of a zone
 * (chains of secondaries, RFC 1996 §3.6 applied to a secondary that is a
 * primary for others):
 *
 *   - the --notify targets of the zone, and those given for every zone;
 *   - the secondary address of every --transfer-key named
 *     <primary-ip>.<secondary-ip>._transfer.<zone> (docs/repository.md) with
 *     transfer authority over the zone, when <primary-ip> is one of our
 *     IPv4 listen addresses (or we listen on 0.0.0.0), port 53.
 *
 * Each target gets the key to sign with: the transfer key naming that
 * secondary's address, else any --transfer-key with transfer authority
 * over the zone, else none.  Our own listen addresses are never targets.
 * Pure functions of the configuration (no IO).
 */
#ifndef SEC_NOTIFY_OUT_H
#define SEC_NOTIFY_OUT_H

#include <stddef.h>
#include <sys/socket.h>

#include "dns/keys.h"
#include "dns/notify.h"

#include "config.h"

#define SEC_MAX_NOTIFY_TARGETS 256

typedef struct sec_ntarget {
	dns_notify_target_t t;
	const dns_tsig_key_t *key;   /* into c->xfr_keys; NULL: unsigned */
} sec_ntarget_t;

/* The key to sign a NOTIFY of @zone to @sa with (see above), or NULL. */
const dns_tsig_key_t *sec_notify_key(const sec_config_t *c, const uint8_t *zone,
                                     const struct sockaddr *sa);

/* Fill @out (at most @max) with the targets of zone entry @zi; returns how
 * many (duplicates removed). */
size_t sec_notify_targets(const sec_config_t *c, size_t zi, sec_ntarget_t *out, size_t max);

#endif
