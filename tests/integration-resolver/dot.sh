#!/bin/bash
# dot.sh DNS_RESOLVER
#
# DNS over TLS (RFC 7858) on dns-resolver's --tls-listen: a test CA and a
# server certificate (CA -> intermediate -> server, the chain in one PEM
# file as ocertify writes it) are made with the openssl CLI; the resolver
# serves a --local-zone (no hierarchy needed) on loopback; kdig with
# +tls-ca and +tls-hostname must get the answer, several queries on one
# connection (and three pipelined by a Python client) must all be
# answered, and a kdig that trusts
# another CA, or expects another name, must fail.  Loopback only; kdig
# and openssl are required.
source "$(dirname "$0")/rlib.sh"
resolver_init resolver_dot "$@"
need_tool openssl openssl
need_tool "$PY" python3-dnspython

T=$IT_TMP
ossl() { openssl "$@" >>"$T/openssl.log" 2>&1 || { cat "$T/openssl.log" >&2; fail "openssl $1 failed"; }; }
# ca NAME SUBJECT: a self-signed CA.
ca() {
	ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj "/CN=$2" -keyout "$T/$1.key" -out "$T/$1.pem" \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign
}
ca ca "DoT test CA"
ca other "Another CA"
# The intermediate, signed by the CA.
ossl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=DoT test intermediate" \
	-keyout "$T/int.key" -out "$T/int.csr"
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n' >"$T/int.ext"
ossl x509 -req -in "$T/int.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial -days 2 \
	-extfile "$T/int.ext" -out "$T/int.pem"
# The server certificate for dns.test, signed by the intermediate.
ossl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=dns.test" \
	-keyout "$T/server.key" -out "$T/server.csr"
printf 'subjectAltName=DNS:dns.test\nextendedKeyUsage=serverAuth\n' >"$T/server.ext"
ossl x509 -req -in "$T/server.csr" -CA "$T/int.pem" -CAkey "$T/int.key" -CAcreateserial \
	-days 2 -extfile "$T/server.ext" -out "$T/server.pem"
cat "$T/server.pem" "$T/int.pem" >"$T/chain.pem"

cat >"$T/corp.zone" <<'Z'
$ORIGIN corp.internal.
$TTL 300
@       SOA ns hostmaster 7 3600 600 86400 60
@       NS  ns
ns      A   192.0.2.53
www     A   192.0.2.80
mail    A   192.0.2.25
Z

pick_ports 4
P=${PORTS[0]} TP=${PORTS[1]}
start resolver "$RESOLVER" --port "$P" --root-hints "$T/hints" --local-zone "$T/corp.zone" \
	--tls-listen "127.0.0.1:$TP" --tls-cert "$T/chain.pem" --tls-key "$T/server.key"
dot() { kdig @127.0.0.1 -p "$TP" +tls-ca="$T/ca.pem" +tls-hostname=dns.test +time=10 +retry=0 "$@" 2>&1; }
ready() { dot www.corp.internal. A | grep -q 'status: NOERROR'; }
wait_until 30 "dns-resolver DoT on port $TP" ready

out=$(dot www.corp.internal. A) || true
grep -Eq 'www\.corp\.internal\.[[:space:]]+300[[:space:]]+IN[[:space:]]+A[[:space:]]+192\.0\.2\.80' <<<"$out" ||
	{ printf '%s\n' "$out" >&2; fail "DoT: no answer for www.corp.internal. A"; }
grep -q ';; TLS session' <<<"$out" || { printf '%s\n' "$out" >&2; fail "DoT: kdig did not use TLS"; }
it_log "ok: answer over TLS, certificate chain verified against the test CA"

# Several questions on one TLS connection (+keepopen).
out=$(dot +keepopen www.corp.internal. A mail.corp.internal. A nope.corp.internal. A) || true
grep -Eq 'www\.corp\.internal\..*192\.0\.2\.80' <<<"$out" &&
	grep -Eq 'mail\.corp\.internal\..*192\.0\.2\.25' <<<"$out" &&
	grep -q 'status: NXDOMAIN' <<<"$out" ||
	{ printf '%s\n' "$out" >&2; fail "DoT: not every question on one connection was answered"; }
