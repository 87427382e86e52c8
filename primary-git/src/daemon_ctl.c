/*
 * daemon_ctl.c - the control commands of dns-primary-git (dns-ctl):
 * status, zones, reload [ZONE], notify ZONE, stop.  They run on the
 * control loop and read the newest snapshot (daemon_t.view); `reload`
 * asks the reload thread, exactly as a NOTIFY or SIGHUP does, and is
 * answered once a reload that began after the request has ended.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "daemon_int.h"
#include "dns/log.h"
#include "gitrepo.h"

/* A `reload` call waiting for reload number @gen. */
typedef struct reload_wait {
	struct reload_wait *next;
	dns_ctl_call_t *call;
	uint64_t gen;
	uint8_t zone[DNS_NAME_MAX];   /* the zone asked about, or the root label alone */
	bool has_zone;
} reload_wait_t;

/* The newest snapshot, referenced (release with pg_snapshot_unref). */
static snapshot_t *view(daemon_t *d)
{
	pthread_mutex_lock(&d->view_lock);
	snapshot_t *s = d->view;
	if (s)
		atomic_fetch_add(&s->refs, 1);
	pthread_mutex_unlock(&d->view_lock);
	return s;
}

static const pg_zone_info_t *find_info(const snapshot_t *s, const uint8_t *origin)
{
	char want[DNS_NAME_TEXT_MAX];
	pg_name_text(origin, want, sizeof(want));
	for (size_t i = 0; i < s->ninfo; i++)
		if (strcasecmp(s->info[i].name, want) == 0)
			return &s->info[i];
	return NULL;
}

/* The zone named @text as an origin, or a "bad-arguments" answer. */
static bool parse_zone(dns_ctl_call_t *call, const char *text, uint8_t origin[DNS_NAME_MAX])
{
	size_t len;
	if (dns_name_from_text(origin, &len, text, strlen(text), dns_name_root) != DNS_OK) {
		dns_ctl_fail(call, DNS_CTL_E_ARGS, "not a domain name: %.255s", text);
		return false;
	}
	dns_name_lower(origin);
	return true;
}

static json_t *hex(const gitrepo_oid_t *oid, size_t n)
{
	char h[GITREPO_OID_HEXSIZE];
	gitrepo_oid_fmt(oid, h);
	h[n < sizeof(h) ? n : sizeof(h) - 1] = '\0';
	return json_string(h);
}

static void cmd_status(void *ctx, dns_ctl_call_t *call, unsigned argc, const char *const *argv)
{
	daemon_t *d = ctx;
	(void)argc;
	(void)argv;
	json_t *r = dns_ctl_status_base("dns-primary-git", d->started_s);
	snapshot_t *s = view(d);
	size_t failed = 0, served = 0;
	for (size_t i = 0; s && i < s->ninfo; i++) {
		failed += s->info[i].error[0] != '\0';
		served += s->info[i].served;
	}
	dns_notify_stats_t ns;
	dns_notify_sched_stats(d->sched, &ns);
	pthread_mutex_lock(&d->kept_lock);
	size_t kept = d->nkept;
	pthread_mutex_unlock(&d->kept_lock);
	json_object_set_new(r, "remote", dns_ctl_text(d->cfg->remote));
	json_object_set_new(r, "branch", dns_ctl_text(gitrepo_branch(d->repo)));
	json_object_set_new(r, "commit", s ? hex(&s->commit, GITREPO_OID_HEXSIZE) : json_null());
	json_object_set_new(r, "loaded", dns_ctl_time(s ? s->loaded_s : 0));
	json_object_set_new(r, "remote_reachable", json_boolean(!atomic_load(&d->stale)));
	json_object_set_new(r, "zones", json_integer((json_int_t)served));
	json_object_set_new(r, "zones_failed", json_integer((json_int_t)failed));
	json_object_set_new(r, "pending_updates",
	                    json_integer((json_int_t)pg_writer_pending(d->writer)));
	json_object_set_new(r, "hidden_secondaries", json_integer((json_int_t)kept));
	json_object_set_new(r, "notify", json_pack("{s:I,s:I,s:I,s:I,s:I}",
	                    "pending", (json_int_t)dns_notify_sched_pending_count(d->sched),
	                    "sent", (json_int_t)ns.sent, "acknowledged", (json_int_t)ns.acked,
	                    "refused", (json_int_t)ns.rejected,
	                    "unanswered", (json_int_t)ns.gave_up));
	pg_snapshot_unref(s);
	dns_ctl_reply(call, r);
}

