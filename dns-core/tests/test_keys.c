/* Unit tests for keys.c: algorithms, key text, key files, the key store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dns/keys.h"
#include "dns/rrtype.h"

/* base64 of the 32 bytes 00 01 02 .. 1f (python3 base64.b64encode(bytes(range(32)))) */
#define SECRET32 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

static dns_err_t from_text(dns_tsig_key_t *k, const char *s)
{
	return dns_tsig_key_from_text(k, s, strlen(s));
}

static void assert_secret32(const dns_tsig_key_t *k)
{
	assert_int_equal(k->secret_len, 32);
	for (unsigned i = 0; i < 32; i++)
		assert_int_equal(k->secret[i], i);
}

static void test_alg_names(void **state)
{
	static const struct {
		const char *text;
		dns_tsig_alg_t alg;
	} ok[] = {
		{"SHA256", DNS_TSIG_HMAC_SHA256},   {"sha256", DNS_TSIG_HMAC_SHA256},
		{"hmac-sha256", DNS_TSIG_HMAC_SHA256}, {"HMAC-SHA256", DNS_TSIG_HMAC_SHA256},
		{"md5", DNS_TSIG_HMAC_MD5},         {"hmac-md5", DNS_TSIG_HMAC_MD5},
		{"HMAC-MD5.SIG-ALG.REG.INT", DNS_TSIG_HMAC_MD5},
		{"Sha1", DNS_TSIG_HMAC_SHA1},       {"hmac-sha224", DNS_TSIG_HMAC_SHA224},
		{"SHA384", DNS_TSIG_HMAC_SHA384},   {"hmac-SHA512", DNS_TSIG_HMAC_SHA512},
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		dns_tsig_alg_t a = DNS_TSIG_ALG_NONE;
		assert_int_equal(dns_tsig_alg_from_text(ok[i].text, strlen(ok[i].text), &a), DNS_OK);
		assert_int_equal(a, ok[i].alg);
	}
	dns_tsig_alg_t a;
	assert_int_equal(dns_tsig_alg_from_text("sha3", 4, &a), DNS_ENOTSUP);
	assert_int_equal(dns_tsig_alg_from_text("hmac-", 5, &a), DNS_ENOTSUP);
	assert_int_equal(dns_tsig_alg_from_text("", 0, &a), DNS_ENOTSUP);

	/* RFC 8945 §6 wire names, hand-written */
	assert_memory_equal(dns_tsig_alg_wire(DNS_TSIG_HMAC_MD5),
	                    "\x08hmac-md5\x07sig-alg\x03reg\x03int", 26);
	assert_memory_equal(dns_tsig_alg_wire(DNS_TSIG_HMAC_SHA256), "\x0bhmac-sha256", 13);
	assert_int_equal(dns_tsig_alg_from_wire((const uint8_t *)"\x09HMAC-SHA1"),
	                 DNS_TSIG_HMAC_SHA1);
	assert_int_equal(dns_tsig_alg_from_wire((const uint8_t *)"\x09hmac-sha3"),
	                 DNS_TSIG_ALG_NONE);
	/* docs/repository.md: the DNSKEY algorithm numbers of key files */
	static const uint8_t nums[] = {157, 161, 162, 163, 164, 165};
	for (int i = 0; i < 6; i++) {
		assert_int_equal(dns_tsig_alg_from_dnskey(nums[i]), DNS_TSIG_HMAC_MD5 + i);
		assert_int_equal(dns_tsig_alg_to_dnskey(DNS_TSIG_HMAC_MD5 + i), nums[i]);
	}
	assert_int_equal(dns_tsig_alg_from_dnskey(160), DNS_TSIG_ALG_NONE);
	assert_int_equal(dns_tsig_alg_mac_len(DNS_TSIG_HMAC_SHA224), 28);
	assert_int_equal(dns_tsig_alg_mac_len(DNS_TSIG_ALG_NONE), 0);
}

