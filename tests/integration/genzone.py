#!/usr/bin/python3
"""Write a deterministic example.com zone of exactly N records to stdout.

    genzone.py N SERIAL           the zone file
    genzone.py N SERIAL --list    "owner TYPE" of each record, owner in full
                                  and lower case (to check a copy's content)

The zone looks like a real hosting zone: an apex with SOA, NS, MX, TXT and
CAA; hosts with A and often AAAA; mail exchangers; CNAME aliases to hosts;
SRV and TXT records; a few delegations with in-zone glue.  The same N and
SERIAL always give the same bytes (a fixed-seed PRNG, no clock), so a failure
can be reproduced.  N counts every record, the SOA included.

The NS records of the apex name ns1 (the SOA MNAME) and an out-of-zone name
without data, so a primary serving this zone has nobody to NOTIFY off the
loopback.
"""
import random
import sys


class Lister:
    """Writes "owner TYPE" for each record written to it instead."""

    def __init__(self, out):
        self.out = out

    def write(self, text):
        if text.startswith("$"):
            return
        f = text.split()
        owner = "example.com." if f[0] == "@" else f[0] + ".example.com."
        rrtype = f[3] if f[1].isdigit() else f[2]   # owner [ttl] IN TYPE
        self.out.write("%s %s\n" % (owner.lower(), rrtype))


def main():
    if len(sys.argv) not in (3, 4) or sys.argv[3:] not in ([], ["--list"]):
        sys.exit("usage: genzone.py N SERIAL [--list]")
    total = int(sys.argv[1])
    serial = int(sys.argv[2])
    rng = random.Random(20261122)
    out = Lister(sys.stdout) if sys.argv[3:] else sys.stdout
    out.write("$ORIGIN example.com.\n$TTL 3600\n")
    apex = [
        "@ IN SOA ns1 hostmaster (\n    %d ; serial\n    3600 600 1209600 300 )\n" % serial,
        "@ IN NS ns1\n",
        "@ IN NS ns2.example.net.\n",
        "@ IN MX 10 mx1\n",
        "@ IN MX 20 mx2\n",
        '@ IN TXT "v=spf1 mx -all"\n',
        '@ IN CAA 0 issue "letsencrypt.org"\n',
        "ns1 IN A 192.0.2.53\n",
        "ns1 IN AAAA 2001:db8::53\n",
        "mx1 IN A 192.0.2.25\n",
        "mx2 IN A 192.0.2.26\n",
    ]
    # the SOA spans three lines but is one record
    written = 0
    for rr in apex:
        if written == total:
            break
        out.write(rr)
        written += 1
    i = 0
    while written < total:
        host = "h%06d" % i
        recs = ["%s IN A 10.%d.%d.%d" % (host, (i >> 16) & 255, (i >> 8) & 255, i & 255)]
        roll = rng.random()
        if roll < 0.5:
            recs.append("%s IN AAAA 2001:db8:%x::%x" % (host, i >> 16, i & 0xffff))
        if roll < 0.15:
            recs.append("%s 300 IN TXT \"id=%08x\" \"owner=team%d\"" % (host, rng.getrandbits(32), i % 17))
        if 0.15 <= roll < 0.30:
            recs.append("www.%s IN CNAME %s" % (host, host))
        if 0.30 <= roll < 0.35:
            recs.append("_sip._tcp.%s IN SRV 10 %d 5060 %s" % (host, rng.randrange(100), host))
        if 0.35 <= roll < 0.40:
            recs.append("%s IN MX %d mx1" % (host, 10 * rng.randrange(1, 5)))
        if 0.40 <= roll < 0.405:
            # a delegation with in-zone glue
            recs = ["sub%d IN NS ns.sub%d" % (i, i), "ns.sub%d IN A 192.0.2.%d" % (i, i % 250 + 1)]
        for rr in recs:
            if written == total:
                break
            out.write(rr + "\n")
            written += 1
        i += 1


if __name__ == "__main__":
    main()
