#!/bin/bash
# flood.sh DNS_RESOLVER
#
# A random-subdomain flood against a slow authoritative server: answers
# for cached names keep flowing, and memory stays within --cache-size.
#
# slowauth.py serves slow.test. (every answer 100 ms late) and fast.test.
# (at once), each name one TXT record of 1,000 bytes; dns-resolver forwards
# both to them, with --cache-size 4M.  flood.py asks random names below
# slow.test. from 8 source addresses (127.0.0.2-9) until 36,000 of them
# have been answered: about 40 MB of records, ten times the cache.
# Meanwhile it asks cached names below fast.test. from 127.0.0.1, one every
# 20 ms, and samples the resolver's VmRSS.  It must show:
#   - every cached-name query answered NOERROR within 2 s (a liveness bound);
#   - RSS growth from before the flood to its peak at most --cache-size plus
#     a stated fixed overhead: 8 MiB (allocator slack, buffers) and 6 KiB
#     for each query the flood may have waiting (8 addresses x 100,
#     --max-client-queries): 16.7 MiB in all;
#   - the flood really did resolve several times that (else the test could
#     not tell a bounded cache from an unbounded one);
#   - the metrics: cache bytes within --cache-size, evictions.
# Loopback only; kdig and python3 (standard library) are required.
source "$(dirname "$0")/rlib.sh"
resolver_init resolver_flood "$@"
need_tool "$PY" python3
HERE=$(cd "$(dirname "$0")" && pwd)

CACHE=$((4 << 20))
FIXED=$((8 << 20))
PER_QUERY=$((6 << 10))
SOURCES=8
WAITING=$((SOURCES * 100))   # --max-client-queries (default) per source
BOUND=$((CACHE + FIXED + WAITING * PER_QUERY))
TARGET=36000

pick_ports 4
P=${PORTS[0]} M=${PORTS[1]} SLOW=${PORTS[2]} FAST=${PORTS[3]}
start slow "$PY" "$HERE/slowauth.py" "$SLOW" 100 1000
start fast "$PY" "$HERE/slowauth.py" "$FAST" 0 1000
served() { kdig @127.0.0.1 -p "$1" +time=1 +retry=0 +notcp a.test. A 2>&1 | grep -q 'status: NOERROR'; }
wait_until 30 "slowauth.py on port $SLOW" served "$SLOW"
wait_until 30 "slowauth.py on port $FAST" served "$FAST"

start resolver "$RESOLVER" --port "$P" --root-hints "$IT_TMP/hints" --cache-size "$CACHE" \
	--forward "slow.test=127.0.0.1:$SLOW" --forward "fast.test=127.0.0.1:$FAST" \
	--metrics "127.0.0.1:$M"
RPID=$STARTED_PID
ready() { kdig @127.0.0.1 -p "$P" +time=1 +retry=0 ready.fast.test. A 2>&1 | grep -q 'status: NOERROR'; }
wait_until 30 "dns-resolver on port $P" ready

"$PY" "$HERE/flood.py" "$P" "$RPID" "$M" "$TARGET" 6000 "$SOURCES" 120 >"$IT_TMP/flood.json" ||
	fail "flood.py failed"
check_watched
it_log "$(cat "$IT_TMP/flood.json")"

"$PY" - "$IT_TMP/flood.json" "$CACHE" "$BOUND" "$TARGET" <<'EOF' || fail "see above"
import json, sys
r = json.load(open(sys.argv[1]))
cache, bound, target = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
growth = (r["rss_max_kb"] - r["rss_base_kb"]) * 1024
entry = r["cache_bytes"] / max(r["cache_entries"], 1)
wouldbe = r["flood_noerror"] * entry
bad = []
if r["flood_noerror"] < target:
    bad.append(f"only {r['flood_noerror']} flood names answered in {r['seconds']} s, want {target}")
if wouldbe < 2 * bound:
    bad.append(f"the flood's records ({wouldbe / 2**20:.1f} MiB) are not twice the bound "
               f"({bound / 2**20:.1f} MiB): the test cannot tell")
if growth > bound:
    bad.append(f"RSS grew by {growth / 2**20:.1f} MiB, more than --cache-size "
               f"{cache / 2**20:.0f} MiB + the fixed overhead ({bound / 2**20:.1f} MiB in all)")
if not 0 < r["cache_bytes"] <= cache:
    bad.append(f"cache bytes {r['cache_bytes']:.0f}, not within (0, {cache}]")
if r["cache_evictions"] <= 0:
    bad.append("no cache evictions")
if r["live_failed"] or r["live_ok"] < 50:
    bad.append(f"cached names: {r['live_ok']} answered, {r['live_failed']} not (within 2 s)")
for b in bad:
    print("flood.sh: " + b, file=sys.stderr)
print(f"RSS +{growth / 2**20:.1f} MiB (bound {bound / 2**20:.1f}), flood records "
      f"{wouldbe / 2**20:.1f} MiB, cache {r['cache_bytes'] / 2**20:.1f} MiB, "
      f"{r['cache_evictions']:.0f} evictions, cached names {r['live_ok']} answered "
      f"(slowest {r['live_max_ms']} ms)")
sys.exit(1 if bad else 0)
EOF
it_log "PASS"
