/* Unit tests for name.c: text conversion, comparison, (de)compression. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dns/name.h"

static size_t from_text(uint8_t *out, const char *s, const uint8_t *origin)
{
	size_t len = 0;
	assert_int_equal(dns_name_from_text(out, &len, s, strlen(s), origin), DNS_OK);
	return len;
}

static void test_from_text_absolute(void **state)
{
	uint8_t n[DNS_NAME_MAX];
	size_t len = from_text(n, "www.Example.com.", NULL);
	static const uint8_t want[] = "\3www\7Example\3com";
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(n, want, sizeof(want));
	assert_int_equal(from_text(n, ".", NULL), 1);
	assert_int_equal(n[0], 0);
}

static void test_from_text_relative_and_origin(void **state)
{
	uint8_t origin[DNS_NAME_MAX], n[DNS_NAME_MAX];
	from_text(origin, "example.com.", NULL);
	size_t len = from_text(n, "www", origin);
	static const uint8_t want[] = "\3www\7example\3com";
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(n, want, len);
	len = from_text(n, "@", origin);
	assert_int_equal(len, 13);
	size_t l2;
	assert_int_equal(dns_name_from_text(n, &l2, "www", 3, NULL), DNS_ESYNTAX);
}

static void test_from_text_escapes(void **state)
{
	uint8_t n[DNS_NAME_MAX];
	size_t len = from_text(n, "a\\.b.c\\032d\\\\.", NULL);
	static const uint8_t want[] = "\3a.b\4c d\\";
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(n, want, len);
	char text[DNS_NAME_TEXT_MAX];
	assert_true(dns_name_to_text(n, text, sizeof(text)) > 0);
	assert_string_equal(text, "a\\.b.c\\032d\\\\.");
	/* non-printable bytes come back as \DDD */
	static const uint8_t bin[] = "\2\001\377";
	dns_name_to_text(bin, text, sizeof(text));
	assert_string_equal(text, "\\001\\255.");
}

static void test_from_text_errors(void **state)
{
	uint8_t n[DNS_NAME_MAX];
	size_t len;
	const char *bad[] = {"a..b.", ".a.", "a\\", "a\\25", "a\\256.", "a\\2x5.", ""};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_not_equal(dns_name_from_text(n, &len, bad[i], strlen(bad[i]), NULL), DNS_OK);
	char label[70];
	memset(label, 'a', 64);
	strcpy(label + 64, ".");
	assert_int_equal(dns_name_from_text(n, &len, label, strlen(label), NULL), DNS_ELIMIT);
	/* 63-byte labels are fine; 4 of them plus root exceed 255 */
	char big[300];
	size_t o = 0;
	for (int l = 0; l < 4; l++) {
		memset(big + o, 'b', 63);
		o += 63;
		big[o++] = '.';
	}
	big[o] = 0;
	assert_int_equal(dns_name_from_text(n, &len, big, o, NULL), DNS_ELIMIT);
	/* 3 x 63 + 1 x 61 = 254 + root = 255 bytes: the maximum */
	o = 3 * 64 + 61;
	big[o++] = '.';
	big[o] = 0;
	assert_int_equal(dns_name_from_text(n, &len, big, o, NULL), DNS_OK);
	assert_int_equal(len, 255);
}

static void test_compare_canonical(void **state)
{
	/* The example order of RFC 4034 §6.1. */
	const char *order[] = {"example.", "a.example.", "yljkjljk.a.example.", "Z.a.example.",
	                       "zABC.a.EXAMPLE.", "z.example.", "\\001.z.example.", "*.z.example.",
	                       "\\200.z.example."};
	uint8_t a[DNS_NAME_MAX], b[DNS_NAME_MAX];
	size_t n = sizeof(order) / sizeof(order[0]);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			from_text(a, order[i], NULL);
			from_text(b, order[j], NULL);
			int c = dns_name_compare(a, b);
			if (i < j)
				assert_true(c < 0);
			else if (i > j)
				assert_true(c > 0);
			else
				assert_int_equal(c, 0);
		}
}

