/*
 * metrics_http.c - GET /metrics on its own thread (a scrape never waits for
 * the query workers, nor they for it), as a small HTTP/1.x responder on
 * bufferevents rather than evhttp: evhttp in libevent 2.1 has no
 * connection limit, restarts its timeout on every byte and logs every
 * failed accept(), which is what a flood of half-sent requests exploits.
 * Limits and counters: metrics_http.h.
 */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <event2/util.h>
#include <inttypes.h>
#include <netdb.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dns/log.h"
#include "dns/metrics_http.h"
#include "dns/net.h"

#define HEAD_MAX 8192          /* bytes of request line and headers */
#define WRITE_MS 10000         /* the answer must be read by then */
#define ACCEPT_PAUSE_MS 250    /* after accept() failed */
#define ACCEPT_BATCH 16        /* accepts per wake-up */
#define LOG_EVERY_S 10         /* pressure is logged at most this often */

typedef struct conn conn_t;
struct conn {
	conn_t *prev, *next;   /* in accept order: the oldest first */
	dns_metrics_http_t *h;
	struct bufferevent *bev;
	struct event *deadline;
	bool responding;
};

enum { C_TIMEOUT, C_EVICTED, C_FDS, C_BUSY, C_ACCEPT_ERR, C_COUNT };
static const char *const reason_names[C_COUNT] = {
	"timeout", "evicted", "fd_reserve", "busy", "accept_errors",
};

struct dns_metrics_http {
	dns_metrics_write_fn write;
	void *ctx;
	dns_metrics_http_opts_t opts;
	dns_net_fd_budget_t *budget;   /* one unit per connection */
	struct event_base *base;
	evutil_socket_t fd;
	struct event *accept_ev, *resume_ev, *log_ev;
	conn_t *head, *tail;
	unsigned nconns;
	pthread_t thread;
	bool running;
	/* on the HTTP thread only: no locks */
	uint64_t count[C_COUNT], logged[C_COUNT];
	time_t quiet_until;
	int accept_errno;
};

/* ---- pressure log: one line now, then at most one per LOG_EVERY_S ---- */

static void log_pressure(dns_metrics_http_t *h)
{
	char n[C_COUNT][24];
	bool any = false;
	for (int k = 0; k < C_COUNT; k++) {
		uint64_t d = h->count[k] - h->logged[k];
		any = any || (k != C_TIMEOUT && d > 0);
		snprintf(n[k], sizeof n[k], "%" PRIu64, d);
	}
	if (!any)
		return;
	dns_log(DNS_LOG_WARN, "metrics endpoint under pressure", "evicted", n[C_EVICTED],
	        "fd_reserve", n[C_FDS], "busy", n[C_BUSY], "timeout", n[C_TIMEOUT],
	        "accept_errors", n[C_ACCEPT_ERR],
	        "accept_error", h->count[C_ACCEPT_ERR] != h->logged[C_ACCEPT_ERR]
	                        ? strerror(h->accept_errno) : NULL,
	        NULL);
	memcpy(h->logged, h->count, sizeof h->logged);
	h->quiet_until = time(NULL) + LOG_EVERY_S;
}

static void note(dns_metrics_http_t *h, int reason)
{
	h->count[reason]++;
	if (reason != C_TIMEOUT && time(NULL) >= h->quiet_until)
		log_pressure(h);
}

static void log_tick(evutil_socket_t fd, short what, void *arg)
{
	log_pressure(arg);
}

/* ---- connections ---- */

static void conn_free(conn_t *c)
{
	dns_metrics_http_t *h = c->h;
	if (c->prev)
		c->prev->next = c->next;
	else
		h->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		h->tail = c->prev;
	h->nconns--;
	dns_net_fd_budget_give(h->budget);
	if (c->deadline)
		event_free(c->deadline);
	if (c->bev)
		bufferevent_free(c->bev);   /* closes the socket */
	free(c);
}

static void arm(conn_t *c, uint32_t ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };
	evtimer_add(c->deadline, &tv);
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
	conn_t *c = arg;
	note(c->h, C_TIMEOUT);
	conn_free(c);
}

