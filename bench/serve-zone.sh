#!/usr/bin/env bash
# Run dns-primary-git on one zone file for the peer kit (bench/qps.sh,
# load.sh, axfr.sh):  bench/serve-zone.sh ZONE DIR PORT [daemon options]
# The primary serves a git repository, and the kit's zone directory is
# read-only and also holds the query file (which must not become a zone), so
# the zone file alone is committed to a repository first.  That repository
# is cached under /tmp/dns-bench-repos, keyed by the file's path, size and
# mtime: only the first round of a run pays for `git commit` (it is set-up,
# not server work; the median over rounds is unaffected).  The daemon then
# runs in the foreground, as peers.sh requires, with its state in DIR.
# DNS_PRIMARY_GIT=path selects the binary (default build-bench's).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 3 ] || { echo "usage: $0 ZONE DIR PORT [daemon options]" >&2; exit 2; }
zone=$1 dir=$2 port=$3
shift 3
bin=${DNS_PRIMARY_GIT:-$top/build-bench/primary-git/dns-primary-git}
[ -x "$bin" ] || { echo "$bin not built" >&2; exit 2; }

cache=/tmp/dns-bench-repos
key=$(stat -c '%s-%Y' "$zone")-$(realpath "$zone" | md5sum | cut -c1-12)
repo=$cache/$key
if [ ! -d "$repo/.git" ]; then
	mkdir -p "$cache"
	tmp=$(mktemp -d "$cache/tmp.XXXXXX")
	cp "$zone" "$tmp/"
	git -C "$tmp" init -q
	git -C "$tmp" add -A
	git -C "$tmp" -c user.name=bench -c user.email=bench@localhost commit -q -m "benchmark zone"
	mv -T "$tmp" "$repo" 2>/dev/null || rm -rf "$tmp" # another round got there first
fi
exec "$bin" --remote "$repo" --state-dir "$dir/state" --listen "127.0.0.1:$port" \
	--workers 1 --axfr "$@"
