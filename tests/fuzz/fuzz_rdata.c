/*
 * Fuzz rdata: input = type (2 bytes, big-endian) + rdata.  The rdata is
 * read as if from a message (dns_rdata_unpack), printed, parsed back and
 * must give the same wire, typed or generic; all other entry points must
 * survive it too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/rdata.h"
#include "dns/rrtype.h"

static void visit(void *ctx, const uint8_t *name, size_t offset)
{
	(void)ctx;
	(void)name;
	(void)offset;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t wire[65536], back[65536];
	static char text[65536 * 4 + 64];
	if (size < 2 || size - 2 > DNS_RDATA_MAX)
		return 0;
	uint16_t type = (uint16_t)(data[0] << 8 | data[1]);
	dns_rbuf_t r;
	dns_rbuf_init(&r, data, size);
	r.pos = 2;
	size_t len, tlen, blen;
	if (dns_rdata_unpack(type, &r, (uint16_t)(size - 2), wire, sizeof(wire), &len) != DNS_OK)
		return 0;
	if (len && dns_rdata_validate(type, wire, len) != DNS_OK && dns_rrtype_is_typed(type))
		abort(); /* unpack accepted what validate rejects */
	if (dns_rdata_to_text(type, wire, len, text, sizeof(text), &tlen) != DNS_OK)
		abort();
	dns_rdata_error_t err;
	if (dns_rdata_from_text(type, text, tlen, NULL, back, sizeof(back), &blen, &err) != DNS_OK)
		abort();
	if (blen != len || memcmp(back, wire, len) != 0)
		abort();
	dns_rdata_names(type, wire, len, visit, NULL);
	dns_rdata_canonicalize(type, wire, len);
	uint8_t msg[65536 + 16];
	dns_wbuf_t w;
	dns_wbuf_init(&w, msg, sizeof(msg));
	if (dns_rdata_pack(type, wire, len, &w, NULL) != DNS_OK)
		abort();
	/* the rest of the input as presentation text */
	dns_rdata_from_text(type, (const char *)data + 2, size - 2, (const uint8_t *)"\3org",
	                    back, sizeof(back), &blen, &err);
	return 0;
}
