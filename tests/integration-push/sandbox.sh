# shellcheck shell=bash
# A checkout as a user has it, for tests that drive ./run.sh and follow the
# README literally: $SANDBOX holds a symbolic link to every top-level entry
# of the source tree (so ./run.sh, zones-example/, scripts/ are the real
# ones), except its own run-state/, and build/ is the build directory of
# the binaries under test (already built: run.sh's ninja has nothing to do).
#
#   make_sandbox BUILD_DIR     sets SANDBOX
#   ports_5300_free            ./run.sh's fixed ports must be free

SRC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

make_sandbox() {
	local build=$1 e name
	SANDBOX=$IT_TMP/checkout
	mkdir -p "$SANDBOX"
	for e in "$SRC_DIR"/*; do
		name=${e##*/}
		case "$name" in build | build-* | builddir | run-state) continue ;; esac
		ln -s "$e" "$SANDBOX/$name"
	done
	ln -s "$build" "$SANDBOX/build"
	[ -f "$SANDBOX/build/build.ninja" ] || fail "no build.ninja in $build"
}

# The build directory of the binaries given to the test (DNS_PRIMARY_GIT
# is BUILD/primary-git/dns-primary-git).
build_dir_of_primary() {
	dirname "$(dirname "$PRIMARY")"
}

ports_5300_free() {
	local p
	for p in 5300 5301 9300; do
		port_is_free "$p" || fail "port $p on 127.0.0.1 is in use: ./run.sh and its README walk-through use 5300 (primary), 5301 (secondary), 9300 (metrics); stop whatever holds it"
	done
}

# start_run_sh NAME ARGS...: ./run.sh ARGS in the sandbox, in the
# background (it execs dns-primary-git: the pid is the primary's).
start_run_sh() {
	local name=$1
	shift
	start "$name" env -C "$SANDBOX" ./run.sh "$@"
	RUN_PID=$STARTED_PID
}
