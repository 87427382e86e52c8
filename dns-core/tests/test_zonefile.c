/* Unit tests for zonefile.c, zone_load.c and zonefile_write.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "dns/name.h"
#include "dns/rrtype.h"
#include "dns/zonefile.h"

/* ---- collecting what the parser delivers ---- */

typedef struct rec {
	uint8_t owner[DNS_NAME_MAX];
	uint16_t type, rclass;
	uint32_t ttl;
	uint16_t rdlen;
	uint8_t rdata[512];
	uint32_t line, col;
	char file[64];
} rec_t;

typedef struct got {
	rec_t rec[64];
	size_t nrec;
	char err[32][160];
	size_t nerr;
} got_t;

static dns_err_t on_rec(void *ctx, const dns_rr_t *rr, const dns_zf_pos_t *pos)
{
	got_t *g = ctx;
	assert_true(g->nrec < 64);
	rec_t *r = &g->rec[g->nrec++];
	dns_name_copy(r->owner, rr->owner);
	r->type = rr->type;
	r->rclass = rr->rclass;
	r->ttl = rr->ttl;
	assert_true(rr->rdlen <= sizeof(r->rdata));
	r->rdlen = rr->rdlen;
	memcpy(r->rdata, rr->rdata, rr->rdlen);
	r->line = pos->line;
	r->col = pos->col;
	snprintf(r->file, sizeof(r->file), "%s", pos->file);
	return DNS_OK;
}

static void on_err(void *ctx, const dns_zf_pos_t *pos, const char *msg)
{
	got_t *g = ctx;
	if (g->nerr < 32)
		snprintf(g->err[g->nerr++], sizeof(g->err[0]), "%s:%u:%u: %s", pos->file,
		         (unsigned)pos->line, (unsigned)pos->col, msg);
}

static const uint8_t origin[] = "\7example\3com";

static dns_err_t parse(const char *text, got_t *g)
{
	memset(g, 0, sizeof(*g));
	dns_zf_options_t opt = { .origin = origin, .no_include = true };
	return dns_zonefile_parse_buffer("z", text, strlen(text), &opt, on_rec, on_err, g);
}

static void name_is(const uint8_t *got, const char *want)
{
	uint8_t w[DNS_NAME_MAX];
	size_t len;
	assert_int_equal(dns_name_from_text(w, &len, want, strlen(want), NULL), DNS_OK);
	assert_int_equal(dns_name_length(got), len);
	assert_memory_equal(got, w, len);
}

static void rec_is(const rec_t *r, const char *owner, uint16_t type, uint32_t ttl,
                   const void *rdata, size_t rdlen)
{
	name_is(r->owner, owner);
	assert_int_equal(r->type, type);
	assert_int_equal(r->ttl, ttl);
	assert_int_equal(r->rclass, DNS_CLASS_IN);
	assert_int_equal(r->rdlen, rdlen);
	assert_memory_equal(r->rdata, rdata, rdlen);
}

/* ---- syntax ---- */

static void test_basic_entries(void **state)
{
	got_t g;
	const char *z =
		"$ORIGIN example.com.\n"
		"$TTL 300\n"
		"@ IN SOA ns1 host.master 1 7200 3600 1209600 300\n"
		"  NS ns1\n"
		"ns1 A 192.0.2.1\n"
		"www 60 IN A 192.0.2.2\n"
		"    IN 120 A 192.0.2.3\n"
		"mail.example.com. MX 10 www\n"
		"sub.example.com. 7 ns ns1.Other.\n";
	assert_int_equal(parse(z, &g), DNS_OK);
	assert_int_equal(g.nerr, 0);
	assert_int_equal(g.nrec, 7);
	static const uint8_t soa[] = "\3ns1\7example\3com\0\4host\6master\7example\3com\0"
	                             "\0\0\0\1" "\0\0\x1c\x20" "\0\0\x0e\x10" "\0\x12\x75\0" "\0\0\1\x2c";
	rec_is(&g.rec[0], "example.com.", DNS_TYPE_SOA, 300, soa, sizeof(soa) - 1);
	assert_int_equal(g.rec[0].line, 3);
	assert_int_equal(g.rec[0].col, 1);
	rec_is(&g.rec[1], "example.com.", DNS_TYPE_NS, 300, "\3ns1\7example\3com", 17);
	assert_int_equal(g.rec[1].line, 4);
	rec_is(&g.rec[2], "ns1.example.com.", DNS_TYPE_A, 300, "\xc0\0\2\1", 4);
	rec_is(&g.rec[3], "www.example.com.", DNS_TYPE_A, 60, "\xc0\0\2\2", 4);
	rec_is(&g.rec[4], "www.example.com.", DNS_TYPE_A, 120, "\xc0\0\2\3", 4);
	rec_is(&g.rec[5], "mail.example.com.", DNS_TYPE_MX, 300, "\0\12\3www\7example\3com", 19);
	rec_is(&g.rec[6], "sub.example.com.", DNS_TYPE_NS, 7, "\3ns1\5Other", 11);
	assert_int_equal(g.rec[6].line, 9);
}

