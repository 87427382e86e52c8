#!/usr/bin/env bash
# DNS Cookies (RFC 7873, RFC 9018 server cookies; issue 13, item 7): kdig
# +cookie gets a server cookie, a second kdig sending it is answered; with
# --cookie-require a client cookie alone or a forged server cookie gets
# BADCOOKIE over UDP (with a real cookie to retry with) and an answer over
# TCP; without it, a forged cookie is answered with a real one (RFC 7873
# §5.2.4); a malformed option is FORMERR.  Two servers sharing
# --cookie-secret accept each other's cookies (anycast), and a server whose
# --cookie-secret-previous is the old secret accepts the old cookies and
# hands out new ones (rotation).
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
ops_init guard_cookies "$@"

S1=000102030405060708090a0b0c0d0e0f
S2=f0e0d0c0b0a090807060504030201000
pick_ports 3
A=${PORTS[0]} B=${PORTS[1]} C=${PORTS[2]}
ops_remote 2026120601 admin
start_primary a "$IT_TMP/astate" --remote "$REMOTE" --listen 127.0.0.1:$A \
	--cookie-secret $S1 --cookie-require
start_primary b "$IT_TMP/bstate" --remote "$REMOTE" --listen 127.0.0.1:$B \
	--cookie-secret $S1
start_primary c "$IT_TMP/cstate" --remote "$REMOTE" --listen 127.0.0.1:$C \
	--cookie-secret $S2 --cookie-secret-previous $S1
for p in $A $B $C; do wait_serial 30 127.0.0.1 $p example.com 2026120601; done

# kdig +cookie: a client cookie alone; the answer carries our server cookie
out=$(kdig @127.0.0.1 -p $B +cookie +time=2 +retry=0 A www.example.com)
it_log "kdig +cookie: $(grep -E 'status|COOKIE' <<<"$out" | tr '\n' ' ')"
grep -q 'status: NOERROR' <<<"$out" || fail "kdig +cookie was not answered"
cookie=$(awk '/;; COOKIE:/ {print $3; exit}' <<<"$out")
[ ${#cookie} = 48 ] || fail "no client + 16-byte server cookie in the answer: '$cookie'"
[ "${cookie:16:8}" = 01000000 ] || fail "server cookie not RFC 9018 version 1: $cookie"
# ... and a second kdig sending it back gets an answer (the server requiring
# cookies shares the secret: an anycast sibling)
out=$(kdig @127.0.0.1 -p $A +cookie=$cookie +time=2 +retry=0 A www.example.com)
grep -q 'status: NOERROR' <<<"$out" && grep -q '192.0.2.80' <<<"$out" ||
	fail "the cookie from b was not accepted by a: $out"

# --cookie-require: a client cookie alone is answered BADCOOKIE over UDP,
# with the cookie to retry with, and answered over TCP
r=$("$PY" "$GC" cookie --port $A --cookie 0102030405060708)
it_log "a, client cookie alone: $r"
[ "$(field rcode "$r")" = BADCOOKIE ] && [ "$(field answers "$r")" = 0 ] ||
	fail "a (--cookie-require) answered a client cookie alone: $r"
fresh=$(field cookie "$r")
[ ${#fresh} = 48 ] && [ "${fresh:0:16}" = 0102030405060708 ] || fail "BADCOOKIE without a cookie: $r"
r=$("$PY" "$GC" cookie --port $A --cookie "$fresh")
[ "$(field rcode "$r")" = NOERROR ] && [ "$(field answers "$r")" = 1 ] ||
	fail "the retry with the cookie of the BADCOOKIE was not answered: $r"
r=$("$PY" "$GC" cookie --port $A --cookie 0102030405060708 --tcp)
[ "$(field rcode "$r")" = NOERROR ] && [ "$(field answers "$r")" = 1 ] ||
	fail "a client cookie alone was not answered over TCP: $r"

# a forged server cookie (valid shape, wrong hash)
forged=${fresh:0:32}0011223344556677
r=$("$PY" "$GC" cookie --port $A --cookie "$forged")
it_log "a, forged: $r"
[ "$(field rcode "$r")" = BADCOOKIE ] || fail "a answered a forged server cookie: $r"
r=$("$PY" "$GC" cookie --port $B --cookie "$forged")
it_log "b, forged: $r"
[ "$(field rcode "$r")" = NOERROR ] && [ "$(field answers "$r")" = 1 ] ||
	fail "b (cookies not required) did not answer a forged server cookie: $r"
[ "$(field cookie "$r")" != "$forged" ] && [ "$(field cookie "$r" | cut -c1-16)" = "${fresh:0:16}" ] ||
	fail "b sent the forged cookie back instead of a real one: $r"
real=$(field cookie "$r")
r=$("$PY" "$GC" cookie --port $A --cookie "$real")
[ "$(field rcode "$r")" = NOERROR ] || fail "the cookie b gave instead of the forged one is not valid at a: $r"

# a malformed COOKIE option (client cookie + 3 bytes): FORMERR
r=$("$PY" "$GC" malformed-cookie --port $A --hex 0102030405060708aabbcc)
[ "$(field rcode "$r")" = FORMERR ] || fail "a malformed COOKIE option was not FORMERR: $r"

# rotation: c makes cookies with S2 and still accepts those made with S1
r=$("$PY" "$GC" cookie --port $C --cookie "$real")
it_log "c, cookie of the previous secret: $r"
[ "$(field rcode "$r")" = NOERROR ] || fail "c did not answer: $r"
renewed=$(field cookie "$r")
[ "$renewed" != "$real" ] || fail "c sent an old-secret cookie back instead of a new one"
r=$("$PY" "$GC" cookie --port $A --cookie "$renewed")
[ "$(field rcode "$r")" = BADCOOKIE ] || fail "a (secret S1) accepted a cookie made with S2: $r"
it_log "ok"
