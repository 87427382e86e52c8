/*
 * acme_http.c - libcurl performing the ACME machine's requests.
 */
#include "acme/http.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

void acme_http_result_free(acme_http_result_t *res)
{
	for (size_t i = 0; i < res->n_hdr; i++)
		free(res->hdr_store[i]);
	free(res->body);
	memset(res, 0, sizeof *res);
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	acme_http_result_t *res = ud;
	size_t len = size * n;
	if (res->body_len + len > ACME_BODY_MAX) {
		snprintf(res->error, sizeof res->error, "response body over %u bytes", ACME_BODY_MAX);
		return 0; /* aborts the transfer */
	}
	char *b = realloc(res->body, res->body_len + len + 1);
	if (!b)
		return 0;
	memcpy(b + res->body_len, p, len);
	res->body = b;
	res->body_len += len;
	b[res->body_len] = 0;
	return len;
}

/* "Name: value\r\n" lines; kept as "Name\0value". A new status line
 * (a 100 Continue before the answer) starts the list again. */
static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
	acme_http_result_t *res = ud;
	size_t len = size * n;
	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		for (size_t i = 0; i < res->n_hdr; i++)
			free(res->hdr_store[i]);
		res->n_hdr = 0;
		return len;
	}
	const char *colon = memchr(p, ':', len);
	if (!colon || res->n_hdr == ACME_HTTP_HEADERS_MAX || len > 8192)
		return len;
	size_t nl = (size_t)(colon - p);
	const char *v = colon + 1, *end = p + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		end--;
	char *s = malloc(len + 2);
	if (!s)
		return 0;
	memcpy(s, p, nl);
	s[nl] = 0;
	memcpy(s + nl + 1, v, (size_t)(end - v));
	s[nl + 1 + (end - v)] = 0;
	res->hdr_store[res->n_hdr++] = s;
	return len;
}

static void fill_response(acme_http_result_t *res, long status)
{
	for (size_t i = 0; i < res->n_hdr; i++) {
		res->headers[i].name = res->hdr_store[i];
		res->headers[i].value = res->hdr_store[i] + strlen(res->hdr_store[i]) + 1;
	}
	res->resp.status = (int)status;
	res->resp.headers = res->headers;
	res->resp.n_headers = res->n_hdr;
	res->resp.body = res->body ? res->body : "";
	res->resp.body_len = res->body_len;
}

struct acme_http_share {
	CURLSH *sh;
	pthread_mutex_t mu[CURL_LOCK_DATA_LAST];
};

static void share_lock(CURL *c, curl_lock_data data, curl_lock_access access, void *arg)
{
	acme_http_share_t *s = arg;
	pthread_mutex_lock(&s->mu[data < CURL_LOCK_DATA_LAST ? data : 0]);
}

static void share_unlock(CURL *c, curl_lock_data data, void *arg)
{
	acme_http_share_t *s = arg;
	pthread_mutex_unlock(&s->mu[data < CURL_LOCK_DATA_LAST ? data : 0]);
}

acme_http_share_t *acme_http_share_new(void)
{
	acme_http_share_t *s = calloc(1, sizeof *s);
	if (!s || !(s->sh = curl_share_init())) {
		free(s);
		return NULL;
	}
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&s->mu[i], NULL);
	curl_share_setopt(s->sh, CURLSHOPT_LOCKFUNC, share_lock);
	curl_share_setopt(s->sh, CURLSHOPT_UNLOCKFUNC, share_unlock);
	curl_share_setopt(s->sh, CURLSHOPT_USERDATA, s);
	curl_share_setopt(s->sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
	curl_share_setopt(s->sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	curl_share_setopt(s->sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	return s;
}

void acme_http_share_free(acme_http_share_t *s)
{
	if (!s)
		return;
	curl_share_cleanup(s->sh);
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_destroy(&s->mu[i]);
	free(s);
}

dns_err_t acme_http_perform(const acme_http_opts_t *opts, const acme_request_t *req,
                            acme_http_result_t *res)
{
	acme_http_result_free(res);
	CURL *c = curl_easy_init();
	if (!c) {
		snprintf(res->error, sizeof res->error, "curl_easy_init failed");
		return DNS_EIO;
	}
	struct curl_slist *hl = NULL;
	char buf[300];
	if (req->content_type) {
		snprintf(buf, sizeof buf, "Content-Type: %s", req->content_type);
		hl = curl_slist_append(hl, buf);
	}
	if (req->accept) {
		snprintf(buf, sizeof buf, "Accept: %s", req->accept);
		hl = curl_slist_append(hl, buf);
	}
	hl = curl_slist_append(hl, "Expect:"); /* no 100-continue round trip */
	curl_easy_setopt(c, CURLOPT_URL, req->url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_USERAGENT,
	                 opts->user_agent ? opts->user_agent : "dns-letsencrypt-secondary");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https,http");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
	                 opts->connect_timeout_ms ? opts->connect_timeout_ms : 10000L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, opts->timeout_ms ? opts->timeout_ms : 30000L);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)ACME_BODY_MAX);
	if (opts->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, opts->ca_file);
	if (opts->share)
		curl_easy_setopt(c, CURLOPT_SHARE, opts->share->sh);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, res);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, res);
	if (strcmp(req->method, "HEAD") == 0) {
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	} else if (strcmp(req->method, "POST") == 0) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body ? req->body : "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
	}
	CURLcode rc = curl_easy_perform(c);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	if (rc != CURLE_OK) {
		if (!res->error[0])
			snprintf(res->error, sizeof res->error, "%s %s: %s", req->method, req->url,
			         curl_easy_strerror(rc));
		return DNS_EIO;
	}
	fill_response(res, status);
	return DNS_OK;
}
