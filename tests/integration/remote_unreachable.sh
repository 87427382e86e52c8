#!/usr/bin/env bash
# The remote cannot be reached at start (issue 3, "Bad input"):
# - without an earlier clone in --state-dir: a clear error and a non-zero exit;
# - with one: the server starts from that clone, serves it, says it is stale,
#   and keeps retrying: once the remote is back, a push + NOTIFY is served.
source "$(dirname "$0")/lib.sh"
it_init remote_unreachable "$@"
need_tool kdig knot-dnsutils
need_tool git git

pick_ports 1
P=${PORTS[0]}
FIRST=2026050101 SECOND=2026050102

# 1. no remote, no state: exits non-zero with a message naming the remote
start_primary lonely "$IT_TMP/state-none" --remote "$IT_TMP/missing.git" --listen 127.0.0.1:$P
pid=$PRIMARY_PID
unwatch "$pid"
wait_until 30 "dns-primary-git without a remote to exit" bash -c "! kill -0 $pid 2>/dev/null"
rc=0
wait "$pid" 2>/dev/null || rc=$?
[ "$rc" -ne 0 ] || fail "dns-primary-git exited 0 with an unreachable remote and no clone"
grep -q "missing.git" "$IT_TMP/lonely.log" ||
	fail "the error does not name the remote: $(tail -n 3 "$IT_TMP/lonely.log")"
it_log "no clone: exit $rc, $(grep -m1 -i 'error' "$IT_TMP/lonely.log")"

# 2. an earlier clone: serve it while the remote is away
mkdir -p "$IT_TMP/seed"
small_zone $FIRST >"$IT_TMP/seed/example.com"
write_keys "$IT_TMP/seed/_keys"
make_remote "$IT_TMP/remote.git" "$IT_TMP/seed"
start_primary first "$IT_TMP/state" --remote "$IT_TMP/remote.git" --listen 127.0.0.1:$P
wait_serial 30 127.0.0.1 $P example.com $FIRST
stop "$PRIMARY_PID"

mv "$IT_TMP/remote.git" "$IT_TMP/remote.away"
start_primary stale "$IT_TMP/state" --remote "$IT_TMP/remote.git" --listen 127.0.0.1:$P
wait_serial 30 127.0.0.1 $P example.com $FIRST
answer_is 127.0.0.1 $P A www.example.com 192.0.2.80 || fail "the stale clone does not answer www"
grep -qiE 'level=warn.*stale|stale.*level=warn' "$IT_TMP/stale.log" ||
	fail "no warning about serving a stale clone in the log"

# 3. the remote comes back: a push and its NOTIFY are served (retrying worked)
mv "$IT_TMP/remote.away" "$IT_TMP/remote.git"
set_serial "$IT_TMP/seed/example.com" $SECOND
sed -i 's/^www     IN A   192.0.2.80$/www     IN A   192.0.2.81/' "$IT_TMP/seed/example.com"
push_edit "$IT_TMP/seed" "serial $SECOND"
notify_primary $P
wait_serial 30 127.0.0.1 $P example.com $SECOND
answer_is 127.0.0.1 $P A www.example.com 192.0.2.81 || fail "www is not the pushed address"
stop "$PRIMARY_PID"
[ "$STOP_RC" = 0 ] || fail "dns-primary-git exited $STOP_RC on SIGTERM (expected 0)"
echo "PASS: no clone: clear error, exit $rc; with a clone: served stale, then followed the remote once it was back"
