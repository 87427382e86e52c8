#!/usr/bin/env bash
# Query benchmark (the query-path bar): dns-primary-git with one worker
# beside Knot and NSD on the peer kit's 100,000-record zone and dnsperf query
# mix, CPU time per answered query and qps, servers pinned to CPU 0.
# The last line is the summary of ratios against the best peer.
#   bench/qps.sh [peers.sh options, e.g. --rounds 5]
# Needs ../shared/bench (the peer kit) beside this repository; the server
# runs through bench/serve-zone.sh (a git repository of the zone first).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
bench_need_kit peers.sh
bench_build

exec "$kit/peers.sh" qps --ours "$top/bench/serve-zone.sh {ZONE} {DIR} {PORT}" "$@"
