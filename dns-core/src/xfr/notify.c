/*
 * notify.c - NOTIFY messages (RFC 1996 §3): the request a primary sends,
 * the checks a secondary makes on it, and the answer it returns.
 */
#include <openssl/rand.h>
#include <string.h>

#include "dns/notify.h"
#include "dns/rrtype.h"
#include "dns/tsig.h"

/* SOA rdata: MNAME, RNAME, then SERIAL REFRESH RETRY EXPIRE MINIMUM. */
#define SOA_NUMBERS 20

uint16_t dns_notify_random_id(void)
{
	uint8_t b[2] = {0, 0};
	/* RAND_bytes only fails when the CSPRNG cannot be seeded; a
	 * predictable ID is then still a valid one, and TSIG (not the ID)
	 * is what authenticates answers. */
	if (RAND_bytes(b, sizeof b) != 1)
		return 0;
	return (uint16_t)(b[0] << 8 | b[1]);
}

dns_err_t dns_notify_build_request(uint8_t *buf, size_t cap, size_t *len, uint16_t id,
                                   const uint8_t *zone, const dns_rrset_t *soa,
                                   const dns_tsig_key_t *key, uint64_t now_s, uint8_t *mac,
                                   size_t *mac_len)
{
	if (mac_len)
		*mac_len = 0;
	if (!buf || !len || !zone)
		return DNS_EINVAL;
	if (key && dns_tsig_alg_mac_len(key->alg) == 0)
		return DNS_EINVAL;
	const uint8_t *rd = NULL;
	if (soa) {
		rd = dns_rrset_first(soa);
		if (!rd || soa->type != DNS_TYPE_SOA)
			return DNS_EINVAL;
	}

	dns_msg_builder_t b;
	size_t tsig_space = key ? dns_tsig_space(key) : 0;
	dns_msg_builder_init(&b, buf, cap, cap);
	dns_msg_builder_reserve(&b, tsig_space);
	dns_err_t err = dns_msg_builder_header(&b, id, DNS_NOTIFY_FLAGS);
	if (!err)
		err = dns_msg_builder_question(&b, zone, DNS_TYPE_SOA, DNS_CLASS_IN);
	if (!err && rd) {
		/* §3.7: the primary may say which serial it has now. */
		dns_rr_t rr = {
			.owner = zone, .type = DNS_TYPE_SOA, .rclass = DNS_CLASS_IN, .ttl = soa->ttl,
			.rdlen = dns_rrset_rdlen(rd), .rdata = dns_rrset_rdata(rd),
		};
		err = dns_msg_builder_rr(&b, DNS_SEC_ANSWER, &rr);
	}
	if (err)
		return err;
	dns_msg_builder_unreserve(&b, tsig_space);
	*len = dns_msg_builder_finish(&b);
	if (key)
		return dns_tsig_sign(buf, len, cap, key, now_s, mac, mac_len);
	return DNS_OK;
}

/* The serial of an SOA RR's rdata: after the two names. */
static dns_err_t soa_serial(const dns_rr_t *rr, uint32_t *serial)
{
	if (rr->rdlen < SOA_NUMBERS)
		return DNS_EMALFORMED;
	/* The parser validated and decompressed the rdata, so the numbers
	 * are its last 20 bytes. */
	*serial = dns_get32(rr->rdata + rr->rdlen - SOA_NUMBERS);
	return DNS_OK;
}

dns_err_t dns_notify_parse_request(const dns_msg_t *m, dns_notify_req_t *out)
{
	memset(out, 0, sizeof *out);
	if (dns_flags_opcode(m->flags) != DNS_OPCODE_NOTIFY || (m->flags & DNS_FLAG_QR))
		return DNS_EINVAL;
	if (m->count[DNS_SEC_QUESTION] != 1 || !m->has_question)
		return DNS_EMALFORMED;
	if (m->qclass != DNS_CLASS_IN)
		return DNS_EMALFORMED;
	/* §3.2: other QTYPEs are defined but have no meaning to us. */
	if (m->qtype != DNS_TYPE_SOA)
		return DNS_ENOTSUP;
	dns_name_copy(out->zone, m->qname);

	size_t n;
	const dns_msg_rr_t *an = dns_msg_section(m, DNS_SEC_ANSWER, &n);
	for (size_t i = 0; i < n; i++) {
		const dns_rr_t *rr = &an[i].rr;
		if (rr->type != DNS_TYPE_SOA || rr->rclass != DNS_CLASS_IN ||
		    !dns_name_equal(rr->owner, m->qname))
			continue;
		dns_err_t err = soa_serial(rr, &out->serial);
		if (err)
			return err;
		out->has_serial = true;
		break;
	}
	return DNS_OK;
}

dns_err_t dns_notify_build_response(const dns_msg_t *req, unsigned rcode, uint8_t *buf,
                                    size_t cap, size_t *len)
{
	uint16_t flags = DNS_FLAG_QR | DNS_FLAG_AA | (req->flags & DNS_FLAG_RD);
	flags = dns_flags_set_opcode(flags, DNS_OPCODE_NOTIFY);
	flags = dns_flags_set_rcode(flags, rcode);

	dns_msg_builder_t b;
	dns_msg_builder_init(&b, buf, cap, cap);
	dns_err_t err = dns_msg_builder_header(&b, req->id, flags);
	if (!err && req->has_question && req->count[DNS_SEC_QUESTION] == 1)
		err = dns_msg_builder_question(&b, req->qname, req->qtype, req->qclass);
	if (err)
		return err;
	*len = dns_msg_builder_finish(&b);
	return DNS_OK;
}

dns_err_t dns_notify_check_response(const dns_msg_t *m, uint16_t id, const uint8_t *zone)
{
	if (!(m->flags & DNS_FLAG_QR) || dns_flags_opcode(m->flags) != DNS_OPCODE_NOTIFY ||
	    m->id != id)
		return DNS_EINVAL;
	/* Error answers (FORMERR) may come without the question. */
	if (m->count[DNS_SEC_QUESTION] > 1)
		return DNS_EINVAL;
	if (m->has_question && (m->qtype != DNS_TYPE_SOA || m->qclass != DNS_CLASS_IN ||
	                        !dns_name_equal(m->qname, zone)))
		return DNS_EINVAL;
	return DNS_OK;
}
