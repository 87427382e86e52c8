#!/usr/bin/env bash
# Issue 13, item 2: dns-ctl against dns-resolver (socket in its --dir) and
# dns-letsencrypt-secondary (--control): status names the program, the
# socket has mode 0600, `stop` ends each with exit status 0 and removes
# its socket; without --dir or --control the resolver opens no socket.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
ops_init ctl_others "$@"

pick_ports 3
R=${PORTS[0]} R2=${PORTS[1]} P=${PORTS[2]}
RSOCK=$IT_TMP/rdir/control.sock
LSOCK=$IT_TMP/les.sock

# ---- dns-resolver: the socket lives in --dir (made when missing) ----
start resolver "$RESOLVER" --port $R --dir "$IT_TMP/rdir"
RPID=$STARTED_PID
wait_until 30 "the resolver's control socket" test -S "$RSOCK"
[ "$(stat -c %a "$RSOCK")" = 600 ] || fail "resolver control socket mode $(stat -c %a "$RSOCK")"
ctl_ok "$RSOCK" --json status
json_is 'r["result"]["program"]' dns-resolver
json_is 'r["result"]["pid"]' "$RPID"
json_is 'r["result"]["cache"]["entries"]' 0
ctl_ok "$RSOCK" status
grep -q '^client_queries: *0$' <<<"$CTL_OUT" || fail "resolver status as text: $CTL_OUT"
grep -q -- '--control PATH' <<<"$("$RESOLVER" --help)" || fail "dns-resolver --help lacks --control"
ctl_stop dns-resolver "$RSOCK" "$RPID"

# without --dir and --control: no socket anywhere, serving all the same
start resolver2 "$RESOLVER" --port $R2
wait_until 30 "the second resolver to listen" grep -q 'msg=listening' "$IT_TMP/resolver2.log"
grep -q 'control socket' "$IT_TMP/resolver2.log" && fail "a control socket without --dir/--control"

# ---- dns-letsencrypt-secondary: --control ----
start les "$LES" --primary 127.0.0.1:$P --control "$LSOCK" \
	--key "web._update.example.com:hmac-sha256:$TRANSFER_KEY_SECRET"
LPID=$STARTED_PID
wait_until 30 "the control socket of dns-letsencrypt-secondary" test -S "$LSOCK"
[ "$(stat -c %a "$LSOCK")" = 600 ] || fail "les control socket mode $(stat -c %a "$LSOCK")"
ctl_ok "$LSOCK" --json status
json_is 'r["result"]["program"]' dns-letsencrypt-secondary
json_is 'r["result"]["zones"]' 1
json_is 'r["result"]["orders_in_flight"]' 0
ctl_rc 2 "$LSOCK" zones
grep -q -- '--control PATH' <<<"$("$LES" --help)" || fail "dns-letsencrypt-secondary --help lacks --control"
ctl_stop dns-letsencrypt-secondary "$LSOCK" "$LPID"
it_log "ok"
