/*
 * ocertify - get a TLS certificate through DNS: publish a CSR with a
 * TSIG-signed UPDATE and wait until the certificate appears (compatible
 * with the original suite's command).  Usage and exit codes: usage_text.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "dns/certify.h"
#include "ocertify.h"

extern char **environ;

static const char usage_text[] =
	"usage: ocertify [--port N] --dns-key name:alg:secret [--additional NAME]...\n"
	"                [--key FILE] [--csr FILE] [--certificate FILE]\n"
	"                [--type p256|p384|rsa|ed25519] [--bits N] [--seed S] [--force]\n"
	"                [--wait SECONDS] [--renew-before DURATION] [--ca-file FILE]\n"
	"                [--watch] [--deploy-hook CMD] SERVER HOSTNAME\n"
	"\n"
	"Get a certificate for HOSTNAME through DNS.  ocertify asks SERVER (the\n"
	"primary of the zone, an IP address) for the certificate records at\n"
	"_letsencrypt._tcp.HOSTNAME.  If none matches its key and names and stays\n"
	"valid past the renewal point, it publishes a CSR there (TLSA 3 255 0) with\n"
	"a TSIG-signed UPDATE and waits until the certificate (TLSA 3 0 0, its CA\n"
	"chain as TLSA 0 0 0) appears, showing the solver's status while it waits.\n"
	"\n"
	"  SERVER               IPv4 or IPv6 address, optional port: 192.0.2.1,\n"
	"                       192.0.2.1:5300, 2001:db8::1, [2001:db8::1]:5300\n"
	"  --port N             port when SERVER has none (default 53)\n"
	"  --dns-key K          TSIG key name:alg:base64secret (alg hmac-sha256,\n"
	"                       sha256, ...) with update authority for HOSTNAME,\n"
	"                       e.g. host._update.example.com:sha256:...\n"
	"  --additional NAME    another name for the certificate (repeatable)\n"
	"  --key FILE           private key (PEM); created, mode 0600, if missing\n"
	"                       (default HOSTNAME.key)\n"
	"  --csr FILE           where the CSR is written (default HOSTNAME.req)\n"
	"  --certificate FILE   where the chain is written, PEM, end-entity first\n"
	"                       (default HOSTNAME.pem)\n"
	"  --type T             key type for a new key: p256 (default), p384, rsa,\n"
	"                       ed25519 (only for CAs that issue it)\n"
	"  --bits N             RSA key size: 2048 (default), 3072, 4096\n"
	"  --seed S             derive the key from the secret S (same seed, same key,\n"
	"                       same CSR); the key file, if it exists, must hold it\n"
	"  --force              publish a new CSR even if a valid certificate exists\n"
	"  --wait SECONDS       give up after this long (default 600)\n"
	"  --renew-before D     a certificate must stay valid D longer (e.g. 30d, 12h,\n"
	"                       90m, 3600s; default: a third of its lifetime)\n"
	"  --ca-file FILE       the chain must also verify to these PEM CA certificates\n"
	"  --watch              keep running: renew at the renewal point, forever\n"
	"  --deploy-hook CMD    with --watch, or alone: run CMD (/bin/sh -c) after each\n"
	"                       new certificate is written; environment: RENEWED_LINEAGE\n"
	"                       (directory of the certificate), RENEWED_DOMAINS (the\n"
	"                       names), OCERTIFY_CERTIFICATE, OCERTIFY_KEY\n"
	"  -h, --help           this text\n"
	"      --version        the version\n"
	"\n"
	"Exit status:\n"
	"  0  the certificate is written (a valid one was found or issued)\n"
	"  1  local failure (files, memory, crypto)\n"
	"  2  usage error\n"
	"  3  the server refused the update (NOTAUTH/REFUSED: the key lacks authority)\n"
	"  4  TSIG failure (wrong secret, unknown key, clock skew)\n"
	"  5  the deadline (--wait) passed without a matching certificate\n"
	"  6  the solver reported a failure (its retry time is past the deadline)\n"
	"  7  the server never answered (unreachable)\n"
	"  8  the server answered with an error (FORMERR, NOTIMP, ...)\n";

static int usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "ocertify: ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n%.*s(see ocertify --help)\n",
	        (int)(strchr(usage_text, '\n') - usage_text + 1), usage_text);
	return OC_EXIT_USAGE;
}

int oc_exit_code(dns_certify_result_t r)
{
	switch (r) {
	case DNS_CERTIFY_OK: return 0;
	case DNS_CERTIFY_E_USAGE: return OC_EXIT_USAGE;
	case DNS_CERTIFY_E_REFUSED: return 3;
	case DNS_CERTIFY_E_TSIG: return 4;
	case DNS_CERTIFY_E_DEADLINE: return 5;
	case DNS_CERTIFY_E_SOLVER: return 6;
	case DNS_CERTIFY_E_UNREACHABLE: return 7;
	case DNS_CERTIFY_E_SERVER: return 8;
	default: return OC_EXIT_LOCAL;
	}
}

/* "30d", "12h", "90m", "3600s", "3600" -> seconds. */
static bool parse_duration(const char *s, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || v < 0)
		return false;
	int64_t mul = 1;
	if (*end == 'd')
		mul = 86400;
	else if (*end == 'h')
		mul = 3600;
	else if (*end == 'm')
		mul = 60;
	else if (*end != 's' && *end != '\0')
		return false;
	if (*end != '\0' && end[1] != '\0')
		return false;
	if (v > INT64_MAX / mul / 2)
		return false;
	*out = v * mul;
	return true;
}

