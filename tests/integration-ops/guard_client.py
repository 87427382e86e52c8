#!/usr/bin/python3
"""Clients of the rate limiting, cookie and TSIG replay tests (guard_*.sh).

  flood  --src A --port P --seconds S [--name N]
         identical queries from A as fast as one socket sends them for S
         seconds; prints "sent=N answered=N tc=N other=N"
  steady --src A --port P --count N [--interval S] [--cookie]
         N queries one after the other (each waits up to 2 s, one retry on
         silence); with --cookie the client first learns a server cookie
         and sends it in every query; prints "sent=N answered=N tc=N"
  cookie --port P [--src A] [--cookie HEX] [--tcp]
         one query carrying COOKIE option data HEX (default: a fresh
         client cookie); prints "rcode=NAME cookie=HEX answers=N"
  capture --listen L --to P --out FILE
         a UDP relay from port L to port P that saves the first request
         it relays in FILE (to capture what nsupdate sends)
  replay --port P --file FILE [--tcp]
         send FILE's bytes as they are; prints "rcode=NAME" or "no answer"
  notify --port P --key NAME:SECRET --zone Z --out FILE
         a signed NOTIFY for Z (hmac-sha256); its bytes saved in FILE;
         prints "rcode=NAME" or "no answer"
"""
import argparse
import os
import select
import socket
import struct
import sys
import time

import dns.edns
import dns.flags
import dns.message
import dns.opcode
import dns.rcode
import dns.tsigkeyring

COOKIE = 10


def udp_socket(src):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 0))
    return s


def flood(a):
    s = udp_socket(a.src)
    s.setblocking(False)
    q = dns.message.make_query(a.name, "A")
    sent = answered = tc = other = 0

    def drain():
        nonlocal answered, tc, other
        while True:
            try:
                data = s.recv(65535)
            except BlockingIOError:
                return
            m = dns.message.from_wire(data)
            if m.flags & dns.flags.TC:
                tc += 1
            elif m.rcode() == dns.rcode.NOERROR and m.answer:
                answered += 1
            else:
                other += 1

    end = time.monotonic() + a.seconds
    while time.monotonic() < end:
        for _ in range(64):
            q.id = sent & 0xFFFF
            try:
                s.sendto(q.to_wire(), ("127.0.0.1", a.port))
                sent += 1
            except BlockingIOError:
                break
        drain()
    stop = time.monotonic() + 1.0  # stragglers
    while time.monotonic() < stop:
        select.select([s], [], [], 0.1)
        drain()
    print(f"sent={sent} answered={answered} tc={tc} other={other}")


def exchange(s, wire, port, timeout=2.0):
    s.settimeout(timeout)
    s.sendto(wire, ("127.0.0.1", port))
    while True:
        data, _ = s.recvfrom(65535)
        if data[:2] == wire[:2]:
            return dns.message.from_wire(data)


def cookie_of(m):
    for o in m.options:
        if o.otype == COOKIE:
            if hasattr(o, "client"):  # dnspython >= 2.5 parses it
                return o.client + o.server
            return o.data
    return None


def cookie_query(name, data):
    q = dns.message.make_query(name, "A", use_edns=0,
                               options=[dns.edns.GenericOption(COOKIE, data)])
    return q


def steady(a):
    s = udp_socket(a.src)
    client = os.urandom(8)
    server = b""
    if a.cookie:
        # learn the server cookie: from an answer, or from a BADCOOKIE (what
        # a limited response becomes for a cookie client); a dropped one is
        # asked again, as resolvers do
        for _ in range(20):
            try:
                r = exchange(s, cookie_query("www.example.com", client).to_wire(), a.port, 0.5)
            except socket.timeout:
                continue
            c = cookie_of(r)
            if c and len(c) == 24:
                server = c[8:]
                break
        if not server:
            sys.exit("no server cookie learnt")
    sent = answered = tc = 0
    for i in range(a.count):
        if a.cookie:
            q = cookie_query("www.example.com", client + server)
        else:
            q = dns.message.make_query("www.example.com", "A")
        sent += 1
        r = None
        for _ in range(2):
            try:
                r = exchange(s, q.to_wire(), a.port)
                break
            except socket.timeout:
                continue
        if r is not None and r.flags & dns.flags.TC:
            tc += 1
        elif r is not None and r.rcode() == dns.rcode.NOERROR and r.answer:
            answered += 1
        time.sleep(a.interval)
    print(f"sent={sent} answered={answered} tc={tc}")


def rcode_name(m):
    return dns.rcode.to_text(m.rcode())


def one_cookie(a):
    data = bytes.fromhex(a.cookie) if a.cookie else os.urandom(8)
    q = cookie_query("www.example.com", data)
    if a.tcp:
        import dns.query
        r = dns.query.tcp(q, "127.0.0.1", port=a.port, timeout=3)
    else:
        s = udp_socket(a.src)
        r = exchange(s, q.to_wire(), a.port, timeout=3)
    c = cookie_of(r)
    print(f"rcode={rcode_name(r)} cookie={c.hex() if c else '-'} answers={len(r.answer)}")


