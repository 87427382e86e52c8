/*
 * test_control.c - the control protocol (control.h) and its Unix socket
 * adapter (control_unix.h).
 */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "dns/control.h"
#include "dns/control_unix.h"

/* ---- framing ---- */

static void test_frame(void **state)
{
	(void)state;
	size_t n = 99;
	assert_int_equal(dns_ctl_frame("status\nzones\n", 13, 4096, &n), DNS_CTL_FRAME_LINE);
	assert_int_equal(n, 6);
	assert_int_equal(dns_ctl_frame("status\r\n", 8, 4096, &n), DNS_CTL_FRAME_LINE);
	assert_int_equal(n, 6);
	assert_int_equal(dns_ctl_frame("\n", 1, 4096, &n), DNS_CTL_FRAME_LINE);
	assert_int_equal(n, 0);
	assert_int_equal(dns_ctl_frame("stat", 4, 4096, &n), DNS_CTL_FRAME_MORE);
	/* exactly max bytes may still be followed by the newline; one more may not */
	char buf[10];
	memset(buf, 'a', sizeof(buf));
	assert_int_equal(dns_ctl_frame(buf, 8, 8, &n), DNS_CTL_FRAME_MORE);
	assert_int_equal(dns_ctl_frame(buf, 9, 8, &n), DNS_CTL_FRAME_TOO_LONG);
	buf[8] = '\n';
	assert_int_equal(dns_ctl_frame(buf, 10, 8, &n), DNS_CTL_FRAME_LINE);
	assert_int_equal(n, 8);
	/* a newline beyond the limit does not make a line */
	buf[8] = 'a';
	buf[9] = '\n';
	assert_int_equal(dns_ctl_frame(buf, 10, 8, &n), DNS_CTL_FRAME_TOO_LONG);
}

/* ---- requests ---- */

static void test_request_parse(void **state)
{
	(void)state;
	dns_ctl_request_t r;
	char err[128];
	const char *line = "  reload\t example.com  ";
	assert_int_equal(dns_ctl_request_parse(line, strlen(line), &r, err, sizeof(err)), DNS_OK);
	assert_string_equal(r.cmd, "reload");
	assert_int_equal(r.argc, 1);
	assert_string_equal(r.argv[0], "example.com");

	assert_int_equal(dns_ctl_request_parse("   ", 3, &r, err, sizeof(err)), DNS_ENOTFOUND);
	assert_int_equal(dns_ctl_request_parse("", 0, &r, err, sizeof(err)), DNS_ENOTFOUND);
	assert_int_equal(dns_ctl_request_parse("zones\x01", 6, &r, err, sizeof(err)), DNS_ESYNTAX);
	assert_int_equal(dns_ctl_request_parse("zones \xc3\xa9", 8, &r, err, sizeof(err)),
	                 DNS_ESYNTAX);
	assert_int_equal(dns_ctl_request_parse("a\0b", 3, &r, err, sizeof(err)), DNS_ESYNTAX);

	/* DNS_CTL_ARGS_MAX arguments pass, one more does not */
	char many[256] = "cmd";
	for (int i = 0; i < DNS_CTL_ARGS_MAX; i++)
		strcat(many, " x");
	assert_int_equal(dns_ctl_request_parse(many, strlen(many), &r, err, sizeof(err)), DNS_OK);
	assert_int_equal(r.argc, DNS_CTL_ARGS_MAX);
	strcat(many, " y");
	assert_int_equal(dns_ctl_request_parse(many, strlen(many), &r, err, sizeof(err)),
	                 DNS_ELIMIT);
	assert_non_null(strstr(err, "too many"));

	/* the longest line: one word of DNS_CTL_LINE_MAX bytes; then one byte more */
	char *big = malloc(DNS_CTL_LINE_MAX + 1);
	assert_non_null(big);
	memset(big, 'z', DNS_CTL_LINE_MAX + 1);
	assert_int_equal(dns_ctl_request_parse(big, DNS_CTL_LINE_MAX, &r, err, sizeof(err)), DNS_OK);
	assert_int_equal(strlen(r.cmd), DNS_CTL_LINE_MAX);
	assert_int_equal(dns_ctl_request_parse(big, DNS_CTL_LINE_MAX + 1, &r, err, sizeof(err)),
	                 DNS_ELIMIT);
	/* many one-byte words fill the buffer to the last byte */
	for (size_t i = 1; i < DNS_CTL_LINE_MAX; i += 2)
		big[i] = ' ';
	assert_int_equal(dns_ctl_request_parse(big, DNS_CTL_LINE_MAX, &r, err, sizeof(err)),
	                 DNS_ELIMIT);
	free(big);
}

