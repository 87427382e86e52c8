#!/usr/bin/env bash
# ocertify against dns-primary-git and the stand-in issuer:
#   - a first run creates the key (mode 0600), publishes the CSR with one
#     UPDATE (one commit in the remote, authored by the update key) and
#     writes a chain that `openssl verify -CAfile` accepts for every
#     requested name, certifying the key it generated;
#   - a second run finds the valid certificate and sends no update (no new
#     commit), exit 0;
#   - --seed twice (fresh directories) gives byte-identical CSRs, and the
#     published one is that CSR;
#   - an earlier CSR at the name is replaced (other records stay).
source "$(dirname "$0")/clib.sh"
c_init publish "$@"
c_start
c_issuer

W=$IT_TMP/run1
COUNT0=$(remote_count)
ocert "$W" --additional alt.example.com --wait 60 127.0.0.1:$P www.example.com
expect_rc "first run" 0
expect_out "first run" 'published the CSR'
[ -f "$W/www.example.com.key" ] || fail "no key file written"
[ "$(stat -c %a "$W/www.example.com.key")" = 600 ] ||
	fail "key file mode $(stat -c %a "$W/www.example.com.key"), expected 600"
[ -s "$W/www.example.com.req" ] || fail "no CSR file written"
openssl req -in "$W/www.example.com.req" -noout -verify >/dev/null 2>&1 || fail "the CSR file does not verify"
verify_chain "$W/www.example.com.pem" www.example.com alt.example.com
same_pubkey "$W/www.example.com.pem" "$W/www.example.com.key" ||
	fail "the certificate is not for the key ocertify generated"
[ "$(grep -c 'BEGIN CERTIFICATE' "$W/www.example.com.pem")" = 2 ] ||
	fail "the chain file should hold the certificate and the intermediate"

# ocertify's commit: exactly one, authored by its key (the issuer's come after)
git -C "$REMOTE" log --format='%an' "main~$(($(remote_count) - COUNT0))..main" >"$IT_TMP/authors"
n=$(grep -cx "$CERT_KEY\.\?" "$IT_TMP/authors" || true)
[ "$n" = 1 ] || fail "expected one commit by $CERT_KEY, found $n: $(tr '\n' ' ' <"$IT_TMP/authors")"
[ "$(tlsa_count www 3 255 0)" = 1 ] || fail "expected one CSR record published"

# second run: the certificate is valid, nothing is sent
COUNT1=$(remote_count)
ocert "$W" --additional alt.example.com --wait 60 127.0.0.1:$P www.example.com
expect_rc "second run" 0
expect_out "second run" 'certificate unchanged'
grep -q 'published' <<<"$OC_OUT" && fail "second run published a CSR: $OC_OUT"
sleep 1   # an update, had one been sent, would be committed by now
[ "$(remote_count)" = "$COUNT1" ] || fail "second run: the remote got $(($(remote_count) - COUNT1)) new commits"

# --seed: the same CSR twice
ocert "$IT_TMP/seed1" --seed 'correct horse' --wait 60 127.0.0.1:$P seeded.example.com
expect_rc "seed run 1" 0
ocert "$IT_TMP/seed2" --seed 'correct horse' --wait 60 127.0.0.1:$P seeded.example.com
expect_rc "seed run 2" 0
cmp -s "$IT_TMP/seed1/seeded.example.com.req" "$IT_TMP/seed2/seeded.example.com.req" ||
	fail "--seed twice gave different CSRs"
cmp -s "$IT_TMP/seed1/seeded.example.com.key" "$IT_TMP/seed2/seeded.example.com.key" ||
	fail "--seed twice gave different keys"
want=$(openssl req -in "$IT_TMP/seed1/seeded.example.com.req" -outform DER | od -An -v -tx1 | tr -d ' \n')
got=$(kdig @127.0.0.1 -p $P +tcp +short TLSA _letsencrypt._tcp.seeded.example.com. |
	awk '$1 == 3 && $2 == 255 {for (i = 4; i <= NF; i++) printf "%s", tolower($i)}')
[ "$want" = "$got" ] || fail "the published CSR is not the seeded one"

# an earlier CSR is replaced; a record of another kind at the name stays
rm -f "$W/www.example.com.req"
OLD=$(openssl req -in "$IT_TMP/seed1/seeded.example.com.req" -outform DER | od -An -v -tx1 | tr -d ' \n')
printf 'server 127.0.0.1 %s\nzone %s.\nupdate add _letsencrypt._tcp.other.%s. 3600 TLSA 3 255 0 %s\nupdate add _letsencrypt._tcp.other.%s. 3600 TLSA 3 1 1 %s\nsend\n' \
	$P $ZONE $ZONE "$OLD" $ZONE 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef |
	nsupdate -v -y "hmac-sha256:$CERT_KEY:$CERT_SECRET" || fail "nsupdate of the earlier CSR failed"
c_mode hold
ocert "$IT_TMP/other" --wait 3 127.0.0.1:$P other.example.com
expect_rc "other: no certificate while the issuer holds" 5
expect_out "other" 'solver status: pending'
[ "$(tlsa_count other 3 255 0)" = 1 ] || fail "other: expected only our CSR left, found $(tlsa_count other 3 255 0)"
[ "$(tlsa_count other 3 1 1)" = 1 ] || fail "other: the 3 1 1 record was touched"
want=$(openssl req -in "$IT_TMP/other/other.example.com.req" -outform DER | od -An -v -tx1 | tr -d ' \n')
got=$(kdig @127.0.0.1 -p $P +tcp +short TLSA _letsencrypt._tcp.other.example.com. |
	awk '$1 == 3 && $2 == 255 {for (i = 4; i <= NF; i++) printf "%s", tolower($i)}')
[ "$want" = "$got" ] || fail "other: the CSR left is not ours"
c_mode normal
ocert "$IT_TMP/other" --wait 60 127.0.0.1:$P other.example.com
expect_rc "other: issued once the issuer resumes" 0
it_log "publish: ok"
