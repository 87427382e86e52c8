#!/usr/bin/python3
"""Compare the acknowledged / attempted updates with the remote and the
primary (issue-4 end-to-end tests).

  check_records.py --print FILE --acks LOG [--tried FILE] [--served PORT]

FILE is `dns-zone print` of the remote's zone (NAME TTL CLASS TYPE RDATA).
Every `ack NAME TYPE RDATA` line of LOG must be a record of FILE, and with
--served, answered by the primary at 127.0.0.1:PORT.  With --tried, every
attempted `NAME TYPE RDATA` must be served exactly when it is in FILE
(the served data equals the remote's).  Prints one line per problem (at
most 20) and a summary; exit 1 on any problem.
"""
import argparse
import sys

import dns.message
import dns.query
import dns.rcode
import dns.rdatatype


def load_print(path):
    recs = set()
    with open(path) as f:
        for line in f:
            p = line.rstrip("\n").split(None, 4)
            if len(p) == 5:
                recs.add((p[0].lower(), p[3].upper(), p[4]))
    return recs


def served(port, name, rtype, cache):
    key = (name, rtype)
    if key not in cache:
        q = dns.message.make_query(name, rtype)
        last = None
        for _ in range(5):
            try:
                r = dns.query.udp(q, "127.0.0.1", port=port, timeout=2)
                break
            except Exception as e:  # noqa: BLE001 - retried, then reported
                last = e
        else:
            raise SystemExit("no answer from 127.0.0.1#%d for %s %s: %s" % (port, name, rtype, last))
        vals = set()
        for rrset in r.answer:
            if rrset.rdtype == dns.rdatatype.from_text(rtype) and rrset.name.to_text().lower() == name:
                vals |= {rd.to_text() for rd in rrset}
        cache[key] = vals
    return cache[key]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--print", dest="printed", required=True)
    ap.add_argument("--acks", required=True)
    ap.add_argument("--tried")
    ap.add_argument("--served", type=int)
    ap.add_argument("--max-acks", type=int, default=0, help="only the first N ack lines")
    a = ap.parse_args()

    recs = load_print(a.printed)
    problems = []
    acks = []
    with open(a.acks) as f:
        for line in f:
            if not line.endswith("\n"):
                break  # a line being written
            p = line.rstrip("\n").split(None, 3)
            if p[0] == "ack":
                acks.append((p[1].lower(), p[2].upper(), p[3]))
    if a.max_acks:
        acks = acks[:a.max_acks]
    cache = {}
    for name, rtype, rdata in acks:
        if (name, rtype, rdata) not in recs:
            problems.append("acknowledged %s %s %s is not in the remote's zone" % (name, rtype, rdata))
        elif a.served is not None and rdata not in served(a.served, name, rtype, cache):
            problems.append("acknowledged %s %s %s is not served (served: %s)"
                            % (name, rtype, rdata, sorted(served(a.served, name, rtype, cache))))
    ntried = 0
    if a.tried:
        with open(a.tried) as f:
            for line in f:
                if not line.endswith("\n"):
                    break
                name, rtype, rdata = line.rstrip("\n").split(None, 2)
                name, rtype = name.lower(), rtype.upper()
                ntried += 1
                in_remote = (name, rtype, rdata) in recs
                is_served = rdata in served(a.served, name, rtype, cache)
                if in_remote != is_served:
                    problems.append("%s %s %s: in the remote: %s, served: %s"
                                    % (name, rtype, rdata, in_remote, is_served))
    for p in problems[:20]:
        print(p)
    print("%d acknowledged, %d attempted, %d problems" % (len(acks), ntried, len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
