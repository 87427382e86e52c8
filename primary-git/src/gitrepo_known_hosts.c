/*
 * gitrepo_known_hosts.c - check an ssh host key against a known_hosts file.
 *
 * Format (sshd(8), "SSH_KNOWN_HOSTS FILE FORMAT"): one key per line,
 *   [@marker] hostpatterns keytype base64-key [comment]
 * hostpatterns is a comma-separated list of names, with '*' and '?'
 * wildcards and '!' negation (brackets are literal), "[host]:port" for ports other than 22, or a
 * single hashed entry "|1|base64(salt)|base64(HMAC-SHA1(salt, name))".
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "gitrepo_int.h"

#define KH_MAX_LINE   16384u   /* longer lines are skipped */
#define KH_MAX_LINES  1000000u
#define KH_MAX_KEY    8192u    /* decoded key blob bytes */

/* Decode standard base64 of exactly @inlen characters. */
static bool b64_decode(const char *in, size_t inlen, uint8_t *out,
                       size_t outcap, size_t *outlen)
{
	if (inlen == 0 || inlen % 4 != 0 || inlen / 4 * 3 > outcap || inlen > INT32_MAX)
		return false;
	int n = EVP_DecodeBlock(out, (const unsigned char *)in, (int)inlen);
	if (n < 0)
		return false;
	/* EVP_DecodeBlock counts the padding as zero bytes. */
	size_t pad = 0;
	if (in[inlen - 1] == '=')
		pad++;
	if (in[inlen - 2] == '=')
		pad++;
	if ((size_t)n < pad)
		return false;
	*outlen = (size_t)n - pad;
	return true;
}

/* OpenSSH's "SHA256:<base64 without padding>" fingerprint. */
static void fingerprint(const uint8_t sha256[32], char out[64])
{
	unsigned char b64[48];
	int n = EVP_EncodeBlock(b64, sha256, 32);
	while (n > 0 && b64[n - 1] == '=')
		n--;
	snprintf(out, 64, "SHA256:%.*s", n, (const char *)b64);
}

/* The key type string at the start of a key blob ("ssh-ed25519"...). */
static void blob_type(const uint8_t *key, size_t keylen, char *out, size_t outlen)
{
	out[0] = '\0';
	if (key == NULL || keylen < 4)
		return;
	uint32_t n = (uint32_t)key[0] << 24 | (uint32_t)key[1] << 16 |
	             (uint32_t)key[2] << 8 | key[3];
	if (n > keylen - 4 || n >= outlen)
		return;
	for (uint32_t i = 0; i < n; i++)
		if (!isgraph(key[4 + i]))
			return;
	memcpy(out, key + 4, n);
	out[n] = '\0';
}

/* Does the hashed entry "|1|salt|hash" name @name? */
static bool hashed_match(const char *entry, const char *name)
{
	const char *salt = entry + 3;
	const char *bar = strchr(salt, '|');
	if (bar == NULL)
		return false;
	uint8_t s[64], h[64], mac[EVP_MAX_MD_SIZE];
	size_t slen, hlen, maclen = 0;
	if (!b64_decode(salt, (size_t)(bar - salt), s, sizeof(s), &slen) ||
	    !b64_decode(bar + 1, strlen(bar + 1), h, sizeof(h), &hlen) ||
	    hlen != 20)
		return false;
	if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA1", NULL, s, slen,
	              (const unsigned char *)name, strlen(name),
	              mac, sizeof(mac), &maclen) == NULL || maclen != 20)
		return false;
	return memcmp(mac, h, 20) == 0;
}

/* OpenSSH's host pattern: '*' any run, '?' one character, everything else
 * literal ('[' included), case-insensitive.  Iterative: on a mismatch,
 * retry from the last '*' with it absorbing one more character. */
