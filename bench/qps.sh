#!/usr/bin/env bash
# Query benchmark (DESIGN.md §6 query path): dns-primary-git with one worker
# beside Knot and NSD on the peer kit's 100,000-record zone and dnsperf query
# mix, CPU time per answered query and qps, servers pinned to CPU 0.
# The last line is the summary of ratios against the best peer.
#   bench/qps.sh [peers.sh options, e.g. --rounds 5]
# Needs ../shared/bench (the peer kit) beside this repository; the server
# runs through bench/serve-zone.sh (a git repository of the zone first).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
kit=${PEER_BENCH:-$top/../shared/bench}
[ -x "$kit/peers.sh" ] || { echo "peer kit not found at $kit (set PEER_BENCH)" >&2; exit 2; }

"$top/scripts/install-deps.sh" test
if [ ! -f "$top/build-bench/build.ninja" ]; then
	meson setup "$top/build-bench" "$top" -Dbuildtype=release -Dtests=false \
		-Db_ndebug=true >/dev/null
fi
ninja -C "$top/build-bench" >/dev/null

exec "$kit/peers.sh" qps --ours "$top/bench/serve-zone.sh {ZONE} {DIR} {PORT}" "$@"
