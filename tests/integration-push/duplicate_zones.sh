#!/usr/bin/env bash
# Issue 12, defect 9: zone names from file names are DNS names.  A push
# (straight to the remote, no hooks) adding `EXAMPLE.COM` beside
# `example.com`, then `\101xample.com` instead: both files are refused, the
# error names both, dns_zone_load_failed{zone="example.com"} is 1 and the
# load errors are counted, the last good version keeps answering, and an
# UPDATE is not acknowledged (it could land in the file nobody serves).
# Root entries that are not zones (a symlink, a submodule, `a b.test`, a
# directory, `common.inc`) are skipped with a log line saying why.
source "$(dirname "$0")/../integration/lib.sh"
it_init duplicate_zones "$@"
need_tool kdig knot-dnsutils
need_tool nsupdate bind9-dnsutils
need_tool git git

pick_ports 2
P=${PORTS[0]} MP=${PORTS[1]}
ADMIN=admin._update.example.com.
ADMIN_SECRET=52uwvvQqLhPs9q+Ismiipj5xwVockMzbFlExEzZOOc0=
GOOD=2026040101

mkdir -p "$IT_TMP/seed/inc"
small_zone $GOOD >"$IT_TMP/seed/example.com"
write_keys "$IT_TMP/seed/_keys"
echo "$ADMIN DNSKEY 0 3 163 $ADMIN_SECRET" >>"$IT_TMP/seed/_keys"
small_zone 1 | sed 's/example\.com\./a\\032b.test./' >"$IT_TMP/seed/a b.test"
echo "www A 192.0.2.1" >"$IT_TMP/seed/common.inc"
echo "www A 192.0.2.1" >"$IT_TMP/seed/inc/mail.inc"
ln -s example.com "$IT_TMP/seed/link.test"
make_remote "$IT_TMP/remote.git" "$IT_TMP/seed"
# a submodule entry (mode 160000), as `git submodule add` records one
git clone -q "$IT_TMP/remote.git" "$IT_TMP/edit"
git -C "$IT_TMP/edit" update-index --add --cacheinfo "160000,$(git -C "$IT_TMP/edit" rev-parse HEAD),mod.test"
git -C "$IT_TMP/edit" commit -q -m "a submodule"
git -C "$IT_TMP/edit" push -q origin main

start_primary primary "$IT_TMP/state" --remote "$IT_TMP/remote.git" --listen 127.0.0.1:$P \
	--metrics 127.0.0.1:$MP
wait_serial 30 127.0.0.1 $P example.com $GOOD

# the skipped root entries, each with its reason
skipped() { grep 'msg="skipping file: not a zone file"' "$IT_TMP/primary.log" | grep -F "$1" | grep -Fq "$2"; }
skipped 'file=link.test' 'symbolic link' || fail "no log line skipping the symlink link.test"
skipped 'file=mod.test' 'submodule' || fail "no log line skipping the submodule mod.test"
skipped 'file="a b.test"' 'reason=' || fail "no log line skipping 'a b.test'"
grep -F 'file="a b.test"' "$IT_TMP/primary.log" | grep -q 'level=warn' || fail "'a b.test' is not skipped at warn"
skipped 'file=inc' 'directory' || fail "no log line skipping the directory inc"
skipped 'file=common.inc' 'INCLUDE' || fail "no log line skipping common.inc"
grep -q 'msg=serving .*zones=1' "$IT_TMP/primary.log" || fail "the primary does not serve exactly one zone"
it_log "skipped: $(grep -c 'skipping file' "$IT_TMP/primary.log") lines, e.g. $(grep 'file=link.test' "$IT_TMP/primary.log" | head -n 1)"

# metric NAME: the value of NAME{zone="example.com"}
metric() {
	metrics 127.0.0.1:$MP | awk -v n="$1" 'index($0, n "{zone=\"example.com\"}") == 1 {print $NF; exit}'
}
metric_is() { [ "$(metric "$1")" = "$2" ]; }
wait_until 30 "dns_zone_load_failed{zone=\"example.com\"} 0" metric_is dns_zone_load_failed 0

