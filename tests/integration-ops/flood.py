#!/usr/bin/python3
"""Abusive TCP clients of the "holding under abuse" tests (loopback only).

  flood.py dns-slow  ...  slowloris against a DNS TCP port: each connection
                          sends a 2-byte length prefix announcing 200 bytes,
                          then one byte every --interval seconds; a
                          connection the server closes is opened again at
                          once (as an attacker would).
  flood.py dns-idle  ...  connections that send nothing at all.
  flood.py http-half ...  half-sent HTTP requests against a metrics port: a
                          request line and one header, never the blank line
                          that ends the head; reopened when closed.

Connections are spread round-robin over --sources (IPv4 addresses in
127/8, e.g. 127.10.0.1; several /24s make several client prefixes).  The
run is bounded: --conns connections at most, for --duration seconds, and
at most --rate new connections a second.  It prints one line of counts:
  opened=N closed_by_server=N held_max=N connect_failed=N
"""
import argparse
import errno
import resource
import selectors
import socket
import sys
import time

HTTP_HALF = b"GET /metrics HTTP/1.1\r\nHost: flood\r\n"


class Conn:
    def __init__(self, sock, src):
        self.sock = sock
        self.src = src
        self.sent = 0
        self.next_at = 0.0


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def open_conn(args, src, sel, stats):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind((src, 0))
        s.setblocking(False)
        err = s.connect_ex((args.addr, args.port))
        if err not in (0, errno.EINPROGRESS):
            raise OSError(err, "connect")
    except OSError:
        s.close()
        stats["connect_failed"] += 1
        return None
    c = Conn(s, src)
    c.next_at = time.monotonic()
    sel.register(s, selectors.EVENT_READ, c)
    stats["opened"] += 1
    return c


def payload(mode, c):
    """The next bytes to send on @c (empty: nothing now)."""
    if mode == "dns-slow":
        msg = b"\x00\xc8" + b"x" * 200
        return msg[c.sent:c.sent + 1]
    if mode == "http-half":
        return HTTP_HALF[c.sent:] if c.sent == 0 else b""
    return b""


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["dns-slow", "dns-idle", "http-half"])
    p.add_argument("--addr", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--sources", required=True, help="comma-separated IPv4 source addresses")
    p.add_argument("--conns", type=int, default=300)
    p.add_argument("--interval", type=float, default=2.0)
    p.add_argument("--duration", type=float, default=20.0)
    p.add_argument("--rate", type=float, default=500.0, help="new connections per second, at most")
    args = p.parse_args()
    raise_nofile()
    sources = args.sources.split(",")
    sel = selectors.DefaultSelector()
    stats = {"opened": 0, "closed_by_server": 0, "held_max": 0, "connect_failed": 0}
    conns = set()
    start = time.monotonic()
    budget = 0.0
    last = start
    k = 0
    while time.monotonic() - start < args.duration:
        now = time.monotonic()
        budget = min(budget + (now - last) * args.rate, args.rate)
        last = now
        while len(conns) < args.conns and budget >= 1:
            budget -= 1
            c = open_conn(args, sources[k % len(sources)], sel, stats)
            k += 1
            if c:
                conns.add(c)
        for c in list(conns):
            if c.next_at > now:
                continue
            data = payload(args.mode, c)
            c.next_at = now + args.interval
            if not data:
                continue
            try:
                n = c.sock.send(data)
                c.sent += n
            except BlockingIOError:
                pass
            except OSError:
                pass   # not connected yet, or reset: the read side tells
        for key, _ in sel.select(timeout=0.05):
            c = key.data
            try:
                data = c.sock.recv(4096)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if data:
                continue   # an answer (http-half: 431 or the like); keep waiting
            sel.unregister(c.sock)
            c.sock.close()
            conns.discard(c)
            stats["closed_by_server"] += 1
        stats["held_max"] = max(stats["held_max"], len(conns))
    for c in conns:
        c.sock.close()
    print(" ".join("%s=%d" % kv for kv in stats.items()))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
