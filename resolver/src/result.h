/*
 * result.h - an answer being assembled for a client: rcode, the answer
 * section as a chain of RRsets (with their RRSIGs), the authority section
 * of negative answers, an optional extended error.  Stored as packed
 * bytes so that copying a result to each merged client is one memcpy.
 */
#ifndef RESOLVER_RESULT_H
#define RESOLVER_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/error.h"
#include "dns/msg.h"
#include "dns/rrset.h"

#define RES_RESULT_MAX 65535    /* bytes of packed RRsets per section */

typedef struct res_rbuf {
	uint8_t *p;
	size_t len, cap;
	bool heap;                  /* p was malloc'd (else caller storage) */
} res_rbuf_t;

typedef struct res_result {
	uint8_t rcode;
	bool secure;                /* AD may be set */
	int ede;                    /* RFC 8914 code, or -1 */
	const char *ede_text;       /* static text or NULL */
	bool cached;                /* a validator's DS/DNSKEY fetch took it from the cache
	                             * (iter.c): if it does not verify, the network is asked */
	res_rbuf_t sec[2];          /* [0] answer, [1] authority */
} res_result_t;

/* An empty result; @stor (may be NULL) is used before any allocation. */
void res_result_init(res_result_t *r, uint8_t *stor, size_t storlen);
void res_result_free(res_result_t *r);
dns_err_t res_result_copy(res_result_t *dst, const res_result_t *src);

/* Append an RRset (and its RRSIGs, @sigs may be NULL) to section 0 or 1. */
dns_err_t res_result_add(res_result_t *r, int sec, const uint8_t *owner, const dns_rrset_t *set,
                         const dns_rrset_t *sigs);

/* Iterate a section: start with *pos = 0. */
bool res_result_next(const res_result_t *r, int sec, size_t *pos, const uint8_t **owner,
                     dns_rrset_t *set, dns_rrset_t *sigs);

/* The denial proof of a negative result: its authority RRsets other than
 * the SOA (NSEC, NSEC3 and their RRSIGs), packed into @out's authority
 * section (what the negative cache keeps beside the SOA). */
dns_err_t res_result_proof(const res_result_t *r, res_result_t *out);

/* Append a proof that res_result_proof packed, TTLs lowered to @ttl. */
dns_err_t res_result_add_proof(res_result_t *r, const uint8_t *proof, size_t len, uint32_t ttl);

/* Write the response to @q. */
size_t res_result_write(const res_result_t *r, const dns_msg_t *q, bool tcp, uint8_t *buf,
                        size_t cap);

#endif
