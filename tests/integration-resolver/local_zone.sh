#!/bin/bash
# local_zone.sh DNS_RESOLVER
#
# dns-resolver --local-zone FILE: names at or below the zone are answered
# from the zone file, authoritatively (AA), with NXDOMAIN and NODATA as an
# authoritative server gives them, over UDP and TCP, and never resolved
# (the root hints point at 127.0.0.99, where nothing serves DNS, so a
# resolved name ends in SERVFAIL).  A second resolver with --forward for
# the zone to the first gets the same data through it.  A zone file with an error or without
# SOA stops the resolver at startup.  Loopback only; kdig is required.
source "$(dirname "$0")/rlib.sh"
resolver_init resolver_local_zone "$@"

cat >"$IT_TMP/corp.zone" <<'Z'
$ORIGIN corp.internal.
$TTL 300
@       SOA ns hostmaster 7 3600 600 86400 60
@       NS  ns
ns      A   192.0.2.53
www     A   192.0.2.80
www     AAAA 2001:db8::80
alias   CNAME www
Z

pick_ports 2
P=${PORTS[0]}
start resolver "$RESOLVER" --port "$P" --root-hints "$IT_TMP/hints" --local-zone "$IT_TMP/corp.zone"
ready() { kdig @127.0.0.1 -p "$P" +time=1 +retry=0 www.corp.internal. A 2>&1 | grep -q 'status: NOERROR'; }
wait_until 30 "dns-resolver on port $P" ready

q() { kdig @127.0.0.1 -p "$P" +time=20 +retry=0 "$@" 2>&1 || true; }
check() { # WHAT OUTPUT REGEX
	grep -Eq "$3" <<<"$2" || { printf '%s\n' "$2" >&2; fail "$1: no match for /$3/"; }
	it_log "ok: $1"
}
out=$(q www.corp.internal. A)
check "A answer" "$out" 'www\.corp\.internal\.[[:space:]]+300[[:space:]]+IN[[:space:]]+A[[:space:]]+192\.0\.2\.80'
check "A is authoritative" "$out" 'Flags: qr aa rd ra;'
out=$(q +tcp www.corp.internal. AAAA)
check "AAAA over TCP" "$out" 'AAAA[[:space:]]+2001:db8::80'
out=$(q alias.corp.internal. A)
check "CNAME followed in the zone" "$out" 'www\.corp\.internal\.[[:space:]]+300[[:space:]]+IN[[:space:]]+A[[:space:]]+192\.0\.2\.80'
out=$(q nope.corp.internal. A)
check "NXDOMAIN with SOA" "$out" 'status: NXDOMAIN'
check "NXDOMAIN carries the SOA" "$out" 'corp\.internal\.[[:space:]]+60[[:space:]]+IN[[:space:]]+SOA'
out=$(q www.corp.internal. MX)
check "NODATA: NOERROR" "$out" 'status: NOERROR'
check "NODATA: no answer" "$out" 'ANSWER: 0;'
out=$(q www.elsewhere.test. A)
check "other names are resolved (unreachable root: SERVFAIL)" "$out" 'status: SERVFAIL'

# --forward: a second resolver sends corp.internal. questions (RD=1) to
# the first one, which serves it; other names are still resolved.
start forwarding "$RESOLVER" --port "${PORTS[1]}" --root-hints "$IT_TMP/hints" \
	--forward "corp.internal=127.0.0.1:$P"
fready() { kdig @127.0.0.1 -p "${PORTS[1]}" +time=2 +retry=0 www.corp.internal. A 2>&1 | grep -q 'status: NOERROR'; }
wait_until 30 "dns-resolver --forward on port ${PORTS[1]}" fready
out=$(kdig @127.0.0.1 -p "${PORTS[1]}" +time=20 +retry=0 alias.corp.internal. A 2>&1) || true
check "--forward: answer through the forwarder" "$out" 'www\.corp\.internal\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+A[[:space:]]+192\.0\.2\.80'
check "--forward: not authoritative" "$out" 'Flags: qr rd ra;'
out=$(kdig @127.0.0.1 -p "${PORTS[1]}" +time=20 +retry=0 nope.corp.internal. A 2>&1) || true
check "--forward: NXDOMAIN" "$out" 'status: NXDOMAIN'
if "$RESOLVER" --port "${PORTS[1]}" --forward "corp.internal" >"$IT_TMP/badfwd.log" 2>&1; then
	fail "--forward without an address was accepted"
fi

printf '$ORIGIN bad.internal.\n@ 300 SOA ns hostmaster 1 2 3 4 5\nwww 300 A 999.0.0.1\n' >"$IT_TMP/bad.zone"
if "$RESOLVER" --port "$P" --local-zone "$IT_TMP/bad.zone" >"$IT_TMP/bad.log" 2>&1; then
	fail "a zone file with a bad record was accepted"
fi
grep -q 'bad.zone:3' "$IT_TMP/bad.log" || { cat "$IT_TMP/bad.log" >&2; fail "no error naming bad.zone line 3"; }
printf 'www.x. 300 A 192.0.2.1\n' >"$IT_TMP/nosoa.zone"
if "$RESOLVER" --port "$P" --local-zone "$IT_TMP/nosoa.zone" >"$IT_TMP/nosoa.log" 2>&1; then
	fail "a zone file without SOA was accepted"
fi
grep -q 'no SOA' "$IT_TMP/nosoa.log" || { cat "$IT_TMP/nosoa.log" >&2; fail "no 'no SOA' error"; }
it_log "PASS"
