/*
 * base32hex.c - base32 with the extended hex alphabet (RFC 4648 §7),
 * without padding, as NSEC3 next hashed owner names use it (RFC 5155 §3.3).
 * OpenSSL has no base32, hence this small codec.
 */
#include "internal/rdata_priv.h"

static const char alphabet[] = "0123456789abcdefghijklmnopqrstuv";

size_t dns__b32hex_encode(const uint8_t *in, size_t len, char *out, size_t cap)
{
	size_t need = (len * 8 + 4) / 5;
	if (need + 1 > cap)
		return 0;
	size_t o = 0;
	uint32_t acc = 0;
	unsigned bits = 0;
	for (size_t i = 0; i < len; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[o++] = alphabet[(acc >> bits) & 31];
		}
	}
	if (bits)
		out[o++] = alphabet[(acc << (5 - bits)) & 31];
	out[o] = 0;
	return o;
}

static int b32val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'v')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'V')
		return c - 'A' + 10;
	return -1;
}

long dns__b32hex_decode(const char *in, size_t len, uint8_t *out, size_t cap)
{
	/* Unpadded lengths: 8 chars per 5 bytes; 1, 3 and 6 leftover chars are impossible. */
	size_t rem = len % 8;
	if (rem == 1 || rem == 3 || rem == 6)
		return -1;
	size_t o = 0;
	uint32_t acc = 0;
	unsigned bits = 0;
	for (size_t i = 0; i < len; i++) {
		int v = b32val(in[i]);
		if (v < 0)
			return -1;
		acc = (acc << 5) | (uint32_t)v;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			if (o >= cap)
				return -1;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	/* Leftover bits must be zero, so that every value has one spelling. */
	if (bits && (acc & ((1u << bits) - 1)))
		return -1;
	return (long)o;
}
