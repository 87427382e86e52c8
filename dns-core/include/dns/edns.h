/*
 * edns.h - EDNS(0) (RFC 6891): the OPT pseudo-RR and its options
 * (NSID RFC 5001, COOKIE RFC 7873, keepalive RFC 7828, padding RFC 7830,
 * extended errors RFC 8914).  Unknown options are preserved as bytes.
 */
#ifndef DNS_EDNS_H
#define DNS_EDNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/error.h"
#include "dns/msg.h"
#include "dns/rr.h"
#include "dns/wire.h"

#define DNS_EDNS_DEFAULT_PAYLOAD 1232 /* DNS flag day 2020 */

enum dns_edns_option {
	DNS_EDNS_NSID = 3,
	DNS_EDNS_COOKIE = 10,
	DNS_EDNS_KEEPALIVE = 11,
	DNS_EDNS_PADDING = 12,
	DNS_EDNS_EDE = 15,
};

/* Extended DNS error codes used by the suite (RFC 8914 §4). */
enum dns_ede {
	DNS_EDE_OTHER = 0, DNS_EDE_STALE_ANSWER = 3, DNS_EDE_PROHIBITED = 18,
	DNS_EDE_NOT_AUTHORITATIVE = 20, DNS_EDE_NOT_SUPPORTED = 21,
	DNS_EDE_NETWORK_ERROR = 23, DNS_EDE_INVALID_DATA = 24,
};

typedef struct dns_edns {
	uint16_t udp_size;       /* requestor's payload size (values < 512 read as 512) */
	uint8_t ext_rcode;       /* upper 8 bits of the 12-bit rcode */
	uint8_t version;
	bool do_bit;
	uint16_t zflags;         /* the other flag bits, as received */
	const uint8_t *options;  /* the option TLVs (view of the OPT rdata) */
	uint16_t options_len;
} dns_edns_t;

/* Read an OPT RR; option TLVs are checked for consistent lengths. */
dns_err_t dns_edns_parse(const dns_rr_t *opt, dns_edns_t *e);

/* Iterate options: start with *pos = 0; returns false at the end. */
bool dns_edns_option_next(const dns_edns_t *e, size_t *pos, uint16_t *code,
                          const uint8_t **data, uint16_t *len);

/* The first option with @code, or false. */
bool dns_edns_option_find(const dns_edns_t *e, uint16_t code, const uint8_t **data,
                          uint16_t *len);

/* Append one option TLV to an option block being assembled. */
dns_err_t dns_edns_option_put(dns_wbuf_t *w, uint16_t code, const void *data, uint16_t len);

/* Append an extended DNS error (RFC 8914) with optional UTF-8 text. */
dns_err_t dns_edns_ede_put(dns_wbuf_t *w, uint16_t info_code, const char *text);

/*
 * Append the OPT RR to the additional section of @b.  @rcode is the full
 * 12-bit rcode: its upper 8 bits go into the OPT TTL field and the
 * caller sets the lower 4 bits in the header.  @options may be NULL.
 */
dns_err_t dns_edns_write(dns_msg_builder_t *b, uint16_t udp_size, unsigned rcode, bool do_bit,
                         const uint8_t *options, size_t options_len);

/* Size of the OPT RR dns_edns_write() would append. */
static inline size_t dns_edns_wire_size(size_t options_len) { return 11 + options_len; }

/* Padding (RFC 8467 §4.1): bytes of padding option data needed to bring a
 * message of @len (with the padding option header of 4 bytes) to a
 * multiple of @block. */
size_t dns_edns_padding_len(size_t len, size_t block);

#endif
