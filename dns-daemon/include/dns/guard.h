/*
 * guard.h - what protects every daemon's request path, shared: response
 * rate limiting (dns/rrl.h), server cookies (dns/cookie.h) and the TSIG
 * replay cache (dns/tsig_replay.h), with their command-line options,
 * logs and metrics.
 *
 *   --rrl RATE              responses per second per bucket (client /24 or
 *                           /56, kind of response, name); off by default
 *   --rrl-slip N            every Nth limited response goes out truncated
 *                           (TC=1); 0: all dropped; default 2
 *   --rrl-table-size N      buckets (8 bytes each); default 262144
 *   --rrl-exempt CIDR       never limited; repeatable
 *   --cookie-secret HEX     16 bytes (32 hex digits) for server cookies;
 *                           the same on every server of an anycast set;
 *                           default: random at each start
 *   --cookie-secret-previous HEX   still accepted (a rotation)
 *   --cookie-require        UDP requests with a client cookie but no valid
 *                           server cookie get BADCOOKIE instead of an answer
 *
 * The query path reads the guard without a lock: dns_guard_reply costs one
 * branch when rate limiting is off.  The replay cache takes a mutex, only
 * for signed UPDATE, NOTIFY and transfer requests.
 */
#ifndef DNS_DAEMON_GUARD_H
#define DNS_DAEMON_GUARD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dns/answer.h"
#include "dns/cookie.h"
#include "dns/net.h"
#include "dns/req_metrics.h"
#include "dns/rrl.h"
#include "dns/tsig.h"
#include "dns/tsig_replay.h"

#define DNS_GUARD_MAX_EXEMPT 64

typedef struct dns_guard_config {
	uint32_t rrl_rate;                 /* 0: rate limiting off */
	unsigned rrl_slip;
	size_t rrl_table_size;
	dns_rrl_prefix_t rrl_exempt[DNS_GUARD_MAX_EXEMPT];
	size_t nrrl_exempt;
	uint8_t cookie_secret[DNS_COOKIE_SECRET_LEN];
	bool has_cookie_secret;
	uint8_t cookie_previous[DNS_COOKIE_SECRET_LEN];
	bool has_cookie_previous;
	bool cookie_require;
} dns_guard_config_t;

/* getopt_long codes of the options above, for the daemons' tables. */
enum {
	DNS_GUARD_OPT_RRL = 0x4700,
	DNS_GUARD_OPT_RRL_SLIP,
	DNS_GUARD_OPT_RRL_TABLE,
	DNS_GUARD_OPT_RRL_EXEMPT,
	DNS_GUARD_OPT_COOKIE_SECRET,
	DNS_GUARD_OPT_COOKIE_PREVIOUS,
	DNS_GUARD_OPT_COOKIE_REQUIRE,
};

/* The struct option entries, to put in a daemon's long_opts array. */
#define DNS_GUARD_LONG_OPTIONS                                                          \
	{ "rrl", required_argument, NULL, DNS_GUARD_OPT_RRL },                              \
	{ "rrl-slip", required_argument, NULL, DNS_GUARD_OPT_RRL_SLIP },                    \
	{ "rrl-table-size", required_argument, NULL, DNS_GUARD_OPT_RRL_TABLE },             \
	{ "rrl-exempt", required_argument, NULL, DNS_GUARD_OPT_RRL_EXEMPT },                \
	{ "cookie-secret", required_argument, NULL, DNS_GUARD_OPT_COOKIE_SECRET },          \
	{ "cookie-secret-previous", required_argument, NULL, DNS_GUARD_OPT_COOKIE_PREVIOUS }, \
	{ "cookie-require", no_argument, NULL, DNS_GUARD_OPT_COOKIE_REQUIRE }

