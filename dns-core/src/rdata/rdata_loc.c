/*
 * rdata_loc.c - LOC rdata (RFC 1876), version 0, text <-> wire:
 *
 *   d1 [m1 [s1]] {N|S} d2 [m2 [s2]] {E|W} alt[m] [siz[m] [hp[m] [vp[m]]]]
 *
 * Latitude and longitude are thousandths of arc seconds offset by 2^31,
 * altitude centimetres above -100000 m, sizes and precisions centimetres
 * as mantissa/power-of-ten nibbles.  Defaults (§3): 1m, 10000m, 10m.
 */
#include <string.h>

#include "dns/wire.h"
#include "internal/rdata_out.h"
#include "internal/rdata_parse.h"

#define EQUATOR 2147483648u   /* 2^31 */
#define ALT_BASE 10000000u    /* 100000 m below the WGS 84 spheroid, in cm */

/*
 * A decimal with up to @frac fraction digits (and an optional trailing
 * 'm' when @meters), scaled by 10^frac.
 */
static bool fixed(const dns_token_t *t, unsigned frac, bool meters, bool neg_ok, int64_t *v)
{
	const char *s = t->s;
	size_t len = t->len;
	bool neg = false;
	if (meters && len > 0 && (s[len - 1] == 'm' || s[len - 1] == 'M'))
		len--;
	if (neg_ok && len > 0 && s[0] == '-') {
		neg = true;
		s++;
		len--;
	}
	size_t dot = len;
	for (size_t i = 0; i < len; i++)
		if (s[i] == '.')
			dot = i;
	uint64_t ip, fp = 0;
	if (dot == 0 || !dns__parse_uint(s, dot, 100000000000ull, &ip))
		return false;
	size_t nf = dot < len ? len - dot - 1 : 0;
	if (nf > frac || (dot < len && nf == 0))
		return false;
	if (nf && !dns__parse_uint(s + dot + 1, nf, 999, &fp))
		return false;
	for (size_t i = nf; i < frac; i++)
		fp *= 10;
	for (unsigned i = 0; i < frac; i++)
		ip *= 10;
	*v = (int64_t)(ip + fp) * (neg ? -1 : 1);
	return true;
}

static bool is_hemi(const dns_token_t *t, const char *hemi)
{
	return t->len == 1 && ((t->s[0] | 0x20) == (hemi[0] | 0x20) ||
	                       (t->s[0] | 0x20) == (hemi[1] | 0x20));
}

static dns_err_t coord(dns__parser_t *p, const char *hemi, uint64_t maxdeg, uint32_t *out)
{
	uint64_t part[2] = {0, 0};
	int64_t sec = 0;
	unsigned k = 0;
	for (;;) {
		if (p->i >= p->ntok)
			return dns__pfail(p, p->ntok, DNS_ESYNTAX, "missing %c or %c", hemi[0], hemi[1]);
		const dns_token_t *t = &p->tok[p->i++];
		if (k > 0 && is_hemi(t, hemi))
			break;
		if (k == 3 || (k > 0 && t->len > 0 && (t->s[0] | 0x20) >= 'a' && (t->s[0] | 0x20) <= 'z'))
			return dns__pfail(p, p->i - 1, DNS_ESYNTAX, "expected %c or %c", hemi[0], hemi[1]);
		if (k < 2 && !dns__parse_uint(t->s, t->len, k == 0 ? maxdeg : 59, &part[k]))
			return dns__pfail(p, p->i - 1, DNS_ESYNTAX,
			                  k == 0 ? "invalid degrees" : "invalid minutes");
		if (k == 2 && (!fixed(t, 3, false, false, &sec) || sec > 59999))
			return dns__pfail(p, p->i - 1, DNS_ESYNTAX, "invalid seconds");
		k++;
	}
	uint64_t ms = (part[0] * 3600 + part[1] * 60) * 1000 + (uint64_t)sec;
	if (ms > maxdeg * 3600000)
		return dns__pfail(p, p->i - 1, DNS_ESYNTAX, "coordinate out of range");
	bool positive = (p->tok[p->i - 1].s[0] | 0x20) == (hemi[0] | 0x20);
	*out = positive ? EQUATOR + (uint32_t)ms : EQUATOR - (uint32_t)ms;
	return DNS_OK;
}

