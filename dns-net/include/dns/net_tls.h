/*
 * net_tls.h - a DNS over TLS (RFC 7858) front end for a dns-net server.
 *
 * It terminates TLS on its own listening socket and relays each TLS
 * connection, byte for byte, to a new TCP connection to the server's own
 * TCP listener (@backend, normally one of the server's loopback
 * addresses).  DNS over TCP and over TLS share the 2-byte length framing,
 * so queries keep their framing, are pipelined and answered out of order
 * exactly as over TCP, with the TCP server's limits.  Because the server
 * sees the relay's address, access control happens here: @allow decides
 * per client address at accept time.
 *
 * Runs on the libevent base it is given (e.g. dns_net_control_base) and
 * must be used from that base's thread only.
 */
#ifndef DNS_NET_TLS_H
#define DNS_NET_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "dns/error.h"
#include "dns/net.h"

struct event_base;
typedef struct dns_net_tls dns_net_tls_t;

/* Whether a client may connect (NULL: everyone). */
typedef bool (*dns_net_tls_allow_fn)(void *ctx, const struct sockaddr *peer);

typedef struct dns_net_tls_config {
	const dns_net_addr_t *listen;   /* where TLS clients connect */
	const dns_net_addr_t *backend;  /* the server's TCP listener */
	const char *cert_file;          /* PEM: the certificate, then its chain */
	const char *key_file;           /* PEM private key */
	unsigned max_conns;             /* 0 means 1000; more are closed at once */
	unsigned idle_ms;               /* 0 means 30000: idle connections close */
	dns_net_tls_allow_fn allow;
	void *allow_ctx;
} dns_net_tls_config_t;

/* Load the certificate and key and start listening.  NULL on error, with
 * the reason (file, OpenSSL's message, or the socket error) in @err. */
dns_net_tls_t *dns_net_tls_start(struct event_base *base, const dns_net_tls_config_t *cfg,
                                 char *err, size_t errlen);

/* The bound listening address (port 0 resolved). */
const dns_net_addr_t *dns_net_tls_bound_addr(const dns_net_tls_t *t);

/* Close the listener and every connection. */
void dns_net_tls_free(dns_net_tls_t *t);

#endif
