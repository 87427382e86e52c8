/*
 * Unit tests of the fetch flow (sans-IO) against an in-process fake
 * primary that verifies and signs TSIG, answers TLSA/TXT/SOA queries from
 * its records, applies UPDATEs record by record, and can misbehave
 * (refuse, reject the key, stay silent, answer with another ID or
 * FORMERR, SERVFAIL once).  A test issuer turns the published CSR into a
 * certificate after a few polls.  Time is simulated: waits are checked
 * exactly (the backoff), never slept.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/x509v3.h>

#include "certify_testlib.h"
#include "dns/certify_flow.h"
#include "dns/msg.h"
#include "dns/rrtype.h"
#include "dns/tsig.h"

#define KEY_TEXT "host._update.example.com:hmac-sha256:A3IhOIxL8CMkD1Y2T8X7/6hUfeVxqLdRxCxHhfOoq0I="
#define WRONG_TEXT "host._update.example.com:hmac-sha256:SXRzIG5vdCB0aGUgc2VjcmV0IG9mIHRoaXMga2V5IQ=="
#define MAXREC 64

typedef enum mode { M_NORMAL, M_SILENT, M_WRONG_ID, M_FORMERR, M_SERVFAIL_ONCE } mode_t_;

typedef struct rec {
	uint16_t type;
	size_t len;
	uint8_t data[4096];
} rec_t;

typedef struct fake {
	dns_keystore_t *ks;
	uint8_t zone[DNS_NAME_MAX], owner[DNS_NAME_MAX];
	rec_t recs[MAXREC];
	size_t nrec;
	unsigned update_rcode;       /* 0: apply updates */
	mode_t_ mode;
	unsigned queries, updates, deletes, adds;
	int issue_after;             /* polls after a CSR appears before the issuer acts; -1 never */
	int64_t cert_nb, cert_na;    /* validity of issued certificates (relative to now) */
	tl_ca_t ca;
	uint64_t now;
	unsigned waits;
	uint64_t wait_ms[64];
	char log[8192];
} fake_t;

static void fake_add(fake_t *f, uint16_t type, const uint8_t *rd, size_t len)
{
	assert_true(f->nrec < MAXREC && len <= sizeof(f->recs[0].data));
	f->recs[f->nrec].type = type;
	f->recs[f->nrec].len = len;
	memcpy(f->recs[f->nrec].data, rd, len);
	f->nrec++;
}

static void fake_del(fake_t *f, uint16_t type, const uint8_t *rd, size_t len)
{
	for (size_t i = 0; i < f->nrec; i++)
		if (f->recs[i].type == type && f->recs[i].len == len && !memcmp(f->recs[i].data, rd, len)) {
			f->recs[i] = f->recs[--f->nrec];
			f->deletes++;
			return;
		}
}

static size_t fake_count(const fake_t *f, dns_certify_rec_t kind)
{
	size_t n = 0;
	for (size_t i = 0; i < f->nrec; i++)
		if (f->recs[i].type == DNS_TYPE_TLSA &&
		    dns_certify_tlsa_kind(f->recs[i].data, f->recs[i].len, NULL, NULL) == kind)
			n++;
	return n;
}

static void fake_add_der(fake_t *f, dns_certify_rec_t kind, X509 *x)
{
	uint8_t der[4096], rd[4100];
	size_t n = tl_der(x, der, sizeof(der)), rl;
	assert_int_equal(dns_certify_tlsa_encode(kind, der, n, rd, sizeof(rd), &rl), DNS_OK);
	fake_add(f, DNS_TYPE_TLSA, rd, rl);
}

static void fake_status(fake_t *f, const char *text)
{
	uint8_t rd[1024];
	size_t n;
	for (size_t i = 0; i < f->nrec; i++)
		if (f->recs[i].type == DNS_TYPE_TXT)
			f->recs[i--] = f->recs[--f->nrec];
	assert_int_equal(dns_certify_txt_rdata(text, rd, sizeof(rd), &n), DNS_OK);
	fake_add(f, DNS_TYPE_TXT, rd, n);
}

