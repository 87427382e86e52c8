/*
 * engine_int.h - the engine's private structures, shared by engine.c
 * (tables, queues, clients, the cache walk), iter.c (choosing servers and
 * sending) and response.c (what a reply means).
 */
#ifndef RESOLVER_ENGINE_INT_H
#define RESOLVER_ENGINE_INT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "dns/dnssec.h"
#include "dns/msg.h"
#include "dns/name.h"
#include "resolver/cache.h"
#include "resolver/engine.h"
#include "resolver/infra.h"
#include "result.h"

#define MAX_TRIED 24        /* server addresses remembered per zone cut */
#define MAX_NS_NAMES 24     /* NS names looked at per delegation */
#define MAX_MIN_STEPS 10    /* RFC 9156 MAX_MINIMISE_COUNT */
#define MAX_MSG_RRS 1000    /* records accepted in one upstream reply */

typedef struct fetch fetch_t;

/* The work budget of one client query, shared by its sub-fetches. */
typedef struct budget {
	unsigned refs;
	unsigned queries;   /* outgoing queries made */
	dns_dnssec_budget_t sig;  /* signature verifications left (KeyTrap) */
	unsigned hashes;    /* NSEC3 hash computations left (CVE-2023-50868) */
	unsigned sig_max;   /* the verifications it started with */
	uint64_t *spent;    /* where the verifications used are added up (stats) */
} budget_t;

/* Internal fetch flags (beside RES_Q_CD): a validator's DS/DNSKEY fetch
 * takes from the cache only signed data or a negative entry with its
 * NSEC/NSEC3 proof (iter.c), and asks the network otherwise. */
#define RES_Q_VAL 0x100
/* A prefetch: the question itself is asked upstream even though it is cached. */
#define RES_Q_PREFETCH 0x200

/* Someone waiting for a fetch: a client or a parent fetch. */
typedef struct waiter {
	struct waiter *next;
	res_client_t *client;
	fetch_t *parent;
} waiter_t;

/* An IPv4 or IPv6 server address in the room it needs (a fetch keeps
 * MAX_TRIED of them: sockaddr_storage would be most of a fetch's size). */
typedef union res_sa {
	struct sockaddr sa;
	struct sockaddr_in v4;
	struct sockaddr_in6 v6;
} res_sa_t;

typedef struct tried {
	res_sa_t addr;
	uint8_t tries;      /* queries sent at this step */
	bool dead;          /* lame/refused/unreachable: don't retry at this cut */
} tried_t;

/* The query on the wire for a fetch (at most one at a time). */
typedef struct tx {
	uint32_t id;
	bool active;
	bool tcp;
	bool edns;
	bool minimised;     /* qname is a minimised ancestor of sname */
	uint16_t qid;
	uint16_t qtype;
	uint8_t qname[DNS_NAME_MAX];
	bool mixed;         /* 0x20: the reply must echo qcase exactly */
	uint8_t qcase[DNS_NAME_MAX];  /* the query name as sent (0x20 case) */
	struct sockaddr_storage addr;
	socklen_t addrlen;
	uint64_t sent, deadline;
	struct fetch *hnext; /* id hash chain */
} tx_t;

struct fetch {
	fetch_t *hnext;               /* in-flight table (merging) */
	fetch_t *prev, *next;         /* all fetches */
	fetch_t *rnext;               /* ready queue */
	bool queued, done;
	uint32_t hash;
	uint8_t qname[DNS_NAME_MAX];  /* the question (lower-cased) */
	uint16_t qtype;
	unsigned flags;
	uint8_t sname[DNS_NAME_MAX];  /* current target after CNAME/DNAME */
	unsigned chain;               /* links followed */
	unsigned referrals;
	res_result_t res;
	budget_t *budget;
	fetch_t *creator;             /* the fetch this one works for, or NULL */
	fetch_t *kids;                /* fetches whose creator this one is */
	fetch_t *kid_next, *kid_prev; /* siblings in the creator's kids list */
	unsigned depth;
	waiter_t *waiters;
	fetch_t *sub;                 /* the fetch this one waits for */
	uint64_t deadline;
	size_t tpos;                  /* place in the timer heap + 1 (0: not in it) */
	bool primed;                  /* tried priming (or is the priming fetch) */
	/* the current zone cut */
	bool have_cut;
	unsigned forward;             /* the cut is a --forward zone: its index + 1 (forward.c) */
	uint8_t zone[DNS_NAME_MAX];
	bool minimise;
	unsigned qmin_labels;         /* labels of the next minimised name */
	unsigned qmin_steps;
	tried_t tried[MAX_TRIED];
	unsigned ntried;
	uint32_t ns_looked_up[MAX_NS_NAMES];  /* name hashes of NS names resolved */
	unsigned nlooked_up;
	const char *bad_text;         /* why a server's reply was refused (bad_ede), or NULL */
	int bad_ede;
	tx_t tx;
	/* validation (validate.c) */
	bool validating, val_done;
	uint8_t val_state;            /* VAL_SECURE, VAL_INSECURE, VAL_BOGUS */
	int val_ede;
	const char *val_text;
	size_t val_pos;               /* answer-section bytes validated so far */
	unsigned val_steps;
	bool have_subres;             /* subres holds the last validator sub-fetch's result */
	res_result_t subres;
	uint8_t want[DNS_NAME_MAX];   /* what that sub-fetch asked */
	uint16_t want_type;
};

