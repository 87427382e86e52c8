/*
 * flow.c - the fetch flow's decisions (see dns/certify_flow.h): which
 * message to send next, when to wait, when to stop.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/rrtype.h"
#include "dns/tsig.h"
#include "flow_int.h"

const char *dns_certify_result_text(dns_certify_result_t r)
{
	switch (r) {
	case DNS_CERTIFY_OK: return "ok";
	case DNS_CERTIFY_E_USAGE: return "invalid options";
	case DNS_CERTIFY_E_REFUSED: return "update refused";
	case DNS_CERTIFY_E_TSIG: return "TSIG failure";
	case DNS_CERTIFY_E_DEADLINE: return "deadline passed";
	case DNS_CERTIFY_E_SOLVER: return "solver failure";
	case DNS_CERTIFY_E_UNREACHABLE: return "server unreachable";
	case DNS_CERTIFY_E_SERVER: return "server error";
	case DNS_CERTIFY_E_LOCAL: return "local failure";
	}
	return "?";
}

dns_err_t dns_certify_zone_of_key(const uint8_t *keyname, uint8_t zone[DNS_NAME_MAX])
{
	const uint8_t *found = NULL;
	for (const uint8_t *p = keyname; p[0] != 0; p += 1 + p[0]) {
		static const char *const ops[] = {"_update", "_transfer", "_notify"};
		for (int i = 0; i < 3; i++)
			if (p[0] == strlen(ops[i]) && strncasecmp((const char *)p + 1, ops[i], p[0]) == 0)
				found = p + 1 + p[0];   /* the rightmost one wins */
	}
	if (found == NULL || found[0] == 0)
		return DNS_ENOTFOUND;
	dns_name_copy(zone, found);
	return DNS_OK;
}

static bool copy_blob(blob_t *b, const uint8_t *p, size_t n)
{
	b->p = n ? OPENSSL_memdup(p, n) : NULL;
	b->n = n;
	return b->p != NULL;
}

dns_certify_flow_t *dns_certify_flow_new(const dns_certify_flow_config_t *cfg, char *err,
                                         size_t errlen)
{
	dns_certify_flow_t *f = OPENSSL_zalloc(sizeof(*f));
	if (f == NULL || cfg->key == NULL || cfg->names == NULL || cfg->names->n == 0) {
		certify_errf(err, errlen, f ? "missing key or names" : "out of memory");
		OPENSSL_free(f);
		return NULL;
	}
	f->key = *cfg->key;
	dns_name_to_text(f->key.name, f->keytext, sizeof(f->keytext));
	snprintf(f->host, sizeof(f->host), "%s", cfg->names->name[0]);
	size_t olen;
	if (dns_certify_owner(f->host, f->owner, &olen) != DNS_OK) {
		certify_errf(err, errlen, "%s: not a host name", f->host);
		OPENSSL_free(f);
		return NULL;
	}
	if (cfg->zone != NULL) {
		dns_name_copy(f->zone, cfg->zone);
		f->have_zone = true;
	} else {
		f->have_zone = dns_certify_zone_of_key(f->key.name, f->zone) == DNS_OK;
	}
	if (f->have_zone) {
		dns_name_to_text(f->zone, f->zonetext, sizeof(f->zonetext));
		if (!dns_name_is_subdomain(f->owner, f->zone)) {
			certify_errf(err, errlen, "%s is not in zone %s (the zone of key %s)", f->host,
			             f->zonetext, f->keytext);
			OPENSSL_free(f);
			return NULL;
		}
	}
	f->names = OPENSSL_memdup(cfg->names, sizeof(*cfg->names));
	f->out = OPENSSL_malloc(FLOW_MSG_MAX);
	if (f->names == NULL || f->out == NULL || !copy_blob(&f->spki, cfg->spki, cfg->spki_len) ||
	    !copy_blob(&f->csr, cfg->csr, cfg->csr_len)) {
		certify_errf(err, errlen, "out of memory or no key/CSR");
		dns_certify_flow_free(f);
		return NULL;
	}
	f->renew_before = cfg->renew_before;
	f->anchors = cfg->anchors;
	f->force = cfg->force;
	f->deadline = cfg->deadline_ms;
	f->step_timeout = cfg->step_timeout_ms ? cfg->step_timeout_ms : FLOW_STEP_TIMEOUT_MS;
	f->log = cfg->log;
	f->log_ctx = cfg->log_ctx;
	f->backoff = FLOW_BACKOFF_FIRST_MS;
	f->verdict = DNS_CERTIFY_NO_CERT;
	snprintf(f->why, sizeof(f->why), "no answer yet");
	snprintf(f->last_net, sizeof(f->last_net), "no attempt yet");
	return f;
}

