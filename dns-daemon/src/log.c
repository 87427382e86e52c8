/*
 * log.c - logfmt lines on stderr.
 *
 * The level is the only process-wide setting; it is written once at start
 * (before any thread runs) and read afterwards, hence an atomic.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "dns/log.h"

#define DNS_LOG_LINE_MAX 4096

static atomic_int log_level = DNS_LOG_INFO;

static const char *const level_names[] = { "debug", "info", "warn", "error" };

void dns_log_set_level(dns_log_level_t level)
{
	atomic_store(&log_level, (int)level);
}

bool dns_log_enabled(dns_log_level_t level)
{
	return (int)level >= atomic_load_explicit(&log_level, memory_order_relaxed);
}

bool dns_log_level_parse(const char *text, dns_log_level_t *level)
{
	for (int i = 0; i < 4; i++) {
		if (strcasecmp(text, level_names[i]) == 0) {
			*level = (dns_log_level_t)i;
			return true;
		}
	}
	if (strcasecmp(text, "warning") == 0) {
		*level = DNS_LOG_WARN;
		return true;
	}
	return false;
}

typedef struct line {
	char buf[DNS_LOG_LINE_MAX];
	size_t len;
} line_t;

static void put(line_t *l, const char *s, size_t n)
{
	size_t room = sizeof(l->buf) - 2 - l->len; /* keep space for "\n\0" */
	if (n > room)
		n = room;
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

static void puts_(line_t *l, const char *s)
{
	put(l, s, strlen(s));
}

/* A value: bare when it is a plain token, else quoted with \" \\ \n escaped. */
static void put_value(line_t *l, const char *v)
{
	bool quote = *v == '\0';
	for (const char *p = v; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c >= 0x7f) {
			quote = true;
			break;
		}
	}
	if (!quote) {
		puts_(l, v);
		return;
	}
	put(l, "\"", 1);
	for (const char *p = v; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '"' || c == '\\') {
			char esc[2] = { '\\', (char)c };
			put(l, esc, 2);
		} else if (c == '\n') {
			put(l, "\\n", 2);
		} else if (c < ' ' || c == 0x7f) {
			char esc[8];
			snprintf(esc, sizeof(esc), "\\x%02x", c);
			puts_(l, esc);
		} else {
			put(l, p, 1);
		}
	}
	put(l, "\"", 1);
}

void dns_log(dns_log_level_t level, const char *msg, ...)
{
	if (!dns_log_enabled(level))
		return;
	line_t l;
	l.len = 0;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	char stamp[40];
	strftime(stamp, sizeof(stamp), "ts=%Y-%m-%dT%H:%M:%SZ level=", &tm);
	puts_(&l, stamp);
	puts_(&l, level_names[level]);
	puts_(&l, " msg=");
	put_value(&l, msg);
	va_list ap;
	va_start(ap, msg);
	for (;;) {
		const char *key = va_arg(ap, const char *);
		if (!key)
			break;
		const char *val = va_arg(ap, const char *);
		if (!val)
			continue;
		put(&l, " ", 1);
		puts_(&l, key);
		put(&l, "=", 1);
		put_value(&l, val);
	}
	va_end(ap);
	l.buf[l.len++] = '\n';
	/* One write(2) per line keeps lines whole between threads. */
	ssize_t w = write(STDERR_FILENO, l.buf, l.len);
	(void)w;
}
