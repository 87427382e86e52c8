/*
 * config.c - command line parsing of dns-secondary (see config.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/authority.h"
#include "dns/conf_file.h"

#include "config.h"

const char sec_config_usage[] =
	"usage: dns-secondary --zone NAME --primary ADDR[:PORT] [--key name:alg:secret]\n"
	"                     [--zone NAME --primary ... [--key ...]]...\n"
	"                     [--keys <primary-ip>.<secondary-ip>._transfer.<zone>:alg:secret]...\n"
	"                     [--transfer-key name:alg:secret]... [--notify ADDR[:PORT]]...\n"
	"                     [--listen ADDR:PORT]... [--workers N] [--state-dir DIR]\n"
	"                     [--metrics ADDR:PORT] [--log-level debug|info|warn|error]\n"
	"                     [--control PATH] [--hidden] [--rrl RATE ...]\n"
	"                     [--cookie-secret HEX ...] [--query-log FILE|-] [--help] [limits...]\n"
	"                     [service options, below]\n"
	"\n"
	"Follows primaries by NOTIFY, IXFR and AXFR (TSIG-signed with the zone's key)\n"
	"and answers for the zones.  Downstream secondaries may AXFR/IXFR a zone\n"
	"with any key above whose name gives transfer authority over it\n"
	"(<label>._transfer.<zone>).  A new version of a zone is announced by\n"
	"NOTIFY to its --notify targets (after --zone: that zone; before any\n"
	"--zone: every zone) and to the secondary address of every\n"
	"<our-ip>.<secondary-ip>._transfer.<zone> key above (port 53), signed with\n"
	"the transfer key naming that secondary, else any transfer key of the zone.\n"
	"--state-dir DIR keeps each zone's last version there (created if missing)\n"
	"so that a restart serves at once.  --hidden registers with each primary\n"
	"as a hidden secondary: a TCP connection kept open after an SOA query\n"
	"signed with the zone's key (which needs transfer authority), on which\n"
	"the primary sends its NOTIFYs; it is opened again when it drops.\n"
	"--control PATH is the control socket for dns-ctl (status, zones,\n"
	"refresh ZONE, retransfer ZONE, stop; mode 0600); by default\n"
	"DIR/control.sock with --state-dir, none without.\n"
	"--query-log FILE appends one logfmt line per request answered (- : stdout).\n"
	"Refused requests are logged (rate-limited) with their reason and counted\n"
	"in dns_requests_refused_total{reason}.\n"
	"Key names and what they allow:\n"
	"docs/repository.md in the source tree.\n"
	"Defaults: --listen 0.0.0.0:53 and [::]:53,\n"
	"one worker per CPU, no state directory.\n"
	"Rate limiting and cookies:\n"
	DNS_GUARD_USAGE
	"\n"
	"Limits under abuse (README: \"Holding under abuse\"):\n";

dns_err_t sec_parse_primary(const char *text, dns_net_addr_t *out)
{
	char buf[DNS_NET_ADDR_TEXT_MAX];
	size_t n = strlen(text);
	const char *colon = strchr(text, ':');
	const char *pre = "", *post = "";
	if (n == 0)
		return DNS_EINVAL;
	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		if (!close)
			return DNS_EINVAL;
		if (close[1] == '\0')
			post = ":53";
	} else if (colon && strchr(colon + 1, ':')) {
		pre = "[";                /* a bare IPv6 address */
		post = "]:53";
	} else if (!colon) {
		post = ":53";
	}
	int w = snprintf(buf, sizeof buf, "%s%s%s", pre, text, post);
	if (w < 0 || (size_t)w >= sizeof buf)
		return DNS_EINVAL;
	return dns_net_addr_parse(buf, out);
}

static void zone_text(sec_zone_conf_t *z)
{
	dns_name_lower(z->origin);
	dns_name_to_text(z->origin, z->name, sizeof z->name);
	size_t n = strlen(z->name);
	if (n > 1 && z->name[n - 1] == '.')
		z->name[n - 1] = '\0';
}

static sec_zone_conf_t *new_zone(sec_config_t *c, char *err, size_t errlen)
{
	if (c->nzones >= SEC_MAX_ZONES) {
		snprintf(err, errlen, "too many zones (at most %d)", SEC_MAX_ZONES);
		return NULL;
	}
	sec_zone_conf_t *z = realloc(c->zones, (c->nzones + 1) * sizeof *z);
	if (!z) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->zones = z;
	z = &c->zones[c->nzones++];
	memset(z, 0, sizeof *z);
	return z;
}

