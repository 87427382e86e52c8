#!/usr/bin/env bash
# Issue 13 on dns-secondary and dns-resolver: refusals logged once and
# counted by reason (an unsigned AXFR, an UPDATE, an unsigned NOTIFY at
# the secondary; a client outside --allow at the resolver), --query-log
# lines, dns_build_info, strict scrapes, and the metrics the secondary
# shares with dns-primary-git carrying the same label names.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
ops_init ops_secondary_resolver "$@"

pick_ports 5
P=${PORTS[0]} MP=${PORTS[1]} S=${PORTS[2]} MS=${PORTS[3]} R=${PORTS[4]}
ops_remote 2026060301
start_primary primary "$IT_TMP/pstate" --remote "$REMOTE" --listen 127.0.0.1:$P \
	--metrics 127.0.0.1:$MP --notify 127.0.0.1:$S
wait_serial 30 127.0.0.1 $P example.com 2026060301
start sec "$SECONDARY" --state-dir "$IT_TMP/sstate" --workers 1 --log-level debug \
	--zone example.com --primary 127.0.0.1:$P \
	--key "${TRANSFER_KEY_NAME%.}:hmac-sha256:$TRANSFER_KEY_SECRET" \
	--listen 127.0.0.1:$S --metrics 127.0.0.1:$MS --query-log "$IT_TMP/sec-query.log"
wait_serial 30 127.0.0.1 $S example.com 2026060301
SLOG=$IT_TMP/sec.log

# refused at the secondary, each logged once with its reason
refused_once() { # WHAT WANT-RCODE PATTERNS... -- OREQ-ARGS...
	local what=$1 want=$2 pats=() got
	shift 2
	while [ "$1" != -- ]; do pats+=("$1"); shift; done
	shift
	got=$(oreq $S "$@") || fail "$what: no answer ($got)"
	[ "$got" = "$want" ] || fail "$what: answered $got, expected $want"
	wait_until 10 "$what logged" test "$(log_count "$SLOG" 'msg="request refused"' "${pats[@]}")" -ge 1
	sleep 0.3
	[ "$(log_count "$SLOG" 'msg="request refused"' "${pats[@]}")" = 1 ] ||
		fail "$what: not exactly one log line with ${pats[*]}"
}
refused_once "unsigned AXFR" REFUSED 'reason=unsigned ' 'qtype=AXFR' 'zone=example.com' 'client=127.0.0.1' \
	-- axfr example.com
refused_once "UPDATE to a secondary" NOTIMP 'reason=not_implemented ' 'opcode=UPDATE' \
	-- update example.com
refused_once "unsigned NOTIFY" REFUSED 'reason=unsigned ' 'opcode=NOTIFY' -- notify example.com
refused_once "NOTIFY with a wrong secret" NOTAUTH 'reason=badsig ' 'tsig_error=BADSIG' \
	"key=${TRANSFER_KEY_NAME%.}" -- notify example.com --key "hmac-sha256:$TRANSFER_KEY_NAME:$WRONG_SECRET"

SM=$IT_TMP/sec-metrics.txt PM=$IT_TMP/pri-metrics.txt
scrape 127.0.0.1:$MS "$SM"
scrape 127.0.0.1:$MP "$PM"
for r in unsigned:2 not_implemented:1 badsig:1; do
	got=$(sample "$SM" dns_requests_refused_total "{\"reason\": \"${r%%:*}\"}")
	[ "$got" = "${r#*:}" ] || fail "secondary: dns_requests_refused_total{reason=\"${r%%:*}\"} is '$got', expected ${r#*:}"
