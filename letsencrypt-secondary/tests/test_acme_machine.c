/*
 * test_acme_machine.c - the ACME state machine driven with canned
 * responses and a fake clock: the whole order, badNonce, rateLimited,
 * an invalid authorization, EAB, profiles and replaces, alternate chains;
 * Retry-After, Link, problem documents, the directory, ARI windows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/hmac.h>

#include "acme/acme.h"
#include "acme/ari.h"
#include "acme/jws.h"
#include "acme_testlib.h"

#define CA "https://ca.test/"
#define T0 1700000000000LL

static const char *DIR_FULL =
    "{\"newNonce\":\"" CA "nonce\",\"newAccount\":\"" CA "acct\",\"newOrder\":\"" CA "order\","
    "\"renewalInfo\":\"" CA "ari\",\"meta\":{\"termsOfService\":\"" CA "tos\","
    "\"profiles\":{\"classic\":\"90 days\",\"shortlived\":\"6 days\"}}}";
static const char *DIR_PLAIN =
    "{\"newNonce\":\"" CA "nonce\",\"newAccount\":\"" CA "acct\",\"newOrder\":\"" CA "order\"}";
static const char *TOKEN1 = "DGyRejmCefe7v4NfDGDKfA-first-token";
static const char *TOKEN2 = "evaGxfADs6pSRb2LAv9IZf-second-token";

typedef struct h {
	acme_machine_t *m;
	EVP_PKEY *key;
	uint8_t *csr;
	size_t csr_len;
	int64_t now;
	acme_action_t act;
	int nonces;
	char last_nonce[32];
	t_jws_t jws; /* the last POST's body, opened */
	bool have_jws;
} h_t;

static void h_init(h_t *h, acme_config_t *cfg, const char *const *names, size_t n)
{
	memset(h, 0, sizeof *h);
	h->key = t_account_key();
	h->csr = t_csr(names, n, &h->csr_len);
	h->now = T0;
	cfg->directory_url = CA "dir";
	cfg->account_key = h->key;
	cfg->csr_der = h->csr;
	cfg->csr_len = h->csr_len;
	char err[200];
	assert_int_equal(acme_machine_new(cfg, &h->m, err, sizeof err), DNS_OK);
}

static void h_free(h_t *h)
{
	if (h->have_jws)
		t_jws_close(&h->jws);
	acme_machine_free(h->m);
	EVP_PKEY_free(h->key);
	free(h->csr);
}

/* The next action must be a request @method @url; a POST's JWS is opened. */
static void expect(h_t *h, const char *method, const char *url)
{
	acme_machine_next(h->m, h->now, &h->act);
	if (h->act.kind != ACME_ACT_REQUEST)
		fail_msg("expected %s %s, got action %d (%s)", method, url, h->act.kind,
		         h->act.problem ? h->act.problem->detail : "");
	assert_string_equal(h->act.req.method, method);
	assert_string_equal(h->act.req.url, url);
	if (h->have_jws)
		t_jws_close(&h->jws);
	h->have_jws = false;
	if (strcmp(method, "POST") == 0) {
		assert_string_equal(h->act.req.content_type, "application/jose+json");
		t_jws_open(h->act.req.body, &h->jws);
		h->have_jws = true;
		/* every POST carries the nonce last handed out and its own URL */
		assert_string_equal(json_string_value(json_object_get(h->jws.prot, "nonce")),
		                    h->last_nonce);
		assert_string_equal(json_string_value(json_object_get(h->jws.prot, "url")), url);
	}
}

/* Answer the last request: @status, a fresh Replay-Nonce when @nonce,
 * extra headers (name, value, ..., NULL), @body. */
static void reply(h_t *h, int status, bool nonce, const char *body, ...)
{
	acme_header_t hd[8];
	size_t n = 0;
	char nv[32];
	if (nonce) {
		snprintf(nv, sizeof nv, "nonce-%d", ++h->nonces);
		hd[n++] = (acme_header_t){"Replay-Nonce", nv};
		snprintf(h->last_nonce, sizeof h->last_nonce, "%s", nv);
	}
	va_list ap;
	va_start(ap, body);
	const char *name;
	while (n < 8 && (name = va_arg(ap, const char *))) {
		hd[n].name = name;
		hd[n++].value = va_arg(ap, const char *);
	}
	va_end(ap);
	acme_response_t r = {status, hd, n, body, body ? strlen(body) : 0};
	acme_machine_response(h->m, h->now, &r);
}

static void expect_failed(h_t *h, const char *type)
{
	acme_machine_next(h->m, h->now, &h->act);
	assert_int_equal(h->act.kind, ACME_ACT_FAILED);
	assert_string_equal(h->act.problem->type, type);
}

