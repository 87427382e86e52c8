/*
 * update_queue.h - the group commit of dns-primary-git, its sans-IO parts.
 *
 * Workers verify an UPDATE (dispatch.h), copy it into a pg_update_t and
 * push it on the queue; the single writer thread of the repository takes
 * everything queued at once (a batch), applies it, commits and pushes,
 * and only then answers each update (writeback.h).  While it works, new
 * updates queue up and form the next batch: that is what keeps the
 * throughput when every answer waits for a push.
 *
 * Here: the queue, splitting a batch by TSIG key (one commit per key, so
 * that the commit author is always the key that made the change), the
 * retry decisions after a failed push, the record changes of a
 * transaction in owned memory, applying the messages of one zone (each
 * standing alone) and the commit message.
 */
#ifndef PG_UPDATE_QUEUE_H
#define PG_UPDATE_QUEUE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/keys.h"
#include "dns/rr.h"
#include "dns/tsig.h"
#include "dns/update.h"
#include "dns/zone.h"
#include "dns/zonefile.h"

/* One verified UPDATE waiting for the writer. */
typedef struct pg_update {
	struct pg_update *next;
	uint64_t seq;                 /* arrival order (set by pg_uq_push) */
	uint8_t zone[DNS_NAME_MAX];   /* the zone of its zone section */
	dns_tsig_key_t key;           /* the key that signed it (a copy) */
	dns_tsig_req_t treq;          /* to sign the answer; treq.key == &key */
	void *reply;                  /* where the answer goes (the daemon's handle) */
	uint64_t arrived_ms;
	int rcode;                    /* the answer decided so far; -1: none yet */
	size_t len;
	uint8_t wire[];               /* the request as received */
} pg_update_t;

/* Copy a request; NULL on ENOMEM or a length of 0 or over 65535. */
pg_update_t *pg_update_new(const uint8_t *wire, size_t len, const uint8_t *zone,
                           const dns_tsig_key_t *key, const dns_tsig_req_t *treq, void *reply,
                           uint64_t now_ms);
void pg_update_free(pg_update_t *u);
/* Free a whole list. */
void pg_update_free_list(pg_update_t *list);
size_t pg_update_count(const pg_update_t *list);

/* ---- the queue (any thread pushes, one writer takes) ---- */

typedef struct pg_update_queue {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pg_update_t *head, **tail;
	size_t n, max;
	uint64_t seq;
	bool stopped;
} pg_update_queue_t;

/* @max: updates waiting at most (the queue refuses more). */
void pg_uq_init(pg_update_queue_t *q, size_t max);
/* Destroy; updates still queued are returned (to be answered by the caller). */
pg_update_t *pg_uq_destroy(pg_update_queue_t *q);
/* Queue @u (taken on success).  DNS_ELIMIT when full, DNS_EINVAL once stopped. */
dns_err_t pg_uq_push(pg_update_queue_t *q, pg_update_t *u);
/* Wait until something is queued (or stop) and take at most @max of it
 * in arrival order.  NULL once stopped and empty. */
pg_update_t *pg_uq_take(pg_update_queue_t *q, size_t max);
/* Wake the writer: pg_uq_take returns what is left, then NULL; pushes fail. */
void pg_uq_stop(pg_update_queue_t *q);

/* ---- one commit per key ---- */

/*
 * Split the list @batch by key name (case-insensitive), groups in the
 * order of their first update, arrival order kept inside each group.
 * Returns the groups (malloc'ed array of list heads; free() it) and their
 * number in *ngroups; NULL on ENOMEM (the list is then unchanged).
 */
pg_update_t **pg_batch_group_by_key(pg_update_t *batch, size_t *ngroups);

/* ---- retry decisions ---- */

typedef struct pg_push_policy {
	unsigned max_rebases;        /* rejected pushes (branch moved) tolerated */
	uint32_t max_wait_ms;        /* how long an unreachable remote is retried */
	uint32_t backoff_first_ms;   /* first delay, doubled at each retry ... */
	uint32_t backoff_max_ms;     /* ... up to this */
} pg_push_policy_t;

/* 8 rebases; 10 s of retries, 100 ms doubling to 2 s. */
extern const pg_push_policy_t pg_push_policy_default;

