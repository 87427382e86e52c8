/*
 * log.c - logfmt lines on stderr (see log.h).  The level is set once at
 * start and read by every thread afterwards, hence an atomic.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define SEC_LOG_LINE_MAX 4096

static atomic_int min_level = SEC_LOG_INFO;

static const char *const names[] = { "debug", "info", "warn", "error" };

void sec_log_set_level(sec_level_t level)
{
	atomic_store(&min_level, (int)level);
}

bool sec_log_enabled(sec_level_t level)
{
	return (int)level >= atomic_load_explicit(&min_level, memory_order_relaxed);
}

bool sec_log_level_parse(const char *text, sec_level_t *level)
{
	for (int i = 0; i < 4; i++) {
		if (strcasecmp(text, names[i]) == 0) {
			*level = (sec_level_t)i;
			return true;
		}
	}
	if (strcasecmp(text, "warning") == 0) {
		*level = SEC_LOG_WARN;
		return true;
	}
	return false;
}

typedef struct line {
	char buf[SEC_LOG_LINE_MAX];
	size_t len;
} line_t;

/* Append, silently cutting what does not fit (room is kept for "\n"). */
static void add(line_t *l, const char *s, size_t n)
{
	size_t room = sizeof(l->buf) - 1 - l->len;
	if (n > room)
		n = room;
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

static void add_str(line_t *l, const char *s)
{
	add(l, s, strlen(s));
}

static bool needs_quotes(const char *v)
{
	if (*v == '\0')
		return true;
	for (; *v; v++) {
		unsigned char c = (unsigned char)*v;
		if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c >= 0x7f)
			return true;
	}
	return false;
}

static void add_value(line_t *l, const char *v)
{
	if (!needs_quotes(v)) {
		add_str(l, v);
		return;
	}
	add(l, "\"", 1);
	for (; *v; v++) {
		unsigned char c = (unsigned char)*v;
		if (c == '"' || c == '\\') {
			add(l, "\\", 1);
			add(l, v, 1);
		} else if (c == '\n') {
			add(l, "\\n", 2);
		} else if (c < ' ' || c == 0x7f) {
			char esc[8];
			snprintf(esc, sizeof esc, "\\x%02x", c);
			add_str(l, esc);
		} else {
			add(l, v, 1);
		}
	}
	add(l, "\"", 1);
}

void sec_log(sec_level_t level, const char *msg, ...)
{
	if (!sec_log_enabled(level))
		return;
	line_t l;
	l.len = 0;
	char ts[32];
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
	add_str(&l, "ts=");
	add_str(&l, ts);
	add_str(&l, " level=");
	add_str(&l, names[level]);
	add_str(&l, " msg=");
	add_value(&l, msg);
	va_list ap;
	va_start(ap, msg);
	for (;;) {
		const char *k = va_arg(ap, const char *);
		if (!k)
			break;
		const char *v = va_arg(ap, const char *);
		if (!v)
			continue;
		add(&l, " ", 1);
		add_str(&l, k);
		add(&l, "=", 1);
		add_value(&l, v);
	}
	va_end(ap);
	l.buf[l.len++] = '\n';
	ssize_t r = write(STDERR_FILENO, l.buf, l.len);
	(void)r;
}
