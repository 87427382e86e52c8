/*
 * control_unix.c - the control protocol over a Unix stream socket on a
 * libevent base (see control_unix.h).
 *
 * A connection is in one of three states: reading a request (its whole
 * line must arrive before the io deadline: a byte now and then does not
 * keep it open), waiting for its command's answer (the call deadline),
 * or writing the answer (the io deadline again).  Requests sent ahead
 * wait in the input buffer and are taken one at a time.
 */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "dns/control_unix.h"
#include "dns/log.h"

#define DEFAULT_MAX_CONNS 16
#define DEFAULT_IO_MS 10000
#define DEFAULT_CALL_MS 600000
#define ACCEPT_BACKOFF_MS 1000   /* after accept fails (out of descriptors) */

typedef enum conn_state { C_READ, C_CALL, C_WRITE } conn_state_t;

typedef struct conn {
	struct dns_ctl_server *s;
	struct conn *prev, *next;
	int fd;
	struct event *rd, *wr, *timer;
	conn_state_t state;
	char in[DNS_CTL_LINE_MAX + 2];
	size_t inlen;
	bool eof;
	char *out;
	size_t outlen, outoff;
	bool close_after;
	dns_ctl_call_t *call;
	bool dispatching;   /* inside the handler: a close must wait for its return */
	bool dead;          /* closed while dispatching */
} conn_t;

struct dns_ctl_server {
	struct event_base *base;
	dns_ctl_server_config_t cfg;
	char *path;
	int fd;
	dev_t dev;
	ino_t ino;
	struct event *listen_ev, *backoff_ev;
	conn_t *conns;
	unsigned nconns;
};

static void conn_close(conn_t *c);
static void conn_process(conn_t *c);

static void arm(conn_t *c, uint32_t ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (suseconds_t)(ms % 1000) * 1000 };
	evtimer_add(c->timer, &tv);
}

static void to_read(conn_t *c)
{
	c->state = C_READ;
	arm(c, c->s->cfg.io_timeout_ms);
	event_add(c->rd, NULL);
	/* requests already buffered are taken from the read callback, not from
	 * here: no recursion however many were sent ahead */
	event_active(c->rd, EV_READ, 0);
}

/* Write what we can; true when all of it is out. */
static bool flush_out(conn_t *c)
{
	while (c->outoff < c->outlen) {
		ssize_t n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff, MSG_NOSIGNAL);
		if (n > 0) {
			c->outoff += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return false;
		c->close_after = true;   /* the peer is gone: drop the rest */
		c->outoff = c->outlen;
	}
	free(c->out);
	c->out = NULL;
	c->outlen = c->outoff = 0;
	return true;
}

/* After the last byte of a reply: close, or read the next request. */
static void written(conn_t *c)
{
	if (c->close_after)
		conn_close(c);
	else
		to_read(c);
}

/* Queue @line (copied) and start writing it. */
static void conn_send(conn_t *c, const char *line, size_t len)
{
	c->out = malloc(len);
	if (!c->out) {
		conn_close(c);
		return;
	}
	memcpy(c->out, line, len);
	c->outlen = len;
	c->outoff = 0;
	c->state = C_WRITE;
	event_del(c->rd);
	arm(c, c->s->cfg.io_timeout_ms);
	/* at once: a `stop` answer must leave before the loop ends */
	if (flush_out(c))
		written(c);
	else
		event_add(c->wr, NULL);
}

static void conn_error(conn_t *c, dns_ctl_status_t st, const char *msg, bool close_after)
{
	char line[512];
	size_t n = dns_ctl_error_line(st, msg, line, sizeof(line));
	c->close_after = close_after;
	if (n)
		conn_send(c, line, n);
	else
		conn_close(c);
}

static void on_send(void *io, dns_ctl_call_t *call, const char *line, size_t len)
{
	conn_t *c = io;
	(void)call;
	c->call = NULL;
	conn_send(c, line, len);
}

/* Take one request line; true when @c is no longer reading (answering,
 * or freed). */
static bool take_line(conn_t *c, size_t line_len)
{
	dns_ctl_request_t req;
	char err[128];
	dns_err_t e = dns_ctl_request_parse(c->in, line_len, &req, err, sizeof(err));
	size_t used = line_len < c->inlen && c->in[line_len] == '\r' ? line_len + 2 : line_len + 1;
	memmove(c->in, c->in + used, c->inlen - used);
	c->inlen -= used;
	if (e == DNS_ENOTFOUND)
		return false;   /* a blank line: nothing to answer */
	if (e != DNS_OK) {
		conn_error(c, DNS_CTL_E_REQUEST, err, false);
		return true;
	}
	c->call = dns_ctl_call_new(on_send, c);
	if (!c->call) {
		conn_error(c, DNS_CTL_E_FAILED, "out of memory", true);
		return true;
	}
	c->state = C_CALL;
	event_del(c->rd);
	arm(c, c->s->cfg.call_timeout_ms);
	c->dispatching = true;
	dns_ctl_dispatch(c->s->cfg.table, c->call, &req);
	c->dispatching = false;
	if (c->dead) {
		conn_close(c);
		return true;
	}
	return c->state != C_READ;
}