/* The issuer: a certificate (and the intermediate) for the CSR published. */
static void issue(fake_t *f)
{
	for (size_t i = 0; i < f->nrec; i++) {
		const uint8_t *der;
		size_t len;
		if (f->recs[i].type != DNS_TYPE_TLSA ||
		    dns_certify_tlsa_kind(f->recs[i].data, f->recs[i].len, &der, &len) != DNS_CERTIFY_REC_CSR)
			continue;
		X509_REQ *req = dns_certify_d2i_csr(der, len);
		assert_non_null(req);
		EVP_PKEY *pk = X509_REQ_get_pubkey(req);
		STACK_OF(X509_EXTENSION) *exts = X509_REQ_get_extensions(req);
		char sans[2048] = "";
		GENERAL_NAMES *gens = X509V3_get_d2i(exts, NID_subject_alt_name, NULL, NULL);
		for (int g = 0; g < sk_GENERAL_NAME_num(gens); g++) {
			const ASN1_IA5STRING *s = sk_GENERAL_NAME_value(gens, g)->d.dNSName;
			snprintf(sans + strlen(sans), sizeof(sans) - strlen(sans), "%sDNS:%.*s", g ? "," : "",
			         ASN1_STRING_length(s), (const char *)ASN1_STRING_get0_data(s));
		}
		char cn[256];
		X509_NAME_get_text_by_NID(X509_REQ_get_subject_name(req), NID_commonName, cn, sizeof(cn));
		int64_t now = (int64_t)(f->now / 1000);
		X509 *ee = tl_ee(&f->ca, pk, cn, sans, now + f->cert_nb, now + f->cert_na);
		/* the solver replaces superseded certificates */
		for (size_t j = 0; j < f->nrec; j++)
			if (f->recs[j].type == DNS_TYPE_TLSA && f->recs[j].data[0] == 3 && f->recs[j].data[1] == 0)
				f->recs[j--] = f->recs[--f->nrec];
		fake_add_der(f, DNS_CERTIFY_REC_CERT, ee);
		if (fake_count(f, DNS_CERTIFY_REC_CA) == 0)
			fake_add_der(f, DNS_CERTIFY_REC_CA, f->ca.inter);
		fake_status(f, "v=certify1; state=valid");
		X509_free(ee);
		EVP_PKEY_free(pk);
		GENERAL_NAMES_free(gens);
		sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
		X509_REQ_free(req);
		return;
	}
}

static void apply_update(fake_t *f, const dns_msg_t *m)
{
	size_t n;
	const dns_msg_rr_t *rr = dns_msg_section(m, DNS_SEC_UPDATE, &n);
	for (size_t i = 0; i < n; i++) {
		const dns_rr_t *r = &rr[i].rr;
		assert_true(dns_name_equal(r->owner, f->owner));
		if (r->rclass == DNS_CLASS_NONE) {
			assert_int_equal(r->ttl, 0);
			fake_del(f, r->type, r->rdata, r->rdlen);
		} else {
			assert_int_equal(r->rclass, DNS_CLASS_IN);
			assert_int_equal(r->ttl, 3600);
			fake_add(f, r->type, r->rdata, r->rdlen);
			f->adds++;
		}
	}
}

