#!/usr/bin/env bash
# Response rate limiting under load: dns-primary-git with --rrl RATE beside
# Knot DNS 3.2 with mod-rrl at the same rate (slip 2 both), one worker each,
# pinned to CPU 0, dnsperf on CPU 1, interleaved rounds, in one run.
#
#   bench/rrl.sh [--rate R] [--qps Q] [--duration S] [--rounds N] [--port-base P]
#
# Two loads, both from one address (127.0.0.1) at a fixed offered rate Q
# (dnsperf -Q; a rate, not "as fast as answers come back", since limited
# queries are never answered):
#   mix    the peer kit's query mix (100,000-record zone: 70% data, 15%
#          NXDOMAIN, 10% NODATA, 5% referrals and wildcards): the NXDOMAIN
#          and NODATA answers share a bucket per zone, so they are limited,
#          while most positive answers, spread over many names, are not;
#   flood  one name asked again and again: nearly everything is limited.
# Reported per load and server: queries sent, share answered (slips
# included: dnsperf counts TC answers as answers), server CPU per query
# SENT in microseconds (the work of answering, limiting, dropping), and the
# ratio ours/knot of that CPU per query, median over rounds [min..max].
# The last line is the summary.  Needs ../shared/bench (the peer kit).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
bench_need_kit peerconf.sh
RATE=20 QPS=20000 DURATION=10 ROUNDS=3 PORT_BASE=15450
while (($#)); do
	case $1 in
	--rate) RATE=$2; shift ;;
	--qps) QPS=$2; shift ;;
	--duration) DURATION=$2; shift ;;
	--rounds) ROUNDS=$2; shift ;;
	--port-base) PORT_BASE=$2; shift ;;
	*) echo "rrl.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
bench_build primary-git/dns-primary-git
# shellcheck source=/dev/null
. "$kit/peerconf.sh"
PY=/usr/bin/python3
BL=("$PY" "$kit/benchlib.py")
ORIGIN=example.com.
WORK=$(mktemp -d /tmp/rrlbench.XXXXXX)
declare -A PID=() PORT=([ours]=$((PORT_BASE + 1)) [knot]=$((PORT_BASE + 2)))

