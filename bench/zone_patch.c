/*
 * zone_patch.c - time dns_zone_apply_diff on a large zone: a one-record
 * change, a 100-record change and a chain of one-record changes, against
 * a from-scratch build of the same zone.
 *   zone_patch ZONEFILE ORIGIN [ROUNDS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dns/diff.h"
#include "dns/name.h"
#include "dns/rrtype.h"
#include "dns/zonefile.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void on_error(void *ctx, const dns_zf_pos_t *pos, const char *msg)
{
	(void)ctx;
	if (!dns_zf_is_warning(msg))
		fprintf(stderr, "%s:%u: %s\n", pos->file, pos->line, msg);
}

static int dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The zone rebuilt from all its records through the builder. */
static dns_zone_t *rebuild(const dns_zone_t *z)
{
	dns_zone_builder_t *b = dns_zone_builder_new(dns_zone_origin(z), dns_zone_class(z));
	for (size_t i = 0; i < dns_zone_node_count(z); i++) {
		const dns_node_t *n = dns_zone_node_at(z, i);
		for (size_t t = 0; t < dns_node_rrset_count(n); t++) {
			const dns_rrset_t *s = dns_node_rrset_at(n, t);
			dns_rr_t rr = { .owner = dns_node_name(n), .type = s->type,
			                .rclass = dns_zone_class(z), .ttl = s->ttl };
			for (const uint8_t *rd = dns_rrset_first(s); rd; rd = dns_rrset_next(s, rd)) {
				rr.rdlen = dns_rrset_rdlen(rd);
				rr.rdata = dns_rrset_rdata(rd);
				if (dns_zone_builder_add(b, &rr) != DNS_OK)
					abort();
			}
		}
	}
	dns_zone_t *out;
	if (dns_zone_builder_finish(b, &out) != DNS_OK)
		abort();
	return out;
}

/* A change set: the SOA replaced by one with serial+1, @nrem existing A
 * records removed (spread over the zone) and @nadd new A records. */
typedef struct change {
	dns_rr_t rem[256], add[256];
	size_t nrem, nadd;
	uint8_t soa[2][512];
	uint8_t names[256][DNS_NAME_MAX];
	uint8_t addr[4];
} change_t;

static void make_change(const dns_zone_t *z, change_t *c, size_t nrem, size_t nadd, unsigned tag)
{
	memset(c, 0, sizeof(*c));
	const dns_rrset_t *soa = dns_zone_soa(z);
	const uint8_t *rd = dns_rrset_first(soa);
	uint16_t len = dns_rrset_rdlen(rd);
	memcpy(c->soa[0], dns_rrset_rdata(rd), len);
	memcpy(c->soa[1], dns_rrset_rdata(rd), len);
	dns_put32(c->soa[1] + len - 20, dns_get32(c->soa[1] + len - 20) + 1);
	c->rem[c->nrem++] = (dns_rr_t){ dns_zone_origin(z), DNS_TYPE_SOA, dns_zone_class(z),
	                                soa->ttl, len, c->soa[0] };
	c->add[c->nadd++] = (dns_rr_t){ dns_zone_origin(z), DNS_TYPE_SOA, dns_zone_class(z),
	                                soa->ttl, len, c->soa[1] };
	size_t nn = dns_zone_node_count(z), step = nn / (nrem + 1);
	for (size_t i = step; c->nrem < nrem + 1 && i < nn; i++) {
		const dns_node_t *n = dns_zone_node_at(z, i);
		const dns_rrset_t *a = dns_node_rrset(n, DNS_TYPE_A);
		if (!a || (dns_node_flags(n) & DNS_NODE_NONAUTH))
			continue;
		const uint8_t *r = dns_rrset_first(a);
		c->rem[c->nrem++] = (dns_rr_t){ dns_node_name(n), DNS_TYPE_A, dns_zone_class(z),
		                                a->ttl, 4, dns_rrset_rdata(r) };
		i += step - 1;
	}
	c->addr[0] = 192, c->addr[1] = 0, c->addr[2] = 2, c->addr[3] = 1;
	for (size_t i = 0; i < nadd; i++) {
		char text[64];
		size_t l;
		snprintf(text, sizeof(text), "new%u-%zu", tag, i);
		uint8_t *nm = c->names[i];
		if (dns_name_from_text(nm, &l, text, strlen(text), dns_zone_origin(z)) != DNS_OK)
			abort();
		c->add[c->nadd++] = (dns_rr_t){ nm, DNS_TYPE_A, dns_zone_class(z), 300, 4, c->addr };
	}
}

