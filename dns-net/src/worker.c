/*
 * worker.c - binding the sockets, the worker threads, and orderly
 * shutdown.  Every worker has its own SO_REUSEPORT UDP socket and TCP
 * listener per listen address, so the kernel spreads queries over workers
 * and no socket is shared between threads.
 */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net_impl.h"

static bool addr_is_wildcard(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return ((const struct sockaddr_in *)sa)->sin_addr.s_addr == htonl(INADDR_ANY);
	return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)sa)->sin6_addr);
}

static uint16_t addr_port(const dns_net_addr_t *a)
{
	if (a->ss.ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)&a->ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)&a->ss)->sin6_port);
}

static void addr_set_port(dns_net_addr_t *a, uint16_t port)
{
	if (a->ss.ss_family == AF_INET)
		((struct sockaddr_in *)&a->ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)&a->ss)->sin6_port = htons(port);
}

/* A bound (and, for TCP, listening) socket, or -1 with errno and @err set. */
static int open_socket(const dns_net_addr_t *a, int type, char *err, size_t errlen)
{
	const char *what = "socket";
	int one = 1, fam = a->ss.ss_family;
	int fd = socket(fam, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	what = "setsockopt";
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0)
		goto fail;
	if (fam == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) != 0)
		goto fail;
	if (type == SOCK_DGRAM && addr_is_wildcard((const struct sockaddr *)&a->ss)) {
		/* learn each query's destination, to answer from that address */
		int r = fam == AF_INET
			? setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one))
			: setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
		if (r != 0)
			goto fail;
	}
	if (type == SOCK_DGRAM) {
		/* RFC 9715 §3.1: responses leave with DF set and are never fragmented
		 * here (answers are capped at 1232 bytes), and forged ICMP "packet too
		 * big" cannot shrink them; with DF, Linux also skips IP ID generation. */
		int probe = IP_PMTUDISC_PROBE;
		if (fam == AF_INET)
			(void)setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &probe, sizeof(probe));
		else
			(void)setsockopt(fd, IPPROTO_IPV6, IPV6_DONTFRAG, &one, sizeof(one));
		int size = 4 << 20;   /* best effort: absorb bursts between batches */
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	}
	what = "bind";
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) != 0)
		goto fail;
	what = "listen";
	if (type == SOCK_STREAM && listen(fd, 1024) != 0)
		goto fail;
	return fd;
fail:;
	int e = errno;
	char text[DNS_NET_ADDR_TEXT_MAX];
	dns_net_addr_format((const struct sockaddr *)&a->ss, text, sizeof(text));
	if (strcmp(what, "bind") == 0 || strcmp(what, "listen") == 0)
		dns_net_listen_error(a, type, e, err, errlen);
	else if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s %s (%s): %s", what, text,
		         type == SOCK_DGRAM ? "udp" : "tcp", strerror(e));
	if (fd >= 0)
		close(fd);
	errno = e;
	return -1;
}

/*
 * Worker 0's sockets for listen entry @i.  Port 0 means one ephemeral
 * port for both UDP and TCP: take TCP's and retry if UDP's is in use.
 */
static int bind_first(dns_net_server_t *srv, size_t i, int *ufd, int *tfd, char *err,
                      size_t errlen)
{
	dns_net_addr_t a = srv->listen[i];
	bool ephemeral = addr_port(&a) == 0;
	for (int attempt = 0; attempt < 32; attempt++) {
		addr_set_port(&a, addr_port(&srv->listen[i]));
		*tfd = open_socket(&a, SOCK_STREAM, err, errlen);
		if (*tfd < 0)
			return -1;
		if (ephemeral) {
			dns_net_addr_t got;
			got.len = sizeof(got.ss);
			if (getsockname(*tfd, (struct sockaddr *)&got.ss, &got.len) != 0) {
				close(*tfd);
				return -1;
			}
			addr_set_port(&a, addr_port(&got));
		}
		/* The UDP side of an ephemeral port must be free of others too
		 * (with SO_REUSEPORT, a bind would share it silently). */
		if (ephemeral && dns_net_listen_probe(&a, SOCK_DGRAM, err, errlen) != DNS_OK) {
			close(*tfd);
			continue;
		}
		*ufd = open_socket(&a, SOCK_DGRAM, err, errlen);
		if (*ufd >= 0) {
			srv->bound[i] = a;
			return 0;
		}
		close(*tfd);
		if (!ephemeral || errno != EADDRINUSE)
			return -1;
	}
	return -1;
}

static void worker_deliver(net_loop_t *loop, mail_t *m)
{
	net_worker_t *w = loop->owner;
	if (m->kind == MAIL_STOP) {
		event_base_loopbreak(loop->base);
		free(m);
	} else if (m->kind == MAIL_CALL) {
		m->fn(m->arg);
		free(m);
	} else if (m->kind == MAIL_DEFERRED) {
		net_deferred_deliver(w, m);
	} else {
		net_conn_deliver(w, m);
	}
}

