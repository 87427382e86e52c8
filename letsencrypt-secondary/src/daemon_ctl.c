/*
 * daemon_ctl.c - the control commands of dns-letsencrypt-secondary
 * (dns-ctl): status and stop, on the daemon's one event base.
 */
#include <stdio.h>
#include <stdlib.h>

#include "daemon_int.h"
#include "dns/control_unix.h"
#include "dns/log.h"

static void cmd_status(void *ctx, dns_ctl_call_t *call, unsigned argc, const char *const *argv)
{
	les_daemon_t *d = ctx;
	(void)argc;
	(void)argv;
	size_t serving = 0;
	for (size_t i = 0; i < d->cfg->nzones; i++)
		serving += dns_follow_serving(d->follow, i);
	json_t *r = dns_ctl_status_base("dns-letsencrypt-secondary", d->started_s);
	json_object_set_new(r, "directory", dns_ctl_text(d->cfg->directory));
	json_object_set_new(r, "account", d->account_url ? dns_ctl_text(d->account_url)
	                                                 : json_null());
	json_object_set_new(r, "zones", json_integer((json_int_t)d->cfg->nzones));
	json_object_set_new(r, "zones_serving", json_integer((json_int_t)serving));
	json_object_set_new(r, "orders_in_flight", json_integer(d->in_flight));
	json_object_set_new(r, "stopping", json_boolean(d->stopping));
	les_metrics_t *m = &d->metrics;
	pthread_mutex_lock(&m->mu);
	json_object_set_new(r, "certificates", json_integer((json_int_t)d->nvalid));
	json_object_set_new(r, "orders", json_pack("{s:I,s:I,s:I}", "valid",
	                    (json_int_t)m->orders_valid, "failed", (json_int_t)m->orders_failed,
	                    "refused", (json_int_t)m->orders_refused));
	json_object_set_new(r, "acme_requests", json_integer((json_int_t)m->acme_requests));
	pthread_mutex_unlock(&m->mu);
	dns_ctl_reply(call, r);
}

static void cmd_stop(void *ctx, dns_ctl_call_t *call, unsigned argc, const char *const *argv)
{
	les_daemon_t *d = ctx;
	(void)argc;
	(void)argv;
	dns_log(DNS_LOG_INFO, "control: stop", NULL);
	dns_ctl_reply(call, json_pack("{s:s}", "message",
	                              d->stopping ? "stopping now" : "stopping"));
	les_daemon_stop(d);
}

static const dns_ctl_cmd_t commands[] = {
	{ "status", "", 0, 0, "version, uptime, zones, orders, certificates", cmd_status },
	{ "stop", "", 0, 0, "stop as SIGTERM does (orders in flight clean up first; a second "
	  "stop stops at once)", cmd_stop },
};

int les_ctl_start(les_daemon_t *d)
{
	char err[512];
	d->ctl_table = (dns_ctl_table_t){ commands, sizeof commands / sizeof commands[0], d };
	if (dns_ctl_server_open(d->base, d->cfg->control, NULL, &d->ctl_table, &d->ctl, err,
	                        sizeof err) != DNS_OK) {
		dns_log(DNS_LOG_ERROR, "cannot open the control socket", "error", err, NULL);
		fprintf(stderr, "dns-letsencrypt-secondary: %s\n", err);
		return 1;
	}
	return 0;
}

void les_ctl_stop(les_daemon_t *d)
{
	dns_ctl_server_free(d->ctl);
	d->ctl = NULL;
}
