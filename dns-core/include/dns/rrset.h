/*
 * rrset.h - an RRset as stored in a zone: type, TTL and the rdata of
 * every record, packed as (u16 big-endian rdlen, rdata) entries in
 * canonical order (RFC 4034 §6.3), without duplicates.  The big-endian
 * length lets the message builder copy a record's RDLENGTH and RDATA in
 * one go for types without compressible names.
 */
#ifndef DNS_RRSET_H
#define DNS_RRSET_H

#include <stdint.h>

#include "dns/wire.h"

typedef struct dns_rrset {
	uint16_t type;
	uint16_t count;     /* number of records */
	uint32_t ttl;
	uint32_t size;      /* bytes in data */
	const uint8_t *data;
} dns_rrset_t;

/* Iterate: for (const uint8_t *rd = dns_rrset_first(s); rd; rd = dns_rrset_next(s, rd))
 * with dns_rrset_rdlen(rd) bytes of rdata at dns_rrset_rdata(rd). */
static inline const uint8_t *dns_rrset_first(const dns_rrset_t *s)
{
	return s->count ? s->data : 0;
}
static inline uint16_t dns_rrset_rdlen(const uint8_t *rd) { return dns_get16(rd); }
static inline const uint8_t *dns_rrset_rdata(const uint8_t *rd) { return rd + 2; }
static inline const uint8_t *dns_rrset_next(const dns_rrset_t *s, const uint8_t *rd)
{
	const uint8_t *n = rd + 2 + dns_get16(rd);
	return n < s->data + s->size ? n : 0;
}

#endif
