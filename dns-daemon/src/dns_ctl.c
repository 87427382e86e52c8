/*
 * dns-ctl - control a running daemon of the suite over its control socket
 * (control.h has the protocol, control_unix.h the daemon's side).
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "dns/control.h"
#include "dns/metrics_text.h"

/* Exit codes (documented in --help). */
enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_CONNECT = 3 };

#define DEFAULT_STATE_DIR "./dns-primary-git-state"
#define DEFAULT_TIMEOUT_S 60

static void usage(FILE *out)
{
	fputs(
"Usage: dns-ctl [--control PATH | --state-dir DIR] [--json] [--timeout S] COMMAND [ARGS]\n"
"\n"
"Control a running dns-primary-git, dns-secondary, dns-resolver or\n"
"dns-letsencrypt-secondary through its control socket (the daemon's\n"
"--control option).\n"
"\n"
"Options:\n"
"  --control PATH   the daemon's control socket\n"
"  --state-dir DIR  the daemon's state directory: the socket is DIR/control.sock\n"
"                   (default ./dns-primary-git-state, dns-primary-git's default)\n"
"  --json           print the daemon's answer as JSON, one line:\n"
"                   {\"ok\":true,\"result\":{...}} or\n"
"                   {\"ok\":false,\"error\":CODE,\"message\":TEXT}\n"
"  --timeout S      wait at most S seconds for the answer (default 60)\n"
"  --help           show this help and exit\n"
"  --version        show the version and exit\n"
"\n"
"Commands (`dns-ctl help` lists those of the daemon at hand):\n"
"  status           version, uptime and what the daemon serves\n"
"  zones            one line per zone\n"
"  reload [ZONE]    primary: fetch the remote and reload now (as NOTIFY or\n"
"                   SIGHUP would); answers when done, with the commit served\n"
"  notify ZONE      primary: send the zone's NOTIFYs again\n"
"  refresh ZONE     secondary: check the primary's serial now\n"
"  retransfer ZONE  secondary: transfer the whole zone (AXFR) now\n"
"  stop             stop the daemon (as SIGTERM does)\n"
"  help             the daemon's commands\n"
"\n"
"Exit status: 0 done; 1 the command failed (the daemon says why); 2 usage\n"
"(bad options, unknown command or arguments); 3 no answer (cannot connect,\n"
"timed out, or the connection broke).\n", out);
}

static int fail_usage(const char *msg, const char *arg)
{
	fprintf(stderr, "dns-ctl: %s%s%s\nTry 'dns-ctl --help'.\n", msg, arg ? ": " : "",
	        arg ? arg : "");
	return EXIT_USAGE;
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for @events on @fd until @deadline; false on timeout. */
static bool wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - mono_ms();
		if (left <= 0)
			return false;
		struct pollfd p = { .fd = fd, .events = events };
		int r = poll(&p, 1, (int)(left > 60000 ? 60000 : left));
		if (r > 0)
			return true;
		if (r < 0 && errno != EINTR)
			return true;   /* the next read or write says what broke */
	}
}

static int connect_to(const char *path, int64_t deadline)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "dns-ctl: %s: path too long for a Unix socket\n", path);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "dns-ctl: socket: %s\n", strerror(errno));
		return -1;
	}
	while (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN && mono_ms() < deadline) {
			/* the daemon's listen queue is full: it takes a few at a time */
			nanosleep(&(struct timespec){ .tv_nsec = 50000000 }, NULL);
			continue;
		}
		fprintf(stderr, "dns-ctl: cannot connect to %s: %s%s\n", path, strerror(errno),
		        errno == ENOENT || errno == ECONNREFUSED ? " (is the daemon running with "
		                                                   "this --control?)" : "");
		close(fd);
		return -1;
	}
	return fd;
}

static bool send_all(int fd, const char *buf, size_t len, int64_t deadline)
{
	size_t off = 0;
	while (off < len) {
		ssize_t n = send(fd, buf + off, len - off, MSG_NOSIGNAL);
		if (n > 0)
			off += (size_t)n;
		else if (n < 0 && errno == EINTR)
			continue;
		else if (n < 0 && errno == EAGAIN && wait_fd(fd, POLLOUT, deadline))
			continue;
		else
			return false;
	}
	return true;
}