it_log "ok: three questions on one connection"

# Pipelining (RFC 7858 §3.3): three queries written at once, before any
# answer is read; all three answers come back on the connection.
"$PY" - "$TP" "$T/ca.pem" <<'PYEOF' || fail "DoT: pipelined queries were not all answered"
import socket, ssl, struct, sys
import dns.message
ctx = ssl.create_default_context(cafile=sys.argv[2])
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20) as raw:
    with ctx.wrap_socket(raw, server_hostname="dns.test") as s:
        want = {}
        out = b""
        for name in ("www", "mail", "nope"):
            q = dns.message.make_query(name + ".corp.internal.", "A")
            want[q.id] = name
            w = q.to_wire()
            out += struct.pack("!H", len(w)) + w
        s.sendall(out)
        buf = b""
        while want:
            while len(buf) < 2 or len(buf) < 2 + struct.unpack("!H", buf[:2])[0]:
                chunk = s.recv(65535)
                if not chunk:
                    sys.exit("connection closed with %d answers missing" % len(want))
                buf += chunk
            n = struct.unpack("!H", buf[:2])[0]
            m = dns.message.from_wire(buf[2:2 + n])
            buf = buf[2 + n:]
            want.pop(m.id, None)
PYEOF
it_log "ok: three pipelined queries answered"

if out=$(kdig @127.0.0.1 -p "$TP" +tls-ca="$T/other.pem" +tls-hostname=dns.test +time=5 \
	+retry=0 www.corp.internal. A 2>&1) && grep -q 'status: NOERROR' <<<"$out"; then
	fail "DoT: kdig trusting another CA got an answer"
fi
it_log "ok: a client trusting another CA fails"
if out=$(dot +tls-hostname=other.test www.corp.internal. A) && grep -q 'status: NOERROR' <<<"$out"; then
	fail "DoT: kdig expecting another name got an answer"
fi
it_log "ok: a client expecting another name fails"

# The plain TCP listener still works beside it.
kdig @127.0.0.1 -p "$P" +tcp +time=10 www.corp.internal. A 2>&1 | grep -q '192.0.2.80' ||
	fail "plain TCP stopped answering"

# --allow applies to DoT clients too (the relay checks it at accept).
start allow "$RESOLVER" --port "${PORTS[2]}" --root-hints "$T/hints" --local-zone "$T/corp.zone" \
	--tls-listen "127.0.0.1:${PORTS[3]}" --tls-cert "$T/chain.pem" --tls-key "$T/server.key" \
	--allow 127.0.0.2
aready() { kdig -b 127.0.0.2 @127.0.0.1 -p "${PORTS[3]}" +tls-ca="$T/ca.pem" +tls-hostname=dns.test \
	+time=2 +retry=0 www.corp.internal. A 2>&1 | grep -q 'status: NOERROR'; }
wait_until 30 "DoT with --allow 127.0.0.2 answering 127.0.0.2" aready
if kdig -b 127.0.0.1 @127.0.0.1 -p "${PORTS[3]}" +tls-ca="$T/ca.pem" +tls-hostname=dns.test \
	+time=5 +retry=0 www.corp.internal. A 2>&1 | grep -q 'status: NOERROR'; then
	fail "DoT: a client outside --allow got an answer"
fi
it_log "ok: --allow: 127.0.0.2 answered over TLS, 127.0.0.1 not"

# A key that does not match the certificate stops the resolver at startup
# (on ephemeral ports: the first resolver still holds its own).
if "$RESOLVER" --port 0 --tls-listen 127.0.0.1:0 --tls-cert "$T/chain.pem" \
	--tls-key "$T/int.key" >"$T/badkey.log" 2>&1; then
	fail "a key that does not match the certificate was accepted"
fi
grep -q 'mismatch' "$T/badkey.log" || { cat "$T/badkey.log" >&2; fail "no key mismatch error"; }
it_log "PASS"
