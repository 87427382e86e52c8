#!/usr/bin/env bash
# AXFR benchmark (a performance bar): a full transfer of the 1,000,000-record
# zone from dns-primary-git, beside Knot and NSD: kdig time, raw-client
# time and server CPU.
# The last line is the summary of ratios against the best peer.
#   bench/axfr.sh [peers.sh options, e.g. --rounds 5]
# Needs ../shared/bench (the peer kit) beside this repository; the server
# runs through bench/serve-zone.sh (a git repository of the zone first).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
bench_need_kit peers.sh
bench_build

exec "$kit/peers.sh" axfr --ours-primary "$top/bench/serve-zone.sh {ZONE} {DIR} {PORT}" "$@"
