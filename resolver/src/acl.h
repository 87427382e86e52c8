/*
 * acl.h - client access control for dns-resolver (--allow CIDR).
 *
 * A list of IPv4 and IPv6 prefixes; a client whose address falls in none
 * of them is refused.  IPv4-mapped IPv6 addresses (::ffff:a.b.c.d, what a
 * dual-stack socket reports) are matched as the IPv4 address they carry.
 */
#ifndef RESOLVER_ACL_H
#define RESOLVER_ACL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define RES_ACL_MAX 256

typedef struct res_acl_entry {
	uint8_t family;        /* AF_INET or AF_INET6 */
	uint8_t bits;          /* prefix length */
	uint8_t addr[16];      /* network address, host bits cleared */
} res_acl_entry_t;

typedef struct res_acl {
	res_acl_entry_t e[RES_ACL_MAX];
	size_t n;
} res_acl_t;

/* Add "ADDR" or "ADDR/BITS" (IPv4 or IPv6); false if malformed or full. */
bool res_acl_add(res_acl_t *acl, const char *cidr);

/* Add the loopback prefixes (127.0.0.0/8 and ::1/128): the default. */
void res_acl_add_loopback(res_acl_t *acl);

/* Whether the address (AF_INET or AF_INET6 sockaddr) is in the list. */
bool res_acl_match(const res_acl_t *acl, const struct sockaddr *sa);

#endif
