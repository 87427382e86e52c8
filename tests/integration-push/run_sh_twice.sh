#!/usr/bin/env bash
# ./run.sh as a user runs it, twice: the second run keeps what the first
# one's repository received (a push and an nsupdate), says so, and clones
# of it see no forced update; --fresh starts afresh; extra flags reach the
# daemon; a failing build shows the compiler's messages.
source "$(dirname "$0")/../integration/lib.sh"
source "$(dirname "$0")/sandbox.sh"
it_init run_sh_twice "$@"
need_tool kdig knot-dnsutils
need_tool nsupdate bind9-dnsutils
need_tool git git
ports_5300_free
make_sandbox "$(build_dir_of_primary)"
STATE=$SANDBOX/run-state
UPDATE_KEY=hmac-sha256:admin._update.example.com:52uwvvQqLhPs9q+Ismiipj5xwVockMzbFlExEzZOOc0=
FIRST=2026112201

# 1. first run: the example is served
start_run_sh run1 --log-level debug
wait_serial 120 127.0.0.1 5300 example.com $FIRST
grep -q 'created .*zones.git from zones-example/' "$IT_TMP/run1.log" ||
	fail "the first run does not say it created the repository"
grep -q 'level=debug' "$IT_TMP/run1.log" ||
	fail "--log-level debug did not reach dns-primary-git (no debug line in its log)"

# 2. a push through the hooks, and an nsupdate
git clone -q "$STATE/zones.git" "$IT_TMP/zones"
sed -i "s/$FIRST/2026112202/; s/192.0.2.80/192.0.2.81/" "$IT_TMP/zones/example.com"
git -C "$IT_TMP/zones" commit -qam "www moves"
git -C "$IT_TMP/zones" push -q origin main 2>"$IT_TMP/push.log" || fail "push refused: $(cat "$IT_TMP/push.log")"
wait_until 30 "www.example.com A 192.0.2.81" answer_is 127.0.0.1 5300 A www.example.com 192.0.2.81
nsupdate -y "$UPDATE_KEY" <<-EOF || fail "nsupdate failed"
server 127.0.0.1 5300
zone example.com
update add kept.example.com 300 A 192.0.2.99
send
EOF
answer_is 127.0.0.1 5300 A kept.example.com 192.0.2.99 || fail "the update is not served"
commits=$(git -C "$STATE/zones.git" rev-list --count main)
[ "$commits" -ge 3 ] || fail "zones.git has $commits commits after a push and an update, expected 3"
head1=$(git -C "$STATE/zones.git" rev-parse main)
stop "$RUN_PID"

# 3. second run: everything kept
start_run_sh run2
wait_until 60 "kept.example.com served by the second run" answer_is 127.0.0.1 5300 A kept.example.com 192.0.2.99
answer_is 127.0.0.1 5300 A www.example.com 192.0.2.81 || fail "the pushed edit is gone after a second ./run.sh"
grep -q "reusing $STATE" "$IT_TMP/run2.log" || fail "the second run does not say it reuses $STATE"
grep -q -- '--fresh' "$IT_TMP/run2.log" || fail "the second run does not say how to start afresh (--fresh)"
[ "$(git -C "$STATE/zones.git" rev-parse main)" = "$head1" ] || fail "the branch moved across runs"
git -C "$IT_TMP/zones" pull -q --ff-only 2>"$IT_TMP/pull.log" ||
	fail "the user's clone cannot fast-forward after a second run: $(cat "$IT_TMP/pull.log")"
stop "$RUN_PID"

# 4. --fresh: back to the example
start_run_sh run3 --fresh
wait_serial 60 127.0.0.1 5300 example.com $FIRST
answer_is 127.0.0.1 5300 A kept.example.com "" || fail "--fresh kept the update"
stop "$RUN_PID"

# 5. a failing build is shown, not swallowed
mkdir -p "$IT_TMP/badbuild"
cat >"$IT_TMP/badbuild/build.ninja" <<-'EOF'
rule cc
  command = echo "broken.c:3:1: error: expected ';' before '}' token (run.sh test marker)" >&2; false
build all: cc
default all
EOF
rm "$SANDBOX/build" && ln -s "$IT_TMP/badbuild" "$SANDBOX/build"
if (cd "$SANDBOX" && ./run.sh >"$IT_TMP/badrun.log" 2>&1); then
	fail "./run.sh succeeded with a failing build"
fi
grep -q "broken.c:3:1: error: expected ';'" "$IT_TMP/badrun.log" ||
	fail "./run.sh hid the compiler's error: $(cat "$IT_TMP/badrun.log")"
echo "PASS: ./run.sh twice kept the push and the update; --fresh started afresh; flags passed; build errors shown"
