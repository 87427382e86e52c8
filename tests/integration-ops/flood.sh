#!/usr/bin/env bash
# Issue 13: a flood of refused requests cannot fill the disk.  2,000
# unsigned UPDATEs from one client are all answered REFUSED and counted
# (dns_requests_refused_total{reason="unsigned"} 2000), but logged only a
# few times, then summed up in one "N similar messages suppressed" line.
# Then 1,200 from 60 client networks (127.0.N.1): the lines of all kinds
# together stay bounded too.  Updates and queries are answered throughout.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
ops_init ops_refused_flood "$@"

pick_ports 2
P=${PORTS[0]} MP=${PORTS[1]}
ops_remote 2026060201 admin
start_primary primary "$IT_TMP/state" --remote "$REMOTE" --listen 127.0.0.1:$P \
	--metrics 127.0.0.1:$MP
LOG=$IT_TMP/primary.log
wait_serial 30 127.0.0.1 $P example.com 2026060201
lines0=$(wc -l <"$LOG")

out=$(oreq $P update example.com --count 2000)
it_log "2000 unsigned UPDATEs: $(tr '\n' ' ' <<<"$out")"
[ "$out" = "REFUSED 2000" ] || fail "not every unsigned UPDATE was answered REFUSED: $out"
M=$IT_TMP/metrics.txt
scrape 127.0.0.1:$MP "$M"
[ "$(sample "$M" dns_requests_refused_total '{"reason": "unsigned"}')" = 2000 ] ||
	fail "dns_requests_refused_total{reason=\"unsigned\"} is not 2000: $(grep 'reason="unsigned"' "$M")"
logged=$(log_count "$LOG" 'msg="request refused"' 'reason=unsigned')
it_log "logged $logged of 2000"
((logged >= 1 && logged <= 10)) || fail "$logged lines for 2000 refusals of one kind (expected 1..10)"
# the summary, once the interval has ended (10 s; a generous bound)
suppressed() { grep -E 'msg="[0-9]+ similar messages suppressed" of="request refused" reason=unsigned net=127\.0\.0\.0/24 suppressed=[0-9]+' "$LOG"; }
wait_until 40 "a 'similar messages suppressed' line" suppressed
n=$(suppressed | sed -E 's/.* suppressed=([0-9]+).*/\1/' | awk '{s += $1} END {print s}')
[ "$n" = $((2000 - logged)) ] || fail "the suppressed lines count $n, expected $((2000 - logged)): $(suppressed)"
it_log "$(suppressed | head -n 1)"

# many client networks: every kind has its few lines, all kinds together a bounded number
before=$(wc -l <"$LOG")
pids=()
for i in $(seq 1 60); do
	# one file each: appends of concurrent clients to one file can interleave
	oreq $P update example.com --count 20 --source 127.0.$i.1 >"$IT_TMP/many.$i.out" &
	pids+=($!)
	if ((i % 10 == 0)); then
		wait "${pids[@]}" # not a bare wait: the servers run in the background too
		pids=()
	fi
done
cat "$IT_TMP"/many.*.out >"$IT_TMP/many.out"
[ "$(grep -c '^REFUSED 20$' "$IT_TMP/many.out")" = 60 ] || fail "not all answered: $(sort "$IT_TMP/many.out" | uniq -c)"
sleep 1
added=$(($(wc -l <"$LOG") - before))
it_log "1200 refusals from 60 networks: $added log lines"
((added <= 300)) || fail "1200 refusals from 60 networks wrote $added log lines (expected at most 300)"
scrape 127.0.0.1:$MP "$M"
[ "$(sample "$M" dns_requests_refused_total '{"reason": "unsigned"}')" = 3200 ] ||
	fail "dns_requests_refused_total{reason=\"unsigned\"} is not 3200"

# still serving: a query and a signed update
answer_is 127.0.0.1 $P A www.example.com 192.0.2.80 || fail "queries are not answered after the flood"
[ "$(oreq $P update example.com --key "hmac-sha256:$ADMIN_KEY:$ADMIN_SECRET")" = NOERROR ] ||
	fail "the signed UPDATE was not accepted after the flood"
alive $PRIMARY_PID || fail "dns-primary-git died"
echo "PASS: 3200 refusals counted, logged $logged + a few per network, summed up in 'suppressed' lines"