enum { VAL_SECURE = 0, VAL_INSECURE = 1, VAL_BOGUS = 2 };

#define SRC_BUCKETS 65536  /* per-client counts of waiting queries, by address hash */

struct res_client {
	res_client_t *next;
	void *user;
	bool waiting;                 /* counted in nclients (and src_count) */
	bool has_src;
	uint16_t src;                 /* its bucket in src_count */
	res_result_t res;
};

#define TX_BUCKETS 1024
#define FETCH_BUCKETS 4096

struct res_engine {
	res_config_t cfg;
	res_cache_t *cache;
	res_cache_t *hints;           /* root NS and addresses, never expire */
	res_infra_t *infra;
	fetch_t *fetch_tab[FETCH_BUCKETS];
	fetch_t *tx_tab[TX_BUCKETS];
	fetch_t *all;
	fetch_t **timers;             /* min-heap by next timer (timers.c) */
	size_t ntimers, timers_cap;
	size_t nfetches;
	size_t nclients;              /* client queries waiting for an answer */
	uint16_t *src_count;          /* SRC_BUCKETS: waiting queries per client bucket */
	fetch_t *ready_head, *ready_tail;
	res_client_t *done_head, *done_tail;
	res_send_t *sends;            /* queue of queries to hand out */
	size_t nsends, sends_cap, sends_pos;
	uint32_t next_tx;
	res_stats_t st;
	uint32_t hit_ttl, hit_orig;   /* TTL left and stored of eng_cache_chain's last positive hit */
	struct res_keys *keys;        /* validated zone keys and zone states (keys.c) */
	struct res_anchors *anchors;  /* trust anchors and negative trust anchors */
	struct res_aggr *aggr;        /* validated NSEC/NSEC3 for RFC 8198 (aggr.c) */
	struct res_fwd *fwd;          /* --forward zones and their servers (forward.c) */
	unsigned nfwd;
};

/* The deepest --forward zone at or above @name: its index + 1, or 0. */
unsigned eng_forward_find(const res_engine_t *e, const uint8_t *name);
/* Its zone name and server addresses (*n of them). */
const uint8_t *eng_forward_zone(const res_engine_t *e, unsigned fw);
const struct sockaddr_storage *eng_forward_addr(const res_engine_t *e, unsigned fw, unsigned i,
                                                socklen_t *len);

/* timers.c: call eng_timer_set whenever a fetch's deadline or query changes */
bool eng_timer_set(res_engine_t *e, fetch_t *f);
void eng_timer_del(res_engine_t *e, fetch_t *f);
fetch_t *eng_timer_due(const res_engine_t *e, uint64_t now);

/* engine.c */
void eng_ready(res_engine_t *e, fetch_t *f);
void eng_finish(res_engine_t *e, fetch_t *f, uint64_t now);
void eng_fail(res_engine_t *e, fetch_t *f, uint64_t now, int ede, const char *text);
fetch_t *eng_subfetch(res_engine_t *e, fetch_t *parent, uint64_t now, const uint8_t *name,
                      uint16_t type);
fetch_t *eng_subfetch_flags(res_engine_t *e, fetch_t *parent, uint64_t now, const uint8_t *name,
                            uint16_t type, unsigned flags);
void eng_tx_link(res_engine_t *e, fetch_t *f);
void eng_tx_unlink(res_engine_t *e, fetch_t *f);
dns_err_t eng_queue_send(res_engine_t *e, const res_send_t *s);

/* Walk the cache from f->sname: 1 answered (result complete), 0 miss
 * (f->sname may have moved along a cached CNAME/DNAME), -1 error/limit. */
int eng_cache_chain(res_engine_t *e, uint64_t now, uint8_t *sname, uint16_t qtype,
                    unsigned *chain, unsigned max_chain, res_rank_t min_rank, res_result_t *res);
/* The lowest rank a fetch with @flags may answer from: validated data
 * (RES_RANK_INSECURE) when validation is on and CD is not set. */
res_rank_t eng_min_rank(const res_engine_t *e, unsigned flags);

/* iter.c */
void iter_step(res_engine_t *e, fetch_t *f, uint64_t now);
void iter_new_cut(fetch_t *f, const uint8_t *zone);
void iter_retry(res_engine_t *e, fetch_t *f, uint64_t now, bool tcp, bool edns);
void iter_server_failed(res_engine_t *e, fetch_t *f, bool dead);
bool iter_send(res_engine_t *e, fetch_t *f, uint64_t now, const struct sockaddr_storage *ss,
               socklen_t len, bool tcp, bool edns);

/* validate.c: true when @f's result must be validated before it is given out. */
bool val_needed(const res_engine_t *e, const fetch_t *f);
void val_step(res_engine_t *e, fetch_t *f, uint64_t now);
bool val_enabled(const res_engine_t *e);

/* response.c */
void resp_process(res_engine_t *e, fetch_t *f, uint64_t now, const uint8_t *msg, size_t len);

#endif
