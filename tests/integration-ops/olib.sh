# shellcheck shell=bash
# Shared start of the operations tests (issue 13: one instance per
# address, the state directory lock, --config, --pid-file, --user,
# sd_notify, the systemd units), each run by meson as
#     script.sh DNS_PRIMARY_GIT DNS_NOTIFY DNS_ZONE DNS_SECONDARY DNS_RESOLVER \
#               DNS_LETSENCRYPT_SECONDARY DIST_DIR
# (DIST_DIR: the build's dist/, where the configured units are).
# ops_init NAME "$@": the binaries, the temp dir and traps of
# ../integration/lib.sh, kdig required.
# shellcheck source=../integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

OPS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

ops_init() {
	local name=$1
	shift
	(($# == 7)) || { echo "usage: $name.sh PRIMARY NOTIFY ZONE SECONDARY RESOLVER LES DIST_DIR" >&2; exit 2; }
	it_init "$name" "$1" "$2" "$3"
	SECONDARY=$(realpath -m "$4") RESOLVER=$(realpath -m "$5") LES=$(realpath -m "$6")
	DIST=$(realpath -m "$7")
	need_bin "$SECONDARY" dns-secondary
	need_bin "$RESOLVER" dns-resolver
	need_bin "$LES" dns-letsencrypt-secondary
	need_tool kdig knot-dnsutils
	T=$IT_TMP
}

# ops_remote: a bare repository $T/remote.git serving example.com (serial 1).
ops_remote() {
	mkdir -p "$T/seed"
	small_zone 1 >"$T/seed/example.com"
	write_keys "$T/seed/_keys"
	REMOTE=$T/remote.git
	make_remote "$REMOTE" "$T/seed"
}

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

# notify_receiver NAME SOCKET: a fake systemd NOTIFY_SOCKET (path, or
# @abstract) writing each datagram as one line ("\n" shown as "|") to
# $T/NAME.msgs.
notify_receiver() {
	start "$1" "$PY" "$OPS_DIR/notify_recv.py" "$2" "$T/$1.msgs"
	wait_until 10 "$1 bound" test -e "$T/$1.msgs"
}

# wait_msg SECONDS NAME REGEX: a datagram of receiver NAME matches REGEX.
wait_msg() {
	wait_until "$1" "$2: a message matching $3" grep -qE -- "$3" "$T/$2.msgs"
}