/* --keys: the zone, the primary and our own address from the key name. */
static bool zone_from_key(sec_config_t *c, const char *text, char *err, size_t errlen)
{
	dns_tsig_key_t key;
	if (dns_tsig_key_from_text(&key, text, strlen(text)) != DNS_OK) {
		snprintf(err, errlen, "--keys %s: expected name:alg:base64secret", text);
		return false;
	}
	uint8_t prim[4], sec[4];
	dns_op_t op;
	const uint8_t *zname;
	if (dns_key_transfer_addrs(key.name, prim, sec) != DNS_OK ||
	    dns_key_operation(key.name, &op, &zname) != DNS_OK || op != DNS_OP_TRANSFER) {
		snprintf(err, errlen,
		         "--keys %s: the name must be <primary-ip>.<secondary-ip>._transfer.<zone>",
		         text);
		return false;
	}
	sec_zone_conf_t *z = new_zone(c, err, errlen);
	if (!z)
		return false;
	dns_name_copy(z->origin, zname);
	zone_text(z);
	struct sockaddr_in *p = (struct sockaddr_in *)&z->primary.ss;
	p->sin_family = AF_INET;
	p->sin_port = htons(53);
	memcpy(&p->sin_addr, prim, 4);
	z->primary.len = sizeof *p;
	z->has_primary = true;
	struct sockaddr_in *s = (struct sockaddr_in *)&z->source.ss;
	s->sin_family = AF_INET;
	memcpy(&s->sin_addr, sec, 4);
	z->source.len = sizeof *s;
	z->has_source = true;
	z->key = key;
	z->has_key = true;
	return true;
}

static bool add_notify(sec_config_t *c, size_t zone, const char *val, char *err,
                       size_t errlen)
{
	if (c->nnotify >= SEC_MAX_NOTIFY) {
		snprintf(err, errlen, "too many --notify (at most %d)", SEC_MAX_NOTIFY);
		return false;
	}
	sec_notify_conf_t *n = realloc(c->notify, (c->nnotify + 1) * sizeof *n);
	if (!n) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	c->notify = n;
	n = &c->notify[c->nnotify];
	n->zone = zone;
	if (sec_parse_primary(val, &n->addr) != DNS_OK) {
		snprintf(err, errlen, "--notify %s: expected ADDR[:PORT]", val);
		return false;
	}
	c->nnotify++;
	return true;
}

static bool parse_uint(const char *s, unsigned max, unsigned *out)
{
	unsigned long v;
	if (!dns_conf_parse_ulong(s, 0, max, &v))
		return false;
	*out = (unsigned)v;
	return true;
}

static sec_config_status_t check(sec_config_t *c, char *err, size_t errlen)
{
	if (c->nzones == 0) {
		snprintf(err, errlen, "no zone given (--zone NAME --primary ADDR, or --keys)");
		return SEC_CONFIG_ERROR;
	}
	for (size_t i = 0; i < c->nzones; i++) {
		if (!c->zones[i].has_primary) {
			snprintf(err, errlen, "zone %s: no --primary", c->zones[i].name);
			return SEC_CONFIG_ERROR;
		}
		if (c->hidden && !c->zones[i].has_key) {
			snprintf(err, errlen, "zone %s: --hidden needs a --key with transfer authority",
			         c->zones[i].name);
			return SEC_CONFIG_ERROR;
		}
		for (size_t j = 0; j < i; j++) {
			if (dns_name_equal(c->zones[i].origin, c->zones[j].origin)) {
				snprintf(err, errlen, "zone %s given twice", c->zones[i].name);
				return SEC_CONFIG_ERROR;
			}
		}
	}
	if (c->nlisten == 0) {
		dns_net_addr_parse("0.0.0.0:53", &c->listen[0]);
		dns_net_addr_parse("[::]:53", &c->listen[1]);
		c->nlisten = 2;
	}
	return SEC_CONFIG_OK;
}

