#!/usr/bin/env bash
# UPDATEs that must be refused, each changing nothing (no commit, nothing
# served, serial unchanged):
#   wrong key name (not in _keys)      NOTAUTH, TSIG error BADKEY (17)
#   right name, wrong secret           NOTAUTH, TSIG error BADSIG (16)
#   clock one hour off                 NOTAUTH, TSIG error BADTIME (18)
#   key with transfer authority only   REFUSED or NOTAUTH, TSIG ok (0)
#   zone the key does not cover        REFUSED or NOTAUTH, TSIG ok (0)
#   unsigned                           REFUSED or NOTAUTH, no TSIG
# (RFC 8945 §5.2, RFC 2136 §3.)  Over UDP and TCP, with dnspython building
# the messages (so the signing clock can be off), and nsupdate with a wrong
# secret.  Then a correct update is accepted: the refusals were not an
# accident of a server that refuses everything.  Also: RFC 2136
# prerequisites that fail get their rcode and change nothing.
source "$(dirname "$0")/ulib.sh"
u_init update_refused "$@"
need_tool nsupdate bind9-dnsutils

pick_ports 1
P=${PORTS[0]}
SERIAL0=2026050101
WRONG_SECRET=SXRzIG5vdCB0aGUgc2VjcmV0IG9mIHRoaXMga2V5IQ==

u_remote "$U_DIR/data/other.org"
start_primary primary "$IT_TMP/state" --remote "$REMOTE" --listen 127.0.0.1:$P
wait_serial 30 127.0.0.1 $P $ZONE $SERIAL0
wait_serial 30 127.0.0.1 $P other.org $SERIAL0
COUNT0=$(remote_count)

# refused WHAT 'RCODE-REGEX' 'TSIG-REGEX' NAME ZONE SEND-ARGS...: the answer
# matches, no commit, nothing served.
refused() {
	local what=$1 rc_re=$2 tsig_re=$3 name=$4 zone=$5
	shift 5
	local out
	out=$(u_send --port $P --zone "$zone" --op "add $name 300 A 192.0.2.66" "$@") ||
		fail "$what: no answer ($out)"
	it_log "$what: $out"
	[[ $out =~ ^rcode=($rc_re)\ tsig=($tsig_re)$ ]] ||
		fail "$what: answer '$out', expected rcode=$rc_re tsig=$tsig_re"
	[ "$(remote_count)" = "$COUNT0" ] ||
		fail "$what: the remote has $(remote_count) commits, expected $COUNT0 (nothing committed)"
	[ -z "$(answer_short 127.0.0.1 $P A "$name")" ] ||
		fail "$what: $name is served ($(answer_short 127.0.0.1 $P A "$name"))"
	serial_is 127.0.0.1 $P "$zone" $SERIAL0 ||
		fail "$what: $zone serial is '$(soa_serial 127.0.0.1 $P "$zone")', expected $SERIAL0"
}

for tr in udp tcp; do
	t=()
	[ $tr = tcp ] && t=(--tcp)
	refused "$tr wrong key name" NOTAUTH 17 "badkey-$tr.$ZONE." $ZONE "${t[@]}" \
		--key "hmac-sha256:nobody._update.example.com.:$ADMIN_SECRET"
	refused "$tr wrong secret" NOTAUTH 16 "badsig-$tr.$ZONE." $ZONE "${t[@]}" \
		--key "hmac-sha256:$ADMIN_KEY:$WRONG_SECRET"
	refused "$tr wrong md5 secret" NOTAUTH 16 "badsig-md5-$tr.$ZONE." $ZONE "${t[@]}" \
		--key "hmac-md5:$MD5_KEY:$WRONG_SECRET"
	refused "$tr clock 1 hour behind" NOTAUTH 18 "badtime-$tr.$ZONE." $ZONE "${t[@]}" \
		--key "hmac-sha256:$ADMIN_KEY:$ADMIN_SECRET" --time-offset -3600
	refused "$tr clock 1 hour ahead" NOTAUTH 18 "badtime2-$tr.$ZONE." $ZONE "${t[@]}" \
		--key "hmac-sha256:$ADMIN_KEY:$ADMIN_SECRET" --time-offset 3600
	refused "$tr transfer-only key" 'REFUSED|NOTAUTH' 0 "xfrkey-$tr.$ZONE." $ZONE "${t[@]}" \
		--key "hmac-sha256:$XFR_KEY:$XFR_SECRET"
	refused "$tr zone outside the key's" 'REFUSED|NOTAUTH' 0 "outside-$tr.other.org." other.org "${t[@]}" \
		--key "hmac-sha256:$ADMIN_KEY:$ADMIN_SECRET"
	refused "$tr unsigned" 'REFUSED|NOTAUTH' none "unsigned-$tr.$ZONE." $ZONE "${t[@]}" --unsigned
