/*
 * fuzz_msg.c - the message parser on arbitrary bytes; whatever parses is
 * rebuilt RR by RR with the builder and must parse again with as many
 * RRs.  The OPT of a parsed message goes through dns_edns_parse too.
 */
#include <stdint.h>
#include <stdlib.h>

#include "dns/edns.h"
#include "dns/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t out[DNS_MSG_MAX];
static dns_msg_builder_t b;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	dns_msg_t m;
	if (dns_msg_parse(&m, data, size) != DNS_OK) {
		dns_msg_free(&m);
		return 0;
	}
	if (m.opt) {
		dns_edns_t e;
		if (dns_edns_parse(&m.opt->rr, &e) == DNS_OK) {
			size_t pos = 0, n = 0;
			uint16_t code, len;
			const uint8_t *d;
			while (dns_edns_option_next(&e, &pos, &code, &d, &len))
				n++;
			if (pos != e.options_len)
				abort();
		}
	}

	dns_msg_builder_init(&b, out, sizeof(out), sizeof(out));
	if (dns_msg_builder_header(&b, m.id, m.flags) != DNS_OK)
		abort();
	if (m.has_question &&
	    dns_msg_builder_question(&b, m.qname, m.qtype, m.qclass) != DNS_OK)
		abort();
	for (size_t i = 0; i < m.nrrs; i++) {
		dns_err_t err = dns_msg_builder_rr(&b, m.rrs[i].section, &m.rrs[i].rr);
		if (err == DNS_ESPACE || err == DNS_ELIMIT) {
			/* decompressed names may not compress as well again */
			dns_msg_free(&m);
			return 0;
		}
		if (err != DNS_OK)
			abort();
	}
	size_t len = dns_msg_builder_finish(&b);

	dns_msg_t m2;
	if (dns_msg_parse(&m2, out, len) != DNS_OK || m2.nrrs != m.nrrs ||
	    m2.has_question != m.has_question || (m2.opt == NULL) != (m.opt == NULL) ||
	    (m2.tsig == NULL) != (m.tsig == NULL))
		abort();
	for (size_t i = 0; i < m.nrrs; i++)
		if (m2.rrs[i].rr.type != m.rrs[i].rr.type ||
		    m2.rrs[i].rr.rdlen != m.rrs[i].rr.rdlen ||
		    !dns_name_equal(m2.rrs[i].rr.owner, m.rrs[i].rr.owner))
			abort();
	dns_msg_free(&m2);
	dns_msg_free(&m);
	return 0;
}
