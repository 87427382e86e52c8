/*
 * Unit tests for dispatch.c: the sans-IO request handling of
 * dns-primary-git, driven with an in-memory zone set and key store.
 * Requests are assembled by hand (header words from RFC 1035 §4.1.1) and
 * signed with dns_tsig_sign, the client side of TSIG.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dispatch.h"
#include "dns/msg.h"
#include "dns/name.h"
#include "dns/rrtype.h"
#include "dns/tsig.h"
#include "dns/wire.h"
#include "dns/zonefile.h"

#define NOW 1795325000u

static const char zone_v1[] =
	"$ORIGIN example.com.\n$TTL 3600\n"
	"@ SOA ns1 hostmaster 1 3600 900 604800 300\n"
	"@ NS ns1\nns1 A 192.0.2.53\nwww A 192.0.2.80\n";
static const char zone_v2[] =
	"$ORIGIN example.com.\n$TTL 3600\n"
	"@ SOA ns1 hostmaster 2 3600 900 604800 300\n"
	"@ NS ns1\nns1 A 192.0.2.53\nwww A 192.0.2.81\n";

/* sha256 keys; the secrets are arbitrary test bytes (base64). */
#define NOTIFY_KEY "hook._notify.example.com:hmac-sha256:QEneceGzMV3Bcpuyd4NdRemyOfEnNJoWPA13xlr5+gI="
#define XFER_KEY "sec._transfer.example.com:hmac-sha256:vRC0tsGj8S0AAPEQR93HZHi8msv7R71QIphQdqA8FdE="
#define OTHER_KEY "x._notify.other.org:hmac-sha256:52uwvvQqLhPs9q+Ismiipj5xwVockMzbFlExEzZOOc0="
#define UPDATE_KEY "ddns._update.example.com:hmac-sha256:vRC0tsGj8S0AAPEQR93HZHi8msv7R71QIphQdqA8FdE="
#define OTHER_UPDATE_KEY "ddns._update.other.org:hmac-sha256:QEneceGzMV3Bcpuyd4NdRemyOfEnNJoWPA13xlr5+gI="
#define UNKNOWN_KEY "nobody._notify.example.com:hmac-sha256:52uwvvQqLhPs9q+Ismiipj5xwVockMzbFlExEzZOOc0="

typedef struct fixture {
	dns_zone_t *v1, *v2;
	dns_zoneset_t *zones;
	dns_keystore_t *keys;
	pg_view_t view;
	uint8_t resp[65535];
	size_t resplen;
	pg_action_t act;
	pg_dispatch_info_t info;
} fixture_t;

static dns_zone_t *load(const char *text)
{
	uint8_t origin[DNS_NAME_MAX];
	size_t len;
	assert_int_equal(dns_name_from_text(origin, &len, "example.com.", 12, NULL), DNS_OK);
	dns_zf_options_t opt = { .origin = origin, .no_include = true };
	dns_zone_t *z = NULL;
	assert_int_equal(dns_zone_load_buffer("example.com", text, strlen(text), &opt, &z, NULL, NULL),
	                 DNS_OK);
	return z;
}

static void key_of(dns_tsig_key_t *k, const char *text)
{
	assert_int_equal(dns_tsig_key_from_text(k, text, strlen(text)), DNS_OK);
}

static dns_zone_t *old_zone_cb(void *ctx, const dns_zone_t *zone, uint32_t serial)
{
	fixture_t *f = ctx;
	return serial == 1 ? dns_zone_ref(f->v1) : NULL;
}

static int setup(void **state)
{
	fixture_t *f = calloc(1, sizeof(*f));
	f->v1 = load(zone_v1);
	f->v2 = load(zone_v2);
	f->zones = dns_zoneset_new(&f->v2, 1);
	f->keys = dns_keystore_new();
	dns_tsig_key_t k;
	key_of(&k, NOTIFY_KEY);
	assert_int_equal(dns_keystore_add(f->keys, &k), DNS_OK);
	key_of(&k, XFER_KEY);
	assert_int_equal(dns_keystore_add(f->keys, &k), DNS_OK);
	key_of(&k, OTHER_KEY);
	assert_int_equal(dns_keystore_add(f->keys, &k), DNS_OK);
	key_of(&k, UPDATE_KEY);
	assert_int_equal(dns_keystore_add(f->keys, &k), DNS_OK);
	key_of(&k, OTHER_UPDATE_KEY);
	assert_int_equal(dns_keystore_add(f->keys, &k), DNS_OK);
	f->view.zones = f->zones;
	f->view.keys = f->keys;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture_t *f = *state;
	dns_zoneset_free(f->zones);
	dns_keystore_free(f->keys);
	dns_zone_unref(f->v1);
	dns_zone_unref(f->v2);
	free(f);
	return 0;
}

