/*
 * Unit tests for update_queue.c: the queue (limits, arrival order, stop),
 * grouping a batch by key, the push retry decisions (worked out by hand
 * from the default policy) and the commit message line.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dns/msg.h"
#include "dns/name.h"
#include "dns/rrtype.h"
#include "dns/zonefile.h"
#include "gitrepo.h"
#include "update_queue.h"

static void name_of(uint8_t *out, const char *text)
{
	size_t n;
	assert_int_equal(dns_name_from_text(out, &n, text, strlen(text), NULL), DNS_OK);
}

static pg_update_t *mk(const char *key, uint8_t tag)
{
	dns_tsig_key_t k;
	dns_tsig_req_t t;
	uint8_t zone[DNS_NAME_MAX];
	memset(&k, 0, sizeof(k));
	memset(&t, 0, sizeof(t));
	name_of(k.name, key);
	name_of(zone, "example.com.");
	uint8_t wire[12] = { 0, tag };
	pg_update_t *u = pg_update_new(wire, sizeof(wire), zone, &k, &t, NULL, 5);
	assert_non_null(u);
	return u;
}

static void test_new_copies(void **state)
{
	pg_update_t *u = mk("a._update.example.com.", 7);
	assert_int_equal(u->len, 12);
	assert_int_equal(u->wire[1], 7);
	assert_ptr_equal(u->treq.key, &u->key); /* re-pointed at the copy */
	assert_int_equal(u->rcode, -1);
	assert_int_equal(u->arrived_ms, 5);
	pg_update_free(u);
	uint8_t b[1] = { 0 };
	dns_tsig_key_t k;
	dns_tsig_req_t t;
	memset(&k, 0, sizeof(k));
	memset(&t, 0, sizeof(t));
	assert_null(pg_update_new(b, 0, b, &k, &t, NULL, 0));
}

static void test_queue(void **state)
{
	pg_update_queue_t q;
	pg_uq_init(&q, 3);
	pg_update_t *u[4];
	for (int i = 0; i < 4; i++)
		u[i] = mk("a._update.example.com.", (uint8_t)i);
	for (int i = 0; i < 3; i++)
		assert_int_equal(pg_uq_push(&q, u[i]), DNS_OK);
	assert_int_equal(pg_uq_push(&q, u[3]), DNS_ELIMIT); /* full */
	/* at most 2 taken, in arrival order, numbered */
	pg_update_t *b = pg_uq_take(&q, 2);
	assert_int_equal(pg_update_count(b), 2);
	assert_ptr_equal(b, u[0]);
	assert_ptr_equal(b->next, u[1]);
	assert_int_equal(b->seq, 1);
	assert_int_equal(b->next->seq, 2);
	pg_update_free_list(b);
	assert_int_equal(pg_uq_push(&q, u[3]), DNS_OK); /* room again */
	b = pg_uq_take(&q, 100);
	assert_int_equal(pg_update_count(b), 2);
	assert_ptr_equal(b->next, u[3]);
	assert_int_equal(b->next->seq, 4);
	assert_null(b->next->next);
	pg_update_free_list(b);
	/* stopped: take returns NULL at once, pushes fail */
	pg_uq_stop(&q);
	assert_null(pg_uq_take(&q, 10));
	pg_update_t *x = mk("a._update.example.com.", 9);
	assert_int_equal(pg_uq_push(&q, x), DNS_EINVAL);
	pg_update_free(x);
	assert_null(pg_uq_destroy(&q));
}

static void test_group_by_key(void **state)
{
	/* A1 B1 a2 (A, other case) C1 B2: groups A{1,2} B{1,2} C{1} */
	const char *keys[] = { "a._update.example.com.", "b._update.example.com.",
	                       "A._UPDATE.example.com.", "c._update.", "b._update.example.com." };
	pg_update_t *head = NULL, **tail = &head;
	for (int i = 0; i < 5; i++) {
		*tail = mk(keys[i], (uint8_t)i);
		tail = &(*tail)->next;
	}
	size_t n = 0;
	pg_update_t **g = pg_batch_group_by_key(head, &n);
	assert_non_null(g);
	assert_int_equal(n, 3);
	assert_int_equal(g[0]->wire[1], 0);
	assert_int_equal(g[0]->next->wire[1], 2);
	assert_null(g[0]->next->next);
	assert_int_equal(g[1]->wire[1], 1);
	assert_int_equal(g[1]->next->wire[1], 4);
	assert_null(g[1]->next->next);
	assert_int_equal(g[2]->wire[1], 3);
	assert_null(g[2]->next);
	for (size_t i = 0; i < n; i++)
		pg_update_free_list(g[i]);
	free(g);
	/* an empty batch: no group */
	g = pg_batch_group_by_key(NULL, &n);
	assert_non_null(g);
	assert_int_equal(n, 0);
	free(g);
}

