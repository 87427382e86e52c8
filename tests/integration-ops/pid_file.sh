#!/usr/bin/env bash
# pid_file.sh: --pid-file (issue 13, item 3).  Each daemon writes its pid
# there once its sockets are bound and removes the file when it stops;
# a refused start (an address in use) leaves no pid file.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
ops_init pid_file "$@"
pick_ports 3
P=${PORTS[0]} P2=${PORTS[1]} M=${PORTS[2]}
ops_remote 1
printf '. 3600000 NS a.root.test.\na.root.test. 3600000 A 127.0.0.99\n' >"$T/hints"

# check_pid_file NAME PIDFILE CMD...: start CMD, its pid in PIDFILE, gone at exit.
check_pid_file() {
	local name=$1 pidf=$2
	shift 2
	start "$name" "$@" --pid-file "$pidf"
	local pid=$STARTED_PID
	wait_until 30 "$name wrote $pidf" test -s "$pidf"
	[ "$(cat "$pidf")" = "$pid" ] || fail "$name: $pidf holds '$(cat "$pidf")', not $pid"
	stop "$pid"
	[ "$STOP_RC" = 0 ] || fail "$name exited $STOP_RC on SIGTERM"
	[ ! -e "$pidf" ] || fail "$name: $pidf left behind at exit"
	it_log "ok: $name wrote its pid to $pidf and removed it at exit"
}

check_pid_file primary "$T/primary.pid" "$PRIMARY" --remote "$REMOTE" --state-dir "$T/ps" \
	--listen "127.0.0.1:$P" --workers 1
check_pid_file secondary "$T/secondary.pid" "$SECONDARY" --zone example.com \
	--primary "127.0.0.1:$P2" --listen "127.0.0.1:$P" --workers 1
check_pid_file resolver "$T/resolver.pid" "$RESOLVER" --port "$P" --root-hints "$T/hints"
check_pid_file les "$T/les.pid" "$LES" --primary "127.0.0.1:$P2" \
	--key "acme._update.example.com:hmac-sha256:$TRANSFER_KEY_SECRET" --account-key-seed test \
	--metrics "127.0.0.1:$M"

# a start refused for an address in use writes none
start holder "$RESOLVER" --port "$P" --root-hints "$T/hints"
wait_until 30 "resolver listening" grep -q "addr=127.0.0.1:$P" "$T/holder.log"
expect_refusal refused "address in use" \
	"$PRIMARY" --remote "$REMOTE" --state-dir "$T/ps" --listen "127.0.0.1:$P" --workers 1 \
	--pid-file "$T/refused.pid"
[ ! -e "$T/refused.pid" ] || fail "a refused start wrote a pid file"
it_log PASS
