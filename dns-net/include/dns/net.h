/*
 * net.h - the network runtime shared by the suite's servers (libdnsnet).
 *
 * A server owns N worker threads, each with its own libevent loop and its
 * own SO_REUSEPORT UDP socket and TCP listener per listen address, plus a
 * control loop (run by dns_net_run) for signals, timers, posted functions
 * and snapshot reclamation.  The runtime knows DNS only as far as framing:
 * every request is handed to one handler callback, which decides what, if
 * anything, to send back.
 *
 * Threads: the handler, stream generators and closed notifications run on
 * worker threads (concurrently, one per worker); timers, SIGHUP and posted
 * functions run on the control loop.  Functions marked "any thread" may be
 * called from anywhere; the rest only from the thread documented.
 *
 * The query path allocates nothing per UDP query and takes no lock: UDP is
 * received with recvmmsg and answered with one sendmmsg per batch, and the
 * current snapshot is read with one atomic load per batch (QSBR, below).
 */
#ifndef DNS_NET_H
#define DNS_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dns/error.h"

/* Longest address text dns_net_addr_format writes ("[v6%scope]:65535"). */
#define DNS_NET_ADDR_TEXT_MAX 80
/* Largest DNS message (and the size of the reply buffer). */
#define DNS_NET_MSG_MAX 65535

typedef struct dns_net_addr {
	struct sockaddr_storage ss;
	socklen_t len;
} dns_net_addr_t;

/*
 * Parse a listen/peer address: "127.0.0.1:5300", "[::1]:5300",
 * "0.0.0.0:53", "[::]:53".  The port is mandatory (0 asks for an
 * ephemeral port, the same for UDP and TCP).  No host names.
 */
dns_err_t dns_net_addr_parse(const char *text, dns_net_addr_t *out);

/* Write @sa as "ip:port" or "[ip]:port" into @buf; returns @buf. */
const char *dns_net_addr_format(const struct sockaddr *sa, char *buf, size_t size);

typedef struct dns_net_server dns_net_server_t;
typedef struct dns_net_fd_budget dns_net_fd_budget_t;   /* below */
typedef struct dns_net_conn dns_net_conn_t;   /* a TCP connection handle */
typedef struct dns_net_snap dns_net_snap_t;   /* a pinned published snapshot */

typedef enum dns_net_transport {
	DNS_NET_UDP,   /* same values as dns_transport_t in dns/answer.h */
	DNS_NET_TCP,
} dns_net_transport_t;

/* One request as the handler sees it; valid only during the call. */
typedef struct dns_net_request {
	const uint8_t *data;            /* the message, without TCP length prefix */
	size_t len;
	dns_net_transport_t transport;
	const struct sockaddr *peer;
	socklen_t peer_len;
	const struct sockaddr *local;   /* the address the query came to */
	socklen_t local_len;
	unsigned worker;                /* 0 .. workers-1 */
	void *snapshot;                 /* current published snapshot (or NULL) */
	dns_net_conn_t *conn;           /* TCP: the connection (borrowed); UDP: NULL */
	dns_net_snap_t *snap_;          /* private */
	struct net_udp *udp_;           /* private: the UDP socket it came in on */
} dns_net_request_t;

/* What a stream generator says after each call. */
typedef enum dns_net_stream_status {
	DNS_NET_STREAM_MORE,   /* a message is in buf; call again */
	DNS_NET_STREAM_LAST,   /* a message is in buf; it is the last one */
	DNS_NET_STREAM_DONE,   /* no message; the stream is over */
	DNS_NET_STREAM_ABORT,  /* no message; close the connection */
} dns_net_stream_status_t;

/*
 * A TCP response stream (AXFR/IXFR): @next writes the next message (at
 * most @cap bytes, never empty with MORE/LAST) into @buf.  The runtime
 * calls it on the worker thread whenever the connection's output queue
 * has drained below half of tcp_max_queue, so a huge transfer is never
 * buffered whole.  @release (may be NULL) is called exactly once, when the
 * stream ends or its connection closes.  Queries that arrive on the same
 * connection meanwhile are answered after the stream (order is kept).
 * @next runs outside any batch: a generator that reads the snapshot must
 * pin it in the handler with dns_net_snap_hold.
 */
typedef struct dns_net_stream {
	dns_net_stream_status_t (*next)(void *ctx, uint8_t *buf, size_t cap, size_t *len);
	void (*release)(void *ctx);
	void *ctx;
} dns_net_stream_t;

/*
 * The handler's output.  buf has cap == DNS_NET_MSG_MAX bytes; write one
 * response there and set len, or leave len at 0 to send nothing.
 */
typedef struct dns_net_reply {
	uint8_t *buf;
	size_t cap;
	size_t len;
	dns_net_transport_t transport_;  /* private */
	dns_net_stream_t stream_;        /* private; set by dns_net_reply_stream */
} dns_net_reply_t;