static void on_written(struct bufferevent *bev, void *arg)
{
	conn_t *c = arg;
	if (c->responding && evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		conn_free(c);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	conn_free(arg);   /* EOF or error: nothing more to do for this peer */
}

/* Queue the whole answer and close once it is written. */
static void respond(conn_t *c, const char *status, const char *extra, const char *body,
                    size_t len, bool head_only)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	evbuffer_add_printf(out,
	                    "HTTP/1.1 %s\r\n%sContent-Length: %zu\r\nConnection: close\r\n\r\n",
	                    status, extra, len);
	if (!head_only)
		evbuffer_add(out, body, len);
	c->responding = true;
	bufferevent_disable(c->bev, EV_READ);
	bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
	bufferevent_enable(c->bev, EV_WRITE);
	arm(c, WRITE_MS);
}

static void write_own(dns_metrics_http_t *h, FILE *f)
{
	fputs("# HELP dns_metrics_http_connections_closed_total Connections to the metrics endpoint "
	      "closed early, by reason.\n"
	      "# TYPE dns_metrics_http_connections_closed_total counter\n", f);
	for (int k = 0; k < C_ACCEPT_ERR; k++)
		fprintf(f, "dns_metrics_http_connections_closed_total{reason=\"%s\"} %" PRIu64 "\n",
		        reason_names[k], h->count[k]);
	fprintf(f, "# HELP dns_metrics_http_accept_errors_total accept() failures on the metrics "
	           "endpoint (EMFILE, ENFILE): accepting pauses.\n"
	           "# TYPE dns_metrics_http_accept_errors_total counter\n"
	           "dns_metrics_http_accept_errors_total %" PRIu64 "\n", h->count[C_ACCEPT_ERR]);
}

static void respond_metrics(conn_t *c, bool head_only)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f) {
		respond(c, "500 Internal Server Error", "", "", 0, head_only);
		return;
	}
	c->h->write(c->h->ctx, f);
	write_own(c->h, f);
	fclose(f);
	respond(c, "200 OK", "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n", text,
	        len, head_only);
	free(text);
}

/* Answer the request whose head is the first @len bytes of @p. */
static void answer(conn_t *c, const char *p, size_t len)
{
	const char *eol = memchr(p, '\n', len);
	size_t n = eol ? (size_t)(eol - p) : len;
	const char *sp1 = memchr(p, ' ', n);
	const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', n - (size_t)(sp1 + 1 - p)) : NULL;
	if (!sp1 || !sp2 || (size_t)(p + n - (sp2 + 1)) < 8 || memcmp(sp2 + 1, "HTTP/1.", 7) != 0) {
		respond(c, "400 Bad Request", "", "bad request\n", 12, false);
		return;
	}
	size_t mlen = (size_t)(sp1 - p), tlen = (size_t)(sp2 - sp1 - 1);
	const char *target = sp1 + 1;
	bool get = mlen == 3 && memcmp(p, "GET", 3) == 0;
	bool head = mlen == 4 && memcmp(p, "HEAD", 4) == 0;
	if (!get && !head) {
		respond(c, "405 Method Not Allowed", "Allow: GET, HEAD\r\n", "use GET\n", 8, false);
		return;
	}
	bool metrics = (tlen == 8 && memcmp(target, "/metrics", 8) == 0) ||
	               (tlen > 8 && memcmp(target, "/metrics?", 9) == 0);
	if (!metrics)
		respond(c, "404 Not Found", "", "not found: try /metrics\n", 24, head);
	else
		respond_metrics(c, head);
}

static void on_read(struct bufferevent *bev, void *arg)
{
	conn_t *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	if (c->responding)
		return;
	struct evbuffer_ptr end = evbuffer_search(in, "\r\n\r\n", 4, NULL);
	size_t head_len = end.pos >= 0 ? (size_t)end.pos + 4 : 0;
	if (!head_len) {
		end = evbuffer_search(in, "\n\n", 2, NULL);
		head_len = end.pos >= 0 ? (size_t)end.pos + 2 : 0;
	}
	if (head_len == 0 || head_len > HEAD_MAX) {
		if (head_len > HEAD_MAX || evbuffer_get_length(in) > HEAD_MAX)
			respond(c, "431 Request Header Fields Too Large", "", "", 0, false);
		return;   /* not all in yet: the deadline bounds the wait */
	}
	const char *p = (const char *)evbuffer_pullup(in, (ev_ssize_t)head_len);
	if (!p) {
		conn_free(c);
		return;
	}
	answer(c, p, head_len);
}

