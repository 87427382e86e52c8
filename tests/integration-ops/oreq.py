#!/usr/bin/python3
"""Requests of the operations tests (dnspython builds them; answers are
read by hand so that refusals and TSIG errors are seen as sent).

  oreq.py PORT OPCODE ZONE [options]     one request; prints the rcode
      OPCODE   update | notify | axfr | query
      --key alg:name:secret   sign (hmac-sha256:...)
      --tcp                   over TCP (axfr always is)
      --count N               send N, one after the other (UDP); prints
                              "RCODE N" per rcode seen, "lost N" for no answer
      --source ADDR           send from this loopback address (127.x.y.z)
"""
import argparse
import socket
import struct
import sys

import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdatatype
import dns.tsig
import dns.update

ALGS = {"hmac-sha256": dns.tsig.HMAC_SHA256, "hmac-md5": dns.tsig.HMAC_MD5}


def build(opcode, zone, key):
    if opcode == "update":
        m = dns.update.UpdateMessage(zone)
        m.add("oreq", 300, "A", "192.0.2.200")
    else:
        qtype = {"axfr": "AXFR", "notify": "SOA", "query": "SOA"}[opcode]
        m = dns.message.make_query(zone, qtype)
        if opcode == "notify":
            m.flags = dns.flags.AA  # the flags word holds the opcode: set it after
            m.set_opcode(dns.opcode.NOTIFY)
    if key:
        alg, name, secret = key.split(":", 2)
        m.use_tsig(dns.tsig.Key(name, secret, ALGS[alg]), keyname=name)
    return m.to_wire()


def exchange(wire, port, tcp, timeout=5.0, source=None):
    if tcp:
        src = (source, 0) if source else None
        with socket.create_connection(("127.0.0.1", port), timeout=timeout,
                                      source_address=src) as s:
            s.sendall(struct.pack("!H", len(wire)) + wire)
            buf = b""
            while len(buf) < 2 or len(buf) < 2 + struct.unpack("!H", buf[:2])[0]:
                chunk = s.recv(65535)
                if not chunk:
                    raise socket.timeout("connection closed")
                buf += chunk
            return buf[2:2 + struct.unpack("!H", buf[:2])[0]]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        if source:
            s.bind((source, 0))
        s.sendto(wire, ("127.0.0.1", port))
        while True:
            data, _ = s.recvfrom(65535)
            if data[:2] == wire[:2]:
                return data


def rcode(answer):
    return dns.rcode.to_text(struct.unpack("!H", answer[2:4])[0] & 0xF)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("opcode", choices=["update", "notify", "axfr", "query"])
    ap.add_argument("zone")
    ap.add_argument("--key")
    ap.add_argument("--tcp", action="store_true")
    ap.add_argument("--count", type=int, default=0)
    ap.add_argument("--source")
    a = ap.parse_args()
    tcp = a.tcp or a.opcode == "axfr"
    if not a.count:
        try:
            print(rcode(exchange(build(a.opcode, a.zone, a.key), a.port, tcp, source=a.source)))
        except (socket.timeout, OSError) as e:
            print("NONE (%s)" % e)
            sys.exit(1)
        return
    seen = {}
    for _ in range(a.count):
        try:
            r = rcode(exchange(build(a.opcode, a.zone, a.key), a.port, tcp, 2.0, a.source))
        except (socket.timeout, OSError):
            r = "lost"
        seen[r] = seen.get(r, 0) + 1
    for r, n in sorted(seen.items()):
        print(r, n)


if __name__ == "__main__":
    main()