typedef struct pg_push_state {
	unsigned rebases;
	unsigned retries;
	uint64_t first_failure_ms;   /* 0: no network failure yet */
} pg_push_state_t;

typedef enum pg_push_next {
	PG_PUSH_DONE = 0,  /* pushed: answer */
	PG_PUSH_REBASE,    /* the branch moved: fetch, reload, re-apply, push */
	PG_PUSH_RETRY,     /* unreachable: wait *delay_ms, then try again */
	PG_PUSH_FAIL,      /* give up: SERVFAIL, reset to the remote */
} pg_push_next_t;

/*
 * What to do after a push (or the fetch of a rebase) returned @err
 * (DNS_OK or a GITREPO_E* code) at @now_ms.  Updates *st.
 */
pg_push_next_t pg_push_decide(const pg_push_policy_t *p, pg_push_state_t *st, dns_err_t err,
                              uint64_t now_ms, uint32_t *delay_ms);

/* ---- the changes of a transaction, owned ---- */

typedef struct pg_changes {
	dns_rr_t *removed, *added;
	size_t nremoved, nadded, cap_removed, cap_added;
	uint8_t **blocks;     /* owner and rdata copies */
	size_t nblocks, cap_blocks;
} pg_changes_t;

/* Collect dns_update_changes(u) into @c (zeroed first). */
dns_err_t pg_changes_collect(pg_changes_t *c, const dns_update_t *u);
void pg_changes_free(pg_changes_t *c);

/* ---- the messages of one zone, each standing alone ---- */

/* A zone as the writer holds it: served version and its file text. */
typedef struct pg_zone_in {
	const char *file;          /* the file name, for messages */
	const uint8_t *origin;
	const dns_zone_t *zone;
	const char *text;
	size_t len;
	const dns_zf_options_t *opt; /* parser options of the text ($INCLUDE);
	                              * NULL: just @origin, no $INCLUDE */
} pg_zone_in_t;

/* The new version of a zone (DNS_OK from pg_apply_zone). */
typedef struct pg_zone_out {
	dns_zone_t *zone;          /* NULL: nothing changed (then nothing below) */
	char *text;                /* the edited file (malloc) */
	size_t len;
	pg_changes_t changes;      /* for the commit message */
	uint32_t old_serial, new_serial;
} pg_zone_out_t;

void pg_zone_out_free(pg_zone_out_t *o);

/* Told about each message refused for what it would do to the zone:
 * @what says why in a few words, @error the details. */
typedef void (*pg_apply_note_fn)(void *ctx, const pg_update_t *u, const char *what,
                                 const char *error);

/*
 * Apply @list (updates of one zone and one key, arrival order) to @in:
 * each message atomically, each with its own list[i]->rcode (RFC 2136);
 * then build the new zone (the serial bumped with @date when the updates
 * left it alone) and edit the file text (dns_zoneedit_apply).
 * Each message stands alone: when the combined result fails (an invalid
 * zone, a text edit that cannot be made or verified), the messages that
 * cause it are found (a binary search over the arrival order: the first
 * message whose addition to those accepted before it fails), answered on
 * their own (REFUSED: the zone would be invalid, or the change is one the
 * file cannot say, such as deleting a record of an $INCLUDE'd file;
 * SERVFAIL: the edit failed otherwise) and told to @note, and the edit
 * runs again without them.  DNS_OK: *out holds the result of the messages answered NOERROR
 * (out->zone NULL if they changed nothing).  Another error (DNS_ENOMEM):
 * every message still NOERROR is answered SERVFAIL, *out is empty.
 */
dns_err_t pg_apply_zone(const pg_zone_in_t *in, pg_update_t **list, size_t n, uint32_t date,
                        pg_apply_note_fn note, void *ctx, pg_zone_out_t *out);

/*
 * One line for the commit message, e.g.
 *   update example.com: +TXT _acme-challenge.www, -A old, serial 2026112201→2026112202
 * "+" added, "-" removed, "~" changed (an RRset with records removed and
 * added); owners relative to @origin ("@" for the apex); the SOA is left
 * to the serial part; after @max_items items: "and N more".  Always
 * NUL-terminated; returns the length written.
 */
size_t pg_commit_line(char *out, size_t cap, const char *zone, const uint8_t *origin,
                      const pg_changes_t *c, uint32_t old_serial, uint32_t new_serial,
                      size_t max_items);

#endif
