# shellcheck shell=bash
# The one helper library of the operations tests (issue 13): dns-ctl, the
# daemons run as services, logs and metrics, rate limiting/cookies/replays,
# holding under abuse.  It sources ../integration-update/ulib.sh (its keys,
# remote_count, ...), which sources ../integration/lib.sh (process
# bookkeeping, ports, waits, kdig, git remotes).
#
# meson runs every script of this folder with the same arguments, so that
# any test may use any daemon without its own calling convention:
#     script.sh DNS_PRIMARY_GIT DNS_NOTIFY DNS_ZONE DNS_CTL DNS_SECONDARY \
#               DNS_RESOLVER DNS_LETSENCRYPT_SECONDARY DIST_DIR
# (DIST_DIR: the build's dist/, where the configured systemd units are).
# Each calls ops_init NAME "$@".  A missing tool fails it, never skips it.

# shellcheck source=../integration-update/ulib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../integration-update/ulib.sh"
OPS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
GC="$OPS_DIR/guard_client.py"
FLOOD="$OPS_DIR/flood.py"
SERIAL0=2026050101
# a secret no key of the tests has: for requests that must fail verification
WRONG_SECRET=SXRzIG5vdCB0aGUgc2VjcmV0IG9mIHRoaXMga2V5IQ==

# ops_init NAME "$@": u_init (temp dir, traps, python3-dnspython, git,
# kdig), then the other binaries as CTL, SECONDARY, RESOLVER, LES and
# DIST; T is the temp dir ($IT_TMP).
ops_init() {
	local name=$1
	shift
	(($# == 8)) || { echo "usage: $name.sh DNS_PRIMARY_GIT DNS_NOTIFY DNS_ZONE DNS_CTL DNS_SECONDARY DNS_RESOLVER DNS_LETSENCRYPT_SECONDARY DIST_DIR" >&2; exit 2; }
	u_init "$name" "$1" "$2" "$3"
	CTL=$(realpath -m "$4") SECONDARY=$(realpath -m "$5")
	RESOLVER=$(realpath -m "$6") LES=$(realpath -m "$7") DIST=$(realpath -m "$8")
	need_bin "$CTL" dns-ctl
	need_bin "$SECONDARY" dns-secondary
	need_bin "$RESOLVER" dns-resolver
	need_bin "$LES" dns-letsencrypt-secondary
	T=$IT_TMP
}

# ops_remote SERIAL [none|transfer|admin]: $T/remote.git (REMOTE) serving
# small_zone SERIAL as example.com, from the working clone $T/seed (SEED,
# for later pushes).  Its _keys: none, the transfer and notify keys of
# write_keys (the default), or those and ulib's ADMIN update key.
ops_remote() {
	local keys=${2:-transfer}
	SEED=$T/seed REMOTE=$T/remote.git
	mkdir -p "$SEED"
	small_zone "$1" >"$SEED/example.com"
	case $keys in
	none) ;;
	transfer) write_keys "$SEED/_keys" ;;
	admin)
		write_keys "$SEED/_keys"
		echo "$ADMIN_KEY DNSKEY 0 3 163 $ADMIN_SECRET" >>"$SEED/_keys"
		;;
	*) fail "ops_remote: unknown key set '$keys'" ;;
	esac
	make_remote "$REMOTE" "$SEED"
}

# gone PID: PID has exited (a zombie not yet waited for counts as gone).
gone() { ! alive "$1"; }

# log_has NAME REGEX: the log of process NAME has a line matching REGEX.
log_has() { grep -Eq "$2" "$T/$1.log"; }

# log_lines FILE REGEX: how many lines of FILE match.
log_lines() { grep -cE "$2" "$1" || true; }

# --- dns-ctl

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

# ctl_stop WHAT SOCKET PID: `dns-ctl stop` on SOCKET ends daemon PID
# (named WHAT in messages) with exit status 0 and removes the socket: what
# a service manager and the next start rely on.  CTL_OUT keeps the answer.
ctl_stop() {
	local what=$1 sock=$2 pid=$3 rc=0
	ctl_ok "$sock" stop
	unwatch "$pid"
	wait_until 30 "$what to exit" gone "$pid"
	wait "$pid" || rc=$?
	[ "$rc" = 0 ] || fail "$what exited $rc after dns-ctl stop"
	[ ! -e "$sock" ] || fail "the control socket of $what is left after stop"
}

# --- refusals of the service tests

# expect_refusal NAME WANT CMD...: CMD must exit non-zero (not by a
# signal) within 30 s, saying WANT (fixed string) on stderr.
expect_refusal() {
	local name=$1 want=$2 rc=0
	shift 2
	timeout 30 "$@" >"$T/$name.log" 2>&1 || rc=$?
	[ "$rc" != 0 ] || fail "$name: exited 0, expected a refusal ($want)"
	[ "$rc" -lt 124 ] || fail "$name: exit status $rc (timeout or signal), expected a refusal"
	grep -qF -- "$want" "$T/$name.log" ||
		fail "$name: exit $rc without \"$want\": $(cat "$T/$name.log")"
	it_log "ok: $name refused (exit $rc): $want"
}

# --- requests, metrics and logs

# oreq PORT OPCODE ZONE [--key alg:name:secret] [--tcp] [--count N]: see oreq.py.
oreq() { "$PY" "$OPS_DIR/oreq.py" "$@"; }

# field NAME TEXT: the value of NAME=... in "a=1 b=2" TEXT.
field() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$2"; }

