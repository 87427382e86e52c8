/*
 * tcp.c - DNS over TCP (RFC 7766): accept with per-worker and per-prefix
 * limits and eviction, 2-byte length framing, pipelined queries answered
 * in order, response streams paced by the output queue, idle timeouts and
 * message deadlines (the policy is tcp_guard.c, applied here), and
 * server-initiated messages on kept connections.
 *
 * Buffering is bounded: a connection whose output queue reaches
 * tcp_max_queue stops reading (and so stops answering) until the peer has
 * read half of it; the input holds at most one unprocessed message plus
 * one read.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "net_impl.h"

static void conn_service(dns_net_conn_t *c);

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* One writer per counter (the worker): no read-modify-write needed. */
static void stat_add(net_worker_t *w, enum net_stat k, int64_t d)
{
	uint64_t v = atomic_load_explicit(&w->stats[k], memory_order_relaxed);
	atomic_store_explicit(&w->stats[k], v + (uint64_t)d, memory_order_relaxed);
}

/* Make the guard timer fire by the time the first tracked connection runs out. */
static void guard_arm(net_worker_t *w, uint64_t now)
{
	uint64_t next = net_guard_next(&w->guard);
	if (next == UINT64_MAX || next >= w->guard_at)
		return;   /* nothing tracked, or the timer fires early enough already */
	uint64_t ms = next > now ? next - now : 0;
	struct timeval tv = { .tv_sec = (time_t)(ms / 1000), .tv_usec = (suseconds_t)(ms % 1000) * 1000 };
	w->guard_at = next;
	evtimer_add(w->guard_ev, &tv);
}

void net_conn_unref(dns_net_conn_t *c)
{
	if (atomic_fetch_sub(&c->refs, 1) == 1)
		free(c);
}

static void stream_end(dns_net_conn_t *c)
{
	if (!c->streaming)
		return;
	c->streaming = false;
	if (c->stream.release != NULL)
		c->stream.release(c->stream.ctx);
	memset(&c->stream, 0, sizeof(c->stream));
}

static void conn_close(dns_net_conn_t *c)
{
	net_worker_t *w = c->w;
	if (!atomic_load(&c->open))
		return;
	atomic_store(&c->open, false);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		w->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	w->nconns--;
	stat_add(w, NET_ST_OPEN, -1);
	net_guard_set(&w->guard, &c->guard, NET_GUARD_OFF, 0, false);
	atomic_fetch_sub(&w->srv->client_conns[c->bucket], 1);
	dns_net_fd_budget_give(w->srv->budget);
	stream_end(c);
	bufferevent_free(c->bev);   /* closes the socket; safe inside its callbacks */
	c->bev = NULL;
	if (c->closed != NULL)
		c->closed(c->closed_arg, c);
	net_conn_unref(c);
}

void net_conn_close_all(net_worker_t *w)
{
	while (w->conns != NULL)
		conn_close(w->conns);
}

/* Queue one framed message from w->tcpbuf (len bytes after the prefix). */
static void conn_add(dns_net_conn_t *c, size_t len)
{
	uint8_t *buf = c->w->tcpbuf;
	buf[0] = (uint8_t)(len >> 8);
	buf[1] = (uint8_t)len;
	evbuffer_add(bufferevent_get_output(c->bev), buf, 2 + len);
}

/* Produce stream messages until the queue is full; false if closed. */
static bool stream_pump(dns_net_conn_t *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	size_t limit = c->w->srv->cfg.tcp_max_queue;
	while (c->streaming && evbuffer_get_length(out) < limit) {
		size_t len = 0;
		dns_net_stream_status_t st =
			c->stream.next(c->stream.ctx, c->w->tcpbuf + 2, DNS_NET_MSG_MAX, &len);
		if (st == DNS_NET_STREAM_MORE || st == DNS_NET_STREAM_LAST) {
			if (len == 0 || len > DNS_NET_MSG_MAX)
				st = DNS_NET_STREAM_ABORT;
			else
				conn_add(c, len);
		}
		if (st == DNS_NET_STREAM_MORE)
			continue;
		stream_end(c);
		if (st == DNS_NET_STREAM_ABORT) {
			conn_close(c);
			return false;
		}
	}
	return true;
}

/*
 * Answer the complete queries in the input, in order, until the output
 * queue is full or a stream starts.  False if the connection was closed.
 */
