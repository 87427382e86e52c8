/*
 * conf_file.h - the --config file of the suite's daemons: the command
 * line's options, one per line.
 *
 *     # dns-primary-git
 *     --remote /srv/git/zones.git
 *     listen 0.0.0.0:53
 *     listen=[::]:53
 *     axfr
 *
 * Each line is an option name, with or without its leading "--", then
 * its value if it takes one: after white space or '=', to the end of the
 * line (so values may hold spaces and '#'), white space around it
 * removed, and one pair of double quotes around it too if present.
 * Blank lines and lines whose first non-blank character is '#' are
 * skipped.  Parsing is sans-IO (text in, items out); reading the file is
 * dns_conf_read's.
 */
#ifndef DNS_DAEMON_CONF_FILE_H
#define DNS_DAEMON_CONF_FILE_H

#include <stdbool.h>
#include <stddef.h>

#include "dns/error.h"

/* Longest line, and largest file dns_conf_read reads. */
#define DNS_CONF_LINE_MAX 4096
#define DNS_CONF_FILE_MAX (1024 * 1024)

typedef struct dns_conf_item {
	char *flag;       /* "--name" */
	char *value;      /* NULL when the line has none */
	unsigned line;    /* 1-based */
} dns_conf_item_t;

typedef struct dns_conf {
	dns_conf_item_t *items;
	size_t n;
} dns_conf_t;

/*
 * Parse @len bytes of @text into @out (freed with dns_conf_free, also on
 * error).  On error, DNS_ESYNTAX (or DNS_ELIMIT, DNS_ENOMEM) with the
 * line in *err_line and the reason in @err, e.g. "option names are
 * letters, digits and '-': \"-x\"".
 */
dns_err_t dns_conf_parse(const char *text, size_t len, dns_conf_t *out, unsigned *err_line,
                         char *err, size_t errlen);

/* Read and parse @path; errors read "PATH:LINE: reason" or "PATH: reason". */
dns_err_t dns_conf_read(const char *path, dns_conf_t *out, char *err, size_t errlen);

/* An option's decimal number in [@min, @max]: digits only (no sign, no
 * space, no suffix), no overflow.  The one number rule of every daemon's
 * options, on the command line and in the file alike. */
bool dns_conf_parse_ulong(const char *s, unsigned long min, unsigned long max,
                          unsigned long *out);

void dns_conf_free(dns_conf_t *c);

#endif
