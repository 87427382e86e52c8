/*
 * guard.c - rate limiting, cookies and the TSIG replay cache as the
 * daemons use them (see dns/guard.h): options, set-up, the worker's
 * adapter around dns_rrl_apply, logs and metrics.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "dns/conf_file.h"
#include "dns/guard.h"
#include "dns/log.h"
#include "dns/name.h"
#include "dns/refusal.h"

#define RRL_LOG_MS 10000   /* at most one "rate limiting" line per 10 s */

void dns_guard_config_init(dns_guard_config_t *c)
{
	memset(c, 0, sizeof(*c));
	c->rrl_slip = 2;
}

static dns_err_t bad(char *err, size_t errlen, const char *what, const char *arg)
{
	snprintf(err, errlen, "%s: %s", what, arg);
	return DNS_EINVAL;
}

dns_err_t dns_guard_option(dns_guard_config_t *c, int opt, const char *arg, char *err,
                           size_t errlen)
{
	unsigned long v;
	switch (opt) {
	case DNS_GUARD_OPT_RRL:
		if (!dns_conf_parse_ulong(arg, 1, DNS_RRL_RATE_MAX, &v))
			return bad(err, errlen, "invalid --rrl (responses per second, 1..16383)", arg);
		c->rrl_rate = (uint32_t)v;
		return DNS_OK;
	case DNS_GUARD_OPT_RRL_SLIP:
		if (!dns_conf_parse_ulong(arg, 0, DNS_RRL_SLIP_MAX, &v))
			return bad(err, errlen, "invalid --rrl-slip (0..100)", arg);
		c->rrl_slip = (unsigned)v;
		return DNS_OK;
	case DNS_GUARD_OPT_RRL_TABLE:
		if (!dns_conf_parse_ulong(arg, DNS_RRL_TABLE_MIN, DNS_RRL_TABLE_MAX, &v))
			return bad(err, errlen, "invalid --rrl-table-size (64..67108864)", arg);
		c->rrl_table_size = v;
		return DNS_OK;
	case DNS_GUARD_OPT_RRL_EXEMPT:
		if (c->nrrl_exempt == DNS_GUARD_MAX_EXEMPT)
			return bad(err, errlen, "too many --rrl-exempt (64 at most)", arg);
		if (dns_rrl_prefix_parse(arg, &c->rrl_exempt[c->nrrl_exempt]) != DNS_OK)
			return bad(err, errlen, "invalid --rrl-exempt (ADDR or ADDR/BITS)", arg);
		c->nrrl_exempt++;
		return DNS_OK;
	case DNS_GUARD_OPT_COOKIE_SECRET:
		if (dns_cookie_secret_parse(arg, c->cookie_secret) != DNS_OK)
			return bad(err, errlen, "invalid --cookie-secret (32 hex digits)", arg);
		c->has_cookie_secret = true;
		return DNS_OK;
	case DNS_GUARD_OPT_COOKIE_PREVIOUS:
		if (dns_cookie_secret_parse(arg, c->cookie_previous) != DNS_OK)
			return bad(err, errlen, "invalid --cookie-secret-previous (32 hex digits)", arg);
		c->has_cookie_previous = true;
		return DNS_OK;
	case DNS_GUARD_OPT_COOKIE_REQUIRE:
		c->cookie_require = true;
		return DNS_OK;
	default:
		return DNS_ENOTFOUND;
	}
}

int dns_guard_option_code(const char *name, bool *has_arg)
{
	static const struct option opts[] = { DNS_GUARD_LONG_OPTIONS };
	if (strncmp(name, "--", 2) != 0)
		return 0;
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		if (strcmp(name + 2, opts[i].name) == 0) {
			*has_arg = opts[i].has_arg == required_argument;
			return opts[i].val;
		}
	}
	return 0;
}

dns_err_t dns_guard_init(dns_guard_t *g, const dns_guard_config_t *c, unsigned workers, char *err,
                         size_t errlen)
{
	memset(g, 0, sizeof(*g));
	pthread_mutex_init(&g->replay_lock, NULL);
	uint8_t secret[DNS_COOKIE_SECRET_LEN];
	if (c->has_cookie_secret) {
		memcpy(secret, c->cookie_secret, sizeof(secret));
	} else if (getrandom(secret, sizeof(secret), 0) != (ssize_t)sizeof(secret)) {
		snprintf(err, errlen, "no random cookie secret: %s", strerror(errno));
		return DNS_EIO;
	}
	dns_err_t e = dns_cookie_secrets_init(&g->cookies, secret,
	                                      c->has_cookie_previous ? c->cookie_previous : NULL,
	                                      c->cookie_require);
	memset(secret, 0, sizeof(secret));
	if (e != DNS_OK) {
		snprintf(err, errlen, "OpenSSL has no SipHash for server cookies");
		return e;
	}
	g->replay = dns_tsig_replay_new(0, 0);
	if (!g->replay) {
		snprintf(err, errlen, "out of memory");
		return DNS_ENOMEM;
	}
	if (c->rrl_rate) {
		uint64_t seed;
		if (getrandom(&seed, sizeof(seed), 0) != (ssize_t)sizeof(seed))
			seed = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)g;
		dns_rrl_config_t rc = { .rate = c->rrl_rate, .slip = c->rrl_slip,
		                        .table_size = c->rrl_table_size, .workers = workers,
		                        .seed = seed, .exempt = c->rrl_exempt,
		                        .nexempt = c->nrrl_exempt };
		if (dns_rrl_new(&rc, &g->rrl) != DNS_OK) {
			snprintf(err, errlen, "cannot set up rate limiting (table of %zu buckets)",
			         c->rrl_table_size);
			return DNS_ENOMEM;
		}
	}
	return DNS_OK;
}

