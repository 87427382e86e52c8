/*
 * Unit tests for tsig.c: known-answer vectors, real-peer vectors (kdig,
 * BIND nsupdate, a Knot DNS AXFR stream), every error code, responses,
 * multi-message streams, tampering.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>

#include "dns/msg.h"
#include "dns/rrtype.h"
#include "dns/tsig.h"

/* The key of every vector: test.key., hmac-sha256, secret 00 01 .. 1f. */
#define KEYTEXT "test.key:hmac-sha256:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#define T0 UINT64_C(1700000000) /* 0x6553f100 */

/* Query "example.com. SOA", ID 0x1234, RD. */
static const uint8_t QUERY[] = {
	0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0x00, 0x06, 0x00, 0x01,
};
/* Its answer header: QR AA RD, same question, no records. */
static const uint8_t RESPONSE[] = {
	0x12, 0x34, 0x85, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0x00, 0x06, 0x00, 0x01,
};

/*
 * Known answer, derived by hand from RFC 8945 §4.3.3 and computed with
 *   openssl dgst -sha256 -mac HMAC -macopt hexkey:000102...1f kat.bin
 * where kat.bin is the query above followed by the TSIG variables
 *   04 74 65 73 74 03 6b 65 79 00    name test.key. (canonical)
 *   00 ff                            class ANY
 *   00 00 00 00                      TTL 0
 *   0b "hmac-sha256" 00              algorithm name
 *   00 00 65 53 f1 00                time signed 1700000000 (48 bits)
 *   01 2c                            fudge 300
 *   00 00                            error
 *   00 00                            other len
 */
static const uint8_t KAT_MAC[32] = {
	0xa7, 0xf2, 0xc6, 0xfa, 0xb4, 0x9b, 0x56, 0x81, 0x98, 0x3b, 0x50, 0x7f, 0x2f, 0xce, 0x1d, 0xd1,
	0xee, 0xfa, 0x01, 0x7e, 0xf1, 0x52, 0x25, 0x71, 0x68, 0x4c, 0x6a, 0x8c, 0xfb, 0x1e, 0x43, 0x26,
};
/*
 * The response MAC (§4.3.3, §5.3): openssl over
 *   00 20 <KAT_MAC>  request MAC with its size
 *   RESPONSE
 *   the variables above with time signed 00 00 65 53 f1 01 (T0 + 1).
 */
static const uint8_t KAT_RESP_MAC[32] = {
	0x73, 0x2f, 0x8c, 0xd5, 0x03, 0xce, 0xd2, 0x94, 0x0a, 0xf2, 0xa6, 0xc7, 0x9c, 0x98, 0x70, 0xe5,
	0x11, 0x55, 0x9a, 0x42, 0x5a, 0xcb, 0xc5, 0x5b, 0x8c, 0xb2, 0x91, 0x44, 0x5d, 0x48, 0x04, 0xe0,
};
/*
 * BADTIME answer at now = T0 + 1000 (0x6553f4e8): openssl over
 *   00 20 <KAT_MAC>, RESPONSE, variables with time signed = the request's
 *   (00 00 65 53 f1 00), error 00 12, other len 00 06, other 00 00 65 53 f4 e8.
 */
static const uint8_t KAT_BADTIME_MAC[32] = {
	0xc0, 0x9e, 0x7e, 0x23, 0x63, 0x0a, 0x78, 0x14, 0x2f, 0x1d, 0x5a, 0xf8, 0x1a, 0xa1, 0x0b, 0x98,
	0x66, 0xb6, 0x4c, 0xa2, 0x47, 0x9e, 0xbe, 0x98, 0x51, 0x0c, 0x75, 0x6a, 0x9f, 0x95, 0x88, 0xa8,
};

/* The TSIG RR up to its MAC, for test.key./hmac-sha256 at T0. */
static const uint8_t RR_HEAD[] = {
	4, 't', 'e', 's', 't', 3, 'k', 'e', 'y', 0,
	0x00, 0xfa, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00, /* TSIG ANY TTL 0 */
	0x00, 61,                                       /* rdlength 13 + 6 + 2 + 2 + 32 + 6 */
	11, 'h', 'm', 'a', 'c', '-', 's', 'h', 'a', '2', '5', '6', 0,
	0x00, 0x00, 0x65, 0x53, 0xf1, 0x00, /* time signed */
	0x01, 0x2c,                         /* fudge */
	0x00, 0x20,                         /* MAC size */
};

struct fixture {
	dns_keystore_t *ks;
	dns_tsig_key_t key;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	assert_int_equal(dns_tsig_key_from_text(&f->key, KEYTEXT, strlen(KEYTEXT)), DNS_OK);
	f->ks = dns_keystore_new();
	assert_int_equal(dns_keystore_add(f->ks, &f->key), DNS_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	dns_keystore_free(f->ks);
	free(f);
	return 0;
}

static size_t read_vector(const char *name, uint8_t *buf, size_t cap)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/data/tsig/%s", TEST_SRCDIR, name);
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	size_t n = fread(buf, 1, cap, fp);
	fclose(fp);
	assert_true(n > DNS_HDR_LEN && n < cap);
	return n;
}

