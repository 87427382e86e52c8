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
#include "dns/net.h"
#include "dns/notify.h"
#include "dns/notify_udp.h"
#include "history.h"
#include "metrics.h"
#include "removed_seen.h"
#include "repo_state.h"
#include "writeback.h"

#define NOTIFY_TICK_MS 100       /* the NOTIFY timer: answers read, retransmissions sent */
#define RETRY_STALE_MS 30000     /* refetch while the remote was unreachable at start */
#define MAX_KEPT 256             /* hidden secondary connections at most */

/* What the workers read: published with dns_net_publish. */
typedef struct snapshot {
	dns_zoneset_t *zones;
	dns_keystore_t *keys;
	pg_history_t *history;
	uint8_t (*removed)[DNS_NAME_MAX];  /* zones whose file was removed */
	size_t nremoved;
} snapshot_t;

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

	/* control loop */
	dns_notify_sched_t *sched;
	dns_notify_udp_t udp;       /* NOTIFY out over UDP */
	dns_net_timer_t *notify_timer, *poll_timer, *retry_timer;

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

/* Worker: keep the TCP connection of a hidden secondary (a signed SOA query
 * with a transfer-capable key) to send it NOTIFYs. */
void pg_keep_secondary(daemon_t *d, const dns_net_request_t *req, const pg_action_t *act);

/* Worker: a response on a kept connection (a hidden secondary's NOTIFY answer). */
void pg_tcp_response(daemon_t *d, const dns_net_request_t *req);

#endif
