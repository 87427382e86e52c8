/*
 * rcode.c - the names of rcodes, TSIG errors and opcodes (RFC 6895's
 * registry), so that no program prints a bare number for them.
 */
#include <stdio.h>

#include "dns/msg.h"

static const char *const rcode_names[] = {
	"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN",
	"YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE", "DSOTYPENI", NULL, NULL, NULL, NULL,
	"BADVERS", "BADKEY", "BADTIME", "BADMODE", "BADNAME", "BADALG", "BADTRUNC", "BADCOOKIE",
};

const char *dns_rcode_name(unsigned rcode)
{
	return rcode < sizeof(rcode_names) / sizeof(rcode_names[0]) ? rcode_names[rcode] : NULL;
}

const char *dns_rcode_text(unsigned rcode, char *buf, size_t cap)
{
	const char *n = dns_rcode_name(rcode);
	if (n)
		return n;
	snprintf(buf, cap, "RCODE%u", rcode);
	return buf;
}

const char *dns_tsig_error_name(unsigned error)
{
	/* The TSIG RR's error field shares the registry, but 16 is BADSIG there. */
	return error == DNS_RCODE_BADSIG ? "BADSIG" : dns_rcode_name(error);
}

const char *dns_tsig_error_text(unsigned error, char *buf, size_t cap)
{
	const char *n = dns_tsig_error_name(error);
	if (n)
		return n;
	snprintf(buf, cap, "TSIG error %u", error);
	return buf;
}

const char *dns_opcode_text(unsigned opcode, char *buf, size_t cap)
{
	static const char *const names[] = { "QUERY", "IQUERY", "STATUS", NULL, "NOTIFY",
	                                     "UPDATE", "DSO" };
	if (opcode < sizeof(names) / sizeof(names[0]) && names[opcode])
		return names[opcode];
	snprintf(buf, cap, "OPCODE%u", opcode);
	return buf;
}
