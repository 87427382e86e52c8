#!/usr/bin/env bash
# Issue 12, defect 4 (the primary's side): a `_keys` file with an error,
# pushed straight to the remote (no hooks to stop it) and announced by a
# NOTIFY, keeps its last good version: the old update key still updates
# (nsupdate), the transfer key still transfers (kdig AXFR), nothing of the
# bad version is in use (its new secret is refused), the error is logged
# as _keys:line:col and dns_key_file_load_failed{file="_keys"} is 1.  The
# fixed push is used (the new secret updates) and the metric goes to 0.
source "$(dirname "$0")/../integration/lib.sh"
it_init bad_keys_primary "$@"
need_tool kdig knot-dnsutils
need_tool nsupdate bind9-dnsutils
need_tool git git

pick_ports 2
P=${PORTS[0]} MP=${PORTS[1]}
ADMIN=admin._update.example.com.
OLD_SECRET=52uwvvQqLhPs9q+Ismiipj5xwVockMzbFlExEzZOOc0=
NEW_SECRET=A3IhOIxL8CMkD1Y2T8X7/6hUfeVxqLdRxCxHhfOoq0I=

# keys_file ADMIN_SECRET [BROKEN_LINE]
keys_file() {
	echo "$TRANSFER_KEY_NAME DNSKEY 0 3 163 $TRANSFER_KEY_SECRET"
	echo "$NOTIFY_KEY_NAME DNSKEY 0 3 163 $NOTIFY_KEY_SECRET"
	echo "$ADMIN DNSKEY 0 3 163 $1"
	[ $# -lt 2 ] || echo "$2"
}

mkdir -p "$IT_TMP/seed"
small_zone 2026040101 >"$IT_TMP/seed/example.com"
keys_file "$OLD_SECRET" >"$IT_TMP/seed/_keys"
make_remote "$IT_TMP/remote.git" "$IT_TMP/seed"
start_primary primary "$IT_TMP/state" --remote "$IT_TMP/remote.git" --listen 127.0.0.1:$P \
	--metrics 127.0.0.1:$MP
wait_serial 30 127.0.0.1 $P example.com 2026040101

# metric NAME: the value of NAME{file="_keys"} (empty if absent)
metric() {
	metrics 127.0.0.1:$MP | awk -v n="$1" 'index($0, n "{file=\"_keys\"}") == 1 {print $NF; exit}'
}
metric_is() { [ "$(metric "$1")" = "$2" ]; }
wait_until 30 "dns_key_file_load_failed{file=\"_keys\"} 0" metric_is dns_key_file_load_failed 0

# nsupdate_add SECRET NAME: add NAME TXT with key $ADMIN/SECRET; prints nsupdate's output
nsupdate_add() {
	nsupdate -y "hmac-sha256:${ADMIN%.}:$1" -t 10 2>&1 <<-EOF || true
	server 127.0.0.1 $P
	zone example.com
	update add $2 60 TXT "added"
	send
	EOF
}
has_txt() { [ "$(answer_short 127.0.0.1 $P TXT "$1")" = '"added"' ]; }
can_transfer() {
	kdig @127.0.0.1 -p $P +time=3 +retry=0 -y "hmac-sha256:${TRANSFER_KEY_NAME%.}:$TRANSFER_KEY_SECRET" \
		AXFR example.com 2>&1 | grep -q 'SOA'
}

# the bad version: the update key rotated, and a line with invalid base64
git clone -q "$IT_TMP/remote.git" "$IT_TMP/edit"
keys_file "$NEW_SECRET" "new._transfer.example.com. DNSKEY 0 3 163 not*base64" >"$IT_TMP/edit/_keys"
bad_line=$(grep -n 'not\*base64' "$IT_TMP/edit/_keys" | cut -d: -f1)
push_edit "$IT_TMP/edit" "bad _keys, straight to the remote"
notify_primary $P
has_error() { grep 'key file error' "$IT_TMP/primary.log" | grep -Eq "_keys:$bad_line:[0-9]+:"; }
wait_until 30 "the key file error at _keys:$bad_line:col in the log" has_error
it_log "log: $(grep 'key file error' "$IT_TMP/primary.log" | head -n 1)"
grep -q 'keeping its last good version' "$IT_TMP/primary.log" || fail "no 'keeping its last good version' in the log"
wait_until 10 "dns_key_file_load_failed{file=\"_keys\"} 1" metric_is dns_key_file_load_failed 1
metric_is dns_key_file_load_errors_total 1 ||
	fail "dns_key_file_load_errors_total{file=\"_keys\"} is '$(metric dns_key_file_load_errors_total)', expected 1"

# the old keys keep working; the new secret of the bad version does not
out=$(nsupdate_add "$OLD_SECRET" old-key.example.com.)
wait_until 30 "old-key.example.com TXT (updated with the last good key)" has_txt old-key.example.com.
can_transfer || fail "AXFR with the transfer key failed while the bad _keys is in the remote"
out=$(nsupdate_add "$NEW_SECRET" new-key.example.com.)
it_log "nsupdate with the bad version's secret: $(echo "$out" | tr '\n' ' ')"
has_txt new-key.example.com. && fail "an update signed with the bad version's secret was applied"
echo "$out" | grep -Eiq 'BADSIG|NOTAUTH|tsig' || fail "nsupdate with the bad version's secret did not fail on TSIG: $out"

# fixed: the new version is used
git -C "$IT_TMP/edit" pull -q --rebase origin main
keys_file "$NEW_SECRET" >"$IT_TMP/edit/_keys"
push_edit "$IT_TMP/edit" "fixed _keys"
notify_primary $P
wait_until 30 "dns_key_file_load_failed{file=\"_keys\"} 0" metric_is dns_key_file_load_failed 0
metric_is dns_key_file_load_errors_total 1 || fail "dns_key_file_load_errors_total changed on a good load"
out=$(nsupdate_add "$NEW_SECRET" new-key2.example.com.)
wait_until 30 "new-key2.example.com TXT (updated with the fixed file's key)" has_txt new-key2.example.com.
alive $PRIMARY_PID || fail "dns-primary-git died"

echo "PASS: the bad _keys kept its last good version (metric 1, error logged at line $bad_line); the fix is in use (metric 0)"
