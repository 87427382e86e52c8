/*
 * certify-tls-server - an example service that gets its TLS certificate
 * through DNS with libdnscertify's start-up call.
 *
 *   certify-tls-server --listen ADDR:PORT --server SERVER --dns-key K
 *       --hostname HOST [--additional NAME]... [--seed S | --key FILE]
 *       [--wait SECONDS] [--check-interval SECONDS] [--renew-before SECONDS]
 *       [--ca-file FILE]
 *
 * At start it blocks in dns_certify_fetch() until a certificate for its
 * key and names is published (publishing its CSR if needed), and only
 * then listens.  It answers every TLS connection with one line of text.
 * A renewal thread checks DNS again at the renewal point, and every
 * --check-interval seconds (one query while the certificate is good);
 * when a different certificate is published it builds a new SSL_CTX and
 * swaps it in: new connections get the new certificate, without a
 * restart.  Exit status: 0 on SIGTERM/SIGINT, 1 if no certificate could
 * be had by the deadline, 2 usage.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "dns/certify.h"

typedef struct server {
	dns_certify_opts_t opts;
	const char *additional[DNS_CERTIFY_NAMES_MAX];
	int64_t wait, check_interval;
	pthread_mutex_t mu;
	SSL_CTX *ctx;          /* the current one; new connections take a reference */
	X509 *leaf;            /* its certificate (owned by the renewal thread) */
} server_t;

static void say(void *ctx, const char *line)
{
	fprintf(stderr, "certify-tls-server: %s\n", line);
}

static SSL_CTX *make_ctx(STACK_OF(X509) *chain, EVP_PKEY *key)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	bool ok = ctx != NULL && SSL_CTX_use_certificate(ctx, sk_X509_value(chain, 0)) == 1 &&
	          SSL_CTX_use_PrivateKey(ctx, key) == 1 && SSL_CTX_check_private_key(ctx) == 1;
	for (int i = 1; ok && i < sk_X509_num(chain); i++)
		ok = SSL_CTX_add1_chain_cert(ctx, sk_X509_value(chain, i)) == 1;
	if (!ok) {
		ERR_print_errors_fp(stderr);
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	return ctx;
}

/* Fetch (blocking until @deadline); install the certificate if it is new. */
static bool refresh(server_t *s, time_t deadline)
{
	STACK_OF(X509) *chain;
	EVP_PKEY *key;
	static dns_certify_error_t err;
	if (dns_certify_fetch(&s->opts, deadline, &chain, &key, &err) != DNS_CERTIFY_OK) {
		fprintf(stderr, "certify-tls-server: no certificate: %s\n", err.message);
		return false;
	}
	X509 *leaf = sk_X509_value(chain, 0);
	bool changed = s->leaf == NULL || X509_cmp(leaf, s->leaf) != 0;
	SSL_CTX *ctx = changed ? make_ctx(chain, key) : NULL;
	if (ctx != NULL) {
		char serial[128] = "?";
		BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(leaf), NULL);
		char *hex = bn ? BN_bn2hex(bn) : NULL;
		if (hex)
			snprintf(serial, sizeof(serial), "%s", hex);
		OPENSSL_free(hex);
		BN_free(bn);
		pthread_mutex_lock(&s->mu);
		SSL_CTX *old = s->ctx;
		s->ctx = ctx;
		pthread_mutex_unlock(&s->mu);
		SSL_CTX_free(old);   /* connections still using it hold their own reference */
		X509_free(s->leaf);
		s->leaf = X509_dup(leaf);
		fprintf(stderr, "certify-tls-server: serving certificate serial %s\n", serial);
	}
	/* keep the key for renewals: the same key means the same CSR */
	if (s->opts.key == NULL)
		s->opts.key = key;
	else
		EVP_PKEY_free(key);
	sk_X509_pop_free(chain, X509_free);
	return changed ? ctx != NULL : true;
}

static void *renewer(void *arg)
{
	server_t *s = arg;
	for (;;) {
		time_t now = time(NULL), renew = dns_certify_renew_at(s->leaf, s->opts.renew_before);
		time_t next = now + (time_t)s->check_interval;
		if (renew < next)
			next = renew > now ? renew : now + 1;
		while (time(NULL) < next)
			sleep((unsigned)(next - time(NULL)));
		/* past the renewal point, wait as long as --wait for the new one;
		 * a routine check is one query */
		bool due = time(NULL) >= renew;
		if (!refresh(s, time(NULL) + (due ? (time_t)s->wait : 30)))
			sleep(due ? 1 : 0);
	}
	return NULL;
}

