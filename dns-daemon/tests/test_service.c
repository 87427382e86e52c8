/*
 * Unit tests of the service pieces every daemon shares (service.c,
 * service_args.c, sd_notify.c): --config expanded in place with the
 * origin of each option, the shared options taken out, the state
 * directory lock naming its holder, the pid file, and the systemd
 * notifications as a NOTIFY_SOCKET receiver sees them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "dns/service.h"

static char tmpdir[64];

static int setup(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_service.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static dns_service_cli_t run_args(dns_service_t *s, char **argv, char *err, size_t errlen)
{
	int argc = 0;
	while (argv[argc])
		argc++;
	return dns_service_args(s, "dns-test", argc, argv, err, errlen);
}

static void test_config_expanded_in_place(void **state)
{
	char conf[128], err[512] = "";
	snprintf(conf, sizeof(conf), "%s/a.conf", tmpdir);
	write_file(conf, "# test\n--remote /srv/zones.git\n\nlisten 127.0.0.1:5300\n"
	                 "pid-file /run/x.pid\naxfr\n");
	char *argv[] = { "prog", "--workers", "1", "--config", conf, "--listen", "[::1]:5300",
	                 "--pid-file=/run/y.pid", NULL };
	dns_service_t s;
	assert_int_equal(run_args(&s, argv, err, sizeof(err)), DNS_SERVICE_RUN);
	const char *want[] = { "prog", "--workers", "1", "--remote", "/srv/zones.git", "--listen",
	                       "127.0.0.1:5300", "--axfr", "--listen", "[::1]:5300" };
	assert_int_equal(s.argc, 10);
	for (int i = 0; i < 10; i++)
		assert_string_equal(s.argv[i], want[i]);
	assert_null(s.argv[10]);
	/* the command line, given after the file, wins */
	assert_string_equal(s.pid_file, "/run/y.pid");
	char where[256];
	snprintf(where, sizeof(where), "%s:4: ", conf);
	assert_string_equal(dns_service_where(&s, s.argv[6]), where);
	snprintf(where, sizeof(where), "%s:6: ", conf);
	assert_string_equal(dns_service_where(&s, s.argv[7]), where);
	assert_string_equal(dns_service_where(&s, s.argv[2]), "");
	assert_string_equal(dns_service_where(&s, s.argv[9]), "");
	dns_service_end(&s);
}

static void test_args_errors(void **state)
{
	char conf[128], err[512] = "";
	dns_service_t s;
	snprintf(conf, sizeof(conf), "%s/nested.conf", tmpdir);
	write_file(conf, "axfr\nconfig /etc/other.conf\n");
	char *nested[] = { "prog", "--config", conf, NULL };
	assert_int_equal(run_args(&s, nested, err, sizeof(err)), DNS_SERVICE_USAGE);
	assert_non_null(strstr(err, ":2: --config cannot be used in a config file"));
	dns_service_end(&s);

	char *missing[] = { "prog", "--config", NULL };
	assert_int_equal(run_args(&s, missing, err, sizeof(err)), DNS_SERVICE_USAGE);
	assert_string_equal(err, "--config needs a file name");
	dns_service_end(&s);

	snprintf(conf, sizeof(conf), "%s/novalue.conf", tmpdir);
	write_file(conf, "axfr\n\nuser\n");
	char *novalue[] = { "prog", "--config", conf, NULL };
	assert_int_equal(run_args(&s, novalue, err, sizeof(err)), DNS_SERVICE_USAGE);
	assert_non_null(strstr(err, ":3: --user needs a value"));
	dns_service_end(&s);

	char *nouser[] = { "prog", "--user", "no-such-user-here", NULL };
	assert_int_equal(run_args(&s, nouser, err, sizeof(err)), DNS_SERVICE_USAGE);
	assert_string_equal(err, "--user no-such-user-here: no such user");
	dns_service_end(&s);

	char *nofile[] = { "prog", "--config", "/nonexistent/x.conf", NULL };
	assert_int_equal(run_args(&s, nofile, err, sizeof(err)), DNS_SERVICE_USAGE);
	assert_non_null(strstr(err, "/nonexistent/x.conf: No such file"));
	dns_service_end(&s);

	char *version[] = { "prog", "--listen", "x", "--version", NULL };
	assert_int_equal(run_args(&s, version, err, sizeof(err)), DNS_SERVICE_EXIT_OK);
	dns_service_end(&s);
}

static void test_lock(void **state)
{
	char dir[128], err[512] = "", want[256];
	snprintf(dir, sizeof(dir), "%s/state/sub", tmpdir);
	char *argv[] = { "prog", NULL };
	dns_service_t a, b;
	assert_int_equal(run_args(&a, argv, err, sizeof(err)), DNS_SERVICE_RUN);
	assert_int_equal(run_args(&b, argv, err, sizeof(err)), DNS_SERVICE_RUN);
	assert_int_equal(dns_service_lock(&a, dir, err, sizeof(err)), DNS_OK);
	struct stat st;
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	/* the directory stays empty: a clone may go there */
	struct dirent **names;
	int n = scandir(dir, &names, NULL, NULL);
	assert_int_equal(n, 2);   /* "." and ".." */
	while (n > 0)
		free(names[--n]);
	free(names);
	assert_int_equal(dns_service_lock(&b, dir, err, sizeof(err)), DNS_EEXIST);
	snprintf(want, sizeof(want), "state directory %s is in use by another daemon (pid %d)", dir,
	         (int)getpid());
	assert_string_equal(err, want);
	dns_service_end(&a);
	assert_int_equal(dns_service_lock(&b, dir, err, sizeof(err)), DNS_OK);
	dns_service_end(&b);
	snprintf(dir, sizeof(dir), "%s/file", tmpdir);
	write_file(dir, "x");
	assert_int_equal(run_args(&a, argv, err, sizeof(err)), DNS_SERVICE_RUN);
	assert_int_not_equal(dns_service_lock(&a, dir, err, sizeof(err)), DNS_OK);
	assert_non_null(strstr(err, "not a directory"));
	dns_service_end(&a);
}

