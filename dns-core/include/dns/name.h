/*
 * name.h - domain names in uncompressed wire form.
 *
 * A name is a sequence of length-prefixed labels ending with the root
 * label (a zero byte), at most DNS_NAME_MAX bytes.  Functions taking a
 * `const uint8_t *name` trust it to be well formed: untrusted bytes enter
 * only through dns_name_from_text() and dns_name_unpack(), which validate.
 * Comparisons are ASCII case-insensitive (RFC 4343).
 */
#ifndef DNS_NAME_H
#define DNS_NAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/error.h"
#include "dns/wire.h"

#define DNS_NAME_MAX 255
#define DNS_LABEL_MAX 63
#define DNS_NAME_LABELS_MAX 127
/* Longest presentation form: every byte as \DDD, plus dots and NUL. */
#define DNS_NAME_TEXT_MAX (DNS_NAME_MAX * 4 + 2)
/* Compression pointers followed while decompressing one name. */
#define DNS_NAME_MAX_HOPS 32

extern const uint8_t dns_name_root[1];

/* Length in bytes (including the root label) of a well-formed name. */
size_t dns_name_length(const uint8_t *name);

/* Number of labels, not counting the root (so "." has 0). */
unsigned dns_name_label_count(const uint8_t *name);

/* The name without its first label; NULL for the root. */
const uint8_t *dns_name_parent(const uint8_t *name);

/* The name with its first @n labels removed (n <= label count). */
const uint8_t *dns_name_skip_labels(const uint8_t *name, unsigned n);

static inline bool dns_name_is_root(const uint8_t *name) { return name[0] == 0; }

/* The first label is "*" (RFC 4592 wildcard). */
static inline bool dns_name_is_wildcard(const uint8_t *name)
{
	return name[0] == 1 && name[1] == '*';
}

/*
 * Parse presentation text (@len bytes, need not be NUL-terminated) into
 * @out.  Handles "\." and "\DDD" escapes, "@" (the origin) and relative
 * names, which are completed with @origin; with @origin NULL a relative
 * name is an error.  @outlen receives the wire length.
 * Errors: DNS_ESYNTAX (bad escape, empty label), DNS_ELIMIT (too long).
 */
dns_err_t dns_name_from_text(uint8_t out[DNS_NAME_MAX], size_t *outlen, const char *text,
                             size_t len, const uint8_t *origin);

/*
 * Write the absolute presentation form (trailing dot, escapes for '.',
 * '\\', '"', '(', ')', ';', '@', '$', space and non-printable bytes) as a
 * NUL-terminated string.  Returns the string length, or 0 if @cap is too
 * small (DNS_NAME_TEXT_MAX is always enough).
 */
size_t dns_name_to_text(const uint8_t *name, char *out, size_t cap);

/* Case-insensitive equality. */
bool dns_name_equal(const uint8_t *a, const uint8_t *b);

/* Canonical order of RFC 4034 §6.1: <0, 0, >0. */
int dns_name_compare(const uint8_t *a, const uint8_t *b);

/* @name is @parent or below it. */
bool dns_name_is_subdomain(const uint8_t *name, const uint8_t *parent);

/* Lower-case ASCII letters in place (canonical form, RFC 4034 §6.2). */
void dns_name_lower(uint8_t *name);

/* Copy a well-formed name; returns its length. */
size_t dns_name_copy(uint8_t *dst, const uint8_t *src);

/* Case-insensitive hash, for in-memory tables (never stored). */
uint32_t dns_name_hash(const uint8_t *name);

/*
 * Read a possibly compressed name at r->pos of a message and advance past
 * it.  Pointers must point strictly backwards (RFC 1035 §4.1.4 as every
 * real encoder uses it), at most DNS_NAME_MAX_HOPS are followed, and the
 * result is limited to DNS_NAME_MAX bytes.  @out receives the uncompressed
 * name, @outlen its length (either may be NULL to only validate/skip).
 */
dns_err_t dns_name_unpack(dns_rbuf_t *r, uint8_t *out, size_t *outlen);

/*
 * Name compression for message building (RFC 1035 §4.1.4).  A table of
 * suffixes already written to the message; reset per message.  Lookups
 * are case-insensitive.  Only offsets below 0x4000 are recorded.
 */
#define DNS_COMPRESS_SLOTS 512
typedef struct dns_compress {
	const uint8_t *msg;         /* start of the message being built */
	uint32_t gen;               /* entries of other generations are empty */
	uint32_t mask;              /* slots in use - 1; 0 means all DNS_COMPRESS_SLOTS */
	uint32_t deferred;          /* 1 + offset of a name written in full whose
	                               suffixes are not entered yet; 0: none */
	uint32_t slot_gen[DNS_COMPRESS_SLOTS];
	uint16_t slot_off[DNS_COMPRESS_SLOTS];
	uint32_t slot_hash[DNS_COMPRESS_SLOTS];
} dns_compress_t;

/* Start a new message at @msg (cheap: bumps a generation counter).  The
 * table must have been prepared once by dns_compress_init (or zeroed). */
void dns_compress_reset(dns_compress_t *c, const uint8_t *msg);

/*
 * Prepare a table in uninitialised memory for a message at @msg, using
 * @slots entries (a power of two, at most DNS_COMPRESS_SLOTS): only those
 * are cleared, so that a small message (a UDP answer holds a few names)
 * pays for a small table.  A full table only costs compression, never
 * correctness.
 */
void dns_compress_init(dns_compress_t *c, const uint8_t *msg, unsigned slots);

/*
 * The name at @off of the message (c->msg) was written uncompressed: its
 * suffixes become targets, but only when the next name is packed, so that
 * an answer whose other names all point at the question (the owner of an
 * A record) never pays for entering them.
 */
void dns_compress_defer(dns_compress_t *c, size_t off);

/* Forget the targets at or after @off: the message is being cut back to @off. */
void dns_compress_forget_from(dns_compress_t *c, size_t off);

/*
 * Append @name to @w, which writes into the message started at c->msg.
 * With @c NULL, or @compress false, the name is written uncompressed
 * (its suffixes are still recorded when @c is given).
 */
dns_err_t dns_name_pack(dns_wbuf_t *w, const uint8_t *name, dns_compress_t *c, bool compress);

#endif
