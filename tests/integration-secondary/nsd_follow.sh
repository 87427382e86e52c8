#!/usr/bin/env bash
# dns-secondary follows an NSD 4.6 primary (TSIG hmac-sha256): AXFR first;
# after the zone file changes, SIGHUP makes NSD reread it, compute the IXFR
# difference (create-ixfr) and NOTIFY us; the new serial is served well
# before the 3600 s REFRESH, and it came by IXFR.
. "$(dirname "$0")/lib.sh"
sec_init nsd_follow "$@"

pick_ports 2
P=${PORTS[0]} S=${PORTS[1]}
port_free $S
zone_text 2026030301 >"$IT_TMP/example.com.zone"
start_nsd_primary nsd "$IT_TMP/nsd" $P "$IT_TMP/example.com.zone" $S
start_secondary sec "$IT_TMP/state" --zone example.com --primary 127.0.0.1:$P \
	--key "${KEY_NAME%.}:hmac-sha256:$KEY_SECRET" --listen 127.0.0.1:$S
wait_serial 30 127.0.0.1 $S example.com 2026030301
log_has sec 'msg="zone transferred" zone=example.com kind=AXFR' || fail "first transfer was not AXFR"

sleep 1.1 # NSD notices a change by mtime (seconds)
zone_text 2026030302 604800 "new IN A 192.0.2.99" >"$IT_TMP/example.com.zone"
kill -HUP "$NSD_PID"
wait_serial 30 127.0.0.1 $S example.com 2026030302
answer_is 127.0.0.1 $S A new.example.com 192.0.2.99 || fail "new record not served"
log_has sec 'msg="notify received" zone=example.com' || fail "no NOTIFY logged"
log_has sec 'msg="zone transferred" zone=example.com kind=IXFR.*serial=2026030302' ||
	fail "the change did not come by IXFR"
it_log "ok"
