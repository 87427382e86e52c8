/*
 * error.h - the one error convention of libdnscore.
 *
 * Every fallible function returns a dns_err_t: DNS_OK (zero) on success,
 * a positive code otherwise.  Functions that can say more (zone files,
 * rdata text) additionally fill a caller-supplied message buffer; the
 * code alone is always enough to decide what to do.
 */
#ifndef DNS_ERROR_H
#define DNS_ERROR_H

typedef enum dns_err {
	DNS_OK = 0,
	DNS_EINVAL,     /* invalid argument */
	DNS_ENOMEM,     /* allocation failed */
	DNS_ESPACE,     /* output buffer too small (e.g. message would exceed its limit) */
	DNS_EMALFORMED, /* malformed wire data */
	DNS_ESYNTAX,    /* malformed presentation text */
	DNS_ELIMIT,     /* an explicit limit was exceeded (name, label, rdata, count, depth) */
	DNS_ENOTFOUND,  /* no such item */
	DNS_EEXIST,     /* item already present */
	DNS_EIO,        /* reading or writing a file failed */
	DNS_ENOTSUP,    /* valid but not supported */
	DNS_EDENIED,    /* not permitted (policy, authority) */
	DNS_ETSIG,      /* TSIG verification failed; see the TSIG error code */
	DNS_EZONE,      /* zone content is inconsistent */
	DNS_ERR_COUNT_
} dns_err_t;

/* A short, static, human-readable description of @err. */
const char *dns_strerror(dns_err_t err);

#endif