static const char *kid_of(h_t *h)
{
	return json_string_value(json_object_get(h->jws.prot, "kid"));
}

/* directory, nonce, account: up to the newOrder request (expected). */
static void to_order(h_t *h, const char *dir)
{
	expect(h, "GET", CA "dir");
	reply(h, 200, false, dir, NULL);
	expect(h, "HEAD", CA "nonce");
	reply(h, 200, true, "", NULL);
	expect(h, "POST", CA "acct");
	assert_non_null(json_object_get(h->jws.prot, "jwk"));
	reply(h, 201, true, "{\"status\":\"valid\"}", "Location", CA "acct/1", NULL);
	expect(h, "POST", CA "order");
	assert_string_equal(kid_of(h), CA "acct/1");
}

static const char *ORDER_1 = "{\"status\":\"pending\",\"authorizations\":[\"" CA "authz/1\"],"
                             "\"finalize\":\"" CA "order/1/fin\"}";
static const char *AUTHZ_VALID = "{\"status\":\"valid\",\"identifier\":{\"type\":\"dns\","
                                 "\"value\":\"www.example.test\"},\"challenges\":[]}";

static void test_happy_path(void **state)
{
	static const char *const names[] = {"example.test", "*.example.test"};
	acme_config_t cfg = {.email = "admin@example.test", .profile = "shortlived",
	                     .replaces = "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE"};
	h_t h;
	h_init(&h, &cfg, names, 2);
	expect(&h, "GET", CA "dir");
	reply(&h, 200, false, DIR_FULL, NULL);
	expect(&h, "HEAD", CA "nonce");
	reply(&h, 200, true, "", NULL);
	expect(&h, "POST", CA "acct");
	assert_true(json_is_true(json_object_get(h.jws.payload, "termsOfServiceAgreed")));
	assert_string_equal(json_string_value(json_array_get(json_object_get(h.jws.payload,
	                                                                     "contact"), 0)),
	                    "mailto:admin@example.test");
	assert_null(json_object_get(h.jws.payload, "externalAccountBinding"));
	reply(&h, 201, true, "{\"status\":\"valid\"}", "Location", CA "acct/1", NULL);
	assert_string_equal(acme_machine_account_url(h.m), CA "acct/1");

	expect(&h, "POST", CA "order");
	json_t *ids = json_object_get(h.jws.payload, "identifiers");
	assert_int_equal(json_array_size(ids), 2); /* exactly the CSR's names */
	assert_string_equal(json_string_value(json_object_get(json_array_get(ids, 0), "value")),
	                    "example.test");
	assert_string_equal(json_string_value(json_object_get(json_array_get(ids, 1), "value")),
	                    "*.example.test");
	assert_string_equal(json_string_value(json_object_get(json_array_get(ids, 1), "type")),
	                    "dns");
	assert_string_equal(json_string_value(json_object_get(h.jws.payload, "replaces")),
	                    cfg.replaces);
	assert_string_equal(json_string_value(json_object_get(h.jws.payload, "profile")),
	                    "shortlived");
	reply(&h, 201, true,
	      "{\"status\":\"pending\",\"authorizations\":[\"" CA "authz/1\",\"" CA "authz/2\"],"
	      "\"finalize\":\"" CA "order/1/fin\"}",
	      "Location", CA "order/1", NULL);

	char body[600];
	expect(&h, "POST", CA "authz/1");
	assert_string_equal(h.jws.payload_text, ""); /* POST-as-GET */
	snprintf(body, sizeof body,
	         "{\"status\":\"pending\",\"identifier\":{\"type\":\"dns\",\"value\":\"example.test\"},"
	         "\"challenges\":[{\"type\":\"http-01\",\"url\":\"" CA "chal/0\",\"token\":\"%s\"},"
	         "{\"type\":\"dns-01\",\"url\":\"" CA "chal/1\",\"token\":\"%s\"}]}",
	         TOKEN1, TOKEN1);
	reply(&h, 200, true, body, NULL);
	expect(&h, "POST", CA "authz/2");
	snprintf(body, sizeof body,
	         "{\"status\":\"pending\",\"wildcard\":true,\"identifier\":{\"type\":\"dns\","
	         "\"value\":\"example.test\"},\"challenges\":[{\"type\":\"dns-01\",\"url\":\"" CA
	         "chal/2\",\"token\":\"%s\"}]}",
	         TOKEN2);
	reply(&h, 200, true, body, NULL);

	/* both TXT values at one name, then nothing until they are published */
	acme_machine_next(h.m, h.now, &h.act);
	assert_int_equal(h.act.kind, ACME_ACT_PUBLISH);
	assert_int_equal(h.act.n_txt, 2);
	char *thumb = acme_jwk_thumbprint(h.key);
	char *v1 = acme_dns01_txt(TOKEN1, thumb), *v2 = acme_dns01_txt(TOKEN2, thumb);
	assert_string_equal(h.act.txt[0].name, "_acme-challenge.example.test");
	assert_string_equal(h.act.txt[1].name, "_acme-challenge.example.test");
	assert_string_equal(h.act.txt[0].value, v1);
	assert_string_equal(h.act.txt[1].value, v2);
	free(thumb), free(v1), free(v2);
	h.now += 5000;
	acme_machine_next(h.m, h.now, &h.act);
	assert_int_equal(h.act.kind, ACME_ACT_PUBLISH);
	acme_machine_published(h.m);

	expect(&h, "POST", CA "chal/1");
	assert_string_equal(h.jws.payload_text, "{}");
	reply(&h, 200, true, "{\"type\":\"dns-01\",\"status\":\"processing\"}", NULL);
	expect(&h, "POST", CA "chal/2");
	reply(&h, 200, true, "{\"type\":\"dns-01\",\"status\":\"processing\"}", NULL);

	/* polling: no Retry-After -> backoff; the machine asks to wait */
	expect(&h, "POST", CA "authz/1");
	reply(&h, 200, true, "{\"status\":\"pending\",\"identifier\":{\"value\":\"example.test\"}}",
	      NULL);
	acme_machine_next(h.m, h.now, &h.act);
	assert_int_equal(h.act.kind, ACME_ACT_WAIT);
	assert_true(h.act.until_ms > h.now && h.act.until_ms <= h.now + 10000);
	h.now = h.act.until_ms;
	expect(&h, "POST", CA "authz/1");
	reply(&h, 200, true, "{\"status\":\"valid\",\"identifier\":{\"value\":\"example.test\"}}",
	      NULL);
	expect(&h, "POST", CA "authz/2");
	reply(&h, 200, true, "{\"status\":\"valid\",\"identifier\":{\"value\":\"example.test\"}}",
	      NULL);

	expect(&h, "POST", CA "order/1/fin");
	char *csr64 = acme_b64url(h.csr, h.csr_len);
	assert_string_equal(json_string_value(json_object_get(h.jws.payload, "csr")), csr64);
	free(csr64);
	/* processing with Retry-After: 3 -> come back exactly 3 s later */
	reply(&h, 200, true, "{\"status\":\"processing\"}", "Retry-After", "3", NULL);
	acme_machine_next(h.m, h.now, &h.act);
	assert_int_equal(h.act.kind, ACME_ACT_WAIT);
	assert_int_equal(h.act.until_ms, h.now + 3000);
	h.now += 3000;
	expect(&h, "POST", CA "order/1");
	reply(&h, 200, true, "{\"status\":\"valid\",\"certificate\":\"" CA "cert/1\"}", NULL);
	expect(&h, "POST", CA "cert/1");
	assert_string_equal(h.act.req.accept, "application/pem-certificate-chain");
	char *chain = t_chain_pem("example.test", "Root A");
	reply(&h, 200, true, chain, "Link", "<" CA "cert/1/1>;rel=\"alternate\"", NULL);
	acme_machine_next(h.m, h.now, &h.act);
	assert_int_equal(h.act.kind, ACME_ACT_DONE);
	assert_int_equal(h.act.chain_len, strlen(chain));
	assert_memory_equal(h.act.chain_pem, chain, h.act.chain_len);
	assert_int_equal(h.act.n_txt, 2); /* still listed: the caller removes them */
	assert_int_equal(acme_machine_requests(h.m), 14);
	free(chain);
	h_free(&h);
}

