/*
 * daemon_int.h - the state dns-primary-git's wiring shares between
 * daemon.c (loading, reloading, requests, start and stop) and
 * daemon_notify.c (NOTIFY out and hidden secondaries).  Private to them.
 */
#ifndef PG_DAEMON_INT_H
#define PG_DAEMON_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "dispatch.h"
#include "dns/control_unix.h"
#include "dns/guard.h"
#include "dns/daemon_net.h"
#include "dns/net.h"
#include "dns/notify.h"
#include "dns/notify_udp.h"
#include "dns/query_log.h"
#include "history.h"
#include "metrics.h"
#include "removed_seen.h"
#include "repo_state.h"
#include "writeback.h"

#define NOTIFY_TICK_MS 100       /* the NOTIFY timer: answers read, retransmissions sent */
#define RETRY_STALE_MS 30000     /* refetch while the remote was unreachable at start */
#define MAX_KEPT 256             /* hidden secondary connections at most */

/* A zone of the repository as `dns-ctl zones` shows it. */
typedef struct pg_zone_info {
	char name[DNS_NAME_TEXT_MAX];
	bool served;
	uint32_t serial;              /* served: the served version's */
	size_t records;
	gitrepo_oid_t commit;         /* served: the commit it was loaded at */
	char error[256];              /* why the repository's version is not served, or "" */
} pg_zone_info_t;

/*
 * What the workers read: published with dns_net_publish.  The control
 * loop holds a reference to the newest one too (daemon_t.view), for the
 * control commands: two owners, hence the count.
 */
typedef struct snapshot {
	dns_zoneset_t *zones;
	dns_keystore_t *keys;
	pg_history_t *history;
	uint8_t (*removed)[DNS_NAME_MAX];  /* zones whose file was removed */
	size_t nremoved;
	gitrepo_oid_t commit;
	uint64_t loaded_s;                 /* UNIX time of the load */
	pg_zone_info_t *info;              /* every zone file, by origin */
	size_t ninfo;
	atomic_uint refs;
} snapshot_t;

void pg_snapshot_unref(void *snapshot);

/* A hidden secondary: a kept TCP connection and the key it signed with. */
typedef struct kept {
	dns_net_conn_t *conn;
	uint64_t id;
	dns_tsig_key_t key;
} kept_t;

typedef struct daemon {
	const pg_config_t *cfg;
	dns_net_server_t *srv;
	pg_metrics_t *metrics;
	dns_guard_t guard;        /* rate limiting, cookies, TSIG replays */
	bool guard_ready;
	dns_query_log_t *qlog;      /* --query-log; NULL: off */

	/* the repository: the reload thread, and IXFR loads of old versions */
	pthread_mutex_t repo_lock;
	gitrepo_t *repo;
	pg_repo_state_t *state;   /* reload thread */
	pg_history_t *history;    /* reload thread */
	pg_zcache_t zcache;
	atomic_bool stale;        /* the last fetch failed */
	pg_seen_t removed_seen;   /* (removed zone, secondary) pairs warned about */

	/* reload requests, coalesced */
	pthread_t reload_thread;
	bool reload_started;
	pthread_mutex_t rl_lock;
	pthread_cond_t rl_cond;
	bool rl_pending, rl_stop;
	uint64_t rl_asked;        /* reloads asked for so far */
	uint64_t rl_done;         /* the last one run had rl_asked == rl_done when it began */
	bool rl_ok;               /* how the last one went */
	char rl_error[256];

	/* the control socket (control loop) */
	dns_ctl_server_t *ctl;
	dns_ctl_table_t ctl_table;
	uint64_t started_s;       /* CLOCK_MONOTONIC */
	pthread_mutex_t view_lock;
	snapshot_t *view;         /* the newest snapshot (a reference) */
	struct reload_wait *waiters;   /* `reload` calls waiting for their reload */
	uint64_t rl_hup;          /* the reload a SIGHUP asked for (systemd waits), or 0 */

	/* control loop */
	dns_notify_sched_t *sched;
	dns_notify_udp_t udp;       /* NOTIFY out over UDP */
	dns_net_timer_t *notify_timer, *poll_timer, *retry_timer;
	dns_daemon_net_watch_t *net_watch;   /* logs what the TCP limits did */
	dns_net_fd_budget_t *fd_budget;      /* of the DNS server */

	/* dynamic updates: the group committer */
	pg_writer_t *writer;

	/* hidden secondaries */
	pthread_mutex_t kept_lock;
	kept_t kept[MAX_KEPT];
	size_t nkept;
	uint64_t next_conn_id;
} daemon_t;

/* Wall-clock milliseconds (NOTIFY timers, update queue times). */
static inline uint64_t pg_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* A name as logs show it: no trailing dot except for the root. */
static inline void pg_name_text(const uint8_t *name, char *out, size_t cap)
{
	dns_name_to_text(name, out, cap);
	size_t n = strlen(out);
	if (n > 1 && out[n - 1] == '.')
		out[n - 1] = '\0';
}

/* Any thread: ask for a fetch + reload; returns its number (rl_asked). */
uint64_t pg_request_reload(daemon_t *d);

/* ---- daemon_ctl.c (control loop) ---- */

/* Open the control socket (start-up, before dns_net_run); 0 or 1 (fatal). */
int pg_ctl_start(daemon_t *d);
/* A reload ended (posted by the reload thread): answer the `reload` calls
 * it satisfies. */
void pg_ctl_reload_done(void *daemon);
/* Answer what still waits ("stopping") and close the socket. */
void pg_ctl_stop(daemon_t *d);

/* ---- daemon_notify.c ---- */

/* A serial change to announce, computed by the reload thread. */
typedef struct notify_job notify_job_t;

/* The NOTIFY timer (control loop): answers read, retransmissions sent. */
void pg_notify_tick(void *daemon);

/* Reload thread: what announcing @zone (served by @s) takes, computed while
 * @s is still ours; NULL on ENOMEM. */
notify_job_t *pg_notify_job_make(daemon_t *d, const snapshot_t *s, dns_zone_t *zone);

/* Once @s is published: queue the job's NOTIFYs on the control loop. */
void pg_notify_job_post(daemon_t *d, notify_job_t *j);

/* Control loop: queue the NOTIFYs of @zone (served by @s) now, as after a
 * reload; @each (may be NULL) hears every target and how it went
 * ("queued", "pending" when one waits for an answer already, or an error). */
typedef void (*pg_notify_each_fn)(void *arg, const char *target, const char *outcome);
void pg_notify_again(daemon_t *d, const snapshot_t *s, const dns_zone_t *zone,
                     pg_notify_each_fn each, void *arg);

/* Worker: keep the TCP connection of a hidden secondary (a signed SOA query
 * with a transfer-capable key) to send it NOTIFYs. */
void pg_keep_secondary(daemon_t *d, const dns_net_request_t *req, const pg_action_t *act);

/* Worker: a response on a kept connection (a hidden secondary's NOTIFY answer). */
void pg_tcp_response(daemon_t *d, const dns_net_request_t *req);

#endif