# metric HOST:PORT SAMPLE: the value of one sample, as the metrics page
# writes its name and labels (empty if absent); a quick read where the
# strict parse of scrape/sample is not the point.
metric() {
	metrics "$1" 2>/dev/null | awk -v k="$2" '$1 == k {print $2; exit}'
}

# metric_ge HOST:PORT SAMPLE MIN: the sample is at least MIN.
metric_ge() {
	local v
	v=$(metric "$1" "$2")
	[ -n "$v" ] && [ "${v%.*}" -ge "$3" ]
}

# scrape HOST:PORT FILE: the metrics text in FILE, read by the strict
# parser (promtext.py) into FILE.samples (NAME<TAB>LABELS-JSON<TAB>VALUE).
scrape() {
	metrics "$1" >"$2" || fail "no metrics at $1"
	"$PY" "$OPS_DIR/promtext.py" "$2" >"$2.samples" ||
		fail "the metrics at $1 do not parse (kept in $2)"
}

# sample FILE NAME LABELS-JSON: the value of that series in FILE.samples
# (labels as json.dumps(..., sort_keys=True) writes them); empty if absent.
sample() {
	# ENVIRON, not -v: awk would read the backslashes of -v values as escapes
	N=$2 L=$3 awk -F'\t' '$1 == ENVIRON["N"] && $2 == ENVIRON["L"] {print $3; exit}' "$1.samples"
}

# sample_sum FILE NAME [JQ-LIKE-FILTER]: the sum of the series of NAME
# whose labels contain every "key": "value" pair given as extra arguments.
sample_sum() {
	local file=$1 name=$2
	shift 2
	"$PY" - "$file.samples" "$name" "$@" <<-'PY'
	import json, sys
	path, name, pairs = sys.argv[1], sys.argv[2], sys.argv[3:]
	want = dict(p.split("=", 1) for p in pairs)
	total = 0
	for line in open(path, encoding="utf-8"):
	    n, labels, value = line.rstrip("\n").split("\t")
	    labels = json.loads(labels)
	    if n == name and all(labels.get(k) == v for k, v in want.items()):
	        total += float(value)
	print(int(total) if total == int(total) else total)
	PY
}

# log_count FILE PATTERN...: lines of FILE holding every fixed PATTERN.
log_count() {
	local file=$1 out p
	shift
	out=$(cat "$file")
	for p in "$@"; do
		out=$(grep -F -- "$p" <<<"$out" || true)
	done
	if [ -z "$out" ]; then echo 0; else wc -l <<<"$out"; fi
}

# --- holding under abuse: a client flood while queries and updates go on

# tcp_serial PORT: the SOA serial of $ZONE asked over a new TCP connection.
tcp_serial() {
	kdig @127.0.0.1 -p "$1" +tcp +short +time=5 +retry=0 SOA "$ZONE" 2>/dev/null |
		awk 'NF >= 7 {print $3; exit}'
}

# tcp_queries_answered PORT N: N queries, each on a new TCP connection,
# each answered with the served serial.
tcp_queries_answered() {
	local port=$1 n=$2 i got want
	want=$(soa_serial 127.0.0.1 "$port" "$ZONE")
	[ -n "$want" ] || fail "no UDP answer from 127.0.0.1:$port"
	for ((i = 1; i <= n; i++)); do
		got=$(tcp_serial "$port")
		[ "$got" = "$want" ] || fail "TCP query $i of $n: answer '$got', expected serial $want"
	done
	it_log "$n TCP queries on new connections answered"
}

# update_applied PORT NAME ADDR [tcp]: an nsupdate (TCP with -v) adding
# NAME A ADDR with the admin key answers NOERROR, NAME is served, and the
# change reached the remote.
update_applied() {
	local port=$1 name=$2 addr=$3 v=() out rc=0 count
	[ "${4:-udp}" = tcp ] && v=(-v)
	count=$(remote_count)
	out=$(printf 'server 127.0.0.1 %s\nzone %s.\nupdate add %s 300 A %s\nsend\nanswer\n' \
		"$port" "$ZONE" "$name" "$addr" |
		nsupdate "${v[@]}" -y "hmac-sha256:${ADMIN_KEY%.}:$ADMIN_SECRET" -t 30 -u 10 -r 1 2>&1) || rc=$?
	[ $rc = 0 ] && grep -q 'status: NOERROR' <<<"$out" ||
		fail "nsupdate ${4:-udp} of $name: exit $rc: $out"
	wait_until 30 "$name served" answer_is 127.0.0.1 "$port" A "$name" "$addr"
	[ "$(remote_count)" -gt "$count" ] || fail "the update of $name made no commit on the remote"
	it_log "update of $name over ${4:-udp} applied and pushed"
}

# sources FIRST COUNT: COUNT source addresses 127.FIRST.0.1, 127.FIRST+1.0.1,
# ... (one per /24), comma-separated.
sources() {
	local i out=
	for ((i = 0; i < $2; i++)); do out+="127.$(($1 + i)).0.1,"; done
	printf '%s' "${out%,}"
}

# start_flood NAME MODE ARGS...: flood.py in the background (its summary in
# $IT_TMP/NAME.log); it ends by itself after --duration.  Sets FLOOD_PID.
start_flood() {
	local name=$1
	shift
	start "$name" "$PY" "$FLOOD" "$@"
	FLOOD_PID=$STARTED_PID
	unwatch "$FLOOD_PID"
}

# flood_still_running PID: the checks above ran while the flood went on.
flood_still_running() {
	alive "$1" || fail "the flood client ended before the checks were done (raise its --duration)"
}
