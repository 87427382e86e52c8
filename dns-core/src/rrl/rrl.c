/*
 * rrl.c - response rate limiting (see dns/rrl.h): token buckets in a
 * fixed table of 64-bit words, each updated by one compare-and-swap.
 *
 * A bucket word:  tag:16 | stamp:20 | tokens:20 | slips:8
 *   tag     the upper hash bits of the key (0 marks an empty bucket)
 *   stamp   when tokens were last brought up to date, in ticks of 1/64 s,
 *           modulo 2^20 (4.5 hours: a bucket idle that long may come back
 *           with fewer tokens than a full one, which costs at most a few
 *           responses once)
 *   tokens  in 1/64 of a response: a response costs 64 and every tick
 *           gives back RATE, so the refill is exact in integers; at most
 *           64 * RATE (one second's worth)
 *   slips   limited responses since the last slip
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "dns/msg.h"
#include "dns/name.h"
#include "dns/rrl.h"
#include "dns/wire.h"
#include "dns/rrtype.h"
#include "internal/fold.h"
#include "internal/rdata_priv.h"

#define WAYS 8           /* buckets per set: one cache line */
#define UNIT 64          /* token units per response, and ticks per second */
#define STAMP_MASK 0xFFFFFu
#define TOKEN_MASK 0xFFFFFu
#define TRIES 1000       /* CAS attempts before letting a response through */

/* Response classes: the kinds of dns/answer.h, with ANY apart. */
enum { CLASS_ANY = 16, CLASS_OTHER };

typedef struct worker_stats {
	_Alignas(64) _Atomic uint64_t dropped;
	_Atomic uint64_t slipped;
	_Atomic uint64_t exempt;
} worker_stats_t;

struct dns_rrl {
	_Atomic uint64_t *slots;
	size_t nsets;
	uint32_t rate;
	uint32_t cap;        /* tokens of a full bucket */
	unsigned slip;
	uint64_t seed;
	dns_rrl_prefix_t *exempt;
	size_t nexempt;
	worker_stats_t *stats;
	unsigned nstats;
};

static inline uint64_t pack(uint64_t tag, uint32_t stamp, uint32_t tokens, uint32_t slips)
{
	return tag << 48 | (uint64_t)(stamp & STAMP_MASK) << 28 |
	       (uint64_t)(tokens & TOKEN_MASK) << 8 | (slips & 0xFF);
}

static inline uint64_t w_tag(uint64_t w) { return w >> 48; }
static inline uint32_t w_stamp(uint64_t w) { return (uint32_t)(w >> 28) & STAMP_MASK; }
static inline uint32_t w_tokens(uint64_t w) { return (uint32_t)(w >> 8) & TOKEN_MASK; }
static inline uint32_t w_slips(uint64_t w) { return (uint32_t)w & 0xFF; }

/* The tokens of @w brought up to @now. */
static uint32_t refill(const dns_rrl_t *r, uint64_t w, uint32_t now)
{
	uint64_t elapsed = (now - w_stamp(w)) & STAMP_MASK;
	uint64_t t = w_tokens(w) + elapsed * r->rate;
	return t > r->cap ? r->cap : (uint32_t)t;
}

