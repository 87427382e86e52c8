/*
 * msg.h - DNS messages: header constants, a validating parser and a
 * builder with name compression and size limits (RFC 1035 §4, RFC 2181 §9).
 */
#ifndef DNS_MSG_H
#define DNS_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/error.h"
#include "dns/name.h"
#include "dns/rr.h"
#include "dns/rrset.h"
#include "dns/wire.h"

#define DNS_HDR_LEN 12

/* Header flag bits (the 16-bit word after the ID). */
#define DNS_FLAG_QR 0x8000
#define DNS_FLAG_AA 0x0400
#define DNS_FLAG_TC 0x0200
#define DNS_FLAG_RD 0x0100
#define DNS_FLAG_RA 0x0080
#define DNS_FLAG_Z  0x0040
#define DNS_FLAG_AD 0x0020
#define DNS_FLAG_CD 0x0010

static inline unsigned dns_flags_opcode(uint16_t f) { return (f >> 11) & 0xF; }
static inline unsigned dns_flags_rcode(uint16_t f) { return f & 0xF; }
static inline uint16_t dns_flags_set_opcode(uint16_t f, unsigned op)
{
	return (uint16_t)((f & ~0x7800u) | (op & 0xF) << 11);
}
static inline uint16_t dns_flags_set_rcode(uint16_t f, unsigned rc)
{
	return (uint16_t)((f & ~0xFu) | (rc & 0xF));
}

enum dns_opcode {
	DNS_OPCODE_QUERY = 0, DNS_OPCODE_IQUERY = 1, DNS_OPCODE_STATUS = 2,
	DNS_OPCODE_NOTIFY = 4, DNS_OPCODE_UPDATE = 5,
};

enum dns_rcode {
	DNS_RCODE_NOERROR = 0, DNS_RCODE_FORMERR = 1, DNS_RCODE_SERVFAIL = 2,
	DNS_RCODE_NXDOMAIN = 3, DNS_RCODE_NOTIMP = 4, DNS_RCODE_REFUSED = 5,
	DNS_RCODE_YXDOMAIN = 6, DNS_RCODE_YXRRSET = 7, DNS_RCODE_NXRRSET = 8,
	DNS_RCODE_NOTAUTH = 9, DNS_RCODE_NOTZONE = 10,
	DNS_RCODE_BADVERS = 16, /* EDNS; same value as BADSIG in TSIG */
	DNS_RCODE_BADSIG = 16, DNS_RCODE_BADKEY = 17, DNS_RCODE_BADTIME = 18,
	DNS_RCODE_BADMODE = 19, DNS_RCODE_BADNAME = 20, DNS_RCODE_BADALG = 21,
	DNS_RCODE_BADTRUNC = 22, DNS_RCODE_BADCOOKIE = 23,
};

/*
 * Names for logs and metrics, never bare numbers.  dns_rcode_name:
 * "NOERROR" .. "BADCOOKIE" (16 is BADVERS, its meaning in a header with
 * EDNS), NULL for a code without a name; dns_tsig_error_name: the TSIG
 * RR's error field (16 is BADSIG there; 0 is NOERROR).  The _text forms
 * never fail: "RCODE<n>" / "TSIG error <n>" in @buf for unnamed codes.
 */
const char *dns_rcode_name(unsigned rcode);
const char *dns_rcode_text(unsigned rcode, char *buf, size_t cap);
const char *dns_tsig_error_name(unsigned error);
const char *dns_tsig_error_text(unsigned error, char *buf, size_t cap);
/* "QUERY", "IQUERY", "STATUS", "NOTIFY", "UPDATE", "DSO", else "OPCODE<n>" in @buf. */
const char *dns_opcode_text(unsigned opcode, char *buf, size_t cap);

enum dns_section {
	DNS_SEC_QUESTION = 0, DNS_SEC_ANSWER = 1, DNS_SEC_AUTHORITY = 2, DNS_SEC_ADDITIONAL = 3,
};
/* RFC 2136 names for the same sections in UPDATE messages. */
#define DNS_SEC_ZONE DNS_SEC_QUESTION
#define DNS_SEC_PREREQ DNS_SEC_ANSWER
#define DNS_SEC_UPDATE DNS_SEC_AUTHORITY

/* ---- parsing ---- */

typedef struct dns_msg_rr {
	dns_rr_t rr;      /* owner and rdata uncompressed (point into the message or its storage) */
	uint8_t section;  /* enum dns_section (never QUESTION) */
	uint32_t offset;  /* where the RR starts in the wire message */
	uint32_t end;     /* where it ends */
} dns_msg_rr_t;

#define DNS_MSG_INLINE_RRS 4
#define DNS_MSG_INLINE_STORAGE 1024

