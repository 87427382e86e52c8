/*
 * dnssec_int.h - what the dnssec/ area shares between its files.
 */
#ifndef DNS_DNSSEC_INT_H
#define DNS_DNSSEC_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/dnssec.h"

/* One signature check: @data signed with DNSKEY public key @key of @alg. */
bool dns__dnssec_check(uint8_t alg, const uint8_t *key, size_t keylen, const uint8_t *data,
                       size_t dlen, const uint8_t *sig, size_t siglen);

/* DS digest of (owner | DNSKEY rdata); @out holds at least 64 bytes. */
bool dns__dnssec_digest(uint8_t digest_type, const uint8_t *owner, size_t olen,
                        const uint8_t *key, size_t keylen, uint8_t *out, size_t *outlen);

#endif