static bool conn_queries(dns_net_conn_t *c)
{
	net_worker_t *w = c->w;
	dns_net_server_t *srv = w->srv;
	struct evbuffer *in = bufferevent_get_input(c->bev);
	struct evbuffer *out = bufferevent_get_output(c->bev);
	dns_net_snap_t *snap = NULL;
	bool entered = false, alive = true;

	while (!c->streaming && evbuffer_get_length(out) < srv->cfg.tcp_max_queue) {
		uint8_t pre[2];
		size_t avail = evbuffer_get_length(in);
		if (avail < 2)
			break;
		evbuffer_copyout(in, pre, 2);
		size_t mlen = (size_t)pre[0] << 8 | pre[1];
		if (mlen == 0) {
			alive = false;   /* not a DNS message: the stream is out of sync */
			break;
		}
		if (avail < 2 + mlen)
			break;
		const uint8_t *msg = evbuffer_pullup(in, (ev_ssize_t)(2 + mlen));
		if (msg == NULL) {
			alive = false;
			break;
		}
		if (!entered) {
			snap = net_snap_enter(w);
			entered = true;
		}
		dns_net_request_t req = {
			.data = msg + 2, .len = mlen, .transport = DNS_NET_TCP,
			.peer = (const struct sockaddr *)&c->peer, .peer_len = c->peer_len,
			.local = (const struct sockaddr *)&c->local, .local_len = c->local_len,
			.worker = w->index, .conn = c,
			.snapshot = snap != NULL ? snap->data : NULL, .snap_ = snap,
		};
		dns_net_reply_t reply = { .buf = w->tcpbuf + 2, .cap = DNS_NET_MSG_MAX,
		                          .transport_ = DNS_NET_TCP };
		srv->cfg.handler(srv->cfg.handler_ctx, &req, &reply);
		evbuffer_drain(in, 2 + mlen);
		c->fresh = true;
		if (reply.len > 0 && reply.len <= DNS_NET_MSG_MAX)
			conn_add(c, reply.len);
		if (reply.stream_.next != NULL) {
			c->stream = reply.stream_;
			c->streaming = true;
		}
	}
	if (entered)
		net_snap_leave(w);
	if (!alive)
		conn_close(c);
	return alive;
}

/* Read only when we could answer: no stream, room in the output queue. */
static void conn_reading(dns_net_conn_t *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	bool want = !c->eof && !c->streaming &&
	            evbuffer_get_length(out) < c->w->srv->cfg.tcp_max_queue;
	bool have = (bufferevent_get_enabled(c->bev) & EV_READ) != 0;
	/* enabling re-arms the idle timer, so only on a change */
	if (want && !have)
		bufferevent_enable(c->bev, EV_READ);
	else if (!want && have)
		bufferevent_disable(c->bev, EV_READ);
}

/*
 * Track the connection by what is pending now: nothing (idle), part of a
 * message (partial), or work on our side, a kept connection or a peer that
 * finished sending (untracked: see tcp_guard.h).
 */
static void conn_track(dns_net_conn_t *c)
{
	net_worker_t *w = c->w;
	net_guard_state_t st = NET_GUARD_OFF;
	if (!c->kept && !c->streaming && c->deferred == 0 && !c->eof &&
	    evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		st = evbuffer_get_length(bufferevent_get_input(c->bev)) > 0 ? NET_GUARD_PARTIAL
		                                                             : NET_GUARD_IDLE;
	bool fresh = c->fresh;
	c->fresh = false;
	if (st == NET_GUARD_OFF && c->guard.state == NET_GUARD_OFF)
		return;
	uint64_t now = now_ms();
	net_guard_set(&w->guard, &c->guard, st, now, fresh);
	guard_arm(w, now);
}

/* Close the connections whose idle time or message deadline ran out. */
void net_tcp_guard_fire(evutil_socket_t fd, short what, void *arg)
{
	net_worker_t *w = arg;
	uint64_t now = now_ms();
	net_guard_link_t *l;
	w->guard_at = UINT64_MAX;
	while ((l = net_guard_expired(&w->guard, now)) != NULL) {
		stat_add(w, l->state == NET_GUARD_PARTIAL ? NET_ST_DEADLINE : NET_ST_IDLE, 1);
		conn_close((dns_net_conn_t *)(void *)l);   /* the link is its first member */
	}
	guard_arm(w, now);
}

static void conn_service(dns_net_conn_t *c)
{
	for (;;) {
		if (c->streaming && !stream_pump(c))
			return;
		if (c->streaming)
			break;   /* the write callback resumes when the queue drains */
		if (!conn_queries(c))
			return;
		if (!c->streaming)
			break;
	}
	conn_reading(c);
	if (c->eof && !c->streaming && c->deferred == 0) {
		/* the peer is done sending: close once everything is written */
		struct evbuffer *out = bufferevent_get_output(c->bev);
		if (evbuffer_get_length(out) == 0) {
			conn_close(c);
			return;
		}
		bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
	}
	conn_track(c);
}

static void conn_read_cb(struct bufferevent *bev, void *arg)
{
	conn_service(arg);
}

static void conn_write_cb(struct bufferevent *bev, void *arg)
{
	conn_service(arg);
}

static void conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	dns_net_conn_t *c = arg;
	if ((what & BEV_EVENT_EOF) && (what & BEV_EVENT_READING)) {
		c->eof = true;
		conn_service(c);
		return;
	}
	conn_close(c);   /* error, or a peer that stopped reading (write timeout) */
}

