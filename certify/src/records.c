/*
 * records.c - the TLSA and status TXT records at _letsencrypt._tcp.<host>
 * (formats in dns/certify_records.h).  All decoders are bounds-checked:
 * their input comes from DNS answers.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "certify_int.h"
#include "dns/certify_records.h"

dns_err_t dns_certify_owner(const char *host, uint8_t out[DNS_NAME_MAX], size_t *len)
{
	char text[DNS_CERTIFY_NAME_LEN + 32];
	size_t n = strlen(host);
	if (n > 0 && host[n - 1] == '.')
		n--;
	if (n == 0 || n >= DNS_CERTIFY_NAME_LEN)
		return DNS_EINVAL;
	int w = snprintf(text, sizeof(text), "_letsencrypt._tcp.%.*s.", (int)n, host);
	return dns_name_from_text(out, len, text, (size_t)w, NULL);
}

/* ---- TLSA ---- */

dns_certify_rec_t dns_certify_tlsa_kind(const uint8_t *rdata, size_t len, const uint8_t **der,
                                        size_t *der_len)
{
	if (der != NULL)
		*der = NULL;
	if (der_len != NULL)
		*der_len = 0;
	if (rdata == NULL || len < 3)
		return DNS_CERTIFY_REC_OTHER;
	dns_certify_rec_t k = DNS_CERTIFY_REC_OTHER;
	if (rdata[0] == 3 && rdata[1] == 255 && rdata[2] == 0)
		k = DNS_CERTIFY_REC_CSR;
	else if (rdata[0] == 3 && rdata[1] == 0 && rdata[2] == 0)
		k = DNS_CERTIFY_REC_CERT;
	else if (rdata[0] == 0 && rdata[1] == 0 && rdata[2] == 0)
		k = DNS_CERTIFY_REC_CA;
	if (k != DNS_CERTIFY_REC_OTHER) {
		if (der != NULL)
			*der = rdata + 3;
		if (der_len != NULL)
			*der_len = len - 3;
	}
	return k;
}

dns_err_t dns_certify_tlsa_encode(dns_certify_rec_t kind, const uint8_t *der, size_t der_len,
                                  uint8_t *out, size_t cap, size_t *out_len)
{
	static const uint8_t head[4][3] = {{0, 0, 0}, {3, 255, 0}, {3, 0, 0}, {0, 0, 0}};
	if (kind == DNS_CERTIFY_REC_OTHER || (unsigned)kind > 3 || der_len == 0 ||
	    der_len > 65535 - 3)
		return DNS_EINVAL;
	if (cap < der_len + 3)
		return DNS_ESPACE;
	memcpy(out, head[kind], 3);
	memcpy(out + 3, der, der_len);
	*out_len = der_len + 3;
	return DNS_OK;
}

X509 *dns_certify_d2i_cert(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	if (der == NULL || len == 0 || len > 65535)
		return NULL;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	if (x != NULL && p != der + len) {
		X509_free(x);   /* trailing bytes: not one certificate */
		x = NULL;
	}
	return x;
}

X509_REQ *dns_certify_d2i_csr(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	if (der == NULL || len == 0 || len > 65535)
		return NULL;
	X509_REQ *x = d2i_X509_REQ(NULL, &p, (long)len);
	if (x != NULL && p != der + len) {
		X509_REQ_free(x);
		x = NULL;
	}
	return x;
}

/* ---- time ---- */

static bool digits(const char *s, size_t n, int *out)
{
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/* YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM) */
dns_err_t dns_certify_time_parse(const char *s, size_t len, int64_t *out)
{
	int y, mo, d, h, mi, se, oh = 0, om = 0;
	if (len < 20 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
	    !digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') || !digits(s + 11, 2, &h) ||
	    s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' || !digits(s + 17, 2, &se))
		return DNS_ESYNTAX;
	size_t p = 19;
	if (p < len && s[p] == '.') {
		for (p++; p < len && s[p] >= '0' && s[p] <= '9'; p++)
			;
	}
	int sign = 0;
	if (p + 1 == len && (s[p] == 'Z' || s[p] == 'z')) {
		sign = 0;
	} else if (p + 6 == len && (s[p] == '+' || s[p] == '-') && digits(s + p + 1, 2, &oh) &&
	           s[p + 3] == ':' && digits(s + p + 4, 2, &om) && oh < 24 && om < 60) {
		sign = s[p] == '+' ? 1 : -1;
	} else {
		return DNS_ESYNTAX;
	}
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || se > 60)
		return DNS_ESYNTAX;
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
	                .tm_min = mi, .tm_sec = se};
	time_t t = timegm(&tm);
	*out = (int64_t)t - sign * (oh * 3600 + om * 60);
	return DNS_OK;
}

void dns_certify_time_format(int64_t t, char out[32])
{
	struct tm tm;
	time_t tt = (time_t)t;
	if (gmtime_r(&tt, &tm) == NULL || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 32, "@%lld", (long long)t);
}

/* ---- status TXT ---- */

/* Join the character-strings of a TXT rdata into @out (NUL-terminated). */
static dns_err_t txt_join(const uint8_t *rd, size_t len, char *out, size_t cap, size_t *n)
{
	size_t p = 0, o = 0;
	if (len == 0)
		return DNS_EMALFORMED;
	while (p < len) {
		size_t l = rd[p++];
		if (l > len - p)
			return DNS_EMALFORMED;
		if (o + l >= cap)
			return DNS_ELIMIT;
		memcpy(out + o, rd + p, l);
		o += l;
		p += l;
	}
	out[o] = '\0';
	*n = o;
	return DNS_OK;
}

