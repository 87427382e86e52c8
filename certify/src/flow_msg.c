/*
 * flow_msg.c - the messages of the fetch flow: queries and the UPDATE
 * built with dns-core's builder and TSIG-signed, answers checked (ours,
 * well formed, correctly signed) and read (TLSA records, the status
 * TXT, the zone from an SOA).  Everything read here is untrusted.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "dns/rrtype.h"
#include "dns/tsig.h"
#include "flow_int.h"

void flow_logf(dns_certify_flow_t *f, const char *fmt, ...)
{
	char line[768];
	if (f->log == NULL)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	f->log(f->log_ctx, line);
}

const char *flow_rcode_text(unsigned rcode)
{
	const char *n = dns_rcode_name(rcode);
	return n ? n : "an unknown rcode";
}

/* Message IDs are unpredictable (the answers are TSIG-signed anyway). */
static uint16_t random_id(void)
{
	uint8_t b[2] = {0, 0};
	if (RAND_bytes(b, sizeof(b)) != 1)
		b[0] = 0x5a;
	return (uint16_t)(b[0] << 8 | b[1]);
}

static dns_err_t sign(dns_certify_flow_t *f, uint64_t now_ms)
{
	f->maclen = 0;
	return dns_tsig_sign(f->out, &f->outlen, FLOW_MSG_MAX, &f->key, now_ms / 1000, f->mac,
	                     &f->maclen);
}

dns_err_t flow_build_query(dns_certify_flow_t *f, uint16_t qtype, bool do_sign, uint64_t now_ms)
{
	dns_msg_builder_t b;
	uint16_t id = random_id();
	dns_msg_builder_init(&b, f->out, FLOW_MSG_MAX, FLOW_MSG_MAX);
	dns_msg_builder_reserve(&b, dns_tsig_space(&f->key));
	dns_err_t e = dns_msg_builder_header(&b, id, 0);
	if (e == DNS_OK)
		e = dns_msg_builder_question(&b, f->owner, qtype, DNS_CLASS_IN);
	if (e != DNS_OK)
		return e;
	f->outlen = dns_msg_builder_finish(&b);
	f->qtype = qtype;
	f->signed_ = do_sign;
	return do_sign ? sign(f, now_ms) : DNS_OK;
}

/* One TLSA record of the update section: delete (class NONE) or add. */
static dns_err_t update_rr(dns_certify_flow_t *f, dns_msg_builder_t *b, const blob_t *csr,
                           bool add)
{
	uint8_t rd[FLOW_MSG_MAX];
	size_t rdlen;
	dns_err_t e = dns_certify_tlsa_encode(DNS_CERTIFY_REC_CSR, csr->p, csr->n, rd, sizeof(rd), &rdlen);
	if (e != DNS_OK)
		return e;
	dns_rr_t rr = {
		.owner = f->owner, .type = DNS_TYPE_TLSA,
		.rclass = add ? DNS_CLASS_IN : DNS_CLASS_NONE, .ttl = add ? DNS_CERTIFY_TTL : 0,
		.rdlen = (uint16_t)rdlen, .rdata = rd,
	};
	return dns_msg_builder_rr(b, DNS_SEC_UPDATE, &rr);
}

static bool is_ours(const dns_certify_flow_t *f, const blob_t *b)
{
	return b->n == f->csr.n && memcmp(b->p, f->csr.p, b->n) == 0;
}

dns_err_t flow_build_update(dns_certify_flow_t *f, bool add_ours, bool delete_ours, uint64_t now_ms)
{
	dns_msg_builder_t b;
	uint16_t id = random_id();
	dns_msg_builder_init(&b, f->out, FLOW_MSG_MAX, FLOW_MSG_MAX);
	dns_msg_builder_reserve(&b, dns_tsig_space(&f->key));
	dns_err_t e = dns_msg_builder_header(&b, id, dns_flags_set_opcode(0, DNS_OPCODE_UPDATE));
	if (e == DNS_OK)
		e = dns_msg_builder_question(&b, f->zone, DNS_TYPE_SOA, DNS_CLASS_IN);
	if (e == DNS_OK && add_ours)
		e = update_rr(f, &b, &f->csr, true);
	if (e != DNS_OK)
		return e;   /* our own CSR must fit */
	size_t dropped = 0;
	for (size_t i = 0; i < f->ncsr; i++) {
		if (is_ours(f, &f->csrs[i]) && !delete_ours)
			continue;
		if (update_rr(f, &b, &f->csrs[i], false) != DNS_OK)
			dropped++;   /* too many to delete in one message: the rest next time */
	}
	if (dropped > 0)
		flow_logf(f, "%zu earlier CSR records did not fit in the update; they stay for now",
		          dropped);
	f->outlen = dns_msg_builder_finish(&b);
	f->qtype = DNS_TYPE_SOA;
	f->signed_ = true;
	return sign(f, now_ms);
}

