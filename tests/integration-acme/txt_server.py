#!/usr/bin/python3
"""A tiny authoritative DNS server for the ACME integration test (UDP only:
Pebble's DNS-01 lookups are single UDP exchanges).

    txt_server.py PORT RECORDS-FILE

RECORDS-FILE holds lines "NAME VALUE" (TXT records), re-read at every
query: the test's publish command appends to it, its cleanup command
removes lines.  Every name is answered authoritatively with NOERROR (the
TXT records it has, or none)."""
import socket
import sys

import dns.flags
import dns.message
import dns.rdatatype
import dns.rrset


def records(path):
    out = {}
    try:
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 2:
                    out.setdefault(parts[0].lower().rstrip('.') + '.', []).append(parts[1])
    except FileNotFoundError:
        pass
    return out


def main():
    port, path = int(sys.argv[1]), sys.argv[2]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(('127.0.0.1', port))
    while True:
        data, peer = s.recvfrom(4096)
        try:
            q = dns.message.from_wire(data)
        except Exception:
            continue
        r = dns.message.make_response(q)
        r.flags |= dns.flags.AA
        if q.question:
            qn = q.question[0].name
            vals = records(path).get(qn.to_text().lower(), [])
            if q.question[0].rdtype in (dns.rdatatype.TXT, dns.rdatatype.ANY) and vals:
                r.answer.append(dns.rrset.from_text_list(
                    qn, 60, 'IN', 'TXT', ['"%s"' % v for v in vals]))
        s.sendto(r.to_wire(), peer)


if __name__ == '__main__':
    main()
