/*
 * control_client.c - the client's side of the control protocol (see
 * control.h): the request line, the reply, and the reply as text.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dns/control.h"

dns_err_t dns_ctl_request_format(const char *cmd, const char *const *args, unsigned nargs,
                                 char *out, size_t cap, char *err, size_t errlen)
{
	size_t o = 0;
	if (nargs > DNS_CTL_ARGS_MAX) {
		snprintf(err, errlen, "too many arguments (at most %d)", DNS_CTL_ARGS_MAX);
		return DNS_ELIMIT;
	}
	for (unsigned w = 0; w <= nargs; w++) {
		const char *word = w == 0 ? cmd : args[w - 1];
		size_t n = strlen(word);
		if (n == 0) {
			snprintf(err, errlen, "empty argument");
			return DNS_ESYNTAX;
		}
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)word[i];
			if (c <= 0x20 || c >= 0x7f) {
				snprintf(err, errlen, "argument %.40s: spaces and bytes other than printable "
				         "ASCII are written as DNS escapes (\\032)", word);
				return DNS_ESYNTAX;
			}
		}
		if (o + n + 1 > DNS_CTL_LINE_MAX || o + n + 2 > cap) {
			snprintf(err, errlen, "request longer than %d bytes", DNS_CTL_LINE_MAX);
			return DNS_ELIMIT;
		}
		if (w)
			out[o++] = ' ';
		memcpy(out + o, word, n);
		o += n;
	}
	out[o++] = '\n';
	out[o] = '\0';
	return DNS_OK;
}

dns_err_t dns_ctl_response_parse(const char *line, size_t len, dns_ctl_response_t *out,
                                 char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	json_error_t je;
	out->root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
	if (!out->root) {
		snprintf(err, errlen, "reply is not JSON: %s", je.text);
		return DNS_EMALFORMED;
	}
	json_t *ok = json_object_get(out->root, "ok");
	if (!json_is_boolean(ok))
		goto bad;
	out->ok = json_is_true(ok);
	if (out->ok) {
		out->result = json_object_get(out->root, "result");
		if (!json_is_object(out->result))
			goto bad;
		return DNS_OK;
	}
	out->error = json_string_value(json_object_get(out->root, "error"));
	out->message = json_string_value(json_object_get(out->root, "message"));
	if (!out->error)
		goto bad;
	if (!out->message)
		out->message = "";
	out->status = dns_ctl_status_parse(out->error);
	return DNS_OK;
bad:
	snprintf(err, errlen, "reply is not a control protocol answer");
	dns_ctl_response_free(out);
	return DNS_EMALFORMED;
}

void dns_ctl_response_free(dns_ctl_response_t *r)
{
	json_decref(r->root);
	memset(r, 0, sizeof(*r));
}

/* ---- text for people ---- */

