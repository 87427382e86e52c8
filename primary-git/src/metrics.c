/*
 * metrics.c - counters, gauges and the /metrics endpoint (libevent evhttp).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "dns/daemon_net.h"
#include "dns/metrics_http.h"
#include "dns/metrics_text.h"
#include "dns/req_metrics.h"
#include "gitrepo.h"
#include "metrics.h"
#include "repo_state.h"

typedef struct zone_m {
	char *zone;
	uint32_t serial;
	bool served, failed, removed, seen;
	uint64_t errors;
	uint64_t removed_requests;   /* transfers asked for after the removal */
} zone_m_t;

typedef struct keyfile_m {
	char *file;
	bool failed, seen;
	uint64_t errors;
} keyfile_m_t;

typedef struct xfr_m {
	char *zone;
	char kind[12];
	uint64_t count;
} xfr_m_t;

struct pg_metrics {
	dns_req_metrics_t *req;      /* queries, requests by opcode, refusals */
	atomic_size_t notify_pending;
	/* dynamic updates (the writer thread) */
	_Atomic uint64_t upd_accepted, upd_refused, upd_batches, upd_commits, upd_retries,
		upd_rebases, upd_push_ms, upd_pushes;
	pthread_mutex_t lock;        /* zones, transfers and the commit */
	char commit[GITREPO_OID_HEXSIZE];  /* served; "" before the first load */
	zone_m_t *zones;
	size_t nzones;
	keyfile_m_t *keyfiles;
	size_t nkeyfiles;
	xfr_m_t *xfrs;
	size_t nxfrs;
	dns_metrics_http_t *http;    /* the /metrics endpoint, when serving */
	void (*extra)(void *ctx, FILE *out);  /* more text after ours (the guard) */
	void *extra_ctx;
	const dns_net_server_t *srv; /* its TCP counters */
};

pg_metrics_t *pg_metrics_new(unsigned workers)
{
	pg_metrics_t *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->req = dns_req_metrics_new(workers);
	if (!m->req) {
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
	for (size_t i = 0; i < m->nkeyfiles; i++)
		free(m->keyfiles[i].file);
	free(m->keyfiles);
	for (size_t i = 0; i < m->nxfrs; i++)
		free(m->xfrs[i].zone);
	free(m->zones);
	free(m->xfrs);
	dns_req_metrics_free(m->req);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

void pg_metrics_query(pg_metrics_t *m, unsigned worker, unsigned opcode, uint16_t qtype,
                      uint16_t rcode, bool tcp)
{
	if (m)
		dns_req_metrics_answered(m->req, worker, opcode, qtype, rcode, tcp);
}

dns_req_metrics_t *pg_metrics_req(pg_metrics_t *m)
{
	return m ? m->req : NULL;
}

void pg_metrics_refused(pg_metrics_t *m, dns_refusal_t why)
{
	if (m)
		dns_req_metrics_refused(m->req, why);
}

void pg_metrics_zones_begin(pg_metrics_t *m)
{
	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < m->nzones; i++)
		m->zones[i].seen = false;
	for (size_t i = 0; i < m->nkeyfiles; i++)
		m->keyfiles[i].seen = false;
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
	k = 0;
	for (size_t i = 0; i < m->nkeyfiles; i++) {
		if (m->keyfiles[i].seen)
			m->keyfiles[k++] = m->keyfiles[i];
		else
			free(m->keyfiles[i].file);
	}
	m->nkeyfiles = k;
	pthread_mutex_unlock(&m->lock);
}

/* The record of @zone, created if new; NULL on ENOMEM.  Lock held. */
static zone_m_t *zone_of(pg_metrics_t *m, const char *zone)
{
	for (size_t i = 0; i < m->nzones; i++)
		if (strcmp(m->zones[i].zone, zone) == 0)
			return &m->zones[i];
	zone_m_t *v = realloc(m->zones, (m->nzones + 1) * sizeof(*v));
	if (!v)
		return NULL;
	m->zones = v;
	char *name = strdup(zone);
	if (!name)
		return NULL;
	zone_m_t *z = &m->zones[m->nzones++];
	memset(z, 0, sizeof(*z));
	z->zone = name;
	return z;
}

void pg_metrics_zone(pg_metrics_t *m, const char *zone, uint32_t serial, bool served,
                     uint64_t load_errors, bool failed)
{
	pthread_mutex_lock(&m->lock);
	zone_m_t *z = zone_of(m, zone);
	if (z) {
		z->serial = serial;
		z->served = served;
		z->errors = load_errors;
		z->failed = failed;
		z->removed = false;
		z->seen = true;
	}
	pthread_mutex_unlock(&m->lock);
}

void pg_metrics_zone_removed(pg_metrics_t *m, const char *zone, uint32_t serial)
{
	pthread_mutex_lock(&m->lock);
	zone_m_t *z = zone_of(m, zone);
	if (z) {
		z->serial = serial;
		z->served = false;
		z->failed = false;
		z->removed = true;
		z->seen = true;
	}
	pthread_mutex_unlock(&m->lock);
}

void pg_metrics_removed_request(pg_metrics_t *m, const char *zone)
{
	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < m->nzones; i++)
		if (m->zones[i].removed && strcmp(m->zones[i].zone, zone) == 0)
			m->zones[i].removed_requests++;
	pthread_mutex_unlock(&m->lock);
}