/* Verify a wire request; returns the dns_err_t, fills *terr and *req. */
static dns_err_t verify_wire(const struct fixture *f, const uint8_t *wire, size_t len,
                             uint64_t now, dns_tsig_req_t *req, uint16_t *terr)
{
	dns_msg_t m;
	dns_err_t err = dns_msg_parse(&m, wire, len);
	if (err == DNS_OK)
		err = dns_tsig_verify_request(&m, f->ks, now, req, terr);
	else
		err = DNS_EMALFORMED;
	dns_msg_free(&m);
	return err;
}

static dns_err_t verify_resp_wire(const dns_tsig_key_t *key, const uint8_t *wire, size_t len,
                                  const uint8_t *mac, size_t mac_len, uint64_t now,
                                  uint16_t *terr)
{
	dns_msg_t m;
	dns_err_t err = dns_msg_parse(&m, wire, len);
	if (err == DNS_OK)
		err = dns_tsig_verify_response(&m, key, mac, mac_len, now, terr);
	else
		err = DNS_EMALFORMED;
	dns_msg_free(&m);
	return err;
}

/* ---- known answers ---- */

static void test_sign_known_answer(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[512], mac[DNS_TSIG_MAC_MAX];
	size_t len = sizeof(QUERY), mac_len = 0;
	memcpy(buf, QUERY, len);
	assert_int_equal(dns_tsig_sign(buf, &len, sizeof(buf), &f->key, T0, mac, &mac_len), DNS_OK);
	assert_int_equal(mac_len, 32);
	assert_memory_equal(mac, KAT_MAC, 32);
	/* ARCOUNT 1, the message unchanged otherwise, then the RR. */
	assert_int_equal(len, sizeof(QUERY) + sizeof(RR_HEAD) + 32 + 6);
	assert_int_equal(buf[11], 1);
	assert_memory_equal(buf + 12, QUERY + 12, sizeof(QUERY) - 12);
	assert_memory_equal(buf + sizeof(QUERY), RR_HEAD, sizeof(RR_HEAD));
	assert_memory_equal(buf + sizeof(QUERY) + sizeof(RR_HEAD), KAT_MAC, 32);
	static const uint8_t tail[] = {0x12, 0x34, 0, 0, 0, 0}; /* orig ID, error, other len */
	assert_memory_equal(buf + len - 6, tail, 6);

	/* No room: message untouched. */
	len = sizeof(QUERY);
	memcpy(buf, QUERY, len);
	assert_int_equal(dns_tsig_sign(buf, &len, sizeof(QUERY) + 60, &f->key, T0, NULL, NULL),
	                 DNS_ESPACE);
	assert_int_equal(len, sizeof(QUERY));
	assert_int_equal(buf[11], 0);
	assert_true(dns_tsig_space(&f->key) >= sizeof(RR_HEAD) + 32 + 6);
}

static void test_verify_known_answer(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[512];
	size_t len = 0;
	memcpy(buf, QUERY, sizeof(QUERY));
	len += sizeof(QUERY);
	buf[11] = 1;
	memcpy(buf + len, RR_HEAD, sizeof(RR_HEAD));
	len += sizeof(RR_HEAD);
	memcpy(buf + len, KAT_MAC, 32);
	len += 32;
	memcpy(buf + len, "\x12\x34\0\0\0\0", 6);
	len += 6;
	dns_tsig_req_t req;
	uint16_t terr = 99;
	assert_int_equal(verify_wire(f, buf, len, T0 + 300, &req, &terr), DNS_OK);
	assert_int_equal(terr, 0);
	assert_ptr_equal(req.key, dns_keystore_find(f->ks, f->key.name));
	assert_int_equal(req.mac_len, 32);
	assert_memory_equal(req.mac, KAT_MAC, 32);
	assert_int_equal(req.orig_id, 0x1234);
	assert_int_equal(req.time_signed, T0);

	/* The answer's MAC matches the independent value. */
	uint8_t out[512];
	size_t olen = sizeof(RESPONSE);
	memcpy(out, RESPONSE, olen);
	assert_int_equal(dns_tsig_sign_response(out, &olen, sizeof(out), &req, T0 + 1), DNS_OK);
	assert_int_equal(olen, sizeof(RESPONSE) + sizeof(RR_HEAD) + 32 + 6);
	assert_memory_equal(out + sizeof(RESPONSE) + sizeof(RR_HEAD), KAT_RESP_MAC, 32);
	assert_int_equal(out[sizeof(RESPONSE) + sizeof(RR_HEAD) - 5], 0x01); /* T0 + 1 */
	assert_int_equal(verify_resp_wire(&f->key, out, olen, KAT_MAC, 32, T0, &terr), DNS_OK);

	/* BADTIME: signed, time of the request, our clock in other data. */
	assert_int_equal(verify_wire(f, buf, len, T0 + 1000, &req, &terr), DNS_ETSIG);
	assert_int_equal(terr, DNS_RCODE_BADTIME);
	olen = sizeof(RESPONSE);
	memcpy(out, RESPONSE, olen);
	assert_int_equal(dns_tsig_sign_response(out, &olen, sizeof(out), &req, T0 + 1000), DNS_OK);
	assert_int_equal(olen, sizeof(RESPONSE) + sizeof(RR_HEAD) + 32 + 12);
	assert_memory_equal(out + sizeof(RESPONSE) + sizeof(RR_HEAD), KAT_BADTIME_MAC, 32);
	static const uint8_t badtime_tail[] = {0x12, 0x34, 0x00, 0x12, 0x00, 0x06,
	                                       0x00, 0x00, 0x65, 0x53, 0xf4, 0xe8};
	assert_memory_equal(out + olen - 12, badtime_tail, 12);
	/* The client (clock at T0) authenticates it and learns BADTIME. */
	assert_int_equal(verify_resp_wire(&f->key, out, olen, KAT_MAC, 32, T0, &terr), DNS_ETSIG);
	assert_int_equal(terr, DNS_RCODE_BADTIME);
}