nsupdate_add() {
	nsupdate -y "hmac-sha256:${ADMIN%.}:$ADMIN_SECRET" -t 10 2>&1 <<-EOF || true
	server 127.0.0.1 $P
	zone example.com
	update add $1 60 TXT "added"
	send
	EOF
}

dup_count_is() {
	[ "$(grep 'two files name the same zone: both refused' "$IT_TMP/primary.log" | grep -c 'other=example.com')" -ge "$1" ]
}

# check_duplicate FILE SERIAL ERRORS: FILE beside example.com was pushed
check_duplicate() {
	local file=$1 serial=$2 errors=$3
	wait_until 30 "error $errors: the duplicate error naming $file and example.com" dup_count_is "$errors"
	grep 'two files name the same zone' "$IT_TMP/primary.log" | tail -n 1 | grep -Fq "$file" ||
		fail "the duplicate error does not name $file"
	it_log "log: $(grep 'two files name the same zone' "$IT_TMP/primary.log" | tail -n 1)"
	grep 'two files name the same zone' "$IT_TMP/primary.log" | tail -n 1 | grep -q 'level=error' ||
		fail "the duplicate is not logged as an error"
	wait_until 10 "dns_zone_load_failed{zone=\"example.com\"} 1" metric_is dns_zone_load_failed 1
	metric_is dns_zone_load_errors_total "$errors" ||
		fail "dns_zone_load_errors_total{zone=\"example.com\"} is '$(metric dns_zone_load_errors_total)', expected $errors"
	for i in 1 2 3; do
		serial_is 127.0.0.1 $P example.com $GOOD ||
			fail "serial '$(soa_serial 127.0.0.1 $P example.com)' after $file was pushed, expected the last good $GOOD"
		answer_is 127.0.0.1 $P A www.example.com 192.0.2.80 || fail "www.example.com is not the last good 192.0.2.80"
		sleep 0.2
	done
	local before out
	before=$(git -C "$IT_TMP/remote.git" rev-list --count main)
	out=$(nsupdate_add "upd$errors.example.com.")
	it_log "nsupdate while duplicated: $(echo "$out" | tr '\n' ' ')"
	echo "$out" | grep -Eq 'SERVFAIL|REFUSED' || fail "an UPDATE was not refused while two files name the zone: $out"
	[ "$(git -C "$IT_TMP/remote.git" rev-list --count main)" = "$before" ] ||
		fail "an UPDATE was committed while two files name the zone"
	[ -z "$(answer_short 127.0.0.1 $P TXT "upd$errors.example.com.")" ] || fail "the refused update is served"
	serial_is 127.0.0.1 $P example.com "$serial" && fail "the duplicate's serial $serial is served"
	return 0
}

# EXAMPLE.COM beside example.com
git -C "$IT_TMP/edit" pull -q origin main
small_zone 2026040102 | sed 's/192\.0\.2\.80/192.0.2.99/' >"$IT_TMP/edit/EXAMPLE.COM"
push_edit "$IT_TMP/edit" "EXAMPLE.COM beside example.com"
notify_primary $P
check_duplicate EXAMPLE.COM 2026040102 1

# \101xample.com instead: the same zone, by an escape
git -C "$IT_TMP/edit" rm -q EXAMPLE.COM
small_zone 2026040103 >"$IT_TMP/edit/\\101xample.com"
push_edit "$IT_TMP/edit" "\\101xample.com beside example.com"
notify_primary $P
check_duplicate '\101xample.com' 2026040103 2

# one file again: served, the metric back to 0
git -C "$IT_TMP/edit" rm -q '\101xample.com'
set_serial "$IT_TMP/edit/example.com" 2026040104
push_edit "$IT_TMP/edit" "one file for example.com"
notify_primary $P
wait_serial 30 127.0.0.1 $P example.com 2026040104
wait_until 10 "dns_zone_load_failed{zone=\"example.com\"} 0" metric_is dns_zone_load_failed 0
alive $PRIMARY_PID || fail "dns-primary-git died"

echo "PASS: two files naming example.com were both refused (logged, counted, last good served, no update taken); non-zone root entries skipped with their reason"