/* The fake primary: false when it stays silent. */
static bool fake_serve(fake_t *f, const uint8_t *req, size_t len, uint8_t *out, size_t *outlen)
{
	dns_msg_t m;
	dns_tsig_req_t treq;
	uint16_t terr = 0;
	memset(&treq, 0, sizeof(treq));
	assert_int_equal(dns_msg_parse(&m, req, len), DNS_OK);
	if (f->mode == M_SILENT) {
		dns_msg_free(&m);
		return false;
	}
	dns_err_t te = m.tsig ? dns_tsig_verify_request(&m, f->ks, f->now / 1000, &treq, &terr) : DNS_ENOTFOUND;
	bool upd = dns_flags_opcode(m.flags) == DNS_OPCODE_UPDATE;
	unsigned rcode = DNS_RCODE_NOERROR;
	if (upd)
		f->updates++;
	else
		f->queries++;
	if (te == DNS_ETSIG)
		rcode = DNS_RCODE_NOTAUTH;
	else if (f->mode == M_FORMERR || (f->mode == M_SERVFAIL_ONCE && f->queries == 1))
		rcode = f->mode == M_FORMERR ? DNS_RCODE_FORMERR : DNS_RCODE_SERVFAIL;
	else if (upd && f->update_rcode)
		rcode = f->update_rcode;
	else if (upd)
		apply_update(f, &m);
	dns_msg_builder_t b;
	dns_msg_builder_init(&b, out, 65535, 65535);
	dns_msg_builder_reserve(&b, 400);
	uint16_t flags = (uint16_t)(DNS_FLAG_QR | DNS_FLAG_AA | (m.flags & 0x7800));
	uint16_t id = f->mode == M_WRONG_ID ? (uint16_t)(m.id + 1) : m.id;
	assert_int_equal(dns_msg_builder_header(&b, id, dns_flags_set_rcode(flags, rcode)), DNS_OK);
	assert_int_equal(dns_msg_builder_question(&b, m.qname, m.qtype, m.qclass), DNS_OK);
	if (!upd && rcode == 0 && dns_name_equal(m.qname, f->owner)) {
		for (size_t i = 0; i < f->nrec; i++) {
			if (f->recs[i].type != m.qtype)
				continue;
			dns_rr_t rr = {.owner = f->owner, .type = m.qtype, .rclass = DNS_CLASS_IN, .ttl = 3600,
			               .rdlen = (uint16_t)f->recs[i].len, .rdata = f->recs[i].data};
			assert_int_equal(dns_msg_builder_rr(&b, DNS_SEC_ANSWER, &rr), DNS_OK);
		}
		if (m.qtype == DNS_TYPE_SOA) {
			static const uint8_t soa[22] = {0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1};
			dns_rr_t rr = {.owner = f->zone, .type = DNS_TYPE_SOA, .rclass = DNS_CLASS_IN, .ttl = 300,
			               .rdlen = sizeof(soa), .rdata = soa};
			assert_int_equal(dns_msg_builder_rr(&b, DNS_SEC_AUTHORITY, &rr), DNS_OK);
		}
	}
	*outlen = dns_msg_builder_finish(&b);
	if (te == DNS_OK || te == DNS_ETSIG) {
		treq.error = terr;
		assert_int_equal(dns_tsig_sign_response(out, outlen, 65535, &treq, f->now / 1000), DNS_OK);
	}
	dns_msg_free(&m);
	return true;
}

/* ---- fixture ---- */

typedef struct fx {
	fake_t fake;
	dns_tsig_key_t key;
	EVP_PKEY *pkey;
	dns_certify_names_t names;
	uint8_t *spki, *csr;
	size_t spki_len, csr_len;
	dns_certify_flow_config_t cfg;
	dns_certify_flow_t *flow;
	unsigned sends;
} fx_t;

static void log_line(void *ctx, const char *line)
{
	fake_t *f = ctx;
	size_t n = strlen(f->log);
	snprintf(f->log + n, sizeof(f->log) - n, "%s\n", line);
}