static void test_key_from_text(void **state)
{
	dns_tsig_key_t k;
	assert_int_equal(from_text(&k, "test.key:SHA256:" SECRET32), DNS_OK);
	assert_memory_equal(k.name, "\4test\3key", 10);
	assert_int_equal(k.alg, DNS_TSIG_HMAC_SHA256);
	assert_secret32(&k);
	/* absolute name, hmac- prefix, any case */
	assert_int_equal(from_text(&k, "Test.Key.:HMAC-sha512:" SECRET32), DNS_OK);
	assert_memory_equal(k.name, "\4Test\3Key", 10);
	assert_int_equal(k.alg, DNS_TSIG_HMAC_SHA512);
	/* nsupdate -y order: alg:name:secret */
	assert_int_equal(from_text(&k, "hmac-sha1:test.key:" SECRET32), DNS_OK);
	assert_memory_equal(k.name, "\4test\3key", 10);
	assert_int_equal(k.alg, DNS_TSIG_HMAC_SHA1);
	/* padding may be omitted; "AQI" is 01 02 */
	assert_int_equal(from_text(&k, "k:md5:AQI"), DNS_OK);
	assert_int_equal(k.secret_len, 2);
	assert_memory_equal(k.secret, "\1\2", 2);
}

static void test_key_from_text_errors(void **state)
{
	dns_tsig_key_t k;
	assert_int_equal(from_text(&k, "test.key:" SECRET32), DNS_ESYNTAX);
	assert_int_equal(from_text(&k, "test.key:sha999:" SECRET32), DNS_ENOTSUP);
	assert_int_equal(from_text(&k, "test.key:sha256:"), DNS_ELIMIT);
	assert_int_equal(from_text(&k, "test.key:sha256:AA*A"), DNS_ESYNTAX);
	assert_int_equal(from_text(&k, "test.key:sha256:A=AA"), DNS_ESYNTAX);
	assert_int_equal(from_text(&k, ":sha256:" SECRET32), DNS_ESYNTAX);
	assert_int_equal(from_text(&k, "a..b:sha256:" SECRET32), DNS_ESYNTAX);
	/* 129 secret bytes: 172 base64 characters */
	char big[256] = "k:sha256:";
	memset(big + strlen(big), 'A', 172);
	assert_int_equal(from_text(&k, big), DNS_ELIMIT);
	/* 128 bytes is fine: 171 characters + '=' */
	big[9 + 171] = '=';
	assert_int_equal(from_text(&k, big), DNS_OK);
	assert_int_equal(k.secret_len, 128);
}

static void test_key_to_text(void **state)
{
	dns_tsig_key_t k;
	char out[DNS_TSIG_KEY_TEXT_MAX];
	assert_int_equal(from_text(&k, "test.key:SHA256:" SECRET32), DNS_OK);
	assert_int_equal(dns_tsig_key_to_text(&k, out, sizeof(out)), DNS_OK);
	assert_string_equal(out, "test.key.:hmac-sha256:" SECRET32);
	assert_int_equal(dns_tsig_key_to_text(&k, out, 20), DNS_ESPACE);
	assert_int_equal(dns_tsig_key_to_text(&k, out, strlen("test.key.:hmac-sha256:" SECRET32)),
	                 DNS_ESPACE);
	/* round trip */
	dns_tsig_key_t k2;
	assert_int_equal(dns_tsig_key_to_text(&k, out, sizeof(out)), DNS_OK);
	assert_int_equal(from_text(&k2, out), DNS_OK);
	assert_memory_equal(&k, &k2, sizeof(k));
}