/* ---- real peers ---- */

static void check_peer_request(const struct fixture *f, const char *file)
{
	uint8_t buf[1024];
	size_t len = read_vector(file, buf, sizeof(buf));
	dns_tsig_req_t req;
	uint16_t terr;
	/* MAC good, clock far off: BADTIME, which also tells the time signed. */
	assert_int_equal(verify_wire(f, buf, len, 0, &req, &terr), DNS_ETSIG);
	assert_int_equal(terr, DNS_RCODE_BADTIME);
	assert_true(req.time_signed > T0);
	uint64_t t = req.time_signed;
	assert_int_equal(verify_wire(f, buf, len, t + 10, &req, &terr), DNS_OK);
	assert_int_equal(req.fudge, 300);
	assert_int_equal(req.mac_len, 32);
	buf[13] ^= 0x20; /* a case change in the first name is tampering too */
	assert_int_equal(verify_wire(f, buf, len, t, &req, &terr), DNS_ETSIG);
	assert_int_equal(terr, DNS_RCODE_BADSIG);
}

/* Captured from `kdig -y hmac-sha256:test.key:... example.com SOA` (Knot 3.2). */
static void test_peer_kdig(void **state) { check_peer_request(*state, "kdig_query.bin"); }

/* Captured from BIND's `nsupdate -y hmac-sha256:test.key:...` (an UPDATE). */
static void test_peer_nsupdate(void **state)
{
	check_peer_request(*state, "nsupdate_update.bin");
}

/*
 * A 2-message AXFR of example.com. from knotd, answering the signed
 * request kdig_axfr_query.bin: verified with our stream verifier.
 */
static void test_peer_knot_axfr(void **state)
{
	struct fixture *f = *state;
	static uint8_t q[1024], m0[65536], m1[65536];
	size_t ql = read_vector("kdig_axfr_query.bin", q, sizeof(q));
	size_t l0 = read_vector("knot_axfr_0.bin", m0, sizeof(m0));
	size_t l1 = read_vector("knot_axfr_1.bin", m1, sizeof(m1));
	dns_tsig_req_t req;
	uint16_t terr;
	assert_int_equal(verify_wire(f, q, ql, 0, &req, &terr), DNS_ETSIG);
	uint64_t t = req.time_signed;
	assert_int_equal(verify_wire(f, q, ql, t, &req, &terr), DNS_OK);

	for (int tamper = 0; tamper < 2; tamper++) {
		dns_tsig_stream_t s;
		dns_msg_t m;
		assert_int_equal(dns_tsig_stream_init_verifier(&s, &f->key, req.mac, req.mac_len),
		                 DNS_OK);
		assert_int_equal(dns_msg_parse(&m, m0, l0), DNS_OK);
		assert_int_equal(dns_tsig_stream_verify(&s, &m, t, &terr), DNS_OK);
		dns_msg_free(&m);
		if (tamper)
			m1[100] ^= 1; /* inside TXT data */
		assert_int_equal(dns_msg_parse(&m, m1, l1), DNS_OK);
		assert_int_equal(dns_tsig_stream_verify(&s, &m, t, &terr),
		                 tamper ? DNS_ETSIG : DNS_OK);
		dns_msg_free(&m);
		assert_int_equal(dns_tsig_stream_end(&s), tamper ? DNS_ETSIG : DNS_OK);
		if (tamper) {
			assert_int_equal(terr, DNS_RCODE_BADSIG);
			m1[100] ^= 1;
		}
		dns_tsig_stream_free(&s);
	}
}

/* ---- error codes, with requests signed by the test itself ---- */

/*
 * Build QUERY + a TSIG RR whose MAC the test computes on its own
 * (EVP_Q_mac over message + variables), truncated to @trunc bytes.
 */
