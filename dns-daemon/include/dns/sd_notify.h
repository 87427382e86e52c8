/*
 * sd_notify.h - readiness and status for systemd (Type=notify), by the
 * documented protocol: one datagram per message to the AF_UNIX socket
 * named by $NOTIFY_SOCKET (a path, or "@name" for an abstract socket),
 * holding newline-separated assignments such as "READY=1\nSTATUS=...".
 * Without NOTIFY_SOCKET every call is a no-op.
 */
#ifndef DNS_DAEMON_SD_NOTIFY_H
#define DNS_DAEMON_SD_NOTIFY_H

#include <stdbool.h>
#include <sys/socket.h>
#include <sys/un.h>

typedef struct dns_sd_notify {
	struct sockaddr_un addr;
	socklen_t len;       /* 0: no socket, messages are dropped */
} dns_sd_notify_t;

/*
 * Sans-IO: the socket address of a NOTIFY_SOCKET value ("/run/...",
 * "@abstract").  NULL, empty or unusable values (too long, another
 * scheme) give a no-op target and false.
 */
bool dns_sd_notify_init(dns_sd_notify_t *n, const char *value);

/* Send @msg (any thread; no state changes).  0, or -1 with errno; a no-op
 * target returns 0. */
int dns_sd_notify_send(const dns_sd_notify_t *n, const char *msg);

#endif
