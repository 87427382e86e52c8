#!/bin/sh
# Differential test: the record set `dns-zone print` reads from a fixture
# zone must equal the one ldns-read-zone reads.  Both outputs go through
# `dns-zone print` again (so rdata presentation differences cancel out) and
# are compared line by line; owner, TTL, class and type are also compared
# straight from ldns's own output.  A missing ldns-read-zone is a failure.
#
# usage: print_vs_ldns.sh DNS-ZONE FIXTURE [ORIGIN]
set -eu

dnszone=$1
fixture=$2
origin=${3:-$(basename "$fixture").}

if ! command -v ldns-read-zone >/dev/null 2>&1; then
	echo "FAIL: ldns-read-zone not found (install ldnsutils)" >&2
	exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$dnszone" print --origin "$origin" "$fixture" >"$tmp/ours" || {
	echo "FAIL: dns-zone print failed on $fixture" >&2; exit 1; }
ldns-read-zone "$fixture" >"$tmp/ldns" || {
	echo "FAIL: ldns-read-zone failed on $fixture" >&2; exit 1; }
"$dnszone" print --origin "$origin" "$tmp/ldns" >"$tmp/ldns-ours" || {
	echo "FAIL: dns-zone print cannot read ldns-read-zone's output" >&2; exit 1; }

sort "$tmp/ours" >"$tmp/a"
sort "$tmp/ldns-ours" >"$tmp/b"
if ! diff -u "$tmp/a" "$tmp/b"; then
	echo "FAIL: record sets differ (- dns-zone, + ldns-read-zone)" >&2
	exit 1
fi

# Owner, TTL, class and type as ldns itself prints them.
fields() { awk -F'\t' '!/^;/ && NF >= 4 { print tolower($1) "\t" $2 "\t" $3 "\t" $4 }' "$1" | sort; }
fields "$tmp/ours" >"$tmp/fa"
fields "$tmp/ldns" >"$tmp/fb"
if ! diff -u "$tmp/fa" "$tmp/fb"; then
	echo "FAIL: owner/ttl/class/type differ (- dns-zone, + ldns-read-zone)" >&2
	exit 1
fi

n=$(wc -l <"$tmp/a")
if [ "$n" -lt 1 ]; then
	echo "FAIL: no records printed" >&2
	exit 1
fi
echo "OK: $n records identical"
