/*
 * aggr.h - aggressive use of validated NSEC/NSEC3 records (RFC 8198),
 * see aggr.c.
 */
#ifndef RESOLVER_AGGR_H
#define RESOLVER_AGGR_H

#include <stdint.h>

#include "dns/nsec.h"
#include "result.h"

typedef struct res_aggr res_aggr_t;

res_aggr_t *res_aggr_new(void);
void res_aggr_free(res_aggr_t *a);

/* Keep the SOA and the NSEC/NSEC3 RRsets (with RRSIGs) of @res, a
 * negative answer validated secure. */
void res_aggr_learn(res_aggr_t *a, uint64_t now, const res_result_t *res);

/* 1: @res holds an NXDOMAIN or NODATA answer for (@qname, @qtype) proven
 * by kept records (SOA and proof in its authority section, secure);
 * 0: nothing proves it; -1: out of memory.  @hashes bounds NSEC3 work. */
int res_aggr_answer(res_aggr_t *a, uint64_t now, const uint8_t *qname, uint16_t qtype,
                    unsigned hashes, res_result_t *res);

#endif