static int setup(void **state)
{
	fx_t *x = calloc(1, sizeof(*x));
	size_t n;
	x->fake.now = (uint64_t)time(NULL) * 1000;
	x->fake.ks = dns_keystore_new();
	assert_int_equal(dns_tsig_key_from_text(&x->key, KEY_TEXT, strlen(KEY_TEXT)), DNS_OK);
	assert_int_equal(dns_keystore_add(x->fake.ks, &x->key), DNS_OK);
	assert_int_equal(dns_name_from_text(x->fake.zone, &n, "example.com.", 12, NULL), DNS_OK);
	assert_int_equal(dns_certify_owner("www.example.com", x->fake.owner, &n), DNS_OK);
	x->fake.issue_after = 2;
	x->fake.cert_nb = -3600;
	x->fake.cert_na = 90 * 86400;
	tl_ca_init(&x->fake.ca, (int64_t)(x->fake.now / 1000));
	char err[256];
	assert_int_equal(dns_certify_key_from_seed(DNS_CERTIFY_KEY_P256, 0, "flow", 4, &x->pkey, err, sizeof(err)), DNS_OK);
	dns_certify_names_add(&x->names, "www.example.com", NULL, 0);
	dns_certify_names_add(&x->names, "alt.example.com", NULL, 0);
	assert_int_equal(dns_certify_key_spki(x->pkey, &x->spki, &x->spki_len), DNS_OK);
	assert_int_equal(dns_certify_csr_make(x->pkey, &x->names, "flow", 4, &x->csr, &x->csr_len, err, sizeof(err)), DNS_OK);
	x->cfg = (dns_certify_flow_config_t){
		.key = &x->key, .host = "www.example.com", .names = &x->names, .spki = x->spki,
		.spki_len = x->spki_len, .csr = x->csr, .csr_len = x->csr_len, .renew_before = -1,
		.deadline_ms = x->fake.now + 600 * 1000, .log = log_line, .log_ctx = &x->fake,
	};
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	fx_t *x = *state;
	dns_certify_flow_free(x->flow);
	dns_keystore_free(x->fake.ks);
	tl_ca_free(&x->fake.ca);
	EVP_PKEY_free(x->pkey);
	OPENSSL_free(x->spki);
	OPENSSL_free(x->csr);
	free(x);
	return 0;
}

/* Run the flow to its end against the fake primary, in simulated time. */
static dns_certify_action_t run(fx_t *x)
{
	fake_t *f = &x->fake;
	char err[256];
	x->flow = dns_certify_flow_new(&x->cfg, err, sizeof(err));
	assert_non_null(x->flow);
	static uint8_t resp[65535];
	dns_certify_action_t a = dns_certify_flow_start(x->flow, f->now);
	for (int steps = 0; steps < 10000; steps++) {
		size_t rl;
		switch (a.kind) {
		case DNS_CERTIFY_ACT_SEND:
			x->sends++;
			assert_true(a.timeout_ms > 0 && a.timeout_ms <= 10000);
			if (!fake_serve(f, a.msg, a.len, resp, &rl)) {
				f->now += a.timeout_ms;
				a = dns_certify_flow_net_error(x->flow, f->now, "timeout");
			} else {
				a = dns_certify_flow_answer(x->flow, f->now, resp, rl);
			}
			break;
		case DNS_CERTIFY_ACT_WAIT:
			assert_true(a.until_ms >= f->now);
			if (f->waits < 64)
				f->wait_ms[f->waits] = a.until_ms - f->now;
			f->waits++;
			f->now = a.until_ms;
			if (fake_count(f, DNS_CERTIFY_REC_CSR) > 0 && f->issue_after >= 0 && f->issue_after-- == 0)
				issue(f);
			a = dns_certify_flow_tick(x->flow, f->now);
			break;
		default:
			return a;
		}
	}
	fail_msg("the flow did not end");
	return a;
}

/* ---- tests ---- */

static void test_zone_of_key(void **state)
{
	uint8_t k[DNS_NAME_MAX], z[DNS_NAME_MAX];
	char t[DNS_NAME_TEXT_MAX];
	size_t n;
	dns_name_from_text(k, &n, "a._update.b._transfer.example.com.", 34, NULL);
	assert_int_equal(dns_certify_zone_of_key(k, z), DNS_OK);
	dns_name_to_text(z, t, sizeof(t));
	assert_string_equal(t, "example.com.");
	dns_name_from_text(k, &n, "x._UPDATE.", 10, NULL);
	assert_int_equal(dns_certify_zone_of_key(k, z), DNS_ENOTFOUND);
	dns_name_from_text(k, &n, "plain.example.com.", 18, NULL);
	assert_int_equal(dns_certify_zone_of_key(k, z), DNS_ENOTFOUND);
}

