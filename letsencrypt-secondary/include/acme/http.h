/*
 * http.h - the libcurl adapter: performs one acme_request_t and hands back
 * an acme_response_t.  The only place where libacme meets the network.
 */
#ifndef ACME_HTTP_H
#define ACME_HTTP_H

#include "acme/acme.h"

#define ACME_HTTP_HEADERS_MAX 64

/*
 * Connections, TLS sessions and DNS shared by the requests of several
 * threads (libcurl's share interface with a lock per kind of data): an
 * order's dozen requests to one CA then reuse one TLS connection instead
 * of a handshake each.  Owned by the caller; free after every request
 * using it has returned.
 */
typedef struct acme_http_share acme_http_share_t;
acme_http_share_t *acme_http_share_new(void);
void acme_http_share_free(acme_http_share_t *s);

typedef struct acme_http_opts {
	acme_http_share_t *share; /* optional */
	const char *ca_file;     /* trust this CA for TLS (a test CA); NULL: the system's */
	long connect_timeout_ms; /* 0: 10 s */
	long timeout_ms;         /* whole request; 0: 30 s */
	const char *user_agent;  /* NULL: "dns-letsencrypt-secondary" */
} acme_http_opts_t;

/* A response and its storage; reset and reused by each call. */
typedef struct acme_http_result {
	acme_response_t resp;
	acme_header_t headers[ACME_HTTP_HEADERS_MAX];
	char *hdr_store[ACME_HTTP_HEADERS_MAX];
	size_t n_hdr;
	char *body;
	size_t body_len;
	char error[256]; /* transport failure, when the call fails */
} acme_http_result_t;

/*
 * Perform @req (no redirects followed, bodies over ACME_BODY_MAX refused).
 * Errors: DNS_EIO (no HTTP response: res->error says why).
 */
dns_err_t acme_http_perform(const acme_http_opts_t *opts, const acme_request_t *req,
                            acme_http_result_t *res);

void acme_http_result_free(acme_http_result_t *res);

#endif
