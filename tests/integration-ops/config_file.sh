#!/usr/bin/env bash
# config_file.sh: --config FILE (issue 13, item 3).  A config file holds
# the command line's options, one per line ("--flag value" or
# "flag value", '#' comments, blank lines):
#   - dns-primary-git started from a file behaves as with the same
#     options on the command line (serves, answers AXFR only with "axfr");
#   - options after --config on the command line still apply (a later
#     --log-level wins; a later --listen adds an address);
#   - errors name FILE:LINE (unknown option, invalid value, a nested
#     --config, a missing value) and exit 2, for every daemon;
#   - dns-secondary's zone/primary order, dns-resolver's options and
#     dns-letsencrypt-secondary's options read from files.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
ops_init config_file "$@"
pick_ports 4
P=${PORTS[0]} P2=${PORTS[1]} SP=${PORTS[2]} RP=${PORTS[3]}
ops_remote 1

axfr_count() { # PORT: records of an unsigned AXFR of example.com (0 if refused)
	kdig @127.0.0.1 -p "$1" +time=3 +retry=0 AXFR example.com 2>/dev/null |
		grep -cE '^example\.com\.[[:space:]].*SOA' || true
}

cat >"$T/primary.conf" <<CONF
# the primary of this test
--remote $REMOTE

state-dir $T/state
  listen 127.0.0.1:$P
workers=1
axfr
log-level "debug"
CONF
start from_file "$PRIMARY" --config "$T/primary.conf" --log-level info --listen "127.0.0.1:$P2"
FROM_FILE=$STARTED_PID
wait_serial 30 127.0.0.1 "$P" example.com 1
wait_serial 30 127.0.0.1 "$P2" example.com 1
[ "$(axfr_count "$P")" = 2 ] || fail "axfr in the file: AXFR refused"
! grep -q 'level=debug' "$T/from_file.log" || fail "--log-level info after --config did not win over the file's debug"
it_log "ok: served from the file's options, the command line's after it applied"
stop "$FROM_FILE"
# the same options on the command line, without axfr: refused
start_primary cmdline "$T/state" --remote "$REMOTE" --listen "127.0.0.1:$P"
wait_serial 30 127.0.0.1 "$P" example.com 1
[ "$(axfr_count "$P")" = 0 ] || fail "AXFR answered without axfr"
stop "$PRIMARY_PID"
it_log "ok: without axfr (command line), unsigned AXFR refused"

# errors name the file and line, exit status 2
bad() { # NAME WANT BINARY CONFIG_TEXT [ARGS...]: starting BINARY with it is refused
	local name=$1 want=$2 bin=$3 text=$4 rc=0
	shift 4
	printf '%s\n' "$text" >"$T/$name.conf"
	timeout 30 "$bin" --config "$T/$name.conf" "$@" >"$T/$name.log" 2>&1 || rc=$?
	[ "$rc" = 2 ] || fail "$name: exit status $rc, expected 2: $(cat "$T/$name.log")"
	grep -qF -- "$T/$name.conf:$want" "$T/$name.log" ||
		fail "$name: no \"$T/$name.conf:$want\" in: $(cat "$T/$name.log")"
	it_log "ok: $name: $(head -1 "$T/$name.log")"
}
bad p_unknown "3: " "$PRIMARY" $'remote /x\n# c\nno-such-option 1'
bad p_value "2: invalid --workers" "$PRIMARY" $'remote /x\nworkers lots'
bad p_syntax "2: expected an option name" "$PRIMARY" $'remote /x\nlisten:53'
bad p_nested "1: --config cannot be used in a config file" "$PRIMARY" "config $T/primary.conf"
bad p_novalue "3: --user needs a value" "$PRIMARY" $'remote /x\n\nuser'
bad s_value "2: --listen nowhere: expected ADDR:PORT" "$SECONDARY" \
	$'zone example.com\nlisten nowhere\nprimary 127.0.0.1'
bad s_order "1: --primary 127.0.0.1: give --zone first" "$SECONDARY" \
	$'primary 127.0.0.1\nzone example.com'
bad r_value "2: --workers 0: invalid value" "$RESOLVER" $'port 5353\nworkers 0'
bad r_unknown "1: unknown option --bogus" "$RESOLVER" $'bogus\nport 5353'
bad l_value "1: bad --max-orders" "$LES" $'max-orders none\nprimary 127.0.0.1'
rc=0
"$PRIMARY" --config "$T/missing.conf" >"$T/missing.log" 2>&1 || rc=$?
[ "$rc" = 2 ] && grep -qF "$T/missing.conf: No such file or directory" "$T/missing.log" ||
	fail "missing config file: exit $rc: $(cat "$T/missing.log")"

# dns-secondary from a file (zone, then its primary), dns-resolver too
start_primary src "$T/state" --remote "$REMOTE" --listen "127.0.0.1:$P" --axfr
wait_serial 30 127.0.0.1 "$P" example.com 1
printf 'zone example.com\nprimary 127.0.0.1:%s\nlisten 127.0.0.1:%s\nworkers 1\n' "$P" "$SP" \
	>"$T/secondary.conf"
start secondary "$SECONDARY" --config "$T/secondary.conf"
wait_serial 30 127.0.0.1 "$SP" example.com 1
printf '. 3600000 NS a.root.test.\na.root.test. 3600000 A 127.0.0.99\n' >"$T/hints"
printf 'local-zone %s\n' "$T/seed/example.com" >"$T/resolver.conf"
start resolver "$RESOLVER" --config "$T/resolver.conf" --port "$RP" --root-hints "$T/hints"
wait_until 30 "resolver answers from its --local-zone of the file" \
	serial_is 127.0.0.1 "$RP" example.com 1
it_log "ok: dns-secondary and dns-resolver from config files"
it_log PASS
