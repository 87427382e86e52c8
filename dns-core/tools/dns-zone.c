/*
 * dns-zone - check, print and edit the files of a zone repository.
 *
 *   dns-zone check [--origin NAME] [--old OLDFILE] [--root DIR] FILE...
 *   dns-zone check-keys [--origin NAME] FILE...
 *   dns-zone print [--origin NAME] [--root DIR] FILE
 *   dns-zone bump-serial [--origin NAME] [--root DIR] [--min SERIAL | --above OLDFILE] FILE
 *   dns-zone layout NAME...
 *
 * The origin defaults to the file's name, as zone repositories name their
 * files after their zones.  Exit status: 0 valid, 1 findings, 2 usage or
 * I/O errors.  This file reads the command line; the commands live in
 * dns-zone-check.c, dns-zone-edit.c and dns-zone-layout.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns-zone.h"

static const char usage_text[] =
	"usage: dns-zone check [--origin NAME] [--old OLDFILE] [--root DIR] FILE...\n"
	"       dns-zone check-keys [--origin NAME] FILE...\n"
	"       dns-zone print [--origin NAME] [--root DIR] FILE\n"
	"       dns-zone bump-serial [--origin NAME] [--root DIR] [--min SERIAL | --above OLDFILE] FILE\n"
	"       dns-zone layout NAME...\n"
	"\n"
	"  check        parse and check each zone FILE; every finding goes to stderr\n"
	"               as file:line:col: message.  Key files (_keys, <zone>._keys)\n"
	"               are checked as by check-keys.  Exit 0 when valid, 1 otherwise.\n"
	"  check-keys   check TSIG key files with the primary's own parser: base64,\n"
	"               algorithms (157, 161-165), duplicate names, and that each\n"
	"               name carries authority (_update, _transfer or _notify label)\n"
	"               inside the file's zone.\n"
	"  print        write the zone in canonical form, one record per line.\n"
	"  bump-serial  raise FILE's SOA serial in place as the primary's write-back\n"
	"               does (today's YYYYMMDD00, else +1), changing only its digits.\n"
	"  layout       say what a zone repository makes of each root file NAME:\n"
	"               zone, keys, include (*.inc, for $INCLUDE), skip or invalid.\n"
	"               Exit 1 when two names are one zone (EXAMPLE.COM, example.com).\n"
	"\n"
	"  --origin NAME    the zone's name (default: FILE's base name)\n"
	"  --old OLDFILE    also require FILE's SOA serial to be greater than\n"
	"                   OLDFILE's (RFC 1982), as the pre-receive hook does\n"
	"  --root DIR       FILE belongs to the zone repository checked out in DIR:\n"
	"                   $INCLUDE paths are relative to DIR and may name a root\n"
	"                   *.inc file or a file in a subdirectory, as the primary\n"
	"                   resolves them in a commit (default: relative to FILE's\n"
	"                   directory, confined to it)\n"
	"  --min SERIAL     bump-serial: the new serial is at least SERIAL\n"
	"  --above OLDFILE  bump-serial: the new serial is greater than OLDFILE's,\n"
	"                   e.g. after a rollback:\n"
	"                     git revert --no-commit HEAD\n"
	"                     dns-zone bump-serial --above <(git show HEAD:example.com) example.com\n"
	"                     git commit -a -m \"Roll back example.com\"\n"
	"  -h, --help       this text\n"
	"      --version    the version\n"
	"\n"
	"The repository layout, key names and hooks: docs/repository.md.\n";

static int usage(const char *why)
{
	if (why)
		fprintf(stderr, "dns-zone: %s\n", why);
	fputs(usage_text, stderr);
	return EXIT_USAGE;
}

/* The options that take a value, and where each goes. */
static const char **option_slot(zt_args_t *a, const char *opt)
{
	if (!strcmp(opt, "--origin"))
		return &a->origin;
	if (!strcmp(opt, "--old"))
		return &a->old;
	if (!strcmp(opt, "--root"))
		return &a->root;
	if (!strcmp(opt, "--min"))
		return &a->min;
	if (!strcmp(opt, "--above"))
		return &a->above;
	return NULL;
}

/* Parse argv into @a; returns -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, zt_args_t *a)
{
	bool only_files = false;
	for (int i = 1; i < argc; i++) {
		char *s = argv[i];
		const char **slot;
		if (only_files) {
			/* after "--": files, even when they start with '-' */
		} else if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
			fputs(usage_text, stdout);
			return 0;
		} else if (!strcmp(s, "--version")) {
			printf("dns-zone %s\n", DNS_SUITE_VERSION);
			return 0;
		} else if (!strcmp(s, "--")) {
			only_files = true;
			continue;
		} else if ((slot = option_slot(a, s))) {
			if (i + 1 >= argc) {
				fprintf(stderr, "dns-zone: %s needs a value\n", s);
				return usage(NULL);
			}
			*slot = argv[++i];
			continue;
		} else if (s[0] == '-' && s[1] != '\0') {
			fprintf(stderr, "dns-zone: unknown option '%s'\n", s);
			return usage(NULL);
		}
		if (!a->cmd)
			a->cmd = s;
		else
			a->files[a->nfiles++] = s;
	}
	return -1;
}

/* Which options each command takes, and how many files. */
static int validate(const zt_args_t *a)
{
	const char *c = a->cmd;
	bool check = !strcmp(c, "check"), keys = !strcmp(c, "check-keys"),
	     print = !strcmp(c, "print"), bump = !strcmp(c, "bump-serial"),
	     layout = !strcmp(c, "layout");
	if (!check && !keys && !print && !bump && !layout) {
		fprintf(stderr, "dns-zone: unknown command '%s'\n", c);
		return usage(NULL);
	}
	if (a->nfiles == 0)
		return usage(layout ? "missing file names" : "missing zone file");
	if ((print || bump) && a->nfiles > 1)
		return usage("too many arguments");
	if (a->old && !check)
		return usage("--old applies to check only");
	if (a->root && (keys || layout))
		return usage("--root applies to check, print and bump-serial");
	if (a->origin && layout)
		return usage("--origin does not apply to layout");
	if ((a->min || a->above) && !bump)
		return usage("--min and --above apply to bump-serial only");
	if (a->min && a->above)
		return usage("give --min or --above, not both");
	if ((a->origin || a->old) && a->nfiles > 1)
		return usage("--origin and --old apply to one FILE");
	return -1;
}

int main(int argc, char **argv)
{
	zt_args_t a = { .files = calloc((size_t)(argc > 0 ? argc : 1), sizeof(char *)) };
	if (!a.files) {
		fputs("dns-zone: out of memory\n", stderr);
		return EXIT_USAGE;
	}
	int rc = parse_args(argc, argv, &a);
	if (rc < 0 && !a.cmd)
		rc = usage("missing command");
	if (rc < 0)
		rc = validate(&a);
	if (rc < 0) {
		if (!strcmp(a.cmd, "check"))
			rc = zt_check(&a);
		else if (!strcmp(a.cmd, "check-keys"))
			rc = zt_check_keys(&a);
		else if (!strcmp(a.cmd, "print"))
			rc = zt_print(&a);
		else if (!strcmp(a.cmd, "bump-serial"))
			rc = zt_bump_serial(&a);
		else
			rc = zt_layout(&a);
	}
	free(a.files);
	return rc;
}
