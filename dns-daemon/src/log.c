/*
 * log.c - logfmt lines on stderr.
 *
 * The logger is process-wide by nature (one stderr), and so is all of its
 * state, kept here in one place: `logger` below.  The level is written at
 * start (before any thread runs) and read afterwards, hence an atomic.
 * The rate limiter of dns_log_limited (log_limit.h) is one table under a
 * mutex, taken only by limited lines and by dns_log_tick.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "dns/log.h"
#include "dns/log_limit.h"

#define DNS_LOG_LINE_MAX 4096

static struct {
	atomic_int level;
	pthread_mutex_t mu;           /* lim */
	bool lim_ready;               /* lim initialised (lazily, with the default) */
	dns_log_limiter_t lim;
} logger = { .level = DNS_LOG_INFO, .mu = PTHREAD_MUTEX_INITIALIZER };

#define log_level logger.level

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

size_t dns_log_value(char *out, size_t cap, const char *v)
{
	line_t l;
	l.len = 0;
	put_value(&l, v);
	size_t n = l.len < cap ? l.len : (cap ? cap - 1 : 0);
	if (cap) {
		memcpy(out, l.buf, n);
		out[n] = '\0';
	}
	return n;
}

/* "ts=... level=... msg=..." */
static void line_start(line_t *l, dns_log_level_t level, const char *msg)
{
	l->len = 0;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	char stamp[40];
	strftime(stamp, sizeof(stamp), "ts=%Y-%m-%dT%H:%M:%SZ level=", &tm);
	puts_(l, stamp);
	puts_(l, level_names[level]);
	puts_(l, " msg=");
	put_value(l, msg);
}

/* Up to @max key/value pairs of @ap (max 0: all, up to the NULL key). */
static void put_fields(line_t *l, va_list ap, unsigned max, bool leading_space)
{
	for (unsigned n = 0; max == 0 || n < max; n++) {
		const char *key = va_arg(ap, const char *);
		if (!key)
			break;
		const char *val = va_arg(ap, const char *);
		if (!val)
			continue;
		if (leading_space || l->len)
			put(l, " ", 1);
		puts_(l, key);
		put(l, "=", 1);
		put_value(l, val);
	}
}

/* One write(2) per line keeps lines whole between threads. */
static void line_write(line_t *l)
{
	l->buf[l->len++] = '\n';
	ssize_t w = write(STDERR_FILENO, l->buf, l->len);
	(void)w;
}

void dns_log(dns_log_level_t level, const char *msg, ...)
{
	if (!dns_log_enabled(level))
		return;
	line_t l;
	line_start(&l, level, msg);
	va_list ap;
	va_start(ap, msg);
	put_fields(&l, ap, 0, true);
	va_end(ap);
	line_write(&l);
}

/* ---- rate-limited lines ---- */

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Lock held. */
static dns_log_limiter_t *limiter(void)
{
	if (!logger.lim_ready) {
		dns_log_limiter_init(&logger.lim, &DNS_LOG_LIMIT_DEFAULT);
		logger.lim_ready = true;
	}
	return &logger.lim;
}

void dns_log_limit_configure(const dns_log_limit_conf_t *conf)
{
	pthread_mutex_lock(&logger.mu);
	dns_log_limiter_init(&logger.lim, conf);
	logger.lim_ready = true;
	pthread_mutex_unlock(&logger.mu);
}

/* "N similar messages suppressed" of="MSG" KEY suppressed=N interval_s=S */
static void report(void *ctx, int level, const char *msg, const char *key, uint64_t n)
{
	const dns_log_limiter_t *lim = ctx;
	char head[64], num[24], iv[24];
	snprintf(head, sizeof(head), "%llu similar messages suppressed", (unsigned long long)n);
	snprintf(num, sizeof(num), "%llu", (unsigned long long)n);
	snprintf(iv, sizeof(iv), "%llu", (unsigned long long)(lim->conf.interval_ms / 1000));
	line_t l;
	line_start(&l, (dns_log_level_t)level, head);
	puts_(&l, " of=");
	put_value(&l, msg);
	if (*key) {
		put(&l, " ", 1);
		puts_(&l, key); /* already logfmt */
	}
	puts_(&l, " suppressed=");
	puts_(&l, num);
	puts_(&l, " interval_s=");
	puts_(&l, iv);
	line_write(&l);
}

void dns_log_limited(dns_log_level_t level, unsigned nkey, const char *msg, ...)
{
	if (!dns_log_enabled(level))
		return;
	line_t key;
	key.len = 0;
	va_list ap;
	va_start(ap, msg);
	put_fields(&key, ap, nkey, false);
	va_end(ap);
	key.buf[key.len] = '\0';
	pthread_mutex_lock(&logger.mu);
	dns_log_limiter_t *lim = limiter();
	bool ok = dns_log_limiter_admit(lim, mono_ms(), (int)level, msg, key.buf, report, lim);
	pthread_mutex_unlock(&logger.mu);
	if (!ok)
		return;
	line_t l;
	line_start(&l, level, msg);
	va_start(ap, msg);
	put_fields(&l, ap, 0, true);
	va_end(ap);
	line_write(&l);
}

void dns_log_tick(void)
{
	pthread_mutex_lock(&logger.mu);
	dns_log_limiter_t *lim = limiter();
	uint64_t now = mono_ms();
	if (now >= lim->next_sweep)
		dns_log_limiter_sweep(lim, now, report, lim);
	pthread_mutex_unlock(&logger.mu);
}

void dns_log_flush(void)
{
	pthread_mutex_lock(&logger.mu);
	dns_log_limiter_t *lim = limiter();
	dns_log_limiter_sweep(lim, UINT64_MAX, report, lim);
	lim->next_sweep = 0;
	pthread_mutex_unlock(&logger.mu);
}