static SSL_CTX *current(server_t *s)
{
	pthread_mutex_lock(&s->mu);
	SSL_CTX *ctx = s->ctx;
	SSL_CTX_up_ref(ctx);
	pthread_mutex_unlock(&s->mu);
	return ctx;
}

static void serve_one(server_t *s, int fd)
{
	struct timeval tv = {.tv_sec = 10};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	SSL_CTX *ctx = current(s);
	SSL *ssl = SSL_new(ctx);
	SSL_CTX_free(ctx);   /* the SSL holds it now */
	if (ssl != NULL && SSL_set_fd(ssl, fd) == 1 && SSL_accept(ssl) == 1) {
		char line[512];
		int n = snprintf(line, sizeof(line), "hello from %s over TLS\n", s->opts.hostname);
		SSL_write(ssl, line, n);
		SSL_shutdown(ssl);
	}
	SSL_free(ssl);
	close(fd);
}

static int usage(const char *why)
{
	fprintf(stderr,
	        "certify-tls-server: %s\n"
	        "usage: certify-tls-server --listen ADDR:PORT --server SERVER --dns-key K --hostname HOST\n"
	        "       [--additional NAME]... [--seed S | --key FILE] [--wait SECONDS]\n"
	        "       [--check-interval SECONDS] [--renew-before SECONDS] [--ca-file FILE]\n", why);
	return 2;
}

static int parse(server_t *s, int argc, char **argv, dns_net_addr_t *listen_addr)
{
	const char *listen_text = NULL;
	s->wait = 600;
	s->check_interval = 3600;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (v == NULL)
			return usage("every option takes a value");
		i++;
		char err[256];
		if (!strcmp(a, "--listen"))
			listen_text = v;
		else if (!strcmp(a, "--server"))
			s->opts.server = v;
		else if (!strcmp(a, "--dns-key"))
			s->opts.dns_key = v;
		else if (!strcmp(a, "--hostname"))
			s->opts.hostname = v;
		else if (!strcmp(a, "--additional") && s->opts.nadditional < DNS_CERTIFY_NAMES_MAX)
			s->additional[s->opts.nadditional++] = v;
		else if (!strcmp(a, "--seed")) {
			s->opts.seed = v;
			s->opts.seed_len = strlen(v);
		} else if (!strcmp(a, "--key")) {
			if (dns_certify_key_load(v, &s->opts.key, err, sizeof(err)) != DNS_OK)
				return usage(err);
		} else if (!strcmp(a, "--wait"))
			s->wait = atoll(v);
		else if (!strcmp(a, "--check-interval"))
			s->check_interval = atoll(v);
		else if (!strcmp(a, "--renew-before"))
			s->opts.renew_before = atoll(v);
		else if (!strcmp(a, "--ca-file"))
			s->opts.ca_file = v;
		else
			return usage("unknown option");
	}
	s->opts.additional = s->additional;
	s->opts.log = say;
	if (!listen_text || !s->opts.server || !s->opts.dns_key || !s->opts.hostname)
		return usage("--listen, --server, --dns-key and --hostname are required");
	if (dns_net_addr_parse(listen_text, listen_addr) != DNS_OK)
		return usage("invalid --listen (want ADDR:PORT)");
	if (s->wait <= 0 || s->check_interval <= 0)
		return usage("--wait and --check-interval are positive seconds");
	return -1;
}

int main(int argc, char **argv)
{
	static server_t s;
	dns_net_addr_t addr;
	int r = parse(&s, argc, argv, &addr);
	if (r >= 0)
		return r;
	signal(SIGPIPE, SIG_IGN);
	pthread_mutex_init(&s.mu, NULL);
	/* block until we hold a certificate: nothing listens before */
	if (!refresh(&s, time(NULL) + (time_t)s.wait))
		return 1;
	int fd = socket(addr.ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr.ss, addr.len) < 0 || listen(fd, 64) < 0) {
		perror("certify-tls-server: listen");
		return 1;
	}
	char text[DNS_NET_ADDR_TEXT_MAX];
	fprintf(stderr, "certify-tls-server: listening on %s\n",
	        dns_net_addr_format((struct sockaddr *)&addr.ss, text, sizeof(text)));
	pthread_t t;
	if (pthread_create(&t, NULL, renewer, &s) != 0)
		return 1;
	for (;;) {
		int c = accept(fd, NULL, NULL);
		if (c >= 0)
			serve_one(&s, c);
		else if (errno != EINTR && errno != ECONNABORTED)
			perror("certify-tls-server: accept");
	}
}