static int worker_init(net_worker_t *w)
{
	size_t n = w->srv->cfg.nlisten;
	if (net_loop_init(&w->loop, worker_deliver, w) != 0)
		return -1;
	w->udp = calloc(n, sizeof(*w->udp));
	w->tcp = calloc(n, sizeof(*w->tcp));
	w->tcpbuf = malloc(2 + DNS_NET_MSG_MAX);
	if (w->udp == NULL || w->tcp == NULL || w->tcpbuf == NULL || net_udp_batch_new(w) != 0)
		return -1;
	net_guard_init(&w->guard, w->srv->cfg.tcp_idle_ms, w->srv->cfg.tcp_msg_ms);
	w->guard_at = UINT64_MAX;
	w->guard_ev = evtimer_new(w->loop.base, net_tcp_guard_fire, w);
	if (w->guard_ev == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		w->udp[i].fd = -1;
		w->tcp[i].fd = -1;
	}
	return 0;
}

/* Bind worker @w's sockets for listen entry @i (given fds for worker 0). */
static int worker_bind(net_worker_t *w, size_t i, int ufd, int tfd, char *err, size_t errlen)
{
	dns_net_server_t *srv = w->srv;
	const dns_net_addr_t *a = &srv->bound[i];
	if (ufd < 0 && (ufd = open_socket(a, SOCK_DGRAM, err, errlen)) < 0)
		return -1;
	net_udp_t *u = &w->udp[i];
	u->fd = ufd;
	if (tfd < 0 && (tfd = open_socket(a, SOCK_STREAM, err, errlen)) < 0)
		return -1;
	net_listener_t *l = &w->tcp[i];
	l->fd = tfd;
	u->w = w;
	u->family = a->ss.ss_family;
	u->wildcard = addr_is_wildcard((const struct sockaddr *)&a->ss);
	memcpy(&u->bound, &a->ss, a->len);
	u->bound_len = a->len;
	u->ev = event_new(w->loop.base, ufd, EV_READ | EV_PERSIST, net_udp_readable, u);
	l->w = w;
	l->ev = event_new(w->loop.base, tfd, EV_READ | EV_PERSIST, net_tcp_acceptable, l);
	l->retry = evtimer_new(w->loop.base, net_tcp_retry, l);
	if (u->ev == NULL || l->ev == NULL || l->retry == NULL ||
	    event_add(u->ev, NULL) != 0 || event_add(l->ev, NULL) != 0) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "cannot register sockets with libevent");
		return -1;
	}
	return 0;
}

static void worker_fini(net_worker_t *w)
{
	if (w->srv == NULL)
		return;   /* never initialised */
	size_t n = w->srv->cfg.nlisten;
	net_conn_close_all(w);
	for (size_t i = 0; w->udp != NULL && i < n; i++) {
		if (w->udp[i].ev != NULL)
			event_free(w->udp[i].ev);
		if (w->udp[i].fd >= 0)
			close(w->udp[i].fd);
	}
	for (size_t i = 0; w->tcp != NULL && i < n; i++) {
		if (w->tcp[i].ev != NULL)
			event_free(w->tcp[i].ev);
		if (w->tcp[i].retry != NULL)
			event_free(w->tcp[i].retry);
		if (w->tcp[i].fd >= 0)
			close(w->tcp[i].fd);
	}
	if (w->guard_ev != NULL)
		event_free(w->guard_ev);
	w->guard_ev = NULL;
	free(w->udp);
	free(w->tcp);
	free(w->tcpbuf);
	w->udp = NULL;
	w->tcp = NULL;
	w->tcpbuf = NULL;
	net_udp_batch_free(w);
	if (w->loop.base != NULL)
		net_loop_fini(&w->loop);
}

static void *worker_main(void *arg)
{
	net_worker_t *w = arg;
	event_base_dispatch(w->loop.base);
	return NULL;
}

/* Stop and join the threads, then close everything (idempotent). */
static void shutdown_workers(dns_net_server_t *srv)
{
	net_defer_close(srv);
	for (unsigned i = 0; i < srv->nworkers; i++) {
		net_worker_t *w = &srv->workers[i];
		if (!w->started)
			continue;
		mail_t *m = net_mail_new(MAIL_STOP, 0);
		if (m != NULL)
			net_loop_post(&w->loop, m);
		else
			event_base_loopbreak(w->loop.base);   /* racy, but only on ENOMEM */
	}
	for (unsigned i = 0; i < srv->nworkers; i++) {
		net_worker_t *w = &srv->workers[i];
		if (w->started)
			pthread_join(w->thread, NULL);
		w->started = false;
	}
	for (unsigned i = 0; i < srv->nworkers; i++)
		worker_fini(&srv->workers[i]);
	srv->started = false;
	srv->bound_all = false;
}

/* Every listen address with a port must be free before any is bound: once
 * 0.0.0.0:53 is ours, a probe of 127.0.0.1:53 would fail on it. */
