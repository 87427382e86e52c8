/* Fuzz target: arbitrary upstream responses fed to the resolution engine
 * in the middle of resolutions.  The engine (validation on, with a root
 * trust anchor) starts two client queries; the input is a sequence of
 * replies, each a 2-byte length and the message, handed in turn to the
 * query the engine sent next (its ID patched in, so replies get past the
 * ID check; the question is the fuzzer's to match).  Time then runs out,
 * so every resolution ends; answers must be writable, nothing may crash
 * or leak. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/msg.h"
#include "dns/name.h"
#include "dns/rrtype.h"
#include "resolver/engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t rnd(void *ctx)
{
	uint32_t *s = ctx;
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static const char hints[] = ". NS a.root.\na.root. A 192.0.2.1\n";
static const char anchor[] =
	". DS 20326 8 2 e06d44b80b8f1d39a95c0b0d7c65d08458e880409bbc683457104237c7f8ec8d\n";

static void drain(res_engine_t *e)
{
	res_client_t *c;
	static uint8_t out[65535];
	while ((c = res_engine_next_done(e))) {
		uint8_t qbuf[300];
		dns_msg_builder_t b;
		dns_msg_builder_init(&b, qbuf, sizeof qbuf, sizeof qbuf);
		dns_msg_builder_header(&b, 1, DNS_FLAG_RD);
		dns_msg_builder_question(&b, (const uint8_t *)"\3www\7example\3com", DNS_TYPE_A,
		                         DNS_CLASS_IN);
		dns_msg_t q;
		if (dns_msg_parse(&q, qbuf, dns_msg_builder_finish(&b)) == DNS_OK)
			res_client_write(c, &q, false, out, sizeof out);
		dns_msg_free(&q);
		res_client_free(c);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t seed = 0x2545F491;
	res_config_t cfg = {.random = rnd, .random_ctx = &seed, .cache = {.max_bytes = 1 << 20},
	                    .max_queries = 16};
	res_engine_t *e = res_engine_new(&cfg);
	char err[100];
	if (!e || res_engine_set_hints(e, hints, sizeof hints - 1, err, sizeof err) ||
	    res_engine_add_trust_anchors(e, anchor, sizeof anchor - 1, err, sizeof err))
		abort();
	uint64_t now = 1000;
	res_client_t *c1 = res_engine_resolve(e, now, (const uint8_t *)"\3www\7example\3com",
	                                      DNS_TYPE_A, 0, NULL);
	res_client_t *c2 = res_engine_resolve(e, now, (const uint8_t *)"\7example\3com",
	                                      DNS_TYPE_MX, RES_Q_CD, NULL);
	(void)c1;
	(void)c2;
	static uint8_t msg[65535];
	size_t pos = 0;
	res_send_t s;
	while (pos + 2 <= size && res_engine_next_send(e, &s)) {
		size_t len = (size_t)data[pos] << 8 | data[pos + 1];
		pos += 2;
		if (len > size - pos)
			len = size - pos;
		memcpy(msg, data + pos, len);
		pos += len;
		if (len >= 2 && s.len >= 2)
			memcpy(msg, s.msg, 2); /* the query's ID */
		res_engine_on_reply(e, ++now, s.id, msg, len);
		drain(e);
	}
	for (int i = 0; i < 64 && res_engine_next_timer(e) != UINT64_MAX; i++) {
		while (res_engine_next_send(e, &s))
			res_engine_on_error(e, now, s.id, RES_IO_TIMEOUT);
		now = res_engine_next_timer(e) > now ? res_engine_next_timer(e) : now + 1;
		res_engine_tick(e, now);
		drain(e);
	}
	drain(e);
	res_engine_free(e);
	return 0;
}
