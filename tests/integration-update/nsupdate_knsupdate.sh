#!/usr/bin/env bash
# BIND's nsupdate and Knot's knsupdate change records of a git-backed zone
# through dns-primary-git, signed with hmac-sha256 and hmac-md5 keys that
# have update authority: add A, TXT with spaces, TLSA, CNAME; replace
# (delete + add); delete; over UDP, and TCP for the hmac-md5 batches.
# After every batch:
#   - the tool got NOERROR (its `answer` shows it, it exits 0);
#   - the remote has exactly one new commit, authored by the key name, whose
#     subject names the zone, the type, the owner and the serial change;
#   - `git diff HEAD~1 HEAD` is minimal: exactly the expected numbers of
#     added/removed lines (the records and the serial line, nothing else);
#     the serial line changed only in its digits; the zone file still has
#     every comment line and directive of the original, in order, and
#     passes `dns-zone check`;
#   - the primary serves the change and the remote's serial.
source "$(dirname "$0")/ulib.sh"
u_init nsupdate_knsupdate "$@"
need_tool nsupdate bind9-dnsutils
need_tool knsupdate knot-dnsutils

pick_ports 1
P=${PORTS[0]}
SERIAL0=2026050101
TLSA_HEX=8cb0fc6c527506a053f4f14c8464bebbd6dede2738d11468dd953d7d6a3021f1

u_remote
start_primary primary "$IT_TMP/state" --remote "$REMOTE" --listen 127.0.0.1:$P
wait_serial 30 127.0.0.1 $P $ZONE $SERIAL0

# the comment lines and directives of the original, in order
grep -E '^[[:space:]]*(;|\$)' "$U_DIR/data/example.com" >"$IT_TMP/orig-comments.txt"
[ "$(wc -l <"$IT_TMP/orig-comments.txt")" -ge 8 ] || fail "fixture has too few comment lines"

# run_tool TOOL KEYSPEC COMMANDS [tcp]: one batch (over UDP, the tools'
# default, or TCP: -v); must exit 0 and show NOERROR.
run_tool() {
	local tool=$1 keyspec=$2 cmds=$3 out rc=0 v=()
	local script
	[ "${4:-udp}" = tcp ] && v=(-v)
	script=$(printf 'server 127.0.0.1 %s\nzone %s.\n%s\nsend\nanswer\n' "$P" "$ZONE" "$cmds")
	case $tool in
	nsupdate) out=$(printf '%s\n' "$script" | nsupdate "${v[@]}" -y "$keyspec" -t 60 -u 10 -r 3 2>&1) || rc=$? ;;
	knsupdate) out=$(printf '%s\n' "$script" | knsupdate "${v[@]}" -y "$keyspec" -t 20 -r 3 2>&1) || rc=$? ;;
	*) fail "run_tool: unknown tool $tool" ;;
	esac
	printf '%s\n' "$out" >>"$IT_TMP/tools.out"
	[ "$rc" = 0 ] || fail "$tool exited $rc (expected 0) for:
$cmds
output:
$out"
	grep -Eq 'status: NOERROR' <<<"$out" || fail "$tool's answer is not NOERROR for:
$cmds
output:
$out"
}

# diff_lines SIGN: the added (+) or removed (-) lines of the last commit's
# diff of the zone file, without the diff headers.
diff_lines() {
	git -C "$REMOTE" diff --unified=0 HEAD~1 HEAD -- "$ZONE" |
		awk -v s="$1" '/^@@/ {body = 1; next} body && substr($0, 1, 1) == s {print substr($0, 2)}'
}

# line_has +/- OWNER TYPE RDATA: an added (+) or removed (-) line of the diff
# has this owner (relative or absolute), type and rdata (case-insensitive).
line_has() {
	local sign=$1 owner=$2 type=$3 rdata=$4 o lines
	o=$(sed 's/\./\\./g' <<<"$owner")
	lines=$(diff_lines "$sign")   # no grep -q in a pipe: SIGPIPE under pipefail
	grep -Ei "^$o(\.$ZONE\.)?[[:space:]]" <<<"$lines" |
		grep -Ei "[[:space:]]${type}[[:space:]]" | grep -Fci -- "$rdata" >/dev/null
}

