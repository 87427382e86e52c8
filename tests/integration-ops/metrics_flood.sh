#!/usr/bin/env bash
# A flood of half-sent HTTP requests on the metrics port of a running
# dns-primary-git whose descriptor limit is lowered (prlimit 512), with
# idle DNS TCP connections from sixteen /24s competing for descriptors
# (issue 13, item 8).  Before, 20,000 such requests used every
# descriptor: TCP queries timed out, updates got SERVFAIL, and accept()
# warnings filled the disk.  Now, while the flood goes on:
#   - the process keeps its descriptor reserve (--fd-reserve 128, and 64
#     set aside for the metrics endpoint: client connections take at most
#     512 - 192 - what was open at start);
#   - new TCP queries are answered, /metrics from a fresh client is
#     answered, and nsupdate changes are committed and pushed (git needs
#     descriptors);
#   - the log stays small: pressure lines at most once per 10 s each.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
ops_init ops_metrics_flood "$@"

pick_ports 2
P=${PORTS[0]} M=127.0.0.1:${PORTS[1]}
LIMIT=512
u_remote
start primary prlimit --nofile=$LIMIT:$LIMIT "$PRIMARY" --state-dir "$IT_TMP/state" \
	--remote "$REMOTE" --listen 127.0.0.1:$P --metrics "$M" --workers 1 --log-level info
PRIMARY_PID=$STARTED_PID
LOG=$IT_TMP/primary.log
wait_serial 30 127.0.0.1 $P $ZONE $SERIAL0
grep -q "^Max open files *$LIMIT *$LIMIT" "/proc/$PRIMARY_PID/limits" ||
	fail "the primary does not run with the lowered limit: $(grep 'open files' "/proc/$PRIMARY_PID/limits")"

start_flood flood_http http-half --port "${M#*:}" --sources "$(sources 40 4)" \
	--conns 3000 --duration 45 --rate 1000
FH=$FLOOD_PID
start_flood flood_dns dns-idle --port $P --sources "$(sources 50 16)" \
	--conns 480 --duration 45 --rate 200
FD=$FLOOD_PID

# fds PID: descriptors the process holds now.
fds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
max_fds=0
sample_fds() {
	local n
	n=$(fds $PRIMARY_PID)
	[ "$n" -gt "$max_fds" ] && max_fds=$n
	return 0
}

budget=$(sed -n 's/.*msg="descriptor budget".*tcp_connections=\([0-9]*\).*/\1/p' "$LOG")
[ -n "$budget" ] || fail "the descriptor budget is not logged"
wait_until 30 "the metrics endpoint evicting flood connections" \
	metric_ge "$M" 'dns_metrics_http_connections_closed_total{reason="evicted"}' 100
wait_until 30 "idle DNS connections at the descriptor budget ($budget)" \
	metric_ge "$M" dns_tcp_connections $((budget - 8))
for round in 1 2 3; do
	sample_fds
	tcp_queries_answered $P 5
	sample_fds
	# a fresh scrape, whole (it ends with the endpoint's own counters)
	metrics "$M" >"$IT_TMP/scrape.txt" || fail "round $round: /metrics from a fresh client failed"
	grep -q '^dns_metrics_http_accept_errors_total ' "$IT_TMP/scrape.txt" ||
		fail "round $round: the scrape is cut short"
	grep -q '^dns_tcp_connections ' "$IT_TMP/scrape.txt" ||
		fail "round $round: the scrape lacks the TCP counters"
	update_applied $P "flood$round.$ZONE." "192.0.2.8$round"
	sample_fds
done
flood_still_running $FH
flood_still_running $FD
it_log "most descriptors seen: $max_fds of $LIMIT"
[ "$max_fds" -le $((LIMIT - 64)) ] ||
	fail "$max_fds descriptors in use of $LIMIT: the reserve of 128 was eaten into"
it_log "$(metrics "$M" | grep -E '^dns_(tcp|metrics_http)_')"
metric_ge "$M" 'dns_tcp_connections_closed_total{reason="evicted"}' 1 ||
	fail "no idle DNS connection made room for a new one"

wait_until 60 "the flood clients finished" gone $FH
wait_until 60 "the flood clients finished" gone $FD
it_log "flood clients: $(cat "$IT_TMP/flood_http.log") / $(cat "$IT_TMP/flood_dns.log")"
size=$(stat -c %s "$LOG")
lines=$(log_lines "$LOG" 'metrics endpoint under pressure|TCP limits closed')
it_log "log: $size bytes, $lines pressure lines"
[ "$size" -le 65536 ] || fail "the log grew to $size bytes during the flood"
[ "$lines" -ge 1 ] || fail "the pressure was never logged"
[ "$lines" -le 24 ] || fail "$lines pressure lines in about a minute (each kind once per 10 s at most)"
n=$(log_lines "$LOG" "Error from accept|^\\[warn\\]")
[ "$n" = 0 ] || fail "$n accept() warnings in the log"
check_watched
it_log "PASS"