def malformed_cookie(a):
    """A COOKIE option of a length RFC 7873 forbids, written by hand."""
    q = dns.message.make_query("www.example.com", "A", use_edns=0)
    wire = bytearray(q.to_wire())
    opt = bytes.fromhex(a.hex)
    body = struct.pack("!HH", COOKIE, len(opt)) + opt
    # the OPT RR is last and empty: its RDLENGTH is the last two bytes
    wire[-2:] = struct.pack("!H", len(body))
    wire += body
    s = udp_socket(a.src)
    s.settimeout(3)
    s.sendto(bytes(wire), ("127.0.0.1", a.port))
    data = s.recv(65535)
    rcode = data[3] & 0xF
    print(f"rcode={dns.rcode.to_text(rcode)}")


def capture(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", a.listen))
    up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    saved = False
    print("ready", flush=True)
    while True:
        r, _, _ = select.select([s, up], [], [], 60)
        if not r:
            return
        if s in r:
            data, client = s.recvfrom(65535)
            if not saved:
                with open(a.out + ".tmp", "wb") as f:
                    f.write(data)
                os.rename(a.out + ".tmp", a.out)
                saved = True
            up.sendto(data, ("127.0.0.1", a.to))
            last_client = client
        if up in r:
            data, _ = up.recvfrom(65535)
            s.sendto(data, last_client)


def send_raw(wire, port, tcp, timeout=3):
    if tcp:
        c = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        c.sendall(struct.pack("!H", len(wire)) + wire)
        try:
            head = c.recv(2)
            if len(head) < 2:
                return None
            n = struct.unpack("!H", head)[0]
            data = b""
            while len(data) < n:
                chunk = c.recv(n - len(data))
                if not chunk:
                    return None
                data += chunk
            return data
        except socket.timeout:
            return None
        finally:
            c.close()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    s.sendto(wire, ("127.0.0.1", port))
    try:
        return s.recv(65535)
    except socket.timeout:
        return None


def replay(a):
    with open(a.file, "rb") as f:
        wire = f.read()
    data = send_raw(wire, a.port, a.tcp)
    if data is None:
        print("no answer")
    else:
        print(f"rcode={dns.rcode.to_text(data[3] & 0xF)}")


def notify(a):
    name, secret = a.key.rsplit(":", 1)
    kr = dns.tsigkeyring.from_text({name: ("hmac-sha256", secret)})
    q = dns.message.make_query(a.zone, "SOA")
    q.set_opcode(dns.opcode.NOTIFY)
    q.flags |= dns.flags.AA
    q.flags &= ~dns.flags.RD
    q.use_tsig(kr, keyname=name, algorithm="hmac-sha256")
    wire = q.to_wire()
    with open(a.out, "wb") as f:
        f.write(wire)
    data = send_raw(wire, a.port, False)
    print("no answer" if data is None else f"rcode={dns.rcode.to_text(data[3] & 0xF)}")


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("flood")
    f.add_argument("--src", required=True)
    f.add_argument("--port", type=int, required=True)
    f.add_argument("--seconds", type=float, default=2.0)
    f.add_argument("--name", default="www.example.com")
    st = sub.add_parser("steady")
    st.add_argument("--src", required=True)
    st.add_argument("--port", type=int, required=True)
    st.add_argument("--count", type=int, default=10)
    st.add_argument("--interval", type=float, default=0.1)
    st.add_argument("--cookie", action="store_true")
    c = sub.add_parser("cookie")
    c.add_argument("--port", type=int, required=True)
    c.add_argument("--src", default="127.0.0.1")
    c.add_argument("--cookie")
    c.add_argument("--tcp", action="store_true")
    mc = sub.add_parser("malformed-cookie")
    mc.add_argument("--port", type=int, required=True)
    mc.add_argument("--src", default="127.0.0.1")
    mc.add_argument("--hex", required=True)
    cp = sub.add_parser("capture")
    cp.add_argument("--listen", type=int, required=True)
    cp.add_argument("--to", type=int, required=True)
    cp.add_argument("--out", required=True)
    rp = sub.add_parser("replay")
    rp.add_argument("--port", type=int, required=True)
    rp.add_argument("--file", required=True)
    rp.add_argument("--tcp", action="store_true")
    n = sub.add_parser("notify")
    n.add_argument("--port", type=int, required=True)
    n.add_argument("--key", required=True)
    n.add_argument("--zone", required=True)
    n.add_argument("--out", required=True)
    a = p.parse_args()
    {"flood": flood, "steady": steady, "cookie": one_cookie, "malformed-cookie": malformed_cookie,
     "capture": capture, "replay": replay, "notify": notify}[a.cmd](a)


if __name__ == "__main__":
    main()