static dns_err_t probe_all(dns_net_server_t *srv, char *err, size_t errlen)
{
	for (size_t i = 0; i < srv->cfg.nlisten; i++) {
		if (addr_port(&srv->listen[i]) == 0)
			continue;   /* ephemeral: bind_first checks the port it gets */
		dns_err_t e = dns_net_listen_probe(&srv->listen[i], SOCK_DGRAM, err, errlen);
		if (e == DNS_OK)
			e = dns_net_listen_probe(&srv->listen[i], SOCK_STREAM, err, errlen);
		if (e != DNS_OK)
			return e;
	}
	return DNS_OK;
}

dns_err_t dns_net_bind(dns_net_server_t *srv, char *err, size_t errlen)
{
	if (srv->started || srv->bound_all)
		return DNS_EINVAL;
	dns_err_t e = probe_all(srv, err, errlen);
	if (e != DNS_OK)
		return e;
	if (srv->cfg.fd_budget == NULL && srv->own_budget == NULL)
		srv->own_budget = dns_net_fd_budget_new(srv->cfg.fd_reserve);
	srv->budget = srv->cfg.fd_budget;
	if (srv->budget == NULL) {
		if (srv->own_budget == NULL) {
			if (err != NULL && errlen > 0)
				snprintf(err, errlen, "out of memory");
			return DNS_ENOMEM;
		}
		srv->budget = srv->own_budget;
	}
	for (unsigned k = 0; k < srv->nworkers; k++)
		if (worker_init(&srv->workers[k]) != 0) {
			if (err != NULL && errlen > 0)
				snprintf(err, errlen, "cannot create worker %u: out of memory", k);
			goto fail;
		}
	for (size_t i = 0; i < srv->cfg.nlisten; i++) {
		int ufd, tfd;
		if (bind_first(srv, i, &ufd, &tfd, err, errlen) != 0)
			goto fail;
		for (unsigned k = 0; k < srv->nworkers; k++) {
			if (worker_bind(&srv->workers[k], i, k == 0 ? ufd : -1, k == 0 ? tfd : -1,
			                err, errlen) != 0)
				goto fail;
		}
	}
	srv->bound_all = true;
	return DNS_OK;
fail:
	shutdown_workers(srv);
	return DNS_EIO;
}

dns_err_t dns_net_start(dns_net_server_t *srv, char *err, size_t errlen)
{
	if (srv->started)
		return DNS_EINVAL;
	signal(SIGPIPE, SIG_IGN);   /* a peer that resets must not kill the server */
	if (!srv->bound_all) {
		dns_err_t e = dns_net_bind(srv, err, errlen);
		if (e != DNS_OK)
			return e;
	}
	/* Workers must not take the control loop's signals. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (unsigned k = 0; k < srv->nworkers; k++) {
		net_worker_t *w = &srv->workers[k];
		if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
			pthread_sigmask(SIG_SETMASK, &old, NULL);
			if (err != NULL && errlen > 0)
				snprintf(err, errlen, "cannot start worker thread %u", k);
			goto fail;
		}
		w->started = true;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	srv->started = true;
	pthread_mutex_lock(&srv->defer_lock);
	srv->defer_open = true;
	pthread_mutex_unlock(&srv->defer_lock);
	return DNS_OK;
fail:
	shutdown_workers(srv);
	return DNS_EIO;
}

dns_err_t dns_net_run(dns_net_server_t *srv)
{
	static const int sigs[3] = { SIGTERM, SIGINT, SIGHUP };
	if (!srv->started)
		return DNS_EINVAL;
	for (int i = 0; i < 3 && !srv->cfg.no_signals; i++) {
		srv->sig[i] = evsignal_new(srv->ctl.base, sigs[i], srv_signal_cb, srv);
		if (srv->sig[i] == NULL || evsignal_add(srv->sig[i], NULL) != 0)
			return DNS_EIO;
	}
	if (!atomic_load(&srv->stop_requested))
		event_base_dispatch(srv->ctl.base);
	for (int i = 0; i < 3; i++) {
		if (srv->sig[i] != NULL)
			event_free(srv->sig[i]);
		srv->sig[i] = NULL;
	}
	shutdown_workers(srv);
	net_snap_reclaim(srv, true);   /* no worker left to read them */
	return DNS_OK;
}

void dns_net_server_free(dns_net_server_t *srv)
{
	if (srv == NULL)
		return;
	if (srv->workers != NULL)
		shutdown_workers(srv);
	if (srv->reclaim_ev != NULL)
		event_free(srv->reclaim_ev);
	if (srv->ctl.base != NULL) {
		/* run the posted functions nobody ran: they may own memory */
		net_loop_fini(&srv->ctl);
		net_snap_free_all(srv);
		pthread_mutex_destroy(&srv->retired_lock);
		pthread_mutex_destroy(&srv->defer_lock);
	}
	free(srv->workers);
	free(srv->listen);
	free(srv->bound);
	free(srv->client_conns);
	dns_net_fd_budget_free(srv->own_budget);
	free(srv);
}
