/*
 * notify_out.c - the NOTIFY targets of a zone of dns-secondary (see
 * notify_out.h).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "dns/authority.h"

#include "notify_out.h"

#define DNS_PORT 53

/* A --transfer-key of the zone: named <label>._transfer.<zone-or-parent>. */
static bool is_zone_xfr_key(const dns_tsig_key_t *k, const uint8_t *zone)
{
	dns_op_t op;
	const uint8_t *kz;
	return dns_key_operation(k->name, &op, &kz) == DNS_OK && op == DNS_OP_TRANSFER &&
	       dns_key_authorizes(k->name, DNS_OP_TRANSFER, zone);
}

const dns_tsig_key_t *sec_notify_key(const sec_config_t *c, const uint8_t *zone,
                                     const struct sockaddr *sa)
{
	const dns_tsig_key_t *any = NULL;
	for (size_t i = 0; i < c->nxfr_keys; i++) {
		const dns_tsig_key_t *k = &c->xfr_keys[i];
		if (!is_zone_xfr_key(k, zone))
			continue;
		uint8_t prim[4], sec[4];
		if (sa && sa->sa_family == AF_INET &&
		    dns_key_transfer_addrs(k->name, prim, sec) == DNS_OK &&
		    memcmp(&((const struct sockaddr_in *)sa)->sin_addr, sec, 4) == 0)
			return k;
		if (!any)
			any = k;
	}
	return any;
}

/* @prim (IPv4) is an address we listen on (0.0.0.0 covers them all). */
static bool is_our_ipv4(const sec_config_t *c, const uint8_t prim[4])
{
	for (size_t i = 0; i < c->nlisten; i++) {
		const struct sockaddr_in *l = (const struct sockaddr_in *)&c->listen[i].ss;
		if (l->sin_family != AF_INET)
			continue;
		if (l->sin_addr.s_addr == htonl(INADDR_ANY) || memcmp(&l->sin_addr, prim, 4) == 0)
			return true;
	}
	return false;
}

/* @t is one of our own sockets (same address and port). */
static bool is_ourselves(const sec_config_t *c, const dns_notify_target_t *t)
{
	for (size_t i = 0; i < c->nlisten; i++) {
		dns_notify_target_t l;
		if (dns_notify_target_set(&l, (const struct sockaddr *)&c->listen[i].ss,
		                          c->listen[i].len, 0) == DNS_OK &&
		    l.addrlen == t->addrlen && memcmp(&l.addr, &t->addr, l.addrlen) == 0)
			return true;
	}
	return false;
}

static size_t add(const sec_config_t *c, const uint8_t *zone, const struct sockaddr *sa,
                  socklen_t len, const dns_tsig_key_t *key, sec_ntarget_t *out, size_t n,
                  size_t max)
{
	sec_ntarget_t t;
	if (n >= max)
		return n;
	memset(&t, 0, sizeof t);
	if (dns_notify_target_set(&t.t, sa, len, 0) != DNS_OK || is_ourselves(c, &t.t))
		return n;
	for (size_t i = 0; i < n; i++)
		if (out[i].t.addrlen == t.t.addrlen &&
		    memcmp(&out[i].t.addr, &t.t.addr, t.t.addrlen) == 0)
			return n;
	t.key = key ? key : sec_notify_key(c, zone, sa);
	out[n] = t;
	return n + 1;
}

size_t sec_notify_targets(const sec_config_t *c, size_t zi, sec_ntarget_t *out, size_t max)
{
	if (zi >= c->nzones)
		return 0;
	const uint8_t *zone = c->zones[zi].origin;
	size_t n = 0;
	for (size_t i = 0; i < c->nnotify; i++) {
		const sec_notify_conf_t *nc = &c->notify[i];
		if (nc->zone == zi || nc->zone == SEC_NOTIFY_ALL)
			n = add(c, zone, (const struct sockaddr *)&nc->addr.ss, nc->addr.len, NULL,
			        out, n, max);
	}
	for (size_t i = 0; i < c->nxfr_keys; i++) {
		const dns_tsig_key_t *k = &c->xfr_keys[i];
		uint8_t prim[4], sec[4];
		if (!is_zone_xfr_key(k, zone) ||
		    dns_key_transfer_addrs(k->name, prim, sec) != DNS_OK || !is_our_ipv4(c, prim))
			continue;
		struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(DNS_PORT) };
		memcpy(&sin.sin_addr, sec, 4);
		n = add(c, zone, (const struct sockaddr *)&sin, sizeof sin, k, out, n, max);
	}
	return n;
}
