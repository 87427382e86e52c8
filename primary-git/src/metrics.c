/*
 * metrics.c - counters, gauges and the /metrics endpoint (libevent evhttp).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "dns/metrics_http.h"
#include "dns/rrtype.h"
#include "metrics.h"

/* Query types with a label of their own; the rest count as "other". */
static const uint16_t q_types[] = {
	DNS_TYPE_A, DNS_TYPE_NS, DNS_TYPE_CNAME, DNS_TYPE_SOA, DNS_TYPE_PTR, DNS_TYPE_MX,
	DNS_TYPE_TXT, DNS_TYPE_AAAA, DNS_TYPE_SRV, DNS_TYPE_NAPTR, DNS_TYPE_DS, DNS_TYPE_DNSKEY,
	DNS_TYPE_TLSA, DNS_TYPE_SVCB, DNS_TYPE_HTTPS, DNS_TYPE_CAA, DNS_TYPE_ANY, DNS_TYPE_AXFR,
	DNS_TYPE_IXFR,
};
#define NTYPES (sizeof(q_types) / sizeof(q_types[0]) + 1)
#define NRCODES 24 /* 0..22 and "other" */
#define NCELLS (NTYPES * NRCODES * 2)

static const char *const rcode_names[NRCODES] = {
	"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET",
	"NXRRSET", "NOTAUTH", "NOTZONE", "RCODE11", "RCODE12", "RCODE13", "RCODE14", "RCODE15",
	"BADVERS", "BADKEY", "BADTIME", "BADMODE", "BADNAME", "BADALG", "BADTRUNC", "OTHER",
};

typedef struct zone_m {
	char *zone;
	uint32_t serial;
	bool served, failed, seen;
	uint64_t errors;
} zone_m_t;

typedef struct xfr_m {
	char *zone;
	char kind[12];
	uint64_t count;
} xfr_m_t;

struct pg_metrics {
	unsigned workers;
	_Atomic uint64_t *cells;     /* [worker][type][rcode][transport] */
	atomic_size_t notify_pending;
	/* dynamic updates (the writer thread) */
	_Atomic uint64_t upd_accepted, upd_refused, upd_batches, upd_commits, upd_retries,
		upd_rebases, upd_push_ms, upd_pushes;
	pthread_mutex_t lock;        /* zones and transfers */
	zone_m_t *zones;
	size_t nzones;
	xfr_m_t *xfrs;
	size_t nxfrs;
	dns_metrics_http_t *http;    /* the /metrics endpoint, when serving */
};

pg_metrics_t *pg_metrics_new(unsigned workers)
{
	pg_metrics_t *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->workers = workers ? workers : 1;
	m->cells = calloc((size_t)m->workers * NCELLS, sizeof(*m->cells));
	if (!m->cells) {
		free(m);
		return NULL;
	}
	pthread_mutex_init(&m->lock, NULL);
	return m;
}

void pg_metrics_free(pg_metrics_t *m)
{
	if (!m)
		return;
	dns_metrics_http_stop(m->http);
	for (size_t i = 0; i < m->nzones; i++)
		free(m->zones[i].zone);
	for (size_t i = 0; i < m->nxfrs; i++)
		free(m->xfrs[i].zone);
	free(m->zones);
	free(m->xfrs);
	free(m->cells);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

static size_t type_index(uint16_t qtype)
{
	for (size_t i = 0; i < NTYPES - 1; i++)
		if (q_types[i] == qtype)
			return i;
	return NTYPES - 1;
}

void pg_metrics_query(pg_metrics_t *m, unsigned worker, uint16_t qtype, uint16_t rcode,
                      bool tcp)
{
	if (!m || worker >= m->workers)
		return;
	size_t rc = rcode < NRCODES - 1 ? rcode : NRCODES - 1;
	size_t i = (((size_t)worker * NTYPES + type_index(qtype)) * NRCODES + rc) * 2 + (tcp ? 1 : 0);
	/* One writer per cell: a relaxed load and store, no read-modify-write. */
	uint64_t v = atomic_load_explicit(&m->cells[i], memory_order_relaxed);
	atomic_store_explicit(&m->cells[i], v + 1, memory_order_relaxed);
}

void pg_metrics_zones_begin(pg_metrics_t *m)
{
	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < m->nzones; i++)
		m->zones[i].seen = false;
	pthread_mutex_unlock(&m->lock);
}