static const char *BAD_NONCE = "{\"type\":\"urn:ietf:params:acme:error:badNonce\","
                               "\"detail\":\"JWS has an invalid anti-replay nonce\"}";

static void test_bad_nonce(void **state)
{
	static const char *const names[] = {"www.example.test"};
	acme_config_t cfg = {0};
	h_t h;
	h_init(&h, &cfg, names, 1);
	to_order(&h, DIR_PLAIN);
	/* rejected: the same request again, signed with the nonce of the error */
	reply(&h, 400, true, BAD_NONCE, "Content-Type", "application/problem+json", NULL);
	expect(&h, "POST", CA "order");
	assert_string_equal(json_string_value(json_object_get(h.jws.prot, "nonce")), "nonce-3");
	reply(&h, 201, true, ORDER_1, "Location", CA "order/1", NULL);
	/* bounded: five retries, the sixth badNonce fails the order */
	expect(&h, "POST", CA "authz/1");
	for (int i = 0; i < 5; i++) {
		reply(&h, 400, true, BAD_NONCE, NULL);
		expect(&h, "POST", CA "authz/1");
	}
	reply(&h, 400, true, BAD_NONCE, NULL);
	expect_failed(&h, "badNonce");
	assert_int_equal(h.act.problem->status, 400);
	h_free(&h);
}

