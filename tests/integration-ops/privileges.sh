#!/usr/bin/env bash
# privileges.sh: --user/--group (issue 13, item 3).  Started as root, each
# daemon binds its sockets (port 53 included) and then runs as the user
# given: /proc/PID/status shows its uid and gid, it still serves, and what
# it writes (the primary's fetch into its clone, the secondary's zone
# files) belongs to the user.  A state directory the user cannot write is
# refused at start with a message saying which path and what to do; a
# daemon not started as root refuses --user rather than pretend.
#
# Needs root: it shows root being dropped.  As another user it FAILS with
# that reason rather than skip (the test machines run the suite as root).
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
ops_init privileges "$@"
[ "$(id -u)" = 0 ] ||
	fail "privileges.sh starts daemons as root to see them drop to nobody: run the tests as root"
getent passwd nobody >/dev/null && getent group nogroup >/dev/null ||
	fail "user nobody and group nogroup are needed (base-passwd)"
NOBODY=$(id -u nobody) NOGROUP=$(getent group nogroup | cut -d: -f3)
pick_ports 4
P=${PORTS[0]} SP=${PORTS[1]} RP=${PORTS[2]} M=${PORTS[3]}
chmod 0755 "$T"   # nobody must reach what is in it
ops_remote 1
# a local remote belongs to the user who fetches it (git's safe.directory)
chown -R nobody:nogroup "$REMOTE"

# ids PID: "uid gid" (real, effective, saved, filesystem all equal) or "mixed"
ids() {
	awk '/^Uid:/ { u = ($2 == $3 && $3 == $4 && $4 == $5) ? $2 : "mixed" }
	     /^Gid:/ { g = ($2 == $3 && $3 == $4 && $4 == $5) ? $2 : "mixed" }
	     END { print u, g }' "/proc/$1/status"
}
expect_ids() { # NAME PID UID GID
	local got
	got=$(ids "$2")
	[ "$got" = "$3 $4" ] || fail "$1 (pid $2) runs as uid/gid '$got', expected '$3 $4': $(grep -E '^(Uid|Gid|Groups):' "/proc/$2/status")"
	it_log "ok: $1 runs as uid $3 gid $4 ($(grep '^Uid:' "/proc/$2/status" | tr -s '\t' ' '))"
}

# dns-primary-git --user nobody: the clone is created for nobody
start_primary primary "$T/state" --remote "$REMOTE" --listen "127.0.0.1:$P" --user nobody \
	--metrics "127.0.0.1:$M"
wait_serial 30 127.0.0.1 "$P" example.com 1
expect_ids dns-primary-git "$PRIMARY_PID" "$NOBODY" "$NOGROUP"
[ "$(stat -c %U "$T/state")" = nobody ] || fail "state directory not owned by nobody"
# a new commit, fetched on SIGHUP: written into the clone as nobody
set_serial "$T/seed/example.com" 2
git -C "$T/seed" add -A
git -C "$T/seed" commit -q -m serial2
# (root pushing into nobody's repository: git wants it named safe, in a
# global config; -c does not reach the receiving side of a local push)
mkdir -p "$T/roothome"
printf '[safe]\n\tdirectory = *\n' >"$T/roothome/.gitconfig"
HOME=$T/roothome git -C "$T/seed" push -q origin main
kill -HUP "$PRIMARY_PID"
wait_serial 30 127.0.0.1 "$P" example.com 2
root_owned=$(find "$T/state" ! -user nobody | head -3)
[ -z "$root_owned" ] || fail "files in the clone not owned by nobody: $root_owned"
metrics "127.0.0.1:$M" | grep -q '^dns_' || fail "metrics not served after dropping root"
it_log "ok: fetch on SIGHUP, clone written as nobody, metrics still served"
stop "$PRIMARY_PID"

# dns-secondary --user nobody --group nogroup: its zone files are nobody's
start_primary src "$T/state" --remote "$REMOTE" --listen "127.0.0.1:$P" --axfr --user nobody
wait_serial 30 127.0.0.1 "$P" example.com 2
start secondary "$SECONDARY" --zone example.com --primary "127.0.0.1:$P" \
	--listen "127.0.0.1:$SP" --workers 1 --state-dir "$T/sec" --user nobody --group nogroup
SEC=$STARTED_PID
wait_serial 30 127.0.0.1 "$SP" example.com 2
expect_ids dns-secondary "$SEC" "$NOBODY" "$NOGROUP"
has_zone_file() { [ -n "$(find "$T/sec" -type f | head -1)" ]; }
wait_until 30 "the secondary's zone file" has_zone_file
root_owned=$(find "$T/sec" ! -user nobody | head -3)
[ -z "$root_owned" ] || fail "secondary files not owned by nobody: $root_owned"
stop "$SEC"

# dns-resolver on port 53 of a loopback address of its own, then nobody
for try in 1 2 3 4 5 6 7 8 9 10; do
	A53=127.13.$((RANDOM % 250 + 1)).$((RANDOM % 250 + 1))
	"$PY" -c 'import socket,sys
for t in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
    s = socket.socket(socket.AF_INET, t); s.bind((sys.argv[1], 53)); s.close()' "$A53" 2>/dev/null && break
done
printf '%s\n' "\$ORIGIN res.test." "\$TTL 60" "@ SOA ns h 1 60 60 60 60" "@ NS ns" "ns A 192.0.2.1" \
	>"$T/res.zone"
start resolver "$RESOLVER" --listen "$A53:53" --local-zone "$T/res.zone" --user nobody
RES=$STARTED_PID
wait_until 30 "the resolver answers on $A53:53" serial_is "$A53" 53 res.test 1
expect_ids "dns-resolver (bound $A53:53)" "$RES" "$NOBODY" "$NOGROUP"
stop "$RES"

# dns-letsencrypt-secondary --user nobody
start les "$LES" --primary "127.0.0.1:$P" --account-key-seed test --user nobody \
	--key "acme._update.example.com:hmac-sha256:$TRANSFER_KEY_SECRET"
wait_until 30 "dns-letsencrypt-secondary started" grep -q 'msg=started' "$T/les.log"
expect_ids dns-letsencrypt-secondary "$STARTED_PID" "$NOBODY" "$NOGROUP"
stop "$STARTED_PID"

# a state directory nobody cannot write: refused, saying what to do
mkdir -m 0700 "$T/rootstate"
expect_refusal root_state "state directory $T/rootstate is not writable by user nobody (uid $NOBODY); give it to that user: chown -R nobody $T/rootstate" \
	"$PRIMARY" --remote "$REMOTE" --state-dir "$T/rootstate" --listen "127.0.0.1:$RP" \
	--workers 1 --user nobody
# ... or one path inside it
cp -a "$T/sec" "$T/mixed"
chown -R nobody:nogroup "$T/mixed"
mkdir -m 0700 "$T/mixed/root-only"
expect_refusal mixed_state "state directory $T/mixed: $T/mixed/root-only is not writable by user nobody" \
	"$SECONDARY" --zone example.com --primary "127.0.0.1:$P" --listen "127.0.0.1:$RP" \
	--workers 1 --state-dir "$T/mixed" --user nobody
# unknown users, and --user without root
expect_refusal no_user "--user no-such-user-x: no such user" \
	"$PRIMARY" --remote "$REMOTE" --state-dir "$T/x" --listen "127.0.0.1:$RP" --user no-such-user-x
expect_refusal not_root "only root can switch to another user" \
	runuser -u nobody -- "$RESOLVER" --port "$RP" --user root
it_log PASS
