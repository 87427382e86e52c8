/*
 * follow_hidden.c - the kept connection of a hidden secondary (see
 * dns/follow.h): an SOA query signed with the zone's key opens it, the
 * primary's NOTIFYs arrive on it and are answered on it, and a lost
 * connection is opened again with a growing delay.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <event2/event.h>

#include "dns/log.h"
#include "dns/msg.h"
#include "dns/notify.h"
#include "dns/serial.h"

#include "follow_int.h"

/* A session that lasted this long was healthy: the next try comes soon. */
#define HEALTHY_MS 60000
#define SESSION_TIMEOUT_MS 10000

static void sess_timer_cb(evutil_socket_t fd, short what, void *arg);

dns_err_t fol_hidden_init(fzone_t *z)
{
	z->keys = dns_keystore_new();
	if (!z->keys || dns_keystore_add(z->keys, &z->key) != DNS_OK)
		return DNS_ENOMEM;
	z->sess_timer = evtimer_new(z->f->base, sess_timer_cb, z);
	z->backoff_ms = DNS_FOLLOW_HIDDEN_MIN_MS;
	return z->sess_timer ? DNS_OK : DNS_ENOMEM;
}

/* The primary's answer to our SOA query: registered (or not). */
static dns_netq_verdict_t registered(fzone_t *z, const uint8_t *msg, size_t len)
{
	char err[256], peer[DNS_NET_ADDR_TEXT_MAX];
	uint32_t serial = 0;
	if (fol_soa_answer(z, z->sess_id, z->sess_mac, z->sess_mac_len, msg, len, &serial, err,
	                   sizeof err) != DNS_OK) {
		dns_log(DNS_LOG_WARN, "hidden registration refused", "zone", z->name, "error", err,
		        NULL);
		return DNS_NETQ_STOP;
	}
	z->registered = true;
	dns_net_addr_format((const struct sockaddr *)&z->primary.ss, peer, sizeof peer);
	dns_log(DNS_LOG_INFO, "registered as hidden secondary", "zone", z->name, "primary", peer,
	        NULL);
	dns_follow_event_t ev = { .kind = DNS_FOLLOW_REGISTERED, .serial = serial };
	fol_emit(z, &ev);
	/* NOTIFYs sent while we were away are lost: a newer serial stands for them. */
	if (z->sm.has_data && dns_serial_gt(serial, z->sm.serial))
		fol_check(z, true, serial);
	return DNS_NETQ_END;
}

/* Answer @req (parsed, TSIG checked into @treq when @signed_) on the session. */
static void answer(fzone_t *z, const dns_msg_t *req, unsigned rcode, dns_tsig_req_t *treq,
                   bool sign)
{
	uint8_t buf[1024];
	size_t len = 0;
	size_t reserve = sign ? dns_tsig_space(&z->key) : 0;
	if (dns_notify_build_response(req, rcode, buf, sizeof buf - reserve, &len) != DNS_OK)
		return;
	if (sign && dns_tsig_sign_response(buf, &len, sizeof buf, treq, fol_now_ms() / 1000) !=
	            DNS_OK)
		return;
	if (dns_netq_stream_write(z->sess, buf, len) != DNS_OK)
		dns_log(DNS_LOG_WARN, "cannot answer a NOTIFY on the kept connection", "zone",
		        z->name, NULL);
}

