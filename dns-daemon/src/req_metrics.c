/*
 * req_metrics.c - answered requests by opcode/type/rcode/transport, and
 * refusals by reason (see req_metrics.h).
 */
#include <stdatomic.h>
#include <stdlib.h>

#include "dns/metrics_text.h"
#include "dns/msg.h"
#include "dns/req_metrics.h"
#include "dns/rrtype.h"

/* Query types with a label of their own; the rest count as "OTHER". */
static const uint16_t q_types[] = {
	DNS_TYPE_A, DNS_TYPE_NS, DNS_TYPE_CNAME, DNS_TYPE_SOA, DNS_TYPE_PTR, DNS_TYPE_MX,
	DNS_TYPE_TXT, DNS_TYPE_AAAA, DNS_TYPE_SRV, DNS_TYPE_NAPTR, DNS_TYPE_DS, DNS_TYPE_DNSKEY,
	DNS_TYPE_TLSA, DNS_TYPE_SVCB, DNS_TYPE_HTTPS, DNS_TYPE_CAA, DNS_TYPE_ANY, DNS_TYPE_AXFR,
	DNS_TYPE_IXFR,
};
#define NTYPES (sizeof(q_types) / sizeof(q_types[0]) + 1)
#define NRCODES 24 /* 0..22, and 23 for the rest ("OTHER") */
#define NOPS 3     /* NOTIFY, UPDATE, OTHER: QUERY is summed from the query cells */
#define QCELLS (NTYPES * NRCODES * 2)
#define OCELLS (NOPS * NRCODES * 2)
#define WCELLS (QCELLS + OCELLS)

static const char *const op_names[NOPS] = { "NOTIFY", "UPDATE", "OTHER" };

struct dns_req_metrics {
	unsigned workers;
	_Atomic uint64_t *cells;    /* [worker][QCELLS query cells, then OCELLS opcode cells] */
	_Atomic uint64_t refused[DNS_REFUSAL_COUNT];
};

dns_req_metrics_t *dns_req_metrics_new(unsigned workers)
{
	dns_req_metrics_t *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->workers = workers ? workers : 1;
	m->cells = calloc((size_t)m->workers * WCELLS, sizeof(*m->cells));
	if (!m->cells) {
		free(m);
		return NULL;
	}
	return m;
}

void dns_req_metrics_free(dns_req_metrics_t *m)
{
	if (!m)
		return;
	free(m->cells);
	free(m);
}

static size_t type_index(uint16_t qtype)
{
	for (size_t i = 0; i < NTYPES - 1; i++)
		if (q_types[i] == qtype)
			return i;
	return NTYPES - 1;
}

static size_t op_index(unsigned opcode)
{
	return opcode == DNS_OPCODE_NOTIFY ? 0 : opcode == DNS_OPCODE_UPDATE ? 1 : 2;
}

void dns_req_metrics_answered(dns_req_metrics_t *m, unsigned worker, unsigned opcode,
                              uint16_t qtype, unsigned rcode, bool tcp)
{
	if (!m || worker >= m->workers)
		return;
	size_t rc = rcode < NRCODES - 1 ? rcode : NRCODES - 1;
	size_t i = (size_t)worker * WCELLS;
	if (opcode == DNS_OPCODE_QUERY)
		i += (type_index(qtype) * NRCODES + rc) * 2 + tcp;
	else
		i += QCELLS + (op_index(opcode) * NRCODES + rc) * 2 + tcp;
	/* One writer per cell: a relaxed load and store, no read-modify-write. */
	uint64_t v = atomic_load_explicit(&m->cells[i], memory_order_relaxed);
	atomic_store_explicit(&m->cells[i], v + 1, memory_order_relaxed);
}

void dns_req_metrics_refused(dns_req_metrics_t *m, dns_refusal_t why)
{
	if (m && (unsigned)why < DNS_REFUSAL_COUNT)
		atomic_fetch_add_explicit(&m->refused[why], 1, memory_order_relaxed);
}

/* The sum over workers of cell @off of each worker's block. */
static uint64_t sum(const dns_req_metrics_t *m, size_t off)
{
	uint64_t s = 0;
	for (unsigned w = 0; w < m->workers; w++)
		s += atomic_load_explicit(&m->cells[(size_t)w * WCELLS + off], memory_order_relaxed);
	return s;
}

uint64_t dns_req_metrics_answered_total(dns_req_metrics_t *m)
{
	uint64_t n = 0;
	for (size_t i = 0; m && i < (size_t)m->workers * WCELLS; i++)
		n += atomic_load_explicit(&m->cells[i], memory_order_relaxed);
	return n;
}

static const char *rcode_label(size_t rc, char *buf, size_t cap)
{
	return rc == NRCODES - 1 ? "OTHER" : dns_rcode_text((unsigned)rc, buf, cap);
}

static void write_queries(dns_req_metrics_t *m, FILE *out, uint64_t query_rc[NRCODES][2])
{
	dns_metrics_head(out, "dns_queries_total", "counter",
	                 "QUERY requests answered (transfers included), by question type, rcode "
	                 "and transport.");
	for (size_t ti = 0; ti < NTYPES; ti++) {
		for (size_t rc = 0; rc < NRCODES; rc++) {
			for (size_t t = 0; t < 2; t++) {
				uint64_t n = sum(m, (ti * NRCODES + rc) * 2 + t);
				query_rc[rc][t] += n;
				if (!n)
					continue;
				char type[24], rb[16];
				if (ti == NTYPES - 1)
					snprintf(type, sizeof(type), "OTHER");
				else
					dns_rrtype_to_text(q_types[ti], type, sizeof(type));
				dns_metrics_u64(out, "dns_queries_total", n, "type", type, "rcode",
				                rcode_label(rc, rb, sizeof(rb)), "transport",
				                t ? "tcp" : "udp", NULL);
			}
		}
	}
}

void dns_req_metrics_write(dns_req_metrics_t *m, FILE *out)
{
	uint64_t query_rc[NRCODES][2] = { { 0 } };
	write_queries(m, out, query_rc);
	dns_metrics_head(out, "dns_requests_total", "counter",
	                 "Requests answered, by opcode (QUERY, NOTIFY, UPDATE, OTHER), rcode and "
	                 "transport.");
	for (size_t op = 0; op <= NOPS; op++) {
		for (size_t rc = 0; rc < NRCODES; rc++) {
			for (size_t t = 0; t < 2; t++) {
				uint64_t n = op == 0 ? query_rc[rc][t]
				                     : sum(m, QCELLS + ((op - 1) * NRCODES + rc) * 2 + t);
				if (!n)
					continue;
				char rb[16];
				dns_metrics_u64(out, "dns_requests_total", n, "opcode",
				                op == 0 ? "QUERY" : op_names[op - 1], "rcode",
				                rcode_label(rc, rb, sizeof(rb)), "transport",
				                t ? "tcp" : "udp", NULL);
			}
		}
	}
	dns_req_metrics_write_refused(m, out);
}

void dns_req_metrics_write_refused(dns_req_metrics_t *m, FILE *out)
{
	dns_metrics_head(out, "dns_requests_refused_total", "counter",
	                 "Requests refused or failed, by reason (each also logged, rate-limited, "
	                 "as msg=\"request refused\").");
	for (unsigned r = 1; r < DNS_REFUSAL_COUNT; r++)
		dns_metrics_u64(out, "dns_requests_refused_total",
		                atomic_load_explicit(&m->refused[r], memory_order_relaxed), "reason",
		                dns_refusal_name((dns_refusal_t)r), NULL);
}