/* ---- answers ---- */

static const char *tsig_error_text(uint16_t e)
{
	switch (e) {
	case DNS_RCODE_BADSIG: return "BADSIG: the secret does not match the server's";
	case DNS_RCODE_BADKEY: return "BADKEY: the server does not know this key (name or algorithm)";
	case DNS_RCODE_BADTIME: return "BADTIME: our clock and the server's differ too much";
	case DNS_RCODE_BADTRUNC: return "BADTRUNC: the server refuses our truncated MAC";
	default: return dns_tsig_error_name(e) ? dns_tsig_error_name(e) : "an unknown TSIG error";
	}
}

/* The question of @m is the one we asked. */
static bool same_question(const dns_certify_flow_t *f, const dns_msg_t *m)
{
	dns_msg_t q;
	bool same = false;
	if (dns_msg_parse(&q, f->out, f->outlen) == DNS_OK && q.has_question)
		same = m->has_question && m->qtype == q.qtype && m->qclass == q.qclass &&
		       dns_name_equal(m->qname, q.qname);
	dns_msg_free(&q);
	return same;
}

ans_t flow_read_answer(dns_certify_flow_t *f, dns_msg_t *m, const uint8_t *msg, size_t len,
                       uint64_t now_ms, unsigned *rcode)
{
	if (dns_msg_parse(m, msg, len) != DNS_OK) {
		snprintf(f->last_net, sizeof(f->last_net), "malformed answer");
		return ANS_BAD;
	}
	if (!(m->flags & DNS_FLAG_QR) || m->id != dns_get16(f->out) ||
	    dns_flags_opcode(m->flags) != dns_flags_opcode(dns_get16(f->out + 2))) {
		snprintf(f->last_net, sizeof(f->last_net), "an answer that is not for our message");
		return ANS_BAD;
	}
	*rcode = dns_flags_rcode(m->flags);
	if (m->has_question ? !same_question(f, m) : *rcode == DNS_RCODE_NOERROR) {
		snprintf(f->last_net, sizeof(f->last_net), "an answer to another question");
		return ANS_BAD;
	}
	if (!f->signed_)
		return ANS_OK;
	uint16_t terr = 0;
	dns_err_t e = dns_tsig_verify_response(m, &f->key, f->mac, f->maclen, now_ms / 1000, &terr);
	if (e == DNS_OK)
		return ANS_OK;
	if (e == DNS_ETSIG) {
		snprintf(f->message, sizeof(f->message), "the server rejected TSIG key %s: %s",
		         f->keytext, tsig_error_text(terr));
		return ANS_TSIG;
	}
	if (e == DNS_ENOTFOUND && *rcode != DNS_RCODE_NOERROR)
		return ANS_OK;   /* an unsigned error (FORMERR...): judged by its rcode */
	snprintf(f->message, sizeof(f->message),
	         "the server's answer is %s (key %s): is the key right?",
	         e == DNS_ENOTFOUND ? "not signed" : "wrongly signed", f->keytext);
	return ANS_TSIG;
}

void flow_clear_records(dns_certify_flow_t *f)
{
	sk_X509_pop_free(f->certs, X509_free);
	sk_X509_pop_free(f->cas, X509_free);
	f->certs = NULL;
	f->cas = NULL;
	for (size_t i = 0; i < f->ncsr; i++)
		OPENSSL_free(f->csrs[i].p);
	OPENSSL_free(f->csrs);
	f->csrs = NULL;
	f->ncsr = 0;
	f->skipped = 0;
	f->ours_present = false;
}

static bool is_old(const dns_certify_flow_t *f, const uint8_t *der, size_t len)
{
	uint8_t md[32];
	unsigned mdlen;
	if (!EVP_Digest(der, len, md, &mdlen, EVP_sha256(), NULL))
		return false;
	for (size_t i = 0; i < f->nold; i++)
		if (memcmp(f->old[i], md, 32) == 0)
			return true;
	return false;
}

static void remember_old(dns_certify_flow_t *f, const uint8_t *der, size_t len)
{
	unsigned mdlen;
	void *n = OPENSSL_realloc(f->old, (f->nold + 1) * sizeof(*f->old));
	if (n == NULL)
		return;
	f->old = n;
	if (EVP_Digest(der, len, f->old[f->nold], &mdlen, EVP_sha256(), NULL))
		f->nold++;
}

