#!/usr/bin/python3
"""A tiny TSIG primary for example.com that misbehaves on purpose.

    fake_primary.py PORT KEYNAME SECRET MODEFILE

MODEFILE holds "MODE SERIAL" and is read at each request, so a test can
change the behaviour without restarting:
  good      SOA and a complete AXFR (IXFR gets the AXFR-style answer)
  wrongkey  SOA answers signed correctly, transfers signed with another secret
  outside   the transfer carries www.example.org., a record outside the zone
  cutoff    the transfer stops after its first message (no final SOA)
"""
import socket
import sys
import threading

import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.tsig
import dns.tsigkeyring

PORT, KEYNAME, SECRET, MODEFILE = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
KEYRING = dns.tsigkeyring.from_text({KEYNAME: SECRET})
WRONG = dns.tsigkeyring.from_text({KEYNAME: "QEneceGzMV3Bcpuyd4NdRemyOfEnNJoWPA13xlr5+gI="})
ORIGIN = dns.name.from_text("example.com.")


def mode():
    with open(MODEFILE) as f:
        m, serial = f.read().split()
    return m, int(serial)


def soa(serial):
    return dns.rrset.from_text(ORIGIN, 300, "IN", "SOA",
                               "ns1.example.com. hostmaster.example.com. %d 3600 5 604800 300" % serial)


def body(serial, m):
    rrs = [dns.rrset.from_text(ORIGIN, 300, "IN", "NS", "ns1.example.com."),
           dns.rrset.from_text("ns1.example.com.", 300, "IN", "A", "192.0.2.1"),
           dns.rrset.from_text("www.example.com.", 300, "IN", "A", "192.0.2.%d" % (serial % 250))]
    if m == "outside":
        rrs.append(dns.rrset.from_text("www.example.org.", 300, "IN", "A", "192.0.2.66"))
    return rrs


def answer_soa(q):
    m, serial = mode()
    r = dns.message.make_response(q)
    r.flags |= dns.flags.AA
    r.answer.append(soa(serial))
    return r.to_wire()


def send_tcp(conn, wire):
    conn.sendall(len(wire).to_bytes(2, "big") + wire)


def transfer(conn, q):
    m, serial = mode()
    r = dns.message.make_response(q)
    r.flags |= dns.flags.AA
    if m == "wrongkey":
        r.use_tsig(WRONG, keyname=KEYNAME)
    r.answer.append(soa(serial))
    for rr in body(serial, m):
        r.answer.append(rr)
    if m != "cutoff":
        r.answer.append(soa(serial))
    send_tcp(conn, r.to_wire())


def tcp_client(conn):
    try:
        conn.settimeout(10)
        while True:
            hdr = conn.recv(2)
            if len(hdr) < 2:
                return
            n = int.from_bytes(hdr, "big")
            data = b""
            while len(data) < n:
                chunk = conn.recv(n - len(data))
                if not chunk:
                    return
                data += chunk
            q = dns.message.from_wire(data, keyring=KEYRING)
            qt = q.question[0].rdtype
            if qt in (dns.rdatatype.AXFR, dns.rdatatype.IXFR):
                transfer(conn, q)
                return  # cut-off or not, the connection ends here
            send_tcp(conn, answer_soa(q))
    except Exception as e:  # a test helper: log and go on
        print("tcp error:", e, flush=True)
    finally:
        conn.close()


def tcp_loop(sock):
    while True:
        c, _ = sock.accept()
        threading.Thread(target=tcp_client, args=(c,), daemon=True).start()


def main():
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("127.0.0.1", PORT))
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind(("127.0.0.1", PORT))
    t.listen(8)
    threading.Thread(target=tcp_loop, args=(t,), daemon=True).start()
    print("fake primary on", PORT, flush=True)
    while True:
        data, peer = u.recvfrom(65535)
        try:
            q = dns.message.from_wire(data, keyring=KEYRING)
            u.sendto(answer_soa(q), peer)
        except Exception as e:
            print("udp error:", e, flush=True)


main()
