/* Unit tests for zoneedit.c: minimal textual edits of zone files.
 * Expected outputs are written out by hand: the input text with exactly
 * the lines that must change replaced (subst() insists each replaced
 * piece occurs once, so nothing else can have moved). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "dns/diff.h"
#include "dns/name.h"
#include "dns/rrtype.h"
#include "dns/zone.h"
#include "dns/zoneedit.h"
#include "dns/zonefile.h"

static const uint8_t origin[] = "\7example\3com";

/* ---- records from text ---- */

typedef struct trr {
	uint8_t owner[DNS_NAME_MAX];
	uint8_t rdata[1024];
	dns_rr_t rr;
} trr_t;

typedef struct tlist {
	trr_t r[256];
	size_t n;
} tlist_t;

static dns_err_t grab(void *ctx, const dns_rr_t *rr, const dns_zf_pos_t *pos)
{
	(void)pos;
	tlist_t *l = ctx;
	assert_true(l->n < 256);
	assert_true(rr->rdlen <= sizeof(l->r[0].rdata));
	trr_t *t = &l->r[l->n++];
	dns_name_copy(t->owner, rr->owner);
	memcpy(t->rdata, rr->rdata, rr->rdlen);
	t->rr = *rr;
	t->rr.owner = t->owner;
	t->rr.rdata = t->rdata;
	return DNS_OK;
}

/* Parse @text (records relative to example.com.) into @l. */
static void parse_into(tlist_t *l, const char *text)
{
	dns_zf_options_t opt = { .origin = origin, .no_include = true };
	assert_int_equal(dns_zonefile_parse_buffer("t", text, strlen(text), &opt, grab, NULL, l),
	                 DNS_OK);
}

/* A list of records given one per string, NULL-terminated. */
static size_t rrs(tlist_t *l, const char *const *lines)
{
	l->n = 0;
	for (size_t i = 0; lines && lines[i]; i++)
		parse_into(l, lines[i]);
	return l->n;
}

static dns_rr_t *rr_array(tlist_t *l, dns_rr_t *out)
{
	for (size_t i = 0; i < l->n; i++)
		out[i] = l->r[i].rr;
	return out;
}

/* @s with the only occurrence of @from replaced by @to (malloc'ed). */
static char *subst(const char *s, const char *from, const char *to)
{
	const char *p = strstr(s, from);
	assert_non_null(p);
	assert_null(strstr(p + 1, from));
	size_t a = (size_t)(p - s), fl = strlen(from), tl = strlen(to), sl = strlen(s);
	char *r = malloc(sl - fl + tl + 1);
	assert_non_null(r);
	memcpy(r, s, a);
	memcpy(r + a, to, tl);
	memcpy(r + a + tl, p + fl, sl - a - fl + 1);
	return r;
}

static dns_err_t edit(const char *in, const char *const *rem, const char *const *add,
                      char **out, char *err, size_t errlen)
{
	static tlist_t lr, la;
	dns_rr_t r[256], a[256];
	size_t nr = rrs(&lr, rem), na = rrs(&la, add);
	size_t outlen = 0;
	dns_err_t e = dns_zoneedit_apply("zone", in, strlen(in), origin, rr_array(&lr, r), nr,
	                                 rr_array(&la, a), na, out, &outlen, err, errlen);
	if (e == DNS_OK)
		assert_int_equal(outlen, strlen(*out));
	else
		assert_null(*out);
	return e;
}

/* The edit must succeed and give exactly @want. */
static void check(const char *in, const char *const *rem, const char *const *add,
                  const char *want)
{
	char *out = NULL, err[256];
	dns_err_t e = edit(in, rem, add, &out, err, sizeof(err));
	if (e != DNS_OK)
		fail_msg("edit failed: %s: %s", dns_strerror(e), err);
	assert_string_equal(out, want);
	free(out);
}