/* Size or precision in cm as mantissa << 4 | exponent, both 0..9 (truncating). */
static uint8_t precision(uint64_t cm)
{
	unsigned e = 0;
	while (cm >= 10) {
		cm /= 10;
		e++;
	}
	return (uint8_t)(cm << 4 | e);
}

dns_err_t dns__loc_from_tokens(dns__parser_t *p)
{
	uint8_t w[16] = {0, 0x12, 0x16, 0x13}; /* version 0, defaults 1m 10000m 10m */
	uint32_t lat, lon;
	dns_err_t e;
	if ((e = coord(p, "NS", 90, &lat)) != DNS_OK || (e = coord(p, "EW", 180, &lon)) != DNS_OK)
		return e;
	int64_t alt;
	if (p->i >= p->ntok)
		return dns__pfail(p, p->ntok, DNS_ESYNTAX, "missing altitude");
	if (!fixed(&p->tok[p->i], 2, true, true, &alt) || alt + (int64_t)ALT_BASE < 0 ||
	    alt + (int64_t)ALT_BASE > (int64_t)UINT32_MAX)
		return dns__pfail(p, p->i, DNS_ESYNTAX, "invalid altitude");
	p->i++;
	for (int k = 0; k < 3 && p->i < p->ntok; k++, p->i++) {
		int64_t cm;
		if (!fixed(&p->tok[p->i], 2, true, false, &cm) || cm > 9000000000ll)
			return dns__pfail(p, p->i, DNS_ESYNTAX, "invalid size or precision");
		w[1 + k] = precision((uint64_t)cm);
	}
	dns_put32(w + 4, lat);
	dns_put32(w + 8, lon);
	dns_put32(w + 12, (uint32_t)(alt + ALT_BASE));
	return dns__pput(p, w, 16);
}

/* Only encodings the parser produces, so that text and wire round-trip. */
static bool precision_ok(uint8_t b)
{
	return (b >> 4) <= 9 && (b & 15) <= 9 && ((b >> 4) != 0 || b == 0);
}

static void ometers(dns__out_t *o, uint8_t b)
{
	uint64_t cm = b >> 4;
	for (unsigned i = 0; i < (b & 15u); i++)
		cm *= 10;
	dns__ofmt(o, " %llu.%02llum", (unsigned long long)(cm / 100),
	          (unsigned long long)(cm % 100));
}

static void ocoord(dns__out_t *o, uint32_t v, const char *hemi)
{
	uint32_t ms = v >= EQUATOR ? v - EQUATOR : EQUATOR - v;
	char h = v >= EQUATOR ? hemi[0] : hemi[1];
	dns__ofmt(o, "%u %u %u.%03u %c", ms / 3600000, ms / 60000 % 60, ms / 1000 % 60,
	          ms % 1000, h);
}

dns_err_t dns__loc_to_text(dns__out_t *o, const uint8_t *p, size_t len)
{
	if (len != 16 || p[0] != 0 || !precision_ok(p[1]) || !precision_ok(p[2]) ||
	    !precision_ok(p[3]))
		return DNS_EMALFORMED;
	uint32_t lat = dns_get32(p + 4), lon = dns_get32(p + 8), alt = dns_get32(p + 12);
	uint32_t la = lat >= EQUATOR ? lat - EQUATOR : EQUATOR - lat;
	uint32_t lo = lon >= EQUATOR ? lon - EQUATOR : EQUATOR - lon;
	if (la > 90u * 3600000 || lo > 180u * 3600000)
		return DNS_EMALFORMED;
	ocoord(o, lat, "NS");
	dns__oputc(o, ' ');
	ocoord(o, lon, "EW");
	int64_t a = (int64_t)alt - ALT_BASE;
	uint64_t abs = (uint64_t)(a < 0 ? -a : a);
	dns__ofmt(o, " %s%llu.%02llum", a < 0 ? "-" : "", (unsigned long long)(abs / 100),
	          (unsigned long long)(abs % 100));
	for (int k = 1; k <= 3; k++)
		ometers(o, p[k]);
	return DNS_OK;
}
