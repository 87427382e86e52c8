/*
 * name.c - domain names in wire form: text conversion, comparison,
 * decompression and compression.
 */
#include "dns/name.h"

#include <endian.h>
#include <string.h>

#include "internal/fold.h"

const uint8_t dns_name_root[1] = {0};

/* ASCII lower-casing by table: one load instead of a compare and a branch
 * in the byte loops of hashing and comparison, which dominate the query path. */
#define L4(c) (uint8_t)(c), (uint8_t)((c) + 1), (uint8_t)((c) + 2), (uint8_t)((c) + 3)
#define L16(c) L4(c), L4((c) + 4), L4((c) + 8), L4((c) + 12)
static const uint8_t lower_tab[256] = {
	L16(0x00), L16(0x10), L16(0x20), L16(0x30),
	0x40, L4(0x61), L4(0x65), L4(0x69), 0x6d, 0x6e, 0x6f, /* 'A'..'O' */
	L4(0x70), L4(0x74), 0x78, 0x79, 0x7a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f, /* 'P'..'Z' */
	L16(0x60), L16(0x70),
	L16(0x80), L16(0x90), L16(0xa0), L16(0xb0), L16(0xc0), L16(0xd0), L16(0xe0), L16(0xf0),
};
#undef L16
#undef L4

static inline uint8_t lower(uint8_t c)
{
	return lower_tab[c];
}

/*
 * @n bytes equal ignoring ASCII case, eight at a time: names are usually
 * in the same case, and folding leaves label lengths (0..63) unchanged.
 */
static inline bool bytes_equal_nocase(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint64_t x, y;
	if (n < 8) {
		for (size_t i = 0; i < n; i++)
			if (a[i] != b[i] && lower(a[i]) != lower(b[i]))
				return false;
		return true;
	}
	for (size_t i = 0; i + 8 < n; i += 8) {
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y && dns_fold8(x) != dns_fold8(y))
			return false;
	}
	memcpy(&x, a + n - 8, 8); /* the last eight, overlapping */
	memcpy(&y, b + n - 8, 8);
	return x == y || dns_fold8(x) == dns_fold8(y);
}

size_t dns_name_length(const uint8_t *name)
{
	const uint8_t *p = name;
	while (*p)
		p += *p + 1;
	return (size_t)(p - name) + 1;
}

unsigned dns_name_label_count(const uint8_t *name)
{
	unsigned n = 0;
	for (const uint8_t *p = name; *p; p += *p + 1)
		n++;
	return n;
}

const uint8_t *dns_name_parent(const uint8_t *name)
{
	return name[0] ? name + name[0] + 1 : NULL;
}

const uint8_t *dns_name_skip_labels(const uint8_t *name, unsigned n)
{
	while (n-- && *name)
		name += *name + 1;
	return name;
}

size_t dns_name_copy(uint8_t *dst, const uint8_t *src)
{
	size_t len = dns_name_length(src);
	memcpy(dst, src, len);
	return len;
}

void dns_name_lower(uint8_t *name)
{
	for (uint8_t *p = name; *p; p += *p + 1)
		for (unsigned i = 1; i <= *p; i++)
			p[i] = lower(p[i]);
}

uint32_t dns_name_hash(const uint8_t *name)
{
	return dns_fold_hash(name, dns_name_length(name));
}

/* Equal lengths and bytes equal ignoring case: then every label length
 * (never a letter) sits at the same offset with the same value. */
bool dns_name_equal(const uint8_t *a, const uint8_t *b)
{
	size_t len = dns_name_length(a);
	return len == dns_name_length(b) && bytes_equal_nocase(a, b, len);
}

/* Offsets of each label, so that labels can be visited right to left. */
static unsigned label_offsets(const uint8_t *name, uint8_t off[DNS_NAME_LABELS_MAX + 1])
{
	unsigned n = 0;
	for (const uint8_t *p = name; *p && n <= DNS_NAME_LABELS_MAX; p += *p + 1)
		off[n++] = (uint8_t)(p - name);
	return n;
}

static int label_compare(const uint8_t *a, const uint8_t *b)
{
	unsigned la = a[0], lb = b[0];
	unsigned n = la < lb ? la : lb;
	for (unsigned i = 1; i <= n; i++) {
		uint8_t ca = lower(a[i]), cb = lower(b[i]);
		if (ca != cb)
			return ca < cb ? -1 : 1;
	}
	return la == lb ? 0 : (la < lb ? -1 : 1);
}

