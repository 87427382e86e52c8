#!/usr/bin/env bash
# The example TLS server (certify/examples/tls_server.c, libdnscertify's
# start-up call):
#   - started before any certificate exists (the issuer holds), it waits:
#     its CSR is published, nothing listens yet;
#   - once the issuer signs, it serves TLS that
#     `openssl s_client -verify_return_error` accepts for its name;
#   - when the issuer publishes a renewed certificate, new connections get
#     it, from the same process (no restart).
source "$(dirname "$0")/clib.sh"
c_init example_tls "$@"
need_bin "$TLS_EXAMPLE" certify-tls-server
c_start
c_mode hold
c_issuer
TLS=${PORTS[1]}

start tls "$TLS_EXAMPLE" --listen 127.0.0.1:$TLS --server 127.0.0.1:$P \
	--dns-key "$CERT_KEY:sha256:$CERT_SECRET" --hostname www.example.com \
	--additional web.example.com --seed 'example server seed' --wait 300 --check-interval 1
TLS_PID=$STARTED_PID

csr_published() { [ "$(tlsa_count www 3 255 0)" = 1 ]; }
wait_until 30 "the example server's CSR published" csr_published
sleep 2
alive $TLS_PID || fail "the example server exited while waiting for its certificate"
if "$PY" -c "import socket; socket.create_connection(('127.0.0.1', $TLS), 1).close()" 2>/dev/null; then
	fail "the example server listens before it has a certificate"
fi

# serial NAME: the serial a new TLS connection gets, verified for NAME
tls_serial() {
	local out
	out=$(openssl s_client -connect 127.0.0.1:$TLS -servername "$1" -verify_return_error \
		-CAfile "$CA/root.pem" -verify_hostname "$1" </dev/null 2>/dev/null) || return 1
	grep -q 'Verify return code: 0 (ok)' <<<"$out" || return 1
	openssl x509 -noout -serial <<<"$out"
}
tls_ok() { tls_serial www.example.com >/dev/null; }

c_mode normal
wait_until 60 "TLS served with a verified certificate" tls_ok
S1=$(tls_serial www.example.com) || fail "s_client failed"
tls_serial web.example.com >/dev/null || fail "the certificate does not verify for web.example.com"
out=$(openssl s_client -connect 127.0.0.1:$TLS -servername www.example.com -CAfile "$CA/root.pem" \
	-verify_return_error -ign_eof </dev/null 2>&1) || fail "s_client: $out"
grep -q 'hello from www.example.com over TLS' <<<"$out" || fail "no greeting over TLS: $out"
it_log "serving $S1"

# renewal published by the issuer: new connections get it, same process
c_mode reissue
new_serial() { local s; s=$(tls_serial www.example.com) && [ "$s" != "$S1" ]; }
wait_until 60 "the renewed certificate served" new_serial
S2=$(tls_serial www.example.com)
alive $TLS_PID || fail "the example server restarted or died"
[ "$(grep -c 'serving certificate serial' "$IT_TMP/tls.log")" -ge 2 ] ||
	fail "the server log does not show the swap"
it_log "example_tls: ok ($S1 -> $S2, pid $TLS_PID throughout)"
