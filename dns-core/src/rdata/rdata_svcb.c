/*
 * rdata_svcb.c - SvcParams of SVCB and HTTPS records (RFC 9460 §2.1,
 * §7, Appendix A), text <-> wire.
 *
 * Presentation: key=value or key, keys by name or keyNNNNN.  A value is
 * a <character-string>; list-valued keys split it on commas, alpn with
 * the value-list escapes of Appendix A.1 ("\," and "\\" after
 * char-string decoding).  In wire form keys are strictly ascending.
 */
#include <arpa/inet.h>
#include <string.h>

#include <openssl/evp.h>

#include "dns/wire.h"
#include "internal/rdata_out.h"
#include "internal/rdata_parse.h"
#include "internal/rdata_priv.h"

enum { K_MANDATORY, K_ALPN, K_NDALPN, K_PORT, K_IPV4, K_ECH, K_IPV6, K_DOHPATH, K_OHTTP };

static const char *const keynames[] = {"mandatory", "alpn", "no-default-alpn", "port",
                                       "ipv4hint", "ech", "ipv6hint", "dohpath", "ohttp"};
#define NKEYS (sizeof(keynames) / sizeof(keynames[0]))
#define KEY_INVALID 65535 /* reserved, RFC 9460 §14.3.2 */

const char *dns__svckey_name(uint16_t key) { return key < NKEYS ? keynames[key] : NULL; }

int dns__svckey_from_text(const char *s, size_t len)
{
	for (size_t k = 0; k < NKEYS; k++)
		if (strlen(keynames[k]) == len && strncasecmp(keynames[k], s, len) == 0)
			return (int)k;
	uint64_t v;
	if (len > 3 && len <= 8 && strncasecmp(s, "key", 3) == 0 &&
	    dns__parse_uint(s + 3, len - 3, 65535, &v))
		return (int)v;
	return -1;
}

/* Split @v on commas (no escapes) and call @fn per item. */
typedef dns_err_t (*item_fn)(dns__parser_t *p, const char *s, size_t n);

static dns_err_t split(dns__parser_t *p, const char *v, size_t len, item_fn fn)
{
	size_t b = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && v[i] != ',')
			continue;
		if (i == b)
			return dns__pfail(p, p->i, DNS_ESYNTAX, "empty item in SvcParam list");
		dns_err_t e = fn(p, v + b, i - b);
		if (e != DNS_OK)
			return e;
		b = i + 1;
	}
	return DNS_OK;
}

static dns_err_t addr_item(dns__parser_t *p, const char *s, size_t n, int af)
{
	char buf[64];
	uint8_t a[16];
	if (n >= sizeof(buf))
		return dns__pfail(p, p->i, DNS_ESYNTAX, "invalid address in SvcParam");
	memcpy(buf, s, n);
	buf[n] = 0;
	if (inet_pton(af, buf, a) != 1)
		return dns__pfail(p, p->i, DNS_ESYNTAX, af == AF_INET ? "invalid IPv4 address"
		                                                       : "invalid IPv6 address");
	return dns__pput(p, a, af == AF_INET ? 4 : 16);
}

static dns_err_t v4_item(dns__parser_t *p, const char *s, size_t n)
{
	return addr_item(p, s, n, AF_INET);
}

static dns_err_t v6_item(dns__parser_t *p, const char *s, size_t n)
{
	return addr_item(p, s, n, AF_INET6);
}

static dns_err_t mandatory(dns__parser_t *p, const char *v, size_t len)
{
	uint16_t keys[64];
	size_t n = 0, b = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && v[i] != ',')
			continue;
		int k = dns__svckey_from_text(v + b, i - b);
		if (k < 0 || k == K_MANDATORY || k == KEY_INVALID)
			return dns__pfail(p, p->i, DNS_ESYNTAX, "invalid key in mandatory list");
		if (n == 64)
			return dns__pfail(p, p->i, DNS_ELIMIT, "mandatory list too long");
		/* insertion keeps the list ascending, as the wire form requires */
		size_t j = n++;
		for (; j > 0 && keys[j - 1] > k; j--)
			keys[j] = keys[j - 1];
		if (j > 0 && keys[j - 1] == k)
			return dns__pfail(p, p->i, DNS_ESYNTAX, "duplicate key in mandatory list");
		keys[j] = (uint16_t)k;
		b = i + 1;
	}
	for (size_t j = 0; j < n; j++) {
		uint8_t w[2];
		dns_put16(w, keys[j]);
		dns_err_t e = dns__pput(p, w, 2);
		if (e != DNS_OK)
			return e;
	}
	return DNS_OK;
}

/* alpn: comma-separated ids; "\," and "\\" escape within an id (Appendix A.1). */
static dns_err_t alpn(dns__parser_t *p, const char *v, size_t len)
{
	size_t i = 0;
	while (i <= len) {
		uint8_t id[256];
		size_t n = 0;
		for (; i < len && v[i] != ','; i++) {
			if (v[i] == '\\' && i + 1 < len)
				i++;
			if (n == 255)
				return dns__pfail(p, p->i, DNS_ELIMIT, "alpn id longer than 255 bytes");
			id[n++] = (uint8_t)v[i];
		}
		if (n == 0)
			return dns__pfail(p, p->i, DNS_ESYNTAX, "empty alpn id");
		uint8_t l = (uint8_t)n;
		dns_err_t e = dns__pput(p, &l, 1);
		if (e == DNS_OK)
			e = dns__pput(p, id, n);
		if (e != DNS_OK)
			return e;
		i++;
	}
	return DNS_OK;
}