void dns_certify_flow_free(dns_certify_flow_t *f)
{
	if (f == NULL)
		return;
	flow_clear_records(f);
	sk_X509_pop_free(f->chain, X509_free);
	OPENSSL_free(f->old);
	OPENSSL_free(f->names);
	OPENSSL_free(f->spki.p);
	OPENSSL_free(f->csr.p);
	OPENSSL_free(f->out);
	OPENSSL_free(f);
}

STACK_OF(X509) *dns_certify_flow_chain(const dns_certify_flow_t *f) { return f->chain; }
bool dns_certify_flow_published(const dns_certify_flow_t *f) { return f->published; }
const dns_certify_status_t *dns_certify_flow_status(const dns_certify_flow_t *f) { return &f->status; }
unsigned dns_certify_flow_updates(const dns_certify_flow_t *f) { return f->updates_sent; }

/* ---- actions ---- */

static dns_certify_action_t failed(dns_certify_flow_t *f, dns_certify_result_t r)
{
	f->state = FS_FAILED;
	f->result = r;
	return (dns_certify_action_t){.kind = DNS_CERTIFY_ACT_FAILED, .result = r, .message = f->message};
}

static dns_certify_action_t fail(dns_certify_flow_t *f, dns_certify_result_t r, const char *fmt,
                                 ...) __attribute__((format(printf, 3, 4)));
static dns_certify_action_t fail(dns_certify_flow_t *f, dns_certify_result_t r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(f->message, sizeof(f->message), fmt, ap);
	va_end(ap);
	return failed(f, r);
}

static dns_certify_action_t deadline_passed(dns_certify_flow_t *f)
{
	if (!f->answered)
		return fail(f, DNS_CERTIFY_E_UNREACHABLE,
		            "no answer from the server before the deadline (last attempt: %s)", f->last_net);
	char st[600] = "";
	if (f->have_status) {
		char d[560];
		dns_certify_status_describe(&f->status, d, sizeof(d));
		snprintf(st, sizeof(st), "; solver status: %s", d);
	}
	return fail(f, DNS_CERTIFY_E_DEADLINE, "no matching certificate for %s before the deadline: %s%s",
	            f->host, f->why, st);
}

static dns_certify_action_t send_it(dns_certify_flow_t *f, uint64_t now, fstate_t st)
{
	uint64_t left = f->deadline - now;
	f->state = st;
	return (dns_certify_action_t){
		.kind = DNS_CERTIFY_ACT_SEND, .msg = f->out, .len = f->outlen,
		.timeout_ms = (uint32_t)(left < f->step_timeout ? left : f->step_timeout),
	};
}

static dns_certify_action_t ask(dns_certify_flow_t *f, uint64_t now, uint16_t qtype, fstate_t st)
{
	if (now >= f->deadline)
		return deadline_passed(f);
	/* signed, so that the answer is authenticated; never the SOA query, which
	 * a primary may take for a hidden secondary's (update keys can transfer) */
	if (flow_build_query(f, qtype, qtype != DNS_TYPE_SOA, now) != DNS_OK)
		return fail(f, DNS_CERTIFY_E_LOCAL, "cannot build the query");
	return send_it(f, now, st);
}

static dns_certify_action_t next_round(dns_certify_flow_t *f, uint64_t now)
{
	return f->have_zone ? ask(f, now, DNS_TYPE_TLSA, FS_CHECK) : ask(f, now, DNS_TYPE_SOA, FS_SOA);
}

static dns_certify_action_t wait_a_while(dns_certify_flow_t *f, uint64_t now)
{
	if (now >= f->deadline)
		return deadline_passed(f);
	uint64_t until = now + f->backoff;
	f->backoff = f->backoff * 2 > FLOW_BACKOFF_MAX_MS ? FLOW_BACKOFF_MAX_MS : f->backoff * 2;
	f->state = FS_WAIT;
	return (dns_certify_action_t){
		.kind = DNS_CERTIFY_ACT_WAIT, .until_ms = until < f->deadline ? until : f->deadline,
	};
}

static dns_certify_action_t update(dns_certify_flow_t *f, uint64_t now, bool add, bool del_ours)
{
	if (now >= f->deadline)
		return deadline_passed(f);
	if (f->updates_sent == 0)   /* what the status said before our first update */
		memcpy(f->stale_text, f->status_text, sizeof(f->stale_text));
	if (flow_build_update(f, add, del_ours, now) != DNS_OK)
		return fail(f, DNS_CERTIFY_E_LOCAL, "cannot build the update (CSR too large?)");
	f->updates_sent++;
	return send_it(f, now, FS_UPDATE);
}