static void test_equal_subdomain_hash(void **state)
{
	uint8_t a[DNS_NAME_MAX], b[DNS_NAME_MAX], c[DNS_NAME_MAX];
	from_text(a, "WWW.example.COM.", NULL);
	from_text(b, "www.EXAMPLE.com.", NULL);
	from_text(c, "example.com.", NULL);
	assert_true(dns_name_equal(a, b));
	assert_int_equal(dns_name_hash(a), dns_name_hash(b));
	assert_true(dns_name_is_subdomain(a, c));
	assert_true(dns_name_is_subdomain(c, c));
	assert_false(dns_name_is_subdomain(c, a));
	assert_true(dns_name_is_subdomain(a, dns_name_root));
	uint8_t d[DNS_NAME_MAX];
	from_text(d, "xexample.com.", NULL);
	assert_false(dns_name_is_subdomain(d, c + 0) && !dns_name_equal(d, c) &&
	             dns_name_label_count(d) == dns_name_label_count(c));
	assert_int_equal(dns_name_label_count(a), 3);
	assert_true(dns_name_equal(dns_name_parent(a), c));
	dns_name_lower(a);
	assert_memory_equal(a, "\3www\7example\3com", 17);
}

static void test_unpack_pointers(void **state)
{
	/* header(12) + "example.com" at 12 + "www" -> ptr 12 at 25 */
	uint8_t msg[64] = {0};
	memcpy(msg + 12, "\7example\3com\0", 13);
	memcpy(msg + 25, "\3www\xc0\x0c", 6);
	dns_rbuf_t r;
	dns_rbuf_init(&r, msg, 31);
	r.pos = 25;
	uint8_t out[DNS_NAME_MAX];
	size_t len;
	assert_int_equal(dns_name_unpack(&r, out, &len), DNS_OK);
	assert_int_equal(len, 17);
	assert_memory_equal(out, "\3www\7example\3com", 17);
	assert_int_equal(r.pos, 31);
}

static void test_unpack_rejects(void **state)
{
	uint8_t out[DNS_NAME_MAX];
	dns_rbuf_t r;
	/* forward pointer */
	uint8_t fwd[] = {0xc0, 0x02, 0x00};
	dns_rbuf_init(&r, fwd, sizeof(fwd));
	assert_int_equal(dns_name_unpack(&r, out, NULL), DNS_EMALFORMED);
	/* pointer to itself */
	uint8_t self[] = {0x01, 'a', 0xc0, 0x02};
	dns_rbuf_init(&r, self, sizeof(self));
	assert_int_equal(dns_name_unpack(&r, out, NULL), DNS_EMALFORMED);
	/* loop through a backward pointer: label then pointer back to the label */
	uint8_t loop[] = {0x01, 'a', 0xc0, 0x00};
	dns_rbuf_init(&r, loop, sizeof(loop));
	assert_int_equal(dns_name_unpack(&r, out, NULL), DNS_EMALFORMED);
	/* truncated label */
	uint8_t trunc[] = {0x05, 'a', 'b'};
	dns_rbuf_init(&r, trunc, sizeof(trunc));
	assert_int_equal(dns_name_unpack(&r, out, NULL), DNS_EMALFORMED);
	/* extended label type */
	uint8_t ext[] = {0x41, 0x00};
	dns_rbuf_init(&r, ext, sizeof(ext));
	assert_int_equal(dns_name_unpack(&r, out, NULL), DNS_EMALFORMED);
	/* over 255 bytes */
	uint8_t longn[300];
	size_t o = 0;
	for (int l = 0; l < 5; l++) {
		longn[o++] = 50;
		memset(longn + o, 'x', 50);
		o += 50;
	}
	longn[o++] = 0;
	dns_rbuf_init(&r, longn, o);
	assert_int_equal(dns_name_unpack(&r, out, NULL), DNS_EMALFORMED);
}

static void test_pack_compresses(void **state)
{
	uint8_t buf[128] = {0};
	dns_wbuf_t w;
	dns_wbuf_init(&w, buf, sizeof(buf));
	w.len = 12;
	dns_compress_t c;
	memset(&c, 0, sizeof(c));
	dns_compress_reset(&c, buf);
	uint8_t a[DNS_NAME_MAX], b[DNS_NAME_MAX];
	from_text(a, "example.com.", NULL);
	from_text(b, "www.EXAMPLE.com.", NULL);
	assert_int_equal(dns_name_pack(&w, a, &c, true), DNS_OK);
	assert_int_equal(w.len, 25);
	assert_int_equal(dns_name_pack(&w, b, &c, true), DNS_OK);
	/* "www" + pointer to offset 12 */
	assert_int_equal(w.len, 31);
	assert_memory_equal(buf + 25, "\3www\xc0\x0c", 6);
	/* the same name again is one pointer, to offset 25 */
	assert_int_equal(dns_name_pack(&w, b, &c, true), DNS_OK);
	assert_int_equal(w.len, 33);
	assert_memory_equal(buf + 31, "\xc0\x19", 2);
	/* without compression: written whole */
	assert_int_equal(dns_name_pack(&w, a, &c, false), DNS_OK);
	assert_int_equal(w.len, 46);
	/* and what was written decompresses back */
	dns_rbuf_t r;
	dns_rbuf_init(&r, buf, w.len);
	r.pos = 31;
	uint8_t out[DNS_NAME_MAX];
	assert_int_equal(dns_name_unpack(&r, out, NULL), DNS_OK);
	assert_true(dns_name_equal(out, b));
	/* no space */
	dns_wbuf_t tiny;
	dns_wbuf_init(&tiny, buf, 2);
	assert_int_equal(dns_name_pack(&tiny, a, NULL, false), DNS_ESPACE);
}