static const char ZONE[] =
	"$ORIGIN example.com.\n"
	"$TTL 3600\n"
	"; the zone\n"
	"@\tIN SOA ns1 hostmaster (\n"
	"\t\t2024010101 ; serial\n"
	"\t\t7200       ; refresh\n"
	"\t\t3600 1209600 300 ) ; retry, expire, minimum\n"
	"\tIN NS ns1\n"
	"\tIN NS ns2\n"
	"\n"
	"ns1\tIN A 192.0.2.1\n"
	"ns2\tIN A 192.0.2.2\n"
	"www\tIN A 192.0.2.10\n"
	"\tIN A 192.0.2.11\n"
	"\tIN AAAA 2001:db8::10\n"
	"txt\tIN TXT ( \"part one\"\n"
	"\t\t\"part two\" ) ; two strings\n"
	"old\tIN CNAME a.example.net.\n"
	"; sub zone data\n"
	"$ORIGIN sub.example.com.\n"
	"host\tIN A 192.0.2.50\n"
	"\n"
	"; end\n";

#define LIST(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void test_delete_middle_of_group(void **state)
{
	(void)state;
	char *want = subst(ZONE, "\tIN A 192.0.2.11\n", "");
	check(ZONE, LIST("www.example.com. 3600 A 192.0.2.11"), NULL, want);
	free(want);
}

static void test_delete_first_of_group(void **state)
{
	(void)state;
	/* The next line inherited "www": it gets it written out. */
	char *want = subst(ZONE, "www\tIN A 192.0.2.10\n\tIN A 192.0.2.11\n",
	                   "www\tIN A 192.0.2.11\n");
	check(ZONE, LIST("www.example.com. 3600 A 192.0.2.10"), NULL, want);
	free(want);
	want = subst(ZONE, "www\tIN A 192.0.2.10\n\tIN A 192.0.2.11\n\tIN AAAA",
	             "www\tIN AAAA");
	check(ZONE, LIST("www.example.com. 3600 A 192.0.2.10", "www.example.com. 3600 A 192.0.2.11"),
	      NULL, want);
	free(want);
}

static void test_delete_multiline_entry(void **state)
{
	(void)state;
	char *want = subst(ZONE, "txt\tIN TXT ( \"part one\"\n\t\t\"part two\" ) ; two strings\n", "");
	check(ZONE, LIST("txt.example.com. 3600 TXT \"part one\" \"part two\""), NULL, want);
	free(want);
}

static void test_soa_serial_in_place(void **state)
{
	(void)state;
	char *want = subst(ZONE, "\t\t2024010101 ; serial\n", "\t\t2024010102 ; serial\n");
	check(ZONE,
	      LIST("@ 3600 SOA ns1 hostmaster 2024010101 7200 3600 1209600 300"),
	      LIST("@ 3600 SOA ns1 hostmaster 2024010102 7200 3600 1209600 300"), want);
	free(want);
	/* Another field changes too: the entry is replaced where it stood. */
	want = subst(ZONE,
	             "@\tIN SOA ns1 hostmaster (\n\t\t2024010101 ; serial\n\t\t7200       ; refresh\n"
	             "\t\t3600 1209600 300 ) ; retry, expire, minimum\n",
	             "@\tIN SOA ns1.example.com. hostmaster.example.com. 2024010102 7200 3600 1209600 60\n");
	check(ZONE,
	      LIST("@ 3600 SOA ns1 hostmaster 2024010101 7200 3600 1209600 300"),
	      LIST("@ 3600 SOA ns1 hostmaster 2024010102 7200 3600 1209600 60"), want);
	free(want);
}

