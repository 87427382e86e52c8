# shellcheck shell=bash
# Shared start of the dns-resolver end-to-end tests that need no hierarchy
# (allow.sh, local_zone.sh, dot.sh), each run by meson as
#     script.sh DNS_RESOLVER
# resolver_init NAME "$@": the binary in $RESOLVER, the temp dir and traps
# of ../integration/lib.sh, kdig required, and $IT_TMP/hints: root hints
# pointing at 127.0.0.99, where nothing serves DNS (anything that really
# has to be resolved ends in SERVFAIL, quickly: port unreachable).
# shellcheck source=../integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

resolver_init() {
	IT_NAME=$1
	shift
	(($# == 1)) || { echo "usage: ${0##*/} DNS_RESOLVER" >&2; exit 2; }
	RESOLVER=$(realpath -m "$1")
	IT_TMP=$(mktemp -d "/tmp/itest-$IT_NAME.XXXXXX")
	trap it_cleanup EXIT
	trap 'exit 130' INT TERM
	need_bin "$RESOLVER" dns-resolver
	need_tool kdig knot-dnsutils
	printf '. 3600000 NS a.root.test.\na.root.test. 3600000 A 127.0.0.99\n' >"$IT_TMP/hints"
}