static void test_parens_comments_quotes(void **state)
{
	got_t g;
	const char *z =
		"$TTL 1h30m ; a comment\n"
		"; a whole-line comment\n"
		"\n"
		"@ SOA ns1 host ( ; the serial follows\n"
		"   2024010101 ; serial\n"
		"   2h 1H 1w1d 5M )\n"
		"t TXT \"a \\\"b\\\" ; (c)\" plain\n"
		"x 1W A 192.0.2.9\n";
	assert_int_equal(parse(z, &g), DNS_OK);
	assert_int_equal(g.nerr, 0);
	assert_int_equal(g.nrec, 3);
	static const uint8_t soa[] = "\3ns1\7example\3com\0\4host\7example\3com\0"
	                             "\x78\xa3\xf1\x75" "\0\0\x1c\x20" "\0\0\x0e\x10" "\0\x0a\x8c\0"
	                             "\0\0\1\x2c";
	rec_is(&g.rec[0], "example.com.", DNS_TYPE_SOA, 5400, soa, sizeof(soa) - 1);
	assert_int_equal(g.rec[0].line, 4);
	static const uint8_t txt[] = "\x0b" "a \"b\" ; (c)" "\5plain";
	rec_is(&g.rec[1], "t.example.com.", DNS_TYPE_TXT, 5400, txt, sizeof(txt) - 1);
	assert_int_equal(g.rec[1].line, 7);
	rec_is(&g.rec[2], "x.example.com.", DNS_TYPE_A, 604800, "\xc0\0\2\x09", 4);
}

static void test_generic_rdata(void **state)
{
	got_t g;
	const char *z =
		"$TTL 10\n"
		"u TYPE65280 \\# 3 01 0203\n"
		"a CLASS1 A \\# 4 c0000201\n"
		"e TYPE65281 \\# 0\n";
	assert_int_equal(parse(z, &g), DNS_OK);
	assert_int_equal(g.nrec, 3);
	rec_is(&g.rec[0], "u.example.com.", 65280, 10, "\1\2\3", 3);
	rec_is(&g.rec[1], "a.example.com.", DNS_TYPE_A, 10, "\xc0\0\2\1", 4);
	rec_is(&g.rec[2], "e.example.com.", 65281, 10, "", 0);
}

static void test_default_ttl_rules(void **state)
{
	got_t g;
	const char *z =
		"a A 192.0.2.1\n"        /* nothing yet: default, with a warning */
		"b 100 A 192.0.2.1\n"
		"c A 192.0.2.1\n"        /* the last explicit TTL */
		"$TTL 200\n"
		"d 50 A 192.0.2.1\n"
		"e A 192.0.2.1\n";       /* $TTL wins over the last explicit one */
	assert_int_equal(parse(z, &g), DNS_OK);
	assert_int_equal(g.nrec, 5);
	assert_int_equal(g.rec[0].ttl, 3600);
	assert_int_equal(g.rec[1].ttl, 100);
	assert_int_equal(g.rec[2].ttl, 100);
	assert_int_equal(g.rec[3].ttl, 50);
	assert_int_equal(g.rec[4].ttl, 200);
	assert_int_equal(g.nerr, 1);
	assert_string_equal(g.err[0], "z:1:1: warning: no TTL given and no $TTL; using 3600");
	assert_true(dns_zf_is_warning(g.err[0] + strlen("z:1:1: ")));
}

