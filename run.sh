#!/usr/bin/env bash
# Quick start: install what is missing, build, and run dns-primary-git on
# 127.0.0.1:5300 serving a local git repository made from zones-example/.
#
#   ./run.sh                  build; create ./run-state/ the first time, reuse it after
#   ./run.sh --fresh          start afresh: ./run-state/ (every pushed commit and
#                             update in it) is deleted and made again
#   ./run.sh [--fresh] FLAGS  extra flags go to dns-primary-git, e.g.
#                             ./run.sh --notify 127.0.0.1:5601 --log-level debug
#   RUN_STATE=DIR ./run.sh    keep the state somewhere else
#
# The bare repository run-state/zones.git has the sample pre-receive and
# post-receive hooks installed: clone it, edit, push, and the new serial is
# served (README.md, "Walk-through").  The primary also notifies a local
# secondary on 127.0.0.1:5301 (the README's dns-secondary walk-through).
set -euo pipefail
cd "$(dirname "$0")"
root=$PWD

fresh=false
args=()
for a in "$@"; do
	case "$a" in
	--fresh) fresh=true ;;
	-h | --help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) args+=("$a") ;;
	esac
done

scripts/install-deps.sh build
if [ ! -f build/build.ninja ]; then
	meson setup build -Dbuildtype=release -Dtests=false >/tmp/run-sh-meson.log 2>&1 ||
		{ cat /tmp/run-sh-meson.log >&2; echo "run.sh: meson setup failed" >&2; exit 1; }
fi
# Quiet when all is well; the compiler's messages when not.
if ! ninja -C build >/tmp/run-sh-ninja.log 2>&1; then
	grep -v '^\[' /tmp/run-sh-ninja.log | tail -n 60 >&2
	echo "run.sh: the build failed (full log: /tmp/run-sh-ninja.log)" >&2
	exit 1
fi

state=${RUN_STATE:-$root/run-state}
listen=127.0.0.1:5300
primary=$root/build/primary-git/dns-primary-git
dns_zone=$root/build/dns-core/dns-zone
dns_notify=$root/build/dns-core/dns-notify

# The example keys of zones-example/_keys: one with update authority over
# example.com, the transfer key a secondary uses, and the hook's notify key
# at the root (it may announce every zone, so zones added by a push are
# picked up too).
key_secret() { awk -v k="$1" '$1 == k { print $NF }' zones-example/_keys; }
update_key=admin._update.example.com
transfer_key=secondary._transfer.example.com
notify_key=hook._notify.
update_secret=$(key_secret "$update_key.")
transfer_secret=$(key_secret "$transfer_key.")
notify_secret=$(key_secret "$notify_key")
if [ -z "$update_secret" ] || [ -z "$transfer_secret" ] || [ -z "$notify_secret" ]; then
	echo "run.sh: zones-example/_keys lacks $update_key., $transfer_key. or $notify_key" >&2
	exit 1
fi

if $fresh && [ -e "$state" ]; then
	echo "run.sh: --fresh: deleting $state"
	rm -rf "$state"
fi

# A bare repository with the zones and keys of zones-example/ (not its
# hooks: they go into hooks/, where git runs them), made only once: later
# runs serve what was pushed and updated since.
if [ -d "$state/zones.git" ]; then
	echo "run.sh: reusing $state (pushed commits and updates kept; ./run.sh --fresh starts afresh)"
else
	mkdir -p "$state"
	work=$state/work
	rm -rf "$work"
	git init -q -b main "$work"
	for f in zones-example/*; do
		name=${f##*/}
		case "$name" in *-receive | *.sh | README*) continue ;; esac
		[ -f "$f" ] && cp "$f" "$work/"
	done
	git -C "$work" add -A
	git -C "$work" -c user.name=run.sh -c user.email=run.sh@localhost commit -q -m "zones from zones-example/"
	git clone -q --bare "$work" "$state/zones.git"
	rm -rf "$work" "$state/clone"
	echo "run.sh: created $state/zones.git from zones-example/"
fi
# The hooks and their settings follow this checkout (the build may have moved).
install -m 755 zones-example/pre-receive zones-example/post-receive "$state/zones.git/hooks/"
git -C "$state/zones.git" config hooks.dnsZone "$dns_zone"
git -C "$state/zones.git" config hooks.dnsNotify "$dns_notify"
git -C "$state/zones.git" config hooks.dnsServer "$listen"
git -C "$state/zones.git" config hooks.dnsNotifyKey "$notify_key:hmac-sha256:$notify_secret"

cat <<EOM
== dns-primary-git on $listen, serving $state/zones.git

Query it:
  dig @127.0.0.1 -p 5300 www.example.com A
  dig @127.0.0.1 -p 5300 example.com SOA +nsid
  dig @127.0.0.1 -p 5300 example.com AXFR -y hmac-sha256:$transfer_key:$transfer_secret

Edit and push (the hooks check the zone, then NOTIFY the primary):
  git clone $state/zones.git /tmp/zones && cd /tmp/zones
  \$EDITOR example.com    # change a record and increase the SOA serial
  git commit -am "edit" && git push
  dig @127.0.0.1 -p 5300 example.com SOA +short

Update it with nsupdate (the change becomes a commit in $state/zones.git):
  nsupdate -y hmac-sha256:$update_key:$update_secret <<EOF2
  server 127.0.0.1 5300
  zone example.com
  update add test.example.com 300 A 192.0.2.99
  send
  EOF2

Follow it with a secondary (it gets NOTIFYs on 127.0.0.1:5301):
  build/secondary/dns-secondary --zone example.com --primary 127.0.0.1:5300 \\
      --key $transfer_key:hmac-sha256:$transfer_secret \\
      --listen 127.0.0.1:5301 --state-dir $state/secondary
  dig @127.0.0.1 -p 5301 example.com SOA +short

Metrics: curl http://127.0.0.1:9300/metrics    Stop: Ctrl-C
EOM

exec "$primary" --remote "$state/zones.git" --state-dir "$state/clone" --listen "$listen" \
	--workers 2 --metrics 127.0.0.1:9300 --nsid "$(hostname)" --notify 127.0.0.1:5301 \
	${args[@]+"${args[@]}"}