/*
 * TCP only: after the reply in buf (if len > 0), send the messages
 * produced by @stream.  Returns DNS_ENOTSUP on UDP (then @stream is not
 * taken: the caller still owns its ctx).
 */
dns_err_t dns_net_reply_stream(dns_net_reply_t *out, const dns_net_stream_t *stream);

/*
 * Deferred replies: answer a request later, from any thread (e.g. once a
 * write has reached stable storage).  Inside the handler,
 * dns_net_reply_defer takes a handle on the request's peer (leave
 * out->len at 0).  Later, exactly one of dns_net_deferred_send or
 * dns_net_deferred_drop consumes the handle.  UDP replies leave from the
 * socket the query came to (and from its destination address), sent by
 * the owning worker; TCP replies are queued on the connection in the
 * order they are sent, and a connection whose peer has finished sending
 * stays open until its deferred replies are sent or dropped.  A reply
 * sent after the connection closed, or after dns_net_run returned, is
 * silently discarded; every handle must be consumed before
 * dns_net_server_free.  NULL on ENOMEM.
 */
typedef struct dns_net_deferred dns_net_deferred_t;
dns_net_deferred_t *dns_net_reply_defer(const dns_net_request_t *req);
/* Any thread: send @msg (1..65535 bytes) and free @d.  DNS_EINVAL for a
 * bad length (then @d is dropped too). */
dns_err_t dns_net_deferred_send(dns_net_deferred_t *d, const uint8_t *msg, size_t len);
/* Any thread: send nothing and free @d.  NULL is fine. */
void dns_net_deferred_drop(dns_net_deferred_t *d);

typedef void (*dns_net_handler_fn)(void *ctx, const dns_net_request_t *req, dns_net_reply_t *out);
/* See dns_net_config_t.prefetch. */
typedef void (*dns_net_prefetch_fn)(void *ctx, const dns_net_request_t *reqs, unsigned n);
typedef void (*dns_net_fn)(void *arg);

typedef struct dns_net_config {
	const dns_net_addr_t *listen;  /* each gets UDP and TCP on every worker */
	size_t nlisten;
	unsigned workers;              /* 0: one per online CPU */
	/* TCP under abuse (slowloris, connection floods): see "TCP limits" below. */
	uint32_t tcp_idle_ms;          /* 0: 10000; nothing pending this long: close */
	uint32_t tcp_msg_ms;           /* 0: 3000; a message not whole this long after
	                                  its first byte: close */
	unsigned tcp_max_conns;        /* per worker; 0: 1024 */
	unsigned tcp_max_per_prefix;   /* per client prefix over all workers; 0: 32 */
	unsigned tcp_prefix_v4;        /* client prefix length, IPv4; 0: 24 */
	unsigned tcp_prefix_v6;        /* client prefix length, IPv6; 0: 56 */
	unsigned fd_reserve;           /* descriptors kept from TCP clients; 0: 128 */
	dns_net_fd_budget_t *fd_budget;  /* shared with other listeners (not owned);
	                                    NULL: the server's own, from fd_reserve */
	size_t tcp_max_queue;          /* output bytes per connection before it stops
	                                  reading queries; 0: 256 KiB */
	unsigned udp_batch;            /* datagrams per recvmmsg; 0: 64 (max 256) */
	bool no_signals;               /* don't handle SIGTERM/SIGINT/SIGHUP */
	dns_net_handler_fn handler;    /* required */
	void *handler_ctx;
	/* Optional, with handler_ctx: called on the worker with the requests of
	 * each received UDP batch, a few at a time, before the handler sees
	 * them, to start the memory loads their answers will need.  It must
	 * not change any answer. */
	dns_net_prefetch_fn prefetch;
	dns_net_fn on_sighup;          /* on the control loop; may be NULL */
	void *sighup_arg;
} dns_net_config_t;

/*
 * TCP limits.  A connection is idle while nothing is pending: no partial
 * message in, no answer being written, no stream, no deferred reply; it
 * closes after tcp_idle_ms idle.  Once the first byte of a message has
 * arrived, the whole message must be in within tcp_msg_ms, however the
 * bytes trickle (so one byte every few seconds cannot hold a slot).  A
 * client prefix (/24, /56 by default) holds at most tcp_max_per_prefix
 * connections; more are closed at accept.  When a worker's table is full
 * (tcp_max_conns), or the descriptor budget (below; without fd_budget the
 * server makes its own at dns_net_start) has none left, an idle or partial
 * connection is closed to make room for the newcomer: of the 8 nearest
 * their timeouts, the one whose prefix holds the most connections.  Only
 * when there is none (every one busy on our side, or kept) is the
 * newcomer closed at once.  Connections with work in progress (an answer being written, a transfer, a deferred
 * reply) are never closed for idleness or evicted: a peer that stops
 * reading is closed after tcp_idle_ms without progress.  Kept connections
 * (dns_net_conn_keep) are outside all this: the keeper authenticated and
 * bounds them; they have the keeper's idle timeout and are never evicted.
 * Accept errors (EMFILE, ENFILE) pause accepting for 100 ms.
 */

