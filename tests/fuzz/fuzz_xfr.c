/*
 * fuzz_xfr.c - arbitrary bytes as the answer to a transfer request.
 *
 * Input: one mode byte (AXFR, IXFR from serial 1, AXFR with TSIG), then
 * messages, each preceded by its length in two bytes as on TCP.  The
 * client must end every run in a clean status, whatever it is fed.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dns/name.h"
#include "dns/rrtype.h"
#include "dns/xfr.h"

#define FUZZ_ID 0x4242
#define FUZZ_NOW 1700000000u
#define FUZZ_KEY "xfr.key.:hmac-sha256:c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTEyMzQ="

static const uint8_t fuzz_origin[] = "\007example\003com";

static void fuzz_add(dns_zone_builder_t *b, const uint8_t *owner, uint16_t type,
                     const void *rd, size_t len)
{
	dns_rr_t rr = { .owner = owner, .type = type, .rclass = DNS_CLASS_IN, .ttl = 3600,
	                .rdlen = (uint16_t)len, .rdata = rd };
	dns_zone_builder_add(b, &rr);
}

/* serial @serial: SOA, NS ns1, ns1 A, www A 192.0.2.<www>, with @mail an MX */
static dns_zone_t *fuzz_zone(uint32_t serial, uint8_t www, int mail)
{
	static const uint8_t names[] = "\003ns1\007example\003com\000\012hostmaster\007example\003com";
	uint8_t soa[128];
	memcpy(soa, names, sizeof(names));
	size_t n = sizeof(names);
	const uint32_t v[5] = { serial, 3600, 600, 86400, 300 };
	for (int i = 0; i < 5; i++, n += 4)
		dns_put32(soa + n, v[i]);
	dns_zone_builder_t *b = dns_zone_builder_new(fuzz_origin, DNS_CLASS_IN);
	if (!b)
		return NULL;
	fuzz_add(b, fuzz_origin, DNS_TYPE_SOA, soa, n);
	fuzz_add(b, fuzz_origin, DNS_TYPE_NS, "\003ns1\007example\003com", 17);
	fuzz_add(b, (const uint8_t *)"\003ns1\007example\003com", DNS_TYPE_A,
	         (const uint8_t[]){ 192, 0, 2, 53 }, 4);
	fuzz_add(b, (const uint8_t *)"\003www\007example\003com", DNS_TYPE_A,
	         (const uint8_t[]){ 192, 0, 2, www }, 4);
	if (mail)
		fuzz_add(b, (const uint8_t *)"\004mail\007example\003com", DNS_TYPE_MX,
		         "\000\012\003ns1\007example\003com", 19);
	dns_zone_t *z = NULL;
	dns_zone_builder_finish(b, &z);
	return z;
}

/* A client in @mode with its request made (the request MAC is
 * deterministic: fixed key, time and ID). */
static dns_xfr_in_t *fuzz_client(uint8_t mode, const dns_zone_t *v1, const dns_tsig_key_t *key)
{
	dns_xfr_in_t *x = NULL;
	dns_xfr_kind_t kind = mode == 1 ? DNS_XFR_IXFR : DNS_XFR_AXFR;
	if (dns_xfr_in_new(fuzz_origin, mode == 1 ? v1 : NULL, kind, mode == 2 ? key : NULL,
	                   FUZZ_ID, &x))
		return NULL;
	uint8_t req[512];
	size_t len;
	if (dns_xfr_in_request(x, req, sizeof(req), &len, FUZZ_NOW)) {
		dns_xfr_in_free(x);
		return NULL;
	}
	dns_xfr_in_set_limits(x, 10000, 1u << 20);
	return x;
}

#ifndef FUZZ_XFR_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static dns_zone_t *v1;
	static dns_tsig_key_t key;
	if (!v1) {
		v1 = fuzz_zone(1, 1, 0);
		dns_tsig_key_from_text(&key, FUZZ_KEY, strlen(FUZZ_KEY));
	}
	if (size < 1 || !v1)
		return 0;
	dns_xfr_in_t *x = fuzz_client(data[0] % 3, v1, &key);
	if (!x)
		return 0;
	size_t pos = 1;
	dns_xfr_status_t st = DNS_XFR_NEED_MORE;
	while (st == DNS_XFR_NEED_MORE && size - pos >= 2) {
		size_t len = (size_t)data[pos] << 8 | data[pos + 1];
		pos += 2;
		if (len > size - pos)
			len = size - pos;
		st = dns_xfr_in_feed(x, data + pos, len, FUZZ_NOW);
		pos += len;
	}
	if (st == DNS_XFR_NEED_MORE)
		dns_xfr_in_abort(x);
	dns_zone_unref(dns_xfr_in_take_zone(x));
	dns_xfr_in_free(x);
	return 0;
}
#endif
