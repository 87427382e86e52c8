/*
 * dot.c - DNS over TLS for dns-resolver: dns-net's TLS relay wired to
 * --allow and to an internal loopback TCP listener.
 */
#include "dot.h"

#include <netinet/in.h>
#include <string.h>

#include "dns/log.h"

static bool tls_allow(void *ctx, const struct sockaddr *peer)
{
	return res_acl_match(ctx, peer);
}

dns_net_tls_t *res_dot_start(dns_net_server_t *srv, size_t backend, const dns_net_addr_t *listen,
                             const char *cert, const char *key, const res_acl_t *allow,
                             char *err, size_t errlen)
{
	dns_net_tls_config_t tc = {.listen = listen, .backend = dns_net_bound_addr(srv, backend),
	                           .cert_file = cert, .key_file = key,
	                           .allow = tls_allow, .allow_ctx = (void *)allow};
	dns_net_tls_t *t = dns_net_tls_start(dns_net_control_base(srv), &tc, err, errlen);
	if (!t)
		return NULL;
	char at[DNS_NET_ADDR_TEXT_MAX];
	dns_net_addr_format((const struct sockaddr *)&dns_net_tls_bound_addr(t)->ss, at, sizeof at);
	dns_log(DNS_LOG_INFO, "listening (DNS over TLS)", "addr", at, NULL);
	return t;
}

bool res_dot_from_relay(dns_net_server_t *srv, size_t backend, const struct sockaddr *local)
{
	const dns_net_addr_t *b = dns_net_bound_addr(srv, backend);
	if (!local || !b || local->sa_family != AF_INET || b->ss.ss_family != AF_INET)
		return false;
	const struct sockaddr_in *l = (const struct sockaddr_in *)(const void *)local;
	const struct sockaddr_in *r = (const struct sockaddr_in *)(const void *)&b->ss;
	return l->sin_port == r->sin_port && l->sin_addr.s_addr == r->sin_addr.s_addr;
}
