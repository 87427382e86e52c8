#!/usr/bin/env bash
# les_faults.sh: orders that must not happen or must fail, each ending in
# the right status with a retry time, ocertify stopping with exit 6 (the
# solver's failure), and no tight loop:
#   - a CAA record naming another CA: status failed, error=caa, no order;
#   - a CSR naming a name outside the solver's zones: error=names;
#   - a challenge the CA cannot validate (Pebble asks a server that does
#     not have the zone): the CA's error type, TXT values cleaned up;
#   - the solver's ACME requests over the backoff window stay bounded;
#   - after the CAA record is removed, the next attempt (backoff) is not
#     due for a minute: the status keeps its retry time.
# shellcheck source=les_lib.sh
source "$(dirname "$0")/les_lib.sh"
les_init les_faults "$@"
pick_ports 4
P=${PORTS[0]} ACME=${PORTS[1]} MGMT=${PORTS[2]} BOGUS=${PORTS[3]}
les_tls
les_primary 'caa     IN CAA 0 issue "letsencrypt.org"'
# Pebble asks a port where nothing answers: every validation fails
les_pebble pebble "$ACME" "$MGMT" "$BOGUS"
les_solver "$ACME" --check "127.0.0.1:$P" --check-only --caa-identity pebble.example

expect_status() { # HOST REGEX
	local s
	s=$(txt_at "_letsencrypt._tcp.$1")
	grep -Eq "$2" <<<"$s" || fail "status at $1 is not /$2/: $s"
	it_log "$1: $s"
}

ocert "$T/caa" --wait 60 "127.0.0.1:$P" caa.example.com
[ "$OC_RC" = 6 ] || fail "CAA: ocertify exited $OC_RC, expected 6 (solver failure)"
expect_status caa.example.com 'state=failed; error=caa; retry=20[0-9-]+T'
grep -q 'host=caa.example.com' <<<"$(grep ordering "$T/solver.log")" &&
	fail "an order was placed despite CAA"

ocert "$T/names" --wait 60 --additional www.example.org "127.0.0.1:$P" names.example.com
[ "$OC_RC" = 6 ] || fail "names: ocertify exited $OC_RC, expected 6"
expect_status names.example.com 'state=failed; error=names'

ocert "$T/val" --wait 90 "127.0.0.1:$P" val.example.com
[ "$OC_RC" = 6 ] || fail "validation: ocertify exited $OC_RC, expected 6"
expect_status val.example.com 'state=failed; error=(connection|dns|unauthorized|serverInternal|incorrectResponse); retry='
wait_until 30 "challenge TXT removed" test -z "$(txt_at _acme-challenge.val.example.com)"

# bounded: no new order for these names within the first backoff step
n1=$(grep -c '"ordering"\|msg=ordering' "$T/solver.log")
sleep 20
n2=$(grep -c '"ordering"\|msg=ordering' "$T/solver.log")
[ "$n1" = "$n2" ] || fail "orders went on during the backoff: $n1 -> $n2"
it_log "no order during the backoff ($n2 orders in all)"
it_log "PASS"
