/*
 * control.c - the daemon's side of the control protocol (see control.h):
 * framing, request words, dispatch through the command table, replies.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dns/control.h"
#include "dns/metrics_text.h"

static const char *const status_names[DNS_CTL_STATUS_COUNT_] = {
	[DNS_CTL_OK] = "ok",
	[DNS_CTL_E_UNKNOWN] = "unknown-command",
	[DNS_CTL_E_ARGS] = "bad-arguments",
	[DNS_CTL_E_REQUEST] = "bad-request",
	[DNS_CTL_E_NOZONE] = "no-such-zone",
	[DNS_CTL_E_FAILED] = "failed",
	[DNS_CTL_E_BUSY] = "busy",
	[DNS_CTL_E_TIMEOUT] = "timeout",
	[DNS_CTL_E_STOPPING] = "stopping",
};

const char *dns_ctl_status_name(dns_ctl_status_t st)
{
	return (unsigned)st < DNS_CTL_STATUS_COUNT_ ? status_names[st] : "failed";
}

dns_ctl_status_t dns_ctl_status_parse(const char *name)
{
	for (unsigned i = 1; i < DNS_CTL_STATUS_COUNT_; i++)
		if (strcmp(name, status_names[i]) == 0)
			return (dns_ctl_status_t)i;
	return DNS_CTL_E_FAILED;
}

/* ---- framing and requests ---- */

