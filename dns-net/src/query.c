/*
 * query.c - the outgoing-query engine (see dns/net_query.h): one state
 * machine per query, driven by libevent events on its socket and one
 * timer.  A query is UDP (tries spread over the timeout) and/or TCP
 * (connect, write the length-prefixed message, read one framed answer).
 * A stream is a TCP query that reads framed messages until its consumer
 * says the answer is complete, and may then stay open as a session.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "dns/net_query.h"

#define HDR_LEN 12
#define RBUF_INITIAL (2 + 512)
#define DEFAULT_TIMEOUT_MS 5000
#define DEFAULT_UDP_TRIES 3
#define DEFAULT_TCP_TRIES 2
#define UDP_MIN_TRY_MS 50
#define STREAM_TIMEOUT_MS 300000
#define STREAM_IDLE_MS 30000
#define STREAM_WQ_MAX (256u * 1024)
/* keepalive on a session: first probe after 60 s idle, 3 probes 10 s apart */
#define KEEP_IDLE_S 60
#define KEEP_INTVL_S 10
#define KEEP_CNT 3

typedef enum phase {
	PH_START,       /* waiting for the first loop iteration */
	PH_UDP,         /* datagram sent, waiting for the answer */
	PH_TCP_CONNECT,
	PH_TCP_WRITE,
	PH_TCP_READ,
} phase_t;

struct dns_netq {
	struct event_base *base;
	dns_netq_query_t *head;
	size_t pending;
};

struct dns_netq_query {
	dns_netq_t *q;
	dns_netq_query_t *prev, *next;
	dns_netq_done_fn done;
	void *arg;
	dns_net_addr_t server;
	dns_net_addr_t source;
	bool has_source;
	dns_netq_mode_t mode;
	unsigned udp_tries, tcp_tries;
	uint32_t timeout_ms;
	uint64_t deadline;         /* monotonic ms */
	phase_t phase;
	int fd;
	struct event *io;
	struct event *timer;
	dns_netq_result_t res;
	int udp_refused;           /* an ICMP error seen on UDP (errno), 0 if none */
	size_t qend;               /* end of the question in msg (HDR_LEN when none) */
	size_t wpos;               /* TCP bytes of frame written */
	uint8_t *rbuf;             /* TCP: the answer being read (with prefix), grown to
	                            * the frame's length once known: a query in flight
	                            * holds RBUF_INITIAL bytes, not 64 KiB */
	size_t rlen, rcap;
	/* streams */
	dns_netq_msg_fn on_msg;    /* non-NULL: this is a stream */
	bool keep_open, kept;      /* a session; kept: its answer is complete */
	unsigned msgs;             /* messages handed to on_msg */
	uint32_t idle_ms;
	struct event *wev;         /* writing queued messages */
	uint8_t *wq;               /* framed messages waiting for the socket */
	size_t wq_len, wq_off;
	size_t len;                /* message length */
	uint8_t frame[];           /* 2-byte length prefix, then the message */
};

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static inline uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

uint16_t dns_netq_random_id(void)
{
	uint16_t id = 0;
	/* getrandom on 2 bytes never blocks once the pool is ready, nor is short */
	if (getrandom(&id, sizeof(id), 0) != (ssize_t)sizeof(id))
		id = (uint16_t)(mono_ms() * 2654435761u >> 7);
	return id;
}

const char *dns_netq_status_text(dns_netq_status_t s)
{
	switch (s) {
	case DNS_NETQ_OK: return "ok";
	case DNS_NETQ_TIMEOUT: return "timeout";
	case DNS_NETQ_UNREACHABLE: return "unreachable";
	case DNS_NETQ_CLOSED: return "connection lost";
	case DNS_NETQ_MISMATCH: return "answer does not match the query";
	case DNS_NETQ_ERROR: return "local error";
	}
	return "?";
}

dns_netq_t *dns_netq_new(struct event_base *base)
{
	dns_netq_t *q = calloc(1, sizeof(*q));
	if (q != NULL)
		q->base = base;
	return q;
}

size_t dns_netq_pending(const dns_netq_t *q) { return q->pending; }

static const uint8_t *msg_of(const dns_netq_query_t *h) { return h->frame + 2; }

/* End of the (first) question of our own request; 0 if it is malformed. */
static size_t question_end(const uint8_t *m, size_t len)
{
	if (get16(m + 4) == 0)
		return HDR_LEN;
	size_t p = HDR_LEN;
	while (p < len && m[p] != 0) {
		if (m[p] > 63)
			return 0;      /* no compression in a question we send */
		p += 1u + m[p];
	}
	return p + 5 <= len ? p + 5 : 0;
}

