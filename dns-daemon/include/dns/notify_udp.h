/*
 * notify_udp.h - NOTIFY over UDP for the suite's daemons: the two sockets
 * (IPv4, IPv6) that dns-core's retransmission scheduler (notify.h) sends
 * from, the answers arriving on them fed back to it, and the log lines of
 * its outcomes.  The scheduler stays sans-IO; this is its adapter.
 */
#ifndef DNS_DAEMON_NOTIFY_UDP_H
#define DNS_DAEMON_NOTIFY_UDP_H

#include <stddef.h>
#include <stdint.h>

#include "dns/notify.h"

typedef struct dns_notify_udp {
	int fd4, fd6; /* -1 when that family is not available */
} dns_notify_udp_t;

/* Open the sockets (non-blocking); a family that fails is left at -1. */
void dns_notify_udp_open(dns_notify_udp_t *u);
void dns_notify_udp_close(dns_notify_udp_t *u);

/* Send @msg to @t's address from the socket of its family; a failure is
 * logged at debug level (the scheduler retransmits). */
void dns_notify_udp_send(const dns_notify_udp_t *u, const dns_notify_target_t *t,
                         const uint8_t *msg, size_t len);

/* Hand every answer waiting on the sockets to @sched. */
void dns_notify_udp_poll(const dns_notify_udp_t *u, dns_notify_sched_t *sched, uint64_t now_ms);

/* A done callback for dns_notify_sched_new: logs "notify acknowledged",
 * "notify refused" (with the rcode) or "notify unanswered, giving up". */
void dns_notify_log_done(void *ctx, const uint8_t *zone, uint32_t serial,
                         const dns_notify_target_t *t, dns_notify_result_t result, unsigned rcode);

#endif