/* Read one reply line (without its newline) into *line; an exit code. */
static int read_reply(int fd, int64_t deadline, char **line, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		char *nl = n ? memchr(buf, '\n', n) : NULL;
		if (nl) {
			*line = buf;
			*len = (size_t)(nl - buf);
			return EXIT_OK;
		}
		if (n == cap) {
			if (cap >= DNS_CTL_REPLY_MAX) {
				fprintf(stderr, "dns-ctl: answer longer than %u bytes\n", DNS_CTL_REPLY_MAX);
				break;
			}
			char *grown = realloc(buf, cap * 2);
			if (!grown)
				break;
			buf = grown;
			cap *= 2;
		}
		if (!wait_fd(fd, POLLIN, deadline)) {
			fprintf(stderr, "dns-ctl: no answer within the timeout\n");
			break;
		}
		ssize_t r = recv(fd, buf + n, cap - n, MSG_DONTWAIT);
		if (r > 0) {
			n += (size_t)r;
		} else if (r == 0) {
			fprintf(stderr, "dns-ctl: the daemon closed the connection without answering\n");
			break;
		} else if (errno != EINTR && errno != EAGAIN) {
			fprintf(stderr, "dns-ctl: reading the answer: %s\n", strerror(errno));
			break;
		}
	}
	free(buf);
	return EXIT_CONNECT;
}

static int show(const char *line, size_t len, bool json)
{
	dns_ctl_response_t r;
	char err[256];
	if (dns_ctl_response_parse(line, len, &r, err, sizeof(err)) != DNS_OK) {
		fprintf(stderr, "dns-ctl: %s\n", err);
		return EXIT_CONNECT;
	}
	if (json)
		printf("%.*s\n", (int)len, line);
	else if (r.ok)
		dns_ctl_format_text(r.result, stdout);
	else
		fprintf(stderr, "dns-ctl: %s: %s\n", r.error, r.message);
	int rc = r.ok ? EXIT_OK
	       : r.status == DNS_CTL_E_UNKNOWN || r.status == DNS_CTL_E_ARGS ||
	                 r.status == DNS_CTL_E_REQUEST ? EXIT_USAGE
	       : r.status == DNS_CTL_E_BUSY ? EXIT_CONNECT : EXIT_FAILED;
	dns_ctl_response_free(&r);
	return rc;
}

int main(int argc, char **argv)
{
	enum { O_CONTROL = 256, O_STATE, O_JSON, O_TIMEOUT, O_HELP, O_VERSION };
	static const struct option opts[] = {
		{ "control", required_argument, NULL, O_CONTROL },
		{ "state-dir", required_argument, NULL, O_STATE },
		{ "json", no_argument, NULL, O_JSON },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "help", no_argument, NULL, O_HELP },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	const char *control = NULL, *state_dir = NULL;
	bool json = false;
	long timeout_s = DEFAULT_TIMEOUT_S;
	int o;
	opterr = 0;
	/* "+": options end at the command (its arguments may start with '-') */
	while ((o = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		char *end;
		switch (o) {
		case O_CONTROL: control = optarg; break;
		case O_STATE: state_dir = optarg; break;
		case O_JSON: json = true; break;
		case O_TIMEOUT:
			errno = 0;
			timeout_s = strtol(optarg, &end, 10);
			if (errno || *end || timeout_s < 1 || timeout_s > 86400)
				return fail_usage("invalid --timeout (seconds, 1..86400)", optarg);
			break;
		case O_HELP: usage(stdout); return EXIT_OK;
		case O_VERSION: printf("dns-ctl %s\n", dns_suite_version()); return EXIT_OK;
		default: return fail_usage("unknown option or missing argument", argv[optind - 1]);
		}
	}
	if (control && state_dir)
		return fail_usage("--control and --state-dir are exclusive", NULL);
	if (optind >= argc)
		return fail_usage("no command", NULL);
	char path[4096], req[DNS_CTL_LINE_MAX + 2], err[256];
	if (!control) {
		if (dns_ctl_default_path(state_dir ? state_dir : DEFAULT_STATE_DIR, path,
		                         sizeof(path)) != DNS_OK)
			return fail_usage("--state-dir too long", NULL);
		control = path;
	}
	if (dns_ctl_request_format(argv[optind], (const char *const *)argv + optind + 1,
	                           (unsigned)(argc - optind - 1), req, sizeof(req), err,
	                           sizeof(err)) != DNS_OK)
		return fail_usage(err, NULL);
	int64_t deadline = mono_ms() + timeout_s * 1000;
	int fd = connect_to(control, deadline);
	if (fd < 0)
		return EXIT_CONNECT;
	if (!send_all(fd, req, strlen(req), deadline)) {
		fprintf(stderr, "dns-ctl: sending to %s: %s\n", control, strerror(errno));
		close(fd);
		return EXIT_CONNECT;
	}
	char *line = NULL;
	size_t len = 0;
	int rc = read_reply(fd, deadline, &line, &len);
	close(fd);
	if (rc == EXIT_OK)
		rc = show(line, len, json);
	free(line);
	return rc;
}
