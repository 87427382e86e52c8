/*
 * notify_udp.c - the UDP side of NOTIFY out, shared by dns-primary-git and
 * dns-secondary.
 */
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dns/log.h"
#include "dns/name.h"
#include "dns/notify_udp.h"

static int notify_socket(int family)
{
	int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd >= 0 && family == AF_INET6) {
		int one = 1;
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	}
	return fd;
}

void dns_notify_udp_open(dns_notify_udp_t *u)
{
	u->fd4 = notify_socket(AF_INET);
	u->fd6 = notify_socket(AF_INET6);
}

void dns_notify_udp_close(dns_notify_udp_t *u)
{
	if (u->fd4 >= 0)
		close(u->fd4);
	if (u->fd6 >= 0)
		close(u->fd6);
	u->fd4 = u->fd6 = -1;
}

void dns_notify_udp_send(const dns_notify_udp_t *u, const dns_notify_target_t *t,
                         const uint8_t *msg, size_t len)
{
	int fd = t->addr.ss_family == AF_INET6 ? u->fd6 : u->fd4;
	if (fd < 0 || sendto(fd, msg, len, 0, (const struct sockaddr *)&t->addr, t->addrlen) < 0) {
		char text[64];
		dns_notify_target_text(t, text, sizeof(text));
		dns_log(DNS_LOG_DEBUG, "notify send failed", "target", text, "error",
		        fd < 0 ? "no socket for this address family" : strerror(errno), NULL);
	}
}

static void poll_socket(int fd, dns_notify_sched_t *sched, uint64_t now_ms)
{
	uint8_t buf[4096];
	/* bounded: a flood of datagrams cannot keep the control loop here */
	for (int i = 0; fd >= 0 && i < 256; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&ss, &sl);
		if (n < 0)
			return;
		dns_notify_target_t from;
		if (dns_notify_target_set(&from, (struct sockaddr *)&ss, sl, 0) == DNS_OK)
			dns_notify_sched_response(sched, &from, buf, (size_t)n, now_ms);
	}
}

void dns_notify_udp_poll(const dns_notify_udp_t *u, dns_notify_sched_t *sched, uint64_t now_ms)
{
	poll_socket(u->fd4, sched, now_ms);
	poll_socket(u->fd6, sched, now_ms);
}

void dns_notify_log_done(void *ctx, const uint8_t *zone, uint32_t serial,
                         const dns_notify_target_t *t, dns_notify_result_t result, unsigned rcode)
{
	(void)ctx;
	char z[DNS_NAME_TEXT_MAX], target[64], s[16], rc[8];
	size_t n = dns_name_to_text(zone, z, sizeof(z));
	if (n > 1 && z[n - 1] == '.')
		z[n - 1] = '\0'; /* zones are logged as the repository names them */
	dns_notify_target_text(t, target, sizeof(target));
	snprintf(s, sizeof(s), "%" PRIu32, serial);
	const char *rcname = dns_rcode_text(rcode, rc, sizeof(rc));
	if (result == DNS_NOTIFY_ACKED)
		dns_log(DNS_LOG_INFO, "notify acknowledged", "zone", z, "serial", s, "target", target, NULL);
	else if (result == DNS_NOTIFY_REJECTED)
		dns_log(DNS_LOG_WARN, "notify refused", "zone", z, "serial", s, "target", target, "rcode",
		        rcname, NULL);
	else
		dns_log(DNS_LOG_WARN, "notify unanswered, giving up", "zone", z, "serial", s, "target",
		        target, NULL);
}
