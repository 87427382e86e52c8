#!/usr/bin/env bash
# pebble_order.sh ACME_ORDER_TOOL: libacme (state machine + libcurl adapter)
# gets certificates from Pebble on loopback by DNS-01.  Pebble asks a tiny
# authoritative server (txt_server.py) into which the driver's publish
# command writes the TXT values.  Shown:
#   - an apex and its wildcard in one order (two TXT values at one name),
#     a chain that `openssl verify` accepts with Pebble's root;
#   - the account key file created mode 0600 and reused;
#   - PEBBLE_WFE_NONCEREJECT=30: badNonce answers retried (bounded), still
#     a certificate;
#   - a TXT value never published: the order fails with the CA's problem
#     type and detail, and nothing is left behind;
#   - RS256 account keys and a seeded key work too.
# Pebble missing is a failure, never a skip.
# shellcheck source=les_lib.sh
source "$(dirname "$0")/les_lib.sh"   # lib.sh, and les_tls for Pebble's TLS

IT_NAME=pebble_order
TOOL=$(realpath -m "${1:?usage: pebble_order.sh ACME_ORDER_TOOL}")
IT_TMP=$(mktemp -d "/tmp/itest-$IT_NAME.XXXXXX")
trap it_cleanup EXIT
trap 'exit 130' INT TERM
need_bin "$TOOL" acme_order_tool
need_tool pebble pebble
need_tool openssl openssl
need_tool curl curl
"$PY" -c 'import dns.message' 2>/dev/null || fail "python3-dnspython is not installed"
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY

T=$IT_TMP
pick_ports 5
DNS_PORT=${PORTS[0]} HTTP_PORT=${PORTS[1]} TLS_PORT=${PORTS[2]}

# ---- TLS for Pebble's API: a private CA, trusted with --ca-file ----
les_tls

start dns "$PY" "$IT_DIR/../integration-acme/txt_server.py" "$DNS_PORT" "$T/records"
: >"$T/records"

# start_pebble NAME ACME_PORT MGMT_PORT NONCEREJECT
start_pebble() {
	cat >"$T/$1.json" <<-JSON
	{"pebble": {"listenAddress": "127.0.0.1:$2", "managementListenAddress": "127.0.0.1:$3",
	  "certificate": "$T/tls.pem", "privateKey": "$T/tls.key",
	  "httpPort": $HTTP_PORT, "tlsPort": $TLS_PORT, "ocspResponderURL": "",
	  "externalAccountBindingRequired": false}}
	JSON
	start "$1" env PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT="$4" PEBBLE_AUTHZREUSE=0 \
		pebble -config "$T/$1.json" -dnsserver "127.0.0.1:$DNS_PORT"
	PEBBLE_PID=$STARTED_PID
	wait_until 60 "pebble $1 answering" curl -sf --max-time 2 --cacert "$T/ca.pem" \
		"https://127.0.0.1:$2/dir" -o /dev/null
	curl -sf --max-time 5 --cacert "$T/ca.pem" "https://127.0.0.1:$3/roots/0" -o "$T/$1-root.pem" ||
		fail "no root from pebble $1's management interface"
}

# The driver's DNS hooks: append "NAME VALUE"; remove exactly that line.
PUBLISH='printf "%s %s\n" "$1" "$2" >> '"$T/records"
CLEANUP='grep -vxF "$1 $2" '"$T/records"' > '"$T/records.new"'; mv '"$T/records.new $T/records"

csr() { # NAME CN SAN...
	local n=$1 cn=$2 san
	shift 2
	san=$(printf 'DNS:%s,' "$@")
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/$n.key" \
		-subj "/CN=$cn" -addext "subjectAltName=${san%,}" -outform DER -out "$T/$n.der" \
		2>>"$T/openssl.log" || fail "openssl could not make CSR $n"
}

order() { # LOG PORT ARGS...: run the driver, log in $T/LOG.log
	local log=$1 port=$2
	shift 2
	"$TOOL" --directory "https://127.0.0.1:$port/dir" --ca-file "$T/ca.pem" \
		--publish-cmd "$PUBLISH" --cleanup-cmd "$CLEANUP" "$@" >"$T/$log.log" 2>&1
}

