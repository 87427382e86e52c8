#!/usr/bin/env bash
# One bad UPDATE does not fail its neighbours (issue 12, defect 10).  Three
# rounds; in each, seven clients send their UPDATE to example.com at the
# same moment (they start, then wait at a gate), all signed with one key
# (so that what arrives together is one batch and one commit):
#   - five good adds: three from BIND's nsupdate (UDP, TCP, UDP), two from
#     dnspython (UDP, TCP);
#   - one add with a TTL of 2^31 or more (2147483648, 4294967295,
#     2147483649; from dnspython, over TCP in the second round: nsupdate
#     refuses to send such a TTL): a TTL with the top bit set is read as 0
#     (RFC 2181 §8), so it is answered NOERROR and the record is served and
#     committed with TTL 0;
#   - one that would make the zone invalid (two DNAMEs at one name):
#     answered REFUSED, alone.
# Then the five good records and the TTL-0 one are served and in the
# remote's zone file (which passes `dns-zone check`), the DNAME is in
# neither, and the served serial is the remote's.  How the updates fell
# into batches is logged (the commits of the round).
source "$(dirname "$0")/../integration-update/ulib.sh"
u_init bad_update_batch "$@"
need_tool nsupdate bind9-dnsutils

pick_ports 1
P=${PORTS[0]}
SERIAL0=2026050101
KEYSPEC="hmac-sha256:$ADMIN_KEY:$ADMIN_SECRET"
BIG_TTLS=(2147483648 4294967295 2147483649)

u_remote
start_primary primary "$IT_TMP/state" --remote "$REMOTE" --listen 127.0.0.1:$P
wait_serial 30 127.0.0.1 $P $ZONE $SERIAL0

# The clients of a round start first and then wait at a gate, so that
# their messages leave together (the point: one batch at the writer).
# nsup_ready OUT [-v]: an nsupdate waiting for its commands on a FIFO;
# nsup_go 'COMMAND' (after the gate) gives them.  NSUP_FDS: the FIFOs' fds.
NSUP_FDS=()
close_fifos() {
	local f
	for f in "${NSUP_FDS[@]}"; do eval "exec $f>&-"; done
}
nsup_ready() {
	local out=$1 v=() fifo fd
	[ "${2:-}" = -v ] && v=(-v)
	fifo=$out.fifo
	mkfifo "$fifo"
	(
		close_fifos   # the other FIFOs' write ends: their readers must see EOF
		nsupdate "${v[@]}" -y "$KEYSPEC" -t 60 -u 10 -r 3 <"$fifo" >"$out" 2>&1 || echo "exit=$?" >>"$out"
	) &
	pids+=($!)
	exec {fd}>"$fifo"
	NSUP_FDS+=("$fd")
}
# nsup_go I 'COMMAND': the commands of the I-th nsupdate (from 0)
nsup_go() {
	local fd=${NSUP_FDS[$1]}
	printf 'server 127.0.0.1 %s\nzone %s.\n%s\nsend\nanswer\n' "$P" "$ZONE" "$2" >&"$fd"
	exec {fd}>&-
}
# py_ready DIR GATE SPEC...: one dnspython process; each SPEC is
# NAME:udp|tcp:OP[|OP...] (ops as upd.py's --op); the messages are built
# and signed, DIR/ready is created, and at GATE they are sent at once (one
# thread each); each answer, "rcode=X tsig=Y", goes to DIR/NAME.
py_ready() {
	local dir=$1 gate=$2
	shift 2
	( close_fifos; exec "$PY" - "$U_DIR" "$P" "$gate" "$dir" "$KEYSPEC" "$@" ) <<-'EOF' &
	import os, sys, threading, time
	sys.path.insert(0, sys.argv[1])
	import upd
	port, gate, out = int(sys.argv[2]), sys.argv[3], sys.argv[4]
	key = upd.key_arg(sys.argv[5])
	clients = []
	for spec in sys.argv[6:]:
	    name, transport, ops = spec.split(":", 2)
	    msgid, wire = upd.build("example.com", [upd.parse_op(o) for o in ops.split("|")], key)
	    clients.append((name, transport == "tcp", msgid, wire))
	open(os.path.join(out, "ready"), "w").close()
	while not os.path.exists(gate):
	    time.sleep(0.001)
	def run(name, tcp, msgid, wire):
	    try:
	        _id, rcode, tsig = upd.parse_reply(upd.exchange(wire, msgid, "127.0.0.1", port, tcp, 60))
	        res = "rcode=%s tsig=%s" % (rcode, "none" if tsig is None else tsig)
	    except Exception as e:  # reported as the answer: the test fails on it
	        res = "rcode=NONE (%s)" % e
	    with open(os.path.join(out, name), "w") as f:
	        f.write(res + "\n")
	threads = [threading.Thread(target=run, args=c) for c in clients]
	for t in threads:
	    t.start()
	for t in threads:
	    t.join()
	EOF
	pids+=($!)
}
# ttl_of FILE NAME TYPE: the TTL of NAME's TYPE record in a `dns-zone print` listing
ttl_of() { awk -v n="$2" -v t="$3" 'tolower($1) == n && $4 == t {print $2; exit}' "$1"; }

