/*
 * certify.h - libdnscertify's start-up call: block until this service
 * holds a valid certificate published in DNS, then hand over the chain
 * and key ready for SSL_CTX_use_certificate / SSL_CTX_use_PrivateKey.
 *
 *     dns_certify_opts_t o = {
 *         .server = "192.0.2.53", .dns_key = "web._update.example.com:sha256:...",
 *         .hostname = "www.example.com", .seed = secret, .seed_len = n,
 *     };
 *     STACK_OF(X509) *chain;  EVP_PKEY *key;  dns_certify_error_t err;
 *     if (dns_certify_fetch(&o, time(NULL) + 300, &chain, &key, &err) != DNS_CERTIFY_OK)
 *         die(err.message);
 *     SSL_CTX_use_certificate(ctx, sk_X509_value(chain, 0));
 *     for (i = 1; i < sk_X509_num(chain); i++)
 *         SSL_CTX_add1_chain_cert(ctx, sk_X509_value(chain, i));
 *     SSL_CTX_use_PrivateKey(ctx, key);
 *     renew = dns_certify_renew_at(sk_X509_value(chain, 0), o.renew_before);
 *
 * The key is the one given, or derived from the seed (the same one after
 * every restart, so the same CSR), or else generated (a new one at each
 * call: pass it back as .key on renewal).  What happens on the wire is
 * the flow of dns/certify_flow.h over TCP through dns-net's query engine.
 * Renewal itself is the solver's job (it renews at its own renewal
 * point); calling dns_certify_fetch again at dns_certify_renew_at() waits
 * for the renewed certificate.
 */
#ifndef DNS_CERTIFY_H
#define DNS_CERTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "dns/certify_flow.h"
#include "dns/certify_key.h"
#include "dns/net.h"

typedef struct dns_certify_opts {
	const char *server;           /* the primary: "192.0.2.1", "192.0.2.1:5300",
	                                 "2001:db8::1", "[2001:db8::1]:5300" */
	uint16_t port;                /* when .server has none; 0: 53 */
	const char *dns_key;          /* "name:alg:base64secret" with update authority */
	const char *hostname;
	const char *const *additional;  /* more names for the certificate */
	size_t nadditional;
	EVP_PKEY *key;                /* use this key (not taken over); NULL: seed or new */
	dns_certify_keytype_t key_type;  /* for a derived or new key; default p256 */
	unsigned bits;                /* RSA: 2048 (default), 3072, 4096 */
	const void *seed;             /* derive the key from this secret */
	size_t seed_len;
	bool force;                   /* publish a new CSR even if a valid certificate exists */
	int64_t renew_before;         /* seconds before expiry; 0: a third of the lifetime */
	const char *ca_file;          /* PEM trust anchors the chain must verify to; may be NULL */
	dns_certify_log_fn log;       /* progress lines; may be NULL */
	void *log_ctx;
} dns_certify_opts_t;

typedef struct dns_certify_error {
	dns_certify_result_t code;
	char message[4096];
} dns_certify_error_t;

/*
 * Block until a matching certificate is published (publishing our CSR if
 * needed) or @deadline (seconds since the epoch) passes.  On
 * DNS_CERTIFY_OK *chain holds the end-entity certificate first, then its
 * CA certificates (free with sk_X509_pop_free(chain, X509_free)), and
 * *key the private key (EVP_PKEY_free).  Otherwise @err says why.
 */
dns_certify_result_t dns_certify_fetch(const dns_certify_opts_t *opts, time_t deadline,
                                       STACK_OF(X509) **chain, EVP_PKEY **key,
                                       dns_certify_error_t *err);

/* When to fetch again: @renew_before seconds before notAfter (0: when a
 * third of the lifetime remains). */
time_t dns_certify_renew_at(const X509 *cert, int64_t renew_before);

/* ---- pieces for programs that manage keys and files themselves (ocertify) ---- */

/* A server address with an optional port ("192.0.2.1", "[::1]:53", ...). */
dns_err_t dns_certify_parse_server(const char *text, uint16_t default_port, dns_net_addr_t *out);

/* Trust anchors from a PEM file (NULL and @err on failure). */
X509_STORE *dns_certify_load_anchors(const char *path, char *err, size_t errlen);

/*
 * Drive @flow to its end against @server: each SEND over TCP through
 * dns-net's blocking exchange, each WAIT slept.  Returns the result;
 * @err (may be NULL) gets the message of a failure.
 */
dns_certify_result_t dns_certify_drive(dns_certify_flow_t *flow, const dns_net_addr_t *server,
                                       dns_certify_error_t *err);

/* Milliseconds since the epoch (the clock the flow is driven with). */
uint64_t dns_certify_now_ms(void);

#endif
