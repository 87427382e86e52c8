/*
 * acl.c - client access control (--allow CIDR): prefix list and matcher.
 */
#include "acl.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

static bool prefix_eq(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;
	if (memcmp(a, b, full) != 0)
		return false;
	if (!rest)
		return true;
	uint8_t mask = (uint8_t)(0xFF << (8 - rest));
	return (a[full] & mask) == (b[full] & mask);
}

bool res_acl_add(res_acl_t *acl, const char *cidr)
{
	char buf[INET6_ADDRSTRLEN + 8];
	size_t len = strlen(cidr);
	if (acl->n >= RES_ACL_MAX || len == 0 || len >= sizeof buf)
		return false;
	memcpy(buf, cidr, len + 1);
	char *slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	res_acl_entry_t e;
	memset(&e, 0, sizeof e);
	unsigned max;
	if (inet_pton(AF_INET, buf, e.addr) == 1) {
		e.family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, e.addr) == 1) {
		e.family = AF_INET6;
		max = 128;
	} else {
		return false;
	}
	unsigned long bits = max;
	if (slash) {
		char *end;
		const char *p = slash + 1;
		if (*p < '0' || *p > '9')
			return false;
		bits = strtoul(p, &end, 10);
		if (*end || bits > max)
			return false;
	}
	e.bits = (uint8_t)bits;
	/* Clear host bits so that matching compares networks only. */
	for (unsigned i = 0; i < max / 8; i++) {
		unsigned lo = i * 8;
		if (lo >= bits)
			e.addr[i] = 0;
		else if (bits - lo < 8)
			e.addr[i] &= (uint8_t)(0xFF << (8 - (bits - lo)));
	}
	acl->e[acl->n++] = e;
	return true;
}

void res_acl_add_loopback(res_acl_t *acl)
{
	res_acl_add(acl, "127.0.0.0/8");
	res_acl_add(acl, "::1/128");
}

bool res_acl_match(const res_acl_t *acl, const struct sockaddr *sa)
{
	const uint8_t *a;
	int family;
	if (!sa)
		return false;
	if (sa->sa_family == AF_INET) {
		a = (const uint8_t *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr;
		family = AF_INET;
	} else if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a6 = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
		a = a6->s6_addr;
		family = AF_INET6;
		if (IN6_IS_ADDR_V4MAPPED(a6)) {
			a += 12;
			family = AF_INET;
		}
	} else {
		return false;
	}
	for (size_t i = 0; i < acl->n; i++)
		if (acl->e[i].family == family && prefix_eq(a, acl->e[i].addr, acl->e[i].bits))
			return true;
	return false;
}