/* A name written in full and deferred becomes a target when the next name
 * is packed; cut back below it, it is forgotten. */
static void test_pack_deferred(void **state)
{
	uint8_t buf[128] = {0};
	dns_wbuf_t w;
	dns_wbuf_init(&w, buf, sizeof(buf));
	w.len = 12;
	dns_compress_t c;
	dns_compress_init(&c, buf, 64);
	uint8_t q[DNS_NAME_MAX], mx[DNS_NAME_MAX];
	size_t qlen = from_text(q, "Host.Example.COM.", NULL);
	from_text(mx, "mail.example.com.", NULL);
	assert_int_equal(dns_wbuf_bytes(&w, q, qlen), DNS_OK);
	dns_compress_defer(&c, 12);
	size_t at = w.len;
	assert_int_equal(dns_name_pack(&w, mx, &c, true), DNS_OK);
	/* "mail" + pointer to "Example.COM" at 12 + 5 */
	assert_int_equal(w.len - at, 7);
	assert_memory_equal(buf + at, "\4mail\xc0\x11", 7);
	/* the whole question name is a target too */
	at = w.len;
	assert_int_equal(dns_name_pack(&w, q, &c, true), DNS_OK);
	assert_memory_equal(buf + at, "\xc0\x0c", 2);
	/* cut back to the header: nothing of the question may be pointed at */
	dns_compress_reset(&c, buf);
	dns_compress_defer(&c, 12);
	dns_compress_forget_from(&c, 12);
	w.len = 12;
	assert_int_equal(dns_name_pack(&w, mx, &c, true), DNS_OK);
	assert_int_equal(w.len, 12 + 18);
	assert_memory_equal(buf + 12, mx, 18);
}

/* A table of a few slots: compression while there is room, plain names
 * once it is full, and every name still reads back. */
static void test_small_table(void **state)
{
	uint8_t buf[1024];
	memset(buf, 0xee, sizeof(buf)); /* and the table itself starts as garbage */
	dns_compress_t c;
	memset(&c, 0xab, sizeof(c));
	dns_compress_init(&c, buf, 4);
	dns_wbuf_t w;
	dns_wbuf_init(&w, buf, sizeof(buf));
	w.len = 12;
	static const char *names[] = {"a.example.com.", "b.example.com.", "c.other.net.",
	                              "d.third.org.", "e.fourth.info.", "a.example.com."};
	size_t at[6];
	uint8_t n[DNS_NAME_MAX];
	for (int i = 0; i < 6; i++) {
		from_text(n, names[i], NULL);
		at[i] = w.len;
		assert_int_equal(dns_name_pack(&w, n, &c, true), DNS_OK);
	}
	/* b.example.com points into a.example.com (the table had room then) */
	assert_int_equal(at[2] - at[1], 4);
	for (int i = 0; i < 6; i++) {
		dns_rbuf_t r;
		dns_rbuf_init(&r, buf, w.len);
		r.pos = at[i];
		uint8_t out[DNS_NAME_MAX];
		assert_int_equal(dns_name_unpack(&r, out, NULL), DNS_OK);
		from_text(n, names[i], NULL);
		assert_true(dns_name_equal(out, n));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_from_text_absolute),
		cmocka_unit_test(test_from_text_relative_and_origin),
		cmocka_unit_test(test_from_text_escapes),
		cmocka_unit_test(test_from_text_errors),
		cmocka_unit_test(test_compare_canonical),
		cmocka_unit_test(test_equal_subdomain_hash),
		cmocka_unit_test(test_unpack_pointers),
		cmocka_unit_test(test_unpack_rejects),
		cmocka_unit_test(test_pack_compresses),
		cmocka_unit_test(test_pack_deferred),
		cmocka_unit_test(test_small_table),
	};
	return cmocka_run_group_tests_name("name", tests, NULL, NULL);
}
