#!/usr/bin/env bash
# Issue 12, defect 4 (at push time): with the example hooks as shipped, a
# push of a key file the primary would not load is refused by the
# pre-receive hook, each finding as file:line:col: invalid base64 in
# `_keys`, in `<zone>._keys`, a key name that grants nothing.  Nothing of
# it reaches the branch; a valid `<zone>._keys` is accepted and its key
# works on the primary.
source "$(dirname "$0")/../integration/lib.sh"
source "$(dirname "$0")/hooklib.sh"
it_init bad_keys_hook "$@"
need_tool kdig knot-dnsutils
need_tool git git

pick_ports 1
P=${PORTS[0]}
hook_remote "$IT_TMP/remote.git" $P
start_primary primary "$IT_TMP/state" --remote "$IT_TMP/remote.git" --listen 127.0.0.1:$P
wait_serial 30 127.0.0.1 $P example.com 2026112201
git clone -q "$IT_TMP/remote.git" "$IT_TMP/work"
W=$IT_TMP/work
head_before=$(git -C "$IT_TMP/remote.git" rev-parse main)

# refused FILE LINE COL MESSAGE: the last push was refused with
# FILE:LINE:COL: MESSAGE, and the remote branch did not move.
refused() {
	[ "$PUSH_RC" != 0 ] || fail "a push with a bad $1 was accepted"
	grep -qF "remote: $1:$2:$3: $4" <<<"$PUSH_OUT" ||
		fail "the refusal lacks '$1:$2:$3: $4': $PUSH_OUT"
	grep -qF "pre-receive: refs/heads/main: $1 refused" <<<"$PUSH_OUT" ||
		fail "the refusal does not name $1: $PUSH_OUT"
	[ "$(git -C "$IT_TMP/remote.git" rev-parse main)" = "$head_before" ] ||
		fail "the remote branch moved although the push was refused"
}

# ---- invalid base64 in _keys ----
printf 'ops._update. DNSKEY 0 3 163 not!base64=\n' >>"$W/_keys"
line=$(wc -l <"$W/_keys")
col=$(awk -v l="$line" 'NR == l { print index($0, "not!") }' "$W/_keys")
git -C "$W" commit -q -am "a key with a broken secret"
push_out "$W"
refused _keys "$line" "$col" "DNSKEY: invalid base64"
git -C "$W" reset -q --hard origin/main

# ---- invalid base64 in <zone>._keys ----
printf '; keys of example.com\nci._update.example.com. DNSKEY 0 3 163 QEneceGzMV3B#cpuyd4Nd=\n' \
	>"$W/example.com._keys"
git -C "$W" add example.com._keys
git -C "$W" commit -q -m "a zone key file with a broken secret"
push_out "$W"
refused example.com._keys 2 40 "DNSKEY: invalid base64"
git -C "$W" reset -q --hard origin/main

# ---- a key whose name grants nothing ----
printf 'plain.example.com. DNSKEY 0 3 163 QEneceGzMV3Bcpuyd4NdRemyOfEnNJoWPA13xlr5+gI=\n' \
	>"$W/example.com._keys"
git -C "$W" add example.com._keys
git -C "$W" commit -q -m "a key without an operation label"
push_out "$W"
refused example.com._keys 1 1 "plain.example.com.: the name has no _update, _transfer or _notify label"
git -C "$W" reset -q --hard origin/main

# ---- a valid zone key file is accepted and its key works ----
KEY=ci._notify.example.com.
SECRET=Y2ktbm90aWZ5LWtleS1mb3ItdGhlLWhvb2stdGVzdA==
printf '%s DNSKEY 0 3 163 %s\n' "$KEY" "$SECRET" >"$W/example.com._keys"
git -C "$W" add example.com._keys
git -C "$W" commit -q -m "a zone key file"
push_out "$W"
[ "$PUSH_RC" = 0 ] || fail "a valid example.com._keys was refused: $PUSH_OUT"
key_works() { "$NOTIFY" --key "${KEY%.}:hmac-sha256:$SECRET" 127.0.0.1:$P example.com; }
wait_until 30 "the primary accepting NOTIFYs signed with $KEY" key_works

echo "PASS: bad key files refused at push time with file:line:col; a good one accepted and used"
