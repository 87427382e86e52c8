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
 * Blocking: run one query on a private event base until it ends.  The
 * answer is copied to @answer (@cap bytes; res->answer points there); an
 * answer longer than @cap ends with DNS_NETQ_ERROR (sys_errno EMSGSIZE).
 * Returns DNS_OK when the query ran (res->status says how it ended),
 * DNS_EINVAL or DNS_ENOMEM when it could not start.
 */
dns_err_t dns_netq_exchange(const dns_netq_request_t *req, uint8_t *answer, size_t cap,
                            dns_netq_result_t *res);

#endif
