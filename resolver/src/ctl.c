/*
 * ctl.c - the control commands of dns-resolver (see ctl.h).  `flush` is
 * not offered: the engine's cache, negative and NSEC stores have no
 * removal by name yet.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ctl.h"
#include "dns/control_unix.h"
#include "dns/log.h"

struct res_ctl {
	dns_ctl_server_t *srv;
	dns_ctl_table_t table;
	res_engine_t *e;
	pthread_mutex_t *mu;
	dns_net_server_t *net;
	uint64_t started_s;
};

#define J(v) ((json_int_t)(v))

static void cmd_status(void *ctx, dns_ctl_call_t *call, unsigned argc, const char *const *argv)
{
	res_ctl_t *c = ctx;
	res_stats_t st;
	(void)argc;
	(void)argv;
	pthread_mutex_lock(c->mu);   /* the resolver thread holds it only while it calls the engine */
	res_engine_stats(c->e, &st);
	pthread_mutex_unlock(c->mu);
	json_t *r = dns_ctl_status_base("dns-resolver", c->started_s);
	json_object_set_new(r, "client_queries", json_integer(J(st.client_queries)));
	json_object_set_new(r, "cache_answers", json_integer(J(st.cache_answers)));
	json_object_set_new(r, "waiting", json_integer(J(st.clients)));
	json_object_set_new(r, "fetches", json_integer(J(st.fetches)));
	json_object_set_new(r, "upstream_queries", json_integer(J(st.upstream_queries)));
	json_object_set_new(r, "upstream_timeouts", json_integer(J(st.upstream_timeouts)));
	json_object_set_new(r, "answers", json_pack("{s:I,s:I,s:I}", "noerror",
	                    J(st.answers_noerror), "nxdomain", J(st.answers_nxdomain), "servfail",
	                    J(st.answers_servfail)));
	json_object_set_new(r, "dnssec", json_pack("{s:I,s:I,s:I}", "secure", J(st.val_secure),
	                    "insecure", J(st.val_insecure), "bogus", J(st.val_bogus)));
	json_object_set_new(r, "cache", json_pack("{s:I,s:I,s:I}", "entries", J(st.cache.entries),
	                    "bytes", J(st.cache.bytes), "evictions", J(st.cache.evictions)));
	dns_ctl_reply(call, r);
}

static void cmd_stop(void *ctx, dns_ctl_call_t *call, unsigned argc, const char *const *argv)
{
	res_ctl_t *c = ctx;
	(void)argc;
	(void)argv;
	dns_log(DNS_LOG_INFO, "control: stop", NULL);
	dns_ctl_reply(call, json_pack("{s:s}", "message", "stopping"));
	dns_net_stop(c->net);
}

static const dns_ctl_cmd_t commands[] = {
	{ "status", "", 0, 0, "version, uptime, queries, answers, validation, cache", cmd_status },
	{ "stop", "", 0, 0, "stop the daemon (as SIGTERM)", cmd_stop },
};

dns_err_t res_ctl_start(const char *path, const char *dir, res_engine_t *e, pthread_mutex_t *mu,
                        dns_net_server_t *srv, res_ctl_t **out, char *err, size_t errlen)
{
	*out = NULL;
	if (!path && !dir)
		return DNS_OK;
	if (!path && mkdir(dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "--dir %s: %s", dir, strerror(errno));
		return DNS_EIO;
	}
	res_ctl_t *c = calloc(1, sizeof *c);
	if (!c) {
		snprintf(err, errlen, "control socket: out of memory");
		return DNS_ENOMEM;
	}
	*c = (res_ctl_t){ .e = e, .mu = mu, .net = srv, .started_s = dns_ctl_mono_s() };
	c->table = (dns_ctl_table_t){ commands, sizeof commands / sizeof commands[0], c };
	dns_err_t r = dns_ctl_server_open(dns_net_control_base(srv), path, dir, &c->table, &c->srv,
	                                  err, errlen);
	if (r != DNS_OK || !c->srv) {
		free(c);
		return r;
	}
	*out = c;
	return DNS_OK;
}

void res_ctl_free(res_ctl_t *c)
{
	if (!c)
		return;
	dns_ctl_server_free(c->srv);
	free(c);
}
