/*
 * flow_int.h - the state of the fetch flow (certify_flow.h), shared by
 * flow.c (the decisions) and flow_msg.c (messages built and read).
 */
#ifndef CERTIFY_FLOW_INT_H
#define CERTIFY_FLOW_INT_H

#include "certify_int.h"
#include "dns/certify_flow.h"
#include "dns/msg.h"

#define FLOW_BACKOFF_FIRST_MS 250
#define FLOW_BACKOFF_MAX_MS 30000
#define FLOW_STEP_TIMEOUT_MS 10000
#define FLOW_MSG_MAX 65535
/* Records of each kind kept from one answer (a 64 KiB RRset holds fewer
 * real certificates; garbage beyond this is skipped). */
#define FLOW_RECORDS_MAX 4096

typedef enum fstate {
	FS_INIT,
	FS_SOA,      /* asked the SOA: which zone */
	FS_CHECK,    /* asked the TLSA RRset */
	FS_STATUS,   /* asked the TXT RRset */
	FS_UPDATE,   /* sent an UPDATE */
	FS_WAIT,
	FS_DONE,
	FS_FAILED,
} fstate_t;

typedef struct blob {
	uint8_t *p;
	size_t n;
} blob_t;

struct dns_certify_flow {
	/* configuration */
	dns_tsig_key_t key;
	char keytext[DNS_NAME_TEXT_MAX];
	uint8_t zone[DNS_NAME_MAX];
	bool have_zone;
	char zonetext[DNS_NAME_TEXT_MAX];
	uint8_t owner[DNS_NAME_MAX];
	char host[DNS_CERTIFY_NAME_LEN];
	dns_certify_names_t *names;
	blob_t spki, csr;
	int64_t renew_before;
	X509_STORE *anchors;
	bool force;
	uint64_t deadline;
	uint32_t step_timeout;
	dns_certify_log_fn log;
	void *log_ctx;

	/* progress */
	fstate_t state;
	dns_certify_result_t result;   /* once FAILED */
	uint64_t backoff;
	bool answered;              /* the server has answered at least once */
	char last_net[128];         /* the last network failure */
	bool published;
	unsigned updates_sent, updates_ok;
	bool force_pending;         /* --force: the identical CSR was removed, add it again */

	/* the message in flight */
	uint8_t *out;
	size_t outlen;
	uint16_t qtype;
	bool signed_;
	uint8_t mac[DNS_TSIG_MAC_MAX];
	size_t maclen;

	/* what the last TLSA answer held */
	STACK_OF(X509) *certs, *cas;
	blob_t *csrs;
	size_t ncsr;
	size_t skipped;
	bool ours_present;          /* our CSR, byte for byte */

	/* --force: digests of the certificates present at the start */
	uint8_t (*old)[32];
	size_t nold;
	bool checked_once;

	/* solver status */
	dns_certify_status_t status;
	char status_text[DNS_CERTIFY_STATUS_MAX + 1];
	char stale_text[DNS_CERTIFY_STATUS_MAX + 1];   /* before our update */
	bool have_status;

	dns_certify_verdict_t verdict;
	char why[256];
	STACK_OF(X509) *chain;
	char message[4096];
};

/* flow_msg.c */
void flow_logf(dns_certify_flow_t *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
dns_err_t flow_build_query(dns_certify_flow_t *f, uint16_t qtype, bool sign, uint64_t now_ms);
dns_err_t flow_build_update(dns_certify_flow_t *f, bool add_ours, bool delete_ours,
                            uint64_t now_ms);

typedef enum ans {
	ANS_OK,       /* parsed, ours, signed as needed; see rcode */
	ANS_BAD,      /* malformed or not an answer to our message: like no answer */
	ANS_TSIG,     /* a TSIG failure: f->message says which */
} ans_t;
ans_t flow_read_answer(dns_certify_flow_t *f, dns_msg_t *m, const uint8_t *msg, size_t len,
                       uint64_t now_ms, unsigned *rcode);
void flow_collect_tlsa(dns_certify_flow_t *f, const dns_msg_t *m);
void flow_collect_status(dns_certify_flow_t *f, const dns_msg_t *m);
bool flow_zone_from_soa(dns_certify_flow_t *f, const dns_msg_t *m);
void flow_clear_records(dns_certify_flow_t *f);
const char *flow_rcode_text(unsigned rcode);

#endif
