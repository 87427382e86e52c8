/*
 * certify_check - what checking an existing certificate costs: the fetch
 * flow of libdnscertify driven ROUNDS times against a primary that
 * already publishes a matching certificate.  Per round it reports the
 * messages sent (one TLSA query expected: one round trip), the wall time
 * and the CPU time of this process (flow, TSIG, parsing, the matching
 * rule with its chain checks; the server's share is not counted).
 *
 *   certify_check SERVER DNS_KEY HOST KEY_PEM CSR_PEM ROUNDS
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/pem.h>

#include "dns/certify.h"
#include "dns/net_query.h"

static double ms(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) * 1e3 + (double)(b->tv_nsec - a->tv_nsec) / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* One check: drive the flow, counting the messages it sends. */
static int check(const dns_certify_flow_config_t *cfg, const dns_net_addr_t *server, int *sends)
{
	static uint8_t buf[65535];
	dns_certify_flow_t *f = dns_certify_flow_new(cfg, NULL, 0);
	if (f == NULL)
		return -1;
	dns_certify_action_t a = dns_certify_flow_start(f, dns_certify_now_ms());
	*sends = 0;
	while (a.kind == DNS_CERTIFY_ACT_SEND) {
		dns_netq_request_t req = {.server = server, .msg = a.msg, .len = a.len,
		                          .mode = DNS_NETQ_TCP, .timeout_ms = a.timeout_ms};
		dns_netq_result_t res;
		(*sends)++;
		if (dns_netq_exchange(&req, buf, sizeof(buf), &res) != DNS_OK || res.status != DNS_NETQ_OK)
			break;
		a = dns_certify_flow_answer(f, dns_certify_now_ms(), res.answer, res.len);
	}
	int ok = a.kind == DNS_CERTIFY_ACT_DONE ? 0 : -1;
	if (ok != 0)
		fprintf(stderr, "certify_check: no match: %s\n", a.message ? a.message : "?");
	dns_certify_flow_free(f);
	return ok;
}

int main(int argc, char **argv)
{
	if (argc != 7) {
		fprintf(stderr, "usage: certify_check SERVER DNS_KEY HOST KEY_PEM CSR_PEM ROUNDS\n");
		return 2;
	}
	int rounds = atoi(argv[6]);
	dns_net_addr_t server;
	dns_tsig_key_t key;
	static dns_certify_names_t names;
	EVP_PKEY *pk = NULL;
	char err[512];
	FILE *f = fopen(argv[5], "r");
	X509_REQ *req = f ? PEM_read_X509_REQ(f, NULL, NULL, NULL) : NULL;
	if (f)
		fclose(f);
	unsigned char *csr = NULL, *spki = NULL;
	size_t spki_len;
	int csr_len = req ? i2d_X509_REQ(req, &csr) : 0;
	if (rounds < 1 || dns_certify_parse_server(argv[1], 53, &server) != DNS_OK ||
	    dns_tsig_key_from_text(&key, argv[2], strlen(argv[2])) != DNS_OK ||
	    dns_certify_names_add(&names, argv[3], NULL, 0) != DNS_OK ||
	    dns_certify_key_load(argv[4], &pk, err, sizeof(err)) != DNS_OK || csr_len <= 0 ||
	    dns_certify_key_spki(pk, &spki, &spki_len) != DNS_OK) {
		fprintf(stderr, "certify_check: bad arguments %s\n", err);
		return 2;
	}
	dns_certify_flow_config_t cfg = {
		.key = &key, .host = argv[3], .names = &names, .spki = spki, .spki_len = spki_len,
		.csr = csr, .csr_len = (size_t)csr_len, .renew_before = -1,
	};
	double *wall = calloc((size_t)rounds, sizeof(double)), *cpu = calloc((size_t)rounds, sizeof(double));
	int max_sends = 0;
	for (int i = 0; i < rounds; i++) {
		struct timespec w0, w1, c0, c1;
		int sends;
		cfg.deadline_ms = dns_certify_now_ms() + 10000;
		clock_gettime(CLOCK_MONOTONIC, &w0);
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
		if (check(&cfg, &server, &sends) != 0)
			return 1;
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
		clock_gettime(CLOCK_MONOTONIC, &w1);
		wall[i] = ms(&w0, &w1);
		cpu[i] = ms(&c0, &c1);
		max_sends = sends > max_sends ? sends : max_sends;
	}
	qsort(wall, (size_t)rounds, sizeof(double), cmp);
	qsort(cpu, (size_t)rounds, sizeof(double), cmp);
	printf("certify check: %d rounds, messages per check %d, wall median %.2f ms p90 %.2f ms, "
	       "client CPU median %.2f ms p90 %.2f ms\n",
	       rounds, max_sends, wall[rounds / 2], wall[rounds * 9 / 10], cpu[rounds / 2],
	       cpu[rounds * 9 / 10]);
	free(wall);
	free(cpu);
	OPENSSL_free(csr);
	OPENSSL_free(spki);
	EVP_PKEY_free(pk);
	X509_REQ_free(req);
	return 0;
}
