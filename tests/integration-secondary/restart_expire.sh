#!/usr/bin/env bash
# Primary stopped, dns-secondary restarted: it answers from its state at
# once; EXPIRE (20 s in this zone) after its last contact with the primary
# it answers SERVFAIL, and a restart after that does not revive the zone.
. "$(dirname "$0")/lib.sh"
sec_init restart_expire "$@"

pick_ports 2
P=${PORTS[0]} S=${PORTS[1]}
port_free $S
zone_text 2026020201 20 >"$IT_TMP/example.com.zone"
start_knot_primary knot "$IT_TMP/knot" $P "$IT_TMP/example.com.zone" $S
SEC_ARGS=(--zone example.com --primary 127.0.0.1:$P
	--key "${KEY_NAME%.}:hmac-sha256:$KEY_SECRET" --listen 127.0.0.1:$S)
start_secondary sec "$IT_TMP/state" "${SEC_ARGS[@]}"
wait_serial 30 127.0.0.1 $S example.com 2026020201
[ -s "$IT_TMP/state/example.com.zone" ] || fail "no zone file in the state directory"
[ -s "$IT_TMP/state/example.com.state" ] || fail "no state file in the state directory"

stop "$KNOT_PID"
stop "$SECONDARY_PID"
[ "$STOP_RC" = 0 ] || fail "dns-secondary exited $STOP_RC on SIGTERM"
t0=$(date +%s)

# restarted while the primary is down: serves its copy straight away
start_secondary sec2 "$IT_TMP/state" "${SEC_ARGS[@]}"
wait_serial 10 127.0.0.1 $S example.com 2026020201
answer_is 127.0.0.1 $S A www.example.com 192.0.2.80 || fail "saved data not served"
log_has sec2 'msg="zone loaded from state" zone=example.com serial=2026020201' ||
	fail "the state was not loaded"

# then EXPIRE runs out: SERVFAIL (the refresh attempts all fail)
wait_until 60 "SERVFAIL after EXPIRE" rcode_is 127.0.0.1 $S A www.example.com SERVFAIL
rcode_is 127.0.0.1 $S SOA example.com SERVFAIL || fail "SOA not SERVFAIL after EXPIRE"
log_has sec2 'msg="zone expired: answering SERVFAIL" zone=example.com' || fail "expiry not logged"
log_has sec2 'msg="refresh failed" zone=example.com' || fail "failed refreshes not logged"
it_log "expired $(( $(date +%s) - t0 ))s after the primary stopped"
[ "$(rcode_of 127.0.0.1 $S A www.example.org)" = REFUSED ] || fail "REFUSED expected out of zone"

# a restart after EXPIRE keeps answering SERVFAIL at once
stop "$STARTED_PID"
start_secondary sec3 "$IT_TMP/state" "${SEC_ARGS[@]}"
wait_until 10 "SERVFAIL right after the restart" rcode_is 127.0.0.1 $S A www.example.com SERVFAIL
log_has sec3 'zone loaded from state, expired' || fail "expired state not recognised at start"

# the primary comes back: the zone is served again after the next check
start_knot_primary knot2 "$IT_TMP/knot" $P "$IT_TMP/example.com.zone" $S
wait_serial 40 127.0.0.1 $S example.com 2026020201
it_log "ok"
