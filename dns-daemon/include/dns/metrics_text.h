/*
 * metrics_text.h - writing the Prometheus text exposition format (0.0.4),
 * shared by every metrics writer of the suite so that label values are
 * escaped one way: a zone or file name holding a quote, a backslash or a
 * newline must not break the scrape.
 */
#ifndef DNS_DAEMON_METRICS_TEXT_H
#define DNS_DAEMON_METRICS_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * @v escaped as a label value (what goes between the quotes): backslash,
 * double quote and newline as \\, \" and \n; a byte that is not part of
 * valid UTF-8 as U+FFFD (the format is UTF-8).  The _buf form writes at
 * most @cap bytes with a NUL and returns the length the whole needs.
 */
void dns_metrics_label(FILE *out, const char *v);
size_t dns_metrics_label_buf(char *out, size_t cap, const char *v);

/* "# HELP NAME HELP\n# TYPE NAME TYPE\n" (TYPE: counter, gauge, summary...). */
void dns_metrics_head(FILE *out, const char *name, const char *type, const char *help);

/*
 * One sample: NAME{K1="V1",...} VALUE, the labels given as key/value pairs
 * ending with NULL (no pair: no braces).  Values are escaped.
 */
void dns_metrics_u64(FILE *out, const char *name, uint64_t value, ...)
	__attribute__((sentinel));
void dns_metrics_f64(FILE *out, const char *name, double value, ...) __attribute__((sentinel));

/* The suite's version ("0.1.0"). */
const char *dns_suite_version(void);

/* dns_build_info{version="...",program="PROGRAM"} 1, with its HELP/TYPE. */
void dns_metrics_build_info(FILE *out, const char *program);

#endif
