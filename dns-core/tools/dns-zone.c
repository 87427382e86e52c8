/*
 * dns-zone - check or print a zone file.
 *
 *   dns-zone check [--origin NAME] [--old OLDFILE] FILE
 *   dns-zone print [--origin NAME] FILE
 *
 * The origin defaults to the file's name plus a trailing dot, as zone
 * repositories name their files after their zones.  With --old, the new
 * SOA serial must be greater than the old one (RFC 1982), so the command
 * can serve as a git pre-receive hook.  Exit status: 0 valid, 1 findings,
 * 2 usage or I/O errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/name.h"
#include "dns/rdata.h"
#include "dns/rrtype.h"
#include "dns/zonefile.h"

#define EXIT_FINDINGS 1
#define EXIT_USAGE 2

static const char usage_text[] =
	"usage: dns-zone check [--origin NAME] [--old OLDFILE] FILE\n"
	"       dns-zone print [--origin NAME] FILE\n"
	"\n"
	"  check   parse and check FILE; every finding goes to stderr as\n"
	"          file:line:col: message.  Exit 0 when valid, 1 otherwise.\n"
	"  print   write the zone in canonical form, one record per line.\n"
	"\n"
	"  --origin NAME   the zone's name (default: FILE's base name)\n"
	"  --old OLDFILE   also require FILE's SOA serial to be greater than\n"
	"                  OLDFILE's (RFC 1982), as a pre-receive hook would\n"
	"  -h, --help      this text\n";

static int usage(const char *why)
{
	if (why)
		fprintf(stderr, "dns-zone: %s\n", why);
	fputs(usage_text, stderr);
	return EXIT_USAGE;
}

static void print_error(void *ctx, const dns_zf_pos_t *pos, const char *msg)
{
	if (pos->line)
		fprintf(stderr, "%s:%u:%u: %s\n", pos->file, (unsigned)pos->line, (unsigned)pos->col, msg);
	else
		fprintf(stderr, "%s: %s\n", pos->file, msg);
}

/* RFC 1982 §3.2 "greater than" for 32-bit serials. */
static bool serial_gt(uint32_t a, uint32_t b)
{
	return a != b && (uint32_t)(a - b) < 0x80000000u;
}

/* The origin from the command line, or the file's base name. */
static bool origin_of(const char *opt_origin, const char *path, uint8_t *out)
{
	char buf[DNS_NAME_TEXT_MAX + 2];
	const char *text = opt_origin;
	if (!text) {
		const char *base = strrchr(path, '/');
		base = base ? base + 1 : path;
		size_t n = strlen(base);
		if (n == 0 || n > DNS_NAME_TEXT_MAX - 1)
			return false;
		memcpy(buf, base, n);
		if (base[n - 1] != '.')
			buf[n++] = '.';
		buf[n] = '\0';
		text = buf;
	}
	size_t len;
	return dns_name_from_text(out, &len, text, strlen(text), dns_name_root) == DNS_OK;
}

typedef struct old_soa {
	const uint8_t *origin;
	bool found;
	uint32_t serial;
} old_soa_t;

static dns_err_t find_soa(void *ctx, const dns_rr_t *rr, const dns_zf_pos_t *pos)
{
	old_soa_t *o = ctx;
	if (rr->type != DNS_TYPE_SOA || !dns_name_equal(rr->owner, o->origin) || o->found)
		return DNS_OK;
	/* The serial follows MNAME and RNAME. */
	size_t off = 0;
	for (int i = 0; i < 2 && off < rr->rdlen; i++)
		off += dns_name_length(rr->rdata + off);
	if (off + 4 <= rr->rdlen) {
		o->found = true;
		o->serial = dns_get32(rr->rdata + off);
	}
	return DNS_OK;
}

static void quiet(void *ctx, const dns_zf_pos_t *pos, const char *msg)
{
}

/* Compare serials with the old version; returns an exit status. */
static int check_serial(const char *old_path, const dns_zf_options_t *opt, const dns_zone_t *z,
                        const char *path)
{
	old_soa_t o = { opt->origin, false, 0 };
	dns_err_t e = dns_zonefile_parse_file(old_path, opt, find_soa, quiet, &o);
	if (e == DNS_EIO || e == DNS_ENOMEM || e == DNS_EINVAL) {
		fprintf(stderr, "dns-zone: cannot read %s\n", old_path);
		return EXIT_USAGE;
	}
	if (!o.found || !dns_zone_soa(z))
		return 0; /* a new zone: nothing to compare with */
	uint32_t now = dns_zone_serial(z);
	if (serial_gt(now, o.serial))
		return 0;
	fprintf(stderr, "%s: SOA serial %u is not greater than the old serial %u\n", path,
	        (unsigned)now, (unsigned)o.serial);
	return EXIT_FINDINGS;
}

int main(int argc, char **argv)
{
	const char *origin_text = NULL, *old = NULL, *file = NULL, *cmd = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(usage_text, stdout);
			return 0;
		}
		if (!strcmp(a, "--origin") || !strcmp(a, "--old")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "dns-zone: %s needs a value\n", a);
				return usage(NULL);
			}
			if (!strcmp(a, "--origin"))
				origin_text = argv[++i];
			else
				old = argv[++i];
		} else if (a[0] == '-' && a[1] != '\0') {
			fprintf(stderr, "dns-zone: unknown option '%s'\n", a);
			return usage(NULL);
		} else if (!cmd) {
			cmd = a;
		} else if (!file) {
			file = a;
		} else {
			return usage("too many arguments");
		}
	}
	if (!cmd)
		return usage("missing command");
	bool print = !strcmp(cmd, "print");
	if (!print && strcmp(cmd, "check")) {
		fprintf(stderr, "dns-zone: unknown command '%s'\n", cmd);
		return usage(NULL);
	}
	if (!file)
		return usage("missing zone file");
	if (print && old)
		return usage("--old applies to check only");

	uint8_t origin[DNS_NAME_MAX];
	if (!origin_of(origin_text, file, origin)) {
		fprintf(stderr, "dns-zone: invalid origin '%s'\n", origin_text ? origin_text : file);
		return EXIT_USAGE;
	}
	dns_zf_options_t opt = { .origin = origin, .default_ttl = 3600 };
	dns_zone_t *z = NULL;
	dns_err_t e = dns_zone_load_file(file, &opt, &z, print_error, NULL);
	if (e == DNS_EIO || e == DNS_EINVAL)
		return EXIT_USAGE;
	if (e != DNS_OK)
		return EXIT_FINDINGS;
	int rc = 0;
	if (print) {
		e = dns_zonefile_write(z, stdout);
		if (e != DNS_OK) {
			fprintf(stderr, "dns-zone: cannot print: %s\n", dns_strerror(e));
			rc = EXIT_USAGE;
		}
	} else if (old) {
		rc = check_serial(old, &opt, z, file);
	}
	dns_zone_unref(z);
	return rc;
}
