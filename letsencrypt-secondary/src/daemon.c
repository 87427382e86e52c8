/*
 * dns-letsencrypt-secondary - a hidden secondary of dns-primary-git that
 * turns the CSRs published in its zones into certificates by ACME DNS-01
 * and writes them back (README "## dns-letsencrypt-secondary").
 *
 * One libevent base runs everything: the zone follower (libdnsfollow,
 * registered as a hidden secondary with each zone's key, so NOTIFYs
 * arrive on the kept connection), dns-net's query engine (UPDATEs to the
 * primary, propagation checks), the orders (daemon_order.c; their HTTP
 * requests run in worker threads), the sweeps and their timer.  The
 * Prometheus endpoint runs on its own thread and reads the counters
 * under a mutex.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "acme/jws.h"
#include "daemon_int.h"
#include "dns/authority.h"
#include "dns/log.h"
#include "dns/metrics_http.h"
#include "dns/metrics_text.h"
#include "dns/name.h"
#include "dns/service.h"

int64_t les_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void les_csr_digest(const les_csr_t *c, uint8_t out[32])
{
	unsigned int len = 32;
	if (EVP_Digest(c->der, c->der_len, out, &len, EVP_sha256(), NULL) != 1)
		memset(out, 0, 32);
}

les_name_t *les_name_get(les_daemon_t *d, const char *host)
{
	for (size_t i = 0; i < d->nnames; i++)
		if (strcmp(d->names[i].host, host) == 0)
			return &d->names[i];
	if (d->nnames == d->cap_names) {
		size_t cap = d->cap_names ? 2 * d->cap_names : 16;
		les_name_t *n = realloc(d->names, cap * sizeof *n);
		if (!n)
			return NULL;
		d->names = n;
		d->cap_names = cap;
	}
	les_name_t *n = &d->names[d->nnames++];
	memset(n, 0, sizeof *n);
	snprintf(n->host, sizeof n->host, "%s", host);
	return n;
}

void les_daemon_zones(les_daemon_t *d, les_zone_t *out)
{
	for (size_t i = 0; i < d->cfg->nzones; i++)
		out[i] = (les_zone_t){.origin = d->cfg->origins[i],
		                      .zone = dns_follow_serving(d->follow, i)
		                                  ? dns_follow_zone(d->follow, i) : NULL};
}

void les_metrics_add(les_daemon_t *d, const char *result, double wait)
{
	les_metrics_t *m = &d->metrics;
	pthread_mutex_lock(&m->mu);
	if (strcmp(result, "request") == 0)
		m->acme_requests++;
	else if (strcmp(result, "valid") == 0)
		m->orders_valid++;
	else if (strcmp(result, "failed") == 0)
		m->orders_failed++;
	else if (strcmp(result, "refused") == 0)
		m->orders_refused++;
	if (wait >= 0) {
		m->prop_wait_sum += wait;
		m->prop_wait_count++;
		m->prop_wait_last = wait;
	}
	pthread_mutex_unlock(&m->mu);
}

/* @v escaped as a label value (dns-daemon's metrics_text.h). */
static const char *label(const char *v, char *buf, size_t cap)
{
	dns_metrics_label_buf(buf, cap, v);
	return buf;
}

