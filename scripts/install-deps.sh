#!/usr/bin/env bash
# Install the Debian packages the suite needs, only those that are missing.
#   scripts/install-deps.sh build   what building needs
#   scripts/install-deps.sh test    that plus the test peers and fuzzing toolchain
set -euo pipefail

build_pkgs=(gcc pkg-config meson ninja-build scdoc libssl-dev libcmocka-dev libldns-dev
            libgit2-dev libevent-dev libjansson-dev libcurl4-openssl-dev git)
test_pkgs=(clang libclang-rt-14-dev ldnsutils knot knot-dnsutils knot-dnssecutils nsd
           bind9-dnsutils python3-dnspython dnsperf time util-linux openssh-server
           openssl python3-cryptography pebble)

want=("${build_pkgs[@]}")
[ "${1:-build}" = test ] && want+=("${test_pkgs[@]}")

missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts these daemons on install; the tests run their own instances.
for svc in knot nsd; do
	$SUDO systemctl disable --now "$svc" >/dev/null 2>&1 || true
	$SUDO service "$svc" stop >/dev/null 2>&1 || true
done