done

# BIND's nsupdate with a wrong secret: it must report a failure
out=$(printf 'server 127.0.0.1 %s\nzone %s.\nupdate add nsupdate-badsig.%s. 300 A 192.0.2.67\nsend\nanswer\n' \
	$P $ZONE $ZONE | nsupdate -y "hmac-sha256:${ADMIN_KEY%.}:$WRONG_SECRET" -t 20 -u 5 -r 1 2>&1) && rc=0 || rc=$?
it_log "nsupdate with a wrong secret: exit $rc: $(tr '\n' ' ' <<<"$out")"
[ $rc != 0 ] || fail "nsupdate with a wrong secret exited 0: $out"
grep -q 'status: NOERROR' <<<"$out" && fail "nsupdate with a wrong secret got NOERROR: $out"
[ "$(remote_count)" = "$COUNT0" ] || fail "nsupdate with a wrong secret: a commit was made"
[ -z "$(answer_short 127.0.0.1 $P A "nsupdate-badsig.$ZONE.")" ] ||
	fail "nsupdate with a wrong secret: the record is served"

# RFC 2136 prerequisites that do not hold (correctly signed): the rcode of
# the failed prerequisite, nothing changed (the whole batch is one transaction)
prereq_fails() { # WHAT RCODE PREREQ
	local out rc=0
	out=$(printf 'server 127.0.0.1 %s\nzone %s.\n%s\nupdate add prereq-%s.%s. 300 A 192.0.2.69\nsend\nanswer\n' \
		$P $ZONE "$3" "$2" $ZONE | nsupdate -y "hmac-sha256:${ADMIN_KEY%.}:$ADMIN_SECRET" -t 20 -u 5 -r 1 2>&1) || rc=$?
	it_log "$1: exit $rc, $(grep -o 'status: [A-Z]*' <<<"$out" | head -n 1)"
	grep -q "status: $2," <<<"$out" || fail "$1: expected status $2, nsupdate said: $out"
	[ "$(remote_count)" = "$COUNT0" ] || fail "$1: a commit was made"
	[ -z "$(answer_short 127.0.0.1 $P A "prereq-$2.$ZONE.")" ] || fail "$1: the update was applied"
}
prereq_fails "prerequisite 'www does not exist'" YXDOMAIN "prereq nxdomain www.$ZONE."
prereq_fails "prerequisite 'nothere exists'" NXDOMAIN "prereq yxdomain nothere.$ZONE."
prereq_fails "prerequisite 'www has an MX RRset'" NXRRSET "prereq yxrrset www.$ZONE. MX"
prereq_fails "prerequisite 'www has no A RRset'" YXRRSET "prereq nxrrset www.$ZONE. A"

count=$(git -C "$REMOTE" rev-list --count HEAD)
[ "$count" = "$COUNT0" ] || fail "git rev-list --count HEAD is $count after the refused updates, expected $COUNT0"
alive "$PRIMARY_PID" || fail "dns-primary-git died"

# control: the same message, correctly signed, is accepted and committed
out=$(u_send --port $P --zone $ZONE --op "add good.$ZONE. 300 A 192.0.2.68" \
	--key "hmac-sha256:$ADMIN_KEY:$ADMIN_SECRET")
[ "$out" = "rcode=NOERROR tsig=0" ] || fail "the correctly signed control update got '$out', expected rcode=NOERROR tsig=0"
[ "$(remote_count)" = $((COUNT0 + 1)) ] || fail "the control update made $(($(remote_count) - COUNT0)) commits, expected 1"
wait_until 30 "good.$ZONE A 192.0.2.68 served" answer_is 127.0.0.1 $P A "good.$ZONE" 192.0.2.68

echo "PASS: 16 refused updates (BADKEY, BADSIG, BADTIME, no authority, other zone, unsigned; UDP and TCP), nsupdate's bad secret and 4 failed prerequisites changed nothing"
