#!/usr/bin/env bash
# Applying small changes to a 1,000,000-record zone (dns_zone_apply_diff,
# what IXFR and UPDATE commits do) against a from-scratch build.
#   bench/zone_patch.sh [RECORDS] [ROUNDS]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
bench_need_kit genzone.py
bench_build dns-core/libdnscore.a
bench_cc zone_patch "$top/bench/zone_patch.c"
n=${1:-1000000}
zone="$build/bench/zone-$n.txt"
[ -s "$zone" ] || /usr/bin/python3 "$kit/genzone.py" -n "$n" -o example.com. >"$zone" 2>/dev/null
"$build/bench/zone_patch" "$zone" example.com. "${2:-5}"
