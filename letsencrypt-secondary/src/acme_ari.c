/*
 * acme_ari.c - RFC 9773 CertID, renewalInfo answers, renewal time.
 */
#include "acme/ari.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509v3.h>

#include "acme/jws.h"
#include "acme_int.h"
#include "dns/certify_records.h"

dns_err_t acme_ari_certid(const X509 *cert, char **certid)
{
	*certid = NULL;
	const ASN1_OCTET_STRING *kid = X509_get0_authority_key_id((X509 *)cert);
	const ASN1_INTEGER *serial = X509_get0_serialNumber(cert);
	if (!kid || ASN1_STRING_length(kid) <= 0 || !serial)
		return DNS_ENOTFOUND;
	/* the serial's DER content octets: the encoding without tag and length */
	unsigned char *der = NULL;
	int dl = i2d_ASN1_INTEGER(serial, &der);
	if (dl < 3 || der[1] >= 0x80) { /* serials are <= 20 octets: short length */
		OPENSSL_free(der);
		return DNS_EMALFORMED;
	}
	char *a = acme_b64url(ASN1_STRING_get0_data(kid), (size_t)ASN1_STRING_length(kid));
	char *b = acme_b64url(der + 2, der[1]);
	OPENSSL_free(der);
	dns_err_t e = DNS_ENOMEM;
	if (a && b && (*certid = malloc(strlen(a) + strlen(b) + 2))) {
		sprintf(*certid, "%s.%s", a, b);
		e = DNS_OK;
	}
	free(a);
	free(b);
	return e;
}

char *acme_ari_url(const char *renewal_info, const char *certid)
{
	size_t rl = strlen(renewal_info);
	while (rl > 0 && renewal_info[rl - 1] == '/')
		rl--;
	char *u = malloc(rl + strlen(certid) + 2);
	if (u)
		sprintf(u, "%.*s/%s", (int)rl, renewal_info, certid);
	return u;
}

static dns_err_t time_member(json_t *o, const char *name, int64_t *ms)
{
	const char *s = json_string_value(json_object_get(o, name));
	int64_t t;
	if (!s || dns_certify_time_parse(s, strlen(s), &t) != DNS_OK)
		return DNS_EMALFORMED;
	*ms = t * 1000;
	return DNS_OK;
}

dns_err_t acme_ari_parse(const acme_response_t *r, int64_t now_ms, acme_ari_t *ari)
{
	memset(ari, 0, sizeof *ari);
	json_t *o = acme_json_object(r->body, r->body_len);
	json_t *w = json_object_get(o, "suggestedWindow");
	dns_err_t e = DNS_EMALFORMED;
	if (!json_is_object(w) || time_member(w, "start", &ari->start_ms) ||
	    time_member(w, "end", &ari->end_ms) || ari->end_ms <= ari->start_ms)
		goto out;
	const char *ex = json_string_value(json_object_get(o, "explanationURL"));
	snprintf(ari->explanation, sizeof ari->explanation, "%s", ex ? ex : "");
	if (acme_retry_after_parse(acme_response_header(r, "Retry-After"), now_ms,
	                           &ari->retry_at_ms) != DNS_OK)
		ari->retry_at_ms = now_ms + ACME_ARI_DEFAULT_RETRY_MS;
	e = DNS_OK;
out:
	json_decref(o);
	return e;
}

int64_t acme_ari_pick(const acme_ari_t *ari, uint64_t rnd, int64_t now_ms)
{
	uint64_t span = (uint64_t)(ari->end_ms - ari->start_ms);
	int64_t t = ari->start_ms + (int64_t)(span ? rnd % span : 0);
	return t > now_ms ? t : now_ms;
}

static int64_t clamp_retry(int64_t at, int64_t now_ms)
{
	if (at < now_ms + ACME_ARI_RETRY_MIN_MS)
		return now_ms + ACME_ARI_RETRY_MIN_MS;
	if (at > now_ms + ACME_ARI_RETRY_MAX_MS)
		return now_ms + ACME_ARI_RETRY_MAX_MS;
	return at;
}

void acme_ari_update(acme_ari_state_t *st, const acme_ari_t *ari, uint64_t rnd, int64_t now_ms)
{
	bool same = st->renew_at_ms && st->start_ms == ari->start_ms && st->end_ms == ari->end_ms;
	if (!same) {
		st->start_ms = ari->start_ms;
		st->end_ms = ari->end_ms;
		st->renew_at_ms = acme_ari_pick(ari, rnd, now_ms);
	}
	st->next_fetch_ms = clamp_retry(ari->retry_at_ms, now_ms);
}

void acme_ari_failed(acme_ari_state_t *st, int64_t retry_ms, int64_t now_ms)
{
	st->next_fetch_ms = clamp_retry(now_ms + retry_ms, now_ms);
}