void dns_guard_destroy(dns_guard_t *g)
{
	dns_rrl_free(g->rrl);
	g->rrl = NULL;
	dns_tsig_replay_free(g->replay);
	g->replay = NULL;
	dns_cookie_secrets_destroy(&g->cookies);
	pthread_mutex_destroy(&g->replay_lock);
}

static uint64_t monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static const char *kind_text(const dns_answer_info_t *ai)
{
	static const char *const names[] = { "other", "answer", "wildcard", "nxdomain",
	                                     "nodata", "referral", "error" };
	if (ai->kind == DNS_ANSWER_KIND_POSITIVE && ai->qtype == 255)
		return "any";
	if (ai->kind == DNS_ANSWER_KIND_NONE && ai->rcode != 0)
		return "error";
	return (unsigned)ai->kind < sizeof(names) / sizeof(names[0]) ? names[ai->kind] : "other";
}

/* One line per RRL_LOG_MS at most, naming the latest limited bucket. */
static void rrl_log(dns_guard_t *g, uint64_t now, const dns_net_request_t *req,
                    const dns_answer_info_t *ai)
{
	uint64_t last = atomic_load_explicit(&g->rrl_log_ms, memory_order_relaxed);
	if (last && now - last < RRL_LOG_MS)
		return;
	if (!atomic_compare_exchange_strong(&g->rrl_log_ms, &last, now))
		return;
	char net[80], name[DNS_NAME_TEXT_MAX], dropped[24], slipped[24];
	dns_client_net(req->peer, net, sizeof(net));
	if (ai->kind_name)
		dns_name_to_text(ai->kind_name, name, sizeof(name));
	dns_rrl_stats_t st;
	dns_rrl_stats(g->rrl, &st);
	snprintf(dropped, sizeof(dropped), "%" PRIu64, st.dropped);
	snprintf(slipped, sizeof(slipped), "%" PRIu64, st.slipped);
	dns_log(DNS_LOG_WARN, "response rate limiting", "net", net, "kind", kind_text(ai), "name",
	        ai->kind_name ? name : NULL, "dropped_total", dropped, "slipped_total", slipped,
	        NULL);
}

void dns_guard_rrl(dns_guard_t *g, const dns_net_request_t *req, dns_net_reply_t *out,
                   const dns_answer_info_t *ai)
{
	uint64_t now = monotonic_ms();
	if (dns_rrl_apply(g->rrl, req->worker, now, req->peer, ai, out->buf, &out->len) !=
	    DNS_RRL_PASS)
		rrl_log(g, now ? now : 1, req, ai);
}

bool dns_guard_replayed(dns_guard_t *g, const dns_tsig_req_t *treq, uint64_t now,
                        const dns_net_request_t *req, unsigned opcode, uint16_t qtype,
                        const uint8_t *zone)
{
	pthread_mutex_lock(&g->replay_lock);
	dns_err_t e = dns_tsig_replay_check(g->replay, treq, now);
	pthread_mutex_unlock(&g->replay_lock);
	if (e != DNS_EEXIST)
		return false;
	atomic_fetch_add(&g->replays, 1);
	if (g->req_metrics)
		dns_req_metrics_refused(g->req_metrics, DNS_REFUSAL_TSIG_REPLAY);
	dns_refusal_event_t ev = { .reason = DNS_REFUSAL_TSIG_REPLAY, .peer = req->peer,
	                           .tcp = req->transport == DNS_NET_TCP, .opcode = opcode,
	                           .qtype = qtype, .zone = zone, .key = treq->keyname,
	                           .rcode = DNS_REFUSAL_DROPPED };
	dns_refusal_log(&ev);
	return true;
}

void dns_guard_metrics(dns_guard_t *g, FILE *f)
{
	if (g->rrl) {
		dns_rrl_stats_t st;
		dns_rrl_stats(g->rrl, &st);
		fprintf(f, "# TYPE dns_rrl_limited_total counter\ndns_rrl_limited_total %" PRIu64 "\n",
		        st.dropped + st.slipped);
		fprintf(f, "# TYPE dns_rrl_dropped_total counter\ndns_rrl_dropped_total %" PRIu64 "\n",
		        st.dropped);
		fprintf(f, "# TYPE dns_rrl_slipped_total counter\ndns_rrl_slipped_total %" PRIu64 "\n",
		        st.slipped);
		fprintf(f, "# TYPE dns_rrl_exempt_total counter\ndns_rrl_exempt_total %" PRIu64 "\n",
		        st.exempt);
	}
	if (!g->req_metrics)
		fprintf(f,
		        "# TYPE dns_tsig_replays_refused_total counter\n"
		        "dns_tsig_replays_refused_total %" PRIu64 "\n",
		        atomic_load(&g->replays));
}
