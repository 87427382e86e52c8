#!/usr/bin/env bash
# Issue 12, defect 1: with the example repository and hooks as shipped
# (zones-example/, the hook's key hook._notify.), a zone added by a push is
# served and a zone removed by a push is no longer served, with no SIGHUP:
# the post-receive hook announces both.  Two files naming one zone
# (EXAMPLE.COM beside example.com) are refused at push time.  With a
# zone-scoped notify key in the hook instead, the push output says plainly
# that the key cannot announce the new zone (dns-notify's explanation, not
# a bare REFUSED), and the hook announces it through a zone it can.
source "$(dirname "$0")/../integration/lib.sh"
source "$(dirname "$0")/hooklib.sh"
it_init hook_zones "$@"
need_tool kdig knot-dnsutils
need_tool git git

pick_ports 1
P=${PORTS[0]}
hook_remote "$IT_TMP/remote.git" $P
start_primary primary "$IT_TMP/state" --remote "$IT_TMP/remote.git" --listen 127.0.0.1:$P
wait_serial 30 127.0.0.1 $P example.com 2026112201
git clone -q "$IT_TMP/remote.git" "$IT_TMP/work"
W=$IT_TMP/work

# new_zone NAME SERIAL: a small zone file NAME in the clone.
new_zone() {
	cat >"$W/$1" <<-EOF
	\$ORIGIN $1.
	\$TTL 300
	@    SOA ns1 hostmaster $2 3600 600 604800 300
	@    NS  ns1
	ns1  A   192.0.2.53
	www  A   192.0.2.81
	EOF
}

# ---- a zone added by a push is served ----
rcode_is REFUSED $P SOA example.net || fail "example.net is answered before it exists"
new_zone example.net 2026070101
git -C "$W" add example.net
git -C "$W" commit -q -m "add example.net"
push_out "$W"
[ "$PUSH_RC" = 0 ] || fail "the push adding example.net was refused: $PUSH_OUT"
grep -q "example.net: NOERROR from 127.0.0.1#$P (TSIG ok)" <<<"$PUSH_OUT" ||
	fail "the post-receive hook did not announce example.net: $PUSH_OUT"
wait_serial 30 127.0.0.1 $P example.net 2026070101
answer_is 127.0.0.1 $P A www.example.net 192.0.2.81 || fail "www.example.net is not 192.0.2.81"
serial_is 127.0.0.1 $P example.com 2026112201 || fail "example.com changed serial"

# ---- a zone removed by a push is no longer served ----
git -C "$W" rm -q example.net
git -C "$W" commit -q -m "remove example.net"
push_out "$W"
[ "$PUSH_RC" = 0 ] || fail "the push removing example.net was refused: $PUSH_OUT"
grep -q "example.net: NOERROR from 127.0.0.1#$P (TSIG ok)" <<<"$PUSH_OUT" ||
	fail "the post-receive hook did not announce the removal of example.net: $PUSH_OUT"
wait_until 30 "example.net REFUSED after its removal" rcode_is REFUSED $P SOA example.net
serial_is 127.0.0.1 $P example.com 2026112201 || fail "example.com is no longer served"
alive $PRIMARY_PID || fail "dns-primary-git died"

# ---- two files naming one zone are refused by pre-receive ----
new_zone EXAMPLE.COM 2026070101
git -C "$W" add EXAMPLE.COM
git -C "$W" commit -q -m "a second file for example.com"
push_out "$W"
[ "$PUSH_RC" != 0 ] || fail "a push with EXAMPLE.COM beside example.com was accepted"
grep "are zone files of the same zone example.com." <<<"$PUSH_OUT" | grep "'EXAMPLE.COM'" |
	grep -q "'example.com'" || fail "the refusal does not name both files and the zone: $PUSH_OUT"
git -C "$W" reset -q --hard origin/main

# ---- a zone-scoped notify key: the hook says plainly what is wrong ----
SCOPED=scoped._notify.example.com.
SCOPED_SECRET=c2NvcGVkLW5vdGlmeS1rZXktZm9yLXRoZS10ZXN0IQ==
printf '%s DNSKEY 0 3 163 %s\n' "$SCOPED" "$SCOPED_SECRET" >>"$W/_keys"
git -C "$W" commit -q -am "a notify key for example.com only"
push_out "$W"
[ "$PUSH_RC" = 0 ] || fail "the push of the scoped key was refused: $PUSH_OUT"
# the key file changed: the hook announced it through some zone
scoped_works() {
	"$NOTIFY" --key "${SCOPED%.}:hmac-sha256:$SCOPED_SECRET" 127.0.0.1:$P example.com
}
wait_until 30 "the primary accepting NOTIFYs signed with $SCOPED" scoped_works
git -C "$IT_TMP/remote.git" config hooks.dnsNotifyKey "$SCOPED:hmac-sha256:$SCOPED_SECRET"

new_zone example.org 2026070102
git -C "$W" add example.org
git -C "$W" commit -q -m "add example.org"
push_out "$W"
[ "$PUSH_RC" = 0 ] || fail "the push adding example.org was refused: $PUSH_OUT"
want="dns-notify: key $SCOPED has no notify authority over example.org.: a key covers the zone named to the right of its _notify/_transfer/_update label and the zones below it; use a key named scoped._notify. to announce every zone"
grep -qF "$want" <<<"$PUSH_OUT" || fail "the push output lacks dns-notify's explanation '$want': $PUSH_OUT"
grep -q "the key cannot announce example.org.: announced through example.com. instead" <<<"$PUSH_OUT" ||
	fail "the hook did not say it announced example.org through another zone: $PUSH_OUT"
wait_serial 30 127.0.0.1 $P example.org 2026070102

echo "PASS: zones added and removed by push served and dropped with no SIGHUP; EXAMPLE.COM refused; a scoped hook key explained and worked around"