static void metrics_write(void *ctx, FILE *out)
{
	les_daemon_t *d = ctx;
	les_metrics_t *m = &d->metrics;
	int64_t now = les_now_ms() / 1000;
	char host[3 * DNS_CERTIFY_NAME_LEN]; /* escaped: a byte is at most 3 */
	dns_metrics_build_info(out, "dns-letsencrypt-secondary");
	pthread_mutex_lock(&m->mu);
	fprintf(out, "# TYPE les_orders_total counter\n"
	             "les_orders_total{result=\"valid\"} %lu\n"
	             "les_orders_total{result=\"failed\"} %lu\n"
	             "les_orders_total{result=\"refused\"} %lu\n"
	             "# TYPE les_acme_requests_total counter\nles_acme_requests_total %lu\n"
	             "# TYPE les_propagation_wait_seconds summary\n"
	             "les_propagation_wait_seconds_sum %.3f\nles_propagation_wait_seconds_count %lu\n"
	             "# TYPE les_propagation_wait_last_seconds gauge\n"
	             "les_propagation_wait_last_seconds %.3f\n"
	             "# TYPE les_certificate_remaining_seconds gauge\n",
	        m->orders_valid, m->orders_failed, m->orders_refused, m->acme_requests,
	        m->prop_wait_sum, m->prop_wait_count, m->prop_wait_last);
	for (size_t i = 0; i < d->nvalid; i++)
		fprintf(out, "les_certificate_remaining_seconds{host=\"%s\"} %lld\n",
		        label(d->certs[i].host, host, sizeof host),
		        (long long)(d->certs[i].not_after - now));
	pthread_mutex_unlock(&m->mu);
}

/* ---- sweeps ---- */

static void note_cert(les_daemon_t *d, const les_csr_t *c)
{
	pthread_mutex_lock(&d->metrics.mu);
	void *n = realloc(d->certs, (d->nvalid + 1) * sizeof *d->certs);
	if (n) {
		d->certs = n;
		snprintf(d->certs[d->nvalid].host, sizeof d->certs[0].host, "%s", c->host);
		d->certs[d->nvalid++].not_after = c->not_after;
	}
	pthread_mutex_unlock(&d->metrics.mu);
}

static void lower(int64_t *next, int64_t t)
{
	if (t < *next)
		*next = t;
}

/*
 * A certificate in DNS for @c: when to renew it.  The CA's renewal info
 * (RFC 9773), when it offers it, decides (a random point in its window,
 * earlier or later than the lifetime rule); else the scan's rule (a third
 * of the lifetime left, half for <= 10 days).  Returns true when an ARI
 * fetch is due now (the caller starts it).
 */
static bool renewal_time(les_name_t *nm, const les_csr_t *c, int64_t now, int64_t *renew_ms)
{
	uint8_t h[32];
	unsigned int hl = sizeof h;
	*renew_ms = c->renew_at * 1000;
	if (EVP_Digest(c->cert_der, c->cert_len, h, &hl, EVP_sha256(), NULL) != 1)
		return false;
	if (memcmp(h, nm->ari_cert, sizeof h) != 0) {   /* another certificate */
		memset(&nm->ari, 0, sizeof nm->ari);
		memcpy(nm->ari_cert, h, sizeof h);
	}
	if (nm->ari.renew_at_ms && now < c->not_after * 1000)
		*renew_ms = nm->ari.renew_at_ms;
	return nm->ari.next_fetch_ms <= now;
}

