/*
 * removed_seen.c - (zone, peer) pairs already warned about (see removed_seen.h).
 */
#include <netinet/in.h>
#include <string.h>

#include "dns/log.h"
#include "dns/net.h"
#include "metrics.h"
#include "removed_seen.h"

void pg_seen_init(pg_seen_t *s)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
}

void pg_seen_destroy(pg_seen_t *s)
{
	pthread_mutex_destroy(&s->lock);
}

/* The host of @peer (its port is a secondary's source port, not its
 * identity). */
static uint8_t host_of(const struct sockaddr *peer, uint8_t addr[16])
{
	memset(addr, 0, 16);
	if (peer && peer->sa_family == AF_INET) {
		memcpy(addr, &((const struct sockaddr_in *)peer)->sin_addr, 4);
		return 4;
	}
	if (peer && peer->sa_family == AF_INET6) {
		memcpy(addr, &((const struct sockaddr_in6 *)peer)->sin6_addr, 16);
		return 6;
	}
	return 1; /* unknown family: all such peers are one */
}

bool pg_seen_first(pg_seen_t *s, const uint8_t *zone, const struct sockaddr *peer)
{
	uint8_t addr[16];
	uint8_t family = host_of(peer, addr);
	bool first = true;
	pthread_mutex_lock(&s->lock);
	for (unsigned i = 0; i < PG_SEEN_MAX && first; i++)
		if (s->slot[i].family == family && memcmp(s->slot[i].addr, addr, 16) == 0 &&
		    dns_name_equal(s->slot[i].zone, zone))
			first = false;
	if (first) {
		unsigned i = s->next;
		s->next = (s->next + 1) % PG_SEEN_MAX;
		dns_name_copy(s->slot[i].zone, zone);
		memcpy(s->slot[i].addr, addr, 16);
		s->slot[i].family = family;
	}
	pthread_mutex_unlock(&s->lock);
	return first;
}

void pg_removed_asked(pg_seen_t *s, pg_metrics_t *m, const uint8_t *origin,
                      const struct sockaddr *peer)
{
	char zone[DNS_NAME_TEXT_MAX];
	dns_name_to_text(origin, zone, sizeof(zone));
	size_t n = strlen(zone);
	if (n > 1 && zone[n - 1] == '.')
		zone[n - 1] = '\0';
	if (m)
		pg_metrics_removed_request(m, zone);
	if (!pg_seen_first(s, origin, peer))
		return;
	char addr[DNS_NET_ADDR_TEXT_MAX];
	dns_net_addr_format(peer, addr, sizeof(addr));
	dns_log(DNS_LOG_WARN, "transfer requested for a removed zone; remove it from that secondary",
	        "zone", zone, "peer", addr, "rcode", "NOTAUTH", NULL);
}