static size_t make_request(uint8_t *buf, const char *digest, const uint8_t *secret,
                           size_t slen, const uint8_t *keyname, size_t klen,
                           const uint8_t *alg, size_t alen, uint64_t time, size_t trunc)
{
	uint8_t data[1024], mac[64];
	size_t n = 0, mac_len = 0;
	memcpy(data, QUERY, sizeof(QUERY));
	n = sizeof(QUERY);
	memcpy(data + n, keyname, klen);
	dns_name_lower(data + n); /* canonical in the digest (§4.3.3) */
	n += klen;
	memcpy(data + n, "\x00\xff\0\0\0\0", 6);
	n += 6;
	memcpy(data + n, alg, alen);
	n += alen;
	uint8_t vars[] = {0, 0, (uint8_t)(time >> 24), (uint8_t)(time >> 16), (uint8_t)(time >> 8),
	                  (uint8_t)time, 0x01, 0x2c, 0, 0, 0, 0};
	memcpy(data + n, vars, sizeof(vars));
	n += sizeof(vars);
	assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, digest, NULL, secret, slen, data, n, mac,
	                          sizeof(mac), &mac_len));

	size_t len = sizeof(QUERY);
	memcpy(buf, QUERY, len);
	buf[11] = 1;
	memcpy(buf + len, keyname, klen);
	len += klen;
	size_t rdlen = alen + 16 + trunc;
	uint8_t fixed[] = {0x00, 0xfa, 0x00, 0xff, 0, 0, 0, 0, (uint8_t)(rdlen >> 8), (uint8_t)rdlen};
	memcpy(buf + len, fixed, sizeof(fixed));
	len += sizeof(fixed);
	memcpy(buf + len, alg, alen);
	len += alen;
	memcpy(buf + len, vars, 8);
	len += 8;
	buf[len++] = (uint8_t)(trunc >> 8);
	buf[len++] = (uint8_t)trunc;
	memcpy(buf + len, mac, trunc < mac_len ? trunc : mac_len);
	if (trunc > mac_len)
		memset(buf + len + mac_len, 0, trunc - mac_len);
	len += trunc;
	memcpy(buf + len, "\x12\x34\0\0\0\0", 6);
	return len + 6;
}

static const uint8_t KNAME[] = "\4test\3key";
static const uint8_t SHA256[] = "\13hmac-sha256";

static void test_independent_signer(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[1024];
	dns_tsig_req_t req;
	uint16_t terr;
	/* The test's own signature agrees with the library's known answer. */
	size_t len = make_request(buf, "SHA256", f->key.secret, 32, KNAME, sizeof(KNAME), SHA256,
	                          sizeof(SHA256), T0, 32);
	assert_memory_equal(buf + len - 38, KAT_MAC, 32);
	assert_int_equal(verify_wire(f, buf, len, T0, &req, &terr), DNS_OK);
	/* The key name is compared case-insensitively and digested lower-case. */
	len = make_request(buf, "SHA256", f->key.secret, 32, (const uint8_t *)"\4TEST\3key",
	                   sizeof(KNAME), SHA256, sizeof(SHA256), T0, 32);
	assert_int_equal(verify_wire(f, buf, len, T0, &req, &terr), DNS_OK);
}

static void test_badkey(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[1024];
	dns_tsig_req_t req;
	uint16_t terr;
	/* unknown key name */
	size_t len = make_request(buf, "SHA256", f->key.secret, 32, (const uint8_t *)"\5other\3key",
	                          11, SHA256, sizeof(SHA256), T0, 32);
	assert_int_equal(verify_wire(f, buf, len, T0, &req, &terr), DNS_ETSIG);
	assert_int_equal(terr, DNS_RCODE_BADKEY);
	assert_null(req.key);
	/* known name, another algorithm */
	len = make_request(buf, "SHA1", f->key.secret, 32, KNAME, sizeof(KNAME),
	                   (const uint8_t *)"\11hmac-sha1", 11, T0, 20);
	assert_int_equal(verify_wire(f, buf, len, T0, &req, &terr), DNS_ETSIG);
	assert_int_equal(terr, DNS_RCODE_BADKEY);
	/* unknown algorithm */
	len = make_request(buf, "SHA256", f->key.secret, 32, KNAME, sizeof(KNAME),
	                   (const uint8_t *)"\11hmac-sha3", 11, T0, 32);
	assert_int_equal(verify_wire(f, buf, len, T0, &req, &terr), DNS_ETSIG);
	assert_int_equal(terr, DNS_RCODE_BADKEY);

	/* The answer: unsigned, MAC size 0, error 17, request's names echoed. */
	uint8_t out[512];
	size_t olen = sizeof(RESPONSE);
	memcpy(out, RESPONSE, olen);
	assert_int_equal(dns_tsig_sign_response(out, &olen, sizeof(out), &req, T0), DNS_OK);
	static const uint8_t want[] = {
		4, 't', 'e', 's', 't', 3, 'k', 'e', 'y', 0, 0x00, 0xfa, 0x00, 0xff, 0, 0, 0, 0,
		0, 11 + 16, 9, 'h', 'm', 'a', 'c', '-', 's', 'h', 'a', '3', 0,
		0x00, 0x00, 0x65, 0x53, 0xf1, 0x00, 0x01, 0x2c, 0x00, 0x00, /* MAC size 0 */
		0x12, 0x34, 0x00, 17, 0x00, 0x00,
	};
	assert_int_equal(olen, sizeof(RESPONSE) + sizeof(want));
	assert_memory_equal(out + sizeof(RESPONSE), want, sizeof(want));
	assert_int_equal(out[11], 1);
	/* The client sees BADKEY. */
	assert_int_equal(verify_resp_wire(&f->key, out, olen, KAT_MAC, 32, T0, &terr), DNS_ETSIG);
	assert_int_equal(terr, DNS_RCODE_BADKEY);
}

