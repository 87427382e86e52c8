/*
 * nsec.h - authenticated denial of existence for a validating resolver:
 * NSEC (RFC 4034 §4, RFC 4035 §5.4) and NSEC3 (RFC 5155 §8) proofs of
 * NXDOMAIN, NODATA, wildcard answers and unsigned delegations, with the
 * closest encloser proof and opt-out.
 *
 * The caller gives the denial records of a response (NSEC or NSEC3 with
 * their owners) after checking their signatures; these functions only
 * decide what the records prove.  NSEC3 hashing is bounded by a budget
 * the caller passes (CVE-2023-50868), and NSEC3 records with more than
 * DNS_NSEC3_MAX_ITERATIONS iterations prove nothing securely (RFC 9276
 * §3.2: treated as insecure).
 */
#ifndef DNS_NSEC_H
#define DNS_NSEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/error.h"

#define DNS_NSEC3_MAX_ITERATIONS 50
#define DNS_NSEC3_HASH_MAX 20       /* SHA-1 */

/* One denial record (pointers stay owned by the caller). */
typedef struct dns_denial_rr {
	const uint8_t *owner;
	uint16_t type;                  /* DNS_TYPE_NSEC or DNS_TYPE_NSEC3 */
	const uint8_t *rdata;
	uint16_t rdlen;
} dns_denial_rr_t;

typedef enum dns_denial {
	DNS_DENIAL_PROVEN = 0,    /* securely proven */
	DNS_DENIAL_OPTOUT,        /* proven only up to an opt-out span: insecure (RFC 5155 §9.2) */
	DNS_DENIAL_INSECURE,      /* NSEC3 with too many iterations or an unknown hash */
	DNS_DENIAL_MISSING,       /* the records do not prove it: bogus (EDE 12) */
	DNS_DENIAL_BUDGET,        /* the NSEC3 hash budget ran out */
	DNS_DENIAL_NOT_CUT,       /* dns_denial_ds: the name exists but is no delegation */
} dns_denial_t;

/* Is @type set in an NSEC/NSEC3 type bitmap (RFC 4034 §4.1.2)? */
bool dns_nsec_bitmap_has(const uint8_t *bitmap, size_t len, uint16_t type);

/* NSEC rdata: next owner name and the bitmap; false if malformed. */
bool dns_nsec_parse(const uint8_t *rdata, size_t rdlen, const uint8_t **next,
                    const uint8_t **bitmap, size_t *bitmap_len);

/* Does the NSEC (@owner, @next) cover @name (owner < name < next, canonically,
 * with the last NSEC of a zone wrapping to its apex)? */
bool dns_nsec_covers(const uint8_t *owner, const uint8_t *next, const uint8_t *name);

/* NSEC3 rdata (RFC 5155 §3.2). */
typedef struct dns_nsec3 {
	uint8_t alg, flags;
	uint16_t iterations;
	const uint8_t *salt;
	uint8_t salt_len;
	const uint8_t *next;
	uint8_t next_len;
	const uint8_t *bitmap;
	size_t bitmap_len;
} dns_nsec3_t;
#define DNS_NSEC3_OPTOUT 0x01

dns_err_t dns_nsec3_parse(const uint8_t *rdata, size_t rdlen, dns_nsec3_t *out);

/* The hash an NSEC3 record's owner name carries: its first label, base32hex
 * (RFC 5155 §3).  False unless that label decodes to exactly 20 bytes. */
bool dns_nsec3_owner_hash(const uint8_t *owner, uint8_t out[DNS_NSEC3_HASH_MAX]);

/* The NSEC3 hash of @name (RFC 5155 §5; SHA-1 only).  @out: 20 bytes. */
dns_err_t dns_nsec3_hash(const uint8_t *name, const uint8_t *salt, size_t salt_len,
                         uint16_t iterations, uint8_t out[DNS_NSEC3_HASH_MAX]);

/*
 * Proofs over @n records @rrs of zone @zone.  @hashes is the number of
 * NSEC3 hash computations left; each computation decrements it.
 *
 * dns_denial_nxdomain: @qname does not exist and no wildcard could have
 * produced it.  dns_denial_nodata: @qname exists without @qtype (and
 * without a CNAME), or, for an empty non-terminal or a wildcard, the
 * same through the matching wildcard.  dns_denial_wildcard: an answer
 * synthesised from the wildcard whose closest encloser has @ce_labels
 * labels does not hide a closer match for @qname.  dns_denial_ds: for a
 * DS query at @qname: PROVEN when @qname is a delegation without DS (an
 * insecure delegation), OPTOUT when an opt-out span covers it, NOT_CUT
 * when @qname exists but is no delegation.
 */
dns_denial_t dns_denial_nxdomain(const dns_denial_rr_t *rrs, size_t n, const uint8_t *zone,
                                 const uint8_t *qname, unsigned *hashes);
dns_denial_t dns_denial_nodata(const dns_denial_rr_t *rrs, size_t n, const uint8_t *zone,
                               const uint8_t *qname, uint16_t qtype, unsigned *hashes);
dns_denial_t dns_denial_wildcard(const dns_denial_rr_t *rrs, size_t n, const uint8_t *zone,
                                 const uint8_t *qname, unsigned ce_labels, unsigned *hashes);
dns_denial_t dns_denial_ds(const dns_denial_rr_t *rrs, size_t n, const uint8_t *zone,
                           const uint8_t *qname, unsigned *hashes);

#endif
