/*
 * rdata_text.c - presentation text to wire rdata (RFC 1035 §5.1, the
 * type RFCs, RFC 3597 §5 generic form) and TTL text.
 *
 * Called for every record of a zone file: no allocation, one pass over
 * the tokens, output written straight into the caller's buffer.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "dns/rdata.h"
#include "dns/rrtype.h"
#include "internal/rdata_parse.h"
#include "internal/rdata_priv.h"
#include "internal/grow.h"
#include "internal/hex.h"

dns_err_t dns__pfail(dns__parser_t *p, size_t t, dns_err_t e, const char *fmt, ...)
{
	if (p->err) {
		va_list ap;
		p->err->token = t;
		va_start(ap, fmt);
		vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
		va_end(ap);
	}
	return e;
}

dns_err_t dns__pput(dns__parser_t *p, const void *b, size_t n)
{
	if (p->cap - p->len < n)
		return dns__pfail(p, p->i ? p->i - 1 : 0, DNS_ESPACE, "rdata too long");
	memcpy(p->out + p->len, b, n);
	p->len += n;
	return DNS_OK;
}

bool dns__parse_uint(const char *s, size_t len, uint64_t max, uint64_t *v)
{
	if (len == 0 || len > 20)
		return false;
	uint64_t n = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		unsigned d = (unsigned)(s[i] - '0');
		if (n > (max - d) / 10)
			return false;
		n = n * 10 + d;
	}
	*v = n;
	return true;
}

static inline bool is_digit(char c) { return c >= '0' && c <= '9'; }

long dns__cstr_decode(const char *s, size_t len, uint8_t *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		uint8_t c = (uint8_t)s[i];
		if (c == '\\') {
			if (++i >= len)
				return -1;
			if (is_digit(s[i])) {
				if (len - i < 3 || !is_digit(s[i + 1]) || !is_digit(s[i + 2]))
					return -1;
				unsigned v = (unsigned)(s[i] - '0') * 100 + (unsigned)(s[i + 1] - '0') * 10 +
				             (unsigned)(s[i + 2] - '0');
				if (v > 255)
					return -1;
				c = (uint8_t)v;
				i += 2;
			} else {
				c = (uint8_t)s[i];
			}
		}
		if (o >= cap)
			return -2;
		out[o++] = c;
	}
	return (long)o;
}

dns_err_t dns_ttl_from_text(const char *text, size_t len, uint32_t *ttl)
{
	if (len == 0)
		return DNS_ESYNTAX;
	uint64_t total = 0, num = 0;
	size_t digits = 0;
	bool units = false;
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (is_digit(c)) {
			if (++digits > 10)
				return DNS_ELIMIT;
			num = num * 10 + (uint64_t)(c - '0');
			continue;
		}
		uint64_t mul;
		switch (c | 0x20) {
		case 'w': mul = 604800; break;
		case 'd': mul = 86400; break;
		case 'h': mul = 3600; break;
		case 'm': mul = 60; break;
		case 's': mul = 1; break;
		default: return DNS_ESYNTAX;
		}
		if (digits == 0)
			return DNS_ESYNTAX;
		total += num * mul;
		if (total > 0x7fffffff)
			return DNS_ELIMIT;
		num = 0;
		digits = 0;
		units = true;
	}
	/* A bare number is only allowed alone ("3600"), not after units ("1h30"). */
	if (digits) {
		if (units)
			return DNS_ESYNTAX;
		total = num;
	}
	if (total > 0x7fffffff)
		return DNS_ELIMIT;
	*ttl = (uint32_t)total;
	return DNS_OK;
}

/* The next token, or an error naming what was expected. */
static const dns_token_t *take(dns__parser_t *p, const char *what, dns_err_t *e)
{
	if (p->i >= p->ntok) {
		*e = dns__pfail(p, p->ntok, DNS_ESYNTAX, "missing %s", what);
		return NULL;
	}
	return &p->tok[p->i++];
}

static const struct {
	const char *name;
	uint8_t alg;
} algorithms[] = {
	{"RSAMD5", 1}, {"DH", 2}, {"DSA", 3}, {"RSASHA1", 5}, {"DSA-NSEC3-SHA1", 6},
	{"RSASHA1-NSEC3-SHA1", 7}, {"RSASHA256", 8}, {"RSASHA512", 10}, {"ECC-GOST", 12},
	{"ECDSAP256SHA256", 13}, {"ECDSAP384SHA384", 14}, {"ED25519", 15}, {"ED448", 16},
	{"INDIRECT", 252}, {"PRIVATEDNS", 253}, {"PRIVATEOID", 254},
};

