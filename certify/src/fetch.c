/*
 * fetch.c - the blocking adapter around the sans-IO flow: messages go out
 * over TCP through dns-net's query engine, waits are slept, and the
 * start-up call dns_certify_fetch puts key, CSR and flow together.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>

#include "certify_int.h"
#include "dns/certify.h"
#include "dns/net_query.h"

uint64_t dns_certify_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

dns_err_t dns_certify_parse_server(const char *text, uint16_t default_port, dns_net_addr_t *out)
{
	char buf[INET6_ADDRSTRLEN + 16];
	if (text == NULL || strlen(text) >= sizeof(buf) - 8)
		return DNS_ESYNTAX;
	const char *colon = strchr(text, ':');
	bool has_port = text[0] == '[' || (colon != NULL && strchr(colon + 1, ':') == NULL);
	if (has_port)
		return dns_net_addr_parse(text, out);
	unsigned port = default_port ? default_port : 53;
	if (colon != NULL)   /* a bare IPv6 address */
		snprintf(buf, sizeof(buf), "[%s]:%u", text, port);
	else
		snprintf(buf, sizeof(buf), "%s:%u", text, port);
	return dns_net_addr_parse(buf, out);
}

X509_STORE *dns_certify_load_anchors(const char *path, char *err, size_t errlen)
{
	char e[160];
	X509_STORE *st = X509_STORE_new();
	if (st == NULL || X509_STORE_load_file(st, path) != 1) {
		certify_errf(err, errlen, "%s: cannot load CA certificates (%s)", path,
		             certify_ssl_error(e, sizeof(e)));
		X509_STORE_free(st);
		return NULL;
	}
	return st;
}

static void sleep_until(uint64_t until_ms)
{
	for (;;) {
		uint64_t now = dns_certify_now_ms();
		if (now >= until_ms)
			return;
		uint64_t d = until_ms - now;
		struct timespec ts = {.tv_sec = (time_t)(d / 1000), .tv_nsec = (long)(d % 1000) * 1000000};
		nanosleep(&ts, NULL);
	}
}

static void net_text(const dns_netq_result_t *r, char *out, size_t cap)
{
	if (r->sys_errno != 0)
		snprintf(out, cap, "%s (%s)", dns_netq_status_text(r->status), strerror(r->sys_errno));
	else
		snprintf(out, cap, "%s", dns_netq_status_text(r->status));
}

dns_certify_result_t dns_certify_drive(dns_certify_flow_t *flow, const dns_net_addr_t *server,
                                       dns_certify_error_t *err)
{
	uint8_t *buf = malloc(65535);
	if (buf == NULL) {
		if (err != NULL) {
			err->code = DNS_CERTIFY_E_LOCAL;
			snprintf(err->message, sizeof(err->message), "out of memory");
		}
		return DNS_CERTIFY_E_LOCAL;
	}
	dns_certify_action_t a = dns_certify_flow_start(flow, dns_certify_now_ms());
	while (a.kind == DNS_CERTIFY_ACT_SEND || a.kind == DNS_CERTIFY_ACT_WAIT) {
		if (a.kind == DNS_CERTIFY_ACT_WAIT) {
			sleep_until(a.until_ms);
			a = dns_certify_flow_tick(flow, dns_certify_now_ms());
			continue;
		}
		dns_netq_request_t req = {
			.server = server, .msg = a.msg, .len = a.len, .mode = DNS_NETQ_TCP,
			.timeout_ms = a.timeout_ms ? a.timeout_ms : 1,
		};
		dns_netq_result_t res;
		char why[128];
		if (dns_netq_exchange(&req, buf, 65535, &res) != DNS_OK) {
			a = dns_certify_flow_net_error(flow, dns_certify_now_ms(), "cannot send the query");
		} else if (res.status == DNS_NETQ_OK) {
			a = dns_certify_flow_answer(flow, dns_certify_now_ms(), res.answer, res.len);
		} else {
			net_text(&res, why, sizeof(why));
			a = dns_certify_flow_net_error(flow, dns_certify_now_ms(), why);
		}
	}
	free(buf);
	dns_certify_result_t r = a.kind == DNS_CERTIFY_ACT_DONE ? DNS_CERTIFY_OK : a.result;
	if (err != NULL) {
		err->code = r;
		snprintf(err->message, sizeof(err->message), "%s", r == DNS_CERTIFY_OK ? "" : a.message);
	}
	return r;
}

time_t dns_certify_renew_at(const X509 *cert, int64_t renew_before)
{
	return (time_t)dns_certify_renew_time(cert, renew_before > 0 ? renew_before : -1);
}

/* ---- the start-up call ---- */

typedef struct fetch_ctx {
	dns_certify_names_t names;
	dns_tsig_key_t tsig;
	dns_net_addr_t server;
	EVP_PKEY *key;
	uint8_t *spki, *csr;
	size_t spki_len, csr_len;
	X509_STORE *anchors;
} fetch_ctx_t;