static void test_add_next_to_owner(void **state)
{
	(void)state;
	/* After a blank-owner line: blank owner too. */
	char *want = subst(ZONE, "\tIN AAAA 2001:db8::10\n",
	                   "\tIN AAAA 2001:db8::10\n\tIN AAAA 2001:db8::11\n");
	check(ZONE, NULL, LIST("www.example.com. 3600 AAAA 2001:db8::11"), want);
	free(want);
	/* After an explicit owner; a TTL other than $TTL is written. */
	want = subst(ZONE, "ns1\tIN A 192.0.2.1\n",
	             "ns1\tIN A 192.0.2.1\nns1\tIN A 192.0.2.3\nns1\t300 IN TXT \"x\"\n");
	check(ZONE, NULL, LIST("ns1.example.com. 3600 A 192.0.2.3", "ns1 300 TXT \"x\""), want);
	free(want);
	/* The apex group ends with the NS lines. */
	want = subst(ZONE, "\tIN NS ns2\n", "\tIN NS ns2\n\tIN MX 10 mail.example.com.\n");
	check(ZONE, NULL, LIST("@ 3600 MX 10 mail"), want);
	free(want);
}

static void test_add_after_origin_change(void **state)
{
	(void)state;
	char *want = subst(ZONE, "host\tIN A 192.0.2.50\n",
	                   "host\tIN A 192.0.2.50\nhost\tIN TXT \"in sub\"\n");
	check(ZONE, NULL, LIST("host.sub 3600 TXT \"in sub\""), want);
	free(want);
}

static void test_add_new_owner_at_end(void **state)
{
	(void)state;
	/* Absolute: the $ORIGIN in effect at the end is sub.example.com. */
	char *want = subst(ZONE, "; end\n", "; end\nnew.example.com.\tIN A 192.0.2.99\n");
	check(ZONE, NULL, LIST("new 3600 A 192.0.2.99"), want);
	free(want);
	/* No newline at the end of the file: one is added first. */
	check("$TTL 60\n@ SOA ns hm 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1 ; last",
	      NULL, LIST("z 60 A 192.0.2.2"),
	      "$TTL 60\n@ SOA ns hm 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1 ; last\n"
	      "z.example.com.\tA 192.0.2.2\n");
}

static void test_txt_spaces_and_escapes(void **state)
{
	(void)state;
	const char *rec = "t2 3600 TXT \"hello world\" \"semi;colon \\\"q\\\" back\\\\slash\"";
	const char *line = "t2.example.com.\tIN TXT \"hello world\" "
	                   "\"semi;colon \\\"q\\\" back\\\\slash\"\n";
	char *want = malloc(strlen(ZONE) + strlen(line) + 1);
	assert_non_null(want);
	strcpy(want, ZONE);
	strcat(want, line);
	check(ZONE, NULL, LIST(rec), want);
	/* And out again. */
	check(want, LIST(rec), NULL, ZONE);
	free(want);
}

static void test_tlsa(void **state)
{
	(void)state;
	const char *rec = "_443._tcp.www 3600 TLSA 3 1 1 "
	                  "ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789";
	char *want = subst(ZONE, "; end\n",
	                   "; end\n_443._tcp.www.example.com.\tIN TLSA 3 1 1 "
	                   "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789\n");
	check(ZONE, NULL, LIST(rec), want);
	check(want, LIST(rec), NULL, ZONE);
	free(want);
}

static void test_cname_replacement(void **state)
{
	(void)state;
	char *want = subst(ZONE, "old\tIN CNAME a.example.net.\n", "old\tIN CNAME b.example.net.\n");
	check(ZONE, LIST("old 3600 CNAME a.example.net."), LIST("old 3600 CNAME b.example.net."),
	      want);
	free(want);
	/* A replacement on a blank-owner line stays a blank-owner line. */
	want = subst(ZONE, "\tIN AAAA 2001:db8::10\n", "\tIN AAAA 2001:db8::20\n");
	check(ZONE, LIST("www 3600 AAAA 2001:db8::10"), LIST("www 3600 AAAA 2001:db8::20"), want);
	free(want);
}

/* Several changes at once: the only lines that differ are the ones the
 * changes name; every other line, comments and blank lines included, is
 * still there in order. */
