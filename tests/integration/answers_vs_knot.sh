#!/usr/bin/env bash
# Answers agree with Knot DNS's for the same zone: dns-primary-git (zone
# from git) and knotd (zone from the same file, as a primary) get the same
# ~3000 generated queries (NOERROR / NXDOMAIN / NODATA, CNAME chains, DNAME,
# wildcards, delegations with glue, empty non-terminals, TC over UDP,
# REFUSED outside the zone); compare_answers.py compares rcode, AA, TC and
# the answer and authority sections (see its header for what is not
# compared, and why).
source "$(dirname "$0")/lib.sh"
it_init answers_vs_knot "$@"
need_tool knotd knot
need_tool kdig knot-dnsutils
need_tool git git

pick_ports 2
P=${PORTS[0]} KP=${PORTS[1]}
ZONE=$IT_DIR/data/answers.example.com
SERIAL=$(awk '/; serial/ {print $1; exit}' "$ZONE")

mkdir -p "$IT_TMP/seed" "$IT_TMP/knot"
cp "$ZONE" "$IT_TMP/seed/example.com"
write_keys "$IT_TMP/seed/_keys"
make_remote "$IT_TMP/remote.git" "$IT_TMP/seed"

start_primary primary "$IT_TMP/state" --remote "$IT_TMP/remote.git" --listen 127.0.0.1:$P \
	--log-level info
knot_primary_conf "$IT_TMP/knot" $KP "$ZONE" >"$IT_TMP/knot/knot.conf"
start knot knotd -c "$IT_TMP/knot/knot.conf"
wait_serial 30 127.0.0.1 $P example.com "$SERIAL"
wait_serial 30 127.0.0.1 $KP example.com "$SERIAL"

"$PY" "$IT_DIR/compare_answers.py" "$ZONE" example.com. 127.0.0.1 $P $KP 3000 20261122 \
	>"$IT_TMP/compare.out" 2>&1 || { cat "$IT_TMP/compare.out" >&2; fail "answers differ from knot's"; }
cat "$IT_TMP/compare.out"
alive $PRIMARY_PID || fail "dns-primary-git died during the queries"
echo "PASS: answers agree with knotd"
