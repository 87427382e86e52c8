/*
 * forward.c - --forward zones: names at or below a zone are sent, as
 * recursive queries, to the servers configured for it (iter.c uses the
 * zone as the cut and these addresses as its servers).
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"

#define FWD_MAX_ZONES 64
#define FWD_MAX_ADDRS 8

struct res_fwd {
	uint8_t zone[DNS_NAME_MAX];
	struct sockaddr_storage addr[FWD_MAX_ADDRS];
	socklen_t len[FWD_MAX_ADDRS];
	unsigned n;
};

dns_err_t res_engine_add_forward(res_engine_t *e, const uint8_t *zone, const struct sockaddr *addr,
                                 socklen_t len)
{
	if (!addr || (addr->sa_family != AF_INET && addr->sa_family != AF_INET6) ||
	    len > (socklen_t)sizeof(struct sockaddr_storage))
		return DNS_EINVAL;
	if (!e->fwd && !(e->fwd = calloc(FWD_MAX_ZONES, sizeof *e->fwd)))
		return DNS_ENOMEM;
	unsigned i = 0;
	while (i < e->nfwd && !dns_name_equal(e->fwd[i].zone, zone))
		i++;
	if (i == e->nfwd) {
		if (e->nfwd == FWD_MAX_ZONES)
			return DNS_ELIMIT;
		dns_name_copy(e->fwd[e->nfwd++].zone, zone);
	}
	struct res_fwd *f = &e->fwd[i];
	if (f->n == FWD_MAX_ADDRS)
		return DNS_ELIMIT;
	memset(&f->addr[f->n], 0, sizeof f->addr[f->n]);
	memcpy(&f->addr[f->n], addr, len);
	f->len[f->n++] = len;
	return DNS_OK;
}

unsigned eng_forward_find(const res_engine_t *e, const uint8_t *name)
{
	unsigned best = 0, best_labels = 0;
	for (unsigned i = 0; i < e->nfwd; i++) {
		unsigned l = dns_name_label_count(e->fwd[i].zone);
		if (dns_name_is_subdomain(name, e->fwd[i].zone) && (!best || l > best_labels)) {
			best = i + 1;
			best_labels = l;
		}
	}
	return best;
}

const uint8_t *eng_forward_zone(const res_engine_t *e, unsigned fw)
{
	return e->fwd[fw - 1].zone;
}

const struct sockaddr_storage *eng_forward_addr(const res_engine_t *e, unsigned fw, unsigned i,
                                                socklen_t *len)
{
	const struct res_fwd *f = &e->fwd[fw - 1];
	if (i >= f->n)
		return NULL;
	*len = f->len[i];
	return &f->addr[i];
}
