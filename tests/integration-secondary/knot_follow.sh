#!/usr/bin/env bash
# dns-secondary follows a Knot primary (TSIG hmac-sha256): the first
# transfer is AXFR; after a change and Knot's NOTIFY the new serial is
# served (long before the 3600 s REFRESH) and it came by IXFR.
. "$(dirname "$0")/lib.sh"
sec_init knot_follow "$@"

P=5411 S=5412
port_free $S
zone_text 2026010101 >"$IT_TMP/example.com.zone"
start_knot_primary knot "$IT_TMP/knot" $P "$IT_TMP/example.com.zone" $S
start_secondary sec "$IT_TMP/state" --zone example.com --primary 127.0.0.1:$P \
	--key "${KEY_NAME%.}:hmac-sha256:$KEY_SECRET" --listen 127.0.0.1:$S

wait_serial 30 127.0.0.1 $S example.com 2026010101
log_has sec 'msg="zone transferred" zone=example.com kind=AXFR' || fail "first transfer was not AXFR"
answer_is 127.0.0.1 $S A www.example.com 192.0.2.80 || fail "www.example.com not answered"
[ "$(rcode_of 127.0.0.1 $S A nope.example.com)" = NXDOMAIN ] || fail "NXDOMAIN expected"
[ "$(rcode_of 127.0.0.1 $S A www.example.org)" = REFUSED ] || fail "REFUSED expected out of zone"

# change the zone; Knot computes the difference, journals it and NOTIFYs us
zone_text 2026010102 604800 "new IN A 192.0.2.99" >"$IT_TMP/example.com.zone"
knot_reload "$IT_TMP/knot"
wait_serial 30 127.0.0.1 $S example.com 2026010102
answer_is 127.0.0.1 $S A new.example.com 192.0.2.99 || fail "new record not served"
log_has sec 'msg="notify received" zone=example.com' || fail "no NOTIFY logged"
log_has sec 'msg="zone transferred" zone=example.com kind=IXFR.*serial=2026010102' ||
	fail "the change did not come by IXFR"

# a second change removes a record
zone_text 2026010103 >"$IT_TMP/example.com.zone"
knot_reload "$IT_TMP/knot"
wait_serial 30 127.0.0.1 $S example.com 2026010103
[ "$(rcode_of 127.0.0.1 $S A new.example.com)" = NXDOMAIN ] || fail "removed record still served"

# UPDATE is not for us
"$PY" - $S <<'PY' || fail "UPDATE was not answered NOTIMP"
import sys, dns.update, dns.query, dns.rcode
u = dns.update.UpdateMessage("example.com")
u.add("x", 300, "A", "192.0.2.7")
r = dns.query.udp(u, "127.0.0.1", port=int(sys.argv[1]), timeout=3)
sys.exit(0 if r.rcode() == dns.rcode.NOTIMP else 1)
PY
# the zone on disk is the new version
grep -q 2026010103 "$IT_TMP/state/example.com.zone" || fail "state not persisted"
it_log "ok"
