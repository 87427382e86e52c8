#!/bin/bash
# allow.sh DNS_RESOLVER
#
# dns-resolver's access control (--allow CIDR): without --allow only
# loopback clients are answered; with it, clients outside the listed
# prefixes get REFUSED over UDP and TCP and nothing is resolved for them.
# The root hints point at 127.0.0.99, where nothing serves DNS, so an
# allowed client's query ends in SERVFAIL (quickly: port unreachable)
# while a refused one gets REFUSED.  Loopback only; kdig is required.
source "$(dirname "$0")/rlib.sh"
resolver_init resolver_allow "$@"


N=0
# status SRC PORT [kdig options]: the rcode a query from SRC gets.
status() {
	local src=$1 port=$2
	shift 2
	kdig -b "$src" @127.0.0.1 -p "$port" +time=20 +retry=0 "$@" "q$N.example." A 2>&1 |
		sed -n 's/.*status: \([A-Z]*\).*/\1/p'
}
expect() { # WHAT WANT SRC PORT [kdig options]
	local what=$1 want=$2 got
	shift 2
	N=$((N + 1))   # a new name each time: each query is resolved, not a cache hit
	got=$(status "$@") || true
	[ "$got" = "$want" ] || fail "$what: got '${got:-no answer}', want $want"
	it_log "ok: $what: $want"
}
ready() { kdig @127.0.0.1 -p "$1" -b "$2" +time=1 +retry=0 +norec . SOA 2>&1 | grep -q 'status:'; }

pick_ports 2
start default "$RESOLVER" --port "${PORTS[0]}" --root-hints "$IT_TMP/hints" --no-dnssec
wait_until 30 "dns-resolver on port ${PORTS[0]}" ready "${PORTS[0]}" 127.0.0.1
expect "default: loopback client 127.0.0.1" SERVFAIL 127.0.0.1 "${PORTS[0]}"
expect "default: loopback client 127.0.0.5 over TCP" SERVFAIL 127.0.0.5 "${PORTS[0]}" +tcp

start allow "$RESOLVER" --port "${PORTS[1]}" --root-hints "$IT_TMP/hints" --no-dnssec \
	--allow 127.0.0.2/32 --allow 2001:db8::/32
wait_until 30 "dns-resolver on port ${PORTS[1]}" ready "${PORTS[1]}" 127.0.0.2
expect "--allow 127.0.0.2/32: client 127.0.0.1" REFUSED 127.0.0.1 "${PORTS[1]}"
expect "--allow 127.0.0.2/32: client 127.0.0.1 over TCP" REFUSED 127.0.0.1 "${PORTS[1]}" +tcp
expect "--allow 127.0.0.2/32: client 127.0.0.2" SERVFAIL 127.0.0.2 "${PORTS[1]}"
expect "--allow 127.0.0.2/32: client 127.0.0.2 over TCP" SERVFAIL 127.0.0.2 "${PORTS[1]}" +tcp

# A malformed prefix is a startup error, not an open resolver.
if "$RESOLVER" --port "${PORTS[1]}" --allow 10.0.0.0/33 >"$IT_TMP/bad.log" 2>&1; then
	fail "--allow 10.0.0.0/33 was accepted"
fi
grep -q 'invalid value' "$IT_TMP/bad.log" || fail "--allow 10.0.0.0/33: no error message"
it_log "PASS"