static void test_badsig(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[1024], wrong[32];
	dns_tsig_req_t req;
	uint16_t terr;
	memcpy(wrong, f->key.secret, 32);
	wrong[31] ^= 1;
	size_t len = make_request(buf, "SHA256", wrong, 32, KNAME, sizeof(KNAME), SHA256,
	                          sizeof(SHA256), T0, 32);
	assert_int_equal(verify_wire(f, buf, len, T0, &req, &terr), DNS_ETSIG);
	assert_int_equal(terr, DNS_RCODE_BADSIG);
	assert_null(req.key); /* not authenticated */
	/* BADSIG comes before BADTIME (RFC 8945 §5.2 order). */
	assert_int_equal(verify_wire(f, buf, len, T0 + 5000, &req, &terr), DNS_ETSIG);
	assert_int_equal(terr, DNS_RCODE_BADSIG);

	uint8_t out[512];
	size_t olen = sizeof(RESPONSE);
	memcpy(out, RESPONSE, olen);
	assert_int_equal(dns_tsig_sign_response(out, &olen, sizeof(out), &req, T0), DNS_OK);
	/* MAC size 0, error 16 */
	assert_int_equal(olen, sizeof(RESPONSE) + 10 + 10 + 13 + 16);
	static const uint8_t tail[] = {0x00, 0x00, 0x12, 0x34, 0x00, 16, 0x00, 0x00};
	assert_memory_equal(out + olen - 8, tail, 8);
	/* The client reports the server's BADSIG. */
	assert_int_equal(verify_resp_wire(&f->key, out, olen, KAT_MAC, 32, T0, &terr), DNS_ETSIG);
	assert_int_equal(terr, DNS_RCODE_BADSIG);
}

static void test_badtime(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[1024];
	dns_tsig_req_t req;
	uint16_t terr;
	size_t len = make_request(buf, "SHA256", f->key.secret, 32, KNAME, sizeof(KNAME), SHA256,
	                          sizeof(SHA256), T0, 32);
	assert_int_equal(verify_wire(f, buf, len, T0 + 300, &req, &terr), DNS_OK);
	assert_int_equal(verify_wire(f, buf, len, T0 - 300, &req, &terr), DNS_OK);
	assert_int_equal(verify_wire(f, buf, len, T0 + 301, &req, &terr), DNS_ETSIG);
	assert_int_equal(terr, DNS_RCODE_BADTIME);
	assert_non_null(req.key); /* authentic: the BADTIME answer is signed */
	assert_int_equal(verify_wire(f, buf, len, T0 - 301, &req, &terr), DNS_ETSIG);
	assert_int_equal(terr, DNS_RCODE_BADTIME);
}

