#!/usr/bin/env bash
# Response rate limiting (issue 13, item 7, "Must show"): a flood of
# identical queries from one address (127.0.0.2) is limited, most answers
# dropped and some sent truncated (TC=1) for a real client to retry over
# TCP; at the same time a client of another network (127.0.1.3: RRL counts
# by /24) gets every answer, and so does a client of the flooded network
# (127.0.0.3) that shows a valid server cookie.  The same on dns-secondary.
# Counted in the metrics, logged.  Addresses are all loopback (127/8).
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
ops_init guard_rrl "$@"

pick_ports 4
P=${PORTS[0]} PM=${PORTS[1]} S=${PORTS[2]} SM=${PORTS[3]}
ops_remote 2026120601 admin
start_primary primary "$IT_TMP/pstate" --remote "$REMOTE" --workers 2 \
	--listen 127.0.0.1:$P --metrics 127.0.0.1:$PM --axfr --rrl 20 --rrl-slip 2
wait_serial 30 127.0.0.1 $P example.com 2026120601

# flood SERVER_PORT METRICS_PORT WHO: the flood beside the two steady clients.
flood() {
	local port=$1 mport=$2 who=$3 out
	"$PY" "$GC" flood --src 127.0.0.2 --port "$port" --seconds 3 >"$IT_TMP/flood-$who.txt" &
	local fpid=$!
	sleep 0.5
	"$PY" "$GC" steady --src 127.0.1.3 --port "$port" --count 10 >"$IT_TMP/other-$who.txt" &
	local opid=$!
	"$PY" "$GC" steady --src 127.0.0.3 --port "$port" --count 10 --cookie \
		>"$IT_TMP/cookie-$who.txt" || fail "$who: the cookie client failed"
	wait "$opid" || fail "$who: the client of another network failed"
	wait "$fpid" || fail "$who: the flood client failed"
	out=$(cat "$IT_TMP/flood-$who.txt")
	it_log "$who flood: $out; other network: $(cat "$IT_TMP/other-$who.txt");" \
		"cookie client: $(cat "$IT_TMP/cookie-$who.txt")"
	local sent answered tc
	sent=$(field sent "$out") answered=$(field answered "$out") tc=$(field tc "$out")
	[ "$sent" -ge 500 ] || fail "$who: the flood sent only $sent queries"
	# 20 a second for about 4 s at most, whatever the client's speed
	[ $((answered * 10)) -lt "$sent" ] ||
		fail "$who: $answered of $sent flood queries answered: not limited"
	[ "$answered" -ge 1 ] || fail "$who: not even the first second's answers came"
	[ "$tc" -ge 1 ] || fail "$who: no truncated (TC=1) slip among $sent limited responses"
	[ "$(field answered "$(cat "$IT_TMP/other-$who.txt")")" = 10 ] ||
		fail "$who: the client of another network was limited too"
	[ "$(field answered "$(cat "$IT_TMP/cookie-$who.txt")")" = 10 ] ||
		fail "$who: the client with a valid server cookie was limited"
	local dropped slipped
	dropped=$(metric 127.0.0.1:$mport dns_rrl_dropped_total)
	slipped=$(metric 127.0.0.1:$mport dns_rrl_slipped_total)
	it_log "$who metrics: dropped=$dropped slipped=$slipped"
	[ "${dropped:-0}" -ge 1 ] && [ "${slipped:-0}" -ge "$tc" ] ||
		fail "$who: metrics do not count the limited responses (dropped=$dropped slipped=$slipped, $tc TC seen)"
	# the truncated answer leads a real client to TCP, never limited
	[ "$(kdig @127.0.0.1 -p "$port" +tcp +short +time=2 +retry=0 -b 127.0.0.2 A www.example.com)" = 192.0.2.80 ] ||
		fail "$who: TCP from the flooded address was not answered"
}

flood $P $PM primary
log_has primary 'msg="response rate limiting" net=127.0.0.0/24 kind=answer name=www.example.com.' ||
	fail "the primary did not log the rate limiting"

# dns-secondary: the same guard on its query path
mkdir -p "$IT_TMP/sstate"
start "secondary" "$SECONDARY" --state-dir "$IT_TMP/sstate" --workers 2 --log-level debug \
	--zone example.com --primary 127.0.0.1:$P --listen 127.0.0.1:$S --metrics 127.0.0.1:$SM \
	--rrl 20
wait_serial 30 127.0.0.1 $S example.com 2026120601
flood $S $SM secondary
log_has secondary 'msg="response rate limiting" net=127.0.0.0/24' ||
	fail "the secondary did not log the rate limiting"

# off by default: a primary without --rrl answers the whole flood
stop "$PRIMARY_PID"
start_primary plain "$IT_TMP/pstate" --remote "$REMOTE" --listen 127.0.0.1:$P \
	--metrics 127.0.0.1:$PM
wait_serial 30 127.0.0.1 $P example.com 2026120601
out=$("$PY" "$GC" flood --src 127.0.0.2 --port $P --seconds 1)
it_log "without --rrl: $out"
[ "$(field tc "$out")" = 0 ] && [ $(($(field answered "$out") * 2)) -ge "$(field sent "$out")" ] ||
	fail "without --rrl the flood was limited: $out"
metrics 127.0.0.1:$PM | grep -q '^dns_rrl_' && fail "dns_rrl_* metrics without --rrl"
it_log "ok"
