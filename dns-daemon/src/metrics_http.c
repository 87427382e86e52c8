/*
 * metrics_http.c - GET /metrics over libevent's evhttp, on its own thread:
 * a scrape never waits for the query workers, nor they for it.
 */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/thread.h>
#include <event2/util.h>
#include <netdb.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "dns/metrics_http.h"

struct dns_metrics_http {
	dns_metrics_write_fn write;
	void *ctx;
	struct event_base *base;
	struct evhttp *http;
	pthread_t thread;
	bool running;
};

static void on_request(struct evhttp_request *req, void *arg)
{
	dns_metrics_http_t *h = arg;
	const char *uri = evhttp_request_get_uri(req);
	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET || !uri ||
	    (strcmp(uri, "/metrics") != 0 && strncmp(uri, "/metrics?", 9) != 0)) {
		evhttp_send_error(req, HTTP_NOTFOUND, "not found: try /metrics");
		return;
	}
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	h->write(h->ctx, f);
	fclose(f);
	struct evbuffer *body = evbuffer_new();
	if (body)
		evbuffer_add(body, text, len);
	free(text);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
	                  "text/plain; version=0.0.4; charset=utf-8");
	evhttp_send_reply(req, HTTP_OK, "OK", body);
	if (body)
		evbuffer_free(body);
}

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
	evutil_socket_t fd = socket(addr->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, addr, len) != 0 || listen(fd, 64) != 0 || evutil_make_socket_nonblocking(fd) != 0) {
		snprintf(err, errlen, "metrics: bind %s: %s", text, strerror(errno));
		if (fd >= 0)
			evutil_closesocket(fd);
		return -1;
	}
	return fd;
}

dns_metrics_http_t *dns_metrics_http_start(const struct sockaddr *addr, socklen_t addrlen,
                                           dns_metrics_write_fn write, void *ctx, char *err,
                                           size_t errlen)
{
	evthread_use_pthreads(); /* loopbreak from another thread at shutdown */
	dns_metrics_http_t *h = calloc(1, sizeof(*h));
	if (h) {
		h->write = write;
		h->ctx = ctx;
		h->base = event_base_new();
		h->http = h->base ? evhttp_new(h->base) : NULL;
	}
	if (!h || !h->http) {
		snprintf(err, errlen, "metrics: out of memory");
		dns_metrics_http_stop(h);
		return NULL;
	}
	evutil_socket_t fd = listen_on(addr, addrlen, err, errlen);
	if (fd < 0) {
		dns_metrics_http_stop(h);
		return NULL;
	}
	if (!evhttp_accept_socket_with_handle(h->http, fd)) {
		evutil_closesocket(fd);
		snprintf(err, errlen, "metrics: cannot serve on the bound socket");
		dns_metrics_http_stop(h);
		return NULL;
	}
	evhttp_set_gencb(h->http, on_request, h);
	evhttp_set_allowed_methods(h->http, EVHTTP_REQ_GET);
	if (pthread_create(&h->thread, NULL, http_thread, h) != 0) {
		snprintf(err, errlen, "metrics: cannot start a thread");
		dns_metrics_http_stop(h);
		return NULL;
	}
	h->running = true;
	return h;
}

void dns_metrics_http_stop(dns_metrics_http_t *h)
{
	if (!h)
		return;
	if (h->running) {
		event_base_loopbreak(h->base);
		pthread_join(h->thread, NULL);
	}
	if (h->http)
		evhttp_free(h->http);
	if (h->base)
		event_base_free(h->base);
	free(h);
}
