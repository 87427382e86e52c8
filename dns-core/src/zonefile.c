/*
 * zonefile.c - RFC 1035 §5 master file parser.
 *
 * The whole file is mapped into memory and scanned once by a hand-written
 * lexer.  Tokens point into the mapping (escapes are left for the name and
 * rdata converters to decode), and one token array and one rdata buffer
 * are reused for every entry, so parsing allocates nothing per record.
 *
 * $INCLUDE recurses, bounded by max_include_depth; every included file
 * must resolve (symlinks followed) inside the top file's directory tree,
 * unless the caller resolves includes itself (opt->include).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dns/name.h"
#include "dns/rdata.h"
#include "dns/rrtype.h"
#include "dns/zonefile.h"

#define ZF_LINE_MAX      65536u  /* longest physical line */
#define ZF_TOKENS_MAX    (DNS_RDATA_TOKENS_MAX + 16u) /* fields in one entry: rdata, owner, TTL, class, type */
#define ZF_DEFAULT_TTL   3600u
#define ZF_OWNER_CACHE   1024u   /* longest owner text remembered for reuse */

/* One file being read (the top file or an included one). */
typedef struct zf_file {
	const char *name;     /* shown in positions */
	const char *dir;      /* directory that relative $INCLUDEs resolve against */
	const char *buf;
	size_t len;
	size_t pos;
	size_t line_start;    /* offset of the current line's first byte */
	uint32_t line;
	unsigned depth;       /* 0 for the top file */
} zf_file_t;

typedef struct zf_parser {
	const dns_zf_options_t *opt;
	dns_zf_record_fn on_record;
	dns_zf_error_fn on_error;
	void *ctx;
	uint16_t rclass;
	unsigned max_errors;
	unsigned max_depth;
	unsigned errors;
	bool stop;
	dns_err_t cb_err;      /* what on_record returned, if it stopped us */
	char *root;            /* real path of the top directory tree */

	uint8_t origin[DNS_NAME_MAX];
	uint8_t owner[DNS_NAME_MAX];
	bool have_owner;
	bool owner_bad;        /* the previous owner was invalid: skip its continuations */
	/* Text of the previous owner field, to skip converting a repeated owner. */
	char owner_text[ZF_OWNER_CACHE];
	uint32_t owner_text_len;

	uint32_t dollar_ttl, last_ttl;
	bool have_dollar_ttl, have_last_ttl, warned_ttl;

	dns_token_t *tok;
	size_t ntok, tokcap;
	bool leading_blank;    /* the entry starts with blank: previous owner */
	bool leading_dollar;   /* the entry starts with '$': a directive */

	uint8_t rdata[65535];
} zf_parser_t;

static void zf_parse_text(zf_parser_t *p, zf_file_t *f);

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

