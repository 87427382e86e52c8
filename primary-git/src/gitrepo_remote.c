/*
 * gitrepo_remote.c - the remote: URL parsing, credentials, host-key check,
 * fetch with fast-forward, push, reset.
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gitrepo_int.h"

/* ---- URL ---- */

/* Split "[user@]host[:port]" (host may be "[v6]") of an ssh URL. */
static dns_err_t parse_ssh_authority(gitrepo_t *r, const char *a, size_t n,
                                     char *msg, size_t msglen)
{
	const char *at = memchr(a, '@', n);
	if (at != NULL) {
		n -= (size_t)(at + 1 - a);
		a = at + 1;
	}
	const char *hs = a, *he;
	const char *rest;
	if (n > 0 && a[0] == '[') {
		he = memchr(a, ']', n);
		if (he == NULL)
			goto bad;
		hs = a + 1;
		rest = he + 1;
	} else {
		he = memchr(a, ':', n);
		if (he == NULL)
			he = a + n;
		rest = he;
	}
	r->ssh_port = 22;
	if (rest < a + n) {
		if (*rest != ':' || rest + 1 == a + n)
			goto bad;
		unsigned long port = 0;
		for (const char *p = rest + 1; p < a + n; p++) {
			if (*p < '0' || *p > '9' || (port = port * 10 + (unsigned long)(*p - '0')) > 65535)
				goto bad;
		}
		if (port == 0)
			goto bad;
		r->ssh_port = (unsigned)port;
	}
	if (he == hs || he - hs > 253)
		goto bad;
	r->ssh_host = strndup(hs, (size_t)(he - hs));
	if (r->ssh_host == NULL) {
		gitrepo_msg(msg, msglen, "out of memory");
		return DNS_ENOMEM;
	}
	r->is_ssh = true;
	return DNS_OK;
bad:
	gitrepo_msg(msg, msglen, "cannot parse the host of ssh remote %s", r->url);
	return DNS_EINVAL;
}

dns_err_t gitrepo_parse_remote(gitrepo_t *r, const char *remote,
                               char **branch, char *msg, size_t msglen)
{
	*branch = NULL;
	const char *hash = strrchr(remote, '#');
	size_t ulen = hash != NULL ? (size_t)(hash - remote) : strlen(remote);
	if (ulen == 0 || (hash != NULL && hash[1] == '\0')) {
		gitrepo_msg(msg, msglen, "invalid remote \"%s\" (want URL[#branch])", remote);
		return DNS_EINVAL;
	}
	r->url = strndup(remote, ulen);
	if (r->url == NULL || (hash != NULL && (*branch = strdup(hash + 1)) == NULL)) {
		gitrepo_msg(msg, msglen, "out of memory");
		return DNS_ENOMEM;
	}
	const char *u = r->url;
	const char *scheme_end = strstr(u, "://");
	if (scheme_end != NULL) {
		size_t sl = (size_t)(scheme_end - u);
		bool ssh = (sl == 3 && strncmp(u, "ssh", 3) == 0) ||
		           (sl == 7 && (strncmp(u, "ssh+git", 7) == 0 ||
		                        strncmp(u, "git+ssh", 7) == 0));
		if (sl == 4 && strncmp(u, "file", 4) == 0 && u[7] == '/' &&
		    strchr(u, '%') == NULL && (r->remote_path = strdup(u + 7)) == NULL) {
			gitrepo_msg(msg, msglen, "out of memory");
			return DNS_ENOMEM;
		}
		if (!ssh)
			return DNS_OK; /* file://, https://: libgit2 handles them */
		const char *a = scheme_end + 3;
		return parse_ssh_authority(r, a, strcspn(a, "/"), msg, msglen);
	}
	/* scp-like [user@]host:path: a ':' before any '/' (as git decides) */
	const char *colon = strchr(u, ':');
	const char *slash = strchr(u, '/');
	if (colon != NULL && (slash == NULL || colon < slash) && colon != u)
		return parse_ssh_authority(r, u, (size_t)(colon - u), msg, msglen);
	/* A local path: make it absolute so the clone keeps working from any
	 * working directory. */
	char *abs = realpath(u, NULL);
	if (abs != NULL) {
		free(r->url);
		r->url = abs;
	}
	if ((r->remote_path = strdup(r->url)) == NULL) {
		gitrepo_msg(msg, msglen, "out of memory");
		return DNS_ENOMEM;
	}
	return DNS_OK;
}

