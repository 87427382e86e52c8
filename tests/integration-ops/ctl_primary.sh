#!/usr/bin/env bash
# Issue 13, item 2: dns-ctl against a running dns-primary-git.  The
# control socket is made with mode 0600; status and zones answer as text
# and as JSON (parsed by Python's json); a push to the remote with no
# NOTIFY and no --poll is served as soon as `dns-ctl reload` returns (the
# served serial has changed when it exits); a zone that no longer loads
# shows its error in `zones`; `notify ZONE` sends the zone's NOTIFYs again
# (seen by a listening peer); refusals exit with their documented codes;
# a second daemon cannot take a control socket in use; a socket left by a
# killed daemon is replaced; `stop` ends the daemon with exit status 0 and
# removes the socket.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
ops_init ctl_primary "$@"

# start_notify_listener NAME PORT LOGFILE: a UDP server on 127.0.0.1:PORT
# answering every NOTIFY (NOERROR, as a secondary does) and appending
# "ZONE SERIAL" to LOGFILE for each.
start_notify_listener() {
	local name=$1 port=$2 out=$3
	port_free "$port"
	: >"$out"
	start "$name" "$PY" -c '
import socket, sys
import dns.message, dns.opcode, dns.rdatatype
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
while True:
    data, peer = s.recvfrom(65535)
    try:
        m = dns.message.from_wire(data, ignore_trailing=True)
    except Exception as e:
        print("unparsable:", e, flush=True)
        continue
    if m.opcode() != dns.opcode.NOTIFY:
        continue
    serial = "-"
    for rrset in m.answer:
        if rrset.rdtype == dns.rdatatype.SOA:
            serial = str(rrset[0].serial)
    with open(sys.argv[2], "a") as f:
        f.write("%s %s\n" % (m.question[0].name.to_text(omit_final_dot=True), serial))
    r = dns.message.make_response(m)
    s.sendto(r.to_wire(), peer)
' "$port" "$out"
}

pick_ports 2
P=${PORTS[0]} NP=${PORTS[1]}
SOCK=$IT_TMP/state/control.sock

ops_remote 2026060101 none
start_notify_listener listener $NP "$IT_TMP/notifies"
start_primary primary "$IT_TMP/state" --remote "$REMOTE" --listen 127.0.0.1:$P \
	--notify 127.0.0.1:$NP
wait_serial 30 127.0.0.1 $P example.com 2026060101
wait_until 30 "the control socket" test -S "$SOCK"

# ---- the socket: the daemon's user alone ----
mode=$(stat -c %a "$SOCK")
[ "$mode" = 600 ] || fail "control socket mode is $mode, expected 600"

# ---- status and zones ----
head1=$(git -C "$SEED" rev-parse HEAD)
ctl_ok "$SOCK" status
grep -q '^program: *dns-primary-git$' <<<"$CTL_OUT" || fail "status: no program line"
grep -q "^commit: *$head1$" <<<"$CTL_OUT" || fail "status: commit served is not $head1"
grep -q '^version: *[0-9]' <<<"$CTL_OUT" || fail "status: no version"
ctl_ok "$SOCK" --json status
json_is 'r["ok"]' true
json_is 'r["result"]["commit"]' "$head1"
json_is 'r["result"]["zones"]' 1
json_is 'r["result"]["pending_updates"]' 0
json_is 'r["result"]["remote_reachable"]' true
[ "$(json 'r["result"]["uptime_seconds"] >= 0')" = true ] || fail "status: uptime"
ctl_ok "$SOCK" --json zones
json_is 'r["result"]["zones"][0]["zone"]' example.com
json_is 'r["result"]["zones"][0]["serial"]' 2026060101
json_is 'r["result"]["zones"][0]["commit"]' "${head1:0:12}"
[ "$(json 'r["result"]["zones"][0]["records"] > 5')" = true ] || fail "zones: record count"
json_is 'r["result"]["zones"][0]["error"]' null
ctl_ok "$SOCK" zones
grep -Eq '^example\.com +2026060101 +'"${head1:0:12}"' ' <<<"$CTL_OUT" ||
	fail "zones as text: no example.com line with serial and commit"

# ---- reload: a push with no NOTIFY, served when the command returns ----
set_serial "$SEED/example.com" 2026060102
echo "pushed  IN A   192.0.2.102" >>"$SEED/example.com"
push_edit "$SEED" "serial 2026060102, no notify"
head2=$(git -C "$SEED" rev-parse HEAD)
sleep 2   # nothing reloads by itself: there is no NOTIFY and no --poll
serial_is 127.0.0.1 $P example.com 2026060101 || fail "reloaded without being asked"
ctl_ok "$SOCK" --json reload example.com
json_is 'r["result"]["commit"]' "$head2"
json_is 'r["result"]["serial"]' 2026060102
# no wait: the new version is served once reload has answered
serial_is 127.0.0.1 $P example.com 2026060102 ||
	fail "serial $(soa_serial 127.0.0.1 $P example.com) served after reload returned, expected 2026060102"
