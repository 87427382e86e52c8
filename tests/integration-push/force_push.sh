#!/usr/bin/env bash
# Force-pushes made straight to the remote (a repository without our
# hooks) are followed: the remote is the source of truth.
#   1. A, then B pushed and served (a Knot secondary follows).
#   2. The remote is rewound to A (push -f): after the NOTIFY the primary
#      serves A again without a restart, logs a warning with both commits
#      (kind=rewind) and one saying the serial went down, and still
#      notifies the secondary of the lower serial.
#   3. The operator does as told: a rewritten history (C, divergent from
#      A) with a serial above B's: served, logged (kind=divergent), and
#      the secondary takes it.
#   4. IXFR history comes from the new branch: after D on top of C, an
#      IXFR from B's serial (no longer in the branch) is the whole zone,
#      not a difference from B's abandoned content.
#   5. Restart with the remote rewritten meanwhile (E): the true message
#      "remote branch rewritten while stopped", never "dropped ... local
#      commits".  Restart with a local commit that never reached the
#      remote (made in the clone by hand): "dropped local commits that
#      never reached the remote", never "rewritten".
source "$(dirname "$0")/../integration/lib.sh"
it_init force_push "$@"
need_tool kdig knot-dnsutils
need_tool knotd knot
need_tool git git

pick_ports 2
P=${PORTS[0]} KP=${PORTS[1]}
SA=2026060101 SB=2026060102 SC=2026060103 SD=2026060104 SE=2026060105

mkdir -p "$IT_TMP/seed" "$IT_TMP/knot"
small_zone $SA >"$IT_TMP/seed/example.com"
write_keys "$IT_TMP/seed/_keys"
REMOTE=$IT_TMP/remote.git
make_remote "$REMOTE" "$IT_TMP/seed"
W=$IT_TMP/seed   # the clone that made the remote: the person force-pushing
A=$(git -C "$REMOTE" rev-parse main)
LOG=$IT_TMP/primary.log

start_primary primary "$IT_TMP/state" --remote "$REMOTE" --listen 127.0.0.1:$P \
	--notify 127.0.0.1:$KP
wait_serial 30 127.0.0.1 $P example.com $SA
knot_secondary_conf "$IT_TMP/knot" $KP $P >"$IT_TMP/knot/knot.conf"
start knot knotd -c "$IT_TMP/knot/knot.conf"
wait_serial 30 127.0.0.1 $KP example.com $SA

# www ADDR SERIAL: set www's address and the serial in the person's clone
www() {
	sed -i -E "s/^(www +IN A +)192\.0\.2\.[0-9]+$/\1$1/" "$W/example.com"
	grep -Eq "^www +IN A +$1$" "$W/example.com" || fail "could not set www A $1"
	set_serial "$W/example.com" "$2"
}
# serving PORT SERIAL ADDR: PORT serves SERIAL with www A ADDR
serving() { serial_is 127.0.0.1 "$1" example.com "$2" && answer_is 127.0.0.1 "$1" A www.example.com "$3"; }
# logged PATTERN: the primary's log has a line matching PATTERN (grep -E)
logged() { grep -Eq -- "$1" "$LOG"; }
# log_count PATTERN: lines of the primary's log matching PATTERN
log_count() { grep -Ec -- "$1" "$LOG" || true; }
NOT_FOLLOWED='diverged from the remote; not moved'
DROPPED='dropped (unpushed )?local commits'

# ---- 1. B, a normal push ----
www 192.0.2.81 $SB
push_edit "$W" "B: www moves to .81"
B=$(git -C "$REMOTE" rev-parse main)
notify_primary $P
wait_until 30 "primary serving B ($SB, www .81)" serving $P $SB 192.0.2.81
wait_until 30 "knot serving B ($SB, www .81)" serving $KP $SB 192.0.2.81
it_log "B ($SB) served by the primary and the secondary"

# ---- 2. rewind the remote to A ----
git -C "$W" reset -q --hard "$A"
git -C "$W" push -q -f origin main
knot_lines=$(wc -l <"$IT_TMP/knot.log")
notify_primary $P
wait_until 30 "primary serving A again ($SA, www .80), no restart" serving $P $SA 192.0.2.80
REWIND="level=warn msg=\"remote branch rewritten; following it\" old=$B new=$A kind=rewind"
logged "$REWIND" || fail "no log line '$REWIND': $(grep -E 'rewritten|diverged' "$LOG")"
it_log "log: $(grep -E 'msg="remote branch rewritten' "$LOG" | tail -n 1)"
SERIAL_DOWN="level=warn msg=\"serial not above the one served before[^\"]*raise the serial[^\"]*\" zone=example.com serial=$SA previous=$SB fix=\"dns-zone bump-serial --min $((SB + 1)) example.com\""
logged "$SERIAL_DOWN" || fail "no warning about the serial going down ($SB -> $SA): $(grep -E 'serial' "$LOG" | tail -n 3)"
it_log "log: $(grep -E 'msg="serial not above' "$LOG" | tail -n 1)"
logged "$NOT_FOLLOWED" && fail "the primary still logs '$NOT_FOLLOWED'"
# the NOTIFY goes out with the lower serial, and reaches the secondary
wait_until 30 "a NOTIFY of serial $SA queued for the secondary" \
	logged "msg=\"notify queued\" zone=example.com serial=$SA target=127.0.0.1#$KP"
knot_notified() { tail -n +"$((knot_lines + 1))" "$IT_TMP/knot.log" | grep -Eq "notify, incoming, remote 127\.0\.0\.1@[0-9]+, serial $SA"; }
wait_until 30 "knot's log: an incoming NOTIFY for serial $SA" knot_notified
it_log "the secondary was notified of $SA; it serves $(soa_serial 127.0.0.1 $KP example.com) (a lower serial is not transferred)"

