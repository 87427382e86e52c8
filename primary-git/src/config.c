/*
 * config.c - command-line parsing for dns-primary-git.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

void pg_config_usage(FILE *out)
{
	fputs(
"Usage: dns-primary-git --remote URL[#branch] [options]\n"
"\n"
"Serve the zones of a git repository as an authoritative primary: answer\n"
"queries, transfer zones (AXFR/IXFR) to secondaries, send them NOTIFYs,\n"
"and reload on NOTIFY, SIGHUP or --poll.  Every regular file at the root of\n"
"the branch is a zone named after the file; _keys and <zone>._keys hold\n"
"TSIG keys (name. DNSKEY 0 3 <alg> <base64-secret>).\n"
"\n"
"Options:\n"
"  --remote URL[#branch]    repository to serve: a local path, file://, ssh://,\n"
"                           git@host:path or https://; default branch: the\n"
"                           remote's HEAD (required)\n"
"  --state-dir DIR          local (bare) clone; default ./dns-primary-git-state\n"
"  --listen ADDR:PORT       address to serve on, UDP and TCP; repeatable;\n"
"                           default 0.0.0.0:53 and [::]:53; IPv6 as [::1]:5300\n"
"  --workers N              worker threads; default one per CPU\n"
"  --axfr                   allow unauthenticated AXFR/IXFR (default: a TSIG\n"
"                           key with transfer or update authority is needed)\n"
"  --poll SECONDS           fetch the remote periodically (default off)\n"
"  --notify ADDR:PORT       extra NOTIFY target for every zone; repeatable\n"
"  --metrics ADDR:PORT      serve Prometheus text metrics at /metrics\n"
"  --ssh-key FILE           private key for ssh remotes (default: ssh-agent)\n"
"  --ssh-pubkey FILE        its public key (default: FILE.pub)\n"
"  --known-hosts FILE       known_hosts to check ssh host keys against\n"
"                           (default ~/.ssh/known_hosts)\n"
"  --nsid TEXT              NSID to send to clients that ask (RFC 5001)\n"
"  --control PATH           control socket for dns-ctl (mode 0600); default\n"
"                           STATE-DIR/control.sock\n"
"  --log-level LEVEL        debug, info, warn or error (default info)\n"
"  --query-log FILE|-       one logfmt line per request answered, appended to\n"
"                           FILE (- : standard output); default off\n"
DNS_GUARD_USAGE
"  --help                   show this help and exit\n", out);
	fputs(dns_service_usage, out);
	fputs(
"\n"
"Limits under abuse (README: \"Holding under abuse\"):\n", out);
	fputs(dns_daemon_limits_usage, out);
	fputs(
"\n"
"Signals: SIGHUP fetches and reloads; SIGTERM and SIGINT stop cleanly.\n"
"Control: dns-ctl --state-dir STATE-DIR status|zones|reload|notify ZONE|stop.\n"
"Reload on NOTIFY needs a TSIG key with notify (or higher) authority.\n"
"Logs: logfmt lines on stderr; refused requests are logged (rate-limited)\n"
"with their reason and counted in dns_requests_refused_total{reason}.\n"
"\n"
"Repository layout (every root file named like a domain is a zone; _keys and\n"
"<zone>._keys hold TSIG keys; *.inc files are for $INCLUDE), key names and\n"
"what they allow (<label>._update|_transfer|_notify.<zone>), the hooks:\n"
"docs/repository.md in the source tree.\n", out);
}

enum {
	OPT_REMOTE = 256, OPT_STATE, OPT_LISTEN, OPT_WORKERS, OPT_AXFR, OPT_POLL, OPT_NOTIFY,
	OPT_METRICS, OPT_SSH_KEY, OPT_SSH_PUB, OPT_KNOWN, OPT_NSID, OPT_LOGLEVEL, OPT_HELP,
	OPT_CONTROL, OPT_LIMIT, OPT_QUERY_LOG,
};

static const struct option long_opts[] = {
	{ "remote", required_argument, NULL, OPT_REMOTE },
	{ "state-dir", required_argument, NULL, OPT_STATE },
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "workers", required_argument, NULL, OPT_WORKERS },
	{ "axfr", no_argument, NULL, OPT_AXFR },
	{ "poll", required_argument, NULL, OPT_POLL },
	{ "notify", required_argument, NULL, OPT_NOTIFY },
	{ "metrics", required_argument, NULL, OPT_METRICS },
	{ "ssh-key", required_argument, NULL, OPT_SSH_KEY },
	{ "ssh-pubkey", required_argument, NULL, OPT_SSH_PUB },
	{ "known-hosts", required_argument, NULL, OPT_KNOWN },
	{ "nsid", required_argument, NULL, OPT_NSID },
	{ "log-level", required_argument, NULL, OPT_LOGLEVEL },
	{ "query-log", required_argument, NULL, OPT_QUERY_LOG },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "control", required_argument, NULL, OPT_CONTROL },
	DNS_GUARD_LONG_OPTIONS,
	{ "tcp-idle-ms", required_argument, NULL, OPT_LIMIT },
	{ "tcp-message-ms", required_argument, NULL, OPT_LIMIT },
	{ "tcp-max-conns", required_argument, NULL, OPT_LIMIT },
	{ "tcp-max-per-prefix", required_argument, NULL, OPT_LIMIT },
	{ "tcp-prefix-v4", required_argument, NULL, OPT_LIMIT },
	{ "tcp-prefix-v6", required_argument, NULL, OPT_LIMIT },
	{ "fd-reserve", required_argument, NULL, OPT_LIMIT },
	{ "metrics-max-conns", required_argument, NULL, OPT_LIMIT },
	{ NULL, 0, NULL, 0 },
};

static bool parse_uint(const char *s, unsigned long max, unsigned *out)
{
	unsigned long v;
	if (!dns_conf_parse_ulong(s, 0, max, &v))
		return false;
	*out = (unsigned)v;
	return true;
}

static pg_cli_t usage(char *err, size_t errlen, const char *what, const char *arg)
{
	snprintf(err, errlen, "%s%s%s", what, arg ? ": " : "", arg ? arg : "");
	return PG_CLI_USAGE;
}

pg_cli_t pg_config_parse(pg_config_t *cfg, int argc, char **argv, char *err, size_t errlen)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->state_dir = "./dns-primary-git-state";
	cfg->log_level = DNS_LOG_INFO;
	dns_guard_config_init(&cfg->guard);
	optind = 1;
	opterr = 0;
	int c, idx = 0;
	while ((c = getopt_long(argc, argv, "", long_opts, &idx)) != -1) {
		/* blamed if refused: the option or its value (from one config line) */
		cfg->bad_arg = argv[optind - 1];
		switch (c) {
		case OPT_LIMIT:
			if (dns_daemon_limits_option(&cfg->limits, long_opts[idx].name, optarg, err,
			                             errlen) != 1)
				return PG_CLI_USAGE;
			break;
		case OPT_REMOTE:
			cfg->remote = optarg;
			break;
		case OPT_STATE:
			cfg->state_dir = optarg;
			break;
		case OPT_LISTEN:
			if (cfg->nlisten == PG_MAX_LISTEN)
				return usage(err, errlen, "too many --listen", NULL);
			if (dns_net_addr_parse(optarg, &cfg->listen[cfg->nlisten]) != DNS_OK)
				return usage(err, errlen, "invalid --listen address (ADDR:PORT, [v6]:PORT)", optarg);
			cfg->nlisten++;
			break;
		case OPT_WORKERS:
			if (!parse_uint(optarg, 1024, &cfg->workers) || cfg->workers == 0)
				return usage(err, errlen, "invalid --workers (1..1024)", optarg);
			break;
		case OPT_AXFR:
			cfg->axfr = true;
			break;
		case OPT_POLL:
			if (!parse_uint(optarg, 86400 * 7, &cfg->poll_s) || cfg->poll_s == 0)
				return usage(err, errlen, "invalid --poll (seconds, 1..604800)", optarg);
			break;
		case OPT_NOTIFY:
			if (cfg->nnotify == PG_MAX_NOTIFY)
				return usage(err, errlen, "too many --notify", NULL);
			if (dns_net_addr_parse(optarg, &cfg->notify[cfg->nnotify]) != DNS_OK)
				return usage(err, errlen, "invalid --notify address (ADDR:PORT, [v6]:PORT)", optarg);
			cfg->nnotify++;
			break;
		case OPT_METRICS:
			if (dns_net_addr_parse(optarg, &cfg->metrics) != DNS_OK)
				return usage(err, errlen, "invalid --metrics address (ADDR:PORT)", optarg);
			cfg->have_metrics = true;
			break;
		case OPT_SSH_KEY:
			cfg->ssh_key = optarg;
			break;
		case OPT_SSH_PUB:
			cfg->ssh_pubkey = optarg;
			break;
		case OPT_KNOWN:
			cfg->known_hosts = optarg;
			break;
		case OPT_NSID: {
			size_t n = strlen(optarg);
			if (n == 0 || n > PG_NSID_MAX)
				return usage(err, errlen, "invalid --nsid (1..128 bytes)", optarg);
			memcpy(cfg->nsid, optarg, n);
			cfg->nsid_len = (uint16_t)n;
			break;
		}
		case OPT_LOGLEVEL:
			if (!dns_log_level_parse(optarg, &cfg->log_level))
				return usage(err, errlen, "invalid --log-level (debug|info|warn|error)", optarg);
			break;
		case OPT_CONTROL:
			if (!*optarg)
				return usage(err, errlen, "invalid --control (a socket path)", optarg);
			cfg->control = optarg;
			break;
		case OPT_QUERY_LOG:
			if (!*optarg)
				return usage(err, errlen, "invalid --query-log (a file, or - for stdout)", optarg);
			cfg->query_log = optarg;
			break;
		case OPT_HELP:
			pg_config_usage(stdout);
			return PG_CLI_EXIT_OK;
		default:
			if (dns_guard_option(&cfg->guard, c, optarg, err, errlen) == DNS_OK)
				break;
			if (c >= DNS_GUARD_OPT_RRL && c <= DNS_GUARD_OPT_COOKIE_REQUIRE)
				return PG_CLI_USAGE;
			if (optopt)
				return usage(err, errlen, "option needs an argument or is unknown",
				             argv[optind - 1]);
			return usage(err, errlen, "unknown option", argv[optind - 1]);
		}
	}
	cfg->bad_arg = optind < argc ? argv[optind] : NULL;
	if (optind < argc)
		return usage(err, errlen, "unexpected argument", argv[optind]);
	if (!cfg->remote || !*cfg->remote)
		return usage(err, errlen, "--remote is required", NULL);
	if (cfg->nlisten == 0) {
		dns_net_addr_parse("0.0.0.0:53", &cfg->listen[0]);
		dns_net_addr_parse("[::]:53", &cfg->listen[1]);
		cfg->nlisten = 2;
	}
	return PG_CLI_RUN;
}
