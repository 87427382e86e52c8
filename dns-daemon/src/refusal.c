/*
 * refusal.c - reasons, client networks and the log line of a refusal.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "dns/log.h"
#include "dns/msg.h"
#include "dns/name.h"
#include "dns/refusal.h"
#include "dns/rrtype.h"

static const char *const names[DNS_REFUSAL_COUNT] = {
	[DNS_REFUSAL_NONE] = "",
	[DNS_REFUSAL_UNSIGNED] = "unsigned",
	[DNS_REFUSAL_BADSIG] = "badsig",
	[DNS_REFUSAL_BADKEY] = "badkey",
	[DNS_REFUSAL_BADTIME] = "badtime",
	[DNS_REFUSAL_BADTRUNC] = "badtrunc",
	[DNS_REFUSAL_TSIG] = "tsig",
	[DNS_REFUSAL_KEY_NOT_AUTHORIZED] = "key_not_authorized",
	[DNS_REFUSAL_NOT_FROM_PRIMARY] = "not_from_primary",
	[DNS_REFUSAL_ZONE_NOT_SERVED] = "zone_not_served",
	[DNS_REFUSAL_ZONE_REMOVED] = "zone_removed",
	[DNS_REFUSAL_AXFR_OVER_UDP] = "axfr_over_udp",
	[DNS_REFUSAL_NOT_AUTHORITATIVE] = "not_authoritative",
	[DNS_REFUSAL_NO_RECURSION] = "no_recursion",
	[DNS_REFUSAL_NOT_IMPLEMENTED] = "not_implemented",
	[DNS_REFUSAL_MALFORMED] = "malformed",
	[DNS_REFUSAL_BUSY] = "busy",
	[DNS_REFUSAL_ACL] = "acl",
	[DNS_REFUSAL_TSIG_REPLAY] = "tsig_replay",
};

const char *dns_refusal_name(dns_refusal_t r)
{
	return (unsigned)r < DNS_REFUSAL_COUNT && names[r] ? names[r] : "";
}

dns_refusal_t dns_refusal_of_rcode(unsigned rcode)
{
	switch (rcode) {
	case DNS_RCODE_REFUSED: return DNS_REFUSAL_NOT_AUTHORITATIVE;
	case DNS_RCODE_FORMERR: return DNS_REFUSAL_MALFORMED;
	case DNS_RCODE_NOTIMP: return DNS_REFUSAL_NOT_IMPLEMENTED;
	default: return DNS_REFUSAL_NONE;
	}
}

dns_refusal_t dns_refusal_of_tsig_error(unsigned e)
{
	switch (e) {
	case DNS_RCODE_BADSIG: return DNS_REFUSAL_BADSIG;
	case DNS_RCODE_BADKEY: return DNS_REFUSAL_BADKEY;
	case DNS_RCODE_BADTIME: return DNS_REFUSAL_BADTIME;
	case DNS_RCODE_BADTRUNC: return DNS_REFUSAL_BADTRUNC;
	default: return DNS_REFUSAL_TSIG;
	}
}

void dns_client_net(const struct sockaddr *sa, char *out, size_t cap)
{
	char a[INET6_ADDRSTRLEN] = "?";
	if (sa && sa->sa_family == AF_INET) {
		struct in_addr in = ((const struct sockaddr_in *)(const void *)sa)->sin_addr;
		in.s_addr &= htonl(0xFFFFFF00u);
		inet_ntop(AF_INET, &in, a, sizeof(a));
		snprintf(out, cap, "%s/24", a);
	} else if (sa && sa->sa_family == AF_INET6) {
		struct in6_addr in6 = ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
		in6.s6_addr[7] = 0;
		memset(in6.s6_addr + 8, 0, 8);
		inet_ntop(AF_INET6, &in6, a, sizeof(a));
		snprintf(out, cap, "%s/56", a);
	} else {
		snprintf(out, cap, "?");
	}
}

static void client_addr(const struct sockaddr *sa, char *out, size_t cap)
{
	snprintf(out, cap, "?");
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
		          (socklen_t)cap);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
		          (socklen_t)cap);
}

/* A name as logs show it: no trailing dot except for the root. */
static void name_text(const uint8_t *name, char *out, size_t cap)
{
	dns_name_to_text(name, out, cap);
	size_t n = strlen(out);
	if (n > 1 && out[n - 1] == '.')
		out[n - 1] = '\0';
}