/* ---- callbacks ---- */

static int refuse(gitrepo_t *r, int code)
{
	git_error_set_str(GIT_ERROR_SSH, r->cb_msg);
	return code;
}

static int cb_certificate(git_cert *cert, int valid, const char *host, void *payload)
{
	gitrepo_t *r = payload;
	if (cert->cert_type != GIT_CERT_HOSTKEY_LIBSSH2)
		return GIT_PASSTHROUGH; /* TLS: libgit2 verified it against the CA store */
	const git_cert_hostkey *hk = (const git_cert_hostkey *)cert;
	const char *h = r->ssh_host != NULL ? r->ssh_host : host;
	unsigned port = r->ssh_port != 0 ? r->ssh_port : 22;
	if (r->known_hosts == NULL) {
		gitrepo_msg(r->cb_msg, sizeof(r->cb_msg),
		            "host key for %s:%u cannot be checked: no known_hosts file given", h, port);
		return refuse(r, GIT_ECERTIFICATE);
	}
	const uint8_t *key = NULL, *sha = NULL;
	size_t keylen = 0;
	if (hk->type & GIT_CERT_SSH_RAW) {
		key = (const uint8_t *)hk->hostkey;
		keylen = hk->hostkey_len;
	} else if (hk->type & GIT_CERT_SSH_SHA256) {
		sha = hk->hash_sha256;
	} else {
		gitrepo_msg(r->cb_msg, sizeof(r->cb_msg),
		            "host key for %s:%u: libssh2 gave neither the key nor its SHA-256", h, port);
		return refuse(r, GIT_ECERTIFICATE);
	}
	if (gitrepo_known_hosts_check(r->known_hosts, h, port, key, keylen, sha,
	                              r->cb_msg, sizeof(r->cb_msg)) != DNS_OK)
		return refuse(r, GIT_ECERTIFICATE);
	return 0;
}

/* The login name, as ssh would use it when the URL names no user. */
static void local_user(char *buf, size_t len)
{
	struct passwd pw, *res = NULL;
	char tmp[1024];
	if (getpwuid_r(geteuid(), &pw, tmp, sizeof(tmp), &res) == 0 && res != NULL)
		snprintf(buf, len, "%s", pw.pw_name);
	else
		snprintf(buf, len, "git");
}

static int cb_credentials(git_credential **out, const char *url, const char *url_user,
                          unsigned int allowed, void *payload)
{
	gitrepo_t *r = payload;
	char user[256];
	if (url_user != NULL && url_user[0] != '\0')
		snprintf(user, sizeof(user), "%s", url_user);
	else
		local_user(user, sizeof(user));

	if (allowed & GIT_CREDENTIAL_SSH_KEY) {
		/* libgit2 asks again after the server refused the key */
		if (++r->cred_calls > 1) {
			gitrepo_msg(r->cb_msg, sizeof(r->cb_msg),
			            "ssh authentication as %s to %s:%u refused (key %s)", user,
			            r->ssh_host != NULL ? r->ssh_host : url, r->ssh_port,
			            r->ssh_key != NULL ? r->ssh_key : "from ssh-agent");
			return refuse(r, GIT_EAUTH);
		}
		if (r->ssh_key == NULL)
			return git_credential_ssh_key_from_agent(out, user);
		if (access(r->ssh_key, R_OK) != 0) {
			gitrepo_msg(r->cb_msg, sizeof(r->cb_msg), "cannot read ssh key %s: %m", r->ssh_key);
			return refuse(r, GIT_EAUTH);
		}
		/* libssh2 cannot derive the public key from every private key
		 * format (OpenSSH's own, e.g.): use <key>.pub as ssh does */
		char pub[4096];
		const char *pubkey = r->ssh_pubkey;
		if (pubkey == NULL && snprintf(pub, sizeof(pub), "%s.pub", r->ssh_key) < (int)sizeof(pub) &&
		    access(pub, R_OK) == 0)
			pubkey = pub;
		return git_credential_ssh_key_new(out, user, pubkey, r->ssh_key, r->ssh_passphrase);
	}
	if (allowed & GIT_CREDENTIAL_USERNAME)
		return git_credential_username_new(out, user);
	gitrepo_msg(r->cb_msg, sizeof(r->cb_msg),
	            "%s asks for credentials this adapter does not provide (only ssh keys)", url);
	return refuse(r, GIT_EAUTH);
}