static void test_key_from_dnskey(void **state)
{
	dns_tsig_key_t k;
	/* flags 0, protocol 3, algorithm 163, secret 01 02 03 */
	static const uint8_t rd[] = {0, 0, 3, 163, 1, 2, 3};
	dns_rr_t rr = {(const uint8_t *)"\1k\0", DNS_TYPE_DNSKEY, DNS_CLASS_IN, 0, sizeof(rd), rd};
	assert_int_equal(dns_tsig_key_from_dnskey(&k, &rr), DNS_OK);
	assert_int_equal(k.alg, DNS_TSIG_HMAC_SHA256);
	assert_int_equal(k.secret_len, 3);
	assert_memory_equal(k.secret, "\1\2\3", 3);
	static const uint8_t bad_proto[] = {0, 0, 2, 163, 1};
	rr.rdata = bad_proto;
	assert_int_equal(dns_tsig_key_from_dnskey(&k, &rr), DNS_EMALFORMED);
	static const uint8_t bad_alg[] = {0, 0, 3, 8, 1};
	rr.rdata = bad_alg;
	assert_int_equal(dns_tsig_key_from_dnskey(&k, &rr), DNS_ENOTSUP);
	rr.rdata = rd;
	rr.rdlen = 4;
	assert_int_equal(dns_tsig_key_from_dnskey(&k, &rr), DNS_ELIMIT);
	rr.rdlen = 3;
	assert_int_equal(dns_tsig_key_from_dnskey(&k, &rr), DNS_EMALFORMED);
	rr.rdlen = sizeof(rd);
	rr.type = DNS_TYPE_KEY;
	assert_int_equal(dns_tsig_key_from_dnskey(&k, &rr), DNS_EINVAL);
}

static void test_store(void **state)
{
	dns_keystore_t *ks = dns_keystore_new();
	dns_tsig_key_t k;
	assert_non_null(ks);
	assert_int_equal(from_text(&k, "b.example:sha256:AQI="), DNS_OK);
	assert_int_equal(dns_keystore_add(ks, &k), DNS_OK);
	assert_int_equal(from_text(&k, "a.example:sha1:AQI="), DNS_OK);
	assert_int_equal(dns_keystore_add(ks, &k), DNS_OK);
	assert_int_equal(from_text(&k, "B.EXAMPLE:md5:AQI="), DNS_OK);
	assert_int_equal(dns_keystore_add(ks, &k), DNS_EEXIST);
	for (int i = 0; i < 20; i++) {
		char t[64];
		snprintf(t, sizeof(t), "k%d.example:sha256:AQI=", i);
		assert_int_equal(from_text(&k, t), DNS_OK);
		assert_int_equal(dns_keystore_add(ks, &k), DNS_OK);
	}
	assert_int_equal(dns_keystore_count(ks), 22);
	const dns_tsig_key_t *f = dns_keystore_find(ks, (const uint8_t *)"\1B\7Example");
	assert_non_null(f);
	assert_int_equal(f->alg, DNS_TSIG_HMAC_SHA256);
	f = dns_keystore_find(ks, (const uint8_t *)"\3k17\7example");
	assert_non_null(f);
	assert_memory_equal(f->name, "\3k17\7example", 13);
	assert_null(dns_keystore_find(ks, (const uint8_t *)"\1c\7example"));
	assert_null(dns_keystore_find(ks, (const uint8_t *)"\1a"));
	/* canonical order */
	assert_memory_equal(dns_keystore_at(ks, 0)->name, "\1a\7example", 11);
	assert_memory_equal(dns_keystore_at(ks, 1)->name, "\1b\7example", 11);
	assert_null(dns_keystore_at(ks, 22));
	dns_keystore_free(ks);
}

struct errs {
	int n;
	uint32_t line[8];
	char msg[8][256];
};

static void on_error(void *ctx, const dns_zf_pos_t *pos, const char *msg)
{
	struct errs *e = ctx;
	if (e->n < 8) {
		e->line[e->n] = pos->line;
		snprintf(e->msg[e->n], sizeof(e->msg[0]), "%s", msg);
	}
	e->n++;
}

