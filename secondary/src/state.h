/*
 * state.h - what dns-secondary keeps in --state-dir, per zone:
 *
 *   <zone>.zone   the last applied version (dns_zonefile_write)
 *   <zone>.state  "serial N\nlast_contact_ms N\n": when the primary last
 *                 confirmed our copy, so the EXPIRE clock survives restarts
 *
 * Both are replaced atomically: written to a temporary file, fsync'ed,
 * renamed over the old one, and the directory fsync'ed.
 */
#ifndef SEC_STATE_H
#define SEC_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/error.h"
#include "dns/zone.h"

/* Create @dir and its missing parents (mode 0750), as the primary does
 * with its --state-dir; an existing directory is fine.  @err says why not. */
dns_err_t sec_state_dir_create(const char *dir, char *err, size_t errlen);

/* Write the zone file of @z for zone @name.  @err gets a message. */
dns_err_t sec_state_write_zone(const char *dir, const char *name, const dns_zone_t *z,
                               char *err, size_t errlen);

/* Write the state file. */
dns_err_t sec_state_write_meta(const char *dir, const char *name, uint32_t serial,
                               uint64_t last_contact_ms, char *err, size_t errlen);

/*
 * Load zone @name (origin @origin) from @dir.  DNS_ENOTFOUND when there is
 * no zone file; otherwise *zone is set, and *last_contact_ms is the stored
 * time (0 when the state file is missing, unreadable or for another serial).
 */
dns_err_t sec_state_load(const char *dir, const char *name, const uint8_t *origin,
                         dns_zone_t **zone, uint64_t *last_contact_ms, char *err,
                         size_t errlen);

/* The SOA fields of @z.  False when it has no well-formed SOA. */
bool sec_soa_fields(const dns_zone_t *z, uint32_t *serial, uint32_t *refresh,
                    uint32_t *retry, uint32_t *expire);

/* The same from SOA rdata (@len bytes, uncompressed names). */
bool sec_soa_rdata_fields(const uint8_t *rd, size_t len, uint32_t *serial, uint32_t *refresh,
                          uint32_t *retry, uint32_t *expire);

#endif
