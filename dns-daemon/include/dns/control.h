/*
 * control.h - the control protocol of the suite's daemons (dns-ctl),
 * sans-IO: framing, requests, the command table a daemon registers,
 * replies, and the client's side (request text, reply parsing, human
 * text).  control_unix.h carries it over a Unix stream socket.
 *
 * On the wire, one connection carries any number of exchanges, one at a
 * time.  A request is one line of at most DNS_CTL_LINE_MAX bytes:
 *
 *     reload example.com\n
 *
 * words separated by spaces or tabs, each of printable ASCII (so zone
 * names with odd bytes are written with DNS presentation escapes, like
 * "a\032b.example").  The answer is one line of JSON (RFC 8259):
 *
 *     {"ok":true,"result":{"commit":"4f1c...","zones":3}}\n
 *     {"ok":false,"error":"no-such-zone","message":"no such zone: foo"}\n
 *
 * so that a person with `socat - UNIX-CONNECT:control.sock` can type
 * commands, and a program reads a reply without knowing the command.
 */
#ifndef DNS_CONTROL_H
#define DNS_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "dns/error.h"

#define DNS_CTL_LINE_MAX 4096           /* request line, without its newline */
#define DNS_CTL_ARGS_MAX 8              /* words after the command */
#define DNS_CTL_REPLY_MAX (64u << 20)   /* a reply line the client accepts */

/* ---- framing ---- */

typedef enum dns_ctl_frame {
	DNS_CTL_FRAME_LINE,      /* a whole line: *line_len bytes, then the newline */
	DNS_CTL_FRAME_MORE,      /* no newline yet and fewer than @max bytes: read on */
	DNS_CTL_FRAME_TOO_LONG,  /* @max bytes without a newline: refuse */
} dns_ctl_frame_t;

/* Look for the first line in @buf[0..len).  The line excludes the newline
 * (and a CR before it); it takes *line_len + 1 bytes of the buffer. */
dns_ctl_frame_t dns_ctl_frame(const char *buf, size_t len, size_t max, size_t *line_len);

/* ---- requests ---- */

typedef struct dns_ctl_request {
	char words[DNS_CTL_LINE_MAX + 1];   /* the words, NUL-terminated in place */
	const char *cmd;
	const char *argv[DNS_CTL_ARGS_MAX];
	unsigned argc;
} dns_ctl_request_t;

/*
 * Split one request line (without newline) into its words.  DNS_ENOTFOUND
 * for a blank line (nothing to answer), DNS_ESYNTAX for bytes outside
 * printable ASCII, DNS_ELIMIT for a line or word count over the limits;
 * @err says which.
 */
dns_err_t dns_ctl_request_parse(const char *line, size_t len, dns_ctl_request_t *req, char *err,
                                size_t errlen);

/* Client: "cmd arg...\n" into @out (NUL-terminated), checking every word
 * as dns_ctl_request_parse will.  DNS_ESYNTAX, DNS_ELIMIT with @err. */
dns_err_t dns_ctl_request_format(const char *cmd, const char *const *args, unsigned nargs,
                                 char *out, size_t cap, char *err, size_t errlen);

/* ---- replies ---- */

/* Why a command failed; the wire names are in dns_ctl_status_name. */
typedef enum dns_ctl_status {
	DNS_CTL_OK = 0,
	DNS_CTL_E_UNKNOWN,    /* "unknown-command" */
	DNS_CTL_E_ARGS,       /* "bad-arguments" */
	DNS_CTL_E_REQUEST,    /* "bad-request": not a request line (bytes, length) */
	DNS_CTL_E_NOZONE,     /* "no-such-zone" */
	DNS_CTL_E_FAILED,     /* "failed": the command ran and did not succeed */
	DNS_CTL_E_BUSY,       /* "busy": too many control connections */
	DNS_CTL_E_TIMEOUT,    /* "timeout": no answer within the daemon's bound */
	DNS_CTL_E_STOPPING,   /* "stopping": the daemon stops before answering */
	DNS_CTL_STATUS_COUNT_
} dns_ctl_status_t;

const char *dns_ctl_status_name(dns_ctl_status_t st);
/* The status of wire name @name; DNS_CTL_E_FAILED for names not known. */
dns_ctl_status_t dns_ctl_status_parse(const char *name);

/*
 * An error reply line (JSON, newline-terminated) in @out; for refusals
 * made before any command runs (too long, busy).  Returns its length, 0
 * if @cap is too small.
 */
