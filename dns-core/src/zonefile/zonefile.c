/*
 * zonefile.c - RFC 1035 §5 master file parser: the lexer and the entries.
 *
 * The whole file is mapped into memory and scanned once by a hand-written
 * lexer.  Tokens point into the mapping (escapes are left for the name and
 * rdata converters to decode), and one token array and one rdata buffer
 * are reused for every entry, so parsing allocates nothing per record.
 * Reading files and $INCLUDE are in zonefile_include.c.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dns/name.h"
#include "dns/rdata.h"
#include "dns/rrtype.h"
#include "dns/zonefile.h"

#include "zonefile_int.h"

#define ZF_LINE_MAX      65536u  /* longest physical line */
#define ZF_TOKENS_MAX    (DNS_RDATA_TOKENS_MAX + 16u) /* fields in one entry: rdata, owner, TTL, class, type */
#define ZF_DEFAULT_TTL   3600u

/* ---- diagnostics ---- */

bool dns_zf_is_warning(const char *msg)
{
	return strncmp(msg, DNS_ZF_WARNING_PREFIX, sizeof(DNS_ZF_WARNING_PREFIX) - 1) == 0;
}

__attribute__((format(printf, 6, 0)))
static void zf_vreport(zf_parser_t *p, const char *file, uint32_t line, uint32_t col, bool warning,
                       const char *fmt, va_list ap)
{
	char msg[512];
	size_t off = 0;
	if (warning) {
		off = strlen(DNS_ZF_WARNING_PREFIX);
		memcpy(msg, DNS_ZF_WARNING_PREFIX, off);
	}
	vsnprintf(msg + off, sizeof(msg) - off, fmt, ap);
	dns_zf_pos_t pos = { file, line, col };
	if (p->on_error)
		p->on_error(p->ctx, &pos, msg);
	if (warning)
		return;
	if (++p->errors >= p->max_errors && !p->stop) {
		p->stop = true;
		if (p->on_error)
			p->on_error(p->ctx, &pos, "too many errors, giving up");
	}
}

void dns__zf_error(zf_parser_t *p, const zf_file_t *f, uint32_t line, uint32_t col,
                   const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	zf_vreport(p, f->name, line, col, false, fmt, ap);
	va_end(ap);
}