# check_batch TOOL KEYNAME WHAT OWNER TYPE NADD NDEL: the checks after a batch
check_batch() {
	local tool=$1 keyname=$2 what=$3 owner=$4 type=$5 nadd=$6 ndel=$7
	local ctx="$tool, $what"
	local count author subject new add del oldl newl files

	count=$(remote_count)
	[ "$count" = $((COUNT + 1)) ] ||
		fail "$ctx: the remote has $count commits, expected $((COUNT + 1)) (one per batch)"
	COUNT=$count

	author=$(git -C "$REMOTE" log -1 --format=%an main)
	[ "$author" = "$keyname" ] || [ "$author" = "${keyname%.}" ] ||
		fail "$ctx: commit author is '$author', expected the key name '$keyname'"

	new=$(remote_serial)
	[ -n "$new" ] && [ "$new" -gt "$SERIAL" ] ||
		fail "$ctx: the remote's serial is '$new', expected greater than $SERIAL"

	subject=$(git -C "$REMOTE" log -1 --format=%s main)
	local w
	for w in "$ZONE" "$type" "$owner" "$SERIAL" "$new"; do
		grep -Fq -- "$w" <<<"$subject" ||
			fail "$ctx: commit message '$subject' does not say '$w'"
	done

	files=$(git -C "$REMOTE" diff --name-only HEAD~1 HEAD)
	[ "$files" = "$ZONE" ] || fail "$ctx: the commit changes '$files', expected only $ZONE"
	add=$(diff_lines + | wc -l)
	del=$(diff_lines - | wc -l)
	[ "$add" = "$nadd" ] && [ "$del" = "$ndel" ] ||
		fail "$ctx: diff has +$add -$del lines, expected +$nadd -$ndel:
$(git -C "$REMOTE" diff HEAD~1 HEAD -- "$ZONE")"

	# the serial changed in place: the same line, other digits
	oldl=$(diff_lines - | grep -E "(^|[^0-9])$SERIAL([^0-9]|$)" || true)
	newl=$(diff_lines + | grep -E "(^|[^0-9])$new([^0-9]|$)" || true)
	[ "$(grep -c . <<<"$oldl")" = 1 ] && [ "$(grep -c . <<<"$newl")" = 1 ] ||
		fail "$ctx: expected one removed line with serial $SERIAL and one added with $new:
$(git -C "$REMOTE" diff HEAD~1 HEAD -- "$ZONE")"
	[ "${oldl//$SERIAL/$new}" = "$newl" ] ||
		fail "$ctx: the serial line changed beyond its digits: '$oldl' -> '$newl'"

	# comments and directives: all there, in order, none added
	remote_zone >"$IT_TMP/cur.txt"
	grep -E '^[[:space:]]*(;|\$)' "$IT_TMP/cur.txt" >"$IT_TMP/cur-comments.txt" || true
	cmp -s "$IT_TMP/orig-comments.txt" "$IT_TMP/cur-comments.txt" ||
		fail "$ctx: comment lines/directives differ from the original:
$(diff "$IT_TMP/orig-comments.txt" "$IT_TMP/cur-comments.txt")"
	"$DNSZONE" check --origin "$ZONE." "$IT_TMP/cur.txt" 2>"$IT_TMP/check.err" ||
		fail "$ctx: the remote's zone file does not pass dns-zone check: $(cat "$IT_TMP/check.err")"

	wait_serial 30 127.0.0.1 $P $ZONE "$new"
	SERIAL=$new
	it_log "ok: $ctx (+$add -$del, serial $SERIAL, author $author, '$subject')"
}

# wait_answer TYPE NAME EXPECTED: the primary serves it (kdig +short, sorted)
wait_answer() {
	wait_until 30 "$2 $1 answering '$3'" answer_is 127.0.0.1 $P "$1" "$2" "$3"
}

