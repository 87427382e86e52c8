# shellcheck shell=bash
# Shared helpers of the end-to-end tests (issue 3, "Must show").
#
# Every test script is run by meson as
#     script.sh DNS_PRIMARY_GIT DNS_NOTIFY DNS_ZONE
# sources this file, calls it_init, and then starts real peers (knotd, nsd,
# sshd, git) on loopback.  Everything a test starts is recorded and killed
# on exit; its temporary directory is removed (kept with KEEP_TMP=1).
#
# A missing peer tool is a FAILURE, never a skip: the "Must show" list of the
# issue can only be shown with them (scripts/install-deps.sh test).
#
# Waits are liveness bounds: poll every 0.1 s up to a generous limit.  They
# say "it happened", never "it happened fast".

set -euo pipefail

PY=/usr/bin/python3          # the Debian python, with python3-dnspython
IT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# Test keys (fixed, test-only).
TRANSFER_KEY_NAME=secondary._transfer.example.com.
TRANSFER_KEY_SECRET=vRC0tsGj8S0AAPEQR93HZHi8msv7R71QIphQdqA8FdE=
NOTIFY_KEY_NAME=hook._notify.example.com.
NOTIFY_KEY_SECRET=QEneceGzMV3Bcpuyd4NdRemyOfEnNJoWPA13xlr5+gI=

IT_PIDS=()
IT_NAMES=()
IT_WATCH=()   # "pid:name" of servers that must stay up: waits fail if one dies

it_log() { printf '[%s %s] %s\n' "$IT_NAME" "$(date +%T)" "$*" >&2; }

# fail MESSAGE: print it, dump the logs of everything started, exit 1.
fail() {
	printf '\nFAIL (%s): %s\n' "$IT_NAME" "$*" >&2
	it_dump_logs
	exit 1
}

it_dump_logs() {
	local f
	[ -n "${IT_TMP:-}" ] && [ -d "$IT_TMP" ] || return 0
	for f in "$IT_TMP"/*.log; do
		[ -f "$f" ] || continue
		printf '\n----- %s (last 40 lines) -----\n' "${f##*/}" >&2
		tail -n 40 "$f" >&2
	done
}

