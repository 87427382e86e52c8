#!/usr/bin/env bash
# bench/resolver.sh - dns-resolver against Unbound, Knot Resolver and
# PowerDNS Recursor on the offline signed hierarchy of the resolver bench
# kit (shared/bench/resolver, beside this clone): correct, qps and cold.
#
#   bench/resolver.sh [TEST] [KIT OPTIONS...]     TEST: all (default), correct, qps, cold
#
# Builds build-bench/ if needed.  Prints the kit's report; its last line is
# the summary ("ours/best-peer cpu-per-query=... qps=... cold-time=...
# correct=N/M").  KIT=/path/to/bench/resolver overrides where the kit is.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
kit=${KIT:-$root/../shared/bench/resolver}
[ -x "$kit/resolver-peers.sh" ] || { echo "resolver.sh: no kit at $kit (set KIT=)" >&2; exit 1; }
build=${BUILD:-$root/build-bench}
[ -d "$build" ] || meson setup "$build" --buildtype=release -Dtests=false >&2
ninja -C "$build" resolver/dns-resolver >&2
test=${1:-all}
[ $# -gt 0 ] && shift
cd "$kit"
exec ./resolver-peers.sh "$test" \
  --ours "$build/resolver/dns-resolver --port {PORT} --root-hints {HINTS} --trust-anchor {TA} --dir {DIR} --workers 1 --log-level warn" "$@"
