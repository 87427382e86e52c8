/*
 * metrics_text.c - Prometheus text format: escaping and sample lines.
 */
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#include "dns/metrics_text.h"

#ifndef DNS_SUITE_VERSION
#define DNS_SUITE_VERSION "unknown"
#endif

/* Length of the valid UTF-8 sequence at @p (1..4), 0 if it is not one. */
static size_t utf8_len(const unsigned char *p)
{
	unsigned char c = p[0];
	size_t n;
	unsigned min;
	unsigned cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2, cp = c & 0x1F, min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3, cp = c & 0x0F, min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4, cp = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80) /* also stops at the NUL */
			return 0;
		cp = cp << 6 | (p[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n;
}

/* Calls @emit with the escaped text of @v, piece by piece. */
static void escape(const char *v, void (*emit)(void *, const char *, size_t), void *ctx)
{
	const unsigned char *p = (const unsigned char *)v;
	while (*p) {
		size_t n = utf8_len(p);
		if (*p == '\\')
			emit(ctx, "\\\\", 2);
		else if (*p == '"')
			emit(ctx, "\\\"", 2);
		else if (*p == '\n')
			emit(ctx, "\\n", 2);
		else if (n == 0)
			emit(ctx, "\xEF\xBF\xBD", 3);
		else
			emit(ctx, (const char *)p, n);
		p += n ? n : 1;
	}
}

static void emit_file(void *ctx, const char *s, size_t n)
{
	fwrite(s, 1, n, ctx);
}

void dns_metrics_label(FILE *out, const char *v)
{
	escape(v, emit_file, out);
}

typedef struct sbuf {
	char *out;
	size_t cap, len;
} sbuf_t;

static void emit_buf(void *ctx, const char *s, size_t n)
{
	sbuf_t *b = ctx;
	for (size_t i = 0; i < n; i++, b->len++)
		if (b->len + 1 < b->cap)
			b->out[b->len] = s[i];
}

size_t dns_metrics_label_buf(char *out, size_t cap, const char *v)
{
	sbuf_t b = { out, cap, 0 };
	escape(v, emit_buf, &b);
	if (cap)
		out[b.len < cap ? b.len : cap - 1] = '\0';
	return b.len;
}

void dns_metrics_head(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void labels(FILE *out, const char *name, va_list ap)
{
	fputs(name, out);
	bool first = true;
	for (;;) {
		const char *k = va_arg(ap, const char *);
		if (!k)
			break;
		const char *v = va_arg(ap, const char *);
		fputs(first ? "{" : ",", out);
		first = false;
		fputs(k, out);
		fputs("=\"", out);
		dns_metrics_label(out, v ? v : "");
		fputc('"', out);
	}
	if (!first)
		fputc('}', out);
}

void dns_metrics_u64(FILE *out, const char *name, uint64_t value, ...)
{
	va_list ap;
	va_start(ap, value);
	labels(out, name, ap);
	va_end(ap);
	fprintf(out, " %llu\n", (unsigned long long)value);
}

void dns_metrics_f64(FILE *out, const char *name, double value, ...)
{
	va_list ap;
	va_start(ap, value);
	labels(out, name, ap);
	va_end(ap);
	if (isnan(value))
		fputs(" NaN\n", out);
	else if (isinf(value))
		fputs(value > 0 ? " +Inf\n" : " -Inf\n", out);
	else
		fprintf(out, " %.10g\n", value);
}

const char *dns_suite_version(void)
{
	return DNS_SUITE_VERSION;
}

void dns_metrics_build_info(FILE *out, const char *program)
{
	dns_metrics_head(out, "dns_build_info", "gauge",
	                 "Always 1: the version of the program serving these metrics.");
	dns_metrics_u64(out, "dns_build_info", 1, "version", dns_suite_version(), "program", program,
	                NULL);
}