static void test_fresh_publish_and_wait(void **state)
{
	fx_t *x = *state;
	uint8_t rd[8];
	fake_add(&x->fake, DNS_TYPE_TLSA, (const uint8_t *)"\3\1\1\xAA\xBB", 5);   /* not ours: stays */
	dns_certify_action_t a = run(x);
	assert_int_equal(a.kind, DNS_CERTIFY_ACT_DONE);
	assert_int_equal(x->fake.updates, 1);
	assert_int_equal(x->fake.adds, 1);
	assert_int_equal(x->fake.deletes, 0);
	assert_true(dns_certify_flow_published(x->flow));
	STACK_OF(X509) *chain = dns_certify_flow_chain(x->flow);
	assert_int_equal(sk_X509_num(chain), 2);
	assert_int_equal(X509_cmp(sk_X509_value(chain, 1), x->fake.ca.inter), 0);
	/* backoff from 0.25 s, doubling; the issuer acted on the third wait */
	assert_int_equal(x->fake.waits, 3);
	assert_int_equal(x->fake.wait_ms[0], 250);
	assert_int_equal(x->fake.wait_ms[1], 500);
	assert_int_equal(x->fake.wait_ms[2], 1000);
	assert_int_equal(fake_count(&x->fake, DNS_CERTIFY_REC_OTHER), 1);
	assert_non_null(strstr(x->fake.log, "published the CSR"));
	assert_non_null(strstr(x->fake.log, "no usable certificate yet: no certificate published"));
	(void)rd;
}

static void test_valid_certificate_one_round_trip(void **state)
{
	fx_t *x = *state;
	x->fake.issue_after = 0;
	assert_int_equal(run(x).kind, DNS_CERTIFY_ACT_DONE);
	dns_certify_flow_free(x->flow);
	x->flow = NULL;
	unsigned q = x->fake.queries, u = x->fake.updates;
	x->sends = 0;
	assert_int_equal(run(x).kind, DNS_CERTIFY_ACT_DONE);
	assert_int_equal(x->sends, 1);            /* one query, one answer */
	assert_int_equal(x->fake.queries, q + 1);
	assert_int_equal(x->fake.updates, u);     /* no update */
	assert_false(dns_certify_flow_published(x->flow));
}

static void test_replaces_only_earlier_csrs(void **state)
{
	fx_t *x = *state;
	static const uint8_t old1[] = {3, 255, 0, 0x30, 0x01, 0x00}, old2[] = {3, 255, 0, 0xDE, 0xAD};
	fake_add(&x->fake, DNS_TYPE_TLSA, old1, sizeof(old1));
	fake_add(&x->fake, DNS_TYPE_TLSA, old2, sizeof(old2));
	fake_add(&x->fake, DNS_TYPE_TLSA, (const uint8_t *)"\3\0\0garbage", 10);   /* not a certificate */
	fake_add(&x->fake, DNS_TYPE_TLSA, (const uint8_t *)"\2\0\0\x01", 4);
	fake_add(&x->fake, DNS_TYPE_TXT, (const uint8_t *)"\5hello", 6);
	x->fake.issue_after = -1;
	x->cfg.deadline_ms = x->fake.now + 5000;
	dns_certify_action_t a = run(x);
	assert_int_equal(a.kind, DNS_CERTIFY_ACT_FAILED);
	assert_int_equal(a.result, DNS_CERTIFY_E_DEADLINE);
	assert_int_equal(x->fake.updates, 1);
	assert_int_equal(x->fake.deletes, 2);
	assert_int_equal(fake_count(&x->fake, DNS_CERTIFY_REC_CSR), 1);   /* ours */
	assert_int_equal(fake_count(&x->fake, DNS_CERTIFY_REC_CERT), 1);  /* untouched */
	assert_int_equal(fake_count(&x->fake, DNS_CERTIFY_REC_OTHER), 1);
	assert_non_null(strstr(x->fake.log, "skipped 1 records"));
	assert_non_null(strstr(a.message, "before the deadline"));
	/* the deadline is kept: the last wait ends on it */
	assert_true(x->fake.now <= x->cfg.deadline_ms + 10000);
}

static void test_our_csr_already_there(void **state)
{
	fx_t *x = *state;
	uint8_t rd[4096];
	size_t n;
	assert_int_equal(dns_certify_tlsa_encode(DNS_CERTIFY_REC_CSR, x->csr, x->csr_len, rd, sizeof(rd), &n), DNS_OK);
	fake_add(&x->fake, DNS_TYPE_TLSA, rd, n);
	assert_int_equal(run(x).kind, DNS_CERTIFY_ACT_DONE);
	assert_int_equal(x->fake.updates, 0);
}

