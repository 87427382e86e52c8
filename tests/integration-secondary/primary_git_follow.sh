#!/usr/bin/env bash
# Our own suite end to end: dns-primary-git -> dns-secondary.  A push plus
# the hook's dns-notify makes the primary reload and NOTIFY the secondary
# (signed with the zone's transfer key); the secondary follows by IXFR.
. "$(dirname "$0")/lib.sh"
sec_init primary_git_follow "$@"
need_bin "$PRIMARY" dns-primary-git
need_bin "$NOTIFY" dns-notify
need_tool git git

pick_ports 2
P=${PORTS[0]} S=${PORTS[1]}
port_free $P
port_free $S
mkdir -p "$IT_TMP/work"
small_zone 2026050501 >"$IT_TMP/work/example.com"
write_keys "$IT_TMP/work/_keys"
make_remote "$IT_TMP/remote.git" "$IT_TMP/work"
start_primary primary "$IT_TMP/pstate" --remote "$IT_TMP/remote.git#main" \
	--listen 127.0.0.1:$P --notify 127.0.0.1:$S
wait_serial 30 127.0.0.1 $P example.com 2026050501
start_secondary sec "$IT_TMP/state" --zone example.com --primary 127.0.0.1:$P \
	--key "${TRANSFER_KEY_NAME%.}:hmac-sha256:$TRANSFER_KEY_SECRET" --listen 127.0.0.1:$S
wait_serial 30 127.0.0.1 $S example.com 2026050501
log_has sec 'msg="zone transferred" zone=example.com kind=AXFR' || fail "first transfer was not AXFR"

set_serial "$IT_TMP/work/example.com" 2026050502
echo "new     IN A   192.0.2.99" >>"$IT_TMP/work/example.com"
push_edit "$IT_TMP/work" "add new"
notify_primary $P
wait_serial 30 127.0.0.1 $P example.com 2026050502
wait_serial 30 127.0.0.1 $S example.com 2026050502
answer_is 127.0.0.1 $S A new.example.com 192.0.2.99 || fail "new record not served"
log_has sec 'msg="notify received" zone=example.com' || fail "no NOTIFY from dns-primary-git"
log_has sec 'msg="zone transferred" zone=example.com kind=IXFR.*serial=2026050502' ||
	fail "the change did not come by IXFR"
it_log "ok"