/* A message from the primary on the kept connection: a NOTIFY, we hope. */
static void server_message(fzone_t *z, const uint8_t *msg, size_t len)
{
	dns_msg_t m;
	if (len < DNS_HDR_LEN || (msg[2] & 0x80) || dns_msg_parse(&m, msg, len) != DNS_OK)
		return; /* not a request: nothing to answer */
	dns_notify_req_t nr;
	dns_tsig_req_t treq;
	uint16_t terr = 0;
	dns_err_t e = dns_notify_parse_request(&m, &nr);
	if (e == DNS_EINVAL)
		goto out; /* not a NOTIFY */
	if (e != DNS_OK) {
		answer(z, &m, e == DNS_ENOTSUP ? DNS_RCODE_NOTIMP : DNS_RCODE_FORMERR, NULL, false);
		goto out;
	}
	const char *why = NULL, *tsig_error = NULL;
	char tb[24];
	if (!m.tsig) {
		why = "not signed";
		answer(z, &m, DNS_RCODE_REFUSED, NULL, false);
	} else if (dns_tsig_verify_request(&m, z->keys, fol_now_ms() / 1000, &treq, &terr) !=
	           DNS_OK) {
		why = "TSIG verification failed";
		tsig_error = dns_tsig_error_text(terr, tb, sizeof tb);
		answer(z, &m, DNS_RCODE_NOTAUTH, NULL, false);
	} else if (!dns_name_equal(nr.zone, z->origin)) {
		why = "another zone";
		answer(z, &m, DNS_RCODE_NOTAUTH, &treq, true);
	}
	if (why) {
		dns_log(DNS_LOG_WARN, "notify refused", "zone", z->name, "error", why, "tsig_error",
		        tsig_error, NULL);
		goto out;
	}
	answer(z, &m, DNS_RCODE_NOERROR, &treq, true);
	fol_notified(z, nr.has_serial, nr.serial);
out:
	dns_msg_free(&m);
}

static dns_netq_verdict_t sess_msg(void *arg, const uint8_t *msg, size_t len)
{
	fzone_t *z = arg;
	if (!z->registered)
		return registered(z, msg, len);
	server_message(z, msg, len);
	return DNS_NETQ_MORE;
}

static void retry_later(fzone_t *z, const char *why)
{
	bool healthy = z->registered && fol_mono_ms() - z->sess_start >= HEALTHY_MS;
	if (healthy)
		z->backoff_ms = DNS_FOLLOW_HIDDEN_MIN_MS;
	uint32_t wait = z->backoff_ms;
	z->backoff_ms = wait >= DNS_FOLLOW_HIDDEN_MAX_MS / 2 ? DNS_FOLLOW_HIDDEN_MAX_MS : wait * 2;
	char ms[16];
	snprintf(ms, sizeof ms, "%" PRIu32, wait);
	dns_log(z->registered ? DNS_LOG_WARN : DNS_LOG_INFO,
	        z->registered ? "hidden registration lost" : "hidden registration failed", "zone",
	        z->name, "error", why, "retry_ms", ms, NULL);
	z->registered = false;
	dns_follow_event_t ev = { .kind = DNS_FOLLOW_UNREGISTERED, .error = why, .retry_ms = wait };
	fol_emit(z, &ev);
	struct timeval tv = { .tv_sec = wait / 1000, .tv_usec = (suseconds_t)(wait % 1000) * 1000 };
	evtimer_add(z->sess_timer, &tv);
}

static void sess_done(void *arg, const dns_netq_result_t *res)
{
	fzone_t *z = arg;
	z->sess = NULL;
	retry_later(z, res->status == DNS_NETQ_ERROR && res->sys_errno == ECANCELED
	                       ? "answer refused"
	                       : dns_netq_status_text(res->status));
}

void fol_hidden_start(fzone_t *z)
{
	uint8_t q[1024];
	size_t len;
	if (!z->hidden || z->sess)
		return;
	z->registered = false;
	z->sess_id = dns_netq_random_id();
	z->sess_start = fol_mono_ms();
	dns_err_t e = fol_soa_query(z, z->sess_id, q, sizeof q, &len, z->sess_mac,
	                            &z->sess_mac_len);
	dns_netq_stream_request_t rq = { .server = &z->primary, .msg = q, .len = len,
	                                 .source = z->has_source ? &z->source : NULL,
	                                 .timeout_ms = SESSION_TIMEOUT_MS,
	                                 .idle_ms = SESSION_TIMEOUT_MS, .keep_open = true };
	if (!e)
		e = dns_netq_stream(z->f->nq, &rq, sess_msg, sess_done, z, &z->sess);
	if (e)
		retry_later(z, dns_strerror(e));
}

static void sess_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	fol_hidden_start(arg);
}

void fol_hidden_stop(fzone_t *z)
{
	dns_netq_cancel(z->sess);
	z->sess = NULL;
	if (z->sess_timer)
		event_free(z->sess_timer);
	z->sess_timer = NULL;
	dns_keystore_free(z->keys);
	z->keys = NULL;
}
