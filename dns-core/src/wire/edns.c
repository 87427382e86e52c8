/*
 * edns.c - EDNS(0): reading and writing the OPT pseudo-RR (RFC 6891 §6)
 * and its options.  Options are a sequence of TLVs (code, length, data);
 * the few the suite interprets get their length checked here, every
 * other one is kept as opaque bytes.
 */
#include <string.h>

#include "dns/edns.h"
#include "dns/rrtype.h"

/* Length rules of the options the suite interprets. */
static bool option_len_ok(uint16_t code, uint16_t len)
{
	switch (code) {
	case DNS_EDNS_COOKIE:
		/* RFC 7873 §4: client cookie 8 bytes, plus a server cookie of 8..32. */
		return len == 8 || (len >= 16 && len <= 40);
	case DNS_EDNS_KEEPALIVE:
		/* RFC 7828 §3.1: empty in queries, a 16-bit timeout in responses. */
		return len == 0 || len == 2;
	case DNS_EDNS_EDE:
		/* RFC 8914 §2: at least the INFO-CODE. */
		return len >= 2;
	default:
		return true;
	}
}

dns_err_t dns_edns_parse(const dns_rr_t *opt, dns_edns_t *e)
{
	if (opt->type != DNS_TYPE_OPT)
		return DNS_EINVAL;
	/* RFC 6891 §6.2.3: values below 512 are treated as 512. */
	e->udp_size = opt->rclass < DNS_UDP_MIN ? DNS_UDP_MIN : opt->rclass;
	/* RFC 6891 §6.1.3: EXTENDED-RCODE(8) VERSION(8) DO(1) Z(15). */
	e->ext_rcode = (uint8_t)(opt->ttl >> 24);
	e->version = (uint8_t)(opt->ttl >> 16);
	e->do_bit = (opt->ttl & 0x8000) != 0;
	e->zflags = (uint16_t)(opt->ttl & 0x7FFF);
	e->options = opt->rdata;
	e->options_len = opt->rdlen;

	size_t pos = 0, len = opt->rdlen;
	while (pos < len) {
		if (len - pos < 4)
			return DNS_EMALFORMED;
		uint16_t code = dns_get16(opt->rdata + pos);
		uint16_t olen = dns_get16(opt->rdata + pos + 2);
		pos += 4;
		if (len - pos < olen || !option_len_ok(code, olen))
			return DNS_EMALFORMED;
		pos += olen;
	}
	return DNS_OK;
}

bool dns_edns_option_next(const dns_edns_t *e, size_t *pos, uint16_t *code,
                          const uint8_t **data, uint16_t *len)
{
	size_t p = *pos, total = e->options_len;
	if (p > total || total - p < 4)
		return false;
	uint16_t olen = dns_get16(e->options + p + 2);
	if (total - p - 4 < olen)
		return false;
	*code = dns_get16(e->options + p);
	*len = olen;
	*data = e->options + p + 4;
	*pos = p + 4 + olen;
	return true;
}

bool dns_edns_option_find(const dns_edns_t *e, uint16_t code, const uint8_t **data,
                          uint16_t *len)
{
	size_t pos = 0;
	uint16_t c;
	while (dns_edns_option_next(e, &pos, &c, data, len))
		if (c == code)
			return true;
	return false;
}

dns_err_t dns_edns_option_put(dns_wbuf_t *w, uint16_t code, const void *data, uint16_t len)
{
	if (dns_wbuf_left(w) < 4 + (size_t)len)
		return DNS_ESPACE;
	uint8_t *p = w->base + w->len;
	dns_put16(p, code);
	dns_put16(p + 2, len);
	if (len)
		memcpy(p + 4, data, len);
	w->len += 4 + (size_t)len;
	return DNS_OK;
}

dns_err_t dns_edns_ede_put(dns_wbuf_t *w, uint16_t info_code, const char *text)
{
	/* RFC 8914 §2: INFO-CODE then EXTRA-TEXT, UTF-8, not NUL-terminated. */
	size_t tlen = text ? strlen(text) : 0;
	if (tlen > UINT16_MAX - 2)
		return DNS_ELIMIT;
	if (dns_wbuf_left(w) < 6 + tlen)
		return DNS_ESPACE;
	uint8_t *p = w->base + w->len;
	dns_put16(p, DNS_EDNS_EDE);
	dns_put16(p + 2, (uint16_t)(2 + tlen));
	dns_put16(p + 4, info_code);
	if (tlen)
		memcpy(p + 6, text, tlen);
	w->len += 6 + tlen;
	return DNS_OK;
}

dns_err_t dns_edns_write(dns_msg_builder_t *b, uint16_t udp_size, unsigned rcode, bool do_bit,
                         const uint8_t *options, size_t options_len)
{
	if (options_len > DNS_RDATA_MAX || rcode > 0xFFF || (!options && options_len))
		return DNS_EINVAL;
	/* Version 0 is the only one there is (RFC 6891 §6.1.3). */
	uint32_t ttl = (uint32_t)(rcode >> 4) << 24 | (do_bit ? 0x8000u : 0);
	dns_rr_t rr = {
		.owner = dns_name_root, .type = DNS_TYPE_OPT, .rclass = udp_size, .ttl = ttl,
		.rdlen = (uint16_t)options_len, .rdata = options,
	};
	static const uint8_t none[1];
	if (!rr.rdata)
		rr.rdata = none;
	return dns_msg_builder_rr(b, DNS_SEC_ADDITIONAL, &rr);
}

size_t dns_edns_padding_len(size_t len, size_t block)
{
	/* RFC 8467 §4.1: pad the whole message, option header included, up to
	 * the next multiple of the block length. */
	if (block == 0)
		return 0;
	size_t rem = (len + 4) % block;
	return rem ? block - rem : 0;
}