static void test_truncation(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[1024];
	dns_tsig_req_t req;
	uint16_t terr;
	/* sha256: 16 bytes (half) accepted, 15 FORMERR, 33 FORMERR */
	size_t len = make_request(buf, "SHA256", f->key.secret, 32, KNAME, sizeof(KNAME), SHA256,
	                          sizeof(SHA256), T0, 16);
	assert_int_equal(verify_wire(f, buf, len, T0, &req, &terr), DNS_OK);
	assert_int_equal(req.mac_len, 16);
	len = make_request(buf, "SHA256", f->key.secret, 32, KNAME, sizeof(KNAME), SHA256,
	                   sizeof(SHA256), T0, 15);
	assert_int_equal(verify_wire(f, buf, len, T0, &req, &terr), DNS_EMALFORMED);
	len = make_request(buf, "SHA256", f->key.secret, 32, KNAME, sizeof(KNAME), SHA256,
	                   sizeof(SHA256), T0, 33);
	assert_int_equal(verify_wire(f, buf, len, T0, &req, &terr), DNS_EMALFORMED);
	len = make_request(buf, "SHA256", f->key.secret, 32, KNAME, sizeof(KNAME), SHA256,
	                   sizeof(SHA256), T0, 0);
	assert_int_equal(verify_wire(f, buf, len, T0, &req, &terr), DNS_EMALFORMED);

	/* md5 (16 bytes): 10 legal (the floor) but under our policy ⇒ BADTRUNC; 9 FORMERR */
	dns_tsig_key_t md5 = f->key;
	memcpy(md5.name, "\3md5\3key", 9);
	md5.alg = DNS_TSIG_HMAC_MD5;
	assert_int_equal(dns_keystore_add(f->ks, &md5), DNS_OK);
	static const uint8_t alg[] = "\10hmac-md5\7sig-alg\3reg\3int";
	len = make_request(buf, "MD5", md5.secret, 32, md5.name, 9, alg, sizeof(alg), T0, 10);
	assert_int_equal(verify_wire(f, buf, len, T0, &req, &terr), DNS_ETSIG);
	assert_int_equal(terr, DNS_RCODE_BADTRUNC);
	assert_non_null(req.key);
	len = make_request(buf, "MD5", md5.secret, 32, md5.name, 9, alg, sizeof(alg), T0, 9);
	assert_int_equal(verify_wire(f, buf, len, T0, &req, &terr), DNS_EMALFORMED);
	len = make_request(buf, "MD5", md5.secret, 32, md5.name, 9, alg, sizeof(alg), T0, 16);
	assert_int_equal(verify_wire(f, buf, len, T0, &req, &terr), DNS_OK);
	/* A truncated MAC that is wrong is still BADSIG. */
	len = make_request(buf, "MD5", md5.secret, 32, md5.name, 9, alg, sizeof(alg), T0, 12);
	buf[len - 7] ^= 1;
	assert_int_equal(verify_wire(f, buf, len, T0, &req, &terr), DNS_ETSIG);
	assert_int_equal(terr, DNS_RCODE_BADSIG);

	/* sha512 truncated to 32 is legal and meets the policy. */
	dns_tsig_key_t s512 = f->key;
	memcpy(s512.name, "\4s512\3key", 10);
	s512.alg = DNS_TSIG_HMAC_SHA512;
	assert_int_equal(dns_keystore_add(f->ks, &s512), DNS_OK);
	len = make_request(buf, "SHA512", s512.secret, 32, s512.name, 10,
	                   (const uint8_t *)"\13hmac-sha512", 13, T0, 32);
	assert_int_equal(verify_wire(f, buf, len, T0, &req, &terr), DNS_OK);
	/* The answer to a truncated request is signed with the full MAC, and
	 * the client verifies it with the truncated request MAC as prior. */
	uint8_t out[512];
	size_t olen = sizeof(RESPONSE);
	memcpy(out, RESPONSE, olen);
	assert_int_equal(dns_tsig_sign_response(out, &olen, sizeof(out), &req, T0), DNS_OK);
	assert_int_equal(verify_resp_wire(&s512, out, olen, req.mac, 32, T0, &terr), DNS_OK);
}

static void test_no_tsig_and_malformed(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[1024];
	dns_tsig_req_t req;
	uint16_t terr;
	assert_int_equal(verify_wire(f, QUERY, sizeof(QUERY), T0, &req, &terr), DNS_ENOTFOUND);
	size_t len = make_request(buf, "SHA256", f->key.secret, 32, KNAME, sizeof(KNAME), SHA256,
	                          sizeof(SHA256), T0, 32);
	/* class IN instead of ANY */
	buf[sizeof(QUERY) + sizeof(KNAME) + 3] = 1;
	assert_int_equal(verify_wire(f, buf, len, T0, &req, &terr), DNS_EMALFORMED);
	buf[sizeof(QUERY) + sizeof(KNAME) + 3] = 0xff;
	/* TTL not 0 */
	buf[sizeof(QUERY) + sizeof(KNAME) + 7] = 1;
	assert_int_equal(verify_wire(f, buf, len, T0, &req, &terr), DNS_EMALFORMED);
}

/* ---- round trips and tampering ---- */

static void test_roundtrip_and_tamper(void **state)
{
	struct fixture *f = *state;
	uint8_t q[512], r[512], mac[DNS_TSIG_MAC_MAX];
	size_t ql = sizeof(QUERY), mac_len;
	dns_tsig_req_t req;
	uint16_t terr;
	memcpy(q, QUERY, ql);
	assert_int_equal(dns_tsig_sign(q, &ql, sizeof(q), &f->key, T0, mac, &mac_len), DNS_OK);
	assert_int_equal(verify_wire(f, q, ql, T0 + 2, &req, &terr), DNS_OK);
	size_t rl = sizeof(RESPONSE);
	memcpy(r, RESPONSE, rl);
	assert_int_equal(dns_tsig_sign_response(r, &rl, sizeof(r), &req, T0 + 2), DNS_OK);
	assert_int_equal(verify_resp_wire(&f->key, r, rl, mac, mac_len, T0 + 3, &terr), DNS_OK);
	/* A response to another request (other MAC) does not verify. */
	uint8_t other[DNS_TSIG_MAC_MAX];
	memcpy(other, mac, mac_len);
	other[0] ^= 1;
	assert_int_equal(verify_resp_wire(&f->key, r, rl, other, mac_len, T0, &terr), DNS_ETSIG);
	assert_int_equal(verify_resp_wire(&f->key, RESPONSE, sizeof(RESPONSE), mac, mac_len, T0,
	                                  &terr),
	                 DNS_ENOTFOUND);

	/*
	 * Flipping any bit of any byte makes verification fail, except in the
	 * message ID: RFC 8945 §4.3.2 digests the original ID instead, so that
	 * forwarders may change it.
	 */
	for (size_t i = 2; i < ql; i++) {
		for (unsigned bit = 0; bit < 8; bit += 7) {
			q[i] ^= (uint8_t)(1u << bit);
			if (verify_wire(f, q, ql, T0, &req, &terr) == DNS_OK)
				fail_msg("byte %zu bit %u", i, bit);
			q[i] ^= (uint8_t)(1u << bit);
		}
	}
	for (size_t i = 2; i < rl; i++) {
		r[i] ^= 0x01;
		assert_int_not_equal(verify_resp_wire(&f->key, r, rl, mac, mac_len, T0, &terr),
		                     DNS_OK);
		r[i] ^= 0x01;
	}
	assert_int_equal(verify_wire(f, q, ql, T0, &req, &terr), DNS_OK);
}