static void test_load_root_keys(void **state)
{
	static const char text[] =
	    "; keys of every zone\n"
	    "ops._update. DNSKEY 0 3 163 " SECRET32 "\n"
	    "sec._transfer.example.com. DNSKEY 0 3 157 AQI=\n"
	    "rel._notify DNSKEY 0 3 165 AQID\n";
	dns_keystore_t *ks = dns_keystore_new();
	struct errs e = {0};
	assert_int_equal(dns_keystore_load_buffer(ks, "_keys", text, strlen(text), dns_name_root,
	                                          on_error, &e),
	                 DNS_OK);
	assert_int_equal(e.n, 0);
	assert_int_equal(dns_keystore_count(ks), 3);
	const dns_tsig_key_t *k = dns_keystore_find(ks, (const uint8_t *)"\3ops\7_update");
	assert_non_null(k);
	assert_int_equal(k->alg, DNS_TSIG_HMAC_SHA256);
	assert_secret32(k);
	k = dns_keystore_find(ks, (const uint8_t *)"\3sec\11_transfer\7example\3com");
	assert_non_null(k);
	assert_int_equal(k->alg, DNS_TSIG_HMAC_MD5);
	/* relative names are completed with the root */
	k = dns_keystore_find(ks, (const uint8_t *)"\3rel\7_notify");
	assert_non_null(k);
	assert_int_equal(k->alg, DNS_TSIG_HMAC_SHA512);
	assert_int_equal(k->secret_len, 3);
	dns_keystore_free(ks);
}

static void test_load_zone_keys_and_errors(void **state)
{
	static const char text[] =
	    "a._update DNSKEY 0 3 163 AQI=\n"                  /* line 1: ok, relative */
	    "a._update.example.com. DNSKEY 0 3 161 AQI=\n"     /* line 2: duplicate */
	    "b._update.example.org. DNSKEY 0 3 163 AQI=\n"     /* line 3: other zone */
	    "c._update DNSKEY 0 3 8 AQI=\n"                    /* line 4: algorithm */
	    "d._update TXT \"no\"\n"                           /* line 5: not DNSKEY */
	    "e._transfer DNSKEY 0 3 164 AQID\n";               /* line 6: ok */
	uint8_t zone[DNS_NAME_MAX];
	size_t zlen;
	assert_int_equal(dns_name_from_text(zone, &zlen, "example.com.", 12, NULL), DNS_OK);
	dns_keystore_t *ks = dns_keystore_new();
	struct errs e = {0};
	assert_int_equal(dns_keystore_load_buffer(ks, "example.com._keys", text, strlen(text), zone,
	                                          on_error, &e),
	                 DNS_ESYNTAX);
	assert_int_equal(e.n, 4);
	assert_int_equal(e.line[0], 2);
	assert_non_null(strstr(e.msg[0], "second key"));
	assert_int_equal(e.line[1], 3);
	assert_int_equal(e.line[2], 4);
	assert_int_equal(e.line[3], 5);
	assert_int_equal(dns_keystore_count(ks), 2);
	const dns_tsig_key_t *k =
	    dns_keystore_find(ks, (const uint8_t *)"\1a\7_update\7example\3com");
	assert_non_null(k);
	assert_int_equal(k->alg, DNS_TSIG_HMAC_SHA256); /* the first one stays */
	assert_non_null(dns_keystore_find(ks, (const uint8_t *)"\1e\11_transfer\7example\3com"));
	dns_keystore_free(ks);
}

/* What the pre-receive hook and the primary both refuse in a key file:
 * each finding with its line and column, the good keys still loaded. */
struct pos_errs {
	int n;
	char msg[8][320];
};

static void on_pos_error(void *ctx, const dns_zf_pos_t *pos, const char *msg)
{
	struct pos_errs *e = ctx;
	if (e->n < 8)
		snprintf(e->msg[e->n], sizeof(e->msg[0]), "%s:%u:%u: %s", pos->file,
		         (unsigned)pos->line, (unsigned)pos->col, msg);
	e->n++;
}

