#!/usr/bin/env bash
# A 1,000,000-record zone served by knotd transfers completely into
# dns-secondary and is answered correctly: every record comes back out of
# dns-secondary's own AXFR (the chain-of-secondaries path), and sample
# names are answered as in the zone file.
. "$(dirname "$0")/lib.sh"
sec_init million "$@"

N=${MILLION_RECORDS:-1000000}
pick_ports 2
P=${PORTS[0]} S=${PORTS[1]}
port_free $S
GEN="$SEC_DIR/../integration/genzone.py"
"$PY" "$GEN" "$N" 2026040401 >"$IT_TMP/example.com.zone" || fail "genzone failed"
"$PY" "$GEN" "$N" 2026040401 --list | sort >"$IT_TMP/want" || fail "genzone --list failed"
start_knot_primary knot "$IT_TMP/knot" $P "$IT_TMP/example.com.zone" $S
start_secondary sec "$IT_TMP/state" --zone example.com --primary 127.0.0.1:$P \
	--key "${KEY_NAME%.}:hmac-sha256:$KEY_SECRET" --listen 127.0.0.1:$S
wait_serial 120 127.0.0.1 $S example.com 2026040401
grep 'msg="zone transferred"' "$IT_TMP/sec.log" >&2

# every record, back out of our AXFR (TSIG-signed stream)
kdig @127.0.0.1 -p $S -y "hmac-sha256:${KEY_NAME%.}:$KEY_SECRET" +time=60 AXFR example.com \
	+noall +answer 2>"$IT_TMP/kdig.err" |
	awk 'NF >= 4 && $1 !~ /^;/ {print tolower($1), toupper($4)}' | sort >"$IT_TMP/got.all"
grep -q "TSIG" "$IT_TMP/kdig.err" && fail "kdig reported a TSIG problem: $(cat "$IT_TMP/kdig.err")"
# the AXFR carries the SOA twice
awk '$2 == "SOA" && !seen++ {next} {print}' "$IT_TMP/got.all" >"$IT_TMP/got"
[ "$(wc -l <"$IT_TMP/got")" -eq "$N" ] ||
	fail "our AXFR has $(wc -l <"$IT_TMP/got") records, expected $N"
cmp -s "$IT_TMP/want" "$IT_TMP/got" ||
	fail "records differ: $(diff "$IT_TMP/want" "$IT_TMP/got" | head -n 5)"

# sample answers match the primary's
for name in $(awk '$2 == "A" {print $1}' "$IT_TMP/want" | awk 'NR % 99991 == 1'); do
	want=$(answer_short 127.0.0.1 $P A "$name")
	[ -n "$want" ] || fail "knot does not answer $name"
	[ "$(answer_short 127.0.0.1 $S A "$name")" = "$want" ] || fail "$name answered differently"
done
it_log "ok: $N records"