static bool alg_from_text(const char *s, size_t len, uint8_t *v)
{
	uint64_t n;
	if (dns__parse_uint(s, len, 255, &n)) {
		*v = (uint8_t)n;
		return true;
	}
	for (size_t i = 0; i < sizeof(algorithms) / sizeof(algorithms[0]); i++) {
		if (strlen(algorithms[i].name) == len && strncasecmp(algorithms[i].name, s, len) == 0) {
			*v = algorithms[i].alg;
			return true;
		}
	}
	return false;
}

/* Days from 1970-01-01 to @y-@m-@d of the proleptic Gregorian calendar. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	static const unsigned before[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
	int64_t py = y - 1;
	int64_t days = 365 * (y - 1970) + (py / 4 - py / 100 + py / 400) - (1969 / 4 - 1969 / 100 + 1969 / 400);
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return days + before[m - 1] + (leap && m > 2) + d - 1;
}

/* RRSIG times (RFC 4034 §3.2): YYYYMMDDHHmmSS in UTC, or seconds; modulo 2^32 (§3.1.5). */
static bool time_from_text(const char *s, size_t len, uint32_t *v)
{
	uint64_t n;
	if (len != 14) {
		if (!dns__parse_uint(s, len, UINT32_MAX, &n))
			return false;
		*v = (uint32_t)n;
		return true;
	}
	unsigned f[6];
	static const unsigned width[6] = {4, 2, 2, 2, 2, 2};
	size_t pos = 0;
	for (int i = 0; i < 6; i++) {
		if (!dns__parse_uint(s + pos, width[i], 9999, &n))
			return false;
		f[i] = (unsigned)n;
		pos += width[i];
	}
	static const unsigned mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (f[0] < 1970 || f[1] < 1 || f[1] > 12 || f[2] < 1 || f[2] > mdays[f[1] - 1] ||
	    f[3] > 23 || f[4] > 59 || f[5] > 59)
		return false;
	bool leap = (f[0] % 4 == 0 && f[0] % 100 != 0) || f[0] % 400 == 0;
	if (f[1] == 2 && f[2] == 29 && !leap)
		return false;
	int64_t t = days_from_civil(f[0], f[1], f[2]) * 86400 + f[3] * 3600 + f[4] * 60 + f[5];
	*v = (uint32_t)((uint64_t)t & 0xffffffffu);
	return true;
}

/* Hex digits spread over tokens [p->i, p->i + ntok) (all remaining when ntok is SIZE_MAX). */
static dns_err_t hex_tokens(dns__parser_t *p, size_t ntok)
{
	int hi = -1;
	size_t first = p->i;
	for (size_t k = 0; k < ntok && p->i < p->ntok; k++, p->i++) {
		const dns_token_t *t = &p->tok[p->i];
		for (size_t j = 0; j < t->len; j++) {
			int v = dns_hex_digit(t->s[j]);
			if (v < 0)
				return dns__pfail(p, p->i, DNS_ESYNTAX, "invalid hex digit");
			if (hi < 0) {
				hi = v;
				continue;
			}
			uint8_t b = (uint8_t)(hi << 4 | v);
			hi = -1;
			if (p->len >= p->cap)
				return dns__pfail(p, p->i, DNS_ESPACE, "rdata too long");
			p->out[p->len++] = b;
		}
	}
	if (hi >= 0)
		return dns__pfail(p, p->i > first ? p->i - 1 : first, DNS_ESYNTAX,
		                  "odd number of hex digits");
	return DNS_OK;
}

static bool is_b64(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || c == '+' ||
	       c == '/';
}

static dns_err_t b64_flush(dns__parser_t *p, const char *chunk, size_t n, size_t pad)
{
	if (n == 0)
		return DNS_OK;
	/* EVP_DecodeBlock writes the bytes of the padding too, then we drop them. */
	if (p->cap - p->len < n / 4 * 3)
		return dns__pfail(p, p->i - 1, DNS_ESPACE, "rdata too long");
	int r = EVP_DecodeBlock(p->out + p->len, (const unsigned char *)chunk, (int)n);
	if (r < 0 || (size_t)r != n / 4 * 3)
		return dns__pfail(p, p->i - 1, DNS_ESYNTAX, "invalid base64");
	p->len += (size_t)r - pad;
	return DNS_OK;
}

