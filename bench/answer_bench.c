/*
 * answer_bench.c - user-space cost of the answer function alone: loads a
 * zone file, turns a dnsperf query file ("name TYPE" per line) into wire
 * queries, and runs dns_answer() over all of them, many times.  Built and
 * run by bench/answer.sh; not part of the library.
 *
 *   answer_bench ZONEFILE ORIGIN QUERYFILE [--rounds N] [--edns] [--dump]
 *
 * Prints ns/query (best round) and a checksum of every response byte, so
 * that an optimisation can be checked not to change a single answer.
 * bench_round() (answers only, run once more than --rounds) is what
 * callgrind counts (--toggle-collect).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dns/answer.h"
#include "dns/msg.h"
#include "dns/name.h"
#include "dns/rrtype.h"
#include "dns/zonefile.h"
#include "dns/zoneset.h"

typedef struct query {
	uint8_t wire[DNS_NAME_MAX + 32];
	size_t len;
} query_t;

static void on_error(void *ctx, const dns_zf_pos_t *pos, const char *msg)
{
	(void)ctx;
	if (!dns_zf_is_warning(msg))
		fprintf(stderr, "%s:%u: %s\n", pos->file, (unsigned)pos->line, msg);
}

/* One query per line: "name TYPE"; with @edns an OPT of 1232 bytes (as dnsperf -e). */
static query_t *read_queries(const char *path, bool edns, size_t *n)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t cap = 1024, cnt = 0;
	query_t *q = malloc(cap * sizeof(*q));
	char line[1200];
	while (q && fgets(line, sizeof(line), f)) {
		char *sp = strchr(line, ' ');
		if (!sp)
			continue;
		char *type = sp + 1;
		type[strcspn(type, "\r\n")] = 0;
		uint8_t name[DNS_NAME_MAX];
		size_t nlen;
		uint16_t qtype;
		if (dns_name_from_text(name, &nlen, line, (size_t)(sp - line), dns_name_root) ||
		    dns_rrtype_from_text(type, strlen(type), &qtype))
			continue;
		if (cnt == cap) {
			cap *= 2;
			query_t *nq = realloc(q, cap * sizeof(*q));
			if (!nq)
				break;
			q = nq;
		}
		uint8_t *w = q[cnt].wire;
		memset(w, 0, DNS_HDR_LEN);
		dns_put16(w, (uint16_t)cnt);
		dns_put16(w + 4, 1);
		memcpy(w + DNS_HDR_LEN, name, nlen);
		size_t o = DNS_HDR_LEN + nlen;
		dns_put16(w + o, qtype);
		dns_put16(w + o + 2, 1);
		o += 4;
		if (edns) {
			dns_put16(w + 10, 1);
			static const uint8_t opt[11] = {0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0};
			memcpy(w + o, opt, sizeof(opt));
			o += sizeof(opt);
		}
		q[cnt++].len = o;
	}
	fclose(f);
	*n = cnt;
	return q;
}

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Queries per batch, as a server's receive batch: with more than one, each
 * batch is announced to dns_answer_prefetch before it is answered. */
static size_t batch = 1;

static void announce(const dns_zoneset_t *zs, const query_t *q, size_t at, size_t m)
{
	const uint8_t *reqs[256];
	size_t lens[256];
	for (size_t i = 0; i < m; i++) {
		reqs[i] = q[at + i].wire;
		lens[i] = q[at + i].len;
	}
	dns_answer_prefetch(zs, reqs, lens, m);
}

/* One timed pass over every query; returns the total response length. */
__attribute__((noinline)) size_t bench_round(const dns_zoneset_t *zs, const query_t *q,
                                             size_t n);
__attribute__((noinline)) size_t bench_round(const dns_zoneset_t *zs, const query_t *q,
                                             size_t n)
{
	static uint8_t resp[65535];
	size_t total = 0;
	for (size_t at = 0; at < n; at += batch) {
		size_t m = n - at < batch ? n - at : batch;
		if (m > 1)
			announce(zs, q, at, m); /* as a server does with a receive batch */
		for (size_t i = at; i < at + m; i++) {
			size_t len = 0;
			if (dns_answer(zs, q[i].wire, q[i].len, DNS_TRANSPORT_UDP, NULL, NULL, resp,
			               sizeof(resp), &len, NULL) == DNS_OK)
				total += len;
		}
	}
	return total;
}

/* One pass over every query; returns a hash of every response byte. */
static uint64_t check_round(const dns_zoneset_t *zs, const query_t *q, size_t n, FILE *dump)
{
	static uint8_t resp[65535];
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++) {
		size_t len = 0;
		if (dns_answer(zs, q[i].wire, q[i].len, DNS_TRANSPORT_UDP, NULL, NULL, resp,
		               sizeof(resp), &len, NULL) != DNS_OK)
			len = 0;
		if (dump) {
			fprintf(dump, "%zu", i);
			for (size_t j = 0; j < len; j++)
				fprintf(dump, " %02x", resp[j]);
			fputc('\n', dump);
		}
		for (size_t j = 0; j < len; j++)
			h = (h ^ resp[j]) * 1099511628211ull;
		h = (h ^ len) * 1099511628211ull;
	}
	return h;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: %s ZONEFILE ORIGIN QUERYFILE [--rounds N] [--edns] [--batch N] [--dump]\n",
		        argv[0]);
		return 2;
	}
	int rounds = 10;
	bool edns = false, dump = false;
	for (int i = 4; i < argc; i++) {
		if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
			rounds = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--edns"))
			edns = true;
		else if (!strcmp(argv[i], "--batch") && i + 1 < argc)
			batch = (size_t)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--dump"))
			dump = true;
	}
	uint8_t origin[DNS_NAME_MAX];
	size_t olen;
	if (dns_name_from_text(origin, &olen, argv[2], strlen(argv[2]), dns_name_root)) {
		fprintf(stderr, "bad origin\n");
		return 2;
	}
	dns_zf_options_t opt = {.origin = origin};
	dns_zone_t *z = NULL;
	if (dns_zone_load_file(argv[1], &opt, &z, on_error, NULL) != DNS_OK || !z) {
		fprintf(stderr, "zone did not load\n");
		return 1;
	}
	dns_zoneset_t *zs = dns_zoneset_new(&z, 1);
	dns_zone_unref(z);
	size_t n = 0;
	query_t *q = read_queries(argv[3], edns, &n);
	if (!zs || !q || n == 0) {
		fprintf(stderr, "no queries\n");
		return 1;
	}
	if (batch < 1 || batch > 256) {
		fprintf(stderr, "--batch: 1 to 256\n");
		return 2;
	}
	uint64_t sum = check_round(zs, q, n, dump ? stdout : NULL);
	if (dump)
		return 0;
	size_t bytes = bench_round(zs, q, n);
	double best = 1e300;
	for (int r = 0; r < rounds; r++) {
		double t0 = now_ns();
		size_t s = bench_round(zs, q, n);
		double t = now_ns() - t0;
		if (s != bytes) {
			fprintf(stderr, "responses changed between rounds\n");
			return 1;
		}
		if (t < best)
			best = t;
	}
	printf("queries=%zu rounds=%d edns=%d batch=%zu best-ns/query=%.1f checksum=%016llx\n", n,
	       rounds, edns, batch, best / (double)n, (unsigned long long)sum);
	free(q);
	dns_zoneset_free(zs);
	return 0;
}