size_t dns_ctl_error_line(dns_ctl_status_t st, const char *message, char *out, size_t cap);

/* ---- the command table ---- */

/*
 * A call is one request being answered.  The dispatcher makes it and
 * hands it to the command's handler, which answers it exactly once with
 * dns_ctl_reply or dns_ctl_fail, at once or later (on the thread the
 * adapter runs on: the daemon's control loop).  The answer line goes to
 * the adapter's send function, or nowhere once the adapter detached the
 * call (its connection closed).
 */
typedef struct dns_ctl_call dns_ctl_call_t;

/* @line is one JSON reply with its newline; valid during the call. */
typedef void (*dns_ctl_send_fn)(void *io, dns_ctl_call_t *call, const char *line, size_t len);

typedef void (*dns_ctl_fn)(void *ctx, dns_ctl_call_t *call, unsigned argc,
                           const char *const *argv);

typedef struct dns_ctl_cmd {
	const char *name;
	const char *args;        /* usage of the arguments: "ZONE", "[ZONE]", "" */
	unsigned min_args, max_args;
	const char *help;        /* one line */
	dns_ctl_fn fn;
} dns_ctl_cmd_t;

/* A daemon's commands; `help` is answered by the dispatcher itself. */
typedef struct dns_ctl_table {
	const dns_ctl_cmd_t *cmds;
	size_t ncmds;
	void *ctx;               /* given to every handler */
} dns_ctl_table_t;

/* A call whose answer goes to @send(@io, ...); NULL on ENOMEM. */
dns_ctl_call_t *dns_ctl_call_new(dns_ctl_send_fn send, void *io);

/* No one waits for @call's answer any more: it will be discarded. */
void dns_ctl_call_detach(dns_ctl_call_t *call);

/*
 * Run @req: find its command, check the number of arguments, call the
 * handler (or answer "unknown-command", "bad-arguments" at once).
 */
void dns_ctl_dispatch(const dns_ctl_table_t *t, dns_ctl_call_t *call,
                      const dns_ctl_request_t *req);

/* Answer @call with @result (a JSON object whose reference is taken; NULL
 * for {}); frees @call. */
void dns_ctl_reply(dns_ctl_call_t *call, json_t *result);

/* Answer @call with an error; frees @call. */
void dns_ctl_fail(dns_ctl_call_t *call, dns_ctl_status_t st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- helpers for handlers ---- */

/* A JSON string of @s with every byte outside printable ASCII as '?'
 * (file names and messages may hold anything; JSON wants UTF-8). */
json_t *dns_ctl_text(const char *s);

/* A UNIX time (seconds) as "2026-05-01T12:00:00Z"; JSON null for 0. */
json_t *dns_ctl_time(uint64_t unix_s);

/* The members every `status` starts with: program, version (the suite's),
 * pid and uptime_seconds (from @started_s, CLOCK_MONOTONIC seconds). */
json_t *dns_ctl_status_base(const char *program, uint64_t started_s);

/* CLOCK_MONOTONIC seconds, for dns_ctl_status_base. */
uint64_t dns_ctl_mono_s(void);

/* The control socket of a daemon with state directory @dir:
 * "<dir>/control.sock".  DNS_ELIMIT when it does not fit @cap. */
dns_err_t dns_ctl_default_path(const char *dir, char *out, size_t cap);

/* ---- the client's side ---- */

typedef struct dns_ctl_response {
	json_t *root;            /* owned */
	bool ok;
	const json_t *result;    /* ok: an object */
	dns_ctl_status_t status; /* !ok */
	const char *error;       /* !ok: the wire name */
	const char *message;     /* !ok: the text ("" if none) */
} dns_ctl_response_t;

/* Parse one reply line.  DNS_EMALFORMED (with @err) if it is not one. */
dns_err_t dns_ctl_response_parse(const char *line, size_t len, dns_ctl_response_t *out,
                                 char *err, size_t errlen);
void dns_ctl_response_free(dns_ctl_response_t *r);

/*
 * A result as text for people: a member "message" as its own line; other
 * scalars as "name: value" lines (names aligned); an array of objects as
 * a table with a header line; an array of scalars as one comma-separated
 * value; a nested object as "name.member: value" lines.  Booleans are
 * yes/no, null is "-".
 */
void dns_ctl_format_text(const json_t *result, FILE *out);

#endif