it_cleanup() {
	local rc=$? i pid
	set +e
	for ((i = ${#IT_PIDS[@]} - 1; i >= 0; i--)); do
		pid=${IT_PIDS[$i]}
		kill -TERM "$pid" 2>/dev/null
	done
	for ((i = ${#IT_PIDS[@]} - 1; i >= 0; i--)); do
		pid=${IT_PIDS[$i]}
		it_reap "$pid" 100
	done
	if [ -n "${IT_TMP:-}" ] && [ -d "$IT_TMP" ]; then
		if [ "${KEEP_TMP:-0}" = 1 ]; then
			echo "kept $IT_TMP" >&2
		else
			rm -rf "$IT_TMP"
		fi
	fi
	exit "$rc"
}

# it_reap PID TENTHS: wait up to TENTHS/10 s for PID to exit, then SIGKILL it.
it_reap() {
	local pid=$1 n=$2
	while kill -0 "$pid" 2>/dev/null && [ "$n" -gt 0 ]; do
		# a child that exited but was not waited for is a zombie: reap it
		if ! ps -o stat= -p "$pid" 2>/dev/null | grep -qv Z; then
			break
		fi
		sleep 0.1
		n=$((n - 1))
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# it_init NAME "$@": parse the binary arguments, make the temp dir, set traps.
it_init() {
	IT_NAME=$1
	shift
	[ $# -ge 3 ] || { echo "usage: $IT_NAME.sh DNS_PRIMARY_GIT DNS_NOTIFY DNS_ZONE" >&2; exit 2; }
	PRIMARY=$(realpath -m "$1") NOTIFY=$(realpath -m "$2") DNSZONE=$(realpath -m "$3")
	IT_TMP=$(mktemp -d "/tmp/itest-$IT_NAME.XXXXXX")
	trap it_cleanup EXIT
	trap 'exit 130' INT TERM
	need_bin "$PRIMARY" dns-primary-git
	need_bin "$NOTIFY" dns-notify
	need_bin "$DNSZONE" dns-zone
	need_tool "$PY" python3-dnspython
	"$PY" -c 'import dns.message, dns.query, dns.tsigkeyring' 2>/dev/null ||
		fail "python3-dnspython is not installed for $PY (apt-get install python3-dnspython)"
}

need_bin() { # PATH WHAT
	[ -x "$1" ] || fail "$2 not built: $1 does not exist or is not executable"
}

need_tool() { # COMMAND PACKAGE
	command -v "$1" >/dev/null 2>&1 ||
		fail "$1 not found: install $2 (scripts/install-deps.sh test)"
}

# port_is_free PORT: is PORT free on 127.0.0.1 for both UDP and TCP?
port_is_free() {
	"$PY" - "$1" <<-'EOF'
	import socket, sys
	p = int(sys.argv[1])
	for t in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
	    s = socket.socket(socket.AF_INET, t)
	    if t == socket.SOCK_STREAM:  # as servers do: TIME_WAIT is no conflict
	        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
	    try:
	        s.bind(("127.0.0.1", p))
	    except OSError:
	        sys.exit(1)
	    finally:
	        s.close()
	EOF
}

# port_free PORT: fail unless PORT is free.
port_free() {
	port_is_free "$1" || fail "port $1 on 127.0.0.1 is in use (another test or server?)"
}

# pick_ports N: N consecutive ports, free on 127.0.0.1 (UDP and TCP), in
# PORTS[0..N-1].  The base is random in 20000-31999 (below the ephemeral
# range): the same test may run at the same time from another build
# directory, and servers that bind with SO_REUSEPORT would share a fixed
# port silently.
pick_ports() {
	local n=$1 try base i ok
	for try in $(seq 1 50); do
		base=$((20000 + (RANDOM % 1200) * 10))
		ok=1
		for ((i = 0; i < n; i++)); do
			port_is_free $((base + i)) || { ok=0; break; }
		done
		if [ $ok = 1 ]; then
			PORTS=()
			for ((i = 0; i < n; i++)); do PORTS+=($((base + i))); done
			it_log "ports ${PORTS[*]}"
			return 0
		fi
	done
	fail "no $n free consecutive ports found on 127.0.0.1"
}

# start NAME CMD...: run CMD in the background, output to $IT_TMP/NAME.log.
# Sets STARTED_PID.
start() {
	local name=$1
	shift
	"$@" >"$IT_TMP/$name.log" 2>&1 &
	STARTED_PID=$!
	IT_PIDS+=("$STARTED_PID")
	IT_NAMES+=("$name")
	IT_WATCH+=("$STARTED_PID:$name")
	it_log "started $name (pid $STARTED_PID): $*"
}

# unwatch PID: PID may exit (a run that is expected to fail).
unwatch() {
	local w keep=()
	for w in "${IT_WATCH[@]}"; do [ "${w%%:*}" = "$1" ] || keep+=("$w"); done
	IT_WATCH=("${keep[@]}")
}

# check_watched: fail if a watched server has exited.
check_watched() {
	local w
	for w in "${IT_WATCH[@]}"; do
		alive "${w%%:*}" || fail "${w#*:} (pid ${w%%:*}) exited unexpectedly"
	done
}

# stop PID: SIGTERM, wait up to 10 s, then SIGKILL.  Sets STOP_RC.
stop() {
	local pid=$1 n=100
	unwatch "$pid"
	kill -TERM "$pid" 2>/dev/null || true
	while kill -0 "$pid" 2>/dev/null && [ $n -gt 0 ]; do
		if ps -o stat= -p "$pid" 2>/dev/null | grep -q Z; then break; fi
		sleep 0.1
		n=$((n - 1))
	done
	kill -KILL "$pid" 2>/dev/null || true
	STOP_RC=0
	wait "$pid" 2>/dev/null || STOP_RC=$?
}

alive() { kill -0 "$1" 2>/dev/null && ! ps -o stat= -p "$1" 2>/dev/null | grep -q Z; }

# wait_until SECONDS DESCRIPTION CMD...: poll CMD every 0.1 s.
wait_until() {
	local secs=$1 what=$2
	shift 2
	local deadline=$((SECONDS + secs))
	while [ $SECONDS -lt $deadline ]; do
		if "$@" >/dev/null 2>&1; then return 0; fi
		check_watched
		sleep 0.1
	done
	# one last try: the bound is on waiting, not on the check itself
	if "$@" >/dev/null 2>&1; then return 0; fi
	fail "timed out after ${secs}s waiting for: $what"
}

# ---- DNS queries (kdig) ----

# soa_serial ADDR PORT ZONE: the serial answered (empty on no answer).
soa_serial() {
	kdig @"$1" -p "$2" +short +time=1 +retry=0 SOA "$3" 2>/dev/null | awk 'NF >= 7 {print $3; exit}'
}

serial_is() { [ "$(soa_serial "$1" "$2" "$3")" = "$4" ]; }

# wait_serial SECONDS ADDR PORT ZONE SERIAL
wait_serial() {
	wait_until "$1" "$2@$3 serving $4 serial $5" serial_is "$2" "$3" "$4" "$5"
}

# answer_short ADDR PORT TYPE NAME: kdig +short, sorted.
answer_short() {
	kdig @"$1" -p "$2" +short +time=1 +retry=0 "$3" "$4" 2>/dev/null | sort
}

answer_is() { [ "$(answer_short "$1" "$2" "$3" "$4")" = "$5" ]; }

# ---- git ----

export GIT_AUTHOR_NAME=itest GIT_AUTHOR_EMAIL=itest@example.com
export GIT_COMMITTER_NAME=itest GIT_COMMITTER_EMAIL=itest@example.com
export GIT_CONFIG_NOSYSTEM=1 HOME=${HOME:-/root}

# write_keys FILE: the `_keys` file of the test repository.
write_keys() {
	cat >"$1" <<-EOF
	; test keys (docs/repository.md)
	$TRANSFER_KEY_NAME DNSKEY 0 3 163 $TRANSFER_KEY_SECRET
	$NOTIFY_KEY_NAME DNSKEY 0 3 163 $NOTIFY_KEY_SECRET
	EOF
}

# make_remote BARE WORK: a bare repository BARE (branch main) with the
# content of the directory WORK committed and pushed; WORK becomes a clone.
make_remote() {
	local bare=$1 work=$2
	git init -q --bare -b main "$bare"
	git -C "$work" init -q -b main
	git -C "$work" add -A
	git -C "$work" commit -q -m "initial zones"
	git -C "$work" remote add origin "$bare"
	git -C "$work" push -q origin main
}

# push_edit WORK MESSAGE: commit everything in WORK and push it.
push_edit() {
	git -C "$1" add -A
	git -C "$1" commit -q -m "$2"
	git -C "$1" push -q origin main
}

# set_serial FILE SERIAL: replace the serial of the SOA written as
# "NNNNNNNNNN ; serial" by the zone writers of these tests.
set_serial() {
	sed -i -E "s/^([[:space:]]*)[0-9]+([[:space:]]*; serial)/\1$2\2/" "$1"
	grep -q "$2 *; serial" "$1" || fail "set_serial: no serial line in $1"
}

# small_zone SERIAL: a small example.com zone on stdout.  Its NS names are
# the SOA MNAME and an out-of-zone name without data: the primary has nobody
# to NOTIFY but the --notify targets, and nothing leaves the loopback.
small_zone() {
	cat <<-EOF
	\$ORIGIN example.com.
	\$TTL 300
	@       IN SOA ns1 hostmaster (
	            $1 ; serial
	            3600       ; refresh: far beyond any wait of the tests
	            600        ; retry
	            604800     ; expire
	            300 )      ; minimum
	        IN NS  ns1
	        IN NS  ns2.example.net.
	        IN MX  10 mail
	ns1     IN A   192.0.2.1
	mail    IN A   192.0.2.25
	www     IN A   192.0.2.80
	www     IN AAAA 2001:db8::80
	ftp     IN CNAME www
	EOF
}

# ---- the daemon ----

# start_primary NAME STATE ARGS...: dns-primary-git with --state-dir STATE.
start_primary() {
	local name=$1 state=$2
	shift 2
	start "$name" "$PRIMARY" --state-dir "$state" --workers 1 --log-level debug "$@"
	PRIMARY_PID=$STARTED_PID
}

# notify_primary PORT: the post-receive hook's signed NOTIFY; must exit 0.
notify_primary() {
	local out
	out=$("$NOTIFY" --key "${NOTIFY_KEY_NAME%.}:hmac-sha256:$NOTIFY_KEY_SECRET" "127.0.0.1:$1" example.com 2>&1) ||
		fail "dns-notify exited $? (expected 0): $out"
	it_log "dns-notify: $out"
}

# metrics HOST:PORT: the Prometheus text on stdout.
metrics() {
	"$PY" - "$1" <<-'EOF'
	import sys, urllib.request
	with urllib.request.urlopen("http://%s/metrics" % sys.argv[1], timeout=3) as r:
	    sys.stdout.write(r.read().decode())
	EOF
}

# ---- peers: Knot DNS 3.2 and NSD 4.6 configuration writers ----

# knot_common_conf DIR PORT [KEY_NAME KEY_SECRET]: the server, log,
# database (and key) sections of a knot.conf for the tests (Knot 3.2: one
# worker of each kind, state in DIR, log on stderr).
knot_common_conf() {
	local dir=$1 port=$2
	cat <<-EOF
	server:
	    rundir: "$dir"
	    listen: 127.0.0.1@$port
	    udp-workers: 1
	    tcp-workers: 1
	    background-workers: 1

	log:
	  - target: stderr
	    any: info

	database:
	    storage: "$dir"
	EOF
	if [ $# -ge 4 ]; then
		cat <<-EOF

		key:
		  - id: $3
		    algorithm: hmac-sha256
		    secret: $4
		EOF
	fi
	echo
}

# knot_secondary_conf DIR PORT PRIMARY_PORT [ZONEFILE_SYNC]: knot.conf on stdout.
# A TSIG secondary of 127.0.0.1@PRIMARY_PORT for example.com that accepts
# the primary's signed NOTIFY and keeps a journal of changes (so it asks
# for IXFR).  ZONEFILE_SYNC: -1 (default) never writes the zone file,
# 0 writes it right after each transfer.
knot_secondary_conf() {
	local dir=$1 port=$2 pport=$3 sync=${4:--1}
	knot_common_conf "$dir" "$port" "$TRANSFER_KEY_NAME" "$TRANSFER_KEY_SECRET"
	cat <<-EOF
	remote:
	  - id: primary
	    address: 127.0.0.1@$pport
	    key: $TRANSFER_KEY_NAME

	acl:
	  - id: notify_from_primary
	    address: 127.0.0.1
	    key: $TRANSFER_KEY_NAME
	    action: notify

	zone:
	  - domain: example.com.
	    storage: "$dir"
	    file: "$dir/example.com.zone"
	    master: primary
	    acl: notify_from_primary
	    journal-content: changes
	    zonefile-sync: $sync
	    zonefile-load: none
	    semantic-checks: on
	EOF
}

# knot_primary_conf DIR PORT ZONEFILE: knot.conf on stdout, Knot serving
# ZONEFILE as a primary (the reference of answers_vs_knot).
knot_primary_conf() {
	local dir=$1 port=$2 zone=$3
	knot_common_conf "$dir" "$port"
	cat <<-EOF
	zone:
	  - domain: example.com.
	    storage: "$dir"
	    file: "$zone"
	    journal-content: none
	    zonefile-sync: -1
	    zonefile-load: whole
	EOF
}

# nsd_common_conf DIR PORT KEY_NAME KEY_SECRET: the server, remote-control
# and key sections of an nsd.conf for the tests (NSD 4.6: one server
# process, no database, no privilege drop, no rate limit, transfers logged).
nsd_common_conf() {
	local dir=$1 port=$2
	cat <<-EOF
	server:
	    ip-address: 127.0.0.1
	    port: $port
	    do-ip6: no
	    server-count: 1
	    username: ""
	    chroot: ""
	    zonesdir: "$dir"
	    database: ""
	    zonelistfile: "$dir/zone.list"
	    xfrdfile: "$dir/xfrd.state"
	    xfrdir: "$dir"
	    pidfile: "$dir/nsd.pid"
	    verbosity: 2
	    rrl-ratelimit: 0

	remote-control:
	    control-enable: no

	key:
	    name: "$3"
	    algorithm: hmac-sha256
	    secret: "$4"

	EOF
}

# nsd_secondary_conf DIR PORT PRIMARY_PORT: nsd.conf on stdout.  A TSIG
# secondary of 127.0.0.1@PRIMARY_PORT (IXFR over TCP, AXFR fallback) that
# accepts the primary's signed NOTIFY; verbosity 2 logs every transfer.
nsd_secondary_conf() {
	local dir=$1 port=$2 pport=$3
	nsd_common_conf "$dir" "$port" "$TRANSFER_KEY_NAME" "$TRANSFER_KEY_SECRET"
	cat <<-EOF
	zone:
	    name: example.com
	    zonefile: "$dir/example.com.zone"
	    request-xfr: 127.0.0.1@$pport $TRANSFER_KEY_NAME
	    allow-notify: 127.0.0.1 $TRANSFER_KEY_NAME
	    allow-axfr-fallback: yes
	EOF
}
