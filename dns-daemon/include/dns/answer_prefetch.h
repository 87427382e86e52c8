/*
 * answer_prefetch.h - the dns-net prefetch hook of a daemon that answers
 * from a zone set: each UDP batch's first zone lookups are warmed
 * together (dns_answer_prefetch) before the handler answers any of them.
 */
#ifndef DNS_DAEMON_ANSWER_PREFETCH_H
#define DNS_DAEMON_ANSWER_PREFETCH_H

#include "dns/net.h"
#include "dns/zoneset.h"

/* Call from a dns_net_prefetch_fn with the zones the snapshot serves. */
void dns_daemon_answer_prefetch(const dns_zoneset_t *zones, const dns_net_request_t *reqs,
                                unsigned n);

#endif