static double time_apply(const dns_zone_t *z, const change_t *c, int rounds, size_t *mem)
{
	double t[64];
	for (int r = 0; r < rounds; r++) {
		dns_zone_t *out;
		double t0 = now();
		dns_err_t err = dns_zone_apply_diff(z, c->rem, c->nrem, c->add, c->nadd, &out);
		t[r] = now() - t0;
		if (err) {
			fprintf(stderr, "apply: %s\n", dns_strerror(err));
			exit(1);
		}
		*mem = dns_zone_memory(out);
		dns_zone_unref(out);
	}
	qsort(t, rounds, sizeof(*t), dcmp);
	return t[rounds / 2];
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: zone_patch ZONEFILE ORIGIN [ROUNDS]\n");
		return 2;
	}
	int rounds = argc > 3 ? atoi(argv[3]) : 5;
	if (rounds < 1 || rounds > 64)
		rounds = 5;
	uint8_t origin[DNS_NAME_MAX];
	size_t olen;
	if (dns_name_from_text(origin, &olen, argv[2], strlen(argv[2]), NULL) != DNS_OK) {
		fprintf(stderr, "bad origin\n");
		return 2;
	}
	dns_zf_options_t opt = { .origin = origin };
	dns_zone_t *z;
	double t0 = now();
	if (dns_zone_load_file(argv[1], &opt, &z, on_error, NULL) != DNS_OK)
		return 1;
	printf("load: %.3f s, %zu records, %zu nodes, %.1f MB\n", now() - t0, dns_zone_rr_count(z),
	       dns_zone_node_count(z), dns_zone_memory(z) / 1e6);

	double t[64];
	for (int r = 0; r < rounds && r < 3; r++) {
		t0 = now();
		dns_zone_t *y = rebuild(z);
		t[r] = now() - t0;
		dns_zone_unref(y);
	}
	qsort(t, rounds < 3 ? rounds : 3, sizeof(*t), dcmp);
	printf("from-scratch rebuild: %.3f s\n", t[(rounds < 3 ? rounds : 3) / 2]);

	static change_t c;
	size_t mem = 0;
	make_change(z, &c, 0, 1, 0);
	double d1 = time_apply(z, &c, rounds, &mem);
	printf("1-record change (+SOA): %.4f s, result %.1f MB\n", d1, mem / 1e6);
	make_change(z, &c, 50, 50, 1);
	double d100 = time_apply(z, &c, rounds, &mem);
	printf("100-record change (+SOA): %.4f s, result %.1f MB\n", d100, mem / 1e6);

	/* a chain: each version patched from the previous one */
	dns_zone_t *cur = dns_zone_ref(z);
	double worst = 0, sum = 0;
	int chain = 40;
	for (int i = 0; i < chain; i++) {
		make_change(cur, &c, 1, 1, 100 + (unsigned)i);
		dns_zone_t *next;
		t0 = now();
		if (dns_zone_apply_diff(cur, c.rem, c.nrem, c.add, c.nadd, &next) != DNS_OK) {
			fprintf(stderr, "chain apply failed\n");
			return 1;
		}
		double d = now() - t0;
		sum += d;
		worst = d > worst ? d : worst;
		dns_zone_unref(cur);
		cur = next;
	}
	printf("chain of %d 2-record changes: mean %.4f s, worst %.4f s, final %.1f MB, %zu records\n",
	       chain, sum / chain, worst, dns_zone_memory(cur) / 1e6, dns_zone_rr_count(cur));
	dns_zone_unref(cur);
	dns_zone_unref(z);
	return 0;
}