/* ---- streams ---- */

/* An AXFR-like answer message number @i (its A record differs). */
static size_t stream_msg(uint8_t *buf, unsigned i)
{
	memcpy(buf, RESPONSE, sizeof(RESPONSE));
	buf[7] = 1; /* ANCOUNT */
	size_t n = sizeof(RESPONSE);
	static const uint8_t a[] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4, 192, 0, 2};
	memcpy(buf + n, a, sizeof(a));
	n += sizeof(a);
	buf[n++] = (uint8_t)i;
	return n;
}

/*
 * Sign a stream of @n messages where sign[i] says which are signed;
 * verify it; return the result of the first failure (or of end()).
 */
static dns_err_t run_stream(struct fixture *f, const bool *sign, unsigned n, int tamper_msg,
                            uint64_t verify_now, uint16_t *terr)
{
	uint8_t q[512], mac[DNS_TSIG_MAC_MAX];
	static uint8_t msgs[128][256];
	size_t lens[128], ql = sizeof(QUERY), mac_len;
	dns_tsig_req_t req;
	dns_tsig_stream_t s = {0}, v = {0};

	memcpy(q, QUERY, ql);
	assert_int_equal(dns_tsig_sign(q, &ql, sizeof(q), &f->key, T0, mac, &mac_len), DNS_OK);
	assert_int_equal(verify_wire(f, q, ql, T0, &req, terr), DNS_OK);
	assert_int_equal(dns_tsig_stream_init_signer(&s, &req), DNS_OK);
	for (unsigned i = 0; i < n; i++) {
		lens[i] = stream_msg(msgs[i], i);
		assert_int_equal(dns_tsig_stream_sign(&s, msgs[i], &lens[i], sizeof(msgs[i]),
		                                      T0 + i, sign[i]),
		                 DNS_OK);
	}
	dns_tsig_stream_free(&s);
	if (tamper_msg >= 0)
		/* the last byte of the A record (the TSIG RR takes 81 bytes) */
		msgs[tamper_msg][lens[tamper_msg] - (sign[tamper_msg] ? 82 : 1)] ^= 1;

	dns_err_t err = dns_tsig_stream_init_verifier(&v, &f->key, mac, mac_len);
	for (unsigned i = 0; i < n && err == DNS_OK; i++) {
		dns_msg_t m;
		assert_int_equal(dns_msg_parse(&m, msgs[i], lens[i]), DNS_OK);
		assert_true((m.tsig != NULL) == sign[i]);
		err = dns_tsig_stream_verify(&v, &m, verify_now, terr);
		dns_msg_free(&m);
	}
	if (err == DNS_OK)
		err = dns_tsig_stream_end(&v);
	dns_tsig_stream_free(&v);
	return err;
}

static void test_stream_roundtrip(void **state)
{
	struct fixture *f = *state;
	uint16_t terr;
	static const bool all[] = {true, true, true};
	assert_int_equal(run_stream(f, all, 3, -1, T0, &terr), DNS_OK);
	static const bool some[] = {true, false, false, true, false, true};
	assert_int_equal(run_stream(f, some, 6, -1, T0, &terr), DNS_OK);
	static const bool one[] = {true};
	assert_int_equal(run_stream(f, one, 1, -1, T0, &terr), DNS_OK);
	/* 99 unsigned in a row are fine. */
	bool many[101];
	for (unsigned i = 0; i < 101; i++)
		many[i] = i == 0 || i == 100;
	assert_int_equal(run_stream(f, many, 101, -1, T0, &terr), DNS_OK);
}

static void test_stream_tamper(void **state)
{
	struct fixture *f = *state;
	uint16_t terr;
	static const bool some[] = {true, false, false, true, false, true};
	for (int i = 0; i < 6; i++) {
		terr = 0;
		assert_int_equal(run_stream(f, some, 6, i, T0, &terr), DNS_ETSIG);
		assert_int_equal(terr, DNS_RCODE_BADSIG);
	}
	/* time outside fudge on the verifier side */
	assert_int_equal(run_stream(f, some, 6, -1, T0 + 1000, &terr), DNS_ETSIG);
	assert_int_equal(terr, DNS_RCODE_BADTIME);
}

