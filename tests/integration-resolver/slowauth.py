#!/usr/bin/python3
"""slowauth.py PORT DELAY_MS TXT_BYTES - a slow DNS server for flood.sh.

Answers every query on 127.0.0.1:PORT (UDP) as a forwarder would
(RA, the client's RD, AA), each DELAY_MS milliseconds after it came.  The answer is one record at the
query name: for TXT, TXT_BYTES bytes of text in 255-byte strings; for
any other type, an A record.  TTL 3600.  Queries it cannot parse are
ignored.  Standard library only, so that it costs little per query.
"""
import asyncio
import struct
import sys


def question(msg):
    """(end of the question, qname labels lower-cased, qtype) or None."""
    if len(msg) < 12 or struct.unpack("!H", msg[4:6])[0] != 1:
        return None
    pos, labels = 12, []
    while True:
        if pos >= len(msg):
            return None
        n = msg[pos]
        if n == 0:
            pos += 1
            break
        if n > 63 or pos + 1 + n > len(msg):
            return None
        labels.append(msg[pos + 1:pos + 1 + n].lower())
        pos += 1 + n
    if pos + 4 > len(msg):
        return None
    return pos + 4, labels, struct.unpack("!H", msg[pos:pos + 2])[0]


def answer(msg, end, qtype, txt_bytes):
    flags = 0x8000 | 0x0400 | 0x0080 | (struct.unpack("!H", msg[2:4])[0] & 0x0100)
    head = msg[:2] + struct.pack("!HHHHH", flags, 1, 1, 0, 0)
    if qtype == 16:
        text = b"x" * txt_bytes
        rdata = b"".join(bytes([len(c)]) + c for c in (text[i:i + 255] for i in range(0, len(text), 255)))
    else:
        qtype, rdata = 1, bytes([192, 0, 2, 1])
    rr = struct.pack("!HHHIH", 0xC00C, qtype, 1, 3600, len(rdata)) + rdata
    return head + msg[12:end] + rr


class Server(asyncio.DatagramProtocol):
    def __init__(self, delay, txt_bytes):
        self.delay, self.txt_bytes = delay, txt_bytes

    def connection_made(self, transport):
        self.t = transport

    def datagram_received(self, data, addr):
        q = question(data)
        if q is None or data[2] & 0x80:
            return
        end, _labels, qtype = q
        out = answer(data, end, qtype, self.txt_bytes)
        if self.delay:
            asyncio.get_running_loop().call_later(self.delay, self.t.sendto, out, addr)
        else:
            self.t.sendto(out, addr)


async def main():
    port, delay_ms, txt_bytes = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    loop = asyncio.get_running_loop()
    await loop.create_datagram_endpoint(lambda: Server(delay_ms / 1000, txt_bytes),
                                        local_addr=("127.0.0.1", port))
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
