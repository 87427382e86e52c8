/*
 * rrtype.c - the record type table: mnemonics, flags and rdata field
 * descriptors, and type/class text conversion (RFC 1035, RFC 3597 §5).
 *
 * The table is indexed directly by type number because the zone file
 * parser and the message codec look a type up for every record.
 */
#include <string.h>

#include "dns/rrtype.h"
#include "internal/rdata_priv.h"

#define C  DNS_RRTYPE_COMPRESS
#define D  DNS_RRTYPE_DECOMPRESS
#define L  DNS_RRTYPE_CANON_LOWER
#define M  (DNS_RRTYPE_META | DNS_RRTYPE_UNTYPED)
#define S  DNS_RRTYPE_SINGLETON
#define U  DNS_RRTYPE_UNTYPED

#define T(num, mn, fl, ...) [num] = { num, mn, fl, { __VA_ARGS__, DNS_F_END } }

/* Types above this bound have no descriptor. */
#define TABLE_SIZE 258

static const dns_rrtype_desc_t table[TABLE_SIZE] = {
	T(DNS_TYPE_A, "A", 0, DNS_F_A),
	T(DNS_TYPE_NS, "NS", C | D | L, DNS_F_NAME),
	T(DNS_TYPE_MD, "MD", C | D | L, DNS_F_NAME),
	T(DNS_TYPE_MF, "MF", C | D | L, DNS_F_NAME),
	T(DNS_TYPE_CNAME, "CNAME", C | D | L | S, DNS_F_NAME),
	T(DNS_TYPE_SOA, "SOA", C | D | L | S, DNS_F_NAME, DNS_F_NAME, DNS_F_U32, DNS_F_TTL,
	  DNS_F_TTL, DNS_F_TTL, DNS_F_TTL),
	T(DNS_TYPE_MB, "MB", C | D | L, DNS_F_NAME),
	T(DNS_TYPE_MG, "MG", C | D | L, DNS_F_NAME),
	T(DNS_TYPE_MR, "MR", C | D | L, DNS_F_NAME),
	T(DNS_TYPE_NULL, "NULL", U, DNS_F_END),
	T(DNS_TYPE_WKS, "WKS", U, DNS_F_END),
	T(DNS_TYPE_PTR, "PTR", C | D | L, DNS_F_NAME),
	T(DNS_TYPE_HINFO, "HINFO", L, DNS_F_STRING, DNS_F_STRING),
	T(DNS_TYPE_MINFO, "MINFO", C | D | L, DNS_F_NAME, DNS_F_NAME),
	T(DNS_TYPE_MX, "MX", C | D | L, DNS_F_U16, DNS_F_NAME),
	T(DNS_TYPE_TXT, "TXT", 0, DNS_F_STRINGS),
	T(DNS_TYPE_RP, "RP", D | L, DNS_F_NAME_PLAIN, DNS_F_NAME_PLAIN),
	T(DNS_TYPE_AFSDB, "AFSDB", D | L, DNS_F_U16, DNS_F_NAME_PLAIN),
	T(21, "RT", D | L, DNS_F_U16, DNS_F_NAME_PLAIN),
	T(DNS_TYPE_SIG, "SIG", U, DNS_F_END),
	T(DNS_TYPE_KEY, "KEY", U, DNS_F_END),
	T(26, "PX", D | L, DNS_F_U16, DNS_F_NAME_PLAIN, DNS_F_NAME_PLAIN),
	T(DNS_TYPE_AAAA, "AAAA", 0, DNS_F_AAAA),
	T(DNS_TYPE_LOC, "LOC", 0, DNS_F_LOC),
	T(DNS_TYPE_NXT, "NXT", U, DNS_F_END),
	T(DNS_TYPE_SRV, "SRV", D | L, DNS_F_U16, DNS_F_U16, DNS_F_U16, DNS_F_NAME_PLAIN),
	T(DNS_TYPE_NAPTR, "NAPTR", D | L, DNS_F_U16, DNS_F_U16, DNS_F_STRING, DNS_F_STRING,
	  DNS_F_STRING, DNS_F_NAME_PLAIN),
	T(DNS_TYPE_KX, "KX", L, DNS_F_U16, DNS_F_NAME_PLAIN),
	T(DNS_TYPE_CERT, "CERT", U, DNS_F_END),
	T(DNS_TYPE_DNAME, "DNAME", L | S, DNS_F_NAME_PLAIN),
	T(DNS_TYPE_OPT, "OPT", M, DNS_F_END),
	T(DNS_TYPE_APL, "APL", U, DNS_F_END),
	T(DNS_TYPE_DS, "DS", 0, DNS_F_U16, DNS_F_ALG, DNS_F_U8, DNS_F_HEX_REST),
	T(DNS_TYPE_SSHFP, "SSHFP", 0, DNS_F_U8, DNS_F_U8, DNS_F_HEX_REST),
	T(DNS_TYPE_RRSIG, "RRSIG", L, DNS_F_TYPE, DNS_F_ALG, DNS_F_U8, DNS_F_U32, DNS_F_TIME,
	  DNS_F_TIME, DNS_F_U16, DNS_F_NAME_PLAIN, DNS_F_BASE64_REST),
	/* RFC 6840 §5.1: NSEC next names are not lower-cased. */
	T(DNS_TYPE_NSEC, "NSEC", 0, DNS_F_NAME_PLAIN, DNS_F_BITMAP),
	T(DNS_TYPE_DNSKEY, "DNSKEY", 0, DNS_F_U16, DNS_F_U8, DNS_F_ALG, DNS_F_BASE64_REST),
	T(DNS_TYPE_NSEC3, "NSEC3", 0, DNS_F_U8, DNS_F_U8, DNS_F_U16, DNS_F_HEX_LEN8,
	  DNS_F_B32HEX_LEN8, DNS_F_BITMAP),
	T(DNS_TYPE_NSEC3PARAM, "NSEC3PARAM", 0, DNS_F_U8, DNS_F_U8, DNS_F_U16, DNS_F_HEX_LEN8),
	T(DNS_TYPE_TLSA, "TLSA", 0, DNS_F_U8, DNS_F_U8, DNS_F_U8, DNS_F_HEX_REST),
	T(DNS_TYPE_SMIMEA, "SMIMEA", 0, DNS_F_U8, DNS_F_U8, DNS_F_U8, DNS_F_HEX_REST),
	T(DNS_TYPE_CDS, "CDS", 0, DNS_F_U16, DNS_F_ALG, DNS_F_U8, DNS_F_HEX_REST),
	T(DNS_TYPE_CDNSKEY, "CDNSKEY", 0, DNS_F_U16, DNS_F_U8, DNS_F_ALG, DNS_F_BASE64_REST),
	T(DNS_TYPE_OPENPGPKEY, "OPENPGPKEY", 0, DNS_F_BASE64_REST),
	T(DNS_TYPE_ZONEMD, "ZONEMD", 0, DNS_F_U32, DNS_F_U8, DNS_F_U8, DNS_F_HEX_REST),
	T(DNS_TYPE_SVCB, "SVCB", 0, DNS_F_U16, DNS_F_NAME_PLAIN, DNS_F_SVCPARAMS),
	T(DNS_TYPE_HTTPS, "HTTPS", 0, DNS_F_U16, DNS_F_NAME_PLAIN, DNS_F_SVCPARAMS),
	T(DNS_TYPE_SPF, "SPF", 0, DNS_F_STRINGS),
	T(DNS_TYPE_TKEY, "TKEY", M, DNS_F_END),
	T(DNS_TYPE_TSIG, "TSIG", M, DNS_F_END),
	T(DNS_TYPE_IXFR, "IXFR", M, DNS_F_END),
	T(DNS_TYPE_AXFR, "AXFR", M, DNS_F_END),
	T(DNS_TYPE_MAILB, "MAILB", M, DNS_F_END),
	T(DNS_TYPE_MAILA, "MAILA", M, DNS_F_END),
	T(DNS_TYPE_ANY, "ANY", M, DNS_F_END),
	T(DNS_TYPE_URI, "URI", 0, DNS_F_U16, DNS_F_U16, DNS_F_TEXT_REST),
	T(DNS_TYPE_CAA, "CAA", 0, DNS_F_U8, DNS_F_TAG, DNS_F_TEXT_REST),
};

