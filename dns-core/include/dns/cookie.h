/*
 * cookie.h - DNS Cookies, server side (RFC 7873), with the interoperable
 * server cookies of RFC 9018: version 1, a 32-bit timestamp and a
 * SipHash-2-4 of (client cookie, version, reserved, timestamp, client
 * address) under a 16-byte secret, so that every server of an anycast set
 * sharing the secret accepts the cookies of the others.
 *
 * A request's COOKIE option falls in one of three cases (RFC 7873 §5.2):
 *   malformed (length not 8 and not 16..40)  FORMERR (dns_edns_parse
 *                                            already refuses it);
 *   a client cookie alone, or with a server  §5.2.3/§5.2.4: answered
 *   cookie that is not valid                 normally with a new server
 *                                            cookie, or BADCOOKIE when the
 *                                            server requires cookies (UDP);
 *   a valid server cookie                    §5.2.5: answered normally;
 *                                            the client has shown it gets
 *                                            our answers at its address, so
 *                                            rate limiting lets it through.
 * A server cookie is valid when it is version 1, 16 bytes, its hash
 * matches under the current (or previous, during a rotation) secret, and
 * its timestamp is at most an hour old and at most five minutes ahead
 * (RFC 9018 §4.3).
 */
#ifndef DNS_COOKIE_H
#define DNS_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dns/error.h"

#define DNS_COOKIE_SECRET_LEN 16
#define DNS_COOKIE_CLIENT_LEN 8
#define DNS_COOKIE_SERVER_LEN 16   /* RFC 9018 version 1 */
#define DNS_COOKIE_OPT_LEN (DNS_COOKIE_CLIENT_LEN + DNS_COOKIE_SERVER_LEN)

/* The server secrets.  Read-only once set up: one may serve every thread. */
typedef struct dns_cookie_secrets {
	uint8_t current[DNS_COOKIE_SECRET_LEN];   /* makes new cookies, verifies */
	uint8_t previous[DNS_COOKIE_SECRET_LEN];  /* verifies only (a rotation) */
	bool has_previous;
	bool require;    /* UDP requests with a client cookie but no valid server
	                    cookie get BADCOOKIE instead of an answer */
	void *mac_;      /* private: OpenSSL's SipHash (EVP_MAC), fetched once */
} dns_cookie_secrets_t;

/* Set up @s with @current and, when not NULL, @previous.  DNS_ENOTSUP
 * when OpenSSL has no SipHash; destroy @s in any case. */
dns_err_t dns_cookie_secrets_init(dns_cookie_secrets_t *s, const uint8_t *current,
                                  const uint8_t *previous, bool require);
void dns_cookie_secrets_destroy(dns_cookie_secrets_t *s);

typedef enum dns_cookie_status {
	DNS_COOKIE_NONE = 0,   /* no COOKIE option (or no secrets) */
	DNS_COOKIE_CLIENT,     /* client cookie only, or a server cookie not valid */
	DNS_COOKIE_VALID,      /* a valid server cookie of ours */
} dns_cookie_status_t;

/*
 * The server side of one exchange.  @opt/@len is the COOKIE option data
 * of the request (8 or 16..40 bytes, as dns_edns_parse admits); @client
 * the requester's address (its IP enters the hash; may be NULL); @now
 * seconds since the epoch.  Writes the COOKIE option data of the
 * response, client cookie and server cookie, to @out and returns the
 * request's case.  A fresh valid cookie is echoed as it came; an older
 * one (over half an hour), one made with the previous secret, or none
 * gets a new one.  On an OpenSSL failure *@ok is false and @out unusable
 * (the response then goes without a cookie).
 */
dns_cookie_status_t dns_cookie_server(const dns_cookie_secrets_t *s, const uint8_t *opt,
                                      size_t len, const struct sockaddr *client, uint32_t now,
                                      uint8_t out[DNS_COOKIE_OPT_LEN], bool *ok);

/* Parse a secret of 32 hex digits into @out. */
dns_err_t dns_cookie_secret_parse(const char *hex, uint8_t out[DNS_COOKIE_SECRET_LEN]);

#endif