static bool parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || end == s || *end != '\0' || v > max || s[0] == '-')
		return false;
	*out = v;
	return true;
}

static const char *const with_value[] = {
	"--port", "--dns-key", "--additional", "--key", "--csr", "--certificate", "--type", "--bits",
	"--seed", "--wait", "--renew-before", "--ca-file", "--deploy-hook",
};

static int option_value(oc_opts_t *o, const char *a, const char *v)
{
	unsigned long n;
	if (!strcmp(a, "--port")) {
		if (!parse_uint(v, 65535, &n) || n == 0)
			return usage("invalid --port '%s'", v);
		o->port = (uint16_t)n;
	} else if (!strcmp(a, "--dns-key")) {
		o->dns_key = v;
	} else if (!strcmp(a, "--additional")) {
		if (o->nadditional >= DNS_CERTIFY_NAMES_MAX)
			return usage("too many --additional names");
		o->additional[o->nadditional++] = v;
	} else if (!strcmp(a, "--key")) {
		o->key_file = v;
	} else if (!strcmp(a, "--csr")) {
		o->csr_file = v;
	} else if (!strcmp(a, "--certificate")) {
		o->cert_file = v;
	} else if (!strcmp(a, "--type")) {
		if (dns_certify_keytype_parse(v, &o->type) != DNS_OK)
			return usage("invalid --type '%s' (want p256, p384, rsa or ed25519)", v);
	} else if (!strcmp(a, "--bits")) {
		if (!parse_uint(v, 65535, &n) || (n != 2048 && n != 3072 && n != 4096))
			return usage("invalid --bits '%s' (want 2048, 3072 or 4096)", v);
		o->bits = (unsigned)n;
	} else if (!strcmp(a, "--seed")) {
		if (v[0] == '\0')
			return usage("empty --seed");
		o->seed = v;
	} else if (!strcmp(a, "--wait")) {
		if (!parse_uint(v, 86400 * 365, &n) || n == 0)
			return usage("invalid --wait '%s' (want seconds, at least 1)", v);
		o->wait = (int64_t)n;
	} else if (!strcmp(a, "--renew-before")) {
		if (!parse_duration(v, &o->renew_before))
			return usage("invalid --renew-before '%s' (want e.g. 30d, 12h, 90m, 3600s)", v);
	} else if (!strcmp(a, "--ca-file")) {
		o->ca_file = v;
	} else {
		o->deploy_hook = v;
	}
	return -1;
}

static int parse_args(oc_opts_t *o, int argc, char **argv)
{
	const char *pos[2];
	int npos = 0;
	o->wait = 600;
	o->renew_before = -1;
	o->bits = 2048;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(usage_text, stdout);
			return 0;
		} else if (!strcmp(a, "--version")) {
			printf("ocertify %s\n", DNS_SUITE_VERSION);
			return 0;
		} else if (!strcmp(a, "--force")) {
			o->force = true;
		} else if (!strcmp(a, "--watch")) {
			o->watch = true;
		} else if (a[0] == '-' && a[1] != '\0') {
			bool known = false;
			for (size_t k = 0; k < sizeof(with_value) / sizeof(with_value[0]); k++)
				known = known || !strcmp(a, with_value[k]);
			if (!known)
				return usage("unknown option %s", a);
			if (i + 1 >= argc)
				return usage("%s needs a value", a);
			int r = option_value(o, a, argv[++i]);
			if (r >= 0)
				return r;
		} else if (npos < 2) {
			pos[npos++] = a;
		} else {
			return usage("too many arguments");
		}
	}
	if (npos != 2)
		return usage("want SERVER and HOSTNAME");
	if (o->dns_key == NULL)
		return usage("--dns-key is required");
	o->server = pos[0];
	o->host = pos[1];
	return -1;
}

int main(int argc, char **argv)
{
	static oc_opts_t o;
	int r = parse_args(&o, argc, argv);
	if (r >= 0)
		return r;
	signal(SIGPIPE, SIG_IGN);
	oc_state_t *st = NULL;
	r = oc_prepare(&o, &st);
	if (r != 0)
		return r;
	r = o.watch ? oc_watch(&o, st) : oc_once(&o, st);
	oc_state_free(st);
	return r;
}