/* Counters since start, summed over the workers (any thread, relaxed). */
typedef struct dns_net_stats {
	uint64_t tcp_accepted;         /* connections taken in */
	uint64_t tcp_open;             /* open now */
	uint64_t tcp_closed_idle;      /* nothing pending for tcp_idle_ms */
	uint64_t tcp_closed_deadline;  /* a message not whole within tcp_msg_ms */
	uint64_t tcp_evicted;          /* closed to make room for a newcomer */
	uint64_t tcp_refused_prefix;   /* newcomers over tcp_max_per_prefix */
	uint64_t tcp_refused_full;     /* newcomers to a full table with none to evict */
	uint64_t tcp_refused_fds;      /* newcomers with the descriptor budget spent
	                                  and none to evict */
	uint64_t tcp_accept_errors;    /* accept() failures (EMFILE, ENFILE, ENOMEM) */
} dns_net_stats_t;

void dns_net_stats(const dns_net_server_t *srv, dns_net_stats_t *out);

/*
 * Descriptor budget: how many client connections the listeners of one
 * process (the DNS server, the metrics endpoint) may hold together, so
 * that @reserve descriptors of RLIMIT_NOFILE stay free for other work
 * (zone loads, git, outgoing queries): the limit, less the reserve, less
 * the descriptors open when it is made (at most half the limit is
 * reserved).  A listener takes one unit per connection and gives it back
 * on close; one that finds none left makes room by closing one of its own
 * connections, or refuses the newcomer.  As a second check, an accepted
 * descriptor numbered within the reserve counts as none left: Linux hands
 * out the lowest free number, so the reserve is then in use, whoever holds
 * it.  Any thread, lock-free.
 */
dns_net_fd_budget_t *dns_net_fd_budget_new(unsigned reserve);
void dns_net_fd_budget_free(dns_net_fd_budget_t *b);
/* A unit for a connection accepted on @fd; false (nothing taken) when
 * none is left or @fd is within the reserve. */
bool dns_net_fd_budget_take(dns_net_fd_budget_t *b, int fd);
/* A unit whatever is left: for a newcomer that replaced a closed connection. */
void dns_net_fd_budget_force(dns_net_fd_budget_t *b);
void dns_net_fd_budget_give(dns_net_fd_budget_t *b);
/* How many connections it allows in all. */
int dns_net_fd_budget_units(const dns_net_fd_budget_t *b);

/*
 * Create a server (nothing is bound yet).  The config is copied (the
 * listen array too).  On error, @err (may be NULL) says why.
 */
dns_err_t dns_net_server_new(const dns_net_config_t *cfg, dns_net_server_t **out,
                             char *err, size_t errlen);

/*
 * Bind every socket (dns_net_bind, unless done) and start the worker
 * threads.  A failed bind is reported in @err as e.g. "listen
 * 127.0.0.1:53 (udp): Permission denied" and nothing is left running.
 * Sets SIGPIPE to ignored (process-wide).
 */
dns_err_t dns_net_start(dns_net_server_t *srv, char *err, size_t errlen);

/*
 * Bind every socket (as dns_net_start does first) without starting the
 * workers: queries wait in the sockets' queues until dns_net_start.  For
 * a daemon that binds privileged ports, drops privileges, and only then
 * reads its data.  Each listen address with a port is first checked to
 * be free (dns_net_listen_probe): an address another server holds, ours
 * or another program's, fails with DNS_EEXIST and @err
 * "listen 127.0.0.1:53 (udp): address in use (another server is running
 * there)".  On failure nothing stays bound.
 */
dns_err_t dns_net_bind(dns_net_server_t *srv, char *err, size_t errlen);

/*
 * Whether a listener of @type (SOCK_DGRAM or SOCK_STREAM) may bind @a as
 * the only server there: binds a socket without SO_REUSEPORT (which fails
 * if any socket holds the address) and closes it.  DNS_OK; DNS_EEXIST if
 * the address is in use; DNS_EIO for another error (permission, no such
 * local address); @err says which, as dns_net_listen_error.
 */
dns_err_t dns_net_listen_probe(const dns_net_addr_t *a, int type, char *err, size_t errlen);

/* "listen ADDR (udp|tcp): REASON" for a failed bind of @a with errno @errnum;
 * EADDRINUSE reads "address in use (another server is running there)". */