/* A request: header (ID 0x1234), one question, for IXFR an SOA with
 * @serial in the authority section; signed with @key when given. */
static size_t request(uint8_t *buf, size_t cap, unsigned opcode, const char *qname,
                      uint16_t qtype, uint32_t ixfr_serial, const char *key)
{
	uint8_t name[DNS_NAME_MAX];
	size_t nlen;
	assert_int_equal(dns_name_from_text(name, &nlen, qname, strlen(qname), NULL), DNS_OK);
	size_t len = 0;
	/* ID 0x1234, flags: opcode only (AA for NOTIFY, RFC 1996 §3.1) */
	uint16_t flags = (uint16_t)(opcode << 11) | (opcode == DNS_OPCODE_NOTIFY ? DNS_FLAG_AA : 0);
	dns_put16(buf, 0x1234);
	dns_put16(buf + 2, flags);
	dns_put16(buf + 4, 1);
	dns_put16(buf + 6, 0);
	dns_put16(buf + 8, ixfr_serial ? 1 : 0);
	dns_put16(buf + 10, 0);
	len = 12;
	memcpy(buf + len, name, nlen);
	len += nlen;
	dns_put16(buf + len, qtype);
	dns_put16(buf + len + 2, DNS_CLASS_IN);
	len += 4;
	if (ixfr_serial) {
		/* owner: pointer to the question name (offset 12) */
		static const uint8_t soa_head[] = { 0xc0, 0x0c, 0, 6, 0, 1, 0, 0, 0, 0, 0, 22 };
		memcpy(buf + len, soa_head, sizeof(soa_head));
		len += sizeof(soa_head);
		buf[len++] = 0; /* MNAME . */
		buf[len++] = 0; /* RNAME . */
		dns_put32(buf + len, ixfr_serial);
		memset(buf + len + 4, 0, 16);
		len += 20;
	}
	if (key) {
		dns_tsig_key_t k;
		key_of(&k, key);
		assert_int_equal(dns_tsig_sign(buf, &len, cap, &k, NOW, NULL, NULL), DNS_OK);
	}
	return len;
}

static void run(fixture_t *f, dns_transport_t tr, const uint8_t *req, size_t len)
{
	pg_dispatch(&f->view, NOW, NULL, tr, req, len, f->resp, sizeof(f->resp), &f->resplen,
	            &f->act, &f->info);
}

static unsigned rcode(const fixture_t *f)
{
	assert_true(f->resplen >= 12);
	return dns_get16(f->resp + 2) & 0xF;
}

/* The answer is signed: it parses and a TSIG RR comes last. */
static void assert_signed(const fixture_t *f)
{
	dns_msg_t m;
	assert_int_equal(dns_msg_parse(&m, f->resp, f->resplen), DNS_OK);
	assert_non_null(m.tsig);
	dns_msg_free(&m);
}

static void test_query_answered(void **state)
{
	fixture_t *f = *state;
	uint8_t req[512];
	size_t len = request(req, sizeof(req), DNS_OPCODE_QUERY, "www.example.com.", DNS_TYPE_A, 0,
	                     NULL);
	run(f, DNS_TRANSPORT_UDP, req, len);
	assert_int_equal(f->act.kind, PG_ACT_NONE);
	assert_int_equal(dns_get16(f->resp), 0x1234);
	/* QR, AA, rcode NOERROR; one answer whose rdata 192.0.2.81 ends the message */
	assert_int_equal(dns_get16(f->resp + 2) & 0x8400, 0x8400);
	assert_int_equal(rcode(f), DNS_RCODE_NOERROR);
	assert_int_equal(dns_get16(f->resp + 6), 1);
	static const uint8_t addr[] = { 192, 0, 2, 81 };
	assert_memory_equal(f->resp + f->resplen - 4, addr, 4);
	assert_int_equal(f->info.qtype, DNS_TYPE_A);
	assert_int_equal(f->info.refusal, DNS_REFUSAL_NONE);
	/* a name outside our zones: REFUSED, for that reason (fast path) */
	len = request(req, sizeof(req), DNS_OPCODE_QUERY, "www.example.net.", DNS_TYPE_A, 0, NULL);
	run(f, DNS_TRANSPORT_UDP, req, len);
	assert_int_equal(rcode(f), DNS_RCODE_REFUSED);
	assert_int_equal(f->info.refusal, DNS_REFUSAL_NOT_AUTHORITATIVE);
}

