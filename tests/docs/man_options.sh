#!/usr/bin/env bash
# Keeps the manual pages honest: for each installed program, every long
# option its --help prints is documented in its page's option list (a line
# starting with *--option*), and the page documents no option --help lacks.
# Also checks the sections an operator looks for.
#   man_options.sh MANSRC PROGRAM...   (MANSRC: the man/ source directory)
set -uo pipefail
mansrc=$1
shift
fail=0
err() { echo "FAIL: $*" >&2; fail=1; }

# Options of other programs that a --help quotes in an example; they must
# appear in the page (in its example) but are not the program's own.
foreign_ok() { # program option
	case "$1 $2" in
	"dns-zone --no-commit") return 0 ;; # git revert --no-commit, the rollback example
	esac
	return 1
}

# Long options as --help writes them: after a space, '[', '|', '(', ',' or
# '=', so that a quoted "--flag value" (the config file syntax) is not one.
help_options() {
	grep -oE '(^|[][ |(,=])--[a-z0-9][a-z0-9-]*' | sed 's/^[^-]*//' | sort -u
}
# Options a page defines: its option list lines, *--name* ... (scdoc bold).
page_options() {
	grep -E '^\*-' "$1" | grep -oE -- '--[a-z0-9][a-z0-9-]*' | sort -u
}

[ $# -gt 0 ] || { echo "usage: $0 MANSRC PROGRAM..." >&2; exit 2; }
for prog in "$@"; do
	name=$(basename "$prog")
	page=$(ls "$mansrc/$name".[18].scd 2>/dev/null | head -n 1)
	[ -n "$page" ] || { err "$name: no manual page $mansrc/$name.[18].scd"; continue; }
	help=$("$prog" --help 2>&1)
	rc=$?
	[ $rc -eq 0 ] || err "$name --help exits $rc"
	hopts=$(help_options <<<"$help")
	[ "$(wc -l <<<"$hopts")" -ge 3 ] || { err "$name --help: too few options found: $hopts"; continue; }
	popts=$(page_options "$page")
	for o in $hopts; do
		if grep -qx -- "$o" <<<"$popts"; then continue; fi
		if foreign_ok "$name" "$o"; then
			grep -qF -- "$o" "$page" || err "$name: $o (quoted by --help) not in ${page##*/}"
			continue
		fi
		err "$name: --help has $o, ${page##*/} does not document it"
	done
	for o in $popts; do
		grep -qx -- "$o" <<<"$hopts" || err "$name: ${page##*/} documents $o, --help does not have it"
	done
	sections=(NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" EXAMPLES "SEE ALSO")
	case "$name" in dns-ctl) ;; *) [[ $page == *.8.scd ]] && sections+=(FILES SIGNALS) ;; esac # daemons
	for s in "${sections[@]}"; do
		grep -qx "# $s" "$page" || err "$name: ${page##*/} has no $s section"
	done
	echo "$name: $(wc -w <<<"$hopts") options, ${page##*/} in step"
done
exit $fail
