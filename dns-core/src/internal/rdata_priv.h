/*
 * rdata_priv.h - helpers shared by the rdata files (wire side, text
 * parser, printer); not part of the public API.
 */
#ifndef DNS_INTERNAL_RDATA_PRIV_H
#define DNS_INTERNAL_RDATA_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "dns/error.h"
#include "dns/rrtype.h"

/*
 * Length of the field @f at @p, @left bytes before the end of the
 * (uncompressed) rdata, checking its structure.  Fields that extend to
 * the end of the rdata return @left.
 */
dns_err_t dns__field_len(dns_field_t f, const uint8_t *p, size_t left, size_t *len);

/* Length of the uncompressed wire name at @p within @left bytes; 0 if malformed. */
size_t dns__wire_name_len(const uint8_t *p, size_t left);

/* The descriptor of a type with typed presentation, else NULL. */
const dns_rrtype_desc_t *dns__typed_desc(uint16_t type);

/* SVCB/HTTPS parameter list (RFC 9460 §2.2): keys ascending, lengths fit. */
dns_err_t dns__svcparams_check(const uint8_t *p, size_t len);

/* Base32 with the extended hex alphabet (RFC 4648 §7), no padding (RFC 5155). */
size_t dns__b32hex_encode(const uint8_t *in, size_t len, char *out, size_t cap);
/* Returns the decoded length, or -1 on a bad character/length or overflow of @cap. */
long dns__b32hex_decode(const char *in, size_t len, uint8_t *out, size_t cap);

/* SVCB parameter key mnemonics (RFC 9460 §14.3.2); NULL for keyNNNNN. */
const char *dns__svckey_name(uint16_t key);
int dns__svckey_from_text(const char *s, size_t len); /* -1 if unknown */

/* For the unit test: entry @i of the mnemonic index; returns its size. */
size_t dns__rrtype_index(size_t i, const char **name, uint16_t *type);

#endif
