# shellcheck shell=bash
# Helpers of the "holding under abuse" tests (issue 13, item 8): the UPDATE
# helpers (keys, remote) of ../integration-update/ulib.sh, which bring the
# generic ones of ../integration/lib.sh, plus the flood client and metric
# reads.  Run by meson with the binaries of ./meson.build (the first three
# are the ones ulib.sh wants).

# shellcheck source=../integration-update/ulib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../integration-update/ulib.sh"
A_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FLOOD="$A_DIR/flood.py"
SERIAL0=2026050101

# a_init NAME "$@"
a_init() {
	u_init "$@"
	need_tool nsupdate bind9-dnsutils
	need_tool prlimit util-linux
}

# metric HOST:PORT NAME_AND_LABELS: the value of one sample (empty if absent).
metric() {
	metrics "$1" 2>/dev/null | awk -v k="$2" '$1 == k {print $2; exit}'
}

# metric_ge HOST:PORT SAMPLE MIN: the sample is at least MIN.
metric_ge() {
	local v
	v=$(metric "$1" "$2")
	[ -n "$v" ] && [ "${v%.*}" -ge "$3" ]
}

# tcp_serial PORT: the SOA serial of $ZONE asked over a new TCP connection.
tcp_serial() {
	kdig @127.0.0.1 -p "$1" +tcp +short +time=5 +retry=0 SOA "$ZONE" 2>/dev/null |
		awk 'NF >= 7 {print $3; exit}'
}

# tcp_queries_answered PORT N: N queries, each on a new TCP connection,
# each answered with the served serial.
tcp_queries_answered() {
	local port=$1 n=$2 i got want
	want=$(soa_serial 127.0.0.1 "$port" "$ZONE")
	[ -n "$want" ] || fail "no UDP answer from 127.0.0.1:$port"
	for ((i = 1; i <= n; i++)); do
		got=$(tcp_serial "$port")
		[ "$got" = "$want" ] || fail "TCP query $i of $n: answer '$got', expected serial $want"
	done
	it_log "$n TCP queries on new connections answered"
}

# update_applied PORT NAME ADDR [tcp]: an nsupdate (TCP with -v) adding
# NAME A ADDR with the admin key answers NOERROR, NAME is served, and the
# change reached the remote.
update_applied() {
	local port=$1 name=$2 addr=$3 v=() out rc=0 count
	[ "${4:-udp}" = tcp ] && v=(-v)
	count=$(remote_count)
	out=$(printf 'server 127.0.0.1 %s\nzone %s.\nupdate add %s 300 A %s\nsend\nanswer\n' \
		"$port" "$ZONE" "$name" "$addr" |
		nsupdate "${v[@]}" -y "hmac-sha256:${ADMIN_KEY%.}:$ADMIN_SECRET" -t 30 -u 10 -r 1 2>&1) || rc=$?
	[ $rc = 0 ] && grep -q 'status: NOERROR' <<<"$out" ||
		fail "nsupdate ${4:-udp} of $name: exit $rc: $out"
	wait_until 30 "$name served" answer_is 127.0.0.1 "$port" A "$name" "$addr"
	[ "$(remote_count)" -gt "$count" ] || fail "the update of $name made no commit on the remote"
	it_log "update of $name over ${4:-udp} applied and pushed"
}

# sources FIRST COUNT: COUNT source addresses 127.FIRST.0.1, 127.FIRST+1.0.1,
# ... (one per /24), comma-separated.
sources() {
	local i out=
	for ((i = 0; i < $2; i++)); do out+="127.$(($1 + i)).0.1,"; done
	printf '%s' "${out%,}"
}

# start_flood NAME MODE ARGS...: flood.py in the background (its summary in
# $IT_TMP/NAME.log); it ends by itself after --duration.  Sets FLOOD_PID.
start_flood() {
	local name=$1
	shift
	start "$name" "$PY" "$FLOOD" "$@"
	FLOOD_PID=$STARTED_PID
	unwatch "$FLOOD_PID"
}

# flood_still_running PID: the checks above ran while the flood went on.
flood_still_running() {
	alive "$1" || fail "the flood client ended before the checks were done (raise its --duration)"
}

gone() { ! alive "$1"; }

# log_lines FILE REGEX: how many lines of FILE match.
log_lines() { grep -cE "$2" "$1" || true; }