static void test_request_format(void **state)
{
	(void)state;
	char out[DNS_CTL_LINE_MAX + 2], err[128];
	const char *args[] = { "example.com", "x\\032y" };
	assert_int_equal(dns_ctl_request_format("retransfer", args, 2, out, sizeof(out), err,
	                                        sizeof(err)), DNS_OK);
	assert_string_equal(out, "retransfer example.com x\\032y\n");
	/* what the client writes, the daemon reads back word for word */
	dns_ctl_request_t r;
	assert_int_equal(dns_ctl_request_parse(out, strlen(out) - 1, &r, err, sizeof(err)), DNS_OK);
	assert_string_equal(r.cmd, "retransfer");
	assert_int_equal(r.argc, 2);
	assert_string_equal(r.argv[1], "x\\032y");

	const char *spaced[] = { "a b" };
	assert_int_equal(dns_ctl_request_format("zones", spaced, 1, out, sizeof(out), err,
	                                        sizeof(err)), DNS_ESYNTAX);
	assert_non_null(strstr(err, "\\032"));
	const char *empty[] = { "" };
	assert_int_equal(dns_ctl_request_format("zones", empty, 1, out, sizeof(out), err,
	                                        sizeof(err)), DNS_ESYNTAX);
	char *big = malloc(DNS_CTL_LINE_MAX);
	memset(big, 'q', DNS_CTL_LINE_MAX - 1);
	big[DNS_CTL_LINE_MAX - 1] = '\0';
	const char *bigarg[] = { big };
	assert_int_equal(dns_ctl_request_format("zones", bigarg, 1, out, sizeof(out), err,
	                                        sizeof(err)), DNS_ELIMIT);
	free(big);
	const char *nine[DNS_CTL_ARGS_MAX + 1];
	for (int i = 0; i <= DNS_CTL_ARGS_MAX; i++)
		nine[i] = "x";
	assert_int_equal(dns_ctl_request_format("zones", nine, DNS_CTL_ARGS_MAX + 1, out,
	                                        sizeof(out), err, sizeof(err)), DNS_ELIMIT);
}

/* ---- dispatch and replies ---- */

typedef struct sink {
	char line[8192];
	size_t len;
	int sends;
} sink_t;

static void sink_send(void *io, dns_ctl_call_t *call, const char *line, size_t len)
{
	sink_t *s = io;
	(void)call;
	assert_true(len < sizeof(s->line));
	memcpy(s->line, line, len);
	s->line[len] = '\0';
	s->len = len;
	s->sends++;
}

typedef struct fake {
	int calls;
	unsigned argc;
	char arg0[64];
	dns_ctl_call_t *kept;
} fake_t;

static void h_status(void *ctx, dns_ctl_call_t *call, unsigned argc, const char *const *argv)
{
	fake_t *f = ctx;
	(void)argv;
	f->calls++;
	f->argc = argc;
	dns_ctl_reply(call, json_pack("{s:s,s:i}", "version", "1.2.3", "zones", 3));
}

static void h_zone(void *ctx, dns_ctl_call_t *call, unsigned argc, const char *const *argv)
{
	fake_t *f = ctx;
	f->calls++;
	f->argc = argc;
	snprintf(f->arg0, sizeof(f->arg0), "%s", argc ? argv[0] : "");
	if (argc && strcmp(argv[0], "example.com") != 0) {
		dns_ctl_fail(call, DNS_CTL_E_NOZONE, "no such zone: %s", argv[0]);
		return;
	}
	f->kept = call;   /* answered later, as `reload` is */
}

