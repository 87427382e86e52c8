/*
 * authority.h - what a TSIG key may do, read from its name (docs/repository.md,
 * the convention of the OCaml suite).
 *
 * A key name carries an operation label, `_update`, `_transfer` or
 * `_notify` (case-insensitive).  The rightmost such label decides; the
 * zone is the name to its right (the root means every zone), and the key
 * covers that zone and all its subdomains.  Privileges nest:
 * update ⊇ transfer ⊇ notify.  Examples:
 *
 *     alice._update.example.com.     update/transfer/notify example.com and below
 *     sec._transfer.example.com.     transfer/notify example.com and below
 *     ops._update.                   everything, every zone
 *     a._update.x._notify.example.   only notify example. (rightmost decides)
 *
 * A transfer key may name its peers: the 8 labels immediately left of
 * `_transfer` are the IPv4 addresses of the primary then the secondary,
 * `<primary-ip>.<secondary-ip>._transfer.<zone>`, e.g.
 * `192.0.2.1.198.51.100.7._transfer.example.com.`.
 */
#ifndef DNS_AUTHORITY_H
#define DNS_AUTHORITY_H

#include <stdbool.h>
#include <stdint.h>

#include "dns/error.h"

typedef enum dns_op {
	DNS_OP_NOTIFY = 0,
	DNS_OP_TRANSFER = 1,
	DNS_OP_UPDATE = 2,
} dns_op_t;

/*
 * The operation of a key and the zone it covers (*zone points into
 * @keyname, the root when the operation label is the last).
 * Errors: DNS_ENOTFOUND (no operation label: the key grants nothing).
 */
dns_err_t dns_key_operation(const uint8_t *keyname, dns_op_t *op, const uint8_t **zone);

/* @keyname permits @op on @zone (a well-formed wire name). */
bool dns_key_authorizes(const uint8_t *keyname, dns_op_t op, const uint8_t *zone);

/*
 * The addresses of a transfer key, network byte order.  The deciding
 * operation label must be `_transfer` with at least 8 labels left of it.
 * Errors: DNS_ENOTFOUND (not a transfer key, or fewer than 8 labels),
 * DNS_ESYNTAX (a label is not a decimal number 0..255 of 1-3 digits).
 */
dns_err_t dns_key_transfer_addrs(const uint8_t *keyname, uint8_t primary[4],
                                 uint8_t secondary[4]);

#endif
