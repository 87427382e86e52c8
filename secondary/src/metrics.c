/*
 * metrics.c - the /metrics endpoint (see metrics.h).
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "metrics.h"

struct sec_metrics_srv {
	int fd;
	int stop_pipe[2];
	pthread_t thread;
	sec_metrics_fn fn;
	void *ctx;
};

static void send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static void serve_one(sec_metrics_srv_t *m, int c)
{
	char req[2048];
	size_t got = 0;
	/* Read the request head (bounded by size and a 2 s wait per read). */
	while (got < sizeof req - 1) {
		struct pollfd p = { .fd = c, .events = POLLIN };
		if (poll(&p, 1, 2000) <= 0)
			return;
		ssize_t r = recv(c, req + got, sizeof req - 1 - got, 0);
		if (r <= 0)
			return;
		got += (size_t)r;
		req[got] = '\0';
		if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n"))
			break;
	}
	req[got] = '\0';
	const char *status = "200 OK";
	char *body = NULL;
	size_t blen = 0;
	if (strncmp(req, "GET /metrics", 12) != 0) {
		status = "404 Not Found";
	} else {
		FILE *f = open_memstream(&body, &blen);
		if (f) {
			m->fn(m->ctx, f);
			fclose(f);
		}
	}
	char head[256];
	int hl = snprintf(head, sizeof head,
	                  "HTTP/1.0 %s\r\nContent-Type: text/plain; version=0.0.4\r\n"
	                  "Content-Length: %zu\r\nConnection: close\r\n\r\n",
	                  status, body ? blen : 0);
	send_all(c, head, (size_t)hl);
	if (body)
		send_all(c, body, blen);
	free(body);
}

static void *run(void *arg)
{
	sec_metrics_srv_t *m = arg;
	for (;;) {
		struct pollfd p[2] = { { .fd = m->fd, .events = POLLIN },
		                       { .fd = m->stop_pipe[0], .events = POLLIN } };
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents)
			break;
		if (!(p[0].revents & POLLIN))
			continue;
		int c = accept4(m->fd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		serve_one(m, c);
		close(c);
	}
	return NULL;
}

sec_metrics_srv_t *sec_metrics_start(const dns_net_addr_t *addr, sec_metrics_fn fn, void *ctx,
                                     char *err, size_t errlen)
{
	sec_metrics_srv_t *m = calloc(1, sizeof *m);
	char at[DNS_NET_ADDR_TEXT_MAX];
	dns_net_addr_format((const struct sockaddr *)&addr->ss, at, sizeof at);
	if (!m) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	m->fn = fn;
	m->ctx = ctx;
	m->fd = socket(addr->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	if (m->fd < 0 || setsockopt(m->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(m->fd, (const struct sockaddr *)&addr->ss, addr->len) != 0 ||
	    listen(m->fd, 16) != 0 || pipe(m->stop_pipe) != 0) {
		snprintf(err, errlen, "metrics %s: %s", at, strerror(errno));
		if (m->fd >= 0)
			close(m->fd);
		free(m);
		return NULL;
	}
	if (pthread_create(&m->thread, NULL, run, m) != 0) {
		snprintf(err, errlen, "metrics: cannot start a thread");
		close(m->fd);
		close(m->stop_pipe[0]);
		close(m->stop_pipe[1]);
		free(m);
		return NULL;
	}
	return m;
}

void sec_metrics_stop(sec_metrics_srv_t *m)
{
	if (!m)
		return;
	ssize_t w = write(m->stop_pipe[1], "x", 1);
	(void)w;
	pthread_join(m->thread, NULL);
	close(m->fd);
	close(m->stop_pipe[0]);
	close(m->stop_pipe[1]);
	free(m);
}