void pg_metrics_keyfile(pg_metrics_t *m, const char *file, bool failed, uint64_t load_errors)
{
	pthread_mutex_lock(&m->lock);
	keyfile_m_t *k = NULL;
	for (size_t i = 0; i < m->nkeyfiles && !k; i++)
		if (strcmp(m->keyfiles[i].file, file) == 0)
			k = &m->keyfiles[i];
	if (!k) {
		keyfile_m_t *v = realloc(m->keyfiles, (m->nkeyfiles + 1) * sizeof(*v));
		char *name = v ? strdup(file) : NULL;
		if (v)
			m->keyfiles = v;
		if (name) {
			k = &m->keyfiles[m->nkeyfiles++];
			k->file = name;
		}
	}
	if (k) {
		k->failed = failed;
		k->errors = load_errors;
		k->seen = true;
	}
	pthread_mutex_unlock(&m->lock);
}

void pg_metrics_state(pg_metrics_t *m, const pg_repo_state_t *st)
{
	pthread_mutex_lock(&m->lock);
	gitrepo_oid_fmt(&st->commit, m->commit);
	pthread_mutex_unlock(&m->lock);
	pg_metrics_zones_begin(m);
	for (size_t i = 0; i < st->nzones; i++) {
		const pg_zone_ent_t *z = &st->zones[i];
		pg_metrics_zone(m, z->name, z->zone ? dns_zone_serial(z->zone) : 0, z->zone != NULL,
		                z->load_errors, z->failed);
	}
	/* kept until restart: a series that vanishes says nothing */
	for (size_t i = 0; i < st->nremoved; i++)
		pg_metrics_zone_removed(m, st->removed[i].name, st->removed[i].serial);
	for (size_t i = 0; i < st->nkeyfiles; i++)
		pg_metrics_keyfile(m, st->keyfiles[i].file, st->keyfiles[i].failed,
		                   st->keyfiles[i].load_errors);
	pg_metrics_zones_end(m);
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

/* One line "NAME{LABEL="VALUE"} NUMBER", the value escaped (zone names
 * may hold escapes, file names any byte). */
static void put_one(FILE *out, const char *name, const char *label, const char *value,
                    unsigned long long n)
{
	dns_metrics_u64(out, name, n, label, value, NULL);
}

static void write_zones(pg_metrics_t *m, FILE *out)
{
	fputs("# HELP dns_zone_serial SOA serial of the served version of each zone (of the last "
	      "one served, for a removed zone).\n"
	      "# TYPE dns_zone_serial gauge\n", out);
	for (size_t i = 0; i < m->nzones; i++)
		if (m->zones[i].served || m->zones[i].removed)
			put_one(out, "dns_zone_serial", "zone", m->zones[i].zone, m->zones[i].serial);
	fputs("# HELP dns_zone_load_errors_total Failed loads of each zone file.\n"
	      "# TYPE dns_zone_load_errors_total counter\n", out);
	for (size_t i = 0; i < m->nzones; i++)
		put_one(out, "dns_zone_load_errors_total", "zone", m->zones[i].zone, m->zones[i].errors);
	fputs("# HELP dns_zone_load_failed 1 while the repository's version of the zone failed to load.\n"
	      "# TYPE dns_zone_load_failed gauge\n", out);
	for (size_t i = 0; i < m->nzones; i++)
		put_one(out, "dns_zone_load_failed", "zone", m->zones[i].zone, m->zones[i].failed);
	fputs("# HELP dns_zone_removed 1 for a zone whose file was removed from the repository "
	      "(until restart).\n"
	      "# TYPE dns_zone_removed gauge\n", out);
	for (size_t i = 0; i < m->nzones; i++)
		put_one(out, "dns_zone_removed", "zone", m->zones[i].zone, m->zones[i].removed);
	fputs("# HELP dns_removed_zone_requests_total Transfers (and SOA queries of secondaries) "
	      "asked for a removed zone.\n"
	      "# TYPE dns_removed_zone_requests_total counter\n", out);
	for (size_t i = 0; i < m->nzones; i++)
		if (m->zones[i].removed)
			put_one(out, "dns_removed_zone_requests_total", "zone", m->zones[i].zone,
			        m->zones[i].removed_requests);
	fputs("# HELP dns_key_file_load_failed 1 while the repository's version of the key file "
	      "failed to load (its last good version is in use).\n"
	      "# TYPE dns_key_file_load_failed gauge\n", out);
	for (size_t i = 0; i < m->nkeyfiles; i++)
		put_one(out, "dns_key_file_load_failed", "file", m->keyfiles[i].file,
		        m->keyfiles[i].failed);
	fputs("# HELP dns_key_file_load_errors_total Failed loads of each key file.\n"
	      "# TYPE dns_key_file_load_errors_total counter\n", out);
	for (size_t i = 0; i < m->nkeyfiles; i++)
		put_one(out, "dns_key_file_load_errors_total", "file", m->keyfiles[i].file,
		        m->keyfiles[i].errors);
}

void pg_metrics_write(pg_metrics_t *m, FILE *out)
{
	dns_metrics_build_info(out, "dns-primary-git");
	dns_req_metrics_write(m->req, out);
	pthread_mutex_lock(&m->lock);
	if (m->commit[0]) {
		dns_metrics_head(out, "dns_served_commit_info", "gauge",
		                 "Always 1: the git commit whose zones are served.");
		dns_metrics_u64(out, "dns_served_commit_info", 1, "commit", m->commit, NULL);
	}
	write_zones(m, out);
	fputs("# HELP dns_transfers_total Zone transfers served.\n"
	      "# TYPE dns_transfers_total counter\n", out);
	for (size_t i = 0; i < m->nxfrs; i++)
		dns_metrics_u64(out, "dns_transfers_total", m->xfrs[i].count, "zone", m->xfrs[i].zone,
		                "kind", m->xfrs[i].kind, NULL);
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
	if (m->extra)
		m->extra(m->extra_ctx, out);
}

void pg_metrics_extra(pg_metrics_t *m, void (*fn)(void *ctx, FILE *out), void *ctx)
{
	m->extra = fn;
	m->extra_ctx = ctx;
}

/* ---- HTTP ---- */

static void write_text(void *ctx, FILE *out)
{
	pg_metrics_t *m = ctx;
	pg_metrics_write(m, out);
	if (m->srv)
		dns_daemon_net_metrics(out, m->srv);
}

dns_err_t pg_metrics_serve(pg_metrics_t *m, const dns_net_addr_t *addr,
                           const dns_net_server_t *srv, const dns_metrics_http_opts_t *opts,
                           char *err, size_t errlen)
{
	m->srv = srv;
	m->http = dns_metrics_http_start_opts((const struct sockaddr *)&addr->ss, addr->len,
	                                      write_text, m, opts, err, errlen);
	return m->http ? DNS_OK : DNS_EIO;
}

void pg_metrics_unserve(pg_metrics_t *m)
{
	if (!m)
		return;
	dns_metrics_http_stop(m->http);
	m->http = NULL;
}
