/*
 * exclusive.c - one server per address.
 *
 * The workers' sockets use SO_REUSEPORT so that the kernel spreads
 * queries over them, but SO_REUSEPORT also lets any other process of the
 * same user bind the same address, and the two servers then silently
 * share its queries.  Before binding, each address is probed with a
 * socket WITHOUT SO_REUSEPORT: its bind fails with EADDRINUSE if any
 * socket holds the address, ours or another program's (SO_REUSEPORT or
 * not).  Once our sockets are bound, the same probe by a later instance
 * fails in turn.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dns/net.h"

void dns_net_listen_error(const dns_net_addr_t *a, int type, int errnum, char *err,
                          size_t errlen)
{
	char text[DNS_NET_ADDR_TEXT_MAX];
	if (err == NULL || errlen == 0)
		return;
	dns_net_addr_format((const struct sockaddr *)&a->ss, text, sizeof(text));
	snprintf(err, errlen, "listen %s (%s): %s", text, type == SOCK_DGRAM ? "udp" : "tcp",
	         errnum == EADDRINUSE ? "address in use (another server is running there)"
	                              : strerror(errnum));
}

dns_err_t dns_net_listen_probe(const dns_net_addr_t *a, int type, char *err, size_t errlen)
{
	int one = 1, fam = a->ss.ss_family;
	int fd = socket(fam, type | SOCK_CLOEXEC, 0);
	int e = 0;
	if (fd < 0) {
		e = errno;
		goto fail;
	}
	/* TCP: SO_REUSEADDR, as our listeners have it, so that connections of
	 * a previous run in TIME_WAIT are no conflict; a listening socket
	 * still is.  UDP: nothing, since UDP sockets that all set
	 * SO_REUSEADDR may share an address. */
	if ((type == SOCK_STREAM &&
	     setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0) ||
	    (fam == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) != 0) ||
	    bind(fd, (const struct sockaddr *)&a->ss, a->len) != 0) {
		e = errno;
		goto fail;
	}
	close(fd);
	return DNS_OK;
fail:
	if (fd >= 0)
		close(fd);
	dns_net_listen_error(a, type, e, err, errlen);
	return e == EADDRINUSE ? DNS_EEXIST : DNS_EIO;
}
