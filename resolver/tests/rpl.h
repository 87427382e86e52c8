/*
 * rpl.h - a subset of the .rpl scenario format of Unbound's testbound and
 * CZ.NIC's Deckard, parsed for resolver-replay.  See scenarios/README.md.
 */
#ifndef RESOLVER_RPL_H
#define RESOLVER_RPL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dns/name.h"
#include "rrsets.h"

enum {
	RPL_M_OPCODE = 1, RPL_M_QTYPE = 2, RPL_M_QNAME = 4, RPL_M_SUBDOMAIN = 8,
	RPL_M_ALL = 16, RPL_M_TCP = 32, RPL_M_UDP = 64,
	RPL_M_RD = 128, RPL_M_NORD = 256,   /* the query has (lacks) the RD flag */
};

#define RPL_EDE_NONE (-1)  /* CHECK_ANSWER: no ede= given, not checked */
#define RPL_EDE_ANY (-2)   /* ede=any: some EDE must be there */

typedef struct rpl_entry {
	unsigned match;
	uint16_t flags;            /* header flag bits named in REPLY */
	bool do_bit;               /* REPLY DO (queries: ask with DO=1) */
	bool lower_question;       /* ADJUST lower_question: no 0x20 case echo */
	unsigned rcode;
	int ede;                   /* MATCH ede=N (checks only), or RPL_EDE_* */
	bool has_question;
	uint8_t qname[DNS_NAME_MAX];
	uint16_t qtype;
	res_rrlist_t sec[4];       /* 1..3: answer, authority, additional */
	bool given[4];             /* the SECTION line was present */
	unsigned line;
} rpl_entry_t;

typedef struct rpl_range {
	unsigned from, to;
	struct sockaddr_storage addr[8];
	unsigned naddr;
	rpl_entry_t *entries;
	unsigned nentries;
} rpl_range_t;

typedef enum {
	RPL_QUERY, RPL_CHECK_ANSWER, RPL_TIME_PASSES, RPL_CHECK_UPSTREAM,
	RPL_CHECK_VERIFICATIONS, RPL_CHECK_ELAPSED, RPL_QUERY_FLOOD, RPL_CHECK_WAITING,
	RPL_CHECK_RESOLVED,
} rpl_step_kind_t;

typedef struct rpl_step {
	unsigned n;
	rpl_step_kind_t kind;
	rpl_entry_t entry;         /* QUERY, CHECK_ANSWER */
	unsigned value;            /* TIME_PASSES seconds, CHECK_* max */
	unsigned line;
} rpl_step_t;

typedef struct rpl {
	char title[200];
	bool qname_min;            /* qname-minimisation (default yes) */
	unsigned max_queries, max_chain, max_ns_lookups, max_ttl, min_ttl;
	size_t cache_size;
	unsigned max_validations, max_fetches, max_client_queries;
	unsigned max_rrset_rrs, max_rrset_bytes;
	unsigned stale_s;          /* serve-expired / serve-expired-ttl */
	bool use_0x20;             /* use-caps-for-id */
	bool prefetch;             /* prefetch */
	bool no_aggressive;        /* aggressive-nsec: no */
	int64_t override_date;     /* val-override-date as UNIX seconds, or 0 */
	char anchors[8192];        /* trust-anchor: lines (zone-file text) */
	size_t anchors_len;
	char insecure[8][256];     /* domain-insecure: zones */
	unsigned ninsecure;
	char forward[8][300];      /* forward: "ZONE IP" */
	unsigned nforward;
	char hints[4096];          /* zone text of the root hints */
	size_t hints_len;
	rpl_range_t *ranges;
	unsigned nranges;
	rpl_step_t *steps;
	unsigned nsteps;
} rpl_t;

/* Parse @path; on failure print "file:line: why" to stderr and return false. */
bool rpl_load(const char *path, rpl_t *s);
void rpl_free(rpl_t *s);

#endif