/* Base64 spread over all remaining tokens (RFC 4648 §4, padding required). */
static dns_err_t base64_rest(dns__parser_t *p)
{
	char chunk[1024];
	size_t n = 0, pad = 0;
	dns_err_t e;
	if (p->i >= p->ntok)
		return dns__pfail(p, p->ntok, DNS_ESYNTAX, "missing base64 data");
	for (; p->i < p->ntok; p->i++) {
		const dns_token_t *t = &p->tok[p->i];
		for (size_t j = 0; j < t->len; j++) {
			char c = t->s[j];
			if (c == '=') {
				if (++pad > 2)
					return dns__pfail(p, p->i, DNS_ESYNTAX, "invalid base64 padding");
			} else if (!is_b64(c) || pad) {
				return dns__pfail(p, p->i, DNS_ESYNTAX, "invalid base64");
			}
			if (n == sizeof(chunk)) {
				p->i++;
				e = b64_flush(p, chunk, n, 0);
				p->i--;
				if (e != DNS_OK)
					return e;
				n = 0;
			}
			chunk[n++] = c;
		}
	}
	if (n % 4 != 0)
		return dns__pfail(p, p->ntok - 1, DNS_ESYNTAX, "base64 length is not a multiple of 4");
	return b64_flush(p, chunk, n, pad);
}

/* One <character-string> (RFC 1035 §5.1), quoted or not, at most 255 bytes. */
static dns_err_t cstring(dns__parser_t *p, const dns_token_t *t)
{
	if (p->cap - p->len < 1)
		return dns__pfail(p, p->i - 1, DNS_ESPACE, "rdata too long");
	size_t room = p->cap - p->len - 1;
	long n = dns__cstr_decode(t->s, t->len, p->out + p->len + 1, room < 255 ? room : 255);
	if (n == -1)
		return dns__pfail(p, p->i - 1, DNS_ESYNTAX, "invalid escape in string");
	if (n == -2)
		return dns__pfail(p, p->i - 1, room < 255 ? DNS_ESPACE : DNS_ELIMIT,
		                  room < 255 ? "rdata too long" : "string longer than 255 bytes");
	p->out[p->len] = (uint8_t)n;
	p->len += 1 + (size_t)n;
	return DNS_OK;
}

/* NSEC/NSEC3 type bitmap (RFC 4034 §4.1.2) from a list of type mnemonics. */
static dns_err_t bitmap(dns__parser_t *p)
{
	uint8_t bits[256][32];
	uint8_t used[256] = {0};
	for (; p->i < p->ntok; p->i++) {
		uint16_t type;
		const dns_token_t *t = &p->tok[p->i];
		if (dns_rrtype_from_text(t->s, t->len, &type) != DNS_OK)
			return dns__pfail(p, p->i, DNS_ESYNTAX, "unknown type in type bitmap");
		uint8_t win = (uint8_t)(type >> 8), lo = (uint8_t)type;
		if (!used[win]) {
			memset(bits[win], 0, 32);
			used[win] = 1;
		}
		bits[win][lo >> 3] |= (uint8_t)(0x80 >> (lo & 7));
		if (lo / 8 + 1 > used[win])
			used[win] = (uint8_t)(lo / 8 + 1);
	}
	for (unsigned w = 0; w < 256; w++) {
		if (!used[w])
			continue;
		uint8_t hdr[2] = {(uint8_t)w, used[w]};
		dns_err_t e = dns__pput(p, hdr, 2);
		if (e == DNS_OK)
			e = dns__pput(p, bits[w], used[w]);
		if (e != DNS_OK)
			return e;
	}
	return DNS_OK;
}

static dns_err_t put_uint(dns__parser_t *p, const dns_token_t *t, unsigned bytes)
{
	static const char *const what[5] = {NULL, "expected an 8-bit number",
	                                    "expected a 16-bit number", NULL,
	                                    "expected a 32-bit number"};
	uint64_t v;
	if (!dns__parse_uint(t->s, t->len, bytes == 4 ? UINT32_MAX : (1u << (8 * bytes)) - 1, &v))
		return dns__pfail(p, p->i - 1, DNS_ESYNTAX, "%s", what[bytes]);
	uint8_t b[4];
	dns_put32(b, (uint32_t)v);
	return dns__pput(p, b + 4 - bytes, bytes);
}

