/*
 * daemon_order_int.h - one order's state, shared by daemon_order.c (the
 * order: directory, CAA, DNS-01, propagation, write-back, cleanup) and
 * daemon_ari.c (the renewalInfo fetch, which reuses its HTTP plumbing).
 */
#ifndef LES_DAEMON_ORDER_INT_H
#define LES_DAEMON_ORDER_INT_H

#include "daemon_int.h"

typedef enum phase { P_DIR, P_RUN, P_ARI } phase_t;
typedef void (*next_fn)(les_order_t *o, bool ok, const char *why);

struct les_order {
	les_daemon_t *d;
	les_order_t *next_order;  /* the daemon's list */
	bool abandoned;           /* shutdown: clean up, write no status */
	bool ari_only;            /* a renewalInfo fetch, not an order */
	char *ari_url;
	les_csr_t c;
	phase_t phase;
	acme_machine_t *m;
	acme_config_t cfg;
	char *replaces;
	acme_directory_t dir;
	/* HTTP on a worker thread */
	acme_http_opts_t hopts;
	acme_request_t req;
	acme_http_result_t res;
	dns_err_t herr;
	pthread_t th;
	bool http_busy;           /* a worker thread owns req/res */
	/* DNS */
	les_txt_group_t *groups;
	size_t ngroups;
	size_t zi[LES_ZONES_MAX];  /* distinct zones of the groups */
	size_t nzi, step_i;
	uint32_t serial[LES_ZONES_MAX];
	uint8_t msg[LES_MSG_MAX];
	size_t len;
	uint8_t mac[64];
	size_t maclen;
	const dns_tsig_key_t *key;
	next_fn next;
	struct { dns_net_addr_t addr; size_t zone; } srv[LES_SERVERS_MAX];
	size_t nsrv;
	unsigned probes_out;
	bool round_ok;
	char lagging[DNS_NET_ADDR_TEXT_MAX + 64];
	int64_t prop_start_ms, prop_deadline_ms;
	/* when each step ended (ms, for the "order timing" log line) */
	int64_t t_start, t_dir, t_pending, t_authz, t_prop, t_done, t_written;
	unsigned requests, polls;
	double prop_wait;
	struct event *timer;      /* the propagation rounds */
	struct event *wait_ev;    /* the machine's WAIT */
	/* outcome */
	char *chain;
	size_t chain_len;
	acme_problem_t problem;
	bool success;
};

les_order_t *les_order_new(les_daemon_t *d, const les_csr_t *c);
void les_order_free(les_order_t *o);
/* Perform o->req on a worker thread; the pipe callback continues. */
void les_order_http(les_order_t *o);

/* daemon_ari.c: the directory is in o->dir (ari_only orders) */
void les_ari_after_directory(les_order_t *o);
/* the renewalInfo answer is in o->res */
void les_ari_answer(les_order_t *o);
/* the fetch failed (@why) or, with @why NULL, ended */
void les_ari_done(les_order_t *o, const char *why);

#endif
