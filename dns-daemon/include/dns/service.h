/*
 * service.h - what every daemon of the suite does as a service, the same
 * way: --config FILE, --pid-file, --user/--group, --version, one daemon
 * per state directory, readiness and status for systemd.
 *
 * The order a daemon follows:
 *
 *   dns_service_args     expand --config, take out the options above
 *                        (the daemon parses what is left)
 *   dns_service_lock     lock the state directory (create it if missing)
 *   ...bind every listening socket (dns_net_bind, metrics, TLS)...
 *   dns_service_bound    write the pid file, drop root, check that the
 *                        state directory is usable by the new user
 *   ...load, start serving...
 *   dns_service_ready    READY=1 and a STATUS line for systemd
 *   dns_service_reloading / dns_service_ready around a SIGHUP reload
 *   dns_service_stopping STOPPING=1
 *   dns_service_end      remove the pid file, unlock, free
 */
#ifndef DNS_DAEMON_SERVICE_H
#define DNS_DAEMON_SERVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "dns/conf_file.h"
#include "dns/error.h"
#include "dns/sd_notify.h"

/* The suite's version (meson's project version), for every --version. */
#ifndef DNS_SUITE_VERSION
#define DNS_SUITE_VERSION "unknown"
#endif

/* The --help lines of the options handled here (27-column layout). */
extern const char dns_service_usage[];

typedef struct dns_service_origin {
	const char *arg;     /* an element of argv */
	const char *file;    /* the config file it came from */
	unsigned line;
} dns_service_origin_t;

typedef struct dns_service {
	const char *prog;
	/* the daemon's own arguments after dns_service_args: argv[0] first,
	 * --config expanded in place, the options handled here removed */
	int argc;
	char **argv;
	const char *pid_file, *user, *group;
	/* private */
	dns_service_origin_t *origin;   /* elements that came from config files */
	size_t norigin;
	dns_conf_t *confs;              /* the files read; own their strings */
	size_t nconfs;
	bool switch_user, switch_group;
	uid_t uid;
	gid_t gid;
	char *home;                     /* --user's home directory */
	int lock_fd;
	char *lock_dir;
	bool pid_written;
	dns_sd_notify_t notify;
	char where[320];
} dns_service_t;

typedef enum dns_service_cli {
	DNS_SERVICE_RUN = 0,     /* parse s->argc/s->argv and start */
	DNS_SERVICE_EXIT_OK,     /* --version was printed */
	DNS_SERVICE_USAGE,       /* @err says why; exit 2 */
} dns_service_cli_t;

/*
 * Read the command line: each "--config FILE" is replaced by the options
 * of FILE (so options after it still apply, and repeatable ones add to
 * the file's); --pid-file, --user, --group and --version are taken out
 * (--version prints "PROG VERSION" on stdout).  The user and group are
 * looked up now, and refused unless running as root (or already them).
 * Call dns_service_end in every case.
 */
dns_service_cli_t dns_service_args(dns_service_t *s, const char *prog, int argc, char **argv,
                                   char *err, size_t errlen);

/* "FILE:LINE: " if @arg (an element of s->argv) came from a config file,
 * else "": the prefix of a complaint about it.  Valid until the next call. */
const char *dns_service_where(dns_service_t *s, const char *arg);

/*
 * Create @dir if missing (mode 0700, owned by --user when root) and lock
 * it (flock on the directory itself, so that its content is untouched),
 * held until dns_service_end or exit.  A directory another daemon holds
 * gives DNS_EEXIST and "state directory DIR is in use by another daemon
 * (pid N)".
 */
dns_err_t dns_service_lock(dns_service_t *s, const char *dir, char *err, size_t errlen);

/*
 * Once every listening socket is bound: write the pid file (as root it
 * is given to --user), then switch to --group/--user (supplementary
 * groups: the user's; HOME becomes the user's home directory, as login
 * sets it), check that root cannot be regained and that the
 * locked state directory (and everything in it) is usable by the user.
 * Any failure is an error: the daemon must not go on as root.
 */
dns_err_t dns_service_bound(dns_service_t *s, char *err, size_t errlen);

/* systemd: READY=1 with a STATUS line (printf-style; may be NULL). */
void dns_service_ready(dns_service_t *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* systemd: a new STATUS line. */
void dns_service_status(dns_service_t *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* systemd: RELOADING=1 (with MONOTONIC_USEC); dns_service_ready when done. */
void dns_service_reloading(dns_service_t *s);
/* systemd: STOPPING=1. */
void dns_service_stopping(dns_service_t *s);

/* Remove the pid file, release the lock, free what dns_service_args kept. */
void dns_service_end(dns_service_t *s);

/*
 * Sans-IO: the pid holding a flock on the file (device @maj:@min, inode
 * @ino) in the text of /proc/locks, or 0 if none is listed.
 */
pid_t dns_service_lock_holder(const char *locks, size_t len, unsigned maj, unsigned min,
                              unsigned long ino);

#endif