sec_config_status_t sec_config_parse(sec_config_t *c, int argc, char **argv, char *err,
                                     size_t errlen)
{
	memset(c, 0, sizeof *c);
	c->log_level = DNS_LOG_INFO;
	dns_guard_config_init(&c->guard);
	sec_zone_conf_t *cur = NULL;
	for (int i = 1; i < argc; i++) {
		const char *opt = argv[i];
		c->bad_arg = opt;   /* blamed if refused (its value is on its config line) */
		if (strcmp(opt, "--help") == 0 || strcmp(opt, "-h") == 0)
			return SEC_CONFIG_HELP;
		if (strcmp(opt, "--hidden") == 0) {
			c->hidden = true;
			continue;
		}
		bool has_arg;
		int code = dns_guard_option_code(opt, &has_arg);
		if (code) {
			if (has_arg && i + 1 >= argc) {
				snprintf(err, errlen, "%s: missing value", opt);
				return SEC_CONFIG_ERROR;
			}
			if (dns_guard_option(&c->guard, code, has_arg ? argv[++i] : NULL, err, errlen) !=
			    DNS_OK)
				return SEC_CONFIG_ERROR;
			continue;
		}
		if (i + 1 >= argc) {
			snprintf(err, errlen, "%s: unknown option or missing value", opt);
			return SEC_CONFIG_ERROR;
		}
		const char *val = argv[++i];
		int lim = dns_daemon_limits_option(&c->limits, opt, val, err, errlen);
		if (lim < 0)
			return SEC_CONFIG_ERROR;
		if (lim > 0)
			continue;
		if (strcmp(opt, "--zone") == 0) {
			cur = new_zone(c, err, errlen);
			if (!cur)
				return SEC_CONFIG_ERROR;
			size_t len;
			if (dns_name_from_text(cur->origin, &len, val, strlen(val), dns_name_root)) {
				snprintf(err, errlen, "--zone %s: not a domain name", val);
				return SEC_CONFIG_ERROR;
			}
			zone_text(cur);
		} else if (strcmp(opt, "--primary") == 0) {
			if (!cur) {
				snprintf(err, errlen, "--primary %s: give --zone first", val);
				return SEC_CONFIG_ERROR;
			}
			if (sec_parse_primary(val, &cur->primary) != DNS_OK) {
				snprintf(err, errlen, "--primary %s: expected ADDR[:PORT]", val);
				return SEC_CONFIG_ERROR;
			}
			cur->has_primary = true;
		} else if (strcmp(opt, "--key") == 0) {
			if (!cur) {
				snprintf(err, errlen, "--key: give --zone first");
				return SEC_CONFIG_ERROR;
			}
			if (dns_tsig_key_from_text(&cur->key, val, strlen(val)) != DNS_OK) {
				snprintf(err, errlen, "--key %s: expected name:alg:base64secret", val);
				return SEC_CONFIG_ERROR;
			}
			cur->has_key = true;
		} else if (strcmp(opt, "--keys") == 0) {
			if (!zone_from_key(c, val, err, errlen))
				return SEC_CONFIG_ERROR;
			cur = &c->zones[c->nzones - 1];
		} else if (strcmp(opt, "--transfer-key") == 0) {
			dns_tsig_key_t *k = realloc(c->xfr_keys, (c->nxfr_keys + 1) * sizeof *k);
			if (!k) {
				snprintf(err, errlen, "out of memory");
				return SEC_CONFIG_ERROR;
			}
			c->xfr_keys = k;
			if (c->nxfr_keys >= SEC_MAX_ZONES ||
			    dns_tsig_key_from_text(&k[c->nxfr_keys], val, strlen(val)) != DNS_OK) {
				snprintf(err, errlen, "--transfer-key %s: expected name:alg:base64secret",
				         val);
				return SEC_CONFIG_ERROR;
			}
			c->nxfr_keys++;
		} else if (strcmp(opt, "--notify") == 0) {
			if (!add_notify(c, cur ? (size_t)(cur - c->zones) : SEC_NOTIFY_ALL, val, err,
			                errlen))
				return SEC_CONFIG_ERROR;
		} else if (strcmp(opt, "--listen") == 0) {
			if (c->nlisten >= SEC_MAX_LISTEN ||
			    dns_net_addr_parse(val, &c->listen[c->nlisten]) != DNS_OK) {
				snprintf(err, errlen, "--listen %s: expected ADDR:PORT", val);
				return SEC_CONFIG_ERROR;
			}
			c->nlisten++;
		} else if (strcmp(opt, "--workers") == 0) {
			if (!parse_uint(val, 1024, &c->workers)) {
				snprintf(err, errlen, "--workers %s: expected a number", val);
				return SEC_CONFIG_ERROR;
			}
		} else if (strcmp(opt, "--state-dir") == 0) {
			c->state_dir = val;
		} else if (strcmp(opt, "--control") == 0) {
			if (!*val) {
				snprintf(err, errlen, "--control: expected a socket path");
				return SEC_CONFIG_ERROR;
			}
			c->control = val;
		} else if (strcmp(opt, "--metrics") == 0) {
			if (dns_net_addr_parse(val, &c->metrics) != DNS_OK) {
				snprintf(err, errlen, "--metrics %s: expected ADDR:PORT", val);
				return SEC_CONFIG_ERROR;
			}
			c->has_metrics = true;
		} else if (strcmp(opt, "--query-log") == 0) {
			if (!*val) {
				snprintf(err, errlen, "--query-log: a file, or - for stdout");
				return SEC_CONFIG_ERROR;
			}
			c->query_log = val;
		} else if (strcmp(opt, "--log-level") == 0) {
			if (!dns_log_level_parse(val, &c->log_level)) {
				snprintf(err, errlen, "--log-level %s: debug, info, warn or error", val);
				return SEC_CONFIG_ERROR;
			}
		} else {
			snprintf(err, errlen, "%s: unknown option", opt);
			return SEC_CONFIG_ERROR;
		}
	}
	c->bad_arg = NULL;
	return check(c, err, errlen);
}

void sec_config_free(sec_config_t *c)
{
	free(c->zones);
	c->zones = NULL;
	free(c->xfr_keys);
	c->xfr_keys = NULL;
	c->nxfr_keys = 0;
	free(c->notify);
	c->notify = NULL;
	c->nnotify = 0;
	c->nzones = 0;
}
