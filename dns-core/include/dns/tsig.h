/*
 * tsig.h - transaction signatures (RFC 8945), sans-IO.
 *
 * Time is always a parameter (seconds since the epoch, 48 bits used).
 * MACs are HMACs computed by OpenSSL (EVP_MAC), fed message bytes in
 * place: nothing is copied to compute a digest.
 *
 * Server side, one request:
 *
 *     dns_tsig_req_t req;
 *     uint16_t terr;
 *     err = dns_tsig_verify_request(&msg, keys, now, &req, &terr);
 *       DNS_ENOTFOUND  no TSIG: an unsigned request
 *       DNS_EMALFORMED answer FORMERR, unsigned
 *       DNS_ETSIG      answer rcode NOTAUTH and sign it with
 *                      dns_tsig_sign_response (req.error = terr selects the
 *                      RFC 8945 §5.3.2 error form)
 *       DNS_OK         req.key signed it; check its authority (authority.h),
 *                      answer, and sign with dns_tsig_sign_response or, for
 *                      AXFR/IXFR streams, a signer dns_tsig_stream_t.
 *
 * Client side: dns_tsig_sign() a request (keep its MAC), then check the
 * answer with dns_tsig_verify_response(), or the messages of a transfer
 * with a verifier dns_tsig_stream_t.
 *
 * The TSIG rcode (dns_rcode: BADSIG 16, BADKEY 17, BADTIME 18,
 * BADTRUNC 22) is always an out parameter; functions return dns_err_t.
 */
#ifndef DNS_TSIG_H
#define DNS_TSIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/error.h"
#include "dns/keys.h"
#include "dns/msg.h"
#include "dns/name.h"

/* Fudge we sign with (RFC 8945 §10 recommends 300 s). */
#define DNS_TSIG_FUDGE 300
/* Unsigned messages allowed between two signed ones (RFC 8945 §5.3.1). */
#define DNS_TSIG_MAX_UNSIGNED 99
/* Shortest truncated MAC our policy accepts (RFC 8945 §5.2.4): the
 * larger of this and half the hash length, at most the full length. */
#define DNS_TSIG_MIN_MAC_POLICY 16

/*
 * Bytes a TSIG RR signed with @key may need (BADTIME error form
 * included): reserve this much when building a message to be signed.
 */
size_t dns_tsig_space(const dns_tsig_key_t *key);

/*
 * Sign a request: append a TSIG RR to the message of *len bytes in @msg
 * (capacity @cap) and increment ARCOUNT.  Time signed @now, fudge
 * DNS_TSIG_FUDGE, original ID = the message ID, error 0, no other data.
 * The MAC is copied to @mac (DNS_TSIG_MAC_MAX bytes, may be NULL) and its
 * length to *mac_len, for verifying the answer.
 * Errors: DNS_ESPACE (message unchanged), DNS_EMALFORMED (shorter than a
 * header), DNS_ELIMIT (ARCOUNT full), DNS_EINVAL (bad key).
 */
dns_err_t dns_tsig_sign(uint8_t *msg, size_t *len, size_t cap, const dns_tsig_key_t *key,
                        uint64_t now, uint8_t *mac, size_t *mac_len);

/* What verifying a request yields, and what signing its answer needs. */
typedef struct dns_tsig_req {
	const dns_tsig_key_t *key;     /* the key of the store; NULL when unknown */
	uint8_t keyname[DNS_NAME_MAX]; /* owner of the request's TSIG RR */
	uint8_t algname[DNS_NAME_MAX]; /* algorithm name of the request */
	uint8_t mac[DNS_TSIG_MAC_MAX]; /* the request MAC, as received (maybe truncated) */
	size_t mac_len;
	uint16_t orig_id;              /* original ID of the request */
	uint64_t time_signed;
	uint16_t fudge;
	uint16_t error;                /* TSIG error to answer with, 0 when valid */
} dns_tsig_req_t;

/*
 * Verify the TSIG RR of a parsed request, RFC 8945 §5.2 in order: key
 * (unknown name, or algorithm not the key's ⇒ BADKEY), MAC length (under
 * 10 bytes, under half the hash, or over the hash ⇒ DNS_EMALFORMED, i.e.
 * FORMERR), MAC (constant-time compare ⇒ BADSIG), time (|now - time
 * signed| > fudge ⇒ BADTIME), truncation policy (shorter than
 * DNS_TSIG_MIN_MAC_POLICY ⇒ BADTRUNC).  @req is always filled as far as
 * the request could be read, with req->error = *tsig_error.
 * Returns DNS_OK, DNS_ENOTFOUND (no TSIG RR), DNS_EMALFORMED (TSIG rdata,
 * class or TTL invalid, or MAC length illegal), DNS_ETSIG (see
 * *tsig_error).
 */