static dns_err_t put_u32(dns__parser_t *p, uint32_t v)
{
	uint8_t b[4];
	dns_put32(b, v);
	return dns__pput(p, b, 4);
}

/* Text of a token as a NUL-terminated string in @buf (for inet_pton). */
static bool token_cstr(const dns_token_t *t, char *buf, size_t cap)
{
	if (t->len >= cap)
		return false;
	memcpy(buf, t->s, t->len);
	buf[t->len] = 0;
	return true;
}

static dns_err_t field_name(dns__parser_t *p, const dns_token_t *t)
{
	uint8_t name[DNS_NAME_MAX];
	size_t n;
	dns_err_t e = dns_name_from_text(name, &n, t->s, t->len, p->origin);
	if (e == DNS_ELIMIT)
		return dns__pfail(p, p->i - 1, e, "domain name too long");
	if (e != DNS_OK)
		return dns__pfail(p, p->i - 1, e,
		                  p->origin ? "invalid domain name" : "invalid domain name (no origin)");
	return dns__pput(p, name, n);
}

static dns_err_t field_hex_len8(dns__parser_t *p, const dns_token_t *t, bool b32)
{
	uint8_t buf[256];
	long n;
	if (!b32 && t->len == 1 && t->s[0] == '-') {
		n = 0;
	} else if (b32) {
		n = dns__b32hex_decode(t->s, t->len, buf + 1, 255);
		if (n <= 0)
			return dns__pfail(p, p->i - 1, DNS_ESYNTAX, "invalid base32hex hash");
	} else {
		if (t->len % 2 || t->len == 0 || t->len > 510)
			return dns__pfail(p, p->i - 1, DNS_ESYNTAX, "expected a hex salt or -");
		n = (long)t->len / 2;
		for (long k = 0; k < n; k++) {
			int hi = dns_hex_digit(t->s[2 * k]), lo = dns_hex_digit(t->s[2 * k + 1]);
			if (hi < 0 || lo < 0)
				return dns__pfail(p, p->i - 1, DNS_ESYNTAX, "expected a hex salt or -");
			buf[1 + k] = (uint8_t)(hi << 4 | lo);
		}
	}
	buf[0] = (uint8_t)n;
	return dns__pput(p, buf, 1 + (size_t)n);
}

