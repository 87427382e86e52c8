#!/usr/bin/env bash
# Issue 13, logs and metrics of dns-primary-git an operator acts on.
#   - each refused request is logged once with its reason, client, key and
#     zone, and counted under that reason in dns_requests_refused_total:
#     an unsigned UPDATE, an UPDATE with a wrong secret (BADSIG, named),
#     one with an unknown key (BADKEY), one with a key without update
#     authority, an AXFR of a zone not served, an unsigned NOTIFY;
#   - UPDATE and NOTIFY are counted as such (dns_requests_total{opcode}),
#     not as SOA queries: dns_queries_total{type="SOA"} is exactly the SOA
#     queries the query log shows;
#   - --query-log writes one line per request with its fields;
#   - the scrape parses with a strict reader, also once a commit adds a
#     zone whose name has a backslash (and files named with a quote or a
#     newline, which are refused with a log line); dns_build_info and
#     dns_served_commit_info name the version and the commit served.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
ops_init ops_refused "$@"

pick_ports 2
P=${PORTS[0]} MP=${PORTS[1]}
ops_remote 2026060101 admin
QLOG=$IT_TMP/query.log
start_primary primary "$IT_TMP/state" --remote "$REMOTE" --listen 127.0.0.1:$P \
	--metrics 127.0.0.1:$MP --query-log "$QLOG"
LOG=$IT_TMP/primary.log
wait_serial 30 127.0.0.1 $P example.com 2026060101

XFR=hmac-sha256:$TRANSFER_KEY_NAME:$TRANSFER_KEY_SECRET
# refuse WHAT RCODE REASON FIELDS OREQ-ARGS...: the answer is RCODE, and the
# log has exactly one "request refused" line with reason=REASON and FIELDS
# (space-separated fixed strings).
refuse() {
	local what=$1 want=$2 reason=$3 fields=$4
	shift 4
	local got
	got=$(oreq $P "$@") || fail "$what: no answer ($got)"
	[ "$got" = "$want" ] || fail "$what: answered $got, expected $want"
	local pats=('msg="request refused"' "reason=$reason " 'client=127.0.0.1 ')
	read -r -a more <<<"$fields"
	wait_until 10 "$what logged" test "$(log_count "$LOG" "${pats[@]}" "${more[@]}")" -ge 1
	sleep 0.3 # a second line, if one were written, would be there by now
	local n
	n=$(log_count "$LOG" "${pats[@]}" "${more[@]}")
	[ "$n" = 1 ] || fail "$what: $n log lines with reason=$reason $fields, expected 1"
	it_log "$what: $(grep -F "reason=$reason " "$LOG" | grep -F 'request refused' | tail -n 1)"
}
refuse "unsigned UPDATE" REFUSED unsigned "opcode=UPDATE zone=example.com rcode=REFUSED net=127.0.0.0/24" \
	update example.com
refuse "UPDATE with a wrong secret" NOTAUTH badsig "key=admin._update.example.com tsig_error=BADSIG rcode=NOTAUTH zone=example.com" \
	update example.com --key "hmac-sha256:$ADMIN_KEY:$WRONG_SECRET"
refuse "UPDATE with an unknown key" NOTAUTH badkey "key=nobody._update.example.com tsig_error=BADKEY" \
	update example.com --key "hmac-sha256:nobody._update.example.com.:$ADMIN_SECRET"
refuse "UPDATE with a transfer key" REFUSED key_not_authorized "key=secondary._transfer.example.com opcode=UPDATE" \
	update example.com --key "$XFR"
refuse "AXFR of a zone not served" REFUSED zone_not_served "opcode=QUERY zone=nothere.example.com qtype=AXFR proto=tcp" \
	axfr nothere.example.com --key "$XFR"
refuse "unsigned NOTIFY" REFUSED unsigned "opcode=NOTIFY zone=example.com" notify example.com

# what is accepted: a signed NOTIFY (the hook's), a signed UPDATE
notify_primary $P
[ "$(oreq $P update example.com --key "hmac-sha256:$ADMIN_KEY:$ADMIN_SECRET")" = NOERROR ] ||
	fail "the signed UPDATE was not accepted"
answer_is 127.0.0.1 $P A oreq.example.com 192.0.2.200 || fail "the update is not served"
wait_until 10 "5 UPDATEs and 2 NOTIFYs in the query log" \
	test "$(log_count "$QLOG" opcode=UPDATE)$(log_count "$QLOG" opcode=NOTIFY)" = 52
M=$IT_TMP/metrics.txt
scrape 127.0.0.1:$MP "$M"

# refusals by reason
for r in unsigned:2 badsig:1 badkey:1 key_not_authorized:1 zone_not_served:1 acl:0; do
	got=$(sample "$M" dns_requests_refused_total "{\"reason\": \"${r%%:*}\"}")
	[ "$got" = "${r#*:}" ] || fail "dns_requests_refused_total{reason=\"${r%%:*}\"} is '$got', expected ${r#*:}"
