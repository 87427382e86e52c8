/*
 * tcp_guard.c - the TCP connection policy (see tcp_guard.h): two lists in
 * expiry order, O(1) per change, and the per-prefix counter bucket.
 */
#include "tcp_guard.h"

#include <netinet/in.h>
#include <string.h>

static void list_init(net_guard_link_t *head)
{
	head->prev = head->next = head;
}

void net_guard_init(net_guard_t *g, uint32_t idle_ms, uint32_t msg_ms)
{
	list_init(&g->idle);
	list_init(&g->partial);
	g->idle_ms = idle_ms;
	g->msg_ms = msg_ms;
}

void net_guard_link_init(net_guard_link_t *l)
{
	l->prev = l->next = NULL;
	l->since = 0;
	l->state = NET_GUARD_OFF;
}

static void unlink_(net_guard_link_t *l)
{
	if (l->state == NET_GUARD_OFF)
		return;
	l->prev->next = l->next;
	l->next->prev = l->prev;
	l->prev = l->next = NULL;
	l->state = NET_GUARD_OFF;
}

/* Append: every list has one timeout for all, so the newest runs out last. */
static void append(net_guard_link_t *head, net_guard_link_t *l)
{
	l->prev = head->prev;
	l->next = head;
	head->prev->next = l;
	head->prev = l;
}

void net_guard_set(net_guard_t *g, net_guard_link_t *l, net_guard_state_t st, uint64_t now,
                   bool fresh)
{
	if (st == l->state && (st == NET_GUARD_IDLE || (st == NET_GUARD_PARTIAL && !fresh)))
		return;
	unlink_(l);
	if (st == NET_GUARD_OFF)
		return;
	l->state = (uint8_t)st;
	l->since = now;
	append(st == NET_GUARD_IDLE ? &g->idle : &g->partial, l);
}

uint64_t net_guard_expiry(const net_guard_t *g, const net_guard_link_t *l)
{
	if (l->state == NET_GUARD_IDLE)
		return l->since + g->idle_ms;
	if (l->state == NET_GUARD_PARTIAL)
		return l->since + g->msg_ms;
	return UINT64_MAX;
}

static net_guard_link_t *first(const net_guard_t *g)
{
	net_guard_link_t *i = g->idle.next != &g->idle ? g->idle.next : NULL;
	net_guard_link_t *p = g->partial.next != &g->partial ? g->partial.next : NULL;
	if (!i)
		return p;
	if (!p)
		return i;
	/* a tie goes to the partial message: it is the one still costing us */
	return net_guard_expiry(g, p) <= net_guard_expiry(g, i) ? p : i;
}

uint64_t net_guard_next(const net_guard_t *g)
{
	net_guard_link_t *l = first(g);
	return l ? net_guard_expiry(g, l) : UINT64_MAX;
}

net_guard_link_t *net_guard_expired(const net_guard_t *g, uint64_t now)
{
	net_guard_link_t *l = first(g);
	return l && net_guard_expiry(g, l) <= now ? l : NULL;
}

net_guard_link_t *net_guard_victim(const net_guard_t *g, net_guard_weight_fn weight, void *ctx)
{
	/* walk both lists merged in expiry order */
	const net_guard_link_t *i = g->idle.next, *p = g->partial.next;
	net_guard_link_t *best = NULL;
	unsigned best_w = 0;
	for (int k = 0; k < NET_GUARD_SAMPLE; k++) {
		bool have_i = i != &g->idle, have_p = p != &g->partial;
		if (!have_i && !have_p)
			break;
		const net_guard_link_t *l;
		if (have_p && (!have_i || net_guard_expiry(g, p) <= net_guard_expiry(g, i))) {
			l = p;
			p = p->next;
		} else {
			l = i;
			i = i->next;
		}
		unsigned w = weight ? weight(ctx, l) : 0;
		if (!best || w > best_w) {
			best = (net_guard_link_t *)l;
			best_w = w;
		}
	}
	return best;
}

/* Keep the first @bits bits of @in (n bytes) in @out, zero the rest. */
static void cut(uint8_t *out, const uint8_t *in, size_t n, unsigned bits)
{
	for (size_t i = 0; i < n; i++) {
		unsigned have = bits > 8 * i ? bits - 8 * (unsigned)i : 0;
		uint8_t mask = have >= 8 ? 0xff : (uint8_t)(0xff00u >> have);
		out[i] = in[i] & mask;
	}
}

unsigned net_prefix_bucket(uint64_t seed, const struct sockaddr *sa, unsigned v4_bits,
                           unsigned v6_bits, unsigned nbuckets)
{
	uint8_t key[17];
	size_t n;
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)sa;
		cut(key + 1, (const uint8_t *)&s6->sin6_addr, 16, v6_bits > 128 ? 128 : v6_bits);
		key[0] = 6;
		n = 17;
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)(const void *)sa;
		cut(key + 1, (const uint8_t *)&s4->sin_addr, 4, v4_bits > 32 ? 32 : v4_bits);
		key[0] = 4;
		n = 5;
	}
	/* FNV-1a from a random seed, then a final mix */
	uint64_t h = seed;
	for (size_t i = 0; i < n; i++)
		h = (h ^ key[i]) * 0x100000001b3ULL;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return (unsigned)(h % (nbuckets ? nbuckets : 1));
}

int net_fd_ceiling(uint64_t limit, unsigned reserve)
{
	if (limit > (uint64_t)INT32_MAX)
		limit = INT32_MAX;
	uint64_t r = reserve < limit / 2 ? reserve : limit / 2;
	return (int)(limit - r);
}