static void test_other_lines_untouched(void **state)
{
	(void)state;
	char *out = NULL, err[256];
	assert_int_equal(edit(ZONE,
	                      LIST("@ 3600 SOA ns1 hostmaster 2024010101 7200 3600 1209600 300",
	                           "ns2 3600 A 192.0.2.2"),
	                      LIST("@ 3600 SOA ns1 hostmaster 2024010102 7200 3600 1209600 300",
	                           "ns2 3600 A 192.0.2.20"),
	                      &out, err, sizeof(err)),
	                 DNS_OK);
	/* Walk both texts line by line. */
	const char *changed_in[] = { "\t\t2024010101 ; serial\n", "ns2\tIN A 192.0.2.2\n" };
	const char *changed_out[] = { "\t\t2024010102 ; serial\n", "ns2\tIN A 192.0.2.20\n" };
	const char *a = ZONE, *b = out;
	size_t nchanged = 0;
	while (*a && *b) {
		size_t la = strcspn(a, "\n") + 1, lb = strcspn(b, "\n") + 1;
		if (la != lb || memcmp(a, b, la) != 0) {
			assert_true(nchanged < 2);
			assert_int_equal(la, strlen(changed_in[nchanged]));
			assert_memory_equal(a, changed_in[nchanged], la);
			assert_int_equal(lb, strlen(changed_out[nchanged]));
			assert_memory_equal(b, changed_out[nchanged], lb);
			nchanged++;
		}
		a += la;
		b += lb;
	}
	assert_int_equal(nchanged, 2);
	assert_int_equal(*a, 0);
	assert_int_equal(*b, 0);
	free(out);
}

static void test_remove_missing(void **state)
{
	(void)state;
	char *out = NULL, err[256];
	assert_int_equal(edit(ZONE, LIST("www 3600 A 192.0.2.99"), NULL, &out, err, sizeof(err)),
	                 DNS_ENOTFOUND);
	assert_non_null(strstr(err, "www.example.com."));
	/* The same record under another owner is another record. */
	assert_int_equal(edit(ZONE, LIST("ns3 3600 A 192.0.2.1"), NULL, &out, err, sizeof(err)),
	                 DNS_ENOTFOUND);
}

static void test_bad_text(void **state)
{
	(void)state;
	char *out = NULL, err[256];
	assert_int_equal(edit("@ 3600 SOA ns hm 1 2 3 4 5\nwww 3600 A 300.1.1.1\n", NULL,
	                      LIST("x 3600 A 192.0.2.1"), &out, err, sizeof(err)),
	                 DNS_ESYNTAX);
	assert_non_null(strstr(err, "zone:2:"));
	/* Adding a record whose class the file cannot hold. */
	static tlist_t l;
	rrs(&l, LIST("x 3600 A 192.0.2.1"));
	dns_rr_t r = l.r[0].rr;
	r.rclass = DNS_CLASS_CH;
	size_t len;
	assert_int_equal(dns_zoneedit_apply("zone", ZONE, strlen(ZONE), origin, NULL, 0, &r, 1, &out,
	                                    &len, err, sizeof(err)),
	                 DNS_EZONE);
	assert_null(out);
}

/* TTLs: 2^31 - 1 is the largest a zone file holds (RFC 2181 §8); above
 * it the edit is refused up front, naming the record. */
static void test_ttl_bound(void **state)
{
	(void)state;
	char *want = subst(ZONE, "ns1\tIN A 192.0.2.1\n",
	                   "ns1\tIN A 192.0.2.1\nns1\t2147483647 IN TXT \"max\"\n");
	check(ZONE, NULL, LIST("ns1 2147483647 TXT \"max\""), want);
	free(want);
	static tlist_t l;
	rrs(&l, LIST("big 60 A 192.0.2.7"));
	char *out = NULL, err[256] = "";
	size_t len = 0;
	const uint32_t ttls[] = { 2147483648u, 4294967295u };
	for (size_t i = 0; i < 2; i++) {
		dns_rr_t r = l.r[0].rr;
		r.ttl = ttls[i];
		assert_int_equal(dns_zoneedit_apply("zone", ZONE, strlen(ZONE), origin, NULL, 0, &r, 1,
		                                    &out, &len, err, sizeof(err)),
		                 DNS_ELIMIT);
		assert_null(out);
		assert_non_null(strstr(err, "big.example.com."));
		assert_non_null(strstr(err, "TTL above 2147483647"));
	}
}