/* The oldest connection still sending its request, or NULL. */
static conn_t *victim(dns_metrics_http_t *h)
{
	for (conn_t *c = h->head; c; c = c->next)
		if (!c->responding)
			return c;
	return NULL;
}

/* Take in @fd; true if another connection was closed to make room. */
static bool admit(dns_metrics_http_t *h, evutil_socket_t fd)
{
	bool has_unit = dns_net_fd_budget_take(h->budget, fd), evicted = false;
	if (!has_unit || h->nconns >= h->opts.max_conns) {
		conn_t *v = victim(h);
		if (!v) {
			if (has_unit)
				dns_net_fd_budget_give(h->budget);
			evutil_closesocket(fd);
			note(h, has_unit ? C_BUSY : C_FDS);
			return false;
		}
		conn_free(v);   /* gives its unit back */
		if (!has_unit)
			dns_net_fd_budget_force(h->budget);
		note(h, has_unit ? C_EVICTED : C_FDS);
		evicted = true;
	}
	conn_t *c = calloc(1, sizeof *c);
	if (c) {
		c->h = h;
		c->bev = bufferevent_socket_new(h->base, fd, BEV_OPT_CLOSE_ON_FREE);
		c->deadline = evtimer_new(h->base, on_deadline, c);
	}
	if (!c || !c->bev || !c->deadline) {
		if (c && c->bev)
			bufferevent_free(c->bev);
		else
			evutil_closesocket(fd);
		if (c && c->deadline)
			event_free(c->deadline);
		free(c);
		dns_net_fd_budget_give(h->budget);
		return evicted;
	}
	c->prev = h->tail;
	if (h->tail)
		h->tail->next = c;
	else
		h->head = c;
	h->tail = c;
	h->nconns++;
	bufferevent_setcb(c->bev, on_read, on_written, on_event, c);
	bufferevent_setwatermark(c->bev, EV_READ, 0, HEAD_MAX + 1);
	bufferevent_enable(c->bev, EV_READ);
	arm(c, h->opts.request_ms);
	return evicted;
}

static void on_accept(evutil_socket_t lfd, short what, void *arg)
{
	dns_metrics_http_t *h = arg;
	for (int k = 0; k < ACCEPT_BATCH; k++) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			/* a connection closed for this one is closed by libevent on
			 * its next loop iteration: one at a time under pressure */
			if (admit(h, fd))
				return;
			continue;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return;
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		/* out of descriptors or memory: pause instead of spinning */
		h->accept_errno = errno;
		event_del(h->accept_ev);
		struct timeval tv = { 0, ACCEPT_PAUSE_MS * 1000 };
		evtimer_add(h->resume_ev, &tv);
		note(h, C_ACCEPT_ERR);
		return;
	}
}

static void on_resume(evutil_socket_t fd, short what, void *arg)
{
	dns_metrics_http_t *h = arg;
	event_add(h->accept_ev, NULL);
}

/* ---- start and stop ---- */

static void *http_thread(void *arg)
{
	dns_metrics_http_t *h = arg;
	event_base_dispatch(h->base);
	return NULL;
}

static void addr_text(const struct sockaddr *addr, socklen_t len, char *out, size_t cap)
{
	char host[NI_MAXHOST] = "?", port[NI_MAXSERV] = "?";
	getnameinfo(addr, len, host, sizeof(host), port, sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV);
	snprintf(out, cap, addr->sa_family == AF_INET6 ? "[%s]:%s" : "%s:%s", host, port);
}

