#!/usr/bin/env bash
# les_renewal.sh: short-lived certificates are renewed before they expire
# and a running service picks the new one up.  Pebble issues certificates
# valid for LIFE seconds (certificateValidityPeriod); the certify example
# TLS server (libdnscertify's start-up call) asks for www.example.com and
# serves it; the solver renews at half the lifetime (certificates of 10
# days or less), not before, sending the order as a renewal; the example
# server, same process, then serves the new certificate, before the first
# one expires, and s_client verifies it with Pebble's root.
# Run by meson as
#   les_renewal.sh DNS_PRIMARY_GIT DNS_NOTIFY DNS_ZONE OCERTIFY SOLVER DNS_SECONDARY TLS_SERVER
# shellcheck source=les_lib.sh
source "$(dirname "$0")/les_lib.sh"
les_init les_renewal "$@"
TLS_SERVER=$(realpath -m "${7:-}")
need_bin "$TLS_SERVER" certify-tls-server
pick_ports 4
P=${PORTS[0]} ACME=${PORTS[1]} MGMT=${PORTS[2]} TLS=${PORTS[3]}
LIFE=90
les_tls
les_primary
LES_PEBBLE_EXTRA=", \"certificateValidityPeriod\": $LIFE"
les_pebble pebble "$ACME" "$MGMT" "$P"
les_solver "$ACME" --check "127.0.0.1:$P" --check-only

start tls "$TLS_SERVER" --listen "127.0.0.1:$TLS" --server "127.0.0.1:$P" \
	--dns-key "$CERT_KEY:sha256:$CERT_SECRET" --hostname www.example.com \
	--seed 'renewal test seed' --wait 120 --check-interval 2
TLS_PID=$STARTED_PID

# tls_cert: the certificate a new TLS connection gets, verified with Pebble's root
tls_cert() {
	local out
	out=$(openssl s_client -connect "127.0.0.1:$TLS" -servername www.example.com \
		-verify_return_error -CAfile "$T/pebble-root.pem" -verify_hostname www.example.com \
		</dev/null 2>/dev/null) || return 1
	grep -q 'Verify return code: 0 (ok)' <<<"$out" || return 1
	openssl x509 <<<"$out"
}
tls_ok() { tls_cert >/dev/null; }
wait_until 60 "TLS served with a certificate from Pebble" tls_ok
tls_cert >"$T/first.pem"
S1=$(openssl x509 -noout -serial -in "$T/first.pem")
nb=$(date -d "$(openssl x509 -noout -startdate -in "$T/first.pem" | cut -d= -f2)" +%s)
na=$(date -d "$(openssl x509 -noout -enddate -in "$T/first.pem" | cut -d= -f2)" +%s)
it_log "serving $S1, valid $nb..$na ($((na - nb)) s)"
[ $((na - nb)) -le $((LIFE + 1)) ] || fail "Pebble ignored certificateValidityPeriod: $((na - nb)) s"

new_served() { local s; s=$(tls_cert | openssl x509 -noout -serial) && [ "$s" != "$S1" ]; }
wait_until $((LIFE + 30)) "the renewed certificate served" new_served
served=$(date +%s)
tls_cert >"$T/second.pem"
S2=$(openssl x509 -noout -serial -in "$T/second.pem")
alive "$TLS_PID" || fail "the example server restarted or died"
[ "$served" -lt "$na" ] || fail "the new certificate was served at $served, after the first expired ($na)"

# the renewal order: after half the lifetime, before the end, as a renewal
l=$(grep -m1 'msg=ordering host=www.example.com renewal=yes' "$T/solver.log") ||
	fail "no renewal order in the solver's log"
ro=$(date -d "$(sed -n 's/^ts=\([^ ]*\) .*/\1/p' <<<"$l")" +%s)
half=$((nb + (na - nb) / 2))
it_log "renewal ordered at $ro (half-life $half, expiry $na), served at $served: $S1 -> $S2"
[ "$ro" -ge $((half - 1)) ] || fail "renewed at $ro, before half the lifetime ($half)"
[ "$ro" -lt "$na" ] || fail "renewed at $ro, after the expiry ($na)"
[ "$(grep -c 'msg=ordering host=www.example.com' "$T/solver.log")" = 2 ] ||
	fail "expected exactly two orders (issue, renewal)"
status=$(txt_at _letsencrypt._tcp.www.example.com)
grep -q 'state=valid' <<<"$status" || fail "status after the renewal: $status"
# the superseded certificate is gone from DNS: one end-entity record left
ee=$(kdig @127.0.0.1 -p "$P" +tcp +short TLSA _letsencrypt._tcp.www.example.com | grep -c '^3 0 0 ')
[ "$ee" = 1 ] || fail "$ee end-entity certificates at the name after the renewal"
it_log "PASS"