/* The --help lines of the options (a string literal). */
#define DNS_GUARD_USAGE                                                                  \
"  --rrl RATE               response rate limiting: at most RATE UDP responses\n"    \
"                           a second per client network (/24, /56), kind of\n"      \
"                           response and name; default off (see README: public\n"   \
"                           servers)\n"                                              \
"  --rrl-slip N             every Nth limited response is sent truncated (TC=1)\n"  \
"                           so real clients retry over TCP; 0: drop them all;\n"   \
"                           default 2\n"                                             \
"  --rrl-table-size N       rate limiting buckets, 8 bytes each; default 262144\n"  \
"  --rrl-exempt CIDR        never rate limited; repeatable\n"                        \
"  --cookie-secret HEX      server cookie secret, 32 hex digits, the same on\n"     \
"                           every server of an anycast set (default: random\n"     \
"                           at each start)\n"                                        \
"  --cookie-secret-previous HEX  the secret being replaced: its cookies are\n"      \
"                           still accepted\n"                                        \
"  --cookie-require         BADCOOKIE to UDP requests that carry a client\n"        \
"                           cookie without a valid server cookie\n"

/* Defaults: rate limiting off, slip 2, random cookie secret. */
void dns_guard_config_init(dns_guard_config_t *c);

/*
 * Apply option @opt (a DNS_GUARD_OPT_*) with argument @arg: DNS_OK,
 * DNS_ENOTFOUND when @opt is not one of ours, DNS_EINVAL with a one-line
 * reason in @err.
 */
dns_err_t dns_guard_option(dns_guard_config_t *c, int opt, const char *arg, char *err,
                           size_t errlen);

/* For parsers without getopt: the code of option @name ("--rrl"), and
 * whether it takes a value; 0 when it is not one of ours. */
int dns_guard_option_code(const char *name, bool *has_arg);

typedef struct dns_guard {
	dns_rrl_t *rrl;                  /* NULL: off */
	dns_cookie_secrets_t cookies;    /* for dns_answer_opts_t.cookies */
	/* the replay cache, behind its mutex */
	pthread_mutex_t replay_lock;
	dns_tsig_replay_t *replay;
	_Atomic uint64_t replays;        /* replays refused */
	_Atomic uint64_t rrl_log_ms;     /* when rate limiting was last logged */
	/* where replays are counted as dns_requests_refused_total{reason=
	 * "tsig_replay"}: the daemon's counters, set before serving; without
	 * them the guard writes dns_tsig_replays_refused_total itself */
	dns_req_metrics_t *req_metrics;
} dns_guard_t;

/* Set up @g for @workers worker threads; @err says why on failure.  Call
 * dns_guard_destroy in any case. */
dns_err_t dns_guard_init(dns_guard_t *g, const dns_guard_config_t *c, unsigned workers, char *err,
                         size_t errlen);
void dns_guard_destroy(dns_guard_t *g);

/* Rate limiting of one reply (worker thread); see dns_guard_reply. */
void dns_guard_rrl(dns_guard_t *g, const dns_net_request_t *req, dns_net_reply_t *out,
                   const dns_answer_info_t *ai);

/*
 * A worker's reply, before it leaves: UDP replies to requests without a
 * verified TSIG (@signed_ false) go through rate limiting, which may
 * empty (drop) or shrink (slip) out.  @ai describes the reply (zeroed
 * with rcode set for replies not made by dns_answer).
 */
static inline void dns_guard_reply(dns_guard_t *g, const dns_net_request_t *req,
                                   dns_net_reply_t *out, const dns_answer_info_t *ai,
                                   bool signed_)
{
	if (g->rrl && req->transport == DNS_NET_UDP && out->len && !signed_)
		dns_guard_rrl(g, req, out, ai);
}

/*
 * A request verified with TSIG (@treq) that is about to change or
 * transfer something: true when it is a replay (RFC 8945 §5.2.3), which
 * the caller must drop without acting on it.  @opcode, @qtype and @zone
 * (may be NULL) describe it for the log line (dns_refusal_log, rate
 * limited); replays are counted.  Any thread.
 */
bool dns_guard_replayed(dns_guard_t *g, const dns_tsig_req_t *treq, uint64_t now,
                        const dns_net_request_t *req, unsigned opcode, uint16_t qtype,
                        const uint8_t *zone);

/* The guard's metrics in Prometheus text:
 *   dns_rrl_limited_total, dns_rrl_dropped_total, dns_rrl_slipped_total,
 *   dns_rrl_exempt_total (when rate limiting is on),
 *   dns_tsig_replays_refused_total (without req_metrics). */
void dns_guard_metrics(dns_guard_t *g, FILE *f);

#endif
