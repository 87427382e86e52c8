/*
 * rr.h - a resource record as a view: owner and rdata in uncompressed
 * wire form, owned by whoever produced the view (zone file parser,
 * message parser, zone database).
 */
#ifndef DNS_RR_H
#define DNS_RR_H

#include <stdint.h>

typedef struct dns_rr {
	const uint8_t *owner; /* uncompressed wire name */
	uint16_t type;
	uint16_t rclass;
	uint32_t ttl;
	uint16_t rdlen;
	const uint8_t *rdata; /* uncompressed wire rdata */
} dns_rr_t;

#endif
