/*
 * tsig.c - transaction signatures, RFC 8945 (see tsig.h).
 *
 * Every MAC is an HMAC computed by OpenSSL's EVP_MAC and fed in pieces:
 * the prior MAC, the message (its header patched on the fly, the rest in
 * place), then the TSIG variables.  Nothing is copied.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "dns/rrtype.h"
#include "dns/tsig.h"

/* Fixed part of the TSIG RR after the owner: type, class, TTL, rdlength. */
#define RR_FIXED 10
/* Fixed part of the rdata after the algorithm name (time..other len). */
#define RD_FIXED 16
#define TIME48_MAX ((UINT64_C(1) << 48) - 1)

/* The fields of a received TSIG RR; pointers into the message. */
typedef struct tsig_rd {
	const uint8_t *owner;
	const uint8_t *alg;
	uint64_t time;
	uint16_t fudge;
	uint16_t mac_len;
	const uint8_t *mac;
	uint16_t orig_id;
	uint16_t error;
	uint16_t other_len;
	const uint8_t *other;
} tsig_rd_t;

/* ---- the HMAC ---- */

static EVP_MAC_CTX *mac_start(const dns_tsig_key_t *key)
{
	const char *digest = dns_tsig_alg_digest(key->alg);
	if (!digest || key->secret_len == 0 || key->secret_len > DNS_TSIG_SECRET_MAX)
		return NULL;
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (!mac)
		return NULL;
	EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);
	EVP_MAC_free(mac); /* the context keeps its own reference */
	if (!ctx)
		return NULL;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)digest, 0),
		OSSL_PARAM_construct_end(),
	};
	if (!EVP_MAC_init(ctx, key->secret, key->secret_len, params)) {
		EVP_MAC_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

static bool feed(EVP_MAC_CTX *ctx, const void *p, size_t n)
{
	return n == 0 || EVP_MAC_update(ctx, p, n) == 1;
}

static bool feed16(EVP_MAC_CTX *ctx, uint16_t v)
{
	uint8_t b[2];
	dns_put16(b, v);
	return feed(ctx, b, 2);
}

static bool feed48(EVP_MAC_CTX *ctx, uint64_t v)
{
	uint8_t b[6];
	dns_put16(b, (uint16_t)(v >> 32));
	dns_put32(b + 2, (uint32_t)v);
	return feed(ctx, b, 6);
}

/* A name in canonical (lower-case) form, RFC 8945 §4.3.3. */
static bool feed_name(EVP_MAC_CTX *ctx, const uint8_t *name)
{
	uint8_t canon[DNS_NAME_MAX];
	size_t n = dns_name_copy(canon, name);
	dns_name_lower(canon);
	return feed(ctx, canon, n);
}

/* A prior MAC (request MAC or the previous one): MAC size, then MAC. */
static bool feed_prior(EVP_MAC_CTX *ctx, const uint8_t *mac, size_t len)
{
	return feed16(ctx, (uint16_t)len) && feed(ctx, mac, len);
}

/* A message of @len bytes as signed: ID and ARCOUNT replaced. */
static bool feed_msg(EVP_MAC_CTX *ctx, const uint8_t *msg, size_t len, uint16_t id,
                     uint16_t arcount)
{
	uint8_t hdr[DNS_HDR_LEN];
	memcpy(hdr, msg, DNS_HDR_LEN);
	dns_put16(hdr, id);
	dns_put16(hdr + 10, arcount);
	return feed(ctx, hdr, DNS_HDR_LEN) && feed(ctx, msg + DNS_HDR_LEN, len - DNS_HDR_LEN);
}

/* All TSIG variables, RFC 8945 §4.3.3. */
static bool feed_vars(EVP_MAC_CTX *ctx, const uint8_t *keyname, const uint8_t *alg,
                      uint64_t time, uint16_t fudge, uint16_t error, const uint8_t *other,
                      uint16_t other_len)
{
	uint8_t class_ttl[6] = {0, DNS_CLASS_ANY, 0, 0, 0, 0};
	return feed_name(ctx, keyname) && feed(ctx, class_ttl, sizeof(class_ttl)) &&
	       feed_name(ctx, alg) && feed48(ctx, time) && feed16(ctx, fudge) &&
	       feed16(ctx, error) && feed16(ctx, other_len) && feed(ctx, other, other_len);
}

/* The timers only, for later messages of a stream (RFC 8945 §5.3.1). */
static bool feed_timers(EVP_MAC_CTX *ctx, uint64_t time, uint16_t fudge)
{
	return feed48(ctx, time) && feed16(ctx, fudge);
}

static dns_err_t mac_final(EVP_MAC_CTX *ctx, uint8_t out[DNS_TSIG_MAC_MAX], size_t *len)
{
	if (EVP_MAC_final(ctx, out, len, DNS_TSIG_MAC_MAX) != 1)
		return DNS_EINVAL;
	return DNS_OK;
}

/* ---- the TSIG RR on the wire ---- */

/* An uncompressed name inside rdata (RFC 8945 §4.2: never compressed). */
static dns_err_t read_plain_name(dns_rbuf_t *r, const uint8_t **name)
{
	size_t start = r->pos, total = 0;
	uint8_t len;

	do {
		if (dns_rbuf_u8(r, &len) != DNS_OK || (len & 0xC0) || len > DNS_LABEL_MAX)
			return DNS_EMALFORMED;
		total += 1u + len;
		if (total > DNS_NAME_MAX || dns_rbuf_skip(r, len) != DNS_OK)
			return DNS_EMALFORMED;
	} while (len);
	*name = r->base + start;
	return DNS_OK;
}

/* Read the TSIG RR of a parsed message; class ANY and TTL 0 required. */
static dns_err_t read_tsig(const dns_msg_t *m, tsig_rd_t *rd)
{
	const dns_rr_t *rr = &m->tsig->rr;
	dns_rbuf_t r;
	uint16_t hi;
	uint32_t lo;
	const uint8_t *p;

	if (rr->type != DNS_TYPE_TSIG || rr->rclass != DNS_CLASS_ANY || rr->ttl != 0)
		return DNS_EMALFORMED;
	if (m->tsig->offset < DNS_HDR_LEN || m->tsig->offset > m->wire_len ||
	    m->count[DNS_SEC_ADDITIONAL] == 0)
		return DNS_EMALFORMED;
	memset(rd, 0, sizeof(*rd));
	rd->owner = rr->owner;
	dns_rbuf_init(&r, rr->rdata, rr->rdlen);
	if (read_plain_name(&r, &rd->alg) != DNS_OK || dns_rbuf_u16(&r, &hi) != DNS_OK ||
	    dns_rbuf_u32(&r, &lo) != DNS_OK || dns_rbuf_u16(&r, &rd->fudge) != DNS_OK ||
	    dns_rbuf_u16(&r, &rd->mac_len) != DNS_OK ||
	    dns_rbuf_bytes(&r, &rd->mac, rd->mac_len) != DNS_OK ||
	    dns_rbuf_u16(&r, &rd->orig_id) != DNS_OK || dns_rbuf_u16(&r, &rd->error) != DNS_OK ||
	    dns_rbuf_u16(&r, &rd->other_len) != DNS_OK ||
	    dns_rbuf_bytes(&r, &p, rd->other_len) != DNS_OK || dns_rbuf_left(&r) != 0)
		return DNS_EMALFORMED;
	rd->other = p;
	rd->time = (uint64_t)hi << 32 | lo;
	return DNS_OK;
}

/* Append a TSIG RR and count it in ARCOUNT; all or nothing. */
static dns_err_t append_tsig(uint8_t *msg, size_t *len, size_t cap, const uint8_t *keyname,
                             const uint8_t *alg, uint64_t time, uint16_t fudge,
                             const uint8_t *mac, size_t mac_len, uint16_t orig_id,
                             uint16_t error, const uint8_t *other, uint16_t other_len)
{
	size_t nlen = dns_name_length(keyname), alen = dns_name_length(alg);
	size_t rdlen = alen + RD_FIXED + mac_len + other_len;
	uint16_t arcount = dns_get16(msg + 10);
	dns_wbuf_t w;

	if (arcount == UINT16_MAX)
		return DNS_ELIMIT;
	if (*len > cap || *len > DNS_MSG_MAX || cap - *len < nlen + RR_FIXED + rdlen ||
	    *len + nlen + RR_FIXED + rdlen > DNS_MSG_MAX)
		return DNS_ESPACE;
	dns_wbuf_init(&w, msg + *len, cap - *len);
	/* Space was checked above: the writes cannot fail. */
	dns_wbuf_bytes(&w, keyname, nlen);
	dns_wbuf_u16(&w, DNS_TYPE_TSIG);
	dns_wbuf_u16(&w, DNS_CLASS_ANY);
	dns_wbuf_u32(&w, 0);
	dns_wbuf_u16(&w, (uint16_t)rdlen);
	dns_wbuf_bytes(&w, alg, alen);
	dns_wbuf_u16(&w, (uint16_t)(time >> 32));
	dns_wbuf_u32(&w, (uint32_t)time);
	dns_wbuf_u16(&w, fudge);
	dns_wbuf_u16(&w, (uint16_t)mac_len);
	dns_wbuf_bytes(&w, mac, mac_len);
	dns_wbuf_u16(&w, orig_id);
	dns_wbuf_u16(&w, error);
	dns_wbuf_u16(&w, other_len);
	dns_wbuf_bytes(&w, other, other_len);
	*len += w.len;
	dns_put16(msg + 10, (uint16_t)(arcount + 1));
	return DNS_OK;
}

size_t dns_tsig_space(const dns_tsig_key_t *key)
{
	const uint8_t *alg = dns_tsig_alg_wire(key->alg);
	size_t alen = alg ? dns_name_length(alg) : DNS_NAME_MAX;
	return dns_name_length(key->name) + RR_FIXED + alen + RD_FIXED + DNS_TSIG_MAC_MAX + 6;
}

/*
 * Compute the MAC of a message about to be signed: optional prior MAC,
 * the message (ID replaced by @id), then all variables or the timers.
 */
static dns_err_t compute(const dns_tsig_key_t *key, const uint8_t *prior, size_t prior_len,
                         const uint8_t *msg, size_t len, uint16_t id, const uint8_t *keyname,
                         uint64_t time, const uint8_t *other, uint16_t other_len,
                         uint16_t error, uint8_t out[DNS_TSIG_MAC_MAX], size_t *out_len)
{
	EVP_MAC_CTX *ctx = mac_start(key);
	if (!ctx)
		return DNS_EINVAL;
	bool ok = (!prior || feed_prior(ctx, prior, prior_len)) &&
	          feed_msg(ctx, msg, len, id, dns_get16(msg + 10)) &&
	          feed_vars(ctx, keyname, dns_tsig_alg_wire(key->alg), time, DNS_TSIG_FUDGE,
	                    error, other, other_len);
	dns_err_t err = ok ? mac_final(ctx, out, out_len) : DNS_EINVAL;
	EVP_MAC_CTX_free(ctx);
	return err;
}

dns_err_t dns_tsig_sign(uint8_t *msg, size_t *len, size_t cap, const dns_tsig_key_t *key,
                        uint64_t now, uint8_t *mac, size_t *mac_len)
{
	uint8_t out[DNS_TSIG_MAC_MAX];
	size_t out_len;

	if (*len < DNS_HDR_LEN || *len > cap)
		return DNS_EMALFORMED;
	if (now > TIME48_MAX || !dns_tsig_alg_wire(key->alg))
		return DNS_EINVAL;
	uint16_t id = dns_get16(msg);
	dns_err_t err = compute(key, NULL, 0, msg, *len, id, key->name, now, NULL, 0, 0, out,
	                        &out_len);
	if (err == DNS_OK)
		err = append_tsig(msg, len, cap, key->name, dns_tsig_alg_wire(key->alg), now,
		                  DNS_TSIG_FUDGE, out, out_len, id, 0, NULL, 0);
	if (err == DNS_OK && mac) {
		memcpy(mac, out, out_len);
		*mac_len = out_len;
	}
	return err;
}

/* ---- verifying ---- */

static bool time_ok(uint64_t now, uint64_t signed_at, uint16_t fudge)
{
	uint64_t d = now > signed_at ? now - signed_at : signed_at - now;
	return d <= fudge;
}

/* RFC 8945 §5.2.2.1: lengths a MAC may legally be truncated to. */
static bool mac_len_legal(size_t len, size_t full)
{
	return len <= full && len >= 10 && len >= (full + 1) / 2;
}

static size_t mac_len_policy(size_t full)
{
	size_t min = (full + 1) / 2;
	if (min < DNS_TSIG_MIN_MAC_POLICY)
		min = DNS_TSIG_MIN_MAC_POLICY;
	return min < full ? min : full;
}

/* Finish a digest and compare it, in constant time, with the received MAC. */
static dns_err_t check_mac(EVP_MAC_CTX *ctx, const tsig_rd_t *rd)
{
	uint8_t out[DNS_TSIG_MAC_MAX];
	size_t out_len;

	if (mac_final(ctx, out, &out_len) != DNS_OK || rd->mac_len > out_len)
		return DNS_EINVAL;
	return CRYPTO_memcmp(out, rd->mac, rd->mac_len) == 0 ? DNS_OK : DNS_ETSIG;
}

/* The message part of a signed message: everything before its TSIG RR. */
static bool feed_signed_msg(EVP_MAC_CTX *ctx, const dns_msg_t *m, const tsig_rd_t *rd)
{
	return feed_msg(ctx, m->wire, m->tsig->offset, rd->orig_id,
	                (uint16_t)(m->count[DNS_SEC_ADDITIONAL] - 1));
}

static dns_err_t tsig_fail(uint16_t *tsig_error, uint16_t code)
{
	*tsig_error = code;
	return DNS_ETSIG;
}

dns_err_t dns_tsig_verify_request(const dns_msg_t *m, const dns_keystore_t *keys, uint64_t now,
                                  dns_tsig_req_t *req, uint16_t *tsig_error)
{
	tsig_rd_t rd;

	memset(req, 0, sizeof(*req));
	*tsig_error = 0;
	if (!m->tsig)
		return DNS_ENOTFOUND;
	if (read_tsig(m, &rd) != DNS_OK)
		return DNS_EMALFORMED;
	dns_name_copy(req->keyname, rd.owner);
	dns_name_copy(req->algname, rd.alg);
	req->orig_id = rd.orig_id;
	req->time_signed = rd.time;
	req->fudge = rd.fudge;
	req->mac_len = rd.mac_len <= DNS_TSIG_MAC_MAX ? rd.mac_len : 0;
	memcpy(req->mac, rd.mac, req->mac_len);

	/* §5.2.1 key check: unknown name or algorithm ⇒ BADKEY. */
	const dns_tsig_key_t *key = dns_keystore_find(keys, rd.owner);
	if (!key || dns_tsig_alg_from_wire(rd.alg) != key->alg) {
		req->error = DNS_RCODE_BADKEY;
		return tsig_fail(tsig_error, DNS_RCODE_BADKEY);
	}

	/* §5.2.2.1 illegal MAC lengths are a format error. */
	size_t full = dns_tsig_alg_mac_len(key->alg);
	if (!mac_len_legal(rd.mac_len, full))
		return DNS_EMALFORMED;

	/* §5.2.2 MAC check. */
	EVP_MAC_CTX *ctx = mac_start(key);
	if (!ctx)
		return DNS_ENOMEM;
	dns_err_t err = DNS_EINVAL;
	if (feed_signed_msg(ctx, m, &rd) &&
	    feed_vars(ctx, rd.owner, rd.alg, rd.time, rd.fudge, rd.error, rd.other, rd.other_len))
		err = check_mac(ctx, &rd);
	EVP_MAC_CTX_free(ctx);
	if (err == DNS_ETSIG) {
		req->error = DNS_RCODE_BADSIG;
		return tsig_fail(tsig_error, DNS_RCODE_BADSIG);
	}
	if (err != DNS_OK)
		return err;

	/* The key signed it: the answer can be signed, even an error. */
	req->key = key;
	/* §5.2.3 time check. */
	if (!time_ok(now, rd.time, rd.fudge)) {
		req->error = DNS_RCODE_BADTIME;
		return tsig_fail(tsig_error, DNS_RCODE_BADTIME);
	}
	/* §5.2.4 truncation against our policy. */
	if (rd.mac_len < mac_len_policy(full)) {
		req->error = DNS_RCODE_BADTRUNC;
		return tsig_fail(tsig_error, DNS_RCODE_BADTRUNC);
	}
	return DNS_OK;
}

dns_err_t dns_tsig_sign_response(uint8_t *msg, size_t *len, size_t cap,
                                 const dns_tsig_req_t *req, uint64_t now)
{
	uint8_t out[DNS_TSIG_MAC_MAX], other[6];
	size_t out_len;

	if (*len < DNS_HDR_LEN || *len > cap)
		return DNS_EMALFORMED;
	if (now > TIME48_MAX)
		return DNS_EINVAL;
	/* §5.3.2: errors about the key or MAC are answered unsigned. */
	if (req->error == DNS_RCODE_BADKEY || req->error == DNS_RCODE_BADSIG)
		return append_tsig(msg, len, cap, req->keyname, req->algname, now, DNS_TSIG_FUDGE,
		                   NULL, 0, req->orig_id, req->error, NULL, 0);
	if (!req->key)
		return DNS_EINVAL;

	uint64_t time = now;
	uint16_t other_len = 0;
	if (req->error == DNS_RCODE_BADTIME) {
		/* Our clock goes in other data; time signed echoes the request's so
		 * that the client's own time check passes and it can read ours. */
		dns_put16(other, (uint16_t)(now >> 32));
		dns_put32(other + 2, (uint32_t)now);
		other_len = 6;
		time = req->time_signed;
	}
	dns_err_t err = compute(req->key, req->mac, req->mac_len, msg, *len, req->orig_id,
	                        req->keyname, time, other, other_len, req->error, out, &out_len);
	if (err != DNS_OK)
		return err;
	return append_tsig(msg, len, cap, req->keyname, dns_tsig_alg_wire(req->key->alg), time,
	                   DNS_TSIG_FUDGE, out, out_len, req->orig_id, req->error, other,
	                   other_len);
}

/* ---- streams ---- */

/* A fresh digest primed with the prior MAC. */
static dns_err_t stream_restart(dns_tsig_stream_t *s)
{
	EVP_MAC_CTX_free(s->mac_ctx);
	s->mac_ctx = mac_start(s->key);
	if (!s->mac_ctx)
		return DNS_ENOMEM;
	if (!feed_prior(s->mac_ctx, s->prior, s->prior_len))
		return DNS_EINVAL;
	s->unsigned_run = 0;
	return DNS_OK;
}

static dns_err_t stream_init(dns_tsig_stream_t *s, const dns_tsig_key_t *key,
                             const uint8_t *prior, size_t prior_len, bool verifier)
{
	memset(s, 0, sizeof(*s));
	if (!key || prior_len > DNS_TSIG_MAC_MAX)
		return DNS_EINVAL;
	s->key = key;
	s->verifier = verifier;
	memcpy(s->prior, prior, prior_len);
	s->prior_len = prior_len;
	return stream_restart(s);
}

dns_err_t dns_tsig_stream_init_signer(dns_tsig_stream_t *s, const dns_tsig_req_t *req)
{
	dns_err_t err = stream_init(s, req->key, req->mac, req->mac_len, false);
	s->orig_id = req->orig_id;
	memcpy(s->keyname, req->keyname, dns_name_length(req->keyname));
	return err;
}

dns_err_t dns_tsig_stream_sign(dns_tsig_stream_t *s, uint8_t *msg, size_t *len, size_t cap,
                               uint64_t now, bool sign)
{
	uint8_t out[DNS_TSIG_MAC_MAX];
	size_t out_len;

	if (!s->mac_ctx || s->verifier || *len < DNS_HDR_LEN || *len > cap || now > TIME48_MAX)
		return DNS_EINVAL;
	if (!sign) {
		if (s->nmsg == 0 || s->unsigned_run >= DNS_TSIG_MAX_UNSIGNED)
			return DNS_EINVAL;
		if (!feed(s->mac_ctx, msg, *len))
			return DNS_EINVAL;
		s->unsigned_run++;
		s->nmsg++;
		return DNS_OK;
	}
	/* The TSIG RR must fit before the digest is spent. */
	const uint8_t *alg = dns_tsig_alg_wire(s->key->alg);
	if (cap - *len < dns_name_length(s->keyname) + RR_FIXED + dns_name_length(alg) +
	                     RD_FIXED + dns_tsig_alg_mac_len(s->key->alg))
		return DNS_ESPACE;
	bool ok = feed_msg(s->mac_ctx, msg, *len, s->orig_id, dns_get16(msg + 10));
	if (s->nmsg == 0)
		ok = ok && feed_vars(s->mac_ctx, s->keyname, alg, now, DNS_TSIG_FUDGE, 0, NULL, 0);
	else
		ok = ok && feed_timers(s->mac_ctx, now, DNS_TSIG_FUDGE);
	dns_err_t err = ok ? mac_final(s->mac_ctx, out, &out_len) : DNS_EINVAL;
	if (err == DNS_OK)
		err = append_tsig(msg, len, cap, s->keyname, alg, now, DNS_TSIG_FUDGE, out, out_len,
		                  s->orig_id, 0, NULL, 0);
	if (err != DNS_OK) {
		/* The digest is spent: the stream cannot continue. */
		EVP_MAC_CTX_free(s->mac_ctx);
		s->mac_ctx = NULL;
		return err;
	}
	memcpy(s->prior, out, out_len);
	s->prior_len = out_len;
	s->nmsg++;
	return stream_restart(s);
}

dns_err_t dns_tsig_stream_init_verifier(dns_tsig_stream_t *s, const dns_tsig_key_t *key,
                                        const uint8_t *req_mac, size_t req_mac_len)
{
	dns_err_t err = stream_init(s, key, req_mac, req_mac_len, true);
	if (key)
		memcpy(s->keyname, key->name, dns_name_length(key->name));
	return err;
}

/* Stop the stream after an error: nothing more is accepted. */
static dns_err_t stream_fail(dns_tsig_stream_t *s, dns_err_t err, uint16_t *tsig_error,
                             uint16_t code)
{
	EVP_MAC_CTX_free(s->mac_ctx);
	s->mac_ctx = NULL;
	*tsig_error = code;
	return err;
}

static dns_err_t stream_verify_signed(dns_tsig_stream_t *s, const dns_msg_t *m, uint64_t now,
                                      uint16_t *tsig_error)
{
	tsig_rd_t rd;

	if (read_tsig(m, &rd) != DNS_OK)
		return stream_fail(s, DNS_EMALFORMED, tsig_error, 0);
	if (!dns_name_equal(rd.owner, s->key->name) ||
	    dns_tsig_alg_from_wire(rd.alg) != s->key->alg)
		return stream_fail(s, DNS_ETSIG, tsig_error, DNS_RCODE_BADKEY);
	/* An unsigned error answer (§5.3.2): nothing to verify, only to report. */
	if (rd.mac_len == 0 && rd.error != 0)
		return stream_fail(s, DNS_ETSIG, tsig_error, rd.error);
	size_t full = dns_tsig_alg_mac_len(s->key->alg);
	if (!mac_len_legal(rd.mac_len, full))
		return stream_fail(s, DNS_EMALFORMED, tsig_error, 0);

	bool ok = feed_signed_msg(s->mac_ctx, m, &rd);
	if (s->nmsg == 0)
		ok = ok && feed_vars(s->mac_ctx, rd.owner, rd.alg, rd.time, rd.fudge, rd.error,
		                     rd.other, rd.other_len);
	else
		ok = ok && feed_timers(s->mac_ctx, rd.time, rd.fudge);
	dns_err_t err = ok ? check_mac(s->mac_ctx, &rd) : DNS_EINVAL;
	if (err == DNS_ETSIG)
		return stream_fail(s, DNS_ETSIG, tsig_error, DNS_RCODE_BADSIG);
	if (err != DNS_OK)
		return stream_fail(s, err, tsig_error, 0);
	/* Authentic from here on: report the server's error, then our clock. */
	if (rd.error != 0)
		return stream_fail(s, DNS_ETSIG, tsig_error, rd.error);
	if (!time_ok(now, rd.time, rd.fudge))
		return stream_fail(s, DNS_ETSIG, tsig_error, DNS_RCODE_BADTIME);
	if (rd.mac_len < mac_len_policy(full))
		return stream_fail(s, DNS_ETSIG, tsig_error, DNS_RCODE_BADTRUNC);

	memcpy(s->prior, rd.mac, rd.mac_len);
	s->prior_len = rd.mac_len;
	s->nmsg++;
	err = stream_restart(s);
	return err == DNS_OK ? DNS_OK : stream_fail(s, err, tsig_error, 0);
}

dns_err_t dns_tsig_stream_verify(dns_tsig_stream_t *s, const dns_msg_t *m, uint64_t now,
                                 uint16_t *tsig_error)
{
	*tsig_error = 0;
	if (!s->mac_ctx || !s->verifier || m->wire_len < DNS_HDR_LEN)
		return DNS_EINVAL;
	if (m->tsig)
		return stream_verify_signed(s, m, now, tsig_error);
	/* Unsigned: allowed between signed messages, up to the limit. */
	if (s->nmsg == 0 || s->unsigned_run >= DNS_TSIG_MAX_UNSIGNED)
		return stream_fail(s, DNS_ETSIG, tsig_error, DNS_RCODE_BADSIG);
	if (!feed(s->mac_ctx, m->wire, m->wire_len))
		return stream_fail(s, DNS_EINVAL, tsig_error, 0);
	s->unsigned_run++;
	s->nmsg++;
	return DNS_OK;
}

dns_err_t dns_tsig_stream_end(const dns_tsig_stream_t *s)
{
	if (!s->mac_ctx || s->nmsg == 0 || s->unsigned_run != 0)
		return DNS_ETSIG;
	return DNS_OK;
}

void dns_tsig_stream_free(dns_tsig_stream_t *s)
{
	EVP_MAC_CTX_free(s->mac_ctx);
	s->mac_ctx = NULL;
	OPENSSL_cleanse(s->prior, sizeof(s->prior));
}

dns_err_t dns_tsig_verify_response(const dns_msg_t *m, const dns_tsig_key_t *key,
                                   const uint8_t *req_mac, size_t req_mac_len, uint64_t now,
                                   uint16_t *tsig_error)
{
	dns_tsig_stream_t s;

	*tsig_error = 0;
	if (!m->tsig)
		return DNS_ENOTFOUND;
	dns_err_t err = dns_tsig_stream_init_verifier(&s, key, req_mac, req_mac_len);
	if (err == DNS_OK)
		err = dns_tsig_stream_verify(&s, m, now, tsig_error);
	dns_tsig_stream_free(&s);
	return err;
}