SERIAL=$SERIAL0
COUNT=$(remote_count)

# one round of add / add / add / add / replace / delete per tool
round() {
	local tool=$1 keyname=$2 secret=$3 t=$1
	local k="hmac-sha256:${keyname%.}:$secret"

	run_tool "$tool" "$k" "update add a-$t.$ZONE. 300 A 192.0.2.10"
	check_batch "$tool" "$keyname" "add A" "a-$t" A 2 1
	line_has + "a-$t" A 192.0.2.10 || fail "$tool add A: no added line 'a-$t ... A 192.0.2.10'"
	wait_answer A "a-$t.$ZONE" 192.0.2.10

	run_tool "$tool" "$k" "update add txt-$t.$ZONE. 300 TXT \"hello world\" \"second string\""
	check_batch "$tool" "$keyname" "add TXT with spaces" "txt-$t" TXT 2 1
	line_has + "txt-$t" TXT '"hello world" "second string"' ||
		fail "$tool add TXT: no added line 'txt-$t ... TXT \"hello world\" \"second string\"'"
	wait_answer TXT "txt-$t.$ZONE" '"hello world" "second string"'

	run_tool "$tool" "$k" "update add _443._tcp.tlsa-$t.$ZONE. 300 TLSA 3 1 1 $TLSA_HEX"
	check_batch "$tool" "$keyname" "add TLSA" "_443._tcp.tlsa-$t" TLSA 2 1
	line_has + "_443._tcp.tlsa-$t" TLSA "$TLSA_HEX" ||
		fail "$tool add TLSA: no added line '_443._tcp.tlsa-$t ... TLSA 3 1 1 $TLSA_HEX'"
	local got
	got=$(answer_short 127.0.0.1 $P TLSA "_443._tcp.tlsa-$t.$ZONE" | tr -d ' ' | tr 'A-F' 'a-f')
	[ "$got" = "311$TLSA_HEX" ] || fail "$tool add TLSA: served '$got', expected '3 1 1 $TLSA_HEX'"

	run_tool "$tool" "$k" "update add cname-$t.$ZONE. 300 CNAME www.$ZONE."
	check_batch "$tool" "$keyname" "add CNAME" "cname-$t" CNAME 2 1
	line_has + "cname-$t" CNAME www || fail "$tool add CNAME: no added line 'cname-$t ... CNAME www'"
	wait_answer CNAME "cname-$t.$ZONE" "www.$ZONE."

	run_tool "$tool" "$k" "update delete a-$t.$ZONE. A
update add a-$t.$ZONE. 300 A 192.0.2.11"
	check_batch "$tool" "$keyname" "replace A" "a-$t" A 2 2
	line_has - "a-$t" A 192.0.2.10 || fail "$tool replace A: the line of 192.0.2.10 was not removed"
	line_has + "a-$t" A 192.0.2.11 || fail "$tool replace A: no added line for 192.0.2.11"
	wait_answer A "a-$t.$ZONE" 192.0.2.11

	run_tool "$tool" "$k" "update delete txt-$t.$ZONE. TXT"
	check_batch "$tool" "$keyname" "delete TXT" "txt-$t" TXT 1 2
	line_has - "txt-$t" TXT '"hello world" "second string"' ||
		fail "$tool delete TXT: the TXT line was not removed"
	wait_answer TXT "txt-$t.$ZONE" ""
}

round nsupdate "$ADMIN_KEY" "$ADMIN_SECRET"

