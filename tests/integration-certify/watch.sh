#!/usr/bin/env bash
# ocertify --watch renews at the renewal point and runs the deploy hook
# after each new certificate is written.  The issuer signs certificates
# that live 60 s (plus the minute it backdates them) and renews them when
# 40 s remain; ocertify is told the same (--renew-before 40s).  The hook
# must run for the first certificate and again for the renewed one, with
# certbot's environment, while ocertify keeps running.
source "$(dirname "$0")/clib.sh"
c_init watch "$@"
c_start
c_issuer --lifetime 60 --renew-before 40

W=$IT_TMP/w
mkdir -p "$W"
HOOK='printf "%s %s\n" "$RENEWED_DOMAINS" "$(openssl x509 -noout -serial -in "$OCERTIFY_CERTIFICATE")" >>"$RENEWED_LINEAGE/hook.log"'
start ocertify sh -c "cd '$W' && exec '$OCERTIFY' --dns-key '$CERT_KEY:sha256:$CERT_SECRET' \
	--additional alt.example.com --renew-before 40s --wait 120 --watch --deploy-hook '$HOOK' \
	127.0.0.1:$P www.example.com"
OC_PID=$STARTED_PID

hook_runs() { [ -f "$W/hook.log" ] && [ "$(wc -l <"$W/hook.log")" -ge "$1" ]; }
wait_until 60 "the deploy hook after the first certificate" hook_runs 1
S1=$(serial_of "$W/www.example.com.pem")
verify_chain "$W/www.example.com.pem" www.example.com alt.example.com
grep -qx "www.example.com alt.example.com $S1" "$W/hook.log" ||
	fail "the hook did not see the names and the written certificate: $(cat "$W/hook.log")"

wait_until 120 "the deploy hook after the renewal" hook_runs 2
S2=$(serial_of "$W/www.example.com.pem")
[ "$S1" != "$S2" ] || fail "the certificate was not renewed ($S1)"
verify_chain "$W/www.example.com.pem" www.example.com alt.example.com
[ "$(sed -n 2p "$W/hook.log")" = "www.example.com alt.example.com $S2" ] ||
	fail "the second hook run did not see the renewed certificate: $(cat "$W/hook.log")"
alive "$OC_PID" || fail "ocertify --watch exited"
grep -q 'next renewal check at' "$IT_TMP/ocertify.log" || fail "ocertify did not say when it renews"
it_log "watch: ok ($S1 -> $S2)"