static dns_err_t ech(dns__parser_t *p, const char *v, size_t len)
{
	size_t pad = 0;
	if (len % 4)
		return dns__pfail(p, p->i, DNS_ESYNTAX, "invalid base64 in ech");
	while (pad < 2 && pad < len && v[len - 1 - pad] == '=')
		pad++;
	if (p->cap - p->len < len / 4 * 3)
		return dns__pfail(p, p->i, DNS_ESPACE, "rdata too long");
	int r = EVP_DecodeBlock(p->out + p->len, (const unsigned char *)v, (int)len);
	if (r < 0 || (size_t)r != len / 4 * 3)
		return dns__pfail(p, p->i, DNS_ESYNTAX, "invalid base64 in ech");
	p->len += (size_t)r - pad;
	return DNS_OK;
}

/* The wire value of @key from its decoded presentation value. */
static dns_err_t value(dns__parser_t *p, int key, const char *raw, size_t rawlen, bool has)
{
	char v[4096];
	uint64_t port;
	if (key != K_MANDATORY && key != K_ALPN && key != K_PORT && key != K_IPV4 &&
	    key != K_IPV6 && key != K_ECH) {
		if (has && (key == K_NDALPN || key == K_OHTTP) && rawlen)
			return dns__pfail(p, p->i, DNS_ESYNTAX, "%s takes no value", keynames[key]);
		/* opaque value: decoded straight into the output */
		long n = dns__cstr_decode(raw, rawlen, p->out + p->len, p->cap - p->len);
		if (n < 0)
			return dns__pfail(p, p->i, n == -1 ? DNS_ESYNTAX : DNS_ESPACE,
			                  n == -1 ? "invalid escape in SvcParam value" : "rdata too long");
		p->len += (size_t)n;
		return DNS_OK;
	}
	long n = dns__cstr_decode(raw, rawlen, (uint8_t *)v, sizeof(v));
	if (n < 0)
		return dns__pfail(p, p->i, n == -1 ? DNS_ESYNTAX : DNS_ELIMIT,
		                  n == -1 ? "invalid escape in SvcParam value" : "SvcParam value too long");
	if (key == K_ECH)
		return ech(p, v, (size_t)n);
	if (!has || n == 0)
		return dns__pfail(p, p->i, DNS_ESYNTAX, "%s needs a value", keynames[key]);
	switch (key) {
	case K_MANDATORY:
		return mandatory(p, v, (size_t)n);
	case K_ALPN:
		return alpn(p, v, (size_t)n);
	case K_PORT: {
		uint8_t w[2];
		if (!dns__parse_uint(v, (size_t)n, 65535, &port))
			return dns__pfail(p, p->i, DNS_ESYNTAX, "expected a 16-bit number");
		dns_put16(w, (uint16_t)port);
		return dns__pput(p, w, 2);
	}
	case K_IPV4:
		return split(p, v, (size_t)n, v4_item);
	default:
		return split(p, v, (size_t)n, v6_item);
	}
}

static void reverse(uint8_t *a, size_t n)
{
	for (size_t i = 0; i < n / 2; i++) {
		uint8_t t = a[i];
		a[i] = a[n - 1 - i];
		a[n - 1 - i] = t;
	}
}

/* Move the parameter just written at [at, p->len) to its place among [start, at). */
static dns_err_t insert_sorted(dns__parser_t *p, size_t start, size_t at, uint16_t key)
{
	size_t off = start;
	while (off < at) {
		uint16_t k = dns_get16(p->out + off);
		if (k == key)
			return dns__pfail(p, p->i, DNS_ESYNTAX, "duplicate SvcParam key");
		if (k > key)
			break;
		off += 4u + dns_get16(p->out + off + 2);
	}
	if (off < at) {
		reverse(p->out + off, at - off);
		reverse(p->out + at, p->len - at);
		reverse(p->out + off, p->len - off);
	}
	return DNS_OK;
}

static bool has_key(const uint8_t *p, size_t len, uint16_t key)
{
	for (size_t off = 0; off < len; off += 4u + dns_get16(p + off + 2))
		if (dns_get16(p + off) == key)
			return true;
	return false;
}

/* RFC 9460 §8: every key listed in mandatory must be present. */
static bool mandatory_present(const uint8_t *p, size_t len)
{
	if (len < 4 || dns_get16(p) != K_MANDATORY)
		return true;
	uint16_t vlen = dns_get16(p + 2);
	for (size_t i = 0; i + 1 < vlen; i += 2)
		if (!has_key(p, len, dns_get16(p + 4 + i)))
			return false;
	return true;
}

