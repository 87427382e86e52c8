/*
 * tcp_guard.h - the TCP connection policy of libdnsnet, as pure functions
 * of state and time (no sockets, no clock, no allocation), so that it can
 * be tested alone.  tcp.c applies it.
 *
 * Each worker tracks its connections in two lists, each in the order in
 * which their time runs out:
 *
 *   idle     nothing pending: no partial message in, nothing to send, no
 *            stream, no deferred reply.  Closed after idle_ms.
 *   partial  the first bytes of a message have arrived but not all of it.
 *            Closed msg_ms after its first byte (a deadline for the whole
 *            message, however the bytes trickle in: slowloris).
 *
 * Connections with work in progress on our side (an answer being written,
 * a transfer streaming, a deferred reply awaited) and kept connections
 * (dns_net_conn_keep) are in neither list: they are never closed for
 * idleness here nor chosen for eviction.  The write timeout covers a peer
 * that stops reading; the keeper bounds its kept connections.
 *
 * When the worker's table is full (or descriptors run short), one of the
 * connections nearest their timeouts is closed to make room, preferring
 * the most crowded client prefix (net_guard_victim).
 */
#ifndef DNS_NET_TCP_GUARD_H
#define DNS_NET_TCP_GUARD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

typedef enum net_guard_state {
	NET_GUARD_OFF = 0,   /* not tracked: busy on our side, kept, or closed */
	NET_GUARD_IDLE,
	NET_GUARD_PARTIAL,
} net_guard_state_t;

typedef struct net_guard_link {
	struct net_guard_link *prev, *next;
	uint64_t since;       /* ms: idle since / first byte of the pending message */
	uint8_t state;        /* net_guard_state_t */
} net_guard_link_t;

typedef struct net_guard {
	net_guard_link_t idle, partial;   /* list heads (sentinels) */
	uint64_t idle_ms, msg_ms;
} net_guard_t;

void net_guard_init(net_guard_t *g, uint32_t idle_ms, uint32_t msg_ms);
void net_guard_link_init(net_guard_link_t *l);

/*
 * Track @l as @st from @now.  A connection that stays PARTIAL keeps the
 * time of its first byte unless @fresh (a message was completed since, so
 * the pending bytes begin a new one); one that stays IDLE keeps its time.
 */
void net_guard_set(net_guard_t *g, net_guard_link_t *l, net_guard_state_t st, uint64_t now,
                   bool fresh);

/* When @l runs out (UINT64_MAX when untracked). */
uint64_t net_guard_expiry(const net_guard_t *g, const net_guard_link_t *l);

/* When the first one runs out (UINT64_MAX: none tracked). */
uint64_t net_guard_next(const net_guard_t *g);

/* A connection whose time ran out at @now, or NULL. */
net_guard_link_t *net_guard_expired(const net_guard_t *g, uint64_t now);

/*
 * The connection to close for a newcomer when the table is full, or NULL
 * when none may go: among the NET_GUARD_SAMPLE that run out first, the
 * one whose client prefix holds the most connections (@weight, may be
 * NULL), the first to run out on a tie.  A flood of connections from a
 * few prefixes then makes room from its own, not from the lone client
 * whose query is on its way.
 */
#define NET_GUARD_SAMPLE 8
typedef unsigned (*net_guard_weight_fn)(void *ctx, const net_guard_link_t *l);
net_guard_link_t *net_guard_victim(const net_guard_t *g, net_guard_weight_fn weight, void *ctx);

/*
 * The per-client counter bucket of @sa: its address cut to @v4_bits
 * (IPv4) or @v6_bits (IPv6), hashed from @seed (so that peers cannot aim
 * at a bucket), in 0 .. @nbuckets-1.
 */
unsigned net_prefix_bucket(uint64_t seed, const struct sockaddr *sa, unsigned v4_bits,
                           unsigned v6_bits, unsigned nbuckets);

/*
 * The highest descriptor number accepted connections may hold with
 * @limit descriptors (RLIMIT_NOFILE) and @reserve kept for other work:
 * Linux hands out the lowest free number, so an accepted descriptor at or
 * above it means at most @reserve are left.  At most half the limit is
 * reserved.
 */
int net_fd_ceiling(uint64_t limit, unsigned reserve);

#endif
