/*
 * net_query.h - the suite's one outgoing-query engine (libdnsnet).
 *
 * Asynchronous, on a libevent base the caller owns: UDP with
 * retransmission (a new socket, hence a random ephemeral source port, per
 * query; optionally a random ID), TCP with RFC 1035 §4.2.2 length framing,
 * connect and read timeouts and a retry when the connection is lost
 * before the answer is complete, and the fall back from UDP to TCP on a
 * truncated answer.  An answer is accepted only when it comes from the
 * server asked, has QR set, the query's ID and opcode, and the same
 * question (compared case-insensitively; a question-less answer is
 * accepted only with an error rcode, as FORMERR answers often are).  On
 * UDP anything else is ignored (a spoofed datagram does not end the
 * wait); on TCP, where the connection carries only this query, it ends
 * the query with DNS_NETQ_MISMATCH.
 *
 * The engine knows DNS only as far as the header and question: building
 * the request (and TSIG-signing it) and checking the answer's content is
 * the caller's job.  A TSIG-signed request must keep its ID (leave
 * random_id false and take the ID from dns_netq_random_id() before
 * signing).
 *
 * For programs without an event loop, dns_netq_exchange() runs one query
 * on a private event base and blocks until it ends.
 *
 * Not thread-safe: one engine belongs to the thread running its base.
 */
#ifndef DNS_NET_QUERY_H
#define DNS_NET_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/error.h"
#include "dns/net.h"

struct event_base;

typedef struct dns_netq dns_netq_t;
typedef struct dns_netq_query dns_netq_query_t;

typedef enum dns_netq_mode {
	DNS_NETQ_UDP,       /* UDP, then TCP if the answer is truncated */
	DNS_NETQ_UDP_ONLY,  /* UDP; a truncated answer is returned as it is */
	DNS_NETQ_TCP,       /* TCP only */
} dns_netq_mode_t;

typedef enum dns_netq_status {
	DNS_NETQ_OK,           /* an answer matched; see answer/len */
	DNS_NETQ_TIMEOUT,      /* no matching answer within the timeout */
	DNS_NETQ_UNREACHABLE,  /* connection refused, network or host unreachable */
	DNS_NETQ_CLOSED,       /* TCP: the connection was lost on every try */
	DNS_NETQ_MISMATCH,     /* TCP: the answer was not for this query (ID, question) */
	DNS_NETQ_ERROR,        /* local failure (socket, memory) */
} dns_netq_status_t;

typedef struct dns_netq_result {
	dns_netq_status_t status;
	int sys_errno;                  /* the errno behind UNREACHABLE/CLOSED/ERROR, or 0 */
	const uint8_t *answer;          /* DNS_NETQ_OK: the answer (no TCP length prefix) */
	size_t len;
	dns_net_transport_t transport;  /* what the answer (or last attempt) used */
	unsigned udp_sends;             /* datagrams sent */
	unsigned tcp_connects;          /* connections opened */
} dns_netq_result_t;

typedef struct dns_netq_request {
	const dns_net_addr_t *server;
	const uint8_t *msg;             /* the query, copied by dns_netq_send */
	size_t len;                     /* 12 .. 65535 */
	dns_netq_mode_t mode;
	bool random_id;                 /* overwrite the ID with a random one */
	uint32_t timeout_ms;            /* the whole exchange; 0: 5000 */
	unsigned udp_tries;             /* datagrams sent at most; 0: 3 */
	unsigned tcp_tries;             /* connections tried when one is lost; 0: 2 */
	const dns_net_addr_t *source;   /* bind to this local address (port 0: any
	                                   port) when of the server's family; NULL: none */
} dns_netq_request_t;

/* Called exactly once per query (unless cancelled), from the event loop. */
typedef void (*dns_netq_done_fn)(void *arg, const dns_netq_result_t *res);

/* An engine on @base (which must outlive it).  NULL on ENOMEM. */
dns_netq_t *dns_netq_new(struct event_base *base);

/* Free the engine; queries still running are cancelled (no callback). */
void dns_netq_free(dns_netq_t *q);

/*
 * Start a query.  @done is called later from the loop, never from inside
 * this call.  *@handle (may be NULL) identifies the query until @done
 * runs.  Errors: DNS_EINVAL (length, address), DNS_ENOMEM.
 */