static void test_crlf(void **state)
{
	got_t g;
	const char *z = "$TTL 5\r\nwww A 192.0.2.1\r\n  AAAA ( 2001:db8::1\r\n )\r\nx BAD 1\r\n";
	assert_int_equal(parse(z, &g), DNS_ESYNTAX);
	assert_int_equal(g.nrec, 2);
	rec_is(&g.rec[0], "www.example.com.", DNS_TYPE_A, 5, "\xc0\0\2\1", 4);
	rec_is(&g.rec[1], "www.example.com.", DNS_TYPE_AAAA, 5,
	       "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\1", 16);
	assert_int_equal(g.nerr, 1);
	assert_string_equal(g.err[0], "z:5:3: unknown type 'BAD'");
}

static void test_origin_changes(void **state)
{
	got_t g;
	const char *z =
		"$TTL 1\n"
		"$ORIGIN sub\n"          /* relative to the current origin */
		"a A 192.0.2.1\n"
		"   A 192.0.2.2\n"
		"$ORIGIN other.\n"
		"a A 192.0.2.3\n"        /* same owner text, new origin */
		"@ A 192.0.2.4\n";
	assert_int_equal(parse(z, &g), DNS_OK);
	assert_int_equal(g.nrec, 4);
	name_is(g.rec[0].owner, "a.sub.example.com.");
	name_is(g.rec[1].owner, "a.sub.example.com.");
	name_is(g.rec[2].owner, "a.other.");
	name_is(g.rec[3].owner, "other.");
}

/* ---- errors, each with its position, and recovery ---- */

static void expect_error(const char *text, const char *want)
{
	got_t g;
	assert_int_equal(parse(text, &g), DNS_ESYNTAX);
	if (g.nerr != 1 || strcmp(g.err[0], want) != 0)
		fail_msg("for %s\n got %zu errors, first '%s'\n want '%s'", text, g.nerr,
		         g.nerr ? g.err[0] : "", want);
}

static void test_errors_positions(void **state)
{
	expect_error("$TTL 1\nwww AAA ::1\n", "z:2:5: unknown type 'AAA'");
	expect_error("x 4294967296 A 192.0.2.1\n", "z:1:3: TTL out of range '4294967296'");
	expect_error("$TTL 2147483648\n", "z:1:6: TTL out of range '2147483648'");
	expect_error("$TTL 1x\n", "z:1:6: invalid TTL '1x'");
	expect_error("$TTL 1\nx A ( 192.0.2.1\n\n", "z:2:5: unbalanced parenthesis");
	expect_error("$TTL 1\nx A 192.0.2.1 )\n", "z:2:15: unbalanced parenthesis");
	expect_error("$TTL 1\nx TXT ( ( a ) )\n", "z:2:9: nested parenthesis");
	expect_error("$TTL 1\nx TXT \"abc\ny A 192.0.2.1\n", "z:2:11: newline in quoted string");
	expect_error("$TTL 1\nx TXT \"abc", "z:2:7: unterminated quoted string");
	expect_error("$TTL 1\n  A 192.0.2.1\n", "z:2:3: no owner name, and no previous one");
	expect_error("$GENERATE 1-2 a A 1.2.3.4\n", "z:1:1: unknown directive '$GENERATE'");
	expect_error("$TTL 1\nx CH A 192.0.2.1\n", "z:2:1: class CH differs from the zone's class IN");
	expect_error("$TTL 1\nx 20\n", "z:2:5: missing type");
	expect_error("$ORIGIN a..b.\n", "z:1:9: invalid origin 'a..b.'");
	expect_error("$ORIGIN\n", "z:1:1: $ORIGIN needs exactly one name");
	expect_error("a..b A 192.0.2.1\n", "z:1:1: invalid owner name 'a..b'");
	expect_error("$INCLUDE x\n", "z:1:1: $INCLUDE is not allowed here");
	expect_error("$TTL 1\nx A 1\\\n", "z:2:6: backslash at end of line");
	/* The rdata converter's message is its own; the position is ours. */
	got_t g;
	assert_int_equal(parse("$TTL 1\nx A 192.0.2\n", &g), DNS_ESYNTAX);
	assert_int_equal(g.nerr, 1);
	assert_memory_equal(g.err[0], "z:2:5: A: ", 10);
	assert_int_equal(parse("$TTL 1\nx MX 10\n", &g), DNS_ESYNTAX);
	assert_int_equal(g.nerr, 1);
	assert_memory_equal(g.err[0], "z:2:8: MX: ", 11);
}

