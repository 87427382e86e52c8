#!/bin/sh
# Interop: dns-notify against Knot DNS (knotd) acting as a secondary whose
# ACL allows NOTIFY only with a TSIG key.
#   signed with the right key   -> NOERROR, answer TSIG verified, exit 0
#   signed with a wrong secret  -> Knot answers NOTAUTH (BADSIG), exit 1
#   unsigned                    -> Knot refuses, exit 1
# Usage: test_notify_knot.sh /path/to/dns-notify
# Fails (does not skip) when knotd is missing.
set -u

NOTIFY=${1:?usage: $0 /path/to/dns-notify}
KNOTD=$(command -v knotd || ls /usr/sbin/knotd 2>/dev/null)
if [ -z "$KNOTD" ]; then
	echo "notify_knot: knotd not found (apt-get install knot)" >&2
	exit 1
fi

DIR=$(mktemp -d /tmp/notify-knot.XXXXXX)
KPID=
cleanup() {
	[ -n "$KPID" ] && kill "$KPID" 2>/dev/null && wait "$KPID" 2>/dev/null
	rm -rf "$DIR"
}
trap cleanup EXIT INT TERM

# Two free ports: Knot listens on one; the primary it would transfer from
# is the other, where nothing listens.  Below the kernel's ephemeral range
# (where a client connection may hold a TCP port whose UDP twin is free),
# and free for both UDP and TCP.
set -- $(/usr/bin/python3 -c '
import random, socket
def free(p):
    for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
        s = socket.socket(socket.AF_INET, kind)
        try:
            s.bind(("127.0.0.1", p))
        except OSError:
            return False
        finally:
            s.close()
    return True
found = []
while len(found) < 2:
    p = random.randrange(20000, 32000)
    if p not in found and free(p):
        found.append(p)
print(*found)')
PORT=$1
DEAD=$2

SECRET=c2VjcmV0LWZvci10aGUtbm90aWZ5LWludGVyb3AtdGVzdA==
WRONG=d3Jvbmctc2VjcmV0LWZvci10aGUtbm90aWZ5LXRlc3Q=
KEY=notify-key._notify.example.com.

cat >"$DIR/knot.conf" <<EOF
server:
    rundir: "$DIR"
    listen: 127.0.0.1@$PORT
    pidfile: "$DIR/knot.pid"
log:
  - target: stderr
    any: info
database:
    storage: "$DIR"
key:
  - id: $KEY
    algorithm: hmac-sha256
    secret: $SECRET
remote:
  - id: primary
    address: 127.0.0.1@$DEAD
acl:
  - id: notify_from_primary
    address: 127.0.0.1
    key: $KEY
    action: notify
template:
  - id: default
    storage: "$DIR"
zone:
  - domain: example.com.
    master: primary
    acl: notify_from_primary
EOF

"$KNOTD" -c "$DIR/knot.conf" -s "$DIR/knot.sock" >"$DIR/knotd.log" 2>&1 &
KPID=$!

# Wait for Knot to answer (any answer, e.g. REFUSED for an unsigned NOTIFY).
i=0
until "$NOTIFY" --timeout 0.3 "127.0.0.1:$PORT" example.com 2>/dev/null | grep -q " from "; do
	i=$((i + 1))
	if [ $i -ge 50 ] || ! kill -0 "$KPID" 2>/dev/null; then
		echo "notify_knot: knotd did not start" >&2
		cat "$DIR/knotd.log" >&2
		exit 1
	fi
	sleep 0.2
done

fail=0
check() { # expected-status description args...
	want=$1
	what=$2
	shift 2
	out=$("$NOTIFY" "$@" 2>&1)
	got=$?
	echo "$what: $out (exit $got)"
	if [ "$got" -ne "$want" ]; then
		echo "notify_knot: FAIL $what: want exit $want, got $got" >&2
		fail=1
	fi
	LAST=$out
}

for proto in "" --tcp; do
	check 0 "signed${proto:+ tcp}" --key "$KEY:hmac-sha256:$SECRET" $proto "127.0.0.1:$PORT" example.com
	case $LAST in
	*"NOERROR from 127.0.0.1#$PORT (TSIG ok)"*) ;;
	*) echo "notify_knot: FAIL unexpected line: $LAST" >&2; fail=1 ;;
	esac
	check 1 "wrong secret${proto:+ tcp}" --key "$KEY:hmac-sha256:$WRONG" $proto "127.0.0.1:$PORT" example.com
	check 1 "unsigned${proto:+ tcp}" $proto "127.0.0.1:$PORT" example.com
done

# Knot must have logged the accepted NOTIFY.
if ! grep -qi "notify" "$DIR/knotd.log"; then
	echo "notify_knot: FAIL knotd logged no NOTIFY" >&2
	fail=1
fi
[ $fail -ne 0 ] && cat "$DIR/knotd.log" >&2
exit $fail