static bool glob_match(const char *pat, const char *s)
{
	const char *star = NULL, *resume = NULL;
	while (*s != '\0') {
		if (*pat == '*') {
			star = pat++;
			resume = s;
		} else if (*pat == '?' || (*pat != '\0' &&
		           tolower((unsigned char)*pat) == tolower((unsigned char)*s))) {
			pat++;
			s++;
		} else if (star != NULL) {
			pat = star + 1;
			s = ++resume;
		} else {
			return false;
		}
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}

/* Does the host field @field (modified in place) name @name?  A negated
 * pattern that matches rules the line out, as in OpenSSH. */
static bool hosts_match(char *field, const char *name)
{
	if (strncmp(field, "|1|", 3) == 0)
		return hashed_match(field, name);
	bool match = false;
	char *save = NULL;
	for (char *p = strtok_r(field, ",", &save); p != NULL;
	     p = strtok_r(NULL, ",", &save)) {
		bool neg = p[0] == '!';
		if (!glob_match(neg ? p + 1 : p, name))
			continue;
		if (neg)
			return false;
		match = true;
	}
	return match;
}

/* What the scan of the file found for this host. */
struct kh_scan {
	unsigned entries;   /* lines naming the host */
	bool matched;       /* a line with the host and this key */
	bool revoked;       /* an @revoked line with this key */
	char other_type[64];/* a key type listed for the host */
};

/* Split off the next whitespace-separated field of *p. */
static char *next_field(char **p)
{
	char *s = *p;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0')
		return NULL;
	char *e = s;
	while (*e != '\0' && *e != ' ' && *e != '\t')
		e++;
	if (*e != '\0')
		*e++ = '\0';
	*p = e;
	return s;
}

static bool key_equal(const char *b64, const uint8_t *key, size_t keylen,
                      const uint8_t *sha256)
{
	uint8_t blob[KH_MAX_KEY];
	size_t bloblen;
	if (!b64_decode(b64, strlen(b64), blob, sizeof(blob), &bloblen))
		return false;
	if (key != NULL)
		return bloblen == keylen && memcmp(blob, key, keylen) == 0;
	uint8_t md[32];
	unsigned int mdlen = 0;
	if (!EVP_Digest(blob, bloblen, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32)
		return false;
	return memcmp(md, sha256, 32) == 0;
}

static void scan_line(char *line, const char *name, const uint8_t *key,
                      size_t keylen, const uint8_t *sha256, struct kh_scan *sc)
{
	char *p = line;
	char *f = next_field(&p);
	if (f == NULL || f[0] == '#')
		return;
	bool revoked = false;
	if (f[0] == '@') {
		if (strcmp(f, "@revoked") != 0)
			return; /* @cert-authority: certificates are not used */
		revoked = true;
		f = next_field(&p);
		if (f == NULL)
			return;
	}
	char *type = next_field(&p);
	char *b64 = next_field(&p);
	if (type == NULL || b64 == NULL || !hosts_match(f, name))
		return;
	bool same = key_equal(b64, key, keylen, sha256);
	if (revoked) {
		sc->revoked |= same;
		return;
	}
	sc->entries++;
	if (same)
		sc->matched = true;
	else if (sc->other_type[0] == '\0')
		snprintf(sc->other_type, sizeof(sc->other_type), "%s", type);
}

dns_err_t gitrepo_known_hosts_check(const char *path, const char *host,
                                    unsigned port, const uint8_t *key,
                                    size_t keylen, const uint8_t *sha256,
                                    char *msg, size_t msglen)
{
	if (path == NULL || host == NULL || (key == NULL && sha256 == NULL) ||
	    strlen(host) > 253 || port == 0 || port > 65535) {
		gitrepo_msg(msg, msglen, "host key check: invalid arguments");
		return DNS_EINVAL;
	}
	char name[300];
	if (port == 22)
		snprintf(name, sizeof(name), "%s", host);
	else
		snprintf(name, sizeof(name), "[%s]:%u", host, port);

	uint8_t md[32];
	if (key != NULL) {
		unsigned int mdlen = 0;
		if (!EVP_Digest(key, keylen, md, &mdlen, EVP_sha256(), NULL)) {
			gitrepo_msg(msg, msglen, "host key check: SHA-256 failed");
			return DNS_ENOMEM;
		}
	} else {
		memcpy(md, sha256, 32);
	}
	char fp[64], type[64];
	fingerprint(md, fp);
	blob_type(key, keylen, type, sizeof(type));

	FILE *fh = fopen(path, "r");
	if (fh == NULL) {
		gitrepo_msg(msg, msglen, "host key for %s:%u: cannot read known_hosts %s: %m",
		            host, port, path);
		return DNS_EIO;
	}
	struct kh_scan sc;
	memset(&sc, 0, sizeof(sc));
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned lines = 0;
	while (lines++ < KH_MAX_LINES && (n = getline(&line, &cap, fh)) >= 0) {
		if ((size_t)n > KH_MAX_LINE)
			continue;
		line[strcspn(line, "\r\n")] = '\0';
		scan_line(line, name, key, keylen, sha256, &sc);
	}
	free(line);
	fclose(fh);

	const char *sp = type[0] != '\0' ? " " : "";
	if (sc.revoked) {
		gitrepo_msg(msg, msglen, "host key for %s:%u (%s%s%s) is marked @revoked in known_hosts %s",
		            host, port, type, sp, fp, path);
		return GITREPO_EAUTH;
	}
	if (sc.matched)
		return DNS_OK;
	if (sc.entries == 0) {
		gitrepo_msg(msg, msglen, "host key for %s:%u (%s%s%s) not found in known_hosts %s "
		            "(no entry for \"%s\")", host, port, type, sp, fp, path, name);
		return GITREPO_EAUTH;
	}
	gitrepo_msg(msg, msglen, "host key for %s:%u does not match known_hosts %s: "
	            "server offered %s%s%s, known_hosts lists %s key(s) for \"%s\" "
	            "(possible man-in-the-middle, or the host key changed)",
	            host, port, path, type, sp, fp, sc.other_type, name);
	return GITREPO_EAUTH;
}
