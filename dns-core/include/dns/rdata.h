/*
 * rdata.h - record data: presentation <-> wire conversion driven by the
 * descriptors of rrtype.h, RFC 3597 generic form for every other type,
 * decompression on receipt, compression on sending, canonical form.
 *
 * Wire rdata handled here is always uncompressed; only dns_rdata_unpack()
 * sees compressed names (inside a message) and only dns_rdata_pack()
 * produces them.
 */
#ifndef DNS_RDATA_H
#define DNS_RDATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/error.h"
#include "dns/name.h"
#include "dns/wire.h"

/* The most tokens the rdata of one record can take: each stands for at
 * least half a byte of wire rdata (a lone hex digit; an empty
 * <character-string> is a whole length byte), plus the generic form's
 * "\#" and length. */
#define DNS_RDATA_TOKENS_MAX (2 * DNS_RDATA_MAX + 2)

/*
 * One presentation token, as the zone file tokenizer delivers it: the raw
 * characters (escapes not yet decoded; for a quoted token, the characters
 * between the quotes), and where it stood, for error messages.
 */
typedef struct dns_token {
	const char *s;
	uint32_t len;
	uint32_t line;
	uint32_t col;
	bool quoted;
} dns_token_t;

/* Where rdata text went wrong: the index of the offending token and why. */
typedef struct dns_rdata_error {
	size_t token;    /* index into the token array (ntok when tokens ran out) */
	char msg[128];
} dns_rdata_error_t;

/*
 * Convert the rdata tokens of a record of @type into wire form.  Accepts
 * the typed presentation of the type's descriptor and, for every type,
 * the RFC 3597 form "\# <len> <hex>...".  Names are completed with
 * @origin.  On failure @err (if not NULL) says which token and why.
 */
dns_err_t dns_rdata_from_tokens(uint16_t type, const dns_token_t *tok, size_t ntok,
                                const uint8_t *origin, uint8_t *out, size_t cap, size_t *outlen,
                                dns_rdata_error_t *err);

/*
 * Convenience: split one line of rdata text into tokens (whitespace,
 * quoted strings; no parentheses or comments) and convert it.
 */
dns_err_t dns_rdata_from_text(uint16_t type, const char *text, size_t len,
                              const uint8_t *origin, uint8_t *out, size_t cap, size_t *outlen,
                              dns_rdata_error_t *err);

/*
 * Presentation text of wire rdata, NUL-terminated, in the form
 * ldns-read-zone and kzonecheck print (typed where a descriptor exists,
 * "\# len hex" otherwise or when the rdata does not fit its descriptor).
 * Returns DNS_ESPACE if @cap is too small.
 */
dns_err_t dns_rdata_to_text(uint16_t type, const uint8_t *rdata, size_t rdlen, char *out,
                            size_t cap, size_t *outlen);

/*
 * Read @rdlen bytes of rdata at r->pos of a message, expanding compressed
 * names for the types that allow them (DNS_RRTYPE_DECOMPRESS) and
 * checking the structure of typed rdata.  Advances r past the rdata.
 */
dns_err_t dns_rdata_unpack(uint16_t type, dns_rbuf_t *r, uint16_t rdlen, uint8_t *out,
                           size_t cap, size_t *outlen);

/*
 * Append rdata (without the RDLENGTH field) to a message, compressing the
 * names of RFC 1035 types (DNS_RRTYPE_COMPRESS) through @c.
 */
dns_err_t dns_rdata_pack(uint16_t type, const uint8_t *rdata, size_t rdlen, dns_wbuf_t *w,
                         dns_compress_t *c);

/* Check that wire rdata is structurally valid for its type. */
dns_err_t dns_rdata_validate(uint16_t type, const uint8_t *rdata, size_t rdlen);

/* Lower-case the embedded names of DNS_RRTYPE_CANON_LOWER types in place. */
void dns_rdata_canonicalize(uint16_t type, uint8_t *rdata, size_t rdlen);

/* Canonical RR ordering within an RRset (RFC 4034 §6.3): compare as
 * left-justified unsigned octet sequences.  Inputs must be canonical. */
int dns_rdata_compare(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

/*
 * Embedded domain names of wire rdata (for glue and additional-section
 * processing): calls @fn for each name field in order.  Returns the
 * number of names visited.
 */
unsigned dns_rdata_names(uint16_t type, const uint8_t *rdata, size_t rdlen,
                         void (*fn)(void *ctx, const uint8_t *name, size_t offset), void *ctx);

/*
 * TTL text: a decimal number of seconds or BIND-style units ("1w2d3h4m5s",
 * case-insensitive).  Values above 2^31-1 are DNS_ELIMIT.
 */
dns_err_t dns_ttl_from_text(const char *text, size_t len, uint32_t *ttl);

#endif
