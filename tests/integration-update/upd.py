#!/usr/bin/python3
"""UPDATE client of the issue-4 end-to-end tests (dnspython from Debian).

  upd.py send   ...   one UPDATE, printed as `rcode=NAME tsig=ERR` where ERR
                      is the TSIG error of the answer's TSIG RR, or `none`
                      when the answer carries no TSIG RR.  Options can sign
                      with a clock that is off (--time-offset) or not sign.
  upd.py stream ...   CLIENTS threads, each sending COUNT updates (one new
                      name each, TXT and A alternately) one after the other,
                      waiting for each answer and retrying only on timeout
                      or SERVFAIL.  Every final answer is appended at once
                      (flushed) to the --log file:
                          ack NAME TYPE RDATA     answered NOERROR
                          fail NAME TYPE RCODE    any other final answer
                          lost NAME TYPE -        retries exhausted
                      and each attempt to `NAME TYPE RDATA` in --tried first.
                      With --gate FILE, the even-numbered clients wait for
                      FILE before their second half: what the test does
                      before creating FILE is then surely in the middle of
                      the stream, however fast the server is.

The answers are parsed by hand (header rcode, OPT extended rcode, TSIG
error) so that refusals and TSIG errors are seen exactly as sent, without
dnspython validating or rejecting them first.
"""
import argparse
import os
import random
import socket
import struct
import sys
import threading
import time

import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.tsig
import dns.update

ALGS = {
    "hmac-sha256": dns.tsig.HMAC_SHA256,
    "hmac-md5": dns.tsig.HMAC_MD5,
    "hmac-sha1": dns.tsig.HMAC_SHA1,
    "hmac-sha512": dns.tsig.HMAC_SHA512,
}


class _ShiftedClock:
    """Stands in for the time module inside dns.message while signing."""

    def __init__(self, offset):
        self.offset = offset

    def time(self):
        return time.time() + self.offset


def build(zone, ops, key=None, time_offset=0):
    """Wire form of an UPDATE of @zone with @ops, a list of
    ("add", name, ttl, type, rdata) / ("del", name, type[, rdata]) /
    ("delname", name); signed with @key = (name, alg, secret) unless None."""
    upd = dns.update.UpdateMessage(zone)
    for op in ops:
        if op[0] == "add":
            upd.add(op[1], int(op[2]), op[3], op[4])
        elif op[0] == "del":
            if len(op) > 3:
                upd.delete(op[1], op[2], op[3])
            else:
                upd.delete(op[1], op[2])
        elif op[0] == "delname":
            upd.delete(op[1])
        else:
            raise ValueError("unknown op %r" % (op,))
    if key is not None:
        name, alg, secret = key
        upd.use_tsig(dns.tsig.Key(name, secret, ALGS[alg]), keyname=name)
    if time_offset:
        real = dns.message.time
        dns.message.time = _ShiftedClock(time_offset)
        try:
            wire = upd.to_wire()
        finally:
            dns.message.time = real
    else:
        wire = upd.to_wire()
    return upd.id, wire


def _skip_name(wire, pos):
    while True:
        if pos >= len(wire):
            raise ValueError("truncated name")
        n = wire[pos]
        if n == 0:
            return pos + 1
        if n & 0xC0 == 0xC0:
            return pos + 2
        pos += 1 + n


def parse_reply(wire):
    """(id, rcode text, tsig error or None) of an answer."""
    if len(wire) < 12:
        raise ValueError("short answer")
    msgid, flags, qd, an, ns, ar = struct.unpack("!HHHHHH", wire[:12])
    rcode = flags & 0xF
    pos = 12
    for _ in range(qd):
        pos = _skip_name(wire, pos) + 4
    tsig_err = None
    for _ in range(an + ns + ar):
        pos = _skip_name(wire, pos)
        rtype, _cls, ttl, rdlen = struct.unpack("!HHIH", wire[pos:pos + 10])
        pos += 10
        rd = wire[pos:pos + rdlen]
        if rtype == 41:  # OPT: the upper 8 bits of the extended rcode
            rcode |= (ttl >> 24) << 4
        elif rtype == 250:  # TSIG: alg name, time 6, fudge 2, mac, id, error
            p = _skip_name(rd, 0) + 8
            (macsize,) = struct.unpack("!H", rd[p:p + 2])
            p += 2 + macsize + 2
            (tsig_err,) = struct.unpack("!H", rd[p:p + 2])
        pos += rdlen
    return msgid, dns.rcode.to_text(rcode), tsig_err


def exchange(wire, msgid, server, port, tcp, timeout):
    """Send @wire, return the answer with id @msgid; socket.timeout if none."""
    deadline = time.monotonic() + timeout
    if tcp:
        with socket.create_connection((server, port), timeout=timeout) as s:
            s.settimeout(timeout)
            s.sendall(struct.pack("!H", len(wire)) + wire)
            buf = b""
            while True:
                while len(buf) < 2 or len(buf) < 2 + struct.unpack("!H", buf[:2])[0]:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise socket.timeout()
                    s.settimeout(left)
                    chunk = s.recv(65536)
                    if not chunk:
                        raise ConnectionError("connection closed before the answer")
                    buf += chunk
                n = struct.unpack("!H", buf[:2])[0]
                msg, buf = buf[2:2 + n], buf[2 + n:]
                if parse_reply(msg)[0] == msgid:
                    return msg
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect((server, port))
        s.send(wire)
        while True:  # a late answer to an earlier attempt is not ours
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout()
            s.settimeout(left)
            msg = s.recv(65535)
            if len(msg) >= 12 and struct.unpack("!H", msg[:2])[0] == msgid:
                return msg


