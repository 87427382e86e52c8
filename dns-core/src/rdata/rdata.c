/*
 * rdata.c - the wire side of rdata: structure checks, decompression on
 * receipt (RFC 3597 §4), compression on sending, canonical form
 * (RFC 4034 §6.2 as updated by RFC 6840 §5.1), ordering and embedded
 * names.  Every walk is driven by the descriptors of rrtype.c.
 */
#include <string.h>

#include "dns/rdata.h"
#include "dns/rrtype.h"
#include "internal/rdata_priv.h"

const dns_rrtype_desc_t *dns__typed_desc(uint16_t type)
{
	const dns_rrtype_desc_t *d = dns_rrtype_get(type);
	if (d == NULL || (d->flags & DNS_RRTYPE_UNTYPED))
		return NULL;
	return d;
}

size_t dns__wire_name_len(const uint8_t *p, size_t left)
{
	size_t n = 0;
	for (;;) {
		if (n >= left)
			return 0;
		uint8_t l = p[n];
		if (l == 0)
			return n + 1 <= DNS_NAME_MAX ? n + 1 : 0;
		if (l > DNS_LABEL_MAX) /* compression pointers and extended labels */
			return 0;
		n += 1u + l;
		if (n >= DNS_NAME_MAX)
			return 0;
	}
}

static bool is_name(dns_field_t f) { return f == DNS_F_NAME || f == DNS_F_NAME_PLAIN; }

/* RFC 4034 §4.1.2: windows ascending, 1..32 bytes each. */
static dns_err_t bitmap_check(const uint8_t *p, size_t len)
{
	size_t i = 0;
	int last = -1;
	while (i < len) {
		if (len - i < 2)
			return DNS_EMALFORMED;
		uint8_t win = p[i], blen = p[i + 1];
		if ((int)win <= last || blen == 0 || blen > 32 || len - i - 2 < blen)
			return DNS_EMALFORMED;
		last = win;
		i += 2u + blen;
	}
	return DNS_OK;
}

dns_err_t dns__svcparams_check(const uint8_t *p, size_t len)
{
	size_t i = 0;
	long last = -1;
	while (i < len) {
		if (len - i < 4)
			return DNS_EMALFORMED;
		uint16_t key = dns_get16(p + i), vlen = dns_get16(p + i + 2);
		if ((long)key <= last || len - i - 4 < vlen)
			return DNS_EMALFORMED;
		last = key;
		i += 4u + vlen;
	}
	return DNS_OK;
}

dns_err_t dns__field_len(dns_field_t f, const uint8_t *p, size_t left, size_t *len)
{
	size_t n;
	switch (f) {
	case DNS_F_U8:
	case DNS_F_ALG:
		n = 1;
		break;
	case DNS_F_U16:
	case DNS_F_TYPE:
		n = 2;
		break;
	case DNS_F_U32:
	case DNS_F_TTL:
	case DNS_F_TIME:
	case DNS_F_A:
		n = 4;
		break;
	case DNS_F_TIME48:
		n = 6;
		break;
	case DNS_F_AAAA:
		n = 16;
		break;
	case DNS_F_NAME:
	case DNS_F_NAME_PLAIN:
		n = dns__wire_name_len(p, left);
		if (n == 0)
			return DNS_EMALFORMED;
		break;
	case DNS_F_TAG:
		if (left < 1 || p[0] == 0)
			return DNS_EMALFORMED;
		n = 1u + p[0];
		break;
	case DNS_F_STRING:
	case DNS_F_HEX_LEN8:
	case DNS_F_B32HEX_LEN8:
		if (left < 1)
			return DNS_EMALFORMED;
		n = 1u + p[0];
		break;
	case DNS_F_STRINGS:
		if (left == 0)
			return DNS_EMALFORMED;
		for (size_t i = 0; i < left; i += 1u + p[i])
			if (left - i < 1u + p[i])
				return DNS_EMALFORMED;
		n = left;
		break;
	case DNS_F_BITMAP:
		if (bitmap_check(p, left) != DNS_OK)
			return DNS_EMALFORMED;
		n = left;
		break;
	case DNS_F_SVCPARAMS:
		if (dns__svcparams_check(p, left) != DNS_OK)
			return DNS_EMALFORMED;
		n = left;
		break;
	case DNS_F_LOC:
		/* RFC 1876: version 0 is 16 bytes; other versions are opaque. */
		if (left < 1 || (p[0] == 0 && left != 16))
			return DNS_EMALFORMED;
		n = left;
		break;
	case DNS_F_TEXT_REST:
	case DNS_F_BASE64_REST:
	case DNS_F_HEX_REST:
		n = left;
		break;
	default:
		return DNS_ENOTSUP;
	}
	if (n > left)
		return DNS_EMALFORMED;
	*len = n;
	return DNS_OK;
}

/*
 * Walk typed rdata field by field, calling @fn (may be NULL) on names.
 * Fails unless the fields consume the rdata exactly.
 */
static dns_err_t walk(const dns_rrtype_desc_t *d, const uint8_t *rd, size_t len,
                      void (*fn)(void *ctx, const uint8_t *name, size_t offset), void *ctx,
                      unsigned *names)
{
	size_t pos = 0;
	for (const dns_field_t *f = d->fields; *f != DNS_F_END; f++) {
		size_t n;
		dns_err_t e = dns__field_len(*f, rd + pos, len - pos, &n);
		if (e != DNS_OK)
			return e;
		if (is_name(*f)) {
			if (fn)
				fn(ctx, rd + pos, pos);
			if (names)
				(*names)++;
		}
		pos += n;
	}
	return pos == len ? DNS_OK : DNS_EMALFORMED;
}

