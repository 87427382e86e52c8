/*
 * options.h - the command line of dns-resolver.
 */
#ifndef RES_OPTIONS_H
#define RES_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "dns/daemon_net.h"
#include "dns/log.h"
#include "dns/net.h"
#include "dns/service.h"
#include "resolver/engine.h"
#include "acl.h"

#define MAX_LISTEN 16

typedef struct config {
	dns_net_addr_t listen[MAX_LISTEN];
	size_t nlisten;
	unsigned workers;
	const char *hints, *trust_anchor, *dir;
	const char *insecure[64];
	unsigned ninsecure;
	bool no_dnssec;
	bool stale_set;
	res_config_t rc;
	bool has_metrics;
	dns_net_addr_t metrics;
	dns_daemon_limits_t limits;   /* --tcp-*, --fd-reserve, --metrics-max-conns */
	dns_log_level_t log_level;
	const char *query_log;        /* --query-log FILE or "-" */
	res_acl_t allow;              /* --allow (default: loopback only) */
	const char *local[64];        /* --local-zone files */
	const char *fwd[64];          /* --forward ZONE=ADDR[:PORT] */
	unsigned nfwd;
	bool has_tls;
	size_t relay;                 /* the internal listener DoT relays to */
	dns_net_addr_t tls_listen;    /* --tls-listen (DNS over TLS) */
	const char *tls_cert, *tls_key;
	const char *control;          /* --control: dns-ctl's socket */
	unsigned nlocal;
} config_t;

/* 0 ok, 1 error (message printed, with the config file line of the
 * option at fault from @svc), 2 --help. */
int res_parse_args(config_t *c, int argc, char **argv, dns_service_t *svc);

/* The --help text. */
void res_usage(FILE *out);

#endif