static bool noise(dns_refusal_t r)
{
	return r == DNS_REFUSAL_NOT_AUTHORITATIVE || r == DNS_REFUSAL_NO_RECURSION ||
	       r == DNS_REFUSAL_NOT_IMPLEMENTED || r == DNS_REFUSAL_MALFORMED ||
	       r == DNS_REFUSAL_ACL;
}

void dns_refusal_log(const dns_refusal_event_t *ev)
{
	dns_log_level_t level = noise(ev->reason) ? DNS_LOG_INFO : DNS_LOG_WARN;
	if (!dns_log_enabled(level))
		return;
	char net[64], client[INET6_ADDRSTRLEN], zone[DNS_NAME_TEXT_MAX], key[DNS_NAME_TEXT_MAX];
	char op[16], qt[16], rc[16], te[24];
	dns_client_net(ev->peer, net, sizeof(net));
	client_addr(ev->peer, client, sizeof(client));
	if (ev->zone)
		name_text(ev->zone, zone, sizeof(zone));
	if (ev->key)
		name_text(ev->key, key, sizeof(key));
	if (ev->qtype)
		dns_rrtype_to_text(ev->qtype, qt, sizeof(qt));
	/* the zone of an UPDATE, NOTIFY or transfer; a query's name otherwise */
	bool is_zone = ev->opcode != DNS_OPCODE_QUERY || ev->qtype == DNS_TYPE_AXFR ||
	               ev->qtype == DNS_TYPE_IXFR;
	dns_log_limited(level, 2, "request refused", "reason", dns_refusal_name(ev->reason), "net",
	                net, "client", client, "proto", ev->tcp ? "tcp" : "udp", "opcode",
	                dns_opcode_text(ev->opcode, op, sizeof(op)), is_zone ? "zone" : "qname", ev->zone ? zone : NULL,
	                "qtype", ev->qtype ? qt : NULL, "key", ev->key ? key : NULL, "rcode",
	                ev->rcode == DNS_REFUSAL_DROPPED ? "none"
	                                                 : dns_rcode_text(ev->rcode, rc, sizeof(rc)),
	                "tsig_error",
	                ev->tsig_error ? dns_tsig_error_text(ev->tsig_error, te, sizeof(te)) : NULL,
	                NULL);
}

void dns_refusal_log_request(dns_refusal_t why, const struct sockaddr *peer, bool tcp,
                             const uint8_t *req, size_t len, unsigned rcode, unsigned tsig_error)
{
	if (!dns_log_enabled(noise(why) ? DNS_LOG_INFO : DNS_LOG_WARN))
		return;
	dns_refusal_event_t ev = { .reason = why, .peer = peer, .tcp = tcp, .rcode = rcode,
	                           .tsig_error = tsig_error };
	if (len >= DNS_HDR_LEN)
		ev.opcode = dns_flags_opcode(dns_get16(req + 2));
	dns_msg_t m;
	bool parsed = len >= DNS_HDR_LEN && dns_msg_parse(&m, req, len) == DNS_OK;
	if (parsed) {
		if (m.has_question) {
			ev.zone = m.qname;
			ev.qtype = m.qtype;
		}
		if (m.tsig)
			ev.key = m.tsig->rr.owner;
	}
	dns_refusal_log(&ev);
	if (len >= DNS_HDR_LEN)
		dns_msg_free(&m);
}