static void test_refused_and_tsig(void **state)
{
	fx_t *x = *state;
	x->fake.update_rcode = DNS_RCODE_REFUSED;
	dns_certify_action_t a = run(x);
	assert_int_equal(a.kind, DNS_CERTIFY_ACT_FAILED);
	assert_int_equal(a.result, DNS_CERTIFY_E_REFUSED);
	assert_non_null(strstr(a.message, "host._update.example.com."));
	assert_non_null(strstr(a.message, "www.example.com"));
	dns_certify_flow_free(x->flow);
	/* the wrong secret: the first (signed) query is rejected */
	dns_tsig_key_t wrong;
	assert_int_equal(dns_tsig_key_from_text(&wrong, WRONG_TEXT, strlen(WRONG_TEXT)), DNS_OK);
	x->cfg.key = &wrong;
	x->fake.update_rcode = 0;
	a = run(x);
	assert_int_equal(a.result, DNS_CERTIFY_E_TSIG);
	assert_non_null(strstr(a.message, "BADSIG"));
	assert_int_equal(x->fake.updates, 1);   /* only the refused one before */
}

static void test_unreachable_within_deadline(void **state)
{
	fx_t *x = *state;
	x->fake.mode = M_SILENT;
	x->cfg.deadline_ms = x->fake.now + 120 * 1000;
	uint64_t start = x->fake.now;
	dns_certify_action_t a = run(x);
	assert_int_equal(a.result, DNS_CERTIFY_E_UNREACHABLE);
	assert_non_null(strstr(a.message, "timeout"));
	assert_true(x->fake.now <= start + 120 * 1000);   /* no step ran past the deadline */
	for (unsigned i = 0; i < x->fake.waits && i < 64; i++)
		assert_true(x->fake.wait_ms[i] <= 30000);      /* backoff capped */
}

static void test_solver_failure(void **state)
{
	fx_t *x = *state;
	char st[256], t[32];
	/* a failure that was there before our update is about the old CSR: ignored */
	fake_status(&x->fake, "v=certify1; state=failed; error=caa; detail=old");
	assert_int_equal(run(x).kind, DNS_CERTIFY_ACT_DONE);
	dns_certify_flow_free(x->flow);
	x->flow = NULL;
	/* our CSR there, rate limited until after the deadline: ends at once */
	dns_certify_time_format((int64_t)(x->cfg.deadline_ms / 1000) + 3600, t);
	snprintf(st, sizeof(st), "v=certify1; state=failed; error=rateLimited; retry=%s; detail=too many", t);
	fake_status(&x->fake, st);
	x->cfg.force = true;   /* so that the valid certificate does not end it first */
	x->fake.issue_after = -1;
	uint64_t start = x->fake.now;
	dns_certify_action_t a = run(x);
	assert_int_equal(a.result, DNS_CERTIFY_E_SOLVER);
	assert_non_null(strstr(a.message, "rateLimited"));
	assert_true(x->fake.now - start < 60 * 1000);
}

static void test_solver_retry_within_deadline_waits(void **state)
{
	fx_t *x = *state;
	uint8_t rd[4096];
	size_t n;
	char st[256], t[32];
	assert_int_equal(dns_certify_tlsa_encode(DNS_CERTIFY_REC_CSR, x->csr, x->csr_len, rd, sizeof(rd), &n), DNS_OK);
	fake_add(&x->fake, DNS_TYPE_TLSA, rd, n);
	dns_certify_time_format((int64_t)(x->fake.now / 1000) + 60, t);
	snprintf(st, sizeof(st), "v=certify1; state=failed; error=rateLimited; retry=%s", t);
	fake_status(&x->fake, st);
	x->fake.issue_after = 6;
	assert_int_equal(run(x).kind, DNS_CERTIFY_ACT_DONE);
	assert_non_null(strstr(x->fake.log, "failed: rateLimited, retry at"));
}