# ---- 3. a rewritten history with the serial bumped above B's ----
www 192.0.2.83 $SC
git -C "$W" add -A
git -C "$W" commit -q --amend -m "C: A rewritten, www .83, serial above B's"
C=$(git -C "$W" rev-parse HEAD)
git -C "$W" push -q -f origin main
notify_primary $P
wait_until 30 "primary serving C ($SC, www .83)" serving $P $SC 192.0.2.83
DIVERGE="level=warn msg=\"remote branch rewritten; following it\" old=$A new=$C kind=divergent"
logged "$DIVERGE" || fail "no log line '$DIVERGE': $(grep -E 'rewritten' "$LOG")"
[ "$(log_count "msg=\"serial not above.*serial=$SC")" = 0 ] ||
	fail "a serial warning for $SC, which is above everything served before"
wait_until 30 "knot serving C ($SC, www .83)" serving $KP $SC 192.0.2.83
it_log "C ($SC) served by the primary and the secondary"

# ---- 4. IXFR history from the new branch ----
www 192.0.2.84 $SD
push_edit "$W" "D: www .84"
D=$(git -C "$REMOTE" rev-parse main)
notify_primary $P
wait_until 30 "primary serving D ($SD, www .84)" serving $P $SD 192.0.2.84
wait_until 30 "knot serving D ($SD, www .84)" serving $KP $SD 192.0.2.84
ixfr() { kdig @127.0.0.1 -p $P +noall +answer +time=2 +retry=0 -y "hmac-sha256:${TRANSFER_KEY_NAME%.}:$TRANSFER_KEY_SECRET" "IXFR=$1" example.com; }
ixfr $SC >"$IT_TMP/ixfr-c.txt"
grep -Eq "www\.example\.com\..*A[[:space:]]+192\.0\.2\.83" "$IT_TMP/ixfr-c.txt" &&
	grep -Eq "www\.example\.com\..*A[[:space:]]+192\.0\.2\.84" "$IT_TMP/ixfr-c.txt" &&
	[ "$(grep -c 'SOA' "$IT_TMP/ixfr-c.txt")" = 4 ] ||
	fail "IXFR from $SC is not the difference C -> D: $(cat "$IT_TMP/ixfr-c.txt")"
ixfr $SB >"$IT_TMP/ixfr-b.txt"
grep -q '192\.0\.2\.81' "$IT_TMP/ixfr-b.txt" &&
	fail "IXFR from $SB (B, no longer in the branch) differs from B's abandoned content: $(cat "$IT_TMP/ixfr-b.txt")"
grep -Eq "www\.example\.com\..*A[[:space:]]+192\.0\.2\.84" "$IT_TMP/ixfr-b.txt" &&
	grep -Eq "mail\.example\.com\..*A[[:space:]]+192\.0\.2\.25" "$IT_TMP/ixfr-b.txt" ||
	fail "IXFR from $SB is not the whole zone D: $(cat "$IT_TMP/ixfr-b.txt")"
it_log "IXFR from $SC: C -> D; from $SB (abandoned): the whole zone"

# ---- 5a. restart after a rewrite made while stopped ----
stop "$PRIMARY_PID"
www 192.0.2.85 $SE
git -C "$W" add -A
git -C "$W" commit -q --amend -m "E: D rewritten, www .85"
E=$(git -C "$W" rev-parse HEAD)
git -C "$W" push -q -f origin main
mv "$LOG" "$IT_TMP/primary-1.log"
start_primary primary "$IT_TMP/state" --remote "$REMOTE" --listen 127.0.0.1:$P \
	--notify 127.0.0.1:$KP
wait_until 30 "primary serving E ($SE, www .85) after the restart" serving $P $SE 192.0.2.85
STOPPED="level=warn msg=\"remote branch rewritten while stopped; following it\" old=$D new=$E kind=divergent"
logged "$STOPPED" || fail "no log line '$STOPPED' at the restart: $(grep -E 'level=warn' "$LOG")"
logged "$DROPPED" && fail "the restart claims '$(grep -E "$DROPPED" "$LOG")' although no local commit existed"
it_log "restart log: $(grep -E 'rewritten while stopped' "$LOG")"

# ---- 5b. restart with a local commit that never reached the remote ----
stop "$PRIMARY_PID"
tree=$(git -C "$IT_TMP/state" rev-parse "main^{tree}")
L=$(git -C "$IT_TMP/state" commit-tree "$tree" -p main -m "local, never pushed")
git -C "$IT_TMP/state" update-ref refs/heads/main "$L"
mv "$LOG" "$IT_TMP/primary-2.log"
start_primary primary "$IT_TMP/state" --remote "$REMOTE" --listen 127.0.0.1:$P \
	--notify 127.0.0.1:$KP
wait_until 30 "primary serving E ($SE) after the second restart" serving $P $SE 192.0.2.85
UNPUSHED="level=warn msg=\"dropped local commits that never reached the remote[^\"]*\" old=$L new=$E"
logged "$UNPUSHED" || fail "no log line '$UNPUSHED': $(grep -E 'level=warn' "$LOG")"
logged 'rewritten' && fail "the remote was not rewritten, yet: $(grep rewritten "$LOG")"
[ "$(git -C "$IT_TMP/state" rev-parse main)" = "$E" ] || fail "the clone's branch is not back at E"
[ "$(git -C "$REMOTE" rev-parse main)" = "$E" ] || fail "the remote moved"
it_log "restart log: $(grep -E 'dropped local commits' "$LOG")"

echo "PASS: rewind and divergent force-pushes followed without restart (warnings with both commits, lower serial announced), IXFR from the new branch, true restart messages"
