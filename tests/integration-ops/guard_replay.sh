#!/usr/bin/env bash
# TSIG replays (RFC 8945 §5.2.3; issue 13, item 7): a signed request that
# verifies may be captured and sent again while its time signed is within
# the fudge (5 minutes).  nsupdate's UPDATE, captured on its way by a
# relay, applied, then undone by a second UPDATE: sent again as it was, it
# is dropped (no answer), not applied again, logged and counted; the same
# for a signed NOTIFY at dns-primary-git and at dns-secondary.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
ops_init guard_replay "$@"
need_tool nsupdate bind9-dnsutils

pick_ports 5
P=${PORTS[0]} PM=${PORTS[1]} RELAY=${PORTS[2]} S=${PORTS[3]} SM=${PORTS[4]}
ops_remote 2026120601 admin
start_primary primary "$IT_TMP/pstate" --remote "$REMOTE" --listen 127.0.0.1:$P \
	--metrics 127.0.0.1:$PM
wait_serial 30 127.0.0.1 $P example.com 2026120601

"$PY" "$GC" capture --listen $RELAY --to $P --out "$IT_TMP/update.bin" >"$IT_TMP/relay.log" 2>&1 &
IT_PIDS+=("$!")
wait_until 10 "the relay" grep -q ready "$IT_TMP/relay.log"

nsu() { # PORT COMMANDS: nsupdate with the update key
	printf 'server 127.0.0.1 %s\nzone example.com\n%s\nsend\n' "$1" "$2" |
		nsupdate -y "hmac-sha256:${ADMIN_KEY%.}:$ADMIN_SECRET" -t 20
}
nsu $RELAY 'update add replay.example.com. 300 TXT "first"' ||
	fail "nsupdate through the relay failed"
[ -s "$IT_TMP/update.bin" ] || fail "the relay captured nothing"
wait_until 30 "the update served" answer_is 127.0.0.1 $P TXT replay.example.com '"first"'
nsu $P 'update delete replay.example.com. TXT' || fail "nsupdate delete failed"
wait_until 30 "the delete served" answer_is 127.0.0.1 $P TXT replay.example.com ''
commits=$(git -C "$REMOTE" rev-list --count main)

r=$("$PY" "$GC" replay --port $P --file "$IT_TMP/update.bin")
it_log "the captured UPDATE sent again: $r"
[ "$r" = "no answer" ] || fail "the replayed UPDATE was answered: $r"
r=$("$PY" "$GC" replay --port $P --file "$IT_TMP/update.bin" --tcp)
[ "$r" = "no answer" ] || fail "the replayed UPDATE was answered over TCP: $r"
sleep 1
answer_is 127.0.0.1 $P TXT replay.example.com '' || fail "the replay applied the update again"
[ "$(git -C "$REMOTE" rev-list --count main)" = "$commits" ] ||
	fail "the replay made a commit"
log_has primary 'msg="request refused" reason=tsig_replay .*opcode=UPDATE zone=example.com .*key=admin._update.example.com rcode=none' ||
	fail "the replay was not logged"
# counted with the other refusals, by reason
n=$(metrics 127.0.0.1:$PM | awk '/^dns_requests_refused_total\{reason="tsig_replay"\}/ {print $2; exit}')
[ "$n" = 2 ] || fail "replays counted: '$n' (want 2)"

# a signed NOTIFY: the first reloads, the same bytes again are dropped
KEY="${NOTIFY_KEY_NAME%.}:$NOTIFY_KEY_SECRET"
r=$("$PY" "$GC" notify --port $P --key "$KEY" --zone example.com --out "$IT_TMP/notify.bin")
[ "$r" = rcode=NOERROR ] || fail "the signed NOTIFY was not accepted: $r"
r=$("$PY" "$GC" replay --port $P --file "$IT_TMP/notify.bin")
[ "$r" = "no answer" ] || fail "the replayed NOTIFY was answered: $r"
log_has primary 'reason=tsig_replay .*opcode=NOTIFY' || fail "the NOTIFY replay was not logged"

# dns-secondary: a NOTIFY signed with the zone's key, twice
mkdir -p "$IT_TMP/sstate"
start "secondary" "$SECONDARY" --state-dir "$IT_TMP/sstate" --workers 1 --log-level debug \
	--zone example.com --primary 127.0.0.1:$P \
	--key "${TRANSFER_KEY_NAME%.}:hmac-sha256:$TRANSFER_KEY_SECRET" \
	--listen 127.0.0.1:$S --metrics 127.0.0.1:$SM
wait_serial 30 127.0.0.1 $S example.com "$(soa_serial 127.0.0.1 $P example.com)"
KEY="${TRANSFER_KEY_NAME%.}:$TRANSFER_KEY_SECRET"
r=$("$PY" "$GC" notify --port $S --key "$KEY" --zone example.com --out "$IT_TMP/snotify.bin")
[ "$r" = rcode=NOERROR ] || fail "the secondary refused the signed NOTIFY: $r"
r=$("$PY" "$GC" replay --port $S --file "$IT_TMP/snotify.bin")
[ "$r" = "no answer" ] || fail "the secondary answered the replayed NOTIFY: $r"
log_has secondary 'msg="request refused" reason=tsig_replay .*opcode=NOTIFY zone=example.com' ||
	fail "the secondary did not log the replay"
it_log "ok"
