#!/usr/bin/env bash
# Issue 13, item 2: dns-ctl against a running dns-secondary following a
# dns-primary-git.  status and zones (serial, primary, state, expiry) as
# text and JSON; a change the secondary was not told about (no NOTIFY
# reaches it) is served as soon as `dns-ctl refresh` returns (by IXFR);
# `retransfer` makes a whole AXFR (seen in both daemons' logs) even though
# nothing changed; a refresh against a stopped primary fails with the
# reason, which `zones` then shows; `stop` ends the daemon with status 0.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
ops_init ctl_secondary "$@"

pick_ports 2
P=${PORTS[0]} S=${PORTS[1]}
PSOCK=$IT_TMP/pstate/control.sock
SSOCK=$IT_TMP/sstate/control.sock

ops_remote 2026060201 none
# --axfr: the secondary transfers without a key; the zone's NS names have
# no addresses, so the primary NOTIFYs no one
start_primary primary "$IT_TMP/pstate" --remote "$REMOTE" --listen 127.0.0.1:$P --axfr
wait_serial 30 127.0.0.1 $P example.com 2026060201
mkdir -p "$IT_TMP/sstate"
start secondary "$SECONDARY" --state-dir "$IT_TMP/sstate" --workers 1 --log-level debug \
	--zone example.com --primary 127.0.0.1:$P --listen 127.0.0.1:$S
SEC_PID=$STARTED_PID
wait_serial 30 127.0.0.1 $S example.com 2026060201
wait_until 30 "the secondary's control socket" test -S "$SSOCK"
[ "$(stat -c %a "$SSOCK")" = 600 ] || fail "control socket mode is $(stat -c %a "$SSOCK")"

# ---- status and zones ----
ctl_ok "$SSOCK" status
grep -q '^program: *dns-secondary$' <<<"$CTL_OUT" || fail "status: no program line"
ctl_ok "$SSOCK" --json status
json_is 'r["result"]["zones"]' 1
json_is 'r["result"]["zones_serving"]' 1
json_is 'r["result"]["zones_expired"]' 0
ctl_ok "$SSOCK" --json zones
json_is 'r["result"]["zones"][0]["zone"]' example.com
json_is 'r["result"]["zones"][0]["serial"]' 2026060201
json_is 'r["result"]["zones"][0]["primary"]' "127.0.0.1:$P"
json_is 'r["result"]["zones"][0]["state"]' fresh
json_is 'r["result"]["zones"][0]["error"]' null
# expiry: the last refresh plus the SOA's EXPIRE (604800 s)
[ "$(json 'r["result"]["zones"][0]["last_refresh"] is not None')" = true ] || fail "no last_refresh"
exp=$(json 'r["result"]["zones"][0]["expires"]')
last=$(json 'r["result"]["zones"][0]["last_refresh"]')
[ $(( $(date -ud "$exp" +%s) - $(date -ud "$last" +%s) )) = 604800 ] ||
	fail "expires $exp is not last_refresh $last + EXPIRE"
ctl_ok "$SSOCK" zones
grep -Eq "^example\.com +2026060201 +127\.0\.0\.1:$P +fresh " <<<"$CTL_OUT" || fail "zones as text"

# ---- refresh: a change nobody told the secondary about ----
set_serial "$SEED/example.com" 2026060202
echo "late    IN A   192.0.2.202" >>"$SEED/example.com"
push_edit "$SEED" "serial 2026060202"
ctl_ok "$PSOCK" reload
serial_is 127.0.0.1 $P example.com 2026060202 || fail "the primary did not reload"
sleep 2   # the secondary's next refresh is an hour away (SOA REFRESH 3600)
serial_is 127.0.0.1 $S example.com 2026060201 || fail "the secondary moved by itself"
ctl_ok "$SSOCK" --json refresh example.com
json_is 'r["result"]["serial"]' 2026060202
json_is 'r["result"]["transfer"]' IXFR
serial_is 127.0.0.1 $S example.com 2026060202 ||
	fail "serial $(soa_serial 127.0.0.1 $S example.com) served after refresh returned"
answer_is 127.0.0.1 $S A late.example.com 192.0.2.202 || fail "the change is not served"
ctl_ok "$SSOCK" refresh example.com
grep -qx 'up to date' <<<"$CTL_OUT" || fail "refresh when current: $CTL_OUT"

# ---- retransfer: a whole AXFR although nothing changed ----
paxfr=$(grep -c 'msg=transfer zone=example.com kind=axfr' "$IT_TMP/primary.log" || true)
saxfr=$(grep -c 'msg="zone transferred" zone=example.com kind=AXFR' "$IT_TMP/secondary.log" || true)
ctl_ok "$SSOCK" --json retransfer example.com
json_is 'r["result"]["transfer"]' AXFR
json_is 'r["result"]["serial"]' 2026060202
[ "$(json 'r["result"]["records_received"] > 5')" = true ] || fail "retransfer: records"
[ "$(grep -c 'msg=transfer zone=example.com kind=axfr' "$IT_TMP/primary.log")" = $((paxfr + 1)) ] ||
	fail "the primary did not serve one more AXFR"
[ "$(grep -c 'msg="zone transferred" zone=example.com kind=AXFR' "$IT_TMP/secondary.log")" = $((saxfr + 1)) ] ||
	fail "the secondary did not take one more AXFR"
serial_is 127.0.0.1 $S example.com 2026060202 || fail "serial after retransfer"

# ---- refusals ----
ctl_rc 1 "$SSOCK" refresh nosuch.test
grep -q 'no-such-zone' <<<"$CTL_OUT" || fail "refresh of an unknown zone: $CTL_OUT"
ctl_rc 2 "$SSOCK" retransfer
ctl_rc 2 "$SSOCK" reload
grep -q -- '--control PATH' <<<"$("$SECONDARY" --help)" || fail "dns-secondary --help lacks --control"

# ---- a refresh that fails says why, and zones keeps it ----
ctl_ok "$PSOCK" stop
wait_until 30 "the primary to exit" gone "$PRIMARY_PID"
unwatch "$PRIMARY_PID"
ctl_rc 1 "$SSOCK" refresh example.com
grep -q 'SOA query' <<<"$CTL_OUT" || fail "failed refresh: $CTL_OUT"
ctl_ok "$SSOCK" --json zones
grep -q 'SOA query' <<<"$(json 'r["result"]["zones"][0]["error"]')" || fail "zones: no error"
json_is 'r["result"]["zones"][0]["serial"]' 2026060202
serial_is 127.0.0.1 $S example.com 2026060202 || fail "the old copy is no longer served"

# ---- stop ----
ctl_stop dns-secondary "$SSOCK" "$SEC_PID"
it_log "ok"
