/*
 * test_dispatch.c - request handling of dns-secondary with hand-made
 * messages: SERVFAIL for a zone without data, NOTIMP for UPDATE, NOTIFY
 * authorisation (address or key), transfers refused without a key.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dns/zonefile.h"

#include "dispatch.h"

/* "example.com." in wire form. */
static const uint8_t EXAMPLE[] = { 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0 };

/* A query: ID 0x1234, flags @flags, one question www.example.com/@qtype IN. */
static size_t make_req(uint8_t *b, uint16_t flags, uint16_t qtype, bool www)
{
	size_t n = 0;
	const uint8_t hdr[12] = { 0x12, 0x34, (uint8_t)(flags >> 8), (uint8_t)flags, 0, 1, 0, 0,
	                          0, 0, 0, 0 };
	memcpy(b, hdr, 12);
	n = 12;
	if (www) {
		const uint8_t w[] = { 3, 'w', 'w', 'w' };
		memcpy(b + n, w, 4);
		n += 4;
	}
	memcpy(b + n, EXAMPLE, sizeof EXAMPLE);
	n += sizeof EXAMPLE;
	b[n++] = (uint8_t)(qtype >> 8);
	b[n++] = (uint8_t)qtype;
	b[n++] = 0;
	b[n++] = 1;
	return n;
}

typedef struct fixture {
	sec_zone_conf_t conf;
	dns_keystore_t *keys;
	dns_zoneset_t *set;
	const uint8_t *down[1];
	sec_view_t view;
	struct sockaddr_in primary, other;
	sec_dinfo_t info;    /* of the last run */
} fixture_t;

static int setup(void **state)
{
	static fixture_t f;
	memset(&f, 0, sizeof f);
	memcpy(f.conf.origin, EXAMPLE, sizeof EXAMPLE);
	strcpy(f.conf.name, "example.com");
	assert_int_equal(sec_parse_primary("192.0.2.53:5300", &f.conf.primary), DNS_OK);
	f.conf.has_primary = true;
	f.keys = dns_keystore_new();
	f.set = dns_zoneset_new(NULL, 0);
	assert_non_null(f.set);
	f.down[0] = f.conf.origin;
	f.view = (sec_view_t){ .zones = f.set, .down = f.down, .ndown = 1, .keys = f.keys,
	                       .confs = &f.conf, .nconfs = 1 };
	f.primary.sin_family = AF_INET;
	f.primary.sin_port = htons(40000);
	inet_pton(AF_INET, "192.0.2.53", &f.primary.sin_addr);
	f.other = f.primary;
	inet_pton(AF_INET, "192.0.2.54", &f.other.sin_addr);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	fixture_t *f = *state;
	dns_zoneset_free(f->set);
	dns_keystore_free(f->keys);
	return 0;
}

static void run(fixture_t *f, const struct sockaddr_in *peer, const uint8_t *req, size_t len,
                dns_transport_t tr, uint8_t *resp, size_t *rlen, sec_daction_t *act)
{
	static uint8_t big[65535];
	sec_dispatch(&f->view, 1700000000, (const struct sockaddr *)peer, tr, req, len, big,
	             sizeof big, rlen, act, &f->info);
	memcpy(resp, big, *rlen);
	if (act->kind == SEC_DACT_STREAM)
		dns_xfr_out_free(act->xfr);
}

static void test_servfail_without_data(void **state)
{
	fixture_t *f = *state;
	uint8_t req[64], resp[600];
	size_t len = make_req(req, 0x0100, 1, true), rlen;
	sec_daction_t act;
	run(f, &f->other, req, len, DNS_TRANSPORT_UDP, resp, &rlen, &act);
	/* header: same ID, QR|RD, opcode 0, no AA, rcode 2; QD 1, others 0 */
	const uint8_t want_hdr[12] = { 0x12, 0x34, 0x81, 0x02, 0, 1, 0, 0, 0, 0, 0, 0 };
	assert_int_equal(rlen, len);
	assert_memory_equal(resp, want_hdr, 12);
	assert_memory_equal(resp + 12, req + 12, len - 12); /* the question, as asked */
	assert_int_equal(act.kind, SEC_DACT_NONE);
}

static void test_update_notimp(void **state)
{
	fixture_t *f = *state;
	uint8_t req[64], resp[600];
	/* opcode 5 (UPDATE): flags 0x2800, zone section example.com SOA */
	size_t len = make_req(req, 0x2800, 6, false), rlen;
	sec_daction_t act;
	run(f, &f->primary, req, len, DNS_TRANSPORT_UDP, resp, &rlen, &act);
	assert_true(rlen >= 12);
	assert_int_equal(resp[2], 0xA8); /* QR, opcode 5 */
	assert_int_equal(resp[3] & 0x0F, 4); /* NOTIMP */
	assert_int_equal(f->info.refusal, DNS_REFUSAL_NOT_IMPLEMENTED);
	assert_int_equal(f->info.opcode, 5);
}

