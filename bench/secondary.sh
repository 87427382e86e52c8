#!/usr/bin/env bash
# Secondary benchmark (issue 5, "Performance"): a 1,000,000-record zone,
# our pair dns-primary-git -> dns-secondary beside Knot -> Knot, in the same
# run, interleaved round by round (ours AXFR, knot AXFR, ours IXFR, knot
# IXFR), reported as median [lowest..highest] of the per-round ratios
# ours/knot with the best-round/best-round ratio in parentheses, the method
# of the peer kit (../shared/bench/README.md).
#
#   axfr-s   start of the secondary (just before its fork, empty state) until
#            it answers the zone's last name (authoritative, with data): the
#            first transfer, AXFR, and the build of the zone.  For ours the
#            secondary's own "zone transferred ... seconds=" (SOA query sent
#            to zone applied) is reported as axfr-log-s, beside the Knot
#            secondary's "refresh ... zone updated, N seconds" (AXFR and
#            apply; a bootstrap sends no SOA query first).
#   ixfr-s   a one-record change (a new A record and the serial + 1):
#            ours: the change pushed to the primary's git remote (untimed),
#            then from the `dns-notify` to the primary until dns-secondary
#            answers the new serial (primary fetch + reload, its NOTIFY, the
#            secondary's SOA query, IXFR and apply).
#            knot: the same edit of the Knot primary's zone file (untimed,
#            `zonefile-load: difference`), then from `knotc zone-reload`
#            until the Knot secondary answers the new serial (Knot reloads,
#            computes the difference, NOTIFYs, its secondary IXFRs).
#
# Both pairs use TSIG hmac-sha256 for NOTIFY and transfers, one UDP and one
# TCP worker (Knot: and one background worker), no writes by the
# secondaries (ours without --state-dir; Knot's with no journal and no zone
# file sync).  The apex glue of ns2 is moved to 127.0.0.2 / ::1 so that our
# primary's NOTIFYs to the zone's NS stay on loopback.  Everything listens
# on 127.0.0.1 and is stopped at the end.  The last line is the summary.
#
#   bench/secondary.sh [--rounds N] [--records N] [--port-base P]
# BUILD=dir selects the meson build (default build-bench, release);
# PEER_BENCH=dir the peer kit (default ../shared/bench).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
kit=${PEER_BENCH:-$top/../shared/bench}
build=${BUILD:-$top/build-bench}
PY=/usr/bin/python3
rounds=3 records=1000000 base=15450
while [ $# -gt 0 ]; do
	case $1 in
	--rounds) rounds=$2; shift 2 ;;
	--records) records=$2; shift 2 ;;
	--port-base) base=$2; shift 2 ;;
	*) echo "unknown option $1" >&2; exit 2 ;;
	esac
done
[ -f "$kit/genzone.py" ] || { echo "peer kit not found at $kit (set PEER_BENCH)" >&2; exit 2; }
for t in knotd knotc git; do
	command -v $t >/dev/null || { echo "$t is not installed" >&2; exit 2; }
done
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" "$top" -Dbuildtype=release -Dtests=false -Db_ndebug=true >/dev/null
fi
ninja -C "$build" primary-git/dns-primary-git secondary/dns-secondary dns-core/dns-notify >/dev/null
PRIMARY=$build/primary-git/dns-primary-git
SECONDARY=$build/secondary/dns-secondary
NOTIFY=$build/dns-core/dns-notify

PP=$((base + 1)) SP=$((base + 2)) KP=$((base + 3)) KS=$((base + 4))
"$PY" "$kit/benchlib.py" port-free $PP $SP $KP $KS