# nsupdate: an added record of an existing owner goes next to its records
run_tool nsupdate "hmac-sha256:${ADMIN_KEY%.}:$ADMIN_SECRET" "update add www.$ZONE. 300 A 192.0.2.82"
check_batch nsupdate "$ADMIN_KEY" "add A to www" www A 2 1
line_has + www A 192.0.2.82 || fail "nsupdate add A to www: no added line 'www ... A 192.0.2.82'"
remote_zone >"$IT_TMP/cur.txt"
n=$(grep -n -F '192.0.2.82' "$IT_TMP/cur.txt" | cut -d: -f1 | head -n 1)
prev=$(sed -n "$((n - 1))p" "$IT_TMP/cur.txt")
next=$(sed -n "$((n + 1))p" "$IT_TMP/cur.txt")
{ grep -Eq '^www([[:space:]]|\.)' <<<"$prev" || grep -Eq '^www([[:space:]]|\.)' <<<"$next"; } ||
	fail "nsupdate add A to www: the new line $n is not next to www's records (before: '$prev', after: '$next')"
wait_answer A "www.$ZONE" "$(printf '192.0.2.80\n192.0.2.82' | sort)"

# nsupdate: replace a commented record of the original
run_tool nsupdate "hmac-sha256:${ADMIN_KEY%.}:$ADMIN_SECRET" "update delete mail.$ZONE. A 192.0.2.25
update add mail.$ZONE. 300 A 192.0.2.26"
check_batch nsupdate "$ADMIN_KEY" "replace mail A" mail A 2 2
line_has - mail A 192.0.2.25 || fail "nsupdate replace mail A: the line of 192.0.2.25 was not removed"
line_has + mail A 192.0.2.26 || fail "nsupdate replace mail A: no added line for 192.0.2.26"
wait_answer A "mail.$ZONE" 192.0.2.26

round knsupdate "$ADMIN_KEY" "$ADMIN_SECRET"

# knsupdate: delete one record of an RRset of two
run_tool knsupdate "hmac-sha256:${ADMIN_KEY%.}:$ADMIN_SECRET" "update delete www.$ZONE. A 192.0.2.82"
check_batch knsupdate "$ADMIN_KEY" "delete one www A" www A 1 2
line_has - www A 192.0.2.82 || fail "knsupdate delete www A 192.0.2.82: its line was not removed"
wait_answer A "www.$ZONE" 192.0.2.80

# hmac-md5, with both tools, over TCP
run_tool nsupdate "hmac-md5:${MD5_KEY%.}:$MD5_SECRET" "update add md5-nsupdate.$ZONE. 300 A 192.0.2.12" tcp
check_batch nsupdate "$MD5_KEY" "hmac-md5 add A" md5-nsupdate A 2 1
line_has + md5-nsupdate A 192.0.2.12 || fail "nsupdate hmac-md5: no added line 'md5-nsupdate ... A 192.0.2.12'"
wait_answer A "md5-nsupdate.$ZONE" 192.0.2.12

run_tool knsupdate "hmac-md5:${MD5_KEY%.}:$MD5_SECRET" "update add md5-knsupdate.$ZONE. 300 TXT \"md5 signed\" \"two strings\"" tcp
check_batch knsupdate "$MD5_KEY" "hmac-md5 add TXT" md5-knsupdate TXT 2 1
line_has + md5-knsupdate TXT '"md5 signed" "two strings"' ||
	fail "knsupdate hmac-md5: no added line 'md5-knsupdate ... TXT \"md5 signed\" \"two strings\"'"
wait_answer TXT "md5-knsupdate.$ZONE" '"md5 signed" "two strings"'

# the untouched hand-written records are all still there, byte for byte
remote_zone >"$IT_TMP/cur.txt"
for l in 'ns1     IN A    192.0.2.1' 'www     IN A    192.0.2.80   ; web' \
	'www     IN AAAA 2001:db8::80 ; web, v6' 'ftp     IN CNAME www' \
	'office  IN A    192.0.2.40   ; front desk' 'office  IN TXT  "front desk"' \
	'printer IN A    192.0.2.41' '        IN MX  10 mail ; the only mail host'; do
	grep -Fxq -- "$l" "$IT_TMP/cur.txt" || fail "the untouched line '$l' is gone or changed"
done
alive "$PRIMARY_PID" || fail "dns-primary-git died"

echo "PASS: nsupdate and knsupdate (hmac-sha256, hmac-md5): $((COUNT - 1)) batches, one minimal commit each, authored by the key"
