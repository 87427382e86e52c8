/* authority.c - key-name authority rules (see authority.h). */
#include <string.h>
#include <strings.h>

#include "dns/authority.h"
#include "dns/name.h"

static bool label_is(const uint8_t *label, const char *text)
{
	size_t n = strlen(text);
	return label[0] == n && strncasecmp((const char *)label + 1, text, n) == 0;
}

/* Which operation a label names, or -1. */
static int label_op(const uint8_t *label)
{
	if (label_is(label, "_update"))
		return DNS_OP_UPDATE;
	if (label_is(label, "_transfer"))
		return DNS_OP_TRANSFER;
	if (label_is(label, "_notify"))
		return DNS_OP_NOTIFY;
	return -1;
}

/*
 * Find the rightmost operation label.  @labels (if not NULL) receives the
 * start of every label up to and including it, *idx its index.
 */
static dns_err_t find_op(const uint8_t *keyname, dns_op_t *op, const uint8_t **zone,
                         const uint8_t **labels, unsigned *idx)
{
	int found = -1;
	unsigned i = 0, at = 0;
	const uint8_t *after = NULL;

	for (const uint8_t *p = keyname; *p && i < DNS_NAME_LABELS_MAX; p += *p + 1, i++) {
		if (labels)
			labels[i] = p;
		int o = label_op(p);
		if (o >= 0) {
			found = o;
			at = i;
			after = p + *p + 1;
		}
	}
	if (found < 0)
		return DNS_ENOTFOUND;
	*op = (dns_op_t)found;
	*zone = after;
	if (idx)
		*idx = at;
	return DNS_OK;
}

dns_err_t dns_key_operation(const uint8_t *keyname, dns_op_t *op, const uint8_t **zone)
{
	return find_op(keyname, op, zone, NULL, NULL);
}

bool dns_key_authorizes(const uint8_t *keyname, dns_op_t op, const uint8_t *zone)
{
	dns_op_t have;
	const uint8_t *covered;

	if (find_op(keyname, &have, &covered, NULL, NULL) != DNS_OK)
		return false;
	/* The enum is ordered so that a larger operation includes the smaller. */
	if (have < op)
		return false;
	return dns_name_is_subdomain(zone, covered);
}

/* A label of 1-3 decimal digits, at most 255. */
static dns_err_t octet(const uint8_t *label, uint8_t *out)
{
	unsigned v = 0;

	if (label[0] < 1 || label[0] > 3)
		return DNS_ESYNTAX;
	for (unsigned i = 1; i <= label[0]; i++) {
		if (label[i] < '0' || label[i] > '9')
			return DNS_ESYNTAX;
		v = v * 10 + (unsigned)(label[i] - '0');
	}
	if (v > 255)
		return DNS_ESYNTAX;
	*out = (uint8_t)v;
	return DNS_OK;
}

dns_err_t dns_key_transfer_addrs(const uint8_t *keyname, uint8_t primary[4],
                                 uint8_t secondary[4])
{
	const uint8_t *labels[DNS_NAME_LABELS_MAX];
	const uint8_t *zone;
	dns_op_t op;
	unsigned at;
	uint8_t ip[8];

	if (find_op(keyname, &op, &zone, labels, &at) != DNS_OK || op != DNS_OP_TRANSFER ||
	    at < 8)
		return DNS_ENOTFOUND;
	for (unsigned i = 0; i < 8; i++) {
		dns_err_t err = octet(labels[at - 8 + i], &ip[i]);
		if (err != DNS_OK)
			return err;
	}
	memcpy(primary, ip, 4);
	memcpy(secondary, ip + 4, 4);
	return DNS_OK;
}