static const dns_ctl_cmd_t cmds[] = {
	{ "status", "", 0, 0, "what runs", h_status },
	{ "reload", "[ZONE]", 0, 1, "reload now", h_zone },
};

static void parse_line(const sink_t *s, dns_ctl_response_t *r)
{
	char err[128];
	assert_true(s->len > 0 && s->line[s->len - 1] == '\n');
	assert_null(memchr(s->line, '\n', s->len - 1));   /* one line */
	assert_int_equal(dns_ctl_response_parse(s->line, s->len - 1, r, err, sizeof(err)), DNS_OK);
}

static void run(const dns_ctl_table_t *t, sink_t *s, const char *line)
{
	dns_ctl_request_t req;
	char err[128];
	assert_int_equal(dns_ctl_request_parse(line, strlen(line), &req, err, sizeof(err)), DNS_OK);
	dns_ctl_call_t *call = dns_ctl_call_new(sink_send, s);
	assert_non_null(call);
	dns_ctl_dispatch(t, call, &req);
}

static void test_dispatch(void **state)
{
	(void)state;
	fake_t f = { 0 };
	dns_ctl_table_t t = { cmds, 2, &f };
	sink_t s = { 0 };
	dns_ctl_response_t r;

	run(&t, &s, "status");
	assert_int_equal(s.sends, 1);
	parse_line(&s, &r);
	assert_true(r.ok);
	assert_string_equal(json_string_value(json_object_get(r.result, "version")), "1.2.3");
	assert_int_equal(json_integer_value(json_object_get(r.result, "zones")), 3);
	dns_ctl_response_free(&r);

	/* unknown command, wrong argument counts: refused before any handler */
	f.calls = 0;
	run(&t, &s, "frobnicate now");
	parse_line(&s, &r);
	assert_false(r.ok);
	assert_int_equal(r.status, DNS_CTL_E_UNKNOWN);
	assert_string_equal(r.error, "unknown-command");
	assert_non_null(strstr(r.message, "frobnicate"));
	dns_ctl_response_free(&r);
	run(&t, &s, "status extra");
	parse_line(&s, &r);
	assert_int_equal(r.status, DNS_CTL_E_ARGS);
	assert_string_equal(r.message, "usage: status");
	dns_ctl_response_free(&r);
	run(&t, &s, "reload a b");
	parse_line(&s, &r);
	assert_int_equal(r.status, DNS_CTL_E_ARGS);
	assert_string_equal(r.message, "usage: reload [ZONE]");
	dns_ctl_response_free(&r);
	assert_int_equal(f.calls, 0);

	/* the handler's own refusal */
	run(&t, &s, "reload nowhere.test");
	parse_line(&s, &r);
	assert_int_equal(r.status, DNS_CTL_E_NOZONE);
	assert_string_equal(r.error, "no-such-zone");
	assert_string_equal(r.message, "no such zone: nowhere.test");
	dns_ctl_response_free(&r);
	assert_null(f.kept);

	/* an answer given later: nothing sent until then, once after */
	int before = s.sends;
	run(&t, &s, "reload example.com");
	assert_int_equal(s.sends, before);
	assert_non_null(f.kept);
	assert_string_equal(f.arg0, "example.com");
	dns_ctl_reply(f.kept, json_pack("{s:s}", "commit", "abc"));
	f.kept = NULL;
	assert_int_equal(s.sends, before + 1);
	parse_line(&s, &r);
	assert_string_equal(json_string_value(json_object_get(r.result, "commit")), "abc");
	dns_ctl_response_free(&r);

	/* a detached call's answer goes nowhere (its connection closed) */
	run(&t, &s, "reload");
	assert_non_null(f.kept);
	dns_ctl_call_detach(f.kept);
	dns_ctl_fail(f.kept, DNS_CTL_E_FAILED, "fetch failed");
	f.kept = NULL;
	assert_int_equal(s.sends, before + 1);

	/* help lists the table */
	run(&t, &s, "help");
	parse_line(&s, &r);
	const json_t *list = json_object_get(r.result, "commands");
	assert_int_equal(json_array_size(list), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 1), "args")),
	                    "[ZONE]");
	dns_ctl_response_free(&r);
}

