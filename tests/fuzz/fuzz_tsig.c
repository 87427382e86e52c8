/*
 * Fuzz TSIG verification: arbitrary bytes as a message, verified as a
 * request against a fixed key store at a fixed time, as a response and
 * as the first two messages of a stream; answers to it are signed.
 * Must never crash.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dns/msg.h"
#include "dns/tsig.h"

#define NOW UINT64_C(1700000000)

static const char *const KEYS[] = {
	"test.key:hmac-sha256:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
	"md5.key:hmac-md5:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
	"sha1.key:hmac-sha1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
	"sha512.key:hmac-sha512:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
};

static dns_keystore_t *keystore(void)
{
	static dns_keystore_t *ks;
	if (!ks) {
		ks = dns_keystore_new();
		for (size_t i = 0; i < sizeof(KEYS) / sizeof(KEYS[0]); i++) {
			dns_tsig_key_t k;
			if (dns_tsig_key_from_text(&k, KEYS[i], strlen(KEYS[i])) == DNS_OK)
				dns_keystore_add(ks, &k);
		}
	}
	return ks;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[DNS_MSG_MAX];
	dns_keystore_t *ks = keystore();
	dns_msg_t m;
	dns_tsig_req_t req;
	uint16_t terr;

	if (size > DNS_MSG_MAX)
		return 0;
	if (dns_msg_parse(&m, data, size) == DNS_OK) {
		dns_err_t err = dns_tsig_verify_request(&m, ks, NOW, &req, &terr);
		if (err == DNS_OK || err == DNS_ETSIG) {
			/* Sign an answer: the request itself, as a stand-in. */
			size_t len = size;
			memcpy(out, data, size);
			dns_tsig_sign_response(out, &len, sizeof(out), &req, NOW);
			if (err == DNS_OK) {
				dns_tsig_stream_t s = {0};
				len = size < 512 ? size : 512;
				memcpy(out, data, len);
				if (len >= DNS_HDR_LEN &&
				    dns_tsig_stream_init_signer(&s, &req) == DNS_OK)
					dns_tsig_stream_sign(&s, out, &len, sizeof(out), NOW, true);
				dns_tsig_stream_free(&s);
			}
		}
		const dns_tsig_key_t *key = dns_keystore_at(ks, 0);
		dns_tsig_verify_response(&m, key, data, size < 32 ? size : 32, NOW, &terr);
		dns_tsig_stream_t v = {0};
		if (dns_tsig_stream_init_verifier(&v, key, data, size < 16 ? size : 16) == DNS_OK) {
			dns_tsig_stream_verify(&v, &m, NOW, &terr);
			dns_tsig_stream_verify(&v, &m, NOW, &terr);
			dns_tsig_stream_end(&v);
		}
		dns_tsig_stream_free(&v);
	}
	dns_msg_free(&m);
	return 0;
}
