#!/usr/bin/python3
"""Write the seed corpora of tests/fuzz/fuzz_certify_records and
fuzz_certify_flow (run from the repository root; the files are committed).

The fuzz targets derive their key from the seed "fuzz" (p256, the
documented derivation: d = HKDF-SHA256(seed, info "dnscertify key v1 p256 0")),
so the seeds can hold a certificate that matches it and reach the chain
checks and the DONE state.
"""
import datetime
import os
import struct

import dns.message
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.update
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.x509.oid import NameOID

ROOT = os.path.join("tests", "fuzz", "corpus")
OWNER = "_letsencrypt._tcp.www.example.com."
NOW = datetime.datetime(2027, 1, 15)   # the targets' clock: 1800000000 s


def fuzz_key():
    d = HKDF(hashes.SHA256(), 32, None, b"dnscertify key v1 p256 0").derive(b"fuzz")
    return ec.derive_private_key(int.from_bytes(d, "big"), ec.SECP256R1())


def cert(pub, cn, issuer, ikey, ca, names=None):
    b = (x509.CertificateBuilder()
         .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
         .issuer_name(issuer).public_key(pub).serial_number(x509.random_serial_number())
         .not_valid_before(NOW - datetime.timedelta(days=1))
         .not_valid_after(NOW + datetime.timedelta(days=89))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(pub), critical=False)
         .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ikey.public_key()),
                        critical=False))
    if names:
        b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), False)
    return b.sign(ikey, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def write(d, name, data):
    os.makedirs(os.path.join(ROOT, d), exist_ok=True)
    with open(os.path.join(ROOT, d, name), "wb") as f:
        f.write(data)


def tlsa(u, s, m, der):
    return dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.TLSA, "%d %d %d %s" % (u, s, m, der.hex()))


def answer(qtype, rdatas=(), rcode=0):
    q = dns.message.make_query(OWNER, qtype)
    r = dns.message.make_response(q)
    if rdatas:
        rs = dns.rrset.RRset(dns.name.from_text(OWNER), dns.rdataclass.IN, rdatas[0].rdtype)
        for rd in rdatas:
            rs.add(rd, 3600)
        r.answer.append(rs)
    r.set_rcode(rcode)
    return r.to_wire()


def update_answer(rcode=0):
    u = dns.update.UpdateMessage("example.com")
    r = dns.message.make_response(u)
    r.set_rcode(rcode)
    return r.to_wire()


def events(*evs):
    return b"".join(struct.pack("!BH", op, len(b)) + b for op, b in evs)


def main():
    rk, ik, k = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1()), fuzz_key()
    rname = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fuzz root")])
    root = cert(rk.public_key(), "fuzz root", rname, rk, True)
    iname = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fuzz inter")])
    inter = cert(ik.public_key(), "fuzz inter", rname, rk, True)
    ee = cert(k.public_key(), "www.example.com", iname, ik, False, ["www.example.com"])
    other = cert(ec.generate_private_key(ec.SECP256R1()).public_key(), "www.example.com", iname, ik,
                 False, ["www.example.com"])
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "www.example.com")]))
           .sign(k, hashes.SHA256()).public_bytes(serialization.Encoding.DER))
    # records
    write("certify_records", "cert", b"\x03\x00\x00" + ee)
    write("certify_records", "ca", b"\x00\x00\x00" + inter)
    write("certify_records", "csr", b"\x03\xff\x00" + csr)
    status = b"v=certify1; state=failed; error=rateLimited; retry=2027-01-15T10:00:00Z; detail=too many"
    write("certify_records", "status", bytes([len(status)]) + status)
    write("certify_records", "time", b"2026-12-06T10:00:00.5+01:00")
    lst = b"".join(struct.pack("!H", len(r)) + r for r in
                   (b"\x03\x00\x00" + other, b"\x03\x00\x00" + ee, b"\x00\x00\x00" + root,
                    b"\x00\x00\x00" + inter))
    write("certify_records", "rrset", lst)
    # flow: found at once; the whole publish-and-wait path; failures
    found = answer("TLSA", [tlsa(3, 0, 0, ee), tlsa(0, 0, 0, inter), tlsa(3, 255, 0, csr)])
    write("certify_flow", "found", events((2, found)))
    pend = answer("TXT", [dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.TXT,
                                              '"v=certify1; state=pending"')])
    write("certify_flow", "publish_wait", events(
        (2, answer("TLSA", [tlsa(3, 255, 0, b"\x30\x00"), tlsa(3, 0, 0, other)])), (2, pend),
        (2, update_answer()), (10, answer("TLSA")), (2, pend), (40, found)))
    failed = answer("TXT", [dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.TXT,
                                                '"%s"' % status.decode())])
    write("certify_flow", "solver_failed", events(
        (2, answer("TLSA", [tlsa(3, 255, 0, csr)])), (2, failed)))
    write("certify_flow", "refused", events((2, answer("TLSA")), (2, answer("TXT")),
                                             (2, update_answer(5))))
    write("certify_flow", "neterrors", events((0, b""), (4, b"\x00" * 12), (1, b"\x12\x34junk"),
                                               (2, answer("TLSA", rcode=2)), (0, b"")))


if __name__ == "__main__":
    main()