done
# UPDATE and NOTIFY by opcode, over UDP (oreq, dns-notify)
for c in UPDATE:NOERROR:1 UPDATE:REFUSED:2 UPDATE:NOTAUTH:2 NOTIFY:NOERROR:1 NOTIFY:REFUSED:1; do
	IFS=: read -r op rc n <<<"$c"
	got=$(sample_sum "$M" dns_requests_total opcode=$op rcode=$rc)
	[ "$got" = "$n" ] || fail "dns_requests_total{opcode=\"$op\",rcode=\"$rc\"} is '$got', expected $n"
done
# queries are queries: every QUERY request is in dns_queries_total, and its
# SOA series counts exactly the SOA queries of the query log (wait_serial's),
# not the UPDATEs and NOTIFYs (whose zone section is an SOA question)
q=$(sample_sum "$M" dns_queries_total)
[ "$q" = "$(sample_sum "$M" dns_requests_total opcode=QUERY)" ] ||
	fail "dns_queries_total ($q) differs from dns_requests_total{opcode=\"QUERY\"}"
soa_log=$(log_count "$QLOG" opcode=QUERY "qtype=SOA ")
soa_m=$(sample_sum "$M" dns_queries_total type=SOA)
[ "$soa_m" = "$soa_log" ] || fail "dns_queries_total{type=\"SOA\"} is $soa_m, the query log has $soa_log SOA queries"
[ "$(sample_sum "$M" dns_queries_total type=AXFR rcode=REFUSED transport=tcp)" = 1 ] ||
	fail "the refused AXFR is not counted as an AXFR"
it_log "counted: $(grep -c . "$M.samples") series; SOA queries $soa_m"

# the query log: one line per request, with its fields
grep -E '^ts=[0-9T:.-]+Z client=127\.0\.0\.1 port=[0-9]+ proto=udp id=[0-9]+ opcode=UPDATE qname=example\.com\. qtype=SOA key=admin\._update\.example\.com\. rcode=NOERROR flags=qr qsize=[0-9]+ size=[0-9]+$' "$QLOG" >/dev/null ||
	fail "no query log line for the accepted UPDATE: $(grep opcode=UPDATE "$QLOG" | tail -n 2)"
grep -E 'proto=tcp id=[0-9]+ opcode=QUERY qname=nothere\.example\.com\. qtype=AXFR key=secondary\._transfer\.example\.com\. rcode=REFUSED ' "$QLOG" >/dev/null ||
	fail "no query log line for the refused AXFR"
grep -E 'opcode=QUERY qname=oreq\.example\.com\. qtype=A( edns=[0-9]+)? rcode=NOERROR flags=qr,aa' "$QLOG" >/dev/null ||
	fail "no query log line for kdig's A query"
it_log "query log: $(wc -l <"$QLOG") lines, e.g. $(grep opcode=UPDATE "$QLOG" | tail -n 1)"

# build info and the commit served
version=$("$PRIMARY" --version | awk '{print $2}')
[ "$(sample "$M" dns_build_info "{\"program\": \"dns-primary-git\", \"version\": \"$version\"}")" = 1 ] ||
	fail "no dns_build_info{version=\"$version\",program=\"dns-primary-git\"} 1"
head=$(git -C "$REMOTE" rev-parse main)
[ "$(sample "$M" dns_served_commit_info "{\"commit\": \"$head\"}")" = 1 ] ||
	fail "dns_served_commit_info does not name $head: $(grep served_commit "$M")"

# a commit adding a zone whose name has a backslash (a\.b.test: one label
# "a.b"), and files named with a quote and with a newline (refused, logged)
git -C "$SEED" pull -q origin main
small_zone 2026060102 | sed 's/^\$ORIGIN example\.com\./$ORIGIN a\\.b.test./' >"$SEED/a\.b.test"
small_zone 1 >"$SEED/q\"uote.test"
small_zone 1 >"$SEED/new"$'\n'"line.test"
push_edit "$SEED" "odd names"
notify_primary $P
wait_serial 30 127.0.0.1 $P 'a\.b.test' 2026060102
wait_until 10 "the quote file refused" grep -q 'file="q\\"uote.test"' "$LOG"
grep -F 'file="q\"uote.test"' "$LOG" | grep -q 'level=warn' || fail "the file named with a quote is not refused at warn"
grep -F 'file="new\nline.test"' "$LOG" | grep -q 'level=warn' || fail "the file named with a newline is not refused at warn"
head=$(git -C "$REMOTE" rev-parse main)
served_commit_is() { scrape 127.0.0.1:$MP "$M" && [ "$(sample "$M" dns_served_commit_info "{\"commit\": \"$1\"}")" = 1 ]; }
wait_until 10 "dns_served_commit_info names the new commit $head" served_commit_is "$head"
[ "$(sample "$M" dns_zone_serial '{"zone": "a\\.b.test"}')" = 2026060102 ] ||
	fail "dns_zone_serial of a\\.b.test is missing: $(grep 'b.test' "$M")"
grep -F 'dns_zone_serial{zone="a\\.b.test"} 2026060102' "$M" >/dev/null ||
	fail "the label value is not escaped as the text format wants: $(grep 'b.test' "$M")"
alive $PRIMARY_PID || fail "dns-primary-git died"
echo "PASS: refusals logged once and counted by reason, UPDATE/NOTIFY by opcode, query log, strict scrape with odd zone names, build and commit info"
