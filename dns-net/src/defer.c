/*
 * defer.c - replies sent after the handler returned (net.h, "Deferred
 * replies").  The handle remembers where the answer goes; sending posts
 * the bytes to the worker that received the request, so every socket is
 * still written by its own thread only.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "net_impl.h"

struct dns_net_deferred {
	dns_net_server_t *srv;
	net_worker_t *w;
	dns_net_transport_t transport;
	dns_net_conn_t *conn;           /* TCP: a reference */
	net_udp_t *udp;                 /* UDP: the socket the query came to */
	struct sockaddr_storage peer, local;
	socklen_t peer_len, local_len;
};

dns_net_deferred_t *dns_net_reply_defer(const dns_net_request_t *req)
{
	if (req == NULL)
		return NULL;
	net_worker_t *w = req->conn != NULL ? req->conn->w : req->udp_ != NULL ? req->udp_->w : NULL;
	if (w == NULL || req->peer_len > sizeof(struct sockaddr_storage) ||
	    req->local_len > sizeof(struct sockaddr_storage))
		return NULL;
	dns_net_deferred_t *d = calloc(1, sizeof(*d));
	if (d == NULL)
		return NULL;
	d->srv = w->srv;
	d->w = w;
	d->transport = req->transport;
	memcpy(&d->peer, req->peer, req->peer_len);
	d->peer_len = req->peer_len;
	if (req->local != NULL) {
		memcpy(&d->local, req->local, req->local_len);
		d->local_len = req->local_len;
	}
	if (req->conn != NULL) {
		d->conn = req->conn;
		atomic_fetch_add(&d->conn->refs, 1);
		d->conn->deferred++;   /* the handler runs on the owning worker */
	} else {
		d->udp = req->udp_;
	}
	return d;
}

static void deferred_free(dns_net_deferred_t *d)
{
	if (d->conn != NULL)
		net_conn_unref(d->conn);
	free(d);
}

/* Post to the worker unless the server is stopping (then free at once). */
static dns_err_t deferred_post(dns_net_deferred_t *d, const uint8_t *msg, size_t len)
{
	mail_t *m = net_mail_new(MAIL_DEFERRED, len);
	if (m == NULL) {
		deferred_free(d);
		return DNS_ENOMEM;
	}
	if (len > 0)
		memcpy(m->data, msg, len);
	m->arg = d;
	dns_net_server_t *srv = d->srv;
	pthread_mutex_lock(&srv->defer_lock);
	bool open = srv->defer_open;
	if (open)
		net_loop_post(&d->w->loop, m);
	pthread_mutex_unlock(&srv->defer_lock);
	if (!open) {
		free(m);
		deferred_free(d);
		return DNS_EIO;
	}
	return DNS_OK;
}

dns_err_t dns_net_deferred_send(dns_net_deferred_t *d, const uint8_t *msg, size_t len)
{
	if (d == NULL)
		return DNS_EINVAL;
	if (msg == NULL || len == 0 || len > DNS_NET_MSG_MAX) {
		dns_net_deferred_drop(d);
		return DNS_EINVAL;
	}
	return deferred_post(d, msg, len);
}

void dns_net_deferred_drop(dns_net_deferred_t *d)
{
	if (d != NULL)
		(void)deferred_post(d, NULL, 0);
}

/* Send one datagram from @u to the peer, from the query's destination
 * address when the socket is a wildcard one. */
static void udp_send_one(const net_udp_t *u, const dns_net_deferred_t *d, const uint8_t *msg,
                         size_t len)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} ctl;
	struct iovec iov = { (void *)msg, len };
	struct msghdr mh = { .msg_name = (void *)&d->peer, .msg_namelen = d->peer_len,
	                     .msg_iov = &iov, .msg_iovlen = 1 };
	memset(&ctl, 0, sizeof(ctl));
	if (u->wildcard && d->local_len > 0 && d->local.ss_family == AF_INET) {
		struct in_pktinfo pi;
		memset(&pi, 0, sizeof(pi));
		pi.ipi_spec_dst = ((const struct sockaddr_in *)&d->local)->sin_addr;
		ctl.align.cmsg_level = IPPROTO_IP;
		ctl.align.cmsg_type = IP_PKTINFO;
		ctl.align.cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(&ctl.align), &pi, sizeof(pi));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(pi));
	} else if (u->wildcard && d->local_len > 0 && d->local.ss_family == AF_INET6) {
		struct in6_pktinfo pi;
		memset(&pi, 0, sizeof(pi));
		pi.ipi6_addr = ((const struct sockaddr_in6 *)&d->local)->sin6_addr;
		ctl.align.cmsg_level = IPPROTO_IPV6;
		ctl.align.cmsg_type = IPV6_PKTINFO;
		ctl.align.cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(&ctl.align), &pi, sizeof(pi));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(pi));
	}
	while (sendmsg(u->fd, &mh, MSG_DONTWAIT) < 0 && errno == EINTR) {
		/* retry; any other error drops the reply, as for the batch path */
	}
}

void net_deferred_deliver(net_worker_t *w, mail_t *m)
{
	dns_net_deferred_t *d = m->arg;
	if (d->conn != NULL)
		net_conn_deferred_done(d->conn, m->data, m->len);
	else if (d->udp != NULL && m->len > 0 && d->udp->fd >= 0)
		udp_send_one(d->udp, d, m->data, m->len);
	deferred_free(d);
	free(m);
}

void net_deferred_discard(void *arg)
{
	deferred_free(arg);
}

void net_defer_close(dns_net_server_t *srv)
{
	pthread_mutex_lock(&srv->defer_lock);
	srv->defer_open = false;
	pthread_mutex_unlock(&srv->defer_lock);
}
