/*
 * main.c - dns-primary-git: serve the zones of a git repository.
 */
#include <stdio.h>

#include "config.h"
#include "daemon.h"
#include "dns/log.h"
#include "dns/service.h"

int main(int argc, char **argv)
{
	static pg_config_t cfg;
	static dns_service_t svc;
	char err[1024];
	int status = 2;
	switch (dns_service_args(&svc, "dns-primary-git", argc, argv, err, sizeof(err))) {
	case DNS_SERVICE_EXIT_OK:
		status = 0;
		goto out;
	case DNS_SERVICE_USAGE:
		fprintf(stderr, "dns-primary-git: %s\nTry 'dns-primary-git --help'.\n", err);
		goto out;
	case DNS_SERVICE_RUN:
		break;
	}
	switch (pg_config_parse(&cfg, svc.argc, svc.argv, err, sizeof(err))) {
	case PG_CLI_EXIT_OK:
		status = 0;
		goto out;
	case PG_CLI_USAGE:
		fprintf(stderr, "dns-primary-git: %s%s\nTry 'dns-primary-git --help'.\n",
		        dns_service_where(&svc, cfg.bad_arg), err);
		goto out;
	case PG_CLI_RUN:
		break;
	}
	cfg.svc = &svc;
	dns_log_set_level(cfg.log_level);
	status = pg_daemon_main(&cfg);
out:
	dns_service_end(&svc);
	return status;
}
