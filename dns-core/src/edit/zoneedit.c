/*
 * zoneedit.c - apply record changes to zone file text as a minimal edit.
 *
 * The edit is planned as a list of replacements of byte ranges of the
 * original text (an empty range is an insertion), rendered once, then
 * verified by parsing the result: the text is trusted only for what it
 * says, never for what the plan meant it to say.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/rdata.h"
#include "dns/rrtype.h"
#include "dns/zoneedit.h"
#include "zoneedit_int.h"

#define ZE_RDTEXT_MAX (65535u * 4u + 4096u) /* every byte as \DDD, quotes, spaces */

/* Replace text[start, end) by tbuf[toff, toff + tlen). */
typedef struct ze_edit {
	uint32_t start, end;
	size_t toff, tlen;
	size_t seq;
	bool tail;  /* an addition at the end of the file: after all others */
} ze_edit_t;

typedef struct ze_ctx {
	const char *name;
	const char *text;
	size_t len;
	const dns_zf_options_t *opt;
	ze_scan_t scan;
	ze_set_t old;   /* what the text means now */
	ze_set_t add;   /* the added records, canonical */
	ze_set_t want;  /* old - removed + added */
	ze_edit_t *ed;
	size_t ned, edcap;
	char *tbuf;
	size_t tlen, tcap;
	char *rdtext;
	ze_err_t err;
} ze_ctx_t;

/* ---- plan building blocks ---- */

static bool ze_text(ze_ctx_t *c, const char *s, size_t n)
{
	if (c->tlen + n < c->tlen)
		return false;
	if (c->tlen + n > c->tcap) {
		size_t cap = c->tcap ? c->tcap : 256;
		while (cap < c->tlen + n)
			cap *= 2;
		char *p = realloc(c->tbuf, cap);
		if (!p)
			return false;
		c->tbuf = p;
		c->tcap = cap;
	}
	memcpy(c->tbuf + c->tlen, s, n);
	c->tlen += n;
	return true;
}

static bool ze_str(ze_ctx_t *c, const char *s)
{
	return ze_text(c, s, strlen(s));
}

/* Start an edit of text[start, end); its replacement is whatever
 * ze_text() appends until the next ze_edit_begin(). */
static bool ze_edit_begin(ze_ctx_t *c, size_t start, size_t end)
{
	if (c->ned == c->edcap) {
		size_t cap = c->edcap ? c->edcap * 2 : 32;
		ze_edit_t *p = realloc(c->ed, cap * sizeof(*p));
		if (!p)
			return false;
		c->ed = p;
		c->edcap = cap;
	}
	c->ed[c->ned] = (ze_edit_t){ (uint32_t)start, (uint32_t)end, c->tlen, 0, c->ned, false };
	c->ned++;
	return true;
}

static void ze_edit_end(ze_ctx_t *c)
{
	ze_edit_t *e = &c->ed[c->ned - 1];
	e->tlen = c->tlen - e->toff;
}

/* @name written relative to @origin when it is inside it ("@" for the
 * origin itself), else absolute. */
static void ze_rel_name(const uint8_t *name, const uint8_t *origin, char *out, size_t cap)
{
	if (dns_name_equal(name, origin)) {
		snprintf(out, cap, "@");
		return;
	}
	if (!dns_name_is_subdomain(name, origin)) {
		dns_name_to_text(name, out, cap);
		return;
	}
	unsigned k = dns_name_label_count(name) - dns_name_label_count(origin);
	uint8_t head[DNS_NAME_MAX];
	size_t n = dns_name_length(name) - dns_name_length(dns_name_skip_labels(name, k));
	memcpy(head, name, n);
	head[n] = 0;
	size_t tl = dns_name_to_text(head, out, cap);
	if (tl > 1)
		out[tl - 1] = '\0'; /* drop the final dot: relative */
}

static const char *ze_tok_ptr(const ze_ctx_t *c, const ze_entry_t *e, int i)
{
	return c->text + c->scan.tok[e->tok + (uint32_t)i].start;
}

static size_t ze_tok_len(const ze_ctx_t *c, const ze_entry_t *e, int i)
{
	const ze_tok_t *t = &c->scan.tok[e->tok + (uint32_t)i];
	return t->end - t->start;
}

/* The owner field of explicit-owner entry @e with the blanks after it
 * (when the next field is on the same line), as the file writes it. */
