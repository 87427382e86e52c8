#!/usr/bin/env bash
# Zone parse benchmark (a performance bar): `dns-zone check` on a
# generated 1,000,000-record zone beside kzonecheck, nsd-checkzone and
# ldns-read-zone on the same file, in the same run, interleaved.  The last
# line is the summary of ratios against the best peer.
#   bench/parse.sh [peers.sh options, e.g. --rounds 7 --zone-size 1000000]
# Needs ../shared/bench (the peer kit) beside this repository.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
bench_need_kit peers.sh
bench_build

report=$(mktemp)
"$kit/peers.sh" parse --ours "$build/dns-core/dns-zone check --origin {ORIGIN} {ZONE}" "$@" |
	tee "$report"
# Bytes per record from the peak RSS of each checker (whole process, MB = 10^6 B).
records=$(awk '/^== parse: records=/ {sub(/.*records=/, ""); print $1}' "$report")
echo
awk -v n="$records" '$1 ~ /^(kzonecheck|nsd-checkzone|ldns-read-zone|ours)$/ && NF >= 4 {
	printf "%-16s peak %7.1f MB = %6.1f bytes/record\n", $1, $4, $4 * 1e6 / n }' "$report"
rm -f "$report"
