/*
 * local.h - zones the resolver serves itself (--local-zone FILE).
 *
 * Each file is a zone file loaded with dns-core's zone loader; its origin
 * is the owner of its SOA record.  Questions at or below a local zone are
 * answered by dns-core's authoritative answer function (dns/answer.h),
 * never resolved: internal names, or names that must not leak upstream.
 */
#ifndef RESOLVER_LOCAL_H
#define RESOLVER_LOCAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dns/error.h"
#include "dns/zoneset.h"

/* Load the zone files @paths[0..n-1] into a zone set (*out; NULL when
 * n == 0).  On error, a message naming the file and line is in @err. */
dns_err_t res_local_load(const char *const *paths, size_t n, dns_zoneset_t **out,
                         char *err, size_t errlen);

/*
 * Answer @req (a parsed query for @qname) from the local zones when
 * @qname is at or below one of them: the response (AA, and RA since we
 * are a resolver) is written to @out and true returned.  False when no
 * local zone covers @qname.
 */
bool res_local_answer(const dns_zoneset_t *zones, const uint8_t *qname, const uint8_t *req,
                      size_t reqlen, bool tcp, const struct sockaddr *peer, uint8_t *out,
                      size_t cap, size_t *outlen);

#endif
