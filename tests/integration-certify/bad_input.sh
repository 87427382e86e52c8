#!/usr/bin/env bash
# Bad input never crashes ocertify:
#   - servers that answer with the wrong ID, FORMERR, random bytes, close
#     the connection or say nothing: a clear message and an exit code,
#     within the deadline;
#   - garbage at _letsencrypt._tcp.<host> on the real primary: a thousand
#     records that are not DER, a CSR where a certificate belongs,
#     truncated certificates, large records (the RRset near 60 KB), TXT
#     records that are not a status: skipped, and the certificate the
#     issuer publishes beside them is found.
source "$(dirname "$0")/clib.sh"
c_init bad_input "$@"
c_start
BAD=${PORTS[1]}

declare -A want_rc=([wrongid]=7 [formerr]=8 [garbage]=7 [close]=7 [silent]=7)
declare -A want_out=([wrongid]='does not match the query' [formerr]='FORMERR'
	[garbage]='does not match|malformed' [close]='connection lost' [silent]='timeout')
for mode in wrongid formerr garbage close silent; do
	start "bad-$mode" "$PY" -u "$C_DIR/bad_server.py" $BAD $mode
	pid=$STARTED_PID
	wait_until 10 "bad server ($mode) listening" \
		"$PY" -c "import socket; socket.create_connection(('127.0.0.1', $BAD), 1).close()"
	ocert "$IT_TMP/bad-$mode" --wait 4 127.0.0.1:$BAD www.example.com
	expect_rc "server answering $mode" "${want_rc[$mode]}"
	expect_out "server answering $mode" "${want_out[$mode]}"
	expect_within "server answering $mode" 12
	stop "$pid"
done

# garbage records at the name, published in batches with dnspython
c_issuer
"$PY" - 127.0.0.1 $P "$CERT_KEY" "$CERT_SECRET" <<-'EOF' || fail "publishing the garbage failed"
import os, sys
import dns.query, dns.rdata, dns.rdataclass, dns.rdatatype, dns.tsigkeyring, dns.update
server, port, kname, secret = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
ring = dns.tsigkeyring.from_text({kname: secret})
owner = "_letsencrypt._tcp.junk"
def tlsa(text):
    return dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.TLSA, text)
def send(rdatas):
    u = dns.update.UpdateMessage("example.com", keyring=ring, keyname=kname)
    for rd in rdatas:
        u.add(owner, 3600, rd)
    r = dns.query.tcp(u, server, port=port, timeout=60)
    assert r.rcode() == 0, dns.rcode.to_text(r.rcode())
junk = [tlsa("%d 0 0 %s" % (3 if i % 4 else 0, os.urandom(8).hex())) for i in range(1000)]
for i in range(0, len(junk), 250):
    send(junk[i:i + 250])
big = [tlsa("3 0 0 30820fff" + os.urandom(10000).hex()) for _ in range(3)]   # truncated DER
send(big)
send([dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.TXT, t) for t in
      ('"v=certify1; state=bogus"', '"hello"', '"v=certify1; state=failed; retry=never"')])
EOF
# a CSR where a certificate belongs
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$IT_TMP/x.key" \
	-subj /CN=junk.example.com -outform DER -out "$IT_TMP/x.csr" 2>/dev/null || fail "openssl req failed"
printf 'server 127.0.0.1 %s\nzone %s.\nupdate add _letsencrypt._tcp.junk.%s. 3600 TLSA 3 0 0 %s\nsend\n' \
	$P $ZONE $ZONE "$(od -An -v -tx1 "$IT_TMP/x.csr" | tr -d ' \n')" |
	nsupdate -v -y "hmac-sha256:$CERT_KEY:$CERT_SECRET" || fail "nsupdate of the CSR-as-certificate failed"
n=$(kdig @127.0.0.1 -p $P +tcp +short +time=5 TLSA _letsencrypt._tcp.junk.example.com. | wc -l)
[ "$n" -ge 1004 ] || fail "the garbage is not served ($n records)"

ocert "$IT_TMP/junk" --wait 60 127.0.0.1:$P junk.example.com
expect_rc "garbage at the name" 0
expect_out "garbage at the name" 'skipped [0-9]+ records'
verify_chain "$IT_TMP/junk/junk.example.com.pem" junk.example.com
it_log "bad_input: ok"
