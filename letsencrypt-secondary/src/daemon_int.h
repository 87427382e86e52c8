/*
 * daemon_int.h - what the files of dns-letsencrypt-secondary share: the
 * configuration, the daemon (one libevent base: the follower, the query
 * engine, the orders), per-name scheduling and the metrics.
 */
#ifndef LES_DAEMON_INT_H
#define LES_DAEMON_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <event2/event.h>

#include "acme/acme.h"
#include "acme/ari.h"
#include "acme/http.h"
#include "acme/solver.h"
#include "dns/control.h"
#include "dns/follow.h"
#include "dns/keys.h"
#include "dns/net.h"
#include "dns/net_query.h"

#define LES_ZONES_MAX 64
#define LES_CHECK_MAX 16
#define LES_SERVERS_MAX 32
#define LES_DEFAULT_DIRECTORY "https://acme-staging-v02.api.letsencrypt.org/directory"
#define LES_PRODUCTION_DIRECTORY "https://acme-v02.api.letsencrypt.org/directory"

typedef struct les_config {
	dns_net_addr_t primary;
	dns_tsig_key_t keys[LES_ZONES_MAX];
	uint8_t origins[LES_ZONES_MAX][DNS_NAME_MAX];
	size_t nzones;
	const char *directory;
	const char *ca_file;
	const char *account_key, *account_key_seed;
	bool rsa;
	const char *email, *eab_kid, *eab_hmac_key;
	const char *preferred_chain, *profile, *caa_identity;
	dns_net_addr_t check[LES_CHECK_MAX];
	size_t ncheck;
	bool check_only;
	unsigned propagation_timeout_s;
	unsigned max_orders;
	const char *metrics;
	const char *control;      /* --control: dns-ctl's socket, or NULL */
} les_config_t;

/* How long a name waits, after its certificate was written back, for the
 * write-back to arrive by transfer before it may be ordered again. */
#define LES_WRITEBACK_WAIT_MS (10 * 60 * 1000)

/* What is known of one name between sweeps (in memory only: after a
 * restart the status TXT's retry time is honoured instead). */
typedef struct les_name {
	char host[DNS_CERTIFY_NAME_LEN];
	unsigned failures;
	int64_t next_ms;          /* no order before this */
	bool in_flight;
	bool writeback_pending;   /* ordered; its write-back not transferred yet */
	uint8_t csr_sha256[32];   /* of the CSR ordered (a new CSR ends the wait) */
	acme_ari_state_t ari;     /* RFC 9773 renewal info of the certificate ... */
	uint8_t ari_cert[32];     /* ... whose DER has this SHA-256 */
	int64_t not_after;        /* of the certificate in DNS, 0 when none */
} les_name_t;

typedef struct les_metrics {
	pthread_mutex_t mu;
	unsigned long orders_valid, orders_failed, orders_refused;
	unsigned long acme_requests;
	double prop_wait_sum;
	unsigned long prop_wait_count;
	double prop_wait_last;
} les_metrics_t;

typedef struct les_daemon {
	les_config_t *cfg;
	struct event_base *base;
	dns_netq_t *netq;
	dns_follow_t *follow;
	EVP_PKEY *account_key;
	acme_http_share_t *http_share; /* connections to the CA, shared by the orders */
	char *account_url;        /* learned from the first order */
	les_name_t *names;
	size_t nnames, cap_names;
	unsigned in_flight;
	struct les_order *orders; /* those in flight (daemon_order.c's list) */
	bool stopping;            /* a signal came: abandon orders, clean up */
	struct event *sweep_ev;   /* the next sweep (zone change, timer) */
	int pipe_rd, pipe_wr;     /* HTTP worker threads report here */
	struct event *pipe_ev;
	les_metrics_t metrics;
	struct dns_service *svc;  /* pid file, --user, systemd */
	size_t nvalid;            /* certificates for the metrics */
	struct { char host[DNS_CERTIFY_NAME_LEN]; int64_t not_after; } *certs;
	struct dns_ctl_server *ctl;    /* the control socket (daemon_ctl.c) */
	dns_ctl_table_t ctl_table;
	uint64_t started_s;       /* CLOCK_MONOTONIC */
} les_daemon_t;

int64_t les_now_ms(void);
void les_csr_digest(const les_csr_t *c, uint8_t out[32]);
les_name_t *les_name_get(les_daemon_t *d, const char *host);
/* The zones with their current data (follower versions). */
void les_daemon_zones(les_daemon_t *d, les_zone_t *out);
/* Run a sweep soon (at most @ms from now). */
void les_daemon_sweep_in(les_daemon_t *d, int64_t ms);
void les_metrics_add(les_daemon_t *d, const char *result, double prop_wait);
/* Stop as SIGTERM does: orders in flight clean up (bounded), then the loop
 * ends; a second call ends it at once. */
void les_daemon_stop(les_daemon_t *d);

/* ---- the control socket (daemon_ctl.c) ---- */

/* Open it when --control is given; 0, or 1 (fatal). */
int les_ctl_start(les_daemon_t *d);
void les_ctl_stop(les_daemon_t *d);

/* ---- orders (daemon_order.c) ---- */

typedef struct les_order les_order_t;
/* Start ordering a certificate for @c (copied); ends by itself. */
void les_order_start(les_daemon_t *d, const les_csr_t *c);
/* Fetch the renewal info of @c's certificate (when the directory offers
 * it) into its name's ari state; writes nothing to DNS. */
void les_order_ari(les_daemon_t *d, const les_csr_t *c);
/* Write a failed status for a refused CSR (error/detail of @c). */
void les_order_refuse(les_daemon_t *d, const les_csr_t *c);
/* The HTTP worker pipe is readable. */
void les_order_pipe_cb(evutil_socket_t fd, short what, void *arg);
/* Shutting down (d->stopping set): every order stops at its next step and
 * deletes the TXT values it published; the loop exits once none is left. */
void les_order_shutdown(les_daemon_t *d);

#endif
