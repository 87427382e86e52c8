#!/usr/bin/python3
"""compare.py SERVER PORT EXPECTED.json

Sends every query of the resolver kit's frozen answer file (the answers
Unbound, Knot Resolver and PowerDNS Recursor agreed on) to a running
resolver the way a stub does (RD, DO, EDNS 1232, CD where the entry says
so; UDP resent every 2 s for up to 30 s, TCP when truncated) and compares
rcode, AD and the answer section.  Key material, signatures and TTLs are
left out of the comparison, so a hierarchy made again with new keys
compares the same; for SERVFAIL only the rcode counts.

Prints one line per difference and a last line "correct=N/M"; exits 0
only if every agreed answer matches.
"""
import json
import socket
import sys
import time

import dns.edns
import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import dns.rdtypes.ANY.RRSIG


def sigtime(t):
    return dns.rdtypes.ANY.RRSIG.posixtime_to_sigtime(t)


def canon(rd):
    """An rdata as compared: without key material or signature bytes."""
    if rd.rdtype == dns.rdatatype.RRSIG:
        return '%s %d %d %d %s %s %s' % (dns.rdatatype.to_text(rd.type_covered), rd.algorithm,
                                         rd.labels, rd.original_ttl, sigtime(rd.expiration),
                                         sigtime(rd.inception), rd.signer.to_text().lower())
    if rd.rdtype == dns.rdatatype.DNSKEY:
        return '%d %d %d' % (rd.flags, rd.protocol, rd.algorithm)
    if rd.rdtype == dns.rdatatype.DS:
        return '%d %d' % (rd.algorithm, rd.digest_type)
    return rd.to_text().lower()


def query(server, port, qname, qtype, cd):
    q = dns.message.make_query(qname, qtype, want_dnssec=True, use_edns=0, payload=1232)
    q.flags |= dns.flags.RD
    if cd:
        q.flags |= dns.flags.CD
    wire = q.to_wire()
    deadline = time.monotonic() + 30
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        while time.monotonic() < deadline:
            sock.sendto(wire, (server, port))
            resend = time.monotonic() + 2
            while time.monotonic() < resend:
                sock.settimeout(max(0.01, resend - time.monotonic()))
                try:
                    data = sock.recv(65535)
                except socket.timeout:
                    break
                try:
                    r = dns.message.from_wire(data)
                except dns.exception.DNSException:
                    continue
                if r.id != q.id:
                    continue
                if r.flags & dns.flags.TC:
                    r = dns.query.tcp(q, server, port=port, timeout=30)
                return r
    finally:
        sock.close()
    return None


def summary(r):
    if r is None:
        return {'rcode': 'TIMEOUT', 'ad': False, 'answer': []}
    answer = set()
    for rrset in r.answer:
        for rd in rrset:
            answer.add('%s %s %s' % (rrset.name.to_text().lower(),
                                     dns.rdatatype.to_text(rrset.rdtype), canon(rd)))
    return {'rcode': dns.rcode.to_text(r.rcode()), 'ad': bool(r.flags & dns.flags.AD),
            'answer': sorted(answer)}


def same(got, want):
    if got['rcode'] != want['rcode']:
        return False
    if want['rcode'] == 'SERVFAIL':
        return True
    return got['ad'] == want['ad'] and got['answer'] == sorted(want['answer'])


def main():
    server, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    entries = [e for e in json.load(open(path))['queries'] if e.get('agreed') and e['expected']]
    good = 0
    for e in entries:
        got = summary(query(server, port, e['qname'], e['qtype'], e['cd']))
        if same(got, e['expected']):
            good += 1
            continue
        print('DIFF %s %s%s: got %s AD=%d %s; expected %s AD=%d %s' % (
            e['qname'], e['qtype'], ' +cd' if e['cd'] else '', got['rcode'], got['ad'],
            got['answer'], e['expected']['rcode'], e['expected']['ad'],
            e['expected']['answer']))
    print('correct=%d/%d' % (good, len(entries)))
    return 0 if good == len(entries) and entries else 1


if __name__ == '__main__':
    sys.exit(main())
