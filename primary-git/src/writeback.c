/*
 * writeback.c - the group-commit writer (see writeback.h).
 */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dispatch.h"
#include "dns/msg.h"
#include "dns/name.h"
#include "dns/serial.h"
#include "dns/zoneedit.h"
#include "dns/log.h"
#include "writeback.h"

#define MSG_LINE_ITEMS 6      /* changes named per zone in a commit message */
#define MSG_MAX 4096

/* A pack maintenance running beside the writer: its merge is prepared on
 * a thread of its own, without repo_lock; the writer commits it. */
typedef struct maint {
	gitrepo_maint_t *job;   /* NULL: none running */
	pthread_t thread;
	atomic_bool done;       /* the thread has finished prepare */
	dns_err_t err;          /* of prepare (read once done) */
	char msg[512];
} maint_t;

struct pg_writer {
	pg_writer_env_t env;
	pg_update_queue_t q;
	pthread_t thread;
	maint_t maint;
	_Atomic size_t in_batch;    /* updates taken and not answered yet */
};

/* One zone file as the batch leaves it. */
typedef struct work {
	const char *file;           /* the state's entry name */
	char name[DNS_NAME_TEXT_MAX];
	const uint8_t *origin;
	dns_zone_t *zone;           /* current version (a reference) */
	char *text;                 /* current file text (malloc) */
	size_t len;
	bool changed;               /* differs from the served version */
	gitrepo_oid_t blob;         /* after the commit */
} work_t;

