/*
 * query_log.h - the optional query log of the serving daemons
 * (--query-log FILE|-): one logfmt line per request answered,
 *
 *   ts=2026-11-22T05:31:02.117Z client=192.0.2.7 port=40123 proto=udp
 *   id=4660 opcode=QUERY qname=www.example.com. qtype=A rcode=NOERROR
 *   flags=qr,aa,rd edns=1232 do=1 key=k1. qsize=40 size=72
 *
 * (one line; qclass appears when not IN, edns/do only with EDNS, key only
 * when TSIG-signed, size=0 and rcode absent when nothing was sent).
 *
 * Off (no --query-log), the daemons pay one predictable branch per
 * request.  On, each line is formatted on the worker's stack and written
 * with one write(2) to a file opened O_APPEND: lines from several workers
 * never interleave, nothing is buffered in the process (a crash loses no
 * line), and a worker waits only for the kernel's copy into the page
 * cache: a log on a slow or full disk slows the workers down, never
 * corrupts the log.  Rotate by renaming the file and sending SIGHUP.
 */
#ifndef DNS_DAEMON_QUERY_LOG_H
#define DNS_DAEMON_QUERY_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

typedef struct dns_query_log dns_query_log_t;

/* Open @path for appending (created 0640), "-" for standard output.
 * NULL with @err set on failure. */
dns_query_log_t *dns_query_log_open(const char *path, char *err, size_t errlen);

/* Reopen the same path (after rotation); keeps the old file on failure. */
void dns_query_log_reopen(dns_query_log_t *q);

void dns_query_log_close(dns_query_log_t *q);

/*
 * Log request @req (@reqlen bytes, from @peer over TCP or UDP) and the
 * answer @resp (@resplen bytes, 0: none sent).  Any thread.
 */
void dns_query_log_write(dns_query_log_t *q, const struct sockaddr *peer, bool tcp,
                         const uint8_t *req, size_t reqlen, const uint8_t *resp, size_t resplen);

/* The line itself (without newline) into @out; returns its length.  For tests. */
size_t dns_query_log_format(char *out, size_t cap, uint64_t now_ms, const struct sockaddr *peer,
                            bool tcp, const uint8_t *req, size_t reqlen, const uint8_t *resp,
                            size_t resplen);

#endif
