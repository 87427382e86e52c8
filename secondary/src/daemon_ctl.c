/*
 * daemon_ctl.c - the control commands of dns-secondary (dns-ctl): status,
 * zones, refresh ZONE, retransfer ZONE, stop.  They run on the control
 * loop, where the follower runs; refresh and retransfer are answered
 * once the zone's SOA check or transfer has ended (a refresh that finds a
 * newer serial ends with its transfer).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon_int.h"
#include "dns/log.h"

/* A refresh or retransfer call waiting for zone @zone's next outcome. */
typedef struct sec_wait {
	struct sec_wait *next;
	dns_ctl_call_t *call;
	size_t zone;
	uint64_t outcomes;     /* the zone's count when asked */
	bool retransfer;
} sec_wait_t;

/* Zone @text's index, or SIZE_MAX with the call answered. */
static size_t find_zone(sec_daemon_t *d, dns_ctl_call_t *call, const char *text)
{
	uint8_t origin[DNS_NAME_MAX];
	size_t len;
	if (dns_name_from_text(origin, &len, text, strlen(text), dns_name_root) != DNS_OK) {
		dns_ctl_fail(call, DNS_CTL_E_ARGS, "not a domain name: %.255s", text);
		return SIZE_MAX;
	}
	dns_name_lower(origin);
	size_t i = dns_follow_find(d->follow, origin);
	if (i == (size_t)-1) {
		dns_ctl_fail(call, DNS_CTL_E_NOZONE, "no such zone: %.255s", text);
		return SIZE_MAX;
	}
	return i;
}

static json_t *serial_of(sec_daemon_t *d, size_t i)
{
	return dns_follow_zone(d->follow, i) ? json_integer(dns_follow_serial(d->follow, i))
	                                     : json_null();
}

static void cmd_status(void *ctx, dns_ctl_call_t *call, unsigned argc, const char *const *argv)
{
	sec_daemon_t *d = ctx;
	(void)argc;
	(void)argv;
	size_t serving = 0, expired = 0, failing = 0;
	for (size_t i = 0; i < d->nzones; i++) {
		serving += dns_follow_serving(d->follow, i);
		expired += dns_follow_state(d->follow, i) == DNS_FOLLOW_EXPIRED_STATE;
		failing += d->zones[i].last_error[0] != '\0';
	}
	json_t *r = dns_ctl_status_base("dns-secondary", d->started_s);
	json_object_set_new(r, "zones", json_integer((json_int_t)d->nzones));
	json_object_set_new(r, "zones_serving", json_integer((json_int_t)serving));
	json_object_set_new(r, "zones_expired", json_integer((json_int_t)expired));
	json_object_set_new(r, "zones_failing", json_integer((json_int_t)failing));
	json_object_set_new(r, "hidden", json_boolean(d->cfg.hidden));
	json_object_set_new(r, "state_dir", d->cfg.state_dir ? dns_ctl_text(d->cfg.state_dir)
	                                                     : json_null());
	json_object_set_new(r, "queries", json_integer((json_int_t)dns_req_metrics_answered_total(d->req)));
	json_object_set_new(r, "notify_pending",
	                    json_integer((json_int_t)atomic_load(&d->m_notify_pending)));
	dns_ctl_reply(call, r);
}

static json_t *zone_row(sec_daemon_t *d, size_t i)
{
	const sec_zone_t *z = &d->zones[i];
	char primary[DNS_NET_ADDR_TEXT_MAX];
	dns_net_addr_format((const struct sockaddr *)&z->conf->primary.ss, primary, sizeof primary);
	uint64_t contact = dns_follow_last_contact(d->follow, i);
	uint64_t expire = dns_follow_expire_at(d->follow, i);
	return json_pack("{s:o,s:o,s:s,s:s,s:o,s:o,s:o}", "zone", dns_ctl_text(z->conf->name),
	                 "serial", serial_of(d, i), "primary", primary,
	                 "state", dns_follow_state_name(dns_follow_state(d->follow, i)),
	                 "last_refresh", dns_ctl_time(contact / 1000),
	                 "expires", dns_ctl_time(expire / 1000),
	                 "error", z->last_error[0] ? dns_ctl_text(z->last_error) : json_null());
}

static void cmd_zones(void *ctx, dns_ctl_call_t *call, unsigned argc, const char *const *argv)
{
	sec_daemon_t *d = ctx;
	(void)argc;
	(void)argv;
	json_t *rows = json_array();
	for (size_t i = 0; i < d->nzones; i++)
		json_array_append_new(rows, zone_row(d, i));
	dns_ctl_reply(call, json_pack("{s:o}", "zones", rows));
}

static void wait_outcome(sec_daemon_t *d, dns_ctl_call_t *call, size_t i, bool retransfer)
{
	sec_wait_t *w = calloc(1, sizeof *w);
	if (!w) {
		dns_ctl_fail(call, DNS_CTL_E_FAILED, "out of memory");
		return;
	}
	*w = (sec_wait_t){ d->waiters, call, i, d->zones[i].outcomes, retransfer };
	d->waiters = w;
	if (retransfer)
		dns_follow_retransfer(d->follow, i);
	else
		dns_follow_refresh(d->follow, i);
	sec_ctl_outcome(d);   /* a check that ended at once (cannot send) is answered too */
}

