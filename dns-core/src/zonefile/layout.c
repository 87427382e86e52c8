/* layout.c - the zone repository's layout rules (see layout.h). */
#include <string.h>

#include "dns/layout.h"

#define KEYS_FILE "_keys"
#define KEYS_SUFFIX "._keys"
#define INCLUDE_SUFFIX ".inc"

static bool has_suffix(const char *s, size_t n, const char *suffix)
{
	size_t m = strlen(suffix);
	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Files that are clearly not zones: documentation, hooks, scripts and
 * what editors and patch tools leave behind. */
static const char *other_file(const char *name, size_t n)
{
	static const char *const docs[] = { "README", "LICENSE", "COPYING", "Makefile" };
	static const char *const suffixes[] = { ".md", ".txt", ".sh", "-receive", ".sample" };
	static const char *const leftovers[] = { "~", ".orig", ".rej", ".swp" };
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
		if (has_prefix(name, docs[i]))
			return "documentation or build file";
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++)
		if (has_suffix(name, n, suffixes[i]))
			return "documentation, script or hook";
	for (size_t i = 0; i < sizeof(leftovers) / sizeof(leftovers[0]); i++)
		if (has_suffix(name, n, leftovers[i]))
			return "editor or patch leftover";
	return NULL;
}

/*
 * The zone named by the first @n bytes of a file name: a domain name
 * relative to the root.  Bytes a zone file would read specially (blanks,
 * quotes, parentheses, ';', '@', '$') or that are not printable ASCII must
 * be escaped ("\032"), so a file name reads the same as the zone's name in
 * a zone file.
 */
static const char *zone_name(const char *name, size_t n, uint8_t origin[DNS_NAME_MAX])
{
	char buf[DNS_NAME_TEXT_MAX + 2];
	if (n == 0)
		return "empty zone name";
	if (n > DNS_NAME_TEXT_MAX - 1)
		return "name too long for a domain name";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c <= ' ' || c >= 0x7f)
			return "blank, control or non-ASCII character in the name";
		if (strchr("\"();@$", c))
			return "character with a meaning in zone files ('\"();@$') in the name";
	}
	memcpy(buf, name, n);
	buf[n] = '.';
	size_t len;
	dns_err_t e = dns_name_from_text(origin, &len, buf, n + 1, NULL);
	if (e == DNS_ELIMIT)
		return "name too long for a domain name";
	if (e != DNS_OK)
		return "not a domain name (empty label, trailing dot or bad escape)";
	dns_name_lower(origin);
	return NULL;
}

dns_layout_kind_t dns_layout_classify(const char *name, uint8_t origin[DNS_NAME_MAX],
                                      const char **why)
{
	const char *dummy;
	if (!why)
		why = &dummy;
	*why = NULL;
	size_t n = strlen(name);
	if (n == 0) {
		*why = "empty name";
		return DNS_LAYOUT_INVALID;
	}
	if (name[0] == '.') {
		*why = "hidden file";
		return DNS_LAYOUT_SKIP;
	}
	if (strchr(name, '/')) {
		*why = "not a file at the repository root";
		return DNS_LAYOUT_SKIP;
	}
	if (strcmp(name, KEYS_FILE) == 0) {
		origin[0] = 0;
		return DNS_LAYOUT_KEYS;
	}
	if ((*why = other_file(name, n)))
		return DNS_LAYOUT_SKIP;
	if (has_suffix(name, n, KEYS_SUFFIX)) {
		if ((*why = zone_name(name, n - strlen(KEYS_SUFFIX), origin)))
			return DNS_LAYOUT_INVALID;
		return DNS_LAYOUT_KEYS;
	}
	if (has_suffix(name, n, INCLUDE_SUFFIX))
		return DNS_LAYOUT_INCLUDE;
	if ((*why = zone_name(name, n, origin)))
		return DNS_LAYOUT_INVALID;
	return DNS_LAYOUT_ZONE;
}

const char *dns_layout_kind_name(dns_layout_kind_t kind)
{
	switch (kind) {
	case DNS_LAYOUT_ZONE: return "zone";
	case DNS_LAYOUT_KEYS: return "keys";
	case DNS_LAYOUT_INCLUDE: return "include";
	case DNS_LAYOUT_SKIP: return "skip";
	case DNS_LAYOUT_INVALID: return "invalid";
	}
	return "invalid";
}

/* One component of an include path: [s, s+n). */
static const char *component_ok(const char *s, size_t n)
{
	if (n == 0)
		return "empty path component";
	if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
		return "'.' or '..' in the path (paths are relative to the repository root)";
	if (s[0] == '.')
		return "hidden file or directory in the path";
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < ' ' || s[i] == 0x7f)
			return "control character in the path";
	return NULL;
}

bool dns_layout_include_ok(const char *path, const char **why)
{
	const char *dummy;
	if (!why)
		why = &dummy;
	*why = NULL;
	if (path[0] == '\0') {
		*why = "empty path";
		return false;
	}
	if (path[0] == '/') {
		*why = "absolute path (paths are relative to the repository root)";
		return false;
	}
	bool root_file = true;
	for (const char *s = path;;) {
		const char *slash = strchr(s, '/');
		size_t n = slash ? (size_t)(slash - s) : strlen(s);
		if ((*why = component_ok(s, n)))
			return false;
		if (!slash)
			break;
		root_file = false;
		s = slash + 1;
	}
	if (root_file) {
		uint8_t origin[DNS_NAME_MAX];
		const char *w;
		dns_layout_kind_t k = dns_layout_classify(path, origin, &w);
		if (k == DNS_LAYOUT_ZONE || k == DNS_LAYOUT_KEYS) {
			*why = k == DNS_LAYOUT_ZONE
			       ? "a zone file of its own (name files for $INCLUDE *.inc, or put them in a subdirectory)"
			       : "a key file (key files cannot be included)";
			return false;
		}
		if (k != DNS_LAYOUT_INCLUDE) {
			*why = "not an include file (name files for $INCLUDE *.inc, or put them in a subdirectory)";
			return false;
		}
	}
	return true;
}