static int cb_push_ref(const char *refname, const char *status, void *payload)
{
	gitrepo_t *r = payload;
	if (status != NULL) {
		r->push_rejected = true;
		snprintf(r->push_status, sizeof(r->push_status), "%s: %s", refname, status);
	}
	return 0;
}

void gitrepo_callbacks(gitrepo_t *r, git_remote_callbacks *cb)
{
	cb->certificate_check = cb_certificate;
	cb->credentials = cb_credentials;
	cb->push_update_reference = cb_push_ref;
	cb->payload = r;
	r->cred_calls = 0;
	r->cb_msg[0] = '\0';
	r->push_rejected = false;
	r->push_status[0] = '\0';
}

dns_err_t gitrepo_net_err(gitrepo_t *r, int gerr, const char *what,
                          char *msg, size_t msglen)
{
	const git_error *e = git_error_last();
	const char *text = r->cb_msg[0] != '\0' ? r->cb_msg :
	                   e != NULL && e->message != NULL ? e->message : "unknown error";
	dns_err_t code;
	if (r->cb_msg[0] != '\0' || gerr == GIT_EAUTH || gerr == GIT_ECERTIFICATE)
		code = GITREPO_EAUTH;
	else if (gerr == GIT_ENONFASTFORWARD)
		code = GITREPO_EREJECTED;
	else
		code = GITREPO_EUNREACHABLE;
	gitrepo_msg(msg, msglen, "%s %s: %s", what, r->url, text);
	return code;
}

/* ---- fetch, reset, push ---- */

static bool descends(gitrepo_t *r, const git_oid *a, const git_oid *b)
{
	return git_graph_descendant_of(r->repo, a, b) == 1;
}

/* Move the local branch as far as a fast-forward allows. */
static dns_err_t sync_branch(gitrepo_t *r, gitrepo_fetch_result_t *res,
                             char *msg, size_t msglen)
{
	git_oid rem, loc;
	git_reference *ref = NULL;
	if (git_reference_name_to_id(&rem, r->repo, r->tracking_ref) != 0) {
		gitrepo_msg(msg, msglen, "branch %s not found on remote %s", r->branch, r->url);
		return DNS_ENOTFOUND;
	}
	memcpy(res->remote_head.id, rem.id, 20);
	int e = git_reference_name_to_id(&loc, r->repo, r->local_ref);
	if (e == GIT_ENOTFOUND) {
		e = git_reference_create(&ref, r->repo, r->local_ref, &rem, 0, "gitrepo: branch");
		git_oid_cpy(&loc, &rem);
		res->changed = true;
	} else if (e == 0 && !git_oid_equal(&loc, &rem)) {
		if (descends(r, &rem, &loc)) {
			e = git_reference_create_matching(&ref, r->repo, r->local_ref, &rem, 1, &loc,
			                                  "gitrepo: fast-forward");
			git_oid_cpy(&loc, &rem);
			res->changed = true;
		} else {
			res->ahead = true;
			res->diverged = !descends(r, &loc, &rem);
			/* every local commit is in the previous remote head's
			 * history: they were all on the remote once */
			git_oid prev;
			memcpy(prev.id, res->prev_remote.id, 20);
			bool known = res->had_prev_remote &&
			             (git_oid_equal(&loc, &prev) || descends(r, &prev, &loc));
			res->unpushed = !known;
		}
	}
	if (res->had_prev_remote) {
		git_oid prev;
		memcpy(prev.id, res->prev_remote.id, 20);
		res->rewritten = !git_oid_equal(&rem, &prev) && !descends(r, &rem, &prev);
	}
	git_reference_free(ref);
	if (e != 0) {
		res->changed = false;
		gitrepo_msg_git(msg, msglen, "updating the local branch");
		return gitrepo_local_err(e);
	}
	memcpy(res->head.id, loc.id, 20);
	return DNS_OK;
}

