/*
 * Fuzz the certify fetch flow (sans-IO state machine): the input is a
 * sequence of events, each [op][len u16][bytes]:
 *   op & 3 == 0  the last message got no answer (network error)
 *   op & 3 == 1  the bytes are the answer, as they are
 *   op & 3 >= 2  the bytes are the answer, with our ID and QR set, and
 *                TSIG-signed by the server's copy of the key (so that
 *                the flow reads the records and rcodes in it)
 *   op >> 2      milliseconds * 100 that pass before the event
 * Waits are ticked through.  Must never crash, leak or loop.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dns/certify_flow.h"
#include "dns/msg.h"
#include "dns/tsig.h"

#define NOW UINT64_C(1800000000000)
#define KEY "web._update.example.com:hmac-sha256:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

typedef struct fixture {
	dns_tsig_key_t key;
	dns_keystore_t *ks;
	dns_certify_names_t names;
	uint8_t *spki, *csr;
	size_t spki_len, csr_len;
	bool ok;
} fixture_t;

static fixture_t *fixture(void)
{
	static fixture_t f;
	static bool done;
	if (done)
		return f.ok ? &f : NULL;
	done = true;
	EVP_PKEY *k = NULL;
	f.ks = dns_keystore_new();
	f.ok = dns_tsig_key_from_text(&f.key, KEY, strlen(KEY)) == DNS_OK && f.ks != NULL &&
	       dns_keystore_add(f.ks, &f.key) == DNS_OK &&
	       dns_certify_names_add(&f.names, "www.example.com", NULL, 0) == DNS_OK &&
	       dns_certify_key_from_seed(DNS_CERTIFY_KEY_P256, 0, "fuzz", 4, &k, NULL, 0) == DNS_OK &&
	       dns_certify_key_spki(k, &f.spki, &f.spki_len) == DNS_OK &&
	       dns_certify_csr_make(k, &f.names, "fuzz", 4, &f.csr, &f.csr_len, NULL, 0) == DNS_OK;
	EVP_PKEY_free(k);
	return f.ok ? &f : NULL;
}

/* The bytes as an answer to @sent, signed as the server would. */
static size_t signed_answer(const fixture_t *f, const uint8_t *sent, size_t sent_len,
                            const uint8_t *p, size_t n, uint8_t *out, size_t cap, uint64_t now)
{
	if (n < DNS_HDR_LEN || n > cap - 512)
		return 0;
	memcpy(out, p, n);
	out[0] = sent[0];
	out[1] = sent[1];
	out[2] |= 0x80;
	dns_msg_t m;
	dns_tsig_req_t req;
	uint16_t terr;
	size_t len = n;
	if (dns_msg_parse(&m, sent, sent_len) == DNS_OK && m.tsig != NULL &&
	    dns_tsig_verify_request(&m, f->ks, now / 1000, &req, &terr) == DNS_OK &&
	    dns_tsig_sign_response(out, &len, cap, &req, now / 1000) != DNS_OK)
		len = n;
	dns_msg_free(&m);
	return len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t sent[65535], out[65535];
	fixture_t *f = fixture();
	if (f == NULL)
		return 0;
	dns_certify_flow_config_t cfg = {
		.key = &f->key, .host = "www.example.com", .names = &f->names, .spki = f->spki,
		.spki_len = f->spki_len, .csr = f->csr, .csr_len = f->csr_len, .renew_before = -1,
		.force = size > 0 && (data[0] & 1), .deadline_ms = NOW + 600000,
	};
	dns_certify_flow_t *flow = dns_certify_flow_new(&cfg, NULL, 0);
	if (flow == NULL)
		return 0;
	uint64_t now = NOW;
	dns_certify_action_t a = dns_certify_flow_start(flow, now);
	size_t pos = 0, sent_len = 0;
	for (int steps = 0; steps < 1000 && pos + 3 <= size; steps++) {
		if (a.kind == DNS_CERTIFY_ACT_WAIT) {
			now = a.until_ms > now ? a.until_ms : now;
			a = dns_certify_flow_tick(flow, now);
			continue;
		}
		if (a.kind != DNS_CERTIFY_ACT_SEND)
			break;
		memcpy(sent, a.msg, a.len);
		sent_len = a.len;
		uint8_t op = data[pos];
		size_t n = (size_t)(data[pos + 1] << 8 | data[pos + 2]);
		pos += 3;
		if (n > size - pos)
			n = size - pos;
		const uint8_t *p = data + pos;
		pos += n;
		now += (uint64_t)(op >> 2) * 100;
		if ((op & 3) == 0) {
			a = dns_certify_flow_net_error(flow, now, "fuzz");
		} else if ((op & 3) == 1) {
			a = dns_certify_flow_answer(flow, now, p, n);
		} else {
			size_t len = signed_answer(f, sent, sent_len, p, n, out, sizeof(out), now);
			a = len ? dns_certify_flow_answer(flow, now, out, len)
			        : dns_certify_flow_net_error(flow, now, "short");
		}
	}
	dns_certify_flow_free(flow);
	return 0;
}
