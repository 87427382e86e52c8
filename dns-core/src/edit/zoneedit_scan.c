/*
 * zoneedit_scan.c - what the editor needs to know about the text: where
 * each entry starts and ends (the parser only reports where a record
 * starts), which records the text means, and whether two record sets are
 * the same.
 *
 * The entry splitter follows the zone file parser's lexical rules
 * (RFC 1035 §5.1: parentheses join lines, ';' starts a comment, quotes
 * and backslash escapes protect delimiters).  It only ever sees text the
 * parser accepted, and every edit is verified by parsing again, so a
 * disagreement between the two can refuse an edit but never corrupt one.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dns/rdata.h"
#include "dns/rrtype.h"
#include "zoneedit_int.h"

void ze_fail(ze_err_t *err, const char *fmt, ...)
{
	if (!err || !err->buf || err->len == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->buf, err->len, fmt, ap);
	va_end(ap);
}

/* ---- entries ---- */

static bool ze_grow(void **p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return true;
	size_t c = *cap ? *cap : 64;
	while (c < need)
		c *= 2;
	void *q = realloc(*p, c * size);
	if (!q)
		return false;
	*p = q;
	*cap = c;
	return true;
}

static bool ze_push_tok(ze_scan_t *s, size_t start, size_t end, bool quoted)
{
	if (!ze_grow((void **)&s->tok, &s->tokcap, s->ntok + 1, sizeof(*s->tok)))
		return false;
	s->tok[s->ntok++] = (ze_tok_t){ (uint32_t)start, (uint32_t)end, quoted };
	return true;
}

static bool ze_delim(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ';' || c == '(' ||
	       c == ')' || c == '"' || c == '\0' || c == '\\';
}

/* End of the unquoted field starting at @i, or 0 on a bad escape. */
static size_t ze_word_end(const char *b, size_t len, size_t i)
{
	for (;;) {
		while (i < len && !ze_delim(b[i]))
			i++;
		if (i >= len || b[i] != '\\')
			return i;
		if (i + 1 >= len || b[i + 1] == '\n' || b[i + 1] == '\0')
			return 0;
		i += 2;
	}
}

/* End (after the closing quote) of the string opening at @i, or 0. */
static size_t ze_quoted_end(const char *b, size_t len, size_t i)
{
	for (i++; i < len; i++) {
		if (b[i] == '"')
			return i + 1;
		if (b[i] == '\n' || b[i] == '\0')
			return 0;
		if (b[i] == '\\' && i + 1 < len && b[i + 1] != '\n' && b[i + 1] != '\0')
			i++;
	}
	return 0;
}

/* Read the entry starting at s->text[*pos]; false on a lexical error. */
static bool ze_lex_entry(ze_scan_t *s, size_t *pos, uint32_t *line, ze_entry_t *e)
{
	const char *b = s->text;
	size_t i = *pos, len = s->len;
	bool paren = false;
	e->start = (uint32_t)i;
	e->line = *line;
	e->blank = b[i] == ' ' || b[i] == '\t';
	e->tok = (uint32_t)s->ntok;
	while (i < len) {
		char c = b[i];
		if (c == '\n') {
			i++;
			if (!paren)
				break;
			(*line)++;
		} else if (c == ' ' || c == '\t' || c == '\r') {
			i++;
		} else if (c == ';') {
			const char *nl = memchr(b + i, '\n', len - i);
			i = nl ? (size_t)(nl - b) : len;
		} else if (c == '(' || c == ')') {
			if (paren == (c == '('))
				return false;
			paren = c == '(';
			i++;
		} else if (c == '\0') {
			return false;
		} else {
			size_t end = c == '"' ? ze_quoted_end(b, len, i) : ze_word_end(b, len, i);
			if (end == 0 || !ze_push_tok(s, i, end, c == '"'))
				return false;
			i = end;
		}
	}
	if (paren)
		return false;
	e->last_line = *line;
	if (i > e->start && b[i - 1] == '\n')
		(*line)++;
	e->end = (uint32_t)i;
	e->ntok = (uint32_t)(s->ntok - e->tok);
	e->crlf = i >= e->start + 2 && b[i - 1] == '\n' && b[i - 2] == '\r';
	size_t w = e->start;
	while (w < e->end && (b[w] == ' ' || b[w] == '\t'))
		w++;
	e->ws_end = (uint32_t)w;
	*pos = i;
	return true;
}