answer_is 127.0.0.1 $P A pushed.example.com 192.0.2.102 || fail "pushed record not served"
grep -q "control: reloading" "$IT_TMP/primary.log" || fail "the reload is not logged"

# a version that does not load: served stays the last good, zones says why
set_serial "$SEED/example.com" 2026060103
echo "broken  IN A   192.0.2.300" >>"$SEED/example.com"
push_edit "$SEED" "broken"
ctl_ok "$SOCK" reload
grep -q "^commit: *$(git -C "$SEED" rev-parse HEAD)$" <<<"$CTL_OUT" || fail "reload: commit"
serial_is 127.0.0.1 $P example.com 2026060102 || fail "the broken version is served"
ctl_ok "$SOCK" --json zones
json_is 'r["result"]["zones"][0]["serial"]' 2026060102
json_is 'r["result"]["zones"][0]["commit"]' "${head2:0:12}"
err=$(json 'r["result"]["zones"][0]["error"]')
grep -q 'example.com:[0-9]*:[0-9]*:.*IPv4' <<<"$err" || fail "zones: load error is '$err'"
ctl_ok "$SOCK" --json status
json_is 'r["result"]["zones_failed"]' 1

# ---- notify: the zone's NOTIFYs again, to a listening peer ----
wait_until 30 "the NOTIFYs of the reloads" grep -q 'example.com 2026060102' "$IT_TMP/notifies"
before=$(wc -l <"$IT_TMP/notifies")
ctl_ok "$SOCK" --json notify example.com
json_is 'r["result"]["serial"]' 2026060102
json_is 'r["result"]["targets"][0]["target"]' "127.0.0.1#$NP"
json_is 'r["result"]["targets"][0]["notify"]' queued
wait_until 30 "a NOTIFY after dns-ctl notify" test "$(wc -l <"$IT_TMP/notifies")" -gt "$before"
tail -n 1 "$IT_TMP/notifies" | grep -qx 'example.com 2026060102' ||
	fail "the listener got '$(tail -n 1 "$IT_TMP/notifies")'"

# ---- refusals and their exit codes ----
ctl_rc 1 "$SOCK" reload nosuch.test
grep -q 'no-such-zone' <<<"$CTL_OUT" || fail "reload of an unknown zone: $CTL_OUT"
ctl_rc 1 "$SOCK" notify nosuch.test
ctl_rc 2 "$SOCK" frobnicate
grep -q 'unknown-command' <<<"$CTL_OUT" || fail "unknown command: $CTL_OUT"
ctl_rc 2 "$SOCK" notify
ctl_rc 2 "$SOCK" --json reload a b
json_is 'r["error"]' bad-arguments
ctl_rc 3 "$IT_TMP/nowhere.sock" status
ctl_rc 2 "$SOCK" --bogus-option status
# (the help read whole first: grep -q may stop reading early, and with pipefail
# the writer's SIGPIPE would fail the check)
grep -q 'Exit status' <<<"$("$CTL" --help)" || fail "dns-ctl --help does not document the exit status"
"$CTL" --version | grep -Eq '^dns-ctl [0-9]' || fail "dns-ctl --version"
grep -q -- '--control PATH' <<<"$("$PRIMARY" --help)" || fail "dns-primary-git --help lacks --control"

# ---- one daemon per socket ----
start primary2 "$PRIMARY" --state-dir "$IT_TMP/state2" --remote "$REMOTE" \
	--listen 127.0.0.1:0 --workers 1 --control "$SOCK"
P2=$STARTED_PID
unwatch $P2
wait_until 30 "a second primary on the same control socket to give up" gone $P2
stop $P2
[ "$STOP_RC" != 0 ] || fail "a second primary ran on a control socket in use"
grep -q 'another process answers on it' "$IT_TMP/primary2.log" || fail "no clear message"
ctl_ok "$SOCK" status   # still the first one's

# ---- stop: exit 0, socket removed ----
ctl_stop dns-primary-git "$SOCK" "$PRIMARY_PID"
grep -qx 'stopping' <<<"$CTL_OUT" || fail "stop: $CTL_OUT"

# ---- a socket left by a killed daemon is replaced ----
sed -i '/^broken /d' "$SEED/example.com"
set_serial "$SEED/example.com" 2026060104
push_edit "$SEED" "fixed"
start_primary primary3 "$IT_TMP/state" --remote "$REMOTE" --listen 127.0.0.1:$P
wait_until 30 "the control socket" test -S "$SOCK"
wait_serial 30 127.0.0.1 $P example.com 2026060104
unwatch "$PRIMARY_PID"
kill -KILL "$PRIMARY_PID"
wait "$PRIMARY_PID" 2>/dev/null || true
[ -S "$SOCK" ] || fail "expected the killed daemon's socket file to stay"
start_primary primary4 "$IT_TMP/state" --remote "$REMOTE" --listen 127.0.0.1:$P
wait_until 30 "status from the new primary" "$CTL" --control "$SOCK" status
grep -q 'removed a stale socket' "$IT_TMP/primary4.log" || fail "the stale socket is not logged"
ctl_ok "$SOCK" --json status
json_is 'r["result"]["pid"]' "$PRIMARY_PID"
it_log "ok"
