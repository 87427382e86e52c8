/*
 * answer_prefetch.c - dns-net requests to dns_answer_prefetch's arrays.
 */
#include "dns/answer.h"
#include "dns/answer_prefetch.h"

void dns_daemon_answer_prefetch(const dns_zoneset_t *zones, const dns_net_request_t *reqs,
                                unsigned n)
{
	enum { CHUNK = 64 };
	const uint8_t *msg[CHUNK];
	size_t len[CHUNK];
	for (unsigned at = 0; at < n; at += CHUNK) {
		unsigned m = n - at < CHUNK ? n - at : CHUNK;
		for (unsigned i = 0; i < m; i++) {
			msg[i] = reqs[at + i].data;
			len[i] = reqs[at + i].len;
		}
		dns_answer_prefetch(zones, msg, len, m);
	}
}