static bool ze_tok_is(const ze_scan_t *s, const ze_tok_t *t, const char *word)
{
	size_t n = strlen(word);
	return !t->quoted && t->end - t->start == n && strncasecmp(s->text + t->start, word, n) == 0;
}

/* Directives change the origin and the default TTL the entries after
 * them see; keep track so insertions can be written relative to them. */
static bool ze_directive(ze_scan_t *s, ze_entry_t *e, uint32_t *dttl, bool *have_dttl)
{
	const ze_tok_t *t = &s->tok[e->tok];
	if (ze_tok_is(s, t, "$ORIGIN")) {
		e->kind = ZE_ORIGIN;
		if (e->ntok != 2 || t[1].quoted)
			return false;
		if (!ze_grow((void **)&s->origin, &s->origincap, s->norigin + 1, sizeof(*s->origin)))
			return false;
		size_t olen;
		if (dns_name_from_text(s->origin[s->norigin], &olen, s->text + t[1].start,
		                       t[1].end - t[1].start, s->origin[e->origin]) != DNS_OK)
			return false;
		s->norigin++;
	} else if (ze_tok_is(s, t, "$TTL")) {
		e->kind = ZE_TTL;
		if (e->ntok != 2 || t[1].quoted ||
		    dns_ttl_from_text(s->text + t[1].start, t[1].end - t[1].start, dttl) != DNS_OK)
			return false;
		*have_dttl = true;
	} else if (ze_tok_is(s, t, "$INCLUDE")) {
		e->kind = ZE_INCLUDE;
	} else {
		e->kind = ZE_DIRECTIVE;
	}
	return true;
}

dns_err_t ze_scan(ze_scan_t *s, const char *text, size_t len, const uint8_t *origin,
                  ze_err_t *err)
{
	memset(s, 0, sizeof(*s));
	s->text = text;
	s->len = len;
	if (!ze_grow((void **)&s->origin, &s->origincap, 1, sizeof(*s->origin)))
		return DNS_ENOMEM;
	dns_name_copy(s->origin[0], origin);
	s->norigin = 1;
	size_t pos = 0;
	uint32_t line = 1, dttl = 0;
	bool have_dttl = false;
	while (pos < len) {
		if (!ze_grow((void **)&s->e, &s->cap, s->n + 1, sizeof(*s->e)))
			return DNS_ENOMEM;
		ze_entry_t *e = &s->e[s->n];
		memset(e, 0, sizeof(*e));
		e->rec = -1;
		e->origin = (uint32_t)(s->norigin - 1);
		if (!ze_lex_entry(s, &pos, &line, e)) {
			ze_fail(err, "line %u: cannot split the text into entries", (unsigned)line);
			return DNS_ESYNTAX;
		}
		const ze_tok_t *t = e->ntok ? &s->tok[e->tok] : NULL;
		if (!t)
			e->kind = ZE_EMPTY;
		else if (!e->blank && !t->quoted && text[t->start] == '$') {
			if (!ze_directive(s, e, &dttl, &have_dttl)) {
				ze_fail(err, "line %u: bad directive", (unsigned)e->line);
				return DNS_ESYNTAX;
			}
		} else
			e->kind = ZE_RECORD;
		e->dttl = dttl;
		e->have_dttl = have_dttl;
		s->n++;
	}
	return DNS_OK;
}

void ze_scan_free(ze_scan_t *s)
{
	free(s->e);
	free(s->tok);
	free(s->origin);
	memset(s, 0, sizeof(*s));
}

/* The parser's reading of a record entry: [owner] [TTL] [class] type,
 * TTL and class in either order (RFC 1035 §5.1). */
bool ze_entry_fields(const ze_scan_t *s, const ze_entry_t *e, ze_fields_t *f)
{
	const ze_tok_t *t = &s->tok[e->tok];
	size_t i = 0;
	f->owner = f->ttl = f->rclass = f->type = -1;
	if (e->kind != ZE_RECORD)
		return false;
	if (!e->blank)
		f->owner = (int)i++;
	for (; i < e->ntok; i++) {
		const char *p = s->text + t[i].start;
		size_t n = t[i].end - t[i].start;
		uint16_t c;
		if (t[i].quoted)
			break;
		if (f->ttl < 0 && p[0] >= '0' && p[0] <= '9')
			f->ttl = (int)i;
		else if (f->rclass < 0 && dns_rrclass_from_text(p, n, &c) == DNS_OK)
			f->rclass = (int)i;
		else
			break;
	}
	if (i >= e->ntok)
		return false;
	f->type = (int)i;
	return true;
}