dns_err_t dns_rrl_new(const dns_rrl_config_t *cfg, dns_rrl_t **out)
{
	*out = NULL;
	size_t size = cfg->table_size ? cfg->table_size : DNS_RRL_TABLE_DEFAULT;
	if (cfg->rate == 0 || cfg->rate > DNS_RRL_RATE_MAX || cfg->slip > DNS_RRL_SLIP_MAX ||
	    size < DNS_RRL_TABLE_MIN || size > DNS_RRL_TABLE_MAX)
		return DNS_EINVAL;
	dns_rrl_t *r = calloc(1, sizeof(*r));
	if (!r)
		return DNS_ENOMEM;
	r->nsets = (size + WAYS - 1) / WAYS;
	r->rate = cfg->rate;
	r->cap = cfg->rate * UNIT;
	r->slip = cfg->slip;
	r->seed = cfg->seed;
	r->nstats = cfg->workers ? cfg->workers : 1;
	r->slots = aligned_alloc(64, r->nsets * WAYS * sizeof(uint64_t));
	r->stats = aligned_alloc(64, r->nstats * sizeof(worker_stats_t));
	if (cfg->nexempt)
		r->exempt = malloc(cfg->nexempt * sizeof(*r->exempt));
	if (!r->slots || !r->stats || (cfg->nexempt && !r->exempt)) {
		dns_rrl_free(r);
		return DNS_ENOMEM;
	}
	for (size_t i = 0; i < r->nsets * WAYS; i++)
		atomic_init(&r->slots[i], 0);
	for (unsigned i = 0; i < r->nstats; i++) {
		atomic_init(&r->stats[i].dropped, 0);
		atomic_init(&r->stats[i].slipped, 0);
		atomic_init(&r->stats[i].exempt, 0);
	}
	if (cfg->nexempt)
		memcpy(r->exempt, cfg->exempt, cfg->nexempt * sizeof(*r->exempt));
	r->nexempt = cfg->nexempt;
	*out = r;
	return DNS_OK;
}

void dns_rrl_free(dns_rrl_t *r)
{
	if (!r)
		return;
	free(r->slots);
	free(r->stats);
	free(r->exempt);
	free(r);
}

