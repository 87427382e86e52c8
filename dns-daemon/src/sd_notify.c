/*
 * sd_notify.c - the NOTIFY_SOCKET datagram protocol (see dns/sd_notify.h).
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "dns/sd_notify.h"

bool dns_sd_notify_init(dns_sd_notify_t *n, const char *value)
{
	memset(n, 0, sizeof(*n));
	if (value == NULL || (value[0] != '/' && value[0] != '@'))
		return false;
	size_t len = strlen(value);
	if (len < 2 || len >= sizeof(n->addr.sun_path))
		return false;
	n->addr.sun_family = AF_UNIX;
	memcpy(n->addr.sun_path, value, len);
	if (value[0] == '@') {
		/* abstract: a leading NUL, and the length says where it ends */
		n->addr.sun_path[0] = '\0';
		n->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	} else {
		n->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1);
	}
	return true;
}

int dns_sd_notify_send(const dns_sd_notify_t *n, const char *msg)
{
	if (n->len == 0)
		return 0;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	ssize_t r;
	do {
		r = sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (const struct sockaddr *)&n->addr, n->len);
	} while (r < 0 && errno == EINTR);
	int e = errno;
	close(fd);
	errno = e;
	return r < 0 ? -1 : 0;
}
