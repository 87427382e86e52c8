/*
 * config.h - the command line of dns-primary-git (the CLI of the spec).
 */
#ifndef PG_CONFIG_H
#define PG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dns/guard.h"
#include "dns/daemon_net.h"
#include "dns/net.h"
#include "dns/log.h"
#include "dns/service.h"

#define PG_MAX_LISTEN 64
#define PG_MAX_NOTIFY 64
#define PG_NSID_MAX 128

typedef struct pg_config {
	const char *remote;
	const char *state_dir;
	dns_net_addr_t listen[PG_MAX_LISTEN];
	size_t nlisten;
	unsigned workers;
	bool axfr;
	unsigned poll_s;             /* 0: off */
	dns_net_addr_t notify[PG_MAX_NOTIFY];
	size_t nnotify;
	bool have_metrics;
	dns_net_addr_t metrics;
	const char *ssh_key, *ssh_pubkey, *known_hosts;
	uint8_t nsid[PG_NSID_MAX];
	uint16_t nsid_len;
	dns_log_level_t log_level;
	const char *control;         /* --control; NULL: <state_dir>/control.sock */
	dns_guard_config_t guard;    /* --rrl*, --cookie-* */
	dns_daemon_limits_t limits;  /* --tcp-*, --fd-reserve, --metrics-max-conns */
	const char *query_log;       /* --query-log FILE or "-"; NULL: off */
	/* --config, --pid-file, --user, --group, systemd (set by main) */
	dns_service_t *svc;
	/* on PG_CLI_USAGE: the argv element at fault, or NULL */
	const char *bad_arg;
} pg_config_t;

typedef enum pg_cli {
	PG_CLI_RUN = 0,   /* start the daemon */
	PG_CLI_EXIT_OK,   /* --help was printed */
	PG_CLI_USAGE,     /* bad usage; @err says why */
} pg_cli_t;

/* Parse argv (getopt_long); @err gets a one-line reason on PG_CLI_USAGE. */
pg_cli_t pg_config_parse(pg_config_t *cfg, int argc, char **argv, char *err, size_t errlen);

/* The --help text. */
void pg_config_usage(FILE *out);

#endif
