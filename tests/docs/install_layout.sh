#!/usr/bin/env bash
# `meson install --destdir TMP` from the build directory, then the layout
# an operator relies on (README: Installing): tools in bin/, daemons and
# dns-ctl in sbin/ (as Debian installs knotd, nsd, knotc), nothing else
# there, a manual page per program, the sample hooks executable, the
# systemd units pointing at the installed daemons, no libraries or
# headers, and every installed program answering --version.
#   install_layout.sh SRCDIR BUILDDIR PREFIX BINDIR SBINDIR MANDIR DATADIR VERSION
# (directories absolute, as meson computes them from the prefix)
set -uo pipefail
src=$1 build=$2 prefix=$3 bindir=$4 sbindir=$5 mandir=$6 datadir=$7 version=$8
fail=0
err() { echo "FAIL: $*" >&2; fail=1; }

tools=(dns-zone dns-notify ocertify)
daemons=(dns-primary-git dns-secondary dns-resolver dns-letsencrypt-secondary)
admin=(dns-ctl)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! meson install -C "$build" --destdir "$tmp" --no-rebuild >"$tmp.log" 2>&1; then
	cat "$tmp.log" >&2
	rm -f "$tmp.log"
	echo "FAIL: meson install failed" >&2
	exit 1
fi
rm -f "$tmp.log"
root=$tmp
echo "installed into $tmp (prefix $prefix):"
(cd "$tmp" && find . -type f -o -type l | sort | sed 's/^\./  /')

# Exactly these programs in bin/ and sbin/: no test or example binary.
expect_dir() { # dir name...
	local dir=$1 got want
	shift
	got=$(ls -A "$root$dir" 2>/dev/null | sort)
	want=$(printf '%s\n' "$@" | sort)
	[ "$got" = "$want" ] || err "$dir holds [$(echo $got)], expected [$(echo $want)]"
}
expect_dir "$bindir" "${tools[@]}"
expect_dir "$sbindir" "${daemons[@]}" "${admin[@]}"

for p in "${tools[@]}" "${daemons[@]}" "${admin[@]}"; do
	case " ${tools[*]} " in *" $p "*) f=$root$bindir/$p sec=1 ;; *) f=$root$sbindir/$p sec=8 ;; esac
	[ -x "$f" ] || { err "$p: not an executable at ${f#$root}"; continue; }
	# the installed binary (no build-tree rpath) runs
	out=$("$f" --version 2>&1) || err "$p --version exits non-zero: $out"
	[ "$out" = "$p $version" ] || err "$p --version says '$out', not '$p $version'"
	man=$root$mandir/man$sec/$p.$sec
	[ -s "$man" ] || { err "$p: no manual page ${man#$root}"; continue; }
	grep -q '^\.TH' "$man" || err "${man#$root}: not a roff manual page"
	if command -v man >/dev/null; then
		man -l "$man" 2>/dev/null | grep -q "$p" || err "${man#$root}: man -l does not render it"
	fi
done
[ -s "$root$mandir/man7/dns-git-suite.7" ] || err "no dns-git-suite(7) (the repository's conventions)"

# The sample hooks, as in the source tree, executable.
for h in pre-receive post-receive; do
	f=$root$datadir/dns-git-suite/hooks/$h
	[ -x "$f" ] || err "hook $h: not executable at ${f#$root}"
	cmp -s "$f" "$src/zones-example/$h" || err "hook $h: differs from zones-example/$h"
done
for z in example.com _keys; do
	[ -s "$root$datadir/dns-git-suite/examples/zones/$z" ] || err "example zone repository: no $z"
done

# The documents the manual pages refer to.
for f in README.md repository.md; do
	cmp -s "$root$datadir/doc/dns-git-suite/$f" "$src/${f/repository.md/docs/repository.md}" ||
		err "${f}: not installed in ${datadir}/doc/dns-git-suite"
done

# systemd units (dist/), each starting the installed daemon.
for d in "${daemons[@]}"; do
	u=$root$prefix/lib/systemd/system/$d.service
	[ -s "$u" ] || { err "no unit ${u#$root}"; continue; }
	exec_start=$(sed -n 's/^ExecStart=//p' "$u")
	case "$exec_start" in
	"$sbindir/$d "*) ;;
	*) err "$d.service: ExecStart=$exec_start does not start $sbindir/$d" ;;
	esac
	[ -s "$root$datadir/dns-git-suite/examples/$d.conf" ] || err "no example config for $d"
done
[ -s "$root$prefix/lib/sysusers.d/dns-git-suite.conf" ] || err "no sysusers.d entry"

# Libraries and headers are internal (static, linked into the programs).
leaked=$(cd "$root" && find . \( -name '*.a' -o -name '*.so*' -o -name '*.h' -o -name '*.pc' \) | head)
[ -z "$leaked" ] || err "libraries or headers installed: $leaked"

[ $fail -eq 0 ] && echo "install layout ok"
exit $fail
