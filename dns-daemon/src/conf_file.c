/*
 * conf_file.c - the --config file (see dns/conf_file.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dns/conf_file.h"

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

static char *dup_range(const char *s, size_t n)
{
	char *p = malloc(n + 1);
	if (p != NULL) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

static dns_err_t add_item(dns_conf_t *c, const char *name, size_t nlen, const char *val,
                          size_t vlen, bool has_val, unsigned line)
{
	dns_conf_item_t *items = realloc(c->items, (c->n + 1) * sizeof(*items));
	if (items == NULL)
		return DNS_ENOMEM;
	c->items = items;
	dns_conf_item_t *it = &items[c->n];
	it->line = line;
	it->value = NULL;
	it->flag = malloc(nlen + 3);
	if (it->flag == NULL)
		return DNS_ENOMEM;
	memcpy(it->flag, "--", 2);
	memcpy(it->flag + 2, name, nlen);
	it->flag[nlen + 2] = '\0';
	c->n++;   /* from here on dns_conf_free owns the flag */
	if (has_val && (it->value = dup_range(val, vlen)) == NULL)
		return DNS_ENOMEM;
	return DNS_OK;
}

/* One line without its newline, blanks trimmed at both ends, not empty. */
static dns_err_t parse_line(dns_conf_t *c, const char *s, size_t n, unsigned line, char *err,
                            size_t errlen)
{
	if (s[0] == '#')
		return DNS_OK;
	const char *name = s;
	if (n >= 2 && s[0] == '-' && s[1] == '-')
		name += 2;
	size_t nlen = 0;
	while (name + nlen < s + n && is_name_char(name[nlen]))
		nlen++;
	const char *rest = name + nlen, *end = s + n;
	if (nlen == 0 || name[0] == '-' || (rest < end && !is_blank(*rest) && *rest != '=')) {
		size_t show = 0;
		while (s + show < end && !is_blank(s[show]) && show < 40)
			show++;
		snprintf(err, errlen, "expected an option name (letters, digits, '-'), got \"%.*s\"",
		         (int)show, s);
		return DNS_ESYNTAX;
	}
	bool has_val = false;
	if (rest < end) {
		has_val = true;
		if (*rest == '=')
			rest++;
		while (rest < end && is_blank(*rest))
			rest++;
		if (rest == end && rest[-1] != '=')
			has_val = false;   /* only blanks after the name */
	}
	size_t vlen = (size_t)(end - rest);
	if (vlen >= 2 && rest[0] == '"' && rest[vlen - 1] == '"') {
		rest++;
		vlen -= 2;
	}
	dns_err_t e = add_item(c, name, nlen, rest, vlen, has_val, line);
	if (e != DNS_OK)
		snprintf(err, errlen, "out of memory");
	return e;
}

dns_err_t dns_conf_parse(const char *text, size_t len, dns_conf_t *out, unsigned *err_line,
                         char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	*err_line = 0;
	unsigned line = 0;
	size_t pos = 0;
	while (pos < len) {
		line++;
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl != NULL ? (size_t)(nl - text) : len;
		const char *s = text + pos;
		size_t n = end - pos;
		pos = end + 1;
		*err_line = line;
		if (n > DNS_CONF_LINE_MAX) {
			snprintf(err, errlen, "line longer than %d bytes", DNS_CONF_LINE_MAX);
			return DNS_ELIMIT;
		}
		if (memchr(s, '\0', n) != NULL) {
			snprintf(err, errlen, "NUL byte in the line (not a text file?)");
			return DNS_ESYNTAX;
		}
		while (n > 0 && is_blank(*s)) {
			s++;
			n--;
		}
		while (n > 0 && is_blank(s[n - 1]))
			n--;
		if (n == 0)
			continue;
		dns_err_t e = parse_line(out, s, n, line, err, errlen);
		if (e != DNS_OK)
			return e;
	}
	*err_line = 0;
	return DNS_OK;
}

void dns_conf_free(dns_conf_t *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->items[i].flag);
		free(c->items[i].value);
	}
	free(c->items);
	c->items = NULL;
	c->n = 0;
}

/* The whole file into a new buffer (at most DNS_CONF_FILE_MAX bytes). */
static dns_err_t slurp(const char *path, char **buf, size_t *len, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return DNS_EIO;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > DNS_CONF_FILE_MAX) {
		snprintf(err, errlen, "%s: %s", path,
		         S_ISREG(st.st_mode) ? "larger than 1 MiB" : "not a regular file");
		close(fd);
		return DNS_EINVAL;
	}
	*buf = malloc((size_t)st.st_size + 1);
	*len = 0;
	while (*buf != NULL && *len <= (size_t)st.st_size) {
		ssize_t r = read(fd, *buf + *len, (size_t)st.st_size + 1 - *len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r < 0)
				snprintf(err, errlen, "%s: %s", path, strerror(errno));
			break;
		}
		*len += (size_t)r;
	}
	close(fd);
	if (*buf == NULL || *len > (size_t)st.st_size) {
		snprintf(err, errlen, "%s: %s", path, *buf ? "changed while read" : "out of memory");
		free(*buf);
		return DNS_EIO;
	}
	return DNS_OK;
}

dns_err_t dns_conf_read(const char *path, dns_conf_t *out, char *err, size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	memset(out, 0, sizeof(*out));
	dns_err_t e = slurp(path, &buf, &len, err, errlen);
	if (e != DNS_OK)
		return e;
	char why[256];
	unsigned line;
	e = dns_conf_parse(buf, len, out, &line, why, sizeof(why));
	free(buf);
	if (e != DNS_OK) {
		snprintf(err, errlen, "%s:%u: %s", path, line, why);
		dns_conf_free(out);
	}
	return e;
}

bool dns_conf_parse_ulong(const char *s, unsigned long min, unsigned long max,
                          unsigned long *out)
{
	if (!s || *s < '0' || *s > '9')
		return false;
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}
