/*
 * service_args.c - the command line options every daemon shares:
 * --config expansion, --pid-file, --user, --group, --version (see
 * dns/service.h).
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dns/service.h"

const char dns_service_usage[] =
"  --config FILE            read options from FILE: one per line, \"--flag value\"\n"
"                           or \"flag value\", '#' starts a comment line; options\n"
"                           given after it on the command line still apply\n"
"  --pid-file FILE          write the process id there once bound; removed at exit\n"
"  --user USER              after binding, switch from root to USER (and its\n"
"                           groups); the state directory must be USER's\n"
"  --group GROUP            the group to switch to (default: USER's)\n"
"  --version                show the version and exit\n";

/* A growing argv with the origin of each element. */
typedef struct argv_builder {
	char **v;
	size_t n, cap;
	dns_service_t *s;
} argv_builder_t;

static bool push(argv_builder_t *b, char *arg, const char *file, unsigned line)
{
	if (b->n + 2 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 16;
		char **v = realloc(b->v, cap * sizeof(*v));
		if (v == NULL)
			return false;
		b->v = v;
		b->cap = cap;
	}
	b->v[b->n++] = arg;
	b->v[b->n] = NULL;
	if (file == NULL)
		return true;
	dns_service_t *s = b->s;
	dns_service_origin_t *o = realloc(s->origin, (s->norigin + 1) * sizeof(*o));
	if (o == NULL)
		return false;
	s->origin = o;
	o[s->norigin++] = (dns_service_origin_t){ .arg = arg, .file = file, .line = line };
	return true;
}

/* Read @path and append its options. */
static dns_service_cli_t expand(argv_builder_t *b, char *path, char *err, size_t errlen)
{
	dns_service_t *s = b->s;
	dns_conf_t *confs = realloc(s->confs, (s->nconfs + 1) * sizeof(*confs));
	if (confs == NULL)
		goto nomem;
	s->confs = confs;
	dns_conf_t *c = &confs[s->nconfs];
	if (dns_conf_read(path, c, err, errlen) != DNS_OK)
		return DNS_SERVICE_USAGE;
	s->nconfs++;
	for (size_t i = 0; i < c->n; i++) {
		dns_conf_item_t *it = &c->items[i];
		if (strcmp(it->flag, "--config") == 0) {
			snprintf(err, errlen, "%s:%u: --config cannot be used in a config file", path,
			         it->line);
			return DNS_SERVICE_USAGE;
		}
		if (!push(b, it->flag, path, it->line) ||
		    (it->value != NULL && !push(b, it->value, path, it->line)))
			goto nomem;
	}
	return DNS_SERVICE_RUN;
nomem:
	snprintf(err, errlen, "out of memory");
	return DNS_SERVICE_USAGE;
}

/* If @arg is "--NAME" or "--NAME=VALUE": true, with the value's place. */
static bool is_opt(const char *arg, const char *name, const char **inline_val)
{
	size_t n = strlen(name);
	*inline_val = NULL;
	if (strncmp(arg, "--", 2) != 0 || strncmp(arg + 2, name, n) != 0)
		return false;
	if (arg[2 + n] == '=') {
		*inline_val = arg + 3 + n;
		return true;
	}
	return arg[2 + n] == '\0';
}

/* Expand every --config of argv[1..] into @b (argv[0] first). */
static dns_service_cli_t expand_all(argv_builder_t *b, int argc, char **argv, char *err,
                                    size_t errlen)
{
	if (!push(b, argv[0], NULL, 0))
		goto nomem;
	for (int i = 1; i < argc; i++) {
		const char *val;
		if (!is_opt(argv[i], "config", &val)) {
			if (!push(b, argv[i], NULL, 0))
				goto nomem;
			continue;
		}
		if (val == NULL && i + 1 >= argc) {
			snprintf(err, errlen, "--config needs a file name");
			return DNS_SERVICE_USAGE;
		}
		char *path = val != NULL ? (char *)val : argv[++i];
		dns_service_cli_t r = expand(b, path, err, errlen);
		if (r != DNS_SERVICE_RUN)
			return r;
	}
	return DNS_SERVICE_RUN;
nomem:
	snprintf(err, errlen, "out of memory");
	return DNS_SERVICE_USAGE;
}