void pg_metrics_zones_end(pg_metrics_t *m)
{
	pthread_mutex_lock(&m->lock);
	size_t k = 0;
	for (size_t i = 0; i < m->nzones; i++) {
		if (m->zones[i].seen)
			m->zones[k++] = m->zones[i];
		else
			free(m->zones[i].zone);
	}
	m->nzones = k;
	pthread_mutex_unlock(&m->lock);
}

void pg_metrics_zone(pg_metrics_t *m, const char *zone, uint32_t serial, bool served,
                     uint64_t load_errors, bool failed)
{
	pthread_mutex_lock(&m->lock);
	zone_m_t *z = NULL;
	for (size_t i = 0; i < m->nzones; i++)
		if (strcmp(m->zones[i].zone, zone) == 0)
			z = &m->zones[i];
	if (!z) {
		zone_m_t *v = realloc(m->zones, (m->nzones + 1) * sizeof(*v));
		char *name = strdup(zone);
		if (!v || !name) {
			if (v)
				m->zones = v;
			free(name);
			pthread_mutex_unlock(&m->lock);
			return;
		}
		m->zones = v;
		z = &m->zones[m->nzones++];
		z->zone = name;
	}
	z->serial = serial;
	z->served = served;
	z->errors = load_errors;
	z->failed = failed;
	z->seen = true;
	pthread_mutex_unlock(&m->lock);
}

void pg_metrics_notify_pending(pg_metrics_t *m, size_t n)
{
	atomic_store(&m->notify_pending, n);
}

void pg_metrics_updates(pg_metrics_t *m, uint64_t accepted, uint64_t refused, uint64_t commits,
                        uint64_t retries, uint64_t rebases, uint64_t push_ms, bool pushed)
{
	atomic_fetch_add(&m->upd_accepted, accepted);
	atomic_fetch_add(&m->upd_refused, refused);
	atomic_fetch_add(&m->upd_batches, 1);
	atomic_fetch_add(&m->upd_commits, commits);
	atomic_fetch_add(&m->upd_retries, retries);
	atomic_fetch_add(&m->upd_rebases, rebases);
	if (pushed) {
		atomic_fetch_add(&m->upd_push_ms, push_ms);
		atomic_fetch_add(&m->upd_pushes, 1);
	}
}

void pg_metrics_transfer(pg_metrics_t *m, const char *zone, const char *kind)
{
	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < m->nxfrs; i++) {
		if (strcmp(m->xfrs[i].zone, zone) == 0 && strcmp(m->xfrs[i].kind, kind) == 0) {
			m->xfrs[i].count++;
			pthread_mutex_unlock(&m->lock);
			return;
		}
	}
	xfr_m_t *v = realloc(m->xfrs, (m->nxfrs + 1) * sizeof(*v));
	if (v) {
		m->xfrs = v;
		xfr_m_t *x = &v[m->nxfrs];
		if ((x->zone = strdup(zone))) {
			snprintf(x->kind, sizeof(x->kind), "%s", kind);
			x->count = 1;
			m->nxfrs++;
		}
	}
	pthread_mutex_unlock(&m->lock);
}

static void type_name(size_t ti, char *out, size_t cap)
{
	if (ti == NTYPES - 1)
		snprintf(out, cap, "OTHER");
	else
		dns_rrtype_to_text(q_types[ti], out, cap);
}