static void test_push_decide(void **state)
{
	const pg_push_policy_t *p = &pg_push_policy_default;
	pg_push_state_t st;
	uint32_t d;
	memset(&st, 0, sizeof(st));
	assert_int_equal(pg_push_decide(p, &st, DNS_OK, 1000, &d), PG_PUSH_DONE);
	/* rejected: rebase 8 times, then give up */
	for (int i = 0; i < 8; i++)
		assert_int_equal(pg_push_decide(p, &st, GITREPO_EREJECTED, 1000, &d), PG_PUSH_REBASE);
	assert_int_equal(pg_push_decide(p, &st, GITREPO_EREJECTED, 1000, &d), PG_PUSH_FAIL);
	/* unreachable from t=1000: 100, 200, 400, 800, 1600, 2000, 2000 ... until 10 s */
	memset(&st, 0, sizeof(st));
	static const uint32_t want[] = { 100, 200, 400, 800, 1600, 2000, 2000 };
	uint64_t t = 1000;
	for (int i = 0; i < 7; i++) {
		assert_int_equal(pg_push_decide(p, &st, GITREPO_EUNREACHABLE, t, &d), PG_PUSH_RETRY);
		assert_int_equal(d, want[i]);
		t += d;
	}
	/* t = 8100: 2900 ms left, then 900: the delay is cut to what remains */
	assert_int_equal(t, 8100);
	assert_int_equal(pg_push_decide(p, &st, GITREPO_EUNREACHABLE, t, &d), PG_PUSH_RETRY);
	assert_int_equal(d, 2000);
	assert_int_equal(pg_push_decide(p, &st, GITREPO_EUNREACHABLE, 10100, &d), PG_PUSH_RETRY);
	assert_int_equal(d, 900);
	assert_int_equal(pg_push_decide(p, &st, GITREPO_EUNREACHABLE, 11000, &d), PG_PUSH_FAIL);
	/* authentication and a declining hook: no retry */
	memset(&st, 0, sizeof(st));
	assert_int_equal(pg_push_decide(p, &st, GITREPO_EAUTH, 1, &d), PG_PUSH_FAIL);
	assert_int_equal(pg_push_decide(p, &st, GITREPO_EDECLINED, 1, &d), PG_PUSH_FAIL);
}

static dns_rr_t rr(const uint8_t *owner, uint16_t type, const uint8_t *rdata, uint16_t len)
{
	dns_rr_t r = { owner, type, DNS_CLASS_IN, 300, len, rdata };
	return r;
}

/* ---- pg_apply_zone: each message of a batch stands alone ---- */

/* The file as served, and the zone served from it plus "ghost", a record
 * the text lacks: deleting it is an edit that cannot be made. */
static const char ZTEXT[] = "$ORIGIN example.com.\n$TTL 3600\n"
                            "@ SOA ns1 hostmaster 2024010101 3600 600 86400 300\n"
                            "@ NS ns1\nns1 A 192.0.2.53\nsub NS ns.sub\nns.sub A 192.0.2.99\n";

static dns_zone_t *load(const char *text)
{
	uint8_t o[DNS_NAME_MAX];
	name_of(o, "example.com.");
	dns_zf_options_t opt = { .origin = o, .no_include = true };
	dns_zone_t *z = NULL;
	assert_int_equal(dns_zone_load_buffer("t", text, strlen(text), &opt, &z, NULL, NULL), DNS_OK);
	return z;
}

typedef struct rrs {
	dns_rr_t rr[8];
	uint8_t owner[8][DNS_NAME_MAX], rdata[8][64];
	size_t n;
} rrs_t;

static dns_err_t grab(void *ctx, const dns_rr_t *rr, const dns_zf_pos_t *pos)
{
	rrs_t *l = ctx;
	assert_true(l->n < 8 && rr->rdlen <= 64);
	dns_name_copy(l->owner[l->n], rr->owner);
	memcpy(l->rdata[l->n], rr->rdata, rr->rdlen);
	l->rr[l->n] = *rr;
	l->rr[l->n].owner = l->owner[l->n];
	l->rr[l->n].rdata = l->rdata[l->n];
	l->n++;
	return DNS_OK;
}