static json_t *zone_row(const pg_zone_info_t *z)
{
	return json_pack("{s:o,s:o,s:o,s:I,s:o}", "zone", dns_ctl_text(z->name),
	                 "serial", z->served ? json_integer(z->serial) : json_null(),
	                 "commit", z->served ? hex(&z->commit, 12) : json_null(),
	                 "records", (json_int_t)z->records,
	                 "error", z->error[0] ? dns_ctl_text(z->error) : json_null());
}

static void cmd_zones(void *ctx, dns_ctl_call_t *call, unsigned argc, const char *const *argv)
{
	daemon_t *d = ctx;
	(void)argc;
	(void)argv;
	snapshot_t *s = view(d);
	json_t *rows = json_array();
	for (size_t i = 0; s && i < s->ninfo; i++)
		json_array_append_new(rows, zone_row(&s->info[i]));
	pg_snapshot_unref(s);
	dns_ctl_reply(call, json_pack("{s:o}", "zones", rows));
}

static void answer_reload(daemon_t *d, reload_wait_t *w, bool ok, const char *error)
{
	if (!ok) {
		dns_ctl_fail(w->call, DNS_CTL_E_FAILED, "%s", error[0] ? error : "reload failed");
		return;
	}
	snapshot_t *s = view(d);
	json_t *r = json_object();
	json_object_set_new(r, "commit", s ? hex(&s->commit, GITREPO_OID_HEXSIZE) : json_null());
	json_object_set_new(r, "zones", json_integer(s ? (json_int_t)dns_zoneset_count(s->zones) : 0));
	const pg_zone_info_t *z = s && w->has_zone ? find_info(s, w->zone) : NULL;
	if (w->has_zone && z) {
		json_object_set_new(r, "zone", dns_ctl_text(z->name));
		json_object_set_new(r, "serial", z->served ? json_integer(z->serial) : json_null());
		json_object_set_new(r, "error", z->error[0] ? dns_ctl_text(z->error) : json_null());
	} else if (w->has_zone) {
		char name[DNS_NAME_TEXT_MAX];
		pg_name_text(w->zone, name, sizeof(name));
		json_object_set_new(r, "message", json_sprintf("%s is no longer in the repository",
		                                               name));
	}
	pg_snapshot_unref(s);
	dns_ctl_reply(w->call, r);
}

void pg_ctl_reload_done(void *arg)
{
	daemon_t *d = arg;
	pthread_mutex_lock(&d->rl_lock);
	uint64_t done = d->rl_done;
	bool ok = d->rl_ok;
	char error[sizeof(d->rl_error)];
	memcpy(error, d->rl_error, sizeof(error));
	pthread_mutex_unlock(&d->rl_lock);
	reload_wait_t **p = &d->waiters;
	while (*p) {
		reload_wait_t *w = *p;
		if (w->gen > done) {
			p = &w->next;
			continue;
		}
		*p = w->next;
		answer_reload(d, w, ok, error);
		free(w);
	}
}

