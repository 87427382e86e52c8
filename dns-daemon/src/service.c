/*
 * service.c - the state directory lock, the pid file, dropping root and
 * the systemd notifications (see dns/service.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <fts.h>
#include <grp.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "dns/service.h"

/* ---- the state directory lock ---- */

pid_t dns_service_lock_holder(const char *locks, size_t len, unsigned maj, unsigned min,
                              unsigned long ino)
{
	/* "1: FLOCK  ADVISORY  WRITE 4242 08:02:1234567 0 EOF"; waiters read
	 * "1: -> FLOCK ..." and hold nothing */
	size_t pos = 0;
	while (pos < len) {
		const char *nl = memchr(locks + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - locks) : len;
		char line[256], kind[16];
		size_t n = end - pos < sizeof(line) - 1 ? end - pos : sizeof(line) - 1;
		memcpy(line, locks + pos, n);
		line[n] = '\0';
		pos = end + 1;
		int pid;
		unsigned lmaj, lmin;
		unsigned long lino;
		if (sscanf(line, "%*u: %15s %*s %*s %d %x:%x:%lu", kind, &pid, &lmaj, &lmin, &lino) == 5 &&
		    strcmp(kind, "FLOCK") == 0 && lmaj == maj && lmin == min && lino == ino && pid > 0)
			return (pid_t)pid;
	}
	return 0;
}

/* Who holds the lock on @fd, from /proc/locks; 0 if unknown. */
static pid_t lock_holder(int fd)
{
	struct stat st;
	if (fstat(fd, &st) != 0)
		return 0;
	FILE *f = fopen("/proc/locks", "re");
	if (f == NULL)
		return 0;
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	while (buf != NULL) {
		len += fread(buf + len, 1, cap - len, f);
		if (len < cap || cap >= (1u << 24))
			break;
		char *more = realloc(buf, cap * 2);
		if (more == NULL)
			break;
		buf = more;
		cap *= 2;
	}
	fclose(f);
	pid_t pid = buf ? dns_service_lock_holder(buf, len, major(st.st_dev), minor(st.st_dev),
	                                          (unsigned long)st.st_ino) : 0;
	free(buf);
	return pid;
}

/* mkdir -p: missing parents 0755, the directory itself 0700; true if it
 * was created. */
static dns_err_t make_dir(const char *dir, bool *created, char *err, size_t errlen)
{
	*created = false;
	struct stat st;
	if (stat(dir, &st) == 0)
		return S_ISDIR(st.st_mode) ? DNS_OK : DNS_EEXIST;
	char path[4096];
	size_t n = strlen(dir);
	if (n == 0 || n >= sizeof(path))
		return DNS_EINVAL;
	memcpy(path, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		char c = path[i];
		path[i] = '\0';
		if (mkdir(path, c == '\0' ? 0700 : 0755) != 0 && errno != EEXIST) {
			snprintf(err, errlen, "state directory %s: cannot create %s: %s", dir, path,
			         strerror(errno));
			return DNS_EIO;
		}
		path[i] = c;
	}
	*created = true;
	return DNS_OK;
}

dns_err_t dns_service_lock(dns_service_t *s, const char *dir, char *err, size_t errlen)
{
	bool created;
	dns_err_t e = make_dir(dir, &created, err, errlen);
	if (e == DNS_EEXIST || e == DNS_EINVAL)
		snprintf(err, errlen, "state directory %s: %s", dir,
		         e == DNS_EEXIST ? "not a directory" : "invalid name");
	if (e != DNS_OK)
		return e;
	/* created by root for the user it will run as */
	if (created && s->switch_user && chown(dir, s->uid, s->gid) != 0) {
		snprintf(err, errlen, "state directory %s: chown to %s: %s", dir, s->user,
		         strerror(errno));
		return DNS_EIO;
	}
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "state directory %s: %s", dir, strerror(errno));
		return DNS_EIO;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int en = errno;
		pid_t pid = en == EWOULDBLOCK ? lock_holder(fd) : 0;
		close(fd);
		if (en != EWOULDBLOCK) {
			snprintf(err, errlen, "state directory %s: lock: %s", dir, strerror(en));
			return DNS_EIO;
		}
		if (pid > 0)
			snprintf(err, errlen, "state directory %s is in use by another daemon (pid %d)",
			         dir, (int)pid);
		else
			snprintf(err, errlen, "state directory %s is in use by another daemon", dir);
		return DNS_EEXIST;
	}
	free(s->lock_dir);
	s->lock_dir = strdup(dir);
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	s->lock_fd = fd;
	return DNS_OK;
}

/* ---- the pid file and dropping root ---- */

