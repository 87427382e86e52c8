/*
 * acme_flow.c - what each ACME response means for the order: the
 * machine's transitions (RFC 8555 §7.1.6 status changes, §7.5.1 polling,
 * §6.5 badNonce).
 */
#include "acme_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acme/jws.h"

/* Come back after Retry-After, else after the next step of the backoff. */
static void poll_later(acme_machine_t *m, int64_t now, const acme_response_t *r)
{
	int64_t at;
	if (now - m->poll_start >= m->poll_timeout) {
		acme_fail(m, "timeout", "%s is still not ready, polling given up",
		          m->st == ST_AUTHZ_POLL ? m->az[m->cur].url : m->order_url);
		return;
	}
	if (acme_retry_after_parse(acme_response_header(r, "Retry-After"), now, &at) == DNS_OK) {
		/* honoured, but never past the polling bound nor into the past */
		if (at > m->poll_start + m->poll_timeout)
			at = m->poll_start + m->poll_timeout;
		m->wait_until = at > now ? at : now;
		return;
	}
	m->poll_delay = m->poll_delay ? m->poll_delay * 2 : POLL_FIRST_MS;
	if (m->poll_delay > POLL_MAX_MS)
		m->poll_delay = POLL_MAX_MS;
	m->wait_until = now + m->poll_delay;
}

static void poll_start(acme_machine_t *m, int64_t now)
{
	m->poll_start = now;
	m->poll_delay = 0;
}

static char *header_dup(const acme_response_t *r, const char *name)
{
	const char *v = acme_response_header(r, name);
	return v ? strdup(v) : NULL;
}

static void on_directory(acme_machine_t *m, const acme_response_t *r)
{
	char err[200];
	if (acme_directory_parse(r->body, r->body_len, &m->dir, err, sizeof err) != DNS_OK) {
		acme_fail(m, "malformedResponse", "%s", err);
		return;
	}
	/* a profile the CA lists none of is ignored (the CA has no profiles);
	 * one missing from a list the CA publishes is an error */
	if (m->profile && m->dir.n_profiles > 0) {
		bool found = false;
		for (size_t i = 0; i < m->dir.n_profiles; i++)
			found |= strcmp(m->dir.profiles[i], m->profile) == 0;
		if (!found) {
			acme_fail(m, "invalidProfile", "the CA offers no certificate profile \"%s\"",
			          m->profile);
			return;
		}
	}
	m->have_dir = true;
	m->st = ST_ACCOUNT;
}

static void on_account(acme_machine_t *m, const acme_response_t *r)
{
	json_t *o = acme_json_object(r->body, r->body_len);
	const char *status = json_string_value(json_object_get(o, "status"));
	free(m->kid);
	m->kid = header_dup(r, "Location");
	if (!m->kid)
		acme_fail(m, "malformedResponse", "the new account response has no Location");
	else if (status && strcmp(status, "valid") != 0)
		acme_fail(m, "unauthorized", "the ACME account is %s", status);
	else
		m->st = ST_ORDER;
	json_decref(o);
}

