# shellcheck shell=bash
# Helpers of the operations tests (issue 13): the generic ones of
# tests/integration/lib.sh, and dns-ctl.
#
# Each script is run by meson as
#     script.sh DNS_PRIMARY_GIT DNS_NOTIFY DNS_ZONE DNS_CTL DNS_SECONDARY \
#               DNS_RESOLVER DNS_LETSENCRYPT_SECONDARY

OPS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../integration/lib.sh
. "$OPS_DIR/../integration/lib.sh"

# ops_init NAME "$@": it_init, plus dns-ctl and dns-secondary.
ops_init() {
	local name=$1
	shift
	it_init "$name" "$@"
	[ $# -ge 7 ] || fail "usage: $name.sh DNS_PRIMARY_GIT DNS_NOTIFY DNS_ZONE DNS_CTL DNS_SECONDARY DNS_RESOLVER DNS_LETSENCRYPT_SECONDARY"
	CTL=$(realpath -m "$4") SECONDARY=$(realpath -m "$5")
	RESOLVER=$(realpath -m "$6") LES=$(realpath -m "$7")
	need_bin "$CTL" dns-ctl
	need_bin "$SECONDARY" dns-secondary
	need_bin "$RESOLVER" dns-resolver
	need_bin "$LES" dns-letsencrypt-secondary
	need_tool kdig knot-dnsutils
	need_tool git git
}

# ctl SOCKET ARGS...: dns-ctl on SOCKET; output in CTL_OUT, exit status in CTL_RC.
ctl() {
	local sock=$1
	shift
	CTL_RC=0
	CTL_OUT=$("$CTL" --control "$sock" --timeout 60 "$@" 2>&1) || CTL_RC=$?
	it_log "dns-ctl $* -> $CTL_RC: $(printf '%s' "$CTL_OUT" | head -c 600)"
}

# ctl_ok SOCKET ARGS...: dns-ctl must exit 0.
ctl_ok() {
	ctl "$@"
	[ "$CTL_RC" = 0 ] || fail "dns-ctl ${*:2} exited $CTL_RC (expected 0): $CTL_OUT"
}

# ctl_rc WANT SOCKET ARGS...: dns-ctl must exit WANT.
ctl_rc() {
	local want=$1
	shift
	ctl "$@"
	[ "$CTL_RC" = "$want" ] || fail "dns-ctl ${*:2} exited $CTL_RC (expected $want): $CTL_OUT"
}

# json EXPR: evaluate the Python expression EXPR on the JSON in $CTL_OUT
# (bound to r); prints the value.  Fails unless CTL_OUT is JSON.
json() {
	printf '%s' "$CTL_OUT" | "$PY" -c '
import json, sys
r = json.load(sys.stdin)
v = eval(sys.argv[1])
print("null" if v is None else str(v).lower() if isinstance(v, bool) else v)' "$1" ||
		fail "dns-ctl --json output is not JSON or lacks $1: $CTL_OUT"
}

# json_is EXPR WANT
json_is() {
	local got
	got=$(json "$1")
	[ "$got" = "$2" ] || fail "dns-ctl --json: $1 is '$got', expected '$2' in: $CTL_OUT"
}

# start_notify_listener NAME PORT LOGFILE: a UDP server on 127.0.0.1:PORT
# answering every NOTIFY (NOERROR, as a secondary does) and appending
# "ZONE SERIAL" to LOGFILE for each.
start_notify_listener() {
	local name=$1 port=$2 out=$3
	port_free "$port"
	: >"$out"
	start "$name" "$PY" -c '
import socket, sys
import dns.message, dns.opcode, dns.rdatatype
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
while True:
    data, peer = s.recvfrom(65535)
    try:
        m = dns.message.from_wire(data, ignore_trailing=True)
    except Exception as e:
        print("unparsable:", e, flush=True)
        continue
    if m.opcode() != dns.opcode.NOTIFY:
        continue
    serial = "-"
    for rrset in m.answer:
        if rrset.rdtype == dns.rdatatype.SOA:
            serial = str(rrset[0].serial)
    with open(sys.argv[2], "a") as f:
        f.write("%s %s\n" % (m.question[0].name.to_text(omit_final_dot=True), serial))
    r = dns.message.make_response(m)
    s.sendto(r.to_wire(), peer)
' "$port" "$out"
}

# gone PID: PID has exited (a zombie not yet waited for counts as gone).
gone() { ! alive "$1"; }
