/*
 * fuzz_acme.c - libacme's handling of what an ACME server sends: a
 * whole order driven by fuzzed responses (status, headers, JSON or PEM
 * bodies), plus the problem, directory, Link, Retry-After and ARI parsers
 * on the raw input.
 *
 * Input: records of [status byte][flags byte][2-byte length][body]; flag
 * bits add Replay-Nonce, Location, Retry-After (the body's first bytes) and
 * Link headers.  At most 64 responses per input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acme/acme.h"
#include "acme/ari.h"
#include "acme/jws.h"
#include "dns/certify_key.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static EVP_PKEY *key;
static uint8_t *csr;
static size_t csr_len;

static void setup(void)
{
	char err[200];
	dns_certify_names_t names = {0};
	dns_certify_names_add(&names, "example.test", err, sizeof err);
	dns_certify_names_add(&names, "*.example.test", err, sizeof err);
	if (acme_key_from_seed(ACME_ALG_ES256, "fuzz", 4, &key, err, sizeof err) ||
	    dns_certify_csr_make(key, &names, "fuzz", 4, &csr, &csr_len, err, sizeof err))
		abort();
}

static void parsers(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	acme_problem_t p;
	acme_problem_parse(s, size, &p);
	acme_directory_t d;
	char err[200];
	if (acme_directory_parse(s, size, &d, err, sizeof err) == DNS_OK)
		acme_directory_free(&d);
	char *text = strndup(s, size < 4096 ? size : 4096);
	if (!text)
		return;
	acme_header_t hd[] = {{"Link", text}, {"Retry-After", text}};
	acme_response_t r = {200, hd, 2, s, size};
	char *links[8];
	size_t n = acme_links(&r, "alternate", links, 8);
	for (size_t i = 0; i < n; i++)
		free(links[i]);
	int64_t at;
	acme_retry_after_parse(text, 1700000000000LL, &at);
	acme_ari_t ari;
	if (acme_ari_parse(&r, 1700000000000LL, &ari) == DNS_OK)
		acme_ari_pick(&ari, 12345, 1700000000000LL);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!key)
		setup();
	parsers(data, size);
	acme_config_t cfg = {.directory_url = "https://ca.test/dir", .account_key = key,
	                     .csr_der = csr, .csr_len = csr_len, .email = "a@example.test",
	                     .preferred_chain = "Root"};
	acme_machine_t *m;
	char err[200];
	if (acme_machine_new(&cfg, &m, err, sizeof err))
		abort();
	int64_t now = 1700000000000LL;
	size_t off = 0;
	for (int i = 0; i < 64; i++) {
		acme_action_t act;
		acme_machine_next(m, now, &act);
		if (act.kind == ACME_ACT_DONE || act.kind == ACME_ACT_FAILED)
			break;
		if (act.kind == ACME_ACT_WAIT) {
			now = act.until_ms;
			continue;
		}
		if (act.kind == ACME_ACT_PUBLISH) {
			acme_machine_published(m);
			continue;
		}
		if (size - off < 4)
			break;
		int status = 100 + data[off] * 2;
		uint8_t flags = data[off + 1];
		size_t len = (size_t)data[off + 2] << 8 | data[off + 3];
		off += 4;
		if (len > size - off)
			len = size - off;
		char *body = malloc(len + 1);
		memcpy(body, data + off, len);
		body[len] = 0;
		off += len;
		acme_header_t hd[4];
		size_t nh = 0;
		if (flags & 1)
			hd[nh++] = (acme_header_t){"Replay-Nonce", "fuzz-nonce"};
		if (flags & 2)
			hd[nh++] = (acme_header_t){"Location", "https://ca.test/x"};
		if (flags & 4)
			hd[nh++] = (acme_header_t){"Retry-After", flags & 8 ? "1" : body};
		if (flags & 16)
			hd[nh++] = (acme_header_t){"Link", "<https://ca.test/alt>;rel=\"alternate\""};
		acme_response_t r = {status, hd, nh, body, len};
		if (flags & 32)
			acme_machine_transport_error(m, now, "fuzz");
		else
			acme_machine_response(m, now, &r);
		free(body);
	}
	acme_machine_free(m);
	return 0;
}