static void on_order(acme_machine_t *m, const acme_response_t *r)
{
	json_t *o = acme_json_object(r->body, r->body_len);
	json_t *authz = json_object_get(o, "authorizations");
	const char *fin = json_string_value(json_object_get(o, "finalize"));
	m->order_url = header_dup(r, "Location");
	size_t n = json_array_size(authz);
	if (!o || !m->order_url || !fin || n == 0 || n > ACME_NAMES_MAX) {
		acme_fail(m, "malformedResponse",
		          "the new order response lacks Location, finalize or authorizations");
		goto out;
	}
	m->finalize_url = strdup(fin);
	m->az = calloc(n, sizeof *m->az);
	m->txt = calloc(n, sizeof *m->txt);
	if (!m->az || !m->txt || !m->finalize_url) {
		acme_fail(m, "internal", "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const char *u = json_string_value(json_array_get(authz, i));
		if (!u || !(m->az[i].url = strdup(u))) {
			m->n_az = i;
			acme_fail(m, "malformedResponse", "an authorization URL is not a string");
			goto out;
		}
	}
	m->n_az = n;
	m->cur = 0;
	m->st = ST_AUTHZ;
out:
	json_decref(o);
}

/* The invalid authorization's reason: its challenge's error, else a sentence. */
static void authz_invalid(acme_machine_t *m, json_t *o, const char *ident)
{
	json_t *ch, *chs = json_object_get(o, "challenges");
	size_t i;
	json_array_foreach(chs, i, ch) {
		json_t *err = json_object_get(ch, "error");
		if (json_is_object(err)) {
			acme_problem_from_json(err, &m->problem);
			m->st = ST_FAILED;
			return;
		}
	}
	acme_fail(m, "unauthorized", "the authorization for %s is invalid", ident);
}

/* A pending authorization: its dns-01 challenge and TXT value. */
static void authz_pending(acme_machine_t *m, json_t *o, const char *ident)
{
	json_t *ch, *chs = json_object_get(o, "challenges");
	size_t i;
	json_array_foreach(chs, i, ch) {
		const char *type = json_string_value(json_object_get(ch, "type"));
		const char *url = json_string_value(json_object_get(ch, "url"));
		const char *token = json_string_value(json_object_get(ch, "token"));
		if (!type || strcmp(type, "dns-01") != 0 || !url || !token)
			continue;
		/* RFC 8555 §8.1: the token is base64url, >= 128 bits */
		if (strlen(token) < 22 || strlen(token) > 256 ||
		    strspn(token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") !=
		        strlen(token)) {
			acme_fail(m, "malformedResponse", "the dns-01 token for %s is not base64url",
			          ident);
			return;
		}
		char *v = acme_dns01_txt(token, m->thumb);
		acme_txt_t *t = &m->txt[m->n_txt];
		if (!v || !(m->az[m->cur].chall_url = strdup(url))) {
			free(v);
			acme_fail(m, "internal", "out of memory");
			return;
		}
		snprintf(t->name, sizeof t->name, "_acme-challenge.%s", ident);
		snprintf(t->value, sizeof t->value, "%s", v);
		free(v);
		m->n_txt++;
		return;
	}
	acme_fail(m, "unsupportedChallenge", "the CA offers no dns-01 challenge for %s", ident);
}

static const char *authz_ident(json_t *o)
{
	const char *id = json_string_value(json_object_get(json_object_get(o, "identifier"),
	                                                   "value"));
	if (!id || strlen(id) > 253 || strspn(id, "abcdefghijklmnopqrstuvwxyz"
	                                          "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._") !=
	                                   strlen(id))
		return NULL;
	return id;
}

static size_t next_pending(const acme_machine_t *m, size_t from)
{
	while (from < m->n_az && !m->az[from].chall_url)
		from++;
	return from;
}

static void on_authz(acme_machine_t *m, const acme_response_t *r, int64_t now)
{
	json_t *o = acme_json_object(r->body, r->body_len);
	const char *status = json_string_value(json_object_get(o, "status"));
	const char *ident = authz_ident(o);
	if (!status || !ident) {
		acme_fail(m, "malformedResponse", "the authorization %s lacks status or identifier",
		          m->az[m->cur].url);
	} else if (m->st == ST_AUTHZ && strcmp(status, "pending") == 0) {
		authz_pending(m, o, ident);
	} else if (strcmp(status, "invalid") == 0) {
		authz_invalid(m, o, ident);
	} else if (m->st == ST_AUTHZ_POLL && strcmp(status, "pending") == 0) {
		poll_later(m, now, r);
		goto out;
	} else if (strcmp(status, "valid") != 0) {
		acme_fail(m, "unauthorized", "an authorization is %s", status);
	}
	if (m->st == ST_FAILED)
		goto out;
	if (m->st == ST_AUTHZ && ++m->cur == m->n_az)
		m->st = m->n_txt ? ST_PUBLISH : ST_FINALIZE;
	else if (m->st == ST_AUTHZ_POLL) {
		m->cur = next_pending(m, m->cur + 1);
		poll_start(m, now);
		if (m->cur == m->n_az)
			m->st = ST_FINALIZE;
	}
out:
	json_decref(o);
}

static void on_challenge(acme_machine_t *m, const acme_response_t *r, int64_t now)
{
	json_t *o = acme_json_object(r->body, r->body_len);
	const char *status = json_string_value(json_object_get(o, "status"));
	if (status && strcmp(status, "invalid") == 0) {
		acme_problem_from_json(json_object_get(o, "error"), &m->problem);
		if (!m->problem.type[0])
			acme_fail(m, "unauthorized", "the challenge %s is invalid", m->az[m->cur].url);
		m->st = ST_FAILED;
	} else {
		m->cur = next_pending(m, m->cur + 1);
		if (m->cur == m->n_az) {
			m->st = ST_AUTHZ_POLL;
			m->cur = next_pending(m, 0);
			poll_start(m, now);
		}
	}
	json_decref(o);
}

static void on_order_status(acme_machine_t *m, const acme_response_t *r, int64_t now)
{
	json_t *o = acme_json_object(r->body, r->body_len);
	const char *status = json_string_value(json_object_get(o, "status"));
	const char *cert = json_string_value(json_object_get(o, "certificate"));
	if (m->st == ST_FINALIZE)
		poll_start(m, now);
	if (!status) {
		acme_fail(m, "malformedResponse", "the order %s has no status", m->order_url);
	} else if (strcmp(status, "valid") == 0 && cert) {
		m->cert_url = strdup(cert);
		m->st = ST_CERT;
	} else if (strcmp(status, "processing") == 0 ||
	           (m->st == ST_ORDER_POLL && strcmp(status, "valid") == 0)) {
		m->st = ST_ORDER_POLL;
		poll_later(m, now, r);
	} else if (strcmp(status, "invalid") == 0) {
		acme_problem_from_json(json_object_get(o, "error"), &m->problem);
		if (!m->problem.type[0])
			acme_fail(m, "orderInvalid", "the order %s is invalid", m->order_url);
		m->st = ST_FAILED;
	} else {
		acme_fail(m, "malformedResponse", "the order is %s after finalize", status);
	}
	json_decref(o);
}

static bool chain_preferred(const acme_machine_t *m, const char *pem, size_t len)
{
	char cn[256];
	return acme_chain_top_issuer(pem, len, cn, sizeof cn) && strcmp(cn, m->preferred) == 0;
}

static void on_cert(acme_machine_t *m, const acme_response_t *r)
{
	char cn[256];
	if (!acme_chain_top_issuer(r->body, r->body_len, cn, sizeof cn)) {
		acme_fail(m, "malformedResponse", "the certificate download holds no PEM certificate");
		return;
	}
	bool pick = m->st == ST_CERT || chain_preferred(m, r->body, r->body_len);
	if (pick) {
		free(m->chain);
		if (!(m->chain = malloc(r->body_len + 1))) {
			acme_fail(m, "internal", "out of memory");
			return;
		}
		memcpy(m->chain, r->body, r->body_len);
		m->chain[r->body_len] = 0;
		m->chain_len = r->body_len;
	}
	if (m->st == ST_CERT) {
		m->n_alts = acme_links(r, "alternate", m->alts, ALTS_MAX);
		m->alt_i = 0;
		bool want_alt = m->preferred && m->n_alts && !chain_preferred(m, m->chain, m->chain_len);
		m->st = want_alt ? ST_ALT : ST_DONE;
	} else if (pick || ++m->alt_i == m->n_alts) {
		/* no alternate matches: the default chain stays */
		m->st = ST_DONE;
	}
}

static void on_error(acme_machine_t *m, const acme_response_t *r, int64_t now)
{
	acme_problem_parse(r->body, r->body_len, &m->problem);
	m->problem.status = r->status;
	int64_t at;
	if (acme_retry_after_parse(acme_response_header(r, "Retry-After"), now, &at) == DNS_OK)
		m->problem.retry_at_ms = at;
	if (!m->problem.type[0] || r->status < 400)
		snprintf(m->problem.type, sizeof m->problem.type, "http%d", r->status);
	m->st = ST_FAILED;
}

void acme_machine_response(acme_machine_t *m, int64_t now_ms, const acme_response_t *r)
{
	if (m->st == ST_DONE || m->st == ST_FAILED)
		return;
	m->requests++;
	const char *nonce = acme_response_header(r, "Replay-Nonce");
	if (nonce && strlen(nonce) < 256) {
		free(m->nonce);
		m->nonce = strdup(nonce);
	}
	if (m->want_nonce) {
		m->want_nonce = false;
		if (!m->nonce)
			acme_fail(m, "badNonce", "the CA sent no Replay-Nonce from %s", m->dir.new_nonce);
		return;
	}
	if (r->status < 200 || r->status >= 300) {
		enum st prev = m->st;
		on_error(m, r, now_ms);
		/* RFC 8555 §6.5: a badNonce error carries a fresh nonce; retry, bounded */
		if (strcmp(m->problem.type, "badNonce") == 0 && prev != ST_DIR &&
		    m->bad_nonce < m->bad_nonce_max) {
			m->bad_nonce++;
			m->st = prev;
		}
		return;
	}
	m->bad_nonce = 0;
	switch (m->st) {
	case ST_DIR: on_directory(m, r); break;
	case ST_ACCOUNT: on_account(m, r); break;
	case ST_ORDER: on_order(m, r); break;
	case ST_AUTHZ:
	case ST_AUTHZ_POLL: on_authz(m, r, now_ms); break;
	case ST_CHALLENGE: on_challenge(m, r, now_ms); break;
	case ST_FINALIZE:
	case ST_ORDER_POLL: on_order_status(m, r, now_ms); break;
	case ST_CERT:
	case ST_ALT: on_cert(m, r); break;
	default: break;
	}
}

void acme_machine_transport_error(acme_machine_t *m, int64_t now_ms, const char *why)
{
	if (m->st == ST_DONE || m->st == ST_FAILED)
		return;
	m->want_nonce = false;
	acme_fail(m, "connection", "%s", why);
}
