/*
 * match.c - is a published certificate ours, for our names, valid well
 * beyond now, and does the published chain hold?  (The rule is stated in
 * dns/certify_records.h.)
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/x509v3.h>

#include "certify_int.h"
#include "dns/certify_records.h"

/* Longest chain followed through the CA records. */
#define CHAIN_DEPTH_MAX 8

const char *dns_certify_verdict_text(dns_certify_verdict_t v)
{
	switch (v) {
	case DNS_CERTIFY_MATCH: return "matching certificate";
	case DNS_CERTIFY_NO_CERT: return "no certificate published";
	case DNS_CERTIFY_WRONG_KEY: return "certificate for another key";
	case DNS_CERTIFY_WRONG_NAMES: return "certificate for other names";
	case DNS_CERTIFY_NOT_YET_VALID: return "certificate not yet valid";
	case DNS_CERTIFY_EXPIRED: return "certificate expired";
	case DNS_CERTIFY_RENEWAL_DUE: return "certificate due for renewal";
	case DNS_CERTIFY_BROKEN_CHAIN: return "broken certificate chain";
	case DNS_CERTIFY_UNTRUSTED: return "chain not trusted";
	}
	return "?";
}

static int64_t asn1_seconds(const ASN1_TIME *t)
{
	struct tm tm;
	if (t == NULL || !ASN1_TIME_to_tm(t, &tm))
		return 0;
	return (int64_t)timegm(&tm);
}

int64_t dns_certify_not_before(const X509 *cert) { return asn1_seconds(X509_get0_notBefore(cert)); }
int64_t dns_certify_not_after(const X509 *cert) { return asn1_seconds(X509_get0_notAfter(cert)); }

int64_t dns_certify_renew_time(const X509 *cert, int64_t renew_before)
{
	int64_t nb = dns_certify_not_before(cert), na = dns_certify_not_after(cert);
	if (na == 0)
		return 0;
	if (renew_before >= 0)
		return na - renew_before;
	return na - (na > nb ? (na - nb) / 3 : 0);
}

static bool spki_is(const X509 *x, const uint8_t *spki, size_t len)
{
	unsigned char *der = NULL;
	int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
	bool eq = n > 0 && (size_t)n == len && memcmp(der, spki, len) == 0;
	OPENSSL_free(der);
	return eq;
}

static bool valid_at(const X509 *x, int64_t now)
{
	int64_t nb = dns_certify_not_before(x), na = dns_certify_not_after(x);
	return na != 0 && nb <= now && now < na;
}

/*
 * The CA record that issued @cur (names and key ids match, the signature
 * verifies, it is a CA valid at @now), or NULL; *claimed says whether some
 * record named as the issuer failed one of these checks.
 */
static X509 *issuer_of(X509 *cur, STACK_OF(X509) *cas, const bool *used, int64_t now,
                       int *idx, bool *claimed)
{
	*claimed = false;
	for (int i = 0; i < sk_X509_num(cas); i++) {
		X509 *ca = sk_X509_value(cas, i);
		if (used[i] || X509_check_issued(ca, cur) != X509_V_OK)
			continue;
		EVP_PKEY *pk = X509_get0_pubkey(ca);
		if (pk == NULL || X509_verify(cur, pk) != 1 || X509_check_ca(ca) < 1 || !valid_at(ca, now)) {
			*claimed = true;
			continue;
		}
		*idx = i;
		return ca;
	}
	return NULL;
}

/* The chain from @ee through the CA records, signatures verified. */
static dns_certify_verdict_t walk_chain(X509 *ee, STACK_OF(X509) *cas, int64_t now,
                                        STACK_OF(X509) *out, char *why, size_t whylen)
{
	bool used[256] = {false};
	if (sk_X509_num(cas) > 256) {
		certify_errf(why, whylen, "more than 256 CA records");
		return DNS_CERTIFY_BROKEN_CHAIN;
	}
	X509 *cur = ee;
	for (int depth = 0; depth < CHAIN_DEPTH_MAX; depth++) {
		if (depth > 0 && X509_check_issued(cur, cur) == X509_V_OK)
			return DNS_CERTIFY_MATCH;   /* a self-signed root ends the chain */
		int idx;
		bool claimed;
		X509 *ca = issuer_of(cur, cas, used, now, &idx, &claimed);
		if (ca == NULL && (depth == 0 || claimed)) {
			certify_errf(why, whylen, depth == 0 ?
			             "no CA record issued the certificate (or its signature fails)" :
			             "a CA record of the chain fails its issuer's signature or checks");
			return DNS_CERTIFY_BROKEN_CHAIN;
		}
		if (ca == NULL)
			return DNS_CERTIFY_MATCH;   /* the root need not be published */
		used[idx] = true;
		if (!X509_up_ref(ca))
			return DNS_CERTIFY_BROKEN_CHAIN;
		if (!sk_X509_push(out, ca)) {
			X509_free(ca);
			certify_errf(why, whylen, "out of memory");
			return DNS_CERTIFY_BROKEN_CHAIN;
		}
		cur = ca;
	}
	return DNS_CERTIFY_MATCH;
}

