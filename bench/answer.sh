#!/usr/bin/env bash
# Answer-function micro-benchmark (the query-path bar): the user-space
# cost of dns_answer() alone, without sockets.  Loads the peer kit's
# generated zone (genzone.py, 100,000 records) and its dnsperf query mix
# (genqueries.py), answers every query many times, and prints ns/query (best
# round) and a checksum of all response bytes (equal checksums: identical
# answers).  With --callgrind, also instructions per query (deterministic,
# unlike time on a shared VM).  --batch N answers N queries at a time, each
# batch announced to dns_answer_prefetch first, as a server's UDP worker does
# (dns-net uses 16).
#   bench/answer.sh [--rounds N] [--edns] [--batch N] [--callgrind] [--zone-size N]
# BUILD=dir selects the meson build (default build-bench, release).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
bench_need_kit genzone.py

size=100000 rounds=20 callgrind=0 extra=()
while [ $# -gt 0 ]; do
	case $1 in
	--rounds) rounds=$2; shift 2 ;;
	--zone-size) size=$2; shift 2 ;;
	--edns) extra+=(--edns); shift ;;
	--batch) extra+=(--batch "$2"); shift 2 ;;
	--callgrind) callgrind=1; shift ;;
	*) echo "unknown option $1" >&2; exit 2 ;;
	esac
done

bench_build dns-core/libdnscore.a
bench_cc answer_bench "$top/bench/answer_bench.c"
bin=$build/bench/answer_bench

cache=/tmp/answer-bench-cache
mkdir -p "$cache"
zone=$cache/example.com.$size queries=$cache/queries.$size
[ -s "$zone" ] || /usr/bin/python3 "$kit/genzone.py" -n "$size" -o example.com. >"$zone" 2>/dev/null
[ -s "$queries" ] || /usr/bin/python3 "$kit/genqueries.py" -z "$zone" -o example.com. \
	-n 100000 >"$queries" 2>/dev/null

"$bin" "$zone" example.com. "$queries" --rounds "$rounds" "${extra[@]}"
if [ "$callgrind" = 1 ]; then
	out=$(mktemp)
	valgrind --tool=callgrind --toggle-collect=bench_round --callgrind-out-file="$out" \
		"$bin" "$zone" example.com. "$queries" --rounds 0 "${extra[@]}" >/dev/null 2>&1
	ir=$(callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/ && !done {gsub(",", "", $1); print $1; done = 1}')
	n=$(wc -l <"$queries")
	echo "instructions/query=$(( ir / n )) (callgrind, $n queries, one pass; profile: $out)"
fi
