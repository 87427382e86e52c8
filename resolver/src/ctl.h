/*
 * ctl.h - the control commands of dns-resolver (dns-ctl): status and
 * stop, on dns-net's control loop.
 */
#ifndef RES_CTL_H
#define RES_CTL_H

#include <pthread.h>

#include "dns/net.h"
#include "resolver/engine.h"

typedef struct res_ctl res_ctl_t;

/*
 * Open the control socket: at @path (--control), else <@dir>/control.sock
 * when --dir is given (the directory is made if missing), else none (*out
 * NULL).  The engine is read under
 * @mu.  On failure @err says why.
 */
dns_err_t res_ctl_start(const char *path, const char *dir, res_engine_t *e, pthread_mutex_t *mu,
                        dns_net_server_t *srv, res_ctl_t **out, char *err, size_t errlen);

/* On the control loop, or once it has stopped; NULL is fine. */
void res_ctl_free(res_ctl_t *c);

#endif
