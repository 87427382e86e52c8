#!/usr/bin/env bash
# Issue 12, defect 5 (at push time): `$INCLUDE` is judged one way by the
# pre-receive hook, `dns-zone check --root` and the primary.  A push adding
# a shared record set (a root `*.inc` file and a file in a subdirectory)
# and a zone including both, paths relative to the repository root, is
# accepted and served.  A later push changing only the include file is
# checked against every zone (a broken include is refused with the
# included file's own position; a zone whose records changed that way
# needs a higher serial, as if its own file had changed), and `$INCLUDE` of a zone file or of a
# path leaving the repository is refused with the primary's reason.
source "$(dirname "$0")/../integration/lib.sh"
source "$(dirname "$0")/hooklib.sh"
it_init hook_include "$@"
need_tool kdig knot-dnsutils
need_tool git git

pick_ports 1
P=${PORTS[0]}
hook_remote "$IT_TMP/remote.git" $P
start_primary primary "$IT_TMP/state" --remote "$IT_TMP/remote.git" --listen 127.0.0.1:$P
wait_serial 30 127.0.0.1 $P example.com 2026112201
W=$IT_TMP/work
git clone -q "$IT_TMP/remote.git" "$W"
head_now() { git -C "$IT_TMP/remote.git" rev-parse main; }

# ---- a zone including files of the same push ----
mkdir -p "$W/shared"
printf 'mx1  A  192.0.2.25\nmx2  A  192.0.2.26\n' >"$W/shared/mail"
printf '@    MX 10 mx1\n@    MX 20 mx2\n$INCLUDE shared/mail\n' >"$W/mail.inc"
{
	echo '$ORIGIN example.net.'
	echo '$TTL 300'
	echo '@    SOA ns1 hostmaster 2026070101 3600 600 604800 300'
	echo '@    NS  ns1'
	echo 'ns1  A   192.0.2.53'
	echo '$INCLUDE mail.inc'
} >"$W/example.net"
(cd "$W" && "$DNSZONE" check --root . example.net) || fail "dns-zone check --root refuses example.net"
git -C "$W" add example.net mail.inc shared/mail
git -C "$W" commit -q -m "example.net with a shared mail record set"
push_out "$W"
[ "$PUSH_RC" = 0 ] || fail "the push of example.net with its includes was refused: $PUSH_OUT"
wait_serial 30 127.0.0.1 $P example.net 2026070101
answer_is 127.0.0.1 $P A mx2.example.net 192.0.2.26 ||
	fail "mx2.example.net (from shared/mail via mail.inc) is '$(answer_short 127.0.0.1 $P A mx2.example.net)'"
answer_is 127.0.0.1 $P MX example.net "$(printf '10 mx1.example.net.\n20 mx2.example.net.')" ||
	fail "example.net MX is '$(answer_short 127.0.0.1 $P MX example.net)'"
rcode_is REFUSED $P SOA mail.inc || fail "mail.inc is served as a zone"

# ---- a push changing only an include file: every zone is checked ----
before=$(head_now)
printf 'mx3  A  192.0.2.999\n' >>"$W/shared/mail"
git -C "$W" commit -q -m "a broken address in the shared set" shared/mail
push_out "$W"
[ "$PUSH_RC" != 0 ] || fail "a broken include file was accepted"
grep -qF "remote: shared/mail:3:9: A: invalid IPv4 address" <<<"$PUSH_OUT" ||
	fail "the refusal lacks the position in the included file (shared/mail:3:9): $PUSH_OUT"
grep -qF "example.net refused" <<<"$PUSH_OUT" || fail "the refusal does not name example.net: $PUSH_OUT"
[ "$(head_now)" = "$before" ] || fail "the remote branch moved although the push was refused"
git -C "$W" reset -q --hard origin/main

# ---- records changed through an include need a higher serial ----
printf 'mx3  A  192.0.2.27\n' >>"$W/shared/mail"
git -C "$W" commit -q -m "a third mail host" shared/mail
push_out "$W"
[ "$PUSH_RC" != 0 ] || fail "example.net changed through shared/mail with the same serial, and was accepted"
grep -qF "example.net: SOA serial 2026070101 is not greater than the old serial 2026070101" <<<"$PUSH_OUT" ||
	fail "the refusal does not say the serial must increase: $PUSH_OUT"
grep -qF "example.net refused: its records changed through an included file" <<<"$PUSH_OUT" ||
	fail "the refusal does not say why example.net needs a new serial: $PUSH_OUT"
S=$(bumped_serial "$W" example.net)
git -C "$W" commit -q --amend --no-edit example.net
push_out "$W"
[ "$PUSH_RC" = 0 ] || fail "the include change with example.net at serial $S was refused: $PUSH_OUT"
wait_serial 30 127.0.0.1 $P example.net "$S"
answer_is 127.0.0.1 $P A mx3.example.net 192.0.2.27 || fail "mx3.example.net is not served"

# ---- what no zone may include, with the same reason as the primary ----
bumped_serial "$W" example.net >/dev/null
printf '$INCLUDE example.com\n$INCLUDE ../outside.inc\n' >>"$W/example.net"
line=$(grep -n '^\$INCLUDE example.com' "$W/example.net" | cut -d: -f1)
git -C "$W" commit -q -m "includes that are not allowed" example.net
push_out "$W"
[ "$PUSH_RC" != 0 ] || fail "including a zone file and a path outside the repository was accepted"
grep -qF "example.net:$line:10: cannot include 'example.com': not allowed in a zone repository: a zone file of its own" \
	<<<"$PUSH_OUT" || fail "the refusal of \$INCLUDE example.com is not at example.net:$line:10: $PUSH_OUT"
grep -qF "example.net:$((line + 1)):10: cannot include '../outside.inc': not allowed in a zone repository: '.' or '..'" \
	<<<"$PUSH_OUT" || fail "the refusal of \$INCLUDE ../outside.inc is missing: $PUSH_OUT"
serial_is 127.0.0.1 $P example.net "$S" || fail "example.net moved although the push was refused"

echo "PASS: \$INCLUDE of files of one push accepted and served; include changes check every zone; forbidden includes refused"