/* What to do about one CSR now; *next is lowered to when to look again. */
static void consider(les_daemon_t *d, const les_csr_t *c, int64_t now, int64_t *next)
{
	les_name_t *nm = les_name_get(d, c->host);
	if (!nm || nm->in_flight)
		return;
	if (c->state == LES_CSR_VALID || (c->state == LES_CSR_ORDER && c->cert_der)) {
		int64_t renew_ms;
		bool fetch = renewal_time(nm, c, now, &renew_ms);
		if (c->state == LES_CSR_VALID) {
			note_cert(d, c);
			nm->failures = 0;
			if (nm->writeback_pending) {   /* our write-back has come back */
				nm->writeback_pending = false;
				nm->next_ms = 0;
			}
		}
		if (fetch && d->in_flight < d->cfg->max_orders) {
			les_order_ari(d, c);
			return;
		}
		lower(next, fetch ? now + 1000 : nm->ari.next_fetch_ms);
		if (renew_ms > now) {   /* not due (by ARI, or by the lifetime rule) */
			lower(next, renew_ms);
			return;
		}
		/* due: fall through to order it as a renewal */
	}
	if (nm->writeback_pending) {
		uint8_t h[32];
		les_csr_digest(c, h);
		if (memcmp(h, nm->csr_sha256, sizeof h) != 0) {
			/* another CSR since our order: it is not waiting for ours */
			nm->writeback_pending = false;
			nm->next_ms = 0;
		}
	}
	/* after a restart the status record remembers the backoff */
	if (c->has_status && c->status.state == DNS_CERTIFY_STATE_FAILED && c->status.has_retry &&
	    nm->next_ms == 0 && c->status.retry * 1000 > now)
		nm->next_ms = c->status.retry * 1000;
	if (nm->next_ms > now) {
		if (nm->next_ms < *next)
			*next = nm->next_ms;
		return;
	}
	if (c->state == LES_CSR_REJECT && c->has_status &&
	    c->status.state == DNS_CERTIFY_STATE_FAILED && strcmp(c->status.error, c->error) == 0)
		return;   /* already said; the CSR has to change */
	if (d->in_flight >= d->cfg->max_orders) {
		if (now + 1000 < *next)
			*next = now + 1000;
		return;
	}
	if (c->state == LES_CSR_REJECT) {
		dns_log(DNS_LOG_WARN, "CSR refused", "host", c->host, "error", c->error, "detail",
		        c->detail, NULL);
		les_order_refuse(d, c);
	} else {
		/* in_flight holds the name while the order runs, its end sets
		 * next_ms (backoff, or the write-back wait); this only spaces
		 * out attempts whose start failed (out of memory) */
		nm->next_ms = now + 30000;
		les_order_start(d, c);
	}
}

static void sweep(les_daemon_t *d)
{
	int64_t now = les_now_ms(), next = now + 86400000;   /* at least daily */
	les_zone_t zones[LES_ZONES_MAX];
	les_daemon_zones(d, zones);
	pthread_mutex_lock(&d->metrics.mu);
	d->nvalid = 0;
	pthread_mutex_unlock(&d->metrics.mu);
	for (size_t zi = 0; zi < d->cfg->nzones; zi++) {
		les_csr_t *c = NULL;
		size_t n = 0;
		if (les_scan_zone(zones, d->cfg->nzones, zi, now / 1000, &c, &n) != DNS_OK)
			dns_log(DNS_LOG_ERROR, "out of memory scanning", "zone", dns_follow_name(d->follow, zi),
			        NULL);
		for (size_t i = 0; i < n; i++) {
			consider(d, &c[i], now, &next);
			les_csr_clear(&c[i]);
		}
		free(c);
	}
	les_daemon_sweep_in(d, next - now);
}

static void sweep_cb(evutil_socket_t fd, short what, void *arg)
{
	sweep(arg);
}

void les_daemon_sweep_in(les_daemon_t *d, int64_t ms)
{
	if (d->stopping)
		return;
	if (ms < 0)
		ms = 0;
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
	/* an earlier sweep already pending stays */
	struct timeval cur;
	if (evtimer_pending(d->sweep_ev, &cur)) {
		struct timeval now;
		event_base_gettimeofday_cached(d->base, &now);
		int64_t left = ((int64_t)cur.tv_sec - now.tv_sec) * 1000 + (cur.tv_usec - now.tv_usec) / 1000;
		if (left <= ms)
			return;
	}
	evtimer_add(d->sweep_ev, &tv);
}

static void on_follow(void *arg, const dns_follow_event_t *ev)
{
	les_daemon_t *d = arg;
	char s[16];
	snprintf(s, sizeof s, "%u", ev->serial);
	switch (ev->kind) {
	case DNS_FOLLOW_APPLIED:
		dns_log(DNS_LOG_INFO, "zone transferred", "zone", ev->name, "serial", s, "xfr",
		        ev->xfr == DNS_FOLLOW_IXFR ? "ixfr" : "axfr", NULL);
		les_daemon_sweep_in(d, 0);
		break;
	case DNS_FOLLOW_FAILED:
	case DNS_FOLLOW_UNREGISTERED:
		dns_log(DNS_LOG_WARN, ev->kind == DNS_FOLLOW_FAILED ? "refresh failed" : "unregistered",
		        "zone", ev->name, "error", ev->error, NULL);
		break;
	case DNS_FOLLOW_REGISTERED:
		dns_log(DNS_LOG_INFO, "registered as hidden secondary", "zone", ev->name, NULL);
		break;
	default:
		break;
	}
}

