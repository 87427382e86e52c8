/*
 * acme_order_tool - a test driver: runs libacme's state machine with the
 * libcurl adapter to get one certificate for a CSR.  DNS-01 TXT values are
 * published by running a command (the integration test's DNS server has
 * no UPDATE; the daemon will do RFC 2136 here).
 *
 *   acme_order_tool --directory URL --csr CSR.der --out CHAIN.pem
 *       [--ca-file PEM] [--account-key FILE | --account-key-seed TEXT]
 *       [--rsa] [--email ADDR] [--eab-kid KID --eab-hmac-key B64URL]
 *       [--profile NAME] [--preferred-chain ISSUER-CN]
 *       --publish-cmd CMD [--cleanup-cmd CMD]
 *
 * CMD runs as `sh -c CMD sh NAME VALUE` once per TXT value.  Each request
 * is logged to stderr as "acme: <ms> <method> <url> -> <status>".  Exit 0
 * with the chain written; 1 with the ACME problem printed.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "acme/acme.h"
#include "acme/http.h"
#include "acme/jws.h"

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	uint8_t *buf = malloc(1 << 16);
	*len = buf ? fread(buf, 1, 1 << 16, f) : 0;
	fclose(f);
	return buf;
}

static int run_cmd(const char *cmd, const char *name, const char *value)
{
	pid_t pid = fork();
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, "sh", name, value, (char *)NULL);
		_exit(127);
	}
	int st = 0;
	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void run_all(const char *cmd, const acme_action_t *act)
{
	for (size_t i = 0; cmd && i < act->n_txt; i++)
		if (run_cmd(cmd, act->txt[i].name, act->txt[i].value) != 0)
			fprintf(stderr, "acme: command failed for %s\n", act->txt[i].name);
}

static void print_problem(const acme_problem_t *p)
{
	fprintf(stderr, "acme: failed: %s: %s", p->type, p->detail);
	if (p->retry_at_ms)
		fprintf(stderr, " (retry after %lld)", (long long)p->retry_at_ms);
	fputc('\n', stderr);
	for (size_t i = 0; i < p->n_sub; i++)
		fprintf(stderr, "acme:   %s: %s: %s\n", p->sub[i].identifier, p->sub[i].type,
		        p->sub[i].detail);
}

static int drive(acme_machine_t *m, const acme_http_opts_t *ho, const char *publish,
                 const char *cleanup, const char *out)
{
	acme_http_result_t res = {0};
	acme_action_t act;
	int rc = 1;
	for (;;) {
		int64_t now = now_ms();
		acme_machine_next(m, now, &act);
		if (act.kind == ACME_ACT_REQUEST) {
			if (acme_http_perform(ho, &act.req, &res) != DNS_OK) {
				fprintf(stderr, "acme: %lld %s %s -> %s\n", (long long)now, act.req.method,
				        act.req.url, res.error);
				acme_machine_transport_error(m, now_ms(), res.error);
				continue;
			}
			fprintf(stderr, "acme: %lld %s %s -> %d\n", (long long)now, act.req.method,
			        act.req.url, res.resp.status);
			acme_machine_response(m, now_ms(), &res.resp);
		} else if (act.kind == ACME_ACT_PUBLISH) {
			for (size_t i = 0; i < act.n_txt; i++)
				fprintf(stderr, "acme: publish %s TXT %s\n", act.txt[i].name,
				        act.txt[i].value);
			run_all(publish, &act);
			acme_machine_published(m);
		} else if (act.kind == ACME_ACT_WAIT) {
			int64_t d = act.until_ms - now_ms();
			if (d > 0)
				usleep((useconds_t)(d > 60000 ? 60000000 : d * 1000));
		} else {
			break;
		}
	}
	run_all(cleanup, &act);
	if (act.kind == ACME_ACT_DONE) {
		FILE *f = fopen(out, "w");
		if (f && fwrite(act.chain_pem, 1, act.chain_len, f) == act.chain_len && fclose(f) == 0)
			rc = 0;
		else
			fprintf(stderr, "acme: cannot write %s\n", out);
	} else {
		print_problem(act.problem);
	}
	fprintf(stderr, "acme: requests %u\n", acme_machine_requests(m));
	acme_http_result_free(&res);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"directory", 1, 0, 'd'}, {"csr", 1, 0, 'c'}, {"out", 1, 0, 'o'},
		{"ca-file", 1, 0, 'C'}, {"account-key", 1, 0, 'k'}, {"account-key-seed", 1, 0, 's'},
		{"rsa", 0, 0, 'r'}, {"email", 1, 0, 'e'}, {"eab-kid", 1, 0, 'K'},
		{"eab-hmac-key", 1, 0, 'H'}, {"profile", 1, 0, 'p'}, {"preferred-chain", 1, 0, 'P'},
		{"publish-cmd", 1, 0, 'u'}, {"cleanup-cmd", 1, 0, 'x'}, {0, 0, 0, 0}};
	acme_config_t cfg = {0};
	acme_http_opts_t ho = {0};
	const char *csr = NULL, *out = NULL, *keyfile = NULL, *seed = NULL, *pub = NULL,
	           *clean = NULL;
	acme_alg_t alg = ACME_ALG_ES256;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': cfg.directory_url = optarg; break;
		case 'c': csr = optarg; break;
		case 'o': out = optarg; break;
		case 'C': ho.ca_file = optarg; break;
		case 'k': keyfile = optarg; break;
		case 's': seed = optarg; break;
		case 'r': alg = ACME_ALG_RS256; break;
		case 'e': cfg.email = optarg; break;
		case 'K': cfg.eab_kid = optarg; break;
		case 'H': cfg.eab_hmac_key = optarg; break;
		case 'p': cfg.profile = optarg; break;
		case 'P': cfg.preferred_chain = optarg; break;
		case 'u': pub = optarg; break;
		case 'x': clean = optarg; break;
		default: return 2;
		}
	}
	if (!cfg.directory_url || !csr || !out || !pub) {
		fprintf(stderr, "usage: acme_order_tool --directory URL --csr DER --out PEM "
		                "--publish-cmd CMD [options]\n");
		return 2;
	}
	char err[256] = "";
	EVP_PKEY *key = NULL;
	bool created = false;
	dns_err_t e = seed ? acme_key_from_seed(alg, seed, strlen(seed), &key, err, sizeof err)
	            : keyfile ? acme_key_load_or_create(keyfile, alg, &key, &created, err, sizeof err)
	                      : acme_key_generate(alg, &key, err, sizeof err);
	if (e) {
		fprintf(stderr, "acme: account key: %s\n", err);
		return 1;
	}
	if (created)
		fprintf(stderr, "acme: created account key %s\n", keyfile);
	cfg.account_key = key;
	cfg.csr_der = read_file(csr, &cfg.csr_len);
	if (!cfg.csr_der) {
		fprintf(stderr, "acme: cannot read %s\n", csr);
		return 1;
	}
	acme_machine_t *m;
	if (acme_machine_new(&cfg, &m, err, sizeof err) != DNS_OK) {
		fprintf(stderr, "acme: %s\n", err);
		return 1;
	}
	int rc = drive(m, &ho, pub, clean, out);
	acme_machine_free(m);
	EVP_PKEY_free(key);
	free((void *)cfg.csr_der);
	return rc;
}