static dns_err_t field(dns__parser_t *p, dns_field_t f)
{
	const dns_token_t *t;
	dns_err_t e = DNS_OK;
	char buf[64];
	uint8_t b[16];
	uint64_t v;
	uint32_t u;

	/* Fields that take the remaining tokens (possibly none). */
	switch (f) {
	case DNS_F_BITMAP:
		return bitmap(p);
	case DNS_F_LOC:
		return dns__loc_from_tokens(p);
	case DNS_F_SVCPARAMS:
		return dns__svcparams_from_tokens(p);
	case DNS_F_BASE64_REST:
		return base64_rest(p);
	case DNS_F_HEX_REST:
		if (p->i >= p->ntok)
			return dns__pfail(p, p->ntok, DNS_ESYNTAX, "missing hex data");
		return hex_tokens(p, SIZE_MAX);
	case DNS_F_STRINGS:
		if (p->i >= p->ntok)
			return dns__pfail(p, p->ntok, DNS_ESYNTAX, "missing string");
		while (e == DNS_OK && p->i < p->ntok)
			e = cstring(p, &p->tok[p->i++]);
		return e;
	default:
		break;
	}

	if ((t = take(p, "rdata field", &e)) == NULL)
		return e;
	switch (f) {
	case DNS_F_U8:
		return put_uint(p, t, 1);
	case DNS_F_U16:
		return put_uint(p, t, 2);
	case DNS_F_U32:
		return put_uint(p, t, 4);
	case DNS_F_TTL:
		if (dns__parse_uint(t->s, t->len, UINT32_MAX, &v))
			return put_u32(p, (uint32_t)v);
		if (dns_ttl_from_text(t->s, t->len, &u) != DNS_OK)
			return dns__pfail(p, p->i - 1, DNS_ESYNTAX, "expected a time value");
		return put_u32(p, u);
	case DNS_F_ALG:
		if (!alg_from_text(t->s, t->len, b))
			return dns__pfail(p, p->i - 1, DNS_ESYNTAX, "expected an algorithm number");
		return dns__pput(p, b, 1);
	case DNS_F_TYPE: {
		uint16_t type;
		if (dns_rrtype_from_text(t->s, t->len, &type) != DNS_OK)
			return dns__pfail(p, p->i - 1, DNS_ESYNTAX, "unknown type");
		dns_put16(b, type);
		return dns__pput(p, b, 2);
	}
	case DNS_F_TIME:
		if (!time_from_text(t->s, t->len, &u))
			return dns__pfail(p, p->i - 1, DNS_ESYNTAX,
			                  "expected a time YYYYMMDDHHmmSS or a number");
		return put_u32(p, u);
	case DNS_F_A:
		if (!token_cstr(t, buf, sizeof(buf)) || inet_pton(AF_INET, buf, b) != 1)
			return dns__pfail(p, p->i - 1, DNS_ESYNTAX, "invalid IPv4 address");
		return dns__pput(p, b, 4);
	case DNS_F_AAAA:
		if (!token_cstr(t, buf, sizeof(buf)) || inet_pton(AF_INET6, buf, b) != 1)
			return dns__pfail(p, p->i - 1, DNS_ESYNTAX, "invalid IPv6 address");
		return dns__pput(p, b, 16);
	case DNS_F_NAME:
	case DNS_F_NAME_PLAIN:
		return field_name(p, t);
	case DNS_F_STRING:
		return cstring(p, t);
	case DNS_F_TEXT_REST: {
		long n = dns__cstr_decode(t->s, t->len, p->out + p->len, p->cap - p->len);
		if (n == -1)
			return dns__pfail(p, p->i - 1, DNS_ESYNTAX, "invalid escape in string");
		if (n == -2)
			return dns__pfail(p, p->i - 1, DNS_ESPACE, "rdata too long");
		p->len += (size_t)n;
		return DNS_OK;
	}
	case DNS_F_TAG:
		if (t->len == 0 || t->len > 255)
			return dns__pfail(p, p->i - 1, DNS_ESYNTAX, "invalid tag");
		for (size_t j = 0; j < t->len; j++) {
			char c = t->s[j];
			if (!is_digit(c) && !((c | 0x20) >= 'a' && (c | 0x20) <= 'z'))
				return dns__pfail(p, p->i - 1, DNS_ESYNTAX,
				                  "tag must be letters and digits");
		}
		b[0] = (uint8_t)t->len;
		if ((e = dns__pput(p, b, 1)) != DNS_OK)
			return e;
		return dns__pput(p, t->s, t->len);
	case DNS_F_HEX_LEN8:
		return field_hex_len8(p, t, false);
	case DNS_F_B32HEX_LEN8:
		return field_hex_len8(p, t, true);
	default:
		return dns__pfail(p, p->i - 1, DNS_ENOTSUP, "field kind not supported");
	}
}

/* RFC 3597 §5: "\# <length> <hex>..." */
static dns_err_t generic(dns__parser_t *p, uint16_t type)
{
	uint64_t len;
	dns_err_t e;
	p->i = 1;
	const dns_token_t *t = take(p, "rdata length after \\#", &e);
	if (t == NULL)
		return e;
	if (!dns__parse_uint(t->s, t->len, DNS_RDATA_MAX, &len))
		return dns__pfail(p, 1, DNS_ESYNTAX, "expected an rdata length (0..65535)");
	if (len == 0 && p->i < p->ntok)
		return dns__pfail(p, p->i, DNS_ESYNTAX, "no data allowed after \\# 0");
	if ((e = hex_tokens(p, SIZE_MAX)) != DNS_OK)
		return e;
	if (p->len != len)
		return dns__pfail(p, p->ntok ? p->ntok - 1 : 0, DNS_ESYNTAX,
		                  "rdata length %zu does not match the %zu bytes given",
		                  (size_t)len, p->len);
	/* A known type's generic rdata must still be valid rdata of that type. */
	if (len && dns_rdata_validate(type, p->out, p->len) != DNS_OK)
		return dns__pfail(p, 1, DNS_ESYNTAX, "rdata is not valid for its type");
	return DNS_OK;
}

