#!/usr/bin/env bash
# les_shutdown.sh: a solver stopped (SIGTERM) while an order waits for
# propagation deletes the challenge TXT values it published before it
# exits (exit 0, within its 10 s grace), writes no failed status (the
# status stays pending: the next start orders again), and a restarted
# solver completes the order.
# shellcheck source=les_lib.sh
source "$(dirname "$0")/les_lib.sh"
les_init les_shutdown "$@"
pick_ports 4
P=${PORTS[0]} ACME=${PORTS[1]} MGMT=${PORTS[2]} DEAD=${PORTS[3]}
les_tls
les_primary
les_pebble pebble "$ACME" "$MGMT" "$P"
# a check server that never answers: the order stays in its propagation wait
les_solver "$ACME" --check "127.0.0.1:$P" --check "127.0.0.1:$DEAD" --check-only

ocert "$T/oc1" --wait 3 "127.0.0.1:$P" www.example.com
wait_until 30 "challenge published" grep -q 'msg="challenge published"' "$T/solver.log"
wait_until 30 "challenge TXT at the primary" test -n "$(txt_at _acme-challenge.www.example.com)"
it_log "challenge TXT published: $(txt_at _acme-challenge.www.example.com)"
t0=$SECONDS
stop "$SOLVER_PID"
[ "$STOP_RC" = 0 ] || fail "the solver exited $STOP_RC on SIGTERM"
it_log "solver stopped in $((SECONDS - t0)) s"
grep -q 'msg="order abandoned at shutdown" host=www.example.com txt_removed=yes' "$T/solver.log" ||
	fail "no cleanup logged at shutdown"
[ -z "$(txt_at _acme-challenge.www.example.com)" ] ||
	fail "challenge TXT left behind: $(txt_at _acme-challenge.www.example.com)"
status=$(txt_at _letsencrypt._tcp.www.example.com)
grep -q 'state=pending' <<<"$status" || fail "status after shutdown: $status"

# a restart (now checking only the primary) finishes the order
mv "$T/solver.log" "$T/solver-1.log"
les_solver "$ACME" --check "127.0.0.1:$P" --check-only
ocert "$T/oc2" --wait 60 "127.0.0.1:$P" www.example.com
[ "$OC_RC" = 0 ] || fail "ocertify after the restart exited $OC_RC"
it_log "PASS"