static dns_certify_verdict_t verify_anchored(X509 *ee, STACK_OF(X509) *cas, X509_STORE *anchors,
                                             int64_t now, char *why, size_t whylen)
{
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	dns_certify_verdict_t v = DNS_CERTIFY_UNTRUSTED;
	if (ctx != NULL && X509_STORE_CTX_init(ctx, anchors, ee, cas)) {
		X509_STORE_CTX_set_time(ctx, 0, (time_t)now);
		if (X509_verify_cert(ctx) == 1)
			v = DNS_CERTIFY_MATCH;
		else
			certify_errf(why, whylen, "chain does not verify to the CA file: %s",
			             X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
	}
	X509_STORE_CTX_free(ctx);
	return v;
}

/* The verdict for one candidate; on a match @chain holds it. */
static dns_certify_verdict_t check_one(const dns_certify_match_opts_t *o, X509 *x,
                                       STACK_OF(X509) *cas, STACK_OF(X509) *chain, char *why,
                                       size_t whylen)
{
	static const dns_certify_names_t empty;
	dns_certify_names_t *got = OPENSSL_malloc(sizeof(*got));
	char t[32];
	if (got == NULL)
		return DNS_CERTIFY_WRONG_NAMES;
	*got = empty;
	if (!spki_is(x, o->spki, o->spki_len)) {
		OPENSSL_free(got);
		certify_errf(why, whylen, "the published certificate is for another key");
		return DNS_CERTIFY_WRONG_KEY;
	}
	bool names_ok = certify_names_of_cert(x, got) == DNS_OK && dns_certify_names_equal(got, o->names);
	OPENSSL_free(got);
	if (!names_ok) {
		certify_errf(why, whylen, "the published certificate is for another set of names");
		return DNS_CERTIFY_WRONG_NAMES;
	}
	int64_t nb = dns_certify_not_before(x), na = dns_certify_not_after(x);
	if (na == 0 || o->now < nb) {
		dns_certify_time_format(nb, t);
		certify_errf(why, whylen, "the certificate is not valid before %s", t);
		return DNS_CERTIFY_NOT_YET_VALID;
	}
	if (o->now >= na) {
		dns_certify_time_format(na, t);
		certify_errf(why, whylen, "the certificate expired at %s", t);
		return DNS_CERTIFY_EXPIRED;
	}
	int64_t renew = dns_certify_renew_time(x, o->renew_before);
	if (o->now >= renew) {
		dns_certify_time_format(renew, t);
		certify_errf(why, whylen, "the certificate is due for renewal since %s", t);
		return DNS_CERTIFY_RENEWAL_DUE;
	}
	if (!X509_up_ref(x))
		return DNS_CERTIFY_BROKEN_CHAIN;
	if (!sk_X509_push(chain, x)) {
		X509_free(x);
		return DNS_CERTIFY_BROKEN_CHAIN;
	}
	dns_certify_verdict_t v = walk_chain(x, cas, o->now, chain, why, whylen);
	if (v == DNS_CERTIFY_MATCH && o->anchors != NULL)
		v = verify_anchored(x, cas, o->anchors, o->now, why, whylen);
	return v;
}

dns_certify_verdict_t dns_certify_match(const dns_certify_match_opts_t *o,
                                        STACK_OF(X509) *certs, STACK_OF(X509) *cas,
                                        STACK_OF(X509) **chain, char *why, size_t whylen)
{
	dns_certify_verdict_t best = DNS_CERTIFY_NO_CERT;
	char reason[256] = "no certificate published";
	if (chain != NULL)
		*chain = NULL;
	for (int i = 0; i < sk_X509_num(certs); i++) {
		STACK_OF(X509) *c = sk_X509_new_null();
		char r[256] = "";
		if (c == NULL)
			break;
		dns_certify_verdict_t v = check_one(o, sk_X509_value(certs, i), cas, c, r, sizeof(r));
		if (v == DNS_CERTIFY_MATCH) {
			if (chain != NULL)
				*chain = c;
			else
				sk_X509_pop_free(c, X509_free);
			return v;
		}
		sk_X509_pop_free(c, X509_free);
		/* verdicts are ordered by how far the check got */
		if (best == DNS_CERTIFY_NO_CERT || v > best) {
			best = v;
			snprintf(reason, sizeof(reason), "%s", r);
		}
	}
	certify_errf(why, whylen, "%s", reason);
	return best;
}
