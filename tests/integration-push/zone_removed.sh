#!/usr/bin/env bash
# Issue 12, defect 2: a removed zone leaves a trace.  A zone file removed
# by a push straight to the remote (no hooks) and announced by a NOTIFY
# signed with a root notify key: the zone is no longer answered (REFUSED,
# like any name we are not authoritative for), the log says
# msg="zone removed" with its last serial and the commit, its metric series
# stay (dns_zone_removed 1, dns_zone_serial the last one served), and a
# secondary that still asks for it (AXFR/IXFR, or a signed SOA query,
# with a transfer key) is answered NOTAUTH (RFC 5936 §2.2.1: "not
# authoritative for the queried zone"), with one warning per zone and
# peer telling the operator to remove it there, and a counter.
source "$(dirname "$0")/../integration/lib.sh"
it_init zone_removed "$@"
need_tool kdig knot-dnsutils
need_tool git git

pick_ports 2
P=${PORTS[0]} MP=${PORTS[1]}
ROOT_NOTIFY=hook._notify.
XFR_KEY=xfr._transfer.other.test.
XFR_SECRET=vRC0tsGj8S0AAPEQR93HZHi8msv7R71QIphQdqA8FdE=

mkdir -p "$IT_TMP/seed"
small_zone 2026040101 >"$IT_TMP/seed/example.com"
cat >"$IT_TMP/seed/other.test" <<-'EOF'
	$ORIGIN other.test.
	$TTL 300
	@    SOA ns1 hostmaster 2026050507 3600 600 604800 300
	@    NS  ns1
	ns1  A   192.0.2.53
	www  A   192.0.2.80
EOF
write_keys "$IT_TMP/seed/_keys"
cat >>"$IT_TMP/seed/_keys" <<-EOF
	$ROOT_NOTIFY DNSKEY 0 3 163 $NOTIFY_KEY_SECRET
	$XFR_KEY DNSKEY 0 3 163 $XFR_SECRET
EOF
make_remote "$IT_TMP/remote.git" "$IT_TMP/seed"
start_primary primary "$IT_TMP/state" --remote "$IT_TMP/remote.git" --listen 127.0.0.1:$P \
	--metrics 127.0.0.1:$MP
wait_serial 30 127.0.0.1 $P other.test 2026050507
wait_serial 30 127.0.0.1 $P example.com 2026040101

# metric NAME ZONE: the value of NAME{zone="ZONE"} (empty if absent)
metric() {
	metrics 127.0.0.1:$MP | awk -v n="$1" -v z="zone=\"$2\"" '
		index($0, n "{") == 1 && index($0, z) {print $NF; exit}'
}
metric_is() { [ "$(metric "$1" "$2")" = "$3" ]; }
# status ARGS...: the rcode kdig reports (kdig exits non-zero on errors)
status() {
	{ kdig @127.0.0.1 -p $P +time=2 +retry=0 "$@" 2>&1 || true; } |
		sed -n "s/.*status: \([A-Z]*\).*/\1/p; s/.*replied with error '\([A-Z]*\)'.*/\1/p" |
		head -n 1
}
status_is() { local want=$1; shift; [ "$(status "$@")" = "$want" ]; }

wait_until 30 "metrics" metric_is dns_zone_removed other.test 0

# remove other.test, straight to the remote, then the NOTIFY of a hook
git clone -q "$IT_TMP/remote.git" "$IT_TMP/edit"
git -C "$IT_TMP/edit" rm -q other.test
git -C "$IT_TMP/edit" commit -q -m "other.test goes"
git -C "$IT_TMP/edit" push -q origin main
commit=$(git -C "$IT_TMP/edit" rev-parse HEAD)
out=$("$NOTIFY" --key "${ROOT_NOTIFY%.}:hmac-sha256:$NOTIFY_KEY_SECRET" "127.0.0.1:$P" other.test 2>&1) ||
	fail "dns-notify for the removed zone exited $?: $out"
