/*
 * dns-zone-layout.c - `dns-zone layout NAME...`: what a zone repository
 * makes of each root file, by the rules the primary applies (dns/layout.h),
 * so the git hooks never keep rules of their own.  One line per NAME:
 *
 *   zone NAME ORIGIN        keys NAME ORIGIN        include NAME
 *   skip NAME: WHY          invalid NAME: WHY
 *
 * Zone and key file names never contain blanks, so a hook can read the
 * first three fields of those lines with `read -r kind name origin`.
 * Two names of one zone (EXAMPLE.COM beside example.com) are reported on
 * stderr and make the exit status 1, as the primary refuses both.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/layout.h"
#include "dns/name.h"
#include "dns-zone.h"

/* A name as printed: control and non-ASCII bytes, which would break the
 * line format, as \DDD (they never occur in zone and key file names, which
 * are therefore printed exactly). */
static void put_name(const char *name)
{
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if (*p < ' ' || *p >= 0x7f)
			printf("\\%03u", *p);
		else
			putchar(*p);
	}
}

typedef struct seen {
	const char *name;
	dns_layout_kind_t kind;
	uint8_t origin[DNS_NAME_MAX];
} seen_t;

/* Report every earlier name of the same kind naming the same zone. */
static bool duplicates(const seen_t *all, size_t n)
{
	const seen_t *s = &all[n];
	bool dup = false;
	char zone[DNS_NAME_TEXT_MAX];
	for (size_t i = 0; i < n; i++) {
		if (all[i].kind != s->kind || !dns_name_equal(all[i].origin, s->origin))
			continue;
		dns_name_to_text(s->origin, zone, sizeof(zone));
		fprintf(stderr, "dns-zone: '%s' and '%s' are %s of the same zone %s: the primary "
		        "refuses both; keep one\n", all[i].name, s->name,
		        s->kind == DNS_LAYOUT_ZONE ? "zone files" : "key files", zone);
		dup = true;
	}
	return dup;
}

int zt_layout(const zt_args_t *a)
{
	seen_t *all = calloc((size_t)a->nfiles, sizeof(*all));
	if (!all) {
		fputs("dns-zone: out of memory\n", stderr);
		return EXIT_USAGE;
	}
	size_t n = 0;
	int rc = 0;
	for (int i = 0; i < a->nfiles; i++) {
		const char *why;
		uint8_t origin[DNS_NAME_MAX];
		dns_layout_kind_t k = dns_layout_classify(a->files[i], origin, &why);
		printf("%s ", dns_layout_kind_name(k));
		put_name(a->files[i]);
		if (k == DNS_LAYOUT_ZONE || k == DNS_LAYOUT_KEYS) {
			char zone[DNS_NAME_TEXT_MAX];
			dns_name_to_text(origin, zone, sizeof(zone));
			printf(" %s\n", zone);
			all[n].name = a->files[i];
			all[n].kind = k;
			dns_name_copy(all[n].origin, origin);
			if (duplicates(all, n))
				rc = EXIT_FINDINGS;
			n++;
		} else {
			printf(why ? ": %s\n" : "\n", why);
		}
	}
	free(all);
	if (fflush(stdout) != 0)
		rc = EXIT_USAGE;
	return rc;
}
