/*
 * notify_sched.c - retransmitting NOTIFYs until they are answered
 * (RFC 1996 §3.6: "periodically", §4.8: the primary keeps trying),
 * without sockets or clocks: the caller supplies time and does the IO.
 *
 * One entry per (zone, target).  Every transmission gets a fresh random
 * ID and, when signed, a fresh TSIG (the time signed must stay within the
 * fudge over minutes of retries); the ID and MAC of each are kept so a
 * late answer to an earlier transmission still acknowledges the entry.
 */
#include <arpa/inet.h>
#include <openssl/crypto.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/notify.h"
#include "dns/rrtype.h"
#include "dns/serial.h"
#include "dns/tsig.h"

/* SOA rdata: two names and five 32-bit numbers. */
#define SOA_RDATA_MAX (2 * DNS_NAME_MAX + 20)

/* Wait after the n-th transmission (index n-1). */
static const uint32_t wait_ms[DNS_NOTIFY_MAX_TRIES] = {
	1000, 2000, 4000, 8000, 16000, 30000, 60000, 60000, 60000, 60000,
};

typedef struct sent {
	uint16_t id;
	uint8_t mac_len;
	uint8_t mac[DNS_TSIG_MAC_MAX];
} sent_t;

typedef struct entry {
	uint8_t zone[DNS_NAME_MAX];
	uint32_t serial;
	dns_notify_target_t target;
	bool has_key;
	dns_tsig_key_t key;
	bool has_soa;
	uint32_t soa_ttl;
	uint16_t soa_rdlen;
	uint8_t soa_rdata[SOA_RDATA_MAX];
	unsigned tries;    /* transmissions so far */
	uint64_t due;      /* next transmission, or giving up once tries is the maximum */
	sent_t sent[DNS_NOTIFY_MAX_TRIES];
} entry_t;

struct dns_notify_sched {
	entry_t **v;
	size_t n, cap;
	dns_notify_done_fn done;
	void *ctx;
	dns_notify_stats_t stats;
};

/* ---- targets ---- */

dns_err_t dns_notify_target_set(dns_notify_target_t *t, const struct sockaddr *sa,
                                socklen_t len, uint64_t conn)
{
	memset(t, 0, sizeof *t);
	if (!sa)
		return DNS_EINVAL;
	if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in))
		len = sizeof(struct sockaddr_in);
	else if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6))
		len = sizeof(struct sockaddr_in6);
	else
		return DNS_EINVAL;
	memcpy(&t->addr, sa, len);
	t->addrlen = len;
	t->conn = conn;
	return DNS_OK;
}

void dns_notify_target_text(const dns_notify_target_t *t, char *out, size_t cap)
{
	char a[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;
	if (t->addr.ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)&t->addr;
		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof a);
		port = ntohs(s4->sin_port);
	} else if (t->addr.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&t->addr;
		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof a);
		port = ntohs(s6->sin6_port);
	}
	if (cap)
		snprintf(out, cap, "%s#%u", a, port);
}

static bool target_equal(const dns_notify_target_t *a, const dns_notify_target_t *b)
{
	if (a->conn != b->conn || a->addr.ss_family != b->addr.ss_family)
		return false;
	if (a->addr.ss_family == AF_INET) {
		const struct sockaddr_in *x = (const struct sockaddr_in *)&a->addr;
		const struct sockaddr_in *y = (const struct sockaddr_in *)&b->addr;
		return x->sin_port == y->sin_port &&
		       x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->addr.ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)&a->addr;
		const struct sockaddr_in6 *y = (const struct sockaddr_in6 *)&b->addr;
		return x->sin6_port == y->sin6_port &&
		       memcmp(&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr) == 0;
	}
	return false;
}

/* ---- the scheduler ---- */

dns_notify_sched_t *dns_notify_sched_new(dns_notify_done_fn done, void *ctx)
{
	dns_notify_sched_t *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->done = done;
	s->ctx = ctx;
	return s;
}

void dns_notify_sched_free(dns_notify_sched_t *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		/* The copy of the key is a secret: don't leave it in freed memory. */
		OPENSSL_cleanse(s->v[i]->key.secret, sizeof s->v[i]->key.secret);
		free(s->v[i]);
	}
	free(s->v);
	free(s);
}