static void test_signed_query_signed_answer(void **state)
{
	fixture_t *f = *state;
	uint8_t req[512];
	size_t len = request(req, sizeof(req), DNS_OPCODE_QUERY, "www.example.com.", DNS_TYPE_A, 0,
	                     XFER_KEY);
	run(f, DNS_TRANSPORT_UDP, req, len);
	assert_int_equal(rcode(f), DNS_RCODE_NOERROR);
	assert_signed(f);
	/* over UDP a signed SOA query registers nothing */
	len = request(req, sizeof(req), DNS_OPCODE_QUERY, "example.com.", DNS_TYPE_SOA, 0, XFER_KEY);
	run(f, DNS_TRANSPORT_UDP, req, len);
	assert_int_equal(f->act.kind, PG_ACT_NONE);
}

static void test_notify_accepted(void **state)
{
	fixture_t *f = *state;
	uint8_t req[512];
	size_t len = request(req, sizeof(req), DNS_OPCODE_NOTIFY, "example.com.", DNS_TYPE_SOA, 0,
	                     NOTIFY_KEY);
	run(f, DNS_TRANSPORT_UDP, req, len);
	assert_int_equal(f->act.kind, PG_ACT_RELOAD);
	uint8_t origin[DNS_NAME_MAX];
	size_t n;
	dns_name_from_text(origin, &n, "example.com.", 12, NULL);
	assert_true(dns_name_equal(f->act.zone, origin));
	/* QR, opcode NOTIFY (4), AA; NOERROR; signed */
	assert_int_equal(dns_get16(f->resp + 2) & 0xFC00, 0x8000 | 0x2000 | 0x0400);
	assert_int_equal(rcode(f), DNS_RCODE_NOERROR);
	assert_signed(f);
}

static void test_notify_refused(void **state)
{
	fixture_t *f = *state;
	uint8_t req[512];
	/* unsigned */
	size_t len = request(req, sizeof(req), DNS_OPCODE_NOTIFY, "example.com.", DNS_TYPE_SOA, 0,
	                     NULL);
	run(f, DNS_TRANSPORT_UDP, req, len);
	assert_int_equal(f->act.kind, PG_ACT_NONE);
	assert_int_equal(rcode(f), DNS_RCODE_REFUSED);
	assert_int_equal(f->info.refusal, DNS_REFUSAL_UNSIGNED);
	assert_int_equal(f->info.opcode, DNS_OPCODE_NOTIFY);
	/* a valid key of another zone */
	len = request(req, sizeof(req), DNS_OPCODE_NOTIFY, "example.com.", DNS_TYPE_SOA, 0, OTHER_KEY);
	run(f, DNS_TRANSPORT_UDP, req, len);
	assert_int_equal(f->act.kind, PG_ACT_NONE);
	assert_int_equal(rcode(f), DNS_RCODE_REFUSED);
	assert_int_equal(f->info.refusal, DNS_REFUSAL_KEY_NOT_AUTHORIZED);
	/* a key we do not know: NOTAUTH, BADKEY in the TSIG RR */
	len = request(req, sizeof(req), DNS_OPCODE_NOTIFY, "example.com.", DNS_TYPE_SOA, 0,
	              UNKNOWN_KEY);
	run(f, DNS_TRANSPORT_UDP, req, len);
	assert_int_equal(f->act.kind, PG_ACT_NONE);
	assert_int_equal(rcode(f), DNS_RCODE_NOTAUTH);
	assert_int_equal(f->info.tsig_error, DNS_RCODE_BADKEY);
	assert_int_equal(f->info.refusal, DNS_REFUSAL_BADKEY);
	/* a wrong MAC (one byte of the signed request flipped): BADSIG */
	len = request(req, sizeof(req), DNS_OPCODE_NOTIFY, "example.com.", DNS_TYPE_SOA, 0,
	              NOTIFY_KEY);
	/* the TSIG RR ends with MAC (32), original ID, error, other len (2 each) */
	req[len - 20] ^= 0x01;
	run(f, DNS_TRANSPORT_UDP, req, len);
	assert_int_equal(f->act.kind, PG_ACT_NONE);
	assert_int_equal(rcode(f), DNS_RCODE_NOTAUTH);
	assert_int_equal(f->info.tsig_error, DNS_RCODE_BADSIG);
	assert_int_equal(f->info.refusal, DNS_REFUSAL_BADSIG);
}

