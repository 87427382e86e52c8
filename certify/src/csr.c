/*
 * csr.c - PKCS#10 requests (CN = host, subjectAltName = every name), the
 * DNS names of certificates and requests, and writing files.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "certify_int.h"

static X509_EXTENSION *san_extension(const dns_certify_names_t *names)
{
	GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
	X509_EXTENSION *ext = NULL;
	bool ok = gens != NULL;
	for (size_t i = 0; ok && i < names->n; i++) {
		GENERAL_NAME *g = GENERAL_NAME_new();
		ASN1_IA5STRING *s = ASN1_IA5STRING_new();
		ok = g != NULL && s != NULL && ASN1_STRING_set(s, names->name[i], -1);
		if (ok) {
			GENERAL_NAME_set0_value(g, GEN_DNS, s);
			s = NULL;
			ok = sk_GENERAL_NAME_push(gens, g) > 0;
			if (ok)
				g = NULL;
		}
		ASN1_IA5STRING_free(s);
		GENERAL_NAME_free(g);
	}
	if (ok)
		ext = X509V3_EXT_i2d(NID_subject_alt_name, 0, gens);
	GENERAL_NAMES_free(gens);
	return ext;
}

static bool fill_request(X509_REQ *req, EVP_PKEY *key, const dns_certify_names_t *names)
{
	X509_NAME *subj = X509_NAME_new();
	STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
	X509_EXTENSION *san = san_extension(names);
	bool ok = subj != NULL && exts != NULL && san != NULL && X509_REQ_set_version(req, 0) &&
	          X509_NAME_add_entry_by_txt(subj, "CN", MBSTRING_ASC,
	                                     (const unsigned char *)names->name[0], -1, -1, 0) &&
	          X509_REQ_set_subject_name(req, subj) && X509_REQ_set_pubkey(req, key) &&
	          sk_X509_EXTENSION_push(exts, san) > 0;
	if (ok)
		san = NULL;
	ok = ok && X509_REQ_add_extensions(req, exts);
	X509_EXTENSION_free(san);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_NAME_free(subj);
	return ok;
}

static const char *digest_for(const EVP_PKEY *key)
{
	if (EVP_PKEY_is_a(key, "ED25519"))
		return NULL;
	if (EVP_PKEY_is_a(key, "EC") && EVP_PKEY_get_bits(key) > 256)
		return "SHA384";
	return "SHA256";
}

/* @key copied into @libctx (so that signing draws from its generator). */
static EVP_PKEY *key_in(OSSL_LIB_CTX *libctx, EVP_PKEY *key)
{
	unsigned char *der = NULL;
	int len = i2d_PrivateKey(key, &der);
	const unsigned char *p = der;
	EVP_PKEY *k = len > 0 ? d2i_AutoPrivateKey_ex(NULL, &p, len, libctx, NULL) : NULL;
	OPENSSL_clear_free(der, len > 0 ? (size_t)len : 0);
	return k;
}

dns_err_t dns_certify_csr_make(EVP_PKEY *key, const dns_certify_names_t *names, const void *seed,
                               size_t seed_len, uint8_t **der, size_t *len, char *err,
                               size_t errlen)
{
	char e[160];
	*der = NULL;
	if (names->n == 0) {
		certify_errf(err, errlen, "no name for the CSR");
		return DNS_EINVAL;
	}
	certify_det_t *det = NULL;
	EVP_PKEY *signer = key;
	if (seed != NULL && seed_len > 0 && EVP_PKEY_is_a(key, "EC")) {
		uint8_t k[32];
		if (certify_hkdf(seed, seed_len, "dnscertify csr v1", k, sizeof(k)))
			det = certify_det_new(k);
		OPENSSL_cleanse(k, sizeof(k));
		signer = det ? key_in(det->libctx, key) : NULL;
		if (signer == NULL) {
			certify_det_free(det);
			certify_errf(err, errlen, "CSR: %s", certify_ssl_error(e, sizeof(e)));
			return DNS_ENOMEM;
		}
	}
	OSSL_LIB_CTX *libctx = det ? det->libctx : NULL;
	X509_REQ *req = X509_REQ_new_ex(libctx, NULL);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	dns_err_t r = DNS_ENOMEM;
	if (req != NULL && md != NULL && fill_request(req, signer, names) &&
	    EVP_DigestSignInit_ex(md, NULL, digest_for(signer), libctx, NULL, signer, NULL) > 0 &&
	    X509_REQ_sign_ctx(req, md) > 0) {
		unsigned char *p = NULL;
		int n = i2d_X509_REQ(req, &p);
		if (n > 0) {
			*der = p;
			*len = (size_t)n;
			r = DNS_OK;
		}
	}
	if (r != DNS_OK)
		certify_errf(err, errlen, "CSR: %s", certify_ssl_error(e, sizeof(e)));
	EVP_MD_CTX_free(md);
	X509_REQ_free(req);
	if (signer != key)
		EVP_PKEY_free(signer);
	certify_det_free(det);
	return r;
}