/* Take the buffered requests while the connection is reading. */
static void conn_process(conn_t *c)
{
	while (c->state == C_READ) {
		size_t line_len = 0;
		switch (dns_ctl_frame(c->in, c->inlen, DNS_CTL_LINE_MAX, &line_len)) {
		case DNS_CTL_FRAME_LINE:
			/* a handler that answered at once leaves c reading again
			 * (the next buffered request is taken in this loop), else
			 * answering or closed: then c must not be touched */
			if (take_line(c, line_len))
				return;
			break;
		case DNS_CTL_FRAME_TOO_LONG:
			conn_error(c, DNS_CTL_E_REQUEST, "request line too long", true);
			return;
		case DNS_CTL_FRAME_MORE:
			if (c->eof)
				conn_close(c);
			return;
		}
	}
}

static void on_read(evutil_socket_t fd, short what, void *arg)
{
	conn_t *c = arg;
	(void)what;
	while (!c->eof && c->inlen < sizeof(c->in)) {
		ssize_t n = recv(fd, c->in + c->inlen, sizeof(c->in) - c->inlen, 0);
		if (n > 0) {
			c->inlen += (size_t)n;
		} else if (n == 0) {
			c->eof = true;
		} else if (errno == EINTR) {
			continue;
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			break;
		} else {
			conn_close(c);
			return;
		}
	}
	conn_process(c);
}

static void on_write(evutil_socket_t fd, short what, void *arg)
{
	conn_t *c = arg;
	(void)fd;
	(void)what;
	if (flush_out(c)) {
		event_del(c->wr);
		written(c);
	}
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	conn_t *c = arg;
	(void)fd;
	(void)what;
	if (c->state == C_CALL) {
		dns_ctl_call_detach(c->call);   /* the handler still answers it, to no one */
		c->call = NULL;
		conn_error(c, DNS_CTL_E_TIMEOUT, "no answer within the daemon's time limit", true);
		return;
	}
	conn_close(c);   /* a request or a reply that does not move */
}

static void conn_close(conn_t *c)
{
	dns_ctl_server_t *s = c->s;
	if (c->call) {
		dns_ctl_call_detach(c->call);
		c->call = NULL;
	}
	if (c->dispatching) {
		c->dead = true;
		event_del(c->rd);
		event_del(c->wr);
		event_del(c->timer);
		return;
	}
	event_free(c->rd);
	event_free(c->wr);
	event_free(c->timer);
	close(c->fd);
	free(c->out);
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->nconns--;
	free(c);
}

static void conn_new(dns_ctl_server_t *s, int fd)
{
	conn_t *c = calloc(1, sizeof(*c));
	if (c) {
		c->s = s;
		c->fd = fd;
		c->rd = event_new(s->base, fd, EV_READ | EV_PERSIST, on_read, c);
		c->wr = event_new(s->base, fd, EV_WRITE | EV_PERSIST, on_write, c);
		c->timer = evtimer_new(s->base, on_timer, c);
	}
	if (!c || !c->rd || !c->wr || !c->timer) {
		if (c) {
			if (c->rd)
				event_free(c->rd);
			if (c->wr)
				event_free(c->wr);
			if (c->timer)
				event_free(c->timer);
			free(c);
		}
		close(fd);
		return;
	}
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	s->nconns++;
	c->state = C_READ;
	arm(c, s->cfg.io_timeout_ms);
	event_add(c->rd, NULL);
}

/* One connection too many: say so (best effort, never blocks) and close. */
static void refuse_busy(int fd)
{
	char line[256];
	size_t n = dns_ctl_error_line(DNS_CTL_E_BUSY, "too many control connections", line,
	                              sizeof(line));
	if (send(fd, line, n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		(void)0;   /* the client sees the connection closed */
	close(fd);
}

static void on_backoff(evutil_socket_t fd, short what, void *arg)
{
	dns_ctl_server_t *s = arg;
	(void)fd;
	(void)what;
	event_add(s->listen_ev, NULL);
}

static void on_accept(evutil_socket_t lfd, short what, void *arg)
{
	dns_ctl_server_t *s = arg;
	(void)what;
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				/* out of descriptors, say: pause rather than spin */
				dns_log(DNS_LOG_WARN, "control socket: accept failed", "error",
				        strerror(errno), NULL);
				event_del(s->listen_ev);
				struct timeval tv = { ACCEPT_BACKOFF_MS / 1000, 0 };
				evtimer_add(s->backoff_ev, &tv);
			}
			return;
		}
		if (s->nconns >= s->cfg.max_conns)
			refuse_busy(fd);
		else
			conn_new(s, fd);
	}
}

/* Is a process answering on the socket at @path?  (Connect, don't talk.) */
static bool answered(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	int r = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	bool live = r == 0 || errno == EAGAIN || errno == EINPROGRESS;
	close(fd);
	return live;
}

