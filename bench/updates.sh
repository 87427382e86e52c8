#!/usr/bin/env bash
# Dynamic update benchmark (the updates bar): TSIG-signed
# UPDATEs acknowledged per second by dns-primary-git on a 10,000-record zone
# whose remote is a local bare repository; every answer comes only after the
# push.  Runs a single client first (latency p50/p99), then 64 concurrent
# clients (rate), then checks that the remote holds every acknowledged record
# and that its zone file still parses.
#   bench/updates.sh [--records N] [--clients N] [--per-client N] [--single N]
# BUILD=dir selects the meson build (default build-bench, release).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build-bench}

records=10000 clients=64 per_client=20 single=200
while [ $# -gt 0 ]; do
	case $1 in
	--records) records=$2; shift 2 ;;
	--clients) clients=$2; shift 2 ;;
	--per-client) per_client=$2; shift 2 ;;
	--single) single=$2; shift 2 ;;
	*) echo "unknown option $1" >&2; exit 2 ;;
	esac
done

if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" "$top" -Dbuildtype=release -Dtests=false -Db_ndebug=true >/dev/null
fi
ninja -C "$build" primary-git/dns-primary-git dns-core/libdnscore.a dns-core/dns-zone >/dev/null
mkdir -p "$build/bench"
load=$build/bench/update_load
cc -std=c11 -O2 -g -D_GNU_SOURCE -Wall -Wextra -I"$top/dns-core/include" \
	"$top/bench/update_load.c" "$build/dns-core/libdnscore.a" -lcrypto -lpthread -o "$load"

tmp=$(mktemp -d /tmp/updates-bench.XXXXXX)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

zone=bench.example
secret=$(openssl rand -base64 32)
key="ddns._update.$zone:hmac-sha256:$secret"
mkdir -p "$tmp/seed"
{
	echo "; benchmark zone: $records records"
	echo "\$ORIGIN $zone."
	echo "\$TTL 3600"
	echo "@ SOA ns1 hostmaster 2026010101 3600 900 604800 300"
	echo "@ NS ns1"
	echo "ns1 A 192.0.2.53"
	awk -v n="$records" 'BEGIN { for (i = 0; i < n - 3; i++)
		printf "h%d A 10.%d.%d.%d\n", i, int(i / 65536) % 256, int(i / 256) % 256, i % 256 }'
} >"$tmp/seed/$zone"
echo "ddns._update.$zone. DNSKEY 0 3 163 $secret" >"$tmp/seed/_keys"
git -C "$tmp/seed" init -q -b main
git -C "$tmp/seed" add -A
git -C "$tmp/seed" -c user.name=bench -c user.email=bench@example.com commit -qm seed
git clone -q --bare "$tmp/seed" "$tmp/remote.git"

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$build/primary-git/dns-primary-git" --remote "$tmp/remote.git" --state-dir "$tmp/state" \
	--listen "127.0.0.1:$port" --workers 2 --log-level warn 2>"$tmp/log" &
pid=$!
for _ in $(seq 100); do
	kdig @127.0.0.1 -p "$port" +short +time=1 SOA "$zone" 2>/dev/null | grep -q . && break
	sleep 0.1
done

echo "== updates: zone $zone, $records records, remote $tmp/remote.git (local bare)"
echo "-- single client, $single updates"
"$load" 127.0.0.1 "$port" "$key" "$zone" 1 "$single" single | tee "$tmp/single"
echo "-- $clients clients x $per_client updates"
"$load" 127.0.0.1 "$port" "$key" "$zone" "$clients" "$per_client" multi | tee "$tmp/multi"

acked=$(awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^acknowledged=/) { sub(/.*=/, "", $i); s += $i } }
	END { print s }' "$tmp/single" "$tmp/multi")
git -C "$tmp/remote.git" show "main:$zone" >"$tmp/final"
inremote=$(grep -cE '^(single|multi)-c' "$tmp/final" || true)
commits=$(git -C "$tmp/remote.git" rev-list --count main)
"$build/dns-core/dns-zone" check --origin "$zone." "$tmp/final" >/dev/null
echo "-- check: acknowledged=$acked in_remote=$inremote commits=$commits zone_parses=yes"
[ "$acked" = "$inremote" ] || { echo "MISMATCH: acknowledged updates missing from the remote" >&2; exit 1; }
rate=$(sed -n 's/.*updates_per_s=\([0-9]*\).*/\1/p' "$tmp/multi")
p50=$(sed -n 's/.*p50_ms=\([0-9.]*\).*/\1/p' "$tmp/single")
p99=$(sed -n 's/.*p99_ms=\([0-9.]*\).*/\1/p' "$tmp/single")
echo "== summary: $clients clients: $rate updates/s acknowledged (bar >= 1000); single client p50 ${p50} ms, p99 ${p99} ms"
