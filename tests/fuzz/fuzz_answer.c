/* Fuzz target: arbitrary bytes as a request to the authoritative answer
 * function, over UDP and over TCP, against a zone exercising every branch
 * (CNAME chains and loops, DNAME, wildcards, delegations with glue, a large
 * RRset for truncation).  The response must always parse. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "dns/answer.h"
#include "dns/msg.h"
#include "dns/rrtype.h"
#include "dns/zone.h"
#include "dns/zonefile.h"
#include "dns/zoneset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t origin[] = "\7example\3com";

static const char zone_text[] =
	"$TTL 300\n"
	"@ SOA ns1 host 1 3600 900 604800 60\n"
	"@ NS ns1\n@ NS ns.sub\n@ MX 10 mail\n@ TXT \"hello\" \"world\"\n"
	"ns1 A 192.0.2.1\nns1 AAAA 2001:db8::1\nmail A 192.0.2.2\n"
	"www CNAME web\nweb CNAME host.a.b\nhost.a.b A 192.0.2.3\n"
	"loop1 CNAME loop2\nloop2 CNAME loop1\n"
	"out CNAME www.example.net.\n"
	"dn DNAME example.org.\nself DNAME self.example.com.\n"
	"*.wild A 192.0.2.4\n*.wild TXT \"wild\"\n*.cw CNAME www\n"
	"sub NS ns.sub\nsub NS ns1.other\nns.sub A 192.0.2.5\nother NS ns1.other\n"
	"ns1.other A 192.0.2.6\n"
	"_sip._tcp SRV 0 0 5060 mail\n"
	"big A 10.0.0.1\nbig A 10.0.0.2\nbig A 10.0.0.3\nbig A 10.0.0.4\nbig A 10.0.0.5\n"
	"big A 10.0.0.6\nbig A 10.0.0.7\nbig A 10.0.0.8\nbig A 10.0.0.9\nbig A 10.0.0.10\n"
	"big TXT \"0123456789012345678901234567890123456789012345678901234567890123456789\"\n"
	"big TXT \"1123456789012345678901234567890123456789012345678901234567890123456789\"\n"
	"big TXT \"2123456789012345678901234567890123456789012345678901234567890123456789\"\n"
	"big TXT \"3123456789012345678901234567890123456789012345678901234567890123456789\"\n"
	"big TXT \"4123456789012345678901234567890123456789012345678901234567890123456789\"\n"
	"big TXT \"5123456789012345678901234567890123456789012345678901234567890123456789\"\n"
	"big TXT \"6123456789012345678901234567890123456789012345678901234567890123456789\"\n"
	"big TXT \"7123456789012345678901234567890123456789012345678901234567890123456789\"\n";

static dns_zoneset_t *zones;

static dns_err_t add(void *ctx, const dns_rr_t *rr, const dns_zf_pos_t *pos)
{
	return dns_zone_builder_add(ctx, rr);
}

static void ignore(void *ctx, const dns_zf_pos_t *pos, const char *msg)
{
}

/* The harness keeps one zone set for the whole run: building it per input
 * would measure the builder, which has its own fuzz target. */
static dns_zoneset_t *make_zones(void)
{
	dns_zf_options_t opt = { .origin = origin, .no_include = true };
	dns_zone_builder_t *b = dns_zone_builder_new(origin, DNS_CLASS_IN);
	if (!b || dns_zonefile_parse_buffer("fuzz", zone_text, sizeof(zone_text) - 1, &opt, add,
	                                    ignore, b) != DNS_OK)
		abort();
	dns_zone_t *z = NULL;
	if (dns_zone_builder_finish(b, &z) != DNS_OK)
		abort();
	dns_zoneset_t *s = dns_zoneset_new(&z, 1);
	dns_zone_unref(z);
	if (!s)
		abort();
	return s;
}

static void answer_once(const uint8_t *data, size_t size, dns_transport_t tr,
                        const dns_answer_opts_t *opts)
{
	static uint8_t resp[65535];
	struct sockaddr_in client = { .sin_family = AF_INET, .sin_port = htons(5353),
	                              .sin_addr = { htonl(0x7f000001) } };
	size_t len = 0;
	if (dns_answer(zones, data, size, tr, (const struct sockaddr *)&client, opts, resp,
	               sizeof(resp), &len, NULL) != DNS_OK)
		return;
	if (len < DNS_HDR_LEN || len > sizeof(resp))
		abort();
	if (tr == DNS_TRANSPORT_UDP && len > 1232)
		abort(); /* never above the UDP cap */
	/* A response we produced must itself be a valid message, unless it is
	 * the bare-header FORMERR for an unparsable request. */
	dns_msg_t m;
	dns_err_t err = dns_msg_parse(&m, resp, len);
	if (err != DNS_OK && len > DNS_HDR_LEN)
		abort();
	dns_msg_free(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!zones)
		zones = make_zones();
	static const uint8_t secret[16] = "0123456789abcdef";
	static dns_cookie_secrets_t cookies, required;
	if (!cookies.mac_) {
		dns_cookie_secrets_init(&cookies, secret, secret, false);
		dns_cookie_secrets_init(&required, secret, NULL, true);
	}
	dns_answer_opts_t plain = { 0 };
	dns_answer_opts_t rich = { .udp_max = 4096, .nsid = (const uint8_t *)"fuzz",
	                           .nsid_len = 4, .cookies = &cookies, .now = 1700000000,
	                           .reserve = 100 };
	dns_answer_opts_t strict = { .cookies = &required, .now = 1700000000 };
	/* the batch hint reads the same untrusted bytes first */
	const uint8_t *reqs[2] = { data, data };
	size_t lens[2] = { size, size / 2 };
	dns_answer_prefetch(zones, reqs, lens, 2);
	answer_once(data, size, DNS_TRANSPORT_UDP, &plain);
	answer_once(data, size, DNS_TRANSPORT_TCP, &rich);
	answer_once(data, size, DNS_TRANSPORT_UDP, &strict);
	return 0;
}