done
[ "$(sample_sum "$SM" dns_requests_total opcode=UPDATE rcode=NOTIMP)" = 1 ] || fail "secondary: the UPDATE is not counted as one"
[ "$(sample_sum "$SM" dns_requests_total opcode=NOTIFY)" -ge 2 ] || fail "secondary: NOTIFYs are not counted as such"
[ "$(sample_sum "$SM" dns_queries_total type=AXFR rcode=REFUSED)" = 1 ] || fail "secondary: the AXFR is not counted"
version=$("$PRIMARY" --version | awk '{print $2}')
[ "$(sample "$SM" dns_build_info "{\"program\": \"dns-secondary\", \"version\": \"$version\"}")" = 1 ] ||
	fail "secondary: no dns_build_info{version=\"$version\",program=\"dns-secondary\"} 1"
ts=$(sample "$SM" dns_zone_last_refresh_timestamp_seconds '{"zone": "example.com"}')
now=$(date +%s)
[ -n "$ts" ] && ((ts > now - 600 && ts <= now + 5)) ||
	fail "secondary: dns_zone_last_refresh_timestamp_seconds is '$ts' (now $now)"
[ "$(sample "$SM" dns_zone_transfers_in_total '{"kind": "axfr", "zone": "example.com"}')" = 1 ] ||
	fail "secondary: the AXFR received is not counted"

# the same label names for the metrics both daemons expose
"$PY" "$OPS_DIR/promtext.py" --labels "$SM" >"$SM.labels"
"$PY" "$OPS_DIR/promtext.py" --labels "$PM" >"$PM.labels"
shared=$(join -t $'\t' -j 1 <(cut -f1 "$SM.labels" | sort) <(cut -f1 "$PM.labels" | sort))
for m in dns_build_info dns_queries_total dns_requests_total dns_requests_refused_total \
	dns_zone_serial dns_notify_pending; do
	grep -qx "$m" <<<"$shared" || fail "$m is not exposed by both daemons"
done
for m in $shared; do
	a=$(awk -F'\t' -v m="$m" '$1 == m {print $2}' "$SM.labels")
	b=$(awk -F'\t' -v m="$m" '$1 == m {print $2}' "$PM.labels")
	[ "$a" = "$b" ] || fail "$m has labels ($a) at the secondary, ($b) at the primary"
done
it_log "shared metrics, same labels: $(tr '\n' ' ' <<<"$shared")"

# the secondary's query log
grep -E '^ts=[0-9T:.-]+Z client=127\.0\.0\.1 port=[0-9]+ proto=tcp id=[0-9]+ opcode=QUERY qname=example\.com\. qtype=AXFR rcode=REFUSED flags=qr,rd qsize=[0-9]+ size=[0-9]+$' \
	"$IT_TMP/sec-query.log" >/dev/null || fail "secondary: no query log line for the refused AXFR"
grep -E 'opcode=QUERY qname=example\.com\. qtype=SOA( edns=[0-9]+)? rcode=NOERROR flags=qr,aa' \
	"$IT_TMP/sec-query.log" >/dev/null || fail "secondary: no query log line for an SOA query"

# the resolver: --allow refuses 127.0.0.1; 127.0.0.2 gets its local zone
printf '. 3600000 NS a.root.test.\na.root.test. 3600000 A 127.0.0.99\n' >"$IT_TMP/hints"
cp "$SEED/example.com" "$IT_TMP/local.zone"
pick_ports 1
MR=${PORTS[0]}
start res "$RESOLVER" --port $R --root-hints "$IT_TMP/hints" --no-dnssec --allow 127.0.0.2/32 \
	--local-zone "$IT_TMP/local.zone" --metrics 127.0.0.1:$MR --query-log "$IT_TMP/res-query.log" \
	--log-level debug
wait_until 30 "the resolver answers 127.0.0.2" \
	test "$(oreq $R query example.com --source 127.0.0.2 2>/dev/null)" = NOERROR
[ "$(oreq $R query example.com)" = REFUSED ] || fail "resolver: 127.0.0.1 is not refused"
wait_until 10 "the ACL refusal logged" \
	test "$(log_count "$IT_TMP/res.log" 'msg="request refused"' 'reason=acl ' 'client=127.0.0.1 ')" = 1
grep -E 'client=127\.0\.0\.2 port=[0-9]+ proto=udp id=[0-9]+ opcode=QUERY qname=example\.com\. qtype=SOA rcode=NOERROR flags=qr,aa,rd' \
	"$IT_TMP/res-query.log" >/dev/null || fail "resolver: no query log line for the local zone's answer"
grep -E 'client=127\.0\.0\.1 .* rcode=REFUSED' "$IT_TMP/res-query.log" >/dev/null ||
	fail "resolver: no query log line for the refused query"
RM=$IT_TMP/res-metrics.txt
scrape 127.0.0.1:$MR "$RM"
[ "$(sample "$RM" dns_requests_refused_total '{"reason": "acl"}')" = 1 ] || fail "resolver: the ACL refusal is not counted"
[ "$(sample "$RM" dns_build_info "{\"program\": \"dns-resolver\", \"version\": \"$version\"}")" = 1 ] ||
	fail "resolver: no dns_build_info"
echo "PASS: secondary and resolver refusals logged once and counted, query logs, build info, shared label sets"
