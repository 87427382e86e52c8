/*
 * cookie.c - DNS Cookies, server side (RFC 7873 §5.2, RFC 9018 §4):
 * verifying the server cookie a request carries and making the one its
 * response carries.  SipHash-2-4 is OpenSSL's (EVP_MAC "SIPHASH").
 */
#include <string.h>

#include <netinet/in.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "dns/cookie.h"
#include "dns/wire.h"
#include "internal/hex.h"

#define HASH_LEN 8
#define MAX_AGE 3600      /* RFC 9018 §4.3: older cookies are not valid */
#define MAX_AHEAD 300     /* ... nor those from more than 5 minutes ahead */
#define RENEW_AGE 1800    /* ... and past half an hour a new one is sent */

dns_err_t dns_cookie_secrets_init(dns_cookie_secrets_t *s, const uint8_t *current,
                                  const uint8_t *previous, bool require)
{
	memset(s, 0, sizeof(*s));
	memcpy(s->current, current, DNS_COOKIE_SECRET_LEN);
	if (previous) {
		memcpy(s->previous, previous, DNS_COOKIE_SECRET_LEN);
		s->has_previous = true;
	}
	s->require = require;
	s->mac_ = EVP_MAC_fetch(NULL, "SIPHASH", NULL);
	return s->mac_ ? DNS_OK : DNS_ENOTSUP;
}

void dns_cookie_secrets_destroy(dns_cookie_secrets_t *s)
{
	EVP_MAC_free(s->mac_);
	OPENSSL_cleanse(s, sizeof(*s));
}

/* RFC 9018 §4.4: SipHash-2-4(client cookie | version | reserved | timestamp
 * | client IP) under @secret; @head is the 8 bytes version..timestamp. */
static bool cookie_hash(const dns_cookie_secrets_t *s, const uint8_t *secret,
                        const uint8_t *client_cookie, const uint8_t head[8],
                        const struct sockaddr *sa, uint8_t out[HASH_LEN])
{
	uint8_t msg[DNS_COOKIE_CLIENT_LEN + 8 + 16];
	size_t n = DNS_COOKIE_CLIENT_LEN + 8;
	memcpy(msg, client_cookie, DNS_COOKIE_CLIENT_LEN);
	memcpy(msg + DNS_COOKIE_CLIENT_LEN, head, 8);
	if (sa && sa->sa_family == AF_INET) {
		memcpy(msg + n, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
		n += 4;
	} else if (sa && sa->sa_family == AF_INET6) {
		memcpy(msg + n, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
		n += 16;
	}
	EVP_MAC_CTX *ctx = s->mac_ ? EVP_MAC_CTX_new(s->mac_) : NULL;
	size_t size = HASH_LEN, len = 0;
	OSSL_PARAM params[] = {OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &size),
	                       OSSL_PARAM_construct_end()};
	bool ok = ctx && EVP_MAC_init(ctx, secret, DNS_COOKIE_SECRET_LEN, params) &&
	          EVP_MAC_update(ctx, msg, n) && EVP_MAC_final(ctx, out, &len, HASH_LEN) &&
	          len == HASH_LEN;
	EVP_MAC_CTX_free(ctx);
	return ok;
}

/* A new server cookie, made now with the current secret. */
static bool make_cookie(const dns_cookie_secrets_t *s, const uint8_t *client_cookie,
                        const struct sockaddr *sa, uint32_t now, uint8_t out[DNS_COOKIE_SERVER_LEN])
{
	out[0] = 1; /* version */
	out[1] = out[2] = out[3] = 0;
	dns_put32(out + 4, now);
	return cookie_hash(s, s->current, client_cookie, out, sa, out + 8);
}

/* Is @server (16 bytes) ours?  *@fresh: made with the current secret less
 * than half an hour ago, so it can be sent back as it is. */
static bool cookie_valid(const dns_cookie_secrets_t *s, const uint8_t *client_cookie,
                         const uint8_t *server, const struct sockaddr *sa, uint32_t now,
                         bool *fresh)
{
	*fresh = false;
	if (server[0] != 1)
		return false;
	/* serial-number arithmetic (RFC 1982), as RFC 9018 §4.3 asks */
	int32_t age = (int32_t)(now - dns_get32(server + 4));
	if (age > MAX_AGE || age < -MAX_AHEAD)
		return false;
	uint8_t h[HASH_LEN];
	if (cookie_hash(s, s->current, client_cookie, server, sa, h) &&
	    CRYPTO_memcmp(h, server + 8, HASH_LEN) == 0) {
		*fresh = age < RENEW_AGE;
		return true;
	}
	return s->has_previous && cookie_hash(s, s->previous, client_cookie, server, sa, h) &&
	       CRYPTO_memcmp(h, server + 8, HASH_LEN) == 0;
}

dns_cookie_status_t dns_cookie_server(const dns_cookie_secrets_t *s, const uint8_t *opt,
                                      size_t len, const struct sockaddr *client, uint32_t now,
                                      uint8_t out[DNS_COOKIE_OPT_LEN], bool *ok)
{
	*ok = false;
	if (len < DNS_COOKIE_CLIENT_LEN)
		return DNS_COOKIE_NONE;
	memcpy(out, opt, DNS_COOKIE_CLIENT_LEN);
	bool fresh = false, valid = false;
	/* other lengths (8..32 bytes of server cookie) are some other server's */
	if (len == DNS_COOKIE_OPT_LEN)
		valid = cookie_valid(s, opt, opt + DNS_COOKIE_CLIENT_LEN, client, now, &fresh);
	if (fresh) {
		memcpy(out + DNS_COOKIE_CLIENT_LEN, opt + DNS_COOKIE_CLIENT_LEN, DNS_COOKIE_SERVER_LEN);
		*ok = true;
	} else {
		*ok = make_cookie(s, opt, client, now, out + DNS_COOKIE_CLIENT_LEN);
	}
	return valid ? DNS_COOKIE_VALID : DNS_COOKIE_CLIENT;
}

dns_err_t dns_cookie_secret_parse(const char *hex, uint8_t out[DNS_COOKIE_SECRET_LEN])
{
	if (strlen(hex) != 2 * DNS_COOKIE_SECRET_LEN)
		return DNS_EINVAL;
	for (size_t i = 0; i < DNS_COOKIE_SECRET_LEN; i++) {
		int hi = dns_hex_digit(hex[2 * i]), lo = dns_hex_digit(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return DNS_EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return DNS_OK;
}
