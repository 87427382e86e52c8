/*
 * acme_machine.c - the ACME order flow as a state machine (RFC 8555 §7):
 * directory, account, order, authorizations, DNS-01, finalize, download.
 * No I/O: requests go out through acme_machine_next, responses come back
 * through acme_machine_response.
 */
#include "acme_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acme/jws.h"

static char *sdup(const char *s) { return s ? strdup(s) : NULL; }

void acme_fail(acme_machine_t *m, const char *type, const char *fmt, ...)
{
	memset(&m->problem, 0, sizeof m->problem);
	snprintf(m->problem.type, sizeof m->problem.type, "%s", type);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m->problem.detail, sizeof m->problem.detail, fmt, ap);
	va_end(ap);
	m->st = ST_FAILED;
}

static dns_err_t config_copy(acme_machine_t *m, const acme_config_t *c, char *err, size_t errlen)
{
	if (!c->directory_url || !c->account_key || !c->csr_der || !c->csr_len) {
		snprintf(err, errlen, "the directory URL, the account key and the CSR are required");
		return DNS_EINVAL;
	}
	if (!c->eab_kid != !c->eab_hmac_key) {
		snprintf(err, errlen, "external account binding needs both its key id and HMAC key");
		return DNS_EINVAL;
	}
	acme_alg_t alg;
	if (acme_key_alg(c->account_key, &alg) != DNS_OK) {
		snprintf(err, errlen, "the account key must be P-256 (ES256) or RSA >= 2048 (RS256)");
		return DNS_ENOTSUP;
	}
	if (c->eab_hmac_key && (acme_b64url_decode(c->eab_hmac_key, &m->eab_key, &m->eab_len) ||
	                        m->eab_len == 0)) {
		snprintf(err, errlen, "the EAB HMAC key is not base64url");
		return DNS_EINVAL;
	}
	m->dir_url = sdup(c->directory_url);
	m->email = sdup(c->email);
	m->eab_kid = sdup(c->eab_kid);
	m->profile = sdup(c->profile);
	m->replaces = sdup(c->replaces);
	m->preferred = sdup(c->preferred_chain);
	m->csr = malloc(c->csr_len);
	m->thumb = acme_jwk_thumbprint(c->account_key);
	if (!m->dir_url || !m->csr || !m->thumb || (c->email && !m->email)) {
		snprintf(err, errlen, "out of memory");
		return DNS_ENOMEM;
	}
	memcpy(m->csr, c->csr_der, c->csr_len);
	m->csr_len = c->csr_len;
	EVP_PKEY_up_ref(c->account_key);
	m->key = c->account_key;
	m->bad_nonce_max = c->bad_nonce_max ? c->bad_nonce_max : 5;
	m->poll_timeout = c->poll_timeout_ms > 0 ? c->poll_timeout_ms : 600000;
	return DNS_OK;
}

dns_err_t acme_machine_new(const acme_config_t *cfg, acme_machine_t **out, char *err,
                           size_t errlen)
{
	*out = NULL;
	acme_machine_t *m = calloc(1, sizeof *m);
	if (!m || !(m->names = calloc(1, sizeof *m->names))) {
		free(m);
		snprintf(err, errlen, "out of memory");
		return DNS_ENOMEM;
	}
	dns_err_t e = config_copy(m, cfg, err, errlen);
	if (!e)
		e = acme_csr_names(cfg->csr_der, cfg->csr_len, m->names, err, errlen);
	if (e) {
		acme_machine_free(m);
		return e;
	}
	for (size_t i = 0; i < m->names->n; i++)
		m->name_ptr[i] = m->names->name[i];
	*out = m;
	return DNS_OK;
}

void acme_machine_free(acme_machine_t *m)
{
	if (!m)
		return;
	free(m->dir_url), free(m->email), free(m->eab_kid), free(m->profile);
	free(m->replaces), free(m->preferred), free(m->csr), free(m->thumb);
	OPENSSL_clear_free(m->eab_key, m->eab_len);
	EVP_PKEY_free(m->key);
	free(m->names);
	acme_directory_free(&m->dir);
	free(m->nonce), free(m->kid), free(m->order_url), free(m->finalize_url);
	free(m->cert_url);
	for (size_t i = 0; i < m->n_az; i++)
		free(m->az[i].url), free(m->az[i].chall_url);
	free(m->az);
	free(m->txt);
	free(m->chain);
	for (size_t i = 0; i < m->n_alts; i++)
		free(m->alts[i]);
	free(m->body);
	free(m);
}

size_t acme_machine_names(const acme_machine_t *m, const char *const **names)
{
	*names = m->name_ptr;
	return m->names->n;
}

const char *acme_machine_account_url(const acme_machine_t *m) { return m->kid; }
unsigned acme_machine_requests(const acme_machine_t *m) { return m->requests; }

void acme_machine_published(acme_machine_t *m)
{
	if (m->st == ST_PUBLISH) {
		m->published = true;
		m->st = ST_CHALLENGE;
		m->cur = 0;
	}
}

/* ---- requests ---- */

