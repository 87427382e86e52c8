# shellcheck shell=bash
# Helpers of the rate limiting, cookie and TSIG replay tests (issue 13,
# item 7), on top of ../integration/lib.sh (process bookkeeping, waits,
# kdig wrappers, git remotes), which this file sources.
#
# Each script is run by meson as
#     guard_X.sh DNS_PRIMARY_GIT DNS_NOTIFY DNS_ZONE DNS_SECONDARY
# and calls guard_init NAME "$@".  A missing tool fails, never skips.

# shellcheck source=../integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"
G_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
GC="$G_DIR/guard_client.py"

UPDATE_KEY_NAME=admin._update.example.com.
UPDATE_KEY_SECRET=A3IhOIxL8CMkD1Y2T8X7/6hUfeVxqLdRxCxHhfOoq0I=

guard_init() {
	local name=$1
	shift
	[ $# -ge 4 ] || { echo "usage: $name.sh DNS_PRIMARY_GIT DNS_NOTIFY DNS_ZONE DNS_SECONDARY" >&2; exit 2; }
	SECONDARY=$(realpath -m "$4")
	it_init "$name" "$1" "$2" "$3"
	need_bin "$SECONDARY" dns-secondary
	need_tool kdig knot-dnsutils
	need_tool git git
}

# guard_remote: $IT_TMP/remote.git holding small_zone and the keys
# (transfer, notify, update); the working clone is $IT_TMP/work.
guard_remote() {
	mkdir -p "$IT_TMP/work"
	small_zone 2026120601 >"$IT_TMP/work/example.com"
	write_keys "$IT_TMP/work/_keys"
	echo "$UPDATE_KEY_NAME DNSKEY 0 3 163 $UPDATE_KEY_SECRET" >>"$IT_TMP/work/_keys"
	make_remote "$IT_TMP/remote.git" "$IT_TMP/work"
}

# log_has NAME REGEX: the log of NAME has a line matching REGEX.
log_has() { grep -Eq "$2" "$IT_TMP/$1.log"; }

# field NAME TEXT: the value of NAME=... in "a=1 b=2" TEXT.
field() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$2"; }

# metric_value ADDR NAME: the value of an unlabelled metric (empty if absent).
metric_value() { metrics "$1" | awk -v n="$2" '$1 == n {print $2; exit}'; }
