/*
 * daemon_ari.c - the renewal information of a certificate in DNS (RFC
 * 9773): the directory, then GET renewalInfo/<CertID>, its window and
 * Retry-After kept in the name's ari state (acme_ari_update), which
 * consider() (daemon.c) turns into the renewal time.  Runs as an order
 * that writes nothing to DNS.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>
#include <openssl/x509.h>

#include "acme/ari.h"
#include "daemon_order_int.h"
#include "dns/log.h"

void les_ari_done(les_order_t *o, const char *why)
{
	les_name_t *nm = les_name_get(o->d, o->c.host);
	if (nm && why) {
		dns_log(DNS_LOG_WARN, "renewal info", "host", o->c.host, "error", why, NULL);
		acme_ari_failed(&nm->ari, 3600 * 1000, les_now_ms());
	}
	les_order_free(o);
}

void les_ari_after_directory(les_order_t *o)
{
	les_name_t *nm = les_name_get(o->d, o->c.host);
	char *certid = NULL;
	if (!o->dir.renewal_info) {
		/* no ARI at this CA: the lifetime rule; look again in a day */
		if (nm)
			nm->ari.next_fetch_ms = les_now_ms() + ACME_ARI_RETRY_MAX_MS;
		les_order_free(o);
		return;
	}
	const unsigned char *p = o->c.cert_der;
	X509 *x = d2i_X509(NULL, &p, (long)o->c.cert_len);
	if (!x || acme_ari_certid(x, &certid) != DNS_OK ||
	    !(o->ari_url = acme_ari_url(o->dir.renewal_info, certid))) {
		X509_free(x);
		free(certid);
		les_ari_done(o, "no CertID for the certificate (no authority key identifier?)");
		return;
	}
	X509_free(x);
	free(certid);
	acme_http_result_free(&o->res);
	memset(&o->res, 0, sizeof o->res);
	o->phase = P_ARI;
	o->req = (acme_request_t){.method = "GET", .url = o->ari_url};
	les_order_http(o);
}

void les_ari_answer(les_order_t *o)
{
	int64_t now = les_now_ms();
	acme_ari_t ari;
	if (o->herr != DNS_OK) {
		les_ari_done(o, o->res.error);
		return;
	}
	if (o->res.resp.status != 200 || acme_ari_parse(&o->res.resp, now, &ari) != DNS_OK) {
		les_ari_done(o, o->res.resp.status != 200 ? "the CA did not answer 200"
		                                      : "malformed renewalInfo answer");
		return;
	}
	les_name_t *nm = les_name_get(o->d, o->c.host);
	if (nm) {
		uint64_t rnd = 0;
		RAND_bytes((unsigned char *)&rnd, sizeof rnd);
		acme_ari_update(&nm->ari, &ari, rnd, now);
		char a[32], b[32], at[32];
		dns_certify_time_format(ari.start_ms / 1000, a);
		dns_certify_time_format(ari.end_ms / 1000, b);
		dns_certify_time_format(nm->ari.renew_at_ms / 1000, at);
		dns_log(DNS_LOG_INFO, "renewal info", "host", o->c.host, "window_start", a,
		        "window_end", b, "renew_at", at, "explanation", ari.explanation, NULL);
	}
	les_order_free(o);
}

void les_order_ari(les_daemon_t *d, const les_csr_t *c)
{
	les_order_t *o = les_order_new(d, c);
	if (!o)
		return;
	o->ari_only = true;
	o->phase = P_DIR;
	o->req = (acme_request_t){.method = "GET", .url = d->cfg->directory};
	les_order_http(o);
}