static void zf_warning(zf_parser_t *p, const zf_file_t *f, uint32_t line, uint32_t col,
                       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void zf_warning(zf_parser_t *p, const zf_file_t *f, uint32_t line, uint32_t col,
                       const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	zf_vreport(p, f->name, line, col, true, fmt, ap);
	va_end(ap);
}

/* Column (1-based) of offset @off in the current line. */
static uint32_t zf_col(const zf_file_t *f, size_t off)
{
	size_t c = off - f->line_start + 1;
	return c > UINT32_MAX ? UINT32_MAX : (uint32_t)c;
}

/* Token text in messages is cut short so one message stays readable. */
#define TOK_FMT "%.*s"
#define TOK_ARG(t) (int)((t)->len > 64 ? 64 : (t)->len), (t)->s

/* ---- lexer ---- */

/* Bytes that end an unquoted field. */
enum { D_END = 1 };
static const uint8_t zf_delim[256] = {
	[' '] = D_END, ['\t'] = D_END, ['\r'] = D_END, ['\n'] = D_END, [';'] = D_END,
	['('] = D_END, [')'] = D_END, ['"'] = D_END, ['\0'] = D_END, ['\\'] = D_END,
};

static bool zf_push(zf_parser_t *p, const zf_file_t *f, size_t start, size_t end, bool quoted)
{
	if (p->ntok == p->tokcap) {
		if (p->tokcap >= ZF_TOKENS_MAX)
			return false;
		size_t cap = p->tokcap ? p->tokcap * 2 : 64;
		dns_token_t *t = realloc(p->tok, cap * sizeof(*t));
		if (!t)
			return false;
		p->tok = t;
		p->tokcap = cap;
	}
	dns_token_t *t = &p->tok[p->ntok++];
	t->s = f->buf + start;
	t->len = (uint32_t)(end - start);
	t->line = f->line;
	t->col = zf_col(f, quoted ? start - 1 : start);
	t->quoted = quoted;
	return true;
}

/* Scan an unquoted field from f->pos; false on a lexical error (reported). */
static bool zf_word(zf_parser_t *p, zf_file_t *f)
{
	const char *b = f->buf;
	size_t start = f->pos, i = f->pos;
	for (;;) {
		while (i < f->len && !zf_delim[(uint8_t)b[i]])
			i++;
		if (i >= f->len || b[i] != '\\')
			break;
		/* An escape: the next byte belongs to the field, whatever it is. */
		if (i + 1 >= f->len || b[i + 1] == '\n' || b[i + 1] == '\0') {
			f->pos = i + 1;
			dns__zf_error(p, f, f->line, zf_col(f, i), "backslash at end of line");
			return false;
		}
		i += 2;
	}
	f->pos = i;
	if (!zf_push(p, f, start, i, false)) {
		dns__zf_error(p, f, f->line, zf_col(f, start), "too many fields in one entry");
		return false;
	}
	return true;
}

/* Scan a quoted string; f->pos is at the opening quote. */
static bool zf_quoted(zf_parser_t *p, zf_file_t *f)
{
	const char *b = f->buf;
	size_t open = f->pos, i = f->pos + 1;
	while (i < f->len) {
		char c = b[i];
		if (c == '"') {
			f->pos = i + 1;
			if (!zf_push(p, f, open + 1, i, true)) {
				dns__zf_error(p, f, f->line, zf_col(f, open), "too many fields in one entry");
				return false;
			}
			return true;
		}
		if (c == '\n' || c == '\0') {
			/* Leave the newline for the entry loop so lines stay counted. */
			f->pos = c == '\n' ? i : i + 1;
			dns__zf_error(p, f, f->line, zf_col(f, i),
			         c == '\n' ? "newline in quoted string" : "NUL byte in quoted string");
			return false;
		}
		if (c == '\\') {
			if (i + 1 < f->len && (b[i + 1] == '\n' || b[i + 1] == '\0')) {
				i++;
				continue; /* reported as a newline/NUL in the string */
			}
			i++;
		}
		i++;
	}
	f->pos = f->len;
	dns__zf_error(p, f, f->line, zf_col(f, open), "unterminated quoted string");
	return false;
}

/* End of a physical line at f->pos (a '\n' or the end of the file). */
static bool zf_end_line(zf_parser_t *p, zf_file_t *f, bool reported)
{
	bool ok = true;
	if (f->pos - f->line_start > ZF_LINE_MAX) {
		if (!reported)
			dns__zf_error(p, f, f->line, ZF_LINE_MAX + 1, "line longer than %u bytes",
			         ZF_LINE_MAX);
		ok = false;
	}
	if (f->pos < f->len) {
		f->pos++;
		f->line++;
		f->line_start = f->pos;
	}
	return ok;
}

/*
 * Read one entry (one logical line: physical lines joined by parentheses)
 * into p->tok.  Returns 1 with an entry (possibly empty), -1 when the entry
 * had lexical errors (already reported; its tokens must be ignored), 0 at
 * the end of the file.
 */
static int zf_lex_entry(zf_parser_t *p, zf_file_t *f)
{
	p->ntok = 0;
	if (f->pos >= f->len)
		return 0;
	p->leading_blank = f->buf[f->pos] == ' ' || f->buf[f->pos] == '\t';
	p->leading_dollar = f->buf[f->pos] == '$';
	bool paren = false, failed = false;
	uint32_t pline = 0, pcol = 0;
	while (f->pos < f->len) {
		switch (f->buf[f->pos]) {
		case '\n':
			if (!zf_end_line(p, f, failed))
				failed = true;
			if (!paren)
				return failed ? -1 : 1;
			break;
		case ' ': case '\t': case '\r':
			f->pos++;
			break;
		case ';': {
			const char *nl = memchr(f->buf + f->pos, '\n', f->len - f->pos);
			f->pos = nl ? (size_t)(nl - f->buf) : f->len;
			break;
		}
		case '(':
			if (paren) {
				if (!failed)
					dns__zf_error(p, f, f->line, zf_col(f, f->pos), "nested parenthesis");
				failed = true;
			}
			paren = true;
			pline = f->line;
			pcol = zf_col(f, f->pos);
			f->pos++;
			break;
		case ')':
			if (!paren) {
				if (!failed)
					dns__zf_error(p, f, f->line, zf_col(f, f->pos), "unbalanced parenthesis");
				failed = true;
			}
			paren = false;
			f->pos++;
			break;
		case '\0':
			if (!failed)
				dns__zf_error(p, f, f->line, zf_col(f, f->pos), "NUL byte");
			failed = true;
			f->pos++;
			break;
		case '"':
			if (failed)
				p->ntok = 0; /* keep scanning only to find the entry's end */
			if (!zf_quoted(p, f))
				failed = true;
			break;
		default:
			if (failed)
				p->ntok = 0;
			if (!zf_word(p, f))
				failed = true;
			break;
		}
		if (failed && p->stop)
			return -1;
	}
	if (!zf_end_line(p, f, failed))
		failed = true;
	if (paren && !failed) {
		dns__zf_error(p, f, pline, pcol, "unbalanced parenthesis");
		failed = true;
	}
	return failed ? -1 : 1;
}

/* ---- entries ---- */

static bool zf_tok_is(const dns_token_t *t, const char *word)
{
	size_t n = strlen(word);
	return !t->quoted && t->len == n && strncasecmp(t->s, word, n) == 0;
}

/* Position just after token @t, for "missing ..." messages. */
static uint32_t zf_after(const dns_token_t *t)
{
	return t->col + t->len + (t->quoted ? 2 : 0);
}

static bool zf_ttl(zf_parser_t *p, const zf_file_t *f, const dns_token_t *t, uint32_t *ttl)
{
	dns_err_t e = t->quoted ? DNS_ESYNTAX : dns_ttl_from_text(t->s, t->len, ttl);
	if (e == DNS_OK)
		return true;
	if (e == DNS_ELIMIT)
		dns__zf_error(p, f, t->line, t->col, "TTL out of range '" TOK_FMT "'", TOK_ARG(t));
	else
		dns__zf_error(p, f, t->line, t->col, "invalid TTL '" TOK_FMT "'", TOK_ARG(t));
	return false;
}

bool dns__zf_name(zf_parser_t *p, const zf_file_t *f, const dns_token_t *t, uint8_t *out,
                  const char *what)
{
	size_t len;
	dns_err_t e = t->quoted ? DNS_ESYNTAX
	                        : dns_name_from_text(out, &len, t->s, t->len, p->origin);
	if (e == DNS_OK)
		return true;
	if (e == DNS_ELIMIT)
		dns__zf_error(p, f, t->line, t->col, "%s too long '" TOK_FMT "'", what, TOK_ARG(t));
	else
		dns__zf_error(p, f, t->line, t->col, "invalid %s '" TOK_FMT "'", what, TOK_ARG(t));
	return false;
}


static void zf_directive(zf_parser_t *p, zf_file_t *f)
{
	const dns_token_t *t = p->tok;
	size_t n = p->ntok;
	if (zf_tok_is(&t[0], "$ORIGIN")) {
		uint8_t o[DNS_NAME_MAX];
		if (n != 2) {
			dns__zf_error(p, f, t[0].line, t[0].col, "$ORIGIN needs exactly one name");
			return;
		}
		if (dns__zf_name(p, f, &t[1], o, "origin")) {
			dns_name_copy(p->origin, o);
			p->owner_text_len = 0; /* relative owners now mean something else */
		}
	} else if (zf_tok_is(&t[0], "$TTL")) {
		uint32_t ttl;
		if (n != 2) {
			dns__zf_error(p, f, t[0].line, t[0].col, "$TTL needs exactly one value");
			return;
		}
		if (zf_ttl(p, f, &t[1], &ttl)) {
			p->dollar_ttl = ttl;
			p->have_dollar_ttl = true;
		}
	} else if (zf_tok_is(&t[0], "$INCLUDE")) {
		dns__zf_include(p, f, t, n);
	} else {
		dns__zf_error(p, f, t[0].line, t[0].col, "unknown directive '" TOK_FMT "'", TOK_ARG(&t[0]));
	}
}

/* The owner field of a record entry: reuse the previous conversion when
 * the text repeats (most generated zones), else convert. */
static bool zf_owner(zf_parser_t *p, const zf_file_t *f, const dns_token_t *t)
{
	if (p->have_owner && !t->quoted && t->len == p->owner_text_len &&
	    memcmp(t->s, p->owner_text, t->len) == 0)
		return true;
	p->owner_text_len = 0;
	if (!dns__zf_name(p, f, t, p->owner, "owner name")) {
		p->have_owner = false;
		p->owner_bad = true;
		return false;
	}
	p->have_owner = true;
	p->owner_bad = false;
	if (t->len <= ZF_OWNER_CACHE) {
		memcpy(p->owner_text, t->s, t->len);
		p->owner_text_len = t->len;
	}
	return true;
}

static void zf_record(zf_parser_t *p, zf_file_t *f)
{
	const dns_token_t *t = p->tok;
	size_t n = p->ntok, i = 0;
	if (p->leading_blank) {
		if (p->owner_bad)
			return; /* continuation of an entry whose owner was reported */
		if (!p->have_owner) {
			dns__zf_error(p, f, t[0].line, t[0].col, "no owner name, and no previous one");
			return;
		}
	} else {
		if (!zf_owner(p, f, &t[0]))
			return;
		i = 1;
	}

	/* [TTL] [class] in either order (RFC 1035 §5.1). */
	uint32_t ttl = 0;
	uint16_t rclass = 0;
	bool have_ttl = false, have_class = false;
	for (; i < n; i++) {
		if (!have_ttl && !t[i].quoted && isdigit((unsigned char)t[i].s[0])) {
			if (!zf_ttl(p, f, &t[i], &ttl))
				return;
			have_ttl = true;
		} else if (!have_class && !t[i].quoted &&
		           dns_rrclass_from_text(t[i].s, t[i].len, &rclass) == DNS_OK) {
			have_class = true;
		} else {
			break;
		}
	}
	if (i >= n) {
		const dns_token_t *last = &t[n - 1];
		dns__zf_error(p, f, last->line, zf_after(last), "missing type");
		return;
	}
	uint16_t type;
	if (t[i].quoted || dns_rrtype_from_text(t[i].s, t[i].len, &type) != DNS_OK) {
		dns__zf_error(p, f, t[i].line, t[i].col, "unknown type '" TOK_FMT "'", TOK_ARG(&t[i]));
		return;
	}
	if (have_class && rclass != p->rclass) {
		char a[24], b[24];
		dns_rrclass_to_text(rclass, a, sizeof(a));
		dns_rrclass_to_text(p->rclass, b, sizeof(b));
		dns__zf_error(p, f, t[0].line, t[0].col, "class %s differs from the zone's class %s", a, b);
		return;
	}

	/* TTL: explicit, else $TTL, else the last explicit one (RFC 1035 §5.1),
	 * else the configured default. */
	if (have_ttl) {
		p->last_ttl = ttl;
		p->have_last_ttl = true;
	} else if (p->have_dollar_ttl) {
		ttl = p->dollar_ttl;
	} else if (p->have_last_ttl) {
		ttl = p->last_ttl;
	} else {
		ttl = p->opt->default_ttl ? p->opt->default_ttl : ZF_DEFAULT_TTL;
		if (!p->warned_ttl)
			zf_warning(p, f, t[0].line, t[0].col, "no TTL given and no $TTL; using %u",
			           (unsigned)ttl);
		p->warned_ttl = true;
	}

	size_t first = i + 1, rdlen = 0;
	dns_rdata_error_t rerr;
	rerr.token = 0;
	rerr.msg[0] = '\0';
	dns_err_t e = dns_rdata_from_tokens(type, t + first, n - first, p->origin, p->rdata,
	                                    sizeof(p->rdata), &rdlen, &rerr);
	if (e != DNS_OK) {
		const dns_token_t *at = &t[i];
		uint32_t line = at->line, col = zf_after(at);
		if (rerr.token < n - first) {
			at = &t[first + rerr.token];
			line = at->line;
			col = at->col;
		} else if (n > first) {
			line = t[n - 1].line;
			col = zf_after(&t[n - 1]);
		}
		char tn[24];
		dns_rrtype_to_text(type, tn, sizeof(tn));
		dns__zf_error(p, f, line, col, "%s: %s", tn, rerr.msg[0] ? rerr.msg : dns_strerror(e));
		return;
	}

	dns_rr_t rr = { p->owner, type, p->rclass, ttl, (uint16_t)rdlen, p->rdata };
	dns_zf_pos_t pos = { f->name, t[0].line, p->leading_blank ? 1 : t[0].col };
	e = p->on_record ? p->on_record(p->ctx, &rr, &pos) : DNS_OK;
	if (e != DNS_OK) {
		p->cb_err = e;
		p->stop = true;
	}
}

void dns__zf_parse_text(zf_parser_t *p, zf_file_t *f)
{
	int r;
	while (!p->stop && (r = zf_lex_entry(p, f)) != 0) {
		if (r < 0) {
			/* An owner on a broken line still names the lines after it:
			 * skip them quietly rather than report each one. */
			if (!p->leading_blank && !p->leading_dollar) {
				p->owner_bad = true;
				p->have_owner = false;
				p->owner_text_len = 0;
			}
			continue;
		}
		if (p->ntok == 0)
			continue;
		const dns_token_t *t0 = &p->tok[0];
		if (!p->leading_blank && !t0->quoted && t0->s[0] == '$')
			zf_directive(p, f);
		else
			zf_record(p, f);
	}
}

static dns_err_t zf_init(zf_parser_t **pp, const dns_zf_options_t *opt, dns_zf_record_fn on_record,
                         dns_zf_error_fn on_error, void *ctx)
{
	if (!opt || !opt->origin)
		return DNS_EINVAL;
	zf_parser_t *p = calloc(1, sizeof(*p));
	if (!p)
		return DNS_ENOMEM;
	p->opt = opt;
	p->on_record = on_record;
	p->on_error = on_error;
	p->ctx = ctx;
	p->rclass = opt->rclass ? opt->rclass : DNS_CLASS_IN;
	p->max_errors = opt->max_errors ? opt->max_errors : 1000;
	p->max_depth = opt->max_include_depth ? opt->max_include_depth : 8;
	dns_name_copy(p->origin, opt->origin);
	*pp = p;
	return DNS_OK;
}

static dns_err_t zf_finish(zf_parser_t *p)
{
	dns_err_t e = p->cb_err ? p->cb_err : p->errors ? DNS_ESYNTAX : DNS_OK;
	free(p->tok);
	free(p->root);
	free(p);
	return e;
}

dns_err_t dns_zonefile_parse_file(const char *path, const dns_zf_options_t *opt,
                                  dns_zf_record_fn on_record, dns_zf_error_fn on_error, void *ctx)
{
	zf_parser_t *p;
	dns_err_t e = zf_init(&p, opt, on_record, on_error, ctx);
	if (e != DNS_OK)
		return e;
	int err = 0;
	char *real = realpath(path, NULL);
	if (!real) {
		err = errno;
		e = err == ENOMEM ? DNS_ENOMEM : DNS_EIO;
	} else if (!(p->root = dns__zf_dirname(real))) {
		e = DNS_ENOMEM;
	} else {
		e = dns__zf_parse_real(p, real, path, 0, &err);
	}
	free(real);
	if (e != DNS_OK) {
		dns_zf_pos_t pos = { path, 0, 0 };
		char msg[512];
		snprintf(msg, sizeof(msg), "cannot read: %s", e == DNS_EIO ? strerror(err) : dns_strerror(e));
		if (on_error)
			on_error(ctx, &pos, msg);
		zf_finish(p);
		return e;
	}
	return zf_finish(p);
}

dns_err_t dns_zonefile_parse_buffer(const char *name, const char *text, size_t len,
                                    const dns_zf_options_t *opt, dns_zf_record_fn on_record,
                                    dns_zf_error_fn on_error, void *ctx)
{
	zf_parser_t *p;
	dns_err_t e = zf_init(&p, opt, on_record, on_error, ctx);
	if (e != DNS_OK)
		return e;
	char *dir = NULL;
	if (!opt->no_include && !opt->include) {
		p->root = realpath(".", NULL);
		dir = p->root ? strdup(p->root) : NULL;
	}
	zf_file_t f = { name ? name : "-", dir ? dir : ".", text, len, 0, 0, 1, 0 };
	dns__zf_parse_text(p, &f);
	free(dir);
	return zf_finish(p);
}
