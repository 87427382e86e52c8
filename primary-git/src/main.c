/*
 * main.c - dns-primary-git: serve the zones of a git repository.
 */
#include <stdio.h>

#include "config.h"
#include "daemon.h"
#include "dns/log.h"

int main(int argc, char **argv)
{
	static pg_config_t cfg;
	char err[512];
	switch (pg_config_parse(&cfg, argc, argv, err, sizeof(err))) {
	case PG_CLI_EXIT_OK:
		return 0;
	case PG_CLI_USAGE:
		fprintf(stderr, "dns-primary-git: %s\nTry 'dns-primary-git --help'.\n", err);
		return 2;
	case PG_CLI_RUN:
		break;
	}
	dns_log_set_level(cfg.log_level);
	return pg_daemon_main(&cfg);
}
