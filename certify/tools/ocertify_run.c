/*
 * ocertify_run.c - ocertify's files (key created 0600 only when missing,
 * CSR reused when it still fits, chain written atomically), one fetch,
 * the --watch loop and the deploy hook.
 */
#include <errno.h>
#include <libgen.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "ocertify.h"

/* Retry delay of --watch after a failure that may pass. */
#define WATCH_RETRY_S 60

extern char **environ;

struct oc_state {
	dns_certify_names_t names;
	dns_tsig_key_t tsig;
	dns_net_addr_t server;
	EVP_PKEY *key;
	uint8_t *spki, *csr;
	size_t spki_len, csr_len;
	X509_STORE *anchors;
	char key_file[PATH_MAX], csr_file[PATH_MAX], cert_file[PATH_MAX];
};

static void say(void *ctx, const char *line)
{
	fprintf(stderr, "ocertify: %s\n", line);
}

static int complain(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int complain(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "ocertify: ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

void oc_state_free(oc_state_t *st)
{
	if (st == NULL)
		return;
	EVP_PKEY_free(st->key);
	OPENSSL_free(st->spki);
	OPENSSL_free(st->csr);
	X509_STORE_free(st->anchors);
	OPENSSL_cleanse(&st->tsig, sizeof(st->tsig));
	free(st);
}

static void default_path(char *out, const char *given, const char *host, const char *ext)
{
	size_t n = strlen(host);
	if (given != NULL)
		snprintf(out, PATH_MAX, "%s", given);
	else
		snprintf(out, PATH_MAX, "%.*s.%s", (int)(n && host[n - 1] == '.' ? n - 1 : n), host, ext);
}

/* The key: loaded, else derived or generated and written (0600). */
static int setup_key(const oc_opts_t *o, oc_state_t *st)
{
	char err[512];
	EVP_PKEY *derived = NULL;
	size_t slen = o->seed ? strlen(o->seed) : 0;
	if (o->seed && dns_certify_key_from_seed(o->type, o->bits, o->seed, slen, &derived, err,
	                                         sizeof(err)) != DNS_OK)
		return complain(OC_EXIT_LOCAL, "%s", err);
	if (access(st->key_file, F_OK) == 0) {
		dns_err_t r = dns_certify_key_load(st->key_file, &st->key, err, sizeof(err));
		if (r != DNS_OK) {
			EVP_PKEY_free(derived);
			return complain(OC_EXIT_LOCAL, "%s", err);
		}
		if (derived != NULL && EVP_PKEY_eq(derived, st->key) != 1) {
			EVP_PKEY_free(derived);
			return complain(OC_EXIT_USAGE, "%s holds another key than --seed derives", st->key_file);
		}
		EVP_PKEY_free(derived);
		say(NULL, "using the key in the key file");
		return 0;
	}
	if (derived != NULL)
		st->key = derived;
	else if (dns_certify_key_generate(o->type, o->bits, &st->key, err, sizeof(err)) != DNS_OK)
		return complain(OC_EXIT_LOCAL, "%s", err);
	char *pem;
	size_t len;
	if (dns_certify_key_pem(st->key, &pem, &len) != DNS_OK)
		return complain(OC_EXIT_LOCAL, "cannot encode the key");
	dns_err_t r = dns_certify_write_file(st->key_file, pem, len, true, err, sizeof(err));
	OPENSSL_clear_free(pem, len);
	if (r != DNS_OK)
		return complain(OC_EXIT_LOCAL, "%s", err);
	fprintf(stderr, "ocertify: created the %s key %s (mode 0600)\n",
	        o->seed ? "seed-derived" : "new", st->key_file);
	return 0;
}

/* The CSR file's CSR, if it is for our key and names (so that a restart
 * without --seed republishes nothing). */
static bool reuse_csr(oc_state_t *st)
{
	FILE *f = fopen(st->csr_file, "r");
	if (f == NULL)
		return false;
	X509_REQ *req = PEM_read_X509_REQ(f, NULL, NULL, NULL);
	fclose(f);
	static dns_certify_names_t names;
	EVP_PKEY *pk = req ? X509_REQ_get0_pubkey(req) : NULL;
	bool ok = pk != NULL && EVP_PKEY_eq(pk, st->key) == 1 && X509_REQ_verify(req, pk) == 1;
	if (ok) {
		STACK_OF(X509_EXTENSION) *exts = X509_REQ_get_extensions(req);
		GENERAL_NAMES *gens = X509V3_get_d2i(exts, NID_subject_alt_name, NULL, NULL);
		names.n = 0;
		for (int i = 0; gens && i < sk_GENERAL_NAME_num(gens); i++) {
			const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
			if (g->type == GEN_DNS)
				ok = ok && dns_certify_names_add(&names, (const char *)ASN1_STRING_get0_data(g->d.dNSName),
				                                 NULL, 0) == DNS_OK;
		}
		GENERAL_NAMES_free(gens);
		sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
		ok = ok && dns_certify_names_equal(&names, &st->names);
	}
	unsigned char *der = NULL;
	int n = ok ? i2d_X509_REQ(req, &der) : 0;
	X509_REQ_free(req);
	if (n <= 0)
		return false;
	st->csr = der;
	st->csr_len = (size_t)n;
	return true;
}

static int setup_csr(const oc_opts_t *o, oc_state_t *st)
{
	char err[512];
	if (o->seed == NULL && reuse_csr(st))
		return 0;
	size_t slen = o->seed ? strlen(o->seed) : 0;
	if (dns_certify_csr_make(st->key, &st->names, o->seed, slen, &st->csr, &st->csr_len, err,
	                         sizeof(err)) != DNS_OK)
		return complain(OC_EXIT_LOCAL, "%s", err);
	const unsigned char *p = st->csr;
	X509_REQ *req = d2i_X509_REQ(NULL, &p, (long)st->csr_len);
	BIO *b = BIO_new(BIO_s_mem());
	char *data;
	int ok = req && b && PEM_write_bio_X509_REQ(b, req);
	long n = ok ? BIO_get_mem_data(b, &data) : 0;
	dns_err_t r = n > 0 ? dns_certify_write_file(st->csr_file, data, (size_t)n, false, err, sizeof(err))
	                    : DNS_ENOMEM;
	BIO_free(b);
	X509_REQ_free(req);
	if (r != DNS_OK)
		return complain(OC_EXIT_LOCAL, "CSR: %s", err);
	return 0;
}

int oc_prepare(oc_opts_t *o, oc_state_t **out)
{
	char err[512];
	oc_state_t *st = calloc(1, sizeof(*st));
	int r = 0;
	*out = st;
	if (st == NULL)
		return OC_EXIT_LOCAL;
	if (dns_certify_names_add(&st->names, o->host, err, sizeof(err)) != DNS_OK)
		return complain(OC_EXIT_USAGE, "HOSTNAME: %s", err);
	for (size_t i = 0; i < o->nadditional; i++)
		if (dns_certify_names_add(&st->names, o->additional[i], err, sizeof(err)) != DNS_OK)
			return complain(OC_EXIT_USAGE, "--additional: %s", err);
	if (dns_tsig_key_from_text(&st->tsig, o->dns_key, strlen(o->dns_key)) != DNS_OK)
		return complain(OC_EXIT_USAGE, "invalid --dns-key (want name:alg:base64secret)");
	if (dns_certify_parse_server(o->server, o->port, &st->server) != DNS_OK)
		return complain(OC_EXIT_USAGE, "invalid SERVER '%s' (want an IP address, optional :port)",
		                o->server);
	if (o->ca_file && (st->anchors = dns_certify_load_anchors(o->ca_file, err, sizeof(err))) == NULL)
		return complain(OC_EXIT_USAGE, "--ca-file: %s", err);
	default_path(st->key_file, o->key_file, st->names.name[0], "key");
	default_path(st->csr_file, o->csr_file, st->names.name[0], "req");
	default_path(st->cert_file, o->cert_file, st->names.name[0], "pem");
	if ((r = setup_key(o, st)) != 0 || (r = setup_csr(o, st)) != 0)
		return r;
	if (dns_certify_key_spki(st->key, &st->spki, &st->spki_len) != DNS_OK)
		return complain(OC_EXIT_LOCAL, "cannot encode the public key");
	return 0;
}

/* ---- the certificate file and the hook ---- */

static char *chain_pem(STACK_OF(X509) *chain, size_t *len)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data, *copy = NULL;
	bool ok = b != NULL;
	for (int i = 0; ok && i < sk_X509_num(chain); i++)
		ok = PEM_write_bio_X509(b, sk_X509_value(chain, i)) == 1;
	long n = ok ? BIO_get_mem_data(b, &data) : 0;
	if (n > 0 && (copy = malloc((size_t)n)) != NULL) {
		memcpy(copy, data, (size_t)n);
		*len = (size_t)n;
	}
	BIO_free(b);
	return copy;
}

static bool file_has(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return false;
	bool same = true;
	for (size_t i = 0; same && i < len; i++)
		same = fgetc(f) == (unsigned char)data[i];
	same = same && fgetc(f) == EOF;
	fclose(f);
	return same;
}

static void run_hook(const oc_opts_t *o, const oc_state_t *st)
{
	char dir[PATH_MAX], domains[DNS_CERTIFY_NAMES_MAX * DNS_CERTIFY_NAME_LEN] = "";
	snprintf(dir, sizeof(dir), "%s", st->cert_file);
	for (size_t i = 0; i < st->names.n; i++)
		snprintf(domains + strlen(domains), sizeof(domains) - strlen(domains), "%s%s", i ? " " : "",
		         st->names.name[i]);
	setenv("RENEWED_LINEAGE", dirname(dir), 1);
	setenv("RENEWED_DOMAINS", domains, 1);
	setenv("OCERTIFY_CERTIFICATE", st->cert_file, 1);
	setenv("OCERTIFY_KEY", st->key_file, 1);
	char *argv[] = {(char *)"sh", (char *)"-c", (char *)o->deploy_hook, NULL};
	pid_t pid;
	int status = 0, e = posix_spawn(&pid, "/bin/sh", NULL, NULL, argv, environ);
	if (e != 0) {
		fprintf(stderr, "ocertify: deploy hook: cannot run /bin/sh: %s\n", strerror(e));
		return;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		fprintf(stderr, "ocertify: deploy hook ran\n");
	else
		fprintf(stderr, "ocertify: deploy hook failed (status %d)\n",
		        WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

/* One fetch; *leaf_out (may be NULL) receives the end-entity certificate. */
static int fetch(const oc_opts_t *o, oc_state_t *st, bool force, X509 **leaf_out)
{
	dns_certify_flow_config_t cfg = {
		.key = &st->tsig, .host = st->names.name[0], .names = &st->names, .spki = st->spki,
		.spki_len = st->spki_len, .csr = st->csr, .csr_len = st->csr_len,
		.renew_before = o->renew_before, .anchors = st->anchors, .force = force,
		.deadline_ms = dns_certify_now_ms() + (uint64_t)o->wait * 1000, .log = say,
	};
	static dns_certify_error_t err;
	dns_certify_flow_t *flow = dns_certify_flow_new(&cfg, err.message, sizeof(err.message));
	if (flow == NULL)
		return complain(OC_EXIT_USAGE, "%s", err.message);
	dns_certify_result_t r = dns_certify_drive(flow, &st->server, &err);
	int code = 0;
	if (r != DNS_CERTIFY_OK) {
		code = complain(oc_exit_code(r), "%s (%s)", err.message, dns_certify_result_text(r));
	} else {
		STACK_OF(X509) *chain = dns_certify_flow_chain(flow);
		size_t len = 0;
		char *pem = chain_pem(chain, &len), e[512];
		if (pem == NULL) {
			code = complain(OC_EXIT_LOCAL, "cannot encode the chain");
		} else if (file_has(st->cert_file, pem, len)) {
			fprintf(stderr, "ocertify: certificate unchanged in %s\n", st->cert_file);
		} else if (dns_certify_write_file(st->cert_file, pem, len, false, e, sizeof(e)) != DNS_OK) {
			code = complain(OC_EXIT_LOCAL, "%s", e);
		} else {
			fprintf(stderr, "ocertify: wrote the certificate chain (%d certificates) to %s\n",
			        sk_X509_num(chain), st->cert_file);
			if (o->deploy_hook != NULL)
				run_hook(o, st);
		}
		free(pem);
		if (code == 0 && leaf_out != NULL)
			*leaf_out = X509_dup(sk_X509_value(chain, 0));
	}
	dns_certify_flow_free(flow);
	return code;
}

int oc_once(const oc_opts_t *o, oc_state_t *st)
{
	return fetch(o, st, o->force, NULL);
}

static void sleep_s(int64_t s)
{
	struct timespec ts = {.tv_sec = (time_t)s, .tv_nsec = 0};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int oc_watch(const oc_opts_t *o, oc_state_t *st)
{
	bool force = o->force;
	for (;;) {
		X509 *leaf = NULL;
		int code = fetch(o, st, force, &leaf);
		if (code == OC_EXIT_USAGE || code == OC_EXIT_LOCAL)
			return code;
		int64_t pause = WATCH_RETRY_S;
		if (code == 0) {
			force = false;   /* --force applies to the first round only */
			int64_t at = dns_certify_renew_time(leaf, o->renew_before);
			int64_t now = (int64_t)(dns_certify_now_ms() / 1000);
			char t[32];
			dns_certify_time_format(at, t);
			fprintf(stderr, "ocertify: next renewal check at %s\n", t);
			pause = at > now ? at - now : 1;
		} else {
			fprintf(stderr, "ocertify: trying again in %d s\n", WATCH_RETRY_S);
		}
		X509_free(leaf);
		sleep_s(pause);
	}
}
