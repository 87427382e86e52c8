#!/usr/bin/env bash
# Issue 12, defect 5: `$INCLUDE` judged one way by `dns-zone check --root`,
# the example pre-receive hook and the primary.  Two zones include a root
# `common.inc` and `inc/mail.inc`, pushed through a bare repository with
# the example hooks of zones-example/: the push is accepted, the checked-out
# tree passes `dns-zone check --root`, and the primary serves the included
# records in both zones.  A push changing only common.inc reloads both
# (and not the zone that includes nothing): through the hooks (a change
# that leaves the records alone) and without them (new records).  An UPDATE of a.test is written
# back (the edited file still includes), one deleting a record that comes
# from an included file is REFUSED; IXFR rebuilds an old version with the
# included files of its own commit.  An $INCLUDE of a missing file,
# of "../x.inc" and of a root zone file is refused with the same message
# (file:line:col: cannot include '...': why) by dns-zone check --root, by
# the hook and by the primary, which keeps serving the last good version.
source "$(dirname "$0")/../integration/lib.sh"
source "$(dirname "$0")/hooklib.sh"
it_init include_zones "$@"
need_tool kdig knot-dnsutils
need_tool git git
need_tool nsupdate bind9-dnsutils

pick_ports 1
P=${PORTS[0]}
hook_remote "$IT_TMP/remote.git" $P
start_primary primary "$IT_TMP/state" --remote "$IT_TMP/remote.git" --listen 127.0.0.1:$P
wait_serial 30 127.0.0.1 $P example.com 2026112201
W=$IT_TMP/work
git clone -q "$IT_TMP/remote.git" "$W"

# zone ORIGIN SERIAL LINES...: a zone file including the shared files
zone() {
	local origin=$1 serial=$2
	shift 2
	printf '$ORIGIN %s.\n$TTL 300\n@ SOA ns1 hostmaster %s 3600 600 604800 300\n' "$origin" "$serial"
	printf '@ NS ns1\nns1 A 192.0.2.53\n'
	printf '%s\n' "$@"
}
mkdir -p "$W/inc"
printf 'ftp  A 192.0.2.21\nwww  A 192.0.2.80\n' >"$W/common.inc"
printf '@    MX 10 mail\nmail A 192.0.2.25\n' >"$W/inc/mail.inc"
zone a.test 2026070101 '$INCLUDE common.inc' '$INCLUDE inc/mail.inc' >"$W/a.test"
zone b.test 2026070101 '$INCLUDE inc/mail.inc' '$INCLUDE common.inc' >"$W/b.test"
UPD_KEY=admin._update.a.test.
UPD_SECRET=52uwvvQqLhPs9q+Ismiipj5xwVockMzbFlExEzZOOc0=
XFR_KEY=sec._transfer.a.test.
XFR_SECRET=vRC0tsGj8S0AAPEQR93HZHi8msv7R71QIphQdqA8FdE=
printf '%s DNSKEY 0 3 163 %s\n' "$UPD_KEY" "$UPD_SECRET" "$XFR_KEY" "$XFR_SECRET" >"$W/a.test._keys"
git -C "$W" add -A
git -C "$W" commit -q -m "a.test and b.test share common.inc and inc/mail.inc"
push_out "$W"
[ "$PUSH_RC" = 0 ] || fail "the push of two zones with \$INCLUDE was refused by the hook: $PUSH_OUT"
out=$(cd "$W" && "$DNSZONE" check --root . a.test b.test example.com 2>&1) ||
	fail "dns-zone check --root refuses the checked-out tree: $out"

wait_serial 30 127.0.0.1 $P a.test 2026070101
wait_serial 30 127.0.0.1 $P b.test 2026070101
for z in a.test b.test; do
	answer_is 127.0.0.1 $P A ftp.$z 192.0.2.21 || fail "ftp.$z (from common.inc) is '$(answer_short 127.0.0.1 $P A ftp.$z)'"
	answer_is 127.0.0.1 $P A mail.$z 192.0.2.25 || fail "mail.$z (from inc/mail.inc) is not served"
	answer_is 127.0.0.1 $P MX $z "10 mail.$z." || fail "the MX of $z (from inc/mail.inc) is '$(answer_short 127.0.0.1 $P MX $z)'"