static void test_rate_limited(void **state)
{
	static const char *const names[] = {"www.example.test"};
	acme_config_t cfg = {0};
	h_t h;
	h_init(&h, &cfg, names, 1);
	to_order(&h, DIR_PLAIN);
	reply(&h, 429, true,
	      "{\"type\":\"urn:ietf:params:acme:error:rateLimited\",\"detail\":\"too many "
	      "certificates for example.test\",\"subproblems\":[{\"type\":\"urn:ietf:params:acme:"
	      "error:rejectedIdentifier\",\"detail\":\"limit\",\"identifier\":{\"type\":\"dns\","
	      "\"value\":\"www.example.test\"}}]}",
	      "Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT", NULL);
	expect_failed(&h, "rateLimited");
	const acme_problem_t *p = h.act.problem;
	assert_string_equal(p->detail, "too many certificates for example.test");
	assert_int_equal(p->status, 429);
	assert_int_equal(p->retry_at_ms, 1445412480000LL);
	assert_int_equal(p->n_sub, 1);
	assert_string_equal(p->sub[0].type, "rejectedIdentifier");
	assert_string_equal(p->sub[0].identifier, "www.example.test");
	/* nothing more is asked once failed */
	reply(&h, 200, true, "{}", NULL);
	expect_failed(&h, "rateLimited");
	h_free(&h);

	h_init(&h, &cfg, names, 1);
	to_order(&h, DIR_PLAIN);
	reply(&h, 429, true, "{\"type\":\"urn:ietf:params:acme:error:rateLimited\"}",
	      "Retry-After", "3600", NULL);
	expect_failed(&h, "rateLimited");
	assert_int_equal(h.act.problem->retry_at_ms, h.now + 3600000);
	h_free(&h);
}

/* up to the challenge answered for one pending dns-01 authorization */
static void to_poll(h_t *h)
{
	to_order(h, DIR_PLAIN);
	reply(h, 201, true, ORDER_1, "Location", CA "order/1", NULL);
	expect(h, "POST", CA "authz/1");
	char body[400];
	snprintf(body, sizeof body,
	         "{\"status\":\"pending\",\"identifier\":{\"value\":\"www.example.test\"},"
	         "\"challenges\":[{\"type\":\"dns-01\",\"url\":\"" CA "chal/1\",\"token\":\"%s\"}]}",
	         TOKEN1);
	reply(h, 200, true, body, NULL);
	acme_machine_next(h->m, h->now, &h->act);
	assert_int_equal(h->act.kind, ACME_ACT_PUBLISH);
	acme_machine_published(h->m);
	expect(h, "POST", CA "chal/1");
	reply(h, 200, true, "{\"status\":\"pending\"}", NULL);
	expect(h, "POST", CA "authz/1");
}

static void test_invalid_authz(void **state)
{
	static const char *const names[] = {"www.example.test"};
	acme_config_t cfg = {0};
	h_t h;
	h_init(&h, &cfg, names, 1);
	to_poll(&h);
	reply(&h, 200, true,
	      "{\"status\":\"invalid\",\"identifier\":{\"value\":\"www.example.test\"},"
	      "\"challenges\":[{\"type\":\"dns-01\",\"status\":\"invalid\",\"error\":{\"type\":"
	      "\"urn:ietf:params:acme:error:unauthorized\",\"detail\":\"Incorrect TXT record "
	      "found at _acme-challenge.www.example.test\",\"status\":403}}]}",
	      NULL);
	expect_failed(&h, "unauthorized");
	assert_string_equal(h.act.problem->detail,
	                    "Incorrect TXT record found at _acme-challenge.www.example.test");
	assert_int_equal(h.act.problem->retry_at_ms, 0);
	assert_int_equal(h.act.n_txt, 1); /* what to clean up */
	assert_string_equal(h.act.txt[0].name, "_acme-challenge.www.example.test");
	h_free(&h);
}

static void test_poll_retry_after_and_timeout(void **state)
{
	static const char *const names[] = {"www.example.test"};
	acme_config_t cfg = {.poll_timeout_ms = 60000};
	h_t h;
	h_init(&h, &cfg, names, 1);
	to_poll(&h);
	int64_t start = h.now;
	for (int i = 0; i < 100; i++) {
		reply(&h, 200, true, "{\"status\":\"pending\",\"identifier\":{\"value\":\"w.test\"}}",
		      "Retry-After", "20", NULL);
		acme_machine_next(h.m, h.now, &h.act);
		if (h.act.kind == ACME_ACT_FAILED)
			break;
		assert_int_equal(h.act.kind, ACME_ACT_WAIT);
		/* Retry-After honoured, but never past the polling bound */
		assert_int_equal(h.act.until_ms,
		                 h.now + 20000 < start + 60000 ? h.now + 20000 : start + 60000);
		h.now = h.act.until_ms;
		expect(&h, "POST", CA "authz/1");
	}
	expect_failed(&h, "timeout");
	assert_true(h.now - start <= 80000);
	h_free(&h);
}

