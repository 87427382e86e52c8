/*
 * client.h - the blocking IO side of a refresh: an SOA query (UDP, TCP
 * when truncated) and a zone transfer over TCP, both TSIG-signed with the
 * zone's key when it has one.  They run on a thread of their own (one per
 * running refresh); the protocol logic is in dns_xfr_in (dns-core) and the
 * decisions in zone_sm.  Every wait is bounded by a timeout, and
 * sec_client_cancel() interrupts a running call from another thread.
 */
#ifndef SEC_CLIENT_H
#define SEC_CLIENT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/xfr.h"
#include "dns/zone.h"

#include "config.h"

#define SEC_SOA_TIMEOUT_MS 2000
#define SEC_SOA_TRIES 3
#define SEC_XFR_CONNECT_TIMEOUT_MS 10000
#define SEC_XFR_READ_TIMEOUT_MS 30000

typedef struct sec_client {
	pthread_mutex_t mu;
	int fd;          /* the socket in use, -1 when none */
	bool cancelled;
} sec_client_t;

void sec_client_init(sec_client_t *c);
void sec_client_destroy(sec_client_t *c);
/* Any thread: make the running (and any later) call fail at once. */
void sec_client_cancel(sec_client_t *c);

/* Ask the primary for the zone's SOA.  *serial on success; @err says why not. */
dns_err_t sec_client_soa(sec_client_t *c, const sec_zone_conf_t *z, uint32_t *serial,
                         char *err, size_t errlen);

typedef struct sec_xfr_out {
	dns_xfr_result_t result;  /* FULL, INCREMENTAL or UPTODATE on success */
	dns_zone_t *zone;         /* the new zone (owned by the caller) */
	uint32_t serial;
	size_t records;           /* records received */
	size_t bytes;             /* message bytes received */
	unsigned messages;
} sec_xfr_out_t;

/*
 * Transfer the zone (@ixfr: IXFR from @current, else AXFR).  The result
 * is complete and consistent (dns_xfr_in checks SOA first and last, the
 * zone's records only, TSIG on the stream and the zone's consistency),
 * otherwise an error with @err saying why.
 */
dns_err_t sec_client_transfer(sec_client_t *c, const sec_zone_conf_t *z,
                              const dns_zone_t *current, bool ixfr, sec_xfr_out_t *out,
                              char *err, size_t errlen);

#endif