typedef struct round {
	const pg_writer_env_t *env;
	work_t *w;
	size_t nw, capw;
	gitrepo_oid_t head;
	size_t commits;
	uint32_t date;
} round_t;

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void sleep_ms(uint32_t ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static void round_free(round_t *r)
{
	for (size_t i = 0; i < r->nw; i++) {
		dns_zone_unref(r->w[i].zone);
		free(r->w[i].text);
	}
	free(r->w);
	memset(r, 0, sizeof(*r));
}

/* The working copy of zone @origin, set up from the served state on first
 * use.  NULL with *rcode set when the zone cannot be updated now. */
static work_t *work_of(round_t *r, const uint8_t *origin, int *rcode)
{
	for (size_t i = 0; i < r->nw; i++)
		if (dns_name_equal(r->w[i].origin, origin))
			return &r->w[i];
	const pg_zone_ent_t *z = pg_repo_state_find(r->env->state(r->env->ctx), origin);
	if (!z || !z->zone) {
		*rcode = DNS_RCODE_NOTAUTH;
		return NULL;
	}
	if (z->failed) {
		/* the file in git does not load: editing it would commit garbage */
		dns_log(DNS_LOG_ERROR, "update refused: the zone file in the repository does not load",
		       "zone", z->name, NULL);
		*rcode = DNS_RCODE_SERVFAIL;
		return NULL;
	}
	if (r->nw == r->capw) {
		size_t cap = r->capw ? 2 * r->capw : 4;
		work_t *nw = realloc(r->w, cap * sizeof(*nw));
		if (!nw) {
			*rcode = DNS_RCODE_SERVFAIL;
			return NULL;
		}
		r->w = nw;
		r->capw = cap;
	}
	work_t *w = &r->w[r->nw];
	memset(w, 0, sizeof(*w));
	uint8_t *text = NULL;
	char msg[512];
	if (gitrepo_read_blob(r->env->repo, &z->blob, &text, &w->len, msg, sizeof(msg)) != DNS_OK) {
		dns_log(DNS_LOG_ERROR, "update: cannot read the zone file", "zone", z->name, "error", msg,
		       NULL);
		*rcode = DNS_RCODE_SERVFAIL;
		return NULL;
	}
	w->text = (char *)text;
	w->file = z->file;
	snprintf(w->name, sizeof(w->name), "%s", z->name);
	w->origin = z->origin;
	w->zone = dns_zone_ref(z->zone);
	r->nw++;
	return w;
}

static void set_rcodes(pg_update_t **list, size_t n, int from, int to)
{
	for (size_t i = 0; i < n; i++)
		if (list[i]->rcode == from || from < 0)
			list[i]->rcode = to;
}

/* Append one commit-message line for @w's change to @msg. */
static void describe(char *msg, size_t cap, const work_t *w, const pg_changes_t *c, uint32_t old,
                     uint32_t neu)
{
	size_t len = strlen(msg);
	if (len && len + 1 < cap)
		msg[len++] = '\n';
	pg_commit_line(msg + len, cap - len, w->name, w->origin, c, old, neu, MSG_LINE_ITEMS);
}

/* A message refused for what it would do to the zone (pg_apply_zone). */
static void note_refused(void *ctx, const pg_update_t *u, const char *what, const char *error)
{
	const work_t *w = ctx;
	char seq[24], head[128];
	snprintf(seq, sizeof(seq), "%" PRIu64, u->seq);
	snprintf(head, sizeof(head), "update %s: %s", u->rcode == DNS_RCODE_REFUSED ? "refused"
	                                                                          : "failed", what);
	/* a key holder could send many: limited per (message, zone) */
	dns_log_limited(DNS_LOG_WARN, 1, head, "zone", w->name, "update", seq, "error", error, NULL);
}

/*
 * One zone, one key: apply, build, edit the text, each message standing
 * alone (pg_apply_zone).  On success @w holds the new version and a line
 * is added to @msg; otherwise @w is unchanged and the updates have their
 * (error) rcodes.
 */
static void update_zone(round_t *r, work_t *w, pg_update_t **list, size_t n, char *msg,
                        size_t msgcap)
{
	/* $INCLUDE as the primary loads it: from the commit the text is of
	 * (the writer holds repo_lock; its commits change zone files only) */
	dns_zf_options_t opt = { .origin = w->origin };
	pg_incl_t incl;
	pg_incl_init(&incl, r->env->repo, &r->head);
	pg_incl_options(&incl, &opt);
	pg_zone_in_t in = { w->file, w->origin, w->zone, w->text, w->len, &opt };
	pg_zone_out_t out;
	dns_err_t e = pg_apply_zone(&in, list, n, r->date, note_refused, w, &out);
	pg_incl_free(&incl);
	if (e != DNS_OK) {
		dns_log(DNS_LOG_ERROR, "update failed", "zone", w->name, "error", dns_strerror(e),
		        NULL);
		return;
	}
	if (!out.zone)
		return;
	describe(msg, msgcap, w, &out.changes, out.old_serial, out.new_serial);
	dns_zone_unref(w->zone);
	w->zone = out.zone;
	free(w->text);
	w->text = out.text;
	w->len = out.len;
	w->changed = true;
	out.zone = NULL;
	out.text = NULL;
	pg_zone_out_free(&out);
}

/* Author name and email: the key name without its final dot. */
static void key_text(const uint8_t *name, char *out, size_t cap)
{
	dns_name_to_text(name, out, cap);
	size_t n = strlen(out);
	if (n > 1 && out[n - 1] == '.')
		out[n - 1] = '\0';
}

/* One key's updates: per zone, apply and edit; then one commit. */
static dns_err_t run_group(round_t *r, pg_update_t *group)
{
	size_t n = pg_update_count(group);
	pg_update_t **all = malloc(n * sizeof(*all)), **zl = malloc(n * sizeof(*zl));
	bool *done = calloc(n, sizeof(*done));
	size_t *edited = calloc(n, sizeof(*edited));
	char *msg = calloc(1, MSG_MAX);
	size_t nedited = 0;
	dns_err_t e = DNS_OK;
	if (!all || !zl || !done || !edited || !msg) {
		e = DNS_ENOMEM;
		goto out;
	}
	size_t k = 0;
	for (pg_update_t *u = group; u; u = u->next)
		all[k++] = u;
	for (size_t i = 0; i < n; i++) {
		if (done[i])
			continue;
		size_t nz = 0;
		for (size_t j = i; j < n; j++)
			if (!done[j] && dns_name_equal(all[j]->zone, all[i]->zone)) {
				zl[nz++] = all[j];
				done[j] = true;
			}
		int rc = DNS_RCODE_SERVFAIL;
		work_t *w = work_of(r, all[i]->zone, &rc);
		if (!w) {
			set_rcodes(zl, nz, -1, rc);
			continue;
		}
		bool before = w->changed;
		dns_zone_t *z0 = w->zone;
		update_zone(r, w, zl, nz, msg, MSG_MAX);
		if (w->zone != z0 || (w->changed && !before))
			edited[nedited++] = (size_t)(w - r->w);
	}
	if (nedited == 0)
		goto out;
	gitrepo_change_t *ch = calloc(nedited, sizeof(*ch));
	if (!ch) {
		e = DNS_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < nedited; i++) {
		work_t *w = &r->w[edited[i]];
		ch[i].name = w->file;
		ch[i].data = (const uint8_t *)w->text;
		ch[i].len = w->len;
	}
	char author[DNS_NAME_TEXT_MAX], gerr[512];
	key_text(group->key.name, author, sizeof(author));
	size_t ml = strlen(msg);
	snprintf(msg + ml, MSG_MAX - ml, "\n\n%zu update%s signed by %s\n", n, n == 1 ? "" : "s",
	         author);
	gitrepo_oid_t commit;
	e = gitrepo_commit(r->env->repo, &r->head, ch, nedited, author, author, msg, &commit, gerr,
	                   sizeof(gerr));
	free(ch);
	if (e != DNS_OK) {
		dns_log(DNS_LOG_ERROR, "update: commit failed", "error", gerr, NULL);
		goto out;
	}
	r->head = commit;
	r->commits++;
out:
	free(all);
	free(zl);
	free(done);
	free(edited);
	free(msg);
	return e;
}

/* Every updated zone with its new blob, for publishing without a re-parse. */
static pg_zone_hint_t *hints_of(round_t *r, size_t *n)
{
	pg_zone_hint_t *h = calloc(r->nw ? r->nw : 1, sizeof(*h));
	*n = 0;
	for (size_t i = 0; h && i < r->nw; i++) {
		work_t *w = &r->w[i];
		if (!w->changed || gitrepo_file_blob(r->env->repo, &r->head, w->file, &w->blob, NULL,
		                                     0) != DNS_OK)
			continue;
		h[*n].file = w->file;
		h[*n].blob = w->blob;
		h[*n].zone = w->zone;
		(*n)++;
	}
	return h;
}

static void answer_all(const pg_writer_env_t *env, pg_update_t *batch, pg_batch_stats_t *st)
{
	uint8_t *buf = malloc(65535);
	uint64_t now = (uint64_t)time(NULL);
	for (pg_update_t *u = batch; u; u = u->next) {
		int rc = u->rcode < 0 ? DNS_RCODE_SERVFAIL : u->rcode;
		size_t len = 0;
		if (buf)
			pg_update_reply(u->wire, u->len, &u->treq, (unsigned)rc, now, buf, 65535, &len);
		env->answer(env->ctx, u->reply, buf, len);
		u->reply = NULL;
		if (rc == DNS_RCODE_NOERROR)
			st->accepted++;
		else
			st->refused++;
	}
	free(buf);
}

/* Fetch after a rejected push and serve the remote's head (a reload). */
static dns_err_t rebase(const pg_writer_env_t *env, pg_push_state_t *ps, pg_batch_stats_t *st)
{
	char msg[512];
	for (;;) {
		gitrepo_fetch_result_t res;
		memset(&res, 0, sizeof(res));
		dns_err_t e = gitrepo_fetch(env->repo, &res, msg, sizeof(msg));
		if (e == DNS_OK || e == GITREPO_EREJECTED) {
			gitrepo_oid_t head;
			e = gitrepo_reset_to_remote(env->repo, &head, msg, sizeof(msg));
			if (e == DNS_OK)
				e = env->publish(env->ctx, &head, NULL, 0);
			return e;
		}
		uint32_t delay;
		if (pg_push_decide(&env->policy, ps, e, mono_ms(), &delay) != PG_PUSH_RETRY) {
			dns_log(DNS_LOG_ERROR, "update: fetch failed", "error", msg, NULL);
			return e;
		}
		st->push_retries++;
		sleep_ms(delay);
	}
}

/* Give up: nothing of the batch is served; the branch is the remote's. */
static void abandon(const pg_writer_env_t *env, pg_update_t **groups, size_t ngroups)
{
	char msg[512];
	gitrepo_oid_t head;
	for (size_t g = 0; g < ngroups; g++)
		for (pg_update_t *u = groups[g]; u; u = u->next)
			u->rcode = DNS_RCODE_SERVFAIL;
	if (gitrepo_reset_to_remote(env->repo, &head, msg, sizeof(msg)) != DNS_OK) {
		dns_log(DNS_LOG_ERROR, "update: cannot reset to the remote", "error", msg, NULL);
		return;
	}
	const pg_repo_state_t *s = env->state(env->ctx);
	if (!s || !gitrepo_oid_equal(&s->commit, &head))
		env->publish(env->ctx, &head, NULL, 0);
}

/* Push until done; PG_PUSH_DONE, PG_PUSH_REBASE or PG_PUSH_FAIL. */
static pg_push_next_t push(const pg_writer_env_t *env, pg_push_state_t *ps, pg_batch_stats_t *st)
{
	char msg[512];
	for (;;) {
		uint64_t t0 = mono_ms();
		dns_err_t e = gitrepo_push(env->repo, msg, sizeof(msg));
		st->push_ms += mono_ms() - t0;
		uint32_t delay;
		pg_push_next_t next = pg_push_decide(&env->policy, ps, e, mono_ms(), &delay);
		if (next != PG_PUSH_RETRY) {
			if (next == PG_PUSH_FAIL)
				dns_log(DNS_LOG_ERROR, "update: push failed, giving up", "error", msg, NULL);
			else if (next == PG_PUSH_REBASE)
				dns_log(DNS_LOG_INFO, "update: the branch moved, re-applying", NULL);
			return next;
		}
		dns_log(DNS_LOG_WARN, "update: push failed, retrying", "error", msg, NULL);
		st->push_retries++;
		sleep_ms(delay);
	}
}

static void process(const pg_writer_env_t *env, pg_update_t *batch, pg_batch_stats_t *st)
{
	size_t ngroups = 0;
	pg_update_t **groups = pg_batch_group_by_key(batch, &ngroups);
	if (!groups) {
		for (pg_update_t *u = batch; u; u = u->next)
			u->rcode = DNS_RCODE_SERVFAIL;
		answer_all(env, batch, st);
		pg_update_free_list(batch);
		return;
	}
	pg_push_state_t ps;
	memset(&ps, 0, sizeof(ps));
	pthread_mutex_lock(env->repo_lock);
	for (;;) {
		round_t r;
		memset(&r, 0, sizeof(r));
		r.env = env;
		r.date = dns_serial_date_of((int64_t)time(NULL));
		const pg_repo_state_t *s = env->state(env->ctx);
		dns_err_t e = s ? DNS_OK : DNS_EINVAL;
		if (s)
			r.head = s->commit;
		for (size_t g = 0; g < ngroups && e == DNS_OK; g++)
			e = run_group(&r, groups[g]);
		pg_push_next_t next = PG_PUSH_FAIL;
		if (e == DNS_OK && r.commits == 0) {
			next = PG_PUSH_DONE; /* nothing changed: answer at once */
		} else if (e == DNS_OK) {
			next = push(env, &ps, st);
			if (next == PG_PUSH_DONE) {
				size_t nh = 0;
				pg_zone_hint_t *h = hints_of(&r, &nh);
				env->publish(env->ctx, &r.head, h, nh);
				free(h);
				st->pushed = true;
				st->commits += r.commits;
			}
		}
		round_free(&r);
		if (next == PG_PUSH_REBASE) {
			st->rebases++;
			if (rebase(env, &ps, st) == DNS_OK)
				continue;
			next = PG_PUSH_FAIL;
		}
		if (next == PG_PUSH_FAIL)
			abandon(env, groups, ngroups);
		break;
	}
	pthread_mutex_unlock(env->repo_lock);
	for (size_t g = 0; g < ngroups; g++) {
		answer_all(env, groups[g], st);
		pg_update_free_list(groups[g]);
	}
	free(groups);
}

static void *maint_main(void *arg)
{
	maint_t *m = arg;
	m->err = gitrepo_maint_prepare(m->job, m->msg, sizeof(m->msg));
	atomic_store(&m->done, true);
	return NULL;
}

/* Finish the running maintenance once its merge is written (or, with
 * @wait, after waiting for it): remove the merged packs, briefly, under
 * repo_lock. */
static void maint_finish(const pg_writer_env_t *env, maint_t *m, bool wait)
{
	if (m->job == NULL || (!wait && !atomic_load(&m->done)))
		return;
	pthread_join(m->thread, NULL);
	dns_err_t err = m->err;
	if (err == DNS_OK) {
		pthread_mutex_lock(env->repo_lock);
		err = gitrepo_maint_commit(env->repo, m->job, NULL, m->msg, sizeof(m->msg));
		pthread_mutex_unlock(env->repo_lock);
	}
	if (err != DNS_OK)
		dns_log(DNS_LOG_WARN, "pack maintenance failed", "error", m->msg, NULL);
	gitrepo_maint_free(m->job);
	m->job = NULL;
}

/* Merge the commits' small packs once there are many, in the background:
 * the merge takes a while, and the next batch must not wait for it.  While
 * updates wait, only past a higher bound (the merge competes for the CPU). */
static void maintain(const pg_writer_env_t *env, maint_t *m, bool busy)
{
	maint_finish(env, m, false);
	if (m->job != NULL)
		return; /* one at a time */
	m->msg[0] = '\0';
	pthread_mutex_lock(env->repo_lock);
	dns_err_t err = DNS_OK;
	if (gitrepo_maint_due(env->repo, busy))
		err = gitrepo_maint_begin(env->repo, false, &m->job, m->msg, sizeof(m->msg));
	pthread_mutex_unlock(env->repo_lock);
	if (err != DNS_OK) {
		dns_log(DNS_LOG_WARN, "pack maintenance failed", "error", m->msg, NULL);
		return;
	}
	if (m->job == NULL)
		return;
	atomic_store(&m->done, false);
	if (pthread_create(&m->thread, NULL, maint_main, m) != 0) {
		dns_log(DNS_LOG_WARN, "pack maintenance failed", "error", "no thread", NULL);
		gitrepo_maint_free(m->job);
		m->job = NULL;
	}
}

void pg_writer_run_batch(const pg_writer_env_t *env, pg_update_t *batch, pg_batch_stats_t *st)
{
	pg_batch_stats_t local;
	if (!st)
		st = &local;
	memset(st, 0, sizeof(*st));
	st->updates = pg_update_count(batch);
	if (!batch)
		return;
	uint64_t t0 = mono_ms();
	process(env, batch, st);
	char n[24], acc[24], ms[24], pms[24];
	snprintf(n, sizeof(n), "%zu", st->updates);
	snprintf(acc, sizeof(acc), "%zu", st->accepted);
	snprintf(ms, sizeof(ms), "%" PRIu64, mono_ms() - t0);
	snprintf(pms, sizeof(pms), "%" PRIu64, st->push_ms);
	dns_log(DNS_LOG_DEBUG, "update batch", "updates", n, "accepted", acc, "ms", ms, "push_ms", pms,
	       NULL);
	if (env->batch_done)
		env->batch_done(env->ctx, st);
}

static void *writer_main(void *arg)
{
	pg_writer_t *w = arg;
	for (;;) {
		pg_update_t *batch = pg_uq_take(&w->q, w->env.max_batch);
		if (!batch) {
			maint_finish(&w->env, &w->maint, true);
			return NULL;
		}
		pthread_mutex_lock(&w->q.lock);
		bool stopped = w->q.stopped;
		pthread_mutex_unlock(&w->q.lock);
		if (stopped) {
			/* shutting down: answer, do not start a commit */
			pg_batch_stats_t st;
			memset(&st, 0, sizeof(st));
			for (pg_update_t *u = batch; u; u = u->next)
				u->rcode = DNS_RCODE_SERVFAIL;
			answer_all(&w->env, batch, &st);
			pg_update_free_list(batch);
			continue;
		}
		size_t n = 0;
		for (pg_update_t *u = batch; u; u = u->next)
			n++;
		atomic_store(&w->in_batch, n);
		pg_writer_run_batch(&w->env, batch, NULL);
		atomic_store(&w->in_batch, 0);
		pthread_mutex_lock(&w->q.lock);
		bool busy = w->q.head != NULL;
		pthread_mutex_unlock(&w->q.lock);
		maintain(&w->env, &w->maint, busy);
	}
}

pg_writer_t *pg_writer_start(const pg_writer_env_t *env)
{
	pg_writer_t *w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->env = *env;
	if (!w->env.max_queue)
		w->env.max_queue = 65536;
	if (!w->env.max_batch)
		w->env.max_batch = 4096;
	pg_uq_init(&w->q, w->env.max_queue);
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
		pg_uq_destroy(&w->q);
		free(w);
		return NULL;
	}
	return w;
}

dns_err_t pg_writer_submit(pg_writer_t *w, pg_update_t *u)
{
	return pg_uq_push(&w->q, u);
}

size_t pg_writer_pending(pg_writer_t *w)
{
	if (!w)
		return 0;
	pthread_mutex_lock(&w->q.lock);
	size_t n = w->q.n;
	pthread_mutex_unlock(&w->q.lock);
	return n + atomic_load(&w->in_batch);
}

void pg_writer_stop(pg_writer_t *w)
{
	if (!w)
		return;
	pg_uq_stop(&w->q);
	pthread_join(w->thread, NULL);
	pg_update_free_list(pg_uq_destroy(&w->q));
	free(w);
}
