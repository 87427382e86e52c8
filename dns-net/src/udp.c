/*
 * udp.c - the UDP query path: recvmmsg a batch, call the handler for each
 * datagram with the snapshot loaded once, sendmmsg every reply.  All
 * buffers belong to the worker and are allocated once.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "net_impl.h"

/* Batches per wake-up before returning to the loop (TCP fairness).  A
 * short batch does not end the wake-up: queries arrive while one is
 * answered, and reading them now saves a trip through epoll. */
#define UDP_ROUNDS 8

/*
 * Distance between two datagram buffers: room for the largest message,
 * plus an odd number of cache lines so that the starts of consecutive
 * buffers fall in different cache sets (with a 64 KiB stride the first
 * line of every buffer of a batch maps to the same set).
 */
#define UDP_SLOT (65536u + 9u * 64u)
/* Requests announced to the prefetch hook at a time: enough for their
 * cache misses to overlap, few enough that what they load is still in
 * cache when they are answered (measured with bench/answer.sh --batch). */
#define UDP_PREFETCH_CHUNK 16

/* Replies start this far into their buffer, off the sets of the queries. */
#define UDP_REPLY_SKEW (32u * 64u)

typedef union udp_ctl {
	struct cmsghdr align;
	char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(struct in_pktinfo))];
} udp_ctl_t;

struct net_udp_batch {
	unsigned n;
	struct mmsghdr *rmsg, *smsg;
	struct iovec *riov, *siov;
	struct sockaddr_storage *peer, *local;
	udp_ctl_t *rctl, *sctl;
	uint8_t *rbuf, *sbuf;    /* n * UDP_SLOT each */
	dns_net_request_t *req;  /* the batch's requests, in order */
	unsigned *slot;          /* per request: its datagram's index (buffers, peer) */
	size_t *ctl_len;         /* per request: control bytes of its reply */
};

int net_udp_batch_new(net_worker_t *w)
{
	unsigned n = w->srv->cfg.udp_batch;
	struct net_udp_batch *b = calloc(1, sizeof(*b));
	if (b == NULL)
		return -1;
	w->batch = b;
	b->n = n;
	b->rmsg = calloc(n, sizeof(*b->rmsg));
	b->smsg = calloc(n, sizeof(*b->smsg));
	b->riov = calloc(n, sizeof(*b->riov));
	b->siov = calloc(n, sizeof(*b->siov));
	b->peer = calloc(n, sizeof(*b->peer));
	b->local = calloc(n, sizeof(*b->local));
	b->rctl = calloc(n, sizeof(*b->rctl));
	b->sctl = calloc(n, sizeof(*b->sctl));
	b->req = calloc(n, sizeof(*b->req));
	b->slot = calloc(n, sizeof(*b->slot));
	b->ctl_len = calloc(n, sizeof(*b->ctl_len));
	/* Large but mostly untouched: only the pages a message uses get resident. */
	b->rbuf = malloc((size_t)n * UDP_SLOT);
	b->sbuf = malloc((size_t)n * UDP_SLOT + UDP_REPLY_SKEW);
	if (!b->rmsg || !b->smsg || !b->riov || !b->siov || !b->peer || !b->local ||
	    !b->rctl || !b->sctl || !b->rbuf || !b->sbuf || !b->req ||
	    !b->slot || !b->ctl_len)
		return -1;
	for (unsigned i = 0; i < n; i++) {
		b->riov[i].iov_base = b->rbuf + (size_t)i * UDP_SLOT;
		b->riov[i].iov_len = DNS_NET_MSG_MAX;
		b->rmsg[i].msg_hdr.msg_name = &b->peer[i];
		b->rmsg[i].msg_hdr.msg_iov = &b->riov[i];
		b->rmsg[i].msg_hdr.msg_iovlen = 1;
	}
	return 0;
}

void net_udp_batch_free(net_worker_t *w)
{
	struct net_udp_batch *b = w->batch;
	if (b == NULL)
		return;
	free(b->rmsg); free(b->smsg); free(b->riov); free(b->siov);
	free(b->peer); free(b->local); free(b->rctl); free(b->sctl);
	free(b->rbuf); free(b->sbuf); free(b->req); free(b->slot); free(b->ctl_len);
	free(b);
	w->batch = NULL;
}

/*
 * For a wildcard socket: find the destination address of datagram @i in
 * its IP_PKTINFO/IPV6_PKTINFO and prepare the same as source of the reply.
 * Returns false if the kernel gave none.
 */
static bool udp_dest(const net_udp_t *u, struct net_udp_batch *b, unsigned i, size_t *ctl_len)
{
	struct msghdr *mh = &b->rmsg[i].msg_hdr;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm != NULL; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo in, outp;
			memcpy(&in, CMSG_DATA(cm), sizeof(in));
			struct sockaddr_in *l = (struct sockaddr_in *)&b->local[i];
			memcpy(l, &u->bound, sizeof(*l));
			l->sin_addr = in.ipi_addr;
			memset(&outp, 0, sizeof(outp));
			outp.ipi_spec_dst = in.ipi_addr;
			struct cmsghdr *sc = &b->sctl[i].align;
			sc->cmsg_level = IPPROTO_IP;
			sc->cmsg_type = IP_PKTINFO;
			sc->cmsg_len = CMSG_LEN(sizeof(outp));
			memcpy(CMSG_DATA(sc), &outp, sizeof(outp));
			*ctl_len = CMSG_SPACE(sizeof(outp));
			return true;
		}
		if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo in6;
			memcpy(&in6, CMSG_DATA(cm), sizeof(in6));
			struct sockaddr_in6 *l = (struct sockaddr_in6 *)&b->local[i];
			memcpy(l, &u->bound, sizeof(*l));
			l->sin6_addr = in6.ipi6_addr;
			struct cmsghdr *sc = &b->sctl[i].align;
			sc->cmsg_level = IPPROTO_IPV6;
			sc->cmsg_type = IPV6_PKTINFO;
			sc->cmsg_len = CMSG_LEN(sizeof(in6));
			memcpy(CMSG_DATA(sc), &in6, sizeof(in6));  /* same address and ifindex */
			*ctl_len = CMSG_SPACE(sizeof(in6));
			return true;
		}
	}
	return false;
}

