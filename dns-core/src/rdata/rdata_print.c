/*
 * rdata_print.c - wire rdata to presentation text, as ldns-read-zone
 * prints it where reasonable: absolute names, quoted strings with \DDD
 * escapes, lower-case hex, base64, RRSIG times as YYYYMMDDHHmmSS.
 *
 * Rdata that does not fit its descriptor, or whose typed text would not
 * parse back to the same bytes, is printed in the RFC 3597 generic form,
 * so printing never fails on bad data (only on lack of space).
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "dns/rdata.h"
#include "dns/rrtype.h"
#include "internal/rdata_out.h"
#include "internal/rdata_priv.h"

void dns__oput(dns__out_t *o, const char *s, size_t n)
{
	if (o->full || o->cap - o->len <= n) {
		o->full = true;
		return;
	}
	memcpy(o->s + o->len, s, n);
	o->len += n;
}

void dns__oputc(dns__out_t *o, char c) { dns__oput(o, &c, 1); }

void dns__ofmt(dns__out_t *o, const char *fmt, ...)
{
	if (o->full)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(o->s + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->cap - o->len)
		o->full = true;
	else
		o->len += (size_t)n;
}

void dns__ostr(dns__out_t *o, const uint8_t *b, size_t n, bool bare)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t c = b[i];
		if (c == '"' || c == '\\' || (bare && (c == ';' || c == '(' || c == ')'))) {
			char esc[2] = {'\\', (char)c};
			dns__oput(o, esc, 2);
		} else if (c < 0x20 || c >= 0x7f || (bare && c == ' ')) {
			dns__ofmt(o, "\\%03u", c);
		} else {
			dns__oputc(o, (char)c);
		}
	}
}

void dns__obase64(dns__out_t *o, const uint8_t *b, size_t n)
{
	size_t need = (n + 2) / 3 * 4;
	if (o->full || o->cap - o->len <= need) {
		o->full = true;
		return;
	}
	EVP_EncodeBlock((unsigned char *)o->s + o->len, b, (int)n);
	o->len += need;
}

static void ohex(dns__out_t *o, const uint8_t *b, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	if (o->full || o->cap - o->len <= 2 * n) {
		o->full = true;
		return;
	}
	char *s = o->s + o->len;
	for (size_t i = 0; i < n; i++) {
		s[2 * i] = digits[b[i] >> 4];
		s[2 * i + 1] = digits[b[i] & 15];
	}
	o->len += 2 * n;
}

static void otime(dns__out_t *o, uint32_t t)
{
	static const unsigned mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	uint32_t days = t / 86400, rem = t % 86400;
	unsigned y = 1970, m = 0;
	for (;;) {
		bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
		unsigned ylen = leap ? 366 : 365;
		if (days < ylen)
			break;
		days -= ylen;
		y++;
	}
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	for (;; m++) {
		unsigned ml = mdays[m] + (m == 1 && leap);
		if (days < ml)
			break;
		days -= ml;
	}
	dns__ofmt(o, "%04u%02u%02u%02u%02u%02u", y, m + 1, days + 1, rem / 3600, rem / 60 % 60,
	          rem % 60);
}

/* Type bitmap; each type preceded by a space.  Only canonical bitmaps (no trailing zero byte). */
static dns_err_t obitmap(dns__out_t *o, const uint8_t *p, size_t len)
{
	char name[16];
	for (size_t i = 0; i < len; i += 2u + p[i + 1]) {
		uint8_t win = p[i], blen = p[i + 1];
		if (p[i + 1 + blen] == 0)
			return DNS_EMALFORMED;
		for (unsigned j = 0; j < blen * 8u; j++) {
			if (!(p[i + 2 + j / 8] & (0x80 >> (j % 8))))
				continue;
			dns_rrtype_to_text((uint16_t)(win << 8 | j), name, sizeof(name));
			dns__oputc(o, ' ');
			dns__oput(o, name, strlen(name));
		}
	}
	return DNS_OK;
}

