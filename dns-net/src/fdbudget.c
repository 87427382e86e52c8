/*
 * fdbudget.c - the descriptor budget shared by a process's listeners
 * (dns/net.h): one atomic count, taken per accepted connection.
 */
#include <dirent.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "dns/net.h"
#include "tcp_guard.h"

struct dns_net_fd_budget {
	atomic_int used;
	int units;      /* connections the listeners may hold together */
	int ceiling;    /* an accepted descriptor at or above: the reserve is in use */
};

/* Descriptors open now (those of /proc/self/fd, less the one reading it). */
static int open_now(void)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return 0;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n > 0 ? n - 1 : 0;
}

dns_net_fd_budget_t *dns_net_fd_budget_new(unsigned reserve)
{
	dns_net_fd_budget_t *b = calloc(1, sizeof *b);
	if (!b)
		return NULL;
	struct rlimit nofile;
	if (getrlimit(RLIMIT_NOFILE, &nofile) != 0 || nofile.rlim_cur == RLIM_INFINITY)
		nofile.rlim_cur = INT32_MAX;
	b->ceiling = net_fd_ceiling(nofile.rlim_cur, reserve);
	int units = b->ceiling - open_now();
	b->units = units > 0 ? units : 1;
	atomic_init(&b->used, 0);
	return b;
}

void dns_net_fd_budget_free(dns_net_fd_budget_t *b)
{
	free(b);
}

bool dns_net_fd_budget_take(dns_net_fd_budget_t *b, int fd)
{
	if (fd >= b->ceiling)
		return false;
	if (atomic_fetch_add_explicit(&b->used, 1, memory_order_relaxed) >= b->units) {
		atomic_fetch_sub_explicit(&b->used, 1, memory_order_relaxed);
		return false;
	}
	return true;
}

void dns_net_fd_budget_force(dns_net_fd_budget_t *b)
{
	atomic_fetch_add_explicit(&b->used, 1, memory_order_relaxed);
}

int dns_net_fd_budget_units(const dns_net_fd_budget_t *b)
{
	return b->units;
}

void dns_net_fd_budget_give(dns_net_fd_budget_t *b)
{
	atomic_fetch_sub_explicit(&b->used, 1, memory_order_relaxed);
}