int dns_name_compare(const uint8_t *a, const uint8_t *b)
{
	uint8_t oa[DNS_NAME_LABELS_MAX + 1], ob[DNS_NAME_LABELS_MAX + 1];
	unsigned na = label_offsets(a, oa), nb = label_offsets(b, ob);
	while (na > 0 && nb > 0) {
		int c = label_compare(a + oa[--na], b + ob[--nb]);
		if (c)
			return c;
	}
	return na == nb ? 0 : (na < nb ? -1 : 1);
}

bool dns_name_is_subdomain(const uint8_t *name, const uint8_t *parent)
{
	unsigned ln = dns_name_label_count(name), lp = dns_name_label_count(parent);
	if (ln < lp)
		return false;
	return dns_name_equal(dns_name_skip_labels(name, ln - lp), parent);
}

/* ---- presentation text ---- */

static int digit(char c) { return c >= '0' && c <= '9' ? c - '0' : -1; }

dns_err_t dns_name_from_text(uint8_t out[DNS_NAME_MAX], size_t *outlen, const char *text,
                             size_t len, const uint8_t *origin)
{
	if (len == 0)
		return DNS_ESYNTAX;
	if (len == 1 && text[0] == '@') {
		if (!origin)
			return DNS_ESYNTAX;
		*outlen = dns_name_copy(out, origin);
		return DNS_OK;
	}
	if (len == 1 && text[0] == '.') {
		out[0] = 0;
		*outlen = 1;
		return DNS_OK;
	}

	size_t o = 0;         /* write position */
	size_t lab = 0;       /* position of the current label's length byte */
	bool absolute = false;
	out[0] = 0;
	o = 1;
	for (size_t i = 0; i < len;) {
		char c = text[i];
		if (c == '.') {
			size_t llen = o - lab - 1;
			if (llen == 0)
				return DNS_ESYNTAX; /* empty label */
			out[lab] = (uint8_t)llen;
			i++;
			if (i == len) {
				absolute = true;
				break;
			}
			if (o >= DNS_NAME_MAX)
				return DNS_ELIMIT;
			lab = o++;
			out[lab] = 0;
			continue;
		}
		uint8_t byte;
		if (c == '\\') {
			if (i + 1 >= len)
				return DNS_ESYNTAX;
			int d0 = digit(text[i + 1]);
			if (d0 >= 0) {
				if (i + 3 >= len)
					return DNS_ESYNTAX;
				int d1 = digit(text[i + 2]), d2 = digit(text[i + 3]);
				if (d1 < 0 || d2 < 0)
					return DNS_ESYNTAX;
				int v = d0 * 100 + d1 * 10 + d2;
				if (v > 255)
					return DNS_ESYNTAX;
				byte = (uint8_t)v;
				i += 4;
			} else {
				byte = (uint8_t)text[i + 1];
				i += 2;
			}
		} else {
			byte = (uint8_t)c;
			i++;
		}
		if (o - lab - 1 >= DNS_LABEL_MAX)
			return DNS_ELIMIT;
		if (o >= DNS_NAME_MAX - 1)
			return DNS_ELIMIT;
		out[o++] = byte;
	}
	if (!absolute) {
		size_t llen = o - lab - 1;
		if (llen == 0)
			return DNS_ESYNTAX;
		out[lab] = (uint8_t)llen;
		if (!origin)
			return DNS_ESYNTAX;
		size_t olen = dns_name_length(origin);
		if (o + olen > DNS_NAME_MAX)
			return DNS_ELIMIT;
		memcpy(out + o, origin, olen);
		o += olen;
	} else {
		if (o >= DNS_NAME_MAX)
			return DNS_ELIMIT;
		out[o++] = 0;
	}
	*outlen = o;
	return DNS_OK;
}

static bool needs_escape(uint8_t c)
{
	switch (c) {
	case '.': case '\\': case '"': case '(': case ')': case ';':
	case '@': case '$': case ' ':
		return true;
	default:
		return c < 0x21 || c > 0x7e;
	}
}

size_t dns_name_to_text(const uint8_t *name, char *out, size_t cap)
{
	size_t o = 0;
	if (name[0] == 0) {
		if (cap < 2)
			return 0;
		out[0] = '.';
		out[1] = 0;
		return 1;
	}
	for (const uint8_t *p = name; *p; p += *p + 1) {
		for (unsigned i = 1; i <= *p; i++) {
			uint8_t c = p[i];
			if (c < 0x21 || c > 0x7e) {
				if (o + 4 >= cap)
					return 0;
				out[o++] = '\\';
				out[o++] = (char)('0' + c / 100);
				out[o++] = (char)('0' + c / 10 % 10);
				out[o++] = (char)('0' + c % 10);
			} else if (needs_escape(c)) {
				if (o + 2 >= cap)
					return 0;
				out[o++] = '\\';
				out[o++] = (char)c;
			} else {
				if (o + 1 >= cap)
					return 0;
				out[o++] = (char)c;
			}
		}
		if (o + 1 >= cap)
			return 0;
		out[o++] = '.';
	}
	out[o] = 0;
	return o;
}