def parse_op(text):
    """'add NAME TTL TYPE RDATA...' | 'del NAME TYPE [RDATA...]' | 'delname NAME'"""
    f = text.split(None, 4 if text.startswith("add") else 3)
    if f[0] == "add" and len(f) == 5:
        return ("add", f[1], f[2], f[3], f[4])
    if f[0] == "del" and len(f) in (3, 4):
        return tuple(["del"] + f[1:])
    if f[0] == "delname" and len(f) == 2:
        return ("delname", f[1])
    raise SystemExit("bad --op %r" % text)


def key_arg(text):
    alg, name, secret = text.split(":", 2)
    if alg not in ALGS:
        raise SystemExit("unknown algorithm %r" % alg)
    return (name, alg, secret)


def cmd_send(a):
    key = None if a.unsigned else key_arg(a.key)
    msgid, wire = build(a.zone, [parse_op(o) for o in a.op], key, a.time_offset)
    try:
        ans = exchange(wire, msgid, a.server, a.port, a.tcp, a.timeout)
    except (socket.timeout, OSError) as e:
        print("rcode=TIMEOUT tsig=none (%s)" % e)
        return 1
    _id, rcode, tsig_err = parse_reply(ans)
    print("rcode=%s tsig=%s" % (rcode, "none" if tsig_err is None else tsig_err))
    return 0


def cmd_stream(a):
    key = key_arg(a.key)
    lock = threading.Lock()
    log = open(a.log, "a", buffering=1)
    tried = open(a.tried, "a", buffering=1) if a.tried else None
    stop = threading.Event()

    def stopped():
        return stop.is_set() or (a.stop_file and os.path.exists(a.stop_file))

    def write(f, line):
        with lock:
            f.write(line + "\n")
            f.flush()

    def client(c):
        tcp = a.transport == "tcp" or (a.transport == "mixed" and c % 2 == 1)
        for i in range(a.count):
            if stopped():
                return
            if a.gate and c % 2 == 0 and i == a.count // 2:
                gate_deadline = time.monotonic() + 600
                while not os.path.exists(a.gate) and time.monotonic() < gate_deadline:
                    if stopped():
                        return
                    time.sleep(0.05)
            name = "%s%02d-%03d.%s." % (a.prefix, c, i, a.zone.rstrip("."))
            if i % 2 == 0:
                rtype, rdata = "TXT", '"%s%02d %03d"' % (a.prefix, c, i)
            else:
                rtype, rdata = "A", "198.51.100.%d" % ((c * a.count + i) % 250 + 1)
            if tried:
                write(tried, "%s %s %s" % (name, rtype, rdata))
            deadline = time.monotonic() + a.deadline
            outcome = None
            while time.monotonic() < deadline:
                msgid, wire = build(a.zone, [("add", name, 300, rtype, rdata)], key)
                try:
                    ans = exchange(wire, msgid, a.server, a.port, tcp, a.timeout)
                except (socket.timeout, OSError):
                    if stopped():
                        return
                    time.sleep(random.uniform(0.05, 0.3))
                    continue
                _id, rcode, _t = parse_reply(ans)
                if rcode == "SERVFAIL":
                    if stopped():
                        return
                    time.sleep(random.uniform(0.05, 0.3))
                    continue
                outcome = rcode
                break
            if outcome == "NOERROR":
                write(log, "ack %s %s %s" % (name, rtype, rdata))
            elif outcome is None:
                write(log, "lost %s %s -" % (name, rtype))
            else:
                write(log, "fail %s %s %s" % (name, rtype, outcome))

    threads = [threading.Thread(target=client, args=(c,), daemon=True) for c in range(a.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    log.close()
    return 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("send")
    s.add_argument("--server", default="127.0.0.1")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--zone", required=True)
    s.add_argument("--key", help="ALG:NAME:SECRET")
    s.add_argument("--unsigned", action="store_true")
    s.add_argument("--time-offset", type=int, default=0, help="seconds added to the signing clock")
    s.add_argument("--tcp", action="store_true")
    s.add_argument("--timeout", type=float, default=20)
    s.add_argument("--op", action="append", required=True)
    t = sub.add_parser("stream")
    t.add_argument("--server", default="127.0.0.1")
    t.add_argument("--port", type=int, required=True)
    t.add_argument("--zone", required=True)
    t.add_argument("--key", required=True, help="ALG:NAME:SECRET")
    t.add_argument("--clients", type=int, required=True)
    t.add_argument("--count", type=int, required=True)
    t.add_argument("--prefix", default="c")
    t.add_argument("--transport", choices=["udp", "tcp", "mixed"], default="mixed")
    t.add_argument("--timeout", type=float, default=10, help="per attempt")
    t.add_argument("--deadline", type=float, default=240, help="per update, all attempts")
    t.add_argument("--log", required=True)
    t.add_argument("--tried")
    t.add_argument("--stop-file", help="clients stop once this file exists")
    t.add_argument("--gate", help="even-numbered clients send their second half "
                   "only once this file exists (at most 600 s later)")
    a = p.parse_args()
    if a.cmd == "send" and not a.unsigned and not a.key:
        p.error("send needs --key or --unsigned")
    return cmd_send(a) if a.cmd == "send" else cmd_stream(a)


if __name__ == "__main__":
    sys.exit(main())
