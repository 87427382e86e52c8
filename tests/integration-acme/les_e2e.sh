#!/usr/bin/env bash
# les_e2e.sh: end to end.  ocertify publishes a CSR for example.com and
# *.example.com at dns-primary-git; dns-letsencrypt-secondary (a hidden
# secondary) sees it, orders from Pebble (which asks the primary), writes
# the chain back; ocertify writes a chain that openssl verifies with
# Pebble's root.  The remote's git log shows the CSR, pending, challenge,
# certificate and cleanup commits; no challenge TXT is left; a second
# ocertify run finds the certificate (no new commit).
# shellcheck source=les_lib.sh
source "$(dirname "$0")/les_lib.sh"
les_init les_e2e "$@"
pick_ports 4
P=${PORTS[0]} ACME=${PORTS[1]} MGMT=${PORTS[2]} METRICS=${PORTS[3]}
les_tls
les_primary
les_pebble pebble "$ACME" "$MGMT" "$P"
les_solver "$ACME" --check "127.0.0.1:$P" --check-only --metrics "127.0.0.1:$METRICS"
[ "$(stat -c %a "$T/account.key")" = 600 ] || fail "account key not created mode 0600"

before=$(git -C "$REMOTE" rev-list --count main)
ocert "$T/oc" --wait 120 --additional '*.example.com' "127.0.0.1:$P" example.com
[ "$OC_RC" = 0 ] || fail "ocertify exited $OC_RC: $OC_OUT"
verify_chain "$T/oc/example.com.pem" "$T/pebble-root.pem" example.com www.example.com
it_log "ocertify wrote a chain openssl verifies for example.com and *.example.com"

# the cleanup commit follows the write-back: wait for it, then look
wait_until 30 "challenge TXT removed" test -z "$(txt_at _acme-challenge.example.com)"
log=$(git -C "$REMOTE" log --format='%an: %s' main)
printf '%s\n' "$log" | sed 's/^/    git: /' >&2
after=$(git -C "$REMOTE" rev-list --count main)
[ $((after - before)) -ge 5 ] || fail "expected >= 5 commits (CSR, pending, challenge, certificate, cleanup), got $((after - before))"
grep -q "^$CERT_KEY" <<<"$log" || fail "no commit by ocertify's key"
[ "$(grep -c "^$LES_KEY" <<<"$log")" -ge 4 ] || fail "fewer than 4 commits by the solver's key"
status=$(txt_at _letsencrypt._tcp.example.com)
grep -q 'state=valid' <<<"$status" || fail "status is not valid: $status"
grep -q 'challenge propagated' "$T/solver.log" || fail "no propagation logged"
curl -sf "http://127.0.0.1:$METRICS/metrics" -o "$T/metrics.txt" || fail "no metrics"
grep -q 'les_orders_total{result="valid"} 1' "$T/metrics.txt" || fail "metrics: $(cat "$T/metrics.txt")"

# a second run finds the certificate: no new commit
ocert "$T/oc" --wait 30 --additional '*.example.com' "127.0.0.1:$P" example.com
[ "$OC_RC" = 0 ] || fail "second ocertify exited $OC_RC"
[ "$(git -C "$REMOTE" rev-list --count main)" = "$after" ] || fail "the second run made commits"
it_log "PASS"