/* A zone whose file was removed: a secondary asking for it (transfer, or a
 * signed SOA query with a transfer-capable key) is told NOTAUTH (RFC 5936
 * §2.2.1), flagged for the daemon's warning; anyone else gets REFUSED as
 * for any zone we do not serve. */
static void test_removed_zone(void **state)
{
	fixture_t *f = *state;
	uint8_t req[512], gone[1][DNS_NAME_MAX];
	size_t n;
	assert_int_equal(dns_name_from_text(gone[0], &n, "old.example.com.", 16, NULL), DNS_OK);
	/* not known as removed: REFUSED, nothing flagged */
	size_t len = request(req, sizeof(req), DNS_OPCODE_QUERY, "OLD.example.com.", DNS_TYPE_AXFR, 0,
	                     XFER_KEY);
	run(f, DNS_TRANSPORT_TCP, req, len);
	assert_int_equal(rcode(f), DNS_RCODE_REFUSED);
	assert_false(f->info.removed_zone);
	f->view.removed = (const uint8_t(*)[DNS_NAME_MAX])gone;
	f->view.nremoved = 1;
	static const uint16_t types[] = { DNS_TYPE_AXFR, DNS_TYPE_IXFR, DNS_TYPE_SOA };
	for (unsigned i = 0; i < 3; i++) {
		len = request(req, sizeof(req), DNS_OPCODE_QUERY, "OLD.example.com.", types[i],
		              types[i] == DNS_TYPE_IXFR ? 5 : 0, XFER_KEY);
		run(f, DNS_TRANSPORT_TCP, req, len);
		assert_int_equal(f->act.kind, PG_ACT_NONE);
		assert_int_equal(rcode(f), DNS_RCODE_NOTAUTH);
		assert_int_equal(f->info.tsig_error, 0);
		assert_true(f->info.removed_zone);
		assert_int_equal(f->info.refusal, DNS_REFUSAL_ZONE_REMOVED);
		assert_true(dns_name_equal(f->act.zone, gone[0]));
		assert_signed(f);
	}
	/* unsigned, or a key without transfer authority there: REFUSED */
	len = request(req, sizeof(req), DNS_OPCODE_QUERY, "old.example.com.", DNS_TYPE_AXFR, 0, NULL);
	run(f, DNS_TRANSPORT_TCP, req, len);
	assert_int_equal(rcode(f), DNS_RCODE_REFUSED);
	assert_false(f->info.removed_zone);
	len = request(req, sizeof(req), DNS_OPCODE_QUERY, "old.example.com.", DNS_TYPE_AXFR, 0,
	              OTHER_KEY);
	run(f, DNS_TRANSPORT_TCP, req, len);
	assert_int_equal(rcode(f), DNS_RCODE_REFUSED);
	assert_false(f->info.removed_zone);
	/* an unsigned SOA query is a query like any other (answered from the
	 * parent zone here) */
	len = request(req, sizeof(req), DNS_OPCODE_QUERY, "old.example.com.", DNS_TYPE_SOA, 0, NULL);
	run(f, DNS_TRANSPORT_UDP, req, len);
	assert_int_not_equal(rcode(f), DNS_RCODE_NOTAUTH);
	assert_false(f->info.removed_zone);
}