static dns_err_t start_fail(char *err, size_t errlen, const char *path, const char *why)
{
	snprintf(err, errlen, "control socket %s: %s", path, why);
	return DNS_EIO;
}

/* Remove a socket file left by a dead daemon; refuse anything else. */
static dns_err_t clear_path(const struct sockaddr_un *sa, const char *path, char *err,
                            size_t errlen)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return errno == ENOENT ? DNS_OK : start_fail(err, errlen, path, strerror(errno));
	if (!S_ISSOCK(st.st_mode))
		return start_fail(err, errlen, path, "exists and is not a socket");
	if (answered(sa))
		return start_fail(err, errlen, path,
		                  "another process answers on it (a daemon running already?)");
	if (unlink(path) != 0)
		return start_fail(err, errlen, path, strerror(errno));
	dns_log(DNS_LOG_INFO, "control socket: removed a stale socket", "path", path, NULL);
	return DNS_OK;
}

static dns_err_t bind_path(dns_ctl_server_t *s, char *err, size_t errlen)
{
	const char *path = s->path;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "control socket %s: path longer than %zu bytes", path,
		         sizeof(sa.sun_path) - 1);
		return DNS_ELIMIT;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	dns_err_t e = clear_path(&sa, path, err, errlen);
	if (e != DNS_OK)
		return e;
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		return start_fail(err, errlen, path, strerror(errno));
	/* 0600 before listen(): until then no one can connect anyway */
	struct stat st;
	if (bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		return start_fail(err, errlen, path, strerror(errno));
	if (chmod(path, 0600) != 0 || stat(path, &st) != 0 || listen(s->fd, 16) != 0) {
		e = start_fail(err, errlen, path, strerror(errno));
		unlink(path);
		return e;
	}
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	return DNS_OK;
}

dns_err_t dns_ctl_server_start(struct event_base *base, const dns_ctl_server_config_t *cfg,
                               dns_ctl_server_t **out, char *err, size_t errlen)
{
	*out = NULL;
	dns_ctl_server_t *s = calloc(1, sizeof(*s));
	if (!s || !(s->path = strdup(cfg->path))) {
		free(s);
		snprintf(err, errlen, "control socket: out of memory");
		return DNS_ENOMEM;
	}
	s->base = base;
	s->cfg = *cfg;
	s->cfg.path = s->path;
	if (!s->cfg.max_conns)
		s->cfg.max_conns = DEFAULT_MAX_CONNS;
	if (!s->cfg.io_timeout_ms)
		s->cfg.io_timeout_ms = DEFAULT_IO_MS;
	if (!s->cfg.call_timeout_ms)
		s->cfg.call_timeout_ms = DEFAULT_CALL_MS;
	s->fd = -1;
	dns_err_t e = bind_path(s, err, errlen);
	if (e == DNS_OK) {
		s->listen_ev = event_new(base, s->fd, EV_READ | EV_PERSIST, on_accept, s);
		s->backoff_ev = evtimer_new(base, on_backoff, s);
		if (!s->listen_ev || !s->backoff_ev || event_add(s->listen_ev, NULL) != 0) {
			snprintf(err, errlen, "control socket: out of memory");
			e = DNS_ENOMEM;
		}
	}
	if (e != DNS_OK) {
		dns_ctl_server_free(s);
		return e;
	}
	*out = s;
	return DNS_OK;
}

void dns_ctl_server_free(dns_ctl_server_t *s)
{
	if (!s)
		return;
	while (s->conns)
		conn_close(s->conns);
	if (s->listen_ev)
		event_free(s->listen_ev);
	if (s->backoff_ev)
		event_free(s->backoff_ev);
	if (s->fd >= 0) {
		close(s->fd);
		/* only our own file: another daemon may have replaced it */
		struct stat st;
		if (s->ino && stat(s->path, &st) == 0 && st.st_dev == s->dev && st.st_ino == s->ino)
			unlink(s->path);
	}
	free(s->path);
	free(s);
}

dns_err_t dns_ctl_server_open(struct event_base *base, const char *path, const char *state_dir,
                              const dns_ctl_table_t *table, dns_ctl_server_t **out, char *err,
                              size_t errlen)
{
	char def[4096];
	*out = NULL;
	if (!path && !state_dir)
		return DNS_OK;
	dns_err_t e = DNS_OK;
	if (!path) {
		e = dns_ctl_default_path(state_dir, def, sizeof(def));
		path = def;
	}
	dns_ctl_server_config_t cfg = { .path = path, .table = table };
	if (e == DNS_OK)
		e = dns_ctl_server_start(base, &cfg, out, err, errlen);
	if (e == DNS_ELIMIT && path == def) {
		dns_log(DNS_LOG_WARN, "no control socket: its default path is too long (use --control)",
		        "path", def, NULL);
		return DNS_OK;
	}
	if (e == DNS_OK)
		dns_log(DNS_LOG_INFO, "control socket", "path", path, NULL);
	return e;
}
