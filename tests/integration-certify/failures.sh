#!/usr/bin/env bash
# Failures that ocertify must report clearly, each with its own exit code
# and within its deadline:
#   wrong TSIG secret             exit 4, the server's BADSIG named
#   key without update authority  exit 3, the key and the name named
#   (a transfer-only key)         and nothing committed
#   unreachable server            exit 7
#   the solver fails, retry       exit 6 at once, the status shown
#   beyond the deadline
# Usage errors exit 2.
source "$(dirname "$0")/clib.sh"
c_init failures "$@"
c_start
COUNT0=$(remote_count)

# wrong secret
OC_KEY="$CERT_KEY:sha256:$WRONG_SECRET" ocert "$IT_TMP/badsig" --wait 20 127.0.0.1:$P www.example.com
expect_rc "wrong secret" 4
expect_out "wrong secret" "BADSIG"
expect_out "wrong secret" "$CERT_KEY"
expect_within "wrong secret" 25

# a key that may transfer but not update
OC_KEY="$XFR_KEY:sha256:$XFR_SECRET" ocert "$IT_TMP/xfr" --wait 20 127.0.0.1:$P www.example.com
expect_rc "transfer-only key" 3
expect_out "transfer-only key" "refused the update .*$XFR_KEY.* has no authority to update www.example.com"
expect_within "transfer-only key" 25
sleep 1
[ "$(remote_count)" = "$COUNT0" ] || fail "a refused update made a commit"

# unreachable: nothing listens on the second port
ocert "$IT_TMP/unreach" --wait 3 127.0.0.1:${PORTS[1]} www.example.com
expect_rc "unreachable" 7
expect_out "unreachable" "no answer from the server before the deadline.*(refused|timeout)"
expect_within "unreachable" 10

# usage errors
ocert "$IT_TMP/usage" --wait 0 127.0.0.1:$P www.example.com
expect_rc "--wait 0" 2
ocert "$IT_TMP/usage" --type dsa 127.0.0.1:$P www.example.com
expect_rc "--type dsa" 2
ocert "$IT_TMP/usage" 127.0.0.1:$P www.example.org
expect_rc "host outside the key's zone" 2
expect_out "host outside the key's zone" "not in zone example.com"
OC_KEY="nonsense" ocert "$IT_TMP/usage" 127.0.0.1:$P www.example.com
expect_rc "bad --dns-key" 2

# the solver fails with a retry time beyond the deadline: stop at once
c_mode "fail rateLimited 7200 too many certificates for this name"
c_issuer
ocert "$IT_TMP/solver" --wait 120 127.0.0.1:$P www.example.com
expect_rc "solver failure" 6
expect_out "solver failure" "failed: rateLimited, retry at .*too many certificates"
expect_within "solver failure" 60
[ ! -e "$IT_TMP/solver/www.example.com.pem" ] || fail "solver failure: a certificate was written"

# a retry within the deadline is waited for: the issuer recovers
c_mode "fail rateLimited 3 briefly"
sleep 1
( sleep 4; c_mode normal ) &
later=$!
ocert "$IT_TMP/solver" --wait 120 127.0.0.1:$P www.example.com
wait $later
expect_rc "solver retry within the deadline" 0
it_log "failures: ok"
