# shellcheck shell=bash
# Helpers of the UPDATE end-to-end tests (issue 4, "Must show"), on top of
# the issue-3 helpers in ../integration/lib.sh (process bookkeeping, waits,
# kdig queries, git remotes), which this file sources.
#
# Each script is run by meson as  script.sh DNS_PRIMARY_GIT DNS_NOTIFY DNS_ZONE
# and calls u_init NAME "$@".  A missing tool is a failure, never a skip.

# shellcheck source=../integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"
U_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
UPD="$U_DIR/upd.py"

ZONE=example.com
# Keys (fixed, test-only).  Update authority over example.com: ADMIN
# (hmac-sha256) and MD5 (hmac-md5); transfer authority only: XFR.
ADMIN_KEY=admin._update.example.com.
ADMIN_SECRET=A3IhOIxL8CMkD1Y2T8X7/6hUfeVxqLdRxCxHhfOoq0I=
MD5_KEY=md5._update.example.com.
MD5_SECRET=kiywVeumaCHUlhIMKmKIVg==
XFR_KEY=x._transfer.example.com.
XFR_SECRET=Gb+OY76aN4Sz0aYoNnshYhAXlKIFWuBFdIJ8RWx04u4=

u_init() {
	local name=$1
	shift
	it_init "$name" "$@"
	need_tool git git
	need_tool kdig knot-dnsutils
	"$PY" -c 'import dns.update, dns.tsig' 2>/dev/null ||
		fail "dnspython's dns.update/dns.tsig missing for $PY (apt-get install python3-dnspython)"
}

# u_write_keys FILE: the `_keys` file of the test remote.
u_write_keys() {
	cat >"$1" <<-EOF
	; keys of the UPDATE tests (docs/repository.md: the name carries the authority)
	$ADMIN_KEY DNSKEY 0 3 163 $ADMIN_SECRET
	$MD5_KEY DNSKEY 0 3 157 $MD5_SECRET
	$XFR_KEY DNSKEY 0 3 163 $XFR_SECRET
	EOF
}

# u_remote [EXTRA_ZONE_FILE...]: $IT_TMP/remote.git with the commented
# example.com of data/, the keys, and any extra zone files; a working clone
# is left in $IT_TMP/seed.  Sets REMOTE.
u_remote() {
	mkdir -p "$IT_TMP/seed"
	cp "$U_DIR/data/example.com" "$IT_TMP/seed/example.com"
	u_write_keys "$IT_TMP/seed/_keys"
	local f
	for f in "$@"; do cp "$f" "$IT_TMP/seed/"; done
	REMOTE=$IT_TMP/remote.git
	make_remote "$REMOTE" "$IT_TMP/seed"
}

# remote_count: number of commits on the remote's main.
remote_count() { git -C "$REMOTE" rev-list --count main; }

# remote_zone: the remote's example.com on main.
remote_zone() { git -C "$REMOTE" show "main:$ZONE"; }

# remote_print FILE: the remote's example.com in canonical form (dns-zone print).
remote_print() {
	remote_zone >"$IT_TMP/remote-zone.txt" || fail "cannot read $ZONE from the remote"
	"$DNSZONE" print --origin "$ZONE." "$IT_TMP/remote-zone.txt" >"$1" ||
		fail "dns-zone print of the remote's $ZONE failed"
}

# remote_serial: the SOA serial of the remote's example.com.
remote_serial() {
	remote_print "$IT_TMP/remote-print.txt"
	awk '$4 == "SOA" {print $7; exit}' "$IT_TMP/remote-print.txt"
}

# u_send ARGS...: upd.py send --port ... ; prints "rcode=X tsig=Y".
u_send() { "$PY" "$UPD" send "$@"; }

# serve_and_remote_agree PORT: the served serial is the remote's.
serve_and_remote_agree() { [ "$(soa_serial 127.0.0.1 "$1" "$ZONE")" = "$(remote_serial)" ]; }