/* Remove entry @i (order is not kept). */
static void remove_at(dns_notify_sched_t *s, size_t i)
{
	OPENSSL_cleanse(s->v[i]->key.secret, sizeof s->v[i]->key.secret);
	free(s->v[i]);
	s->v[i] = s->v[--s->n];
}

static void finish(dns_notify_sched_t *s, size_t i, dns_notify_result_t res, unsigned rcode)
{
	entry_t *e = s->v[i];
	if (res == DNS_NOTIFY_ACKED)
		s->stats.acked++;
	else if (res == DNS_NOTIFY_REJECTED)
		s->stats.rejected++;
	else
		s->stats.gave_up++;
	if (s->done)
		s->done(s->ctx, e->zone, e->serial, &e->target, res, rcode);
	remove_at(s, i);
}

static entry_t *find(const dns_notify_sched_t *s, const uint8_t *zone,
                     const dns_notify_target_t *t, size_t *idx)
{
	for (size_t i = 0; i < s->n; i++) {
		if (target_equal(&s->v[i]->target, t) && dns_name_equal(s->v[i]->zone, zone)) {
			*idx = i;
			return s->v[i];
		}
	}
	return NULL;
}

static dns_err_t fill_entry(entry_t *e, const uint8_t *zone, uint32_t serial,
                            const dns_rrset_t *soa, const dns_notify_target_t *t,
                            const dns_tsig_key_t *key, uint64_t now_ms)
{
	memset(e, 0, sizeof *e);
	dns_name_copy(e->zone, zone);
	e->serial = serial;
	e->target = *t;
	if (key) {
		if (dns_tsig_alg_mac_len(key->alg) == 0 || key->secret_len > DNS_TSIG_SECRET_MAX)
			return DNS_EINVAL;
		e->has_key = true;
		e->key = *key;
	}
	if (soa) {
		const uint8_t *rd = dns_rrset_first(soa);
		if (!rd || soa->type != DNS_TYPE_SOA || dns_rrset_rdlen(rd) > SOA_RDATA_MAX)
			return DNS_EINVAL;
		e->has_soa = true;
		e->soa_ttl = soa->ttl;
		e->soa_rdlen = dns_rrset_rdlen(rd);
		memcpy(e->soa_rdata, dns_rrset_rdata(rd), e->soa_rdlen);
	}
	e->due = now_ms;
	return DNS_OK;
}

dns_err_t dns_notify_sched_add(dns_notify_sched_t *s, const uint8_t *zone, uint32_t serial,
                               const dns_rrset_t *soa, const dns_notify_target_t *t,
                               const dns_tsig_key_t *key, uint64_t now_ms)
{
	if (!s || !zone || !t || (t->addr.ss_family != AF_INET && t->addr.ss_family != AF_INET6))
		return DNS_EINVAL;
	size_t idx;
	entry_t *old = find(s, zone, t, &idx);
	if (old && !dns_serial_gt(serial, old->serial))
		return DNS_EEXIST;

	entry_t *e = malloc(sizeof *e);
	if (!e)
		return DNS_ENOMEM;
	dns_err_t err = fill_entry(e, zone, serial, soa, t, key, now_ms);
	if (err) {
		OPENSSL_cleanse(e->key.secret, sizeof e->key.secret);
		free(e);
		return err;
	}
	if (old) {
		/* The secondary only needs to hear of the newest serial. */
		OPENSSL_cleanse(old->key.secret, sizeof old->key.secret);
		free(old);
		s->v[idx] = e;
		s->stats.replaced++;
		return DNS_OK;
	}
	if (s->n == s->cap) {
		if (s->cap >= DNS_NOTIFY_MAX_PENDING) {
			OPENSSL_cleanse(e->key.secret, sizeof e->key.secret);
			free(e);
			return DNS_ELIMIT;
		}
		size_t ncap = s->cap ? s->cap * 2 : 16;
		entry_t **nv = realloc(s->v, ncap * sizeof *nv);
		if (!nv) {
			OPENSSL_cleanse(e->key.secret, sizeof e->key.secret);
			free(e);
			return DNS_ENOMEM;
		}
		s->v = nv;
		s->cap = ncap;
	}
	s->v[s->n++] = e;
	return DNS_OK;
}

