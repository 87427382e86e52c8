/*
 * acme_key.c - the ACME account key: from a PEM file (created when
 * missing) or derived from a seed.  Loading, writing and the seeded
 * derivation are libdnscertify's (certify_key.h), so both programs agree.
 */
#include "acme/jws.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dns/certify_key.h"

dns_err_t acme_key_generate(acme_alg_t alg, EVP_PKEY **out, char *err, size_t errlen)
{
	return dns_certify_key_generate(alg == ACME_ALG_ES256 ? DNS_CERTIFY_KEY_P256
	                                                      : DNS_CERTIFY_KEY_RSA,
	                                2048, out, err, errlen);
}

dns_err_t acme_key_from_seed(acme_alg_t alg, const void *seed, size_t seed_len, EVP_PKEY **out,
                             char *err, size_t errlen)
{
	if (seed_len == 0) {
		snprintf(err, errlen, "the account key seed is empty");
		return DNS_EINVAL;
	}
	return dns_certify_key_from_seed(alg == ACME_ALG_ES256 ? DNS_CERTIFY_KEY_P256
	                                                       : DNS_CERTIFY_KEY_RSA,
	                                 2048, seed, seed_len, out, err, errlen);
}

static dns_err_t load_checked(const char *path, EVP_PKEY **out, char *err, size_t errlen)
{
	dns_err_t e = dns_certify_key_load(path, out, err, errlen);
	if (e)
		return e;
	acme_alg_t alg;
	if (acme_key_alg(*out, &alg) != DNS_OK) {
		snprintf(err, errlen, "%s: an ACME account key must be P-256 (ES256) or RSA (RS256)",
		         path);
		EVP_PKEY_free(*out);
		*out = NULL;
		return DNS_ENOTSUP;
	}
	return DNS_OK;
}

dns_err_t acme_key_load_or_create(const char *path, acme_alg_t alg, EVP_PKEY **out,
                                  bool *created, char *err, size_t errlen)
{
	*created = false;
	if (access(path, F_OK) == 0)
		return load_checked(path, out, err, errlen);
	if (errno != ENOENT) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return DNS_EIO;
	}
	EVP_PKEY *key = NULL;
	dns_err_t e = acme_key_generate(alg, &key, err, errlen);
	if (e)
		return e;
	char *pem = NULL;
	size_t len = 0;
	e = dns_certify_key_pem(key, &pem, &len);
	if (!e)
		e = dns_certify_write_file(path, pem, len, true, err, errlen);
	OPENSSL_clear_free(pem, len);
	if (e == DNS_EEXIST) {
		/* someone else created it meanwhile: use theirs */
		EVP_PKEY_free(key);
		return load_checked(path, out, err, errlen);
	}
	if (e) {
		EVP_PKEY_free(key);
		return e;
	}
	*created = true;
	*out = key;
	return DNS_OK;
}
