/*
 * fwdopt.c - parsing --forward ZONE=ADDR[:PORT].
 */
#include "fwdopt.h"

#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

bool res_forward_parse(const char *spec, uint8_t zone[DNS_NAME_MAX], dns_net_addr_t *addr)
{
	const char *eq = strchr(spec, '=');
	size_t zlen;
	if (!eq || eq == spec || dns_name_from_text(zone, &zlen, spec, (size_t)(eq - spec),
	                                            dns_name_root) != DNS_OK)
		return false;
	const char *a = eq + 1;
	char buf[DNS_NET_ADDR_TEXT_MAX];
	const char *colon = strchr(a, ':');
	int n;
	if (a[0] == '[' || (colon && !strchr(colon + 1, ':')))
		n = snprintf(buf, sizeof buf, "%s", a);           /* has a port */
	else if (colon)
		n = snprintf(buf, sizeof buf, "[%s]:53", a);      /* bare IPv6 */
	else
		n = snprintf(buf, sizeof buf, "%s:53", a);        /* bare IPv4 */
	if (n < 0 || (size_t)n >= sizeof buf || dns_net_addr_parse(buf, addr) != DNS_OK)
		return false;
	/* Port 0 would mean "any" to a listener; as a destination it is no server. */
	const struct sockaddr *sa = (const struct sockaddr *)&addr->ss;
	if (sa->sa_family == AF_INET)
		return ((const struct sockaddr_in *)(const void *)sa)->sin_port != 0;
	return ((const struct sockaddr_in6 *)(const void *)sa)->sin6_port != 0;
}
