/*
 * net_impl.h - private structures of libdnsnet, shared by its files.
 */
#ifndef DNS_NET_IMPL_H
#define DNS_NET_IMPL_H

#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>

#include <event2/event.h>
#include <event2/bufferevent.h>

#include "dns/net.h"
#include "tcp_guard.h"

/* Per-prefix TCP connection counters: striped by a seeded hash of the
 * client's prefix (two prefixes may share a bucket: rarely, and then they
 * share its limit). */
#define NET_CLIENT_BUCKETS 65536

/* Per-worker counters (dns_net_stats_t); one writer each: the worker. */
enum net_stat {
	NET_ST_ACCEPTED, NET_ST_OPEN, NET_ST_IDLE, NET_ST_DEADLINE, NET_ST_EVICTED,
	NET_ST_PREFIX, NET_ST_FULL, NET_ST_FDS, NET_ST_ACCEPT_ERR, NET_ST_COUNT,
};

/* A loop that other threads can wake: an eventfd plus a locked queue. */
typedef enum mail_kind {
	MAIL_STOP,
	MAIL_CALL,       /* fn(arg) */
	MAIL_SEND,       /* conn: data */
	MAIL_CLOSE,      /* conn */
	MAIL_DEFERRED,   /* arg: a dns_net_deferred_t; data: the reply (len 0: drop) */
} mail_kind_t;

typedef struct mail {
	struct mail *next;
	mail_kind_t kind;
	dns_net_fn fn;
	void *arg;
	dns_net_conn_t *conn;   /* holds a reference */
	size_t len;
	uint8_t data[];
} mail_t;

typedef struct net_loop {
	struct event_base *base;
	int efd;
	struct event *ev;
	pthread_mutex_t lock;
	mail_t *head, **tail;
	void (*deliver)(struct net_loop *loop, mail_t *m);
	void *owner;
} net_loop_t;

int net_loop_init(net_loop_t *loop, void (*deliver)(net_loop_t *, mail_t *), void *owner);
void net_loop_fini(net_loop_t *loop);
/* Any thread: queue @m (takes ownership) and wake the loop. */
void net_loop_post(net_loop_t *loop, mail_t *m);
mail_t *net_mail_new(mail_kind_t kind, size_t len);

/* A published snapshot. */
struct dns_net_snap {
	void *data;
	void (*free_fn)(void *);
	atomic_uint pins;
	uint64_t retired_at;     /* epoch after it was replaced */
	struct dns_net_snap *next;
};

typedef struct net_worker net_worker_t;

/* One UDP socket of a worker and its batch buffers. */
typedef struct net_udp net_udp_t;
struct net_udp {
	net_worker_t *w;
	int fd;
	bool wildcard;           /* bound to 0.0.0.0/:: -> answer from pktinfo */
	int family;
	struct sockaddr_storage bound;
	socklen_t bound_len;
	struct event *ev;
};

typedef struct net_listener {
	net_worker_t *w;
	int fd;
	struct event *ev;
	struct event *retry;     /* re-enables accepting after EMFILE */
} net_listener_t;

struct net_udp_batch;

struct net_worker {
	dns_net_server_t *srv;
	unsigned index;
	pthread_t thread;
	bool started;
	net_loop_t loop;
	net_udp_t *udp;          /* [nlisten] */
	net_listener_t *tcp;     /* [nlisten] */
	struct net_udp_batch *batch;
	uint8_t *tcpbuf;         /* 2 + DNS_NET_MSG_MAX: prefix + reply */
	dns_net_conn_t *conns;   /* open connections (list) */
	unsigned nconns;
	net_guard_t guard;       /* idle and partial connections, in expiry order */
	struct event *guard_ev;  /* fires when the first of them runs out */
	uint64_t guard_at;       /* when guard_ev fires (UINT64_MAX: not armed) */
	char pad0_[64];
	atomic_uint_fast64_t stats[NET_ST_COUNT];
	char pad_[64];           /* keep `online` off the neighbours' cache lines */
	atomic_uint_fast64_t online;  /* 0: quiescent, else epoch */
	char pad2_[64];
};

struct dns_net_conn {
	net_guard_link_t guard;  /* first: tcp.c finds the connection from it */
	atomic_uint refs;
	atomic_bool open;
	net_worker_t *w;
	struct bufferevent *bev;
	dns_net_conn_t *prev, *next;
	struct sockaddr_storage peer, local;
	socklen_t peer_len, local_len;
	unsigned bucket;
	bool eof, blocked, kept;
	bool fresh;              /* a message was taken since the last tracking */
	                         /* each open connection holds a budget unit */
	unsigned deferred;       /* deferred replies not yet sent or dropped */
	dns_net_stream_t stream;
	bool streaming;
	void (*closed)(void *arg, dns_net_conn_t *conn);
	void *closed_arg;
};

typedef struct net_timer_list net_timer_list_t;

struct dns_net_server {
	dns_net_config_t cfg;
	dns_net_addr_t *listen;
	dns_net_addr_t *bound;
	unsigned nworkers;
	net_worker_t *workers;
	net_loop_t ctl;
	struct event *sig[3];
	struct event *reclaim_ev;
	bool started, running;
	bool bound_all;          /* dns_net_bind done: every socket bound */
	atomic_bool stop_requested;
	/* deferred replies may be posted to the workers while this is set */
	pthread_mutex_t defer_lock;
	bool defer_open;
	/* snapshots */
	_Atomic(dns_net_snap_t *) current;
	atomic_uint_fast64_t epoch;
	pthread_mutex_t retired_lock;
	dns_net_snap_t *retired;
	/* TCP per-prefix limit */
	uint64_t hash_seed;
	atomic_uint *client_conns;
	dns_net_fd_budget_t *budget;      /* cfg.fd_budget or own_budget */
	dns_net_fd_budget_t *own_budget;
};

/* snapshot.c */
dns_net_snap_t *net_snap_enter(net_worker_t *w);
void net_snap_leave(net_worker_t *w);
/* Control loop: free what is safe; returns true if some remain retired. */
bool net_snap_reclaim(dns_net_server_t *srv, bool all);
void net_snap_free_all(dns_net_server_t *srv);
/* server.c: control loop, reclaim now and re-arm the check timer if needed. */
void net_reclaim_kick(void *srv);

/* server.c */
void srv_signal_cb(evutil_socket_t sig, short what, void *arg);

/* udp.c */
int net_udp_batch_new(net_worker_t *w);
void net_udp_batch_free(net_worker_t *w);
void net_udp_readable(evutil_socket_t fd, short what, void *arg);

/* tcp.c */
void net_tcp_acceptable(evutil_socket_t fd, short what, void *arg);
void net_tcp_retry(evutil_socket_t fd, short what, void *arg);
void net_tcp_guard_fire(evutil_socket_t fd, short what, void *arg);
void net_conn_deliver(net_worker_t *w, mail_t *m);
void net_conn_close_all(net_worker_t *w);
void net_conn_unref(dns_net_conn_t *c);
/* Worker: a deferred reply for connection @c was sent or dropped. */
void net_conn_deferred_done(dns_net_conn_t *c, const uint8_t *msg, size_t len);

/* defer.c */
void net_deferred_deliver(net_worker_t *w, mail_t *m);
/* Free an undelivered handle (a mail left in a stopped loop). */
void net_deferred_discard(void *arg);
/* Stop accepting deferred replies (before the workers stop). */
void net_defer_close(dns_net_server_t *srv);

#endif