/* ---- names of certificates and requests ---- */

static dns_err_t add_asn1(dns_certify_names_t *out, const ASN1_STRING *s)
{
	char buf[DNS_CERTIFY_NAME_LEN];
	int n = ASN1_STRING_length(s);
	if (n <= 0 || n >= (int)sizeof(buf))
		return DNS_ESYNTAX;
	memcpy(buf, ASN1_STRING_get0_data(s), (size_t)n);
	buf[n] = '\0';
	if (memchr(buf, '\0', (size_t)n) != NULL)
		return DNS_ESYNTAX;   /* an embedded NUL: never a host name */
	return dns_certify_names_add(out, buf, NULL, 0);
}

static dns_err_t add_gens(dns_certify_names_t *out, const GENERAL_NAMES *gens)
{
	for (int i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		if (g->type != GEN_DNS)
			continue;
		dns_err_t r = add_asn1(out, g->d.dNSName);
		if (r != DNS_OK)
			return r;
	}
	return DNS_OK;
}

static dns_err_t add_cn(dns_certify_names_t *out, const X509_NAME *subj)
{
	for (int i = -1; subj != NULL && (i = X509_NAME_get_index_by_NID(subj, NID_commonName, i)) >= 0;) {
		const ASN1_STRING *s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, i));
		dns_err_t r = add_asn1(out, s);
		if (r != DNS_OK)
			return r;
	}
	return DNS_OK;
}

dns_err_t certify_names_of_cert(const X509 *cert, dns_certify_names_t *out)
{
	out->n = 0;
	GENERAL_NAMES *gens = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	dns_err_t r = gens ? add_gens(out, gens) : DNS_OK;
	GENERAL_NAMES_free(gens);
	return r != DNS_OK ? r : add_cn(out, X509_get_subject_name(cert));
}

dns_err_t certify_names_of_req(X509_REQ *req, dns_certify_names_t *out)
{
	out->n = 0;
	STACK_OF(X509_EXTENSION) *exts = X509_REQ_get_extensions(req);
	dns_err_t r = DNS_OK;
	for (int i = 0; r == DNS_OK && i < sk_X509_EXTENSION_num(exts); i++) {
		X509_EXTENSION *x = sk_X509_EXTENSION_value(exts, i);
		if (OBJ_obj2nid(X509_EXTENSION_get_object(x)) != NID_subject_alt_name)
			continue;
		GENERAL_NAMES *gens = X509V3_EXT_d2i(x);
		r = gens ? add_gens(out, gens) : DNS_ESYNTAX;
		GENERAL_NAMES_free(gens);
	}
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	return r != DNS_OK ? r : add_cn(out, X509_REQ_get_subject_name(req));
}

/* ---- files ---- */

static bool write_all(int fd, const void *data, size_t len)
{
	const uint8_t *p = data;
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		len -= (size_t)w;
	}
	return true;
}

dns_err_t dns_certify_write_file(const char *path, const void *data, size_t len, bool exclusive,
                                 char *err, size_t errlen)
{
	if (exclusive) {
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0) {
			int e = errno;
			certify_errf(err, errlen, "%s: %s", path, strerror(e));
			return e == EEXIST ? DNS_EEXIST : DNS_EIO;
		}
		bool ok = write_all(fd, data, len) && fsync(fd) == 0;
		ok = close(fd) == 0 && ok;
		if (!ok) {
			certify_errf(err, errlen, "%s: %m", path);
			unlink(path);
			return DNS_EIO;
		}
		return DNS_OK;
	}
	size_t n = strlen(path);
	char *tmp = malloc(n + 16);
	if (tmp == NULL)
		return DNS_ENOMEM;
	snprintf(tmp, n + 16, "%s.tmpXXXXXX", path);
	int fd = mkstemp(tmp);
	bool ok = fd >= 0 && fchmod(fd, 0644) == 0 && write_all(fd, data, len) && fsync(fd) == 0;
	if (fd >= 0)
		ok = close(fd) == 0 && ok;
	ok = ok && rename(tmp, path) == 0;
	if (!ok) {
		certify_errf(err, errlen, "%s: %m", path);
		if (fd >= 0)
			unlink(tmp);
	}
	free(tmp);
	return ok ? DNS_OK : DNS_EIO;
}