dns_ctl_frame_t dns_ctl_frame(const char *buf, size_t len, size_t max, size_t *line_len)
{
	size_t scan = len < max + 1 ? len : max + 1;
	const char *nl = memchr(buf, '\n', scan);
	if (!nl)
		return len > max ? DNS_CTL_FRAME_TOO_LONG : DNS_CTL_FRAME_MORE;
	size_t n = (size_t)(nl - buf);
	*line_len = n > 0 && buf[n - 1] == '\r' ? n - 1 : n;
	return DNS_CTL_FRAME_LINE;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_word_byte(unsigned char c)
{
	return c > 0x20 && c < 0x7f;
}

static dns_err_t req_fail(char *err, size_t errlen, dns_err_t e, const char *msg)
{
	snprintf(err, errlen, "%s", msg);
	return e;
}

dns_err_t dns_ctl_request_parse(const char *line, size_t len, dns_ctl_request_t *req, char *err,
                                size_t errlen)
{
	memset(req, 0, sizeof(*req));
	if (len > DNS_CTL_LINE_MAX)
		return req_fail(err, errlen, DNS_ELIMIT, "request line too long");
	size_t nwords = 0;
	const char *words[1 + DNS_CTL_ARGS_MAX];
	size_t i = 0, o = 0;
	while (i < len) {
		if (is_space(line[i])) {
			i++;
			continue;
		}
		if (nwords == 1 + DNS_CTL_ARGS_MAX)
			return req_fail(err, errlen, DNS_ELIMIT, "too many arguments");
		words[nwords++] = &req->words[o];
		for (; i < len && !is_space(line[i]); i++) {
			if (!is_word_byte((unsigned char)line[i]))
				return req_fail(err, errlen, DNS_ESYNTAX,
				                "request holds bytes other than printable ASCII");
			req->words[o++] = line[i];
		}
		req->words[o++] = '\0';   /* o <= len + 1 words: fits DNS_CTL_LINE_MAX + 1 */
	}
	if (nwords == 0)
		return req_fail(err, errlen, DNS_ENOTFOUND, "empty request");
	req->cmd = words[0];
	req->argc = (unsigned)(nwords - 1);
	for (unsigned a = 0; a < req->argc; a++)
		req->argv[a] = words[a + 1];
	return DNS_OK;
}

/* ---- replies ---- */

struct dns_ctl_call {
	dns_ctl_send_fn send;
	void *io;
};

dns_ctl_call_t *dns_ctl_call_new(dns_ctl_send_fn send, void *io)
{
	dns_ctl_call_t *c = malloc(sizeof(*c));
	if (c) {
		c->send = send;
		c->io = io;
	}
	return c;
}

void dns_ctl_call_detach(dns_ctl_call_t *call)
{
	call->send = NULL;
	call->io = NULL;
}

/* Send @root (reference taken) as one line and free @call. */
static void finish(dns_ctl_call_t *call, json_t *root)
{
	char *text = root ? json_dumps(root, JSON_COMPACT) : NULL;
	json_decref(root);
	char fallback[128];
	size_t len;
	if (text) {
		len = strlen(text);
		char *line = realloc(text, len + 2);
		if (line) {
			text = line;
			text[len++] = '\n';
			text[len] = '\0';
		} else {
			free(text);
			text = NULL;
		}
	}
	if (!text)
		len = dns_ctl_error_line(DNS_CTL_E_FAILED, "out of memory", fallback, sizeof(fallback));
	if (call->send)
		call->send(call->io, call, text ? text : fallback, len);
	free(text);
	free(call);
}

void dns_ctl_reply(dns_ctl_call_t *call, json_t *result)
{
	json_t *root = json_object();
	if (!result)
		result = json_object();
	if (root && result && json_is_object(result)) {
		json_object_set_new(root, "ok", json_true());
		json_object_set_new(root, "result", result);
	} else {
		json_decref(result);
		json_decref(root);
		root = NULL;
	}
	finish(call, root);
}

static json_t *error_root(dns_ctl_status_t st, const char *message)
{
	json_t *root = json_object();
	if (root) {
		json_object_set_new(root, "ok", json_false());
		json_object_set_new(root, "error", json_string(dns_ctl_status_name(st)));
		json_object_set_new(root, "message", dns_ctl_text(message));
	}
	return root;
}

void dns_ctl_fail(dns_ctl_call_t *call, dns_ctl_status_t st, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	finish(call, error_root(st, msg));
}

size_t dns_ctl_error_line(dns_ctl_status_t st, const char *message, char *out, size_t cap)
{
	/* no allocation: also the answer when memory ran out */
	char msg[256];
	size_t o = 0;
	for (const char *p = message; *p && o + 1 < sizeof(msg); p++)
		if ((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f && *p != '"' && *p != '\\')
			msg[o++] = *p;
	msg[o] = '\0';
	int n = snprintf(out, cap, "{\"ok\":false,\"error\":\"%s\",\"message\":\"%s\"}\n",
	                 dns_ctl_status_name(st), msg);
	return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

/* ---- dispatch ---- */

static void help(const dns_ctl_table_t *t, dns_ctl_call_t *call)
{
	json_t *list = json_array();
	for (size_t i = 0; list && i < t->ncmds; i++)
		json_array_append_new(list, json_pack("{s:s,s:s,s:s}", "command", t->cmds[i].name,
		                                      "args", t->cmds[i].args ? t->cmds[i].args : "",
		                                      "help", t->cmds[i].help ? t->cmds[i].help : ""));
	dns_ctl_reply(call, list ? json_pack("{s:o}", "commands", list) : NULL);
}

void dns_ctl_dispatch(const dns_ctl_table_t *t, dns_ctl_call_t *call,
                      const dns_ctl_request_t *req)
{
	if (strcmp(req->cmd, "help") == 0 && req->argc == 0) {
		help(t, call);
		return;
	}
	for (size_t i = 0; i < t->ncmds; i++) {
		const dns_ctl_cmd_t *c = &t->cmds[i];
		if (strcmp(c->name, req->cmd) != 0)
			continue;
		if (req->argc < c->min_args || req->argc > c->max_args) {
			dns_ctl_fail(call, DNS_CTL_E_ARGS, "usage: %s%s%s", c->name,
			             c->args && *c->args ? " " : "", c->args ? c->args : "");
			return;
		}
		c->fn(t->ctx, call, req->argc, req->argv);
		return;
	}
	dns_ctl_fail(call, DNS_CTL_E_UNKNOWN, "unknown command: %.64s (try: help)", req->cmd);
}

/* ---- helpers ---- */

json_t *dns_ctl_text(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	char *c = malloc(n + 1);
	if (!c)
		return NULL;
	for (size_t i = 0; i < n; i++)
		c[i] = (unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7f ? s[i] : '?';
	c[n] = '\0';
	json_t *j = json_stringn(c, n);
	free(c);
	return j;
}

json_t *dns_ctl_time(uint64_t unix_s)
{
	if (!unix_s)
		return json_null();
	time_t t = (time_t)unix_s;
	struct tm tm;
	char buf[32];
	if (!gmtime_r(&t, &tm) || !strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm))
		return json_null();
	return json_string(buf);
}

uint64_t dns_ctl_mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

json_t *dns_ctl_status_base(const char *program, uint64_t started_s)
{
	uint64_t now = dns_ctl_mono_s();
	return json_pack("{s:s,s:s,s:I,s:I}", "program", program, "version", dns_suite_version(), "pid",
	                 (json_int_t)getpid(), "uptime_seconds",
	                 (json_int_t)(now > started_s ? now - started_s : 0));
}

dns_err_t dns_ctl_default_path(const char *dir, char *out, size_t cap)
{
	int n = snprintf(out, cap, "%s/control.sock", dir);
	return n > 0 && (size_t)n < cap ? DNS_OK : DNS_ELIMIT;
}
