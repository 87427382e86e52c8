/*
 * dot.h - dns-resolver's DNS over TLS listener (--tls-listen).
 *
 * dns-net's TLS front end (dns/net_tls.h) relays each TLS connection to
 * an internal TCP listener of the server on 127.0.0.1 (an ephemeral
 * port), after checking --allow against the TLS client's address; the
 * handler lets queries that come to that internal listener through,
 * since the relay's address is all it sees.
 */
#ifndef RESOLVER_DOT_H
#define RESOLVER_DOT_H

#include "acl.h"
#include "dns/net.h"
#include "dns/net_tls.h"

/* Start the TLS listener on @srv's control loop, relaying to the server's
 * listener number @backend.  NULL on error (reason in @err). */
dns_net_tls_t *res_dot_start(dns_net_server_t *srv, size_t backend, const dns_net_addr_t *listen,
                             const char *cert, const char *key, const res_acl_t *allow,
                             char *err, size_t errlen);

/* Whether a query arrived at @srv's listener number @backend (the relay). */
bool res_dot_from_relay(dns_net_server_t *srv, size_t backend, const struct sockaddr *local);

#endif
