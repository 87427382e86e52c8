#!/usr/bin/env bash
# A published certificate that must not be accepted, one case per test
# (the 6th argument): otherkey, othernames, expired, notyet, renewal,
# brokenchain.  The certificate is made by the test CA and published with
# nsupdate (no issuer runs); ocertify must wait until its deadline (exit
# 5), say why the certificate does not do, and write no certificate.
# Then a good certificate is published beside it and accepted: the
# refusal was the rule, not an accident.
source "$(dirname "$0")/clib.sh"
CASE=${6:?usage: not_accepted.sh BINARIES... CASE}
c_init "not_accepted_$CASE" "$@"
c_start

H=$CASE.example.com
W=$IT_TMP/w
mkdir -p "$W"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$W/$H.key" 2>/dev/null ||
	fail "openssl genpkey failed"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$IT_TMP/other.key" 2>/dev/null
DAY=86400

put() { # ARGS for issuer.py put
	"$PY" "$ISSUER" put "$CA" 127.0.0.1 $P "hmac-sha256:$ISSUER_KEY:$ISSUER_SECRET" "$H" "$@" ||
		fail "publishing the test certificate failed"
}

reason=
case $CASE in
otherkey)
	put --pubkey-of "$IT_TMP/other.key" --names "$H"
	reason='for another key' ;;
othernames)
	put --pubkey-of "$W/$H.key" --names "$H,extra.example.com"
	reason='for another set of names' ;;
expired)
	put --pubkey-of "$W/$H.key" --names "$H" --not-before $((-91 * DAY)) --not-after $((-DAY))
	reason='expired at' ;;
notyet)
	put --pubkey-of "$W/$H.key" --names "$H" --not-before $DAY --not-after $((90 * DAY))
	reason='not valid before' ;;
renewal)
	# 90 days of life, 20 left: inside the last third
	put --pubkey-of "$W/$H.key" --names "$H" --not-before $((-70 * DAY)) --not-after $((20 * DAY))
	reason='due for renewal' ;;
brokenchain)
	put --pubkey-of "$W/$H.key" --names "$H" --bogus-ca
	reason='no CA record issued the certificate' ;;
*)
	fail "unknown case $CASE" ;;
esac

ocert "$W" --wait 4 127.0.0.1:$P "$H"
expect_rc "$CASE" 5
expect_out "$CASE" "before the deadline: .*$reason"
[ ! -e "$W/$H.pem" ] || fail "$CASE: a certificate file was written"

if [ "$CASE" = renewal ]; then
	# with --renew-before 10d, 20 days left are enough; with 30d they are not
	ocert "$W" --wait 10 --renew-before 10d 127.0.0.1:$P "$H"
	expect_rc "renewal with --renew-before 10d" 0
	rm -f "$W/$H.pem"
	ocert "$W" --wait 3 --renew-before 30d 127.0.0.1:$P "$H"
	expect_rc "renewal with --renew-before 30d" 5
	expect_out "renewal with --renew-before 30d" 'due for renewal'
fi

# the control: a good certificate beside the bad one is accepted
put --pubkey-of "$W/$H.key" --names "$H"
ocert "$W" --wait 10 127.0.0.1:$P "$H"
expect_rc "$CASE: good certificate beside it" 0
verify_chain "$W/$H.pem" "$H"
same_pubkey "$W/$H.pem" "$W/$H.key" || fail "$CASE: the accepted certificate is not for our key"
it_log "not_accepted $CASE: ok"