static void test_nul_and_long_line(void **state)
{
	got_t g;
	static const char z[] = "$TTL 1\nx A 192.0.2.1\x00\ny A 192.0.2.2\n";
	memset(&g, 0, sizeof(g));
	dns_zf_options_t opt = { .origin = origin, .no_include = true };
	assert_int_equal(dns_zonefile_parse_buffer("z", z, sizeof(z) - 1, &opt, on_rec, on_err, &g),
	                 DNS_ESYNTAX);
	assert_int_equal(g.nerr, 1);
	assert_string_equal(g.err[0], "z:2:14: NUL byte");
	assert_int_equal(g.nrec, 1);
	name_is(g.rec[0].owner, "y.example.com.");

	size_t n = 70000;
	char *big = malloc(n + 64);
	assert_non_null(big);
	strcpy(big, "$TTL 1\nx TXT ");
	size_t off = strlen(big);
	memset(big + off, 'a', n);
	strcpy(big + off + n, "\ny A 192.0.2.2\n");
	assert_int_equal(parse(big, &g), DNS_ESYNTAX);
	assert_int_equal(g.nerr, 1);
	assert_string_equal(g.err[0], "z:2:65537: line longer than 65536 bytes");
	assert_int_equal(g.nrec, 1);
	free(big);
}

static void test_recovery_and_max_errors(void **state)
{
	got_t g;
	const char *z =
		"$TTL 1\n"
		"a AAA 1\n"
		"  A 192.0.2.1\n"      /* belongs to a: still fine */
		"b A ( 192.0.2.1\n"
		"  ( )\n"               /* nested: the whole entry is dropped */
		"c A 192.0.2.3\n";
	assert_int_equal(parse(z, &g), DNS_ESYNTAX);
	assert_int_equal(g.nerr, 2);
	assert_string_equal(g.err[0], "z:2:3: unknown type 'AAA'");
	assert_string_equal(g.err[1], "z:5:3: nested parenthesis");
	assert_int_equal(g.nrec, 2);
	name_is(g.rec[0].owner, "a.example.com.");
	name_is(g.rec[1].owner, "c.example.com.");

	/* A broken directive does not take the previous owner with it. */
	assert_int_equal(parse("$TTL 1\nx A 192.0.2.1\n$ORIGIN \"a\n  A 192.0.2.2\n", &g), DNS_ESYNTAX);
	assert_int_equal(g.nerr, 1);
	assert_string_equal(g.err[0], "z:3:11: newline in quoted string");
	assert_int_equal(g.nrec, 2);
	name_is(g.rec[1].owner, "x.example.com.");
	assert_int_equal(g.rec[1].line, 4);

	memset(&g, 0, sizeof(g));
	const char *bad = "x X\ny Y\nz Z\nw W\n";
	dns_zf_options_t opt = { .origin = origin, .no_include = true, .max_errors = 2 };
	assert_int_equal(dns_zonefile_parse_buffer("z", bad, strlen(bad), &opt, on_rec, on_err, &g),
	                 DNS_ESYNTAX);
	assert_int_equal(g.nerr, 3);
	assert_string_equal(g.err[1], "z:2:3: unknown type 'Y'");
	assert_string_equal(g.err[2], "z:2:3: too many errors, giving up");
}

/* ---- files and $INCLUDE ---- */

static char tmpdir[256];

static void put(const char *rel, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static dns_err_t parse_path(const char *rel, got_t *g, unsigned depth)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	memset(g, 0, sizeof(*g));
	dns_zf_options_t opt = { .origin = origin, .max_include_depth = depth };
	return dns_zonefile_parse_file(path, &opt, on_rec, on_err, g);
}

static int make_tree(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_zonefile.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	char p[512];
	snprintf(p, sizeof(p), "%s/zones", tmpdir);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/zones/sub", tmpdir);
	mkdir(p, 0700);
	return 0;
}

static int remove_tree(void **state)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_include(void **state)
{
	got_t g;
	put("zones/top", "$TTL 9\n"
	                 "a A 192.0.2.1\n"
	                 "$INCLUDE sub/inc.zone in\n"
	                 "b A 192.0.2.2\n"
	                 "$INCLUDE \"sub/inc.zone\"\n");
	/* Relative to its own directory; its $ORIGIN does not leak out. */
	put("zones/sub/inc.zone", "x A 192.0.2.3\n$ORIGIN elsewhere.\ny A 192.0.2.4\n");
	assert_int_equal(parse_path("zones/top", &g, 0), DNS_OK);
	assert_int_equal(g.nerr, 0);
	assert_int_equal(g.nrec, 6);
	name_is(g.rec[0].owner, "a.example.com.");
	name_is(g.rec[1].owner, "x.in.example.com.");
	assert_string_equal(g.rec[1].file, "sub/inc.zone");
	assert_int_equal(g.rec[1].line, 1);
	name_is(g.rec[2].owner, "y.elsewhere.");
	name_is(g.rec[3].owner, "b.example.com.");
	assert_int_equal(g.rec[3].line, 4);
	name_is(g.rec[4].owner, "x.example.com.");
	assert_int_equal(g.rec[4].ttl, 9);
	name_is(g.rec[5].owner, "y.elsewhere.");
}

