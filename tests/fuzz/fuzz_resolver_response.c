/* Fuzz target: arbitrary upstream responses fed to the resolution engine
 * in the middle of resolutions.  The engine (validation on with a root
 * trust anchor when the first input byte is odd) starts two client
 * queries; the rest of the input is a sequence of
 * replies, each a 2-byte length and a message without its question
 * (header, then the answer, authority and additional records), handed in
 * turn to the query the engine sent next with that query's ID and
 * question put in, so that replies get past those checks.  Time then runs out,
 * so every resolution ends; answers must be writable, nothing may crash
 * or leak. */
#include <stdbool.h>
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

/* The reply: the input's header with the query's ID, the query's question,
 * then the input's sections (so the fuzzer need not guess the question). */
static size_t reply_for(const res_send_t *s, const uint8_t *in, size_t len, uint8_t *out)
{
	if (len < DNS_HDR_LEN || s->len <= DNS_HDR_LEN) {
		memcpy(out, in, len);
		return len;
	}
	size_t qlen = dns_name_length(s->msg + DNS_HDR_LEN) + 4;
	if (DNS_HDR_LEN + qlen > s->len || len + qlen > 65535)
		qlen = 0;
	memcpy(out, in, DNS_HDR_LEN);
	memcpy(out, s->msg, 2);
	dns_put16(out + 4, qlen ? 1 : 0);
	memcpy(out + DNS_HDR_LEN, s->msg + DNS_HDR_LEN, qlen);
	memcpy(out + DNS_HDR_LEN + qlen, in + DNS_HDR_LEN, len - DNS_HDR_LEN);
	return len + qlen;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t seed = 0x2545F491;
	res_config_t cfg = {.random = rnd, .random_ctx = &seed, .cache = {.max_bytes = 1 << 20},
	                    .max_queries = 16};
	res_engine_t *e = res_engine_new(&cfg);
	char err[100];
	/* The first byte's low bit turns validation on (a root trust anchor). */
	bool validate = size && (data[0] & 1);
	if (size) {
		data++;
		size--;
	}
	if (!e || res_engine_set_hints(e, hints, sizeof hints - 1, err, sizeof err) ||
	    (validate && res_engine_add_trust_anchors(e, anchor, sizeof anchor - 1, err, sizeof err)))
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
		size_t rlen = reply_for(&s, data + pos, len, msg);
		pos += len;
		res_engine_on_reply(e, ++now, s.id, msg, rlen);
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