done

# only common.inc changes: both zones reload, example.com does not.
# Through the hooks, a change that leaves the zones' records as they were
# (the hook wants a higher serial for a zone whose records change through
# an included file, as if its own file had changed)...
loaded_at() { grep "msg=\"zone loaded\" zone=$1 " "$IT_TMP/primary.log" | grep -q "commit=${2:0:12}"; }
printf '; shared by a.test and b.test\n' >>"$W/common.inc"
git -C "$W" commit -q -am "common.inc: a comment"
push_out "$W"
[ "$PUSH_RC" = 0 ] || fail "the push changing only common.inc was refused: $PUSH_OUT"
c=$(git -C "$W" rev-parse HEAD)
wait_until 30 "a.test reloaded at ${c:0:12}" loaded_at a.test "$c"
wait_until 30 "b.test reloaded at ${c:0:12}" loaded_at b.test "$c"
loaded_at example.com "$c" && fail "example.com was reloaded although it includes nothing"
# ...and without them (a repository without hooks), one that changes them
HOOKLESS=(git -C "$W" push -q --receive-pack="git -c core.hooksPath=/dev/null receive-pack" origin main)
announce() {
	out=$("$NOTIFY" --key "$HOOK_KEY:hmac-sha256:$(example_secret "$HOOK_KEY")" "127.0.0.1:$P" a.test 2>&1) ||
		fail "dns-notify exited $?: $out"
}
sed -i 's/192\.0\.2\.21/192.0.2.22/' "$W/common.inc"
git -C "$W" commit -q -am "common.inc: ftp moves"
"${HOOKLESS[@]}" || fail "the push without hooks failed"
announce
c=$(git -C "$W" rev-parse HEAD)
wait_until 30 "ftp.a.test 192.0.2.22" answer_is 127.0.0.1 $P A ftp.a.test 192.0.2.22
wait_until 30 "ftp.b.test 192.0.2.22" answer_is 127.0.0.1 $P A ftp.b.test 192.0.2.22
loaded_at example.com "$c" && fail "example.com was reloaded although it includes nothing"

# UPDATE: an addition is written back into a.test (which still includes);
# deleting a record of common.inc cannot be said by a.test: REFUSED
nsupdate_a() {
	nsupdate -y "hmac-sha256:${UPD_KEY%.}:$UPD_SECRET" -t 10 2>&1 <<-EOF || true
	server 127.0.0.1 $P
	zone a.test
	$1
	send
	EOF
}
out=$(nsupdate_a "update add dyn.a.test. 60 A 192.0.2.60")
wait_until 30 "dyn.a.test (an UPDATE of a zone with \$INCLUDE)" answer_is 127.0.0.1 $P A dyn.a.test 192.0.2.60
git -C "$W" pull -q origin main
grep -q '^\$INCLUDE common.inc' "$W/a.test" || fail "the written-back a.test lost its \$INCLUDE lines"
grep -q 'dyn' "$W/a.test" || fail "the update is not in a.test in git"
grep -q 'dyn' "$W/common.inc" && fail "the update was written into common.inc"
out=$(nsupdate_a "update delete ftp.a.test. A")
it_log "nsupdate deleting a record of common.inc: $(echo "$out" | tr '\n' ' ')"
echo "$out" | grep -q REFUSED || fail "deleting ftp.a.test (from common.inc) was not REFUSED: $out"
grep 'update refused' "$IT_TMP/primary.log" | grep -q 'zone=a.test' ||
	fail "the refusal is not logged with its reason"
it_log "log: $(grep 'update refused' "$IT_TMP/primary.log" | tail -n 1)"
answer_is 127.0.0.1 $P A ftp.a.test 192.0.2.22 || fail "ftp.a.test is gone after a refused delete"
wrote_back=$(soa_serial 127.0.0.1 $P a.test)

