/*
 * layout.h - the rules of a zone repository's layout, in one place for
 * the primary, the `dns-zone` command and the git hooks.
 *
 * Files at the repository root:
 *
 *   example.com        a zone, named by the file (parsed as a domain name
 *                      relative to the root: "EXAMPLE.COM" and
 *                      "\101xample.com" name the same zone as "example.com")
 *   _keys              TSIG keys for every zone
 *   example.com._keys  TSIG keys of example.com and the zones below it
 *   common.inc         text for $INCLUDE, never a zone of its own
 *   .*, README*, LICENSE*, COPYING*, Makefile*, *.md, *.txt, *.sh,
 *   *-receive, *.sample, *~, *.orig, *.rej, *.swp
 *                      skipped (documentation, hooks, editor leftovers)
 *
 * Subdirectories hold no zones.  In a repository zone, $INCLUDE paths are
 * relative to the repository root and may name a root "*.inc" file or any
 * file in a (non-hidden) subdirectory of the same commit.
 */
#ifndef DNS_LAYOUT_H
#define DNS_LAYOUT_H

#include <stdbool.h>
#include <stdint.h>

#include "dns/name.h"

typedef enum dns_layout_kind {
	DNS_LAYOUT_ZONE,     /* a zone file */
	DNS_LAYOUT_KEYS,     /* "_keys" or "<zone>._keys" */
	DNS_LAYOUT_INCLUDE,  /* "*.inc": meant for $INCLUDE, never a zone */
	DNS_LAYOUT_SKIP,     /* not part of the zone data (docs, hooks, hidden...) */
	DNS_LAYOUT_INVALID,  /* would be a zone, but is not a valid domain name */
} dns_layout_kind_t;

/*
 * Classify the root file @name (no '/').  ZONE and KEYS: *origin gets the
 * zone, lower-cased (the root for "_keys").  SKIP and INVALID: *why (if
 * not NULL) says why, a static string; for the others it is set to NULL.
 */
dns_layout_kind_t dns_layout_classify(const char *name, uint8_t origin[DNS_NAME_MAX],
                                      const char **why);

/* "zone", "keys", "include", "skip", "invalid". */
const char *dns_layout_kind_name(dns_layout_kind_t kind);

/*
 * Whether @path, as written in $INCLUDE in a repository zone (escapes
 * removed), may be included: relative to the repository root, no "..",
 * "." or empty components, no hidden component, no control characters,
 * and not itself a root zone or key file (a root "*.inc" file or any file
 * in a subdirectory).  When not, *why (if not NULL) says why.
 */
bool dns_layout_include_ok(const char *path, const char **why);

#endif