static void test_include_refused(void **state)
{
	(void)state;
	char dir[] = "/tmp/zoneedit-XXXXXX", cwd[4096];
	assert_non_null(mkdtemp(dir));
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(dir), 0);
	FILE *f = fopen("inc.zone", "w");
	assert_non_null(f);
	fputs("incl\tA 192.0.2.77\n", f);
	fclose(f);
	const char *zone = "$TTL 3600\n@ SOA ns hm 1 2 3 4 5\n@ NS ns\n$INCLUDE inc.zone\n"
	                   "ns A 192.0.2.1\n";
	char *out = NULL, err[256];
	assert_int_equal(edit(zone, LIST("incl 3600 A 192.0.2.77"), NULL, &out, err, sizeof(err)),
	                 DNS_ENOTSUP);
	assert_non_null(strstr(err, "$INCLUDE"));
	/* Changes elsewhere are fine; the directive stays. */
	check(zone, LIST("ns 3600 A 192.0.2.1"), LIST("ns 3600 A 192.0.2.2"),
	      "$TTL 3600\n@ SOA ns hm 1 2 3 4 5\n@ NS ns\n$INCLUDE inc.zone\nns A 192.0.2.2\n");
	unlink("inc.zone");
	assert_int_equal(chdir(cwd), 0);
	rmdir(dir);
}

static void test_owner_across_origin(void **state)
{
	(void)state;
	/* The blank-owner line inherits www.example.com. across the $ORIGIN
	 * change: written out absolute, since it is not inside sub. */
	check("$TTL 60\n@ SOA ns hm 1 2 3 4 5\n@ NS ns\nwww A 192.0.2.1\n"
	      "$ORIGIN sub.example.com.\n  A 192.0.2.2\n",
	      LIST("www 60 A 192.0.2.1"), NULL,
	      "$TTL 60\n@ SOA ns hm 1 2 3 4 5\n@ NS ns\n"
	      "$ORIGIN sub.example.com.\nwww.example.com.\tA 192.0.2.2\n");
}

static void test_crlf_kept(void **state)
{
	(void)state;
	check("$TTL 60\r\n@ SOA ns hm 1 2 3 4 5\r\n@ NS ns\r\nns IN A 192.0.2.1\r\nz IN A 192.0.2.9\r\n",
	      NULL, LIST("ns 60 A 192.0.2.2"),
	      "$TTL 60\r\n@ SOA ns hm 1 2 3 4 5\r\n@ NS ns\r\nns IN A 192.0.2.1\r\n"
	      "ns IN A 192.0.2.2\r\nz IN A 192.0.2.9\r\n");
}

static void test_ttl_inheritance_fallback(void **state)
{
	(void)state;
	/* No $TTL: "mail" takes the last explicit TTL (300).  Writing 600
	 * after "www" would change it, so the record goes to the end. */
	check("@ 300 SOA ns hm 1 2 3 4 5\n@ NS ns\nwww A 192.0.2.1\nmail A 192.0.2.2\n",
	      NULL, LIST("www 600 TXT \"x\""),
	      "@ 300 SOA ns hm 1 2 3 4 5\n@ NS ns\nwww A 192.0.2.1\nmail A 192.0.2.2\n"
	      "www.example.com.\t600 TXT \"x\"\n");
}

/* ---- property test: random zones, random changes ---- */

static uint32_t rnd_state;
static uint32_t rnd(uint32_t n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state % n;
}

static const char *const owners[] = { "@", "a", "b", "c.d", "e" };
static const char *const sub_owners[] = { "x", "y", "@" };

