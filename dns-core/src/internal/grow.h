/*
 * grow.h - growable arrays and byte stores for the library's builders
 * (capacity doubling, overflow-checked; private to libdnscore).
 */
#ifndef DNS_INTERNAL_GROW_H
#define DNS_INTERNAL_GROW_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/error.h"

/*
 * Room for @need elements of @elem bytes in @v, whose capacity is *@cap
 * (a first allocation holds @first).  Returns the array, moved or not, or
 * NULL on overflow or ENOMEM, when @v and *@cap are left as they were.
 */
static inline void *dns_grow(void *v, size_t *cap, size_t need, size_t elem, size_t first)
{
	if (need <= *cap)
		return v;
	size_t nc = *cap ? *cap : first;
	while (nc < need) {
		if (nc > SIZE_MAX / 2)
			return NULL;
		nc *= 2;
	}
	if (nc > SIZE_MAX / elem)
		return NULL;
	void *p = realloc(v, nc * elem);
	if (p)
		*cap = nc;
	return p;
}

/* Bytes appended one after another; offsets stay valid as the store moves. */
typedef struct dns_bytes {
	uint8_t *p;
	size_t len, cap;
} dns_bytes_t;

/* Append @n bytes of @data; *@off receives where they start. */
static inline dns_err_t dns_bytes_put(dns_bytes_t *b, const void *data, size_t n, size_t *off)
{
	if (n > SIZE_MAX - b->len)
		return DNS_ENOMEM;
	uint8_t *p = dns_grow(b->p, &b->cap, b->len + n, 1, 1024);
	if (!p)
		return DNS_ENOMEM;
	b->p = p;
	*off = b->len;
	if (n)
		memcpy(p + b->len, data, n);
	b->len += n;
	return DNS_OK;
}

#endif
