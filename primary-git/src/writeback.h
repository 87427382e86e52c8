/*
 * writeback.h - the writer of dns-primary-git: dynamic updates become
 * git commits, pushed before anyone hears NOERROR.
 *
 * One writer thread per repository takes every queued update at once (a
 * batch) and, holding the repository lock:
 *  1. splits the batch by TSIG key (one commit per key: the author is
 *     always the key that made the change);
 *  2. per key and zone, applies the messages in arrival order to one
 *     dns_update transaction on the zone as it stands (each message
 *     atomic, with its own rcode), commits it (the serial is bumped with
 *     today's date when the updates left it alone);
 *  3. edits the zone file text with dns_zoneedit_apply (a minimal diff,
 *     verified by parsing it again).  Each message stands alone: when
 *     the result is not a valid zone, or the edit cannot be made or
 *     verified, the messages that cause it are found and answered on
 *     their own (REFUSED, SERVFAIL), and the others go through
 *     (pg_apply_zone);
 *  4. commits (author = key name, message = what changed and the serial)
 *     and pushes the branch;
 *  5. only after the push: publishes the new zones (NOTIFYs follow) and
 *     answers every update of the batch.
 * A rejected push (the branch moved) fetches, reloads the new head and
 * runs the batch again on it, prerequisites re-checked; an unreachable
 * remote is retried with backoff for a bounded time, then the batch is
 * answered SERVFAIL and the local branch reset to the remote's head, so
 * nothing is ever served that is not in the remote.
 */
#ifndef PG_WRITEBACK_H
#define PG_WRITEBACK_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gitrepo.h"
#include "repo_state.h"
#include "update_queue.h"

/* What one batch did, for metrics and logs. */
typedef struct pg_batch_stats {
	size_t updates;      /* in the batch */
	size_t accepted;     /* answered NOERROR after the push */
	size_t refused;      /* answered anything else */
	size_t commits;
	unsigned push_retries;   /* network retries */
	unsigned rebases;        /* rejected pushes */
	uint64_t push_ms;        /* time spent pushing (all attempts) */
	bool pushed;
} pg_batch_stats_t;

/* The daemon, as the writer sees it.  Callbacks marked "lock held" are
 * called with *repo_lock held. */
typedef struct pg_writer_env {
	gitrepo_t *repo;
	pthread_mutex_t *repo_lock;
	void *ctx;
	/* lock held: the state now served (its commit is the local branch head) */
	const pg_repo_state_t *(*state)(void *ctx);
	/* lock held: load and publish @head; @hints are zones already built */
	dns_err_t (*publish)(void *ctx, const gitrepo_oid_t *head, const pg_zone_hint_t *hints,
	                     size_t nhints);
	/* any: send @msg as the answer behind @reply (len 0: send nothing) */
	void (*answer)(void *ctx, void *reply, const uint8_t *msg, size_t len);
	/* may be NULL: one batch done */
	void (*batch_done)(void *ctx, const pg_batch_stats_t *st);
	pg_push_policy_t policy;
	size_t max_queue;    /* 0: 65536 updates waiting at most */
	size_t max_batch;    /* 0: 4096 updates per batch at most */
} pg_writer_env_t;

typedef struct pg_writer pg_writer_t;

/* Start the writer thread.  NULL on failure. */
pg_writer_t *pg_writer_start(const pg_writer_env_t *env);

/* Any thread: queue @u (taken on success).  DNS_ELIMIT: the queue is
 * full; DNS_EINVAL: stopping.  On error the caller still owns @u. */
dns_err_t pg_writer_submit(pg_writer_t *w, pg_update_t *u);

/* Any thread: updates waiting or in the batch being committed. */
size_t pg_writer_pending(pg_writer_t *w);

/* Finish the batch in progress, answer what is still queued SERVFAIL,
 * join the thread and free.  NULL is fine. */
void pg_writer_stop(pg_writer_t *w);

/* Run one batch on the calling thread (takes @batch), as the writer
 * thread does; for tests.  *st may be NULL. */
void pg_writer_run_batch(const pg_writer_env_t *env, pg_update_t *batch, pg_batch_stats_t *st);

#endif