static void test_reply_text(void **state)
{
	(void)state;
	sink_t s = { 0 };
	dns_ctl_response_t r;
	/* messages are made printable ASCII and valid JSON whatever they hold */
	dns_ctl_call_t *call = dns_ctl_call_new(sink_send, &s);
	dns_ctl_fail(call, DNS_CTL_E_FAILED, "zone \"x\\y\"\n\xff: bad");
	parse_line(&s, &r);
	assert_string_equal(r.message, "zone \"x\\y\"??: bad");
	dns_ctl_response_free(&r);

	char line[256];
	size_t n = dns_ctl_error_line(DNS_CTL_E_BUSY, "too \"many\"\n", line, sizeof(line));
	assert_true(n > 0);
	s.len = n;
	memcpy(s.line, line, n);
	parse_line(&s, &r);
	assert_int_equal(r.status, DNS_CTL_E_BUSY);
	assert_string_equal(r.message, "too many");
	dns_ctl_response_free(&r);
	assert_int_equal(dns_ctl_error_line(DNS_CTL_E_BUSY, "x", line, 10), 0);

	json_t *t = dns_ctl_time(86400 * 365);
	assert_string_equal(json_string_value(t), "1971-01-01T00:00:00Z");
	json_decref(t);
	t = dns_ctl_time(0);
	assert_true(json_is_null(t));

	char err[128];
	assert_int_equal(dns_ctl_response_parse("{\"ok\":true}", 11, &r, err, sizeof(err)),
	                 DNS_EMALFORMED);
	assert_int_equal(dns_ctl_response_parse("{\"ok\":", 6, &r, err, sizeof(err)),
	                 DNS_EMALFORMED);
	assert_int_equal(dns_ctl_response_parse("[1]", 3, &r, err, sizeof(err)), DNS_EMALFORMED);
	const char *unk = "{\"ok\":false,\"error\":\"future-code\",\"message\":\"m\"}";
	assert_int_equal(dns_ctl_response_parse(unk, strlen(unk), &r, err, sizeof(err)), DNS_OK);
	assert_int_equal(r.status, DNS_CTL_E_FAILED);
	dns_ctl_response_free(&r);
}

static char *format(const char *json)
{
	json_error_t je;
	json_t *v = json_loads(json, 0, &je);
	assert_non_null(v);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	dns_ctl_format_text(v, f);
	fclose(f);
	json_decref(v);
	return text;
}

static void test_format_text(void **state)
{
	(void)state;
	char *t = format("{\"program\":\"dns-primary-git\",\"uptime_seconds\":5,\"stale\":false,"
	                 "\"commit\":null,\"listen\":[\"127.0.0.1:53\",\"[::1]:53\"],"
	                 "\"notify\":{\"pending\":1,\"acknowledged\":2}}");
	assert_string_equal(t, "program:             dns-primary-git\n"
	                       "uptime_seconds:      5\n"
	                       "stale:               no\n"
	                       "commit:              -\n"
	                       "listen:              127.0.0.1:53, [::1]:53\n"
	                       "notify.pending:      1\n"
	                       "notify.acknowledged: 2\n");
	free(t);
	/* one table alone: header and aligned rows, missing cells as "-" */
	t = format("{\"zones\":[{\"name\":\"example.com\",\"serial\":7,\"error\":null},"
	           "{\"name\":\"a.test\",\"serial\":2026050101}]}");
	assert_string_equal(t, "name         serial      error\n"
	                       "example.com  7           -\n"
	                       "a.test       2026050101  -\n");
	free(t);
	t = format("{\"message\":\"stopping\"}");
	assert_string_equal(t, "stopping\n");
	free(t);
	/* a table beside fields gets its name as a title; an empty list is "-" */
	t = format("{\"commit\":\"ab\",\"zones\":[{\"name\":\"x\"}],\"targets\":[]}");
	assert_string_equal(t, "commit:  ab\ntargets: -\nzones:\nname\nx\n");
	free(t);
}