static bool same_question(const dns_netq_query_t *h, const uint8_t *a, size_t n)
{
	const uint8_t *m = msg_of(h);
	if (h->qend == HDR_LEN)
		return true;
	if (get16(a + 4) == 0)
		return (a[3] & 0xF) != 0;   /* FORMERR & co. may drop the question */
	if (n < h->qend || get16(a + 4) != get16(m + 4))
		return false;
	for (size_t i = HDR_LEN; i < h->qend; i++) {
		uint8_t x = m[i], y = a[i];
		if (x >= 'A' && x <= 'Z')
			x = (uint8_t)(x + 32);
		if (y >= 'A' && y <= 'Z')
			y = (uint8_t)(y + 32);
		if (x != y)
			return false;
	}
	return true;
}

/* Is @a (n bytes) the answer to this query? */
static bool matches(const dns_netq_query_t *h, const uint8_t *a, size_t n)
{
	const uint8_t *m = msg_of(h);
	if (n < HDR_LEN || a[0] != m[0] || a[1] != m[1])
		return false;
	if (!(a[2] & 0x80) || (a[2] & 0x78) != (m[2] & 0x78))
		return false;   /* QR, then the opcode */
	return same_question(h, a, n);
}

static void close_socket(dns_netq_query_t *h)
{
	if (h->wev != NULL)
		event_del(h->wev);
	if (h->io != NULL) {
		event_free(h->io);
		h->io = NULL;
	}
	if (h->fd >= 0) {
		close(h->fd);
		h->fd = -1;
	}
}

static void unlink_query(dns_netq_query_t *h)
{
	if (h->prev != NULL)
		h->prev->next = h->next;
	else
		h->q->head = h->next;
	if (h->next != NULL)
		h->next->prev = h->prev;
	h->q->pending--;
}

static void destroy(dns_netq_query_t *h)
{
	close_socket(h);
	if (h->wev != NULL)
		event_free(h->wev);
	free(h->wq);
	if (h->timer != NULL)
		event_free(h->timer);
	free(h->rbuf);
	free(h);
}

/* End the query: the callback sees @answer only during the call. */
static void finish(dns_netq_query_t *h, dns_netq_status_t st, int err, const uint8_t *answer,
                   size_t n)
{
	unlink_query(h);
	close_socket(h);
	h->res.status = st;
	h->res.sys_errno = err;
	h->res.answer = st == DNS_NETQ_OK ? answer : NULL;
	h->res.len = st == DNS_NETQ_OK ? n : 0;
	dns_netq_done_fn done = h->done;
	void *arg = h->arg;
	dns_netq_result_t res = h->res;
	/* the callback may free the engine: nothing of @h is touched after it */
	if (done != NULL)
		done(arg, &res);
	destroy(h);
}

static uint64_t remaining(const dns_netq_query_t *h)
{
	uint64_t now = mono_ms();
	return now >= h->deadline ? 0 : h->deadline - now;
}

static void arm_timer(dns_netq_query_t *h, uint64_t ms)
{
	struct timeval tv = {.tv_sec = (time_t)(ms / 1000), .tv_usec = (suseconds_t)(ms % 1000) * 1000};
	evtimer_add(h->timer, &tv);
}

static bool watch(dns_netq_query_t *h, short what, event_callback_fn fn)
{
	if (h->io != NULL)
		event_free(h->io);
	h->io = event_new(h->q->base, h->fd, what, fn, h);
	return h->io != NULL && event_add(h->io, NULL) == 0;
}

static bool unreachable_errno(int e)
{
	return e == ECONNREFUSED || e == ENETUNREACH || e == EHOSTUNREACH || e == EADDRNOTAVAIL;
}