static void test_stream_rules(void **state)
{
	struct fixture *f = *state;
	uint8_t q[512], buf[256], mac[DNS_TSIG_MAC_MAX];
	size_t ql = sizeof(QUERY), mac_len, len;
	dns_tsig_req_t req;
	uint16_t terr;
	dns_tsig_stream_t s = {0}, v = {0};
	dns_msg_t m;

	memcpy(q, QUERY, ql);
	assert_int_equal(dns_tsig_sign(q, &ql, sizeof(q), &f->key, T0, mac, &mac_len), DNS_OK);
	assert_int_equal(verify_wire(f, q, ql, T0, &req, &terr), DNS_OK);

	/* Signer: the first message must be signed; at most 99 unsigned after. */
	assert_int_equal(dns_tsig_stream_init_signer(&s, &req), DNS_OK);
	len = stream_msg(buf, 0);
	assert_int_equal(dns_tsig_stream_sign(&s, buf, &len, sizeof(buf), T0, false), DNS_EINVAL);
	assert_int_equal(dns_tsig_stream_sign(&s, buf, &len, sizeof(buf), T0, true), DNS_OK);
	for (unsigned i = 0; i < 99; i++) {
		len = stream_msg(buf, 1);
		assert_int_equal(dns_tsig_stream_sign(&s, buf, &len, sizeof(buf), T0, false), DNS_OK);
	}
	assert_int_equal(dns_tsig_stream_sign(&s, buf, &len, sizeof(buf), T0, false), DNS_EINVAL);
	dns_tsig_stream_free(&s);

	/* Verifier: an unsigned first message is refused. */
	assert_int_equal(dns_tsig_stream_init_verifier(&v, &f->key, mac, mac_len), DNS_OK);
	len = stream_msg(buf, 0);
	assert_int_equal(dns_msg_parse(&m, buf, len), DNS_OK);
	assert_int_equal(dns_tsig_stream_verify(&v, &m, T0, &terr), DNS_ETSIG);
	dns_msg_free(&m);
	assert_int_equal(dns_tsig_stream_end(&v), DNS_ETSIG);
	dns_tsig_stream_free(&v);

	/* Verifier: 100 unsigned in a row are refused; ending unsigned too. */
	assert_int_equal(dns_tsig_stream_init_signer(&s, &req), DNS_OK);
	assert_int_equal(dns_tsig_stream_init_verifier(&v, &f->key, mac, mac_len), DNS_OK);
	len = stream_msg(buf, 0);
	assert_int_equal(dns_tsig_stream_sign(&s, buf, &len, sizeof(buf), T0, true), DNS_OK);
	assert_int_equal(dns_msg_parse(&m, buf, len), DNS_OK);
	assert_int_equal(dns_tsig_stream_verify(&v, &m, T0, &terr), DNS_OK);
	dns_msg_free(&m);
	assert_int_equal(dns_tsig_stream_end(&v), DNS_OK);
	len = stream_msg(buf, 1);
	assert_int_equal(dns_msg_parse(&m, buf, len), DNS_OK);
	for (unsigned i = 0; i < 99; i++)
		assert_int_equal(dns_tsig_stream_verify(&v, &m, T0, &terr), DNS_OK);
	assert_int_equal(dns_tsig_stream_end(&v), DNS_ETSIG);
	assert_int_equal(dns_tsig_stream_verify(&v, &m, T0, &terr), DNS_ETSIG);
	dns_msg_free(&m);
	dns_tsig_stream_free(&v);
	dns_tsig_stream_free(&s);

	/* A stream signed by another key is BADKEY. */
	dns_tsig_key_t other = f->key;
	memcpy(other.name, "\5other\3key", 11);
	assert_int_equal(dns_tsig_stream_init_verifier(&v, &other, mac, mac_len), DNS_OK);
	assert_int_equal(dns_tsig_stream_init_signer(&s, &req), DNS_OK);
	len = stream_msg(buf, 0);
	assert_int_equal(dns_tsig_stream_sign(&s, buf, &len, sizeof(buf), T0, true), DNS_OK);
	assert_int_equal(dns_msg_parse(&m, buf, len), DNS_OK);
	assert_int_equal(dns_tsig_stream_verify(&v, &m, T0, &terr), DNS_ETSIG);
	assert_int_equal(terr, DNS_RCODE_BADKEY);
	dns_msg_free(&m);
	dns_tsig_stream_free(&v);
	dns_tsig_stream_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sign_known_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verify_known_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peer_kdig, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peer_nsupdate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peer_knot_axfr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_independent_signer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_badkey, setup, teardown),
		cmocka_unit_test_setup_teardown(test_badsig, setup, teardown),
		cmocka_unit_test_setup_teardown(test_badtime, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_tsig_and_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_roundtrip_and_tamper, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_tamper, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_rules, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