log() { echo "[$(date +%T)] $*" >&2; }
cleanup() {
	local s
	for s in "${!PID[@]}"; do
		kill -TERM "${PID[$s]}" 2>/dev/null || true
		wait "${PID[$s]}" 2>/dev/null || true
	done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# the kit's zone and query mix, cached as peers.sh caches them
cache=/tmp/peerbench-cache/rrl-$(md5sum <"$kit/genzone.py" | cut -c1-8)
zone=$cache/${ORIGIN%.}
if [[ ! -s $zone ]]; then
	mkdir -p "$cache"
	"$PY" "$kit/genzone.py" -n 100000 -o "$ORIGIN" --seed 1 >"$zone.tmp.$$"
	mv "$zone.tmp.$$" "$zone"
fi
mix=$cache/queries-mix.txt
if [[ ! -s $mix ]]; then
	"$PY" "$kit/genqueries.py" -z "$zone" -o "$ORIGIN" -n 100000 --seed 1 >"$mix.tmp.$$"
	mv "$mix.tmp.$$" "$mix"
fi
flood=$WORK/queries-flood.txt
grep -m1 ' A$' "$mix" >"$flood"

start() { # NAME
	local s=$1 dir=$WORK/$1 cmd
	mkdir -p "$dir/run" "$dir/storage"
	case $s in
	ours) cmd="$top/bench/serve-zone.sh $zone $dir ${PORT[ours]} --rrl $RATE --rrl-slip 2" ;;
	knot)
		# the peer configuration, plus mod-rrl on every zone at the same rate
		knot_conf "${PORT[knot]}" "$zone" "$ORIGIN" "$dir" |
			sed -e "s/^template:/mod-rrl:\n  - id: bench\n    rate-limit: $RATE\n    slip: 2\n\ntemplate:/" \
			    -e "s/^\(    zonefile-load: whole\)$/\1\n    global-module: mod-rrl\/bench/" \
			>"$dir/knot.conf"
		cmd=$(knot_cmd "$dir") ;;
	esac
	"${BL[@]}" port-free "${PORT[$s]}"
	taskset -c 0 bash -c "exec $cmd" >"$dir/output.log" 2>&1 </dev/null &
	PID[$s]=$!
	"${BL[@]}" wait-answer "${PORT[$s]}" "$ORIGIN" SOA --pid "${PID[$s]}" --timeout 300 >/dev/null ||
		{ tail -n 20 "$dir"/*.log >&2; exit 1; }
	log "$s (pid ${PID[$s]}) up: $cmd"
}

start ours
start knot
grep -q 'global-module: mod-rrl/bench' "$WORK/knot/knot.conf" || { echo "knot.conf without mod-rrl" >&2; exit 1; }

# run LOAD SERVER ROUND: one dnsperf run; appends "load server round sent answered cpu_s".
run() {
	local load=$1 s=$2 r=$3 file c0 c1 out
	[[ $load == mix ]] && file=$mix || file=$flood
	c0=$("${BL[@]}" cpu "${PID[$s]}")
	taskset -c 1 dnsperf -s 127.0.0.1 -p "${PORT[$s]}" -d "$file" -l "$DURATION" -Q "$QPS" \
		-q $((QPS * 2)) -t 1 -c 4 -T 1 >"$WORK/dnsperf-$load-$s-$r.txt" 2>&1 ||
		{ tail -n 5 "$WORK/dnsperf-$load-$s-$r.txt" >&2; exit 1; }
	c1=$("${BL[@]}" cpu "${PID[$s]}")
	out=$WORK/dnsperf-$load-$s-$r.txt
	local sent answered
	sent=$(awk '/Queries sent:/ {print $3}' "$out")
	answered=$(awk '/Queries completed:/ {print $3}' "$out")
	echo "$load $s $r $sent $answered $(awk -v a="$c0" -v b="$c1" 'BEGIN {printf "%.2f", b - a}')" | tee -a "$WORK/rows.txt" |
		sed "s/^/[$(date +%T)] /" >&2
}

for load in mix flood; do
	for s in ours knot; do # warm up
		taskset -c 1 dnsperf -s 127.0.0.1 -p "${PORT[$s]}" -d "$mix" -l 2 -Q "$QPS" -q $((QPS * 2)) \
			-t 1 >/dev/null 2>&1 || true
	done
	for r in $(seq "$ROUNDS"); do
		for s in ours knot; do run "$load" "$s" "$r"; done
	done
done

echo "bench/rrl.sh on $(hostname), $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "rate $RATE/s per bucket, slip 2; offered $QPS qps for ${DURATION}s from one address; $ROUNDS rounds; $(knotd -V 2>&1 | head -1)"
"$PY" - "$WORK/rows.txt" <<'EOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
data = {}
for load, s, r, sent, answered, cpu in rows:
    data.setdefault((load, s), []).append((int(r), int(sent), int(answered), float(cpu)))
summary = []
for load in ("mix", "flood"):
    per = {}
    for s in ("ours", "knot"):
        xs = data[(load, s)]
        us = [cpu * 1e6 / sent for _, sent, _, cpu in xs]
        share = [answered / sent for _, sent, answered, _ in xs]
        per[s] = dict((r, cpu * 1e6 / sent) for r, sent, _, cpu in xs)
        print(f"{load:5} {s:4}  sent/round {statistics.median(x[1] for x in xs):>8.0f}  "
              f"answered {100 * statistics.median(share):5.1f}%  "
              f"cpu-us/query {statistics.median(us):6.2f} [{min(us):.2f}..{max(us):.2f}]")
    ratios = sorted(per["ours"][r] / per["knot"][r] for r in per["ours"] if r in per["knot"])
    print(f"{load:5} ours/knot cpu-per-query {statistics.median(ratios):.2f} "
          f"[{ratios[0]:.2f}..{ratios[-1]:.2f}]")
    summary.append(f"{load}={statistics.median(ratios):.2f}")
print("ours/knot (rrl on) cpu-per-query " + " ".join(summary))
EOF
