# shellcheck shell=bash
# Helpers of the dns-letsencrypt-secondary tests: dns-primary-git serving
# example.com from a git remote, Pebble (TLS from a private CA) asking a
# given DNS server, the solver, ocertify.  Each script is run by meson as
#     script.sh DNS_PRIMARY_GIT DNS_NOTIFY DNS_ZONE OCERTIFY SOLVER
# A missing peer tool is a failure, never a skip.

# shellcheck source=../integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

ZONE=example.com
CERT_KEY=web._update.example.com
CERT_SECRET=A3IhOIxL8CMkD1Y2T8X7/6hUfeVxqLdRxCxHhfOoq0I=
LES_KEY=les._update.example.com
LES_SECRET=Nq0wG8x8m3V3y3Hk9bGm0l9pUJ3cT5QFzH3Vj0a4wXo=

les_init() {
	local name=$1
	shift
	it_init "$name" "$@"
	OCERTIFY=$(realpath -m "${4:-}")
	SOLVER=$(realpath -m "${5:-}")
	need_bin "$OCERTIFY" ocertify
	need_bin "$SOLVER" dns-letsencrypt-secondary
	need_tool pebble pebble
	need_tool git git
	need_tool kdig knot-dnsutils
	need_tool openssl openssl
	need_tool curl curl
	unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
	T=$IT_TMP
}

# les_tls: the private CA ($T/ca.pem) and Pebble's TLS certificate.
les_tls() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/ca.key" \
		-out "$T/ca.pem" -days 2 -subj "/CN=les test CA" \
		-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" \
		2>"$T/openssl.log"
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/tls.key" \
		-out "$T/tls.csr" -subj "/CN=localhost" 2>>"$T/openssl.log"
	printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost" "extendedKeyUsage=serverAuth" \
		>"$T/ext.cnf"
	openssl x509 -req -in "$T/tls.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial \
		-days 2 -extfile "$T/ext.cnf" -out "$T/tls.pem" 2>>"$T/openssl.log"
}

# les_primary [EXTRA_ZONE_LINES]: the remote and the primary on $P, with
# the extra arguments in LES_PRIMARY_ARGS (e.g. --notify for secondaries).
LES_PRIMARY_ARGS=()
les_primary() {
	mkdir -p "$T/seed"
	{ small_zone 2026050101; printf '%s\n' "${1:-}"; } \
		>"$T/seed/example.com"
	cat >"$T/seed/_keys" <<-KEYS
	$CERT_KEY. DNSKEY 0 3 163 $CERT_SECRET
	$LES_KEY. DNSKEY 0 3 163 $LES_SECRET
	$TRANSFER_KEY_NAME DNSKEY 0 3 163 $TRANSFER_KEY_SECRET
	KEYS
	REMOTE=$T/remote.git
	make_remote "$REMOTE" "$T/seed"
	start_primary primary "$T/state" --remote "$REMOTE" --listen "127.0.0.1:$P" \
		${LES_PRIMARY_ARGS[@]+"${LES_PRIMARY_ARGS[@]}"}
	wait_serial 30 127.0.0.1 "$P" $ZONE 2026050101
}

# les_pebble NAME ACME_PORT MGMT_PORT DNS_PORT [DNS_ADDR [ENV...]]: Pebble
# asking DNS_ADDR:DNS_PORT (127.0.0.1 by default), root in $T/NAME-root.pem.
les_pebble() {
	local name=$1 acme=$2 mgmt=$3 dns=$4 dnsaddr=${5:-127.0.0.1}
	shift 4
	[ $# -eq 0 ] || shift
	cat >"$T/$name.json" <<-JSON
	{"pebble": {"listenAddress": "127.0.0.1:$acme", "managementListenAddress": "127.0.0.1:$mgmt",
	  "certificate": "$T/tls.pem", "privateKey": "$T/tls.key",
	  "httpPort": $((acme + 1000)), "tlsPort": $((acme + 1001)), "ocspResponderURL": "",
	  "externalAccountBindingRequired": false${LES_PEBBLE_EXTRA:-}}}
	JSON
	start "$name" env PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=0 "$@" \
		pebble -config "$T/$name.json" -dnsserver "$dnsaddr:$dns"
	PEBBLE_PID=$STARTED_PID
	wait_until 60 "pebble $name answering" curl -sf --max-time 2 --cacert "$T/ca.pem" \
		"https://127.0.0.1:$acme/dir" -o /dev/null
	curl -sf --max-time 5 --cacert "$T/ca.pem" "https://127.0.0.1:$mgmt/roots/0" \
		-o "$T/$name-root.pem" || fail "no root from pebble $name"
}

# les_solver ACME_PORT ARGS...: the solver against the primary.
les_solver() {
	local acme=$1
	shift
	start solver "$SOLVER" --primary "127.0.0.1:$P" --key "$LES_KEY:hmac-sha256:$LES_SECRET" \
		--acme-directory "https://127.0.0.1:$acme/dir" --ca-file "$T/ca.pem" \
		--account-key "$T/account.key" --log-level debug "$@"
	SOLVER_PID=$STARTED_PID
	wait_until 30 "solver registered" grep -q 'registered as hidden secondary' "$T/solver.log"
}

# ocert DIR ARGS...: ocertify against the primary; OC_RC, OC_OUT.
ocert() {
	local dir=$1
	shift
	mkdir -p "$dir"
	OC_RC=0
	OC_OUT=$(cd "$dir" && "$OCERTIFY" --dns-key "$CERT_KEY:sha256:$CERT_SECRET" "$@" 2>&1) ||
		OC_RC=$?
	printf '%s\n' "$OC_OUT" | sed 's/^/    | /' >&2
}

# verify_chain PEM ROOT NAME...: openssl accepts the chain for each name.
verify_chain() {
	local pem=$1 root=$2 n
	shift 2
	awk '/BEGIN CERT/{n++} n==1' "$pem" >"$T/leaf.pem"
	awk '/BEGIN CERT/{n++} n>1' "$pem" >"$T/untrusted.pem"
	for n in "$@"; do
		openssl verify -CAfile "$root" -untrusted "$T/untrusted.pem" -verify_hostname "$n" \
			"$T/leaf.pem" >"$T/verify.out" 2>&1 ||
			fail "openssl verify rejects $pem for $n: $(cat "$T/verify.out")"
	done
}

# txt_at NAME: the TXT records the primary serves at NAME.
txt_at() { kdig @127.0.0.1 -p "$P" +tcp +short +time=2 +retry=1 TXT "$1" 2>/dev/null; }