static void test_include_confined(void **state)
{
	got_t g;
	char want[600], p[512], target[512];
	put("outside", "evil A 192.0.2.66\n");
	put("zones/up", "$TTL 1\n$INCLUDE ../outside\nok A 192.0.2.1\n");
	assert_int_equal(parse_path("zones/up", &g, 0), DNS_ESYNTAX);
	assert_int_equal(g.nrec, 1);
	name_is(g.rec[0].owner, "ok.example.com.");
	snprintf(want, sizeof(want), "%s/zones/up:2:10: $INCLUDE path escapes the zone directory",
	         tmpdir);
	assert_int_equal(g.nerr, 1);
	assert_string_equal(g.err[0], want);

	/* A symlink inside the tree that points out of it. */
	snprintf(p, sizeof(p), "%s/zones/sub/link", tmpdir);
	snprintf(target, sizeof(target), "%s/outside", tmpdir);
	unlink(p);
	assert_int_equal(symlink(target, p), 0);
	put("zones/viasym", "$INCLUDE sub/link\n");
	assert_int_equal(parse_path("zones/viasym", &g, 0), DNS_ESYNTAX);
	assert_int_equal(g.nrec, 0);
	assert_int_equal(g.nerr, 1);
	assert_non_null(strstr(g.err[0], ":1:10: $INCLUDE path escapes the zone directory"));

	/* An absolute path out of the tree. */
	char z[600];
	snprintf(z, sizeof(z), "$INCLUDE %s/outside\n", tmpdir);
	put("zones/abs", z);
	assert_int_equal(parse_path("zones/abs", &g, 0), DNS_ESYNTAX);
	assert_int_equal(g.nerr, 1);
	assert_non_null(strstr(g.err[0], "$INCLUDE path escapes the zone directory"));

	/* A missing include. */
	put("zones/missing", "$INCLUDE nothere\n");
	assert_int_equal(parse_path("zones/missing", &g, 0), DNS_ESYNTAX);
	assert_int_equal(g.nerr, 1);
	assert_non_null(strstr(g.err[0], ":1:10: cannot open 'nothere': No such file or directory"));
}

static void test_include_depth(void **state)
{
	got_t g;
	put("zones/loop", "$TTL 1\nl A 192.0.2.1\n$INCLUDE loop\n");
	assert_int_equal(parse_path("zones/loop", &g, 3), DNS_ESYNTAX);
	assert_int_equal(g.nrec, 4); /* the top file and three levels */
	assert_int_equal(g.nerr, 1);
	assert_string_equal(g.err[0], "loop:3:1: $INCLUDE nested more than 3 deep");
}

static void test_missing_file(void **state)
{
	got_t g;
	assert_int_equal(parse_path("zones/does-not-exist", &g, 0), DNS_EIO);
	assert_int_equal(g.nrec, 0);
	assert_int_equal(g.nerr, 1);
	assert_non_null(strstr(g.err[0], "does-not-exist:0:0: cannot read: No such file or directory"));
}

/* ---- $INCLUDE through the caller's function ---- */

/* Files of a pretend commit, served by inc_fetch; counts the calls. */
typedef struct inc_files {
	const char *const *names;  /* name, text, name, text, ..., NULL */
	unsigned calls;
	char last[64];
} inc_files_t;

static dns_err_t inc_fetch(void *ctx, const char *path, char **text, size_t *len, char *msg,
                           size_t msglen)
{
	inc_files_t *fs = ctx;
	fs->calls++;
	snprintf(fs->last, sizeof(fs->last), "%s", path);
	for (size_t i = 0; fs->names[i]; i += 2) {
		if (strcmp(fs->names[i], path) == 0) {
			*len = strlen(fs->names[i + 1]);
			*text = malloc(*len + 1);
			assert_non_null(*text);
			memcpy(*text, fs->names[i + 1], *len);
			return DNS_OK;
		}
	}
	snprintf(msg, msglen, "no such file in this commit");
	return DNS_ENOTFOUND;
}