/* Per-RRset TTL so that every RRset has one TTL. */
static unsigned ttl_of(const char *owner, char type)
{
	return (owner[0] + type) % 3 == 0 ? 300 : 3600;
}

static void append(char *buf, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void append(char *buf, size_t cap, const char *fmt, ...)
{
	size_t n = strlen(buf);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + n, cap - n, fmt, ap);
	va_end(ap);
}

static void random_record(char *buf, size_t cap, const char *owner, bool blank, unsigned *seq)
{
	char type = rnd(3) == 0 ? 'T' : 'A';
	unsigned ttl = ttl_of(owner, type);
	char ttltext[16] = "";
	if (ttl != 3600 || rnd(3) == 0)
		snprintf(ttltext, sizeof(ttltext), "%u ", ttl);
	append(buf, cap, "%s%s%s%s", blank ? (rnd(2) ? "\t" : "    ") : owner,
	       blank ? "" : (rnd(2) ? "\t" : " "), ttltext, rnd(2) ? "IN " : "");
	(*seq)++;
	if (type == 'A')
		append(buf, cap, "A 10.0.%u.%u", *seq / 200, *seq % 200);
	else if (rnd(2))
		append(buf, cap, "TXT ( \"t %u\" ; c\n\t\"x\\\"y\" )", *seq);
	else
		append(buf, cap, "TXT \"t;%u\"", *seq);
	append(buf, cap, "%s\n", rnd(4) == 0 ? " ; note" : "");
}

static void random_zone(char *buf, size_t cap)
{
	buf[0] = '\0';
	append(buf, cap, "$TTL 3600\n; random\n@ IN SOA ns hm ( 7 ; serial\n 2 3 4 5 )\n");
	append(buf, cap, rnd(2) ? "\tNS ns\n" : "@ NS ns\n");
	unsigned seq = 0, n = 2 + rnd(12);
	const char *prev = "@";
	bool in_sub = false;
	for (unsigned i = 0; i < n; i++) {
		if (rnd(8) == 0)
			append(buf, cap, rnd(2) ? "\n" : "; comment\n");
		if (rnd(10) == 0) {
			in_sub = !in_sub;
			append(buf, cap, "$ORIGIN %s\n", in_sub ? "sub.example.com." : "example.com.");
			/* owners in text after this are relative to the new origin */
		}
		const char *owner = in_sub ? sub_owners[rnd(3)] : owners[rnd(5)];
		bool blank = strcmp(owner, prev) == 0 && rnd(2);
		if (rnd(6) == 0) {
			owner = prev; /* continue the previous owner, whatever origin */
			blank = true;
		}
		random_record(buf, cap, owner, blank, &seq);
		if (!blank)
			prev = owner;
	}
}

static dns_err_t build_add(void *ctx, const dns_rr_t *rr, const dns_zf_pos_t *pos)
{
	(void)pos;
	return dns_zone_builder_add(ctx, rr);
}

static dns_zone_t *zone_of(const char *text, size_t len)
{
	dns_zf_options_t opt = { .origin = origin, .no_include = true };
	dns_zone_builder_t *b = dns_zone_builder_new(origin, DNS_CLASS_IN);
	assert_non_null(b);
	assert_int_equal(dns_zonefile_parse_buffer("p", text, len, &opt, build_add, NULL, b), DNS_OK);
	dns_zone_t *z = NULL;
	assert_int_equal(dns_zone_builder_finish(b, &z), DNS_OK);
	return z;
}

static bool same_key(const dns_rr_t *a, const dns_rr_t *b)
{
	return dns_name_equal(a->owner, b->owner) && a->type == b->type && a->rdlen == b->rdlen &&
	       memcmp(a->rdata, b->rdata, a->rdlen) == 0;
}

