#!/usr/bin/env bash
# Transfers that must be rejected: signed with the wrong key, carrying a
# record outside the zone, cut off half-way.  Each time the old zone stays
# served and the error is logged; a good transfer afterwards still works.
. "$(dirname "$0")/lib.sh"
sec_init bad_transfers "$@"

pick_ports 2
P=${PORTS[0]} S=${PORTS[1]}
port_free $P
port_free $S
echo "good 1" >"$IT_TMP/mode"
start fake "$PY" "$SEC_DIR/fake_primary.py" $P "$KEY_NAME" "$KEY_SECRET" "$IT_TMP/mode"
wait_until 20 "fake primary up" soa_serial_nonempty 127.0.0.1 $P
start_secondary sec "$IT_TMP/state" --zone example.com --primary 127.0.0.1:$P \
	--key "${KEY_NAME%.}:hmac-sha256:$KEY_SECRET" --listen 127.0.0.1:$S
wait_serial 30 127.0.0.1 $S example.com 1

# send_notify: a NOTIFY signed with the transfer key, must be answered NOERROR.
send_notify() {
	"$PY" - $S "$KEY_NAME" "$KEY_SECRET" <<-'PY' || fail "NOTIFY not answered NOERROR"
	import sys, dns.message, dns.query, dns.opcode, dns.rcode, dns.tsigkeyring, dns.flags
	k = dns.tsigkeyring.from_text({sys.argv[2]: sys.argv[3]})
	m = dns.message.make_query("example.com.", "SOA")
	m.set_opcode(dns.opcode.NOTIFY)
	m.flags = dns.flags.AA | (m.flags & ~dns.flags.RD)
	m.use_tsig(k, keyname=sys.argv[2])
	r = dns.query.udp(m, "127.0.0.1", port=int(sys.argv[1]), timeout=3)
	sys.exit(0 if r.rcode() == dns.rcode.NOERROR else 1)
	PY
}

failures() { grep -c 'msg="transfer failed"' "$IT_TMP/sec.log" || true; }
more_failures() { [ "$(failures)" -ge "$1" ]; }

check_rejected() { # MODE SERIAL WHAT PATTERN
	local before
	before=$(failures)
	echo "$1 $2" >"$IT_TMP/mode"
	send_notify
	# an IXFR failure falls back to AXFR: two failures per attempt
	wait_until 30 "a failed transfer ($3) logged" more_failures $((before + 2))
	grep 'msg="transfer failed"' "$IT_TMP/sec.log" | tail -n1 | grep -Eqi "$4" ||
		fail "$3: the logged error does not say why: $(grep 'transfer failed' "$IT_TMP/sec.log" | tail -n1)"
	serial_is 127.0.0.1 $S example.com 1 || fail "$3: the old zone is not served any more"
	answer_is 127.0.0.1 $S A www.example.com 192.0.2.1 || fail "$3: old data not served"
	it_log "$3: rejected, old zone served"
}

check_rejected wrongkey 2 "wrong key" "tsig"
check_rejected outside 3 "record outside the zone" "outside|zone"
check_rejected cutoff 4 "cut off" "ended|final|before"
[ "$(rcode_of 127.0.0.1 $S A www.example.org)" = REFUSED ] || fail "out-of-zone record served"

# a NOTIFY signed with a key we do not have is refused
"$PY" - $S <<-'PY' || fail "a NOTIFY with an unknown key was not refused"
import sys, dns.message, dns.query, dns.opcode, dns.rcode, dns.tsigkeyring
k = dns.tsigkeyring.from_text({"other.": "QEneceGzMV3Bcpuyd4NdRemyOfEnNJoWPA13xlr5+gI="})
m = dns.message.make_query("example.com.", "SOA")
m.set_opcode(dns.opcode.NOTIFY)
m.use_tsig(k, keyname="other.")
try:
    r = dns.query.udp(m, "127.0.0.1", port=int(sys.argv[1]), timeout=3)
    sys.exit(0 if r.rcode() in (dns.rcode.NOTAUTH, dns.rcode.REFUSED) else 1)
except dns.tsig.PeerBadKey:
    sys.exit(0)
PY

# and a good transfer still goes through
echo "good 5" >"$IT_TMP/mode"
send_notify
wait_serial 30 127.0.0.1 $S example.com 5
answer_is 127.0.0.1 $S A www.example.com 192.0.2.5 || fail "new data not served"
it_log "ok"