/* How many connections the prefix of a tracked connection holds. */
static unsigned prefix_weight(void *ctx, const net_guard_link_t *l)
{
	const dns_net_server_t *srv = ctx;
	const dns_net_conn_t *c = (const dns_net_conn_t *)(const void *)l;
	return atomic_load_explicit(&srv->client_conns[c->bucket], memory_order_relaxed);
}

/*
 * Room for a newcomer on @fd: false (and @fd closed) when its prefix has
 * its share, or when the table is full or the descriptor budget has none
 * left and no connection may be evicted for it.  On true the newcomer
 * holds a unit of the budget, and *evicted says whether another connection
 * was closed for it.
 */
static bool conn_admit(net_worker_t *w, int fd, unsigned bucket, bool *evicted)
{
	dns_net_server_t *srv = w->srv;
	if (atomic_fetch_add(&srv->client_conns[bucket], 1) >= srv->cfg.tcp_max_per_prefix) {
		atomic_fetch_sub(&srv->client_conns[bucket], 1);
		stat_add(w, NET_ST_PREFIX, 1);
		close(fd);
		return false;
	}
	bool has_unit = dns_net_fd_budget_take(srv->budget, fd);
	if (has_unit && w->nconns < srv->cfg.tcp_max_conns)
		return true;
	net_guard_link_t *victim = net_guard_victim(&w->guard, prefix_weight, srv);
	if (victim == NULL) {
		/* every slot busy on our side: refuse at once rather than hang */
		if (has_unit)
			dns_net_fd_budget_give(srv->budget);
		atomic_fetch_sub(&srv->client_conns[bucket], 1);
		stat_add(w, has_unit ? NET_ST_FULL : NET_ST_FDS, 1);
		close(fd);
		return false;
	}
	stat_add(w, NET_ST_EVICTED, 1);
	*evicted = true;
	conn_close((dns_net_conn_t *)(void *)victim);   /* gives its unit back */
	if (!has_unit)
		dns_net_fd_budget_force(srv->budget);
	return true;
}

/* Take in @fd; true if another connection was closed to make room. */
static bool conn_accept(net_worker_t *w, int fd, const struct sockaddr_storage *peer,
                        socklen_t plen)
{
	bool evicted = false;
	dns_net_server_t *srv = w->srv;
	unsigned bucket = net_prefix_bucket(srv->hash_seed, (const struct sockaddr *)peer,
	                                    srv->cfg.tcp_prefix_v4, srv->cfg.tcp_prefix_v6,
	                                    NET_CLIENT_BUCKETS);
	if (!conn_admit(w, fd, bucket, &evicted))
		return false;
	dns_net_conn_t *c = calloc(1, sizeof(*c));
	struct bufferevent *bev = NULL;
	if (c != NULL)
		bev = bufferevent_socket_new(w->loop.base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		free(c);
		dns_net_fd_budget_give(srv->budget);
		atomic_fetch_sub(&srv->client_conns[bucket], 1);
		close(fd);
		return evicted;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	net_guard_link_init(&c->guard);
	atomic_init(&c->refs, 1);
	atomic_init(&c->open, true);
	c->w = w;
	c->bev = bev;
	c->bucket = bucket;
	memcpy(&c->peer, peer, plen);
	c->peer_len = plen;
	c->local_len = sizeof(c->local);
	if (getsockname(fd, (struct sockaddr *)&c->local, &c->local_len) != 0)
		c->local_len = 0;
	c->next = w->conns;
	if (w->conns != NULL)
		w->conns->prev = c;
	w->conns = c;
	w->nconns++;
	stat_add(w, NET_ST_ACCEPTED, 1);
	stat_add(w, NET_ST_OPEN, 1);

	/* reading is timed by the guard (idle, message deadline); writing here */
	uint32_t ms = srv->cfg.tcp_idle_ms;
	struct timeval idle = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };
	bufferevent_setcb(bev, conn_read_cb, conn_write_cb, conn_event_cb, c);
	bufferevent_setwatermark(bev, EV_WRITE, srv->cfg.tcp_max_queue / 2, 0);
	bufferevent_setwatermark(bev, EV_READ, 0, 2 * (2 + DNS_NET_MSG_MAX));
	bufferevent_set_timeouts(bev, NULL, &idle);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	conn_track(c);
	return evicted;
}