static void cmd_refresh(void *ctx, dns_ctl_call_t *call, unsigned argc, const char *const *argv)
{
	sec_daemon_t *d = ctx;
	(void)argc;
	size_t i = find_zone(d, call, argv[0]);
	if (i != SIZE_MAX)
		wait_outcome(d, call, i, false);
}

static void cmd_retransfer(void *ctx, dns_ctl_call_t *call, unsigned argc,
                           const char *const *argv)
{
	sec_daemon_t *d = ctx;
	(void)argc;
	size_t i = find_zone(d, call, argv[0]);
	if (i != SIZE_MAX)
		wait_outcome(d, call, i, true);
}

static void answer(sec_daemon_t *d, sec_wait_t *w)
{
	const sec_zone_t *z = &d->zones[w->zone];
	if (z->last == DNS_FOLLOW_FAILED) {
		dns_ctl_fail(w->call, DNS_CTL_E_FAILED, "%s: %s", z->conf->name, z->last_error);
		return;
	}
	json_t *r = json_pack("{s:o,s:o,s:s}", "zone", dns_ctl_text(z->conf->name), "serial",
	                      serial_of(d, w->zone), "state",
	                      dns_follow_state_name(dns_follow_state(d->follow, w->zone)));
	if (z->last == DNS_FOLLOW_APPLIED) {
		json_object_set_new(r, "transfer",
		                    json_string(z->last_xfr == DNS_FOLLOW_IXFR ? "IXFR" : "AXFR"));
		json_object_set_new(r, "records_received", json_integer((json_int_t)z->last_records));
	} else {
		json_object_set_new(r, "message", json_string("up to date"));
	}
	dns_ctl_reply(w->call, r);
}

/* Timer (after the follower's event is handled): answer the calls whose
 * zone has had an outcome since they asked and is idle now. */
static void check_waiters(void *arg)
{
	sec_daemon_t *d = arg;
	sec_wait_t **p = &d->waiters;
	while (*p) {
		sec_wait_t *w = *p;
		if (d->zones[w->zone].outcomes == w->outcomes || dns_follow_busy(d->follow, w->zone)) {
			p = &w->next;
			continue;
		}
		*p = w->next;
		answer(d, w);
		free(w);
	}
}

void sec_ctl_outcome(sec_daemon_t *d)
{
	/* not now: the follower is still inside its event (its state machine
	 * moves on after the callback returns) */
	if (d->waiters && d->ctl_timer)
		dns_net_timer_arm(d->ctl_timer, 0, false);
}

static void cmd_stop(void *ctx, dns_ctl_call_t *call, unsigned argc, const char *const *argv)
{
	sec_daemon_t *d = ctx;
	(void)argc;
	(void)argv;
	dns_log(DNS_LOG_INFO, "control: stop", NULL);
	dns_ctl_reply(call, json_pack("{s:s}", "message", "stopping"));
	dns_net_stop(d->srv);
}

static const dns_ctl_cmd_t commands[] = {
	{ "status", "", 0, 0, "version, uptime, zones serving, expired, failing", cmd_status },
	{ "zones", "", 0, 0, "every zone: serial, primary, state, last refresh, expiry, error",
	  cmd_zones },
	{ "refresh", "ZONE", 1, 1, "check the primary's serial now (transfer if newer)",
	  cmd_refresh },
	{ "retransfer", "ZONE", 1, 1, "transfer the whole zone (AXFR) now", cmd_retransfer },
	{ "stop", "", 0, 0, "stop the daemon (as SIGTERM)", cmd_stop },
};

int sec_ctl_start(sec_daemon_t *d)
{
	char err[512];
	d->ctl_table = (dns_ctl_table_t){ commands, sizeof commands / sizeof commands[0], d };
	d->ctl_timer = dns_net_timer_new(d->srv, check_waiters, d);
	if (!d->ctl_timer)
		return 1;
	if (dns_ctl_server_open(dns_net_control_base(d->srv), d->cfg.control, d->cfg.state_dir,
	                        &d->ctl_table, &d->ctl, err, sizeof err) != DNS_OK) {
		dns_log(DNS_LOG_ERROR, "cannot open the control socket", "error", err, NULL);
		fprintf(stderr, "dns-secondary: %s\n", err);
		return 1;
	}
	return 0;
}

void sec_ctl_stop(sec_daemon_t *d)
{
	while (d->waiters) {
		sec_wait_t *w = d->waiters;
		d->waiters = w->next;
		dns_ctl_fail(w->call, DNS_CTL_E_STOPPING, "the daemon is stopping");
		free(w);
	}
	dns_ctl_server_free(d->ctl);
	d->ctl = NULL;
	if (d->ctl_timer)
		dns_net_timer_free(d->ctl_timer);
	d->ctl_timer = NULL;
}