/* ---- the Unix socket adapter ---- */

typedef struct env {
	char dir[64], path[128];
	struct event_base *base;
	dns_ctl_server_t *srv;
	fake_t f;
	dns_ctl_table_t t;
} env_t;

static int setup(void **state)
{
	env_t *e = calloc(1, sizeof(*e));
	strcpy(e->dir, "/tmp/test_control.XXXXXX");
	assert_non_null(mkdtemp(e->dir));
	snprintf(e->path, sizeof(e->path), "%s/control.sock", e->dir);
	e->base = event_base_new();
	e->t = (dns_ctl_table_t){ cmds, 2, &e->f };
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	env_t *e = *state;
	dns_ctl_server_free(e->srv);
	event_base_free(e->base);
	unlink(e->path);
	rmdir(e->dir);
	free(e);
	return 0;
}

static void start(env_t *e, unsigned max_conns, uint32_t io_ms)
{
	char err[256];
	dns_ctl_server_config_t c = { .path = e->path, .table = &e->t, .max_conns = max_conns,
	                              .io_timeout_ms = io_ms };
	assert_int_equal(dns_ctl_server_start(e->base, &c, &e->srv, err, sizeof(err)), DNS_OK);
}

static int client(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Run the loop until @fd has @lines lines (or EOF); what was read. */
static size_t pump(env_t *e, int fd, int lines, char *buf, size_t cap, bool *eof)
{
	size_t n = 0;
	*eof = false;
	uint64_t end = now_ms() + 5000;   /* a liveness bound */
	while (now_ms() < end) {
		event_base_loop(e->base, EVLOOP_NONBLOCK);
		ssize_t r = recv(fd, buf + n, cap - 1 - n, 0);
		if (r > 0)
			n += (size_t)r;
		else if (r == 0) {
			*eof = true;
			break;
		}
		buf[n] = '\0';
		int seen = 0;
		for (size_t i = 0; i < n; i++)
			seen += buf[i] == '\n';
		if (lines && seen >= lines)
			break;
		usleep(1000);
	}
	buf[n] = '\0';
	return n;
}

static void test_unix_serve(void **state)
{
	env_t *e = *state;
	start(e, 0, 0);
	struct stat st;
	assert_int_equal(stat(e->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);

	/* three requests in one write (a blank line among them): two answers, in order */
	int fd = client(e->path);
	const char *req = "status\n\nreload elsewhere.test\r\n";
	assert_int_equal(send(fd, req, strlen(req), 0), (ssize_t)strlen(req));
	char buf[4096];
	bool eof;
	pump(e, fd, 2, buf, sizeof(buf), &eof);
	char *nl = strchr(buf, '\n');
	assert_non_null(nl);
	assert_non_null(strstr(buf, "\"ok\":true"));
	assert_true(strstr(buf, "\"ok\":true") < nl);
	assert_non_null(strstr(nl + 1, "no-such-zone"));
	assert_false(eof);

	/* an answer given later reaches the connection that asked */
	assert_int_equal(send(fd, "reload\n", 7, 0), 7);
	pump(e, fd, 0, buf, sizeof(buf), &eof);   /* runs until the bound: nothing comes */
	assert_string_equal(buf, "");
	assert_non_null(e->f.kept);
	dns_ctl_reply(e->f.kept, json_pack("{s:s}", "commit", "c0ffee"));
	e->f.kept = NULL;
	pump(e, fd, 1, buf, sizeof(buf), &eof);
	assert_non_null(strstr(buf, "c0ffee"));

	/* a request line over the limit: refused, connection closed */
	char *big = malloc(DNS_CTL_LINE_MAX + 100);
	memset(big, 'x', DNS_CTL_LINE_MAX + 100);
	assert_true(send(fd, big, DNS_CTL_LINE_MAX + 100, 0) > 0);
	free(big);
	pump(e, fd, 5, buf, sizeof(buf), &eof);
	assert_non_null(strstr(buf, "bad-request"));
	assert_true(eof);
	close(fd);

	/* a client that leaves while its command runs: the answer goes nowhere */
	fd = client(e->path);
	assert_int_equal(send(fd, "reload\n", 7, 0), 7);
	for (int i = 0; i < 50 && !e->f.kept; i++) {
		event_base_loop(e->base, EVLOOP_NONBLOCK);
		usleep(1000);
	}
	assert_non_null(e->f.kept);
	close(fd);
	for (int i = 0; i < 20; i++)
		event_base_loop(e->base, EVLOOP_NONBLOCK);
	dns_ctl_reply(e->f.kept, NULL);
	e->f.kept = NULL;

	/* freed: the socket file goes */
	dns_ctl_server_free(e->srv);
	e->srv = NULL;
	assert_int_equal(stat(e->path, &st), -1);
}

static void test_unix_limits(void **state)
{
	env_t *e = *state;
	start(e, 1, 300);
	char buf[512];
	bool eof;
	/* one connection allowed: the second is told busy */
	int a = client(e->path);
	for (int i = 0; i < 20; i++)
		event_base_loop(e->base, EVLOOP_NONBLOCK);
	int b = client(e->path);
	pump(e, b, 1, buf, sizeof(buf), &eof);
	assert_non_null(strstr(buf, "\"error\":\"busy\""));
	close(b);

	/* a request trickling a byte every 50 ms is cut at the 300 ms io bound
	 * (not kept open by each byte): closed well before the trickle ends */
	bool closed = false;
	for (int i = 0; i < 60 && !closed; i++) {
		if (send(a, "s", 1, MSG_NOSIGNAL) != 1)
			closed = true;
		for (int k = 0; k < 50 && !closed; k++) {
			event_base_loop(e->base, EVLOOP_NONBLOCK);
			closed = recv(a, buf, sizeof(buf), 0) == 0;
			usleep(1000);
		}
	}
	assert_true(closed);
	close(a);
	/* the slot is free again */
	b = client(e->path);
	assert_int_equal(send(b, "status\n", 7, 0), 7);
	pump(e, b, 1, buf, sizeof(buf), &eof);
	assert_non_null(strstr(buf, "\"ok\":true"));
	close(b);
}

static void test_unix_path(void **state)
{
	env_t *e = *state;
	char err[256];
	dns_ctl_server_config_t c = { .path = e->path, .table = &e->t };
	/* a socket file left by a dead process is replaced */
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	strcpy(sa.sun_path, e->path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	assert_int_equal(dns_ctl_server_start(e->base, &c, &e->srv, err, sizeof(err)), DNS_OK);

	/* a socket someone answers on is not taken over */
	dns_ctl_server_t *second = NULL;
	assert_int_not_equal(dns_ctl_server_start(e->base, &c, &second, err, sizeof(err)), DNS_OK);
	assert_null(second);
	assert_non_null(strstr(err, "another process answers on it"));
	struct stat st;
	assert_int_equal(stat(e->path, &st), 0);   /* and the first one's file stays */
	dns_ctl_server_free(e->srv);
	e->srv = NULL;

	/* nor a file that is not a socket */
	int f = open(e->path, O_CREAT | O_WRONLY, 0600);
	assert_true(f >= 0);
	close(f);
	assert_int_not_equal(dns_ctl_server_start(e->base, &c, &second, err, sizeof(err)), DNS_OK);
	assert_non_null(strstr(err, "not a socket"));
	assert_int_equal(stat(e->path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	unlink(e->path);

	/* a path that cannot be a socket address */
	char longp[200];
	memset(longp, 'p', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	c.path = longp;
	assert_int_equal(dns_ctl_server_start(e->base, &c, &second, err, sizeof(err)), DNS_ELIMIT);
	assert_non_null(strstr(err, "longer than"));
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);   /* a closed test connection is an assertion, not a death */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame),
		cmocka_unit_test(test_request_parse),
		cmocka_unit_test(test_request_format),
		cmocka_unit_test(test_dispatch),
		cmocka_unit_test(test_reply_text),
		cmocka_unit_test(test_format_text),
		cmocka_unit_test_setup_teardown(test_unix_serve, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unix_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unix_path, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
