/*
 * rrtype.h - record types and classes: numbers, mnemonics and the
 * descriptor table that drives rdata conversion (rdata.h).
 */
#ifndef DNS_RRTYPE_H
#define DNS_RRTYPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/error.h"

enum dns_type {
	DNS_TYPE_A = 1, DNS_TYPE_NS = 2, DNS_TYPE_MD = 3, DNS_TYPE_MF = 4, DNS_TYPE_CNAME = 5,
	DNS_TYPE_SOA = 6, DNS_TYPE_MB = 7, DNS_TYPE_MG = 8, DNS_TYPE_MR = 9, DNS_TYPE_NULL = 10,
	DNS_TYPE_WKS = 11, DNS_TYPE_PTR = 12, DNS_TYPE_HINFO = 13, DNS_TYPE_MINFO = 14,
	DNS_TYPE_MX = 15, DNS_TYPE_TXT = 16, DNS_TYPE_RP = 17, DNS_TYPE_AFSDB = 18,
	DNS_TYPE_SIG = 24, DNS_TYPE_KEY = 25, DNS_TYPE_AAAA = 28, DNS_TYPE_LOC = 29,
	DNS_TYPE_NXT = 30, DNS_TYPE_SRV = 33, DNS_TYPE_NAPTR = 35, DNS_TYPE_KX = 36,
	DNS_TYPE_CERT = 37, DNS_TYPE_DNAME = 39, DNS_TYPE_OPT = 41, DNS_TYPE_APL = 42,
	DNS_TYPE_DS = 43, DNS_TYPE_SSHFP = 44, DNS_TYPE_RRSIG = 46, DNS_TYPE_NSEC = 47,
	DNS_TYPE_DNSKEY = 48, DNS_TYPE_NSEC3 = 50, DNS_TYPE_NSEC3PARAM = 51,
	DNS_TYPE_TLSA = 52, DNS_TYPE_SMIMEA = 53, DNS_TYPE_CDS = 59, DNS_TYPE_CDNSKEY = 60,
	DNS_TYPE_OPENPGPKEY = 61, DNS_TYPE_ZONEMD = 63, DNS_TYPE_SVCB = 64,
	DNS_TYPE_HTTPS = 65, DNS_TYPE_SPF = 99, DNS_TYPE_TKEY = 249, DNS_TYPE_TSIG = 250,
	DNS_TYPE_IXFR = 251, DNS_TYPE_AXFR = 252, DNS_TYPE_MAILB = 253, DNS_TYPE_MAILA = 254,
	DNS_TYPE_ANY = 255, DNS_TYPE_URI = 256, DNS_TYPE_CAA = 257,
};

enum dns_class {
	DNS_CLASS_IN = 1, DNS_CLASS_CH = 3, DNS_CLASS_HS = 4,
	DNS_CLASS_NONE = 254, DNS_CLASS_ANY = 255,
};

/* Kinds of rdata fields; a descriptor is a list of them. */
typedef enum dns_field {
	DNS_F_END = 0,
	DNS_F_U8,           /* decimal 0..255 (mnemonic allowed where the type says so) */
	DNS_F_U16,          /* decimal 0..65535 */
	DNS_F_U32,          /* decimal, or a TTL with units where the type says so */
	DNS_F_TYPE,         /* u16 shown as a type mnemonic (RRSIG type covered) */
	DNS_F_TIME,         /* u32 shown as YYYYMMDDHHmmSS (RRSIG) */
	DNS_F_TIME48,       /* u48 seconds (TSIG) */
	DNS_F_NAME,         /* domain name, compressed in messages (RFC 1035 types only) */
	DNS_F_NAME_PLAIN,   /* domain name, never compressed */
	DNS_F_A,            /* 4 bytes, dotted quad */
	DNS_F_AAAA,         /* 16 bytes, RFC 4291 text */
	DNS_F_STRING,       /* one <character-string> */
	DNS_F_STRINGS,      /* one or more <character-string>s to the end (TXT) */
	DNS_F_TEXT_REST,    /* raw bytes to the end shown as one quoted string (CAA value, URI target) */
	DNS_F_TAG,          /* u8 length + bytes shown unquoted (CAA tag) */
	DNS_F_BASE64_REST,  /* bytes to the end in base64, may span tokens */
	DNS_F_HEX_REST,     /* bytes to the end in hex, may span tokens */
	DNS_F_HEX_LEN8,     /* u8 length + bytes in hex, "-" for empty (NSEC3 salt) */
	DNS_F_B32HEX_LEN8,  /* u8 length + bytes in base32hex (NSEC3 next hashed owner) */
	DNS_F_BITMAP,       /* NSEC/NSEC3 type bitmap, list of mnemonics */
	DNS_F_LOC,          /* the whole LOC rdata (RFC 1876) */
	DNS_F_SVCPARAMS,    /* SVCB/HTTPS parameters to the end (RFC 9460) */
	DNS_F_ALG,          /* u8 algorithm, number or DNSSEC mnemonic */
	DNS_F_CERT_TYPE,    /* u16 CERT type, number or mnemonic */
	DNS_F_U16_LEN_HEX,  /* u16 length + bytes in hex (TSIG MAC / other data) */
	DNS_F_APL,          /* APL items to the end */
	DNS_F_WKS_BITMAP,   /* WKS protocol + service bitmap */
	DNS_F_TTL,          /* u32, decimal or TTL units "1h30m" (SOA timers) */
} dns_field_t;

/* Descriptor flags. */
#define DNS_RRTYPE_COMPRESS    0x01 /* names may be compressed when sent (RFC 3597 §4) */
#define DNS_RRTYPE_DECOMPRESS  0x02 /* names may arrive compressed and must be expanded */
#define DNS_RRTYPE_CANON_LOWER 0x04 /* names lower-cased in canonical form (RFC 4034 §6.2) */
#define DNS_RRTYPE_META        0x08 /* meta/question type: not zone data (OPT, TSIG, AXFR...) */
#define DNS_RRTYPE_SINGLETON   0x10 /* at most one record per RRset (CNAME, DNAME, SOA) */
#define DNS_RRTYPE_UNTYPED     0x20 /* mnemonic only: rdata always in RFC 3597 form */

typedef struct dns_rrtype_desc {
	uint16_t type;
	const char *name;
	uint8_t flags;
	dns_field_t fields[12]; /* terminated by DNS_F_END */
} dns_rrtype_desc_t;

/*
 * The descriptor of @type, or NULL when the type has no mnemonic.  Meta
 * types (DNS_RRTYPE_META) and mnemonic-only types have a descriptor with
 * DNS_RRTYPE_UNTYPED set and no fields: their rdata is RFC 3597 generic.
 */
const dns_rrtype_desc_t *dns_rrtype_get(uint16_t type);

/* @type has a typed presentation (a descriptor with fields). */
bool dns_rrtype_is_typed(uint16_t type);

/* Flags of @type's descriptor (0 for unknown types). */
uint8_t dns_rrtype_flags(uint16_t type);

/* Mnemonic or "TYPEnnn" (RFC 3597 §5); case-insensitive. */
dns_err_t dns_rrtype_from_text(const char *text, size_t len, uint16_t *type);

/* Writes the mnemonic or "TYPEnnn"; returns the length, 0 if @cap is too small. */
size_t dns_rrtype_to_text(uint16_t type, char *out, size_t cap);

/* "IN", "CH", "HS", "NONE", "ANY" or "CLASSnnn". */
dns_err_t dns_rrclass_from_text(const char *text, size_t len, uint16_t *rclass);
size_t dns_rrclass_to_text(uint16_t rclass, char *out, size_t cap);

#endif