dns_err_t dns_rdata_validate(uint16_t type, const uint8_t *rdata, size_t rdlen)
{
	if (rdlen > DNS_RDATA_MAX)
		return DNS_EMALFORMED;
	const dns_rrtype_desc_t *d = dns__typed_desc(type);
	if (d == NULL)
		return DNS_OK;
	return walk(d, rdata, rdlen, NULL, NULL, NULL);
}

dns_err_t dns_rdata_unpack(uint16_t type, dns_rbuf_t *r, uint16_t rdlen, uint8_t *out,
                           size_t cap, size_t *outlen)
{
	if (dns_rbuf_left(r) < rdlen)
		return DNS_EMALFORMED;
	const dns_rrtype_desc_t *d = dns__typed_desc(type);
	const uint8_t *src = r->base + r->pos;
	/* Empty rdata is how UPDATE (RFC 2136 §2.4, §2.5) spells "any record". */
	if (d == NULL || rdlen == 0 || !(d->flags & DNS_RRTYPE_DECOMPRESS)) {
		if (d && rdlen && walk(d, src, rdlen, NULL, NULL, NULL) != DNS_OK)
			return DNS_EMALFORMED;
		if (rdlen > cap)
			return DNS_ESPACE;
		memcpy(out, src, rdlen);
		*outlen = rdlen;
		r->pos += rdlen;
		return DNS_OK;
	}
	/* The reader stops at the end of the rdata; pointers may reach back into the message. */
	dns_rbuf_t sub = {r->base, r->pos + rdlen, r->pos};
	size_t o = 0;
	for (const dns_field_t *f = d->fields; *f != DNS_F_END; f++) {
		if (is_name(*f)) {
			uint8_t name[DNS_NAME_MAX];
			size_t nlen;
			if (dns_name_unpack(&sub, name, &nlen) != DNS_OK)
				return DNS_EMALFORMED;
			if (cap - o < nlen)
				return DNS_ESPACE;
			memcpy(out + o, name, nlen);
			o += nlen;
			continue;
		}
		size_t n;
		if (dns__field_len(*f, sub.base + sub.pos, dns_rbuf_left(&sub), &n) != DNS_OK)
			return DNS_EMALFORMED;
		if (cap - o < n)
			return DNS_ESPACE;
		memcpy(out + o, sub.base + sub.pos, n);
		o += n;
		sub.pos += n;
	}
	if (dns_rbuf_left(&sub) != 0 || o > DNS_RDATA_MAX)
		return DNS_EMALFORMED;
	*outlen = o;
	r->pos = sub.pos;
	return DNS_OK;
}

dns_err_t dns_rdata_pack(uint16_t type, const uint8_t *rdata, size_t rdlen, dns_wbuf_t *w,
                         dns_compress_t *c)
{
	const dns_rrtype_desc_t *d = dns__typed_desc(type);
	if (d == NULL || rdlen == 0 || !(d->flags & DNS_RRTYPE_COMPRESS))
		return dns_wbuf_bytes(w, rdata, rdlen);
	/* dns_name_pack trusts its input: measure (and so check) every field
	 * before writing any.  Compressible types have a handful of fields. */
	enum { FIELDS_MAX = 16 };
	size_t len[FIELDS_MAX], pos = 0, nf = 0;
	for (const dns_field_t *f = d->fields; *f != DNS_F_END; f++, nf++) {
		if (nf == FIELDS_MAX || dns__field_len(*f, rdata + pos, rdlen - pos, &len[nf]) != DNS_OK)
			return DNS_EINVAL;
		pos += len[nf];
	}
	if (pos != rdlen)
		return DNS_EINVAL;
	size_t start = w->len;
	pos = 0;
	for (size_t i = 0; i < nf; i++) {
		dns_err_t e = is_name(d->fields[i]) ? dns_name_pack(w, rdata + pos, c, true)
		                                    : dns_wbuf_bytes(w, rdata + pos, len[i]);
		if (e != DNS_OK) {
			w->len = start;
			return e;
		}
		pos += len[i];
	}
	return DNS_OK;
}

static void lower_name(void *ctx, const uint8_t *name, size_t offset)
{
	uint8_t *rd = ctx;
	dns_name_lower(rd + offset);
	(void)name;
}

void dns_rdata_canonicalize(uint16_t type, uint8_t *rdata, size_t rdlen)
{
	const dns_rrtype_desc_t *d = dns__typed_desc(type);
	if (d == NULL || !(d->flags & DNS_RRTYPE_CANON_LOWER))
		return;
	/* Validate first so that nothing is modified in malformed rdata. */
	if (walk(d, rdata, rdlen, NULL, NULL, NULL) != DNS_OK)
		return;
	walk(d, rdata, rdlen, lower_name, rdata, NULL);
}

int dns_rdata_compare(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	int c = n ? memcmp(a, b, n) : 0;
	if (c != 0)
		return c < 0 ? -1 : 1;
	return alen < blen ? -1 : alen > blen ? 1 : 0;
}

unsigned dns_rdata_names(uint16_t type, const uint8_t *rdata, size_t rdlen,
                         void (*fn)(void *ctx, const uint8_t *name, size_t offset), void *ctx)
{
	const dns_rrtype_desc_t *d = dns__typed_desc(type);
	if (d == NULL || walk(d, rdata, rdlen, NULL, NULL, NULL) != DNS_OK)
		return 0;
	unsigned n = 0;
	walk(d, rdata, rdlen, fn, ctx, &n);
	return n;
}
