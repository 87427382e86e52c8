/*
 * answer_impl.h - state shared by answer.c (the request, EDNS, the
 * response frame) and answer_resolve.c (RFC 1034 §4.3.2 step 3 onwards).
 */
#ifndef DNS_ANSWER_IMPL_H
#define DNS_ANSWER_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include "dns/answer.h"
#include "dns/msg.h"
#include "dns/name.h"

#define ANSWER_CHAIN_MAX 16     /* CNAME/DNAME links followed inside a zone */
#define ANSWER_ADDITIONAL_MAX 32 /* names whose addresses go to the additional section */

typedef struct answer {
	dns_msg_builder_t mb;
	const dns_zone_t *zone;
	const uint8_t *qname;   /* as in the question, case preserved */
	uint16_t qtype;
	uint16_t rcode;         /* full rcode */
	bool aa, tc;
	dns_answer_kind_t kind;     /* set by answer_resolve (ERROR before) */
	const uint8_t *kind_name;
	/* names from MX/SRV/NS rdata of the zone (stable while the zone lives) */
	const uint8_t *additional[ANSWER_ADDITIONAL_MAX];
	unsigned nadditional;
	/* names synthesized from DNAMEs along the chain */
	uint8_t synth[ANSWER_CHAIN_MAX + 1][DNS_NAME_MAX];
} answer_t;

/* Fill the answer, authority and additional sections for a question in @a->zone. */
void answer_resolve(answer_t *a);

#endif