for round in 1 2 3; do
	R=r$round
	big=${BIG_TTLS[$((round - 1))]}
	count0=$(remote_count)
	d=$IT_TMP/$R
	mkdir -p "$d"
	# everything at once; each client waits for its own answer
	pids=() NSUP_FDS=()
	nsup_ready "$d/c1"
	nsup_ready "$d/c2" -v
	nsup_ready "$d/c3"
	tr=udp
	[ $round = 2 ] && tr=tcp
	py_ready "$d" "$d/gate" "c4:udp:add $R-p4 300 A 192.0.2.4$round" \
		"c5:tcp:add $R-p5 300 TXT p5-$round" "c6:$tr:add $R-big $big A 192.0.2.99" \
		"c7:udp:add $R-dn 300 DNAME a.example.net.|add $R-dn 300 DNAME b.example.net."
	wait_until 30 "the dnspython clients of round $round ready" test -e "$d/ready"
	touch "$d/gate"
	nsup_go 0 "update add $R-n1.$ZONE. 300 A 192.0.2.1$round"
	nsup_go 1 "update add $R-n2.$ZONE. 300 TXT \"n2 $round\""
	nsup_go 2 "update add $R-n3.$ZONE. 300 AAAA 2001:db8::3:$round"
	wait "${pids[@]}"   # not the servers: they are children of this shell too

	# the answers
	for c in c1 c2 c3 c4 c5 c6; do
		case $(cat "$d/$c") in
		rcode=NOERROR\ tsig=0) ;;
		*'status: NOERROR'*) grep -q '^exit=' "$d/$c" && fail "round $round: nsupdate $c exited non-zero: $(cat "$d/$c")" ;;
		*) fail "round $round: client $c was not answered NOERROR: $(cat "$d/$c")" ;;
		esac
	done
	[ "$(cat "$d/c7")" = "rcode=REFUSED tsig=0" ] ||
		fail "round $round: the update making the zone invalid got '$(cat "$d/c7")', expected rcode=REFUSED tsig=0"
	it_log "round $round: six NOERROR (TTL $big read as 0), the invalid one REFUSED"

	# committed: the remote's zone file
	remote_print "$d/remote.txt"
	for rr in "$R-n1 A" "$R-n2 TXT" "$R-n3 AAAA" "$R-p4 A" "$R-p5 TXT"; do
		set -- $rr
		[ "$(ttl_of "$d/remote.txt" "$1.$ZONE." "$2")" = 300 ] ||
			fail "round $round: $1 $2 is not in the remote's zone file with TTL 300: $(grep -i "^$1" "$d/remote.txt")"
	done
	[ "$(ttl_of "$d/remote.txt" "$R-big.$ZONE." A)" = 0 ] ||
		fail "round $round: $R-big A (TTL $big) is not in the remote's zone file with TTL 0: $(grep -i "^$R-big" "$d/remote.txt")"
	grep -qi "^$R-dn\.$ZONE\." "$d/remote.txt" && fail "round $round: the refused DNAME is in the remote's zone file"
	remote_zone >"$d/remote-file.txt"
	"$DNSZONE" check --origin "$ZONE." "$d/remote-file.txt" 2>"$d/check.err" ||
		fail "round $round: the remote's $ZONE does not pass dns-zone check: $(head -n 5 "$d/check.err")"

	# served, as committed
	rserial=$(awk '$4 == "SOA" {print $7; exit}' "$d/remote.txt")
	wait_serial 30 127.0.0.1 $P $ZONE "$rserial"
	answer_is 127.0.0.1 $P A "$R-n1.$ZONE" "192.0.2.1$round" || fail "round $round: $R-n1 A not served"
	answer_is 127.0.0.1 $P TXT "$R-n2.$ZONE" "\"n2 $round\"" || fail "round $round: $R-n2 TXT not served"
	answer_is 127.0.0.1 $P AAAA "$R-n3.$ZONE" "2001:db8::3:$round" || fail "round $round: $R-n3 AAAA not served"
	answer_is 127.0.0.1 $P A "$R-p4.$ZONE" "192.0.2.4$round" || fail "round $round: $R-p4 A not served"
	answer_is 127.0.0.1 $P TXT "$R-p5.$ZONE" "\"p5-$round\"" || fail "round $round: $R-p5 TXT not served"
	served=$(kdig @127.0.0.1 -p $P +noall +answer +time=2 +retry=0 A "$R-big.$ZONE" | awk '{print $2, $5}')
	[ "$served" = "0 192.0.2.99" ] || fail "round $round: $R-big A served as '$served', expected TTL 0, 192.0.2.99"
	[ -z "$(answer_short 127.0.0.1 $P DNAME "$R-dn.$ZONE")" ] || fail "round $round: the refused DNAME is served"

	# how the round fell into batches: one commit per batch (one key)
	commits=$(git -C "$REMOTE" log --format=%s "main~$(($(remote_count) - count0))..main")
	it_log "round $round: $(wc -l <<<"$commits") commit(s): $(tr '\n' '|' <<<"$commits")"
done
grep -E 'msg="update refused: the zone would be invalid"' "$IT_TMP/primary.log" | grep -q "zone=$ZONE" ||
	fail "the refused updates are not logged with their reason"
alive "$PRIMARY_PID" || fail "dns-primary-git died"
echo "PASS: 3 rounds of 7 concurrent updates: the five good ones and the TTL >= 2^31 one (as TTL 0) applied, served and committed; the invalid one REFUSED alone"