dns_err_t dns__svcparams_from_tokens(dns__parser_t *p)
{
	size_t start = p->len;
	for (; p->i < p->ntok; p->i++) {
		const dns_token_t *t = &p->tok[p->i];
		const char *eq = memchr(t->s, '=', t->len);
		size_t klen = eq ? (size_t)(eq - t->s) : t->len;
		int key = dns__svckey_from_text(t->s, klen);
		if (key < 0 || key == KEY_INVALID)
			return dns__pfail(p, p->i, DNS_ESYNTAX, "unknown SvcParam key");
		const char *v = NULL;
		size_t vlen = 0;
		if (eq) {
			v = eq + 1;
			vlen = t->len - klen - 1;
			if (vlen == 0 && p->i + 1 < p->ntok && p->tok[p->i + 1].quoted) {
				p->i++;
				v = p->tok[p->i].s;
				vlen = p->tok[p->i].len;
			} else if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"') {
				v++;
				vlen -= 2;
			}
		}
		size_t at = p->len;
		uint8_t hdr[4] = {(uint8_t)(key >> 8), (uint8_t)key, 0, 0};
		dns_err_t e = dns__pput(p, hdr, 4);
		if (e == DNS_OK)
			e = value(p, key, v, vlen, eq != NULL);
		if (e != DNS_OK)
			return e;
		if (p->len - at - 4 > 65535)
			return dns__pfail(p, p->i, DNS_ELIMIT, "SvcParam value too long");
		dns_put16(p->out + at + 2, (uint16_t)(p->len - at - 4));
		if ((e = insert_sorted(p, start, at, (uint16_t)key)) != DNS_OK)
			return e;
	}
	if (!mandatory_present(p->out + start, p->len - start))
		return dns__pfail(p, p->ntok, DNS_ESYNTAX, "a mandatory key is missing");
	return DNS_OK;
}

static void okey(dns__out_t *o, uint16_t key)
{
	const char *name = dns__svckey_name(key);
	if (name)
		dns__oput(o, name, strlen(name));
	else
		dns__ofmt(o, "key%u", key);
}

static dns_err_t ovalue(dns__out_t *o, uint16_t key, const uint8_t *v, size_t n,
                        const uint8_t *all, size_t alllen)
{
	char buf[64];
	switch (key) {
	case K_MANDATORY:
		if (n == 0 || n % 2)
			return DNS_EMALFORMED;
		for (size_t i = 0; i < n; i += 2) {
			uint16_t k = dns_get16(v + i);
			if (k == K_MANDATORY || k == KEY_INVALID || (i && k <= dns_get16(v + i - 2)) ||
			    !has_key(all, alllen, k))
				return DNS_EMALFORMED;
			dns__oputc(o, i ? ',' : '=');
			okey(o, k);
		}
		return DNS_OK;
	case K_ALPN:
		if (n == 0)
			return DNS_EMALFORMED;
		for (size_t i = 0; i < n; i += 1u + v[i]) {
			if (v[i] == 0 || n - i - 1 < v[i])
				return DNS_EMALFORMED;
			dns__oputc(o, i ? ',' : '=');
			for (size_t j = 0; j < v[i]; j++) {
				uint8_t c = v[i + 1 + j];
				if (c == ',' || c == '\\')
					dns__oput(o, "\\\\", 2);
				dns__ostr(o, &c, 1, true);
			}
		}
		return DNS_OK;
	case K_NDALPN:
	case K_OHTTP:
		return n == 0 ? DNS_OK : DNS_EMALFORMED;
	case K_PORT:
		if (n != 2)
			return DNS_EMALFORMED;
		dns__ofmt(o, "=%u", dns_get16(v));
		return DNS_OK;
	case K_IPV4:
	case K_IPV6: {
		size_t al = key == K_IPV4 ? 4 : 16;
		if (n == 0 || n % al)
			return DNS_EMALFORMED;
		for (size_t i = 0; i < n; i += al) {
			inet_ntop(key == K_IPV4 ? AF_INET : AF_INET6, v + i, buf, sizeof(buf));
			dns__oputc(o, i ? ',' : '=');
			dns__oput(o, buf, strlen(buf));
		}
		return DNS_OK;
	}
	case K_ECH:
		if (n) {
			dns__oputc(o, '=');
			dns__obase64(o, v, n);
		}
		return DNS_OK;
	case KEY_INVALID:
		return DNS_EMALFORMED;
	default:
		if (n) {
			dns__oputc(o, '=');
			dns__ostr(o, v, n, true);
		}
		return DNS_OK;
	}
}

dns_err_t dns__svcparams_to_text(dns__out_t *o, const uint8_t *p, size_t len)
{
	if (dns__svcparams_check(p, len) != DNS_OK)
		return DNS_EMALFORMED;
	for (size_t off = 0; off < len;) {
		uint16_t key = dns_get16(p + off), vlen = dns_get16(p + off + 2);
		dns__oputc(o, ' ');
		okey(o, key);
		dns_err_t e = ovalue(o, key, p + off + 4, vlen, p, len);
		if (e != DNS_OK)
			return e;
		off += 4u + vlen;
	}
	return DNS_OK;
}