tmp=$(mktemp -d /tmp/secondary-bench.XXXXXX)
PIDS=()
log() { printf '[secondary-bench %s] %s\n' "$(date +%T)" "$*" >&2; }
stop_pid() { # PID: SIGTERM, wait up to 10 s, then SIGKILL
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}
cleanup() {
	local i
	set +e
	for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do stop_pid "${PIDS[$i]}"; done
	if [ "${KEEP_TMP:-0}" = 1 ]; then echo "kept $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

KEY=secondary._transfer.example.com
SECRET=$(openssl rand -base64 32)

# A helper: time a command until a server answers a serial (SOA over UDP,
# polled every few ms, each try waiting at most 20 ms, like the kit's
# wait-answer).
cat >"$tmp/wait.py" <<'EOF'
import random, socket, struct, subprocess, sys, time

def qname(name):
    return b"".join(bytes([len(l)]) + l.encode() for l in name.rstrip(".").split(".") if l) + b"\0"

def soa_serial(s, name):
    qid = random.randrange(65536)
    s.send(struct.pack("!HHHHHH", qid, 0, 1, 0, 0, 0) + qname(name) + struct.pack("!HH", 6, 1))
    end = time.time() + 0.02
    while True:
        s.settimeout(max(end - time.time(), 0.0001))
        m = s.recv(65535)
        if struct.unpack("!H", m[:2])[0] == qid:
            break
    flags, qd, an = struct.unpack("!HHH", m[2:8])
    if flags & 0xF or an == 0:
        return None
    pos = 12
    for _ in range(qd):                 # skip the question
        while m[pos] != 0:
            pos += 1 + m[pos]
        pos += 5
    # the answer's owner: a pointer or labels
    if m[pos] & 0xC0:
        pos += 2
    else:
        while m[pos] != 0:
            pos += 1 + m[pos]
        pos += 1
    rtype, _, _, rdlen = struct.unpack("!HHIH", m[pos:pos + 10])
    if rtype != 6:
        return None
    return struct.unpack("!I", m[pos + 10 + rdlen - 20:pos + 10 + rdlen - 16])[0]

def main():
    port, name, serial = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    cmd = sys.argv[5:] if len(sys.argv) > 4 and sys.argv[4] == "--" else []
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect(("127.0.0.1", port))
    t0 = time.time()
    if cmd:
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    deadline = t0 + 300
    while time.time() < deadline:
        try:
            if soa_serial(s, name) == serial:
                print("%.3f" % (time.time() - t0))
                return
            time.sleep(0.002)
        except (socket.timeout, ConnectionRefusedError):
            time.sleep(0.002)
    sys.exit("no serial %d on port %d within 300 s" % (serial, port))

main()
EOF
waitserial() { "$PY" "$tmp/wait.py" "$@"; }

# ---- the zone ----
log "generating $records records"
mkdir -p "$tmp/work" "$tmp/knotp" "$tmp/knots"
"$PY" "$kit/genzone.py" -n "$records" -o example.com. 2>/dev/null |
	sed -e 's/^\(ns2[[:space:]].*IN[[:space:]]A[[:space:]]\).*/\1127.0.0.2/' \
	    -e 's/^\([[:space:]]*86400[[:space:]]*IN[[:space:]]*AAAA[[:space:]]*\)2001:db8:53::2$/\1::1/' \
	    >"$tmp/work/example.com"
read -r LAST LASTTYPE < <("$PY" "$kit/benchlib.py" lastname "$tmp/work/example.com" example.com.)
SERIAL=$(awk '/; serial/ {print $1; exit}' "$tmp/work/example.com")
[ -n "$SERIAL" ] || { echo "no serial line in the generated zone" >&2; exit 1; }
echo "$KEY. DNSKEY 0 3 163 $SECRET" >"$tmp/work/_keys"
git -C "$tmp/work" init -q -b main
git -C "$tmp/work" add -A
git -C "$tmp/work" -c user.name=bench -c user.email=bench@localhost commit -qm zone
git clone -q --bare "$tmp/work" "$tmp/remote.git"
git -C "$tmp/work" remote add origin "$tmp/remote.git"
cp "$tmp/work/example.com" "$tmp/knotp/example.com"

# ---- the primaries ----
cat >"$tmp/knotp/knot.conf" <<EOF
server:
    rundir: "$tmp/knotp"
    listen: 127.0.0.1@$KP
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
log:
  - target: "$tmp/knotp/knot.log"
    any: info
database:
    storage: "$tmp/knotp"
key:
  - id: $KEY.
    algorithm: hmac-sha256
    secret: $SECRET
remote:
  - id: secondary
    address: 127.0.0.1@$KS
    key: $KEY.
acl:
  - id: transfer
    address: 127.0.0.1
    key: $KEY.
    action: transfer
zone:
  - domain: example.com.
    storage: "$tmp/knotp"
    file: "$tmp/knotp/example.com"
    journal-content: changes     # the differences it serves by IXFR
    zonefile-sync: -1
    zonefile-load: difference
    notify: secondary
    acl: transfer
EOF
knot_secondary_conf() { # DIR
	cat <<-EOF
	server:
	    rundir: "$1"
	    listen: 127.0.0.1@$KS
	    udp-workers: 1
	    tcp-workers: 1
	    background-workers: 1
	log:
	  - target: "$1/knot.log"
	    any: info
	database:
	    storage: "$1"
	key:
	  - id: $KEY.
	    algorithm: hmac-sha256
	    secret: $SECRET
	remote:
	  - id: primary
	    address: 127.0.0.1@$KP
	    key: $KEY.
	acl:
	  - id: notify
	    address: 127.0.0.1
	    key: $KEY.
	    action: notify
	zone:
	  - domain: example.com.
	    storage: "$1"
	    file: "$1/example.com.zone"
	    master: primary
	    acl: notify
	    journal-content: none
	    zonefile-sync: -1
	EOF
}

start_bg() { # LOG CMD...: start in the background, PID in STARTED
	local out=$1
	shift
	"$@" >"$out" 2>&1 &
	STARTED=$!
	PIDS+=("$STARTED")
}
forget() { # PID: no longer ours to stop at the end
	local i
	for i in "${!PIDS[@]}"; do [ "${PIDS[$i]}" = "$1" ] && unset 'PIDS[i]'; done
	PIDS=("${PIDS[@]}")
}

log "starting dns-primary-git on :$PP and knotd (primary) on :$KP"
start_bg "$tmp/primary.log" "$PRIMARY" --remote "$tmp/remote.git#main" \
	--state-dir "$tmp/pstate" --listen 127.0.0.1:$PP --workers 1 --notify 127.0.0.1:$SP
PRIMARY_PID=$STARTED
start_bg "$tmp/knotp/stdout.log" knotd -c "$tmp/knotp/knot.conf"
KNOTP_PID=$STARTED
"$PY" "$kit/benchlib.py" wait-answer $PP "$LAST" "$LASTTYPE" --pid $PRIMARY_PID --timeout 300 >/dev/null
"$PY" "$kit/benchlib.py" wait-answer $KP "$LAST" "$LASTTYPE" --pid $KNOTP_PID --timeout 300 >/dev/null

now() { date +%s.%N; }
OURS_SEC_PID="" KNOT_SEC_PID=""
run_ours_axfr() { # ROUND
	[ -n "$OURS_SEC_PID" ] && { stop_pid "$OURS_SEC_PID"; forget "$OURS_SEC_PID"; }
	local t0 t
	t0=$(now)
	start_bg "$tmp/secondary.$1.log" "$SECONDARY" --zone example.com --primary 127.0.0.1:$PP \
		--key "$KEY:hmac-sha256:$SECRET" --listen 127.0.0.1:$SP --workers 1
	OURS_SEC_PID=$STARTED
	t=$("$PY" "$kit/benchlib.py" wait-answer $SP "$LAST" "$LASTTYPE" --t0 "$t0" --pid $STARTED --timeout 300)
	AXFR_OURS[$1]=${t%% *}
	AXFR_LOG[$1]=$(sed -n 's/.*msg="zone transferred".*kind=AXFR.* seconds=\([0-9.]*\).*/\1/p' \
		"$tmp/secondary.$1.log" | head -n1)
}
run_knot_axfr() { # ROUND
	[ -n "$KNOT_SEC_PID" ] && { stop_pid "$KNOT_SEC_PID"; forget "$KNOT_SEC_PID"; }
	local d=$tmp/knots/$1 t0 t
	mkdir -p "$d"
	knot_secondary_conf "$d" >"$d/knot.conf"
	t0=$(now)
	start_bg "$d/stdout.log" knotd -c "$d/knot.conf"
	KNOT_SEC_PID=$STARTED
	t=$("$PY" "$kit/benchlib.py" wait-answer $KS "$LAST" "$LASTTYPE" --t0 "$t0" --pid $STARTED --timeout 300)
	AXFR_KNOT[$1]=${t%% *}
	AXFR_KLOG[$1]=$(sed -n 's/.*refresh, .*zone updated, \([0-9.]*\) seconds, serial none.*/\1/p' \
		"$d/knot.log" | head -n1)
}
# Edit FILE: serial SERIAL, one new A record.
edit_zone() { # FILE SERIAL ROUND
	sed -i "0,/; serial/s/^\([[:space:]]*\)[0-9]*\([[:space:]]*; serial\)/\1$2\2/" "$1"
	printf 'bench-change-%s\tIN\tA\t192.0.2.%s\n' "$3" "$3" >>"$1"
}
run_ours_ixfr() { # ROUND SERIAL
	edit_zone "$tmp/work/example.com" "$2" "$1"
	git -C "$tmp/work" -c user.name=bench -c user.email=bench@localhost commit -qam "round $1"
	git -C "$tmp/work" push -q origin main
	IXFR_OURS[$1]=$(waitserial $SP example.com "$2" -- "$NOTIFY" --key "$KEY:hmac-sha256:$SECRET" \
		127.0.0.1:$PP example.com)
	grep -q "msg=\"zone transferred\".*kind=IXFR.*serial=$2" "$tmp/secondary.$1.log" ||
		log "warning: ours: serial $2 did not come by IXFR"
}
run_knot_ixfr() { # ROUND SERIAL
	edit_zone "$tmp/knotp/example.com" "$2" "$1"
	IXFR_KNOT[$1]=$(waitserial $KS example.com "$2" -- knotc -s "$tmp/knotp/knot.sock" \
		zone-reload example.com)
	grep -q "IXFR, incoming.*finished" "$tmp/knots/$1/knot.log" ||
		log "warning: knot: serial $2 did not come by IXFR"
}

declare -a AXFR_OURS AXFR_KNOT AXFR_LOG AXFR_KLOG IXFR_OURS IXFR_KNOT
serial=$SERIAL
for ((r = 1; r <= rounds; r++)); do
	run_ours_axfr $r
	run_knot_axfr $r
	serial=$((serial + 1))
	run_ours_ixfr $r $serial
	run_knot_ixfr $r $serial
	log "round $r: axfr ours=${AXFR_OURS[$r]}s (log ${AXFR_LOG[$r]}s) knot=${AXFR_KNOT[$r]}s (log ${AXFR_KLOG[$r]}s);" \
		"ixfr ours=${IXFR_OURS[$r]}s knot=${IXFR_KNOT[$r]}s"
done

# ---- report ----
"$PY" - "$rounds" "$records" "${AXFR_OURS[@]}" "${AXFR_KNOT[@]}" "${AXFR_LOG[@]}" "${AXFR_KLOG[@]}" \
	"${IXFR_OURS[@]}" "${IXFR_KNOT[@]}" <<'EOF'
import statistics, sys
n, records = int(sys.argv[1]), int(sys.argv[2])
v = [float(x) for x in sys.argv[3:]]
ao, ak, al, akl, io, ik = (v[i * n:(i + 1) * n] for i in range(6))
def spread(xs):
    return "%.3f [%.3f..%.3f]" % (statistics.median(xs), min(xs), max(xs))
def ratio(o, k):
    r = [a / b for a, b in zip(o, k)]
    return statistics.median(r), "%.2f [%.2f..%.2f] (%.2f)" % (
        statistics.median(r), min(r), max(r), min(o) / min(k))
print("== secondary: records=%d rounds=%d (seconds: median [lowest..highest])" % (records, n))
print("%-22s %-28s %s" % ("", "ours", "knot"))
print("%-22s %-28s %s" % ("axfr-s (start->last)", spread(ao), spread(ak)))
print("%-22s %-28s %s" % ("axfr-log-s", spread(al), spread(akl)))
print("%-22s %-28s %s" % ("ixfr-s (notify->serial)", spread(io), spread(ik)))
ra, ta = ratio(ao, ak)
ri, ti = ratio(io, ik)
_, tl = ratio(al, akl)
print("ours/knot axfr-s=%s" % ta)
print("ours/knot axfr-log-s=%s" % tl)
print("ours/knot ixfr-s=%s" % ti)
print("ours/knot axfr=%.2f ixfr=%.2f (median of per-round ratios)" % (ra, ri))
EOF
