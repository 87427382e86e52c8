# shellcheck shell=bash
# Shared start of the logs-and-metrics tests (issue 13: what an
# operator acts on; lib.sh serves the dns-ctl tests, olib.sh the service
# tests), each run by meson as
#     script.sh DNS_PRIMARY_GIT DNS_NOTIFY DNS_ZONE DNS_SECONDARY DNS_RESOLVER
# on top of ../integration/lib.sh (start/stop, waits, kdig, git helpers).
# A missing tool fails the test, never skips it.
# shellcheck source=../integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"
OPS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

ADMIN_KEY=admin._update.example.com.
ADMIN_SECRET=52uwvvQqLhPs9q+Ismiipj5xwVockMzbFlExEzZOOc0=
WRONG_SECRET=SXRzIG5vdCB0aGUgc2VjcmV0IG9mIHRoaXMga2V5IQ==

# obs_init NAME "$@"
obs_init() {
	local name=$1
	shift
	[ $# -ge 5 ] || { echo "usage: $name.sh DNS_PRIMARY_GIT DNS_NOTIFY DNS_ZONE DNS_SECONDARY DNS_RESOLVER" >&2; exit 2; }
	it_init "$name" "$1" "$2" "$3"
	SECONDARY=$(realpath -m "$4") RESOLVER=$(realpath -m "$5")
	need_bin "$SECONDARY" dns-secondary
	need_bin "$RESOLVER" dns-resolver
	need_tool kdig knot-dnsutils
	need_tool git git
}

# oreq PORT OPCODE ZONE [--key alg:name:secret] [--tcp] [--count N]: see oreq.py.
oreq() { "$PY" "$OPS_DIR/oreq.py" "$@"; }

# scrape HOST:PORT FILE: the metrics text in FILE, read by the strict
# parser (promtext.py) into FILE.samples (NAME<TAB>LABELS-JSON<TAB>VALUE).
scrape() {
	metrics "$1" >"$2" || fail "no metrics at $1"
	"$PY" "$OPS_DIR/promtext.py" "$2" >"$2.samples" ||
		fail "the metrics at $1 do not parse (kept in $2)"
}

# sample FILE NAME LABELS-JSON: the value of that series in FILE.samples
# (labels as json.dumps(..., sort_keys=True) writes them); empty if absent.
sample() {
	# ENVIRON, not -v: awk would read the backslashes of -v values as escapes
	N=$2 L=$3 awk -F'\t' '$1 == ENVIRON["N"] && $2 == ENVIRON["L"] {print $3; exit}' "$1.samples"
}

# sample_sum FILE NAME [JQ-LIKE-FILTER]: the sum of the series of NAME
# whose labels contain every "key": "value" pair given as extra arguments.
sample_sum() {
	local file=$1 name=$2
	shift 2
	"$PY" - "$file.samples" "$name" "$@" <<-'PY'
	import json, sys
	path, name, pairs = sys.argv[1], sys.argv[2], sys.argv[3:]
	want = dict(p.split("=", 1) for p in pairs)
	total = 0
	for line in open(path, encoding="utf-8"):
	    n, labels, value = line.rstrip("\n").split("\t")
	    labels = json.loads(labels)
	    if n == name and all(labels.get(k) == v for k, v in want.items()):
	        total += float(value)
	print(int(total) if total == int(total) else total)
	PY
}

# log_count FILE PATTERN...: lines of FILE holding every fixed PATTERN.
log_count() {
	local file=$1 out p
	shift
	out=$(cat "$file")
	for p in "$@"; do
		out=$(grep -F -- "$p" <<<"$out" || true)
	done
	if [ -z "$out" ]; then echo 0; else wc -l <<<"$out"; fi
}