/* ---- answers ---- */

static dns_certify_action_t on_soa(dns_certify_flow_t *f, const dns_msg_t *m, uint64_t now)
{
	if (!flow_zone_from_soa(f, m))
		return fail(f, DNS_CERTIFY_E_SERVER, "cannot find the zone of %s: no SOA in the answer",
		            f->host);
	flow_logf(f, "zone of %s: %s", f->host, f->zonetext);
	return ask(f, now, DNS_TYPE_TLSA, FS_CHECK);
}

static dns_certify_action_t on_check(dns_certify_flow_t *f, const dns_msg_t *m, uint64_t now)
{
	size_t skipped_before = f->skipped;
	flow_collect_tlsa(f, m);
	if (f->skipped > 0 && f->skipped != skipped_before)
		flow_logf(f, "skipped %zu records at the name that are not valid certificates", f->skipped);
	dns_certify_match_opts_t o = {
		.spki = f->spki.p, .spki_len = f->spki.n, .names = f->names,
		.now = (int64_t)(now / 1000), .renew_before = f->renew_before, .anchors = f->anchors,
	};
	char why[256];
	STACK_OF(X509) *chain = NULL;
	dns_certify_verdict_t v = dns_certify_match(&o, f->certs, f->cas, &chain, why, sizeof(why));
	if (v == DNS_CERTIFY_MATCH) {
		f->chain = chain;
		f->state = FS_DONE;
		flow_logf(f, "found a matching certificate (%d in the chain)", sk_X509_num(chain));
		return (dns_certify_action_t){.kind = DNS_CERTIFY_ACT_DONE};
	}
	if (v != f->verdict || strcmp(why, f->why) != 0)
		flow_logf(f, "no usable certificate yet: %s", why);
	f->verdict = v;
	snprintf(f->why, sizeof(f->why), "%s", why);
	return ask(f, now, DNS_TYPE_TXT, FS_STATUS);
}

/* Is the current status a failure of our request that waiting will not cure? */
static bool solver_gave_up(const dns_certify_flow_t *f)
{
	if (!f->have_status || f->status.state != DNS_CERTIFY_STATE_FAILED || !f->ours_present)
		return false;   /* without our CSR there, the status is about another one */
	if (f->published && strcmp(f->status_text, f->stale_text) == 0)
		return false;   /* the status that was there before our update */
	return !f->status.has_retry || (uint64_t)f->status.retry * 1000 > f->deadline;
}

static dns_certify_action_t on_status(dns_certify_flow_t *f, const dns_msg_t *m, uint64_t now)
{
	flow_collect_status(f, m);
	if (solver_gave_up(f)) {
		char d[560];
		dns_certify_status_describe(&f->status, d, sizeof(d));
		return fail(f, DNS_CERTIFY_E_SOLVER, "the solver failed for %s: %s%s", f->host, d,
		            f->status.has_retry ? " (after the deadline)" : "");
	}
	if (f->force_pending)
		return update(f, now, true, false);
	bool others = f->ncsr > (f->ours_present ? 1u : 0u);
	if (f->force && !f->published && f->updates_sent == 0 && f->ours_present) {
		/* the same CSR again would change nothing: remove it, then add it */
		f->force_pending = true;
		return update(f, now, false, true);
	}
	if (!f->ours_present || others)
		return update(f, now, true, false);
	return wait_a_while(f, now);
}

static dns_certify_action_t on_update(dns_certify_flow_t *f, unsigned rcode, uint64_t now)
{
	switch (rcode) {
	case DNS_RCODE_NOERROR:
		f->updates_ok++;
		if (f->force_pending && f->ours_present) {
			f->ours_present = false;   /* removed: now add it back */
			return update(f, now, true, false);
		}
		f->force_pending = false;
		f->published = true;
		f->backoff = FLOW_BACKOFF_FIRST_MS;
		flow_logf(f, "published the CSR for %s (zone %s, key %s)", f->host, f->zonetext, f->keytext);
		return wait_a_while(f, now);
	case DNS_RCODE_NOTAUTH:
	case DNS_RCODE_REFUSED:
		return fail(f, DNS_CERTIFY_E_REFUSED,
		            "the server refused the update (%s): key %s has no authority to update %s in zone %s",
		            flow_rcode_text(rcode), f->keytext, f->host, f->zonetext);
	case DNS_RCODE_NOTZONE:
		return fail(f, DNS_CERTIFY_E_REFUSED,
		            "the server refused the update (NOTZONE): %s is not in zone %s as served there",
		            f->host, f->zonetext);
	case DNS_RCODE_SERVFAIL:
		snprintf(f->why, sizeof(f->why), "the server answers SERVFAIL to our update");
		flow_logf(f, "%s; retrying", f->why);
		return wait_a_while(f, now);
	default:
		return fail(f, DNS_CERTIFY_E_SERVER, "the server answered %s to our update",
		            flow_rcode_text(rcode));
	}
}