void dns_net_listen_error(const dns_net_addr_t *a, int type, int errnum, char *err,
                          size_t errlen);

/* After dns_net_bind or dns_net_start: the bound address of listen entry
 * @i (ephemeral port resolved). */
const dns_net_addr_t *dns_net_bound_addr(const dns_net_server_t *srv, size_t i);

/* Number of worker threads (valid after dns_net_server_new). */
unsigned dns_net_workers(const dns_net_server_t *srv);

/*
 * Run the control loop until SIGTERM/SIGINT (unless no_signals) or
 * dns_net_stop; then stop the workers, close every socket and connection
 * (calling closed notifications and stream releases) and join the threads.
 * Call once, after dns_net_start, from the thread that will own the
 * control loop.
 */
dns_err_t dns_net_run(dns_net_server_t *srv);

/* Any thread: make dns_net_run return.  Safe before run (it returns at once). */
void dns_net_stop(dns_net_server_t *srv);

/* Free a stopped (or never started) server and the current snapshot. */
void dns_net_server_free(dns_net_server_t *srv);

/* Any thread: run fn(arg) on the control loop soon. */
dns_err_t dns_net_post(dns_net_server_t *srv, dns_net_fn fn, void *arg);

/*
 * The control loop's libevent base, for event-driven code that runs on
 * the control loop (e.g. the outgoing-query engine of dns/net_query.h).
 * Valid from dns_net_server_new until dns_net_server_free; use it only
 * from the control loop (or before dns_net_run), and free what was put
 * on it before the server.
 */
struct event_base;
struct event_base *dns_net_control_base(dns_net_server_t *srv);

/*
 * Control-loop timers (create/arm/free from the control thread, or before
 * dns_net_run).  A repeating timer fires every @ms; a one-shot once.
 */
typedef struct dns_net_timer dns_net_timer_t;
dns_net_timer_t *dns_net_timer_new(dns_net_server_t *srv, dns_net_fn fn, void *arg);
void dns_net_timer_arm(dns_net_timer_t *t, uint32_t ms, bool repeat);
void dns_net_timer_disarm(dns_net_timer_t *t);
void dns_net_timer_free(dns_net_timer_t *t);

/*
 * Snapshots (QSBR).  Any thread: make @snapshot current; the server owns
 * it from now on and frees it with @free_fn (may be NULL) once it has been
 * replaced, every worker has passed a quiescent state (i.e. finished the
 * batch in which it might have read the old pointer) and no pin remains.
 * Workers read the pointer once per batch and never lock.
 */
dns_err_t dns_net_publish(dns_net_server_t *srv, void *snapshot, void (*free_fn)(void *));

/*
 * Worker thread, inside the handler: pin req->snapshot beyond this call
 * (e.g. for a stream).  Returns NULL if no snapshot was published.
 * dns_net_snap_release (any thread) drops the pin.
 */
dns_net_snap_t *dns_net_snap_hold(const dns_net_request_t *req);
void *dns_net_snap_data(const dns_net_snap_t *snap);
void dns_net_snap_release(dns_net_snap_t *snap);

/*
 * TCP connection handles.  Inside the handler, dns_net_conn_keep returns a
 * new reference to the request's connection (NULL on UDP, or if it is
 * already kept) so that messages can be sent on it later; @idle_ms
 * replaces the idle timeout (0 keeps it, UINT32_MAX disables it).
 * @closed (may be NULL) is called once on the worker thread (or by
 * dns_net_run at shutdown) when the connection closes; the keeper must
 * still call dns_net_conn_release.
 */
dns_net_conn_t *dns_net_conn_keep(const dns_net_request_t *req, uint32_t idle_ms,
                                  void (*closed)(void *arg, dns_net_conn_t *conn), void *arg);

/*
 * Any thread: queue one message (the runtime adds the length prefix) for
 * the owning worker to send.  DNS_EIO if the connection is closed,
 * DNS_EINVAL if len is 0 or above 65535.  Best effort: a message queued
 * just before the connection closes is dropped, as is one that would push
 * the output queue past 4 * tcp_max_queue.
 */
dns_err_t dns_net_conn_send(dns_net_conn_t *conn, const uint8_t *msg, size_t len);

/* Any thread: ask the owning worker to close the connection. */
void dns_net_conn_close(dns_net_conn_t *conn);

/* Any thread: whether the connection is still open (may change at once). */
bool dns_net_conn_open(const dns_net_conn_t *conn);

/* The peer address (valid while referenced). */
const struct sockaddr *dns_net_conn_peer(const dns_net_conn_t *conn, socklen_t *len);

/* Any thread: drop a reference from dns_net_conn_keep. */
void dns_net_conn_release(dns_net_conn_t *conn);

#endif
