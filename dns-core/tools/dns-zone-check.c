/*
 * dns-zone-check.c - `dns-zone check`, `check-keys` and `print`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/keys.h"
#include "dns/layout.h"
#include "dns/name.h"
#include "dns/serial.h"
#include "dns-zone.h"

/* The base name of a path. */
static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* Compare serials with the old version; returns an exit status. */
static int check_serial(const char *old_path, const uint8_t *origin, const dns_zone_t *z,
                        const char *path)
{
	bool found;
	uint32_t old;
	int rc = zt_file_serial(old_path, origin, &found, &old);
	if (rc != 0)
		return rc;
	if (!found || !dns_zone_soa(z))
		return 0; /* a new zone: nothing to compare with */
	uint32_t now = dns_zone_serial(z);
	if (dns_serial_gt(now, old))
		return 0;
	fprintf(stderr, "%s: SOA serial %u is not greater than the old serial %u\n", path,
	        (unsigned)now, (unsigned)old);
	/* The serial went down: most likely a rollback (git revert), which
	 * needs a serial above the one it rolls back from. */
	if (dns_serial_lt(now, old))
		fprintf(stderr, "%s: the serial went down (a rollback?): raise it above %u with "
		        "`dns-zone bump-serial --min %u %s`, commit and push again\n",
		        path, (unsigned)old, (unsigned)(old + 1), base_name(path));
	return EXIT_FINDINGS;
}

/* Load one zone file; *z is set when it loads.  Returns an exit status. */
static int load_zone(const zt_args_t *a, const char *file, uint8_t origin[DNS_NAME_MAX],
                     dns_zone_t **z)
{
	if (a->root && !a->origin) {
		/* In a repository the file's name says what it is. */
		const char *why;
		dns_layout_kind_t k = dns_layout_classify(base_name(file), origin, &why);
		if (k != DNS_LAYOUT_ZONE) {
			fprintf(stderr, "%s: not a zone file in a repository: %s\n", file,
			        k == DNS_LAYOUT_INCLUDE ? "an include file (check the zones that include it)"
			                               : why);
			return EXIT_FINDINGS;
		}
	} else if (!zt_origin_of(a->origin, file, origin)) {
		fprintf(stderr, "dns-zone: invalid origin '%s'\n", a->origin ? a->origin : file);
		return EXIT_USAGE;
	}
	zt_includes_t inc;
	dns_zf_options_t opt = { .origin = origin, .default_ttl = 3600 };
	if (a->root) {
		if (!zt_includes_init(&inc, a->root, file))
			return EXIT_USAGE;
		zt_includes_use(&inc, &opt);
	}
	dns_err_t e = dns_zone_load_file(file, &opt, z, zt_print_finding, NULL);
	if (a->root)
		zt_includes_free(&inc);
	if (e == DNS_EIO || e == DNS_EINVAL)
		return EXIT_USAGE;
	return e == DNS_OK ? 0 : EXIT_FINDINGS;
}

/* A key file's zone: --origin, else the root for "_keys", the zone for
 * "<zone>._keys".  False (reported) otherwise. */
static bool keys_origin(const char *opt_origin, const char *file, uint8_t origin[DNS_NAME_MAX])
{
	if (opt_origin)
		return zt_origin_of(opt_origin, file, origin);
	const char *why;
	if (dns_layout_classify(base_name(file), origin, &why) == DNS_LAYOUT_KEYS)
		return true;
	fprintf(stderr, "%s: not a key file name (_keys or <zone>._keys)%s%s; give --origin\n", file,
	        why ? ": " : "", why ? why : "");
	return false;
}

static int check_keys_file(const char *opt_origin, const char *file)
{
	uint8_t origin[DNS_NAME_MAX];
	if (!keys_origin(opt_origin, file, origin))
		return EXIT_USAGE;
	dns_keystore_t *ks = dns_keystore_new();
	if (!ks) {
		fputs("dns-zone: out of memory\n", stderr);
		return EXIT_USAGE;
	}
	dns_err_t e = dns_keystore_load_file(ks, file, origin, zt_print_finding, NULL);
	dns_keystore_free(ks);
	if (e == DNS_OK)
		return 0;
	return e == DNS_EIO || e == DNS_ENOMEM ? EXIT_USAGE : EXIT_FINDINGS;
}

/* The worse of two exit statuses. */
static int worse(int a, int b)
{
	return a > b ? a : b;
}

int zt_check_keys(const zt_args_t *a)
{
	int rc = 0;
	for (int i = 0; i < a->nfiles; i++)
		rc = worse(rc, check_keys_file(a->origin, a->files[i]));
	return rc;
}

int zt_check(const zt_args_t *a)
{
	int rc = 0;
	for (int i = 0; i < a->nfiles; i++) {
		const char *file = a->files[i];
		uint8_t origin[DNS_NAME_MAX];
		const char *base = base_name(file);
		if (!a->origin &&
		    dns_layout_classify(base, origin, NULL) == DNS_LAYOUT_KEYS) {
			rc = worse(rc, check_keys_file(NULL, file));
			continue;
		}
		dns_zone_t *z = NULL;
		int r = load_zone(a, file, origin, &z);
		if (r == 0 && a->old)
			r = check_serial(a->old, origin, z, file);
		dns_zone_unref(z);
		rc = worse(rc, r);
	}
	return rc;
}

int zt_print(const zt_args_t *a)
{
	uint8_t origin[DNS_NAME_MAX];
	dns_zone_t *z = NULL;
	int rc = load_zone(a, a->files[0], origin, &z);
	if (rc != 0)
		return rc;
	dns_err_t e = dns_zonefile_write(z, stdout);
	if (e != DNS_OK) {
		fprintf(stderr, "dns-zone: cannot print: %s\n", dns_strerror(e));
		rc = EXIT_USAGE;
	}
	dns_zone_unref(z);
	return rc;
}