static bool ze_owner_field(ze_ctx_t *c, const ze_entry_t *e)
{
	const ze_tok_t *t = &c->scan.tok[e->tok];
	size_t end = t->end;
	if (e->ntok > 1) {
		size_t next = t[1].start, i = end;
		while (i < next && (c->text[i] == ' ' || c->text[i] == '\t'))
			i++;
		if (i == next && i > end)
			return ze_text(c, c->text + t->start, next - t->start);
	}
	return ze_text(c, c->text + t->start, end - t->start) && ze_str(c, "\t");
}

static const char *ze_eol(const ze_ctx_t *c, const ze_entry_t *e)
{
	if (!e && c->scan.n > 0)
		e = &c->scan.e[c->scan.n - 1];
	return e && e->crlf ? "\r\n" : "\n";
}

/*
 * The line for added record @r after entry @e (NULL: at the end of the
 * file).  @inherit: leave the owner field blank (the line follows an
 * entry of the same owner that stays).
 */
static dns_err_t ze_line(ze_ctx_t *c, const ze_rec_t *r, const ze_entry_t *e, bool inherit)
{
	char buf[DNS_NAME_TEXT_MAX + 64];
	ze_fields_t f = { -1, -1, -1, -1 };
	const ze_entry_t *style = e;
	if (!style) /* at the end: follow the last record entry's habits */
		for (size_t i = c->scan.n; i-- > 0 && !style;)
			if (c->scan.e[i].kind == ZE_RECORD)
				style = &c->scan.e[i];
	if (style)
		ze_entry_fields(&c->scan, style, &f);
	bool ok;
	if (!e) {
		dns_name_to_text(r->owner, buf, sizeof(buf));
		ok = ze_str(c, buf) && ze_str(c, "\t");
	} else if (inherit) {
		ok = ze_text(c, c->text + e->start, e->ws_end - e->start);
	} else if (!e->blank) {
		ok = ze_owner_field(c, e);
	} else {
		ze_rel_name(r->owner, c->scan.origin[e->origin], buf, sizeof(buf));
		ok = ze_str(c, buf) && ze_str(c, "\t");
	}
	/* TTL only when the $TTL in effect would not give it. */
	const ze_entry_t *at = e ? e : c->scan.n ? &c->scan.e[c->scan.n - 1] : NULL;
	if (!at || !at->have_dttl || at->dttl != r->ttl) {
		snprintf(buf, sizeof(buf), "%u ", (unsigned)r->ttl);
		ok = ok && ze_str(c, buf);
	}
	if (f.rclass >= 0) {
		dns_rrclass_to_text(r->rclass, buf, sizeof(buf));
		ok = ok && ze_str(c, buf) && ze_str(c, " ");
	}
	dns_rrtype_to_text(r->type, buf, sizeof(buf));
	ok = ok && ze_str(c, buf) && ze_str(c, " ");
	if (!ok)
		return DNS_ENOMEM;
	size_t n = 0;
	dns_err_t err = dns_rdata_to_text(r->type, r->rdata, r->rdlen, c->rdtext, ZE_RDTEXT_MAX, &n);
	if (err != DNS_OK)
		return err;
	if (!ze_text(c, c->rdtext, n) || !ze_str(c, ze_eol(c, e)))
		return DNS_ENOMEM;
	return DNS_OK;
}

/* ---- the SOA serial ---- */

/* @a and @b are SOA rdata equal except for the serial. */
static bool ze_soa_serial_only(const ze_rec_t *a, const ze_rec_t *b)
{
	if (dns_rdata_validate(DNS_TYPE_SOA, a->rdata, a->rdlen) != DNS_OK ||
	    dns_rdata_validate(DNS_TYPE_SOA, b->rdata, b->rdlen) != DNS_OK || a->rdlen != b->rdlen)
		return false;
	size_t n = dns_name_length(a->rdata);
	n += dns_name_length(a->rdata + n);
	return n + 20 == a->rdlen && memcmp(a->rdata, b->rdata, n) == 0 &&
	       memcmp(a->rdata + n + 4, b->rdata + n + 4, 16) == 0;
}