static void test_bad_answers(void **state)
{
	fx_t *x = *state;
	x->fake.mode = M_WRONG_ID;
	x->cfg.deadline_ms = x->fake.now + 20000;
	dns_certify_action_t a = run(x);
	assert_int_equal(a.result, DNS_CERTIFY_E_UNREACHABLE);
	assert_non_null(strstr(a.message, "not for our message"));
	dns_certify_flow_free(x->flow);
	x->fake.mode = M_FORMERR;
	x->cfg.deadline_ms = x->fake.now + 20000;
	a = run(x);
	assert_int_equal(a.result, DNS_CERTIFY_E_SERVER);
	assert_non_null(strstr(a.message, "FORMERR"));
	dns_certify_flow_free(x->flow);
	x->fake.mode = M_SERVFAIL_ONCE;
	x->fake.queries = 0;
	x->cfg.deadline_ms = x->fake.now + 600000;
	assert_int_equal(run(x).kind, DNS_CERTIFY_ACT_DONE);
	/* garbage bytes as the answer */
	dns_certify_flow_free(x->flow);
	char err[256];
	x->flow = dns_certify_flow_new(&x->cfg, err, sizeof(err));
	a = dns_certify_flow_start(x->flow, x->fake.now);
	assert_int_equal(a.kind, DNS_CERTIFY_ACT_SEND);
	a = dns_certify_flow_answer(x->flow, x->fake.now, (const uint8_t *)"\x12\x34garbage", 9);
	assert_int_equal(a.kind, DNS_CERTIFY_ACT_WAIT);
}

static void test_force_reissues(void **state)
{
	fx_t *x = *state;
	x->fake.issue_after = 0;
	assert_int_equal(run(x).kind, DNS_CERTIFY_ACT_DONE);
	X509 *first = X509_dup(sk_X509_value(dns_certify_flow_chain(x->flow), 0));
	dns_certify_flow_free(x->flow);
	x->cfg.force = true;
	x->fake.issue_after = 1;
	unsigned u = x->fake.updates;
	assert_int_equal(run(x).kind, DNS_CERTIFY_ACT_DONE);
	assert_int_equal(x->fake.updates, u + 2);   /* the same CSR: removed, then added */
	X509 *second = sk_X509_value(dns_certify_flow_chain(x->flow), 0);
	assert_int_not_equal(X509_cmp(first, second), 0);
	X509_free(first);
}

static void test_zone_by_soa_and_outside(void **state)
{
	fx_t *x = *state;
	static const char *text = "plainkey.example.com:hmac-sha256:A3IhOIxL8CMkD1Y2T8X7/6hUfeVxqLdRxCxHhfOoq0I=";
	dns_tsig_key_t k;
	assert_int_equal(dns_tsig_key_from_text(&k, text, strlen(text)), DNS_OK);
	assert_int_equal(dns_keystore_add(x->fake.ks, &k), DNS_OK);
	x->cfg.key = &k;
	assert_int_equal(run(x).kind, DNS_CERTIFY_ACT_DONE);
	assert_non_null(strstr(x->fake.log, "zone of www.example.com: example.com."));
	/* a key whose zone does not hold the host */
	static const char *other = "h._update.example.org:hmac-sha256:A3IhOIxL8CMkD1Y2T8X7/6hUfeVxqLdRxCxHhfOoq0I=";
	assert_int_equal(dns_tsig_key_from_text(&k, other, strlen(other)), DNS_OK);
	char err[256];
	assert_null(dns_certify_flow_new(&x->cfg, err, sizeof(err)));
	assert_non_null(strstr(err, "not in zone example.org."));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zone_of_key),
		T(test_fresh_publish_and_wait),
		T(test_valid_certificate_one_round_trip),
		T(test_replaces_only_earlier_csrs),
		T(test_our_csr_already_there),
		T(test_refused_and_tsig),
		T(test_unreachable_within_deadline),
		T(test_solver_failure),
		T(test_solver_retry_within_deadline_waits),
		T(test_bad_answers),
		T(test_force_reissues),
		T(test_zone_by_soa_and_outside),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