/* Transmit entry @e once; false when no message could be built. */
static bool transmit(dns_notify_sched_t *s, entry_t *e, uint64_t now_ms,
                     dns_notify_emit_fn emit, void *ctx)
{
	uint8_t buf[DNS_NOTIFY_REQ_MAX];
	size_t len = 0, mac_len = 0;
	sent_t *sent = &e->sent[e->tries];
	uint8_t soa_data[2 + SOA_RDATA_MAX];
	dns_rrset_t soa = {.type = DNS_TYPE_SOA, .count = 1, .ttl = e->soa_ttl,
	                   .size = 2u + e->soa_rdlen, .data = soa_data};
	dns_put16(soa_data, e->soa_rdlen);
	memcpy(soa_data + 2, e->soa_rdata, e->soa_rdlen);

	sent->id = dns_notify_random_id();
	dns_err_t err = dns_notify_build_request(buf, sizeof buf, &len, sent->id, e->zone,
	                                         e->has_soa ? &soa : NULL,
	                                         e->has_key ? &e->key : NULL, now_ms / 1000,
	                                         sent->mac, &mac_len);
	if (err)
		return false;
	sent->mac_len = (uint8_t)mac_len;
	e->tries++;
	e->due = now_ms + wait_ms[e->tries - 1];
	s->stats.sent++;
	emit(ctx, &e->target, buf, len);
	return true;
}

size_t dns_notify_sched_tick(dns_notify_sched_t *s, uint64_t now_ms, dns_notify_emit_fn emit,
                             void *ctx)
{
	size_t emitted = 0;
	size_t i = 0;
	while (i < s->n) {
		entry_t *e = s->v[i];
		if (e->due > now_ms) {
			i++;
			continue;
		}
		if (e->tries >= DNS_NOTIFY_MAX_TRIES || !transmit(s, e, now_ms, emit, ctx)) {
			finish(s, i, DNS_NOTIFY_GAVE_UP, 0);
			continue; /* slot i now holds another entry */
		}
		emitted++;
		i++;
	}
	return emitted;
}

/* The transmission of @e with message ID @id, or NULL. */
static const sent_t *sent_with_id(const entry_t *e, uint16_t id)
{
	for (unsigned k = 0; k < e->tries; k++)
		if (e->sent[k].id == id)
			return &e->sent[k];
	return NULL;
}

dns_err_t dns_notify_sched_response(dns_notify_sched_t *s, const dns_notify_target_t *from,
                                    const uint8_t *msg, size_t len, uint64_t now_ms)
{
	dns_msg_t m;
	dns_err_t err = dns_msg_parse(&m, msg, len);
	if (err) {
		dns_msg_free(&m);
		s->stats.bad_responses++;
		return DNS_EMALFORMED;
	}
	dns_err_t ret = DNS_ENOTFOUND;
	for (size_t i = 0; i < s->n; i++) {
		entry_t *e = s->v[i];
		if (!target_equal(&e->target, from))
			continue;
		const sent_t *sent = sent_with_id(e, m.id);
		if (!sent || dns_notify_check_response(&m, m.id, e->zone) != DNS_OK)
			continue;
		if (e->has_key) {
			uint16_t terr = 0;
			err = dns_tsig_verify_response(&m, &e->key, sent->mac, sent->mac_len,
			                               now_ms / 1000, &terr);
			if (err) {
				/* Anyone can forge an unsigned answer: keep trying. */
				ret = DNS_ETSIG;
				continue;
			}
		}
		unsigned rcode = dns_flags_rcode(m.flags);
		finish(s, i, rcode == DNS_RCODE_NOERROR ? DNS_NOTIFY_ACKED : DNS_NOTIFY_REJECTED,
		       rcode);
		ret = DNS_OK;
		break;
	}
	dns_msg_free(&m);
	if (ret != DNS_OK)
		s->stats.bad_responses++;
	return ret;
}

size_t dns_notify_sched_drop_conn(dns_notify_sched_t *s, uint64_t conn)
{
	size_t dropped = 0, i = 0;
	if (conn == 0)
		return 0;
	while (i < s->n) {
		if (s->v[i]->target.conn == conn) {
			remove_at(s, i);
			dropped++;
		} else {
			i++;
		}
	}
	return dropped;
}

uint64_t dns_notify_sched_next_deadline(const dns_notify_sched_t *s)
{
	uint64_t best = UINT64_MAX;
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i]->due < best)
			best = s->v[i]->due;
	return best;
}

size_t dns_notify_sched_pending_count(const dns_notify_sched_t *s) { return s->n; }

void dns_notify_sched_stats(const dns_notify_sched_t *s, dns_notify_stats_t *out)
{
	*out = s->stats;
}