static void test_axfr_unauthorised(void **state)
{
	fixture_t *f = *state;
	uint8_t req[512];
	size_t len = request(req, sizeof(req), DNS_OPCODE_QUERY, "example.com.", DNS_TYPE_AXFR, 0,
	                     NULL);
	run(f, DNS_TRANSPORT_TCP, req, len);
	assert_int_equal(f->act.kind, PG_ACT_NONE);
	assert_int_equal(rcode(f), DNS_RCODE_REFUSED);
	assert_int_equal(f->info.refusal, DNS_REFUSAL_UNSIGNED);
	/* a notify key does not allow transfers */
	len = request(req, sizeof(req), DNS_OPCODE_QUERY, "example.com.", DNS_TYPE_AXFR, 0,
	              NOTIFY_KEY);
	run(f, DNS_TRANSPORT_TCP, req, len);
	assert_int_equal(f->act.kind, PG_ACT_NONE);
	assert_int_equal(rcode(f), DNS_RCODE_REFUSED);
	assert_int_equal(f->info.refusal, DNS_REFUSAL_KEY_NOT_AUTHORIZED);
	/* a zone we do not serve, even with --axfr */
	f->view.allow_axfr = true;
	len = request(req, sizeof(req), DNS_OPCODE_QUERY, "example.org.", DNS_TYPE_AXFR, 0, NULL);
	run(f, DNS_TRANSPORT_TCP, req, len);
	assert_int_equal(rcode(f), DNS_RCODE_REFUSED);
	assert_int_equal(f->info.refusal, DNS_REFUSAL_ZONE_NOT_SERVED);
	f->view.allow_axfr = false;
}

/* Drain a stream; returns the number of messages; the first begins with the SOA. */
static size_t drain(pg_action_t *act, uint32_t *first_serial)
{
	static uint8_t buf[65535];
	size_t n = 0, len;
	bool done = false;
	while (!done) {
		assert_int_equal(dns_xfr_out_next(act->xfr, buf, sizeof(buf), &len, &done), DNS_OK);
		if (n++ == 0) {
			dns_msg_t m;
			assert_int_equal(dns_msg_parse(&m, buf, len), DNS_OK);
			assert_true(m.nrrs > 0);
			assert_int_equal(m.rrs[0].rr.type, DNS_TYPE_SOA);
			*first_serial = dns_get32(m.rrs[0].rr.rdata + m.rrs[0].rr.rdlen - 20);
			dns_msg_free(&m);
		}
	}
	dns_xfr_out_free(act->xfr);
	act->xfr = NULL;
	return n;
}

static void test_axfr_with_transfer_key(void **state)
{
	fixture_t *f = *state;
	uint8_t req[512];
	size_t len = request(req, sizeof(req), DNS_OPCODE_QUERY, "example.com.", DNS_TYPE_AXFR, 0,
	                     XFER_KEY);
	run(f, DNS_TRANSPORT_TCP, req, len);
	assert_int_equal(f->act.kind, PG_ACT_STREAM);
	assert_int_equal(f->act.xfr_kind, PG_XFR_AXFR);
	assert_int_equal(f->resplen, 0);
	uint32_t serial = 0;
	assert_true(drain(&f->act, &serial) >= 1);
	assert_int_equal(serial, 2);
	/* --axfr: unsigned is fine */
	f->view.allow_axfr = true;
	len = request(req, sizeof(req), DNS_OPCODE_QUERY, "example.com.", DNS_TYPE_AXFR, 0, NULL);
	run(f, DNS_TRANSPORT_TCP, req, len);
	assert_int_equal(f->act.kind, PG_ACT_STREAM);
	drain(&f->act, &serial);
	/* but never over UDP */
	run(f, DNS_TRANSPORT_UDP, req, len);
	assert_int_equal(f->act.kind, PG_ACT_NONE);
	assert_int_equal(rcode(f), DNS_RCODE_REFUSED);
	assert_int_equal(f->info.refusal, DNS_REFUSAL_AXFR_OVER_UDP);
	f->view.allow_axfr = false;
}