/*
 * An UPDATE of example.com.: an optional "name is in use" prerequisite
 * (@pre), then the records of @upd (zone file lines); "-" before a line
 * deletes that record (class NONE), @ttl (when not 0) replaces the TTL
 * of the added records.
 */
static pg_update_t *msg(uint64_t seq, const char *pre, const char *const *upd, uint32_t ttl)
{
	uint8_t buf[2048], zone[DNS_NAME_MAX], owner[DNS_NAME_MAX];
	name_of(zone, "example.com.");
	dns_msg_builder_t b;
	dns_msg_builder_init(&b, buf, sizeof(buf), sizeof(buf));
	assert_int_equal(dns_msg_builder_header(&b, (uint16_t)seq, 5 << 11), DNS_OK);
	assert_int_equal(dns_msg_builder_question(&b, zone, DNS_TYPE_SOA, DNS_CLASS_IN), DNS_OK);
	if (pre) {
		name_of(owner, pre);
		dns_rr_t rr = { .owner = owner, .type = DNS_TYPE_ANY, .rclass = DNS_CLASS_ANY };
		assert_int_equal(dns_msg_builder_rr(&b, DNS_SEC_ANSWER, &rr), DNS_OK);
	}
	for (size_t i = 0; upd[i]; i++) {
		bool del = upd[i][0] == '-';
		const char *line = upd[i] + del;
		rrs_t l = { .n = 0 };
		dns_zf_options_t opt = { .origin = zone, .no_include = true };
		assert_int_equal(dns_zonefile_parse_buffer("m", line, strlen(line), &opt, grab, NULL, &l),
		                 DNS_OK);
		assert_int_equal(l.n, 1);
		if (del) {
			l.rr[0].rclass = DNS_CLASS_NONE;
			l.rr[0].ttl = 0;
		} else if (ttl) {
			l.rr[0].ttl = ttl;
		}
		assert_int_equal(dns_msg_builder_rr(&b, DNS_SEC_AUTHORITY, &l.rr[0]), DNS_OK);
	}
	size_t len = dns_msg_builder_finish(&b);
	pg_update_t *u = mk("k._update.example.com.", (uint8_t)seq);
	pg_update_t *m = pg_update_new(buf, len, zone, &u->key, &u->treq, NULL, 1);
	pg_update_free(u);
	assert_non_null(m);
	m->seq = seq;
	return m;
}

typedef struct notes {
	char text[1024];
} notes_t;

static void note(void *ctx, const pg_update_t *u, const char *what, const char *error)
{
	notes_t *n = ctx;
	char line[256];
	snprintf(line, sizeof(line), "%" PRIu64 ":%d:%s;", u->seq, u->rcode, what);
	strncat(n->text, line, sizeof(n->text) - strlen(n->text) - 1);
	assert_true(error[0] != '\0');
}