/* ---- decompression ---- */

dns_err_t dns_name_unpack(dns_rbuf_t *r, uint8_t *out, size_t *outlen)
{
	const uint8_t *base = r->base;
	size_t len = r->len, pos = r->pos, o = 0, after = 0;
	size_t run = pos, orun = 0; /* labels checked but not yet copied: base[run..pos) */
	unsigned hops = 0;
	uint8_t scratch[DNS_NAME_MAX];
	if (!out)
		out = scratch;
	/* Labels are copied a run at a time (one memcpy for an uncompressed
	 * name), not one by one: short variable copies dominate otherwise. */
	for (;;) {
		if (pos >= len)
			return DNS_EMALFORMED;
		uint8_t b = base[pos];
		if (b == 0) {
			memcpy(out + orun, base + run, pos + 1 - run);
			o++;
			if (!hops)
				after = pos + 1;
			break;
		}
		if ((b & 0xC0) == 0xC0) {
			if (pos + 1 >= len)
				return DNS_EMALFORMED;
			size_t ptr = (size_t)(b & 0x3F) << 8 | base[pos + 1];
			if (ptr >= pos || ++hops > DNS_NAME_MAX_HOPS)
				return DNS_EMALFORMED;
			if (hops == 1)
				after = pos + 2;
			memcpy(out + orun, base + run, pos - run);
			pos = run = ptr;
			orun = o;
			continue;
		}
		if (b & 0xC0)
			return DNS_EMALFORMED; /* extended label types (RFC 6891 §5) */
		if (pos + 1 + b > len)
			return DNS_EMALFORMED;
		if (o + 1 + b + 1 > DNS_NAME_MAX)
			return DNS_EMALFORMED;
		o += (size_t)b + 1;
		pos += (size_t)b + 1;
	}
	r->pos = after;
	if (outlen)
		*outlen = o;
	return DNS_OK;
}

/* ---- compression ---- */

void dns_compress_reset(dns_compress_t *c, const uint8_t *msg)
{
	c->msg = msg;
	c->deferred = 0;
	if (++c->gen == 0) {
		memset(c->slot_gen, 0, sizeof(c->slot_gen));
		c->gen = 1;
	}
}

void dns_compress_init(dns_compress_t *c, const uint8_t *msg, unsigned slots)
{
	if (slots == 0 || slots > DNS_COMPRESS_SLOTS || (slots & (slots - 1)))
		slots = DNS_COMPRESS_SLOTS;
	c->mask = slots - 1;
	memset(c->slot_gen, 0, slots * sizeof(c->slot_gen[0]));
	c->gen = 0; /* generation 0 is never current: the slots are empty */
	dns_compress_reset(c, msg);
}

/* The slots in use; clamped so that no value of c->mask, even in a table a
 * caller never initialised, can index outside the arrays. */
static inline unsigned slot_mask(const dns_compress_t *c)
{
	return (c->mask ? c->mask : DNS_COMPRESS_SLOTS - 1) & (DNS_COMPRESS_SLOTS - 1);
}

#define PROBES 8

/*
 * A hash of every suffix: its length and its first sixteen bytes, case
 * folded (label lengths are never letters: folding leaves them alone).
 * Siblings differ within their first label, so this tells suffixes apart
 * about as well as hashing every byte, at a fraction of the cost; the rare
 * collisions cost a comparison (msg_name_equals).
 */
static unsigned suffix_hashes(const uint8_t *name, uint8_t off[DNS_NAME_LABELS_MAX + 1],
                              uint32_t hash[DNS_NAME_LABELS_MAX + 1], size_t *namelen)
{
	unsigned n = label_offsets(name, off);
	size_t total = n ? (size_t)off[n - 1] + name[off[n - 1]] + 2u : 1u;
	for (unsigned i = 0; i < n; i++) {
		size_t len = total - off[i];
		uint64_t w = 0;
		if (len >= 8) {
			memcpy(&w, name + off[i], 8);
		} else if (total >= 8) {
			/* a short suffix: the name's last eight bytes, shifted to it */
			memcpy(&w, name + total - 8, 8);
			w = le64toh(w) >> (8 * (8 - len));
		} else {
			for (size_t j = 0; j < len; j++)
				w |= (uint64_t)name[off[i] + j] << (8 * j);
		}
		uint64_t h = (dns_fold8(w) ^ len * 0x9e3779b97f4a7c15ull) * 0xff51afd7ed558ccdull;
		if (len >= 16) {
			memcpy(&w, name + off[i] + 8, 8);
			h = (h ^ h >> 29 ^ dns_fold8(w)) * 0xff51afd7ed558ccdull;
		}
		hash[i] = (uint32_t)(h >> 32);
	}
	*namelen = total;
	return n;
}