/* A scalar (or anything else, compactly) as text; the caller frees it. */
static char *cell(const json_t *v)
{
	char *s = NULL;
	if (!v)
		return strdup("-");   /* a row without this column */
	switch (json_typeof(v)) {
	case JSON_STRING:
		return strdup(json_string_value(v));
	case JSON_INTEGER:
		if (asprintf(&s, "%" JSON_INTEGER_FORMAT, json_integer_value(v)) < 0)
			s = NULL;
		return s;
	case JSON_REAL:
		if (asprintf(&s, "%.3f", json_real_value(v)) < 0)
			s = NULL;
		return s;
	case JSON_TRUE:
		return strdup("yes");
	case JSON_FALSE:
		return strdup("no");
	case JSON_NULL:
		return strdup("-");
	case JSON_ARRAY: {
		size_t i;
		const json_t *e;
		bool scalars = true;
		json_array_foreach(v, i, e)
			scalars = scalars && !json_is_object(e) && !json_is_array(e);
		if (!scalars)
			break;
		if (json_array_size(v) == 0)
			return strdup("-");
		size_t cap = 1, o = 0;
		char *out = calloc(1, 1);
		json_array_foreach(v, i, e) {
			char *c = cell(e);   /* a scalar: one level, no deeper */
			size_t n = c ? strlen(c) : 0;
			char *grown = out ? realloc(out, cap + n + 2) : NULL;
			if (!grown) {
				free(c);
				free(out);
				return NULL;
			}
			out = grown;
			cap += n + 2;
			o += (size_t)sprintf(out + o, "%s%s", i ? ", " : "", c ? c : "");
			free(c);
		}
		return out;
	}
	case JSON_OBJECT:
		break;
	}
	return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

static bool is_table(const json_t *v)
{
	if (!json_is_array(v) || json_array_size(v) == 0)
		return false;
	size_t i;
	const json_t *e;
	json_array_foreach(v, i, e)
		if (!json_is_object(e))
			return false;
	return true;
}

/* One cell: padded to @width, two spaces between columns, none after the last. */
static void put_cell(FILE *out, const char *s, size_t width, bool last)
{
	if (last)
		fprintf(out, "%s\n", s);
	else
		fprintf(out, "%-*s  ", (int)width, s);
}

/* The columns of a table: the members of its first row, in order. */
static void print_table(const char *name, const json_t *rows, FILE *out)
{
	const json_t *first = json_array_get(rows, 0);
	size_t ncol = json_object_size(first);
	const char **cols = calloc(ncol ? ncol : 1, sizeof(*cols));
	size_t *width = calloc(ncol ? ncol : 1, sizeof(*width));
	if (!cols || !width)
		goto out;
	size_t c = 0;
	const char *key;
	const json_t *v;
	json_object_foreach((json_t *)first, key, v) {
		cols[c] = key;
		width[c] = strlen(key);
		c++;
	}
	size_t r;
	const json_t *row;
	json_array_foreach(rows, r, row)
		for (c = 0; c < ncol; c++) {
			char *s = cell(json_object_get(row, cols[c]));
			size_t n = s ? strlen(s) : 1;
			if (n > width[c])
				width[c] = n;
			free(s);
		}
	if (name)
		fprintf(out, "%s:\n", name);
	for (c = 0; c < ncol; c++)
		put_cell(out, cols[c], width[c], c + 1 == ncol);
	json_array_foreach(rows, r, row)
		for (c = 0; c < ncol; c++) {
			char *s = cell(json_object_get(row, cols[c]));
			put_cell(out, s ? s : "-", width[c], c + 1 == ncol);
			free(s);
		}
out:
	free(cols);
	free(width);
}

/* "name: value" lines of an object's scalars (and of the members of its
 * nested objects, one level down, as "name.member"), names aligned. */
static void print_fields(const json_t *obj, FILE *out)
{
	size_t wide = 0;
	const char *key, *sub;
	const json_t *v, *w;
	json_object_foreach((json_t *)obj, key, v) {
		if (strcmp(key, "message") == 0 || is_table(v))
			continue;
		if (json_is_object(v)) {
			json_object_foreach((json_t *)v, sub, w)
				if (strlen(key) + 1 + strlen(sub) > wide)
					wide = strlen(key) + 1 + strlen(sub);
		} else if (strlen(key) > wide) {
			wide = strlen(key);
		}
	}
	json_object_foreach((json_t *)obj, key, v) {
		if (strcmp(key, "message") == 0 || is_table(v))
			continue;
		if (!json_is_object(v)) {
			char *s = cell(v);
			fprintf(out, "%s:%*s %s\n", key, (int)(wide - strlen(key)), "", s ? s : "?");
			free(s);
			continue;
		}
		json_object_foreach((json_t *)v, sub, w) {
			char *s = cell(w);
			int pad = (int)(wide - strlen(key) - 1 - strlen(sub));
			fprintf(out, "%s.%s:%*s %s\n", key, sub, pad, "", s ? s : "?");
			free(s);
		}
	}
}

void dns_ctl_format_text(const json_t *result, FILE *out)
{
	const json_t *msg = json_object_get(result, "message");
	if (json_is_string(msg))
		fprintf(out, "%s\n", json_string_value(msg));
	print_fields(result, out);
	/* a result made of one table alone needs no title */
	bool alone = json_object_size(result) == 1;
	const char *key;
	const json_t *v;
	json_object_foreach((json_t *)result, key, v)
		if (is_table(v))
			print_table(alone ? NULL : key, v, out);
}
