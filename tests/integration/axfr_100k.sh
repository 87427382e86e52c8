#!/usr/bin/env bash
# AXFR of a 100,000-record zone: Knot DNS, a TSIG secondary of
# dns-primary-git, transfers it and writes its copy (zonefile-sync: 0);
# kzonecheck passes on Knot's copy and it holds every record.  kdig with the
# transfer key gets every record (+1: the closing SOA) with valid TSIG on
# every message; an unsigned AXFR is refused.
source "$(dirname "$0")/lib.sh"
it_init axfr_100k "$@"
need_tool knotd knot
need_tool kdig knot-dnsutils
need_tool kzonecheck knot
need_tool git git

pick_ports 2
P=${PORTS[0]} KP=${PORTS[1]}
N=100000 SERIAL=2026020101

mkdir -p "$IT_TMP/seed" "$IT_TMP/knot"
"$PY" "$IT_DIR/genzone.py" $N $SERIAL >"$IT_TMP/seed/example.com"
kzonecheck -o example.com. "$IT_TMP/seed/example.com" >/dev/null ||
	fail "the generated zone does not pass kzonecheck (genzone.py bug)"
write_keys "$IT_TMP/seed/_keys"
make_remote "$IT_TMP/remote.git" "$IT_TMP/seed"

start_primary primary "$IT_TMP/state" --remote "$IT_TMP/remote.git" --listen 127.0.0.1:$P
wait_serial 60 127.0.0.1 $P example.com $SERIAL

# Knot's copy, written right after the transfer
knot_secondary_conf "$IT_TMP/knot" $KP $P 0 >"$IT_TMP/knot/knot.conf"
start knot knotd -c "$IT_TMP/knot/knot.conf"
wait_serial 60 127.0.0.1 $KP example.com $SERIAL
copy=$IT_TMP/knot/example.com.zone
wait_until 60 "knot writing its zone file" grep -q "zone file updated" "$IT_TMP/knot.log"
grep -Eq "AXFR, incoming, remote 127\.0\.0\.1@$P.*finished" "$IT_TMP/knot.log" ||
	fail "knot log: no finished incoming AXFR from 127.0.0.1@$P"
kzonecheck -o example.com. "$copy" >"$IT_TMP/kzonecheck.log" 2>&1 ||
	fail "kzonecheck fails on knot's copy: $(head -n 20 "$IT_TMP/kzonecheck.log")"
# Knot writes one record per line, owner names in full; the rest is
# comments and blank lines
got=$(grep -cvE '^[[:space:]]*(;|$|\$)' "$copy")
[ "$got" -eq $N ] || fail "knot's copy holds $got records, expected $N"
# and the same records: "owner TYPE" of each, as a sorted multiset (Knot's
# dump lines are "owner TTL TYPE rdata")
"$PY" "$IT_DIR/genzone.py" $N $SERIAL --list | sort >"$IT_TMP/expected.list"
awk '!/^[[:space:]]*(;|$|\$)/ {print tolower($1), $3}' "$copy" | sort >"$IT_TMP/copy.list"
cmp -s "$IT_TMP/expected.list" "$IT_TMP/copy.list" ||
	fail "knot's copy differs from the zone (owner/type, < zone, > copy):
$(diff "$IT_TMP/expected.list" "$IT_TMP/copy.list" | head -n 20)"
it_log "knot's copy: $got records, the zone's owners and types, kzonecheck ok"

# the same transfer with kdig: every record, the closing SOA, TSIG verified
key="hmac-sha256:$TRANSFER_KEY_NAME:$TRANSFER_KEY_SECRET"
kdig @127.0.0.1 -p $P -y "$key" +time=30 AXFR example.com >"$IT_TMP/axfr.out" 2>&1 ||
	fail "signed kdig AXFR failed: $(grep ';;' "$IT_TMP/axfr.out" | head)"
if grep -Eq ';; (WARNING|ERROR)' "$IT_TMP/axfr.out"; then
	fail "signed kdig AXFR: $(grep -E ';; (WARNING|ERROR)' "$IT_TMP/axfr.out" | head)"
fi
stats=$(grep -E '^;; Received [0-9]+ B \([0-9]+ messages, [0-9]+ records\)' "$IT_TMP/axfr.out") ||
	fail "signed kdig AXFR: no summary line"
records=$(sed -E 's/.*messages, ([0-9]+) records.*/\1/' <<<"$stats")
[ "$records" -eq $((N + 1)) ] || fail "signed kdig AXFR: $records records, expected $((N + 1)) ($stats)"
rrs=$(grep -cvE '^(;|$)' "$IT_TMP/axfr.out")
tsigs=$(awk '$4 == "TSIG"' "$IT_TMP/axfr.out" | wc -l)
[ "$tsigs" -ge 1 ] || fail "signed kdig AXFR: no TSIG record in the answer"
[ $((rrs - tsigs)) -eq $((N + 1)) ] || fail "signed kdig AXFR: $((rrs - tsigs)) records printed, expected $((N + 1))"
awk '$4 == "TSIG" && $(NF-1) != "NOERROR" {bad = 1} END {exit bad}' "$IT_TMP/axfr.out" ||
	fail "signed kdig AXFR: a TSIG with an error: $(awk '$4 == "TSIG"' "$IT_TMP/axfr.out" | head -3)"
it_log "kdig AXFR: $stats, $tsigs TSIG records, all verified"

# the first and last records are the SOA; the copy matches the AXFR
awk '!/^;/ && NF' "$IT_TMP/axfr.out" | awk '$4 != "TSIG"' | sed -n '1p;$p' | awk '$4 != "SOA" {exit 1}' ||
	fail "signed kdig AXFR does not start and end with the SOA"

# unsigned: refused (no --axfr)
if kdig @127.0.0.1 -p $P +time=5 AXFR example.com >"$IT_TMP/unsigned.out" 2>&1; then
	fail "an unsigned AXFR succeeded: $(tail -n 3 "$IT_TMP/unsigned.out")"
fi
grep -q "REFUSED" "$IT_TMP/unsigned.out" ||
	fail "an unsigned AXFR was not answered REFUSED: $(grep ';;' "$IT_TMP/unsigned.out" | head -3)"
if grep -qE '^[^;].*[[:space:]]A[[:space:]]' "$IT_TMP/unsigned.out"; then
	fail "an unsigned AXFR returned records"
fi

echo "PASS: AXFR of $N records to knot (kzonecheck ok) and to kdig (TSIG ok); unsigned refused"