/* ---- command line ---- */

static void usage(FILE *f)
{
	fputs("Usage: dns-letsencrypt-secondary --primary ADDR[:PORT] --key NAME:ALG:SECRET... [options]\n"
	      "\n"
	      "Follow the zones of dns-primary-git as a hidden secondary, order a certificate\n"
	      "by ACME DNS-01 for every CSR published at _letsencrypt._tcp.<host> (TLSA 3 255 0)\n"
	      "and write it back (TLSA 3 0 0 and 0 0 0) with a status TXT record.\n"
	      "\n"
	      "  --primary ADDR[:PORT]     the primary (port 53 by default)\n"
	      "  --key NAME:ALG:SECRET     <label>._update.<zone> key; repeatable, one per zone\n"
	      "  --acme-directory URL      ACME directory (default: Let's Encrypt staging)\n"
	      "  --production              Let's Encrypt's production directory\n"
	      "  --ca-file PEM             trust this CA for the ACME server's TLS\n"
	      "  --account-key FILE        account key (created, mode 0600, when missing)\n"
	      "  --account-key-seed TEXT   derive the account key from a secret\n"
	      "  --account-key-type T      es256 (default) or rs256\n"
	      "  --email ADDR              account contact\n"
	      "  --eab-kid KID --eab-hmac-key B64URL   external account binding\n"
	      "  --preferred-chain CN      the chain whose top issuer has this CN\n"
	      "  --profile NAME            certificate profile (when the CA lists it)\n"
	      "  --caa-identity DOMAIN     the CA's CAA domain when its directory names none\n"
	      "  --check ADDR[:PORT]       also check this server for propagation; repeatable\n"
	      "  --check-only              check only the --check servers, not the NS set\n"
	      "  --propagation-timeout S   wait at most S seconds for propagation (default 120)\n"
	      "  --max-orders N            orders in flight at most (default 4)\n"
	      "  --metrics ADDR:PORT       Prometheus text metrics at /metrics\n"
	      "  --control PATH            control socket for dns-ctl (status, stop; mode 0600;\n"
	      "                            default: none)\n"
	      "  --log-level LEVEL         debug, info, warn or error (default info)\n"
	      "  --help                    this text\n",
	      f);
	fputs(dns_service_usage, f);
}

static bool parse_addr(const char *text, dns_net_addr_t *a)
{
	if (dns_net_addr_parse(text, a) == DNS_OK)
		return true;
	char buf[128];
	snprintf(buf, sizeof buf, strchr(text, ':') ? "[%s]:53" : "%s:53", text);
	return dns_net_addr_parse(buf, a) == DNS_OK;
}

static bool add_key(les_config_t *c, const char *text)
{
	if (c->nzones == LES_ZONES_MAX)
		return false;
	dns_tsig_key_t *k = &c->keys[c->nzones];
	dns_op_t op;
	const uint8_t *zone;
	if (dns_tsig_key_from_text(k, text, strlen(text)) != DNS_OK ||
	    dns_key_operation(k->name, &op, &zone) != DNS_OK || op != DNS_OP_UPDATE || !zone[0]) {
		fprintf(stderr, "dns-letsencrypt-secondary: --key %.*s...: need "
		                "<label>._update.<zone>:alg:secret\n", 20, text);
		return false;
	}
	dns_name_copy(c->origins[c->nzones], zone);
	dns_name_lower(c->origins[c->nzones]);
	c->nzones++;
	return true;
}

enum { O_PRIMARY = 256, O_KEY, O_DIR, O_PROD, O_CAFILE, O_AKEY, O_ASEED, O_ATYPE, O_EMAIL,
       O_EABKID, O_EABKEY, O_CHAIN, O_PROFILE, O_CAA, O_CHECK, O_CHECKONLY, O_PTIMEOUT,
       O_MAXORD, O_METRICS, O_LOGLEVEL, O_HELP, O_CONTROL };

