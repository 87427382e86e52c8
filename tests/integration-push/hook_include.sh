#!/usr/bin/env bash
# Issue 12, defect 5 (at push time): `$INCLUDE` is judged one way by the
# pre-receive hook, `dns-zone check --root` and the primary.  A push adding
# a shared record set (a root `*.inc` file and a file in a subdirectory)
# and a zone including both, paths relative to the repository root, is
# accepted and served.  A later push changing only the include file is
# checked against every zone (a broken include is refused at the zone's
# $INCLUDE line with the included file's own position), and `$INCLUDE` of
# a zone file or of a path leaving the repository is refused with the
# primary's reason.
source "$(dirname "$0")/../integration/lib.sh"
source "$(dirname "$0")/hooklib.sh"
it_init hook_include "$@"
need_tool kdig knot-dnsutils
need_tool git git

pick_ports 1
P=${PORTS[0]}
hook_remote "$IT_TMP/remote.git" $P
start_primary primary "$IT_TMP/state" --remote "$IT_TMP/remote.git" --listen 127.0.0.1:$P
wait_serial 30 127.0.0.1 $P example.com 2026112201
git clone -q "$IT_TMP/remote.git" "$IT_TMP/work"
W=$IT_TMP/work
head_now() { git -C "$IT_TMP/remote.git" rev-parse main; }

# ---- a zone including files of the same push ----
mkdir -p "$W/shared"
printf 'mx1  A  192.0.2.25\nmx2  A  192.0.2.26\n' >"$W/shared/mail"
printf '@    MX 10 mx1\n@    MX 20 mx2\n$INCLUDE shared/mail\n' >"$W/mail.inc"
cat >"$W/example.net" <<-'EOF'
	$ORIGIN example.net.
	$TTL 300
	@    SOA ns1 hostmaster 2026070101 3600 600 604800 300
	@    NS  ns1
	ns1  A   192.0.2.53
	$INCLUDE mail.inc