static void cmd_reload(void *ctx, dns_ctl_call_t *call, unsigned argc, const char *const *argv)
{
	daemon_t *d = ctx;
	reload_wait_t *w = calloc(1, sizeof(*w));
	if (!w) {
		dns_ctl_fail(call, DNS_CTL_E_FAILED, "out of memory");
		return;
	}
	if (argc == 1) {
		if (!parse_zone(call, argv[0], w->zone)) {
			free(w);
			return;
		}
		snapshot_t *s = view(d);
		bool known = s && find_info(s, w->zone);
		pg_snapshot_unref(s);
		if (!known) {
			dns_ctl_fail(call, DNS_CTL_E_NOZONE, "no such zone: %s", argv[0]);
			free(w);
			return;
		}
		w->has_zone = true;
	}
	/* the repository is reloaded as one: a zone named only narrows the answer */
	dns_log(DNS_LOG_INFO, "control: reloading", "zone", argc ? argv[0] : NULL, NULL);
	w->call = call;
	w->gen = pg_request_reload(d);
	w->next = d->waiters;
	d->waiters = w;
}

typedef struct notify_out {
	json_t *targets;
} notify_out_t;

static void notify_each(void *arg, const char *target, const char *outcome)
{
	notify_out_t *o = arg;
	json_array_append_new(o->targets, json_pack("{s:s,s:s}", "target", target, "notify",
	                                            outcome));
}

static void cmd_notify(void *ctx, dns_ctl_call_t *call, unsigned argc, const char *const *argv)
{
	daemon_t *d = ctx;
	uint8_t origin[DNS_NAME_MAX];
	(void)argc;
	if (!parse_zone(call, argv[0], origin))
		return;
	snapshot_t *s = view(d);
	const dns_zone_t *zone = s ? dns_zoneset_get(s->zones, origin) : NULL;
	if (!zone) {
		pg_snapshot_unref(s);
		dns_ctl_fail(call, DNS_CTL_E_NOZONE, "no such zone: %s", argv[0]);
		return;
	}
	char name[DNS_NAME_TEXT_MAX];
	pg_name_text(origin, name, sizeof(name));
	dns_log(DNS_LOG_INFO, "control: notifying", "zone", name, NULL);
	notify_out_t o = { json_array() };
	pg_notify_again(d, s, zone, notify_each, &o);
	json_t *r = json_pack("{s:s,s:I,s:o}", "zone", name, "serial",
	                      (json_int_t)dns_zone_serial(zone), "targets", o.targets);
	pg_snapshot_unref(s);
	dns_ctl_reply(call, r);
}

static void cmd_stop(void *ctx, dns_ctl_call_t *call, unsigned argc, const char *const *argv)
{
	daemon_t *d = ctx;
	(void)argc;
	(void)argv;
	dns_log(DNS_LOG_INFO, "control: stop", NULL);
	dns_ctl_reply(call, json_pack("{s:s}", "message", "stopping"));
	dns_net_stop(d->srv);
}

static const dns_ctl_cmd_t commands[] = {
	{ "status", "", 0, 0, "version, uptime, commit served, zones, updates, NOTIFYs", cmd_status },
	{ "zones", "", 0, 0, "every zone: serial, records, commit, load error", cmd_zones },
	{ "reload", "[ZONE]", 0, 1, "fetch the remote and reload now; answers when done",
	  cmd_reload },
	{ "notify", "ZONE", 1, 1, "send the zone's NOTIFYs again", cmd_notify },
	{ "stop", "", 0, 0, "stop the daemon (as SIGTERM)", cmd_stop },
};

int pg_ctl_start(daemon_t *d)
{
	char err[512];
	d->ctl_table = (dns_ctl_table_t){ commands, sizeof(commands) / sizeof(commands[0]), d };
	if (dns_ctl_server_open(dns_net_control_base(d->srv), d->cfg->control, d->cfg->state_dir,
	                        &d->ctl_table, &d->ctl, err, sizeof(err)) != DNS_OK) {
		dns_log(DNS_LOG_ERROR, "cannot open the control socket", "error", err, NULL);
		fprintf(stderr, "dns-primary-git: %s\n", err);
		return 1;
	}
	return 0;
}

void pg_ctl_stop(daemon_t *d)
{
	while (d->waiters) {
		reload_wait_t *w = d->waiters;
		d->waiters = w->next;
		dns_ctl_fail(w->call, DNS_CTL_E_STOPPING, "the daemon is stopping");
		free(w);
	}
	dns_ctl_server_free(d->ctl);
	d->ctl = NULL;
}
