/*
 * follow.h - following the remote branch when it no longer contains the
 * local head: a force-push or rewind made straight to the remote (where
 * our hooks may not run), or local commits that never reached it.
 *
 * The remote is the source of truth: the local branch is reset to the
 * remote head and that head is served.  What this means is logged as
 * warnings the operator can act on: which commits were left, whether the
 * remote was rewound or rewritten into another history, and which zones
 * now declare a serial that is not above the one served before (a
 * secondary holding the higher serial does not transfer a lower one, RFC
 * 1982: the serial must be raised again).
 */
#ifndef PG_FOLLOW_H
#define PG_FOLLOW_H

#include <stdbool.h>
#include <stddef.h>

#include "gitrepo.h"

/* "rewind" when the remote head is an ancestor of the local head, else
 * "divergent" (meaningful when @res->ahead). */
const char *pg_follow_kind(const gitrepo_fetch_result_t *res);

/*
 * @res is the fetch that found @res->ahead.  Log why the local head is
 * left behind (@at_start: found when the daemon started), reset the local
 * branch to the remote head (*head receives it) and warn about the zones
 * whose serial did not go up (pg_follow_check_serials).  On error nothing
 * was moved (logged).
 */
dns_err_t pg_follow_remote(gitrepo_t *repo, const gitrepo_fetch_result_t *res, bool at_start,
                           gitrepo_oid_t *head);

/*
 * For every zone file of @neu whose blob differs from its blob in @old,
 * compare the SOA serials the two versions declare: when the new one is
 * not greater (RFC 1982), log a warning naming the zone, both serials and
 * the remedy.  Returns the number of such zones.
 */
size_t pg_follow_check_serials(gitrepo_t *repo, const gitrepo_oid_t *old,
                               const gitrepo_oid_t *neu);

#endif