void net_tcp_acceptable(evutil_socket_t fd, short what, void *arg)
{
	net_listener_t *l = arg;
	for (int k = 0; k < 64; k++) {
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);
		int cfd = accept4(fd, (struct sockaddr *)&peer, &plen, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd >= 0) {
			/* Under pressure a newcomer closes another connection, whose
			 * descriptor libevent closes on its next loop iteration: take
			 * one at a time then, so that descriptors do not pile up. */
			if (conn_accept(l->w, cfd, &peer, plen))
				return;
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
			/* out of descriptors: pause accepting instead of spinning */
			struct timeval tv = { 0, 100000 };
			stat_add(l->w, NET_ST_ACCEPT_ERR, 1);
			event_del(l->ev);
			evtimer_add(l->retry, &tv);
		}
		return;
	}
}

void net_tcp_retry(evutil_socket_t fd, short what, void *arg)
{
	net_listener_t *l = arg;
	event_add(l->ev, NULL);
}

void net_conn_deliver(net_worker_t *w, mail_t *m)
{
	dns_net_conn_t *c = m->conn;
	if (atomic_load(&c->open)) {
		if (m->kind == MAIL_CLOSE) {
			conn_close(c);
		} else {
			struct evbuffer *out = bufferevent_get_output(c->bev);
			if (evbuffer_get_length(out) <= 4 * w->srv->cfg.tcp_max_queue) {
				memcpy(w->tcpbuf + 2, m->data, m->len);
				conn_add(c, m->len);
			}
		}
	}
	net_conn_unref(c);
	free(m);
}

void net_conn_deferred_done(dns_net_conn_t *c, const uint8_t *msg, size_t len)
{
	if (!atomic_load(&c->open))
		return;
	if (c->deferred > 0)
		c->deferred--;
	if (len > 0) {
		memcpy(c->w->tcpbuf + 2, msg, len);
		conn_add(c, len);
	}
	if (c->eof)
		conn_service(c);   /* the peer is done: close once everything is out */
	else
		conn_track(c);     /* idle again if that was all (the write callback
		                      does it once a reply is written) */
}

dns_net_conn_t *dns_net_conn_keep(const dns_net_request_t *req, uint32_t idle_ms,
                                  void (*closed)(void *arg, dns_net_conn_t *conn), void *arg)
{
	dns_net_conn_t *c = req != NULL ? req->conn : NULL;
	if (c == NULL || c->kept || !atomic_load(&c->open))
		return NULL;
	c->kept = true;   /* untracked by the guard from now on: see net.h */
	c->closed = closed;
	c->closed_arg = arg;
	if (idle_ms == 0)
		idle_ms = c->w->srv->cfg.tcp_idle_ms;
	if (idle_ms == UINT32_MAX) {
		bufferevent_set_timeouts(c->bev, NULL, NULL);
	} else {
		struct timeval idle = { .tv_sec = idle_ms / 1000, .tv_usec = (idle_ms % 1000) * 1000 };
		bufferevent_set_timeouts(c->bev, &idle, &idle);
	}
	atomic_fetch_add(&c->refs, 1);
	return c;
}

static dns_err_t conn_post(dns_net_conn_t *c, mail_kind_t kind, const uint8_t *msg, size_t len)
{
	if (!atomic_load(&c->open))
		return DNS_EIO;
	mail_t *m = net_mail_new(kind, len);
	if (m == NULL)
		return DNS_ENOMEM;
	if (len > 0)
		memcpy(m->data, msg, len);
	atomic_fetch_add(&c->refs, 1);
	m->conn = c;
	net_loop_post(&c->w->loop, m);
	return DNS_OK;
}

dns_err_t dns_net_conn_send(dns_net_conn_t *conn, const uint8_t *msg, size_t len)
{
	if (conn == NULL || msg == NULL || len == 0 || len > DNS_NET_MSG_MAX)
		return DNS_EINVAL;
	return conn_post(conn, MAIL_SEND, msg, len);
}

void dns_net_conn_close(dns_net_conn_t *conn)
{
	if (conn != NULL)
		(void)conn_post(conn, MAIL_CLOSE, NULL, 0);
}

bool dns_net_conn_open(const dns_net_conn_t *conn)
{
	return conn != NULL && atomic_load(&conn->open);
}

const struct sockaddr *dns_net_conn_peer(const dns_net_conn_t *conn, socklen_t *len)
{
	if (len != NULL)
		*len = conn->peer_len;
	return (const struct sockaddr *)&conn->peer;
}

void dns_net_conn_release(dns_net_conn_t *conn)
{
	if (conn != NULL)
		net_conn_unref(conn);
}

dns_err_t dns_net_reply_stream(dns_net_reply_t *out, const dns_net_stream_t *stream)
{
	if (out == NULL || stream == NULL || stream->next == NULL)
		return DNS_EINVAL;
	if (out->transport_ != DNS_NET_TCP)
		return DNS_ENOTSUP;
	out->stream_ = *stream;
	return DNS_OK;
}