static void copy_printable(char *dst, size_t cap, const char *src, size_t n)
{
	size_t i = 0;
	for (; i < n && i + 1 < cap; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '?';
	dst[i] = '\0';
}

static bool error_ok(const char *v, size_t n)
{
	if (n == 0 || n >= 64)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = v[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.' || c == ':'))
			return false;
	}
	return true;
}

/* One "key=value"; *rest is set when the key is "detail" (it takes the rest). */
static dns_err_t status_pair(dns_certify_status_t *st, const char *k, size_t kn, const char *v,
                             size_t vn, bool *seen_v)
{
	if (kn == 1 && k[0] == 'v') {
		if (vn != 8 || memcmp(v, "certify1", 8) != 0)
			return DNS_ENOTFOUND;
		*seen_v = true;
	} else if (kn == 5 && memcmp(k, "state", 5) == 0) {
		if (vn == 7 && memcmp(v, "pending", 7) == 0)
			st->state = DNS_CERTIFY_STATE_PENDING;
		else if (vn == 5 && memcmp(v, "valid", 5) == 0)
			st->state = DNS_CERTIFY_STATE_VALID;
		else if (vn == 6 && memcmp(v, "failed", 6) == 0)
			st->state = DNS_CERTIFY_STATE_FAILED;
		else
			return DNS_ESYNTAX;
	} else if (kn == 5 && memcmp(k, "error", 5) == 0) {
		if (!error_ok(v, vn))
			return DNS_ESYNTAX;
		memcpy(st->error, v, vn);
		st->error[vn] = '\0';
	} else if (kn == 5 && memcmp(k, "retry", 5) == 0) {
		if (dns_certify_time_parse(v, vn, &st->retry) != DNS_OK)
			return DNS_ESYNTAX;
		st->has_retry = true;
	}
	return DNS_OK;   /* unknown keys: later versions may add some */
}

dns_err_t dns_certify_status_parse(const uint8_t *rdata, size_t len, dns_certify_status_t *st)
{
	char text[DNS_CERTIFY_STATUS_MAX + 1];
	size_t n;
	memset(st, 0, sizeof(*st));
	dns_err_t r = txt_join(rdata, len, text, sizeof(text), &n);
	if (r != DNS_OK)
		return r;
	bool seen_v = false;
	dns_err_t bad = DNS_OK;
	size_t p = 0;
	while (p < n) {
		while (p < n && text[p] == ' ')
			p++;
		size_t ks = p;
		while (p < n && text[p] != '=' && text[p] != ';')
			p++;
		if (p >= n || text[p] != '=') {
			bad = DNS_ESYNTAX;   /* not key=value: skip to the next pair */
			while (p < n && text[p] != ';')
				p++;
			p++;
			continue;
		}
		size_t kn = p - ks, vs = ++p;
		if (kn == 6 && memcmp(text + ks, "detail", 6) == 0) {
			copy_printable(st->detail, sizeof(st->detail), text + vs, n - vs);
			break;   /* free text: the rest of the string */
		}
		while (p < n && text[p] != ';')
			p++;
		r = status_pair(st, text + ks, kn, text + vs, p - vs, &seen_v);
		if (r == DNS_ENOTFOUND)
			return r;   /* another format version */
		if (r != DNS_OK && bad == DNS_OK)
			bad = r;
		p++;
	}
	if (!seen_v)
		return DNS_ENOTFOUND;
	if (bad != DNS_OK)
		return bad;
	return st->state == DNS_CERTIFY_STATE_NONE ? DNS_ESYNTAX : DNS_OK;
}

static const char *state_text(dns_certify_state_t s)
{
	switch (s) {
	case DNS_CERTIFY_STATE_PENDING: return "pending";
	case DNS_CERTIFY_STATE_VALID: return "valid";
	case DNS_CERTIFY_STATE_FAILED: return "failed";
	default: return NULL;
	}
}

dns_err_t dns_certify_status_format(const dns_certify_status_t *st, char *out, size_t cap)
{
	const char *s = state_text(st->state);
	if (s == NULL)
		return DNS_EINVAL;
	size_t o = (size_t)snprintf(out, cap, "v=certify1; state=%s", s);
	if (o < cap && st->error[0] != '\0')
		o += (size_t)snprintf(out + o, cap - o, "; error=%s", st->error);
	if (o < cap && st->has_retry) {
		char t[32];
		dns_certify_time_format(st->retry, t);
		o += (size_t)snprintf(out + o, cap - o, "; retry=%s", t);
	}
	if (o < cap && st->detail[0] != '\0')
		o += (size_t)snprintf(out + o, cap - o, "; detail=%s", st->detail);
	return o < cap ? DNS_OK : DNS_ESPACE;
}

dns_err_t dns_certify_txt_rdata(const char *text, uint8_t *out, size_t cap, size_t *out_len)
{
	size_t n = strlen(text), o = 0, p = 0;
	do {
		size_t l = n - p > 255 ? 255 : n - p;
		if (o + 1 + l > cap || o + 1 + l > 65535)
			return DNS_ESPACE;
		out[o++] = (uint8_t)l;
		memcpy(out + o, text + p, l);
		o += l;
		p += l;
	} while (p < n);
	*out_len = o;
	return DNS_OK;
}

void dns_certify_status_describe(const dns_certify_status_t *st, char *out, size_t cap)
{
	const char *s = state_text(st->state);
	size_t o = (size_t)snprintf(out, cap, "%s", s ? s : "no status");
	if (o < cap && st->error[0] != '\0')
		o += (size_t)snprintf(out + o, cap - o, ": %s", st->error);
	if (o < cap && st->has_retry) {
		char t[32];
		dns_certify_time_format(st->retry, t);
		o += (size_t)snprintf(out + o, cap - o, ", retry at %s", t);
	}
	if (o < cap && st->detail[0] != '\0')
		snprintf(out + o, cap - o, " (%s)", st->detail);
}
