#!/usr/bin/env bash
# state_lock.sh: one daemon per state directory (issue 13, item 1).  A
# second dns-primary-git (on another port) with the state directory of a
# running one exits non-zero naming the running one's pid; so does a
# second dns-secondary; once the first stops, the lock is released and
# the directory can be used again.  The lock is an flock on the directory
# itself: the primary's clone is untouched by it.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
ops_init state_lock "$@"
pick_ports 3
P1=${PORTS[0]} P2=${PORTS[1]} P3=${PORTS[2]}
ops_remote 1

start_primary first "$T/state" --remote "$REMOTE" --listen "127.0.0.1:$P1"
FIRST=$PRIMARY_PID
wait_serial 30 127.0.0.1 "$P1" example.com 1
expect_refusal second "state directory $T/state is in use by another daemon (pid $FIRST)" \
	"$PRIMARY" --remote "$REMOTE" --state-dir "$T/state" --listen "127.0.0.1:$P2" --workers 1
# the refused one bound nothing: its port is still free
port_is_free "$P2" || fail "the refused primary left port $P2 bound"
serial_is 127.0.0.1 "$P1" example.com 1 || fail "the first primary stopped answering"
stop "$FIRST"
[ "$STOP_RC" = 0 ] || fail "the first primary exited $STOP_RC on SIGTERM"
# released at exit: the same directory serves again
start_primary again "$T/state" --remote "$REMOTE" --listen "127.0.0.1:$P2"
wait_serial 30 127.0.0.1 "$P2" example.com 1
git -C "$T/state" rev-parse --verify -q main >/dev/null || fail "the clone is not usable by git"
it_log "ok: lock released at exit, the clone reused"
stop "$PRIMARY_PID"

# dns-secondary: same rule for its --state-dir
start sec1 "$SECONDARY" --zone example.com --primary "127.0.0.1:$P3" --listen "127.0.0.1:$P1" \
	--workers 1 --state-dir "$T/sec"
SEC1=$STARTED_PID
wait_until 30 "dns-secondary started" grep -q 'msg=started' "$T/sec1.log"
expect_refusal sec2 "state directory $T/sec is in use by another daemon (pid $SEC1)" \
	"$SECONDARY" --zone example.com --primary "127.0.0.1:$P3" --listen "127.0.0.1:$P2" \
	--workers 1 --state-dir "$T/sec"
it_log PASS
