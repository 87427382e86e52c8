#!/usr/bin/env bash
# bench/certificates.sh - CSR published -> certificate in DNS: ocertify +
# dns-primary-git + dns-letsencrypt-secondary against lego (rfc2136 ->
# Knot), the same Pebble configuration, with the ACME kit beside this
# clone (shared/bench/acme/acme-peers.sh).
#
#   bench/certificates.sh [KIT OPTIONS...]      e.g. --rounds 9
#
# The primary and the solver run for the whole run (--ours-setup); each
# round times one `ocertify` for a fresh name.  The kit's last line is the
# summary ("ours/lego cert-time=..."). KIT=/path/to/bench/acme overrides
# where the kit is; BUILD= the build directory (default build-bench).
# Internal modes: "serve" and "round" (what the kit runs).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$root/build-bench}
self=$(realpath "$0")
CERT_KEY=bench._update.acme.test
CERT_SECRET=A3IhOIxL8CMkD1Y2T8X7/6hUfeVxqLdRxCxHhfOoq0I=
LES_KEY=les._update.acme.test
LES_SECRET=Nq0wG8x8m3V3y3Hk9bGm0l9pUJ3cT5QFzH3Vj0a4wXo=

serve() { # ZONE DNS_PORT ACME_DIR CA_FILE RUNDIR
	local zone=$1 port=$2 acme=$3 ca=$4 run=$5 pids=()
	trap 'kill "${pids[@]}" 2>/dev/null; wait' EXIT INT TERM
	mkdir -p "$run/seed"
	cat >"$run/seed/$zone" <<-ZONE
	\$ORIGIN $zone.
	\$TTL 300
	@   IN SOA ns hostmaster 1 3600 600 604800 300
	    IN NS ns
	ns  IN A 127.0.0.1
	ZONE
	printf '%s\n' "$CERT_KEY. DNSKEY 0 3 163 $CERT_SECRET" "$LES_KEY. DNSKEY 0 3 163 $LES_SECRET" \
		>"$run/seed/_keys"
	git init -q --bare -b main "$run/remote.git"
	git -C "$run/seed" init -q -b main
	git -C "$run/seed" add -A
	git -C "$run/seed" -c user.name=bench -c user.email=bench@acme.test commit -q -m zones
	git -C "$run/seed" push -q "$run/remote.git" main
	"$build/primary-git/dns-primary-git" --remote "$run/remote.git" --state-dir "$run/state" \
		--listen "127.0.0.1:$port" --log-level warn 2>"$run/primary.log" &
	pids+=($!)
	"$build/letsencrypt-secondary/dns-letsencrypt-secondary" --primary "127.0.0.1:$port" \
		--key "$LES_KEY:hmac-sha256:$LES_SECRET" --acme-directory "$acme" --ca-file "$ca" \
		--account-key "$run/account.key" --check "127.0.0.1:$port" --check-only \
		--log-level "${LES_LOG_LEVEL:-info}" 2>"$run/solver.log" &
	pids+=($!)
	wait -n "${pids[@]}"
}

round() { # NAME DNS_PORT DIR
	cd "$3"
	"$build/certify/ocertify" --dns-key "$CERT_KEY:sha256:$CERT_SECRET" --wait 60 \
		"127.0.0.1:$2" "$1" >ocertify.log 2>&1 || { cat ocertify.log >&2; exit 1; }
	echo "$3/$1.pem"
}

case "${1:-}" in
serve) shift; serve "$@"; exit ;;
round) shift; round "$@"; exit ;;
esac

kit=${KIT:-$root/../shared/bench/acme}
[ -x "$kit/acme-peers.sh" ] || { echo "certificates.sh: no kit at $kit (set KIT=)" >&2; exit 1; }
[ -d "$build" ] || meson setup "$build" --buildtype=release -Dtests=false >&2
ninja -C "$build" primary-git/dns-primary-git certify/ocertify \
	letsencrypt-secondary/dns-letsencrypt-secondary >&2
exec "$kit/acme-peers.sh" \
	--ours-setup "$self serve {ZONE} {DNS_PORT} {ACME_DIR} {CA_FILE} {RUNDIR}" \
	--ours "$self round {NAME} {DNS_PORT} {DIR}" "$@"
