#!/usr/bin/python3
"""A misbehaving DNS server over TCP for the certify tests.

    bad_server.py PORT MODE

MODE: wrongid (answers with another ID), formerr (FORMERR, the question
echoed), silent (reads the query, never answers), garbage (a framed
message of random bytes), close (closes the connection at once).
Serves until killed.
"""
import os
import socket
import struct
import sys
import threading



def answer(wire, mode):
    """The header and question of @wire as an answer (built by hand: the
    query is TSIG-signed with a key this server does not know)."""
    qid, flags = struct.unpack("!HH", wire[:4])
    p = 12
    while wire[p] != 0:
        p += 1 + wire[p]
    question = wire[12:p + 5]
    if mode == "wrongid":
        qid = (qid + 1) & 0xFFFF
    rcode = 1 if mode == "formerr" else 0
    flags = 0x8000 | (flags & 0x7800) | 0x0400 | rcode
    return struct.pack("!HHHHHH", qid, flags, 1, 0, 0, 0) + question


def read_exact(c, n):
    b = b""
    while len(b) < n:
        chunk = c.recv(n - len(b))
        if not chunk:
            return None
        b += chunk
    return b


def serve(c, mode):
    with c:
        if mode == "close":
            return
        head = read_exact(c, 2)
        if head is None:
            return
        wire = read_exact(c, struct.unpack("!H", head)[0])
        if wire is None:
            return
        if mode == "silent":
            c.recv(1)  # until the client gives up
            return
        if mode == "garbage":
            out = os.urandom(200)
        else:
            out = answer(wire, mode)
        c.sendall(struct.pack("!H", len(out)) + out)


def main():
    port, mode = int(sys.argv[1]), sys.argv[2]
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(16)
    print("bad server (%s) on %d" % (mode, port), flush=True)
    while True:
        c, _ = s.accept()
        threading.Thread(target=serve, args=(c, mode), daemon=True).start()


if __name__ == "__main__":
    main()
