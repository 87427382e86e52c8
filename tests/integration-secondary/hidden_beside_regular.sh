#!/usr/bin/env bash
# One machine running a regular secondary and a hidden one (dns-secondary
# next to dns-letsencrypt-secondary, say), both on 127.0.0.1: the primary
# NOTIFYs the regular one by UDP (--notify, signed with its transfer key)
# and must still NOTIFY the hidden one on the TCP connection it keeps,
# because the hidden one registered with a key of its own (an update key,
# as the ACME secondary has).  The zone's REFRESH is an hour, so each
# secondary has the new serial within the waits only through its NOTIFY.
. "$(dirname "$0")/lib.sh"
sec_init hidden_beside_regular "$@"
need_bin "$PRIMARY" dns-primary-git
need_bin "$NOTIFY" dns-notify
need_tool git git

HIDDEN_KEY_NAME=acme._update.example.com.
HIDDEN_KEY_SECRET=POIPBm2RYBBT/TYSjAzqY9t5yASBFOgo1fmQP1qb2Rs=
pick_ports 3
P=${PORTS[0]} H=${PORTS[1]} R=${PORTS[2]}
port_free $P
port_free $H
port_free $R
mkdir -p "$IT_TMP/work"
small_zone 2026070701 >"$IT_TMP/work/example.com"
write_keys "$IT_TMP/work/_keys"
echo "$HIDDEN_KEY_NAME DNSKEY 0 3 163 $HIDDEN_KEY_SECRET" >>"$IT_TMP/work/_keys"
make_remote "$IT_TMP/remote.git" "$IT_TMP/work"
start_primary primary "$IT_TMP/pstate" --remote "$IT_TMP/remote.git#main" \
	--listen 127.0.0.1:$P --notify 127.0.0.1:$R
wait_serial 30 127.0.0.1 $P example.com 2026070701
start_secondary regular "$IT_TMP/rstate" --zone example.com --primary 127.0.0.1:$P \
	--key "${TRANSFER_KEY_NAME%.}:hmac-sha256:$TRANSFER_KEY_SECRET" --listen 127.0.0.1:$R
start_secondary hidden "$IT_TMP/hstate" --hidden --zone example.com --primary 127.0.0.1:$P \
	--key "${HIDDEN_KEY_NAME%.}:hmac-sha256:$HIDDEN_KEY_SECRET" --listen 127.0.0.1:$H
wait_serial 30 127.0.0.1 $R example.com 2026070701
wait_serial 30 127.0.0.1 $H example.com 2026070701
registered() { log_has "$1" "$2"; }
wait_until 30 "the primary registering the hidden secondary" \
	registered primary "msg=\"hidden secondary registered\" zone=example.com .*key=${HIDDEN_KEY_NAME}"

set_serial "$IT_TMP/work/example.com" 2026070702
echo "new     IN A   192.0.2.99" >>"$IT_TMP/work/example.com"
push_edit "$IT_TMP/work" "add new"
notify_primary $P
wait_serial 30 127.0.0.1 $P example.com 2026070702
wait_serial 30 127.0.0.1 $R example.com 2026070702
wait_serial 30 127.0.0.1 $H example.com 2026070702
log_has hidden 'msg="notify received" zone=example.com serial=2026070702' ||
	fail "the hidden secondary got no NOTIFY on its kept connection"
answer_is 127.0.0.1 $H A new.example.com 192.0.2.99 || fail "new record not served by the hidden secondary"
answer_is 127.0.0.1 $R A new.example.com 192.0.2.99 || fail "new record not served by the regular secondary"
it_log "ok"
