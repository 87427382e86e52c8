/*
 * Unit tests for update_queue.c: the queue (limits, arrival order, stop),
 * grouping a batch by key, the push retry decisions (worked out by hand
 * from the default policy) and the commit message line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dns/name.h"
#include "dns/rrtype.h"
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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