static void test_random_edits(void **state)
{
	(void)state;
	static tlist_t old, add;
	static char text[16384];
	rnd_state = 0x2545F491u;
	for (int iter = 0; iter < 400; iter++) {
		random_zone(text, sizeof(text));
		old.n = 0;
		parse_into(&old, text);
		dns_rr_t rem[256], ad[256];
		size_t nrem = 0, nad = 0;
		/* The SOA always changes (serial + 1). */
		rem[nrem++] = old.r[0].rr;
		assert_int_equal(old.r[0].rr.type, DNS_TYPE_SOA);
		for (size_t i = 2; i < old.n; i++) {
			bool dup = false;
			for (size_t k = 1; k < nrem; k++)
				dup = dup || same_key(&rem[k], &old.r[i].rr);
			if (!dup && rnd(3) == 0)
				rem[nrem++] = old.r[i].rr;
		}
		char addtext[4096] = "";
		append(addtext, sizeof(addtext), "@ 3600 SOA ns hm 8 2 3 4 5\n");
		unsigned k = rnd(4);
		for (unsigned i = 0; i < k; i++) {
			static const char *const names[] = { "@", "a", "b", "c.d", "x.sub", "new",
			                                     "n.sub" };
			const char *o = names[rnd(7)];
			char type = rnd(2) ? 'A' : 'T';
			if (type == 'A')
				append(addtext, sizeof(addtext), "%s %u A 10.9.%d.%u\n", o,
				       ttl_of(o[0] == 'x' ? "x" : o, 'A'), iter % 200, i);
			else
				append(addtext, sizeof(addtext), "%s %u TXT \"add %u\" \"sp ace\"\n", o,
				       ttl_of(o[0] == 'x' ? "x" : o, 'T'), i);
		}
		add.n = 0;
		parse_into(&add, addtext);
		for (size_t i = 0; i < add.n; i++)
			ad[nad++] = add.r[i].rr;

		char *out = NULL, err[256];
		size_t outlen = 0;
		dns_err_t e = dns_zoneedit_apply("zone", text, strlen(text), origin, rem, nrem, ad, nad,
		                                 &out, &outlen, err, sizeof(err));
		if (e != DNS_OK)
			fail_msg("iteration %d: %s: %s\n%s---\n%s", iter, dns_strerror(e), err, text,
			         addtext);
		/* Oracle: the zone module's own application of the changes. */
		dns_zone_t *z_old = zone_of(text, strlen(text)), *z_want = NULL;
		assert_int_equal(dns_zone_apply_diff(z_old, rem, nrem, ad, nad, &z_want), DNS_OK);
		dns_zone_t *z_out = zone_of(out, outlen);
		size_t nr = 9, na = 9;
		assert_int_equal(dns_zone_diff_count(z_want, z_out, &nr, &na), DNS_OK);
		if (nr || na || dns_zone_ttl_mismatches(z_out))
			fail_msg("iteration %d: differs (-%zu +%zu)\n%s---\n%s", iter, nr, na, text, out);
		assert_int_equal(dns_zone_serial(z_out), 8);
		dns_zone_unref(z_old);
		dns_zone_unref(z_want);
		dns_zone_unref(z_out);
		free(out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delete_middle_of_group),
		cmocka_unit_test(test_delete_first_of_group),
		cmocka_unit_test(test_delete_multiline_entry),
		cmocka_unit_test(test_soa_serial_in_place),
		cmocka_unit_test(test_add_next_to_owner),
		cmocka_unit_test(test_add_after_origin_change),
		cmocka_unit_test(test_add_new_owner_at_end),
		cmocka_unit_test(test_txt_spaces_and_escapes),
		cmocka_unit_test(test_tlsa),
		cmocka_unit_test(test_cname_replacement),
		cmocka_unit_test(test_other_lines_untouched),
		cmocka_unit_test(test_remove_missing),
		cmocka_unit_test(test_bad_text),
		cmocka_unit_test(test_ttl_bound),
		cmocka_unit_test(test_include_refused),
		cmocka_unit_test(test_owner_across_origin),
		cmocka_unit_test(test_crlf_kept),
		cmocka_unit_test(test_ttl_inheritance_fallback),
		cmocka_unit_test(test_random_edits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