/* ---- record sets ---- */

static bool ze_arena_put(ze_set_t *set, const void *p, size_t n)
{
	if (n == 0)
		return true;
	if (!ze_grow((void **)&set->arena, &set->acap, set->alen + n, 1))
		return false;
	memcpy(set->arena + set->alen, p, n);
	set->alen += n;
	return true;
}

dns_err_t ze_set_add(ze_set_t *set, const dns_rr_t *rr, int32_t entry)
{
	if (!ze_grow((void **)&set->r, &set->cap, set->n + 1, sizeof(*set->r)))
		return DNS_ENOMEM;
	size_t olen = dns_name_length(rr->owner);
	uint8_t low[DNS_NAME_MAX];
	dns_name_copy(low, rr->owner);
	dns_name_lower(low);
	ze_rec_t *r = &set->r[set->n];
	memset(r, 0, sizeof(*r));
	r->off = set->alen;
	r->olen = (uint16_t)olen;
	r->type = rr->type;
	r->rclass = rr->rclass;
	r->rdlen = rr->rdlen;
	r->ttl = rr->ttl;
	r->entry = entry;
	if (!ze_arena_put(set, rr->owner, olen) || !ze_arena_put(set, low, olen) ||
	    !ze_arena_put(set, rr->rdata, rr->rdlen))
		return DNS_ENOMEM;
	dns_rdata_canonicalize(rr->type, set->arena + set->alen - rr->rdlen, rr->rdlen);
	set->n++;
	return DNS_OK;
}

int ze_rec_keycmp(const ze_rec_t *a, const ze_rec_t *b)
{
	size_t n = a->olen < b->olen ? a->olen : b->olen;
	int c = memcmp(a->cowner, b->cowner, n);
	if (c || a->olen != b->olen)
		return c ? c : a->olen < b->olen ? -1 : 1;
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	if (a->rclass != b->rclass)
		return a->rclass < b->rclass ? -1 : 1;
	return dns_rdata_compare(a->rdata, a->rdlen, b->rdata, b->rdlen);
}

static int ze_rec_cmp(const void *pa, const void *pb)
{
	const ze_rec_t *a = pa, *b = pb;
	int c = ze_rec_keycmp(a, b);
	if (c)
		return c;
	if (a->ttl != b->ttl)
		return a->ttl < b->ttl ? -1 : 1;
	return a->entry < b->entry ? -1 : a->entry > b->entry;
}

void ze_set_seal(ze_set_t *set)
{
	for (size_t i = 0; i < set->n; i++) {
		ze_rec_t *r = &set->r[i];
		r->owner = set->arena + r->off;
		r->cowner = r->owner + r->olen;
		r->rdata = r->cowner + r->olen;
	}
	if (set->n > 1)
		qsort(set->r, set->n, sizeof(*set->r), ze_rec_cmp);
}

void ze_set_free(ze_set_t *set)
{
	free(set->r);
	free(set->arena);
	memset(set, 0, sizeof(*set));
}

void ze_set_range(const ze_set_t *set, const ze_rec_t *key, size_t *lo, size_t *hi)
{
	size_t a = 0, b = set->n;
	while (a < b) {
		size_t m = a + (b - a) / 2;
		if (ze_rec_keycmp(&set->r[m], key) < 0)
			a = m + 1;
		else
			b = m;
	}
	*lo = a;
	while (a < set->n && ze_rec_keycmp(&set->r[a], key) == 0)
		a++;
	*hi = a;
}

static int ze_owner_cmp(const ze_rec_t *r, const uint8_t *cowner, size_t olen)
{
	size_t n = r->olen < olen ? r->olen : olen;
	int c = memcmp(r->cowner, cowner, n);
	if (c || r->olen == olen)
		return c;
	return r->olen < olen ? -1 : 1;
}

void ze_set_owner_range(const ze_set_t *set, const uint8_t *cowner, size_t *lo, size_t *hi)
{
	size_t olen = dns_name_length(cowner), a = 0, b = set->n;
	while (a < b) {
		size_t m = a + (b - a) / 2;
		if (ze_owner_cmp(&set->r[m], cowner, olen) < 0)
			a = m + 1;
		else
			b = m;
	}
	*lo = a;
	while (a < set->n && ze_owner_cmp(&set->r[a], cowner, olen) == 0)
		a++;
	*hi = a;
}