static int parse_args(int argc, char **argv, les_config_t *c, dns_service_t *svc)
{
	static const struct option opts[] = {
		{"primary", 1, 0, O_PRIMARY}, {"key", 1, 0, O_KEY}, {"acme-directory", 1, 0, O_DIR},
		{"production", 0, 0, O_PROD}, {"ca-file", 1, 0, O_CAFILE},
		{"account-key", 1, 0, O_AKEY}, {"account-key-seed", 1, 0, O_ASEED},
		{"account-key-type", 1, 0, O_ATYPE}, {"email", 1, 0, O_EMAIL},
		{"eab-kid", 1, 0, O_EABKID}, {"eab-hmac-key", 1, 0, O_EABKEY},
		{"preferred-chain", 1, 0, O_CHAIN}, {"profile", 1, 0, O_PROFILE},
		{"caa-identity", 1, 0, O_CAA}, {"check", 1, 0, O_CHECK},
		{"check-only", 0, 0, O_CHECKONLY}, {"propagation-timeout", 1, 0, O_PTIMEOUT},
		{"max-orders", 1, 0, O_MAXORD}, {"metrics", 1, 0, O_METRICS},
		{"log-level", 1, 0, O_LOGLEVEL}, {"help", 0, 0, O_HELP},
		{"control", 1, 0, O_CONTROL}, {0, 0, 0, 0}};
	bool have_primary = false, prod = false;
	dns_log_level_t lvl;
	int o;
	c->propagation_timeout_s = 120;
	c->max_orders = 4;
	int li = -1;   /* the long option getopt matched */
	while ((o = getopt_long(argc, argv, "", opts, &li)) != -1) {
		bool ok = true;
		switch (o) {
		case O_PRIMARY: ok = have_primary = parse_addr(optarg, &c->primary); break;
		case O_KEY: ok = add_key(c, optarg); break;
		case O_DIR: c->directory = optarg; break;
		case O_PROD: prod = true; break;
		case O_CAFILE: c->ca_file = optarg; break;
		case O_AKEY: c->account_key = optarg; break;
		case O_ASEED: c->account_key_seed = optarg; break;
		case O_ATYPE:
			ok = strcasecmp(optarg, "es256") == 0 || strcasecmp(optarg, "rs256") == 0;
			c->rsa = strcasecmp(optarg, "rs256") == 0;
			break;
		case O_EMAIL: c->email = optarg; break;
		case O_EABKID: c->eab_kid = optarg; break;
		case O_EABKEY: c->eab_hmac_key = optarg; break;
		case O_CHAIN: c->preferred_chain = optarg; break;
		case O_PROFILE: c->profile = optarg; break;
		case O_CAA: c->caa_identity = optarg; break;
		case O_CHECK:
			ok = c->ncheck < LES_CHECK_MAX && parse_addr(optarg, &c->check[c->ncheck++]);
			break;
		case O_CHECKONLY: c->check_only = true; break;
		case O_PTIMEOUT: c->propagation_timeout_s = (unsigned)atoi(optarg); ok = atoi(optarg) > 0; break;
		case O_MAXORD: c->max_orders = (unsigned)atoi(optarg); ok = atoi(optarg) > 0; break;
		case O_METRICS: c->metrics = optarg; break;
		case O_CONTROL: c->control = optarg; ok = *optarg != '\0'; break;
		case O_LOGLEVEL: ok = dns_log_level_parse(optarg, &lvl); if (ok) dns_log_set_level(lvl); break;
		case O_HELP: usage(stdout); exit(0);
		default: ok = false;
		}
		if (!ok && li >= 0 && o != '?') {
			fprintf(stderr, "dns-letsencrypt-secondary: %sbad --%s%s%s\n",
			        dns_service_where(svc, argv[optind - 1]), opts[li].name,
			        optarg ? " " : "", optarg ? optarg : "");
			return 2;
		}
		if (!ok) {
			fprintf(stderr, "dns-letsencrypt-secondary: %sbad %s\n",
			        dns_service_where(svc, argv[optind - 1]), argv[optind - 1]);
			return 2;
		}
		li = -1;
	}
	if (!have_primary || c->nzones == 0 || optind != argc || (c->check_only && !c->ncheck) ||
	    (!c->eab_kid != !c->eab_hmac_key)) {
		usage(stderr);
		return 2;
	}
	if (!c->directory)
		c->directory = prod ? LES_PRODUCTION_DIRECTORY : LES_DEFAULT_DIRECTORY;
	return 0;
}