static int open_socket(const dns_netq_query_t *h, int type)
{
	int fd = socket(h->server.ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd >= 0 && h->has_source && h->source.ss.ss_family == h->server.ss.ss_family &&
	    bind(fd, (const struct sockaddr *)&h->source.ss, h->source.len) != 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* ---- TCP ---- */

static void tcp_start(dns_netq_query_t *h);

/* The connection broke before the answer: try another one, or give up. */
static void tcp_lost(dns_netq_query_t *h, int err)
{
	close_socket(h);
	if (h->res.tcp_connects < h->tcp_tries && remaining(h) > 0) {
		tcp_start(h);
		return;
	}
	finish(h, DNS_NETQ_CLOSED, err, NULL, 0);
}

static bool stream_frame(dns_netq_query_t *h, size_t n);

static void tcp_read_cb(evutil_socket_t fd, short what, void *arg)
{
	dns_netq_query_t *h = arg;
	for (;;) {
		size_t want = h->rlen < 2 ? 2 : 2 + (size_t)get16(h->rbuf);
		if (h->rlen >= 2 && want == 2) {
			tcp_lost(h, EPROTO);   /* a zero-length frame: not a DNS message */
			return;
		}
		if (want > h->rcap) {
			uint8_t *n = realloc(h->rbuf, want);
			if (n == NULL) {
				finish(h, DNS_NETQ_ERROR, ENOMEM, NULL, 0);
				return;
			}
			h->rbuf = n;
			h->rcap = want;
		}
		if (h->rlen == want && h->on_msg != NULL) {
			if (!stream_frame(h, want - 2))
				return;
			h->rlen = 0;
			continue;
		}
		if (h->rlen == want) {
			if (!matches(h, h->rbuf + 2, want - 2))
				finish(h, DNS_NETQ_MISMATCH, 0, NULL, 0);
			else
				finish(h, DNS_NETQ_OK, 0, h->rbuf + 2, want - 2);
			return;
		}
		ssize_t r = read(fd, h->rbuf + h->rlen, want - h->rlen);
		if (r > 0) {
			h->rlen += (size_t)r;
			continue;
		}
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		tcp_lost(h, r == 0 ? 0 : errno);
		return;
	}
}

static void tcp_write_cb(evutil_socket_t fd, short what, void *arg)
{
	dns_netq_query_t *h = arg;
	if (h->phase == PH_TCP_CONNECT) {
		int err = 0;
		socklen_t elen = sizeof(err);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
			err = errno;
		if (err != 0) {
			if (unreachable_errno(err))
				finish(h, DNS_NETQ_UNREACHABLE, err, NULL, 0);
			else
				tcp_lost(h, err);
			return;
		}
		h->phase = PH_TCP_WRITE;
	}
	while (h->wpos < h->len + 2) {
		ssize_t w = send(fd, h->frame + h->wpos, h->len + 2 - h->wpos, MSG_NOSIGNAL);
		if (w < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (w <= 0) {
			tcp_lost(h, w < 0 ? errno : 0);
			return;
		}
		h->wpos += (size_t)w;
	}
	h->phase = PH_TCP_READ;
	h->rlen = 0;
	if (!watch(h, EV_READ | EV_PERSIST, tcp_read_cb))
		finish(h, DNS_NETQ_ERROR, ENOMEM, NULL, 0);
}

static uint64_t stream_wait(const dns_netq_query_t *h);

static void tcp_start(dns_netq_query_t *h)
{
	h->phase = PH_TCP_CONNECT;
	h->res.transport = DNS_NET_TCP;
	h->wpos = 0;
	h->rlen = 0;
	h->fd = open_socket(h, SOCK_STREAM);
	if (h->fd < 0) {
		finish(h, DNS_NETQ_ERROR, errno, NULL, 0);
		return;
	}
	h->res.tcp_connects++;
	if (connect(h->fd, (const struct sockaddr *)&h->server.ss, h->server.len) < 0 &&
	    errno != EINPROGRESS) {
		int e = errno;
		if (unreachable_errno(e))
			finish(h, DNS_NETQ_UNREACHABLE, e, NULL, 0);
		else
			tcp_lost(h, e);
		return;
	}
	if (!watch(h, EV_WRITE | EV_PERSIST, tcp_write_cb)) {
		finish(h, DNS_NETQ_ERROR, ENOMEM, NULL, 0);
		return;
	}
	arm_timer(h, h->on_msg != NULL ? stream_wait(h) : remaining(h));
}

/* ---- UDP ---- */

static uint64_t udp_try_ms(const dns_netq_query_t *h)
{
	uint64_t t = h->timeout_ms / h->udp_tries;
	uint64_t left = remaining(h);
	if (t < UDP_MIN_TRY_MS)
		t = UDP_MIN_TRY_MS;
	return t < left ? t : left;
}

static void udp_send(dns_netq_query_t *h)
{
	h->res.udp_sends++;
	if (send(h->fd, msg_of(h), h->len, 0) < 0 && errno != EAGAIN)
		h->udp_refused = errno;   /* kept: reported if no answer ever comes */
	arm_timer(h, udp_try_ms(h));
}

static void udp_read_cb(evutil_socket_t fd, short what, void *arg)
{
	dns_netq_query_t *h = arg;
	uint8_t buf[65535];
	for (;;) {
		ssize_t r = recv(fd, buf, sizeof(buf), 0);
		if (r < 0) {
			if (errno != EAGAIN && errno != EINTR)
				h->udp_refused = errno;   /* ICMP: keep waiting for a real answer */
			if (errno == EINTR)
				continue;
			return;
		}
		if (!matches(h, buf, (size_t)r))
			continue;   /* not ours: a late or forged datagram */
		if ((buf[2] & 0x02) && h->mode == DNS_NETQ_UDP && remaining(h) > 0) {
			close_socket(h);
			evtimer_del(h->timer);
			tcp_start(h);
			return;
		}
		finish(h, DNS_NETQ_OK, 0, buf, (size_t)r);
		return;
	}
}

static void udp_start(dns_netq_query_t *h)
{
	h->phase = PH_UDP;
	h->res.transport = DNS_NET_UDP;
	h->fd = open_socket(h, SOCK_DGRAM);
	if (h->fd < 0) {
		finish(h, DNS_NETQ_ERROR, errno, NULL, 0);
		return;
	}
	/* connected: the kernel drops datagrams from other sources */
	if (connect(h->fd, (const struct sockaddr *)&h->server.ss, h->server.len) < 0) {
		int e = errno;
		finish(h, unreachable_errno(e) ? DNS_NETQ_UNREACHABLE : DNS_NETQ_ERROR, e, NULL, 0);
		return;
	}
	if (!watch(h, EV_READ | EV_PERSIST, udp_read_cb)) {
		finish(h, DNS_NETQ_ERROR, ENOMEM, NULL, 0);
		return;
	}
	udp_send(h);
}

static void timer_cb(evutil_socket_t fd, short what, void *arg)
{
	dns_netq_query_t *h = arg;
	switch (h->phase) {
	case PH_START:
		if (h->mode == DNS_NETQ_TCP)
			tcp_start(h);
		else
			udp_start(h);
		return;
	case PH_UDP:
		if (h->res.udp_sends < h->udp_tries && remaining(h) > 0) {
			udp_send(h);
			return;
		}
		if (h->udp_refused != 0 && unreachable_errno(h->udp_refused))
			finish(h, DNS_NETQ_UNREACHABLE, h->udp_refused, NULL, 0);
		else
			finish(h, DNS_NETQ_TIMEOUT, 0, NULL, 0);
		return;
	default:
		finish(h, DNS_NETQ_TIMEOUT, 0, NULL, 0);
		return;
	}
}

/* A query of @q (not started), or NULL with *err set. */
static dns_netq_query_t *query_new(dns_netq_t *q, const dns_net_addr_t *server,
                                   const dns_net_addr_t *source, const uint8_t *msg,
                                   size_t len, dns_netq_mode_t mode, dns_err_t *err)
{
	*err = DNS_EINVAL;
	if (server == NULL || msg == NULL || len < HDR_LEN || len > 65535 || server->len == 0 ||
	    server->len > sizeof(server->ss) || (source != NULL && source->len > sizeof(source->ss)))
		return NULL;
	size_t qend = question_end(msg, len);
	if (qend == 0)
		return NULL;
	*err = DNS_ENOMEM;
	dns_netq_query_t *h = calloc(1, sizeof(*h) + len + 2);
	if (h == NULL)
		return NULL;
	h->fd = -1;
	h->rcap = RBUF_INITIAL;
	h->rbuf = mode == DNS_NETQ_UDP_ONLY ? NULL : malloc(h->rcap);
	h->timer = evtimer_new(q->base, timer_cb, h);
	if (h->timer == NULL || (mode != DNS_NETQ_UDP_ONLY && h->rbuf == NULL)) {
		destroy(h);
		return NULL;
	}
	h->q = q;
	h->server = *server;
	if (source != NULL && source->len > 0) {
		h->source = *source;
		h->has_source = true;
	}
	h->mode = mode;
	h->qend = qend;
	h->len = len;
	h->frame[0] = (uint8_t)(len >> 8);
	h->frame[1] = (uint8_t)len;
	memcpy(h->frame + 2, msg, len);
	*err = DNS_OK;
	return h;
}

/* Link @h into its engine and start it from the loop. */
static void query_start(dns_netq_query_t *h, dns_netq_query_t **handle)
{
	dns_netq_t *q = h->q;
	h->deadline = mono_ms() + h->timeout_ms;
	h->next = q->head;
	if (q->head != NULL)
		q->head->prev = h;
	q->head = h;
	q->pending++;
	/* start from the loop: the callback never runs inside this call */
	arm_timer(h, 0);
	if (handle != NULL)
		*handle = h;
}

dns_err_t dns_netq_send(dns_netq_t *q, const dns_netq_request_t *req, dns_netq_done_fn done,
                        void *arg, dns_netq_query_t **handle)
{
	if (req == NULL)
		return DNS_EINVAL;
	dns_err_t err;
	dns_netq_query_t *h = query_new(q, req->server, req->source, req->msg, req->len, req->mode,
	                                &err);
	if (h == NULL)
		return err;
	h->done = done;
	h->arg = arg;
	h->timeout_ms = req->timeout_ms ? req->timeout_ms : DEFAULT_TIMEOUT_MS;
	h->udp_tries = req->udp_tries ? req->udp_tries : DEFAULT_UDP_TRIES;
	h->tcp_tries = req->tcp_tries ? req->tcp_tries : DEFAULT_TCP_TRIES;
	if (req->random_id) {
		uint16_t id = dns_netq_random_id();
		h->frame[2] = (uint8_t)(id >> 8);
		h->frame[3] = (uint8_t)id;
	}
	query_start(h, handle);
	return DNS_OK;
}

void dns_netq_cancel(dns_netq_query_t *h)
{
	if (h == NULL)
		return;
	unlink_query(h);
	destroy(h);
}

void dns_netq_free(dns_netq_t *q)
{
	if (q == NULL)
		return;
	while (q->head != NULL)
		dns_netq_cancel(q->head);
	free(q);
}

/* ---- streams ---- */

/* How long the stream may wait now: until the next message, within the deadline. */
static uint64_t stream_wait(const dns_netq_query_t *h)
{
	uint64_t left = remaining(h);
	return h->idle_ms < left ? h->idle_ms : left;
}

/* A later message of the answer: the request's ID, QR, opcode, and its
 * question when it carries one. */
static bool follows(const dns_netq_query_t *h, const uint8_t *a, size_t n)
{
	const uint8_t *m = msg_of(h);
	if (n < HDR_LEN || a[0] != m[0] || a[1] != m[1] || !(a[2] & 0x80) ||
	    (a[2] & 0x78) != (m[2] & 0x78))
		return false;
	return get16(a + 4) == 0 || same_question(h, a, n);
}

/* A session stays open for the server's requests: keepalive finds a dead peer. */
static void keepalive(int fd)
{
	int on = 1, idle = KEEP_IDLE_S, intvl = KEEP_INTVL_S, cnt = KEEP_CNT;
	/* best effort: without them the session just lives until the peer closes */
	(void)setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
	(void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	(void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
	(void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
}

/* One complete frame of a stream (in rbuf).  False when @h has ended. */
static bool stream_frame(dns_netq_query_t *h, size_t n)
{
	const uint8_t *m = h->rbuf + 2;
	if (!h->kept && !(h->msgs == 0 ? matches(h, m, n) : follows(h, m, n))) {
		finish(h, DNS_NETQ_MISMATCH, 0, NULL, 0);
		return false;
	}
	h->msgs++;
	dns_netq_verdict_t v = h->on_msg(h->arg, m, n);
	if (v == DNS_NETQ_STOP) {
		finish(h, DNS_NETQ_ERROR, ECANCELED, NULL, 0);
		return false;
	}
	if (h->kept)
		return true;
	if (v == DNS_NETQ_MORE) {
		arm_timer(h, stream_wait(h));
		return true;
	}
	if (!h->keep_open) {
		finish(h, DNS_NETQ_OK, 0, m, n);
		return false;
	}
	h->kept = true;
	evtimer_del(h->timer);
	keepalive(h->fd);
	return true;
}

/* Write what is queued; false on a hard error (the read side then sees
 * the connection gone). */
static bool stream_flush(dns_netq_query_t *h)
{
	while (h->wq_off < h->wq_len) {
		ssize_t w = send(h->fd, h->wq + h->wq_off, h->wq_len - h->wq_off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			event_add(h->wev, NULL);
			return true;
		}
		if (w <= 0) {
			h->wq_len = h->wq_off = 0;
			return false;
		}
		h->wq_off += (size_t)w;
	}
	h->wq_len = h->wq_off = 0;
	return true;
}

static void stream_write_cb(evutil_socket_t fd, short what, void *arg)
{
	dns_netq_query_t *h = arg;
	if (!stream_flush(h))
		tcp_lost(h, errno);
}

dns_err_t dns_netq_stream_write(dns_netq_query_t *h, const uint8_t *msg, size_t len)
{
	if (h == NULL || h->on_msg == NULL || h->phase != PH_TCP_READ || h->fd < 0 || len == 0 ||
	    len > 65535)
		return DNS_EINVAL;
	if (h->wev == NULL) {
		h->wev = event_new(h->q->base, h->fd, EV_WRITE, stream_write_cb, h);
		if (h->wev == NULL)
			return DNS_ENOMEM;
	}
	if (h->wq_len + len + 2 > STREAM_WQ_MAX)
		return DNS_ENOMEM;
	if (h->wq_off > 0) {
		memmove(h->wq, h->wq + h->wq_off, h->wq_len - h->wq_off);
		h->wq_len -= h->wq_off;
		h->wq_off = 0;
	}
	uint8_t *nq = realloc(h->wq, h->wq_len + len + 2);
	if (nq == NULL)
		return DNS_ENOMEM;
	h->wq = nq;
	h->wq[h->wq_len] = (uint8_t)(len >> 8);
	h->wq[h->wq_len + 1] = (uint8_t)len;
	memcpy(h->wq + h->wq_len + 2, msg, len);
	h->wq_len += len + 2;
	if (!event_pending(h->wev, EV_WRITE, NULL))
		(void)stream_flush(h);   /* an error shows on the read side */
	return DNS_OK;
}

dns_err_t dns_netq_stream(dns_netq_t *q, const dns_netq_stream_request_t *req,
                          dns_netq_msg_fn on_msg, dns_netq_done_fn done, void *arg,
                          dns_netq_query_t **handle)
{
	if (req == NULL || on_msg == NULL)
		return DNS_EINVAL;
	dns_err_t err;
	dns_netq_query_t *h = query_new(q, req->server, req->source, req->msg, req->len,
	                                DNS_NETQ_TCP, &err);
	if (h == NULL)
		return err;
	h->done = done;
	h->arg = arg;
	h->on_msg = on_msg;
	h->keep_open = req->keep_open;
	h->timeout_ms = req->timeout_ms ? req->timeout_ms : STREAM_TIMEOUT_MS;
	h->idle_ms = req->idle_ms ? req->idle_ms : STREAM_IDLE_MS;
	h->udp_tries = 1;
	h->tcp_tries = 1;   /* the consumer may have seen part of an answer: no retry */
	query_start(h, handle);
	return DNS_OK;
}

/* ---- blocking ---- */

typedef struct blocking {
	uint8_t *answer;
	size_t cap;
	dns_netq_result_t *res;
	bool ended;
} blocking_t;

static void blocking_done(void *arg, const dns_netq_result_t *res)
{
	blocking_t *b = arg;
	*b->res = *res;
	b->ended = true;
	if (res->status != DNS_NETQ_OK)
		return;
	if (res->len > b->cap) {
		b->res->status = DNS_NETQ_ERROR;
		b->res->sys_errno = EMSGSIZE;
		b->res->answer = NULL;
		b->res->len = 0;
		return;
	}
	memcpy(b->answer, res->answer, res->len);
	b->res->answer = b->answer;
}

dns_err_t dns_netq_exchange(const dns_netq_request_t *req, uint8_t *answer, size_t cap,
                            dns_netq_result_t *res)
{
	struct event_base *base = event_base_new();
	if (base == NULL)
		return DNS_ENOMEM;
	dns_netq_t *q = dns_netq_new(base);
	if (q == NULL) {
		event_base_free(base);
		return DNS_ENOMEM;
	}
	blocking_t b = {.answer = answer, .cap = cap, .res = res};
	memset(res, 0, sizeof(*res));
	dns_err_t err = dns_netq_send(q, req, blocking_done, &b, NULL);
	while (err == DNS_OK && !b.ended)
		if (event_base_loop(base, EVLOOP_ONCE) < 0) {
			res->status = DNS_NETQ_ERROR;
			break;
		}
	dns_netq_free(q);
	event_base_free(base);
	return err;
}