static dns_certify_result_t usage(dns_certify_error_t *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static dns_certify_result_t usage(dns_certify_error_t *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return err->code = DNS_CERTIFY_E_USAGE;
}

static dns_certify_result_t prepare(const dns_certify_opts_t *o, fetch_ctx_t *c,
                                    dns_certify_error_t *err)
{
	char e[512];
	if (o->server == NULL || dns_certify_parse_server(o->server, o->port, &c->server) != DNS_OK)
		return usage(err, "invalid server address '%s' (want an IP address, optional port)",
		             o->server ? o->server : "");
	if (o->dns_key == NULL || dns_tsig_key_from_text(&c->tsig, o->dns_key, strlen(o->dns_key)) != DNS_OK)
		return usage(err, "invalid DNS key (want name:alg:base64secret)");
	if (o->hostname == NULL || dns_certify_names_add(&c->names, o->hostname, e, sizeof(e)) != DNS_OK)
		return usage(err, "hostname: %s", o->hostname ? e : "missing");
	for (size_t i = 0; i < o->nadditional; i++)
		if (dns_certify_names_add(&c->names, o->additional[i], e, sizeof(e)) != DNS_OK)
			return usage(err, "additional name: %s", e);
	if (o->ca_file != NULL && (c->anchors = dns_certify_load_anchors(o->ca_file, e, sizeof(e))) == NULL)
		return usage(err, "%s", e);
	unsigned bits = o->bits ? o->bits : 2048;
	dns_err_t r;
	if (o->key != NULL) {
		r = EVP_PKEY_up_ref(o->key) ? DNS_OK : DNS_ENOMEM;
		c->key = o->key;
	} else if (o->seed != NULL && o->seed_len > 0) {
		r = dns_certify_key_from_seed(o->key_type, bits, o->seed, o->seed_len, &c->key, e, sizeof(e));
	} else {
		r = dns_certify_key_generate(o->key_type, bits, &c->key, e, sizeof(e));
	}
	if (r == DNS_EINVAL)
		return usage(err, "%s", e);
	if (r != DNS_OK || dns_certify_key_spki(c->key, &c->spki, &c->spki_len) != DNS_OK ||
	    dns_certify_csr_make(c->key, &c->names, o->seed, o->seed_len, &c->csr, &c->csr_len, e,
	                         sizeof(e)) != DNS_OK) {
		snprintf(err->message, sizeof(err->message), "key or CSR: %s", e);
		return err->code = DNS_CERTIFY_E_LOCAL;
	}
	return DNS_CERTIFY_OK;
}

dns_certify_result_t dns_certify_fetch(const dns_certify_opts_t *opts, time_t deadline,
                                       STACK_OF(X509) **chain, EVP_PKEY **key,
                                       dns_certify_error_t *err)
{
	fetch_ctx_t *c = calloc(1, sizeof(*c));
	*chain = NULL;
	*key = NULL;
	memset(err, 0, sizeof(*err));
	if (c == NULL) {
		snprintf(err->message, sizeof(err->message), "out of memory");
		return err->code = DNS_CERTIFY_E_LOCAL;
	}
	dns_certify_result_t r = prepare(opts, c, err);
	dns_certify_flow_t *flow = NULL;
	if (r == DNS_CERTIFY_OK) {
		dns_certify_flow_config_t cfg = {
			.key = &c->tsig, .host = c->names.name[0], .names = &c->names, .spki = c->spki,
			.spki_len = c->spki_len, .csr = c->csr, .csr_len = c->csr_len,
			.renew_before = opts->renew_before > 0 ? opts->renew_before : -1,
			.anchors = c->anchors, .force = opts->force,
			.deadline_ms = (uint64_t)deadline * 1000, .log = opts->log, .log_ctx = opts->log_ctx,
		};
		flow = dns_certify_flow_new(&cfg, err->message, sizeof(err->message));
		r = flow == NULL ? (err->code = DNS_CERTIFY_E_USAGE) : dns_certify_drive(flow, &c->server, err);
	}
	if (r == DNS_CERTIFY_OK) {
		*chain = X509_chain_up_ref(dns_certify_flow_chain(flow));
		*key = c->key;
		c->key = NULL;
		if (*chain == NULL) {
			EVP_PKEY_free(*key);
			*key = NULL;
			snprintf(err->message, sizeof(err->message), "out of memory");
			r = err->code = DNS_CERTIFY_E_LOCAL;
		}
	}
	dns_certify_flow_free(flow);
	EVP_PKEY_free(c->key);
	OPENSSL_free(c->spki);
	OPENSSL_free(c->csr);
	X509_STORE_free(c->anchors);
	OPENSSL_cleanse(&c->tsig, sizeof(c->tsig));
	free(c);
	return r;
}
