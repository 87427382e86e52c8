#!/usr/bin/env bash
# les_recover.sh: faults that go away, each ending in the right status,
# then a later success at the backoff's first step (1 min), with the
# ACME requests over the fault period bounded:
#   - Pebble down when the first CSR is seen: status failed, error
#     connection, retry about a minute later; no request before it;
#   - then a Pebble whose DNS-01 queries go nowhere (validation fails)
#     and a CAA record naming another CA (no order at all);
#   - the faults removed: the bad Pebble replaced by a good one that
#     rejects half of the nonces (PEBBLE_WFE_NONCEREJECT=50: badNonce,
#     retried), the CAA record deleted;
#   - each name's next attempt, not before its retry time, succeeds
#     (status valid); one failed attempt per name; the metrics count at
#     most a few ACME requests over the backoff minute.
# shellcheck source=les_lib.sh
source "$(dirname "$0")/les_lib.sh"
les_init les_recover "$@"
need_tool knsupdate knot-dnsutils
pick_ports 5
P=${PORTS[0]} ACME=${PORTS[1]} MGMT=${PORTS[2]} BOGUS=${PORTS[3]} METRICS=${PORTS[4]}
les_tls
les_primary 'caa     IN CAA 0 issue "ca.example.net"'
les_solver "$ACME" --check "127.0.0.1:$P" --check-only --caa-identity pebble.example \
	--metrics "127.0.0.1:$METRICS"

status_of() { txt_at "_letsencrypt._tcp.$1"; }
expect_status() { # HOST REGEX
	local s
	s=$(status_of "$1")
	grep -Eq "$2" <<<"$s" || fail "status at $1 is not /$2/: $s"
	it_log "$1: $s"
}
requests() {
	curl -sf --max-time 5 "http://127.0.0.1:$METRICS/metrics" |
		sed -n 's/^les_acme_requests_total \([0-9]*\)$/\1/p'
}
retry_of() { # HOST: the status's retry time in epoch seconds
	date -d "$(status_of "$1" | sed -n 's/.*retry=\([0-9TZ:-]*\).*/\1/p')" +%s
}
is_valid() { status_of "$1" | grep -q 'state=valid'; }
count() { grep -c "$1" "$T/solver.log" || true; }

# 1. Pebble down
ocert "$T/down" --wait 30 "127.0.0.1:$P" down.example.com
[ "$OC_RC" = 6 ] || fail "Pebble down: ocertify exited $OC_RC, expected 6"
expect_status down.example.com 'state=failed; error=connection; retry='
down_failed=$(date +%s)
down_retry=$(retry_of down.example.com)
[ $((down_retry - down_failed)) -ge 50 ] || fail "retry of down.example.com is not about a minute away"

# 2. a Pebble that cannot validate, and CAA for another CA
les_pebble bad "$ACME" "$MGMT" "$BOGUS"
BAD_PID=$PEBBLE_PID
ocert "$T/val" --wait 60 "127.0.0.1:$P" val.example.com
[ "$OC_RC" = 6 ] || fail "validation: ocertify exited $OC_RC, expected 6"
expect_status val.example.com 'state=failed; error=[a-zA-Z]+; retry='
ocert "$T/caa" --wait 30 "127.0.0.1:$P" caa.example.com
[ "$OC_RC" = 6 ] || fail "CAA: ocertify exited $OC_RC, expected 6"
expect_status caa.example.com 'state=failed; error=caa; retry='
[ "$(count 'msg=ordering host=caa.example.com')" = 0 ] || fail "an order was placed despite CAA"
wait_until 30 "challenge TXT removed" test -z "$(txt_at _acme-challenge.val.example.com)"

# 3. the faults go away
stop "$BAD_PID"
les_pebble good "$ACME" "$MGMT" "$P" 127.0.0.1 PEBBLE_WFE_NONCEREJECT=50
knsupdate >"$T/knsupdate.log" 2>&1 <<-EOF || fail "knsupdate failed: $(cat "$T/knsupdate.log")"
	server 127.0.0.1 $P
	key hmac-sha256:$LES_KEY $LES_SECRET
	zone $ZONE.
	update delete caa.$ZONE. CAA
	send
EOF
wait_until 30 "CAA record gone" test -z "$(kdig @127.0.0.1 -p "$P" +short CAA caa.$ZONE)"
it_log "faults removed; waiting for the retries"

# bounded: until down.example.com's retry time, at most a few requests
r0=$(requests)
while [ "$(date +%s)" -lt $((down_retry - 2)) ]; do check_watched; sleep 0.5; done
r1=$(requests)
it_log "ACME requests before the first retry: $r0 -> $r1"
[ $((r1 - r0)) -le 2 ] || fail "$((r1 - r0)) ACME requests while every name was backing off"

# 4. each name succeeds on its next attempt, not before its retry time
for h in down val caa; do
	wait_until 150 "$h.example.com valid" is_valid "$h.example.com"
	expect_status "$h.example.com" 'state=valid'
	n=$(count "msg=\"order failed\" host=$h.example.com")
	[ "$n" = 1 ] || fail "$h.example.com: $n failed attempts, expected 1"
done
first_ok=$(grep -m1 'msg="certificate published" host=down.example.com' "$T/solver.log" |
	sed -n 's/^ts=\([^ ]*\) .*/\1/p')
# (the status's retry time is rounded up to the second)
[ "$(date -d "$first_ok" +%s)" -ge $((down_retry - 1)) ] || fail "down.example.com retried before its retry time"
grep -q 'badNonce' "$T/good.log" "$T/solver.log" || it_log "note: no badNonce seen"
r2=$(requests)
it_log "ACME requests in all: $r2 (3 orders with PEBBLE_WFE_NONCEREJECT=50)"
[ "$r2" -le 120 ] || fail "$r2 ACME requests for 3 names"
it_log "PASS"
