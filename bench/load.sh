#!/usr/bin/env bash
# Zone load benchmark (a performance bar): dns-primary-git started on a
# 1,000,000-record zone until its last name answers, beside Knot and NSD:
# time and memory per record (PSS above an apex-only zone).
# The last line is the summary of ratios against the best peer.
#   bench/load.sh [peers.sh options, e.g. --rounds 5]
# Needs ../shared/bench (the peer kit) beside this repository; the server
# runs through bench/serve-zone.sh (a git repository of the zone first).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
bench_need_kit peers.sh
bench_build

exec "$kit/peers.sh" load --ours "$top/bench/serve-zone.sh {ZONE} {DIR} {PORT}" "$@"