static void test_ixfr(void **state)
{
	fixture_t *f = *state;
	uint8_t req[512];
	uint32_t serial = 0;
	/* no history: the whole zone */
	size_t len = request(req, sizeof(req), DNS_OPCODE_QUERY, "example.com.", DNS_TYPE_IXFR, 1,
	                     XFER_KEY);
	run(f, DNS_TRANSPORT_TCP, req, len);
	assert_int_equal(f->act.kind, PG_ACT_STREAM);
	assert_int_equal(f->act.xfr_kind, PG_XFR_IXFR_AXFR);
	drain(&f->act, &serial);
	/* with the old version: incremental */
	f->view.old_zone = old_zone_cb;
	f->view.old_zone_ctx = f;
	run(f, DNS_TRANSPORT_TCP, req, len);
	assert_int_equal(f->act.kind, PG_ACT_STREAM);
	assert_int_equal(f->act.xfr_kind, PG_XFR_IXFR);
	drain(&f->act, &serial);
	assert_int_equal(serial, 2);
	/* over UDP: one message, NOERROR, starting with the new SOA */
	run(f, DNS_TRANSPORT_UDP, req, len);
	assert_int_equal(f->act.kind, PG_ACT_NONE);
	assert_int_equal(rcode(f), DNS_RCODE_NOERROR);
	assert_true(dns_get16(f->resp + 6) >= 1);
	/* an unknown serial (3 is ahead of us): just our SOA */
	len = request(req, sizeof(req), DNS_OPCODE_QUERY, "example.com.", DNS_TYPE_IXFR, 3, XFER_KEY);
	run(f, DNS_TRANSPORT_TCP, req, len);
	assert_int_equal(f->act.kind, PG_ACT_STREAM);
	assert_int_equal(drain(&f->act, &serial), 1);
	f->view.old_zone = NULL;
}

static void test_keep_hidden_secondary(void **state)
{
	fixture_t *f = *state;
	uint8_t req[512];
	size_t len = request(req, sizeof(req), DNS_OPCODE_QUERY, "example.com.", DNS_TYPE_SOA, 0,
	                     XFER_KEY);
	run(f, DNS_TRANSPORT_TCP, req, len);
	assert_int_equal(f->act.kind, PG_ACT_KEEP);
	assert_true(f->act.has_key);
	assert_int_equal(rcode(f), DNS_RCODE_NOERROR);
	/* a notify key is not transfer-capable */
	len = request(req, sizeof(req), DNS_OPCODE_QUERY, "example.com.", DNS_TYPE_SOA, 0,
	              NOTIFY_KEY);
	run(f, DNS_TRANSPORT_TCP, req, len);
	assert_int_equal(f->act.kind, PG_ACT_NONE);
	/* unsigned */
	len = request(req, sizeof(req), DNS_OPCODE_QUERY, "example.com.", DNS_TYPE_SOA, 0, NULL);
	run(f, DNS_TRANSPORT_TCP, req, len);
	assert_int_equal(f->act.kind, PG_ACT_NONE);
}