static dns_err_t write_pid_file(dns_service_t *s, char *err, size_t errlen)
{
	int fd = open(s->pid_file, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	char text[32];
	int n = snprintf(text, sizeof(text), "%ld\n", (long)getpid());
	/* given to the user, who may then empty it at exit */
	if (fd < 0 || write(fd, text, (size_t)n) != n ||
	    (s->switch_user && fchown(fd, s->uid, s->gid) != 0)) {
		snprintf(err, errlen, "--pid-file %s: %s", s->pid_file, strerror(errno));
		if (fd >= 0)
			close(fd);
		return DNS_EIO;
	}
	close(fd);
	s->pid_written = true;
	return DNS_OK;
}

static dns_err_t switch_ids(dns_service_t *s, char *err, size_t errlen)
{
	const char *what = "setgroups";
	int r = s->switch_user ? initgroups(s->user, s->gid) : setgroups(1, &s->gid);
	if (r == 0) {
		what = "setgid";
		r = setgid(s->gid);
	}
	if (r == 0 && s->switch_user) {
		what = "setuid";
		r = setuid(s->uid);
	}
	if (r != 0) {
		snprintf(err, errlen, "cannot drop root privileges (%s): %s", what, strerror(errno));
		return DNS_EDENIED;
	}
	/* as login does: ~ (git's configuration, ~/.ssh) is the user's now */
	if (s->home != NULL && setenv("HOME", s->home, 1) != 0) {
		snprintf(err, errlen, "setenv HOME: %s", strerror(errno));
		return DNS_EIO;
	}
	gid_t g = s->gid;
	bool ok = getgid() == g && getegid() == g;
	if (s->switch_user)
		ok = ok && getuid() == s->uid && geteuid() == s->uid &&
		     (s->uid == 0 || setuid(0) != 0);
	if (!ok) {
		snprintf(err, errlen, "cannot drop root privileges: still uid %u/%u gid %u/%u",
		         (unsigned)getuid(), (unsigned)geteuid(), (unsigned)getgid(),
		         (unsigned)getegid());
		return DNS_EDENIED;
	}
	return DNS_OK;
}

/* Everything in the state directory usable by who we are now: directories
 * read/write/search, files readable (git's objects are read-only). */
static dns_err_t check_state_dir(dns_service_t *s, char *err, size_t errlen)
{
	char *paths[2] = { s->lock_dir, NULL };
	FTS *fts = fts_open(paths, FTS_PHYSICAL | FTS_NOCHDIR, NULL);
	if (fts == NULL) {
		snprintf(err, errlen, "state directory %s: %s", s->lock_dir, strerror(errno));
		return DNS_EIO;
	}
	const char *bad = NULL;
	FTSENT *e;
	char where[4096] = "";
	while (bad == NULL && (e = fts_read(fts)) != NULL) {
		int mode = e->fts_info == FTS_D ? R_OK | W_OK | X_OK
		         : e->fts_info == FTS_F ? R_OK : -1;
		if (e->fts_info == FTS_DNR || e->fts_info == FTS_ERR || e->fts_info == FTS_NS)
			bad = "cannot be read";
		else if (mode >= 0 && access(e->fts_path, mode) != 0)
			bad = e->fts_info == FTS_D ? "is not writable" : "is not readable";
		if (bad != NULL)
			snprintf(where, sizeof(where), "%s", e->fts_path);
	}
	fts_close(fts);
	if (bad == NULL)
		return DNS_OK;
	char who[64];
	snprintf(who, sizeof(who), s->user ? "user %s (uid %u)" : "group %s (gid %u)",
	         s->user ? s->user : s->group, s->user ? (unsigned)s->uid : (unsigned)s->gid);
	bool top = strcmp(where, s->lock_dir) == 0;
	snprintf(err, errlen, "state directory %s%s%s %s by %s; give it to that user: "
	         "chown -R %s %s", s->lock_dir, top ? "" : ": ", top ? "" : where, bad, who,
	         s->user ? s->user : "USER", s->lock_dir);
	return DNS_EDENIED;
}

dns_err_t dns_service_bound(dns_service_t *s, char *err, size_t errlen)
{
	if (s->pid_file != NULL && write_pid_file(s, err, errlen) != DNS_OK)
		return DNS_EIO;
	if (!s->switch_user && !s->switch_group)
		return DNS_OK;
	dns_err_t e = switch_ids(s, err, errlen);
	if (e == DNS_OK && s->lock_dir != NULL)
		e = check_state_dir(s, err, errlen);
	return e;
}

/* ---- systemd ---- */

__attribute__((format(printf, 3, 0)))
static void notify_status(dns_service_t *s, const char *head, const char *fmt, va_list ap)
{
	char msg[512], status[400] = "";
	if (fmt != NULL) {
		vsnprintf(status, sizeof(status), fmt, ap);
		for (char *p = status; *p; p++)
			if (*p == '\n')
				*p = ' ';   /* one line: a newline would start an assignment */
	}
	snprintf(msg, sizeof(msg), "%s%s%s%s", head, *head && fmt ? "\n" : "", fmt ? "STATUS=" : "",
	         status);
	if (msg[0] != '\0')
		dns_sd_notify_send(&s->notify, msg);
}

void dns_service_ready(dns_service_t *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	notify_status(s, "READY=1", fmt, ap);
	va_end(ap);
}

void dns_service_status(dns_service_t *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	notify_status(s, "", fmt, ap);
	va_end(ap);
}

void dns_service_reloading(dns_service_t *s)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	char msg[96];
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%" PRIu64,
	         (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u);
	dns_sd_notify_send(&s->notify, msg);
}

void dns_service_stopping(dns_service_t *s)
{
	dns_sd_notify_send(&s->notify, "STOPPING=1");
}

void dns_service_end(dns_service_t *s)
{
	if (s->pid_written && unlink(s->pid_file) != 0) {
		/* no longer root, in a directory we cannot write: empty it */
		int fd = open(s->pid_file, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0)
			close(fd);
	}
	s->pid_written = false;
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	s->lock_fd = -1;
	free(s->lock_dir);
	s->lock_dir = NULL;
	free(s->home);
	s->home = NULL;
	for (size_t i = 0; i < s->nconfs; i++)
		dns_conf_free(&s->confs[i]);
	free(s->confs);
	free(s->origin);
	free(s->argv);
	s->confs = NULL;
	s->origin = NULL;
	s->argv = NULL;
	s->nconfs = s->norigin = 0;
	s->argc = 0;
}
