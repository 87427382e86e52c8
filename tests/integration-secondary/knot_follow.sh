#!/usr/bin/env bash
# dns-secondary follows a Knot primary (TSIG hmac-sha256): the first
# transfer is AXFR; after a change and Knot's NOTIFY the new serial is
# served (long before the 3600 s REFRESH) and it came by IXFR.  A second
# dns-secondary, configured in the original suite's --keys form, follows
# the first one (a chain of secondaries: AXFR out with TSIG) and, after the
# change, gets the first one's NOTIFY (--notify) and follows at once.
. "$(dirname "$0")/lib.sh"
sec_init knot_follow "$@"

pick_ports 4
P=${PORTS[0]} S=${PORTS[1]} S2=${PORTS[2]} M=${PORTS[3]}
port_free $S
port_free $S2
port_free $M
CHAIN_KEY=127.0.0.1.127.0.0.1._transfer.example.com
zone_text 2026010101 >"$IT_TMP/example.com.zone"
start_knot_primary knot "$IT_TMP/knot" $P "$IT_TMP/example.com.zone" $S
start_secondary sec "$IT_TMP/state" --zone example.com --primary 127.0.0.1:$P \
	--key "${KEY_NAME%.}:hmac-sha256:$KEY_SECRET" --listen 127.0.0.1:$S \
	--metrics 127.0.0.1:$M --transfer-key "$CHAIN_KEY:hmac-sha256:$WRONG_SECRET" \
	--notify 127.0.0.1:$S2

wait_serial 30 127.0.0.1 $S example.com 2026010101
log_has sec 'msg="zone transferred" zone=example.com kind=AXFR' || fail "first transfer was not AXFR"
answer_is 127.0.0.1 $S A www.example.com 192.0.2.80 || fail "www.example.com not answered"
[ "$(rcode_of 127.0.0.1 $S A nope.example.com)" = NXDOMAIN ] || fail "NXDOMAIN expected"
[ "$(rcode_of 127.0.0.1 $S A www.example.org)" = REFUSED ] || fail "REFUSED expected out of zone"

# the chain: zone, primary and our address from the key name; the primary's
# port moved off 53 with --primary
start_secondary sec2 "$IT_TMP/state2" --keys "$CHAIN_KEY:hmac-sha256:$WRONG_SECRET" \
	--primary 127.0.0.1:$S --listen 127.0.0.1:$S2
wait_serial 30 127.0.0.1 $S2 example.com 2026010101
answer_is 127.0.0.1 $S2 A www.example.com 192.0.2.80 || fail "chained secondary: www not answered"
# transfers out need a transfer key: unsigned AXFR is refused
"$PY" - $S <<'PY' || fail "unsigned AXFR from dns-secondary was not refused"
import sys, dns.message, dns.query, dns.rcode
q = dns.message.make_query("example.com", "AXFR")
r = dns.query.tcp(q, "127.0.0.1", port=int(sys.argv[1]), timeout=3)
sys.exit(0 if r.rcode() == dns.rcode.REFUSED and not r.answer else 1)
PY
SEC2_PID=$STARTED_PID

# change the zone; Knot computes the difference, journals it and NOTIFYs us
zone_text 2026010102 604800 "new IN A 192.0.2.99" >"$IT_TMP/example.com.zone"
knot_reload "$IT_TMP/knot"
wait_serial 30 127.0.0.1 $S example.com 2026010102
answer_is 127.0.0.1 $S A new.example.com 192.0.2.99 || fail "new record not served"
log_has sec 'msg="notify received" zone=example.com' || fail "no NOTIFY logged"
log_has sec 'msg="zone transferred" zone=example.com kind=IXFR.*serial=2026010102' ||
	fail "the change did not come by IXFR"
# down the chain: the first secondary NOTIFYs the second (signed with the
# chain key), which follows long before its 3600 s REFRESH
wait_serial 30 127.0.0.1 $S2 example.com 2026010102
answer_is 127.0.0.1 $S2 A new.example.com 192.0.2.99 || fail "chained secondary: new record"
log_has sec 'msg="notify queued" zone=example.com serial=2026010102 target=127.0.0.1#'$S2' key=127.0.0.1.127.0.0.1._transfer.example.com.' ||
	fail "no signed NOTIFY queued for the chained secondary"
log_has sec2 'msg="notify received" zone=example.com serial=2026010102' ||
	fail "the chained secondary logged no NOTIFY"
wait_until 10 "NOTIFY acknowledged" log_has sec \
	'msg="notify acknowledged" zone=example.com serial=2026010102 target=127.0.0.1#'$S2
stop "$SEC2_PID"

# a second change removes a record
zone_text 2026010103 >"$IT_TMP/example.com.zone"
knot_reload "$IT_TMP/knot"
wait_serial 30 127.0.0.1 $S example.com 2026010103
[ "$(rcode_of 127.0.0.1 $S A new.example.com)" = NXDOMAIN ] || fail "removed record still served"

m=$(metrics 127.0.0.1:$M) || fail "no metrics"
grep -q '^dns_zone_serial{zone="example.com"} 2026010103$' <<<"$m" || fail "metrics: serial"
grep -q '^dns_zone_transfers_in_total{zone="example.com",kind="ixfr"} 2$' <<<"$m" || fail "metrics: ixfr count"

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
