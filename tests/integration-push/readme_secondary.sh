#!/usr/bin/env bash
# The README's secondary walk-through ("Walk-through: follow the ./run.sh
# primary"), followed literally: its code block is taken from README.md and
# run in a checkout.  The commands it starts in the background (./run.sh,
# dns-secondary) are started here; every other line is run as written.
# The secondary must get the update by NOTIFY (the zone's refresh is an
# hour, far beyond the wait), and create its --state-dir.
source "$(dirname "$0")/../integration/lib.sh"
source "$(dirname "$0")/sandbox.sh"
it_init readme_secondary "$@"
need_tool dig bind9-dnsutils
need_tool nsupdate bind9-dnsutils
need_tool kdig knot-dnsutils
ports_5300_free
make_sandbox "$(build_dir_of_primary)"
[ -x "$SANDBOX/build/secondary/dns-secondary" ] || fail "dns-secondary is not built in $SANDBOX/build"

# The block: from the heading to the end of its first ``` fence.
awk '/^### Walk-through: follow the `\.\/run\.sh` primary/ {h = 1; next}
     h && /^```/ {if (f) exit; f = 1; next}
     h && f {print}' "$SRC_DIR/README.md" >"$IT_TMP/block.sh"
[ -s "$IT_TMP/block.sh" ] || fail "README.md has no 'Walk-through: follow the ./run.sh primary' code block"
it_log "README block: $(wc -l <"$IT_TMP/block.sh") lines"

# Split it: background commands (with their continuation lines) and the rest.
: >"$IT_TMP/bg.list"
: >"$IT_TMP/fg.sh"
cmd="" 
while IFS= read -r line; do
	cmd+="$line"$'\n'
	case "$line" in *\\) continue ;; esac
	first=${cmd%%[[:space:]]*}
	case "$first" in
	./run.sh | build/secondary/dns-secondary)
		printf '%s' "$cmd" | sed 's/#.*$//' | tr '\n' ' ' | sed 's/\\ / /g' >>"$IT_TMP/bg.list"
		echo >>"$IT_TMP/bg.list" ;;
	*) printf '%s' "$cmd" >>"$IT_TMP/fg.sh" ;;
	esac
	cmd=""
done <"$IT_TMP/block.sh"
[ "$(wc -l <"$IT_TMP/bg.list")" = 2 ] || fail "expected ./run.sh and dns-secondary in the block: $(cat "$IT_TMP/bg.list")"
grep -q '^dig .*sec-test.example.com' "$IT_TMP/fg.sh" || fail "the block does not end with the dig of the updated name"

n=0
while IFS= read -r bg; do
	n=$((n + 1))
	it_log "background $n: $bg"
	start "bg$n" env -C "$SANDBOX" bash -c "exec $bg"
	[ $n = 1 ] && wait_serial 120 127.0.0.1 5300 example.com 2026112201
done <"$IT_TMP/bg.list"
wait_serial 60 127.0.0.1 5301 example.com 2026112201
[ -f "$SANDBOX/run-state/secondary/example.com.zone" ] ||
	fail "dns-secondary did not write run-state/secondary/example.com.zone (state directory not created?)"
grep -q "cannot save" "$IT_TMP/bg2.log" && fail "dns-secondary could not save the zone: $(grep 'cannot save' "$IT_TMP/bg2.log" | head -n 1)"

# The rest as written (its last dig may run before the NOTIFY arrives: it
# is re-run below, within a bound far below the zone's refresh of an hour).
(cd "$SANDBOX" && bash -e "$IT_TMP/fg.sh") >"$IT_TMP/fg.log" 2>&1 || fail "the README commands failed: $(cat "$IT_TMP/fg.log")"
last=$(grep '^dig ' "$IT_TMP/fg.sh" | tail -n 1 | sed 's/#.*$//')
got() { (cd "$SANDBOX" && eval "$last") | grep -qx '192.0.2.7'; }
wait_until 30 "the secondary answering sec-test.example.com 192.0.2.7 (by NOTIFY)" got
grep -Eq 'notify' "$IT_TMP/bg2.log" || fail "the secondary logged no NOTIFY"
echo "PASS: the README walk-through, followed literally, has the secondary follow ./run.sh's primary by NOTIFY"
