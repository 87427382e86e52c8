#!/usr/bin/env bash
# Run every test: unit tests (gcc, warnings as errors), the same under
# AddressSanitizer + UndefinedBehaviorSanitizer, interoperability tests
# against real peer tools, a clang build (warnings as errors) and a short
# run of every fuzz target.  Exits non-zero on any failure.
#   FUZZ_SECONDS=N   seconds per fuzz target (default 20)
set -uo pipefail
cd "$(dirname "$0")"
top=$(pwd)

scripts/install-deps.sh test || { echo "dependency installation failed" >&2; exit 1; }

passed=0
failed=0
failures=()

# Tally a `meson test` run from its summary lines.
tally() {
	local log=$1 name=$2 ok fail
	ok=$(awk '/^Ok:/ {print $2}' "$log" | tail -n 1)
	fail=$(awk '/^(Fail|Timeout|Unexpected Pass):/ {s += $NF} END {print s + 0}' "$log")
	passed=$((passed + ${ok:-0}))
	failed=$((failed + fail))
	[ "$fail" -gt 0 ] && failures+=("$name")
	return 0
}

step() { printf '\n=== %s\n' "$*"; }

fatal_step() { # a step that could not run at all counts as a failure
	failed=$((failed + 1))
	failures+=("$1")
	echo "FAILED: $1" >&2
}

run_meson_tests() { # builddir label [meson test args...]
	local dir=$1 label=$2
	shift 2
	local log
	log=$(mktemp)
	meson test -C "$dir" --print-errorlogs "$@" 2>&1 | tee "$log" | grep -vE '^\s*$' | tail -n 40
	tally "$log" "$label"
	rm -f "$log"
}

step "build (gcc, -Werror)"
if meson setup --reconfigure build-test -Dwerror=true -Dbuildtype=debugoptimized >/dev/null 2>&1 ||
   meson setup build-test -Dwerror=true -Dbuildtype=debugoptimized >/dev/null; then
	if ninja -C build-test >/tmp/ninja-test.log 2>&1; then
		run_meson_tests build-test "unit+interop (gcc)" --suite unit --suite interop
		# End-to-end tests start real daemons (ours, knotd, nsd, sshd) on
		# loopback: one at a time, so they don't compete for two cores.
		step "integration tests (real peers, loopback)"
		run_meson_tests build-test "integration" --num-processes 1 --suite integration
	else
		tail -n 40 /tmp/ninja-test.log
		fatal_step "build (gcc)"
	fi
else
	fatal_step "meson setup (gcc)"
fi

step "unit tests under ASan+UBSan"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
if { [ -d build-asan ] || meson setup build-asan -Dwerror=true -Db_sanitize=address,undefined \
	-Db_lundef=false -Dbuildtype=debug >/dev/null; } && ninja -C build-asan >/tmp/ninja-asan.log 2>&1; then
	run_meson_tests build-asan "unit (asan+ubsan)" --suite unit
else
	tail -n 40 /tmp/ninja-asan.log
	fatal_step "build (asan)"
fi

step "clang build with fuzz targets (-Werror)"
if { [ -d build-fuzz ] || CC=clang meson setup build-fuzz -Dfuzzing=true -Dwerror=true \
	-Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debugoptimized >/dev/null; } &&
   ninja -C build-fuzz >/tmp/ninja-fuzz.log 2>&1; then
	secs=${FUZZ_SECONDS:-20}
	for f in build-fuzz/tests/fuzz/fuzz_*; do
		[ -f "$f" ] && [ -x "$f" ] || continue
		name=${f##*/fuzz_}
		corpus=$top/tests/fuzz/corpus/$name
		work=$(mktemp -d)
		if [ ! -d "$corpus" ]; then
			echo "fuzz $name: no seed corpus at $corpus"
			fatal_step "fuzz $name"
			continue
		fi
		mkdir -p "$work/new"
		if (cd "$work" && "$top/$f" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
			"$work/new" "$corpus" >"$work/log" 2>&1); then
			echo "fuzz $name: ok (${secs}s, $(find "$work/new" -type f | wc -l) new inputs)"
			passed=$((passed + 1))
		else
			tail -n 30 "$work/log"
			mkdir -p "$top/tests/fuzz/artifacts"
			cp "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* \
				"$top/tests/fuzz/artifacts/" 2>/dev/null
			fatal_step "fuzz $name"
		fi
		rm -rf "$work"
	done
else
	tail -n 40 /tmp/ninja-fuzz.log
	fatal_step "build (clang+fuzz)"
fi

echo
[ ${#failures[@]} -gt 0 ] && echo "failed steps: ${failures[*]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
