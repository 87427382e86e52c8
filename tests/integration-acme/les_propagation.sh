#!/usr/bin/env bash
# les_propagation.sh: the challenge goes to the CA only once every
# authoritative server serves it.  example.com has three secondaries of
# dns-primary-git: Knot, NSD and dns-secondary (NOTIFYed by the primary);
# the solver checks exactly those (--check x3 --check-only); Pebble asks
# Knot.  NSD is held back: stopped before the CSR is published and
# started again 10 s after the challenge UPDATE.  Then:
#   - the certificate arrives (all three caught up, Pebble validated);
#   - our log's "challenge propagated" and the challenge POST are not
#     earlier than the restarted NSD's transfer of the challenge serial
#     (timestamps of both logs, whole seconds), and the logged wait
#     covers the time NSD was held back;
#   - while NSD was down, no challenge was POSTed.
# Run by meson as
#   les_propagation.sh DNS_PRIMARY_GIT DNS_NOTIFY DNS_ZONE OCERTIFY SOLVER DNS_SECONDARY
# shellcheck source=les_lib.sh
source "$(dirname "$0")/les_lib.sh"
les_init les_propagation "$@"
DNS_SECONDARY=$(realpath -m "${6:-}")
need_bin "$DNS_SECONDARY" dns-secondary
need_tool knotd knot
need_tool nsd nsd
pick_ports 6
P=${PORTS[0]} ACME=${PORTS[1]} MGMT=${PORTS[2]} KP=${PORTS[3]} NP=${PORTS[4]} SP=${PORTS[5]}
HOLD=10
# Each secondary on its own loopback address: dns-primary-git NOTIFYs a
# hidden secondary (the solver, connecting from 127.0.0.1) only when no
# --notify target shares its address.
KA=127.0.0.2 NA=127.0.0.3 SA=127.0.0.4
les_tls
LES_PRIMARY_ARGS=(--notify "$KA:$KP" --notify "$NA:$NP" --notify "$SA:$SP")
les_primary

# the three secondaries
mkdir -p "$T/knot" "$T/nsd" "$T/sec"
knot_secondary_conf "$T/knot" "$KP" "$P" | sed "s/listen: 127.0.0.1@/listen: $KA@/" \
	>"$T/knot/knot.conf"
nsd_secondary_conf "$T/nsd" "$NP" "$P" | sed "s/ip-address: 127.0.0.1/ip-address: $NA/" \
	>"$T/nsd/nsd.conf"
{ grep -q "$KA@" "$T/knot/knot.conf" && grep -q "ip-address: $NA" "$T/nsd/nsd.conf"; } ||
	fail "could not move the secondaries to their addresses"
start knot knotd -c "$T/knot/knot.conf"
start nsd nsd -d -c "$T/nsd/nsd.conf"
NSD_PID=$STARTED_PID
start dnssec "$DNS_SECONDARY" --state-dir "$T/sec" --workers 1 --log-level debug \
	--zone example.com --primary "127.0.0.1:$P" \
	--key "${TRANSFER_KEY_NAME%.}:hmac-sha256:$TRANSFER_KEY_SECRET" --listen "$SA:$SP"
wait_serial 30 "$KA" "$KP" $ZONE 2026050101
wait_serial 30 "$NA" "$NP" $ZONE 2026050101
wait_serial 30 "$SA" "$SP" $ZONE 2026050101

les_pebble pebble "$ACME" "$MGMT" "$KP" "$KA"
les_solver "$ACME" --check "$KA:$KP" --check "$NA:$NP" --check "$SA:$SP" --check-only

# hold NSD back: down before anything is published
stop "$NSD_PID"
it_log "nsd stopped"
ocert "$T/oc" --wait 120 "127.0.0.1:$P" www.example.com &
OC_JOB=$!
wait_until 60 "challenge published" grep -q 'msg="challenge published"' "$T/solver.log"
N=$(sed -n 's/.*msg="challenge published".* serial=\([0-9]*\).*/\1/p' "$T/solver.log" | head -n1)
[ -n "$N" ] || fail "no serial in the solver's 'challenge published' line"
it_log "challenge in serial $N; nsd stays down ${HOLD}s"
sleep "$HOLD"
grep -q 'challenge propagated' "$T/solver.log" && fail "propagation reported while nsd was down"
grep -q 'method=POST url=[^ ]*/chal' "$T/solver.log" && fail "challenge POSTed while nsd was down"
# restarted empty (as after losing its disk): it transfers the zone at once
rm -f "$T/nsd/example.com.zone" "$T/nsd/xfrd.state" "$T/nsd/zone.list"
start nsd2 nsd -d -c "$T/nsd/nsd.conf"
it_log "nsd restarted"
wait "$OC_JOB" || fail "ocertify failed (exit $?)"
verify_chain "$T/oc/www.example.com.pem" "$T/pebble-root.pem" www.example.com

# the held-back server's transfer of serial >= N, and our log's times
xfr=$(grep -E "received update to serial [0-9]+ " "$T/nsd2.log" | head -n1)
[ -n "$xfr" ] || fail "nsd log: no transfer after the restart"
xs=$(sed -n 's/.*received update to serial \([0-9]*\) .*/\1/p' <<<"$xfr")
[ "$xs" -ge "$N" ] || fail "nsd's first transfer is serial $xs < $N"
xt=$(sed -n 's/^\[\([0-9-]* [0-9:]*\)[.0-9]*\].*/\1/p' <<<"$xfr")
[ -n "$xt" ] || fail "no timestamp in nsd's line: $xfr"
xfr_s=$(date -d "$xt" +%s)
ts_of() { # REGEX: the epoch second of the first solver log line matching it
	local l
	l=$(grep -E "$1" "$T/solver.log" | head -n1)
	[ -n "$l" ] || fail "solver log: no line /$1/"
	date -d "$(sed -n 's/^ts=\([^ ]*\) .*/\1/p' <<<"$l")" +%s
}
pub_s=$(ts_of 'msg="challenge published"')
prop_s=$(ts_of 'msg="challenge propagated"')
post_s=$(ts_of 'method=POST url=[^ ]*/chal')
it_log "published $pub_s, nsd transferred serial $xs at $xfr_s, propagated $prop_s, challenge POST $post_s"
[ "$prop_s" -ge "$xfr_s" ] || fail "propagation reported at $prop_s, before nsd's transfer at $xfr_s"
[ "$post_s" -ge "$xfr_s" ] || fail "challenge POSTed at $post_s, before nsd's transfer at $xfr_s"
[ "$xfr_s" -ge $((pub_s + HOLD)) ] || fail "nsd transferred at $xfr_s, less than ${HOLD}s after $pub_s"
wait_s=$(sed -n 's/.*msg="challenge propagated".* wait_s=\([0-9.]*\).*/\1/p' "$T/solver.log" | head -n1)
awk -v w="$wait_s" -v h="$HOLD" 'BEGIN { exit !(w >= h) }' ||
	fail "propagation wait ${wait_s}s is shorter than the ${HOLD}s nsd was held back"
grep -Eq "\\[$ZONE\\.\\] (AXFR|IXFR), incoming.*finished" "$T/knot.log" || fail "knot: no transfer"
it_log "challenge POSTed only after all three secondaries served it (wait ${wait_s}s)"
wait_until 30 "challenge TXT removed" test -z "$(txt_at _acme-challenge.www.example.com)"
it_log "PASS"
