/*
 * daemon.h - dns-primary-git wired together: the git clone, the reload
 * thread, the network runtime (dns-net), NOTIFY out, metrics.
 *
 * Threads: dns-net workers run the dispatcher (dispatch.h) on the
 * published snapshot; one reload thread fetches and loads (requests are
 * coalesced: any number of NOTIFYs during a reload cause one more
 * reload); the control loop (dns_net_run) owns the NOTIFY scheduler,
 * timers and signals; the metrics endpoint has a thread of its own.
 */
#ifndef PG_DAEMON_H
#define PG_DAEMON_H

#include "config.h"

/* Run until SIGTERM/SIGINT; returns the process exit status. */
int pg_daemon_main(const pg_config_t *cfg);

#endif