static void test_lock_holder(void **state)
{
	const char *locks =
		"1: POSIX  ADVISORY  WRITE 700 08:02:1234 0 EOF\n"
		"2: FLOCK  ADVISORY  WRITE 800 08:02:99 0 EOF\n"
		"2: -> FLOCK  ADVISORY  WRITE 801 08:02:1234 0 EOF\n"
		"3: FLOCK  ADVISORY  WRITE 900 fd:0a:1234 0 EOF\n"
		"4: FLOCK  ADVISORY  WRITE 901 08:02:1234 0 EOF\n";
	size_t n = strlen(locks);
	assert_int_equal(dns_service_lock_holder(locks, n, 8, 2, 1234), 901);
	assert_int_equal(dns_service_lock_holder(locks, n, 0xfd, 0x0a, 1234), 900);
	assert_int_equal(dns_service_lock_holder(locks, n, 8, 2, 5), 0);
	assert_int_equal(dns_service_lock_holder("", 0, 8, 2, 1234), 0);
	assert_int_equal(dns_service_lock_holder("garbage\n\n1:", 11, 8, 2, 1234), 0);
}

static void test_pid_file(void **state)
{
	char pidf[128], err[512] = "", text[32] = "";
	snprintf(pidf, sizeof(pidf), "%s/d.pid", tmpdir);
	char *argv[] = { "prog", "--pid-file", pidf, NULL };
	dns_service_t s;
	assert_int_equal(run_args(&s, argv, err, sizeof(err)), DNS_SERVICE_RUN);
	assert_int_equal(s.argc, 1);
	assert_int_equal(dns_service_bound(&s, err, sizeof(err)), DNS_OK);
	FILE *f = fopen(pidf, "r");
	assert_non_null(f);
	assert_non_null(fgets(text, sizeof(text), f));
	fclose(f);
	assert_int_equal(atol(text), (long)getpid());
	dns_service_end(&s);
	assert_int_equal(access(pidf, F_OK), -1);
}

/* A NOTIFY_SOCKET receiver at @name ("@abstract" or a path). */
static int receiver(const char *name)
{
	dns_sd_notify_t n;
	assert_true(dns_sd_notify_init(&n, name));
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (const struct sockaddr *)&n.addr, n.len), 0);
	return fd;
}

static void expect_msg(int fd, const char *want_prefix)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char buf[600];
	assert_int_equal(poll(&p, 1, 5000), 1);
	ssize_t r = recv(fd, buf, sizeof(buf) - 1, 0);
	assert_true(r > 0);
	buf[r] = '\0';
	if (strncmp(buf, want_prefix, strlen(want_prefix)) != 0)
		fail_msg("got \"%s\", want \"%s...\"", buf, want_prefix);
}

static void test_notify(void **state)
{
	char abstract[64], path[128], err[256];
	snprintf(abstract, sizeof(abstract), "@dns-test-notify-%d", (int)getpid());
	snprintf(path, sizeof(path), "%s/notify.sock", tmpdir);
	const char *names[2] = { abstract, path };
	for (int k = 0; k < 2; k++) {
		int fd = receiver(names[k]);
		setenv("NOTIFY_SOCKET", names[k], 1);
		char *argv[] = { "prog", NULL };
		dns_service_t s;
		assert_int_equal(run_args(&s, argv, err, sizeof(err)), DNS_SERVICE_RUN);
		dns_service_ready(&s, "serving %d zones at commit %s", 3, "abc123\nX=1");
		expect_msg(fd, "READY=1\nSTATUS=serving 3 zones at commit abc123 X=1");
		dns_service_reloading(&s);
		expect_msg(fd, "RELOADING=1\nMONOTONIC_USEC=");
		dns_service_status(&s, "reloaded");
		expect_msg(fd, "STATUS=reloaded");
		dns_service_stopping(&s);
		expect_msg(fd, "STOPPING=1");
		dns_service_end(&s);
		close(fd);
	}
	unsetenv("NOTIFY_SOCKET");
	dns_sd_notify_t n;
	assert_false(dns_sd_notify_init(&n, NULL));
	assert_false(dns_sd_notify_init(&n, "vsock:2:999"));
	assert_false(dns_sd_notify_init(&n, "@"));
	assert_int_equal(dns_sd_notify_send(&n, "READY=1"), 0);   /* a no-op */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_expanded_in_place),
		cmocka_unit_test(test_args_errors),
		cmocka_unit_test(test_lock),
		cmocka_unit_test(test_lock_holder),
		cmocka_unit_test(test_pid_file),
		cmocka_unit_test(test_notify),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