/* Does the (possibly compressed) name at @off in the message equal @suffix? */
static bool msg_name_equals(const uint8_t *msg, size_t msglen, size_t off, const uint8_t *suffix)
{
	unsigned hops = 0;
	for (;;) {
		if (off >= msglen)
			return false;
		uint8_t b = msg[off];
		if ((b & 0xC0) == 0xC0) {
			if (off + 1 >= msglen || ++hops > DNS_NAME_MAX_HOPS)
				return false;
			off = (size_t)(b & 0x3F) << 8 | msg[off + 1];
			continue;
		}
		if (b != suffix[0] || off + 1 + b > msglen)
			return false;
		if (b == 0)
			return true;
		if (!bytes_equal_nocase(msg + off + 1, suffix + 1, b))
			return false;
		off += (size_t)b + 1;
		suffix += b + 1;
	}
}

static int compress_find(const dns_compress_t *c, size_t msglen, uint32_t h, const uint8_t *suffix)
{
	for (unsigned p = 0; p < PROBES; p++) {
		unsigned s = (h + p) & slot_mask(c);
		if (c->slot_gen[s] != c->gen)
			return -1;
		if (c->slot_hash[s] == h && msg_name_equals(c->msg, msglen, c->slot_off[s], suffix))
			return c->slot_off[s];
	}
	return -1;
}

static void compress_add(dns_compress_t *c, uint32_t h, size_t off)
{
	if (off >= 0x4000)
		return;
	for (unsigned p = 0; p < PROBES; p++) {
		unsigned s = (h + p) & slot_mask(c);
		if (c->slot_gen[s] != c->gen) {
			c->slot_gen[s] = c->gen;
			c->slot_hash[s] = h;
			c->slot_off[s] = (uint16_t)off;
			return;
		}
	}
}

void dns_compress_defer(dns_compress_t *c, size_t off)
{
	c->deferred = off < 0x4000 ? (uint32_t)off + 1 : 0;
}

/* Enter the deferred name's suffixes (it lies uncompressed in the message). */
static void compress_flush(dns_compress_t *c)
{
	size_t at = c->deferred - 1, len;
	uint8_t off[DNS_NAME_LABELS_MAX + 1];
	uint32_t hash[DNS_NAME_LABELS_MAX + 1];
	c->deferred = 0;
	unsigned n = suffix_hashes(c->msg + at, off, hash, &len);
	for (unsigned i = 0; i < n; i++)
		compress_add(c, hash[i], at + off[i]);
}

void dns_compress_forget_from(dns_compress_t *c, size_t off)
{
	if (c->deferred > off)
		c->deferred = 0;
	if (off >= 0x4000)
		return; /* no entry is recorded that high */
	unsigned slots = slot_mask(c) + 1;
	for (unsigned s = 0; s < slots; s++)
		if (c->slot_gen[s] == c->gen && c->slot_off[s] >= off)
			c->slot_gen[s] = 0;
}

dns_err_t dns_name_pack(dns_wbuf_t *w, const uint8_t *name, dns_compress_t *c, bool compress)
{
	if (!c)
		return dns_wbuf_bytes(w, name, dns_name_length(name));
	if (c->deferred)
		compress_flush(c);

	uint8_t off[DNS_NAME_LABELS_MAX + 1];
	uint32_t hash[DNS_NAME_LABELS_MAX + 1];
	size_t namelen;
	unsigned n = suffix_hashes(name, off, hash, &namelen);
	size_t msg_off = (size_t)(w->base - c->msg); /* w may start inside the message */
	unsigned literal = n;                         /* labels written in full */
	int target = -1;
	if (compress) {
		for (unsigned i = 0; i < n; i++) {
			target = compress_find(c, msg_off + w->len, hash[i], name + off[i]);
			if (target >= 0) {
				literal = i;
				break;
			}
		}
	}
	size_t lit_len = literal < n ? off[literal] : namelen - 1;
	size_t need = lit_len + (target >= 0 ? 2 : 1);
	if (dns_wbuf_left(w) < need)
		return DNS_ESPACE;
	size_t start = msg_off + w->len;
	memcpy(w->base + w->len, name, lit_len);
	w->len += lit_len;
	if (target >= 0) {
		w->base[w->len++] = (uint8_t)(0xC0 | target >> 8);
		w->base[w->len++] = (uint8_t)target;
	} else {
		w->base[w->len++] = 0;
	}
	for (unsigned i = 0; i < literal; i++)
		compress_add(c, hash[i], start + off[i]);
	return DNS_OK;
}