/*
 * Mnemonics in ASCII order (upper case), for binary search.  Kept in
 * sync with the table by a unit test that checks order and coverage.
 */
static const struct {
	const char *name;
	uint16_t type;
} by_name[] = {
	{"A", 1}, {"AAAA", 28}, {"AFSDB", 18}, {"ANY", 255}, {"APL", 42}, {"AXFR", 252},
	{"CAA", 257}, {"CDNSKEY", 60}, {"CDS", 59}, {"CERT", 37}, {"CNAME", 5},
	{"DNAME", 39}, {"DNSKEY", 48}, {"DS", 43}, {"HINFO", 13}, {"HTTPS", 65},
	{"IXFR", 251}, {"KEY", 25}, {"KX", 36}, {"LOC", 29}, {"MAILA", 254},
	{"MAILB", 253}, {"MB", 7}, {"MD", 3}, {"MF", 4}, {"MG", 8}, {"MINFO", 14},
	{"MR", 9}, {"MX", 15}, {"NAPTR", 35}, {"NS", 2}, {"NSEC", 47}, {"NSEC3", 50},
	{"NSEC3PARAM", 51}, {"NULL", 10}, {"NXT", 30}, {"OPENPGPKEY", 61}, {"OPT", 41},
	{"PTR", 12}, {"PX", 26}, {"RP", 17}, {"RRSIG", 46}, {"RT", 21}, {"SIG", 24},
	{"SMIMEA", 53}, {"SOA", 6}, {"SPF", 99}, {"SRV", 33}, {"SSHFP", 44}, {"SVCB", 64},
	{"TKEY", 249}, {"TLSA", 52}, {"TSIG", 250}, {"TXT", 16}, {"URI", 256},
	{"WKS", 11}, {"ZONEMD", 63},
};

