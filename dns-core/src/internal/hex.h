/*
 * hex.h - the value of one hexadecimal digit, for the presentation
 * parsers of libdnscore (private).
 */
#ifndef DNS_INTERNAL_HEX_H
#define DNS_INTERNAL_HEX_H

/* 0..15 for '0'-'9', 'a'-'f', 'A'-'F'; -1 for anything else. */
static inline int dns_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

#endif
