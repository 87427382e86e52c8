/*
 * wire.h - bounds-checked cursors over wire data.
 *
 * A dns_rbuf reads, a dns_wbuf writes.  Every accessor checks the bounds
 * and returns DNS_EMALFORMED (reading past the end) or DNS_ESPACE (writing
 * past the capacity) instead of touching memory it does not own.
 */
#ifndef DNS_WIRE_H
#define DNS_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dns/error.h"

/* Limits of RFC 1035 / RFC 6891, used throughout the library. */
#define DNS_MSG_MAX 65535
#define DNS_RDATA_MAX 65535
#define DNS_UDP_MIN 512

typedef struct dns_rbuf {
	const uint8_t *base;
	size_t len;
	size_t pos;
} dns_rbuf_t;

typedef struct dns_wbuf {
	uint8_t *base;
	size_t cap;
	size_t len;
} dns_wbuf_t;

static inline void dns_rbuf_init(dns_rbuf_t *r, const uint8_t *base, size_t len)
{
	r->base = base;
	r->len = len;
	r->pos = 0;
}

static inline size_t dns_rbuf_left(const dns_rbuf_t *r) { return r->len - r->pos; }

static inline dns_err_t dns_rbuf_u8(dns_rbuf_t *r, uint8_t *v)
{
	if (dns_rbuf_left(r) < 1)
		return DNS_EMALFORMED;
	*v = r->base[r->pos++];
	return DNS_OK;
}

static inline dns_err_t dns_rbuf_u16(dns_rbuf_t *r, uint16_t *v)
{
	if (dns_rbuf_left(r) < 2)
		return DNS_EMALFORMED;
	*v = (uint16_t)(r->base[r->pos] << 8 | r->base[r->pos + 1]);
	r->pos += 2;
	return DNS_OK;
}

static inline dns_err_t dns_rbuf_u32(dns_rbuf_t *r, uint32_t *v)
{
	if (dns_rbuf_left(r) < 4)
		return DNS_EMALFORMED;
	const uint8_t *p = r->base + r->pos;
	*v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	r->pos += 4;
	return DNS_OK;
}

static inline dns_err_t dns_rbuf_bytes(dns_rbuf_t *r, const uint8_t **p, size_t n)
{
	if (dns_rbuf_left(r) < n)
		return DNS_EMALFORMED;
	*p = r->base + r->pos;
	r->pos += n;
	return DNS_OK;
}

static inline dns_err_t dns_rbuf_skip(dns_rbuf_t *r, size_t n)
{
	if (dns_rbuf_left(r) < n)
		return DNS_EMALFORMED;
	r->pos += n;
	return DNS_OK;
}

static inline void dns_wbuf_init(dns_wbuf_t *w, uint8_t *base, size_t cap)
{
	w->base = base;
	w->cap = cap;
	w->len = 0;
}

static inline size_t dns_wbuf_left(const dns_wbuf_t *w) { return w->cap - w->len; }

static inline dns_err_t dns_wbuf_u8(dns_wbuf_t *w, uint8_t v)
{
	if (dns_wbuf_left(w) < 1)
		return DNS_ESPACE;
	w->base[w->len++] = v;
	return DNS_OK;
}

static inline dns_err_t dns_wbuf_u16(dns_wbuf_t *w, uint16_t v)
{
	if (dns_wbuf_left(w) < 2)
		return DNS_ESPACE;
	w->base[w->len] = (uint8_t)(v >> 8);
	w->base[w->len + 1] = (uint8_t)v;
	w->len += 2;
	return DNS_OK;
}

static inline dns_err_t dns_wbuf_u32(dns_wbuf_t *w, uint32_t v)
{
	if (dns_wbuf_left(w) < 4)
		return DNS_ESPACE;
	uint8_t *p = w->base + w->len;
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	w->len += 4;
	return DNS_OK;
}

static inline dns_err_t dns_wbuf_bytes(dns_wbuf_t *w, const void *p, size_t n)
{
	if (dns_wbuf_left(w) < n)
		return DNS_ESPACE;
	if (n)
		memcpy(w->base + w->len, p, n);
	w->len += n;
	return DNS_OK;
}

/* Big-endian helpers for already bounds-checked memory. */
static inline uint16_t dns_get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t dns_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void dns_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}
static inline void dns_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#endif
