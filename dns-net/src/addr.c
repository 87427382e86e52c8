/*
 * addr.c - listen/peer address text: "1.2.3.4:53" and "[2001:db8::1]:53".
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/net.h"

static dns_err_t parse_port(const char *s, uint16_t *port)
{
	unsigned long v = 0;
	size_t n = 0;
	for (; s[n] != '\0'; n++) {
		if (s[n] < '0' || s[n] > '9' || n >= 5)
			return DNS_ESYNTAX;
		v = v * 10 + (unsigned long)(s[n] - '0');
	}
	if (n == 0 || v > 65535)
		return DNS_ESYNTAX;
	*port = (uint16_t)v;
	return DNS_OK;
}

dns_err_t dns_net_addr_parse(const char *text, dns_net_addr_t *out)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon;
	uint16_t port;
	size_t hlen;

	if (text == NULL || out == NULL)
		return DNS_EINVAL;
	memset(out, 0, sizeof(*out));
	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		if (close == NULL || close[1] != ':')
			return DNS_ESYNTAX;
		hlen = (size_t)(close - text - 1);
		colon = close + 1;
		if (hlen == 0 || hlen >= sizeof(host))
			return DNS_ESYNTAX;
		memcpy(host, text + 1, hlen);
		host[hlen] = '\0';
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&out->ss;
		if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1)
			return DNS_ESYNTAX;
		if (parse_port(colon + 1, &port) != DNS_OK)
			return DNS_ESYNTAX;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		out->len = sizeof(*s6);
		return DNS_OK;
	}
	colon = strchr(text, ':');
	if (colon == NULL || strchr(colon + 1, ':') != NULL)
		return DNS_ESYNTAX;   /* bare IPv6 must use brackets */
	hlen = (size_t)(colon - text);
	if (hlen == 0 || hlen >= sizeof(host))
		return DNS_ESYNTAX;
	memcpy(host, text, hlen);
	host[hlen] = '\0';
	struct sockaddr_in *s4 = (struct sockaddr_in *)&out->ss;
	if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
		return DNS_ESYNTAX;
	if (parse_port(colon + 1, &port) != DNS_OK)
		return DNS_ESYNTAX;
	s4->sin_family = AF_INET;
	s4->sin_port = htons(port);
	out->len = sizeof(*s4);
	return DNS_OK;
}

const char *dns_net_addr_format(const struct sockaddr *sa, char *buf, size_t size)
{
	char ip[INET6_ADDRSTRLEN];
	if (size == 0)
		return buf;
	buf[0] = '\0';
	if (sa == NULL)
		return buf;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
		snprintf(buf, size, "%s:%u", ip, ntohs(s4->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
		if (s6->sin6_scope_id != 0)
			snprintf(buf, size, "[%s%%%u]:%u", ip, (unsigned)s6->sin6_scope_id,
			         ntohs(s6->sin6_port));
		else
			snprintf(buf, size, "[%s]:%u", ip, ntohs(s6->sin6_port));
	} else {
		snprintf(buf, size, "(family %d)", sa->sa_family);
	}
	return buf;
}
