#!/usr/bin/python3
"""flood.py - the traffic and the measurements of flood.sh.

    flood.py RESOLVER_PORT RESOLVER_PID METRICS_PORT TARGET RATE SOURCES DEADLINE

Against dns-resolver on 127.0.0.1:RESOLVER_PORT (whose --forward sends
test. to slowauth.py):

 1. warm-up: 40 names live<i>.fast.test. TXT from 127.0.0.1 (answered at
    once upstream, then cached), and 30 names of the flood's kind from
    each flood source;
 2. the baseline: VmRSS of RESOLVER_PID (/proc/PID/status);
 3. RATE queries a second for random names <label>.slow.test. TXT
    (answered upstream after a delay), spread over SOURCES source
    addresses 127.0.0.2, 127.0.0.3, ... (each address may have only so
    many queries waiting in the resolver), never waiting for answers,
    until TARGET distinct names have been answered NOERROR (or DEADLINE
    seconds have passed: the numbers then tell); meanwhile one cached name
    every 20 ms from 127.0.0.1, each waited for (at most 2 s), and VmRSS
    sampled every 100 ms;
 4. 3 s for the last answers, VmRSS again, and the resolver's metrics.

Prints one JSON object: rss_base_kb, rss_max_kb, rss_end_kb, flood_sent,
flood_rcodes (rcode -> count), distinct names answered NOERROR
(flood_noerror), live_ok, live_failed, live_max_ms, and the metrics
cache_bytes, cache_entries, cache_evictions, clients_refused.
Standard library only.
"""
import json
import os
import random
import selectors
import socket
import struct
import sys
import time
import urllib.request


def query(name, qid):
    wire = b"".join(bytes([len(l)]) + l.encode() for l in name.strip(".").split(".")) + b"\0"
    return struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + wire + struct.pack("!HH", 16, 1)


def rcode(msg):
    return msg[3] & 0x0F if len(msg) >= 12 else -1


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def ask(sock, name, timeout):
    """One query, waited for: (rcode, seconds) or (None, timeout)."""
    qid = random.getrandbits(16)
    t0 = time.monotonic()
    sock.send(query(name, qid))
    sock.settimeout(timeout)
    while True:
        try:
            msg = sock.recv(65535)
        except socket.timeout:
            return None, time.monotonic() - t0
        if len(msg) >= 2 and struct.unpack("!H", msg[:2])[0] == qid:
            return rcode(msg), time.monotonic() - t0


def metrics(port):
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, _, val = line.rpartition(" ")
            out[key] = float(val)
    return out


def main():
    port, pid, mport = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    target, rate, nsrc = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
    deadline = float(sys.argv[7])
    res = ("127.0.0.1", port)
    live = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    live.bind(("127.0.0.1", 0))
    live.connect(res)
    live_names = [f"live{i}.fast.test." for i in range(40)]
    for n in live_names:
        rc, _ = ask(live, n, 5)
        if rc != 0:
            sys.exit(f"flood.py: warm-up {n}: rcode {rc}")

    socks = []
    sel = selectors.DefaultSelector()
    for i in range(nsrc):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        s.bind((f"127.0.0.{2 + i}", 0))
        s.connect(res)
        socks.append(s)
    for s in socks:
        for i in range(30):
            s.send(query(f"warm{i}.{s.getsockname()[0]}.slow.test.", i))
    for s in socks:
        for i in range(30):
            s.settimeout(5)
            try:
                msg = s.recv(65535)
            except socket.timeout:
                sys.exit("flood.py: warm-up: no answer within 5 s")
            if rcode(msg) != 0:
                sys.exit(f"flood.py: warm-up: rcode {rcode(msg)}")
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
    base = rss_kb(pid)

    pending = {}        # qid -> name (the flood's ids are unique while waiting)
    rcodes, noerror = {}, set()
    sent = 0
    live_ok = live_failed = 0
    live_max = 0.0
    rss_max = base
    start = time.monotonic()
    next_live = next_rss = start
    stop = start + deadline

    def drain(timeout):
        for key, _ in sel.select(timeout):
            while True:
                try:
                    msg = key.fileobj.recv(65535)
                except BlockingIOError:
                    break
                rc = rcode(msg)
                rcodes[rc] = rcodes.get(rc, 0) + 1
                name = pending.pop(struct.unpack("!H", msg[:2])[0], None) if len(msg) >= 2 else None
                if rc == 0 and name:
                    noerror.add(name)

    while True:
        now = time.monotonic()
        if now >= stop or len(noerror) >= target:
            break
        due = int((now - start) * rate) - sent
        for _ in range(max(0, min(due, 2000))):
            qid = sent & 0xFFFF
            name = f"{random.getrandbits(48):012x}.slow.test."
            pending[qid] = name
            try:
                socks[sent % nsrc].send(query(name, qid))
            except BlockingIOError:
                pass
            sent += 1
        if now >= next_live:
            rc, took = ask(live, random.choice(live_names), 2)
            live_max = max(live_max, took)
            if rc == 0:
                live_ok += 1
            else:
                live_failed += 1
            next_live = time.monotonic() + 0.02
        if now >= next_rss:
            rss_max = max(rss_max, rss_kb(pid))
            next_rss = now + 0.1
        drain(0.002)
    end_wait = time.monotonic() + 3
    while time.monotonic() < end_wait:
        drain(0.05)
        rss_max = max(rss_max, rss_kb(pid))
    end = rss_kb(pid)
    m = metrics(mport)
    print(json.dumps({
        "seconds": round(time.monotonic() - start, 1), "rss_base_kb": base, "rss_max_kb": max(rss_max, end), "rss_end_kb": end,
        "flood_sent": sent, "flood_rcodes": {str(k): v for k, v in sorted(rcodes.items())},
        "flood_noerror": len(noerror), "live_ok": live_ok, "live_failed": live_failed,
        "live_max_ms": round(live_max * 1000),
        "cache_bytes": m.get("dns_resolver_cache_bytes", -1),
        "cache_entries": m.get("dns_resolver_cache_entries", -1),
        "cache_evictions": m.get("dns_resolver_cache_evictions_total", -1),
        "clients_refused": m.get("dns_resolver_clients_refused_total", -1),
    }))


if __name__ == "__main__":
    main()
