/*
 * fwdopt.h - the --forward ZONE=ADDR[:PORT] option of dns-resolver.
 */
#ifndef RESOLVER_FWDOPT_H
#define RESOLVER_FWDOPT_H

#include <stdbool.h>
#include <stdint.h>

#include "dns/name.h"
#include "dns/net.h"

/* Parse "corp.example=192.0.2.53", "corp.example=192.0.2.53:5353",
 * "corp.example=2001:db8::53" or "corp.example=[2001:db8::53]:5353"
 * (port 53 by default).  False if malformed. */
bool res_forward_parse(const char *spec, uint8_t zone[DNS_NAME_MAX], dns_net_addr_t *addr);

#endif