static dns_err_t parse_cb(const char *text, inc_files_t *fs, unsigned depth, got_t *g)
{
	memset(g, 0, sizeof(*g));
	dns_zf_options_t opt = { .origin = origin, .max_include_depth = depth, .include = inc_fetch,
	                         .include_ctx = fs };
	return dns_zonefile_parse_buffer("top", text, strlen(text), &opt, on_rec, on_err, g);
}

static void test_include_fn_nested(void **state)
{
	static const char *const files[] = {
		"common.inc", "x A 192.0.2.3\n$INCLUDE sub/deeper\n$ORIGIN elsewhere.\ny A 192.0.2.4\n",
		"sub/deeper", "$ORIGIN deep.example.\nd A 192.0.2.5\n",
		NULL,
	};
	inc_files_t fs = { files, 0, "" };
	got_t g;
	assert_int_equal(parse_cb("$TTL 9\n"
	                          "a A 192.0.2.1\n"
	                          "$INCLUDE common.inc in\n"
	                          "b A 192.0.2.2\n"
	                          "$INCLUDE common.inc\n"
	                          "c A 192.0.2.6\n", &fs, 0, &g), DNS_OK);
	assert_int_equal(g.nerr, 0);
	assert_int_equal(fs.calls, 4);
	assert_int_equal(g.nrec, 9);
	name_is(g.rec[0].owner, "a.example.com.");
	/* The included text starts at the given origin; positions name it as
	 * written in $INCLUDE. */
	name_is(g.rec[1].owner, "x.in.example.com.");
	assert_string_equal(g.rec[1].file, "common.inc");
	assert_int_equal(g.rec[1].line, 1);
	name_is(g.rec[2].owner, "d.deep.example.");
	assert_string_equal(g.rec[2].file, "sub/deeper");
	assert_int_equal(g.rec[2].line, 2);
	/* The nested file's $ORIGIN does not leak into its includer... */
	name_is(g.rec[3].owner, "y.elsewhere.");
	assert_string_equal(g.rec[3].file, "common.inc");
	assert_int_equal(g.rec[3].line, 4);
	/* ...nor the includer's into the top file. */
	name_is(g.rec[4].owner, "b.example.com.");
	assert_string_equal(g.rec[4].file, "top");
	assert_int_equal(g.rec[4].line, 4);
	name_is(g.rec[5].owner, "x.example.com.");
	assert_int_equal(g.rec[5].ttl, 9);
	name_is(g.rec[8].owner, "c.example.com.");
	assert_int_equal(g.rec[8].line, 6);
}

static void test_include_fn_errors(void **state)
{
	static const char *const files[] = {
		"loop.inc", "l A 192.0.2.1\n$INCLUDE loop.inc\n",
		"bad.inc", "ok A 192.0.2.1\nbad A 192.0.2.999\n",
		NULL,
	};
	inc_files_t fs = { files, 0, "" };
	got_t g;
	/* The function's reason is reported at the file name of the $INCLUDE;
	 * escapes are removed from the name it is given. */
	assert_int_equal(parse_cb("$TTL 1\n$INCLUDE  missing\\ file.inc\nz A 192.0.2.9\n", &fs, 0, &g),
	                 DNS_ESYNTAX);
	assert_string_equal(fs.last, "missing file.inc");
	assert_int_equal(g.nerr, 1);
	assert_string_equal(g.err[0],
	                    "top:2:11: cannot include 'missing file.inc': no such file in this commit");
	assert_int_equal(g.nrec, 1);

	/* Errors inside the included text are placed in it. */
	assert_int_equal(parse_cb("$TTL 1\n$INCLUDE bad.inc\n", &fs, 0, &g), DNS_ESYNTAX);
	assert_int_equal(g.nerr, 1);
	assert_memory_equal(g.err[0], "bad.inc:2:7: A: ", 16);
	assert_int_equal(g.nrec, 1);

	/* Depth limit: the top text and two levels, then an error at the
	 * deepest $INCLUDE. */
	fs.calls = 0;
	assert_int_equal(parse_cb("$TTL 1\n$INCLUDE loop.inc\n", &fs, 2, &g), DNS_ESYNTAX);
	assert_int_equal(fs.calls, 2);
	assert_int_equal(g.nrec, 2);
	assert_int_equal(g.nerr, 1);
	assert_string_equal(g.err[0], "loop.inc:2:1: $INCLUDE nested more than 2 deep");

	/* no_include wins over the function. */
	memset(&g, 0, sizeof(g));
	fs.calls = 0;
	dns_zf_options_t opt = { .origin = origin, .no_include = true, .include = inc_fetch,
	                         .include_ctx = &fs };
	const char *t = "$INCLUDE loop.inc\n";
	assert_int_equal(dns_zonefile_parse_buffer("top", t, strlen(t), &opt, on_rec, on_err, &g),
	                 DNS_ESYNTAX);
	assert_int_equal(fs.calls, 0);
	assert_string_equal(g.err[0], "top:1:1: $INCLUDE is not allowed here");
}

