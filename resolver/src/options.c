/*
 * options.c - the command line of dns-resolver (see options.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/name.h"
#include "fwdopt.h"
#include "options.h"

static const char usage[] =
	"usage: dns-resolver [options]\n"
	"  --listen ADDR:PORT     serve UDP and TCP there (repeatable; default 127.0.0.1:53)\n"
	"  --port N               shorthand for --listen 127.0.0.1:N\n"
	"  --allow CIDR           clients that may query, IPv4 or IPv6 prefix (repeatable;\n"
	"                         default 127.0.0.0/8 and ::1; others get REFUSED)\n"
	"  --forward ZONE=ADDR[:PORT]  send queries for ZONE and below, recursive, to ADDR\n"
	"                         (repeatable; answers not validated)\n"
	"  --local-zone FILE      serve this zone file authoritatively (origin: its SOA owner;\n"
	"                         repeatable); names in it are never resolved\n"
	"  --tls-listen ADDR:PORT  DNS over TLS (RFC 7858) there; needs --tls-cert, --tls-key\n"
	"  --tls-cert FILE        PEM certificate, then its chain (ocertify's output works)\n"
	"  --tls-key FILE         PEM private key\n"
	"  --workers N            worker threads serving clients (default 1)\n"
	"  --root-hints FILE      root NS and addresses, zone-file syntax (default: IANA's)\n"
	"  --trust-anchor FILE    DS/DNSKEY lines (zone-file syntax) that DNSSEC validation\n"
	"                         starts from (default: IANA's root KSKs)\n"
	"  --insecure ZONE        negative trust anchor: ZONE and below are not validated\n"
	"  --no-dnssec            no validation at all (answers never carry AD)\n"
	"  --cache-size BYTES     bound on the record and key caches, K/M/G suffixes (default 64M)\n"
	"  --max-ttl S            cap on cached TTLs (default 86400)\n"
	"  --min-ttl S            floor on cached TTLs (default 0)\n"
	"  --serve-stale S        answer with data expired up to S seconds ago when no server\n"
	"                         answers (RFC 8767; default 86400, 0: off)\n"
	"  --max-client-queries N  queries one client address may have waiting for upstream\n"
	"                         (default 100; more get SERVFAIL)\n"
	"  --max-outstanding N    client queries waiting for upstream in all (default 20000)\n"
	"  --max-rrset-records N  records one RRset of an upstream reply may have (default 100;\n"
	"                         a reply with more is refused: SERVFAIL, EDE 24, if no server\n"
	"                         is left)\n"
	"  --max-rrset-bytes N    rdata bytes one RRset of an upstream reply may have (default\n"
	"                         32768; the same)\n"
	"  --no-qname-minimisation  send full names to every server (RFC 9156 is on by default)\n"
	"  --no-ipv6 | --no-ipv4  never query servers over that family\n"
	"  --no-prefetch          do not refresh popular records in the last 10% of their TTL\n"
	"  --no-aggressive-nsec   do not answer NXDOMAIN/NODATA from cached validated NSEC/NSEC3\n"
	"                         records (RFC 8198 is on by default)\n"
	"  --use-0x20             random letter case in query names, which replies must echo\n"
	"                         (spoofing resistance; servers that do not echo are not used)\n"
	"  --dir DIR              state directory (holds the control socket; nothing else yet;\n"
	"                         locked: one resolver per directory)\n"
	"  --control PATH         control socket for dns-ctl (status, stop; mode 0600);\n"
	"                         default DIR/control.sock with --dir, none without\n"
	"  --metrics ADDR:PORT    Prometheus text on GET /metrics\n"
	"  --log-level LEVEL      debug, info, warn, error (default info)\n"
	"  --query-log FILE|-     one logfmt line per query answered, appended (- : stdout)\n"
	"  --help                 this text\n"
	"Limits under abuse (README: \"Holding under abuse\"; --tcp-idle-ms defaults to 15000 here):\n"
	;

void res_usage(FILE *out)
{
	fputs(usage, out);
	fputs(dns_daemon_limits_usage, out);
	fputs("Service options:\n", out);
	fputs(dns_service_usage, out);
	fputs("Aliases (the resolver bench kit's template): --hints = --root-hints, "
	      "--ta = --trust-anchor.\n", out);
}

static bool parse_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (end == s)
		return false;
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	default: break;
	}
	if (*end || v < (1u << 16))
		return false;
	*out = (size_t)v;
	return true;
}

static bool parse_u32(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	if (end == s || *end || v > 0x7FFFFFFF)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* 0 ok, 1 error (message printed), 2 --help. */
int res_parse_args(config_t *c, int argc, char **argv, dns_service_t *svc)
{
	c->workers = 1;
	c->log_level = DNS_LOG_INFO;
	c->rc.prefetch = true;
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		if (!strcmp(o, "--help") || !strcmp(o, "-h"))
			return 2;
		if (!strcmp(o, "--no-qname-minimisation")) { c->rc.no_qname_minimisation = true; continue; }
		if (!strcmp(o, "--no-dnssec")) { c->no_dnssec = true; continue; }
		if (!strcmp(o, "--no-ipv6")) { c->rc.no_ipv6 = true; continue; }
		if (!strcmp(o, "--no-ipv4")) { c->rc.no_ipv4 = true; continue; }
		if (!strcmp(o, "--use-0x20")) { c->rc.use_0x20 = true; continue; }
		if (!strcmp(o, "--no-prefetch")) { c->rc.prefetch = false; continue; }
		if (!strcmp(o, "--no-aggressive-nsec")) { c->rc.no_aggressive_nsec = true; continue; }
		if (i + 1 >= argc) {
			fprintf(stderr, "dns-resolver: %s%s needs a value (see --help)\n",
			        dns_service_where(svc, o), o);
			return 1;
		}
		const char *v = argv[++i];
		bool ok = true;
		uint32_t u = 0;
		char buf[80];
		int lim = dns_daemon_limits_option(&c->limits, o, v, buf, sizeof buf);
		if (lim < 0) {
			fprintf(stderr, "dns-resolver: %s%s\n", dns_service_where(svc, o), buf);
			return 1;
		}
		if (lim > 0)
			continue;
		if (!strcmp(o, "--listen") || !strcmp(o, "--port")) {
			if (!strcmp(o, "--port")) {
				snprintf(buf, sizeof buf, "127.0.0.1:%s", v);
				v = buf;
			}
			ok = c->nlisten < MAX_LISTEN && dns_net_addr_parse(v, &c->listen[c->nlisten++]) == DNS_OK;
		} else if (!strcmp(o, "--query-log")) {
			ok = *v != '\0';
			c->query_log = v;
		} else if (!strcmp(o, "--allow")) {
			ok = res_acl_add(&c->allow, v);
		} else if (!strcmp(o, "--forward")) {
			uint8_t z[DNS_NAME_MAX];
			dns_net_addr_t a;
			ok = c->nfwd < 64 && res_forward_parse(v, z, &a);
			if (ok)
				c->fwd[c->nfwd++] = v;
		} else if (!strcmp(o, "--local-zone")) {
			ok = c->nlocal < 64;
			if (ok)
				c->local[c->nlocal++] = v;
		} else if (!strcmp(o, "--tls-listen")) {
			ok = dns_net_addr_parse(v, &c->tls_listen) == DNS_OK;
			c->has_tls = true;
		} else if (!strcmp(o, "--tls-cert")) {
			c->tls_cert = v;
		} else if (!strcmp(o, "--tls-key")) {
			c->tls_key = v;
		} else if (!strcmp(o, "--workers")) {
			ok = parse_u32(v, &u) && u >= 1 && u <= 256;
			c->workers = u;
		} else if (!strcmp(o, "--root-hints") || !strcmp(o, "--hints")) {
			c->hints = v;
		} else if (!strcmp(o, "--trust-anchor") || !strcmp(o, "--ta")) {
			c->trust_anchor = v;
		} else if (!strcmp(o, "--insecure")) {
			ok = c->ninsecure < 64;
			if (ok)
				c->insecure[c->ninsecure++] = v;
		} else if (!strcmp(o, "--control")) {
			ok = *v != '\0';
			c->control = v;
		} else if (!strcmp(o, "--dir")) {
			c->dir = v;
		} else if (!strcmp(o, "--cache-size")) {
			ok = parse_size(v, &c->rc.cache.max_bytes);
		} else if (!strcmp(o, "--max-ttl")) {
			ok = parse_u32(v, &c->rc.cache.max_ttl) && c->rc.cache.max_ttl > 0;
		} else if (!strcmp(o, "--serve-stale")) {
			ok = parse_u32(v, &c->rc.cache.stale_s);
			c->stale_set = true;
		} else if (!strcmp(o, "--max-client-queries")) {
			ok = parse_u32(v, &u) && u >= 1 && u <= 65535;
			c->rc.max_client_queries = u;
		} else if (!strcmp(o, "--max-outstanding")) {
			ok = parse_u32(v, &u) && u >= 1;
			c->rc.max_clients = u;
		} else if (!strcmp(o, "--max-rrset-records")) {
			ok = parse_u32(v, &u) && u >= 1 && u <= 65535;
			c->rc.max_rrset_rrs = u;
		} else if (!strcmp(o, "--max-rrset-bytes")) {
			ok = parse_u32(v, &c->rc.max_rrset_bytes) && c->rc.max_rrset_bytes >= 512;
		} else if (!strcmp(o, "--min-ttl")) {
			ok = parse_u32(v, &c->rc.cache.min_ttl);
		} else if (!strcmp(o, "--metrics")) {
			ok = dns_net_addr_parse(v, &c->metrics) == DNS_OK;
			c->has_metrics = true;
		} else if (!strcmp(o, "--log-level")) {
			ok = dns_log_level_parse(v, &c->log_level);
		} else {
			fprintf(stderr, "dns-resolver: %sunknown option %s (see --help)\n",
			        dns_service_where(svc, o), o);
			return 1;
		}
		if (!ok) {
			fprintf(stderr, "dns-resolver: %s%s %s: invalid value\n", dns_service_where(svc, o),
			        o, v);
			return 1;
		}
	}
	if (!c->nlisten)
		dns_net_addr_parse("127.0.0.1:53", &c->listen[c->nlisten++]);
	if (!c->stale_set)
		c->rc.cache.stale_s = 86400;
	if (!c->allow.n)
		res_acl_add_loopback(&c->allow);
	if (c->has_tls != (c->tls_cert != NULL) || c->has_tls != (c->tls_key != NULL)) {
		fprintf(stderr, "dns-resolver: --tls-listen, --tls-cert and --tls-key go together\n");
		return 1;
	}
	if (c->has_tls) {
		if (c->nlisten >= MAX_LISTEN) {
			fprintf(stderr, "dns-resolver: too many --listen addresses for --tls-listen\n");
			return 1;
		}
		c->relay = c->nlisten;
		dns_net_addr_parse("127.0.0.1:0", &c->listen[c->nlisten++]);
	}
	if (c->rc.cache.min_ttl && c->rc.cache.max_ttl && c->rc.cache.min_ttl > c->rc.cache.max_ttl) {
		fprintf(stderr, "dns-resolver: --min-ttl is above --max-ttl\n");
		return 1;
	}
	return 0;
}