static EVP_PKEY *account_key(const les_config_t *c)
{
	char err[256] = "";
	EVP_PKEY *k = NULL;
	bool created = false;
	acme_alg_t alg = c->rsa ? ACME_ALG_RS256 : ACME_ALG_ES256;
	dns_err_t e = c->account_key_seed
	                  ? acme_key_from_seed(alg, c->account_key_seed, strlen(c->account_key_seed),
	                                       &k, err, sizeof err)
	              : c->account_key
	                  ? acme_key_load_or_create(c->account_key, alg, &k, &created, err, sizeof err)
	                  : acme_key_generate(alg, &k, err, sizeof err);
	if (e != DNS_OK) {
		dns_log(DNS_LOG_ERROR, "account key", "error", err, NULL);
		return NULL;
	}
	if (created)
		dns_log(DNS_LOG_INFO, "account key created", "file", c->account_key, NULL);
	if (!c->account_key && !c->account_key_seed)
		dns_log(DNS_LOG_WARN, "no --account-key: a new ACME account at every start", NULL);
	return k;
}

/* The first signal lets the orders in flight delete the TXT values they
 * published (bounded by LES_STOP_GRACE_S); a second one stops at once. */
#define LES_STOP_GRACE_S 10

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	les_daemon_stop(arg);
}

void les_daemon_stop(les_daemon_t *d)
{
	if (d->stopping) {
		dns_log(DNS_LOG_INFO, "stopping now", NULL);
		event_base_loopbreak(d->base);
		return;
	}
	char n[16];
	snprintf(n, sizeof n, "%u", d->in_flight);
	dns_log(DNS_LOG_INFO, "stopping", "orders_in_flight", n, NULL);
	d->stopping = true;
	dns_service_stopping(d->svc);
	evtimer_del(d->sweep_ev);
	struct timeval grace = {LES_STOP_GRACE_S, 0};
	event_base_loopexit(d->base, &grace);
	les_order_shutdown(d);
}

static bool start_follow(les_daemon_t *d)
{
	dns_follow_zone_conf_t fc[LES_ZONES_MAX];
	for (size_t i = 0; i < d->cfg->nzones; i++)
		fc[i] = (dns_follow_zone_conf_t){.origin = d->cfg->origins[i],
		                                 .primary = d->cfg->primary,
		                                 .key = &d->cfg->keys[i], .hidden = true};
	if (dns_follow_new(d->base, fc, d->cfg->nzones, on_follow, d, &d->follow) != DNS_OK)
		return false;
	dns_follow_start(d->follow);
	return true;
}

static bool start_pipe(les_daemon_t *d)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) != 0 || fcntl(p[0], F_SETFL, O_NONBLOCK) != 0)
		return false;
	d->pipe_rd = p[0];
	d->pipe_wr = p[1];
	d->pipe_ev = event_new(d->base, p[0], EV_READ | EV_PERSIST, les_order_pipe_cb, d);
	return d->pipe_ev && event_add(d->pipe_ev, NULL) == 0;
}