/* A listening socket on @addr, or -1 with @err set. */
static evutil_socket_t listen_on(const struct sockaddr *addr, socklen_t len, char *err, size_t errlen)
{
	char text[NI_MAXHOST + NI_MAXSERV + 4];
	addr_text(addr, len, text, sizeof(text));
	evutil_socket_t fd = socket(addr->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int one = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, addr, len) != 0 || listen(fd, 64) != 0) {
		int e = errno;
		if (e == EADDRINUSE && len <= sizeof(struct sockaddr_storage)) {
			/* the wording of every listener of the suite */
			dns_net_addr_t a = { .len = len };
			char why[256];
			memcpy(&a.ss, addr, len);
			dns_net_listen_error(&a, SOCK_STREAM, e, why, sizeof(why));
			snprintf(err, errlen, "metrics: %s", why);
		} else {
			snprintf(err, errlen, "metrics: bind %s: %s", text, strerror(e));
		}
		if (fd >= 0)
			evutil_closesocket(fd);
		return -1;
	}
	return fd;
}

dns_metrics_http_t *dns_metrics_http_start_opts(const struct sockaddr *addr, socklen_t addrlen,
                                                dns_metrics_write_fn write, void *ctx,
                                                const dns_metrics_http_opts_t *opts, char *err,
                                                size_t errlen)
{
	evthread_use_pthreads(); /* loopbreak from another thread at shutdown */
	dns_metrics_http_t *h = calloc(1, sizeof(*h));
	if (!h) {
		snprintf(err, errlen, "metrics: out of memory");
		return NULL;
	}
	h->fd = -1;
	h->write = write;
	h->ctx = ctx;
	if (opts)
		h->opts = *opts;
	if (!h->opts.max_conns)
		h->opts.max_conns = 64;
	if (!h->opts.request_ms)
		h->opts.request_ms = 5000;
	h->budget = dns_net_fd_budget_new(h->opts.fd_reserve ? h->opts.fd_reserve : 128);
	h->base = h->budget ? event_base_new() : NULL;
	if ((h->fd = listen_on(addr, addrlen, err, errlen)) < 0) {
		dns_metrics_http_stop(h);
		return NULL;
	}
	struct timeval every = { LOG_EVERY_S, 0 };
	if (h->base) {
		h->accept_ev = event_new(h->base, h->fd, EV_READ | EV_PERSIST, on_accept, h);
		h->resume_ev = evtimer_new(h->base, on_resume, h);
		h->log_ev = event_new(h->base, -1, EV_PERSIST, log_tick, h);
	}
	if (!h->accept_ev || !h->resume_ev || !h->log_ev || event_add(h->accept_ev, NULL) != 0 ||
	    event_add(h->log_ev, &every) != 0) {
		snprintf(err, errlen, "metrics: out of memory");
		dns_metrics_http_stop(h);
		return NULL;
	}
	if (pthread_create(&h->thread, NULL, http_thread, h) != 0) {
		snprintf(err, errlen, "metrics: cannot start a thread");
		dns_metrics_http_stop(h);
		return NULL;
	}
	h->running = true;
	return h;
}

dns_metrics_http_t *dns_metrics_http_start(const struct sockaddr *addr, socklen_t addrlen,
                                           dns_metrics_write_fn write, void *ctx, char *err,
                                           size_t errlen)
{
	return dns_metrics_http_start_opts(addr, addrlen, write, ctx, NULL, err, errlen);
}

bool dns_metrics_http_bound(const dns_metrics_http_t *h, struct sockaddr_storage *out,
                            socklen_t *len)
{
	*len = sizeof *out;
	return h && h->fd >= 0 && getsockname(h->fd, (struct sockaddr *)out, len) == 0;
}

void dns_metrics_http_stop(dns_metrics_http_t *h)
{
	if (!h)
		return;
	if (h->running) {
		event_base_loopbreak(h->base);
		pthread_join(h->thread, NULL);
	}
	while (h->head)
		conn_free(h->head);
	if (h->accept_ev)
		event_free(h->accept_ev);
	if (h->resume_ev)
		event_free(h->resume_ev);
	if (h->log_ev)
		event_free(h->log_ev);
	if (h->fd >= 0)
		evutil_closesocket(h->fd);
	if (h->base)
		event_base_free(h->base);
	dns_net_fd_budget_free(h->budget);
	free(h);
}