dns_err_t gitrepo_fetch(gitrepo_t *r, gitrepo_fetch_result_t *res, char *msg, size_t msglen)
{
	memset(res, 0, sizeof(*res));
	char *spec = malloc(strlen(r->local_ref) + strlen(r->tracking_ref) + 3);
	if (spec == NULL) {
		gitrepo_msg(msg, msglen, "out of memory");
		return DNS_ENOMEM;
	}
	/* The remote head as this clone knew it, before the fetch moves the
	 * tracking ref: it tells unpushed local commits from a rewritten
	 * remote (gitrepo_fetch_result_t). */
	git_oid prev;
	if (git_reference_name_to_id(&prev, r->repo, r->tracking_ref) == 0) {
		memcpy(res->prev_remote.id, prev.id, 20);
		res->had_prev_remote = true;
	}
	sprintf(spec, "+%s:%s", r->local_ref, r->tracking_ref);
	git_strarray specs = { &spec, 1 };
	git_fetch_options fo;
	git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
	gitrepo_callbacks(r, &fo.callbacks);
	fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	int e = git_remote_fetch(r->remote, &specs, &fo, "gitrepo: fetch");
	free(spec);
	if (e != 0)
		return gitrepo_net_err(r, e, "fetch from", msg, msglen);
	r->pack_count++; /* perhaps: gitrepo_maintain() counts them again */
	return sync_branch(r, res, msg, msglen);
}

dns_err_t gitrepo_reset_to_remote(gitrepo_t *r, gitrepo_oid_t *head, char *msg, size_t msglen)
{
	git_oid rem;
	git_reference *ref = NULL;
	if (git_reference_name_to_id(&rem, r->repo, r->tracking_ref) != 0) {
		gitrepo_msg(msg, msglen, "no remote head of %s known; fetch first", r->branch);
		return DNS_ENOTFOUND;
	}
	gitrepo_pending_clear(r);
	int e = git_reference_create(&ref, r->repo, r->local_ref, &rem, 1,
	                             "gitrepo: reset to the remote head");
	git_reference_free(ref);
	if (e != 0) {
		gitrepo_msg_git(msg, msglen, "resetting the branch");
		return gitrepo_local_err(e);
	}
	if (head != NULL)
		memcpy(head->id, rem.id, 20);
	return DNS_OK;
}

/* A refused ref update: a moved branch can be retried, a hook's verdict not. */
static dns_err_t rejected(gitrepo_t *r, char *msg, size_t msglen)
{
	const char *s = r->push_status;
	bool moved = strstr(s, "fast-forward") != NULL || strstr(s, "fetch first") != NULL ||
	             strstr(s, "stale") != NULL || strstr(s, "lock") != NULL ||
	             strstr(s, "failed to update ref") != NULL;
	gitrepo_msg(msg, msglen, "push to %s rejected: %s", r->url, s);
	return moved ? GITREPO_EREJECTED : GITREPO_EDECLINED;
}

/* The remote now has @loc: record it as the remote head. */
static dns_err_t record_pushed(gitrepo_t *r, const git_oid *loc, char *msg, size_t msglen)
{
	git_reference *ref = NULL;
	if (git_reference_create(&ref, r->repo, r->tracking_ref, loc, 1, "gitrepo: push") != 0) {
		gitrepo_msg_git(msg, msglen, "pushed, but recording the remote head failed");
		return DNS_EIO;
	}
	git_reference_free(ref);
	return DNS_OK;
}

dns_err_t gitrepo_push(gitrepo_t *r, char *msg, size_t msglen)
{
	git_oid loc;
	if (git_reference_name_to_id(&loc, r->repo, r->local_ref) != 0) {
		gitrepo_msg_git(msg, msglen, "no local branch to push");
		return DNS_ENOTFOUND;
	}
	dns_err_t err;
	gitrepo_break_stale_lock(r);
	if (gitrepo_push_direct(r, &loc, &err, msg, msglen)) {
		if (err != DNS_OK)
			return err;
		return record_pushed(r, &loc, msg, msglen);
	}
	char *spec = malloc(2 * strlen(r->local_ref) + 2);
	if (spec == NULL) {
		gitrepo_msg(msg, msglen, "out of memory");
		return DNS_ENOMEM;
	}
	sprintf(spec, "%s:%s", r->local_ref, r->local_ref); /* no '+': never forced */
	git_strarray specs = { &spec, 1 };
	git_push_options po;
	git_push_options_init(&po, GIT_PUSH_OPTIONS_VERSION);
	gitrepo_callbacks(r, &po.callbacks);
	int e = git_remote_push(r->remote, &specs, &po);
	free(spec);
	if (e != 0)
		return gitrepo_net_err(r, e, "push to", msg, msglen);
	if (r->push_rejected)
		return rejected(r, msg, msglen);
	gitrepo_pending_clear(r);
	return record_pushed(r, &loc, msg, msglen);
}
