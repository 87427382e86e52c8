/*
 * control_unix.h - the control protocol (control.h) on a Unix stream
 * socket, served on a daemon's libevent base (dns-net's control loop,
 * dns_net_control_base): every handler runs on that loop's thread, where
 * the daemon's state may be touched.
 *
 * The socket file is made with mode 0600 (only the daemon's user may
 * control it).  A file left at the path by a daemon that died is
 * replaced; a socket another process still answers on is not (start
 * fails: two daemons would fight over one path), nor is a file that is
 * not a socket.  The file is removed when the server is freed, if it is
 * still ours.  Connections are bounded (the one over the bound is told
 * "busy" and closed); a request must arrive whole, and a reply be read,
 * within io_timeout_ms; a command must answer within call_timeout_ms.
 */
#ifndef DNS_CONTROL_UNIX_H
#define DNS_CONTROL_UNIX_H

#include <stdint.h>

#include "dns/control.h"

struct event_base;

typedef struct dns_ctl_server_config {
	const char *path;            /* the socket file */
	const dns_ctl_table_t *table;
	unsigned max_conns;          /* 0: 16 */
	uint32_t io_timeout_ms;      /* 0: 10000 */
	uint32_t call_timeout_ms;    /* 0: 600000 (a reload's fetch may take minutes) */
} dns_ctl_server_config_t;

typedef struct dns_ctl_server dns_ctl_server_t;

/*
 * Bind @cfg->path and serve on @base (copied: the table must outlive the
 * server).  On failure *out is NULL and @err says why, e.g. "control
 * socket /x/control.sock: another process answers on it".
 */
dns_err_t dns_ctl_server_start(struct event_base *base, const dns_ctl_server_config_t *cfg,
                               dns_ctl_server_t **out, char *err, size_t errlen);

/*
 * A daemon's control socket: at @path when given (any failure is an
 * error), else at <@state_dir>/control.sock when @state_dir is given (a
 * path too long for a socket address is logged, and the daemon runs
 * without one), else none (*out NULL).  The socket in use is logged.
 */
dns_err_t dns_ctl_server_open(struct event_base *base, const char *path, const char *state_dir,
                              const dns_ctl_table_t *table, dns_ctl_server_t **out, char *err,
                              size_t errlen);

/* On @base's thread: close every connection (calls still held by
 * handlers are detached), remove the socket file; NULL is fine. */
void dns_ctl_server_free(dns_ctl_server_t *s);

#endif