const dns_rrtype_desc_t *dns_rrtype_get(uint16_t type)
{
	if (type >= TABLE_SIZE || table[type].name == NULL)
		return NULL;
	return &table[type];
}

bool dns_rrtype_is_typed(uint16_t type)
{
	const dns_rrtype_desc_t *d = dns_rrtype_get(type);
	return d != NULL && !(d->flags & DNS_RRTYPE_UNTYPED);
}

uint8_t dns_rrtype_flags(uint16_t type)
{
	const dns_rrtype_desc_t *d = dns_rrtype_get(type);
	return d ? d->flags : 0;
}

static inline char upper(char c) { return c >= 'a' && c <= 'z' ? (char)(c - 32) : c; }

/* Compare @len bytes of @text (any case) with the NUL-terminated upper-case @mn. */
static int mn_cmp(const char *text, size_t len, const char *mn)
{
	for (size_t i = 0; i < len; i++) {
		char a = upper(text[i]), b = mn[i];
		if (b == 0)
			return 1;
		if (a != b)
			return (unsigned char)a < (unsigned char)b ? -1 : 1;
	}
	return mn[len] == 0 ? 0 : -1;
}

/* "<prefix>nnn" with a decimal 0..65535 after the (case-insensitive) prefix. */
static bool prefixed_number(const char *text, size_t len, const char *prefix, uint16_t *v)
{
	size_t plen = strlen(prefix);
	if (len <= plen || len > plen + 5)
		return false;
	for (size_t i = 0; i < plen; i++)
		if (upper(text[i]) != prefix[i])
			return false;
	uint32_t n = 0;
	for (size_t i = plen; i < len; i++) {
		if (text[i] < '0' || text[i] > '9')
			return false;
		n = n * 10 + (uint32_t)(text[i] - '0');
	}
	if (n > 65535)
		return false;
	*v = (uint16_t)n;
	return true;
}

dns_err_t dns_rrtype_from_text(const char *text, size_t len, uint16_t *type)
{
	size_t lo = 0, hi = sizeof(by_name) / sizeof(by_name[0]);
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = mn_cmp(text, len, by_name[mid].name);
		if (c == 0) {
			*type = by_name[mid].type;
			return DNS_OK;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	if (prefixed_number(text, len, "TYPE", type))
		return DNS_OK;
	return DNS_ESYNTAX;
}

static size_t put_text(char *out, size_t cap, const char *prefix, const char *name,
                       unsigned num)
{
	char buf[16];
	size_t n = 0;
	if (name) {
		n = strlen(name);
		if (n + 1 > cap)
			return 0;
		memcpy(out, name, n + 1);
		return n;
	}
	/* prefix + up to 5 digits */
	size_t p = strlen(prefix);
	memcpy(buf, prefix, p);
	char digits[6];
	size_t d = 0;
	do {
		digits[d++] = (char)('0' + num % 10);
		num /= 10;
	} while (num);
	while (d)
		buf[p++] = digits[--d];
	if (p + 1 > cap)
		return 0;
	memcpy(out, buf, p);
	out[p] = 0;
	return p;
}

size_t dns_rrtype_to_text(uint16_t type, char *out, size_t cap)
{
	const dns_rrtype_desc_t *d = dns_rrtype_get(type);
	return put_text(out, cap, "TYPE", d ? d->name : NULL, type);
}

static const struct {
	const char *name;
	uint16_t rclass;
} classes[] = {
	{"IN", DNS_CLASS_IN}, {"CH", DNS_CLASS_CH}, {"HS", DNS_CLASS_HS},
	{"NONE", DNS_CLASS_NONE}, {"ANY", DNS_CLASS_ANY},
};

dns_err_t dns_rrclass_from_text(const char *text, size_t len, uint16_t *rclass)
{
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		if (mn_cmp(text, len, classes[i].name) == 0) {
			*rclass = classes[i].rclass;
			return DNS_OK;
		}
	}
	if (prefixed_number(text, len, "CLASS", rclass))
		return DNS_OK;
	return DNS_ESYNTAX;
}

size_t dns_rrclass_to_text(uint16_t rclass, char *out, size_t cap)
{
	const char *name = NULL;
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (classes[i].rclass == rclass)
			name = classes[i].name;
	return put_text(out, cap, "CLASS", name, rclass);
}

size_t dns__rrtype_index(size_t i, const char **name, uint16_t *type)
{
	size_t n = sizeof(by_name) / sizeof(by_name[0]);
	if (i < n) {
		*name = by_name[i].name;
		*type = by_name[i].type;
	}
	return n;
}