static void test_include_fn_not_filesystem(void **state)
{
	/* parse_file with a function never reads includes from the disk,
	 * even when a file of that name exists beside the top file. */
	static const char *const files[] = { "sub/inc.zone", "fromfn A 192.0.2.7\n", NULL };
	inc_files_t fs = { files, 0, "" };
	got_t g;
	memset(&g, 0, sizeof(g));
	put("zones/sub/inc.zone", "fromdisk A 192.0.2.8\n");
	put("zones/viafn", "$TTL 1\n$INCLUDE sub/inc.zone\n");
	char path[512];
	snprintf(path, sizeof(path), "%s/zones/viafn", tmpdir);
	dns_zf_options_t opt = { .origin = origin, .include = inc_fetch, .include_ctx = &fs };
	assert_int_equal(dns_zonefile_parse_file(path, &opt, on_rec, on_err, &g), DNS_OK);
	assert_int_equal(g.nrec, 1);
	name_is(g.rec[0].owner, "fromfn.example.com.");
	assert_string_equal(g.rec[0].file, "sub/inc.zone");
}

static void test_include_fn_load_buffer(void **state)
{
	/* A whole zone whose apex comes from an include: it loads, and a
	 * check finding in the included text is placed there. */
	static const char *const files[] = {
		"apex.inc", "@ SOA ns1 host 7 7200 3600 1209600 300\n  NS ns1\nns1 A 192.0.2.53\n",
		"clash.inc", "www A 192.0.2.1\nwww CNAME ns1\n",
		NULL,
	};
	inc_files_t fs = { files, 0, "" };
	dns_zf_options_t opt = { .origin = origin, .include = inc_fetch, .include_ctx = &fs };
	got_t g;
	memset(&g, 0, sizeof(g));
	dns_zone_t *z = NULL;
	const char *t = "$TTL 300\n$INCLUDE apex.inc\n";
	assert_int_equal(dns_zone_load_buffer("example.com", t, strlen(t), &opt, &z, on_err, &g),
	                 DNS_OK);
	assert_non_null(z);
	assert_int_equal(dns_zone_serial(z), 7);
	dns_zone_unref(z);

	z = NULL;
	t = "$TTL 300\n$INCLUDE apex.inc\n$INCLUDE clash.inc\n";
	assert_int_equal(dns_zone_load_buffer("example.com", t, strlen(t), &opt, &z, on_err, &g),
	                 DNS_EZONE);
	assert_null(z);
	assert_int_equal(g.nerr, 1);
	assert_string_equal(g.err[0], "clash.inc:2:1: www.example.com.: CNAME beside other data");
}

/* ---- loading and writing ---- */

static dns_err_t load(const char *rel, const char *text, dns_zone_t **z, got_t *g)
{
	put(rel, text);
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	memset(g, 0, sizeof(*g));
	dns_zf_options_t opt = { .origin = origin };
	return dns_zone_load_file(path, &opt, z, on_err, g);
}

static const char good_zone[] =
	"$TTL 300\n"
	"@ SOA ns1 host 7 7200 3600 1209600 300\n"
	"  NS ns1\n"
	"www 60 A 192.0.2.2\n"
	"www 60 A 192.0.2.1\n"
	"ns1 A 192.0.2.53\n"
	"a.b MX 10 www\n"
	"  TXT \"x\"\n";

