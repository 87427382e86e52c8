/*
 * follow.c - following a rewritten remote branch (see follow.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "dns/log.h"
#include "dns/serial.h"
#include "follow.h"
#include "history.h"
#include "repo_state.h"

const char *pg_follow_kind(const gitrepo_fetch_result_t *res)
{
	return res->diverged ? "divergent" : "rewind";
}

/* The SOA serial declared by file @name at @commit; false if none. */
static bool serial_at(gitrepo_t *repo, const gitrepo_oid_t *commit, const char *name,
                      const uint8_t *origin, gitrepo_oid_t *blob, uint32_t *serial)
{
	uint8_t *text = NULL;
	size_t len = 0;
	if (gitrepo_file_blob(repo, commit, name, blob, NULL, 0) != DNS_OK ||
	    gitrepo_read_blob(repo, blob, &text, &len, NULL, 0) != DNS_OK)
		return false;
	dns_err_t e = pg_serial_of_text((const char *)text, len, origin, serial);
	free(text);
	return e == DNS_OK;
}

size_t pg_follow_check_serials(gitrepo_t *repo, const gitrepo_oid_t *old,
                               const gitrepo_oid_t *neu)
{
	gitrepo_file_t *files = NULL;
	size_t n = 0, lower = 0;
	if (gitrepo_list_root(repo, neu, &files, &n, NULL, 0) != DNS_OK)
		return 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t origin[DNS_NAME_MAX];
		gitrepo_oid_t ob, nb;
		uint32_t os, ns;
		if (!pg_is_zone_file(files[i].name, origin) ||
		    !serial_at(repo, old, files[i].name, origin, &ob, &os) ||
		    gitrepo_oid_equal(&ob, &files[i].blob) ||
		    !serial_at(repo, neu, files[i].name, origin, &nb, &ns) || dns_serial_gt(ns, os))
			continue;
		char o[16], s[16], fix[GITREPO_MAX_NAME + 64];
		snprintf(o, sizeof(o), "%" PRIu32, os);
		snprintf(s, sizeof(s), "%" PRIu32, ns);
		snprintf(fix, sizeof(fix), "dns-zone bump-serial --min %" PRIu32 " %s", os + 1,
		         files[i].name);
		dns_log(DNS_LOG_WARN,
		        "serial not above the one served before: secondaries that have it keep "
		        "their version; raise the serial above it and push",
		        "zone", files[i].name, "serial", s, "previous", o, "fix", fix, NULL);
		lower++;
	}
	gitrepo_files_free(files, n);
	return lower;
}

dns_err_t pg_follow_remote(gitrepo_t *repo, const gitrepo_fetch_result_t *res, bool at_start,
                           gitrepo_oid_t *head)
{
	char old[GITREPO_OID_HEXSIZE], neu[GITREPO_OID_HEXSIZE], msg[512];
	gitrepo_oid_t left = res->head; /* @head may be &res->head */
	gitrepo_oid_fmt(&left, old);
	gitrepo_oid_fmt(&res->remote_head, neu);
	dns_err_t e = gitrepo_reset_to_remote(repo, head, msg, sizeof(msg));
	if (e != DNS_OK) {
		dns_log(DNS_LOG_ERROR, "cannot reset to the remote head", "old", old, "new", neu,
		        "error", msg, NULL);
		return e;
	}
	/* Answers to updates wait for their push, so a commit that never
	 * reached the remote was never acknowledged: dropping it loses
	 * nothing anyone was told had happened. */
	if (res->unpushed)
		dns_log(DNS_LOG_WARN,
		        at_start ? "dropped local commits that never reached the remote (never "
		                   "acknowledged); serving the remote head"
		                 : "dropped local commits that never reached the remote; following it",
		        "old", old, "new", neu, NULL);
	if (res->rewritten || !res->unpushed)
		dns_log(DNS_LOG_WARN,
		        at_start ? "remote branch rewritten while stopped; following it"
		                 : "remote branch rewritten; following it",
		        "old", old, "new", neu, "kind", pg_follow_kind(res), NULL);
	pg_follow_check_serials(repo, &left, head);
	return DNS_OK;
}
