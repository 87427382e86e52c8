/*
 * log_limit.c - per-kind line budgets for the log (see log_limit.h).
 *
 * Kinds live in an open-addressed table probed over a short window, so
 * a lookup costs a few comparisons and the table never grows.
 */
#include <stdio.h>
#include <string.h>

#include "dns/log_limit.h"

#define PROBE 8

static uint64_t kind_hash(const char *msg, const char *key)
{
	uint64_t h = 1469598103934665603ull;
	for (const char *p = msg; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	h = (h ^ 0xff) * 1099511628211ull; /* the separator: ("ab","c") != ("a","bc") */
	for (const char *p = key; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	return h ? h : 1;
}

void dns_log_limiter_init(dns_log_limiter_t *l, const dns_log_limit_conf_t *conf)
{
	memset(l, 0, sizeof(*l));
	l->conf = *conf;
	if (l->conf.interval_ms == 0)
		l->conf.interval_ms = 1;
}

static bool ended(const dns_log_limiter_t *l, const dns_log_limit_slot_t *s, uint64_t now)
{
	return now >= s->start + l->conf.interval_ms || now < s->start;
}

/* The kind's interval is over: report what it suppressed, start afresh. */
static void roll(dns_log_limit_slot_t *s, uint64_t now, dns_log_limit_report_fn report, void *ctx)
{
	if (s->suppressed)
		report(ctx, s->level, s->msg, s->key, s->suppressed);
	s->start = now;
	s->written = 0;
	s->suppressed = 0;
}

void dns_log_limiter_sweep(dns_log_limiter_t *l, uint64_t now_ms, dns_log_limit_report_fn report,
                           void *ctx)
{
	for (size_t i = 0; i < DNS_LOG_LIMIT_SLOTS; i++) {
		dns_log_limit_slot_t *s = &l->slot[i];
		if (s->hash && (ended(l, s, now_ms) || now_ms == UINT64_MAX)) {
			if (s->suppressed)
				report(ctx, s->level, s->msg, s->key, s->suppressed);
			s->hash = 0;
		}
	}
	dns_log_limit_slot_t *o = &l->overflow;
	if (o->suppressed && (ended(l, o, now_ms) || now_ms == UINT64_MAX))
		roll(o, now_ms, report, ctx);
	/* a tenth of the interval: a kind is summed up soon after its end */
	uint64_t step = l->conf.interval_ms / 10 ? l->conf.interval_ms / 10 : 1;
	l->next_sweep = now_ms == UINT64_MAX ? UINT64_MAX : now_ms + step;
}

static void claim(dns_log_limit_slot_t *s, uint64_t h, uint64_t now, int level, const char *msg,
                  const char *key)
{
	s->hash = h;
	s->start = now;
	s->written = 0;
	s->suppressed = 0;
	s->level = level;
	snprintf(s->msg, sizeof(s->msg), "%s", msg);
	snprintf(s->key, sizeof(s->key), "%s", key);
}

/* The slot of the kind, a new one for it, or NULL when the window is full. */
static dns_log_limit_slot_t *find(dns_log_limiter_t *l, uint64_t h, uint64_t now, int level,
                                  const char *msg, const char *key,
                                  dns_log_limit_report_fn report, void *ctx)
{
	dns_log_limit_slot_t *spare = NULL;
	for (size_t i = 0; i < PROBE; i++) {
		dns_log_limit_slot_t *s = &l->slot[(h + i) % DNS_LOG_LIMIT_SLOTS];
		if (s->hash == h && strncmp(s->msg, msg, sizeof(s->msg) - 1) == 0 &&
		    strncmp(s->key, key, sizeof(s->key) - 1) == 0)
			return s;
		if (!spare && (!s->hash || ended(l, s, now)))
			spare = s;
	}
	if (!spare)
		return NULL;
	if (spare->hash && spare->suppressed)
		report(ctx, spare->level, spare->msg, spare->key, spare->suppressed);
	claim(spare, h, now, level, msg, key);
	return spare;
}

bool dns_log_limiter_admit(dns_log_limiter_t *l, uint64_t now_ms, int level, const char *msg,
                           const char *key, dns_log_limit_report_fn report, void *ctx)
{
	if (now_ms >= l->next_sweep)
		dns_log_limiter_sweep(l, now_ms, report, ctx);
	uint64_t h = kind_hash(msg, key);
	dns_log_limit_slot_t *s = find(l, h, now_ms, level, msg, key, report, ctx);
	if (!s) {
		s = &l->overflow;
		if (ended(l, s, now_ms))
			roll(s, now_ms, report, ctx);
		if (!s->suppressed) {
			/* the report names the first kind that found no room */
			s->level = level;
			snprintf(s->msg, sizeof(s->msg), "%s", msg);
			snprintf(s->key, sizeof(s->key), "%s", "overflow=yes");
		}
		s->suppressed++;
		return false;
	}
	if (ended(l, s, now_ms))
		roll(s, now_ms, report, ctx);
	if (now_ms >= l->total_start + l->conf.interval_ms || now_ms < l->total_start) {
		l->total_start = now_ms;
		l->total_written = 0;
	}
	if (s->written < l->conf.burst && l->total_written < l->conf.total) {
		s->written++;
		l->total_written++;
		return true;
	}
	s->suppressed++;
	return false;
}
