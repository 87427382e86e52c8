#!/usr/bin/env bash
# one_instance.sh: one server per address (issue 13, item 1).  Our
# servers bind with SO_REUSEPORT (one socket per worker), which would let
# a second server share their address silently; instead a second server
# on an address already served exits non-zero saying "address in use
# (another server is running there)":
#   - a second dns-primary-git next to a running one (UDP and TCP);
#   - dns-primary-git next to knotd on the same port (knotd binds with
#     SO_REUSEPORT too, as the same user);
#   - dns-primary-git next to a foreign TCP-only listener with
#     SO_REUSEPORT (the TCP probe);
#   - dns-secondary and dns-resolver next to a running one, the resolver's
#     DNS over TLS listener, and a metrics port in use;
# while port 0 (ephemeral) still gives two servers two ports.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
ops_init one_instance "$@"
need_tool knotd knot
pick_ports 6
P=${PORTS[0]} K=${PORTS[1]} TCPONLY=${PORTS[2]} RP=${PORTS[3]} TP=${PORTS[4]} M=${PORTS[5]}
IN_USE="address in use (another server is running there)"
ops_remote 1

# ours twice on one address
start_primary first "$T/s1" --remote "$REMOTE" --listen "127.0.0.1:$P" --metrics "127.0.0.1:$M"
FIRST=$PRIMARY_PID
wait_serial 30 127.0.0.1 "$P" example.com 1
expect_refusal second "listen 127.0.0.1:$P (udp): $IN_USE" \
	"$PRIMARY" --remote "$REMOTE" --state-dir "$T/s2" --listen "127.0.0.1:$P" --workers 1
# the first still serves every query, over UDP and TCP
for i in 1 2 3 4 5 6; do serial_is 127.0.0.1 "$P" example.com 1 || fail "first primary lost a query"; done
[ "$(kdig @127.0.0.1 -p "$P" +tcp +short SOA example.com | awk '{print $3}')" = 1 ] ||
	fail "first primary does not answer over TCP"
# on another port, the metrics port already taken
expect_refusal metrics_in_use "$IN_USE" \
	"$PRIMARY" --remote "$REMOTE" --state-dir "$T/s3" --listen "127.0.0.1:$TCPONLY" \
	--metrics "127.0.0.1:$M" --workers 1
stop "$FIRST"

# ours next to knotd on the same port
mkdir -p "$T/knot"
small_zone 7 >"$T/knot/example.com.zone"
knot_common_conf "$T/knot" "$K" >"$T/knot.conf"
cat >>"$T/knot.conf" <<KNOT
zone:
  - domain: example.com.
    file: "$T/knot/example.com.zone"
KNOT
start knotd knotd -c "$T/knot.conf"
KNOTD=$STARTED_PID
wait_serial 30 127.0.0.1 "$K" example.com 7
expect_refusal next_to_knotd "listen 127.0.0.1:$K (udp): $IN_USE" \
	"$PRIMARY" --remote "$REMOTE" --state-dir "$T/s4" --listen "127.0.0.1:$K" --workers 1
for i in 1 2 3 4 5 6; do serial_is 127.0.0.1 "$K" example.com 7 || fail "knotd lost a query"; done
stop "$KNOTD"

# a foreign TCP listener (SO_REUSEPORT, UDP free): the TCP probe refuses
start tcp_only "$PY" -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(8)
open(sys.argv[2], "w").close()
time.sleep(600)' "$TCPONLY" "$T/tcp_only.ready"
wait_until 10 "the TCP listener" test -e "$T/tcp_only.ready"
expect_refusal tcp_in_use "listen 127.0.0.1:$TCPONLY (tcp): $IN_USE" \
	"$PRIMARY" --remote "$REMOTE" --state-dir "$T/s5" --listen "127.0.0.1:$TCPONLY" --workers 1
stop "$STARTED_PID"

# dns-secondary twice
start sec1 "$SECONDARY" --zone example.com --primary "127.0.0.1:$K" --listen "127.0.0.1:$P" --workers 1
wait_until 30 "dns-secondary listening" grep -q 'msg=started' "$T/sec1.log"
expect_refusal sec2 "listen 127.0.0.1:$P (udp): $IN_USE" \
	"$SECONDARY" --zone example.com --primary "127.0.0.1:$K" --listen "127.0.0.1:$P" --workers 1
stop "$STARTED_PID"

# dns-resolver twice, then its DNS over TLS listener
printf '. 3600000 NS a.root.test.\na.root.test. 3600000 A 127.0.0.99\n' >"$T/hints"
start res1 "$RESOLVER" --port "$RP" --root-hints "$T/hints"
RES1=$STARTED_PID
wait_until 30 "dns-resolver listening" grep -q "addr=127.0.0.1:$RP" "$T/res1.log"
expect_refusal res2 "listen 127.0.0.1:$RP (udp): $IN_USE" \
	"$RESOLVER" --port "$RP" --root-hints "$T/hints"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=dns.test \
	-keyout "$T/tls.key" -out "$T/tls.pem" >"$T/openssl.log" 2>&1 || fail "openssl req failed"
expect_refusal dot_in_use "listen 127.0.0.1:$RP (tcp): $IN_USE" \
	"$RESOLVER" --port 0 --root-hints "$T/hints" --tls-listen "127.0.0.1:$RP" \
	--tls-cert "$T/tls.pem" --tls-key "$T/tls.key"
stop "$RES1"

# port 0: two servers, each on a port of its own
start eph1 "$PRIMARY" --remote "$REMOTE" --state-dir "$T/e1" --listen 127.0.0.1:0 --workers 1
start eph2 "$PRIMARY" --remote "$REMOTE" --state-dir "$T/e2" --listen 127.0.0.1:0 --workers 1
port_of() { sed -n 's/.*msg=listening addr=127.0.0.1:\([0-9]*\).*/\1/p' "$T/$1.log" | head -1; }
both_listening() { [ -n "$(port_of eph1)" ] && [ -n "$(port_of eph2)" ]; }
wait_until 30 "both ephemeral servers listening" both_listening
E1=$(port_of eph1) E2=$(port_of eph2)
[ "$E1" != "$E2" ] || fail "two servers on port 0 got the same port $E1"
wait_serial 30 127.0.0.1 "$E1" example.com 1
wait_serial 30 127.0.0.1 "$E2" example.com 1
it_log "ok: port 0 twice: ports $E1 and $E2, both serving"
it_log PASS