static void udp_send_all(int fd, struct mmsghdr *msgs, unsigned count)
{
	unsigned off = 0;
	while (off < count) {
		int r = sendmmsg(fd, msgs + off, count - off, MSG_DONTWAIT);
		if (r > 0) {
			off += (unsigned)r;
		} else if (r < 0 && errno == EINTR) {
			continue;
		} else {
			off++;   /* this reply cannot be sent (full buffer, EMSGSIZE): drop it */
		}
	}
}

/* The requests of a received batch of @got datagrams, in b->req; returns how many. */
static unsigned udp_requests(net_udp_t *u, unsigned got, dns_net_snap_t *snap)
{
	net_worker_t *w = u->w;
	struct net_udp_batch *b = w->batch;
	unsigned nr = 0;
	for (unsigned i = 0; i < got; i++) {
		struct msghdr *mh = &b->rmsg[i].msg_hdr;
		if (mh->msg_flags & MSG_TRUNC)
			continue;   /* larger than any DNS message */
		dns_net_request_t *req = &b->req[nr];
		*req = (dns_net_request_t){
			.data = b->riov[i].iov_base, .len = b->rmsg[i].msg_len,
			.transport = DNS_NET_UDP,
			.peer = (const struct sockaddr *)&b->peer[i], .peer_len = mh->msg_namelen,
			.local = (const struct sockaddr *)&u->bound, .local_len = u->bound_len,
			.worker = w->index,
			.snapshot = snap != NULL ? snap->data : NULL, .snap_ = snap, .udp_ = u,
		};
		b->slot[nr] = i;
		b->ctl_len[nr] = 0;
		if (u->wildcard && udp_dest(u, b, i, &b->ctl_len[nr]))
			req->local = (const struct sockaddr *)&b->local[i];
		nr++;
	}
	return nr;
}

/* Handle one received batch of @got datagrams; returns how many replies. */
static unsigned udp_handle(net_udp_t *u, unsigned got)
{
	net_worker_t *w = u->w;
	dns_net_server_t *srv = w->srv;
	struct net_udp_batch *b = w->batch;
	unsigned ns = 0;
	dns_net_snap_t *snap = net_snap_enter(w);
	unsigned nr = udp_requests(u, got, snap);

	for (unsigned k = 0; k < nr; k++) {
		const dns_net_request_t *req = &b->req[k];
		if (k % UDP_PREFETCH_CHUNK == 0 && srv->cfg.prefetch != NULL)
			srv->cfg.prefetch(srv->cfg.handler_ctx, req,
			                  nr - k < UDP_PREFETCH_CHUNK ? nr - k : UDP_PREFETCH_CHUNK);
		size_t i = b->slot[k];
		uint8_t *out = b->sbuf + UDP_REPLY_SKEW + i * UDP_SLOT;
		dns_net_reply_t reply = { .buf = out, .cap = DNS_NET_MSG_MAX, .transport_ = DNS_NET_UDP };
		srv->cfg.handler(srv->cfg.handler_ctx, req, &reply);
		if (reply.len == 0 || reply.len > DNS_NET_MSG_MAX)
			continue;
		struct msghdr *sh = &b->smsg[ns].msg_hdr;
		b->siov[ns].iov_base = out;
		b->siov[ns].iov_len = reply.len;
		sh->msg_name = &b->peer[i];
		sh->msg_namelen = req->peer_len;
		sh->msg_iov = &b->siov[ns];
		sh->msg_iovlen = 1;
		sh->msg_control = b->ctl_len[k] > 0 ? b->sctl[i].buf : NULL;
		sh->msg_controllen = b->ctl_len[k];
		sh->msg_flags = 0;
		ns++;
	}
	net_snap_leave(w);
	return ns;
}

void net_udp_readable(evutil_socket_t fd, short what, void *arg)
{
	net_udp_t *u = arg;
	struct net_udp_batch *b = u->w->batch;

	for (int round = 0; round < UDP_ROUNDS; round++) {
		for (unsigned i = 0; i < b->n; i++) {
			struct msghdr *mh = &b->rmsg[i].msg_hdr;
			mh->msg_namelen = sizeof(b->peer[i]);
			mh->msg_control = u->wildcard ? b->rctl[i].buf : NULL;
			mh->msg_controllen = u->wildcard ? sizeof(b->rctl[i].buf) : 0;
			mh->msg_flags = 0;
		}
		int got = recvmmsg(fd, b->rmsg, b->n, MSG_DONTWAIT, NULL);
		if (got <= 0)
			return;   /* EAGAIN, or an error the next wake-up sees again */
		unsigned ns = udp_handle(u, (unsigned)got);
		if (ns > 0)
			udp_send_all(fd, b->smsg, ns);
	}
}
