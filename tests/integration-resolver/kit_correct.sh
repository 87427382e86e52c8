#!/bin/bash
# kit_correct.sh DNS_RESOLVER KIT_DIR     (RESOLVER_KIT=DIR overrides KIT_DIR)
#
# dns-resolver against the resolver bench kit's offline hierarchy (a root,
# two TLDs and 351 zones: signed with algorithms 8, 13 and 15, NSEC and
# NSEC3, opt-out, insecure, bogus, expired, missing-key, lame and glueless
# delegations; served by NSD on 127.53.x.y port 53): every one of the 288
# answers the three peer resolvers agree on (the kit's
# expected-answers.json) must come back the same: rcode, AD bit and the
# answer section.
#
# If a hierarchy is already being served (another test run or the bench),
# it is used as is, with the root's KSK (fetched from 127.53.0.1) as the
# trust anchor, which also exercises DNSKEY trust anchors.  Otherwise the
# kit's mkhier.py makes one in a temporary directory (the kit directory may
# be read-only), serve-hier.sh serves it, and it is stopped at the end.
# A missing tool (nsd, ldnsutils, kdig, python3-dnspython) is a failure.
# shellcheck source=../integration/lib.sh
source "$(dirname "$0")/../integration/lib.sh"

IT_NAME=resolver_kit_correct
(($# == 2)) || { echo "usage: kit_correct.sh DNS_RESOLVER KIT_DIR" >&2; exit 2; }
RESOLVER=$(realpath -m "$1")
KIT=$(realpath -m "${RESOLVER_KIT:-$2}")
IT_TMP=$(mktemp -d "/tmp/itest-$IT_NAME.XXXXXX")
HIER_STARTED=""

cleanup() {
	local rc=$?
	if [ -n "$HIER_STARTED" ]; then
		"$KIT/serve-hier.sh" "$HIER_STARTED" stop >"$IT_TMP/hier-stop.log" 2>&1 || true
	fi
	(exit $rc)
	it_cleanup
}
trap cleanup EXIT
trap 'exit 130' INT TERM

need_bin "$RESOLVER" dns-resolver
[ -f "$KIT/mkhier.py" ] && [ -x "$KIT/serve-hier.sh" ] && [ -f "$KIT/expected-answers.json" ] ||
	fail "the resolver kit is not at $KIT (mkhier.py, serve-hier.sh, expected-answers.json)"
need_tool "$PY" python3-dnspython
need_tool kdig knot-dnsutils
need_tool nsd nsd
need_tool nsd-control nsd
for t in ldns-keygen ldns-signzone ldns-key2ds ldns-verify-zone; do need_tool $t ldnsutils; done
"$PY" -c 'import dns.message, dns.query, dns.rdtypes.ANY.RRSIG' 2>/dev/null ||
	fail "python3-dnspython is not installed for $PY"

root_answers() { kdig @127.53.0.1 +norec +time=1 +retry=0 . SOA 2>/dev/null | grep -q 'status: NOERROR'; }

TA=$IT_TMP/root.ta
if root_answers; then
	it_log "a hierarchy is already served on 127.53.0.1; using it"
	HINTS=$IT_TMP/root.hints
	printf '. 3600000 NS a.root-servers.test.\n. 3600000 NS b.root-servers.test.\n' >"$HINTS"
	printf 'a.root-servers.test. 3600000 A 127.53.0.1\nb.root-servers.test. 3600000 A 127.53.0.2\n' >>"$HINTS"
	kdig @127.53.0.1 +norec +noall +answer . DNSKEY | awk '$5 == 257' >"$TA"
	[ -s "$TA" ] || fail "no KSK (DNSKEY flags 257) at the root on 127.53.0.1"
else
	HIER=$IT_TMP/hier
	it_log "making the hierarchy in $HIER (about 20-40 s)"
	"$PY" "$KIT/mkhier.py" "$HIER" >"$IT_TMP/mkhier.log" 2>&1 || fail "mkhier.py failed"
	HIER_STARTED=$HIER
	"$KIT/serve-hier.sh" "$HIER" start >"$IT_TMP/serve-hier.log" 2>&1 ||
		fail "serve-hier.sh could not serve the hierarchy"
	HINTS=$HIER/root.hints
	cp "$HIER/root.ds" "$TA"
fi

pick_ports 1
PORT=${PORTS[0]}
start resolver "$RESOLVER" --port "$PORT" --hints "$HINTS" --trust-anchor "$TA" --dir "$IT_TMP"
ready() { kdig @127.0.0.1 -p "$PORT" +norec +time=1 +retry=0 . SOA >/dev/null 2>&1; }
wait_until 30 "dns-resolver answering on 127.0.0.1:$PORT" ready

"$PY" "$(dirname "$0")/compare.py" 127.0.0.1 "$PORT" "$KIT/expected-answers.json" \
	>"$IT_TMP/compare.out" 2>&1 || {
	cat "$IT_TMP/compare.out" >&2
	fail "answers differ from what the peers agree on"
}
check_watched
it_log "$(tail -n 1 "$IT_TMP/compare.out")"