void pg_metrics_write(pg_metrics_t *m, FILE *out)
{
	fputs("# HELP dns_queries_total Requests answered, by query type, rcode and transport.\n"
	      "# TYPE dns_queries_total counter\n", out);
	for (size_t ti = 0; ti < NTYPES; ti++) {
		for (size_t rc = 0; rc < NRCODES; rc++) {
			for (int t = 0; t < 2; t++) {
				uint64_t sum = 0;
				for (unsigned w = 0; w < m->workers; w++) {
					size_t i = (((size_t)w * NTYPES + ti) * NRCODES + rc) * 2 + (size_t)t;
					sum += atomic_load_explicit(&m->cells[i], memory_order_relaxed);
				}
				if (!sum)
					continue;
				char type[24];
				type_name(ti, type, sizeof(type));
				fprintf(out, "dns_queries_total{type=\"%s\",rcode=\"%s\",transport=\"%s\"} %llu\n",
				        type, rcode_names[rc], t ? "tcp" : "udp", (unsigned long long)sum);
			}
		}
	}
	pthread_mutex_lock(&m->lock);
	fputs("# HELP dns_zone_serial SOA serial of the served version of each zone.\n"
	      "# TYPE dns_zone_serial gauge\n", out);
	for (size_t i = 0; i < m->nzones; i++)
		if (m->zones[i].served)
			fprintf(out, "dns_zone_serial{zone=\"%s\"} %u\n", m->zones[i].zone,
			        (unsigned)m->zones[i].serial);
	fputs("# HELP dns_zone_load_errors_total Failed loads of each zone file.\n"
	      "# TYPE dns_zone_load_errors_total counter\n", out);
	for (size_t i = 0; i < m->nzones; i++)
		fprintf(out, "dns_zone_load_errors_total{zone=\"%s\"} %llu\n", m->zones[i].zone,
		        (unsigned long long)m->zones[i].errors);
	fputs("# HELP dns_zone_load_failed 1 while the repository's version of the zone failed to load.\n"
	      "# TYPE dns_zone_load_failed gauge\n", out);
	for (size_t i = 0; i < m->nzones; i++)
		fprintf(out, "dns_zone_load_failed{zone=\"%s\"} %d\n", m->zones[i].zone,
		        m->zones[i].failed ? 1 : 0);
	fputs("# HELP dns_transfers_total Zone transfers served.\n"
	      "# TYPE dns_transfers_total counter\n", out);
	for (size_t i = 0; i < m->nxfrs; i++)
		fprintf(out, "dns_transfers_total{zone=\"%s\",kind=\"%s\"} %llu\n", m->xfrs[i].zone,
		        m->xfrs[i].kind, (unsigned long long)m->xfrs[i].count);
	pthread_mutex_unlock(&m->lock);
	fprintf(out, "# HELP dns_notify_pending NOTIFYs sent and not yet answered.\n"
	             "# TYPE dns_notify_pending gauge\n"
	             "dns_notify_pending %zu\n", atomic_load(&m->notify_pending));
	fprintf(out, "# HELP dns_updates_total Dynamic updates answered, by result.\n"
	             "# TYPE dns_updates_total counter\n"
	             "dns_updates_total{result=\"accepted\"} %llu\n"
	             "dns_updates_total{result=\"refused\"} %llu\n",
	        (unsigned long long)atomic_load(&m->upd_accepted),
	        (unsigned long long)atomic_load(&m->upd_refused));
	fprintf(out, "# HELP dns_update_batches_total Update batches (group commits) processed.\n"
	             "# TYPE dns_update_batches_total counter\n"
	             "dns_update_batches_total %llu\n"
	             "# HELP dns_update_commits_total Git commits made for updates.\n"
	             "# TYPE dns_update_commits_total counter\n"
	             "dns_update_commits_total %llu\n"
	             "# HELP dns_update_push_retries_total Pushes retried, by reason.\n"
	             "# TYPE dns_update_push_retries_total counter\n"
	             "dns_update_push_retries_total{reason=\"unreachable\"} %llu\n"
	             "dns_update_push_retries_total{reason=\"rejected\"} %llu\n",
	        (unsigned long long)atomic_load(&m->upd_batches),
	        (unsigned long long)atomic_load(&m->upd_commits),
	        (unsigned long long)atomic_load(&m->upd_retries),
	        (unsigned long long)atomic_load(&m->upd_rebases));
	fprintf(out, "# HELP dns_update_push_seconds Time spent pushing update batches.\n"
	             "# TYPE dns_update_push_seconds summary\n"
	             "dns_update_push_seconds_sum %.3f\n"
	             "dns_update_push_seconds_count %llu\n",
	        (double)atomic_load(&m->upd_push_ms) / 1000.0,
	        (unsigned long long)atomic_load(&m->upd_pushes));
}

/* ---- HTTP ---- */

static void write_text(void *ctx, FILE *out)
{
	pg_metrics_write(ctx, out);
}

dns_err_t pg_metrics_serve(pg_metrics_t *m, const dns_net_addr_t *addr, char *err, size_t errlen)
{
	m->http = dns_metrics_http_start((const struct sockaddr *)&addr->ss, addr->len, write_text, m,
	                                 err, errlen);
	return m->http ? DNS_OK : DNS_EIO;
}