static void test_eab_account(void **state)
{
	static const char *const names[] = {"www.example.test"};
	static const uint8_t mac_key[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
	char *mac64 = acme_b64url(mac_key, sizeof mac_key);
	acme_config_t cfg = {.eab_kid = "kid-42", .eab_hmac_key = mac64};
	h_t h;
	h_init(&h, &cfg, names, 1);
	expect(&h, "GET", CA "dir");
	reply(&h, 200, false, DIR_PLAIN, NULL);
	expect(&h, "HEAD", CA "nonce");
	reply(&h, 200, true, "", NULL);
	expect(&h, "POST", CA "acct");
	json_t *eab = json_object_get(h.jws.payload, "externalAccountBinding");
	assert_non_null(eab);
	char *eab_text = json_dumps(eab, JSON_COMPACT);
	t_jws_t j;
	t_jws_open(eab_text, &j);
	assert_string_equal(json_string_value(json_object_get(j.prot, "alg")), "HS256");
	assert_string_equal(json_string_value(json_object_get(j.prot, "kid")), "kid-42");
	assert_string_equal(json_string_value(json_object_get(j.prot, "url")), CA "acct");
	/* the payload is the JWK of the outer JWS */
	assert_true(json_equal(j.payload, json_object_get(h.jws.prot, "jwk")));
	uint8_t mac[32];
	unsigned ml;
	HMAC(EVP_sha256(), mac_key, sizeof mac_key, (const unsigned char *)j.signing_input,
	     strlen(j.signing_input), mac, &ml);
	assert_int_equal(j.sig_len, 32);
	assert_memory_equal(j.sig, mac, 32);
	t_jws_close(&j);
	free(eab_text);
	h_free(&h);
	free(mac64);
	/* half an EAB is refused at once */
	acme_config_t half = {.eab_kid = "kid"};
	h_t h2 = {0};
	h2.key = t_account_key();
	h2.csr = t_csr(names, 1, &h2.csr_len);
	half.directory_url = CA "dir", half.account_key = h2.key;
	half.csr_der = h2.csr, half.csr_len = h2.csr_len;
	char err[200];
	assert_int_equal(acme_machine_new(&half, &h2.m, err, sizeof err), DNS_EINVAL);
	EVP_PKEY_free(h2.key);
	free(h2.csr);
}

static void test_profiles(void **state)
{
	static const char *const names[] = {"www.example.test"};
	/* a CA without profiles (or ARI): neither profile nor replaces is sent */
	acme_config_t cfg = {.profile = "shortlived", .replaces = "a.b"};
	h_t h;
	h_init(&h, &cfg, names, 1);
	to_order(&h, DIR_PLAIN);
	assert_null(json_object_get(h.jws.payload, "profile"));
	assert_null(json_object_get(h.jws.payload, "replaces"));
	h_free(&h);
	/* a profile missing from the CA's list: no order at all */
	cfg.profile = "tlsserver";
	h_init(&h, &cfg, names, 1);
	expect(&h, "GET", CA "dir");
	reply(&h, 200, false, DIR_FULL, NULL);
	expect_failed(&h, "invalidProfile");
	h_free(&h);
}

/* up to the certificate download of a one-name order whose authorization is already valid */
static void to_cert(h_t *h)
{
	to_order(h, DIR_PLAIN);
	reply(h, 201, true, ORDER_1, "Location", CA "order/1", NULL);
	expect(h, "POST", CA "authz/1");
	reply(h, 200, true, AUTHZ_VALID, NULL);
	/* nothing to publish: straight to finalize */
	expect(h, "POST", CA "order/1/fin");
	reply(h, 200, true, "{\"status\":\"valid\",\"certificate\":\"" CA "cert/1\"}", NULL);
	expect(h, "POST", CA "cert/1");
}

static void test_alternate_chains(void **state)
{
	static const char *const names[] = {"www.example.test"};
	char *a = t_chain_pem("www.example.test", "Root A");
	char *b = t_chain_pem("www.example.test", "Root B");
	char *c = t_chain_pem("www.example.test", "Root C");
	const char *links = "<" CA "cert/1/1>;rel=\"alternate\", <" CA "cert/1/2>; rel=alternate";
	/* the preferred issuer in the second alternate */
	acme_config_t cfg = {.preferred_chain = "Root B"};
	h_t h;
	h_init(&h, &cfg, names, 1);
	to_cert(&h);
	reply(&h, 200, true, a, "Link", links, "Link", "<" CA "dir>;rel=\"index\"", NULL);
	expect(&h, "POST", CA "cert/1/1");
	reply(&h, 200, true, c, NULL);
	expect(&h, "POST", CA "cert/1/2");
	reply(&h, 200, true, b, NULL);
	acme_machine_next(h.m, h.now, &h.act);
	assert_int_equal(h.act.kind, ACME_ACT_DONE);
	assert_string_equal(h.act.chain_pem, b);
	h_free(&h);
	/* no chain matches: the default one */
	cfg.preferred_chain = "Root Z";
	h_init(&h, &cfg, names, 1);
	to_cert(&h);
	reply(&h, 200, true, a, "Link", links, NULL);
	expect(&h, "POST", CA "cert/1/1");
	reply(&h, 200, true, c, NULL);
	expect(&h, "POST", CA "cert/1/2");
	reply(&h, 200, true, b, NULL);
	acme_machine_next(h.m, h.now, &h.act);
	assert_int_equal(h.act.kind, ACME_ACT_DONE);
	assert_string_equal(h.act.chain_pem, a);
	h_free(&h);
	/* the default matches: no alternate fetched */
	cfg.preferred_chain = "Root A";
	h_init(&h, &cfg, names, 1);
	to_cert(&h);
	reply(&h, 200, true, a, "Link", links, NULL);
	acme_machine_next(h.m, h.now, &h.act);
	assert_int_equal(h.act.kind, ACME_ACT_DONE);
	assert_string_equal(h.act.chain_pem, a);
	h_free(&h);
	/* not PEM: a clear failure */
	cfg.preferred_chain = NULL;
	h_init(&h, &cfg, names, 1);
	to_cert(&h);
	reply(&h, 200, true, "<html>oops</html>", NULL);
	expect_failed(&h, "malformedResponse");
	h_free(&h);
	free(a), free(b), free(c);
}

static void test_bad_responses(void **state)
{
	static const char *const names[] = {"www.example.test"};
	acme_config_t cfg = {0};
	h_t h;
	/* a directory that is not one */
	h_init(&h, &cfg, names, 1);
	expect(&h, "GET", CA "dir");
	reply(&h, 200, false, "[1,2,3]", NULL);
	expect_failed(&h, "malformedResponse");
	h_free(&h);
	/* an order without Location */
	h_init(&h, &cfg, names, 1);
	to_order(&h, DIR_PLAIN);
	reply(&h, 201, true, ORDER_1, NULL);
	expect_failed(&h, "malformedResponse");
	h_free(&h);
	/* a redirect is not followed: it fails with its status */
	h_init(&h, &cfg, names, 1);
	expect(&h, "GET", CA "dir");
	reply(&h, 302, false, "", "Location", "https://elsewhere.test/", NULL);
	expect_failed(&h, "http302");
	h_free(&h);
	/* no dns-01 offered */
	h_init(&h, &cfg, names, 1);
	to_order(&h, DIR_PLAIN);
	reply(&h, 201, true, ORDER_1, "Location", CA "order/1", NULL);
	expect(&h, "POST", CA "authz/1");
	reply(&h, 200, true,
	      "{\"status\":\"pending\",\"identifier\":{\"value\":\"www.example.test\"},"
	      "\"challenges\":[{\"type\":\"http-01\",\"url\":\"u\",\"token\":\"t\"}]}",
	      NULL);
	expect_failed(&h, "unsupportedChallenge");
	h_free(&h);
	/* the transport fails */
	h_init(&h, &cfg, names, 1);
	expect(&h, "GET", CA "dir");
	acme_machine_transport_error(h.m, h.now, "connection refused");
	expect_failed(&h, "connection");
	assert_string_equal(h.act.problem->detail, "connection refused");
	h_free(&h);
	/* a CSR that is not DER */
	acme_machine_t *m;
	char err[200];
	EVP_PKEY *k = t_account_key();
	acme_config_t bad = {.directory_url = CA "dir", .account_key = k,
	                     .csr_der = (const uint8_t *)"junk", .csr_len = 4};
	assert_int_equal(acme_machine_new(&bad, &m, err, sizeof err), DNS_EMALFORMED);
	EVP_PKEY_free(k);
}

static void test_retry_after(void **state)
{
	int64_t at;
	assert_int_equal(acme_retry_after_parse("120", T0, &at), DNS_OK);
	assert_int_equal(at, T0 + 120000);
	assert_int_equal(acme_retry_after_parse("Wed, 21 Oct 2015 07:28:00 GMT", T0, &at), DNS_OK);
	assert_int_equal(at, 1445412480000LL);
	assert_int_equal(acme_retry_after_parse("Sun, 06 Nov 1994 08:49:37 GMT", T0, &at), DNS_OK);
	assert_int_equal(at, 784111777000LL);
	assert_int_equal(acme_retry_after_parse("Wed, 21 Oct 2015 07:28:00 UTC", T0, &at),
	                 DNS_ESYNTAX);
	assert_int_equal(acme_retry_after_parse("12s", T0, &at), DNS_ESYNTAX);
	assert_int_equal(acme_retry_after_parse("-5", T0, &at), DNS_ESYNTAX);
	assert_int_equal(acme_retry_after_parse("99999999999999999999", T0, &at), DNS_ESYNTAX);
	assert_int_equal(acme_retry_after_parse("", T0, &at), DNS_ESYNTAX);
	assert_int_equal(acme_retry_after_parse(NULL, T0, &at), DNS_ESYNTAX);
}

static void test_links_and_problems(void **state)
{
	acme_header_t hd[] = {{"link", "<https://a/1>;rel=\"alternate\",<https://a/up>;rel=\"up\""},
	                      {"Link", "<https://a/2>; title=\"x, y\"; rel=\"index alternate\""},
	                      {"Link", "<broken"}};
	acme_response_t r = {200, hd, 3, "", 0};
	char *out[4];
	size_t n = acme_links(&r, "alternate", out, 4);
	assert_int_equal(n, 2);
	assert_string_equal(out[0], "https://a/1");
	assert_string_equal(out[1], "https://a/2");
	free(out[0]), free(out[1]);
	assert_int_equal(acme_links(&r, "up", out, 4), 1);
	assert_string_equal(out[0], "https://a/up");
	free(out[0]);
	acme_problem_t p;
	acme_problem_parse("not json", 8, &p);
	assert_string_equal(p.type, "");
	assert_string_equal(p.detail, "the response is not a JSON problem document");
	const char *ctl = "{\"type\":\"urn:ietf:params:acme:error:dns\",\"detail\":\"a\\nb\"}";
	acme_problem_parse(ctl, strlen(ctl), &p);
	assert_string_equal(p.type, "dns");
	assert_string_equal(p.detail, "a b"); /* no line breaks into logs */
}

static void test_directory(void **state)
{
	acme_directory_t d;
	char err[200];
	assert_int_equal(acme_directory_parse(DIR_FULL, strlen(DIR_FULL), &d, err, sizeof err),
	                 DNS_OK);
	assert_string_equal(d.renewal_info, CA "ari");
	assert_int_equal(d.n_profiles, 2);
	acme_directory_free(&d);
	const char *no = "{\"newNonce\":\"x\"}";
	assert_int_equal(acme_directory_parse(no, strlen(no), &d, err, sizeof err),
	                 DNS_EMALFORMED);
}

/* RFC 9773 §4.2's example answer. */
static void test_ari_window(void **state)
{
	const char *body = "{\"suggestedWindow\":{\"start\":\"2025-01-02T04:00:00Z\","
	                   "\"end\":\"2025-01-03T04:00:00Z\"},"
	                   "\"explanationURL\":\"https://acme.example.com/docs/ari\"}";
	acme_header_t hd[] = {{"Retry-After", "21600"}};
	acme_response_t r = {200, hd, 1, body, strlen(body)};
	acme_ari_t ari;
	int64_t now = 1735700000000LL; /* 2025-01-01 */
	assert_int_equal(acme_ari_parse(&r, now, &ari), DNS_OK);
	assert_int_equal(ari.start_ms, 1735790400000LL);
	assert_int_equal(ari.end_ms, 1735876800000LL);
	assert_int_equal(ari.retry_at_ms, now + 21600000);
	assert_string_equal(ari.explanation, "https://acme.example.com/docs/ari");
	assert_int_equal(acme_ari_pick(&ari, 0, now), ari.start_ms);
	int64_t t = acme_ari_pick(&ari, 0x123456789abcdefULL, now);
	assert_true(t >= ari.start_ms && t < ari.end_ms);
	assert_int_equal(acme_ari_pick(&ari, 5, ari.end_ms + 1), ari.end_ms + 1); /* late: now */
	r.n_headers = 0;
	assert_int_equal(acme_ari_parse(&r, now, &ari), DNS_OK);
	assert_int_equal(ari.retry_at_ms, now + ACME_ARI_DEFAULT_RETRY_MS);
	const char *rev = "{\"suggestedWindow\":{\"start\":\"2025-01-03T04:00:00Z\","
	                  "\"end\":\"2025-01-02T04:00:00Z\"}}";
	acme_response_t r2 = {200, NULL, 0, rev, strlen(rev)};
	assert_int_equal(acme_ari_parse(&r2, now, &ari), DNS_EMALFORMED);
}

/* What the daemon keeps per certificate across polls (RFC 9773 §4.2-4.3):
 * one random point per window, a moved window re-picked, a past window
 * means now, Retry-After clamped to [1 min, 1 day], failures keep it. */
static void test_ari_state(void **state)
{
	const char *body = "{\"suggestedWindow\":{\"start\":\"2025-01-02T04:00:00Z\","
	                   "\"end\":\"2025-01-03T04:00:00Z\"},"
	                   "\"explanationURL\":\"https://acme.example.com/docs/ari\"}";
	acme_header_t hd[] = {{"Retry-After", "21600"}};
	acme_response_t r = {200, hd, 1, body, strlen(body)};
	int64_t now = 1735700000000LL; /* 2025-01-01 */
	acme_ari_t ari;
	acme_ari_state_t st = {0};
	assert_int_equal(acme_ari_parse(&r, now, &ari), DNS_OK);
	acme_ari_update(&st, &ari, 0x9e3779b97f4a7c15ULL, now);
	int64_t first = st.renew_at_ms;
	assert_true(first >= ari.start_ms && first < ari.end_ms);
	assert_int_equal(st.next_fetch_ms, now + 21600000);
	/* six hours later, the same window: the time chosen stays */
	now += 21600000;
	assert_int_equal(acme_ari_parse(&r, now, &ari), DNS_OK);
	acme_ari_update(&st, &ari, 12345, now);
	assert_int_equal(st.renew_at_ms, first);
	/* the CA moves the window into the past (§4.2, e.g. a revocation
	 * incident): renew now */
	const char *past = "{\"suggestedWindow\":{\"start\":\"2024-12-30T00:00:00Z\","
	                   "\"end\":\"2024-12-31T00:00:00Z\"}}";
	acme_response_t rp = {200, NULL, 0, past, strlen(past)};
	assert_int_equal(acme_ari_parse(&rp, now, &ari), DNS_OK);
	acme_ari_update(&st, &ari, 777, now);
	assert_int_equal(st.renew_at_ms, now);
	assert_int_equal(st.start_ms, 1735516800000LL);
	/* no Retry-After: 6 h; Retry-After below a minute or above a day: clamped */
	assert_int_equal(st.next_fetch_ms, now + ACME_ARI_DEFAULT_RETRY_MS);
	acme_header_t fast[] = {{"Retry-After", "5"}};
	acme_response_t rf = {200, fast, 1, body, strlen(body)};
	assert_int_equal(acme_ari_parse(&rf, now, &ari), DNS_OK);
	acme_ari_update(&st, &ari, 1, now);
	assert_int_equal(st.next_fetch_ms, now + ACME_ARI_RETRY_MIN_MS);
	acme_header_t slow[] = {{"Retry-After", "604800"}};
	acme_response_t rs = {200, slow, 1, body, strlen(body)};
	assert_int_equal(acme_ari_parse(&rs, now, &ari), DNS_OK);
	acme_ari_update(&st, &ari, 1, now);
	assert_int_equal(st.next_fetch_ms, now + ACME_ARI_RETRY_MAX_MS);
	/* a failed fetch keeps the renewal time, asks again later */
	int64_t kept = st.renew_at_ms;
	acme_ari_failed(&st, 3600000, now);
	assert_int_equal(st.renew_at_ms, kept);
	assert_int_equal(st.next_fetch_ms, now + 3600000);
	/* answers that are not §4.2's: rejected, state untouched by the caller */
	const char *bad[] = {"{}", "[]",
	                     ("{\"suggestedWindow\":{\"start\":\"tomorrow\","
	                      "\"end\":\"2025-01-03T04:00:00Z\"}}"),
	                     "{\"suggestedWindow\":\"2025-01-02\"}", "not json"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		acme_response_t rb = {200, NULL, 0, bad[i], strlen(bad[i])};
		assert_int_equal(acme_ari_parse(&rb, now, &ari), DNS_EMALFORMED);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_happy_path),
		cmocka_unit_test(test_ari_state),
		cmocka_unit_test(test_bad_nonce),
		cmocka_unit_test(test_rate_limited),
		cmocka_unit_test(test_invalid_authz),
		cmocka_unit_test(test_poll_retry_after_and_timeout),
		cmocka_unit_test(test_eab_account),
		cmocka_unit_test(test_profiles),
		cmocka_unit_test(test_alternate_chains),
		cmocka_unit_test(test_bad_responses),
		cmocka_unit_test(test_retry_after),
		cmocka_unit_test(test_links_and_problems),
		cmocka_unit_test(test_directory),
		cmocka_unit_test(test_ari_window),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
