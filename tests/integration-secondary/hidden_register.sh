#!/usr/bin/env bash
# dns-secondary --hidden registered with dns-primary-git as a hidden
# secondary (docs/repository.md): the primary is given no --notify target
# and the zone names no secondary, so the NOTIFY of a pushed change can
# only come on the TCP connection the secondary keeps open after its
# signed SOA query.  The zone's REFRESH is an hour: the new serial arrives
# within the waits only through that NOTIFY.  When the primary restarts,
# the secondary registers again and still gets the next change.
. "$(dirname "$0")/lib.sh"
sec_init hidden_register "$@"
need_bin "$PRIMARY" dns-primary-git
need_bin "$NOTIFY" dns-notify
need_tool git git

pick_ports 2
P=${PORTS[0]} S=${PORTS[1]}
port_free $P
port_free $S
mkdir -p "$IT_TMP/work"
small_zone 2026070701 >"$IT_TMP/work/example.com"
write_keys "$IT_TMP/work/_keys"
make_remote "$IT_TMP/remote.git" "$IT_TMP/work"
primary_args=(--remote "$IT_TMP/remote.git#main" --listen 127.0.0.1:$P)
start_primary primary "$IT_TMP/pstate" "${primary_args[@]}"
wait_serial 30 127.0.0.1 $P example.com 2026070701
start_secondary sec "$IT_TMP/state" --hidden --zone example.com --primary 127.0.0.1:$P \
	--key "${TRANSFER_KEY_NAME%.}:hmac-sha256:$TRANSFER_KEY_SECRET" --listen 127.0.0.1:$S
wait_serial 30 127.0.0.1 $S example.com 2026070701
registered() { log_has "$1" "$2"; }
wait_until 30 "the primary registering the hidden secondary" \
	registered primary "msg=\"hidden secondary registered\" zone=example.com .*key=${TRANSFER_KEY_NAME}"
wait_until 30 "the secondary logging its registration" \
	registered sec 'msg="registered as hidden secondary" zone=example.com'

# change() SERIAL NAME ADDR: push a new version and tell the primary (the hook's NOTIFY).
change() {
	set_serial "$IT_TMP/work/example.com" "$1"
	echo "$2     IN A   $3" >>"$IT_TMP/work/example.com"
	push_edit "$IT_TMP/work" "add $2"
	notify_primary $P
	wait_serial 30 127.0.0.1 $P example.com "$1"
}
notifies() { grep -c 'msg="notify received" zone=example.com' "$IT_TMP/sec.log" || true; }

change 2026070702 new 192.0.2.99
wait_serial 30 127.0.0.1 $S example.com 2026070702
answer_is 127.0.0.1 $S A new.example.com 192.0.2.99 || fail "new record not served"
log_has sec 'msg="notify received" zone=example.com serial=2026070702' ||
	fail "no NOTIFY on the kept connection"
log_has sec 'msg="zone transferred" zone=example.com kind=IXFR.*serial=2026070702' ||
	fail "the change did not come by IXFR"
it_log "NOTIFY on the kept connection, change applied"

# The primary goes away and comes back: the secondary registers again.
stop "$PRIMARY_PID"
wait_until 30 "the secondary noticing the lost connection" \
	registered sec 'msg="hidden registration lost" zone=example.com'
mv "$IT_TMP/primary.log" "$IT_TMP/primary-1.log"
start_primary primary "$IT_TMP/pstate" "${primary_args[@]}"
wait_until 60 "the primary registering the hidden secondary again" \
	registered primary 'msg="hidden secondary registered" zone=example.com'
before=$(notifies)
change 2026070703 newer 192.0.2.98
wait_serial 30 127.0.0.1 $S example.com 2026070703
[ "$(notifies)" -gt "$before" ] || fail "the change after the restart came without a NOTIFY"
answer_is 127.0.0.1 $S A newer.example.com 192.0.2.98 || fail "newer record not served"
it_log "ok"
