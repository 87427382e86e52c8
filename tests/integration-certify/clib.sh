# shellcheck shell=bash
# Helpers of the certify end-to-end tests (issue 9, "Must show"), on top of
# the helpers in ../integration/lib.sh (process bookkeeping, waits, kdig,
# git remotes), which this file sources.
#
# Each script is run by meson as
#     script.sh DNS_PRIMARY_GIT DNS_NOTIFY DNS_ZONE OCERTIFY TLS_EXAMPLE
# and calls c_init NAME "$@".  A missing tool is a failure, never a skip.

# shellcheck source=../integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"
C_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ISSUER="$C_DIR/issuer.py"

ZONE=example.com
# Keys (fixed, test-only).  CERT_KEY may update example.com (ocertify's
# key); ISSUER_KEY is the stand-in issuer's; XFR_KEY may only transfer.
CERT_KEY=web._update.example.com
CERT_SECRET=A3IhOIxL8CMkD1Y2T8X7/6hUfeVxqLdRxCxHhfOoq0I=
ISSUER_KEY=issuer._update.example.com
ISSUER_SECRET=Nq0wG8x8m3V3y3Hk9bGm0l9pUJ3cT5QFzH3Vj0a4wXo=
XFR_KEY=x._transfer.example.com
XFR_SECRET=Gb+OY76aN4Sz0aYoNnshYhAXlKIFWuBFdIJ8RWx04u4=
WRONG_SECRET=SXRzIG5vdCB0aGUgc2VjcmV0IG9mIHRoaXMga2V5IQ==

c_init() {
	local name=$1
	shift
	it_init "$name" "$@"
	OCERTIFY=$(realpath -m "${4:-}")
	TLS_EXAMPLE=$(realpath -m "${5:-}")
	need_bin "$OCERTIFY" ocertify
	need_tool git git
	need_tool kdig knot-dnsutils
	need_tool nsupdate bind9-dnsutils
	need_tool openssl openssl
	"$PY" -c 'import cryptography.x509, dns.zone, dns.tsigkeyring' 2>/dev/null ||
		fail "python3-cryptography or python3-dnspython missing for $PY (scripts/install-deps.sh test)"
}

# c_start [ZONE_EXTRA_FILE]: a remote with example.com and the keys,
# dns-primary-git serving it on a free port ($P), the CA made in $CA.
c_start() {
	mkdir -p "$IT_TMP/seed"
	small_zone 2026050101 >"$IT_TMP/seed/example.com"
	cat >"$IT_TMP/seed/_keys" <<-EOF
	; keys of the certify tests: the name carries the authority
	$CERT_KEY. DNSKEY 0 3 163 $CERT_SECRET
	$ISSUER_KEY. DNSKEY 0 3 163 $ISSUER_SECRET
	$XFR_KEY. DNSKEY 0 3 163 $XFR_SECRET
	EOF
	REMOTE=$IT_TMP/remote.git
	make_remote "$REMOTE" "$IT_TMP/seed"
	pick_ports 2
	P=${PORTS[0]}
	start_primary primary "$IT_TMP/state" --remote "$REMOTE" --listen 127.0.0.1:$P
	wait_serial 30 127.0.0.1 $P $ZONE 2026050101
	CA=$IT_TMP/ca
	"$PY" "$ISSUER" init "$CA" || fail "issuer.py init failed"
}

# c_issuer [ARGS...]: start the stand-in issuer (mode file: $CA/mode).
c_issuer() {
	start issuer "$PY" -u "$ISSUER" run "$CA" 127.0.0.1 $P $ZONE \
		"hmac-sha256:$ISSUER_KEY:$ISSUER_SECRET" "$@"
	ISSUER_PID=$STARTED_PID
}

# c_mode TEXT: change the issuer's behaviour (normal, hold, fail ..., reissue).
c_mode() { printf '%s\n' "$1" >"$CA/mode.new" && mv "$CA/mode.new" "$CA/mode"; }

# remote_count: commits on the remote's main.
remote_count() { git -C "$REMOTE" rev-list --count main; }

# ocert DIR ARGS...: run ocertify in DIR (created) with the key $OC_KEY
# (default: the update key); sets OC_RC, OC_OUT (stderr and stdout) and
# OC_SECS (seconds it ran); never fails by itself.
ocert() {
	local dir=$1 t0=$SECONDS
	shift
	mkdir -p "$dir"
	OC_RC=0
	OC_OUT=$(cd "$dir" && "$OCERTIFY" --dns-key "${OC_KEY:-$CERT_KEY:sha256:$CERT_SECRET}" "$@" 2>&1) ||
		OC_RC=$?
	OC_SECS=$((SECONDS - t0))
	printf '%s\n' "$OC_OUT" | sed 's/^/    | /' >&2
}

# expect_within WHAT SECONDS: the last ocert ended within SECONDS (its
# deadline plus a generous margin for a loaded machine).
expect_within() {
	[ "$OC_SECS" -le "$2" ] || fail "$1: ocertify ran ${OC_SECS}s, expected at most $2s"
}

# expect_rc WHAT CODE: the last ocert exited CODE.
expect_rc() {
	[ "$OC_RC" = "$2" ] || fail "$1: ocertify exited $OC_RC, expected $2: $OC_OUT"
}

# expect_out WHAT REGEX: the last ocert said something matching REGEX.
expect_out() {
	grep -Eq -- "$2" <<<"$OC_OUT" || fail "$1: ocertify's output does not match /$2/: $OC_OUT"
}

# tlsa_count HOST U S M: records of that kind served at _letsencrypt._tcp.HOST.
tlsa_count() {
	kdig @127.0.0.1 -p $P +tcp +short +time=2 +retry=1 TLSA "_letsencrypt._tcp.$1.$ZONE." 2>/dev/null |
		awk -v u="$2" -v s="$3" -v m="$4" '$1 == u && $2 == s && $3 == m' | wc -l
}

# verify_chain PEM HOST [NAMES...]: openssl accepts the chain in PEM (leaf
# first, intermediates after) against the test root, for each name.
verify_chain() {
	local pem=$1 n
	shift
	"$PY" - "$pem" "$IT_TMP/leaf.pem" "$IT_TMP/untrusted.pem" <<-'EOF'
	import sys
	blocks = open(sys.argv[1]).read().split("-----END CERTIFICATE-----")
	blocks = [b.strip() + "\n-----END CERTIFICATE-----\n" for b in blocks if b.strip()]
	open(sys.argv[2], "w").write(blocks[0])
	open(sys.argv[3], "w").write("".join(blocks[1:]))
	EOF
	for n in "$@"; do
		openssl verify -CAfile "$CA/root.pem" -untrusted "$IT_TMP/untrusted.pem" \
			-verify_hostname "$n" -purpose sslserver "$IT_TMP/leaf.pem" >/dev/null 2>&1 ||
			fail "openssl verify rejects $pem for $n: $(openssl verify -CAfile "$CA/root.pem" \
				-untrusted "$IT_TMP/untrusted.pem" -verify_hostname "$n" "$IT_TMP/leaf.pem" 2>&1)"
	done
}

# same_pubkey CERT_PEM KEY_PEM: the leaf certifies this key.
same_pubkey() {
	[ "$(openssl x509 -in "$1" -noout -pubkey)" = "$(openssl pkey -in "$2" -pubout)" ]
}

# serial_of PEM: the serial of the first certificate.
serial_of() { openssl x509 -in "$1" -noout -serial; }