dns_err_t dns_rdata_from_tokens(uint16_t type, const dns_token_t *tok, size_t ntok,
                                const uint8_t *origin, uint8_t *out, size_t cap, size_t *outlen,
                                dns_rdata_error_t *err)
{
	dns__parser_t p = {tok, ntok, 0, origin, out, cap < DNS_RDATA_MAX ? cap : DNS_RDATA_MAX,
	                   0, err};
	dns_err_t e;
	if (ntok > 0 && !tok[0].quoted && tok[0].len == 2 && tok[0].s[0] == '\\' &&
	    tok[0].s[1] == '#') {
		e = generic(&p, type);
	} else {
		const dns_rrtype_desc_t *d = dns__typed_desc(type);
		if (d == NULL)
			return dns__pfail(&p, 0, DNS_ESYNTAX,
			                  "type without presentation format: use \\# <len> <hex>");
		e = DNS_OK;
		for (const dns_field_t *f = d->fields; e == DNS_OK && *f != DNS_F_END; f++)
			e = field(&p, *f);
		if (e == DNS_OK && p.i < ntok)
			e = dns__pfail(&p, p.i, DNS_ESYNTAX, "trailing data after rdata");
	}
	if (e == DNS_OK)
		*outlen = p.len;
	return e;
}

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* Read the token starting at text[*i] (not a space) into @t; advances *i. */
static dns_err_t next_token(const char *text, size_t len, size_t *i, dns_token_t *t)
{
	size_t k = *i;
	t->line = 1;
	t->col = (uint32_t)k + 1;
	t->quoted = text[k] == '"';
	if (t->quoted)
		k++;
	t->s = text + k;
	/* Inside an unquoted token a quoted part (SVCB key="a b") is kept whole. */
	bool inq = t->quoted;
	while (k < len) {
		char c = text[k];
		if (c == '\\') {
			k += k + 1 < len ? 2 : 1;
			continue;
		}
		if (c == '"') {
			if (t->quoted)
				break;
			inq = !inq;
		} else if (!inq && is_space(c)) {
			break;
		}
		k++;
	}
	if (k > len)
		k = len;
	t->len = (uint32_t)(text + k - t->s);
	if (t->quoted || inq) {
		if (k >= len || text[k] != '"')
			return DNS_ESYNTAX;
		if (t->quoted)
			k++;
	}
	*i = k;
	return DNS_OK;
}

static dns_err_t token_error(dns_rdata_error_t *err, size_t token, dns_err_t e, const char *msg)
{
	if (err) {
		err->token = token;
		snprintf(err->msg, sizeof(err->msg), "%s", msg);
	}
	return e;
}

#define INLINE_TOKENS 64

dns_err_t dns_rdata_from_text(uint16_t type, const char *text, size_t len,
                              const uint8_t *origin, uint8_t *out, size_t cap, size_t *outlen,
                              dns_rdata_error_t *err)
{
	/* Most rdata is a few tokens; a TXT of many short strings may need up
	 * to DNS_RDATA_TOKENS_MAX, which then live on the heap. */
	dns_token_t inline_tok[INLINE_TOKENS];
	dns_token_t *tok = inline_tok, *heap = NULL;
	size_t n = 0, ncap = INLINE_TOKENS, i = 0;
	dns_err_t e = DNS_OK;
	while (e == DNS_OK && i < len) {
		if (is_space(text[i])) {
			i++;
			continue;
		}
		if (n == ncap) {
			if (n == DNS_RDATA_TOKENS_MAX) {
				e = token_error(err, n, DNS_ELIMIT, "too many tokens");
				break;
			}
			dns_token_t *g = dns_grow(heap, &ncap, n + 1, sizeof(*g), 2 * INLINE_TOKENS);
			if (!g) {
				e = token_error(err, n, DNS_ENOMEM, "out of memory");
				break;
			}
			if (!heap)
				memcpy(g, inline_tok, sizeof(inline_tok));
			tok = heap = g;
		}
		if (next_token(text, len, &i, &tok[n]) != DNS_OK)
			e = token_error(err, n, DNS_ESYNTAX, "unterminated quoted string");
		n++;
	}
	if (e == DNS_OK)
		e = dns_rdata_from_tokens(type, tok, n, origin, out, cap, outlen, err);
	free(heap);
	return e;
}