dns_err_t dns_netq_send(dns_netq_t *q, const dns_netq_request_t *req, dns_netq_done_fn done,
                        void *arg, dns_netq_query_t **handle);

/* Stop a running query; its callback is not called. */
void dns_netq_cancel(dns_netq_query_t *h);

/* Queries running. */
size_t dns_netq_pending(const dns_netq_t *q);

/* A random 16-bit ID from the kernel's generator. */
uint16_t dns_netq_random_id(void);

/* "ok", "timeout", "unreachable", ... */
const char *dns_netq_status_text(dns_netq_status_t s);

/*
 * Streams: one request over TCP, several messages back (a zone transfer:
 * RFC 5936 §2.2), each handed to @on_msg as it arrives, until @on_msg
 * says the exchange is complete.  The first message must match the
 * request as above (else DNS_NETQ_MISMATCH); later ones need its ID, QR
 * and opcode, and its question when they carry one (RFC 5936 §2.2.1
 * lets them omit it).  A lost connection is not retried (the consumer
 * has seen part of the answer): it ends with DNS_NETQ_CLOSED.
 *
 * With @keep_open the connection is a session: once @on_msg has said
 * DNS_NETQ_END, it stays open without timeouts (TCP keepalive probes
 * find a dead peer) and every message the server sends on it goes to
 * @on_msg unchecked (it may be a request of the server's, such as a
 * NOTIFY to a hidden secondary); dns_netq_stream_write() answers on it.
 * @done is then called when the session ends (DNS_NETQ_CLOSED), or is
 * not called at all if the caller cancels it.
 */
typedef enum dns_netq_verdict {
	DNS_NETQ_MORE,   /* more messages are expected */
	DNS_NETQ_END,    /* complete: done(OK), or the session goes on (keep_open) */
	DNS_NETQ_STOP,   /* stop now: the connection closes; done(ERROR, ECANCELED) */
} dns_netq_verdict_t;

/* One message (no length prefix), valid during the call.  It must not
 * cancel its own stream (it returns DNS_NETQ_STOP instead). */
typedef dns_netq_verdict_t (*dns_netq_msg_fn)(void *arg, const uint8_t *msg, size_t len);

typedef struct dns_netq_stream_request {
	const dns_net_addr_t *server;
	const dns_net_addr_t *source;   /* as in dns_netq_request_t; NULL: none */
	const uint8_t *msg;             /* the request, copied */
	size_t len;                     /* 12 .. 65535 */
	uint32_t timeout_ms;            /* the whole exchange until END; 0: 300000 */
	uint32_t idle_ms;               /* connect, and between two messages; 0: 30000 */
	bool keep_open;                 /* a session (above) */
} dns_netq_stream_request_t;

/*
 * Start a stream.  @done (called once, from the loop, unless cancelled)
 * gets DNS_NETQ_OK (answer: the last message) after DNS_NETQ_END, or how
 * it failed: TIMEOUT, UNREACHABLE, CLOSED, MISMATCH, ERROR.  *@handle
 * (may be NULL) is valid until @done runs; dns_netq_cancel() stops it.
 * Errors as dns_netq_send.
 */
dns_err_t dns_netq_stream(dns_netq_t *q, const dns_netq_stream_request_t *req,
                          dns_netq_msg_fn on_msg, dns_netq_done_fn done, void *arg,
                          dns_netq_query_t **handle);

/*
 * Send one message (the length prefix is added) on a stream's connection,
 * after its request: e.g. the answer to a request the server sent on a
 * session.  Queued when the socket is busy.  DNS_EINVAL (length, or the
 * connection is not up), DNS_ENOMEM (more than 256 KiB queued).
 */
dns_err_t dns_netq_stream_write(dns_netq_query_t *h, const uint8_t *msg, size_t len);

/*
 * Blocking: run one query on a private event base until it ends.  The
 * answer is copied to @answer (@cap bytes; res->answer points there); an
 * answer longer than @cap ends with DNS_NETQ_ERROR (sys_errno EMSGSIZE).
 * Returns DNS_OK when the query ran (res->status says how it ended),
 * DNS_EINVAL or DNS_ENOMEM when it could not start.
 */
dns_err_t dns_netq_exchange(const dns_netq_request_t *req, uint8_t *answer, size_t cap,
                            dns_netq_result_t *res);

#endif