typedef struct dns_msg {
	const uint8_t *wire;
	size_t wire_len;
	uint16_t id;
	uint16_t flags;
	uint16_t count[4];            /* QD, AN, NS, AR as in the header */
	bool has_question;
	uint8_t qname[DNS_NAME_MAX];  /* the (only) question, case preserved */
	uint16_t qtype, qclass;
	uint32_t question_end;        /* offset just after the question section */
	dns_msg_rr_t *rrs;            /* answer, authority, additional, in order */
	size_t nrrs;
	size_t sec_start[4];          /* index of the first RR of each section in rrs */
	const dns_msg_rr_t *opt;      /* the OPT pseudo-RR, or NULL */
	const dns_msg_rr_t *tsig;     /* the TSIG RR (last of the message), or NULL */
	/* private: small messages (queries) parse without allocating */
	dns_msg_rr_t inline_rrs[DNS_MSG_INLINE_RRS];
	uint8_t inline_storage[DNS_MSG_INLINE_STORAGE];
	uint8_t *heap;                /* storage beyond the inline buffers */
	dns_msg_rr_t *heap_rrs;
} dns_msg_t;

/*
 * Parse and validate a whole message: header, at most one question,
 * every RR (names decompressed through backward pointers only, rdata
 * checked against its type and expanded where it may be compressed),
 * at most one OPT (in the additional section, owner root), TSIG only as
 * the last RR.  @wire must stay valid while @m is used.  Trailing bytes
 * after the last RR are an error.  Errors: DNS_EMALFORMED, DNS_ENOMEM.
 * Call dns_msg_free() afterwards whatever the result.
 */
dns_err_t dns_msg_parse(dns_msg_t *m, const uint8_t *wire, size_t len);
void dns_msg_free(dns_msg_t *m);

/* The RRs of one section. */
static inline const dns_msg_rr_t *dns_msg_section(const dns_msg_t *m, int sec, size_t *n)
{
	size_t end = sec == DNS_SEC_ADDITIONAL ? m->nrrs : m->sec_start[sec + 1];
	*n = end - m->sec_start[sec];
	return m->rrs + m->sec_start[sec];
}

/* ---- building ---- */

typedef struct dns_msg_builder {
	dns_wbuf_t w;          /* the message; w.len is its current length */
	size_t limit;          /* the message may not grow beyond this (<= capacity) */
	size_t reserved;       /* bytes kept free below limit for OPT/TSIG */
	uint16_t count[4];
	int section;           /* sections are appended in order */
	dns_compress_t comp;
} dns_msg_builder_t;

/* Start a message in @buf (@cap bytes), not to exceed @limit bytes. */
void dns_msg_builder_init(dns_msg_builder_t *b, uint8_t *buf, size_t cap, size_t limit);

/* Write the header (counts are filled in by finish). */
dns_err_t dns_msg_builder_header(dns_msg_builder_t *b, uint16_t id, uint16_t flags);

/* Change the flags word of the message being built. */
void dns_msg_builder_set_flags(dns_msg_builder_t *b, uint16_t flags);

dns_err_t dns_msg_builder_question(dns_msg_builder_t *b, const uint8_t *qname, uint16_t qtype,
                                   uint16_t qclass);

/*
 * Append one RR to @section (>= the current section).  Names are
 * compressed as the type allows.  If it does not fit within
 * limit - reserved, nothing is appended and DNS_ESPACE is returned.
 */
dns_err_t dns_msg_builder_rr(dns_msg_builder_t *b, int section, const dns_rr_t *rr);

/*
 * Append a whole RRset (all or nothing): DNS_ESPACE leaves the message as
 * it was.  @owner is written for every record (compressed after the first).
 */
dns_err_t dns_msg_builder_rrset(dns_msg_builder_t *b, int section, const uint8_t *owner,
                                uint16_t rclass, const dns_rrset_t *set);

/* Hold back @n bytes (e.g. for OPT and TSIG) from what RRs may use. */
void dns_msg_builder_reserve(dns_msg_builder_t *b, size_t n);
void dns_msg_builder_unreserve(dns_msg_builder_t *b, size_t n);

/* Save and restore the builder's position (drops RRs appended since). */
typedef struct dns_msg_mark {
	size_t len;
	uint16_t count[4];
	int section;
} dns_msg_mark_t;
dns_msg_mark_t dns_msg_builder_mark(const dns_msg_builder_t *b);
void dns_msg_builder_rewind(dns_msg_builder_t *b, dns_msg_mark_t mark);

/* Write the section counts into the header; returns the message length. */
size_t dns_msg_builder_finish(dns_msg_builder_t *b);

#endif
