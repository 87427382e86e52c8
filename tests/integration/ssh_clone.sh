#!/usr/bin/env bash
# dns-primary-git clones its repository over ssh:// from a private sshd on
# 127.0.0.1 (key authentication, host key pinned in a known_hosts file) and
# serves the zone.  With a known_hosts that lists another host key it
# refuses the server: non-zero exit and a message about the host key.
source "$(dirname "$0")/lib.sh"
it_init ssh_clone "$@"
need_tool kdig knot-dnsutils
need_tool git git
need_tool ssh-keygen openssh-client
need_tool ssh openssh-client
SSHD=/usr/sbin/sshd   # sshd must be started by absolute path
[ -x "$SSHD" ] || fail "$SSHD not found: install openssh-server (scripts/install-deps.sh test)"

pick_ports 2
SP=${PORTS[0]} P=${PORTS[1]}
SERIAL=2026030101
user=$(id -un)

# keys: the server's host key, the client key, an intruder's host key
cd "$IT_TMP"
for k in hostkey client intruder; do ssh-keygen -q -t ed25519 -N '' -C "itest-$k" -f "$IT_TMP/$k"; done
cp client.pub authorized_keys
chmod 600 authorized_keys
printf '[127.0.0.1]:%s %s\n' $SP "$(cut -d' ' -f1,2 hostkey.pub)" >known_hosts
printf '[127.0.0.1]:%s %s\n' $SP "$(cut -d' ' -f1,2 intruder.pub)" >wrong_known_hosts

cat >sshd_config <<EOC
ListenAddress 127.0.0.1
Port $SP
HostKey $IT_TMP/hostkey
PidFile $IT_TMP/sshd.pid
AuthorizedKeysFile $IT_TMP/authorized_keys
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin prohibit-password
LogLevel VERBOSE
EOC
# sshd run as root needs its privilege separation directory
if [ "$(id -u)" = 0 ]; then mkdir -p /run/sshd; fi
"$SSHD" -t -f sshd_config || fail "sshd rejects its test configuration"
start sshd "$SSHD" -D -e -f "$IT_TMP/sshd_config"
SSHD_PID=$STARTED_PID
port_open() { "$PY" -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$1"; }
wait_until 20 "sshd listening on 127.0.0.1:$SP" port_open $SP

# the repository, reachable over ssh at its absolute path
mkdir -p seed
small_zone $SERIAL >seed/example.com
write_keys seed/_keys
make_remote "$IT_TMP/remote.git" "$IT_TMP/seed"
URL="ssh://$user@127.0.0.1:$SP$IT_TMP/remote.git"
# the same clone with OpenSSH and the pinned key: the fixture works
GIT_SSH_COMMAND="ssh -i $IT_TMP/client -o IdentitiesOnly=yes -o UserKnownHostsFile=$IT_TMP/known_hosts -o StrictHostKeyChecking=yes -o BatchMode=yes" \
	git clone -q "$URL" "$IT_TMP/openssh-clone" || fail "git+OpenSSH cannot clone $URL: the sshd fixture is broken"

# 1. the pinned host key: clone over ssh, serve
start_primary primary "$IT_TMP/state" --remote "$URL" --listen 127.0.0.1:$P \
	--ssh-key "$IT_TMP/client" --ssh-pubkey "$IT_TMP/client.pub" --known-hosts "$IT_TMP/known_hosts"
wait_serial 30 127.0.0.1 $P example.com $SERIAL
answer_is 127.0.0.1 $P A www.example.com 192.0.2.80 || fail "www.example.com A is not served"
grep -q "Accepted publickey for $user" "$IT_TMP/sshd.log" || fail "sshd log: no public-key login"
stop $PRIMARY_PID
[ "$STOP_RC" -eq 0 ] || fail "dns-primary-git exited $STOP_RC on SIGTERM (expected 0)"
it_log "cloned over ssh and served serial $SERIAL"

# 2. a known_hosts listing another host key: refused, clear message, non-zero exit
start_primary wrong "$IT_TMP/state-wrong" --remote "$URL" --listen 127.0.0.1:$P \
	--ssh-key "$IT_TMP/client" --known-hosts "$IT_TMP/wrong_known_hosts"
WRONG_PID=$PRIMARY_PID
unwatch "$WRONG_PID"
wait_until 30 "dns-primary-git to exit with the wrong host key" eval "! alive $WRONG_PID"
rc=0
wait "$WRONG_PID" || rc=$?
[ "$rc" -ne 0 ] || fail "dns-primary-git exited 0 with a wrong host key"
grep -Ei "host.?key" "$IT_TMP/wrong.log" | grep -q "known_hosts" ||
	fail "no message about the host key in the log: $(tail -n 5 "$IT_TMP/wrong.log")"
if serial_is 127.0.0.1 $P example.com $SERIAL; then fail "the zone is served despite the wrong host key"; fi
alive "$SSHD_PID" || fail "sshd died"
it_log "wrong host key refused (exit $rc): $(grep -Ei 'host.?key' "$IT_TMP/wrong.log" | head -n 1)"

echo "PASS: clone over ssh:// with a pinned host key; a wrong host key is refused"