static dns_certify_action_t retry_later(dns_certify_flow_t *f, uint64_t now)
{
	flow_logf(f, "no answer from the server (%s); retrying", f->last_net);
	return wait_a_while(f, now);
}

static dns_certify_action_t dispatch(dns_certify_flow_t *f, const dns_msg_t *m, unsigned rcode,
                                     uint64_t now)
{
	if (f->state == FS_UPDATE)
		return on_update(f, rcode, now);
	if (rcode == DNS_RCODE_SERVFAIL) {
		snprintf(f->why, sizeof(f->why), "the server answers SERVFAIL");
		flow_logf(f, "%s; retrying", f->why);
		return wait_a_while(f, now);
	}
	if (rcode != DNS_RCODE_NOERROR && rcode != DNS_RCODE_NXDOMAIN) {
		char owner[DNS_NAME_TEXT_MAX], type[16];
		dns_name_to_text(f->owner, owner, sizeof(owner));
		dns_rrtype_to_text(f->qtype, type, sizeof(type));
		return fail(f, DNS_CERTIFY_E_SERVER, "the server answered %s to our %s query for %s%s",
		            flow_rcode_text(rcode), type, owner,
		            rcode == DNS_RCODE_REFUSED || rcode == DNS_RCODE_NOTAUTH ?
		            " (is it the primary of the zone?)" : "");
	}
	switch (f->state) {
	case FS_SOA: return on_soa(f, m, now);
	case FS_CHECK: return on_check(f, m, now);
	case FS_STATUS: return on_status(f, m, now);
	default: return fail(f, DNS_CERTIFY_E_LOCAL, "answer in an unexpected state");
	}
}

dns_certify_action_t dns_certify_flow_answer(dns_certify_flow_t *f, uint64_t now_ms,
                                             const uint8_t *msg, size_t len)
{
	if (f->state == FS_DONE)
		return (dns_certify_action_t){.kind = DNS_CERTIFY_ACT_DONE};
	if (f->state == FS_FAILED)
		return failed(f, f->result);
	if (f->state == FS_WAIT || f->state == FS_INIT)
		return dns_certify_flow_tick(f, now_ms);   /* nothing was asked: ignore it */
	dns_msg_t m;
	unsigned rcode = 0;
	dns_certify_action_t a;
	switch (flow_read_answer(f, &m, msg, len, now_ms, &rcode)) {
	case ANS_BAD:
		a = retry_later(f, now_ms);
		break;
	case ANS_TSIG:
		f->answered = true;
		a = failed(f, DNS_CERTIFY_E_TSIG);
		break;
	default:
		f->answered = true;
		a = dispatch(f, &m, rcode, now_ms);
		break;
	}
	dns_msg_free(&m);
	return a;
}

dns_certify_action_t dns_certify_flow_net_error(dns_certify_flow_t *f, uint64_t now_ms,
                                                const char *what)
{
	if (f->state == FS_DONE || f->state == FS_FAILED || f->state == FS_WAIT || f->state == FS_INIT)
		return dns_certify_flow_tick(f, now_ms);
	snprintf(f->last_net, sizeof(f->last_net), "%s", what ? what : "network failure");
	return retry_later(f, now_ms);
}

dns_certify_action_t dns_certify_flow_start(dns_certify_flow_t *f, uint64_t now_ms)
{
	if (f->state != FS_INIT)
		return dns_certify_flow_tick(f, now_ms);
	return next_round(f, now_ms);
}

dns_certify_action_t dns_certify_flow_tick(dns_certify_flow_t *f, uint64_t now_ms)
{
	switch (f->state) {
	case FS_DONE:
		return (dns_certify_action_t){.kind = DNS_CERTIFY_ACT_DONE};
	case FS_FAILED:
		return failed(f, f->result);
	case FS_WAIT:
	case FS_INIT:
		return next_round(f, now_ms);
	default:
		/* a message is in flight: ask again the same way as before */
		if (now_ms >= f->deadline)
			return deadline_passed(f);
		return send_it(f, now_ms, f->state);
	}
}