void ze_rec_label(const ze_rec_t *r, char *out, size_t cap)
{
	char owner[DNS_NAME_TEXT_MAX], type[24];
	dns_name_to_text(r->owner, owner, sizeof(owner));
	dns_rrtype_to_text(r->type, type, sizeof(type));
	snprintf(out, cap, "%s %u %s", owner, (unsigned)r->ttl, type);
}

/* Next record of a sealed set that is not a duplicate of the one before. */
static size_t ze_next_distinct(const ze_set_t *s, size_t i)
{
	for (i++; i < s->n; i++)
		if (ze_rec_keycmp(&s->r[i - 1], &s->r[i]) != 0 || s->r[i - 1].ttl != s->r[i].ttl)
			break;
	return i;
}

bool ze_set_equal(const ze_set_t *want, const ze_set_t *got, ze_err_t *err)
{
	size_t i = 0, j = 0;
	char label[DNS_NAME_TEXT_MAX + 48];
	while (i < want->n && j < got->n) {
		const ze_rec_t *a = &want->r[i], *b = &got->r[j];
		int c = ze_rec_keycmp(a, b);
		if (c == 0 && a->ttl != b->ttl)
			c = a->ttl < b->ttl ? -1 : 1;
		if (c != 0) {
			ze_rec_label(c < 0 ? a : b, label, sizeof(label));
			ze_fail(err, "edited text %s record %s", c < 0 ? "lacks" : "has an unexpected",
			        label);
			return false;
		}
		i = ze_next_distinct(want, i);
		j = ze_next_distinct(got, j);
	}
	if (i < want->n || j < got->n) {
		ze_rec_label(i < want->n ? &want->r[i] : &got->r[j], label, sizeof(label));
		ze_fail(err, "edited text %s record %s", i < want->n ? "lacks" : "has an unexpected",
		        label);
		return false;
	}
	return true;
}

/* ---- parsing ---- */

typedef struct ze_collect_ctx {
	const char *name;
	ze_scan_t *scan;
	ze_set_t *set;
	ze_err_t *err;
	bool failed;
} ze_collect_ctx_t;

/* The entry of the top file that covers @line, or -1. */
static int32_t ze_entry_at(const ze_scan_t *s, uint32_t line)
{
	size_t a = 0, b = s->n;
	while (a < b) {
		size_t m = a + (b - a) / 2;
		if (s->e[m].line <= line)
			a = m + 1;
		else
			b = m;
	}
	if (a == 0 || s->e[a - 1].last_line < line)
		return -1;
	return (int32_t)(a - 1);
}

static dns_err_t ze_on_record(void *vctx, const dns_rr_t *rr, const dns_zf_pos_t *pos)
{
	ze_collect_ctx_t *c = vctx;
	int32_t entry = -1;
	if (c->scan && pos->file == c->name) {
		entry = ze_entry_at(c->scan, pos->line);
		ze_entry_t *e = entry >= 0 ? &c->scan->e[entry] : NULL;
		if (!e || e->kind != ZE_RECORD || e->rec != -1) {
			ze_fail(c->err, "%s:%u: cannot tell which entry a record comes from",
			        c->name, (unsigned)pos->line);
			return DNS_EZONE;
		}
		e->rec = (int32_t)c->set->n; /* placeholder: fixed after sorting */
	}
	return ze_set_add(c->set, rr, entry);
}

static void ze_on_error(void *vctx, const dns_zf_pos_t *pos, const char *msg)
{
	ze_collect_ctx_t *c = vctx;
	if (dns_zf_is_warning(msg) || c->failed)
		return;
	c->failed = true;
	ze_fail(c->err, "%s:%u:%u: %s", pos->file ? pos->file : c->name, (unsigned)pos->line,
	        (unsigned)pos->col, msg);
}

dns_err_t ze_collect(const char *name, const char *text, size_t len,
                     const dns_zf_options_t *opt, ze_scan_t *scan, ze_set_t *set, ze_err_t *err)
{
	ze_collect_ctx_t c = { name, scan, set, err, false };
	dns_err_t e = dns_zonefile_parse_buffer(name, text, len, opt, ze_on_record, ze_on_error, &c);
	if (e == DNS_OK && c.failed)
		e = DNS_ESYNTAX;
	if (e != DNS_OK)
		return e;
	ze_set_seal(set);
	if (scan) {
		for (size_t i = 0; i < scan->n; i++)
			scan->e[i].rec = -1;
		for (size_t i = 0; i < set->n; i++)
			if (set->r[i].entry >= 0)
				scan->e[set->r[i].entry].rec = (int32_t)i;
	}
	return DNS_OK;
}
