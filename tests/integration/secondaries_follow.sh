#!/usr/bin/env bash
# Knot DNS and NSD, TSIG secondaries of dns-primary-git, follow a git push:
# after `git push` + `dns-notify` both serve the new serial and the changed
# record long before their refresh timer (3600 s), and the change arrived
# by IXFR.
#   Knot: its log says "[example.com.] IXFR, incoming, remote ..., finished".
#   NSD 4.6: its (non-debug) log does not name the kind of an incoming
#   transfer, so NSD keeps what it received (store-ixfr: yes, create-ixfr: no)
#   and we ask it for IXFR from the old serial: NSD answers incrementally only
#   when the change reached it as an IXFR (after an AXFR it sends the whole
#   zone); its log must show the update from the primary, TSIG verified.
source "$(dirname "$0")/lib.sh"
it_init secondaries_follow "$@"
need_tool knotd knot
need_tool nsd nsd
need_tool kdig knot-dnsutils
need_tool git git

pick_ports 3
P=${PORTS[0]} KP=${PORTS[1]} NP=${PORTS[2]}
OLD=2026010101 NEW=2026010102

# the zone repository: a bare remote and the working clone that made it
mkdir -p "$IT_TMP/seed" "$IT_TMP/knot" "$IT_TMP/nsd"
small_zone $OLD >"$IT_TMP/seed/example.com"
write_keys "$IT_TMP/seed/_keys"
make_remote "$IT_TMP/remote.git" "$IT_TMP/seed"

start_primary primary "$IT_TMP/state" --remote "$IT_TMP/remote.git" \
	--listen 127.0.0.1:$P --notify 127.0.0.1:$KP --notify 127.0.0.1:$NP
wait_serial 30 127.0.0.1 $P example.com $OLD

knot_secondary_conf "$IT_TMP/knot" $KP $P >"$IT_TMP/knot/knot.conf"
nsd_secondary_conf "$IT_TMP/nsd" $NP $P >"$IT_TMP/nsd/nsd.conf"
cat >>"$IT_TMP/nsd/nsd.conf" <<EOC
    store-ixfr: yes
    create-ixfr: no
    provide-xfr: 127.0.0.1 NOKEY
EOC
start knot knotd -c "$IT_TMP/knot/knot.conf"
start nsd nsd -d -c "$IT_TMP/nsd/nsd.conf"
wait_serial 30 127.0.0.1 $KP example.com $OLD
wait_serial 30 127.0.0.1 $NP example.com $OLD
answer_is 127.0.0.1 $KP A www.example.com 192.0.2.80 || fail "knot: www A is not 192.0.2.80 before the push"
answer_is 127.0.0.1 $NP A www.example.com 192.0.2.80 || fail "nsd: www A is not 192.0.2.80 before the push"
knot_lines=$(wc -l <"$IT_TMP/knot.log")

# edit one record and the serial in a fresh clone, push, notify
git clone -q "$IT_TMP/remote.git" "$IT_TMP/edit"
sed -i 's/^www     IN A   192.0.2.80$/www     IN A   192.0.2.81/' "$IT_TMP/edit/example.com"
grep -q '192.0.2.81' "$IT_TMP/edit/example.com" || fail "could not edit the zone"
set_serial "$IT_TMP/edit/example.com" $NEW
push_edit "$IT_TMP/edit" "www moves to 192.0.2.81"
notify_primary $P

# liveness bound: far below the refresh timer of 3600 s
wait_serial 30 127.0.0.1 $P example.com $NEW
wait_serial 30 127.0.0.1 $KP example.com $NEW
wait_serial 30 127.0.0.1 $NP example.com $NEW
answer_is 127.0.0.1 $KP A www.example.com 192.0.2.81 || fail "knot: www A is $(answer_short 127.0.0.1 $KP A www.example.com), expected 192.0.2.81"
answer_is 127.0.0.1 $NP A www.example.com 192.0.2.81 || fail "nsd: www A is $(answer_short 127.0.0.1 $NP A www.example.com), expected 192.0.2.81"
it_log "both secondaries serve $NEW"

# Knot: the change came by IXFR, not AXFR (nor an AXFR-style IXFR answer)
sleep 0.5
new_knot=$(tail -n +"$((knot_lines + 1))" "$IT_TMP/knot.log")
grep -Eq "notify, incoming, remote 127\.0\.0\.1@[0-9]+, serial $NEW" <<<"$new_knot" ||
	fail "knot log: no incoming NOTIFY for serial $NEW"
grep -Eq "IXFR, incoming, remote 127\.0\.0\.1@$P.*finished" <<<"$new_knot" ||
	fail "knot log: no finished incoming IXFR from 127.0.0.1@$P"
if grep -Eqi "AXFR, incoming|AXFR-style|fallback" <<<"$new_knot"; then
	fail "knot log: the change arrived as (or fell back to) AXFR: $(grep -Ei 'AXFR|fallback' <<<"$new_knot")"
fi

# NSD: notified, updated from the primary with TSIG, and holding an IXFR
grep -Eq "notify for example\.com\. from 127\.0\.0\.1 serial $NEW" "$IT_TMP/nsd.log" ||
	fail "nsd log: no NOTIFY for serial $NEW"
grep -Eq "received update to serial $NEW .*from 127\.0\.0\.1@$P TSIG verified with key $TRANSFER_KEY_NAME" "$IT_TMP/nsd.log" ||
	fail "nsd log: no TSIG-verified update to serial $NEW from the primary"
ixfr=$(kdig @127.0.0.1 -p $NP +noall +answer +time=2 IXFR=$OLD example.com | awk '{print $4, $7}')
expect=$(printf 'SOA %s\nSOA %s\nA \nSOA %s\nA \nSOA %s' $NEW $OLD $NEW $NEW)
[ "$(sed 's/^A .*/A /' <<<"$ixfr")" = "$expect" ] ||
	fail "nsd did not receive the change as IXFR: its IXFR from $OLD is:
$ixfr"

echo "PASS: knot and nsd followed the push to serial $NEW by NOTIFY + IXFR"
