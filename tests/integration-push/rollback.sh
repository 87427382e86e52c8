#!/usr/bin/env bash
# Issue 12, defect 3 (rollback): with the example hooks as shipped, an
# edit is pushed and served; `git revert HEAD` + push is refused by the
# pre-receive hook because the serial went down, and the refusal says so
# and how to fix it; the documented rollback (README, "Rolling back") with
# `dns-zone bump-serial --above` is accepted and served, in both its
# forms: amending the refused revert commit, and a revert that is
# bumped before it is committed.
source "$(dirname "$0")/../integration/lib.sh"
source "$(dirname "$0")/hooklib.sh"
it_init rollback "$@"
need_tool kdig knot-dnsutils
need_tool git git

pick_ports 1
P=${PORTS[0]}
hook_remote "$IT_TMP/remote.git" $P
start_primary primary "$IT_TMP/state" --remote "$IT_TMP/remote.git" --listen 127.0.0.1:$P
S0=2026112201
wait_serial 30 127.0.0.1 $P example.com $S0
answer_is 127.0.0.1 $P A www.example.com 192.0.2.80 || fail "www.example.com is not 192.0.2.80"
git clone -q "$IT_TMP/remote.git" "$IT_TMP/work"
W=$IT_TMP/work

# ---- an edit, pushed and served ----
sed -i -E 's/^(www[[:space:]]+A[[:space:]]+)192\.0\.2\.80/\1192.0.2.99/' "$W/example.com"
grep -q '192.0.2.99' "$W/example.com" || fail "the edit did not apply"
S1=$(bumped_serial "$W" example.com)
git -C "$W" commit -q -am "www moves to .99"
push_out "$W"
[ "$PUSH_RC" = 0 ] || fail "the edit was refused: $PUSH_OUT"
wait_serial 30 127.0.0.1 $P example.com "$S1"
answer_is 127.0.0.1 $P A www.example.com 192.0.2.99 || fail "www.example.com is not 192.0.2.99"

# ---- git revert + push: refused, the serial went down ----
git -C "$W" revert --no-edit HEAD >/dev/null
push_out "$W"
[ "$PUSH_RC" != 0 ] || fail "the revert with serial $S0 < $S1 was accepted"
grep -q "example.com: SOA serial $S0 is not greater than the old serial $S1" <<<"$PUSH_OUT" ||
	fail "the refusal does not say the serial went down: $PUSH_OUT"
grep -q "dns-zone bump-serial --min $((S1 + 1)) example.com" <<<"$PUSH_OUT" ||
	fail "the refusal does not say how to raise the serial: $PUSH_OUT"
serial_is 127.0.0.1 $P example.com "$S1" || fail "the primary moved although the push was refused"

# ---- the documented rollback, amending the refused revert ----
out=$(cd "$W" && "$DNSZONE" bump-serial --above <(git show HEAD~1:example.com) example.com) ||
	fail "dns-zone bump-serial --above failed: $out"
it_log "$out"
S2=${out##* -> }
[ "$S2" -gt "$S1" ] || fail "bump-serial --above gave $S2, not above $S1"
git -C "$W" commit -q -a --amend --no-edit
push_out "$W"
[ "$PUSH_RC" = 0 ] || fail "the rollback with serial $S2 was refused: $PUSH_OUT"
wait_serial 30 127.0.0.1 $P example.com "$S2"
answer_is 127.0.0.1 $P A www.example.com 192.0.2.80 || fail "the rollback is not served: www is not .80"
# only the serial differs from the original file
diff <(git -C "$W" show HEAD~2:example.com | sed "s/$S0/SERIAL/") \
	<(sed "s/$S2/SERIAL/" "$W/example.com") >/dev/null ||
	fail "the rolled-back file differs from the original in more than its serial"

# ---- the other form: revert, bump, then commit ----
git -C "$W" revert --no-commit HEAD >/dev/null
out=$(cd "$W" && "$DNSZONE" bump-serial --above <(git show HEAD:example.com) example.com) ||
	fail "dns-zone bump-serial --above failed: $out"
S3=${out##* -> }
git -C "$W" commit -q -am "roll back the rollback"
push_out "$W"
[ "$PUSH_RC" = 0 ] || fail "the second rollback with serial $S3 was refused: $PUSH_OUT"
wait_serial 30 127.0.0.1 $P example.com "$S3"
answer_is 127.0.0.1 $P A www.example.com 192.0.2.99 || fail "the second rollback is not served"

echo "PASS: revert refused (serial $S0 < $S1), rolled back with bump-serial --above ($S2, then $S3) and served"
