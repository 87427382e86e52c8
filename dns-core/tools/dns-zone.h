/*
 * dns-zone.h - the parts of the dns-zone command (one file per command
 * group, shared helpers in dns-zone-common.c).
 */
#ifndef DNS_ZONE_TOOL_H
#define DNS_ZONE_TOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/name.h"
#include "dns/zonefile.h"

#define EXIT_FINDINGS 1
#define EXIT_USAGE 2

/* The command line, parsed but not interpreted. */
typedef struct zt_args {
	const char *cmd;
	const char *origin;  /* --origin NAME */
	const char *old;     /* --old OLDFILE */
	const char *root;    /* --root DIR */
	const char *min;     /* --min SERIAL */
	const char *above;   /* --above OLDFILE */
	char **files;
	int nfiles;
} zt_args_t;

int zt_check(const zt_args_t *a);
int zt_print(const zt_args_t *a);
int zt_check_keys(const zt_args_t *a);
int zt_bump_serial(const zt_args_t *a);
int zt_layout(const zt_args_t *a);

/* ---- shared helpers (dns-zone-common.c) ---- */

/* A dns_zf_error_fn printing "file:line:col: message" to stderr. */
void zt_print_finding(void *ctx, const dns_zf_pos_t *pos, const char *msg);

/* The zone of FILE: --origin, else its base name (as a zone file of a
 * repository is named).  False when that is not a domain name. */
bool zt_origin_of(const char *opt_origin, const char *path, uint8_t out[DNS_NAME_MAX]);

/* The whole of @path (a file, a pipe such as <(git show ...)), malloc'd
 * and NUL-terminated.  False with a reason in @msg. */
bool zt_read_file(const char *path, char **text, size_t *len, char *msg, size_t msglen);

/* The SOA serial at @origin of the zone file @path (its own text only:
 * $INCLUDE is not followed).  Returns 0 with *found set or not, or
 * EXIT_USAGE when the file cannot be read (reported). */
int zt_file_serial(const char *path, const uint8_t *origin, bool *found, uint32_t *serial);

/*
 * Where $INCLUDE files come from.  With a repository root (--root DIR),
 * paths are relative to DIR and must pass dns_layout_include_ok (the
 * primary's rule); symbolic links are refused, as the primary reads the
 * commit's files, never links.  Otherwise paths are relative to the zone
 * file's directory and must stay inside it.
 */
typedef struct zt_includes {
	char *dir;   /* real path of the directory paths are relative to */
	bool repo;   /* the repository rules apply */
} zt_includes_t;

/* Set up for the zone file @file; false (reported) when @root or the
 * file's directory cannot be resolved. */
bool zt_includes_init(zt_includes_t *inc, const char *root, const char *file);
void zt_includes_free(zt_includes_t *inc);
/* Make @opt resolve $INCLUDE through @inc. */
void zt_includes_use(zt_includes_t *inc, dns_zf_options_t *opt);

#endif