static void test_notify_from_primary(void **state)
{
	fixture_t *f = *state;
	uint8_t req[64], resp[600];
	/* opcode 4 + AA: flags 0x2400, question example.com SOA IN */
	size_t len = make_req(req, 0x2400, 6, false), rlen;
	sec_daction_t act;
	run(f, &f->primary, req, len, DNS_TRANSPORT_UDP, resp, &rlen, &act);
	assert_int_equal(act.kind, SEC_DACT_NOTIFY);
	assert_int_equal(act.zone_index, 0);
	assert_int_equal(rlen, len);
	assert_int_equal(resp[2], 0xA4); /* QR, opcode 4, AA */
	assert_int_equal(resp[3], 0x00); /* NOERROR */
	assert_int_equal(f->info.refusal, DNS_REFUSAL_NONE);

	/* from another address: REFUSED and no action */
	run(f, &f->other, req, len, DNS_TRANSPORT_UDP, resp, &rlen, &act);
	assert_int_equal(act.kind, SEC_DACT_NONE);
	assert_int_equal(resp[3] & 0x0F, 5);
	assert_int_equal(f->info.refusal, DNS_REFUSAL_NOT_FROM_PRIMARY);
}

static void test_notify_needs_key_when_configured(void **state)
{
	fixture_t *f = *state;
	uint8_t req[64], resp[600];
	size_t len = make_req(req, 0x2400, 6, false), rlen;
	sec_daction_t act;
	f->conf.has_key = true;
	assert_int_equal(dns_tsig_key_from_text(&f->conf.key,
	                 "k._transfer.example.com:hmac-sha256:c2VjcmV0c2VjcmV0",
	                 strlen("k._transfer.example.com:hmac-sha256:c2VjcmV0c2VjcmV0")), DNS_OK);
	/* unsigned, even from the primary's address: REFUSED */
	run(f, &f->primary, req, len, DNS_TRANSPORT_UDP, resp, &rlen, &act);
	f->conf.has_key = false;
	assert_int_equal(act.kind, SEC_DACT_NONE);
	assert_int_equal(resp[3] & 0x0F, 5);
	assert_int_equal(f->info.refusal, DNS_REFUSAL_UNSIGNED);
}

static void test_notify_unknown_zone(void **state)
{
	fixture_t *f = *state;
	uint8_t req[64], resp[600];
	/* www.example.com is not a configured zone */
	size_t len = make_req(req, 0x2400, 6, true), rlen;
	sec_daction_t act;
	run(f, &f->primary, req, len, DNS_TRANSPORT_UDP, resp, &rlen, &act);
	assert_int_equal(act.kind, SEC_DACT_NONE);
	assert_int_equal(resp[3] & 0x0F, 9); /* NOTAUTH */
	assert_int_equal(f->info.refusal, DNS_REFUSAL_ZONE_NOT_SERVED);
}

static void test_axfr_unsigned_refused(void **state)
{
	fixture_t *f = *state;
	uint8_t req[64], resp[600];
	size_t len = make_req(req, 0, 252, false), rlen;
	sec_daction_t act;
	run(f, &f->primary, req, len, DNS_TRANSPORT_TCP, resp, &rlen, &act);
	assert_int_equal(act.kind, SEC_DACT_NONE);
	assert_int_equal(resp[3] & 0x0F, 5);
	assert_int_equal(f->info.refusal, DNS_REFUSAL_UNSIGNED);
}

static void test_served_zone_answers(void **state)
{
	fixture_t *f = *state;
	const char text[] = "@ 300 IN SOA ns1 host 5 3600 600 86400 300\n"
	                    "@ 300 IN NS ns1\nns1 300 IN A 192.0.2.1\nwww 300 IN A 192.0.2.80\n";
	dns_zf_options_t opt = { .origin = EXAMPLE, .no_include = true };
	dns_zone_t *z = NULL;
	assert_int_equal(dns_zone_load_buffer("t", text, strlen(text), &opt, &z, NULL, NULL),
	                 DNS_OK);
	dns_zoneset_t *set = dns_zoneset_new(&z, 1);
	dns_zone_unref(z);
	sec_view_t v = f->view;
	v.zones = set;
	v.ndown = 0;
	uint8_t req[64], resp[600];
	size_t len = make_req(req, 0x0100, 1, true), rlen;
	static uint8_t big[65535];
	sec_daction_t act;
	sec_dispatch(&v, 1700000000, (const struct sockaddr *)&f->other, DNS_TRANSPORT_UDP, req,
	             len, big, sizeof big, &rlen, &act, NULL);
	memcpy(resp, big, rlen < sizeof resp ? rlen : sizeof resp);
	assert_int_equal(resp[2] & 0x84, 0x84); /* QR, AA */
	assert_int_equal(resp[3] & 0x0F, 0);
	assert_int_equal(resp[7], 1);          /* one answer */
	/* the answer's rdata ends the message: 192.0.2.80 */
	const uint8_t a[4] = { 192, 0, 2, 80 };
	assert_memory_equal(big + rlen - 4, a, 4);
	dns_zoneset_free(set);
}

static void test_responses_dropped(void **state)
{
	fixture_t *f = *state;
	uint8_t req[64], resp[600];
	size_t len = make_req(req, 0x8000, 1, true), rlen = 99;
	sec_daction_t act;
	run(f, &f->primary, req, len, DNS_TRANSPORT_UDP, resp, &rlen, &act);
	assert_int_equal(rlen, 0);
	run(f, &f->primary, req, 5, DNS_TRANSPORT_UDP, resp, &rlen, &act);
	assert_int_equal(rlen, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_servfail_without_data),
		cmocka_unit_test(test_update_notimp),
		cmocka_unit_test(test_notify_from_primary),
		cmocka_unit_test(test_notify_needs_key_when_configured),
		cmocka_unit_test(test_notify_unknown_zone),
		cmocka_unit_test(test_axfr_unsigned_refused),
		cmocka_unit_test(test_served_zone_answers),
		cmocka_unit_test(test_responses_dropped),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
