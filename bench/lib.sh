# bench/lib.sh - the common start of every benchmark script: where the
# repository and the peer kit are, and a release build in build-bench/
# (or $BUILD).  Source it from a script in bench/:  . "$(dirname "$0")/lib.sh"
# Sets: top (repository), kit (the peer kit, ../shared/bench), build.

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
kit=${PEER_BENCH:-$top/../shared/bench}
build=${BUILD:-$top/build-bench}

# bench_need_kit FILE: fail clearly when the peer kit (or FILE in it) is missing.
bench_need_kit() {
	[ -e "$kit/${1:-peers.sh}" ] || {
		echo "peer kit not found at $kit (set PEER_BENCH)" >&2
		exit 2
	}
}

# bench_build [NINJA TARGET...]: packages, then a release build of the targets (all by default).
bench_build() {
	"$top/scripts/install-deps.sh" test
	if [ ! -f "$build/build.ninja" ]; then
		meson setup "$build" "$top" -Dbuildtype=release -Dtests=false -Db_ndebug=true >/dev/null
	fi
	ninja -C "$build" "$@" >/dev/null
}

# bench_cc NAME SOURCE: a benchmark program linked with libdnscore, in $build/bench/NAME.
bench_cc() {
	mkdir -p "$build/bench"
	cc -std=c11 -O2 -g -D_GNU_SOURCE -Wall -Wextra -I"$top/dns-core/include" \
		"$2" "$build/dns-core/libdnscore.a" -lcrypto -lpthread -o "$build/bench/$1"
}