static void test_load_refuses_bad_keys(void **state)
{
	static const char text[] =
	    "ok._update. DNSKEY 0 3 163 " SECRET32 "\n"       /* 1 */
	    "b64._update. DNSKEY 0 3 163 abc!def=\n"          /* 2: not base64 */
	    "len._update. DNSKEY 0 3 163 abcde\n"             /* 3: bad length */
	    "alg._update. DNSKEY 0 3 8 " SECRET32 "\n"        /* 4: DNSSEC algorithm */
	    "plain.example.com. DNSKEY 0 3 163 AQI=\n"        /* 5: no operation label */
	    "ok._update. DNSKEY 0 3 165 AQI=\n"               /* 6: duplicate */
	    "ok._notify.example.net. DNSKEY 0 3 163 AQI=\n";  /* 7: fine */
	dns_keystore_t *ks = dns_keystore_new();
	struct pos_errs e = {0};
	assert_int_equal(dns_keystore_load_buffer(ks, "_keys", text, strlen(text), dns_name_root,
	                                          on_pos_error, &e),
	                 DNS_ESYNTAX);
	assert_int_equal(e.n, 5);
	assert_string_equal(e.msg[0], "_keys:2:29: DNSKEY: invalid base64");
	assert_string_equal(e.msg[1], "_keys:3:29: DNSKEY: base64 length is not a multiple of 4");
	assert_string_equal(e.msg[2],
	                    "_keys:4:1: alg._update.: unknown TSIG algorithm (157, 161-165)");
	assert_string_equal(e.msg[3], "_keys:5:1: plain.example.com.: the name has no _update, "
	                              "_transfer or _notify label: the key would grant nothing");
	assert_string_equal(e.msg[4], "_keys:6:1: ok._update.: a second key of this name");
	assert_int_equal(dns_keystore_count(ks), 2);
	assert_non_null(dns_keystore_find(ks, (const uint8_t *)"\2ok\7_update"));
	dns_keystore_free(ks);
}

static void test_load_zone_keys_authority(void **state)
{
	/* The file of the zone "_update.example.com." must not grant update
	 * rights over example.com: the rightmost operation label of any name
	 * in it is the zone's own. */
	static const char text[] =
	    "a._update.example.com. DNSKEY 0 3 163 AQI=\n"
	    "b._notify._update.example.com. DNSKEY 0 3 163 AQI=\n";
	uint8_t zone[DNS_NAME_MAX];
	size_t zlen;
	const char *zt = "_update.example.com.";
	assert_int_equal(dns_name_from_text(zone, &zlen, zt, strlen(zt), NULL), DNS_OK);
	dns_keystore_t *ks = dns_keystore_new();
	struct pos_errs e = {0};
	assert_int_equal(dns_keystore_load_buffer(ks, "_update.example.com._keys", text, strlen(text),
	                                          zone, on_pos_error, &e),
	                 DNS_ESYNTAX);
	assert_int_equal(e.n, 2);
	assert_string_equal(e.msg[0], "_update.example.com._keys:1:1: a._update.example.com.: the key "
	                              "would have authority over example.com., above the zone of "
	                              "this key file");
	assert_int_equal(dns_keystore_count(ks), 0);
	dns_keystore_free(ks);
}

static void test_load_file(void **state)
{
	char path[] = "/tmp/test_keys_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	fputs("k._update. DNSKEY 0 3 163 AQI=\n", f);
	fclose(f);
	dns_keystore_t *ks = dns_keystore_new();
	assert_int_equal(dns_keystore_load_file(ks, path, dns_name_root, NULL, NULL), DNS_OK);
	assert_int_equal(dns_keystore_count(ks), 1);
	remove(path);
	assert_int_equal(dns_keystore_load_file(ks, path, dns_name_root, NULL, NULL), DNS_EIO);
	dns_keystore_free(ks);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alg_names),
		cmocka_unit_test(test_key_from_text),
		cmocka_unit_test(test_key_from_text_errors),
		cmocka_unit_test(test_key_to_text),
		cmocka_unit_test(test_key_from_dnskey),
		cmocka_unit_test(test_store),
		cmocka_unit_test(test_load_root_keys),
		cmocka_unit_test(test_load_zone_keys_and_errors),
		cmocka_unit_test(test_load_refuses_bad_keys),
		cmocka_unit_test(test_load_zone_keys_authority),
		cmocka_unit_test(test_load_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