static dns_metrics_http_t *start_metrics(les_daemon_t *d)
{
	dns_net_addr_t a;
	char err[256];
	if (!d->cfg->metrics)
		return NULL;
	if (dns_net_addr_parse(d->cfg->metrics, &a) != DNS_OK) {
		dns_log(DNS_LOG_ERROR, "bad --metrics address", "address", d->cfg->metrics, NULL);
		return NULL;
	}
	dns_metrics_http_t *h = dns_metrics_http_start((struct sockaddr *)&a.ss, a.len, metrics_write,
	                                               d, err, sizeof err);
	if (!h)
		dns_log(DNS_LOG_ERROR, "metrics", "error", err, NULL);
	return h;
}

static int les_main(const les_config_t *cfgp, dns_service_t *svc)
{
	const les_config_t *c = cfgp;
	char err[1024];
	signal(SIGPIPE, SIG_IGN);
	les_daemon_t d = {.cfg = (les_config_t *)c, .svc = svc, .started_s = dns_ctl_mono_s()};
	pthread_mutex_init(&d.metrics.mu, NULL);
	/* bound first, then no longer root before the account key is read */
	dns_metrics_http_t *mh = start_metrics(&d);
	if (c->metrics && !mh)
		return 1;
	if (dns_service_bound(svc, err, sizeof err) != DNS_OK) {
		dns_log(DNS_LOG_ERROR, "cannot run as a service", "error", err, NULL);
		dns_metrics_http_stop(mh);
		return 1;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	d.account_key = account_key(c);
	d.http_share = acme_http_share_new();   /* NULL: every request connects anew */
	d.base = event_base_new();
	d.netq = d.base ? dns_netq_new(d.base) : NULL;
	d.sweep_ev = d.base ? evtimer_new(d.base, sweep_cb, &d) : NULL;
	if (!d.account_key || !d.netq || !d.sweep_ev || !start_pipe(&d) || !start_follow(&d)) {
		dns_log(DNS_LOG_ERROR, "cannot start", NULL);
		return 1;
	}
	if (les_ctl_start(&d) != 0) {
		dns_metrics_http_stop(mh);
		return 1;
	}
	struct event *sigs[2] = {evsignal_new(d.base, SIGINT, on_signal, &d),
	                         evsignal_new(d.base, SIGTERM, on_signal, &d)};
	event_add(sigs[0], NULL);
	event_add(sigs[1], NULL);
	char nz[16];
	snprintf(nz, sizeof nz, "%zu", c->nzones);
	dns_log(DNS_LOG_INFO, "started", "zones", nz, "directory", c->directory, NULL);
	dns_service_ready(svc, "following %zu zones, ordering from %s", c->nzones, c->directory);
	event_base_dispatch(d.base);
	les_ctl_stop(&d);
	dns_metrics_http_stop(mh);
	dns_follow_free(d.follow);
	/* orders still running after the grace period are abandoned as they
	 * are (their worker threads die with the process); the next start
	 * orders again */
	if (d.orders)
		dns_log(DNS_LOG_WARN, "orders abandoned without cleanup", NULL);
	event_free(sigs[0]);
	event_free(sigs[1]);
	if (!d.orders) {   /* else a worker thread may still use them */
		acme_http_share_free(d.http_share);
		dns_netq_free(d.netq);
		event_free(d.sweep_ev);
		event_base_free(d.base);
	}
	EVP_PKEY_free(d.account_key);
	curl_global_cleanup();
	return 0;
}

int main(int argc, char **argv)
{
	static les_config_t cfg;
	static dns_service_t svc;
	char err[1024];
	int rc = 2;
	switch (dns_service_args(&svc, "dns-letsencrypt-secondary", argc, argv, err, sizeof err)) {
	case DNS_SERVICE_USAGE:
		fprintf(stderr, "dns-letsencrypt-secondary: %s (see --help)\n", err);
		break;
	case DNS_SERVICE_EXIT_OK:
		rc = 0;
		break;
	case DNS_SERVICE_RUN:
		rc = parse_args(svc.argc, svc.argv, &cfg, &svc);
		if (rc == 0)
			rc = les_main(&cfg, &svc);
		break;
	}
	dns_service_end(&svc);
	return rc;
}
