#!/usr/bin/env bash
# systemd_notify.sh: the systemd units and Type=notify (issue 13, item 3).
#
# What this machine allows: systemd is installed (systemd-analyze) but is
# not PID 1, so neither `systemctl start` nor `systemd-run --user` can run
# a unit here.  So:
#   1. every unit meson configured (build dist/*.service) passes
#      `systemd-analyze verify` (with ExecStart pointing at the built
#      binary, as the installed one points at <sbindir>), and says what the
#      issue asks: Type=notify, the config file, Restart=on-failure, no
#      root (User= with CAP_NET_BIND_SERVICE only), ExecReload for the
#      daemon that reloads;
#   2. each unit's own ExecStart command line is run the way systemd runs
#      a Type=notify service: with NOTIFY_SOCKET naming a datagram socket
#      (here a fake receiver, notify_recv.py; abstract "@..." for the
#      primary, a path for the others), and the receiver sees READY=1
#      with a STATUS line once the daemon serves, RELOADING=1
#      (MONOTONIC_USEC) then READY=1 around the unit's ExecReload, and
#      STOPPING=1 on SIGTERM.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
ops_init systemd_notify "$@"

# notify_receiver NAME SOCKET: a fake systemd NOTIFY_SOCKET (path, or
# @abstract) writing each datagram as one line ("\n" shown as "|") to
# $T/NAME.msgs.
notify_receiver() {
	start "$1" "$PY" "$OPS_DIR/notify_recv.py" "$2" "$T/$1.msgs"
	wait_until 10 "$1 bound" test -e "$T/$1.msgs"
}

# wait_msg SECONDS NAME REGEX: a datagram of receiver NAME matches REGEX.
wait_msg() {
	wait_until "$1" "$2: a message matching $3" grep -qE -- "$3" "$T/$2.msgs"
}
need_tool systemd-analyze systemd
pick_ports 4
P=${PORTS[0]} SP=${PORTS[1]} RP=${PORTS[2]} M=${PORTS[3]}
ops_remote 1
declare -A BIN=([dns-primary-git]=$PRIMARY [dns-secondary]=$SECONDARY [dns-resolver]=$RESOLVER
	[dns-letsencrypt-secondary]=$LES)

# 1. the units
mkdir -p "$T/units"
for d in "${!BIN[@]}"; do
	u=$DIST/$d.service
	[ -f "$u" ] || fail "no unit $u (dist/meson.build)"
	exec_start=$(sed -n 's/^ExecStart=//p' "$u")
	case $exec_start in
	/*/sbin/$d\ --config\ /*/dns-git-suite/$d.conf) ;;
	*) fail "$d.service: ExecStart is '$exec_start', not <sbindir>/$d --config <sysconfdir>/dns-git-suite/$d.conf" ;;
	esac
	for want in Type=notify Restart=on-failure User=dns-git-suite NoNewPrivileges=yes \
		"StateDirectory=$d"; do
		grep -qx "$want" "$u" || fail "$d.service has no $want"
	done
	if [ "$d" = dns-letsencrypt-secondary ]; then
		grep -qx 'CapabilityBoundingSet=' "$u" || fail "$d.service keeps capabilities"
	else
		grep -qx 'AmbientCapabilities=CAP_NET_BIND_SERVICE' "$u" &&
			grep -qx 'CapabilityBoundingSet=CAP_NET_BIND_SERVICE' "$u" ||
			fail "$d.service: not CAP_NET_BIND_SERVICE alone"
	fi
	if [ "$d" = dns-primary-git ]; then
		grep -qx 'ExecReload=/bin/kill -HUP $MAINPID' "$u" || fail "$d.service has no ExecReload"
	else
		! grep -q '^ExecReload=' "$u" || fail "$d.service reloads, but $d does nothing on SIGHUP"
	fi
	sed "s|^ExecStart=[^ ]*|ExecStart=${BIN[$d]}|" "$u" >"$T/units/$d.service"
