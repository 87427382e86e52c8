#!/usr/bin/env bash
# bench/certify_check.sh - what checking an existing certificate costs:
# dns-primary-git on loopback already publishes a matching certificate
# (the stand-in issuer of tests/integration-certify signed it once), then
#   - certify_check (bench/certify_check.c) drives libdnscertify's flow
#     ROUNDS times in one process: messages per check, wall and client CPU;
#   - `ocertify` is run RUNS times as a command: wall and CPU (user+sys)
#     of the whole process (OpenSSL start-up and files included).
#
#   bench/certify_check.sh [ROUNDS [RUNS]]      (defaults 500, 20)
# BUILD= the build directory (default build-bench, release).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
rounds=${1:-500}
runs=${2:-20}
PY=/usr/bin/python3
ISSUER=$top/tests/integration-certify/issuer.py
KEY=web._update.example.com
SECRET=A3IhOIxL8CMkD1Y2T8X7/6hUfeVxqLdRxCxHhfOoq0I=
IKEY=issuer._update.example.com
ISECRET=Nq0wG8x8m3V3y3Hk9bGm0l9pUJ3cT5QFzH3Vj0a4wXo=

bench_build primary-git/dns-primary-git certify/ocertify certify/libdnscertify.a \
	dns-net/libdnsnet.a dns-core/libdnscore.a
mkdir -p "$build/bench"
cc -std=c11 -O2 -g -D_GNU_SOURCE -Wall -Wextra -I"$top/certify/include" -I"$top/dns-net/include" \
	-I"$top/dns-core/include" "$top/bench/certify_check.c" "$build/certify/libdnscertify.a" \
	"$build/dns-net/libdnsnet.a" "$build/dns-core/libdnscore.a" -levent_core -lcrypto -lpthread \
	-o "$build/bench/certify_check"

tmp=$(mktemp -d /tmp/bench-certify.XXXXXX)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$tmp/seed"
cat >"$tmp/seed/example.com" <<-EOF
\$ORIGIN example.com.
\$TTL 300
@   IN SOA ns hostmaster 1 3600 600 604800 300
    IN NS ns
ns  IN A 127.0.0.1
EOF
printf '%s\n' "$KEY. DNSKEY 0 3 163 $SECRET" "$IKEY. DNSKEY 0 3 163 $ISECRET" >"$tmp/seed/_keys"
git init -q --bare -b main "$tmp/remote.git"
git -C "$tmp/seed" init -q -b main
git -C "$tmp/seed" add -A
git -C "$tmp/seed" -c user.name=bench -c user.email=bench@example.com commit -q -m zones
git -C "$tmp/seed" push -q "$tmp/remote.git" main
"$build/primary-git/dns-primary-git" --remote "$tmp/remote.git" --state-dir "$tmp/state" \
	--listen "127.0.0.1:$port" --workers 1 --log-level warn 2>"$tmp/primary.log" &
pids+=($!)
for _ in $(seq 100); do
	kdig @127.0.0.1 -p "$port" +short +time=1 SOA example.com 2>/dev/null | grep -q . && break
	sleep 0.1
done
"$PY" "$ISSUER" init "$tmp/ca"
"$PY" "$ISSUER" run "$tmp/ca" 127.0.0.1 "$port" example.com "hmac-sha256:$IKEY:$ISECRET" \
	>"$tmp/issuer.log" 2>&1 &
pids+=($!)
mkdir -p "$tmp/w"
(cd "$tmp/w" && "$build/certify/ocertify" --dns-key "$KEY:sha256:$SECRET" --wait 60 \
	"127.0.0.1:$port" www.example.com 2>/dev/null) || { echo "first ocertify failed" >&2; exit 1; }
kill "${pids[1]}"

"$build/bench/certify_check" "127.0.0.1:$port" "$KEY:sha256:$SECRET" www.example.com \
	"$tmp/w/www.example.com.key" "$tmp/w/www.example.com.req" "$rounds"

# the command: wall and CPU (user+sys, from the kernel's accounting) per run
"$PY" - "$runs" "$tmp/w" "$build/certify/ocertify" "$KEY:sha256:$SECRET" "127.0.0.1:$port" <<'EOF2'
import resource, statistics, subprocess, sys, time
runs, wd, oc, key, server = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
wall, cpu = [], []
for _ in range(runs):
    r0, t0 = resource.getrusage(resource.RUSAGE_CHILDREN), time.monotonic()
    subprocess.run([oc, "--dns-key", key, server, "www.example.com"], cwd=wd, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t1, r1 = time.monotonic(), resource.getrusage(resource.RUSAGE_CHILDREN)
    wall.append((t1 - t0) * 1000)
    cpu.append((r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime) * 1000)
print("ocertify (whole process, existing certificate): %d runs, wall median %.1f ms, "
      "CPU (user+sys) median %.1f ms" % (runs, statistics.median(wall), statistics.median(cpu)))
EOF2