static void test_load_and_write(void **state)
{
	got_t g;
	dns_zone_t *z = NULL;
	assert_int_equal(load("zones/good", good_zone, &z, &g), DNS_OK);
	assert_non_null(z);
	assert_int_equal(g.nerr, 0);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(dns_zonefile_write(z, f), DNS_OK);
	fclose(f);
	assert_string_equal(buf,
		"example.com.\t300\tIN\tSOA\tns1.example.com. host.example.com. 7 7200 3600 1209600 300\n"
		"example.com.\t300\tIN\tNS\tns1.example.com.\n"
		"a.b.example.com.\t300\tIN\tMX\t10 www.example.com.\n"
		"a.b.example.com.\t300\tIN\tTXT\t\"x\"\n"
		"ns1.example.com.\t300\tIN\tA\t192.0.2.53\n"
		"www.example.com.\t60\tIN\tA\t192.0.2.1\n"
		"www.example.com.\t60\tIN\tA\t192.0.2.2\n");
	free(buf);
	dns_zone_unref(z);
}

static void test_load_findings(void **state)
{
	got_t g;
	dns_zone_t *z = NULL;
	/* CNAME beside other data: reported at the first record of the owner;
	 * an out-of-zone record at its own position. */
	char text[1024];
	snprintf(text, sizeof(text), "%s%s", good_zone,
	         "c A 192.0.2.7\n"
	         "out.example.net. A 192.0.2.8\n"
	         "c CNAME www\n");
	assert_int_equal(load("zones/bad", text, &z, &g), DNS_EZONE);
	assert_null(z);
	assert_int_equal(g.nerr, 2);
	char p[512];
	snprintf(p, sizeof(p), "%s/zones/bad:10:1: 'out.example.net.' is outside the zone 'example.com.'",
	         tmpdir);
	assert_string_equal(g.err[0], p);
	snprintf(p, sizeof(p), "%s/zones/bad:11:1: c.example.com.: ", tmpdir);
	assert_memory_equal(g.err[1], p, strlen(p));

	/* Syntax errors come first; the check still runs and, with no record
	 * at the apex left, its findings concern the whole file. */
	assert_int_equal(load("zones/syn", "$TTL 1\n@ SOA ns1 host 1 2 3 4\n", &z, &g), DNS_ESYNTAX);
	assert_null(z);
	assert_int_equal(g.nerr, 3);
	snprintf(p, sizeof(p), "%s/zones/syn:2:23: SOA: ", tmpdir);
	assert_memory_equal(g.err[0], p, strlen(p));
	snprintf(p, sizeof(p), "%s/zones/syn:0:0: example.com.: ", tmpdir);
	assert_memory_equal(g.err[1], p, strlen(p));
	assert_memory_equal(g.err[2], p, strlen(p));
}

/* The serial alone: found past junk, not taken from another owner's SOA,
 * and absent when there is no SOA at the origin. */
static void test_soa_serial(void **state)
{
	uint32_t serial = 0;
	const char *text = "www 300 IN A 192.0.2.1\n"
	                   "bad 300 IN AAA junk\n"
	                   "sub 300 IN SOA ns hm 7 1 1 1 1\n"
	                   "@ 300 IN SOA ns hm 2026120601 3600 600 604800 300\n";
	assert_int_equal(dns_zonefile_soa_serial(text, strlen(text), origin, &serial), DNS_OK);
	assert_int_equal(serial, 2026120601u);
	const char *none = "www 300 IN A 192.0.2.1\nsub 300 IN SOA ns hm 7 1 1 1 1\n";
	assert_int_equal(dns_zonefile_soa_serial(none, strlen(none), origin, &serial), DNS_ENOTFOUND);
	assert_int_equal(dns_zonefile_soa_serial("", 0, origin, &serial), DNS_ENOTFOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic_entries),
		cmocka_unit_test(test_parens_comments_quotes),
		cmocka_unit_test(test_generic_rdata),
		cmocka_unit_test(test_default_ttl_rules),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_origin_changes),
		cmocka_unit_test(test_errors_positions),
		cmocka_unit_test(test_nul_and_long_line),
		cmocka_unit_test(test_recovery_and_max_errors),
		cmocka_unit_test(test_include),
		cmocka_unit_test(test_include_confined),
		cmocka_unit_test(test_include_depth),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_include_fn_nested),
		cmocka_unit_test(test_include_fn_errors),
		cmocka_unit_test(test_include_fn_not_filesystem),
		cmocka_unit_test(test_include_fn_load_buffer),
		cmocka_unit_test(test_load_and_write),
		cmocka_unit_test(test_load_findings),
		cmocka_unit_test(test_soa_serial),
	};
	return cmocka_run_group_tests(tests, make_tree, remove_tree);
}
