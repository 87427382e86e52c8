#!/usr/bin/env bash
# A broken zone pushed on top of a good one: the good version keeps
# answering; the error is in the log as file:line:col and in the metrics
# (dns_zone_load_failed 1, dns_zone_load_errors_total up).  A fixed push
# is served and the metric goes back to 0.
source "$(dirname "$0")/lib.sh"
it_init broken_push "$@"
need_tool kdig knot-dnsutils
need_tool git git

pick_ports 2
P=${PORTS[0]} MP=${PORTS[1]}
GOOD=2026040101 BROKEN=2026040102 FIXED=2026040103

# metric NAME: the value of NAME{zone="example.com"} (empty if absent)
metric() {
	metrics 127.0.0.1:$MP | awk -v n="$1" '
		index($0, n "{") == 1 && $0 ~ /zone="example\.com"/ {printf "%d\n", $NF; exit}'
}
metric_is() { [ "$(metric "$1")" = "$2" ]; }

mkdir -p "$IT_TMP/seed"
small_zone $GOOD >"$IT_TMP/seed/example.com"
write_keys "$IT_TMP/seed/_keys"
make_remote "$IT_TMP/remote.git" "$IT_TMP/seed"
start_primary primary "$IT_TMP/state" --remote "$IT_TMP/remote.git" --listen 127.0.0.1:$P \
	--metrics 127.0.0.1:$MP
wait_serial 30 127.0.0.1 $P example.com $GOOD
wait_until 30 "metrics on 127.0.0.1:$MP" metrics 127.0.0.1:$MP
errors_before=$(metric dns_zone_load_errors_total)
errors_before=${errors_before:-0}
failed=$(metric dns_zone_load_failed)
[ "${failed:-0}" = 0 ] || fail "dns_zone_load_failed is '$failed' before any failure (expected 0)"

# push a broken version with a higher serial: a type that does not exist
git clone -q "$IT_TMP/remote.git" "$IT_TMP/edit"
zf=$IT_TMP/edit/example.com
set_serial "$zf" $BROKEN
sed -i 's/^www     IN A   192.0.2.80$/www     IN A   192.0.2.99/' "$zf"
printf 'www     IN AAA 1.2.3.4\n' >>"$zf"
bad_line=$(wc -l <"$zf")
bad_col=$(awk -v l="$bad_line" 'NR == l {print index($0, "AAA")}' "$zf")   # 1-based
push_edit "$IT_TMP/edit" "broken: AAA is not a type"
notify_primary $P

# the error appears in the log as example.com:LINE:COL: ...
has_error() { grep -Eq "zone failed to load.*example\.com:$bad_line:[0-9]+:" "$IT_TMP/primary.log"; }
wait_until 30 "the load error of line $bad_line in the log" has_error
grep -Eq "zone failed to load.*example\.com:$bad_line:$bad_col:.*AAA" "$IT_TMP/primary.log" ||
	fail "the load error is not at example.com:$bad_line:$bad_col (the 'AAA' token): $(grep -E 'failed to load' "$IT_TMP/primary.log" | head -n 3)"
it_log "log: $(grep -E "example\.com:$bad_line:[0-9]+:" "$IT_TMP/primary.log" | head -n 1)"
grep -E "example\.com:$bad_line:[0-9]+:" "$IT_TMP/primary.log" | grep -q "AAA" ||
	fail "the load error does not name the bad token 'AAA'"

# the good version keeps answering, the broken one is nowhere
for i in 1 2 3 4 5; do
	serial_is 127.0.0.1 $P example.com $GOOD ||
		fail "serial is '$(soa_serial 127.0.0.1 $P example.com)' after the broken push, expected $GOOD"
	answer_is 127.0.0.1 $P A www.example.com 192.0.2.80 ||
		fail "www A is '$(answer_short 127.0.0.1 $P A www.example.com)' after the broken push, expected 192.0.2.80"
	sleep 0.2
done
alive $PRIMARY_PID || fail "dns-primary-git died after the broken push"

# the metrics say so
wait_until 10 "dns_zone_load_failed{zone=\"example.com\"} 1" metric_is dns_zone_load_failed 1
errors=$(metric dns_zone_load_errors_total)
[ -n "$errors" ] && [ "$errors" -gt "$errors_before" ] ||
	fail "dns_zone_load_errors_total{zone=\"example.com\"} is '$errors' (was $errors_before): did not increase"
metric_is dns_zone_serial $GOOD || fail "dns_zone_serial is '$(metric dns_zone_serial)', expected $GOOD"
it_log "metrics: load_failed 1, load_errors_total $errors_before -> $errors"

# push the fix: served, metric back to 0
sed -i '$d' "$zf"
printf 'www     IN AAAA 2001:db8::99\n' >>"$zf"
set_serial "$zf" $FIXED
push_edit "$IT_TMP/edit" "fixed: AAAA"
notify_primary $P
wait_serial 30 127.0.0.1 $P example.com $FIXED
answer_is 127.0.0.1 $P A www.example.com 192.0.2.99 || fail "www A is not 192.0.2.99 after the fix"
answer_is 127.0.0.1 $P AAAA www.example.com "$(printf '2001:db8::80\n2001:db8::99' | sort)" ||
	fail "www AAAA is '$(answer_short 127.0.0.1 $P AAAA www.example.com)' after the fix"
wait_until 10 "dns_zone_load_failed{zone=\"example.com\"} 0" metric_is dns_zone_load_failed 0
metric_is dns_zone_serial $FIXED || fail "dns_zone_serial is '$(metric dns_zone_serial)', expected $FIXED"

echo "PASS: the broken push kept $GOOD serving with the error logged and in the metrics; the fix serves $FIXED"