#define L(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void test_apply_zone_each_alone(void **state)
{
	dns_zone_t *z = load("$ORIGIN example.com.\n$TTL 3600\n"
	                     "@ SOA ns1 hostmaster 2024010101 3600 600 86400 300\n"
	                     "@ NS ns1\nns1 A 192.0.2.53\nsub NS ns.sub\nns.sub A 192.0.2.99\n"
	                     "ghost A 192.0.2.66\n");
	uint8_t o[DNS_NAME_MAX];
	name_of(o, "example.com.");
	pg_zone_in_t in = { "example.com", o, z, ZTEXT, strlen(ZTEXT), NULL };
	pg_update_t *list[8];
	size_t n = 0;
	list[n++] = msg(1, NULL, L("a1 300 A 192.0.2.1"), 0);
	list[n++] = msg(2, NULL, L("-ghost 3600 A 192.0.2.66"), 0);   /* the edit fails */
	list[n++] = msg(3, NULL, L("a2 300 A 192.0.2.2"), 0);
	list[n++] = msg(4, NULL, L("x.sub 300 TXT bad"), 0);          /* below a delegation */
	list[n++] = msg(5, "x.sub.example.com.", L("dep 300 A 192.0.2.5"), 0); /* needs 4 */
	list[n++] = msg(6, NULL, L("a3 300 A 192.0.2.3"), 0x80000000u); /* RFC 2181: TTL 0 */
	list[n++] = msg(7, NULL, L("a4 300 A 192.0.2.4"), 0);
	notes_t notes = { "" };
	pg_zone_out_t out;
	assert_int_equal(pg_apply_zone(&in, list, n, 2024010200u, note, &notes, &out), DNS_OK);
	const int want[] = { DNS_RCODE_NOERROR, DNS_RCODE_SERVFAIL, DNS_RCODE_NOERROR,
	                     DNS_RCODE_REFUSED, DNS_RCODE_NXDOMAIN, DNS_RCODE_NOERROR,
	                     DNS_RCODE_NOERROR };
	for (size_t i = 0; i < n; i++)
		assert_int_equal(list[i]->rcode, want[i]);
	assert_string_equal(notes.text, "2:2:the zone file could not be edited;"
	                                "4:5:the zone would be invalid;");
	assert_non_null(out.zone);
	assert_int_equal(out.old_serial, 2024010101u);
	assert_int_equal(out.new_serial, 2024010200u);
	/* the text says what the new zone serves: the file parses to it */
	for (const char *rec = "a1\0a2\0a3\0a4\0"; *rec; rec += strlen(rec) + 1) {
		char needle[64];
		snprintf(needle, sizeof(needle), "\n%s.example.com.", rec);
		assert_non_null(strstr(out.text, needle));
	}
	assert_null(strstr(out.text, "x.sub"));
	assert_null(strstr(out.text, "dep"));
	assert_non_null(strstr(out.text, "a3.example.com.\t0 "));
	assert_non_null(strstr(out.text, "2024010200"));
	dns_zone_t *again = load(out.text);
	assert_int_equal(dns_zone_serial(again), 2024010200u);
	dns_zone_unref(again);
	pg_zone_out_free(&out);
	for (size_t i = 0; i < n; i++)
		pg_update_free(list[i]);

	/* only bad messages: nothing changes, each has its answer */
	n = 0;
	list[n++] = msg(1, NULL, L("-ghost 3600 A 192.0.2.66"), 0);
	list[n++] = msg(2, NULL, L("y.sub 300 TXT bad"), 0);
	notes.text[0] = '\0';
	assert_int_equal(pg_apply_zone(&in, list, n, 2024010200u, note, &notes, &out), DNS_OK);
	assert_null(out.zone);
	assert_int_equal(list[0]->rcode, DNS_RCODE_SERVFAIL);
	assert_int_equal(list[1]->rcode, DNS_RCODE_REFUSED);
	for (size_t i = 0; i < n; i++)
		pg_update_free(list[i]);
	dns_zone_unref(z);
}

static dns_err_t include_common(void *ctx, const char *path, char **text, size_t *len,
                                char *msg, size_t msglen)
{
	static const char inc[] = "inc A 192.0.2.77\n";
	if (strcmp(path, "common.inc") != 0) {
		snprintf(msg, msglen, "no %s", path);
		return DNS_ENOTFOUND;
	}
	*text = strdup(inc);
	*len = strlen(inc);
	return *text ? DNS_OK : DNS_ENOMEM;
}

/* With the text's $INCLUDE resolved by the caller: deleting a record of
 * the included file is a change the zone's file cannot say (REFUSED),
 * the other messages go through. */
static void test_apply_zone_included(void **state)
{
	static const char text[] = "$ORIGIN example.com.\n$TTL 3600\n"
	                           "@ SOA ns1 hostmaster 2024010101 3600 600 86400 300\n"
	                           "@ NS ns1\nns1 A 192.0.2.53\n$INCLUDE common.inc\n";
	uint8_t o[DNS_NAME_MAX];
	name_of(o, "example.com.");
	dns_zf_options_t opt = { .origin = o, .include = include_common };
	dns_zone_t *z = NULL;
	assert_int_equal(dns_zone_load_buffer("t", text, strlen(text), &opt, &z, NULL, NULL), DNS_OK);
	pg_zone_in_t in = { "example.com", o, z, text, strlen(text), &opt };
	pg_update_t *list[2] = { msg(1, NULL, L("-inc 3600 A 192.0.2.77"), 0),
		                 msg(2, NULL, L("b 300 A 192.0.2.2"), 0) };
	notes_t notes = { "" };
	pg_zone_out_t out;
	assert_int_equal(pg_apply_zone(&in, list, 2, 2024010200u, note, &notes, &out), DNS_OK);
	assert_int_equal(list[0]->rcode, DNS_RCODE_REFUSED);
	assert_int_equal(list[1]->rcode, DNS_RCODE_NOERROR);
	assert_string_equal(notes.text, "1:5:the zone file cannot say it;");
	assert_non_null(strstr(out.text, "$INCLUDE common.inc\n"));
	assert_non_null(strstr(out.text, "\nb.example.com."));
	pg_zone_out_free(&out);
	pg_update_free(list[0]);
	pg_update_free(list[1]);
	dns_zone_unref(z);
}

