/*
 * tls.c - DNS over TLS front end: TLS termination and a relay to the
 * server's own TCP listener (see dns/net_tls.h for why a relay).
 */
#include "dns/net_tls.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

/* Bytes buffered toward one side before reading from the other pauses. */
#define RELAY_HIGH (256 * 1024)

typedef struct relay relay_t;

struct dns_net_tls {
	struct event_base *base;
	SSL_CTX *ctx;
	struct evconnlistener *lis;
	dns_net_tls_config_t cfg;
	dns_net_addr_t backend, bound;
	relay_t *relays;
	unsigned nrelays;
};

struct relay {
	relay_t *next, *prev;
	dns_net_tls_t *t;
	struct bufferevent *tls, *tcp;
};

static void ssl_error(char *err, size_t errlen, const char *what)
{
	unsigned long e = ERR_get_error();
	char msg[256];
	ERR_error_string_n(e, msg, sizeof msg);
	snprintf(err, errlen, "%s: %s", what, e ? msg : "unknown TLS error");
	ERR_clear_error();
}

static void relay_free(relay_t *r)
{
	dns_net_tls_t *t = r->t;
	if (r->prev)
		r->prev->next = r->next;
	else
		t->relays = r->next;
	if (r->next)
		r->next->prev = r->prev;
	t->nrelays--;
	if (r->tls)
		bufferevent_free(r->tls);
	if (r->tcp)
		bufferevent_free(r->tcp);
	free(r);
}

/* Copy what arrived on one side to the other; pause reading while the
 * other side's output is large (a client that does not read its answers). */
static void relay_read(struct bufferevent *from, void *arg)
{
	relay_t *r = arg;
	struct bufferevent *to = from == r->tls ? r->tcp : r->tls;
	bufferevent_write_buffer(to, bufferevent_get_input(from));
	if (evbuffer_get_length(bufferevent_get_output(to)) > RELAY_HIGH)
		bufferevent_disable(from, EV_READ);
}

static void relay_write(struct bufferevent *to, void *arg)
{
	relay_t *r = arg;
	/* The low watermark (0) was reached: the other side may read again. */
	bufferevent_enable(to == r->tls ? r->tcp : r->tls, EV_READ);
}

static void relay_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	relay_t *r = arg;
	if (what & BEV_EVENT_CONNECTED)
		return;
	/* Either side closed, failed or idled out: the pair goes (the server
	 * has no answers in flight for a client that is gone, and a client
	 * without its server connection would wait forever). */
	relay_free(r);
}

static void on_accept(struct evconnlistener *lis, evutil_socket_t fd, struct sockaddr *sa,
                      int salen, void *arg)
{
	(void)lis; (void)salen;
	dns_net_tls_t *t = arg;
	unsigned max = t->cfg.max_conns ? t->cfg.max_conns : 1000;
	if (t->nrelays >= max || (t->cfg.allow && !t->cfg.allow(t->cfg.allow_ctx, sa))) {
		evutil_closesocket(fd);
		return;
	}
	relay_t *r = calloc(1, sizeof *r);
	SSL *ssl = r ? SSL_new(t->ctx) : NULL;
	if (!ssl) {
		free(r);
		evutil_closesocket(fd);
		return;
	}
	r->t = t;
	r->next = t->relays;
	if (t->relays)
		t->relays->prev = r;
	t->relays = r;
	t->nrelays++;
	r->tls = bufferevent_openssl_socket_new(t->base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
	                                        BEV_OPT_CLOSE_ON_FREE);
	r->tcp = bufferevent_socket_new(t->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (!r->tls) {
		SSL_free(ssl);
		evutil_closesocket(fd);
	}
	if (!r->tls || !r->tcp ||
	    bufferevent_socket_connect(r->tcp, (struct sockaddr *)&t->backend.ss,
	                               (int)t->backend.len) != 0) {
		relay_free(r);
		return;
	}
	unsigned ms = t->cfg.idle_ms ? t->cfg.idle_ms : 30000;
	struct timeval idle = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
	bufferevent_set_timeouts(r->tls, &idle, NULL);
	bufferevent_setcb(r->tls, relay_read, relay_write, relay_event, r);
	bufferevent_setcb(r->tcp, relay_read, relay_write, relay_event, r);
	bufferevent_enable(r->tls, EV_READ | EV_WRITE);
	bufferevent_enable(r->tcp, EV_READ | EV_WRITE);
}

static SSL_CTX *make_ctx(const dns_net_tls_config_t *cfg, char *err, size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	if (!ctx) {
		ssl_error(err, errlen, "TLS context");
		return NULL;
	}
	/* RFC 8310 §9 / RFC 9325: TLS 1.2 at least. */
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	if (SSL_CTX_use_certificate_chain_file(ctx, cfg->cert_file) != 1) {
		ssl_error(err, errlen, cfg->cert_file);
	} else if (SSL_CTX_use_PrivateKey_file(ctx, cfg->key_file, SSL_FILETYPE_PEM) != 1) {
		ssl_error(err, errlen, cfg->key_file);
	} else if (SSL_CTX_check_private_key(ctx) != 1) {
		ssl_error(err, errlen, "the key does not match the certificate");
	} else {
		return ctx;
	}
	SSL_CTX_free(ctx);
	return NULL;
}

dns_net_tls_t *dns_net_tls_start(struct event_base *base, const dns_net_tls_config_t *cfg,
                                 char *err, size_t errlen)
{
	dns_net_tls_t *t = calloc(1, sizeof *t);
	if (!t) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	t->base = base;
	t->cfg = *cfg;
	t->backend = *cfg->backend;
	t->cfg.backend = &t->backend;
	t->cfg.listen = NULL;
	t->ctx = make_ctx(cfg, err, errlen);
	if (!t->ctx) {
		free(t);
		return NULL;
	}
	/* Our listener has no SO_REUSEPORT, so its bind fails where another
	 * server listens; the probe says so in the suite's words. */
	if (dns_net_listen_probe(cfg->listen, SOCK_STREAM, err, errlen) != DNS_OK) {
		dns_net_tls_free(t);
		return NULL;
	}
	t->lis = evconnlistener_new_bind(base, on_accept, t,
	                                 LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 128,
	                                 (const struct sockaddr *)&cfg->listen->ss,
	                                 (int)cfg->listen->len);
	if (!t->lis) {
		dns_net_listen_error(cfg->listen, SOCK_STREAM, errno, err, errlen);
		dns_net_tls_free(t);
		return NULL;
	}
	t->bound.len = sizeof t->bound.ss;
	if (getsockname(evconnlistener_get_fd(t->lis), (struct sockaddr *)&t->bound.ss,
	                &t->bound.len) != 0)
		t->bound = *cfg->listen;
	return t;
}

const dns_net_addr_t *dns_net_tls_bound_addr(const dns_net_tls_t *t)
{
	return &t->bound;
}

void dns_net_tls_free(dns_net_tls_t *t)
{
	if (!t)
		return;
	while (t->relays)
		relay_free(t->relays);
	if (t->lis)
		evconnlistener_free(t->lis);
	SSL_CTX_free(t->ctx);
	free(t);
}
