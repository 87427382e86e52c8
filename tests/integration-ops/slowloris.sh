#!/usr/bin/env bash
# Slowloris against a running dns-primary-git (issue 13, item 8): clients
# from several 127.x.0.0/24 prefixes open TCP connections and trickle one
# byte of a 200-byte message every second, reopening what the server
# closes.  Meanwhile new TCP clients are answered and an nsupdate over TCP
# is applied (written to the remote), and the counters show why
# connections went:
#   phase 1, 91 connections wanted from three /24s (under --tcp-max-conns
#            100): each closed by the message deadline (--tcp-message-ms
#            3000) although bytes keep coming (the old idle timeout
#            restarted on every byte); the /24 that wants 39 is refused
#            beyond its share of 32;
#   phase 2, 360 connections from eleven /24s: the table is full and
#            newcomers evict slow connections instead of being refused.
# The pressure is logged at most once per 10 s, with counts.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
ops_init ops_slowloris "$@"

pick_ports 2
P=${PORTS[0]} M=127.0.0.1:${PORTS[1]}
u_remote
start_primary primary "$IT_TMP/state" --remote "$REMOTE" --listen 127.0.0.1:$P \
	--metrics "$M" --tcp-max-conns 100 --tcp-message-ms 3000 --log-level info
wait_serial 30 127.0.0.1 $P $ZONE $SERIAL0
LOG=$IT_TMP/primary.log

# ---- phase 1: slow clients under the table size ----
start_flood flood1 dns-slow --port $P \
	--sources "$(sources 10 3),127.10.0.2,127.11.0.2,127.12.0.2,127.12.0.3" \
	--conns 91 --interval 1 --duration 20 --rate 90
F1=$FLOOD_PID
wait_until 20 "slowloris holds connections" metric_ge "$M" dns_tcp_connections 60
tcp_queries_answered $P 10
update_applied $P "slow1.$ZONE." 192.0.2.71 tcp
wait_until 30 "slow connections closed by the message deadline" \
	metric_ge "$M" 'dns_tcp_connections_closed_total{reason="deadline"}' 40
wait_until 30 "the crowded prefix refused beyond its share" \
	metric_ge "$M" 'dns_tcp_connections_refused_total{reason="prefix_limit"}' 5
flood_still_running $F1
# a deadline, not the idle timeout: nothing was idle for 10 s
[ "$(metric "$M" 'dns_tcp_connections_closed_total{reason="idle"}')" = 0 ] ||
	fail "connections closed as idle during the slowloris: $(metrics "$M" | grep dns_tcp_)"
wait_until 30 "the first flood client finished" gone $F1

# ---- phase 2: more slow clients than slots ----
start_flood flood2 dns-slow --port $P --sources "$(sources 20 11)" \
	--conns 330 --interval 1 --duration 40 --rate 300
F2=$FLOOD_PID
wait_until 30 "the table full and slow connections evicted" \
	metric_ge "$M" 'dns_tcp_connections_closed_total{reason="evicted"}' 100
open=$(metric "$M" dns_tcp_connections)
[ "$open" -le 100 ] || fail "$open TCP connections open, above --tcp-max-conns 100 (one worker)"
tcp_queries_answered $P 20
update_applied $P "slow2.$ZONE." 192.0.2.72 tcp
update_applied $P "slow3.$ZONE." 192.0.2.73
flood_still_running $F2
it_log "$(metrics "$M" | grep -E '^dns_tcp_')"

# the flood ends by itself; the pressure was logged, rate-limited
wait_until 60 "the second flood client finished" gone $F2
it_log "flood clients: $(cat "$IT_TMP/flood1.log") / $(cat "$IT_TMP/flood2.log")"
n=$(log_lines "$LOG" 'msg="TCP limits closed or refused connections"')
[ "$n" -ge 1 ] || fail "no log line about the TCP limits"
[ "$n" -le 10 ] || fail "$n log lines about the TCP limits in about a minute (one per 10 s at most)"
grep -E 'msg="TCP limits' "$LOG" | grep -qE 'deadline=[1-9]' ||
	fail "the log never counted deadline closes: $(grep -E 'msg="TCP limits' "$LOG")"
grep -E 'msg="TCP limits' "$LOG" | grep -qE 'prefix_limit=[1-9]' ||
	fail "the log never counted prefix refusals: $(grep -E 'msg="TCP limits' "$LOG")"
check_watched
it_log "PASS"