# the finding about $INCLUDE in some text (dns-zone's stderr, the hook's
# "remote:" lines, the primary's log): a.test:LINE:COL: cannot include 'X': why
finding() { grep -o "a\.test:[0-9]*:[0-9]*: cannot include '[^']*': [^\"]*" | head -n 1 | sed 's/[[:space:]]*$//'; }

serial=$wrote_back
good_serial=$serial
for bad in missing.inc ../x.inc example.com; do
	serial=$((serial + 1))
	zone a.test $serial '$INCLUDE common.inc' "\$INCLUDE $bad" >"$W/a.test"
	git -C "$W" commit -q -am "a.test includes $bad"
	# dns-zone check --root
	by_check=$( (cd "$W" && "$DNSZONE" check --root . a.test 2>&1) | finding) || true
	[ -n "$by_check" ] || fail "dns-zone check --root accepted \$INCLUDE $bad"
	# the hook
	push_out "$W"
	[ "$PUSH_RC" != 0 ] || fail "the hook accepted \$INCLUDE $bad"
	by_hook=$(printf '%s\n' "$PUSH_OUT" | finding)
	[ "$by_hook" = "$by_check" ] ||
		fail "\$INCLUDE $bad: the hook says '$by_hook', dns-zone check --root '$by_check'"
	# the primary, when it gets there anyway
	"${HOOKLESS[@]}" || fail "the push without hooks failed"
	announce
	has_finding() { grep 'zone failed to load' "$IT_TMP/primary.log" | grep -q "$1"; }
	wait_until 30 "the primary's finding about \$INCLUDE $bad" has_finding "'$bad'"
	by_primary=$(grep 'zone failed to load' "$IT_TMP/primary.log" | grep "'$bad'" | tail -n 1 | finding)
	[ "$by_primary" = "$by_check" ] ||
		fail "\$INCLUDE $bad: the primary says '$by_primary', dns-zone check --root '$by_check'"
	it_log "\$INCLUDE $bad, refused alike: $by_check"
	serial_is 127.0.0.1 $P a.test $good_serial ||
		fail "a.test serves '$(soa_serial 127.0.0.1 $P a.test)' with \$INCLUDE $bad, expected the last good $good_serial"
	answer_is 127.0.0.1 $P A mail.a.test 192.0.2.25 || fail "the last good a.test lost mail.a.test"
done

# fixed, through the hooks again
serial=$((serial + 1))
zone a.test $serial '$INCLUDE common.inc' '$INCLUDE inc/mail.inc' 'extra A 192.0.2.99' >"$W/a.test"
git -C "$W" commit -q -am "a.test fixed"
push_out "$W"
[ "$PUSH_RC" = 0 ] || fail "the fixed a.test was refused: $PUSH_OUT"
wait_serial 30 127.0.0.1 $P a.test $serial
answer_is 127.0.0.1 $P A extra.a.test 192.0.2.99 || fail "the fixed a.test is not served"

# IXFR from the first version: rebuilt with the included files of its own
# commit, so the difference is only what a.test itself changed (an
# unreadable old version would be answered with the whole zone)
ixfr=$(kdig @127.0.0.1 -p $P +time=3 +retry=0 -y "hmac-sha256:${XFR_KEY%.}:$XFR_SECRET" \
	IXFR=2026070101 a.test 2>&1) || fail "IXFR of a.test failed: $ixfr"
echo "$ixfr" | grep -q 'extra\.a\.test' || fail "the IXFR does not add extra.a.test: $ixfr"
echo "$ixfr" | grep -q 'mail\.a\.test' && fail "the IXFR carries mail.a.test (from inc/mail.inc, unchanged): the old version was not rebuilt with its includes: $ixfr"
grep 'msg=transfer zone=a.test' "$IT_TMP/primary.log" | tail -n 1 | grep -q 'kind=ixfr ' ||
	fail "the transfer was not an incremental one: $(grep 'msg=transfer zone=a.test' "$IT_TMP/primary.log" | tail -n 1)"
alive $PRIMARY_PID || fail "dns-primary-git died"

echo "PASS: \$INCLUDE across files of one commit: accepted and served alike; common.inc reloads both zones; bad includes refused with one message by dns-zone, the hook and the primary"
