/*
 * daemon_int.h - what dns-secondary's daemon.c (wiring) and daemon_ctl.c
 * (the dns-ctl commands) share.  Private to them.
 */
#ifndef SEC_DAEMON_INT_H
#define SEC_DAEMON_INT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "dns/control_unix.h"
#include "dns/follow.h"
#include "dns/guard.h"
#include "dns/daemon_net.h"
#include "dns/net.h"
#include "dns/notify.h"
#include "dns/metrics_http.h"
#include "dns/notify_udp.h"
#include "dns/query_log.h"
#include "dns/req_metrics.h"
#include "dns/service.h"

typedef struct sec_daemon sec_daemon_t;

typedef struct sec_zone {
	sec_daemon_t *d;
	const sec_zone_conf_t *conf;
	/* metrics */
	_Atomic uint32_t m_serial;
	_Atomic int m_state;
	_Atomic uint64_t m_last_refresh_s;
	_Atomic uint64_t m_axfr, m_ixfr, m_failures, m_notifies;
	_Atomic uint64_t m_served;        /* transfers served to downstream secondaries */
	/* what the control commands see (control loop) */
	uint64_t outcomes;                /* SOA checks and transfers ended so far */
	dns_follow_event_kind_t last;     /* how the last one ended */
	dns_follow_xfr_t last_xfr;        /* APPLIED: how it came */
	size_t last_records;              /* APPLIED: records received */
	char last_error[256];             /* of the last failure; "" once one succeeds */
} sec_zone_t;

struct sec_daemon {
	sec_config_t cfg;
	sec_zone_t *zones;
	size_t nzones;
	dns_keystore_t *keys;
	dns_net_server_t *srv;
	dns_follow_t *follow;
	/* NOTIFY out to downstream secondaries (control loop) */
	dns_notify_sched_t *sched;
	dns_notify_udp_t udp;       /* NOTIFY out over UDP */
	dns_net_timer_t *notify_timer;
	bool notify_timer_armed;
	dns_daemon_net_watch_t *net_watch;   /* logs what the TCP limits did */
	dns_net_fd_budget_t *fd_budget;      /* of the DNS server */
	dns_req_metrics_t *req;     /* requests answered and refused */
	dns_query_log_t *qlog;      /* --query-log; NULL: off */
	dns_net_timer_t *tick;      /* once a second: the log's suppressed counts */
	_Atomic uint64_t m_notify_pending;
	/* the control socket (control loop) */
	dns_ctl_server_t *ctl;
	dns_ctl_table_t ctl_table;
	uint64_t started_s;         /* CLOCK_MONOTONIC */
	struct sec_wait *waiters;   /* refresh/retransfer calls waiting for an outcome */
	dns_net_timer_t *ctl_timer; /* looks at them once the follower is done */
	dns_guard_t guard;          /* rate limiting, cookies, TSIG replays */
	bool guard_ready;
	dns_metrics_http_t *ms;     /* --metrics */
	dns_service_t svc;          /* --config, pid file, --user, systemd */
};

/* ---- daemon_ctl.c (control loop) ---- */

/* Open the control socket; 0, or 1 (fatal). */
int sec_ctl_start(sec_daemon_t *d);
/* A zone's SOA check or transfer ended: look at the waiting calls soon. */
void sec_ctl_outcome(sec_daemon_t *d);
/* Answer what still waits ("stopping") and close the socket. */
void sec_ctl_stop(sec_daemon_t *d);

#endif