static void test_update_checked(void **state)
{
	fixture_t *f = *state;
	uint8_t req[512];
	/* unsigned: REFUSED, nothing queued */
	size_t len = request(req, sizeof(req), DNS_OPCODE_UPDATE, "example.com.", DNS_TYPE_SOA, 0,
	                     NULL);
	run(f, DNS_TRANSPORT_UDP, req, len);
	assert_int_equal(rcode(f), DNS_RCODE_REFUSED);
	assert_int_equal(f->act.kind, PG_ACT_NONE);
	assert_int_equal(f->info.refusal, DNS_REFUSAL_UNSIGNED);
	assert_int_equal(f->info.opcode, DNS_OPCODE_UPDATE);
	/* a notify or transfer key has no update authority: REFUSED, signed */
	const char *weak[] = { NOTIFY_KEY, XFER_KEY };
	for (int i = 0; i < 2; i++) {
		len = request(req, sizeof(req), DNS_OPCODE_UPDATE, "example.com.", DNS_TYPE_SOA, 0,
		              weak[i]);
		run(f, DNS_TRANSPORT_UDP, req, len);
		assert_int_equal(rcode(f), DNS_RCODE_REFUSED);
		assert_int_equal(f->act.kind, PG_ACT_NONE);
		assert_int_equal(f->info.refusal, DNS_REFUSAL_KEY_NOT_AUTHORIZED);
		assert_signed(f);
	}
	/* an update key for another zone: REFUSED */
	len = request(req, sizeof(req), DNS_OPCODE_UPDATE, "example.com.", DNS_TYPE_SOA, 0,
	              OTHER_UPDATE_KEY);
	run(f, DNS_TRANSPORT_TCP, req, len);
	assert_int_equal(rcode(f), DNS_RCODE_REFUSED);
	/* a zone we do not serve: NOTAUTH (RFC 2136 §3.1.1) */
	len = request(req, sizeof(req), DNS_OPCODE_UPDATE, "other.org.", DNS_TYPE_SOA, 0,
	              OTHER_UPDATE_KEY);
	run(f, DNS_TRANSPORT_UDP, req, len);
	assert_int_equal(rcode(f), DNS_RCODE_NOTAUTH);
	assert_int_equal(f->info.tsig_error, 0);
	assert_int_equal(f->info.refusal, DNS_REFUSAL_ZONE_NOT_SERVED);
	/* a key we do not know: NOTAUTH with BADKEY */
	len = request(req, sizeof(req), DNS_OPCODE_UPDATE, "example.com.", DNS_TYPE_SOA, 0,
	              UNKNOWN_KEY);
	run(f, DNS_TRANSPORT_UDP, req, len);
	assert_int_equal(rcode(f), DNS_RCODE_NOTAUTH);
	assert_int_equal(f->info.tsig_error, DNS_RCODE_BADKEY);
	assert_int_equal(f->act.kind, PG_ACT_NONE);
	/* the zone section must name an SOA */
	len = request(req, sizeof(req), DNS_OPCODE_UPDATE, "example.com.", DNS_TYPE_A, 0, UPDATE_KEY);
	run(f, DNS_TRANSPORT_UDP, req, len);
	assert_int_equal(rcode(f), DNS_RCODE_FORMERR);
	/* authorised: queued, no answer yet; the answer is built later */
	len = request(req, sizeof(req), DNS_OPCODE_UPDATE, "example.com.", DNS_TYPE_SOA, 0, UPDATE_KEY);
	run(f, DNS_TRANSPORT_UDP, req, len);
	assert_int_equal(f->act.kind, PG_ACT_UPDATE);
	assert_int_equal(f->resplen, 0);
	assert_true(f->act.has_key);
	assert_int_equal(f->act.treq.error, 0);
	uint8_t zone[DNS_NAME_MAX];
	size_t zl;
	assert_int_equal(dns_name_from_text(zone, &zl, "example.com.", 12, NULL), DNS_OK);
	assert_true(dns_name_equal(f->act.zone, zone));
	dns_tsig_req_t treq = f->act.treq;
	treq.key = &f->act.key;
	pg_update_reply(req, len, &treq, DNS_RCODE_NXRRSET, NOW, f->resp, sizeof(f->resp),
	                &f->resplen);
	assert_int_equal(dns_get16(f->resp), 0x1234);
	/* QR and opcode UPDATE (5) echoed, rcode NXRRSET (8), ZOCOUNT 1 */
	assert_int_equal(dns_get16(f->resp + 2), 0x8000 | 5 << 11 | 8);
	assert_int_equal(dns_get16(f->resp + 4), 1);
	assert_signed(f);
	dns_msg_t m;
	assert_int_equal(dns_msg_parse(&m, f->resp, f->resplen), DNS_OK);
	dns_tsig_key_t k;
	key_of(&k, UPDATE_KEY);
	uint16_t terr = 0;
	uint8_t mac[DNS_TSIG_MAC_MAX];
	memcpy(mac, f->act.treq.mac, f->act.treq.mac_len);
	assert_int_equal(dns_tsig_verify_response(&m, &k, mac, f->act.treq.mac_len, NOW, &terr),
	                 DNS_OK);
	dns_msg_free(&m);
}

static void test_garbage(void **state)
{
	fixture_t *f = *state;
	uint8_t req[512];
	size_t len = request(req, sizeof(req), DNS_OPCODE_QUERY, "example.com.", DNS_TYPE_SOA, 0,
	                     NULL);
	/* shorter than a header: dropped */
	run(f, DNS_TRANSPORT_UDP, req, 5);
	assert_int_equal(f->resplen, 0);
	assert_true(f->info.dropped);
	/* a response: dropped */
	req[2] |= 0x80;
	run(f, DNS_TRANSPORT_UDP, req, len);
	assert_int_equal(f->resplen, 0);
	/* a header announcing a question and an answer that are not there: FORMERR */
	static const uint8_t bad[12] = { 0xab, 0xcd, 0x00, 0x00, 0, 1, 0, 1, 0, 0, 0, 0 };
	run(f, DNS_TRANSPORT_UDP, bad, sizeof(bad));
	assert_int_equal(f->resplen, 12);
	assert_int_equal(dns_get16(f->resp), 0xabcd);
	assert_int_equal(rcode(f), DNS_RCODE_FORMERR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_query_answered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signed_query_signed_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notify_accepted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notify_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_axfr_unauthorised, setup, teardown),
		cmocka_unit_test_setup_teardown(test_axfr_with_transfer_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ixfr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keep_hidden_secondary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_update_checked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_removed_zone, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