it_log "dns-notify: $out"

removed_logged() {
	grep 'msg="zone removed"' "$IT_TMP/primary.log" | grep 'zone=other.test' |
		grep 'serial=2026050507' | grep -q "commit=${commit:0:12}"
}
wait_until 30 "the log line msg=\"zone removed\" zone=other.test serial=2026050507 commit=${commit:0:12}" removed_logged
grep 'msg="zone removed"' "$IT_TMP/primary.log" | grep -q 'level=warn' || fail "the removal is not logged at warn"
it_log "log: $(grep 'msg="zone removed"' "$IT_TMP/primary.log")"

# no longer answered; the other zone is
wait_until 30 "other.test REFUSED" status_is REFUSED SOA other.test
st=$(status A www.other.test)
[ "$st" = REFUSED ] || fail "a query for www.other.test got '$st', expected REFUSED"
serial_is 127.0.0.1 $P example.com 2026040101 || fail "example.com is no longer served"

# the metric series stay
wait_until 10 "dns_zone_removed{zone=\"other.test\"} 1" metric_is dns_zone_removed other.test 1
metric_is dns_zone_serial other.test 2026050507 ||
	fail "dns_zone_serial{zone=\"other.test\"} is '$(metric dns_zone_serial other.test)', expected the last served 2026050507"
metric_is dns_zone_removed example.com 0 || fail "dns_zone_removed{zone=\"example.com\"} is not 0"

# a secondary still asking: NOTAUTH, one warning per zone and peer, counted
TSIG=(-y "hmac-sha256:$XFR_KEY:$XFR_SECRET")
st=$(status "${TSIG[@]}" AXFR other.test)
[ "$st" = NOTAUTH ] || fail "AXFR other.test with a transfer key got '$st', expected NOTAUTH (RFC 5936 §2.2.1)"
st=$(status "${TSIG[@]}" +tcp IXFR=2026050506 other.test)
[ "$st" = NOTAUTH ] || fail "IXFR other.test with a transfer key got '$st', expected NOTAUTH"
st=$(status "${TSIG[@]}" +tcp SOA other.test)
[ "$st" = NOTAUTH ] || fail "a signed SOA query of a secondary got '$st', expected NOTAUTH"
st=$(status AXFR other.test)
[ "$st" = REFUSED ] || fail "an unsigned AXFR of the removed zone got '$st', expected REFUSED (not allowed to know)"
warned() { grep -c 'transfer requested for a removed zone; remove it from that secondary' "$IT_TMP/primary.log"; }
[ "$(warned)" = 1 ] || fail "expected one warning for (other.test, 127.0.0.1), found $(warned)"
grep 'transfer requested for a removed zone' "$IT_TMP/primary.log" | grep 'zone=other.test' |
	grep -q 'peer=127.0.0.1' || fail "the warning does not name the zone and the peer"
it_log "log: $(grep 'transfer requested for a removed zone' "$IT_TMP/primary.log")"
wait_until 10 "dns_removed_zone_requests_total{zone=\"other.test\"} 3" metric_is dns_removed_zone_requests_total other.test 3

# the zone comes back: served again, no longer removed
sed 's/2026050507/2026050508/' "$IT_TMP/seed/other.test" >"$IT_TMP/edit/other.test"
push_edit "$IT_TMP/edit" "other.test is back"
out=$("$NOTIFY" --key "${ROOT_NOTIFY%.}:hmac-sha256:$NOTIFY_KEY_SECRET" "127.0.0.1:$P" other.test 2>&1) ||
	fail "dns-notify exited $?: $out"
wait_serial 30 127.0.0.1 $P other.test 2026050508
wait_until 10 "dns_zone_removed{zone=\"other.test\"} 0" metric_is dns_zone_removed other.test 0
alive $PRIMARY_PID || fail "dns-primary-git died"

echo "PASS: the removed zone was logged, kept its metrics, and its secondary got NOTAUTH with one warning"
