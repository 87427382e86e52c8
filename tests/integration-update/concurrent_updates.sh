#!/usr/bin/env bash
# 64 concurrent clients send 20 TSIG-signed updates each (1,280 adds of TXT
# and A records to distinct new names; half over UDP, half over TCP; each
# client waits for every answer and retries only on timeout or SERVFAIL)
# while a person clones the remote, edits an unrelated record of the same
# zone file, commits and pushes (pull --rebase and push again when the
# push is rejected, as a person would) in the middle of the stream: half of
# the clients wait half-way for the person's push, the other half run on.
# Then:
#   - all 1,280 updates were answered NOERROR, and every one is a record of
#     the remote's zone file (parsed with `dns-zone print`) and served;
#   - the person's commit is in `git log`, and their edit in the file and
#     served; every other commit is authored by the update key;
#   - the remote's zone file passes `dns-zone check`;
#   - the serial served by the primary equals the remote's.
source "$(dirname "$0")/ulib.sh"
u_init concurrent_updates "$@"

pick_ports 1
P=${PORTS[0]}
SERIAL0=2026050101
CLIENTS=64 EACH=20
TOTAL=$((CLIENTS * EACH))
# The even-numbered clients stop half-way until the person has pushed (the
# gate): the person's push is in the middle of the stream however fast the
# primary is, with the odd-numbered clients still running around it.
PERSON_AFTER=$((CLIENTS / 2 * EACH / 2))   # acknowledged before the person starts
AFTER_PERSON=$((CLIENTS / 2 * (EACH - EACH / 2)))  # held back until after
PERSON_MSG="office: the front desk moved to 192.0.2.44"

u_remote
start_primary primary "$IT_TMP/state" --remote "$REMOTE" --listen 127.0.0.1:$P --log-level info
wait_serial 30 127.0.0.1 $P $ZONE $SERIAL0

ACKS=$IT_TMP/acks.log
: >"$ACKS"
start stream "$PY" "$UPD" stream --port $P --zone $ZONE --key "hmac-sha256:$ADMIN_KEY:$ADMIN_SECRET" \
	--clients $CLIENTS --count $EACH --prefix c --transport mixed --timeout 10 --deadline 300 \
	--log "$ACKS" --gate "$IT_TMP/gate"
STREAM_PID=$STARTED_PID
unwatch "$STREAM_PID"

answered() { grep -c '' "$ACKS" || true; }
acked() { grep -c '^ack ' "$ACKS" || true; }
at_least_acked() { [ "$(acked)" -ge "$1" ] || ! alive "$STREAM_PID"; }

wait_until 300 "$PERSON_AFTER acknowledged updates" at_least_acked $PERSON_AFTER
alive "$STREAM_PID" || fail "the update stream ended before the person's edit ($(answered) answers)"
it_log "$(acked) updates acknowledged; the person edits office A"

# the person: clone, edit an unrelated record, commit, push; on rejection
# pull --rebase and push again
person() {
	local w=$IT_TMP/person try
	git clone -q "$REMOTE" "$w"
	sed -i 's/^office  IN A    192\.0\.2\.40   ; front desk$/office  IN A    192.0.2.44   ; front desk/' "$w/$ZONE"
	git -C "$w" diff --quiet && fail "the person's edit did not change $ZONE"
	GIT_AUTHOR_NAME=person GIT_AUTHOR_EMAIL=person@example.com \
		git -C "$w" commit -q -a -m "$PERSON_MSG"
	for try in $(seq 1 100); do
		if git -C "$w" push -q origin main 2>>"$IT_TMP/person.log"; then
			PERSON_TRIES=$try
			return 0
		fi
		if ! git -C "$w" pull -q --rebase origin main >>"$IT_TMP/person.log" 2>&1; then
			fail "the person's pull --rebase failed (a conflict with the primary's edits?): $(tail -n 5 "$IT_TMP/person.log")"
		fi
		sleep 0.$((RANDOM % 3 + 1))
	done
	fail "the person could not push in 100 tries"
}
person
ACKED_AT_PERSON=$(acked)
touch "$IT_TMP/gate"
it_log "the person pushed (try $PERSON_TRIES) with $ACKED_AT_PERSON updates acknowledged"