/* Many good messages and a few bad ones anywhere in the batch: exactly
 * the bad ones are refused. */
static void test_apply_zone_many(void **state)
{
	dns_zone_t *z = load(ZTEXT);
	uint8_t o[DNS_NAME_MAX];
	name_of(o, "example.com.");
	pg_zone_in_t in = { "example.com", o, z, ZTEXT, strlen(ZTEXT), NULL };
	enum { N = 40 };
	pg_update_t *list[N];
	for (size_t i = 0; i < N; i++) {
		char line[64];
		bool bad = i == 0 || i == 17 || i == 18 || i == N - 1;
		snprintf(line, sizeof(line), bad ? "h%zu.sub 300 TXT bad" : "h%zu 300 A 192.0.2.%zu", i,
		         i);
		list[i] = msg(i + 1, NULL, L(line), 0);
	}
	notes_t notes = { "" };
	pg_zone_out_t out;
	assert_int_equal(pg_apply_zone(&in, list, N, 2024010200u, note, &notes, &out), DNS_OK);
	for (size_t i = 0; i < N; i++) {
		bool bad = i == 0 || i == 17 || i == 18 || i == N - 1;
		assert_int_equal(list[i]->rcode, bad ? DNS_RCODE_REFUSED : DNS_RCODE_NOERROR);
		char needle[64];
		snprintf(needle, sizeof(needle), "\nh%zu.", i);
		assert_true((strstr(out.text, needle) != NULL) == !bad);
		pg_update_free(list[i]);
	}
	pg_zone_out_free(&out);
	dns_zone_unref(z);
}

static void test_commit_line(void **state)
{
	uint8_t origin[DNS_NAME_MAX], acme[DNS_NAME_MAX], www[DNS_NAME_MAX], old[DNS_NAME_MAX];
	name_of(origin, "example.com.");
	name_of(acme, "_acme-challenge.www.example.com.");
	name_of(www, "www.example.com.");
	name_of(old, "old.example.com.");
	static const uint8_t txt[] = { 3, 'a', 'b', 'c' }, a1[] = { 192, 0, 2, 1 },
	                     a2[] = { 192, 0, 2, 2 };
	dns_rr_t soa_dummy = rr(origin, DNS_TYPE_SOA, a1, 4);
	dns_rr_t added[] = { soa_dummy, rr(acme, DNS_TYPE_TXT, txt, 4), rr(www, DNS_TYPE_A, a2, 4),
	                     rr(origin, DNS_TYPE_TXT, txt, 4) };
	dns_rr_t removed[] = { soa_dummy, rr(www, DNS_TYPE_A, a1, 4), rr(old, DNS_TYPE_A, a1, 4),
	                       rr(old, DNS_TYPE_A, a2, 4) };
	pg_changes_t c = { .removed = removed, .added = added, .nremoved = 4, .nadded = 4 };
	char out[512];
	pg_commit_line(out, sizeof(out), "example.com", origin, &c, 2026112201, 2026112202, 10);
	assert_string_equal(out, "update example.com: +TXT _acme-challenge.www, ~A www, +TXT @, "
	                         "-A old, serial 2026112201\xe2\x86\x92" "2026112202");
	/* long lists are summarised */
	pg_commit_line(out, sizeof(out), "example.com", origin, &c, 1, 2, 2);
	assert_string_equal(out, "update example.com: +TXT _acme-challenge.www, ~A www and 2 more, "
	                         "serial 1\xe2\x86\x92" "2");
	/* only the serial */
	pg_changes_t s = { .removed = removed, .added = added, .nremoved = 1, .nadded = 1 };
	pg_commit_line(out, sizeof(out), "example.com", origin, &s, 1, 2, 10);
	assert_string_equal(out, "update example.com: serial 1\xe2\x86\x92" "2");
	/* a small buffer stays terminated */
	size_t n = pg_commit_line(out, 16, "example.com", origin, &c, 1, 2, 10);
	assert_true(n < 16);
	assert_int_equal(strlen(out), n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_copies),
		cmocka_unit_test(test_queue),
		cmocka_unit_test(test_group_by_key),
		cmocka_unit_test(test_push_decide),
		cmocka_unit_test(test_commit_line),
		cmocka_unit_test(test_apply_zone_each_alone),
		cmocka_unit_test(test_apply_zone_many),
		cmocka_unit_test(test_apply_zone_included),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
