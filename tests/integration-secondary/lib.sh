# shellcheck shell=bash
# Helpers of the dns-secondary end-to-end tests (issue 5, "Must show").
#
# Each script is run by meson as  script.sh DNS_SECONDARY [DNS_PRIMARY_GIT DNS_NOTIFY DNS_ZONE]
# and reuses the generic helpers of tests/integration/lib.sh (start/stop,
# wait_until, kdig wrappers, fail).  A missing tool is a FAILURE, never a
# skip.  Every process started is killed at the end; waits are liveness
# bounds (poll every 0.1 s), never speed assertions.

SEC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../integration/lib.sh
. "$SEC_DIR/../integration/lib.sh"

KEY_NAME=secondary._transfer.example.com.
KEY_SECRET=vRC0tsGj8S0AAPEQR93HZHi8msv7R71QIphQdqA8FdE=
WRONG_SECRET=QEneceGzMV3Bcpuyd4NdRemyOfEnNJoWPA13xlr5+gI=

# sec_init NAME "$@": binaries, temp dir, traps, tool checks.
sec_init() {
	IT_NAME=$1
	shift
	[ $# -ge 1 ] || { echo "usage: $IT_NAME.sh DNS_SECONDARY [DNS_PRIMARY_GIT DNS_NOTIFY DNS_ZONE]" >&2; exit 2; }
	SECONDARY=$1
	PRIMARY=${2:-} NOTIFY=${3:-} DNSZONE=${4:-}
	IT_TMP=$(mktemp -d "/tmp/itest-$IT_NAME.XXXXXX")
	trap it_cleanup EXIT
	trap 'exit 130' INT TERM
	need_bin "$SECONDARY" dns-secondary
	need_tool kdig knot-dnsutils
	need_tool "$PY" python3-dnspython
	"$PY" -c 'import dns.message, dns.query, dns.tsigkeyring' 2>/dev/null ||
		fail "python3-dnspython is not installed for $PY (apt-get install python3-dnspython)"
}

# start_secondary NAME STATE_DIR ARGS...: dns-secondary on one worker, debug logs.
start_secondary() {
	local name=$1 state=$2
	shift 2
	mkdir -p "$state"
	start "$name" "$SECONDARY" --state-dir "$state" --workers 1 --log-level debug "$@"
	SECONDARY_PID=$STARTED_PID
}

# log_has NAME REGEX: the log of NAME has a line matching REGEX.
log_has() { grep -Eq "$2" "$IT_TMP/$1.log"; }

# rcode_of ADDR PORT TYPE NAME: the rcode kdig reports (NOERROR, SERVFAIL...).
rcode_of() {
	kdig @"$1" -p "$2" +time=1 +retry=0 "$3" "$4" 2>/dev/null |
		sed -n 's/.*status: \([A-Z]*\).*/\1/p' | head -n1
}
rcode_is() { [ "$(rcode_of "$1" "$2" "$3" "$4")" = "$5" ]; }

# zone_text SERIAL [EXPIRE] [EXTRA_RR...]: example.com with the given serial.
zone_text() {
	local serial=$1 expire=${2:-604800}
	shift 2 || shift $#
	cat <<-EOF
	\$ORIGIN example.com.
	\$TTL 300
	@       IN SOA ns1 hostmaster $serial 3600 5 $expire 300
	        IN NS  ns1
	        IN NS  ns2
	ns1     IN A   192.0.2.1
	ns2     IN A   192.0.2.2
	www     IN A   192.0.2.80
	EOF
	local rr
	for rr in "$@"; do printf '%s\n' "$rr"; done
}

# knot_primary_tsig_conf DIR PORT ZONEFILE NOTIFY_PORT SECRET: knotd as a
# TSIG primary of example.com that keeps a journal of the differences of
# its zone file (so it serves IXFR) and NOTIFYs 127.0.0.1@NOTIFY_PORT.
knot_primary_tsig_conf() {
	local dir=$1 port=$2 zone=$3 nport=$4 secret=${5:-$KEY_SECRET}
	knot_common_conf "$dir" "$port" "$KEY_NAME" "$secret"
	cat <<-EOF
	remote:
	  - id: secondary
	    address: 127.0.0.1@$nport
	    key: $KEY_NAME

	acl:
	  - id: transfer
	    address: 127.0.0.1
	    key: $KEY_NAME
	    action: transfer

	zone:
	  - domain: example.com.
	    storage: "$dir"
	    file: "$zone"
	    journal-content: changes
	    zonefile-sync: -1
	    zonefile-load: difference
	    notify: secondary
	    acl: transfer
	EOF
}

# start_knot_primary NAME DIR PORT ZONEFILE NOTIFY_PORT [SECRET]
start_knot_primary() {
	local name=$1 dir=$2 port=$3 zone=$4 nport=$5 secret=${6:-$KEY_SECRET}
	need_tool knotd knot
	need_tool knotc knot
	mkdir -p "$dir"
	port_free "$port"
	knot_primary_tsig_conf "$dir" "$port" "$zone" "$nport" "$secret" >"$dir/knot.conf"
	start "$name" knotd -c "$dir/knot.conf"
	KNOT_PID=$STARTED_PID
	wait_until 30 "$name serving example.com" soa_serial_nonempty 127.0.0.1 "$port"
}

soa_serial_nonempty() { [ -n "$(soa_serial "$1" "$2" example.com)" ]; }

knot_reload() { # DIR
	knotc -s "$1/knot.sock" zone-reload example.com >/dev/null ||
		fail "knotc zone-reload failed"
}

# nsd_primary_conf DIR PORT ZONEFILE NOTIFY_PORT: NSD 4.6 as a TSIG primary
# of example.com that creates IXFR differences when it rereads its zone
# file (create-ixfr, store-ixfr) and NOTIFYs 127.0.0.1@NOTIFY_PORT.
nsd_primary_conf() {
	local dir=$1 port=$2 zone=$3 nport=$4
	nsd_common_conf "$dir" "$port" "$KEY_NAME" "$KEY_SECRET"
	cat <<-EOF
	zone:
	    name: example.com
	    zonefile: "$zone"
	    provide-xfr: 127.0.0.1 $KEY_NAME
	    notify: 127.0.0.1@$nport $KEY_NAME
	    store-ixfr: yes
	    create-ixfr: yes
	EOF
}

# start_nsd_primary NAME DIR PORT ZONEFILE NOTIFY_PORT
start_nsd_primary() {
	local name=$1 dir=$2 port=$3 zone=$4 nport=$5
	need_tool nsd nsd
	mkdir -p "$dir"
	port_free "$port"
	nsd_primary_conf "$dir" "$port" "$zone" "$nport" >"$dir/nsd.conf"
	start "$name" nsd -d -c "$dir/nsd.conf"
	NSD_PID=$STARTED_PID
	wait_until 30 "$name serving example.com" soa_serial_nonempty 127.0.0.1 "$port"
}
