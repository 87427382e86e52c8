#!/usr/bin/env bash
# Quick start: install what is missing, build, and run dns-primary-git on
# 127.0.0.1:5300 serving a local git repository made from zones-example/.
#
#   ./run.sh                 build, (re)create ./run-state/, serve until Ctrl-C
#   RUN_STATE=DIR ./run.sh   keep the state somewhere else
#
# The bare repository run-state/zones.git has the sample pre-receive and
# post-receive hooks installed: clone it, edit, push, and the new serial is
# served (see README.md, "dns-primary-git").
set -euo pipefail
cd "$(dirname "$0")"
root=$PWD

scripts/install-deps.sh build
if [ ! -f build/build.ninja ]; then
	meson setup build -Dbuildtype=release -Dtests=false >/dev/null
fi
ninja -C build >/dev/null

state=${RUN_STATE:-$root/run-state}
listen=127.0.0.1:5300
primary=$root/build/primary-git/dns-primary-git
dns_zone=$root/build/dns-core/dns-zone
dns_notify=$root/build/dns-core/dns-notify

# The example key of zones-example/_keys with update authority (issue 4
# turns nsupdate into commits), and the one the post-receive hook signs with.
key_secret() { awk -v k="$1" '$1 == k { print $NF }' zones-example/_keys; }
update_key=admin._update.example.com
notify_key=hook._notify.example.com
update_secret=$(key_secret "$update_key.")
notify_secret=$(key_secret "$notify_key.")

# A fresh bare repository with the zones and keys of zones-example/ (not
# its hooks: they go into hooks/, where git runs them).
rm -rf "$state"
mkdir -p "$state"
work=$state/work
git init -q -b main "$work"
for f in zones-example/*; do
	name=${f##*/}
	case "$name" in *-receive | *.sh | README*) continue ;; esac
	[ -f "$f" ] && cp "$f" "$work/"
done
git -C "$work" add -A
git -C "$work" -c user.name=run.sh -c user.email=run.sh@localhost commit -q -m "zones from zones-example/"
git clone -q --bare "$work" "$state/zones.git"
rm -rf "$work"
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
  dig @127.0.0.1 -p 5300 example.com AXFR -y hmac-sha256:secondary._transfer.example.com:$(key_secret secondary._transfer.example.com.)

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

Metrics: curl http://127.0.0.1:9300/metrics    Stop: Ctrl-C
EOM

exec "$primary" --remote "$state/zones.git" --state-dir "$state/clone" --listen "$listen" \
	--workers 2 --metrics 127.0.0.1:9300 --nsid "$(hostname)"