it_reap_stream() { ! alive "$STREAM_PID"; }
wait_until 600 "the $TOTAL updates to be answered" it_reap_stream
wait "$STREAM_PID" || fail "the update stream exited $?"

n=$(acked)
it_log "$n of $TOTAL updates acknowledged ($((n - ACKED_AT_PERSON)) after the person's push)"
if [ "$n" != "$TOTAL" ]; then
	fail "$n of $TOTAL updates answered NOERROR; the others: $(grep -v '^ack ' "$ACKS" | awk '{print $1, $4}' | sort | uniq -c; grep -v '^ack ' "$ACKS" | head -n 10)"
fi
[ $((n - ACKED_AT_PERSON)) -ge $AFTER_PERSON ] ||
	fail "only $((n - ACKED_AT_PERSON)) updates were acknowledged after the person's push: not in the middle of the stream"

# the remote's zone file: parses, passes the checks, has every update
remote_zone >"$IT_TMP/final.txt"
"$DNSZONE" check --origin "$ZONE." "$IT_TMP/final.txt" 2>"$IT_TMP/check.err" ||
	fail "the remote's $ZONE does not pass dns-zone check: $(head -n 5 "$IT_TMP/check.err")"
remote_print "$IT_TMP/final-print.txt"
RSERIAL=$(awk '$4 == "SOA" {print $7; exit}' "$IT_TMP/final-print.txt")

# the person's commit and edit
git -C "$REMOTE" log --format='%an|%s' main >"$IT_TMP/gitlog.txt"
grep -Fxq "person|$PERSON_MSG" "$IT_TMP/gitlog.txt" ||
	fail "the person's commit '$PERSON_MSG' is not in the remote's git log"
grep -Fxq 'office  IN A    192.0.2.44   ; front desk' "$IT_TMP/final.txt" ||
	fail "the person's edit (office A 192.0.2.44) is not in the remote's zone file"
grep -Fq '192.0.2.40' "$IT_TMP/final.txt" && fail "the record the person replaced (192.0.2.40) is back in the zone file"
others=$(git -C "$REMOTE" log --format='%an' main | sort | uniq -c | awk '{print $2}' |
	grep -vxF -e itest -e person -e "$ADMIN_KEY" -e "${ADMIN_KEY%.}" || true)
[ -z "$others" ] || fail "commits by unexpected authors: $others"
commits=$(git -C "$REMOTE" rev-list --count main)
it_log "remote: $commits commits for $TOTAL updates, serial $RSERIAL"

# served = remote
wait_serial 30 127.0.0.1 $P $ZONE "$RSERIAL"
"$PY" "$U_DIR/check_records.py" --print "$IT_TMP/final-print.txt" --acks "$ACKS" --served $P \
	>"$IT_TMP/check.out" || fail "acknowledged updates missing: $(cat "$IT_TMP/check.out")"
it_log "$(tail -n 1 "$IT_TMP/check.out")"
answer_is 127.0.0.1 $P A "office.$ZONE" 192.0.2.44 ||
	fail "office A is served as '$(answer_short 127.0.0.1 $P A "office.$ZONE")', expected the person's 192.0.2.44"
serial_is 127.0.0.1 $P $ZONE "$RSERIAL" ||
	fail "the served serial is '$(soa_serial 127.0.0.1 $P $ZONE)', the remote's $RSERIAL"
alive "$PRIMARY_PID" || fail "dns-primary-git died"

echo "PASS: $TOTAL concurrent updates acknowledged and in the remote ($commits commits), with the person's edit; serial $RSERIAL served"