static void zf_error(zf_parser_t *p, const zf_file_t *f, uint32_t line, uint32_t col,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void zf_error(zf_parser_t *p, const zf_file_t *f, uint32_t line, uint32_t col,
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
			zf_error(p, f, f->line, zf_col(f, i), "backslash at end of line");
			return false;
		}
		i += 2;
	}
	f->pos = i;
	if (!zf_push(p, f, start, i, false)) {
		zf_error(p, f, f->line, zf_col(f, start), "too many fields in one entry");
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
				zf_error(p, f, f->line, zf_col(f, open), "too many fields in one entry");
				return false;
			}
			return true;
		}
		if (c == '\n' || c == '\0') {
			/* Leave the newline for the entry loop so lines stay counted. */
			f->pos = c == '\n' ? i : i + 1;
			zf_error(p, f, f->line, zf_col(f, i),
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
	zf_error(p, f, f->line, zf_col(f, open), "unterminated quoted string");
	return false;
}

/* End of a physical line at f->pos (a '\n' or the end of the file). */
static bool zf_end_line(zf_parser_t *p, zf_file_t *f, bool reported)
{
	bool ok = true;
	if (f->pos - f->line_start > ZF_LINE_MAX) {
		if (!reported)
			zf_error(p, f, f->line, ZF_LINE_MAX + 1, "line longer than %u bytes",
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
					zf_error(p, f, f->line, zf_col(f, f->pos), "nested parenthesis");
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
					zf_error(p, f, f->line, zf_col(f, f->pos), "unbalanced parenthesis");
				failed = true;
			}
			paren = false;
			f->pos++;
			break;
		case '\0':
			if (!failed)
				zf_error(p, f, f->line, zf_col(f, f->pos), "NUL byte");
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
		zf_error(p, f, pline, pcol, "unbalanced parenthesis");
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
		zf_error(p, f, t->line, t->col, "TTL out of range '" TOK_FMT "'", TOK_ARG(t));
	else
		zf_error(p, f, t->line, t->col, "invalid TTL '" TOK_FMT "'", TOK_ARG(t));
	return false;
}

static bool zf_name(zf_parser_t *p, const zf_file_t *f, const dns_token_t *t, uint8_t *out,
                    const char *what)
{
	size_t len;
	dns_err_t e = t->quoted ? DNS_ESYNTAX
	                        : dns_name_from_text(out, &len, t->s, t->len, p->origin);
	if (e == DNS_OK)
		return true;
	if (e == DNS_ELIMIT)
		zf_error(p, f, t->line, t->col, "%s too long '" TOK_FMT "'", what, TOK_ARG(t));
	else
		zf_error(p, f, t->line, t->col, "invalid %s '" TOK_FMT "'", what, TOK_ARG(t));
	return false;
}

/* $INCLUDE file [origin] */
static void zf_include(zf_parser_t *p, zf_file_t *f, const dns_token_t *t, size_t n);

static void zf_directive(zf_parser_t *p, zf_file_t *f)
{
	const dns_token_t *t = p->tok;
	size_t n = p->ntok;
	if (zf_tok_is(&t[0], "$ORIGIN")) {
		uint8_t o[DNS_NAME_MAX];
		if (n != 2) {
			zf_error(p, f, t[0].line, t[0].col, "$ORIGIN needs exactly one name");
			return;
		}
		if (zf_name(p, f, &t[1], o, "origin")) {
			dns_name_copy(p->origin, o);
			p->owner_text_len = 0; /* relative owners now mean something else */
		}
	} else if (zf_tok_is(&t[0], "$TTL")) {
		uint32_t ttl;
		if (n != 2) {
			zf_error(p, f, t[0].line, t[0].col, "$TTL needs exactly one value");
			return;
		}
		if (zf_ttl(p, f, &t[1], &ttl)) {
			p->dollar_ttl = ttl;
			p->have_dollar_ttl = true;
		}
	} else if (zf_tok_is(&t[0], "$INCLUDE")) {
		zf_include(p, f, t, n);
	} else {
		zf_error(p, f, t[0].line, t[0].col, "unknown directive '" TOK_FMT "'", TOK_ARG(&t[0]));
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
	if (!zf_name(p, f, t, p->owner, "owner name")) {
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
			zf_error(p, f, t[0].line, t[0].col, "no owner name, and no previous one");
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
		zf_error(p, f, last->line, zf_after(last), "missing type");
		return;
	}
	uint16_t type;
	if (t[i].quoted || dns_rrtype_from_text(t[i].s, t[i].len, &type) != DNS_OK) {
		zf_error(p, f, t[i].line, t[i].col, "unknown type '" TOK_FMT "'", TOK_ARG(&t[i]));
		return;
	}
	if (have_class && rclass != p->rclass) {
		char a[24], b[24];
		dns_rrclass_to_text(rclass, a, sizeof(a));
		dns_rrclass_to_text(p->rclass, b, sizeof(b));
		zf_error(p, f, t[0].line, t[0].col, "class %s differs from the zone's class %s", a, b);
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
		zf_error(p, f, line, col, "%s: %s", tn, rerr.msg[0] ? rerr.msg : dns_strerror(e));
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

static void zf_parse_text(zf_parser_t *p, zf_file_t *f)
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

/* ---- files ---- */

/* Map @path read-only; an empty file gives len 0 and buf NULL. */
static dns_err_t zf_map(const char *path, const char **buf, size_t *len, int *err)
{
	*buf = NULL;
	*len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*err = errno;
		return DNS_EIO;
	}
	struct stat st;
	if (fstat(fd, &st) != 0) {
		*err = errno;
		close(fd);
		return DNS_EIO;
	}
	if (!S_ISREG(st.st_mode)) {
		*err = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		close(fd);
		return DNS_EIO;
	}
	if (st.st_size > 0) {
		void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m == MAP_FAILED) {
			*err = errno;
			close(fd);
			return DNS_EIO;
		}
		madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL);
		*buf = m;
		*len = (size_t)st.st_size;
	}
	close(fd);
	return DNS_OK;
}

/* Directory part of a real path ("/" for a file at the root). */
static char *zf_dirname(const char *real)
{
	const char *slash = strrchr(real, '/');
	size_t n = slash && slash != real ? (size_t)(slash - real) : 1;
	char *d = malloc(n + 1);
	if (d) {
		memcpy(d, slash ? real : "/", n);
		d[n] = '\0';
	}
	return d;
}

/* Parse the file whose real path is @real, shown as @name. */
static dns_err_t zf_parse_real(zf_parser_t *p, const char *real, const char *name, unsigned depth,
                               int *err)
{
	const char *buf;
	size_t len;
	if (zf_map(real, &buf, &len, err) != DNS_OK)
		return DNS_EIO;
	char *dir = zf_dirname(real);
	if (!dir) {
		if (buf)
			munmap((void *)buf, len);
		return DNS_ENOMEM;
	}
	zf_file_t f = { name, dir, buf, len, 0, 0, 1, depth };
	zf_parse_text(p, &f);
	if (buf)
		munmap((void *)buf, len);
	free(dir);
	return DNS_OK;
}

/* The include's file name with backslash escapes (\X) removed. */
static bool zf_unescape_path(const dns_token_t *t, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < t->len; i++) {
		char c = t->s[i];
		if (c == '\\' && i + 1 < t->len)
			c = t->s[++i];
		if (c == '\0' || o + 1 >= cap)
			return false;
		out[o++] = c;
	}
	out[o] = '\0';
	return o > 0;
}

static bool zf_inside(const char *real, const char *root)
{
	size_t n = strlen(root);
	if (strcmp(root, "/") == 0)
		return true;
	return strncmp(real, root, n) == 0 && real[n] == '/';
}

/* Parse an included text (@buf, @len) named @name, starting at @origin
 * (NULL: ours); whatever it does to $ORIGIN, ours is restored after it
 * (RFC 1035 §5.1). */
static void zf_parse_included(zf_parser_t *p, const zf_file_t *f, const char *name,
                              const char *dir, const char *buf, size_t len,
                              const uint8_t *origin)
{
	uint8_t saved[DNS_NAME_MAX];
	dns_name_copy(saved, p->origin);
	if (origin)
		dns_name_copy(p->origin, origin);
	p->owner_text_len = 0;
	zf_file_t in = { name, dir, buf, len, 0, 0, 1, f->depth + 1 };
	zf_parse_text(p, &in);
	dns_name_copy(p->origin, saved);
	p->owner_text_len = 0;
}

/* $INCLUDE through the caller's function: no filesystem access at all. */
static void zf_include_cb(zf_parser_t *p, zf_file_t *f, const dns_token_t *at, const char *rel,
                          const uint8_t *origin)
{
	char *text = NULL, msg[256];
	size_t len = 0;
	msg[0] = '\0';
	dns_err_t e = p->opt->include(p->opt->include_ctx, rel, &text, &len, msg, sizeof(msg));
	if (e != DNS_OK) {
		free(text);
		zf_error(p, f, at->line, at->col, "cannot include '%s': %s", rel,
		         msg[0] ? msg : dns_strerror(e));
		return;
	}
	zf_parse_included(p, f, rel, f->dir, text, text ? len : 0, origin);
	free(text);
}

/* $INCLUDE from the filesystem, confined to the top file's directory tree. */
static void zf_include_fs(zf_parser_t *p, zf_file_t *f, const dns_token_t *at, const char *rel,
                          const uint8_t *origin)
{
	char full[2 * PATH_MAX + 2];
	if (rel[0] == '/')
		snprintf(full, sizeof(full), "%s", rel);
	else
		snprintf(full, sizeof(full), "%s/%s", f->dir, rel);
	char *real = realpath(full, NULL);
	if (!real) {
		zf_error(p, f, at->line, at->col, "cannot open '%s': %s", rel, strerror(errno));
		return;
	}
	if (!zf_inside(real, p->root)) {
		zf_error(p, f, at->line, at->col, "$INCLUDE path escapes the zone directory");
		free(real);
		return;
	}
	const char *buf;
	size_t len;
	int err = 0;
	char *dir = NULL;
	if (zf_map(real, &buf, &len, &err) != DNS_OK) {
		zf_error(p, f, at->line, at->col, "cannot read '%s': %s", rel, strerror(err));
	} else if (!(dir = zf_dirname(real))) {
		zf_error(p, f, at->line, at->col, "cannot read '%s': %s", rel, dns_strerror(DNS_ENOMEM));
	} else {
		zf_parse_included(p, f, rel, dir, buf, len, origin);
	}
	if (buf)
		munmap((void *)buf, len);
	free(dir);
	free(real);
}

static void zf_include(zf_parser_t *p, zf_file_t *f, const dns_token_t *t, size_t n)
{
	if (n < 2 || n > 3) {
		zf_error(p, f, t[0].line, t[0].col, "$INCLUDE needs a file name and an optional origin");
		return;
	}
	if (p->opt->no_include || (!p->opt->include && !p->root)) {
		zf_error(p, f, t[0].line, t[0].col, "$INCLUDE is not allowed here");
		return;
	}
	if (f->depth + 1 > p->max_depth) {
		zf_error(p, f, t[0].line, t[0].col, "$INCLUDE nested more than %u deep", p->max_depth);
		return;
	}
	uint8_t origin[DNS_NAME_MAX];
	if (n == 3 && !zf_name(p, f, &t[2], origin, "origin"))
		return;
	/* One name buffer per nesting level: positions inside the included
	 * text point to it while it is parsed. */
	char rel[PATH_MAX];
	if (!zf_unescape_path(&t[1], rel, sizeof(rel))) {
		zf_error(p, f, t[1].line, t[1].col, "invalid $INCLUDE file name");
		return;
	}
	if (p->opt->include)
		zf_include_cb(p, f, &t[1], rel, n == 3 ? origin : NULL);
	else
		zf_include_fs(p, f, &t[1], rel, n == 3 ? origin : NULL);
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
	} else if (!(p->root = zf_dirname(real))) {
		e = DNS_ENOMEM;
	} else {
		e = zf_parse_real(p, real, path, 0, &err);
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
	zf_parse_text(p, &f);
	free(dir);
	return zf_finish(p);
}