static void keep_csr(dns_certify_flow_t *f, const uint8_t *der, size_t len)
{
	if (f->ncsr >= FLOW_RECORDS_MAX) {
		f->skipped++;
		return;
	}
	void *n = OPENSSL_realloc(f->csrs, (f->ncsr + 1) * sizeof(*f->csrs));
	uint8_t *copy = OPENSSL_memdup(der, len ? len : 1);
	if (n == NULL || copy == NULL) {
		OPENSSL_free(copy);
		if (n != NULL)
			f->csrs = n;
		f->skipped++;
		return;
	}
	f->csrs = n;
	f->csrs[f->ncsr++] = (blob_t){copy, len};
	if (len == f->csr.n && memcmp(der, f->csr.p, len) == 0)
		f->ours_present = true;
}

static void keep_cert(dns_certify_flow_t *f, STACK_OF(X509) *into, const uint8_t *der, size_t len,
                      bool ee)
{
	if (ee && f->force && !f->checked_once)
		remember_old(f, der, len);
	if (ee && f->force && is_old(f, der, len))
		return;   /* --force: what was there at the start does not count */
	X509 *x = sk_X509_num(into) < FLOW_RECORDS_MAX ? dns_certify_d2i_cert(der, len) : NULL;
	if (x == NULL || !sk_X509_push(into, x)) {
		X509_free(x);
		f->skipped++;   /* not DER, truncated, a CSR where a certificate belongs... */
	}
}

void flow_collect_tlsa(dns_certify_flow_t *f, const dns_msg_t *m)
{
	size_t n;
	const dns_msg_rr_t *rr = dns_msg_section(m, DNS_SEC_ANSWER, &n);
	flow_clear_records(f);
	f->certs = sk_X509_new_null();
	f->cas = sk_X509_new_null();
	for (size_t i = 0; f->certs && f->cas && i < n; i++) {
		const dns_rr_t *r = &rr[i].rr;
		if (r->type != DNS_TYPE_TLSA || r->rclass != DNS_CLASS_IN ||
		    !dns_name_equal(r->owner, f->owner))
			continue;
		const uint8_t *der;
		size_t len;
		switch (dns_certify_tlsa_kind(r->rdata, r->rdlen, &der, &len)) {
		case DNS_CERTIFY_REC_CSR: keep_csr(f, der, len); break;
		case DNS_CERTIFY_REC_CERT: keep_cert(f, f->certs, der, len, true); break;
		case DNS_CERTIFY_REC_CA: keep_cert(f, f->cas, der, len, false); break;
		default: break;
		}
	}
	f->checked_once = true;
}

void flow_collect_status(dns_certify_flow_t *f, const dns_msg_t *m)
{
	size_t n;
	const dns_msg_rr_t *rr = dns_msg_section(m, DNS_SEC_ANSWER, &n);
	for (size_t i = 0; i < n; i++) {
		const dns_rr_t *r = &rr[i].rr;
		dns_certify_status_t st;
		if (r->type != DNS_TYPE_TXT || r->rclass != DNS_CLASS_IN ||
		    !dns_name_equal(r->owner, f->owner) ||
		    dns_certify_status_parse(r->rdata, r->rdlen, &st) != DNS_OK)
			continue;
		char text[DNS_CERTIFY_STATUS_MAX + 1];
		if (dns_certify_status_format(&st, text, sizeof(text)) != DNS_OK)
			continue;
		if (!f->have_status || strcmp(text, f->status_text) != 0) {
			char d[600];
			dns_certify_status_describe(&st, d, sizeof(d));
			flow_logf(f, "solver status: %s", d);
		}
		f->status = st;
		memcpy(f->status_text, text, sizeof(text));
		f->have_status = true;
		return;   /* one status record; others are ignored */
	}
	if (f->have_status)
		flow_logf(f, "solver status: none");
	f->have_status = false;
	memset(&f->status, 0, sizeof(f->status));
	f->status_text[0] = '\0';
}

/* The zone is the owner of the SOA in the answer or authority section. */
bool flow_zone_from_soa(dns_certify_flow_t *f, const dns_msg_t *m)
{
	for (int sec = DNS_SEC_ANSWER; sec <= DNS_SEC_AUTHORITY; sec++) {
		size_t n;
		const dns_msg_rr_t *rr = dns_msg_section(m, sec, &n);
		for (size_t i = 0; i < n; i++)
			if (rr[i].rr.type == DNS_TYPE_SOA && dns_name_is_subdomain(f->owner, rr[i].rr.owner)) {
				dns_name_copy(f->zone, rr[i].rr.owner);
				dns_name_to_text(f->zone, f->zonetext, sizeof(f->zonetext));
				f->have_zone = true;
				return true;
			}
	}
	return false;
}
