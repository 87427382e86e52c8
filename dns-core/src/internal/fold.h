/*
 * fold.h - ASCII case folding eight bytes at a time, and the
 * case-insensitive name hash built on it (private to libdnscore).
 */
#ifndef DNS_INTERNAL_FOLD_H
#define DNS_INTERNAL_FOLD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* @x with every byte 'A'..'Z' lowered; other bytes (label lengths too) unchanged. */
static inline uint64_t dns_fold8(uint64_t x)
{
	/* set bit 5 of every byte 'A'..'Z'; the sums cannot carry between bytes */
	uint64_t lo = x & 0x7f7f7f7f7f7f7f7full;
	uint64_t ge_a = lo + 0x3f3f3f3f3f3f3f3full;   /* bit 7: byte >= 'A' */
	uint64_t gt_z = lo + 0x2525252525252525ull;   /* bit 7: byte > 'Z' */
	uint64_t up = ge_a & ~gt_z & ~x & 0x8080808080808080ull;
	return x | up >> 2;
}

static inline uint64_t dns_fold_mix(uint64_t h, uint64_t w)
{
	h = (h ^ w) * 0x9e3779b97f4a7c15ull;
	return h ^ h >> 29;
}

/* Case-insensitive hash of the @len bytes of a wire name, 8 at a time. */
static inline uint32_t dns_fold_hash(const uint8_t *name, size_t len)
{
	uint64_t h = dns_fold_mix(0x243f6a8885a308d3ull, len), w;
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		memcpy(&w, name + i, 8);
		h = dns_fold_mix(h, dns_fold8(w));
	}
	if (i < len) {
		if (len >= 8) {
			memcpy(&w, name + len - 8, 8); /* the last 8 bytes, overlapping */
		} else {
			w = 0;
			for (size_t j = 0; j < len; j++)
				w = w << 8 | name[j];
		}
		h = dns_fold_mix(h, dns_fold8(w));
	}
	return (uint32_t)(h ^ h >> 32);
}

#endif
