#!/usr/bin/env bash
# acme_bad_server.sh ACME_ORDER_TOOL: libacme and its libcurl adapter
# against an ACME server that misbehaves (bad_acme_server.py): huge JSON
# without Content-Length, JSON nested 200000 deep, an HTML page, truncated
# JSON, a redirect, a body trickling one byte every 2 s, a TLS certificate
# the client does not trust, a newNonce without Replay-Nonce.  Each ends
# in a clear error (exit 1, a message naming the cause), within the
# request timeout (30 s), with bounded memory (max RSS < 64 MiB), no crash.
# shellcheck source=les_lib.sh
source "$(dirname "$0")/les_lib.sh"
IT_NAME=acme_bad_server
TOOL=$(realpath -m "${1:?usage: acme_bad_server.sh ACME_ORDER_TOOL}")
IT_TMP=$(mktemp -d "/tmp/itest-$IT_NAME.XXXXXX")
trap it_cleanup EXIT
trap 'exit 130' INT TERM
need_bin "$TOOL" acme_order_tool
need_tool openssl openssl
[ -x /usr/bin/time ] || fail "/usr/bin/time is missing (package time)"
T=$IT_TMP
pick_ports 1
PORT=${PORTS[0]}
les_tls
# a CA the client trusts for the "tls" case that did not sign the server
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/other.key" \
	-out "$T/other.pem" -days 2 -subj "/CN=another CA" 2>>"$T/openssl.log"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/csr.key" \
	-subj "/CN=www.example.com" -addext "subjectAltName=DNS:www.example.com" \
	-outform DER -out "$T/csr.der" 2>>"$T/openssl.log"
start server "$PY" "$(dirname "$0")/bad_acme_server.py" "$PORT" "$T/tls.pem" "$T/tls.key"
wait_until 30 "bad server listening" curl -s --cacert "$T/ca.pem" -o /dev/null \
	"https://127.0.0.1:$PORT/html/dir"

case_() { # MODE CA REGEX
	local mode=$1 ca=$2 re=$3 rc=0 t0=$SECONDS
	/usr/bin/time -f 'maxrss_kb=%M' -o "$T/$mode.time" "$TOOL" \
		--directory "https://127.0.0.1:$PORT/$mode/dir" --ca-file "$ca" --csr "$T/csr.der" \
		--out "$T/$mode.pem" --account-key-seed test --publish-cmd true \
		>"$T/$mode.out" 2>&1 || rc=$?
	local secs=$((SECONDS - t0)) rss
	rss=$(sed -n 's/^maxrss_kb=//p' "$T/$mode.time")
	[ "$rc" = 1 ] || fail "$mode: exit $rc, expected 1: $(tail -3 "$T/$mode.out")"
	# the verdict, not the per-request trace ("acme: <ms> GET <url> -> ...")
	grep -Ev '^acme: [0-9]+ ' "$T/$mode.out" >"$T/$mode.err" || true
	grep -Eiq "$re" "$T/$mode.err" || fail "$mode: no /$re/ in: $(tail -3 "$T/$mode.out")"
	[ "$secs" -le 40 ] || fail "$mode: took ${secs}s"
	[ "$rss" -lt 65536 ] || fail "$mode: max RSS ${rss} KiB"
	it_log "$mode: exit 1 in ${secs}s, max RSS ${rss} KiB: $(grep -Ei "$re" "$T/$mode.err" | head -1)"
}
case_ huge "$T/ca.pem" 'body over [0-9]+ bytes'
case_ deep "$T/ca.pem" 'malformedResponse: .*not a JSON object'
case_ html "$T/ca.pem" 'malformedResponse: .*not a JSON object'
case_ badjson "$T/ca.pem" 'malformedResponse: .*not a JSON object'
case_ redirect "$T/ca.pem" 'failed: http302'
case_ tls "$T/other.pem" 'failed: connection: .*(certificate|SSL)'
case_ nonce "$T/ca.pem" 'badNonce: .*no Replay-Nonce'
case_ slow "$T/ca.pem" 'timeout|timed out'
it_log "PASS"