verify_chain() { # PEM ROOT NAME...
	local pem=$1 root=$2 n
	shift 2
	openssl verify -CAfile "$root" -untrusted "$pem" "$pem" >"$T/verify.out" 2>&1 ||
		fail "openssl verify rejects $pem: $(cat "$T/verify.out")"
	for n in "$@"; do
		openssl x509 -in "$pem" -noout -ext subjectAltName | grep -qF "DNS:$n" ||
			fail "$pem does not name $n"
	done
}

# ---- 1. apex + wildcard, new account key file, ES256 ----
start_pebble pebble "${PORTS[3]}" "${PORTS[4]}" 0
csr apex example.test example.test '*.example.test'
order apex "${PORTS[3]}" --csr "$T/apex.der" --out "$T/apex.pem" \
	--account-key "$T/account.key" --email admin@example.test ||
	fail "no certificate for example.test + *.example.test: $(tail -5 "$T/apex.log")"
verify_chain "$T/apex.pem" "$T/pebble-root.pem" example.test '*.example.test'
[ "$(grep -c 'publish _acme-challenge.example.test TXT' "$T/apex.log")" = 2 ] ||
	fail "expected two TXT values at _acme-challenge.example.test"
[ "$(stat -c %a "$T/account.key")" = 600 ] || fail "account key not created mode 0600"
grep -q "created account key" "$T/apex.log" || fail "account key creation not reported"
[ ! -s "$T/records" ] || fail "TXT values left behind: $(cat "$T/records")"
it_log "apex + wildcard: certificate verified, 2 TXT values published and removed"

# the same key file again: loaded, not recreated; RS256 and a seeded key
cp "$T/account.key" "$T/account.key.orig"
csr www www.example.test www.example.test
order www "${PORTS[3]}" --csr "$T/www.der" --out "$T/www.pem" --account-key "$T/account.key" ||
	fail "second order with the same account key failed: $(tail -5 "$T/www.log")"
cmp -s "$T/account.key" "$T/account.key.orig" || fail "the account key file was rewritten"
! grep -q "created account key" "$T/www.log" || fail "existing account key recreated"
verify_chain "$T/www.pem" "$T/pebble-root.pem" www.example.test
order rsa "${PORTS[3]}" --csr "$T/www.der" --out "$T/rsa.pem" --rsa ||
	fail "RS256 account: $(tail -5 "$T/rsa.log")"
verify_chain "$T/rsa.pem" "$T/pebble-root.pem" www.example.test
order seed "${PORTS[3]}" --csr "$T/www.der" --out "$T/seed.pem" --account-key-seed "test seed" ||
	fail "seeded account: $(tail -5 "$T/seed.log")"
it_log "account key reused unchanged; RS256 and seeded accounts work"

# ---- 2. a TXT never published: the CA's problem comes back ----
order nopub "${PORTS[3]}" --csr "$T/www.der" --out "$T/nopub.pem" \
	--publish-cmd true && fail "an order whose TXT was never published succeeded"
grep -q "acme: failed: unauthorized: " "$T/nopub.log" ||
	fail "no unauthorized problem reported: $(tail -5 "$T/nopub.log")"
[ ! -e "$T/nopub.pem" ] || fail "a chain was written for a failed order"
it_log "unpublished TXT: $(grep 'acme: failed' "$T/nopub.log")"
stop "$PEBBLE_PID"

# ---- 3. Pebble rejecting 30% of nonces: badNonce retried ----
start_pebble pebble-nonce "${PORTS[3]}" "${PORTS[4]}" 30
ok=0 retried=0
for i in 1 2 3; do
	csr n$i n$i.example.test n$i.example.test
	order nonce$i "${PORTS[3]}" --csr "$T/n$i.der" --out "$T/n$i.pem" && ok=$((ok + 1))
	retried=$((retried + $(grep -c -- '-> 400' "$T/nonce$i.log" || true)))
	verify_chain "$T/n$i.pem" "$T/pebble-nonce-root.pem" n$i.example.test
done
[ "$retried" -gt 0 ] || fail "PEBBLE_WFE_NONCEREJECT=30 but no badNonce seen in 3 orders"
it_log "badNonce: $retried rejected requests retried over 3 orders, 3 certificates"
it_log "PASS"