done
if ! systemd-analyze verify --man=no "$T"/units/*.service >"$T/verify.log" 2>&1; then
	fail "systemd-analyze verify: $(cat "$T/verify.log")"
fi
[ ! -s "$T/verify.log" ] || fail "systemd-analyze verify complained: $(cat "$T/verify.log")"
it_log "ok: systemd-analyze verify passes on the 4 units"

# 2. each unit's ExecStart under a NOTIFY_SOCKET, with a test config file
# run_unit NAME DAEMON SOCKET: start the unit's ExecStart (its --config
# pointing at $T/NAME.conf) with NOTIFY_SOCKET=SOCKET.
run_unit() {
	local name=$1 d=$2 sock=$3 cmd
	cmd=$(sed -n 's/^ExecStart=//p' "$T/units/$d.service")
	cmd=${cmd/--config *\/$d.conf/--config $T/$name.conf}
	notify_receiver "$name-notify" "$sock"
	# shellcheck disable=SC2086  # the unit's command line, split as systemd does
	start "$name" env NOTIFY_SOCKET="$sock" $cmd
	UNIT_PID=$STARTED_PID
}
# order_ok NAME RE1 RE2: a message matching RE1 comes before one matching RE2
order_ok() {
	awk -v a="$2" -v b="$3" '$0 ~ a && !sa { sa = NR } $0 ~ b && sa && NR > sa { ok = 1 }
		END { exit !ok }' "$T/$1.msgs"
}

cat >"$T/primary.conf" <<CONF
remote $REMOTE
state-dir $T/pstate
listen 127.0.0.1:$P
workers 1
CONF
run_unit primary dns-primary-git "@dns-ops-test-$$-$RANDOM"
wait_serial 30 127.0.0.1 "$P" example.com 1
head=$(git -C "$REMOTE" rev-parse main)
wait_msg 30 primary-notify "^READY=1"
grep -qF "STATUS=serving 1 zones at commit ${head:0:12}" "$T/primary-notify.msgs" ||
	fail "no STATUS with the zones and commit: $(cat "$T/primary-notify.msgs")"
it_log "ok: READY=1, $(grep -o 'STATUS=[^|]*' "$T/primary-notify.msgs" | tail -1)"
set_serial "$T/seed/example.com" 2
push_edit "$T/seed" serial2
reload=$(sed -n 's/^ExecReload=//p' "$T/units/dns-primary-git.service")
${reload/\$MAINPID/$UNIT_PID}
wait_serial 30 127.0.0.1 "$P" example.com 2
wait_until 30 "READY=1 after RELOADING=1" \
	order_ok primary-notify '^RELOADING=1[|]MONOTONIC_USEC=[0-9]+$' '^READY=1'
head=$(git -C "$REMOTE" rev-parse main)
grep -qF "STATUS=serving 1 zones at commit ${head:0:12}" "$T/primary-notify.msgs" ||
	fail "no STATUS for the reloaded commit"
it_log "ok: ExecReload: RELOADING=1 with MONOTONIC_USEC, then READY=1, new commit in STATUS"
stop "$UNIT_PID"
wait_msg 10 primary-notify '^STOPPING=1$'
it_log "ok: STOPPING=1 at SIGTERM"

# the other three: READY=1 (with STATUS) and STOPPING=1
start_primary src "$T/pstate" --remote "$REMOTE" --listen "127.0.0.1:$P" --axfr
wait_serial 30 127.0.0.1 "$P" example.com 2
printf 'zone example.com\nprimary 127.0.0.1:%s\nlisten 127.0.0.1:%s\nworkers 1\n' "$P" "$SP" \
	>"$T/secondary.conf"
printf '. 3600000 NS a.root.test.\na.root.test. 3600000 A 127.0.0.99\n' >"$T/hints"
printf 'port %s\nroot-hints %s\n' "$RP" "$T/hints" >"$T/resolver.conf"
printf 'primary 127.0.0.1:%s\nkey acme._update.example.com:hmac-sha256:%s\naccount-key-seed t\nmetrics 127.0.0.1:%s\n' \
	"$P" "$TRANSFER_KEY_SECRET" "$M" >"$T/les.conf"
for pair in secondary:dns-secondary resolver:dns-resolver les:dns-letsencrypt-secondary; do
	name=${pair%%:*} d=${pair#*:}
	run_unit "$name" "$d" "$T/$name.sock"
	wait_msg 30 "$name-notify" '^READY=1'
	grep -q 'STATUS=' "$T/$name-notify.msgs" || fail "$d: no STATUS line"
	[ "$name" != secondary ] || wait_until 30 "secondary status: zone served" \
		grep -qF 'STATUS=serving 1 of 1 zones' "$T/$name-notify.msgs"
	stop "$UNIT_PID"
	[ "$STOP_RC" = 0 ] || fail "$d exited $STOP_RC on SIGTERM"
	wait_msg 10 "$name-notify" '^STOPPING=1$'
	it_log "ok: $d: READY=1, $(grep -o 'STATUS=[^|]*' "$T/$name-notify.msgs" | tail -1), STOPPING=1"
done
it_log PASS