/* Take the shared options out of @b; prints the version for --version. */
static dns_service_cli_t take_shared(argv_builder_t *b, char *err, size_t errlen)
{
	static const char *const names[3] = { "pid-file", "user", "group" };
	dns_service_t *s = b->s;
	const char **slot[3] = { &s->pid_file, &s->user, &s->group };
	size_t out = 1;
	for (size_t i = 1; i < b->n; i++) {
		const char *val;
		if (is_opt(b->v[i], "version", &val) && val == NULL) {
			printf("%s %s\n", s->prog, DNS_SUITE_VERSION);
			return DNS_SERVICE_EXIT_OK;
		}
		int k = 0;
		while (k < 3 && !is_opt(b->v[i], names[k], &val))
			k++;
		if (k == 3) {
			b->v[out++] = b->v[i];
			continue;
		}
		if (val == NULL && i + 1 >= b->n) {
			snprintf(err, errlen, "%s--%s needs a value", dns_service_where(s, b->v[i]),
			         names[k]);
			return DNS_SERVICE_USAGE;
		}
		if (val == NULL)
			val = b->v[++i];
		if (*val == '\0') {
			snprintf(err, errlen, "%s--%s: empty value", dns_service_where(s, val), names[k]);
			return DNS_SERVICE_USAGE;
		}
		*slot[k] = val;
	}
	b->n = out;
	b->v[out] = NULL;
	return DNS_SERVICE_RUN;
}

/* getpwnam/getgrnam return NULL with errno 0, ENOENT, ESRCH, EBADF or
 * EPERM when the name is unknown; other errors are real failures. */
static bool lookup_failed(int e)
{
	return e != 0 && e != ENOENT && e != ESRCH && e != EBADF && e != EPERM;
}

/* Look up --user and --group; only root may become someone else. */
static dns_service_cli_t resolve_ids(dns_service_t *s, char *err, size_t errlen)
{
	if (s->user != NULL) {
		errno = 0;
		struct passwd *pw = getpwnam(s->user);
		if (pw == NULL) {
			snprintf(err, errlen, "--user %s: %s", s->user,
			         lookup_failed(errno) ? strerror(errno) : "no such user");
			return DNS_SERVICE_USAGE;
		}
		s->uid = pw->pw_uid;
		s->gid = pw->pw_gid;
		s->home = strdup(pw->pw_dir);
		s->switch_user = s->switch_group = true;
	}
	if (s->group != NULL) {
		errno = 0;
		struct group *gr = getgrnam(s->group);
		if (gr == NULL) {
			snprintf(err, errlen, "--group %s: %s", s->group,
			         lookup_failed(errno) ? strerror(errno) : "no such group");
			return DNS_SERVICE_USAGE;
		}
		s->gid = gr->gr_gid;
		s->switch_group = true;
	}
	if (geteuid() != 0 && ((s->switch_user && s->uid != geteuid()) ||
	                       (s->switch_group && s->gid != getegid()))) {
		snprintf(err, errlen, "--user/--group: only root can switch to another user or "
		         "group (running as uid %u); under systemd, give User= and "
		         "AmbientCapabilities=CAP_NET_BIND_SERVICE instead", (unsigned)geteuid());
		return DNS_SERVICE_USAGE;
	}
	if (geteuid() != 0)
		s->switch_user = s->switch_group = false;   /* already them */
	return DNS_SERVICE_RUN;
}

dns_service_cli_t dns_service_args(dns_service_t *s, const char *prog, int argc, char **argv,
                                   char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	s->prog = prog;
	s->lock_fd = -1;
	dns_sd_notify_init(&s->notify, getenv("NOTIFY_SOCKET"));
	argv_builder_t b = { .s = s };
	char *empty[1] = { (char *)prog };
	if (argc < 1) {
		argc = 1;
		argv = empty;
	}
	dns_service_cli_t r = expand_all(&b, argc, argv, err, errlen);
	if (r == DNS_SERVICE_RUN)
		r = take_shared(&b, err, errlen);
	if (r == DNS_SERVICE_RUN)
		r = resolve_ids(s, err, errlen);
	s->argv = b.v;
	s->argc = (int)b.n;
	if (s->argv == NULL) {
		snprintf(err, errlen, "out of memory");
		return DNS_SERVICE_USAGE;
	}
	return r;
}

const char *dns_service_where(dns_service_t *s, const char *arg)
{
	s->where[0] = '\0';
	for (size_t i = 0; arg != NULL && i < s->norigin; i++) {
		const dns_service_origin_t *o = &s->origin[i];
		/* the element itself, or a pointer into it (a parser's "--x=v") */
		if (arg >= o->arg && arg <= o->arg + strlen(o->arg)) {
			snprintf(s->where, sizeof(s->where), "%s:%u: ", o->file, o->line);
			break;
		}
	}
	return s->where;
}
