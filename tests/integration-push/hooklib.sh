# shellcheck shell=bash
# The example zone repository as a user sets it up (README, ./run.sh): the
# zones and keys of zones-example/ in a bare repository with the example
# pre-receive and post-receive hooks installed, dns-primary-git serving
# it.  Sourced after ../integration/lib.sh and it_init.
#
#   hook_remote BARE PORT     BARE from zones-example/, hooks configured to
#                             announce to 127.0.0.1:PORT with the hook key
#                             of zones-example/_keys
#   example_secret NAME       the secret of key NAME in zones-example/_keys
#   push_out WORK             git push of WORK; its output (remote: lines
#                             included) in PUSH_OUT, its status in PUSH_RC
#   rcode PORT ARGS...        the status kdig reports for a query
#   bumped_serial WORK FILE   run `dns-zone bump-serial FILE` in WORK; the
#                             new serial on stdout

EXAMPLE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../zones-example" && pwd)
HOOK_KEY=hook._notify.

example_secret() {
	awk -v k="$1" '$1 == k { print $NF }' "$EXAMPLE_DIR/_keys"
}

hook_remote() {
	local bare=$1 port=$2 seed=$IT_TMP/seed f secret
	mkdir -p "$seed"
	# What ./run.sh puts in its repository: the zones and keys, not hooks.
	for f in "$EXAMPLE_DIR"/*; do
		case "${f##*/}" in *-receive | *.sh | README*) continue ;; esac
		cp "$f" "$seed/"
	done
	make_remote "$bare" "$seed"
	install -m 755 "$EXAMPLE_DIR/pre-receive" "$EXAMPLE_DIR/post-receive" "$bare/hooks/"
	secret=$(example_secret "$HOOK_KEY")
	[ -n "$secret" ] || fail "zones-example/_keys has no key $HOOK_KEY"
	git -C "$bare" config hooks.dnsZone "$DNSZONE"
	git -C "$bare" config hooks.dnsNotify "$NOTIFY"
	git -C "$bare" config hooks.dnsServer "127.0.0.1:$port"
	git -C "$bare" config hooks.dnsNotifyKey "$HOOK_KEY:hmac-sha256:$secret"
}

push_out() {
	PUSH_RC=0
	PUSH_OUT=$(git -C "$1" push origin main 2>&1) || PUSH_RC=$?
	it_log "git push (exit $PUSH_RC):"$'\n'"$PUSH_OUT"
}

rcode() {
	local port=$1
	shift
	kdig @127.0.0.1 -p "$port" +time=1 +retry=0 "$@" 2>&1 |
		sed -n "s/.*status: \([A-Z]*\).*/\1/p; s/.*replied with error '\([A-Z]*\)'.*/\1/p" |
		head -n 1
}
rcode_is() { local want=$1; shift; [ "$(rcode "$@")" = "$want" ]; }

bumped_serial() {
	local out
	out=$(cd "$1" && "$DNSZONE" bump-serial "$2") || fail "dns-zone bump-serial $2 failed: $out"
	it_log "$out"
	printf '%s\n' "${out##* -> }"
}
