#!/usr/bin/env bash
# The two guards of issue 4 that protect what is served:
# - an update that would turn a valid zone invalid is refused and changes
#   nothing: a delegation at `lab` above existing data `host.lab` (data below
#   a zone cut that could not even be glue: a TXT record);
# - when the remote cannot be reached, the update is answered SERVFAIL after
#   a bounded retry, and nothing that is not in git is served; once the
#   remote is back, updates are accepted again.
source "$(dirname "$0")/ulib.sh"
u_init update_guards "$@"

pick_ports 1
P=${PORTS[0]}
SERIAL0=2026050101
KEY="hmac-sha256:$ADMIN_KEY:$ADMIN_SECRET"

u_remote
start_primary primary "$IT_TMP/state" --remote "$REMOTE" --listen 127.0.0.1:$P
wait_serial 30 127.0.0.1 $P $ZONE $SERIAL0

# expect_send WHAT RCODE SEND-ARGS...: one signed update answered RCODE.
expect_send() {
	local what=$1 want=$2 out
	shift 2
	out=$(u_send --port $P --zone $ZONE --key "$KEY" "$@") || fail "$what: no answer ($out)"
	it_log "$what: $out"
	[[ $out == "rcode=$want tsig=0" ]] || fail "$what: answer '$out', expected rcode=$want tsig=0"
}

# 1. a valid update, then one that would put it below a delegation
expect_send "add host.lab" NOERROR --op "add host.lab.example.com. 300 TXT lab-host"
wait_until 30 "host.lab served" answer_is 127.0.0.1 $P TXT host.lab.example.com '"lab-host"'
count=$(remote_count)
serial=$(remote_serial)
expect_send "delegate lab above host.lab" REFUSED --op "add lab.example.com. 300 NS ns.example.net."
[ "$(remote_count)" = "$count" ] || fail "the refused delegation made a commit"
[ -z "$(answer_short 127.0.0.1 $P NS lab.example.com)" ] || fail "the refused NS is served"
answer_is 127.0.0.1 $P TXT host.lab.example.com '"lab-host"' || fail "host.lab is no longer served"
serial_is 127.0.0.1 $P $ZONE "$serial" || fail "the served serial changed after a refused update"

# 2. the remote goes away: SERVFAIL after the bounded retry, nothing served
mv "$REMOTE" "$IT_TMP/remote.away"
expect_send "add while the remote is away" SERVFAIL --timeout 60 \
	--op "add away.example.com. 300 A 192.0.2.91"
[ -z "$(answer_short 127.0.0.1 $P A away.example.com)" ] ||
	fail "an update that is not in git is served"
serial_is 127.0.0.1 $P $ZONE "$serial" || fail "the served serial moved without a push"
grep -q 'level=error' "$IT_TMP/primary.log" || fail "no error logged for the unreachable remote"

# 3. the remote is back: the next update is pushed and served; the failed one never was
mv "$IT_TMP/remote.away" "$REMOTE"
expect_send "add after the remote is back" NOERROR --op "add back.example.com. 300 A 192.0.2.92"
wait_until 30 "back served" answer_is 127.0.0.1 $P A back.example.com 192.0.2.92
remote_zone | grep -q '^back' || fail "back.example.com is not in the remote's zone file"
if remote_zone | grep -q '^away'; then fail "the SERVFAIL'd update reached the remote"; fi
[ -z "$(answer_short 127.0.0.1 $P A away.example.com)" ] || fail "the SERVFAIL'd update is served"
wait_until 30 "served serial = remote serial" serve_and_remote_agree $P
echo "PASS: invalid delegation refused without a commit; unreachable remote: SERVFAIL and nothing unpushed served; recovery"
