/*
 * ocertify.h - the parts of the ocertify command: options (ocertify.c),
 * key/CSR/certificate files and runs (ocertify_run.c).
 */
#ifndef OCERTIFY_H
#define OCERTIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "dns/certify.h"

#define OC_EXIT_LOCAL 1
#define OC_EXIT_USAGE 2

typedef struct oc_opts {
	const char *server, *host, *dns_key;
	uint16_t port;
	const char *additional[DNS_CERTIFY_NAMES_MAX];
	size_t nadditional;
	const char *key_file, *csr_file, *cert_file, *ca_file, *deploy_hook, *seed;
	dns_certify_keytype_t type;
	unsigned bits;
	bool force, watch;
	int64_t wait;            /* seconds */
	int64_t renew_before;    /* seconds; < 0: a third of the lifetime */
} oc_opts_t;

typedef struct oc_state oc_state_t;

/* The exit code for a result (documented in --help and the README). */
int oc_exit_code(dns_certify_result_t r);

/* Names, key, server, key file (created if missing), CSR file.  0 or an exit code. */
int oc_prepare(oc_opts_t *o, oc_state_t **out);
void oc_state_free(oc_state_t *st);

/* One fetch; the certificate written.  The exit code. */
int oc_once(const oc_opts_t *o, oc_state_t *st);

/* Fetch, then renew at each renewal point, forever (returns only on a
 * failure that waiting cannot cure). */
int oc_watch(const oc_opts_t *o, oc_state_t *st);

#endif
