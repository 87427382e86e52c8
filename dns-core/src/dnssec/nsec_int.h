/*
 * nsec_int.h - shared by nsec.c (NSEC proofs) and nsec3.c (NSEC3 proofs).
 */
#ifndef DNS_NSEC_INT_H
#define DNS_NSEC_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "dns/name.h"
#include "dns/nsec.h"

unsigned dns__common_labels(const uint8_t *a, const uint8_t *b);
bool dns__wildcard_of(const uint8_t *name, uint8_t out[DNS_NAME_MAX]);

dns_denial_t dns__nsec3_nxdomain(const dns_denial_rr_t *rrs, size_t n, const uint8_t *zone,
                                 const uint8_t *qname, unsigned *hashes);
dns_denial_t dns__nsec3_nodata(const dns_denial_rr_t *rrs, size_t n, const uint8_t *zone,
                               const uint8_t *qname, uint16_t qtype, unsigned *hashes);
dns_denial_t dns__nsec3_wildcard(const dns_denial_rr_t *rrs, size_t n, const uint8_t *zone,
                                 const uint8_t *qname, unsigned ce_labels, unsigned *hashes);
dns_denial_t dns__nsec3_ds(const dns_denial_rr_t *rrs, size_t n, const uint8_t *zone,
                           const uint8_t *qname, unsigned *hashes);

#endif