static uint32_t ze_serial(const ze_rec_t *r)
{
	size_t n = dns_name_length(r->rdata);
	n += dns_name_length(r->rdata + n);
	const uint8_t *p = r->rdata + n;
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Rewrite just the digits of the serial of @old's entry, when the entry
 * writes it as a plain number.  False when it cannot be done that way. */
static bool ze_serial_edit(ze_ctx_t *c, const ze_rec_t *old, const ze_rec_t *new_,
                           dns_err_t *err)
{
	if (old->entry < 0 || old->ttl != new_->ttl || !ze_soa_serial_only(old, new_))
		return false;
	const ze_entry_t *e = &c->scan.e[old->entry];
	ze_fields_t f;
	if (!ze_entry_fields(&c->scan, e, &f) || (size_t)f.type + 3 >= e->ntok)
		return false;
	int i = f.type + 3;
	const char *p = ze_tok_ptr(c, e, i);
	size_t n = ze_tok_len(c, e, i);
	uint64_t v = 0;
	if (c->scan.tok[e->tok + (uint32_t)i].quoted || n == 0 || n > 10)
		return false;
	for (size_t k = 0; k < n; k++) {
		if (p[k] < '0' || p[k] > '9')
			return false;
		v = v * 10 + (uint64_t)(p[k] - '0');
	}
	if (v != ze_serial(old))
		return false;
	char digits[16];
	snprintf(digits, sizeof(digits), "%u", (unsigned)ze_serial(new_));
	uint32_t start = c->scan.tok[e->tok + (uint32_t)i].start;
	if (!ze_edit_begin(c, start, start + n) || !ze_str(c, digits)) {
		*err = DNS_ENOMEM;
		return false;
	}
	ze_edit_end(c);
	return true;
}

/* ---- planning ---- */

/* Where added record @r goes: after the last entry of its owner in the
 * top file, or -1 for the end of the file. */
static int32_t ze_anchor(const ze_ctx_t *c, const ze_rec_t *r)
{
	size_t lo, hi;
	int32_t best = -1;
	ze_set_owner_range(&c->old, r->cowner, &lo, &hi);
	for (size_t i = lo; i < hi; i++)
		if (c->old.r[i].entry > best)
			best = c->old.r[i].entry;
	return best;
}

/*
 * A line for @owner after blank-owner entry @a may leave its owner blank
 * too, when the line it would inherit from names @owner: @a itself, or
 * when @a goes, the closest line before it that stays.
 */
static bool ze_can_inherit(const ze_ctx_t *c, int32_t a, const uint8_t *owner)
{
	if (!c->scan.e[a].blank)
		return false;
	for (int32_t i = a; i >= 0; i--) {
		const ze_entry_t *x = &c->scan.e[i];
		if (x->kind == ZE_INCLUDE)
			return false;
		if (x->kind != ZE_RECORD || x->rec < 0)
			continue;
		if (!x->deleted || (x->has_insert && i != a))
			return dns_name_equal(c->old.r[x->rec].owner, owner);
	}
	return false;
}

static dns_err_t ze_insert(ze_ctx_t *c, const ze_rec_t *r, int32_t anchor)
{
	const ze_entry_t *e = anchor >= 0 ? &c->scan.e[anchor] : NULL;
	size_t at = e ? e->end : c->len;
	if (!ze_edit_begin(c, at, at))
		return DNS_ENOMEM;
	/* Lines that inherit the owner of the file's last entry must not
	 * end up after a new owner's line. */
	c->ed[c->ned - 1].tail = !e;
	dns_err_t err = ze_line(c, r, e, e && ze_can_inherit(c, anchor, r->owner));
	if (err != DNS_OK)
		return err;
	ze_edit_end(c);
	return DNS_OK;
}

/* The removed SOA record of the old set and the added one, if any. */
static void ze_find_soa(const ze_ctx_t *c, const ze_rec_t **old, const ze_rec_t **new_)
{
	*old = *new_ = NULL;
	for (size_t i = 0; i < c->add.n; i++)
		if (c->add.r[i].type == DNS_TYPE_SOA && !c->add.r[i].placed)
			*new_ = &c->add.r[i];
	if (!*new_)
		return;
	for (size_t i = 0; i < c->old.n; i++) {
		const ze_rec_t *r = &c->old.r[i];
		if (r->removed && r->type == DNS_TYPE_SOA && r->entry >= 0 &&
		    dns_name_equal(r->owner, (*new_)->owner))
			*old = r;
	}
}

/* Give the owner back to blank-owner entries that inherited it from an
 * entry that is gone (and would now inherit something else). */
static dns_err_t ze_fix_owners(ze_ctx_t *c)
{
	int32_t new_src = -1, old_src = -1, explicit_src = -1;
	char buf[DNS_NAME_TEXT_MAX];
	for (size_t i = 0; i < c->scan.n; i++) {
		ze_entry_t *e = &c->scan.e[i];
		bool rec = e->kind == ZE_RECORD && e->rec >= 0;
		if (rec && e->blank && !e->deleted) {
			const ze_rec_t *mine = &c->old.r[e->rec];
			bool need;
			if (new_src < 0)
				need = true;
			else if (c->scan.e[new_src].kind == ZE_INCLUDE)
				need = new_src != old_src;
			else
				need = !dns_name_equal(c->old.r[c->scan.e[new_src].rec].owner, mine->owner);
			if (need) {
				if (!ze_edit_begin(c, e->start, e->ws_end))
					return DNS_ENOMEM;
				const ze_entry_t *x = explicit_src >= 0 ? &c->scan.e[explicit_src] : NULL;
				bool ok;
				if (x && x->origin == e->origin &&
				    dns_name_equal(c->old.r[x->rec].owner, mine->owner)) {
					ok = ze_owner_field(c, x);
				} else {
					ze_rel_name(mine->owner, c->scan.origin[e->origin], buf, sizeof(buf));
					ok = ze_str(c, buf) && ze_str(c, "\t");
				}
				if (!ok)
					return DNS_ENOMEM;
				ze_edit_end(c);
			}
		}
		if ((rec && (!e->deleted || e->has_insert)) || e->kind == ZE_INCLUDE)
			new_src = (int32_t)i;
		if (rec || e->kind == ZE_INCLUDE)
			old_src = (int32_t)i;
		if (rec && !e->blank)
			explicit_src = (int32_t)i;
		else if (e->kind == ZE_INCLUDE)
			explicit_src = -1;
	}
	return DNS_OK;
}

/* Plan the whole edit; @at_end puts every addition at the end. */
static dns_err_t ze_plan(ze_ctx_t *c, bool at_end)
{
	c->ned = 0;
	c->tlen = 0;
	for (size_t i = 0; i < c->scan.n; i++)
		c->scan.e[i].deleted = c->scan.e[i].has_insert = false;
	for (size_t i = 0; i < c->old.n; i++)
		if (c->old.r[i].removed && c->old.r[i].entry >= 0)
			c->scan.e[c->old.r[i].entry].deleted = true;

	dns_err_t err = DNS_OK;
	const ze_rec_t *soa_old, *soa_new;
	ze_find_soa(c, &soa_old, &soa_new);
	bool soa_done = false;
	int32_t soa_anchor = -1;
	if (soa_old && soa_new) {
		soa_done = ze_serial_edit(c, soa_old, soa_new, &err);
		if (err != DNS_OK)
			return err;
		if (soa_done)
			c->scan.e[soa_old->entry].deleted = false;
		else if (!at_end)
			soa_anchor = soa_old->entry; /* replaced where it stood */
	}
	/* Where every line goes first: whether a line may inherit its owner
	 * depends on what is inserted before it. */
	for (size_t i = 0; i < c->add.n; i++) {
		ze_rec_t *r = &c->add.r[i];
		if (r->placed || (r == soa_new && soa_done))
			continue;
		r->anchor = r == soa_new && soa_anchor >= 0 ? soa_anchor
		            : at_end ? -1 : ze_anchor(c, r);
		if (r->anchor >= 0)
			c->scan.e[r->anchor].has_insert = true;
	}
	for (size_t i = 0; i < c->add.n; i++) {
		const ze_rec_t *r = &c->add.r[i];
		if (r->placed || (r == soa_new && soa_done))
			continue;
		if ((err = ze_insert(c, r, r->anchor)) != DNS_OK)
			return err;
	}
	for (size_t i = 0; i < c->scan.n; i++) {
		const ze_entry_t *e = &c->scan.e[i];
		if (e->deleted) {
			if (!ze_edit_begin(c, e->start, e->end))
				return DNS_ENOMEM;
			ze_edit_end(c);
		}
	}
	return ze_fix_owners(c);
}

/* ---- rendering ---- */

static int ze_edit_cmp(const void *pa, const void *pb)
{
	const ze_edit_t *a = pa, *b = pb;
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	bool ia = a->end == a->start, ib = b->end == b->start;
	if (ia != ib)
		return ia ? -1 : 1; /* insertions before a range starting there */
	if (a->tail != b->tail)
		return a->tail ? 1 : -1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static dns_err_t ze_render(ze_ctx_t *c, char **out, size_t *outlen)
{
	if (c->ned > 1)
		qsort(c->ed, c->ned, sizeof(*c->ed), ze_edit_cmp);
	size_t cap = c->len + c->tlen + 2 * c->ned + 1;
	char *o = malloc(cap);
	if (!o)
		return DNS_ENOMEM;
	size_t n = 0, cur = 0;
	for (size_t i = 0; i < c->ned; i++) {
		const ze_edit_t *e = &c->ed[i];
		if (e->start < cur) {
			free(o);
			ze_fail(&c->err, "internal: overlapping edits at byte %u", (unsigned)e->start);
			return DNS_EZONE;
		}
		memcpy(o + n, c->text + cur, e->start - cur);
		n += e->start - cur;
		/* An insertion after a last line that has no newline. */
		if (e->start == e->end && e->tlen && n > 0 && o[n - 1] != '\n')
			o[n++] = '\n';
		if (e->tlen)
			memcpy(o + n, c->tbuf + e->toff, e->tlen);
		n += e->tlen;
		cur = e->end;
	}
	memcpy(o + n, c->text + cur, c->len - cur);
	n += c->len - cur;
	o[n] = '\0';
	*out = o;
	*outlen = n;
	return DNS_OK;
}

/* ---- the changes ---- */

static dns_rr_t ze_rr_of(const ze_rec_t *r)
{
	return (dns_rr_t){ r->owner, r->type, r->rclass, r->ttl, r->rdlen, r->rdata };
}

static dns_err_t ze_mark_removed(ze_ctx_t *c, const dns_rr_t *removed, size_t n)
{
	ze_set_t rem = { 0 };
	dns_err_t err = DNS_OK;
	for (size_t i = 0; i < n && err == DNS_OK; i++)
		err = ze_set_add(&rem, &removed[i], -1);
	if (err != DNS_OK) {
		ze_set_free(&rem);
		return err;
	}
	ze_set_seal(&rem);
	char label[DNS_NAME_TEXT_MAX + 48];
	for (size_t i = 0; i < rem.n && err == DNS_OK; i++) {
		size_t lo, hi;
		ze_set_range(&c->old, &rem.r[i], &lo, &hi);
		ze_rec_label(&rem.r[i], label, sizeof(label));
		if (lo == hi) {
			ze_fail(&c->err, "removed record %s is not in %s", label, c->name);
			err = DNS_ENOTFOUND;
		}
		for (size_t k = lo; k < hi && err == DNS_OK; k++) {
			if (c->old.r[k].entry < 0) {
				ze_fail(&c->err, "removed record %s comes from an $INCLUDE'd file", label);
				err = DNS_ENOTSUP;
			}
			c->old.r[k].removed = true;
		}
	}
	ze_set_free(&rem);
	return err;
}

/* Added records: canonical, without repeats; those already present with
 * the same TTL need no line. Then the expected result. */
static dns_err_t ze_prepare(ze_ctx_t *c, const dns_rr_t *added, size_t n)
{
	dns_err_t err = DNS_OK;
	for (size_t i = 0; i < n && err == DNS_OK; i++)
		err = ze_set_add(&c->add, &added[i], -1);
	if (err != DNS_OK)
		return err;
	ze_set_seal(&c->add);
	for (size_t i = 0; i < c->add.n; i++) {
		ze_rec_t *r = &c->add.r[i];
		size_t lo, hi;
		if (r->ttl > DNS_ZONEEDIT_TTL_MAX) {
			/* the parser would refuse the line: say which record */
			char label[DNS_NAME_TEXT_MAX + 48];
			ze_rec_label(r, label, sizeof(label));
			ze_fail(&c->err, "added record %s: TTL above %u (RFC 2181 section 8)", label,
			        (unsigned)DNS_ZONEEDIT_TTL_MAX);
			return DNS_ELIMIT;
		}
		if (i > 0 && ze_rec_keycmp(r - 1, r) == 0 && r[-1].ttl == r->ttl) {
			r->placed = true;
			continue;
		}
		ze_set_range(&c->old, r, &lo, &hi);
		for (size_t k = lo; k < hi; k++)
			if (!c->old.r[k].removed && c->old.r[k].ttl == r->ttl)
				r->placed = true;
	}
	for (size_t i = 0; i < c->old.n && err == DNS_OK; i++) {
		dns_rr_t rr = ze_rr_of(&c->old.r[i]);
		if (!c->old.r[i].removed)
			err = ze_set_add(&c->want, &rr, -1);
	}
	for (size_t i = 0; i < c->add.n && err == DNS_OK; i++) {
		dns_rr_t rr = ze_rr_of(&c->add.r[i]);
		err = ze_set_add(&c->want, &rr, -1);
	}
	if (err == DNS_OK)
		ze_set_seal(&c->want);
	return err;
}

/* Parse @text and compare it with the expected records. */
static dns_err_t ze_verify(ze_ctx_t *c, const char *text, size_t len)
{
	ze_set_t got = { 0 };
	dns_err_t err = ze_collect(c->name, text, len, c->opt, NULL, &got, &c->err);
	if (err == DNS_OK && !ze_set_equal(&c->want, &got, &c->err))
		err = DNS_EZONE;
	else if (err == DNS_ESYNTAX)
		err = DNS_EZONE; /* the message says where */
	ze_set_free(&got);
	return err;
}

static void ze_ctx_free(ze_ctx_t *c)
{
	ze_scan_free(&c->scan);
	ze_set_free(&c->old);
	ze_set_free(&c->add);
	ze_set_free(&c->want);
	free(c->ed);
	free(c->tbuf);
	free(c->rdtext);
}

static dns_err_t ze_run(ze_ctx_t *c, const dns_rr_t *removed, size_t nremoved,
                        const dns_rr_t *added, size_t nadded, char **out, size_t *outlen)
{
	dns_err_t err = ze_scan(&c->scan, c->text, c->len, c->opt->origin, &c->err);
	if (err == DNS_OK)
		err = ze_collect(c->name, c->text, c->len, c->opt, &c->scan, &c->old, &c->err);
	if (err == DNS_OK)
		err = ze_mark_removed(c, removed, nremoved);
	if (err == DNS_OK)
		err = ze_prepare(c, added, nadded);
	if (err == DNS_OK && !(c->rdtext = malloc(ZE_RDTEXT_MAX)))
		err = DNS_ENOMEM;
	/* First as a person would place things; if that changes the meaning
	 * of something else, additions at the end with explicit fields. */
	for (int attempt = 0; attempt < 2 && err == DNS_OK; attempt++) {
		char *text = NULL;
		size_t len = 0;
		err = ze_plan(c, attempt == 1);
		if (err == DNS_OK)
			err = ze_render(c, &text, &len);
		if (err == DNS_OK)
			err = ze_verify(c, text, len);
		if (err == DNS_OK) {
			*out = text;
			*outlen = len;
			return DNS_OK;
		}
		free(text);
		if (err == DNS_EZONE && attempt == 0)
			err = DNS_OK;
	}
	return err == DNS_OK ? DNS_EZONE : err;
}

dns_err_t dns_zoneedit_apply_opt(const char *name, const char *text, size_t len,
                                 const dns_zf_options_t *opt, const dns_rr_t *removed,
                                 size_t nremoved, const dns_rr_t *added, size_t nadded,
                                 char **out, size_t *outlen, char *errbuf, size_t errlen)
{
	if (errbuf && errlen)
		errbuf[0] = '\0';
	if (!out || !outlen || !opt || !opt->origin || (!text && len) || (!removed && nremoved) ||
	    (!added && nadded))
		return DNS_EINVAL;
	*out = NULL;
	*outlen = 0;
	ze_ctx_t c;
	memset(&c, 0, sizeof(c));
	c.err = (ze_err_t){ errbuf, errlen };
	if (len > DNS_ZONEEDIT_TEXT_MAX) {
		ze_fail(&c.err, "zone file text too long");
		return DNS_ELIMIT;
	}
	c.name = name ? name : "-";
	c.text = text ? text : "";
	c.len = len;
	c.opt = opt;
	dns_err_t err = ze_run(&c, removed, nremoved, added, nadded, out, outlen);
	if (err == DNS_ENOMEM)
		ze_fail(&c.err, "out of memory");
	ze_ctx_free(&c);
	return err;
}

dns_err_t dns_zoneedit_apply(const char *name, const char *text, size_t len,
                             const uint8_t *origin, const dns_rr_t *removed, size_t nremoved,
                             const dns_rr_t *added, size_t nadded, char **out, size_t *outlen,
                             char *errbuf, size_t errlen)
{
	dns_zf_options_t opt = { .origin = origin };
	return dns_zoneedit_apply_opt(name, text, len, &opt, removed, nremoved, added, nadded, out,
	                              outlen, errbuf, errlen);
}