/* The client's address bytes and family, IPv4-mapped IPv6 read as IPv4. */
static const uint8_t *client_addr(const struct sockaddr *sa, int *family)
{
	if (sa && sa->sa_family == AF_INET) {
		*family = AF_INET;
		return (const uint8_t *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	}
	if (sa && sa->sa_family == AF_INET6) {
		const uint8_t *a = ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr;
		static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		if (memcmp(a, mapped, 12) == 0) {
			*family = AF_INET;
			return a + 12;
		}
		*family = AF_INET6;
		return a;
	}
	*family = 0;
	return NULL;
}

static unsigned response_class(const dns_answer_info_t *ai)
{
	if (ai->kind == DNS_ANSWER_KIND_NONE)
		return ai->rcode == DNS_RCODE_NOERROR ? CLASS_OTHER : DNS_ANSWER_KIND_ERROR;
	if (ai->kind == DNS_ANSWER_KIND_POSITIVE && ai->qtype == DNS_TYPE_ANY)
		return CLASS_ANY;
	return ai->kind;
}

/* The bucket key: client network, response class, name (case folded). */
static uint64_t key_hash(const dns_rrl_t *r, int family, const uint8_t *addr,
                         const dns_answer_info_t *ai)
{
	uint64_t net = 0;
	unsigned nbytes = family == AF_INET ? 3 : family == AF_INET6 ? 7 : 0; /* /24, /56 */
	for (unsigned i = 0; i < nbytes; i++)
		net = net << 8 | addr[i];
	uint64_t h = dns_fold_mix(r->seed, net);
	h = dns_fold_mix(h, (uint64_t)family << 8 | response_class(ai));
	const uint8_t *name = ai->kind_name;
	if (name) {
		size_t len = dns_name_length(name), i = 0;
		uint64_t w;
		for (; i + 8 <= len; i += 8) {
			memcpy(&w, name + i, 8);
			h = dns_fold_mix(h, dns_fold8(w));
		}
		for (w = 0; i < len; i++)
			w = w << 8 | name[i];
		h = dns_fold_mix(h, dns_fold8(w));
	}
	/* a last avalanche: both the set index and the tag come from it */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

static bool prefix_match(const dns_rrl_prefix_t *p, int family, const uint8_t *addr)
{
	if (p->family != family)
		return false;
	unsigned full = p->bits / 8, rest = p->bits % 8;
	if (memcmp(p->addr, addr, full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xFF << (8 - rest));
	return (p->addr[full] & mask) == (addr[full] & mask);
}

static bool is_exempt(const dns_rrl_t *r, int family, const uint8_t *addr)
{
	for (size_t i = 0; i < r->nexempt; i++)
		if (prefix_match(&r->exempt[i], family, addr))
			return true;
	return false;
}

/* Take a token from the bucket of @h; on an empty bucket, *@slip says
 * whether this limited response is the one that slips. */
static bool take_token(dns_rrl_t *r, uint64_t h, uint32_t now, bool *slip)
{
	_Atomic uint64_t *set = r->slots + ((h & 0xFFFFFFFFu) * r->nsets >> 32) * WAYS;
	uint64_t tag = w_tag(h) ? w_tag(h) : 1;
	uint64_t w[WAYS];
	int hit = -1;
	for (int attempt = 0; attempt < TRIES; attempt++) {
		*slip = false;
		/* a failed CAS left the bucket's new value in w[hit]: no need to
		 * read the set again unless the bucket changed hands */
		if (hit < 0 || w_tag(w[hit]) != tag) {
			hit = -1;
			for (int i = 0; i < WAYS; i++) {
				w[i] = atomic_load_explicit(&set[i], memory_order_relaxed);
				if (w_tag(w[i]) == tag)
					hit = i;
			}
		}
		if (hit < 0) {
			/* a new key takes the fullest bucket: a full one holds nothing to lose */
			int victim = 0;
			uint32_t most = 0;
			for (int i = 0; i < WAYS; i++) {
				uint32_t t = w[i] ? refill(r, w[i], now) : r->cap + 1;
				if (t > most) {
					most = t;
					victim = i;
				}
			}
			uint64_t nw = pack(tag, now, r->cap - UNIT, 0);
			if (atomic_compare_exchange_weak_explicit(&set[victim], &w[victim], nw,
			                                          memory_order_relaxed,
			                                          memory_order_relaxed))
				return true;
			continue;
		}
		uint32_t tokens = refill(r, w[hit], now), slips = w_slips(w[hit]);
		bool ok = tokens >= UNIT;
		if (ok) {
			tokens -= UNIT;
		} else {
			slips = slips < 0xFF ? slips + 1 : 0xFF;
			if (r->slip && slips >= r->slip) {
				*slip = true;
				slips = 0;
			}
		}
		uint64_t nw = pack(tag, now, tokens, slips);
		if (atomic_compare_exchange_weak_explicit(&set[hit], &w[hit], nw, memory_order_relaxed,
		                                          memory_order_relaxed))
			return ok;
	}
	*slip = false;
	return true; /* never seen: every failed CAS means another thread succeeded */
}

dns_rrl_action_t dns_rrl_check(dns_rrl_t *r, unsigned worker, uint64_t now_ms,
                               const struct sockaddr *client, const dns_answer_info_t *ai)
{
	if (ai->cookie == DNS_COOKIE_VALID)
		return DNS_RRL_PASS;
	int family;
	const uint8_t *addr = client_addr(client, &family);
	if (!addr)
		return DNS_RRL_PASS;
	uint32_t now = (uint32_t)(now_ms * UNIT / 1000);
	bool slip;
	if (take_token(r, key_hash(r, family, addr, ai), now, &slip))
		return DNS_RRL_PASS;
	worker_stats_t *st = &r->stats[worker % r->nstats];
	if (r->nexempt && is_exempt(r, family, addr)) {
		atomic_fetch_add_explicit(&st->exempt, 1, memory_order_relaxed);
		return DNS_RRL_PASS;
	}
	if (slip) {
		atomic_fetch_add_explicit(&st->slipped, 1, memory_order_relaxed);
		return DNS_RRL_SLIP;
	}
	atomic_fetch_add_explicit(&st->dropped, 1, memory_order_relaxed);
	return DNS_RRL_DROP;
}

/* Length of the header and question of a response we made (the
 * question name is uncompressed there). */
static size_t question_end(const uint8_t *resp, size_t len)
{
	if (dns_get16(resp + 4) != 1)
		return DNS_HDR_LEN;
	size_t n = dns__wire_name_len(resp + DNS_HDR_LEN, len - DNS_HDR_LEN);
	if (n == 0 || DNS_HDR_LEN + n + 4 > len)
		return 0;
	return DNS_HDR_LEN + n + 4;
}

void dns_rrl_slip(uint8_t *resp, size_t *len, const dns_answer_info_t *ai)
{
	if (*len < DNS_HDR_LEN)
		return;
	size_t end = question_end(resp, *len);
	if (end == 0) {
		*len = 0; /* not a response of ours: send nothing rather than guess */
		return;
	}
	size_t opt = ai->opt_off, optlen = 0;
	if (opt >= end && opt + 11 <= *len) {
		optlen = 11u + dns_get16(resp + opt + 9);
		if (opt + optlen > *len)
			optlen = 0;
	}
	uint16_t flags = dns_get16(resp + 2);
	if (ai->cookie == DNS_COOKIE_CLIENT && optlen) {
		/* RFC 7873 §5.2.3: BADCOOKIE, the OPT with the fresh cookie kept;
		 * the upper bits of the rcode go into the OPT TTL */
		flags = dns_flags_set_rcode(flags & (uint16_t)~DNS_FLAG_AA, DNS_RCODE_BADCOOKIE & 0xF);
		resp[opt + 5] = DNS_RCODE_BADCOOKIE >> 4;
	} else {
		flags |= DNS_FLAG_TC;
	}
	if (optlen && opt != end)
		memmove(resp + end, resp + opt, optlen);
	dns_put16(resp + 2, flags);
	dns_put16(resp + 6, 0);
	dns_put16(resp + 8, 0);
	dns_put16(resp + 10, optlen ? 1 : 0);
	*len = end + optlen;
}

dns_rrl_action_t dns_rrl_apply(dns_rrl_t *r, unsigned worker, uint64_t now_ms,
                               const struct sockaddr *client, const dns_answer_info_t *ai,
                               uint8_t *resp, size_t *len)
{
	dns_rrl_action_t act = dns_rrl_check(r, worker, now_ms, client, ai);
	if (act == DNS_RRL_DROP)
		*len = 0;
	else if (act == DNS_RRL_SLIP)
		dns_rrl_slip(resp, len, ai);
	return act;
}

void dns_rrl_stats(const dns_rrl_t *r, dns_rrl_stats_t *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < r->nstats; i++) {
		out->dropped += atomic_load_explicit(&r->stats[i].dropped, memory_order_relaxed);
		out->slipped += atomic_load_explicit(&r->stats[i].slipped, memory_order_relaxed);
		out->exempt += atomic_load_explicit(&r->stats[i].exempt, memory_order_relaxed);
	}
}

dns_err_t dns_rrl_prefix_parse(const char *text, dns_rrl_prefix_t *out)
{
	char buf[64];
	const char *slash = strchr(text, '/');
	size_t alen = slash ? (size_t)(slash - text) : strlen(text);
	if (alen == 0 || alen >= sizeof(buf))
		return DNS_EINVAL;
	memcpy(buf, text, alen);
	buf[alen] = '\0';
	memset(out, 0, sizeof(*out));
	unsigned max;
	if (inet_pton(AF_INET, buf, out->addr) == 1) {
		out->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, out->addr) == 1) {
		out->family = AF_INET6;
		max = 128;
	} else {
		return DNS_EINVAL;
	}
	out->bits = max;
	if (slash) {
		char *end;
		unsigned long b = strtoul(slash + 1, &end, 10);
		if (!slash[1] || *end || b > max)
			return DNS_EINVAL;
		out->bits = (unsigned)b;
	}
	return DNS_OK;
}
