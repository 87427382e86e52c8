#!/usr/bin/python3
"""Send the same generated queries to two servers and compare the answers.

    compare_answers.py ZONEFILE ORIGIN ADDR PORT_OURS PORT_KNOT COUNT SEED

Queries are built from the zone's own names (existing names, their
children and siblings, empty non-terminals, wildcard matches, names below
delegations, out-of-zone names) and a set of types, asked over TCP, UDP with
EDNS (1232 and 512 bytes) and UDP without EDNS.  For each query the two
answers are compared on: rcode, the AA and TC flags, and the answer and
authority sections as sets of RRs (owner, TTL, class, type, rdata).

Normalised, each decided by observing knotd 3.2:
  - the additional section and the OPT record are not compared (servers
    may add glue and hints as they like; the issue asks for answer and
    authority agreement);
  - owner names and names in rdata are compared in lower case: for a
    mixed-case query Knot writes the DNAME-synthesized CNAME target with
    the owner part lower-cased, while a server may as well keep the query's
    case; both are right (RFC 4343: case-insensitive).
Everything else is compared as is: TTLs (negative answers too), the
sections of truncated answers, rcode, AA and TC.

Prints a summary; on differences prints the first few and exits 1.
"""
import os
import random
import socket
import sys

import dns.edns
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.zone

TYPES = ["A", "AAAA", "MX", "TXT", "NS", "SOA", "CNAME", "DNAME", "SRV", "CAA",
         "HINFO", "PTR", "TYPE65400", "DS"]
TRANSPORTS = ["tcp", "udp1232", "udp512", "udp"]


def names_of(zonefile, origin):
    zone = dns.zone.from_file(zonefile, origin=origin, relativize=False, check_origin=False)
    owners = sorted(zone.nodes.keys())
    return zone, owners


def query_names(owners, origin, rng):
    """Existing names, their children and siblings, ENTs, wildcard matches,
    names below delegations and outside the zone."""
    out = set()
    for n in owners:
        out.add(n)
        if n.labels[0] == b"*":
            parent = n.parent()
            out.add(dns.name.Name((b"w%d" % rng.randrange(1000),) + parent.labels))
            out.add(dns.name.Name((b"a", b"b") + parent.labels))
            continue
        out.add(dns.name.Name((b"child",) + n.labels))
        out.add(dns.name.Name((b"x", b"y") + n.labels))
        if n != origin:
            out.add(dns.name.Name((b"nx-" + n.labels[0],) + n.labels[1:]))
            # every ancestor up to the origin (empty non-terminals)
            p = n.parent()
            while p != origin and p.is_subdomain(origin):
                out.add(p)
                p = p.parent()
    for text in ["example.net.", "www.example.net.", "com.", ".", "example.org.",
                 "xexample.com.", "sub.example.com.net."]:
        out.add(dns.name.from_text(text))
    return sorted(out)


def mixcase(name, rng):
    labels = []
    for lab in name.labels:
        labels.append(bytes(c ^ 0x20 if (65 <= (c & ~0x20) <= 90 and rng.random() < 0.3) else c
                            for c in lab))
    return dns.name.Name(labels)


def ask(addr, port, qname, qtype, transport):
    if transport == "udp":
        q = dns.message.make_query(qname, qtype, use_edns=False)
    else:
        size = 512 if transport == "udp512" else 1232
        q = dns.message.make_query(qname, qtype, use_edns=0, payload=size)
    q.flags &= ~dns.flags.RD
    try:
        if transport == "tcp":
            return dns.query.tcp(q, addr, port=port, timeout=5)
        return dns.query.udp(q, addr, port=port, timeout=5, ignore_trailing=True,
                             raise_on_truncation=False)
    except dns.message.Truncated as e:
        return e.message()
    except (dns.exception.Timeout, socket.timeout, OSError) as e:
        return "no answer (%s)" % type(e).__name__


def rrset_lines(section):
    lines = set()
    for rrset in section:
        for rd in rrset:
            lines.add("%s %d %s %s %s" % (
                rrset.name.to_text().lower(), rrset.ttl,
                dns.rdataclass.to_text(rrset.rdclass), dns.rdatatype.to_text(rrset.rdtype),
                rd.to_text().lower()))
    return frozenset(lines)


def summary(r):
    if isinstance(r, str):
        return {"error": r}
    s = {"rcode": dns.rcode.to_text(r.rcode()), "aa": bool(r.flags & dns.flags.AA),
         "tc": bool(r.flags & dns.flags.TC)}
    s["answer"] = rrset_lines(r.answer)
    s["authority"] = rrset_lines(r.authority)
    return s


def show(s):
    if "error" in s:
        return "  " + s["error"]
    out = ["  rcode=%s aa=%d tc=%d" % (s["rcode"], s["aa"], s["tc"])]
    for sec in ("answer", "authority"):
        if sec in s:
            out.append("  %s:" % sec)
            out.extend("    " + line for line in sorted(s[sec]))
    return "\n".join(out)


def main():
    if len(sys.argv) != 8:
        sys.exit(__doc__)
    zonefile, origin_text, addr = sys.argv[1:4]
    ours_port, knot_port, count, seed = (int(x) for x in sys.argv[4:8])
    rng = random.Random(seed)
    origin = dns.name.from_text(origin_text)
    _, owners = names_of(zonefile, origin)
    names = query_names(owners, origin, rng)

    # every name with every type once over TCP (the full matrix), then
    # random (name, type, transport) triples up to COUNT
    queries = [(n, t, "tcp") for n in names for t in TYPES]
    rng.shuffle(queries)
    queries = queries[:count // 2]
    while len(queries) < count:
        queries.append((rng.choice(names), rng.choice(TYPES), rng.choice(TRANSPORTS)))
    # the RRsets too big for UDP, over every transport
    for n in ("big", "many", "huge"):
        for t in TRANSPORTS:
            queries.append((dns.name.Name((n.encode(),) + origin.labels),
                            "TXT" if n != "many" else "A", t))

    diffs = []
    stats = {}
    for qname, qtype, transport in queries:
        qn = mixcase(qname, rng)
        a = summary(ask(addr, ours_port, qn, qtype, transport))
        b = summary(ask(addr, knot_port, qn, qtype, transport))
        key = a.get("rcode", "error") + ("/TC" if a.get("tc") else "")
        stats[key] = stats.get(key, 0) + 1
        if a != b:
            diffs.append((qn, qtype, transport, a, b))

    print("%d queries, %d names x %d types; ours by rcode: %s" % (
        len(queries), len(names), len(TYPES),
        ", ".join("%s %d" % kv for kv in sorted(stats.items()))))
    if not diffs:
        print("all answers agree")
        return 0
    print("%d of %d answers differ; the first ones:" % (len(diffs), len(queries)))
    for qn, qtype, transport, a, b in diffs[:int(os.environ.get("DIFF_LIMIT", "8"))]:
        print("\n%s %s over %s" % (qn, qtype, transport))
        print(" dns-primary-git:\n" + show(a))
        print(" knotd:\n" + show(b))
    return 1


if __name__ == "__main__":
    sys.exit(main())