static char *payload_account(acme_machine_t *m)
{
	json_t *o = json_pack("{s:b}", "termsOfServiceAgreed", 1);
	if (m->email) {
		char buf[320];
		snprintf(buf, sizeof buf, "mailto:%s", m->email);
		json_object_set_new(o, "contact", json_pack("[s]", buf));
	}
	if (m->eab_kid) {
		char *eab = acme_eab_jws(m->key, m->eab_kid, m->eab_key, m->eab_len,
		                         m->dir.new_account);
		json_error_t je;
		json_t *eo = eab ? json_loads(eab, 0, &je) : NULL;
		free(eab);
		if (!eo) {
			json_decref(o);
			return NULL;
		}
		json_object_set_new(o, "externalAccountBinding", eo);
	}
	char *s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

static bool dir_has_profile(const acme_directory_t *d, const char *p)
{
	for (size_t i = 0; i < d->n_profiles; i++)
		if (strcmp(d->profiles[i], p) == 0)
			return true;
	return false;
}

static char *payload_order(acme_machine_t *m)
{
	json_t *ids = json_array();
	for (size_t i = 0; i < m->names->n; i++)
		json_array_append_new(ids, json_pack("{s:s,s:s}", "type", "dns", "value",
		                                     m->names->name[i]));
	json_t *o = json_pack("{s:o}", "identifiers", ids);
	/* RFC 9773 §5: replaces only where the CA implements ARI */
	if (m->replaces && m->dir.renewal_info)
		json_object_set_new(o, "replaces", json_string(m->replaces));
	if (m->profile && dir_has_profile(&m->dir, m->profile))
		json_object_set_new(o, "profile", json_string(m->profile));
	char *s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

static char *payload_finalize(acme_machine_t *m)
{
	char *csr = acme_b64url(m->csr, m->csr_len);
	json_t *o = csr ? json_pack("{s:s}", "csr", csr) : NULL;
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	free(csr);
	return s;
}

/* The URL and payload of the POST the state needs; *accept for downloads. */
static const char *post_for(acme_machine_t *m, char **payload, const char **accept)
{
	*accept = NULL;
	switch (m->st) {
	case ST_ACCOUNT:
		*payload = payload_account(m);
		return m->dir.new_account;
	case ST_ORDER:
		*payload = payload_order(m);
		return m->dir.new_order;
	case ST_AUTHZ:
	case ST_AUTHZ_POLL:
		*payload = strdup("");
		return m->az[m->cur].url;
	case ST_CHALLENGE:
		*payload = strdup("{}");
		return m->az[m->cur].chall_url;
	case ST_FINALIZE:
		*payload = payload_finalize(m);
		return m->finalize_url;
	case ST_ORDER_POLL:
		*payload = strdup("");
		return m->order_url;
	case ST_CERT:
		*payload = strdup("");
		*accept = "application/pem-certificate-chain";
		return m->cert_url;
	case ST_ALT:
		*payload = strdup("");
		*accept = "application/pem-certificate-chain";
		return m->alts[m->alt_i];
	default:
		*payload = NULL;
		return NULL;
	}
}

static void make_request(acme_machine_t *m, acme_action_t *act)
{
	memset(&act->req, 0, sizeof act->req);
	act->kind = ACME_ACT_REQUEST;
	free(m->body);
	m->body = NULL;
	if (m->st == ST_DIR) {
		act->req.method = "GET";
		act->req.url = m->dir_url;
		return;
	}
	if (!m->nonce) {
		m->want_nonce = true;
		act->req.method = "HEAD";
		act->req.url = m->dir.new_nonce;
		return;
	}
	char *payload = NULL;
	const char *accept;
	const char *url = post_for(m, &payload, &accept);
	if (url && payload)
		m->body = acme_jws(m->key, m->st == ST_ACCOUNT ? NULL : m->kid, m->nonce, url,
		                   payload);
	free(payload);
	/* a nonce is good for one request */
	free(m->nonce);
	m->nonce = NULL;
	if (!m->body) {
		acme_fail(m, "internal", "could not build the JWS request");
		acme_machine_next(m, 0, act);
		return;
	}
	act->req.method = "POST";
	act->req.url = url;
	act->req.content_type = "application/jose+json";
	act->req.accept = accept;
	act->req.body = m->body;
	act->req.body_len = strlen(m->body);
}

void acme_machine_next(acme_machine_t *m, int64_t now_ms, acme_action_t *act)
{
	memset(act, 0, sizeof *act);
	act->txt = m->txt;
	act->n_txt = m->n_txt;
	if (m->st == ST_DONE) {
		act->kind = ACME_ACT_DONE;
		act->chain_pem = m->chain;
		act->chain_len = m->chain_len;
		return;
	}
	if (m->st == ST_FAILED) {
		act->kind = ACME_ACT_FAILED;
		act->problem = &m->problem;
		return;
	}
	if (m->wait_until > now_ms) {
		act->kind = ACME_ACT_WAIT;
		act->until_ms = m->wait_until;
		return;
	}
	if (m->st == ST_PUBLISH) {
		act->kind = ACME_ACT_PUBLISH;
		return;
	}
	make_request(m, act);
}

