/*
 * dnssec.h - DNSSEC signature verification for a validating resolver
 * (RFC 4034, RFC 4035 §5.3, RFC 6840): RRSIG and DNSKEY parsing, key tags
 * (RFC 4034 Appendix B), DS digests (SHA-256, SHA-384), and RRSIG
 * verification over the canonical form of an RRset (RFC 4034 §3.1.8.1,
 * §6) with OpenSSL's EVP interface for algorithms 8, 10 (RSA), 13, 14
 * (ECDSA, RFC 6605) and 15, 16 (EdDSA, RFC 8080).
 *
 * Sans-IO and without global state: the caller passes the current time
 * (UNIX seconds) and a budget that bounds the number of signature
 * verifications, because a zone can ask for very many of them (KeyTrap,
 * CVE-2023-50387: colliding key tags times many signatures).
 */
#ifndef DNS_DNSSEC_H
#define DNS_DNSSEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/error.h"
#include "dns/rrset.h"

/* DNSKEY flags (RFC 4034 §2.1.1). */
#define DNS_DNSKEY_ZONE 0x0100
#define DNS_DNSKEY_SEP 0x0001
#define DNS_DNSKEY_REVOKE 0x0080

/* A parsed RRSIG rdata (pointers into the rdata). */
typedef struct dns_rrsig {
	uint16_t covered;
	uint8_t algorithm;
	uint8_t labels;
	uint32_t orig_ttl;
	uint32_t expiration, inception;
	uint16_t key_tag;
	const uint8_t *signer;      /* uncompressed wire name */
	size_t signer_len;
	const uint8_t *signature;
	size_t sig_len;
} dns_rrsig_t;

dns_err_t dns_rrsig_parse(const uint8_t *rdata, size_t rdlen, dns_rrsig_t *out);

/* The key tag of DNSKEY rdata (RFC 4034 Appendix B; algorithm 1 excluded). */
uint16_t dns_dnskey_tag(const uint8_t *rdata, size_t rdlen);

/* Algorithms and DS digest types this build of OpenSSL can check. */
bool dns_dnssec_alg_supported(uint8_t alg);
bool dns_dnssec_digest_supported(uint8_t digest_type);

/*
 * Does DS rdata @ds match DNSKEY rdata @key at @owner (algorithm, key
 * tag and digest)?  False for unsupported digest types.
 */
bool dns_ds_match(const uint8_t *owner, const uint8_t *ds, size_t dslen, const uint8_t *key,
                  size_t keylen);

/* Outcome of checking signatures, most useful first. */
typedef enum dns_dnssec_status {
	DNS_DNSSEC_VALID = 0,
	DNS_DNSSEC_BOGUS,           /* a signature did not verify (EDE 6) */
	DNS_DNSSEC_EXPIRED,         /* only expired signatures (EDE 7) */
	DNS_DNSSEC_NOT_YET_VALID,   /* only signatures from the future (EDE 8) */
	DNS_DNSSEC_NO_KEY,          /* no key matches any signature (EDE 9) */
	DNS_DNSSEC_NO_SIG,          /* no RRSIG by this zone (EDE 10) */
	DNS_DNSSEC_UNSUPPORTED,     /* only algorithms we cannot check (insecure, EDE 1) */
	DNS_DNSSEC_BUDGET,          /* the verification budget ran out */
} dns_dnssec_status_t;

/* The RFC 8914 code for a status (-1 for VALID). */
int dns_dnssec_status_ede(dns_dnssec_status_t st);
const char *dns_dnssec_status_text(dns_dnssec_status_t st);

/* Limits for one verification job (KeyTrap, CVE-2023-50387). */
typedef struct dns_dnssec_budget {
	unsigned verifications;     /* public-key operations left */
	unsigned keys_per_sig;      /* keys with the signature's tag tried per RRSIG; 0: 4 */
	unsigned sigs_per_set;      /* RRSIGs tried per RRset; 0: 8 */
} dns_dnssec_budget_t;

/*
 * Verify one RRSIG (@sig, parsed) over @set at @owner (class IN) with
 * one DNSKEY rdata: the signed data is built in canonical form (owner and
 * embedded names lower-cased, records sorted, wildcard owner from the
 * labels field, original TTL).  Checks the validity window against @now
 * with serial arithmetic (RFC 4034 §3.1.5) and counts one verification.
 */
dns_dnssec_status_t dns_rrsig_verify(const uint8_t *owner, const dns_rrset_t *set,
                                     const dns_rrsig_t *sig, const uint8_t *key,
                                     size_t keylen, uint64_t now, dns_dnssec_budget_t *b);

/*
 * Verify @set at @owner against the DNSKEY RRset @keys of zone @zone with
 * the RRSIGs @sigs (covering set->type): valid if any RRSIG by @zone
 * verifies with a zone key of matching tag and algorithm.  The returned
 * failure is the most telling one seen.  On success *@valid_ttl (may be
 * NULL) is the TTL the data may be cached for (RFC 4035 §5.3.3: at most
 * the original TTL and the time to expiration).  With @require_sep, only
 * keys listed in @sep_tags (the keys a DS or trust anchor matched) count.
 */
dns_dnssec_status_t dns_rrset_verify(const uint8_t *owner, const dns_rrset_t *set,
                                     const dns_rrset_t *sigs, const uint8_t *zone,
                                     const dns_rrset_t *keys, uint64_t now,
                                     dns_dnssec_budget_t *b, uint32_t *valid_ttl);

/*
 * The same with only the keys of @keys for which @accept(ctx, key rdata)
 * returns true (a DNSKEY RRset signed by a key its DS matched).
 */
dns_dnssec_status_t dns_rrset_verify_with(const uint8_t *owner, const dns_rrset_t *set,
                                          const dns_rrset_t *sigs, const uint8_t *zone,
                                          const dns_rrset_t *keys,
                                          bool (*accept)(void *ctx, const uint8_t *key,
                                                         size_t keylen),
                                          void *ctx, uint64_t now, dns_dnssec_budget_t *b,
                                          uint32_t *valid_ttl);

#endif