static dns_err_t field(dns__out_t *o, dns_field_t f, const uint8_t *p, size_t n)
{
	char buf[DNS_NAME_TEXT_MAX];
	switch (f) {
	case DNS_F_U8:
	case DNS_F_ALG:
		dns__ofmt(o, "%u", p[0]);
		break;
	case DNS_F_U16:
		dns__ofmt(o, "%u", dns_get16(p));
		break;
	case DNS_F_U32:
	case DNS_F_TTL:
		dns__ofmt(o, "%lu", (unsigned long)dns_get32(p));
		break;
	case DNS_F_TYPE:
		dns_rrtype_to_text(dns_get16(p), buf, sizeof(buf));
		dns__oput(o, buf, strlen(buf));
		break;
	case DNS_F_TIME:
		otime(o, dns_get32(p));
		break;
	case DNS_F_A:
	case DNS_F_AAAA:
		inet_ntop(f == DNS_F_A ? AF_INET : AF_INET6, p, buf, sizeof(buf));
		dns__oput(o, buf, strlen(buf));
		break;
	case DNS_F_NAME:
	case DNS_F_NAME_PLAIN:
		dns__oput(o, buf, dns_name_to_text(p, buf, sizeof(buf)));
		break;
	case DNS_F_STRING:
	case DNS_F_STRINGS:
		for (size_t i = 0; i < n; i += 1u + p[i]) {
			dns__oput(o, i ? " \"" : "\"", i ? 2 : 1);
			dns__ostr(o, p + i + 1, p[i], false);
			dns__oputc(o, '"');
		}
		break;
	case DNS_F_TEXT_REST:
		dns__oputc(o, '"');
		dns__ostr(o, p, n, false);
		dns__oputc(o, '"');
		break;
	case DNS_F_TAG:
		for (size_t i = 1; i < n; i++) {
			char c = (char)p[i];
			if (!((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')))
				return DNS_EMALFORMED;
		}
		dns__oput(o, (const char *)p + 1, n - 1);
		break;
	case DNS_F_BASE64_REST:
		if (n == 0)
			return DNS_EMALFORMED;
		dns__obase64(o, p, n);
		break;
	case DNS_F_HEX_REST:
		if (n == 0)
			return DNS_EMALFORMED;
		ohex(o, p, n);
		break;
	case DNS_F_HEX_LEN8:
		if (n == 1)
			dns__oputc(o, '-');
		ohex(o, p + 1, n - 1);
		break;
	case DNS_F_B32HEX_LEN8: {
		char b32[420];
		if (n == 1)
			return DNS_EMALFORMED;
		dns__oput(o, b32, dns__b32hex_encode(p + 1, n - 1, b32, sizeof(b32)));
		break;
	}
	case DNS_F_BITMAP:
		return obitmap(o, p, n);
	case DNS_F_LOC:
		return dns__loc_to_text(o, p, n);
	case DNS_F_SVCPARAMS:
		return dns__svcparams_to_text(o, p, n);
	default:
		return DNS_EMALFORMED;
	}
	return DNS_OK;
}

static dns_err_t typed(dns__out_t *o, const dns_rrtype_desc_t *d, const uint8_t *rd, size_t len)
{
	size_t pos = 0;
	for (const dns_field_t *f = d->fields; *f != DNS_F_END; f++) {
		size_t n;
		if (dns__field_len(*f, rd + pos, len - pos, &n) != DNS_OK)
			return DNS_EMALFORMED;
		/* Bitmaps and SvcParams print their own separators: they may be empty. */
		if (f != d->fields && *f != DNS_F_BITMAP && *f != DNS_F_SVCPARAMS)
			dns__oputc(o, ' ');
		dns_err_t e = field(o, *f, rd + pos, n);
		if (e != DNS_OK)
			return e;
		pos += n;
	}
	return pos == len ? DNS_OK : DNS_EMALFORMED;
}

dns_err_t dns_rdata_to_text(uint16_t type, const uint8_t *rdata, size_t rdlen, char *out,
                            size_t cap, size_t *outlen)
{
	if (cap == 0)
		return DNS_ESPACE;
	dns__out_t o = {out, cap, 0, false};
	const dns_rrtype_desc_t *d = dns__typed_desc(type);
	dns_err_t e = DNS_EMALFORMED;
	if (d != NULL && rdlen > 0 && rdlen <= DNS_RDATA_MAX)
		e = typed(&o, d, rdata, rdlen);
	if (e != DNS_OK) {
		/* RFC 3597 §5 */
		o.len = 0;
		o.full = false;
		dns__ofmt(&o, rdlen ? "\\# %zu " : "\\# %zu", rdlen);
		ohex(&o, rdata, rdlen);
	}
	if (o.full)
		return DNS_ESPACE;
	out[o.len] = 0;
	*outlen = o.len;
	return DNS_OK;
}