dns_err_t dns_tsig_verify_request(const dns_msg_t *m, const dns_keystore_t *keys, uint64_t now,
                                  dns_tsig_req_t *req, uint16_t *tsig_error);

/*
 * Sign the answer to a request (RFC 8945 §4.3.3, §5.3): the digest covers
 * the request MAC, the answer (its ID replaced by req->orig_id) and the
 * TSIG variables.  req->error selects the form:
 *   0, BADTRUNC: signed normally (with the error for BADTRUNC);
 *   BADKEY, BADSIG: unsigned, MAC size 0, with the error (§5.3.2);
 *   BADTIME: signed, other data = our time, 48 bits (§5.2.3).
 * The caller sets the answer's rcode (NOTAUTH for TSIG errors).
 * Errors: DNS_ESPACE (message unchanged), DNS_EMALFORMED, DNS_ELIMIT,
 * DNS_EINVAL (req->key NULL while a signed form is needed).
 */
dns_err_t dns_tsig_sign_response(uint8_t *msg, size_t *len, size_t cap,
                                 const dns_tsig_req_t *req, uint64_t now);

/*
 * Client: check the answer to a request signed with @key, whose MAC was
 * @req_mac.  An answer carrying a TSIG error returns DNS_ETSIG with that
 * error (its MAC is verified first when it has one).  Returns DNS_OK,
 * DNS_ENOTFOUND (answer unsigned), DNS_EMALFORMED, DNS_ETSIG.
 */
dns_err_t dns_tsig_verify_response(const dns_msg_t *m, const dns_tsig_key_t *key,
                                   const uint8_t *req_mac, size_t req_mac_len, uint64_t now,
                                   uint16_t *tsig_error);

/*
 * Multi-message streams: AXFR and IXFR over TCP (RFC 8945 §5.3.1, as
 * Knot, NSD and BIND do it).  The first message's digest is the request
 * MAC + message + all TSIG variables; each later signed message's digest
 * is the previous MAC + every message since (unsigned ones whole, this
 * one without its TSIG RR) + the timers only (time signed, fudge).
 * Zero-initialise, then init as signer or verifier; always free.
 */
typedef struct dns_tsig_stream {
	/* private */
	const dns_tsig_key_t *key;
	uint8_t keyname[DNS_NAME_MAX];   /* owner of the TSIG RRs */
	void *mac_ctx;                   /* EVP_MAC_CTX, primed with the prior MAC */
	uint8_t prior[DNS_TSIG_MAC_MAX]; /* request MAC, then the last MAC */
	size_t prior_len;
	uint16_t orig_id;
	uint32_t nmsg;                   /* messages so far */
	uint32_t unsigned_run;           /* unsigned messages since the last signed one */
	bool verifier;
} dns_tsig_stream_t;

/* Server: sign the answers to request @req (which must have verified). */
dns_err_t dns_tsig_stream_init_signer(dns_tsig_stream_t *s, const dns_tsig_req_t *req);

/*
 * Server: pass one message of the stream.  With @sign, append the TSIG
 * RR (as dns_tsig_sign does); without, the message only enters the next
 * digest.  The first message must be signed, at most
 * DNS_TSIG_MAX_UNSIGNED may follow each other, and the caller must sign
 * the last one (DNS_EINVAL otherwise).
 */
dns_err_t dns_tsig_stream_sign(dns_tsig_stream_t *s, uint8_t *msg, size_t *len, size_t cap,
                               uint64_t now, bool sign);

/* Client: check the messages answering a request signed with @key
 * whose MAC was @req_mac. */
dns_err_t dns_tsig_stream_init_verifier(dns_tsig_stream_t *s, const dns_tsig_key_t *key,
                                        const uint8_t *req_mac, size_t req_mac_len);

/*
 * Client: check the next parsed message.  An unsigned message is
 * accepted (and accumulated) unless it is the first or the
 * DNS_TSIG_MAX_UNSIGNED+1-th in a row (DNS_ETSIG, BADSIG).  A signed one
 * must carry a correct MAC, time within fudge and no TSIG error.
 * Returns DNS_OK, DNS_EMALFORMED, DNS_ETSIG (*tsig_error says why);
 * after an error the stream is unusable.
 */
dns_err_t dns_tsig_stream_verify(dns_tsig_stream_t *s, const dns_msg_t *m, uint64_t now,
                                 uint16_t *tsig_error);

/* Client, after the last message: DNS_ETSIG unless it was signed. */
dns_err_t dns_tsig_stream_end(const dns_tsig_stream_t *s);

void dns_tsig_stream_free(dns_tsig_stream_t *s);

#endif
